/*
 * limits.h - every fixed limit on outside input, in one place.
 *
 * The code that enforces a limit is the only code that names it. Limits that
 * operators may tune live in config.c's table instead (header and body sizes,
 * timeouts, connection counts); the constants here are the hard ceilings.
 */
#ifndef GRIDD_LIMITS_H
#define GRIDD_LIMITS_H

/* JSON request bodies: deepest nesting of arrays/objects accepted. */
#define LIMIT_JSON_DEPTH 32

/* Request target (path + query) length; longer answers 414. */
#define LIMIT_URI_BYTES (8 * 1024)

/* Path segments and path parameters a route may have. */
#define LIMIT_PATH_SEGMENTS 16
#define LIMIT_PATH_PARAMS 8

/* Client-supplied X-Request-Id: longer or unsafe ids are replaced. */
#define LIMIT_REQUEST_ID_BYTES 64

/*
 * libevent 2.1 has no hook between headers and body, so our own header and
 * body limits are checked once the request is read. libevent's limits are set
 * above ours as a backstop: headers beyond LIMIT_HEADER_BYTES_HARD, or bodies
 * larger than the largest route limit plus LIMIT_BODY_HARD_SLACK, are cut by
 * libevent itself (plain 400/413, connection closed).
 */
#define LIMIT_HEADER_BYTES_HARD (64 * 1024)
#define LIMIT_BODY_HARD_SLACK (1024 * 1024)

/* POST /v1/cells/import: a GeoJSON file of grid cells. */
#define LIMIT_CELLS_IMPORT_BYTES (32 * 1024 * 1024)

/* A photo upload's body, hard ceiling: photo_max_bytes (config) is checked
 * below it and may not be set higher. */
#define LIMIT_PHOTO_BODY_HARD (64 * 1024 * 1024)

/* Problems listed in one answer to a refused import; the rest are counted. */
#define LIMIT_IMPORT_PROBLEMS 1000

/* GET /v1/cells: the most cells in one FeatureCollection. */
#define LIMIT_CELLS_EXPORT 20000

/* Problem details: longest detail text we echo back. */
#define LIMIT_PROBLEM_DETAIL_BYTES 1024

/* Database: parameters of one statement. */
#define LIMIT_DB_PARAMS 32

/* Configuration file: longest line and most lines. */
#define LIMIT_CONFIG_LINE_BYTES 4096
#define LIMIT_CONFIG_LINES 10000

#endif

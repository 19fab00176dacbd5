/*
 * cells_geojson.h - grid cells in and out as GeoJSON (RFC 7946).
 *
 * Import runs in two stages, both shared by `gridd import-cells FILE` and
 * POST /v1/cells/import:
 *
 *  1. cells_geojson_check (pure, no I/O): the shape of the document. A
 *     FeatureCollection of at most max_features Features; each geometry a
 *     Polygon or MultiPolygon of closed rings (>= 4 positions) of [lon, lat]
 *     positions with lon in [-180, 180] and lat in [-90, 90]; properties.code
 *     (or the Feature's string id) a valid grid cell code (domain/codes.h)
 *     used by no other feature; properties.name 1-100 characters; optional
 *     population and households (whole numbers >= 0 or null) and
 *     district_name, street_name, community_name (names of the areas the code
 *     belongs to: given, they create or rename those areas). Other properties
 *     (a GIS tool's Shape_Area ...) are ignored.
 *
 *  2. CELLS_GEOJSON_IMPORT_SQL (PostgreSQL + PostGIS, one statement, so all
 *     or nothing): geometry validity (ST_IsValidReason), the areas the codes
 *     belong to (known, or named in the file, consistently), overlaps above a
 *     tolerance between the file's cells and with the stored cells the file
 *     does not replace. Only when nothing is wrong does the same statement
 *     write: areas upserted, cells inserted or replaced by code.
 *
 * Every problem names its feature: pointer "/features/<i>/..." and
 * feature <i>, so one answer lists everything wrong with a file.
 */
#ifndef GRIDD_GEO_CELLS_GEOJSON_H
#define GRIDD_GEO_CELLS_GEOJSON_H

#include <jansson.h>
#include <stddef.h>

/* Positions in one feature / in one file: beyond these a file is refused. */
#define CELLS_GEOJSON_MAX_FEATURE_POSITIONS 20000
#define CELLS_GEOJSON_MAX_TOTAL_POSITIONS 2000000
/* Pairs of cells whose bounding boxes meet; a grid has about 4 per cell. */
#define CELLS_GEOJSON_MAX_PAIRS 1000000

/*
 * Appends one problem {pointer, detail, feature} to *errors (creating the
 * array); feature < 0 for a problem of the whole document.
 */
void cells_geojson_problem(json_t **errors, long feature, const char *pointer_tail,
                           const char *detail);

/*
 * Checks a parsed GeoJSON document. Returns a new object ready for
 * CELLS_GEOJSON_IMPORT_SQL, or NULL when *errors got at least one problem:
 *   cells: [{i, code, name, geometry, population, households, district_name,
 *            street_name, community_name}]  (absent optional members null)
 *   pairs: [[i, j]]  the features (i < j) whose bounding boxes meet, found
 *            by a sort-and-sweep here: the only pairs PostGIS has to test for
 *            overlap.
 */
json_t *cells_geojson_check(const json_t *doc, size_t max_features, json_t **errors);

/*
 * One statement: $1 the object from cells_geojson_check (jsonb text), $2 the
 * overlap tolerance in square metres. Rows: (kind, feature, pointer, detail,
 * created, updated); kind 'problem' rows (sorted by feature) when the file is
 * refused, else one 'imported' row with the counts of cells created and
 * replaced. Run it in a transaction after CELLS_GEOJSON_LOCK_SQL so two
 * imports do not check against each other's half-written cells.
 */
extern const char CELLS_GEOJSON_IMPORT_SQL[];
extern const char CELLS_GEOJSON_LOCK_SQL[];

/*
 * The export: $1 an area code prefix ('' for all), $2..$5 a bbox (min lon,
 * min lat, max lon, max lat; '' for none), $6 the most features. One row:
 * the number of cells matched (at most $6 + 1) and the FeatureCollection text
 * (the first $6 cells by code), whose properties import back unchanged.
 */
extern const char CELLS_GEOJSON_EXPORT_SQL[];

#endif

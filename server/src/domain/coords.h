/*
 * coords.h - conversion between the coordinate systems of Chinese map SDKs
 * and WGS-84, which is what gridd stores (GeoJSON [lon, lat], PostGIS 4326).
 *
 *   WGS-84  GPS, EXIF, GeoJSON, OpenStreetMap.
 *   GCJ-02  火星坐标 ("Mars coordinates"), the obfuscated datum that maps
 *           published in China must use: AMap (高德), Tencent, Google China,
 *           the WeChat location API. Shifted from WGS-84 by ~100-700 m.
 *   BD-09   Baidu's datum: GCJ-02 with a further offset of ~ hundreds of m.
 *
 * The published algorithms: the GCJ-02 offset is computed on the Krasovsky
 * 1940 ellipsoid (a = 6378245.0, ee = 0.00669342162296594323) and only inside
 * a bounding box of China (coords_out_of_china); BD-09 adds
 * x_pi = pi * 3000 / 180 terms. The inverses (to WGS-84, to GCJ-02) are
 * solved by iteration until the forward transform of the answer reproduces
 * the input within 1e-9 degrees, so they are exact to well under a
 * millimetre rather than the up to ~5 m of the usual one-step inverse.
 *
 * The box check applies to the GCJ-02 step only (points outside China are
 * not shifted); the BD-09 <-> GCJ-02 step is applied everywhere, as Baidu's
 * own formulas and the common libraries do.
 *
 * All functions are pure (no state, thread-safe) and take degrees.
 */
#ifndef GRIDD_DOMAIN_COORDS_H
#define GRIDD_DOMAIN_COORDS_H

#include <stdbool.h>
#include <stddef.h>

/* A point in degrees: longitude east, latitude north (GeoJSON order). */
struct coords_point {
	double lon;
	double lat;
};

enum coords_system {
	COORDS_WGS84,
	COORDS_GCJ02,
	COORDS_BD09,
	COORDS_SYSTEM_COUNT
};

/* True for finite longitude in [-180, 180] and latitude in [-90, 90]. */
bool coords_is_valid(struct coords_point p);

/* The usual rough box around China (lon 72.004-137.8347, lat 0.8293-55.8271);
 * also true for non-finite input, so such points are never shifted. */
bool coords_out_of_china(struct coords_point p);

struct coords_point coords_wgs84_to_gcj02(struct coords_point wgs);
struct coords_point coords_gcj02_to_wgs84(struct coords_point gcj);   /* iterative, exact */
struct coords_point coords_gcj02_to_bd09(struct coords_point gcj);
struct coords_point coords_bd09_to_gcj02(struct coords_point bd);     /* iterative, exact */
struct coords_point coords_wgs84_to_bd09(struct coords_point wgs);
struct coords_point coords_bd09_to_wgs84(struct coords_point bd);

/* Converts a point given in `from` to WGS-84, and back again. */
struct coords_point coords_to_wgs84(enum coords_system from, struct coords_point p);
struct coords_point coords_from_wgs84(enum coords_system to, struct coords_point wgs);

/* Great-circle (haversine) distance in metres on a sphere of the mean Earth
 * radius 6371008.8 m; good to ~0.5 %, enough to flag far-away photos. */
double coords_distance_m(struct coords_point a, struct coords_point b);

/* Stable names "wgs84", "gcj02", "bd09" for query parameters and JSON. */
const char *coords_system_name(enum coords_system system);

/* Parses a name of coords_system_name (len bytes, no NUL needed), case-
 * insensitively: 0 and *system set on success, -1 otherwise. */
int coords_system_from_name(const char *name, size_t len, enum coords_system *system);

#endif

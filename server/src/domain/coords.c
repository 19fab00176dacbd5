/*
 * coords.c - WGS-84 / GCJ-02 / BD-09 conversion (see coords.h).
 */
#include "domain/coords.h"

#include <math.h>
#include <string.h>

#define PI 3.14159265358979323846               /* M_PI is not ISO C */
#define KRASOVSKY_A 6378245.0                    /* semi-major axis, metres */
#define KRASOVSKY_EE 0.00669342162296594323      /* first eccentricity squared */
#define BD09_X_PI (PI * 3000.0 / 180.0)
#define INVERSE_TOLERANCE_DEG 1e-9               /* forward(answer) vs input */
#define INVERSE_MAX_ITERATIONS 30                /* converges in ~3-4 */
#define MEAN_EARTH_RADIUS_M 6371008.8

static const char *const system_names[COORDS_SYSTEM_COUNT] = {
	[COORDS_WGS84] = "wgs84",
	[COORDS_GCJ02] = "gcj02",
	[COORDS_BD09] = "bd09",
};

bool coords_is_valid(struct coords_point p)
{
	return isfinite(p.lon) && isfinite(p.lat) && p.lon >= -180.0 && p.lon <= 180.0 &&
	       p.lat >= -90.0 && p.lat <= 90.0;
}

bool coords_out_of_china(struct coords_point p)
{
	if (!isfinite(p.lon) || !isfinite(p.lat))
		return true;
	return p.lon < 72.004 || p.lon > 137.8347 || p.lat < 0.8293 || p.lat > 55.8271;
}

/* The published GCJ-02 offset polynomials, in the "x = lon-105, y = lat-35" frame. */
static double transform_lat(double x, double y)
{
	double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x));
	r += (20.0 * sin(6.0 * x * PI) + 20.0 * sin(2.0 * x * PI)) * 2.0 / 3.0;
	r += (20.0 * sin(y * PI) + 40.0 * sin(y / 3.0 * PI)) * 2.0 / 3.0;
	r += (160.0 * sin(y / 12.0 * PI) + 320.0 * sin(y * PI / 30.0)) * 2.0 / 3.0;
	return r;
}

static double transform_lon(double x, double y)
{
	double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));
	r += (20.0 * sin(6.0 * x * PI) + 20.0 * sin(2.0 * x * PI)) * 2.0 / 3.0;
	r += (20.0 * sin(x * PI) + 40.0 * sin(x / 3.0 * PI)) * 2.0 / 3.0;
	r += (150.0 * sin(x / 12.0 * PI) + 300.0 * sin(x / 30.0 * PI)) * 2.0 / 3.0;
	return r;
}

struct coords_point coords_wgs84_to_gcj02(struct coords_point wgs)
{
	if (coords_out_of_china(wgs))
		return wgs;
	double dlat = transform_lat(wgs.lon - 105.0, wgs.lat - 35.0);
	double dlon = transform_lon(wgs.lon - 105.0, wgs.lat - 35.0);
	double radlat = wgs.lat / 180.0 * PI;
	double magic = sin(radlat);
	magic = 1.0 - KRASOVSKY_EE * magic * magic;
	double sqrtmagic = sqrt(magic);
	dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrtmagic) * PI);
	dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrtmagic * cos(radlat) * PI);
	struct coords_point gcj = {wgs.lon + dlon, wgs.lat + dlat};
	return gcj;
}

/*
 * Solves forward(x) = target for x, starting from `guess`, by fixed-point
 * iteration x -= forward(x) - target. Both forward transforms are the
 * identity plus a slowly varying offset, so each step gains about two
 * digits; bounded by INVERSE_MAX_ITERATIONS whatever the input.
 */
static struct coords_point invert(struct coords_point (*forward)(struct coords_point),
				  struct coords_point target, struct coords_point guess)
{
	struct coords_point x = guess;
	for (int i = 0; i < INVERSE_MAX_ITERATIONS; i++) {
		struct coords_point f = forward(x);
		double dlon = f.lon - target.lon, dlat = f.lat - target.lat;
		if (fabs(dlon) < INVERSE_TOLERANCE_DEG && fabs(dlat) < INVERSE_TOLERANCE_DEG)
			break;
		x.lon -= dlon;
		x.lat -= dlat;
	}
	return x;
}

struct coords_point coords_gcj02_to_wgs84(struct coords_point gcj)
{
	if (coords_out_of_china(gcj))
		return gcj;
	/* First guess: the usual one-step inverse, gcj - (forward(gcj) - gcj). */
	struct coords_point f = coords_wgs84_to_gcj02(gcj);
	struct coords_point guess = {2.0 * gcj.lon - f.lon, 2.0 * gcj.lat - f.lat};
	return invert(coords_wgs84_to_gcj02, gcj, guess);
}

struct coords_point coords_gcj02_to_bd09(struct coords_point gcj)
{
	if (!isfinite(gcj.lon) || !isfinite(gcj.lat))
		return gcj;
	double x = gcj.lon, y = gcj.lat;
	double z = sqrt(x * x + y * y) + 0.00002 * sin(y * BD09_X_PI);
	double theta = atan2(y, x) + 0.000003 * cos(x * BD09_X_PI);
	struct coords_point bd = {z * cos(theta) + 0.0065, z * sin(theta) + 0.006};
	return bd;
}

struct coords_point coords_bd09_to_gcj02(struct coords_point bd)
{
	if (!isfinite(bd.lon) || !isfinite(bd.lat))
		return bd;
	/* First guess: Baidu's published approximate inverse. */
	double x = bd.lon - 0.0065, y = bd.lat - 0.006;
	double z = sqrt(x * x + y * y) - 0.00002 * sin(y * BD09_X_PI);
	double theta = atan2(y, x) - 0.000003 * cos(x * BD09_X_PI);
	struct coords_point guess = {z * cos(theta), z * sin(theta)};
	return invert(coords_gcj02_to_bd09, bd, guess);
}

struct coords_point coords_wgs84_to_bd09(struct coords_point wgs)
{
	return coords_gcj02_to_bd09(coords_wgs84_to_gcj02(wgs));
}

struct coords_point coords_bd09_to_wgs84(struct coords_point bd)
{
	return coords_gcj02_to_wgs84(coords_bd09_to_gcj02(bd));
}

struct coords_point coords_to_wgs84(enum coords_system from, struct coords_point p)
{
	switch (from) {
	case COORDS_GCJ02: return coords_gcj02_to_wgs84(p);
	case COORDS_BD09: return coords_bd09_to_wgs84(p);
	case COORDS_WGS84:
	case COORDS_SYSTEM_COUNT:
		break;
	}
	return p;
}

struct coords_point coords_from_wgs84(enum coords_system to, struct coords_point wgs)
{
	switch (to) {
	case COORDS_GCJ02: return coords_wgs84_to_gcj02(wgs);
	case COORDS_BD09: return coords_wgs84_to_bd09(wgs);
	case COORDS_WGS84:
	case COORDS_SYSTEM_COUNT:
		break;
	}
	return wgs;
}

double coords_distance_m(struct coords_point a, struct coords_point b)
{
	double rad = PI / 180.0;
	double dlat = (b.lat - a.lat) * rad, dlon = (b.lon - a.lon) * rad;
	double s = sin(dlat / 2.0), t = sin(dlon / 2.0);
	double h = s * s + cos(a.lat * rad) * cos(b.lat * rad) * t * t;
	if (h > 1.0)
		h = 1.0;
	return 2.0 * MEAN_EARTH_RADIUS_M * asin(sqrt(h));
}

const char *coords_system_name(enum coords_system system)
{
	if ((int)system < 0 || system >= COORDS_SYSTEM_COUNT)
		return "unknown";
	return system_names[system];
}

int coords_system_from_name(const char *name, size_t len, enum coords_system *system)
{
	if (!name)
		return -1;
	for (int s = 0; s < COORDS_SYSTEM_COUNT; s++) {
		const char *want = system_names[s];
		if (strlen(want) != len)
			continue;
		size_t i = 0;
		while (i < len) {
			char c = name[i];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != want[i])
				break;
			i++;
		}
		if (i == len) {
			*system = (enum coords_system)s;
			return 0;
		}
	}
	return -1;
}

/* Unit tests for domain/coords.c: WGS-84 <-> GCJ-02 <-> BD-09. Distances are
 * measured with the test's own haversine, independent of coords_distance_m. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "domain/coords.h"

static double metres_between(struct coords_point a, struct coords_point b)
{
	const double r = 6371000.0, rad = 3.14159265358979323846 / 180.0;
	double dlat = (b.lat - a.lat) * rad, dlon = (b.lon - a.lon) * rad;
	double h = sin(dlat / 2) * sin(dlat / 2) +
		   cos(a.lat * rad) * cos(b.lat * rad) * sin(dlon / 2) * sin(dlon / 2);
	return 2 * r * atan2(sqrt(h), sqrt(1 - h));
}

static struct coords_point pt(double lon, double lat)
{
	struct coords_point p = {lon, lat};
	return p;
}

#define ASSERT_CLOSER_THAN(a, b, metres)                                                        \
	do {                                                                                    \
		double d_ = metres_between((a), (b));                                           \
		if (!(d_ < (metres)))                                                           \
			fail_msg("(%.7f, %.7f) vs (%.7f, %.7f): %.4f m, limit %.4f m", (a).lon,  \
				 (a).lat, (b).lon, (b).lat, d_, (double)(metres));              \
	} while (0)

/* A grid over mainland China and Hainan, 0.7 degree steps (~4,500 points). */
#define GRID_MAX 6000
static struct coords_point grid[GRID_MAX];

static size_t china_grid(void)
{
	size_t n = 0;
	for (int i = 0; i * 0.7 <= 61.1; i++)
		for (int j = 0; j * 0.7 <= 35.3 && n < GRID_MAX; j++)
			grid[n++] = pt(73.6 + i * 0.7, 18.2 + j * 0.7);
	assert_true(n > 4000);
	return n;
}

static void wgs84_to_gcj02_and_back_is_exact_across_china(void **state)
{
	(void)state;
	double worst = 0;
	for (size_t i = 0, n = china_grid(); i < n; i++) {
		struct coords_point wgs = grid[i];
		struct coords_point gcj = coords_wgs84_to_gcj02(wgs);
		struct coords_point back = coords_gcj02_to_wgs84(gcj);
		ASSERT_CLOSER_THAN(back, wgs, 0.5);
		double d = metres_between(back, wgs);
		worst = d > worst ? d : worst;
	}
	/* The iteration stops at 1e-9 degrees (~0.1 mm); the one-step inverse
	 * is off by up to ~5 m over this area. */
	assert_true(worst < 0.001);
}

static void gcj02_to_wgs84_and_back_is_exact_across_china(void **state)
{
	(void)state;
	for (size_t i = 0, n = china_grid(); i < n; i++) {
		struct coords_point gcj = grid[i];
		struct coords_point there = coords_gcj02_to_wgs84(gcj);
		struct coords_point back = coords_wgs84_to_gcj02(there);
		ASSERT_CLOSER_THAN(back, gcj, 0.001);
	}
}

static void gcj02_shift_in_beijing_is_hundreds_of_metres(void **state)
{
	(void)state;
	struct coords_point tiananmen = pt(116.397, 39.909);
	struct coords_point gcj = coords_wgs84_to_gcj02(tiananmen);
	double shift = metres_between(tiananmen, gcj);
	if (shift < 100.0 || shift > 700.0)
		fail_msg("shift %.1f m", shift);
	/* In Beijing the offset points east and slightly north. */
	assert_true(gcj.lon > tiananmen.lon);
	assert_true(gcj.lat > tiananmen.lat);
}

static void every_point_in_china_is_shifted_by_a_bounded_amount(void **state)
{
	(void)state;
	for (size_t i = 0, n = china_grid(); i < n; i++) {
		struct coords_point wgs = grid[i];
		double shift = metres_between(wgs, coords_wgs84_to_gcj02(wgs));
		if (!(shift > 1.0 && shift < 1500.0))
			fail_msg("(%.2f, %.2f) shifted %.1f m", wgs.lon, wgs.lat, shift);
	}
}

static void points_outside_china_are_not_shifted(void **state)
{
	(void)state;
	const struct coords_point abroad[] = {
		pt(-0.1276, 51.5072),    /* London */
		pt(-74.006, 40.7128),    /* New York */
		pt(151.2093, -33.8688),  /* Sydney */
		pt(139.6917, 35.6895),   /* Tokyo: east of the box */
		pt(37.6173, 55.7558),    /* Moscow */
		pt(100.0, 0.5),          /* south of the box */
		pt(116.4, 56.0),         /* north of the box */
		pt(0, 0),
	};
	for (size_t i = 0; i < sizeof(abroad) / sizeof(abroad[0]); i++) {
		struct coords_point p = abroad[i];
		assert_true(coords_out_of_china(p));
		struct coords_point g = coords_wgs84_to_gcj02(p);
		assert_true(g.lon == p.lon && g.lat == p.lat);
		g = coords_gcj02_to_wgs84(p);
		assert_true(g.lon == p.lon && g.lat == p.lat);
		g = coords_to_wgs84(COORDS_GCJ02, p);
		assert_true(g.lon == p.lon && g.lat == p.lat);
	}
	assert_false(coords_out_of_china(pt(116.397, 39.909)));
	assert_false(coords_out_of_china(pt(121.47, 31.23)));   /* Shanghai */
	assert_false(coords_out_of_china(pt(87.62, 43.82)));    /* Urumqi */
	assert_false(coords_out_of_china(pt(110.33, 20.03)));   /* Haikou */
}

static void bd09_round_trips_across_china(void **state)
{
	(void)state;
	for (size_t i = 0, n = china_grid(); i < n; i++) {
		struct coords_point p = grid[i];
		ASSERT_CLOSER_THAN(coords_bd09_to_gcj02(coords_gcj02_to_bd09(p)), p, 0.5);
		ASSERT_CLOSER_THAN(coords_gcj02_to_bd09(coords_bd09_to_gcj02(p)), p, 0.5);
		ASSERT_CLOSER_THAN(coords_bd09_to_wgs84(coords_wgs84_to_bd09(p)), p, 0.5);
		ASSERT_CLOSER_THAN(coords_wgs84_to_bd09(coords_bd09_to_wgs84(p)), p, 0.5);
	}
}

static void bd09_shift_in_beijing_is_hundreds_of_metres_beyond_gcj02(void **state)
{
	(void)state;
	struct coords_point wgs = pt(116.397, 39.909);
	struct coords_point gcj = coords_wgs84_to_gcj02(wgs);
	struct coords_point bd = coords_wgs84_to_bd09(wgs);
	double extra = metres_between(gcj, bd);
	if (extra < 300.0 || extra > 1200.0)
		fail_msg("BD-09 offset from GCJ-02 %.1f m", extra);
	/* BD-09 is GCJ-02 plus the Baidu offset, by definition. */
	struct coords_point bd2 = coords_gcj02_to_bd09(gcj);
	assert_true(bd.lon == bd2.lon && bd.lat == bd2.lat);
}

/*
 * Reference values of the published algorithms for (116.404, 39.915), as
 * given by the widely used wandergis/coordtransform library (and the hutool
 * tests that copy them). Its inverses are the one-step approximations; ours
 * iterate, so they differ from those by centimetres here (metres elsewhere).
 */
static void published_reference_values_are_reproduced(void **state)
{
	(void)state;
	struct coords_point p = pt(116.404, 39.915);
	struct coords_point gcj = coords_wgs84_to_gcj02(p);
	assert_true(fabs(gcj.lon - 116.41024449916938) < 1e-12);
	assert_true(fabs(gcj.lat - 39.91640428150164) < 1e-12);
	struct coords_point bd = coords_gcj02_to_bd09(p);
	assert_true(fabs(bd.lon - 116.41036949371029) < 1e-12);
	assert_true(fabs(bd.lat - 39.92133699351021) < 1e-12);

	struct coords_point one_step_wgs = pt(116.39775550083061, 39.91359571849836);
	struct coords_point wgs = coords_gcj02_to_wgs84(p);
	double d = metres_between(wgs, one_step_wgs);
	assert_true(d > 0.01 && d < 2.0);
	struct coords_point one_step_gcj = pt(116.39762729119315, 39.90865673957631);
	struct coords_point back = coords_bd09_to_gcj02(p);
	assert_true(metres_between(back, one_step_gcj) < 2.0);
}

static void dispatch_by_system_matches_the_direct_functions(void **state)
{
	(void)state;
	struct coords_point p = pt(121.4737, 31.2304);
	struct coords_point a, b;
	a = coords_to_wgs84(COORDS_WGS84, p);
	assert_true(a.lon == p.lon && a.lat == p.lat);
	a = coords_to_wgs84(COORDS_GCJ02, p);
	b = coords_gcj02_to_wgs84(p);
	assert_true(a.lon == b.lon && a.lat == b.lat);
	a = coords_to_wgs84(COORDS_BD09, p);
	b = coords_bd09_to_wgs84(p);
	assert_true(a.lon == b.lon && a.lat == b.lat);
	a = coords_from_wgs84(COORDS_WGS84, p);
	assert_true(a.lon == p.lon && a.lat == p.lat);
	a = coords_from_wgs84(COORDS_GCJ02, p);
	b = coords_wgs84_to_gcj02(p);
	assert_true(a.lon == b.lon && a.lat == b.lat);
	a = coords_from_wgs84(COORDS_BD09, p);
	b = coords_wgs84_to_bd09(p);
	assert_true(a.lon == b.lon && a.lat == b.lat);
}

static void non_finite_input_is_never_shifted_or_looped_on(void **state)
{
	(void)state;
	struct coords_point bad = pt(NAN, 39.9);
	assert_true(coords_out_of_china(bad));
	assert_false(coords_is_valid(bad));
	assert_true(isnan(coords_gcj02_to_wgs84(bad).lon));
	assert_true(isnan(coords_bd09_to_wgs84(bad).lon));
	assert_true(isnan(coords_wgs84_to_bd09(bad).lon));
	struct coords_point inf = pt(116.4, INFINITY);
	assert_true(coords_out_of_china(inf));
	assert_true(isinf(coords_bd09_to_gcj02(inf).lat));
}

static void validity_requires_finite_degrees_in_range(void **state)
{
	(void)state;
	assert_true(coords_is_valid(pt(116.4, 39.9)));
	assert_true(coords_is_valid(pt(-180, -90)));
	assert_true(coords_is_valid(pt(180, 90)));
	assert_false(coords_is_valid(pt(180.0001, 0)));
	assert_false(coords_is_valid(pt(0, -90.0001)));
	assert_false(coords_is_valid(pt(INFINITY, 0)));
	assert_false(coords_is_valid(pt(0, NAN)));
}

static void distance_matches_known_distances(void **state)
{
	(void)state;
	/* One degree of latitude on the mean sphere: 6371008.8 * pi / 180. */
	assert_true(fabs(coords_distance_m(pt(0, 0), pt(0, 1)) - 111195.08) < 0.1);
	assert_true(coords_distance_m(pt(116.4, 39.9), pt(116.4, 39.9)) == 0.0);
	/* Beijing - Shanghai, about 1,067 km. */
	double d = coords_distance_m(pt(116.4074, 39.9042), pt(121.4737, 31.2304));
	assert_true(d > 1060000.0 && d < 1075000.0);
	/* Antipodes: half the circumference, no NaN from rounding. */
	d = coords_distance_m(pt(0, 0), pt(180, 0));
	assert_true(fabs(d - 6371008.8 * 3.14159265358979323846) < 1.0);
	/* Agrees with the test's own haversine to the radius ratio. */
	d = coords_distance_m(pt(116.397, 39.909), pt(116.41, 39.92));
	assert_true(fabs(d / metres_between(pt(116.397, 39.909), pt(116.41, 39.92)) -
			 6371008.8 / 6371000.0) < 1e-9);
}

static void system_names_parse_case_insensitively(void **state)
{
	(void)state;
	enum coords_system s = COORDS_SYSTEM_COUNT;
	for (int i = 0; i < COORDS_SYSTEM_COUNT; i++) {
		const char *name = coords_system_name((enum coords_system)i);
		assert_int_equal(coords_system_from_name(name, strlen(name), &s), 0);
		assert_int_equal(s, i);
	}
	assert_int_equal(coords_system_from_name("GCJ02", 5, &s), 0);
	assert_int_equal(s, COORDS_GCJ02);
	assert_int_equal(coords_system_from_name("Bd09&x=1", 4, &s), 0);   /* no NUL needed */
	assert_int_equal(s, COORDS_BD09);
	assert_int_equal(coords_system_from_name("gcj-02", 6, &s), -1);
	assert_int_equal(coords_system_from_name("wgs8", 4, &s), -1);
	assert_int_equal(coords_system_from_name("", 0, &s), -1);
	assert_int_equal(coords_system_from_name(NULL, 0, &s), -1);
	assert_string_equal(coords_system_name(COORDS_SYSTEM_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wgs84_to_gcj02_and_back_is_exact_across_china),
		cmocka_unit_test(gcj02_to_wgs84_and_back_is_exact_across_china),
		cmocka_unit_test(gcj02_shift_in_beijing_is_hundreds_of_metres),
		cmocka_unit_test(every_point_in_china_is_shifted_by_a_bounded_amount),
		cmocka_unit_test(points_outside_china_are_not_shifted),
		cmocka_unit_test(bd09_round_trips_across_china),
		cmocka_unit_test(bd09_shift_in_beijing_is_hundreds_of_metres_beyond_gcj02),
		cmocka_unit_test(published_reference_values_are_reproduced),
		cmocka_unit_test(dispatch_by_system_matches_the_direct_functions),
		cmocka_unit_test(non_finite_input_is_never_shifted_or_looped_on),
		cmocka_unit_test(validity_requires_finite_degrees_in_range),
		cmocka_unit_test(distance_matches_known_distances),
		cmocka_unit_test(system_names_parse_case_insensitively),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for photo/flags.c: photo EXIF vs the report's place and time.
 * Distances are worked by hand: on a sphere of radius 6371008.8 m one degree
 * of latitude is 111195.08 m, so 0.00135 deg = 150.11 m, 0.00225 deg =
 * 250.19 m; at the equator the same holds for longitude. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "photo/flags.h"

#define REPORT_TIME 1727746200 /* 2024-10-01T09:30:00+08:00 */
#define DAY (24 * 60 * 60)

static const struct photo_flag_thresholds defaults = {PHOTO_FLAGS_DEFAULT_FAR_M,
                                                      PHOTO_FLAGS_DEFAULT_OLD_S};
static const struct coords_point tiananmen = {116.3916, 39.9073};

static struct photo_exif exif_at(double lon, double lat, int64_t taken_at)
{
	struct photo_exif e = {.has_exif = true, .has_gps = true, .lat = lat, .lon = lon,
	                       .has_time = true, .taken_at = taken_at, .time_had_offset = true};
	return e;
}

static unsigned flags_of(struct photo_exif e)
{
	return photo_flags_compute(tiananmen, REPORT_TIME, &e, &defaults);
}

static void photo_taken_on_the_spot_has_no_flags(void **state)
{
	assert_int_equal(flags_of(exif_at(tiananmen.lon, tiananmen.lat, REPORT_TIME - 60)), 0);
}

static void photo_150_m_away_passes_and_250_m_away_is_far(void **state)
{
	assert_int_equal(flags_of(exif_at(tiananmen.lon, tiananmen.lat + 0.00135, REPORT_TIME)), 0);
	assert_int_equal(flags_of(exif_at(tiananmen.lon, tiananmen.lat - 0.00225, REPORT_TIME)),
	                 PHOTO_FLAG_FAR_FROM_REPORT);
	/* Along the equator, the same distances in longitude. */
	struct coords_point equator = {10.0, 0.0};
	struct photo_exif near = exif_at(10.00135, 0.0, REPORT_TIME);
	struct photo_exif far = exif_at(9.99775, 0.0, REPORT_TIME);
	assert_int_equal(photo_flags_compute(equator, REPORT_TIME, &near, &defaults), 0);
	assert_int_equal(photo_flags_compute(equator, REPORT_TIME, &far, &defaults),
	                 PHOTO_FLAG_FAR_FROM_REPORT);
	/* A stricter threshold flags the 150 m photo too. */
	struct photo_flag_thresholds strict = {100, DAY};
	assert_int_equal(photo_flags_compute(equator, REPORT_TIME, &near, &strict),
	                 PHOTO_FLAG_FAR_FROM_REPORT);
}

static void photo_older_than_the_threshold_is_flagged(void **state)
{
	struct photo_exif e = exif_at(tiananmen.lon, tiananmen.lat, REPORT_TIME - DAY + 60);
	assert_int_equal(flags_of(e), 0);
	e.taken_at = REPORT_TIME - DAY; /* exactly the threshold: not more than it */
	assert_int_equal(flags_of(e), 0);
	e.taken_at = REPORT_TIME - DAY - 1;
	assert_int_equal(flags_of(e), PHOTO_FLAG_TAKEN_LONG_BEFORE);
	e.taken_at = REPORT_TIME - 400 * DAY;
	assert_int_equal(flags_of(e), PHOTO_FLAG_TAKEN_LONG_BEFORE);
	e.taken_at = REPORT_TIME + 3600; /* the phone's clock is ahead: not flagged */
	assert_int_equal(flags_of(e), 0);
	e.taken_at = INT64_MIN; /* no overflow */
	assert_int_equal(flags_of(e), PHOTO_FLAG_TAKEN_LONG_BEFORE);
	struct photo_flag_thresholds hour = {200, 3600};
	e.taken_at = REPORT_TIME - 2 * 3600;
	assert_int_equal(photo_flags_compute(tiananmen, REPORT_TIME, &e, &hour),
	                 PHOTO_FLAG_TAKEN_LONG_BEFORE);
}

static void far_and_old_together(void **state)
{
	struct photo_exif e = exif_at(121.4737, 31.2304, REPORT_TIME - 3 * DAY); /* Shanghai */
	assert_int_equal(flags_of(e), PHOTO_FLAG_FAR_FROM_REPORT | PHOTO_FLAG_TAKEN_LONG_BEFORE);
}

static void missing_exif_is_flagged_and_nothing_else_is_guessed(void **state)
{
	struct photo_exif none = {0};
	assert_int_equal(flags_of(none), PHOTO_FLAG_NO_EXIF);
	struct photo_exif empty = {.has_exif = true}; /* EXIF with neither GPS nor time */
	assert_int_equal(flags_of(empty), PHOTO_FLAG_NO_EXIF);
	/* Only a time: no place to compare, no NO_EXIF. */
	struct photo_exif time_only = {.has_exif = true, .has_time = true,
	                               .taken_at = REPORT_TIME - 2 * DAY};
	assert_int_equal(flags_of(time_only), PHOTO_FLAG_TAKEN_LONG_BEFORE);
	/* Only a position: the age is not judged. */
	struct photo_exif gps_only = {.has_exif = true, .has_gps = true, .lat = 31.2304,
	                              .lon = 121.4737, .taken_at = 0};
	assert_int_equal(flags_of(gps_only), PHOTO_FLAG_FAR_FROM_REPORT);
	gps_only.lat = tiananmen.lat;
	gps_only.lon = tiananmen.lon;
	assert_int_equal(flags_of(gps_only), 0);
}

static void flag_names_are_stable_and_in_bit_order(void **state)
{
	const char *names[4] = {NULL};
	assert_string_equal(photo_flag_name(PHOTO_FLAG_NO_EXIF), "no_exif");
	assert_string_equal(photo_flag_name(PHOTO_FLAG_FAR_FROM_REPORT), "far_from_report");
	assert_string_equal(photo_flag_name(PHOTO_FLAG_TAKEN_LONG_BEFORE), "taken_long_before");
	assert_null(photo_flag_name(0));
	assert_null(photo_flag_name(PHOTO_FLAG_NO_EXIF | PHOTO_FLAG_FAR_FROM_REPORT));
	assert_null(photo_flag_name(1u << 7));

	assert_int_equal(photo_flags_names(0, names, 4), 0);
	assert_int_equal(photo_flags_names(PHOTO_FLAG_TAKEN_LONG_BEFORE | PHOTO_FLAG_NO_EXIF |
	                                   PHOTO_FLAG_FAR_FROM_REPORT | (1u << 9), names, 4), 3);
	assert_string_equal(names[0], "no_exif");
	assert_string_equal(names[1], "far_from_report");
	assert_string_equal(names[2], "taken_long_before");
	assert_null(names[3]);
	assert_int_equal(photo_flags_names(PHOTO_FLAG_TAKEN_LONG_BEFORE | PHOTO_FLAG_FAR_FROM_REPORT,
	                                   names, 1), 1);
	assert_string_equal(names[0], "far_from_report");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(photo_taken_on_the_spot_has_no_flags),
		cmocka_unit_test(photo_150_m_away_passes_and_250_m_away_is_far),
		cmocka_unit_test(photo_older_than_the_threshold_is_flagged),
		cmocka_unit_test(far_and_old_together),
		cmocka_unit_test(missing_exif_is_flagged_and_nothing_else_is_guessed),
		cmocka_unit_test(flag_names_are_stable_and_in_bit_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for domain/calendar.c: date arithmetic, building a calendar,
 * which periods apply on a date, the next working instant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/calendar.h"

#define HM(h, m) ((h) * 60 + (m))

static struct calendar_date date(int y, int m, int d)
{
	struct calendar_date x = {y, m, d};
	return x;
}

/* UTC seconds of a local Asia/Shanghai time (UTC+8), from the epoch by hand:
 * only calendar_days_from_civil is used, and it is checked below. */
static int64_t shanghai(int y, int mo, int d, int h, int mi)
{
	return calendar_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 - 8 * 3600;
}

static struct calendar_exception_spec holiday(int y, int m, int d)
{
	struct calendar_exception_spec s = {{y, m, d}, CALENDAR_HOLIDAY, CALENDAR_MONDAY};
	return s;
}

static struct calendar_exception_spec makeup(int y, int m, int d, enum calendar_weekday pattern)
{
	struct calendar_exception_spec s = {{y, m, d}, CALENDAR_MAKEUP_WORKDAY, pattern};
	return s;
}

static void days_from_civil_matches_known_day_numbers(void **state)
{
	(void)state;
	assert_int_equal(calendar_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(calendar_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(calendar_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(calendar_days_from_civil(2024, 2, 29), 19782);
	assert_int_equal(calendar_days_from_civil(2026, 10, 1), 20727);
	assert_int_equal(calendar_days_from_civil(1900, 1, 1), -25567);
	assert_int_equal(calendar_days_from_civil(9999, 12, 31), 2932896);
	/* 2026-10-01 00:00 in Shanghai is 2026-09-30T16:00:00Z (date -d). */
	assert_int_equal(shanghai(2026, 10, 1, 0, 0), 1790784000);
}

static void civil_from_days_inverts_days_from_civil_1900_to_2200(void **state)
{
	(void)state;
	int64_t first = calendar_days_from_civil(1900, 1, 1);
	int64_t last = calendar_days_from_civil(2200, 12, 31);
	struct calendar_date expect = {1900, 1, 1};
	for (int64_t day = first; day <= last; day++) {
		struct calendar_date got = calendar_civil_from_days(day);
		assert_int_equal(got.year, expect.year);
		assert_int_equal(got.month, expect.month);
		assert_int_equal(got.day, expect.day);
		assert_true(calendar_date_is_valid(got));
		assert_int_equal(calendar_days_from_civil(got.year, got.month, got.day), day);
		/* Step the expected date by hand: the next valid day. */
		expect.day++;
		if (!calendar_date_is_valid(expect)) {
			expect.day = 1;
			if (++expect.month > 12) {
				expect.month = 1;
				expect.year++;
			}
		}
	}
}

static void weekday_of_known_dates(void **state)
{
	(void)state;
	assert_int_equal(calendar_weekday_of_day(0), CALENDAR_THURSDAY);           /* 1970-01-01 */
	assert_int_equal(calendar_weekday_of_day(-1), CALENDAR_WEDNESDAY);
	assert_int_equal(calendar_weekday_of_day(calendar_days_from_civil(1900, 1, 1)),
			 CALENDAR_MONDAY);
	assert_int_equal(calendar_weekday_of_day(calendar_days_from_civil(2000, 1, 1)),
			 CALENDAR_SATURDAY);
	assert_int_equal(calendar_weekday_of_day(calendar_days_from_civil(2026, 10, 1)),
			 CALENDAR_THURSDAY);
	assert_int_equal(calendar_weekday_of_day(calendar_days_from_civil(2026, 9, 20)),
			 CALENDAR_SUNDAY);
	assert_int_equal(calendar_weekday_of_day(calendar_days_from_civil(2026, 10, 10)),
			 CALENDAR_SATURDAY);
}

static void date_validity_follows_gregorian_rules_and_year_range(void **state)
{
	(void)state;
	assert_true(calendar_date_is_valid(date(2024, 2, 29)));
	assert_true(calendar_date_is_valid(date(2000, 2, 29)));
	assert_false(calendar_date_is_valid(date(2100, 2, 29)));
	assert_false(calendar_date_is_valid(date(2026, 2, 29)));
	assert_false(calendar_date_is_valid(date(2026, 4, 31)));
	assert_true(calendar_date_is_valid(date(2026, 12, 31)));
	assert_false(calendar_date_is_valid(date(2026, 13, 1)));
	assert_false(calendar_date_is_valid(date(2026, 0, 1)));
	assert_false(calendar_date_is_valid(date(2026, 1, 0)));
	assert_false(calendar_date_is_valid(date(2026, 1, 32)));
	assert_true(calendar_date_is_valid(date(CALENDAR_MIN_YEAR, 1, 1)));
	assert_false(calendar_date_is_valid(date(CALENDAR_MIN_YEAR - 1, 12, 31)));
	assert_true(calendar_date_is_valid(date(CALENDAR_MAX_YEAR, 12, 31)));
	assert_false(calendar_date_is_valid(date(CALENDAR_MAX_YEAR + 1, 1, 1)));
}

static void dates_parse_only_in_the_exact_form(void **state)
{
	(void)state;
	struct calendar_date d = {0, 0, 0};
	assert_true(calendar_date_parse("2026-02-28", 10, &d));
	assert_int_equal(d.year, 2026);
	assert_int_equal(d.month, 2);
	assert_int_equal(d.day, 28);
	assert_false(calendar_date_parse("2026-02-29", 10, &d));
	assert_false(calendar_date_parse("2026-2-28", 9, &d));
	assert_false(calendar_date_parse("2026-02-2x", 10, &d));
	assert_false(calendar_date_parse("2026/02/28", 10, &d));
	assert_false(calendar_date_parse("+026-02-28", 10, &d));
	assert_false(calendar_date_parse("2026-02-28T", 11, &d));
	assert_false(calendar_date_parse(NULL, 10, &d));
	assert_int_equal(d.day, 28);
}

static void time_range_covers_the_supported_years_only(void **state)
{
	(void)state;
	int64_t lo = calendar_days_from_civil(CALENDAR_MIN_YEAR, 1, 1) * 86400;
	int64_t hi = calendar_days_from_civil(CALENDAR_MAX_YEAR + 1, 1, 1) * 86400;
	assert_true(calendar_time_in_range(lo));
	assert_false(calendar_time_in_range(lo - 1));
	assert_true(calendar_time_in_range(hi - 1));
	assert_false(calendar_time_in_range(hi));
	assert_false(calendar_time_in_range(INT64_MAX));
	assert_false(calendar_time_in_range(INT64_MIN));
	assert_true(calendar_time_in_range(0));
}

static void local_date_uses_the_fixed_utc_offset(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	/* 2026-09-30T15:59:59Z is 23:59:59 in Shanghai; one second later is 10-01. */
	int64_t t = 1790784000 - 1;
	struct calendar_date d = calendar_local_date(&cal, t);
	assert_int_equal(d.year, 2026);
	assert_int_equal(d.month, 9);
	assert_int_equal(d.day, 30);
	assert_int_equal(calendar_local_second_of_day(&cal, t), 86399);
	d = calendar_local_date(&cal, t + 1);
	assert_int_equal(d.month, 10);
	assert_int_equal(d.day, 1);
	assert_int_equal(calendar_local_second_of_day(&cal, t + 1), 0);
	assert_int_equal(calendar_day_start_utc(&cal, calendar_local_day(&cal, t + 1)), t + 1);

	/* A negative offset and a time before the epoch. */
	assert_int_equal(calendar_set_utc_offset(&cal, -300), CALENDAR_OK);
	assert_int_equal(calendar_local_day(&cal, 0), -1);                 /* 1969-12-31 19:00 */
	assert_int_equal(calendar_local_second_of_day(&cal, 0), 19 * 3600);
	assert_int_equal(calendar_day_start_utc(&cal, 0), 5 * 3600);
	assert_int_equal(calendar_set_utc_offset(&cal, 0), CALENDAR_OK);
	assert_int_equal(calendar_local_day(&cal, -1), -1);
	assert_int_equal(calendar_local_second_of_day(&cal, -1), 86399);
}

static void utc_offset_is_limited_to_fourteen_hours(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	assert_int_equal(calendar_set_utc_offset(&cal, 840), CALENDAR_OK);
	assert_int_equal(calendar_set_utc_offset(&cal, -840), CALENDAR_OK);
	assert_int_equal(calendar_set_utc_offset(&cal, 841), CALENDAR_ERR_BAD_OFFSET);
	assert_int_equal(calendar_set_utc_offset(&cal, -841), CALENDAR_ERR_BAD_OFFSET);
	assert_int_equal(cal.utc_offset_minutes, -840);
}

static void default_calendar_is_shanghai_office_hours_monday_to_friday(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	assert_int_equal(cal.utc_offset_minutes, 480);
	assert_int_equal(cal.exception_count, 0);
	for (int d = CALENDAR_MONDAY; d <= CALENDAR_FRIDAY; d++) {
		assert_int_equal(cal.week[d].count, 2);
		assert_int_equal(cal.week[d].period[0].start_minute, HM(8, 30));
		assert_int_equal(cal.week[d].period[0].end_minute, HM(12, 0));
		assert_int_equal(cal.week[d].period[1].start_minute, HM(13, 30));
		assert_int_equal(cal.week[d].period[1].end_minute, HM(17, 30));
	}
	assert_int_equal(cal.week[CALENDAR_SATURDAY].count, 0);
	assert_int_equal(cal.week[CALENDAR_SUNDAY].count, 0);
	assert_true(calendar_is_working_day(&cal, date(2026, 3, 2)));    /* Monday */
	assert_true(calendar_is_working_day(&cal, date(2026, 3, 6)));    /* Friday */
	assert_false(calendar_is_working_day(&cal, date(2026, 3, 7)));   /* Saturday */
	assert_false(calendar_is_working_day(&cal, date(2026, 3, 8)));   /* Sunday */
}

static void set_periods_accepts_valid_days_and_refuses_bad_ones_unchanged(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	const struct calendar_period four[] = {{0, 60}, {60, 120}, {600, 700}, {1400, 1440}};
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_SATURDAY, four, 4), CALENDAR_OK);
	assert_int_equal(cal.week[CALENDAR_SATURDAY].count, 4);
	assert_int_equal(cal.week[CALENDAR_SATURDAY].period[3].end_minute, 1440);

	const struct calendar_period five[] = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {8, 9}};
	const struct calendar_period empty[] = {{600, 600}};
	const struct calendar_period reversed[] = {{700, 600}};
	const struct calendar_period past_midnight[] = {{1380, 1441}};
	const struct calendar_period negative[] = {{-1, 60}};
	const struct calendar_period overlapping[] = {{480, 720}, {700, 1000}};
	const struct calendar_period unsorted[] = {{800, 900}, {480, 720}};
	struct calendar before = cal;
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_MONDAY, five, 5),
			 CALENDAR_ERR_BAD_PERIODS);
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_MONDAY, empty, 1),
			 CALENDAR_ERR_BAD_PERIODS);
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_MONDAY, reversed, 1),
			 CALENDAR_ERR_BAD_PERIODS);
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_MONDAY, past_midnight, 1),
			 CALENDAR_ERR_BAD_PERIODS);
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_MONDAY, negative, 1),
			 CALENDAR_ERR_BAD_PERIODS);
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_MONDAY, overlapping, 2),
			 CALENDAR_ERR_BAD_PERIODS);
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_MONDAY, unsorted, 2),
			 CALENDAR_ERR_BAD_PERIODS);
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_MONDAY, NULL, 1),
			 CALENDAR_ERR_BAD_PERIODS);
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_MONDAY, four, -1),
			 CALENDAR_ERR_BAD_PERIODS);
	assert_int_equal(calendar_set_periods(&cal, (enum calendar_weekday)7, four, 1),
			 CALENDAR_ERR_BAD_WEEKDAY);
	assert_memory_equal(&cal, &before, sizeof(cal));

	/* No periods at all: a day off every week. */
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_WEDNESDAY, NULL, 0), CALENDAR_OK);
	assert_false(calendar_is_working_day(&cal, date(2026, 3, 4)));
}

static void add_exception_keeps_dates_sorted(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	struct calendar_exception_spec s[] = {
		holiday(2026, 10, 5), holiday(2026, 10, 1), makeup(2026, 9, 20, CALENDAR_MONDAY),
		makeup(2026, 10, 10, CALENDAR_FRIDAY), holiday(2026, 10, 3),
	};
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		assert_int_equal(calendar_add_exception(&cal, &s[i]), CALENDAR_OK);
	assert_int_equal(cal.exception_count, 5);
	for (size_t i = 1; i < cal.exception_count; i++)
		assert_true(cal.exceptions[i - 1].day < cal.exceptions[i].day);
	assert_int_equal(cal.exceptions[0].day, calendar_days_from_civil(2026, 9, 20));
	assert_int_equal(cal.exceptions[0].kind, CALENDAR_MAKEUP_WORKDAY);
	assert_int_equal(cal.exceptions[4].day, calendar_days_from_civil(2026, 10, 10));
	assert_int_equal(cal.exceptions[4].pattern, CALENDAR_FRIDAY);
	assert_non_null(calendar_find_exception(&cal, calendar_days_from_civil(2026, 10, 3)));
	assert_null(calendar_find_exception(&cal, calendar_days_from_civil(2026, 10, 2)));
}

static void add_exception_refuses_duplicates_and_bad_input_unchanged(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	struct calendar_exception_spec h = holiday(2026, 10, 1);
	assert_int_equal(calendar_add_exception(&cal, &h), CALENDAR_OK);
	struct calendar before = cal;

	assert_int_equal(calendar_add_exception(&cal, &h), CALENDAR_ERR_DUPLICATE);
	struct calendar_exception_spec same_day_makeup = makeup(2026, 10, 1, CALENDAR_MONDAY);
	assert_int_equal(calendar_add_exception(&cal, &same_day_makeup), CALENDAR_ERR_DUPLICATE);
	struct calendar_exception_spec bad_date = holiday(2026, 2, 29);
	assert_int_equal(calendar_add_exception(&cal, &bad_date), CALENDAR_ERR_BAD_DATE);
	struct calendar_exception_spec too_old = holiday(1899, 12, 31);
	assert_int_equal(calendar_add_exception(&cal, &too_old), CALENDAR_ERR_BAD_DATE);
	struct calendar_exception_spec bad_kind = holiday(2026, 10, 2);
	bad_kind.kind = (enum calendar_exception_kind)0;
	assert_int_equal(calendar_add_exception(&cal, &bad_kind), CALENDAR_ERR_BAD_KIND);
	struct calendar_exception_spec bad_pattern = makeup(2026, 10, 2, (enum calendar_weekday)9);
	assert_int_equal(calendar_add_exception(&cal, &bad_pattern), CALENDAR_ERR_BAD_WEEKDAY);
	assert_memory_equal(&cal, &before, sizeof(cal));
}

static void add_exception_refuses_more_than_capacity(void **state)
{
	(void)state;
	static struct calendar cal;   /* static: keep the test's stack small */
	calendar_init_default(&cal);
	int64_t first = calendar_days_from_civil(2000, 1, 1);
	for (int i = 0; i < CALENDAR_MAX_EXCEPTIONS; i++) {
		struct calendar_date d = calendar_civil_from_days(first + i);
		struct calendar_exception_spec s = holiday(d.year, d.month, d.day);
		assert_int_equal(calendar_add_exception(&cal, &s), CALENDAR_OK);
	}
	struct calendar_exception_spec one_more = holiday(1999, 12, 31);
	assert_int_equal(calendar_add_exception(&cal, &one_more), CALENDAR_ERR_FULL);
	assert_int_equal(cal.exception_count, CALENDAR_MAX_EXCEPTIONS);
}

static void add_exceptions_merges_an_ascending_batch(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	struct calendar_exception_spec existing[] = {holiday(2026, 1, 1), holiday(2026, 10, 4)};
	assert_int_equal(calendar_add_exceptions(&cal, existing, 2, NULL), CALENDAR_OK);
	struct calendar_exception_spec batch[] = {
		makeup(2026, 9, 20, CALENDAR_MONDAY), holiday(2026, 10, 1), holiday(2026, 10, 2),
		holiday(2026, 10, 3), holiday(2026, 10, 5), makeup(2026, 10, 10, CALENDAR_MONDAY),
		holiday(2027, 1, 1),
	};
	size_t bad = 99;
	assert_int_equal(calendar_add_exceptions(&cal, batch, 7, &bad), CALENDAR_OK);
	assert_int_equal(bad, 99);
	assert_int_equal(cal.exception_count, 9);
	for (size_t i = 1; i < cal.exception_count; i++)
		assert_true(cal.exceptions[i - 1].day < cal.exceptions[i].day);
	assert_int_equal(cal.exceptions[0].day, calendar_days_from_civil(2026, 1, 1));
	assert_int_equal(cal.exceptions[5].day, calendar_days_from_civil(2026, 10, 4));
	assert_int_equal(cal.exceptions[8].day, calendar_days_from_civil(2027, 1, 1));
	assert_int_equal(calendar_add_exceptions(&cal, NULL, 0, NULL), CALENDAR_OK);
}

static void add_exceptions_refuses_unsorted_or_repeated_batches_unchanged(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	struct calendar_exception_spec existing = holiday(2026, 10, 4);
	assert_int_equal(calendar_add_exception(&cal, &existing), CALENDAR_OK);
	struct calendar before = cal;
	size_t bad = 99;

	struct calendar_exception_spec descending[] = {holiday(2026, 10, 2), holiday(2026, 10, 1)};
	assert_int_equal(calendar_add_exceptions(&cal, descending, 2, &bad),
			 CALENDAR_ERR_NOT_SORTED);
	assert_int_equal(bad, 1);

	struct calendar_exception_spec repeated[] = {holiday(2026, 10, 1), holiday(2026, 10, 2),
						     makeup(2026, 10, 2, CALENDAR_MONDAY)};
	assert_int_equal(calendar_add_exceptions(&cal, repeated, 3, &bad), CALENDAR_ERR_DUPLICATE);
	assert_int_equal(bad, 2);

	struct calendar_exception_spec clashes[] = {holiday(2026, 10, 3), holiday(2026, 10, 4)};
	assert_int_equal(calendar_add_exceptions(&cal, clashes, 2, &bad), CALENDAR_ERR_DUPLICATE);
	assert_int_equal(bad, 1);

	struct calendar_exception_spec invalid[] = {holiday(2026, 10, 1), holiday(2026, 9, 31)};
	assert_int_equal(calendar_add_exceptions(&cal, invalid, 2, &bad), CALENDAR_ERR_BAD_DATE);
	assert_int_equal(bad, 1);
	assert_memory_equal(&cal, &before, sizeof(cal));
}

static void add_exceptions_refuses_a_batch_that_does_not_fit(void **state)
{
	(void)state;
	static struct calendar cal;
	static struct calendar_exception_spec batch[CALENDAR_MAX_EXCEPTIONS];
	calendar_init_default(&cal);
	struct calendar_exception_spec first = holiday(1999, 1, 1);
	assert_int_equal(calendar_add_exception(&cal, &first), CALENDAR_OK);
	int64_t day0 = calendar_days_from_civil(2000, 1, 1);
	for (int i = 0; i < CALENDAR_MAX_EXCEPTIONS; i++) {
		struct calendar_date d = calendar_civil_from_days(day0 + i);
		batch[i] = holiday(d.year, d.month, d.day);
	}
	size_t bad = 0;
	assert_int_equal(calendar_add_exceptions(&cal, batch, CALENDAR_MAX_EXCEPTIONS, &bad),
			 CALENDAR_ERR_FULL);
	assert_int_equal(bad, CALENDAR_MAX_EXCEPTIONS);
	assert_int_equal(cal.exception_count, 1);
	assert_int_equal(calendar_add_exceptions(&cal, batch, CALENDAR_MAX_EXCEPTIONS - 1, &bad),
			 CALENDAR_OK);
	assert_int_equal(cal.exception_count, CALENDAR_MAX_EXCEPTIONS);
}

static void holiday_has_no_periods_and_makeup_day_works_its_pattern(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	const struct calendar_period short_friday[] = {{HM(8, 30), HM(12, 0)},
						       {HM(13, 30), HM(16, 0)}};
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_FRIDAY, short_friday, 2), CALENDAR_OK);
	struct calendar_exception_spec s[] = {
		makeup(2026, 9, 20, CALENDAR_MONDAY),   /* a Sunday */
		holiday(2026, 10, 1),                   /* a Thursday */
		makeup(2026, 10, 10, CALENDAR_FRIDAY),  /* a Saturday */
	};
	assert_int_equal(calendar_add_exceptions(&cal, s, 3, NULL), CALENDAR_OK);

	const struct calendar_day_periods *p = calendar_periods_for_date(&cal, date(2026, 10, 1));
	assert_non_null(p);
	assert_int_equal(p->count, 0);
	assert_false(calendar_is_working_day(&cal, date(2026, 10, 1)));

	p = calendar_periods_for_date(&cal, date(2026, 9, 20));
	assert_ptr_equal(p, &cal.week[CALENDAR_MONDAY]);
	assert_true(calendar_is_working_day(&cal, date(2026, 9, 20)));

	p = calendar_periods_for_date(&cal, date(2026, 10, 10));
	assert_int_equal(p->count, 2);
	assert_int_equal(p->period[1].end_minute, HM(16, 0));

	assert_ptr_equal(calendar_periods_for_date(&cal, date(2026, 10, 2)),
			 &cal.week[CALENDAR_FRIDAY]);
	assert_null(calendar_periods_for_date(&cal, date(2026, 2, 30)));
	assert_false(calendar_is_working_day(&cal, date(2026, 2, 30)));
}

static void working_time_is_inside_periods_and_excludes_their_ends(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	/* Monday 2026-03-02. */
	assert_false(calendar_is_working_time(&cal, shanghai(2026, 3, 2, 8, 30) - 1));
	assert_true(calendar_is_working_time(&cal, shanghai(2026, 3, 2, 8, 30)));
	assert_true(calendar_is_working_time(&cal, shanghai(2026, 3, 2, 12, 0) - 1));
	assert_false(calendar_is_working_time(&cal, shanghai(2026, 3, 2, 12, 0)));
	assert_false(calendar_is_working_time(&cal, shanghai(2026, 3, 2, 13, 29)));
	assert_true(calendar_is_working_time(&cal, shanghai(2026, 3, 2, 13, 30)));
	assert_false(calendar_is_working_time(&cal, shanghai(2026, 3, 2, 17, 30)));
	assert_false(calendar_is_working_time(&cal, shanghai(2026, 3, 7, 10, 0)));   /* Saturday */
	assert_false(calendar_is_working_time(&cal, INT64_MAX));
}

static void next_working_instant_moves_to_the_next_period_start(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	int64_t out = 0;
	int64_t inside = shanghai(2026, 3, 2, 9, 15) + 17;
	assert_int_equal(calendar_next_working_instant(&cal, inside, &out), CALENDAR_OK);
	assert_int_equal(out, inside);
	assert_int_equal(calendar_next_working_instant(&cal, shanghai(2026, 3, 2, 6, 0), &out),
			 CALENDAR_OK);
	assert_int_equal(out, shanghai(2026, 3, 2, 8, 30));
	assert_int_equal(calendar_next_working_instant(&cal, shanghai(2026, 3, 2, 12, 0), &out),
			 CALENDAR_OK);
	assert_int_equal(out, shanghai(2026, 3, 2, 13, 30));
	assert_int_equal(calendar_next_working_instant(&cal, shanghai(2026, 3, 6, 17, 30), &out),
			 CALENDAR_OK);
	assert_int_equal(out, shanghai(2026, 3, 9, 8, 30));                 /* Friday -> Monday */
	struct calendar_exception_spec h = holiday(2026, 3, 9);
	assert_int_equal(calendar_add_exception(&cal, &h), CALENDAR_OK);
	assert_int_equal(calendar_next_working_instant(&cal, shanghai(2026, 3, 6, 18, 0), &out),
			 CALENDAR_OK);
	assert_int_equal(out, shanghai(2026, 3, 10, 8, 30));   /* holiday Monday skipped */
	out = 42;
	assert_int_equal(calendar_next_working_instant(&cal, INT64_MIN, &out),
			 CALENDAR_ERR_OUT_OF_RANGE);
	assert_int_equal(out, 42);
}

static void next_working_instant_gives_up_on_a_calendar_without_work(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	for (int d = CALENDAR_MONDAY; d <= CALENDAR_SUNDAY; d++)
		assert_int_equal(calendar_set_periods(&cal, (enum calendar_weekday)d, NULL, 0),
				 CALENDAR_OK);
	assert_false(calendar_has_working_time(&cal));
	int64_t out = 42;
	assert_int_equal(calendar_next_working_instant(&cal, shanghai(2026, 3, 2, 9, 0), &out),
			 CALENDAR_ERR_NO_WORKING_TIME);
	assert_int_equal(out, 42);
}

static void next_working_instant_stops_after_three_years_of_holidays(void **state)
{
	(void)state;
	static struct calendar cal;
	calendar_init_default(&cal);
	/* Only Saturdays work, and every Saturday for more than three years is a holiday. */
	const struct calendar_period morning[] = {{HM(9, 0), HM(12, 0)}};
	for (int d = CALENDAR_MONDAY; d <= CALENDAR_FRIDAY; d++)
		assert_int_equal(calendar_set_periods(&cal, (enum calendar_weekday)d, NULL, 0),
				 CALENDAR_OK);
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_SATURDAY, morning, 1), CALENDAR_OK);
	int64_t saturday = calendar_days_from_civil(2026, 3, 7);
	for (int week = 0; week < 170; week++) {
		struct calendar_date d = calendar_civil_from_days(saturday + 7 * week);
		struct calendar_exception_spec h = holiday(d.year, d.month, d.day);
		assert_int_equal(calendar_add_exception(&cal, &h), CALENDAR_OK);
	}
	assert_true(calendar_has_working_time(&cal));
	int64_t out = 42;
	assert_int_equal(calendar_next_working_instant(&cal, shanghai(2026, 3, 2, 9, 0), &out),
			 CALENDAR_ERR_NO_WORKING_TIME);
	assert_int_equal(out, 42);
}

static void every_status_has_a_text(void **state)
{
	(void)state;
	for (int s = CALENDAR_OK; s <= CALENDAR_ERR_OUT_OF_RANGE; s++) {
		const char *text = calendar_status_text((enum calendar_status)s);
		assert_non_null(text);
		assert_true(strlen(text) > 1);
		assert_string_not_equal(text, "unknown calendar status");
	}
	assert_string_equal(calendar_status_text((enum calendar_status)99),
			 "unknown calendar status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(days_from_civil_matches_known_day_numbers),
		cmocka_unit_test(civil_from_days_inverts_days_from_civil_1900_to_2200),
		cmocka_unit_test(weekday_of_known_dates),
		cmocka_unit_test(date_validity_follows_gregorian_rules_and_year_range),
		cmocka_unit_test(dates_parse_only_in_the_exact_form),
		cmocka_unit_test(time_range_covers_the_supported_years_only),
		cmocka_unit_test(local_date_uses_the_fixed_utc_offset),
		cmocka_unit_test(utc_offset_is_limited_to_fourteen_hours),
		cmocka_unit_test(default_calendar_is_shanghai_office_hours_monday_to_friday),
		cmocka_unit_test(set_periods_accepts_valid_days_and_refuses_bad_ones_unchanged),
		cmocka_unit_test(add_exception_keeps_dates_sorted),
		cmocka_unit_test(add_exception_refuses_duplicates_and_bad_input_unchanged),
		cmocka_unit_test(add_exception_refuses_more_than_capacity),
		cmocka_unit_test(add_exceptions_merges_an_ascending_batch),
		cmocka_unit_test(add_exceptions_refuses_unsorted_or_repeated_batches_unchanged),
		cmocka_unit_test(add_exceptions_refuses_a_batch_that_does_not_fit),
		cmocka_unit_test(holiday_has_no_periods_and_makeup_day_works_its_pattern),
		cmocka_unit_test(working_time_is_inside_periods_and_excludes_their_ends),
		cmocka_unit_test(next_working_instant_moves_to_the_next_period_start),
		cmocka_unit_test(next_working_instant_gives_up_on_a_calendar_without_work),
		cmocka_unit_test(next_working_instant_stops_after_three_years_of_holidays),
		cmocka_unit_test(every_status_has_a_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

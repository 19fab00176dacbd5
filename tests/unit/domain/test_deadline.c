/*
 * Unit tests for domain/deadline.c: working hours, working days and calendar
 * hours on the working calendar, and working time between two instants.
 *
 * All times are local Asia/Shanghai times (the default calendar's offset).
 * Reference week: Monday 2026-03-02 .. Sunday 2026-03-08, no holidays.
 *
 * Holidays used (the 2026 State Council schedule cannot be looked up
 * offline, so the tests state their own; they match the published 2026
 * schedule as we remember it, and depend only on its shape - a Golden-week
 * block with one make-up Sunday before it and one make-up Saturday after):
 *   National Day: 2026-10-01 (Thu) .. 2026-10-07 (Wed) holidays;
 *                 2026-09-20 (Sun) and 2026-10-10 (Sat) make-up working days
 *                 with Monday's periods.
 *   New Year:     2027-01-01 (Fri) holiday, no make-up day.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/deadline.h"

#define HOUR 3600
#define HM(h, m) ((h) * 60 + (m))

/* UTC seconds of a local Shanghai time (UTC+8; no DST in China). */
static int64_t sh(int y, int mo, int d, int h, int mi)
{
	return calendar_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 - 8 * 3600;
}

/* Shorthand for the function under test in the time-left tests. */
static int64_t working_seconds(int64_t a, int64_t b, const struct calendar *cal)
{
	return deadline_working_seconds_between(a, b, cal);
}

static int64_t add_ok(int64_t start, int32_t amount, enum deadline_unit unit,
		      const struct calendar *cal)
{
	int64_t due = 0;
	int rc = deadline_add(start, amount, unit, cal, &due);
	if (rc != DEADLINE_OK)
		fail_msg("deadline_add failed: %s", deadline_status_text(rc));
	return due;
}

static void add_specs(struct calendar *cal, const struct calendar_exception_spec *s, size_t n)
{
	size_t bad = 0;
	enum calendar_status st = calendar_add_exceptions(cal, s, n, &bad);
	if (st != CALENDAR_OK)
		fail_msg("exception %zu refused: %s", bad, calendar_status_text(st));
}

/* The default calendar with the National Day 2026 and New Year 2027 holidays above. */
static void holiday_calendar(struct calendar *cal)
{
	calendar_init_default(cal);
	const struct calendar_exception_spec s[] = {
		{{2026, 9, 20}, CALENDAR_MAKEUP_WORKDAY, CALENDAR_MONDAY},
		{{2026, 10, 1}, CALENDAR_HOLIDAY, CALENDAR_MONDAY},
		{{2026, 10, 2}, CALENDAR_HOLIDAY, CALENDAR_MONDAY},
		{{2026, 10, 3}, CALENDAR_HOLIDAY, CALENDAR_MONDAY},
		{{2026, 10, 4}, CALENDAR_HOLIDAY, CALENDAR_MONDAY},
		{{2026, 10, 5}, CALENDAR_HOLIDAY, CALENDAR_MONDAY},
		{{2026, 10, 6}, CALENDAR_HOLIDAY, CALENDAR_MONDAY},
		{{2026, 10, 7}, CALENDAR_HOLIDAY, CALENDAR_MONDAY},
		{{2026, 10, 10}, CALENDAR_MAKEUP_WORKDAY, CALENDAR_MONDAY},
		{{2027, 1, 1}, CALENDAR_HOLIDAY, CALENDAR_MONDAY},
	};
	add_specs(cal, s, sizeof(s) / sizeof(s[0]));
}

static void no_work_calendar(struct calendar *cal)
{
	calendar_init_default(cal);
	for (int d = CALENDAR_MONDAY; d <= CALENDAR_SUNDAY; d++)
		assert_int_equal(calendar_set_periods(cal, (enum calendar_weekday)d, NULL, 0),
				 CALENDAR_OK);
}

/* ---- working hours: where the count starts ------------------------------- */

static void working_hours_started_early_morning_count_from_0830(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	assert_int_equal(add_ok(sh(2026, 3, 2, 7, 0), 2, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 2, 10, 30));
	assert_int_equal(add_ok(sh(2026, 3, 2, 0, 0), 1, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 2, 9, 30));
}

static void working_hours_started_in_lunch_break_count_from_1330(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	assert_int_equal(add_ok(sh(2026, 3, 2, 12, 15), 2, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 2, 15, 30));
}

static void working_hours_started_exactly_at_noon_count_from_1330(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	assert_int_equal(add_ok(sh(2026, 3, 2, 12, 0), 1, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 2, 14, 30));
}

static void working_hours_started_in_the_evening_count_from_next_morning(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	assert_int_equal(add_ok(sh(2026, 3, 2, 19, 0), 2, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 3, 10, 30));
	assert_int_equal(add_ok(sh(2026, 3, 2, 17, 30), 1, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 3, 9, 30));
}

static void working_hours_started_on_the_weekend_count_from_monday(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	/* Saturday 10:00 + 4 h: Monday 08:30-12:00 (3.5 h) + 13:30-14:00. */
	assert_int_equal(add_ok(sh(2026, 3, 7, 10, 0), 4, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 9, 14, 0));
	assert_int_equal(add_ok(sh(2026, 3, 8, 23, 59), 1, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 9, 9, 30));
}

/* ---- working hours: across breaks ----------------------------------------- */

static void working_hours_skip_the_lunch_break(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	assert_int_equal(add_ok(sh(2026, 3, 2, 11, 0), 2, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 2, 14, 30));
}

static void working_hours_skip_the_weekend(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	/* Friday 16:30 + 4 h: 1 h on Friday, 3 h on Monday morning. */
	assert_int_equal(add_ok(sh(2026, 3, 6, 16, 30), 4, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 9, 11, 30));
}

static void working_hours_span_several_days(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	/* Monday 08:30 + 16 h = two full days (15 h) + 1 h on Wednesday. */
	assert_int_equal(add_ok(sh(2026, 3, 2, 8, 30), 16, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 4, 9, 30));
}

static void working_minutes_skip_the_lunch_break(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	assert_int_equal(add_ok(sh(2026, 3, 2, 11, 50), 30, DEADLINE_WORKING_MINUTES, &cal),
			 sh(2026, 3, 2, 13, 50));
}

static void working_hours_keep_the_seconds_of_the_start(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	assert_int_equal(add_ok(sh(2026, 3, 2, 9, 0) + 30, 1, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 2, 10, 0) + 30);
	assert_int_equal(add_ok(sh(2026, 3, 2, 11, 59) + 59, 1, DEADLINE_WORKING_MINUTES, &cal),
			 sh(2026, 3, 2, 13, 30) + 59);
}

/* ---- working hours: exact landings at period ends ------------------------- */

static void budget_used_up_at_noon_is_due_at_noon_not_1330(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	assert_int_equal(add_ok(sh(2026, 3, 2, 9, 0), 3, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 2, 12, 0));
	assert_int_equal(add_ok(sh(2026, 3, 2, 8, 30), 210, DEADLINE_WORKING_MINUTES, &cal),
			 sh(2026, 3, 2, 12, 0));
}

static void budget_used_up_at_end_of_day_is_due_that_evening_not_next_morning(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	assert_int_equal(add_ok(sh(2026, 3, 2, 13, 30), 4, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 2, 17, 30));
	/* A whole working day is 7.5 h. */
	assert_int_equal(add_ok(sh(2026, 3, 2, 8, 30), 450, DEADLINE_WORKING_MINUTES, &cal),
			 sh(2026, 3, 2, 17, 30));
	/* Friday afternoon, used up at Friday 17:30, not Monday 08:30. */
	assert_int_equal(add_ok(sh(2026, 3, 6, 15, 30), 2, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 3, 6, 17, 30));
}

/* ---- holidays and make-up days --------------------------------------------- */

static void working_hours_skip_the_national_day_holiday(void **state)
{
	(void)state;
	struct calendar cal;
	holiday_calendar(&cal);
	/* Wednesday 09-30 16:00 + 4 h: 1.5 h that day, then Thursday 10-08. */
	assert_int_equal(add_ok(sh(2026, 9, 30, 16, 0), 4, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 10, 8, 11, 0));
	/* Received during the holiday: counted from the first morning after it. */
	assert_int_equal(add_ok(sh(2026, 10, 3, 10, 0), 1, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 10, 8, 9, 30));
	/* The same start without the holidays would be due on Thursday 10-01. */
	struct calendar plain;
	calendar_init_default(&plain);
	assert_int_equal(add_ok(sh(2026, 9, 30, 16, 0), 4, DEADLINE_WORKING_HOURS, &plain),
			 sh(2026, 10, 1, 11, 0));
}

static void working_hours_use_the_makeup_sunday_before_national_day(void **state)
{
	(void)state;
	struct calendar cal;
	holiday_calendar(&cal);
	/* Saturday 09-19 10:00: the make-up Sunday 09-20 is the next working day. */
	assert_int_equal(add_ok(sh(2026, 9, 19, 10, 0), 2, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 9, 20, 10, 30));
	/* Friday 10-09 17:00 + 1 h: 30 min Friday, 30 min on the make-up Saturday. */
	assert_int_equal(add_ok(sh(2026, 10, 9, 17, 0), 1, DEADLINE_WORKING_HOURS, &cal),
			 sh(2026, 10, 10, 9, 0));
}

static void working_hours_cross_the_year_end_holiday(void **state)
{
	(void)state;
	struct calendar cal;
	holiday_calendar(&cal);
	/* Thursday 2026-12-31 16:00 + 4 h: 1.5 h, then Friday 2027-01-01 is a
	 * holiday and the weekend follows: Monday 2027-01-04 08:30 + 2.5 h. */
	assert_int_equal(add_ok(sh(2026, 12, 31, 16, 0), 4, DEADLINE_WORKING_HOURS, &cal),
			 sh(2027, 1, 4, 11, 0));
}

/* ---- working days ------------------------------------------------------------ */

static void working_day_received_during_work_is_due_at_the_same_clock_time(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	assert_int_equal(add_ok(sh(2026, 3, 2, 10, 15), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 3, 3, 10, 15));
	assert_int_equal(add_ok(sh(2026, 3, 2, 17, 29), 2, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 3, 4, 17, 29));
	/* Five working days from Monday is next Monday. */
	assert_int_equal(add_ok(sh(2026, 3, 2, 9, 0), 5, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 3, 9, 9, 0));
	/* Thursday + 2 working days skips the weekend. */
	assert_int_equal(add_ok(sh(2026, 3, 5, 14, 0), 2, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 3, 9, 14, 0));
}

static void working_day_received_outside_work_counts_from_next_period_start(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	/* Lunch break: treated as received at 13:30 the same day. */
	assert_int_equal(add_ok(sh(2026, 3, 2, 12, 30), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 3, 3, 13, 30));
	/* Early morning: treated as received at 08:30 the same day. */
	assert_int_equal(add_ok(sh(2026, 3, 2, 7, 0), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 3, 3, 8, 30));
	/* Evening: treated as received at 08:30 on Tuesday, so due Wednesday 08:30. */
	assert_int_equal(add_ok(sh(2026, 3, 2, 19, 0), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 3, 4, 8, 30));
	/* Weekend: treated as received Monday 08:30, so due Tuesday 08:30. */
	assert_int_equal(add_ok(sh(2026, 3, 7, 10, 0), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 3, 10, 8, 30));
}

static void working_days_count_the_makeup_saturday(void **state)
{
	(void)state;
	struct calendar cal;
	holiday_calendar(&cal);
	/* Friday 10-09: the next working day is the make-up Saturday 10-10. */
	assert_int_equal(add_ok(sh(2026, 10, 9, 9, 0), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 10, 10, 9, 0));
	assert_int_equal(add_ok(sh(2026, 10, 9, 9, 0), 2, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 10, 12, 9, 0));
	/* Received on the make-up Saturday itself, during its working hours. */
	assert_int_equal(add_ok(sh(2026, 10, 10, 15, 0), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 10, 12, 15, 0));
}

static void working_days_skip_the_national_day_holiday(void **state)
{
	(void)state;
	struct calendar cal;
	holiday_calendar(&cal);
	/* Wednesday 09-30 10:00: working days are 10-08, 10-09, 10-10 (make-up). */
	assert_int_equal(add_ok(sh(2026, 9, 30, 10, 0), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 10, 8, 10, 0));
	assert_int_equal(add_ok(sh(2026, 9, 30, 10, 0), 3, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 10, 10, 10, 0));
	/* Green-space upkeep: 5 working days from Monday 09-28. */
	assert_int_equal(add_ok(sh(2026, 9, 28, 9, 0), 5, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 10, 10, 9, 0));
	/* Received on a holiday: as if received 10-08 08:30. */
	assert_int_equal(add_ok(sh(2026, 10, 1, 9, 0), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 10, 9, 8, 30));
}

static void working_days_cross_the_year_end(void **state)
{
	(void)state;
	struct calendar cal;
	holiday_calendar(&cal);
	assert_int_equal(add_ok(sh(2026, 12, 31, 10, 0), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2027, 1, 4, 10, 0));
	assert_int_equal(add_ok(sh(2026, 12, 30, 16, 45), 2, DEADLINE_WORKING_DAYS, &cal),
			 sh(2027, 1, 4, 16, 45));
}

static void working_day_due_outside_target_day_periods_is_its_end_of_work(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	/* Friday stops at 16:00; Tuesday has a long lunch 11:00-14:00. */
	const struct calendar_period short_friday[] = {{HM(8, 30), HM(12, 0)},
						       {HM(13, 30), HM(16, 0)}};
	const struct calendar_period long_lunch[] = {{HM(8, 30), HM(11, 0)},
						     {HM(14, 0), HM(17, 30)}};
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_FRIDAY, short_friday, 2), CALENDAR_OK);
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_TUESDAY, long_lunch, 2), CALENDAR_OK);
	/* Thursday 17:00 -> Friday 17:00 is after work: clamped to Friday 16:00. */
	assert_int_equal(add_ok(sh(2026, 3, 5, 17, 0), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 3, 6, 16, 0));
	/* Thursday 16:00 -> Friday 16:00 is exactly the end of work: kept. */
	assert_int_equal(add_ok(sh(2026, 3, 5, 16, 0), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 3, 6, 16, 0));
	/* Monday 11:30 -> Tuesday 11:30 falls in Tuesday's break: end of work. */
	assert_int_equal(add_ok(sh(2026, 3, 2, 11, 30), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 3, 3, 17, 30));
	/* Monday 11:00 -> Tuesday 11:00 is exactly the end of Tuesday's morning: kept. */
	assert_int_equal(add_ok(sh(2026, 3, 2, 11, 0), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 3, 3, 11, 0));
	/* Monday 10:00 -> Tuesday 10:00 is within Tuesday's morning: kept. */
	assert_int_equal(add_ok(sh(2026, 3, 2, 10, 0), 1, DEADLINE_WORKING_DAYS, &cal),
			 sh(2026, 3, 3, 10, 0));
}

/* ---- calendar units ----------------------------------------------------------- */

static void calendar_hours_ignore_holidays_and_working_hours(void **state)
{
	(void)state;
	struct calendar cal;
	holiday_calendar(&cal);
	assert_int_equal(add_ok(sh(2026, 9, 30, 16, 0), 24, DEADLINE_CALENDAR_HOURS, &cal),
			 sh(2026, 10, 1, 16, 0));
	assert_int_equal(add_ok(sh(2026, 10, 3, 23, 0), 2, DEADLINE_CALENDAR_HOURS, &cal),
			 sh(2026, 10, 4, 1, 0));
	assert_int_equal(add_ok(sh(2026, 10, 3, 23, 0), 30, DEADLINE_CALENDAR_MINUTES, &cal),
			 sh(2026, 10, 3, 23, 30));
	assert_int_equal(add_ok(sh(2026, 9, 30, 16, 0), 3, DEADLINE_CALENDAR_DAYS, &cal),
			 sh(2026, 10, 3, 16, 0));
	/* The calendar is not needed at all. */
	assert_int_equal(add_ok(1000000000, 2, DEADLINE_CALENDAR_HOURS, NULL),
			 1000000000 + 2 * HOUR);
	struct calendar none;
	no_work_calendar(&none);
	assert_int_equal(add_ok(1000000000, 1, DEADLINE_CALENDAR_HOURS, &none), 1000000000 + HOUR);
}

static void zero_amount_is_due_at_the_start(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	int64_t saturday = sh(2026, 3, 7, 10, 0);
	for (int u = 0; u < DEADLINE_UNIT_COUNT; u++)
		assert_int_equal(add_ok(saturday, 0, (enum deadline_unit)u, &cal), saturday);
}

/* ---- errors ---------------------------------------------------------------------- */

static void calendar_without_working_periods_is_an_error_not_a_loop(void **state)
{
	(void)state;
	struct calendar cal;
	no_work_calendar(&cal);
	int64_t monday = sh(2026, 3, 2, 9, 0), due = 42;
	assert_int_equal(deadline_add(monday, 4, DEADLINE_WORKING_HOURS, &cal, &due),
			 DEADLINE_ERR_NO_WORKING_TIME);
	assert_int_equal(deadline_add(monday, 30, DEADLINE_WORKING_MINUTES, &cal, &due),
			 DEADLINE_ERR_NO_WORKING_TIME);
	assert_int_equal(deadline_add(monday, 1, DEADLINE_WORKING_DAYS, &cal, &due),
			 DEADLINE_ERR_NO_WORKING_TIME);
	assert_int_equal(due, 42);
	assert_int_equal(working_seconds(monday, sh(2026, 4, 2, 0, 0), &cal), 0);
}

static void calendar_whose_only_working_days_are_all_holidays_is_an_error(void **state)
{
	(void)state;
	static struct calendar cal;
	no_work_calendar(&cal);
	/* Only Sundays work, and every Sunday for more than three years is a holiday. */
	const struct calendar_period morning[] = {{HM(9, 0), HM(12, 0)}};
	assert_int_equal(calendar_set_periods(&cal, CALENDAR_SUNDAY, morning, 1), CALENDAR_OK);
	int64_t sunday = calendar_days_from_civil(2026, 3, 8);
	for (int week = 0; week < 160; week++) {
		struct calendar_date d = calendar_civil_from_days(sunday + 7 * week);
		struct calendar_exception_spec h = {d, CALENDAR_HOLIDAY, CALENDAR_MONDAY};
		assert_int_equal(calendar_add_exception(&cal, &h), CALENDAR_OK);
	}
	int64_t monday = sh(2026, 3, 2, 9, 0), due = 42;
	assert_int_equal(deadline_add(monday, 1, DEADLINE_WORKING_HOURS, &cal, &due),
			 DEADLINE_ERR_NO_WORKING_TIME);
	assert_int_equal(deadline_add(monday, 1, DEADLINE_WORKING_DAYS, &cal, &due),
			 DEADLINE_ERR_NO_WORKING_TIME);
	assert_int_equal(due, 42);
}

static void deadline_beyond_three_years_is_too_far(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	int64_t monday = sh(2026, 3, 2, 9, 0), due = 42;
	assert_int_equal(deadline_add(monday, 100000, DEADLINE_WORKING_HOURS, &cal, &due),
			 DEADLINE_ERR_TOO_FAR);
	assert_int_equal(deadline_add(monday, 1000, DEADLINE_WORKING_DAYS, &cal, &due),
			 DEADLINE_ERR_TOO_FAR);
	assert_int_equal(deadline_add(monday, INT32_MAX, DEADLINE_WORKING_MINUTES, &cal, &due),
			 DEADLINE_ERR_TOO_FAR);
	assert_int_equal(due, 42);
	/* Two years of working days still fits. */
	assert_int_equal(deadline_add(monday, 500, DEADLINE_WORKING_DAYS, &cal, &due), DEADLINE_OK);
	assert_true(due > sh(2028, 1, 1, 0, 0));
}

static void invalid_arguments_are_refused(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	int64_t t = sh(2026, 3, 2, 9, 0), due = 42;
	const int invalid = DEADLINE_ERR_INVALID;
	assert_int_equal(deadline_add(t, -1, DEADLINE_WORKING_HOURS, &cal, &due), invalid);
	assert_int_equal(deadline_add(t, 1, DEADLINE_UNIT_COUNT, &cal, &due), invalid);
	assert_int_equal(deadline_add(t, 1, (enum deadline_unit)-1, &cal, &due), invalid);
	assert_int_equal(deadline_add(t, 1, DEADLINE_WORKING_HOURS, NULL, &due), invalid);
	assert_int_equal(deadline_add(t, 1, DEADLINE_WORKING_HOURS, &cal, NULL), invalid);
	assert_int_equal(due, 42);
}

static void times_outside_the_supported_years_are_refused(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	int64_t last_days = sh(9999, 12, 30, 9, 0), due = 42;
	assert_int_equal(deadline_add(INT64_MAX, 1, DEADLINE_CALENDAR_HOURS, &cal, &due),
			 DEADLINE_ERR_OUT_OF_RANGE);
	assert_int_equal(deadline_add(INT64_MIN, 1, DEADLINE_WORKING_HOURS, &cal, &due),
			 DEADLINE_ERR_OUT_OF_RANGE);
	assert_int_equal(deadline_add(last_days, 5, DEADLINE_CALENDAR_DAYS, &cal, &due),
			 DEADLINE_ERR_OUT_OF_RANGE);
	/* 9999-12-31 is a Friday: two working days later is in year 10000. */
	assert_int_equal(deadline_add(last_days + 86400, 2, DEADLINE_WORKING_DAYS, &cal, &due),
			 DEADLINE_ERR_OUT_OF_RANGE);
	assert_int_equal(deadline_add(sh(2026, 3, 2, 9, 0), INT32_MAX, DEADLINE_CALENDAR_HOURS,
				      &cal, &due),
			 DEADLINE_ERR_OUT_OF_RANGE);
	assert_int_equal(due, 42);
}

/* ---- working time between two instants ---------------------------------------- */

static void working_seconds_between_counts_only_working_periods(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	/* A whole week: 5 days x 7.5 h. */
	assert_int_equal(working_seconds(sh(2026, 3, 2, 0, 0), sh(2026, 3, 9, 0, 0), &cal),
			 5 * 450 * 60);
	/* Across lunch. */
	assert_int_equal(working_seconds(sh(2026, 3, 2, 11, 0), sh(2026, 3, 2, 14, 0), &cal),
			 90 * 60);
	/* Inside one period, with seconds. */
	assert_int_equal(working_seconds(sh(2026, 3, 2, 9, 0) + 5, sh(2026, 3, 2, 9, 1), &cal), 55);
	/* A weekend has none. */
	assert_int_equal(working_seconds(sh(2026, 3, 6, 17, 30), sh(2026, 3, 9, 8, 30), &cal), 0);
	assert_int_equal(working_seconds(sh(2026, 3, 2, 9, 0), sh(2026, 3, 2, 9, 0), &cal), 0);
}

static void time_left_is_negative_once_overdue(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	int64_t due = sh(2026, 3, 2, 10, 0);
	/* Before the deadline: positive working time left. */
	assert_int_equal(working_seconds(sh(2026, 3, 2, 9, 0), due, &cal), HOUR);
	/* One working hour late. */
	assert_int_equal(working_seconds(sh(2026, 3, 2, 11, 0), due, &cal), -HOUR);
	/* Next morning 09:00: 2 h + 4 h on Monday + 0.5 h on Tuesday late. */
	assert_int_equal(working_seconds(sh(2026, 3, 3, 9, 0), due, &cal), -(6 * HOUR + HOUR / 2));
	/* The reverse is always the negative. */
	for (int m = 0; m < 3 * 24 * 60; m += 37) {
		int64_t now = sh(2026, 3, 1, 0, 0) + m * 60;
		assert_int_equal(working_seconds(now, due, &cal),
				 -working_seconds(due, now, &cal));
	}
}

static void time_left_is_zero_when_no_working_time_passed_since_the_deadline(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	/* Due Friday 17:30; on Saturday the case is overdue by wall clock but
	 * has lost no working time yet: overdue-ness is decided by comparing
	 * times (now > due), the working seconds say by how much. */
	int64_t due = sh(2026, 3, 6, 17, 30);
	int64_t saturday = sh(2026, 3, 7, 11, 0);
	assert_true(saturday > due);
	assert_int_equal(working_seconds(saturday, due, &cal), 0);
	assert_int_equal(working_seconds(sh(2026, 3, 9, 9, 0), due, &cal), -HOUR / 2);
}

static void working_seconds_between_skips_holidays(void **state)
{
	(void)state;
	struct calendar cal;
	holiday_calendar(&cal);
	/* Monday 09-28 .. Monday 10-12: 09-28, 29, 30, 10-08, 09, 10 (make-up) = 6 days. */
	assert_int_equal(working_seconds(sh(2026, 9, 28, 0, 0), sh(2026, 10, 12, 0, 0), &cal),
			 6 * 450 * 60);
}

/* ---- properties ------------------------------------------------------------------ */

/*
 * For every start (a week of minutes, step 7) and budget, the working time
 * between the normalised start and the due time is exactly the budget, and
 * the due time is never in the middle of non-working time.
 */
static void check_working_hours_property(const struct calendar *cal, int64_t from, int days)
{
	static const int32_t hours[] = {1, 2, 3, 4, 5, 8, 13, 40};
	for (int64_t start = from; start < from + days * 86400; start += 7 * 60) {
		int64_t normalised;
		assert_int_equal(calendar_next_working_instant(cal, start, &normalised),
				 CALENDAR_OK);
		for (size_t i = 0; i < sizeof(hours) / sizeof(hours[0]); i++) {
			int64_t due = add_ok(start, hours[i], DEADLINE_WORKING_HOURS, cal);
			assert_int_equal(working_seconds(normalised, due, cal),
					 (int64_t)hours[i] * HOUR);
			assert_int_equal(working_seconds(start, due, cal),
					 (int64_t)hours[i] * HOUR);
			/* Due inside working time or exactly at a period's end. */
			assert_true(calendar_is_working_time(cal, due) ||
				    calendar_is_working_time(cal, due - 1));
		}
	}
}

static void working_hours_property_holds_for_every_start_in_a_week(void **state)
{
	(void)state;
	struct calendar cal;
	calendar_init_default(&cal);
	check_working_hours_property(&cal, sh(2026, 3, 2, 0, 0), 7);
	check_working_hours_property(&cal, sh(2026, 3, 2, 0, 0) + 13, 1);   /* odd seconds */
}

static void working_hours_property_holds_around_national_day(void **state)
{
	(void)state;
	struct calendar cal;
	holiday_calendar(&cal);
	check_working_hours_property(&cal, sh(2026, 9, 28, 0, 0), 14);
	check_working_hours_property(&cal, sh(2026, 12, 28, 0, 0), 7);
}

/*
 * Working days with uniform working hours: the due time keeps the clock time
 * of the normalised start and falls on a working day with exactly n-1
 * working days between the two.
 */
static void working_days_property_holds_around_national_day(void **state)
{
	(void)state;
	struct calendar cal;
	holiday_calendar(&cal);
	int64_t from = sh(2026, 9, 14, 0, 0);
	for (int64_t start = from; start < from + 35 * 86400; start += 7 * 60) {
		int64_t normalised;
		assert_int_equal(calendar_next_working_instant(&cal, start, &normalised),
				 CALENDAR_OK);
		for (int32_t n = 1; n <= 6; n++) {
			int64_t due = add_ok(start, n, DEADLINE_WORKING_DAYS, &cal);
			assert_int_equal(calendar_local_second_of_day(&cal, due),
					 calendar_local_second_of_day(&cal, normalised));
			int64_t d0 = calendar_local_day(&cal, normalised);
			int64_t dn = calendar_local_day(&cal, due);
			assert_true(calendar_periods_for_day(&cal, dn)->count > 0);
			int between = 0;
			for (int64_t d = d0 + 1; d < dn; d++)
				between += calendar_periods_for_day(&cal, d)->count > 0;
			assert_int_equal(between, n - 1);
		}
	}
}

/* ---- names ------------------------------------------------------------------------ */

static void unit_names_round_trip(void **state)
{
	(void)state;
	for (int u = 0; u < DEADLINE_UNIT_COUNT; u++) {
		const char *name = deadline_unit_name((enum deadline_unit)u);
		enum deadline_unit back = DEADLINE_UNIT_COUNT;
		assert_int_equal(deadline_unit_from_name(name, strlen(name), &back), 0);
		assert_int_equal(back, u);
	}
	enum deadline_unit unit;
	assert_string_equal(deadline_unit_name(DEADLINE_WORKING_HOURS), "working_hours");
	/* No NUL needed: only the first 13 bytes are read. */
	assert_int_equal(deadline_unit_from_name("working_hours_x", 13, &unit), 0);
	assert_int_equal(unit, DEADLINE_WORKING_HOURS);
	assert_int_equal(deadline_unit_from_name("working_hour", 12, &unit), -1);
	assert_int_equal(deadline_unit_from_name("", 0, &unit), -1);
	assert_int_equal(deadline_unit_from_name(NULL, 0, &unit), -1);
	assert_string_equal(deadline_unit_name(DEADLINE_UNIT_COUNT), "unknown");
	for (int s = DEADLINE_OK; s <= DEADLINE_ERR_TOO_FAR; s++)
		assert_string_not_equal(deadline_status_text(s), "unknown deadline status");
	assert_string_equal(deadline_status_text(-7), "unknown deadline status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(working_hours_started_early_morning_count_from_0830),
		cmocka_unit_test(working_hours_started_in_lunch_break_count_from_1330),
		cmocka_unit_test(working_hours_started_exactly_at_noon_count_from_1330),
		cmocka_unit_test(working_hours_started_in_the_evening_count_from_next_morning),
		cmocka_unit_test(working_hours_started_on_the_weekend_count_from_monday),
		cmocka_unit_test(working_hours_skip_the_lunch_break),
		cmocka_unit_test(working_hours_skip_the_weekend),
		cmocka_unit_test(working_hours_span_several_days),
		cmocka_unit_test(working_minutes_skip_the_lunch_break),
		cmocka_unit_test(working_hours_keep_the_seconds_of_the_start),
		cmocka_unit_test(budget_used_up_at_noon_is_due_at_noon_not_1330),
		cmocka_unit_test(budget_used_up_at_end_of_day_is_due_that_evening_not_next_morning),
		cmocka_unit_test(working_hours_skip_the_national_day_holiday),
		cmocka_unit_test(working_hours_use_the_makeup_sunday_before_national_day),
		cmocka_unit_test(working_hours_cross_the_year_end_holiday),
		cmocka_unit_test(working_day_received_during_work_is_due_at_the_same_clock_time),
		cmocka_unit_test(working_day_received_outside_work_counts_from_next_period_start),
		cmocka_unit_test(working_days_count_the_makeup_saturday),
		cmocka_unit_test(working_days_skip_the_national_day_holiday),
		cmocka_unit_test(working_days_cross_the_year_end),
		cmocka_unit_test(working_day_due_outside_target_day_periods_is_its_end_of_work),
		cmocka_unit_test(calendar_hours_ignore_holidays_and_working_hours),
		cmocka_unit_test(zero_amount_is_due_at_the_start),
		cmocka_unit_test(calendar_without_working_periods_is_an_error_not_a_loop),
		cmocka_unit_test(calendar_whose_only_working_days_are_all_holidays_is_an_error),
		cmocka_unit_test(deadline_beyond_three_years_is_too_far),
		cmocka_unit_test(invalid_arguments_are_refused),
		cmocka_unit_test(times_outside_the_supported_years_are_refused),
		cmocka_unit_test(working_seconds_between_counts_only_working_periods),
		cmocka_unit_test(time_left_is_negative_once_overdue),
		cmocka_unit_test(time_left_is_zero_when_no_working_time_passed_since_the_deadline),
		cmocka_unit_test(working_seconds_between_skips_holidays),
		cmocka_unit_test(working_hours_property_holds_for_every_start_in_a_week),
		cmocka_unit_test(working_hours_property_holds_around_national_day),
		cmocka_unit_test(working_days_property_holds_around_national_day),
		cmocka_unit_test(unit_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

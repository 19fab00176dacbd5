/*
 * deadline.c - deadline arithmetic on a working calendar (see deadline.h).
 */
#include "domain/deadline.h"

#include <stdbool.h>
#include <string.h>

static const char *const unit_names[DEADLINE_UNIT_COUNT] = {
	[DEADLINE_WORKING_MINUTES] = "working_minutes",
	[DEADLINE_WORKING_HOURS] = "working_hours",
	[DEADLINE_WORKING_DAYS] = "working_days",
	[DEADLINE_CALENDAR_MINUTES] = "calendar_minutes",
	[DEADLINE_CALENDAR_HOURS] = "calendar_hours",
	[DEADLINE_CALENDAR_DAYS] = "calendar_days",
};

static int status_from_calendar(enum calendar_status st)
{
	switch (st) {
	case CALENDAR_OK: return DEADLINE_OK;
	case CALENDAR_ERR_NO_WORKING_TIME: return DEADLINE_ERR_NO_WORKING_TIME;
	case CALENDAR_ERR_OUT_OF_RANGE: return DEADLINE_ERR_OUT_OF_RANGE;
	default: return DEADLINE_ERR_INVALID;
	}
}

/* Start of period i of a day, and its end, in UTC seconds. */
static int64_t period_start(int64_t day_start, const struct calendar_day_periods *p, int i)
{
	return day_start + (int64_t)p->period[i].start_minute * 60;
}

static int64_t period_end(int64_t day_start, const struct calendar_day_periods *p, int i)
{
	return day_start + (int64_t)p->period[i].end_minute * 60;
}

/*
 * Uses up `budget` (> 0) working seconds from `start`. The due time is the
 * instant the budget runs out, which is a period's end when it runs out
 * exactly there. Looks at most CALENDAR_SEARCH_DAYS days ahead.
 */
static int add_working_seconds(int64_t start, int64_t budget, const struct calendar *cal,
			       int64_t *due)
{
	bool worked = false;
	int64_t day = calendar_local_day(cal, start);
	for (int64_t n = 0; n <= CALENDAR_SEARCH_DAYS; n++, day++) {
		const struct calendar_day_periods *p = calendar_periods_for_day(cal, day);
		int64_t day_start = calendar_day_start_utc(cal, day);
		for (int i = 0; i < p->count; i++) {
			int64_t ps = period_start(day_start, p, i);
			int64_t pe = period_end(day_start, p, i);
			if (pe <= start)
				continue;
			int64_t from = start > ps ? start : ps;
			worked = true;
			if (budget <= pe - from) {
				*due = from + budget;
				return DEADLINE_OK;
			}
			budget -= pe - from;
		}
	}
	return worked ? DEADLINE_ERR_TOO_FAR : DEADLINE_ERR_NO_WORKING_TIME;
}

/*
 * The Nth working day rule (see deadline.h): the same local clock time as
 * the normalised start, on the Nth working day after it, clamped to the end
 * of work of that day when that clock time is not within its periods.
 */
static int add_working_days(int64_t start, int32_t days, const struct calendar *cal,
			    int64_t *due)
{
	int64_t t;
	int st = status_from_calendar(calendar_next_working_instant(cal, start, &t));
	if (st != DEADLINE_OK)
		return st;
	int64_t first_day = calendar_local_day(cal, t);
	int clock = calendar_local_second_of_day(cal, t);
	int32_t found = 0;
	for (int64_t day = first_day + 1; day <= first_day + CALENDAR_SEARCH_DAYS; day++) {
		const struct calendar_day_periods *p = calendar_periods_for_day(cal, day);
		if (p->count == 0 || ++found < days)
			continue;
		int64_t day_start = calendar_day_start_utc(cal, day);
		for (int i = 0; i < p->count; i++) {
			if (clock >= p->period[i].start_minute * 60 &&
			    clock <= p->period[i].end_minute * 60) {
				*due = day_start + clock;
				return DEADLINE_OK;
			}
		}
		*due = period_end(day_start, p, p->count - 1);
		return DEADLINE_OK;
	}
	return found > 0 ? DEADLINE_ERR_TOO_FAR : DEADLINE_ERR_NO_WORKING_TIME;
}

int deadline_add(int64_t start_utc_seconds, int32_t amount, enum deadline_unit unit,
		 const struct calendar *cal, int64_t *due_out)
{
	if (!due_out || amount < 0 || (int)unit < 0 || unit >= DEADLINE_UNIT_COUNT)
		return DEADLINE_ERR_INVALID;
	bool working = unit == DEADLINE_WORKING_MINUTES || unit == DEADLINE_WORKING_HOURS ||
		       unit == DEADLINE_WORKING_DAYS;
	if (working && !cal)
		return DEADLINE_ERR_INVALID;
	if (!calendar_time_in_range(start_utc_seconds))
		return DEADLINE_ERR_OUT_OF_RANGE;
	if (amount == 0) {
		*due_out = start_utc_seconds;
		return DEADLINE_OK;
	}
	if (working && !calendar_has_working_time(cal))
		return DEADLINE_ERR_NO_WORKING_TIME;

	int64_t due = 0;
	int st = DEADLINE_OK;
	switch (unit) {
	case DEADLINE_WORKING_MINUTES:
		st = add_working_seconds(start_utc_seconds, (int64_t)amount * 60, cal, &due);
		break;
	case DEADLINE_WORKING_HOURS:
		st = add_working_seconds(start_utc_seconds, (int64_t)amount * 3600, cal, &due);
		break;
	case DEADLINE_WORKING_DAYS:
		st = add_working_days(start_utc_seconds, amount, cal, &due);
		break;
	case DEADLINE_CALENDAR_MINUTES:
		due = start_utc_seconds + (int64_t)amount * 60;
		break;
	case DEADLINE_CALENDAR_HOURS:
		due = start_utc_seconds + (int64_t)amount * 3600;
		break;
	case DEADLINE_CALENDAR_DAYS:
		due = start_utc_seconds + (int64_t)amount * 86400;
		break;
	case DEADLINE_UNIT_COUNT:
		return DEADLINE_ERR_INVALID;
	}
	if (st != DEADLINE_OK)
		return st;
	if (!calendar_time_in_range(due))
		return DEADLINE_ERR_OUT_OF_RANGE;
	*due_out = due;
	return DEADLINE_OK;
}

/* Clamps a time into the supported years so day arithmetic stays bounded. */
static int64_t clamp_to_range(int64_t t)
{
	const int64_t lo = calendar_days_from_civil(CALENDAR_MIN_YEAR, 1, 1) * 86400;
	const int64_t hi = calendar_days_from_civil(CALENDAR_MAX_YEAR + 1, 1, 1) * 86400 - 1;
	return t < lo ? lo : t > hi ? hi : t;
}

int64_t deadline_working_seconds_between(int64_t a, int64_t b, const struct calendar *cal)
{
	a = clamp_to_range(a);
	b = clamp_to_range(b);
	if (a == b)
		return 0;
	if (b < a)
		return -deadline_working_seconds_between(b, a, cal);
	int64_t total = 0;
	int64_t last_day = calendar_local_day(cal, b);
	for (int64_t day = calendar_local_day(cal, a); day <= last_day; day++) {
		const struct calendar_day_periods *p = calendar_periods_for_day(cal, day);
		int64_t day_start = calendar_day_start_utc(cal, day);
		for (int i = 0; i < p->count; i++) {
			int64_t from = period_start(day_start, p, i);
			int64_t to = period_end(day_start, p, i);
			if (from < a)
				from = a;
			if (to > b)
				to = b;
			if (to > from)
				total += to - from;
		}
	}
	return total;
}

const char *deadline_unit_name(enum deadline_unit unit)
{
	if ((int)unit < 0 || unit >= DEADLINE_UNIT_COUNT)
		return "unknown";
	return unit_names[unit];
}

int deadline_unit_from_name(const char *name, size_t len, enum deadline_unit *unit)
{
	if (!name)
		return -1;
	for (int u = 0; u < DEADLINE_UNIT_COUNT; u++) {
		if (strlen(unit_names[u]) == len && memcmp(unit_names[u], name, len) == 0) {
			*unit = (enum deadline_unit)u;
			return 0;
		}
	}
	return -1;
}

const char *deadline_status_text(int status)
{
	switch (status) {
	case DEADLINE_OK: return "ok";
	case DEADLINE_ERR_INVALID: return "invalid deadline unit or amount";
	case DEADLINE_ERR_OUT_OF_RANGE: return "time outside the supported years";
	case DEADLINE_ERR_NO_WORKING_TIME: return "calendar has no working time";
	case DEADLINE_ERR_TOO_FAR: return "deadline more than three years ahead";
	}
	return "unknown deadline status";
}

/*
 * deadline.h - the deadline calculator (处置时限: the time a responsible unit
 * has to handle a dispatched case), on a working calendar (calendar.h).
 *
 * Pure functions of their arguments: no I/O, no allocation, no global state.
 * Times are UTC seconds since the epoch; periods are whole minutes, and the
 * seconds of a start time are kept (a case dispatched at 09:00:30 with one
 * working hour is due at 10:00:30).
 *
 * The units, and exactly what deadline_add computes for each:
 *
 *   DEADLINE_WORKING_MINUTES, DEADLINE_WORKING_HOURS
 *     Working time is counted forward from the start. A start outside working
 *     time (before work, lunch break, evening, weekend, holiday, or exactly at
 *     a period's end) begins at the start of the next working period. The due
 *     time is the instant the budget is used up; when it is used up exactly at
 *     the end of a period, the due time is that period's end, not the start
 *     of the next one.
 *
 *   DEADLINE_WORKING_DAYS (common 数字城管 practice)
 *     Let t be the start, moved to the next working instant as above when it
 *     is outside working time (received during lunch = received at 13:30;
 *     received in the evening = received at 08:30 of the next working day).
 *     Let c be t's local clock time (with seconds). The case is due on the Nth
 *     working day after t's day (holidays skipped, make-up days counted), at
 *     clock time c if c lies within one of that day's periods [start, end];
 *     otherwise (only possible when days have different periods) at the end
 *     of that day's last period (the end of work that day).
 *
 *   DEADLINE_CALENDAR_MINUTES, _HOURS, _DAYS
 *     start + N x 60 / 3600 / 86400 seconds; the calendar is ignored (and may
 *     be NULL).
 *
 * An amount of 0 gives the start unchanged, for every unit.
 */
#ifndef GRIDD_DOMAIN_DEADLINE_H
#define GRIDD_DOMAIN_DEADLINE_H

#include <stddef.h>
#include <stdint.h>

#include "domain/calendar.h"

enum deadline_unit {
	DEADLINE_WORKING_MINUTES,
	DEADLINE_WORKING_HOURS,
	DEADLINE_WORKING_DAYS,
	DEADLINE_CALENDAR_MINUTES,
	DEADLINE_CALENDAR_HOURS,
	DEADLINE_CALENDAR_DAYS,
	DEADLINE_UNIT_COUNT
};

enum deadline_status {
	DEADLINE_OK = 0,
	DEADLINE_ERR_INVALID,          /* unknown unit, negative amount, NULL pointer */
	DEADLINE_ERR_OUT_OF_RANGE,     /* start or due time outside the supported years */
	DEADLINE_ERR_NO_WORKING_TIME,  /* no working period within CALENDAR_SEARCH_DAYS */
	DEADLINE_ERR_TOO_FAR,          /* due more than CALENDAR_SEARCH_DAYS days ahead */
};

/*
 * Computes the due time of a task started at start_utc_seconds with the
 * given budget (see the unit definitions above). Returns DEADLINE_OK and
 * writes *due_out, or an enum deadline_status and leaves *due_out alone.
 * The calendar is only read; it may be NULL for calendar units. Working
 * searches stop after CALENDAR_SEARCH_DAYS (3 years) of days, so a calendar
 * without working time answers DEADLINE_ERR_NO_WORKING_TIME instead of
 * looping.
 */
int deadline_add(int64_t start_utc_seconds, int32_t amount, enum deadline_unit unit,
		 const struct calendar *cal, int64_t *due_out);

/*
 * Working seconds in [a, b): the time inside working periods between two
 * instants. When b < a the answer is the negative of the working seconds in
 * [b, a), so "time left" = deadline_working_seconds_between(now, due) is
 * positive before the deadline and negative once overdue (how much working
 * time it is overdue by); 0 when a == b. Times outside the supported years
 * are clamped to them. Costs one step per local day between a and b. cal is
 * required (not NULL) and only read.
 *
 * Note that a case can be overdue (now > due) with 0 working seconds lost,
 * e.g. on the Saturday after a Friday 17:30 deadline: decide "overdue" by
 * comparing times, and use this for "by how much working time".
 */
int64_t deadline_working_seconds_between(int64_t a, int64_t b, const struct calendar *cal);

/* Stable lower-case names ("working_hours", ...) for storage and JSON. */
const char *deadline_unit_name(enum deadline_unit unit);

/* Parses a name of deadline_unit_name (len bytes, no NUL needed): 0 and
 * *unit set on success, -1 for an unknown name. */
int deadline_unit_from_name(const char *name, size_t len, enum deadline_unit *unit);

/* A short English description of a deadline_add result. */
const char *deadline_status_text(int status);

#endif

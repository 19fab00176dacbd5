/*
 * calendar.h - the working calendar (工作日历): when a city's offices work.
 *
 * A calendar is plain data the caller owns (no allocation, no global state,
 * safe to share read-only between threads):
 *   - the city's fixed UTC offset in minutes. Asia/Shanghai is +480; China has
 *     had no daylight saving time since 1991, so one fixed offset is exact for
 *     every date gridd handles. We never call localtime/mktime or read TZ:
 *     they are not pure and not thread-safe.
 *   - the working periods of each weekday, up to CALENDAR_MAX_PERIODS periods
 *     of [start, end) minutes of the local day. Default: Monday-Friday
 *     08:30-12:00 and 13:30-17:30; Saturday and Sunday no work. Periods never
 *     cross midnight.
 *   - a sorted array of dated exceptions on local dates: a public holiday
 *     (法定节假日: no work that day) or a make-up working day (调休: a weekend
 *     day that is worked to lengthen a holiday block; it works with the
 *     periods of a chosen weekday, by default Monday's).
 *
 * Local dates are converted with Howard Hinnant's days_from_civil algorithm:
 * a "day number" is the count of local days since 1970-01-01 (may be negative).
 */
#ifndef GRIDD_DOMAIN_CALENDAR_H
#define GRIDD_DOMAIN_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CALENDAR_MAX_PERIODS 4            /* working periods per day */
#define CALENDAR_MAX_EXCEPTIONS 1024      /* holidays + make-up days, ~30 a year */
#define CALENDAR_SEARCH_DAYS 1096         /* 3 years: how far searches look ahead */
#define CALENDAR_MIN_YEAR 1900            /* dates and times outside these years */
#define CALENDAR_MAX_YEAR 9999            /* are refused */
#define CALENDAR_MINUTES_PER_DAY 1440
#define CALENDAR_MAX_OFFSET_MINUTES (14 * 60)  /* UTC-14:00 .. UTC+14:00 */
#define CALENDAR_SHANGHAI_OFFSET_MINUTES 480   /* Asia/Shanghai, UTC+08:00 */

/* Monday is 0 so that a zero-initialised make-up day works Monday's periods. */
enum calendar_weekday {
	CALENDAR_MONDAY = 0,
	CALENDAR_TUESDAY,
	CALENDAR_WEDNESDAY,
	CALENDAR_THURSDAY,
	CALENDAR_FRIDAY,
	CALENDAR_SATURDAY,
	CALENDAR_SUNDAY,
};

enum calendar_status {
	CALENDAR_OK = 0,
	CALENDAR_ERR_BAD_DATE,        /* not a real date, or outside the year range */
	CALENDAR_ERR_BAD_WEEKDAY,
	CALENDAR_ERR_BAD_KIND,
	CALENDAR_ERR_BAD_PERIODS,     /* too many, empty, out of the day, overlapping */
	CALENDAR_ERR_BAD_OFFSET,
	CALENDAR_ERR_NOT_SORTED,      /* a batch of exceptions not in ascending date order */
	CALENDAR_ERR_DUPLICATE,       /* a date that already has an exception */
	CALENDAR_ERR_FULL,            /* more than CALENDAR_MAX_EXCEPTIONS */
	CALENDAR_ERR_NO_WORKING_TIME, /* no working period within CALENDAR_SEARCH_DAYS */
	CALENDAR_ERR_OUT_OF_RANGE,    /* a time outside the year range */
};

/* A local calendar date (month 1-12, day 1-31). */
struct calendar_date {
	int year;
	int month;
	int day;
};

/* One working period, [start_minute, end_minute) of the local day, 0..1440. */
struct calendar_period {
	int start_minute;
	int end_minute;
};

/* The periods of one day, ascending and not overlapping; count 0 = no work. */
struct calendar_day_periods {
	int count;
	struct calendar_period period[CALENDAR_MAX_PERIODS];
};

enum calendar_exception_kind {
	CALENDAR_HOLIDAY = 1,         /* no work on this date */
	CALENDAR_MAKEUP_WORKDAY = 2,  /* 调休: worked with the periods of `pattern` */
};

/* A dated exception as callers give it. `pattern` matters for make-up days only. */
struct calendar_exception_spec {
	struct calendar_date date;
	enum calendar_exception_kind kind;
	enum calendar_weekday pattern;
};

/* A stored exception: `day` is the local day number. */
struct calendar_exception {
	int32_t day;
	enum calendar_exception_kind kind;
	enum calendar_weekday pattern;
};

/*
 * The whole calendar. Plain data, owned by whoever declares it (about 12 KB);
 * copy it freely. Modify it only through the calendar_set_* / calendar_add_*
 * functions so the invariants hold (periods valid, exceptions sorted by day,
 * unique). Readers need no lock once nobody writes.
 */
struct calendar {
	int utc_offset_minutes;
	struct calendar_day_periods week[7];   /* indexed by enum calendar_weekday */
	size_t exception_count;
	struct calendar_exception exceptions[CALENDAR_MAX_EXCEPTIONS];
};

/* ---- pure date arithmetic ------------------------------------------------ */

/* Day number (days since 1970-01-01) of a proleptic Gregorian date. Any
 * month/day is accepted arithmetically; validate with calendar_date_is_valid. */
int64_t calendar_days_from_civil(int64_t year, int month, int day);

/* The date of a day number; exact inverse of calendar_days_from_civil. */
struct calendar_date calendar_civil_from_days(int64_t day);

/* Weekday of a day number (1970-01-01 was a Thursday). */
enum calendar_weekday calendar_weekday_of_day(int64_t day);

/* True for a real date with year in [CALENDAR_MIN_YEAR, CALENDAR_MAX_YEAR]. */
bool calendar_date_is_valid(struct calendar_date date);

/* Parses exactly "YYYY-MM-DD" (len bytes) into a valid date; false otherwise. */
bool calendar_date_parse(const char *text, size_t len, struct calendar_date *out);

/* True when a UTC time (seconds since the epoch) lies in the supported years
 * [CALENDAR_MIN_YEAR-01-01T00:00Z, (CALENDAR_MAX_YEAR+1)-01-01T00:00Z). */
bool calendar_time_in_range(int64_t utc_seconds);

/* Local day number / second of that local day / local date of a UTC time.
 * The time must satisfy calendar_time_in_range. */
int64_t calendar_local_day(const struct calendar *cal, int64_t utc_seconds);
int calendar_local_second_of_day(const struct calendar *cal, int64_t utc_seconds);
struct calendar_date calendar_local_date(const struct calendar *cal, int64_t utc_seconds);

/* UTC time of local midnight starting the given local day. */
int64_t calendar_day_start_utc(const struct calendar *cal, int64_t day);

/* ---- building a calendar -------------------------------------------------- */

/* Asia/Shanghai offset, Mon-Fri 08:30-12:00 and 13:30-17:30, no exceptions. */
void calendar_init_default(struct calendar *cal);

/* Sets the UTC offset; CALENDAR_ERR_BAD_OFFSET beyond +-14 h (cal unchanged). */
enum calendar_status calendar_set_utc_offset(struct calendar *cal, int minutes);

/*
 * Replaces the periods of one weekday with count periods copied from
 * `periods` (may be NULL when count is 0). They must be ascending, each
 * 0 <= start < end <= 1440, and not overlap (touching is allowed). On error
 * the calendar is unchanged.
 */
enum calendar_status calendar_set_periods(struct calendar *cal, enum calendar_weekday weekday,
					  const struct calendar_period *periods, int count);

/*
 * Adds one exception, keeping the array sorted by date. Refuses an invalid
 * date, kind or pattern, a date that already has an exception (DUPLICATE),
 * and a full array. On error the calendar is unchanged.
 */
enum calendar_status calendar_add_exception(struct calendar *cal,
					    const struct calendar_exception_spec *spec);

/*
 * Adds a batch of exceptions, all or nothing. The batch must be in strictly
 * ascending date order (NOT_SORTED if a date goes backwards, DUPLICATE if it
 * repeats) and must not repeat a date already in the calendar (DUPLICATE).
 * On error nothing is added and, when bad_index is not NULL, *bad_index is the
 * index of the offending entry in the batch (count when the batch does not
 * fit). The caller keeps ownership of specs.
 */
enum calendar_status calendar_add_exceptions(struct calendar *cal,
					     const struct calendar_exception_spec *specs,
					     size_t count, size_t *bad_index);

/* ---- queries -------------------------------------------------------------- */

/* The exception on a local day number, or NULL. Points into cal. */
const struct calendar_exception *calendar_find_exception(const struct calendar *cal, int64_t day);

/*
 * The periods that apply on a local day number: none on a holiday, the
 * pattern weekday's on a make-up day, else the weekday's own. The pointer
 * is borrowed: it points into cal (or to a constant empty day) and lives as
 * long as cal is unchanged.
 */
const struct calendar_day_periods *calendar_periods_for_day(const struct calendar *cal,
							    int64_t day);

/* Same for a local date; NULL for an invalid date. */
const struct calendar_day_periods *calendar_periods_for_date(const struct calendar *cal,
							     struct calendar_date date);

/* True when the local date has at least one working period (false if invalid). */
bool calendar_is_working_day(const struct calendar *cal, struct calendar_date date);

/* True when the UTC time falls inside a working period [start, end). */
bool calendar_is_working_time(const struct calendar *cal, int64_t utc_seconds);

/* True when some weekday or make-up day has working periods at all. */
bool calendar_has_working_time(const struct calendar *cal);

/*
 * The first working instant at or after utc_seconds: utc_seconds itself when
 * it lies inside a period [start, end), else the start of the next period
 * (a period's end is not working time). Looks at most CALENDAR_SEARCH_DAYS
 * days ahead: CALENDAR_ERR_NO_WORKING_TIME when nothing is found,
 * CALENDAR_ERR_OUT_OF_RANGE for a time outside the supported years.
 * *out is written only on success.
 */
enum calendar_status calendar_next_working_instant(const struct calendar *cal,
						   int64_t utc_seconds, int64_t *out);

/* A short English description of a status, for logs and problem details. */
const char *calendar_status_text(enum calendar_status status);

#endif

/*
 * calendar.c - the working calendar (see calendar.h): date arithmetic,
 * building a calendar with validation, and "which periods apply when".
 */
#include "domain/calendar.h"

#include <string.h>

#define SECONDS_PER_DAY 86400

static const struct calendar_day_periods no_periods = {0, {{0, 0}}};

/* Floor division and modulo for a positive divisor (C's / truncates). */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

/* Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms". */
int64_t calendar_days_from_civil(int64_t year, int month, int day)
{
	int64_t y = year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                   /* [0, 399] */
	int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

struct calendar_date calendar_civil_from_days(int64_t day)
{
	int64_t z = day + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                         /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;   /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                 /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                       /* [0, 11] */
	struct calendar_date date;
	date.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	date.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	date.year = (int)(yoe + era * 400 + (date.month <= 2));
	return date;
}

enum calendar_weekday calendar_weekday_of_day(int64_t day)
{
	/* Day 0, 1970-01-01, was a Thursday (3 with Monday = 0). */
	return (enum calendar_weekday)floor_mod(day + 3, 7);
}

static bool is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

bool calendar_date_is_valid(struct calendar_date date)
{
	static const int days_in_month[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (date.year < CALENDAR_MIN_YEAR || date.year > CALENDAR_MAX_YEAR)
		return false;
	if (date.month < 1 || date.month > 12 || date.day < 1)
		return false;
	int last = days_in_month[date.month - 1] + (date.month == 2 && is_leap_year(date.year));
	return date.day <= last;
}

bool calendar_date_parse(const char *text, size_t len, struct calendar_date *out)
{
	if (!text || len != 10 || text[4] != '-' || text[7] != '-')
		return false;
	int v[3] = {0, 0, 0};
	static const int start[3] = {0, 5, 8}, width[3] = {4, 2, 2};
	for (int f = 0; f < 3; f++)
		for (int i = start[f]; i < start[f] + width[f]; i++) {
			if (text[i] < '0' || text[i] > '9')
				return false;
			v[f] = v[f] * 10 + (text[i] - '0');
		}
	struct calendar_date d = {v[0], v[1], v[2]};
	if (!calendar_date_is_valid(d))
		return false;
	*out = d;
	return true;
}

bool calendar_time_in_range(int64_t utc_seconds)
{
	const int64_t lo = calendar_days_from_civil(CALENDAR_MIN_YEAR, 1, 1) * SECONDS_PER_DAY;
	const int64_t hi = calendar_days_from_civil(CALENDAR_MAX_YEAR + 1, 1, 1) * SECONDS_PER_DAY;
	return utc_seconds >= lo && utc_seconds < hi;
}

static int64_t local_seconds(const struct calendar *cal, int64_t utc_seconds)
{
	return utc_seconds + (int64_t)cal->utc_offset_minutes * 60;
}

int64_t calendar_local_day(const struct calendar *cal, int64_t utc_seconds)
{
	return floor_div(local_seconds(cal, utc_seconds), SECONDS_PER_DAY);
}

int calendar_local_second_of_day(const struct calendar *cal, int64_t utc_seconds)
{
	return (int)floor_mod(local_seconds(cal, utc_seconds), SECONDS_PER_DAY);
}

struct calendar_date calendar_local_date(const struct calendar *cal, int64_t utc_seconds)
{
	return calendar_civil_from_days(calendar_local_day(cal, utc_seconds));
}

int64_t calendar_day_start_utc(const struct calendar *cal, int64_t day)
{
	return day * SECONDS_PER_DAY - (int64_t)cal->utc_offset_minutes * 60;
}

void calendar_init_default(struct calendar *cal)
{
	static const struct calendar_day_periods office_day = {2, {{8 * 60 + 30, 12 * 60},
								  {13 * 60 + 30, 17 * 60 + 30}}};
	memset(cal, 0, sizeof(*cal));
	cal->utc_offset_minutes = CALENDAR_SHANGHAI_OFFSET_MINUTES;
	for (int d = CALENDAR_MONDAY; d <= CALENDAR_FRIDAY; d++)
		cal->week[d] = office_day;
	cal->week[CALENDAR_SATURDAY] = no_periods;
	cal->week[CALENDAR_SUNDAY] = no_periods;
	cal->exception_count = 0;
}

enum calendar_status calendar_set_utc_offset(struct calendar *cal, int minutes)
{
	if (minutes < -CALENDAR_MAX_OFFSET_MINUTES || minutes > CALENDAR_MAX_OFFSET_MINUTES)
		return CALENDAR_ERR_BAD_OFFSET;
	cal->utc_offset_minutes = minutes;
	return CALENDAR_OK;
}

static bool weekday_is_valid(int weekday)
{
	return weekday >= CALENDAR_MONDAY && weekday <= CALENDAR_SUNDAY;
}

enum calendar_status calendar_set_periods(struct calendar *cal, enum calendar_weekday weekday,
					  const struct calendar_period *periods, int count)
{
	if (!weekday_is_valid((int)weekday))
		return CALENDAR_ERR_BAD_WEEKDAY;
	if (count < 0 || count > CALENDAR_MAX_PERIODS || (count > 0 && !periods))
		return CALENDAR_ERR_BAD_PERIODS;
	for (int i = 0; i < count; i++) {
		const struct calendar_period *p = &periods[i];
		if (p->start_minute < 0 || p->start_minute >= p->end_minute ||
		    p->end_minute > CALENDAR_MINUTES_PER_DAY)
			return CALENDAR_ERR_BAD_PERIODS;
		if (i > 0 && periods[i - 1].end_minute > p->start_minute)
			return CALENDAR_ERR_BAD_PERIODS;
	}
	struct calendar_day_periods day = no_periods;
	day.count = count;
	for (int i = 0; i < count; i++)
		day.period[i] = periods[i];
	cal->week[weekday] = day;
	return CALENDAR_OK;
}

/* Checks a spec and converts it to the stored form. */
static enum calendar_status exception_from_spec(const struct calendar_exception_spec *spec,
						struct calendar_exception *out)
{
	if (!calendar_date_is_valid(spec->date))
		return CALENDAR_ERR_BAD_DATE;
	if (spec->kind != CALENDAR_HOLIDAY && spec->kind != CALENDAR_MAKEUP_WORKDAY)
		return CALENDAR_ERR_BAD_KIND;
	if (spec->kind == CALENDAR_MAKEUP_WORKDAY && !weekday_is_valid((int)spec->pattern))
		return CALENDAR_ERR_BAD_WEEKDAY;
	out->day = (int32_t)calendar_days_from_civil(spec->date.year, spec->date.month,
						     spec->date.day);
	out->kind = spec->kind;
	out->pattern = spec->kind == CALENDAR_MAKEUP_WORKDAY ? spec->pattern : CALENDAR_MONDAY;
	return CALENDAR_OK;
}

/* Index of the first exception whose day is >= day (exception_count if none). */
static size_t lower_bound(const struct calendar *cal, int64_t day)
{
	size_t lo = 0, hi = cal->exception_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cal->exceptions[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum calendar_status calendar_add_exception(struct calendar *cal,
					    const struct calendar_exception_spec *spec)
{
	struct calendar_exception e;
	enum calendar_status st = exception_from_spec(spec, &e);
	if (st != CALENDAR_OK)
		return st;
	size_t at = lower_bound(cal, e.day);
	if (at < cal->exception_count && cal->exceptions[at].day == e.day)
		return CALENDAR_ERR_DUPLICATE;
	if (cal->exception_count >= CALENDAR_MAX_EXCEPTIONS)
		return CALENDAR_ERR_FULL;
	memmove(&cal->exceptions[at + 1], &cal->exceptions[at],
		(cal->exception_count - at) * sizeof(cal->exceptions[0]));
	cal->exceptions[at] = e;
	cal->exception_count++;
	return CALENDAR_OK;
}

enum calendar_status calendar_add_exceptions(struct calendar *cal,
					     const struct calendar_exception_spec *specs,
					     size_t count, size_t *bad_index)
{
	/* Validate everything first so that failure leaves cal untouched. */
	int64_t previous = 0;
	for (size_t i = 0; i < count; i++) {
		struct calendar_exception e;
		enum calendar_status st = exception_from_spec(&specs[i], &e);
		if (st == CALENDAR_OK && i > 0 && e.day < previous)
			st = CALENDAR_ERR_NOT_SORTED;
		else if (st == CALENDAR_OK && i > 0 && e.day == previous)
			st = CALENDAR_ERR_DUPLICATE;
		else if (st == CALENDAR_OK && calendar_find_exception(cal, e.day))
			st = CALENDAR_ERR_DUPLICATE;
		if (st != CALENDAR_OK) {
			if (bad_index)
				*bad_index = i;
			return st;
		}
		previous = e.day;
	}
	if (count > CALENDAR_MAX_EXCEPTIONS - cal->exception_count) {
		if (bad_index)
			*bad_index = count;
		return CALENDAR_ERR_FULL;
	}
	/* Merge from the back: both sequences are sorted, the result fits. */
	size_t old = cal->exception_count, out = old + count;
	size_t i = old, j = count;
	while (j > 0) {
		struct calendar_exception e;
		(void)exception_from_spec(&specs[j - 1], &e);
		if (i > 0 && cal->exceptions[i - 1].day > e.day) {
			cal->exceptions[--out] = cal->exceptions[--i];
		} else {
			cal->exceptions[--out] = e;
			j--;
		}
	}
	cal->exception_count = old + count;
	return CALENDAR_OK;
}

const struct calendar_exception *calendar_find_exception(const struct calendar *cal, int64_t day)
{
	size_t at = lower_bound(cal, day);
	if (at < cal->exception_count && cal->exceptions[at].day == day)
		return &cal->exceptions[at];
	return NULL;
}

const struct calendar_day_periods *calendar_periods_for_day(const struct calendar *cal,
							    int64_t day)
{
	const struct calendar_exception *e = calendar_find_exception(cal, day);
	if (e && e->kind == CALENDAR_HOLIDAY)
		return &no_periods;
	if (e && e->kind == CALENDAR_MAKEUP_WORKDAY)
		return &cal->week[e->pattern];
	return &cal->week[calendar_weekday_of_day(day)];
}

const struct calendar_day_periods *calendar_periods_for_date(const struct calendar *cal,
							     struct calendar_date date)
{
	if (!calendar_date_is_valid(date))
		return NULL;
	return calendar_periods_for_day(cal,
					calendar_days_from_civil(date.year, date.month, date.day));
}

bool calendar_is_working_day(const struct calendar *cal, struct calendar_date date)
{
	const struct calendar_day_periods *p = calendar_periods_for_date(cal, date);
	return p && p->count > 0;
}

bool calendar_is_working_time(const struct calendar *cal, int64_t utc_seconds)
{
	if (!calendar_time_in_range(utc_seconds))
		return false;
	const struct calendar_day_periods *p =
		calendar_periods_for_day(cal, calendar_local_day(cal, utc_seconds));
	int second = calendar_local_second_of_day(cal, utc_seconds);
	for (int i = 0; i < p->count; i++)
		if (second >= p->period[i].start_minute * 60 &&
		    second < p->period[i].end_minute * 60)
			return true;
	return false;
}

bool calendar_has_working_time(const struct calendar *cal)
{
	for (int d = CALENDAR_MONDAY; d <= CALENDAR_SUNDAY; d++)
		if (cal->week[d].count > 0)
			return true;
	/* A make-up day works the periods of some weekday, so it adds none. */
	return false;
}

enum calendar_status calendar_next_working_instant(const struct calendar *cal,
						   int64_t utc_seconds, int64_t *out)
{
	if (!calendar_time_in_range(utc_seconds))
		return CALENDAR_ERR_OUT_OF_RANGE;
	if (!calendar_has_working_time(cal))
		return CALENDAR_ERR_NO_WORKING_TIME;
	int64_t day = calendar_local_day(cal, utc_seconds);
	for (int64_t n = 0; n <= CALENDAR_SEARCH_DAYS; n++, day++) {
		const struct calendar_day_periods *p = calendar_periods_for_day(cal, day);
		int64_t start = calendar_day_start_utc(cal, day);
		for (int i = 0; i < p->count; i++) {
			int64_t ps = start + p->period[i].start_minute * 60;
			int64_t pe = start + p->period[i].end_minute * 60;
			if (utc_seconds < pe) {
				int64_t t = utc_seconds > ps ? utc_seconds : ps;
				if (!calendar_time_in_range(t))
					return CALENDAR_ERR_OUT_OF_RANGE;
				*out = t;
				return CALENDAR_OK;
			}
		}
	}
	return CALENDAR_ERR_NO_WORKING_TIME;
}

const char *calendar_status_text(enum calendar_status status)
{
	switch (status) {
	case CALENDAR_OK: return "ok";
	case CALENDAR_ERR_BAD_DATE: return "not a valid date in the supported years";
	case CALENDAR_ERR_BAD_WEEKDAY: return "not a weekday";
	case CALENDAR_ERR_BAD_KIND: return "exception must be a holiday or a make-up working day";
	case CALENDAR_ERR_BAD_PERIODS:
		return "working periods must be ascending, non-overlapping, within the day";
	case CALENDAR_ERR_BAD_OFFSET: return "UTC offset must be within +-14 hours";
	case CALENDAR_ERR_NOT_SORTED: return "exceptions must be in ascending date order";
	case CALENDAR_ERR_DUPLICATE: return "date already has an exception";
	case CALENDAR_ERR_FULL: return "too many calendar exceptions";
	case CALENDAR_ERR_NO_WORKING_TIME: return "calendar has no working time";
	case CALENDAR_ERR_OUT_OF_RANGE: return "time outside the supported years";
	}
	return "unknown calendar status";
}

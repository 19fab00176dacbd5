/*
 * calendar_store.c - loading the working calendar. See calendar_store.h.
 */
#include "api/calendar_store.h"

#include "http/problem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const calendar_weekday_names[7] = {"monday", "tuesday", "wednesday", "thursday",
	                                       "friday", "saturday", "sunday"};

/*
 * One row: zone, its UTC offset in minutes at $1 (seconds since the epoch),
 * the week (jsonb text or NULL), the exceptions around $1 as
 * [["YYYY-MM-DD", "holiday"|"workday", pattern], ...].
 */
static struct db_statement statements[] = {
	{"calendar_store_load",
	 "WITH z AS (SELECT coalesce((SELECT value #>> '{}' FROM gridd_settings"
	 "   WHERE key = 'city.time_zone'), '" CALENDAR_STORE_DEFAULT_ZONE "') AS zone)"
	 " SELECT z.zone,"
	 "  (extract(epoch FROM (to_timestamp($1::float8) AT TIME ZONE z.zone)"
	 "   - (to_timestamp($1::float8) AT TIME ZONE 'UTC')) / 60)::int,"
	 "  (SELECT value::text FROM gridd_settings WHERE key = 'calendar.week'),"
	 "  (SELECT coalesce(json_agg(json_build_array(to_char(day, 'YYYY-MM-DD'), kind,"
	 "     coalesce(pattern, 'monday')) ORDER BY day), '[]')::text FROM calendar_exceptions"
	 "   WHERE day BETWEEN to_timestamp($1::float8)::date - 7 AND to_timestamp($1::float8)::date + 1100)"
	 " FROM z",
	 1, 0},
};

int calendar_store_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

/* "HH:MM" (00:00-24:00) as minutes of the day; -1 when malformed. */
static int minute_of(const json_t *v)
{
	const char *s = json_string_value(v);
	if (!s || json_string_length(v) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	return h * 60 + m;
}

int calendar_store_parse_week(const json_t *week, struct calendar *cal, const char *pointer_prefix,
                              json_t **errors)
{
	char pointer[96];
	int rc = 0;
	if (!json_is_object(week)) {
		problem_add_error(errors, pointer_prefix, "an object with the periods of monday ... sunday");
		return -1;
	}
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)week, key, v) {
		bool known = false;
		for (int d = 0; d < 7; d++)
			known |= strcmp(key, calendar_weekday_names[d]) == 0;
		if (!known) {
			snprintf(pointer, sizeof(pointer), "%s/%.40s", pointer_prefix, key);
			problem_add_error(errors, pointer, "unknown weekday: monday ... sunday");
			rc = -1;
		}
	}
	for (int d = 0; d < 7; d++) {
		snprintf(pointer, sizeof(pointer), "%s/%s", pointer_prefix, calendar_weekday_names[d]);
		const json_t *list = json_object_get(week, calendar_weekday_names[d]);
		struct calendar_period periods[CALENDAR_MAX_PERIODS];
		size_t n = json_is_array(list) ? json_array_size(list) : 0;
		bool ok = json_is_array(list) && n <= CALENDAR_MAX_PERIODS;
		for (size_t i = 0; ok && i < n; i++) {
			const json_t *p = json_array_get(list, i);
			periods[i].start_minute = json_array_size(p) == 2 ? minute_of(json_array_get(p, 0)) : -1;
			periods[i].end_minute = json_array_size(p) == 2 ? minute_of(json_array_get(p, 1)) : -1;
			ok = periods[i].start_minute >= 0 && periods[i].end_minute >= 0;
		}
		if (ok && calendar_set_periods(cal, (enum calendar_weekday)d, periods, (int)n) == CALENDAR_OK)
			continue;
		problem_add_error(errors, pointer,
		                  "required: up to 4 periods [\"HH:MM\", \"HH:MM\"] in ascending order, "
		                  "not overlapping, start before end ([] = no work that day)");
		rc = -1;
	}
	return rc;
}

json_t *calendar_store_week_json(const struct calendar *cal)
{
	json_t *week = json_object();
	for (int d = 0; d < 7; d++) {
		json_t *list = json_array();
		for (int i = 0; i < cal->week[d].count; i++) {
			char a[8], b[8];
			const struct calendar_period *p = &cal->week[d].period[i];
			snprintf(a, sizeof(a), "%02d:%02d", p->start_minute / 60 % 100, p->start_minute % 60);
			snprintf(b, sizeof(b), "%02d:%02d", p->end_minute / 60 % 100, p->end_minute % 60);
			json_array_append_new(list, json_pack("[s, s]", a, b));
		}
		json_object_set_new(week, calendar_weekday_names[d], list);
	}
	return week;
}

struct load {
	calendar_store_cb cb;
	void *arg;
};

static void loaded(const struct db_result *r, void *arg)
{
	struct load l = *(struct load *)arg;
	free(arg);
	if (r->status != DB_OK || PQntuples(r->res) != 1) {
		struct db_result failed = *r;
		if (failed.status == DB_OK) {
			failed.status = DB_SQL_ERROR;
			failed.sqlstate = "XX000";
			failed.message = "calendar: no settings row";
		}
		l.cb(NULL, NULL, &failed, l.arg);
		return;
	}
	struct calendar *cal = calloc(1, sizeof(*cal));
	if (!cal) {
		struct db_result failed = {DB_SQL_ERROR, NULL, "53200", "out of memory"};
		l.cb(NULL, NULL, &failed, l.arg);
		return;
	}
	calendar_init_default(cal);
	calendar_set_utc_offset(cal, atoi(PQgetvalue(r->res, 0, 1)));
	json_error_t je;
	if (!PQgetisnull(r->res, 0, 2)) {
		/* Stored by PUT /v1/calendar/settings after the same checks. */
		json_t *week = json_loads(PQgetvalue(r->res, 0, 2), 0, &je);
		json_t *errors = NULL;
		struct calendar parsed = *cal;
		if (week && calendar_store_parse_week(week, &parsed, "", &errors) == 0)
			memcpy(cal->week, parsed.week, sizeof(cal->week));
		json_decref(errors);
		json_decref(week);
	}
	json_t *list = json_loads(PQgetvalue(r->res, 0, 3), 0, &je);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		struct calendar_exception_spec spec = {{0, 0, 0}, CALENDAR_HOLIDAY, CALENDAR_MONDAY};
		const char *day = json_string_value(json_array_get(e, 0));
		const char *kind = json_string_value(json_array_get(e, 1));
		const char *pattern = json_string_value(json_array_get(e, 2));
		if (!day || !kind || !pattern ||
		    sscanf(day, "%4d-%2d-%2d", &spec.date.year, &spec.date.month, &spec.date.day) != 3)
			continue;
		spec.kind = kind[0] == 'h' ? CALENDAR_HOLIDAY : CALENDAR_MAKEUP_WORKDAY;
		for (int k = 0; k < 7; k++)
			if (strcmp(pattern, calendar_weekday_names[k]) == 0)
				spec.pattern = (enum calendar_weekday)k;
		calendar_add_exception(cal, &spec);
	}
	json_decref(list);
	l.cb(cal, PQgetvalue(r->res, 0, 0), r, l.arg);
	free(cal);
}

void calendar_store_load(struct db_conn *lease, int64_t around, calendar_store_cb cb, void *arg)
{
	struct load *l = malloc(sizeof(*l));
	if (!l) {
		struct db_result failed = {DB_SQL_ERROR, NULL, "53200", "out of memory"};
		cb(NULL, NULL, &failed, arg);
		return;
	}
	l->cb = cb;
	l->arg = arg;
	char text[32];
	snprintf(text, sizeof(text), "%lld", (long long)around);
	const char *params[] = {text};
	db_lease_query(lease, &statements[0], params, loaded, l);
}

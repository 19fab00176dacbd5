/*
 * calendar.c - the working calendar (工作日历) and deadlines on it.
 *
 * GET /v1/calendar/settings     the city's time zone and working week
 * PUT /v1/calendar/settings     {time_zone?, periods?} (admins)
 * GET /v1/calendar/{year}       zone, offset, periods and the year's exceptions
 * PUT /v1/calendar/{year}       {exceptions: [{date, kind: holiday|workday, name?, pattern?}]}
 *                               replaces the year's holidays and make-up days (admins)
 * GET /v1/deadline?start=&amount=&unit=   or   ?start=&category=[&urgent=true]
 *                               the due time computed on the stored calendar
 *                               (domain/deadline.c), with the working time between
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/calendar_store.h"
#include "api/common.h"
#include "api/routes.h"
#include "domain/calendar.h"
#include "domain/codes.h"
#include "domain/deadline.h"
#include "domain/rfc3339.h"
#include "http/response.h"
#include "http/server.h"

static struct db_statement statements[] = {
	{"calendar_year",
	 "SELECT to_char(day, 'YYYY-MM-DD'), kind, coalesce(pattern, ''), coalesce(name, '')"
	 " FROM calendar_exceptions WHERE extract(year FROM day) = $1::int ORDER BY day",
	 1, 0},
	{"calendar_clear", "DELETE FROM calendar_exceptions WHERE extract(year FROM day) = $1::int", 1, 0},
	{"calendar_fill",
	 "INSERT INTO calendar_exceptions (day, kind, pattern, name)"
	 " SELECT (e->>'date')::date, e->>'kind', nullif(e->>'pattern', ''), nullif(e->>'name', '')"
	 " FROM jsonb_array_elements($1::jsonb) e",
	 1, 0},
	{"calendar_category_limit",
	 "SELECT limit_value, limit_unit, coalesce(urgent_limit_value, limit_value),"
	 " coalesce(urgent_limit_unit, limit_unit) FROM categories"
	 " WHERE kind = $1 AND code = $2 AND char_length(code) = 4",
	 2, 0},
	/* A zone gridd can use: known, and one UTC offset all year (no DST). */
	{"calendar_zone_check",
	 "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1) THEN"
	 " (SELECT count(DISTINCT (d AT TIME ZONE $1) - (d AT TIME ZONE 'UTC'))"
	 "  FROM generate_series(date_trunc('year', now()), date_trunc('year', now()) + interval '2 years',"
	 "   interval '1 month') d) END",
	 1, 0},
	{"calendar_setting_put",
	 "INSERT INTO gridd_settings (key, value) SELECT $1, $2::jsonb WHERE $2 IS NOT NULL"
	 " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
	 2, 0},
};
enum { STMT_YEAR, STMT_CLEAR, STMT_FILL, STMT_LIMIT, STMT_ZONE_CHECK, STMT_SETTING_PUT };

int calendar_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

static int path_year(struct http_context *ctx)
{
	size_t len;
	const char *s = route_param(&ctx->match, "year", &len);
	if (!s || len != 4 || strspn(s, "0123456789") < 4)
		return 0;
	int y = atoi(s);
	return y >= 2000 && y <= 2100 ? y : 0;
}

/* ---- GET ---- */

struct year_read {
	struct http_context *ctx;
	struct db_conn *lease;
	int year;
	json_t *body;          /* zone, offset and periods, once the calendar is loaded */
};

static void year_read_free(struct year_read *y)
{
	if (y->lease)
		db_release(y->lease);
	json_decref(y->body);
	free(y);
}

static void year_loaded(const struct db_result *r, void *arg)
{
	struct year_read *y = arg;
	struct http_context *ctx = y->ctx;
	if (r->status != DB_OK) {
		year_read_free(y);
		api_reply_db_failure(ctx, r);
		return;
	}
	json_t *list = json_array();
	for (int i = 0; i < PQntuples(r->res); i++) {
		json_t *e = json_pack("{s:s, s:s}", "date", PQgetvalue(r->res, i, 0), "kind",
		                      PQgetvalue(r->res, i, 1));
		if (*PQgetvalue(r->res, i, 2))
			json_object_set_new(e, "pattern", json_string(PQgetvalue(r->res, i, 2)));
		if (*PQgetvalue(r->res, i, 3))
			json_object_set_new(e, "name", json_string(PQgetvalue(r->res, i, 3)));
		json_array_append_new(list, e);
	}
	json_t *body = json_incref(y->body);
	json_object_set_new(body, "exceptions", list);
	year_read_free(y);
	http_reply_json(ctx, 200, body);
}

/* The settings part of a calendar answer. */
static json_t *settings_json(const struct calendar *cal, const char *zone)
{
	return json_pack("{s:s, s:i, s:o}", "time_zone", zone, "utc_offset_minutes",
	                 cal->utc_offset_minutes, "periods", calendar_store_week_json(cal));
}

static void year_calendar_loaded(const struct calendar *cal, const char *zone,
                                 const struct db_result *r, void *arg)
{
	struct year_read *y = arg;
	if (!cal) {
		struct http_context *ctx = y->ctx;
		year_read_free(y);
		api_reply_db_failure(ctx, r);
		return;
	}
	y->body = settings_json(cal, zone);
	json_object_set_new(y->body, "year", json_integer(y->year));
	char text[8];
	snprintf(text, sizeof(text), "%d", y->year);
	const char *params[] = {text};
	db_lease_query(y->lease, &statements[STMT_YEAR], params, year_loaded, y);
}

static void year_read_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct year_read *y = arg;
	if (status != DB_OK) {
		struct http_context *ctx = y->ctx;
		year_read_free(y);
		api_reply_db_status(ctx, status);
		return;
	}
	y->lease = lease;
	/* The offset of the zone in the middle of the year. */
	int64_t mid = (calendar_days_from_civil(y->year, 7, 1)) * 86400;
	calendar_store_load(lease, mid, year_calendar_loaded, y);
}

void calendar_get(struct http_context *ctx)
{
	int year = path_year(ctx);
	if (!year) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "calendars exist for the years 2000 to 2100", NULL);
		return;
	}
	struct year_read *y = calloc(1, sizeof(*y));
	if (!y) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	y->ctx = ctx;
	y->year = year;
	db_acquire(io_thread_db(ctx->thread), year_read_leased, y);
}

/* ---- settings ---- */

struct settings_req {
	struct http_context *ctx;
	struct db_conn *lease;
	char *zone;            /* JSON string text, or NULL: unchanged */
	char *week;            /* JSON object text, or NULL: unchanged */
};

static void settings_free(struct settings_req *q)
{
	if (q->lease)
		db_release(q->lease);
	free(q->zone);
	free(q->week);
	free(q);
}

static void settings_loaded(const struct calendar *cal, const char *zone, const struct db_result *r,
                            void *arg)
{
	struct settings_req *q = arg;
	struct http_context *ctx = q->ctx;
	json_t *body = cal ? settings_json(cal, zone) : NULL;
	settings_free(q);
	if (!body) {
		api_reply_db_failure(ctx, r);
		return;
	}
	http_reply_json(ctx, 200, body);
}

static void settings_read_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct settings_req *q = arg;
	if (status != DB_OK) {
		struct http_context *ctx = q->ctx;
		settings_free(q);
		api_reply_db_status(ctx, status);
		return;
	}
	q->lease = lease;
	calendar_store_load(lease, (int64_t)time(NULL), settings_loaded, q);
}

void calendar_settings_get(struct http_context *ctx)
{
	struct settings_req *q = calloc(1, sizeof(*q));
	if (!q) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	q->ctx = ctx;
	db_acquire(io_thread_db(ctx->thread), settings_read_leased, q);
}

static void settings_written(const struct db_batch_result *r, void *arg)
{
	struct settings_req *q = arg;
	struct http_context *ctx = q->ctx;
	if (r->status != DB_OK) {
		settings_free(q);
		api_reply_batch_failure(ctx, r);
		return;
	}
	db_release(q->lease);
	q->lease = NULL;
	free(q->zone);
	free(q->week);
	q->zone = q->week = NULL;
	db_acquire(io_thread_db(ctx->thread), settings_read_leased, q);
}

static void settings_write(struct settings_req *q)
{
	const char *zone[] = {"city.time_zone", q->zone};
	const char *week[] = {"calendar.week", q->week};
	struct db_batch_step steps[] = {{&statements[STMT_SETTING_PUT], zone},
	                                {&statements[STMT_SETTING_PUT], week}};
	db_lease_batch(q->lease, steps, 2, settings_written, q);
}

static void zone_checked(const struct db_result *r, void *arg)
{
	struct settings_req *q = arg;
	struct http_context *ctx = q->ctx;
	if (r->status != DB_OK) {
		settings_free(q);
		api_reply_db_failure(ctx, r);
		return;
	}
	const char *offsets = PQgetvalue(r->res, 0, 0);
	if (PQgetisnull(r->res, 0, 0) || strcmp(offsets, "1") != 0) {
		json_t *errors = NULL;
		problem_add_error(&errors, "/time_zone",
		                  PQgetisnull(r->res, 0, 0)
		                          ? "not a known IANA time zone (e.g. Asia/Shanghai)"
		                          : "this zone changes its UTC offset during the year (daylight saving); "
		                            "working calendars need a fixed offset, as all of China has");
		settings_free(q);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	settings_write(q);
}

static void settings_write_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct settings_req *q = arg;
	if (status != DB_OK) {
		struct http_context *ctx = q->ctx;
		settings_free(q);
		api_reply_db_status(ctx, status);
		return;
	}
	q->lease = lease;
	if (!q->zone) {
		settings_write(q);
		return;
	}
	const char *params[] = {json_string_value(json_object_get(q->ctx->body, "time_zone"))};
	db_lease_query(lease, &statements[STMT_ZONE_CHECK], params, zone_checked, q);
}

void calendar_settings_put(struct http_context *ctx)
{
	json_t *errors = NULL;
	static const char *const known[] = {"time_zone", "periods", NULL};
	api_check_known_fields(ctx->body, "", known, &errors);
	json_t *zone = json_object_get(ctx->body, "time_zone");
	json_t *periods = json_object_get(ctx->body, "periods");
	if (!zone && !periods && !errors)
		problem_add_error(&errors, "", "nothing to change: give time_zone and/or periods");
	if (zone) {
		const char *z = json_string_value(zone);
		size_t n = z ? json_string_length(zone) : 0;
		if (!z || n < 1 || n > CALENDAR_STORE_ZONE_MAX ||
		    strspn(z, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") != n)
			problem_add_error(&errors, "/time_zone", "an IANA time zone name such as Asia/Shanghai");
	}
	struct calendar *check = calloc(1, sizeof(*check));
	if (!check) {
		json_decref(errors);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	calendar_init_default(check);
	if (periods && calendar_store_parse_week(periods, check, "/periods", &errors) == 0 &&
	    !calendar_has_working_time(check))
		problem_add_error(&errors, "/periods", "a working week needs at least one working period");
	if (errors) {
		free(check);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	struct settings_req *q = calloc(1, sizeof(*q));
	if (q) {
		q->ctx = ctx;
		if (zone)
			q->zone = json_dumps(zone, JSON_ENCODE_ANY);
		if (periods) {
			/* Stored normalised, as GET shows it. */
			json_t *week = calendar_store_week_json(check);
			q->week = json_dumps(week, JSON_COMPACT);
			json_decref(week);
		}
	}
	free(check);
	if (!q || (zone && !q->zone) || (periods && !q->week)) {
		if (q)
			settings_free(q);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	db_acquire(io_thread_db(ctx->thread), settings_write_leased, q);
}

/* ---- PUT ---- */

struct year_write {
	struct http_context *ctx;
	struct db_conn *lease;
	char year[8];
	char *json;    /* the validated exceptions, owned */
};

static void year_written(const struct db_batch_result *r, void *arg)
{
	struct year_write *w = arg;
	struct http_context *ctx = w->ctx;
	db_release(w->lease);
	free(w->json);
	free(w);
	if (r->status != DB_OK) {
		api_reply_batch_failure(ctx, r);
		return;
	}
	calendar_get(ctx);
}

static void year_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct year_write *w = arg;
	if (status != DB_OK) {
		struct http_context *ctx = w->ctx;
		free(w->json);
		free(w);
		api_reply_db_status(ctx, status);
		return;
	}
	w->lease = lease;
	const char *clear[] = {w->year};
	const char *fill[] = {w->json};
	struct db_batch_step steps[] = {{&statements[STMT_CLEAR], clear}, {&statements[STMT_FILL], fill}};
	db_lease_batch(lease, steps, 2, year_written, w);
}

void calendar_put(struct http_context *ctx)
{
	int year = path_year(ctx);
	if (!year) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "calendars exist for the years 2000 to 2100", NULL);
		return;
	}
	json_t *list = json_object_get(ctx->body, "exceptions");
	json_t *errors = NULL;
	if (!json_is_array(list) || json_array_size(list) > 366) {
		problem_add_error(&errors, "/exceptions", "an array of at most 366 dated exceptions");
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	/* Checked with the calendar module itself: real dates, ascending, no repeats. */
	struct calendar *check = calloc(1, sizeof(*check));
	json_t *clean = json_array();
	if (!check || !clean) {
		free(check);
		json_decref(clean);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	calendar_init_default(check);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		char pointer[48];
		snprintf(pointer, sizeof(pointer), "/exceptions/%zu", i);
		const char *date = json_string_value(json_object_get(e, "date"));
		const char *kind = json_string_value(json_object_get(e, "kind"));
		const char *pattern = json_string_value(json_object_get(e, "pattern"));
		const char *name = json_string_value(json_object_get(e, "name"));
		struct calendar_exception_spec spec = {{0, 0, 0}, CALENDAR_HOLIDAY, CALENDAR_MONDAY};
		int y = 0, m = 0, d = 0, used = 0;
		if (!date || sscanf(date, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10 ||
		    strlen(date) != 10 || y != year) {
			char detail[64];
			snprintf(detail, sizeof(detail), "date: YYYY-MM-DD in %d", year);
			problem_add_error(&errors, pointer, detail);
			continue;
		}
		spec.date = (struct calendar_date){y, m, d};
		if (!kind || (strcmp(kind, "holiday") != 0 && strcmp(kind, "workday") != 0)) {
			problem_add_error(&errors, pointer, "kind: holiday or workday (a make-up working day, 调休)");
			continue;
		}
		spec.kind = strcmp(kind, "holiday") == 0 ? CALENDAR_HOLIDAY : CALENDAR_MAKEUP_WORKDAY;
		if (pattern) {
			int w = -1;
			for (int k = 0; k < 7; k++)
				if (strcmp(pattern, calendar_weekday_names[k]) == 0)
					w = k;
			if (w < 0 || spec.kind != CALENDAR_MAKEUP_WORKDAY) {
				problem_add_error(&errors, pointer, "pattern: a weekday name, for workdays only");
				continue;
			}
			spec.pattern = (enum calendar_weekday)w;
		}
		if (name && strlen(name) > 180) {
			problem_add_error(&errors, pointer, "name: at most 60 characters");
			continue;
		}
		enum calendar_status st = calendar_add_exceptions(check, &spec, 1, NULL);
		if (st == CALENDAR_OK && check->exception_count >= 2 &&
		    check->exceptions[check->exception_count - 1].day !=
		            calendar_days_from_civil(y, m, d))
			st = CALENDAR_ERR_NOT_SORTED;
		if (st != CALENDAR_OK) {
			problem_add_error(&errors, pointer, st == CALENDAR_ERR_DUPLICATE
			                                            ? "this date is listed twice"
			                                    : st == CALENDAR_ERR_NOT_SORTED
			                                            ? "list the dates in ascending order"
			                                            : calendar_status_text(st));
			continue;
		}
		json_array_append_new(clean, json_pack("{s:s, s:s, s:s, s:s}", "date", date, "kind", kind,
		                                       "pattern", pattern ? pattern : "", "name",
		                                       name ? name : ""));
	}
	free(check);
	if (errors) {
		json_decref(clean);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	struct year_write *w = calloc(1, sizeof(*w));
	if (!w || !(w->json = json_dumps(clean, JSON_COMPACT))) {
		free(w);
		json_decref(clean);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	json_decref(clean);
	w->ctx = ctx;
	snprintf(w->year, sizeof(w->year), "%d", year);
	db_acquire(io_thread_db(ctx->thread), year_leased, w);
}

/* ---- deadline preview ---- */

struct deadline_req {
	struct http_context *ctx;
	struct db_conn *lease;
	int64_t start;
	int32_t amount;
	enum deadline_unit unit;
	char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1];
	bool urgent;
	bool by_category;
};

static void deadline_free(struct deadline_req *q)
{
	if (q->lease)
		db_release(q->lease);
	free(q);
}

static void window_loaded(const struct calendar *cal, const char *zone, const struct db_result *r,
                          void *arg)
{
	struct deadline_req *q = arg;
	struct http_context *ctx = q->ctx;
	(void)zone;
	if (!cal) {
		deadline_free(q);
		api_reply_db_failure(ctx, r);
		return;
	}
	int64_t due = 0;
	int st = deadline_add(q->start, q->amount, q->unit, cal, &due);
	if (st != DEADLINE_OK) {
		deadline_free(q);
		http_reply_problem(ctx, PROBLEM_UNPROCESSABLE, deadline_status_text(st), NULL);
		return;
	}
	char start[RFC3339_MAX], due_text[RFC3339_MAX];
	rfc3339_format(q->start, cal->utc_offset_minutes, start);
	rfc3339_format(due, cal->utc_offset_minutes, due_text);
	json_t *body = json_pack("{s:s, s:s, s:{s:i, s:s}, s:I}", "start", start, "due_at", due_text,
	                         "limit", "value", q->amount, "unit", deadline_unit_name(q->unit),
	                         "working_seconds", (json_int_t)deadline_working_seconds_between(q->start, due, cal));
	deadline_free(q);
	http_reply_json(ctx, 200, body);
}

/* Loads the calendar around the start; window_loaded computes the deadline. */
static void load_window(struct deadline_req *q)
{
	calendar_store_load(q->lease, q->start, window_loaded, q);
}

static void limit_loaded(const struct db_result *r, void *arg)
{
	struct deadline_req *q = arg;
	struct http_context *ctx = q->ctx;
	if (r->status != DB_OK) {
		deadline_free(q);
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) != 1) {
		deadline_free(q);
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such category", NULL);
		return;
	}
	int col = q->urgent ? 2 : 0;
	const char *unit = PQgetvalue(r->res, 0, col + 1);
	q->amount = atoi(PQgetvalue(r->res, 0, col));
	deadline_unit_from_name(unit, strlen(unit), &q->unit);
	load_window(q);
}

static void deadline_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct deadline_req *q = arg;
	if (status != DB_OK) {
		struct http_context *ctx = q->ctx;
		free(q);
		api_reply_db_status(ctx, status);
		return;
	}
	q->lease = lease;
	if (q->by_category) {
		const char *params[] = {q->kind, q->code};
		db_lease_query(lease, &statements[STMT_LIMIT], params, limit_loaded, q);
		return;
	}
	load_window(q);
}

void deadline_get(struct http_context *ctx)
{
	char *start = api_query_param(ctx, "start"), *amount = api_query_param(ctx, "amount");
	char *unit = api_query_param(ctx, "unit"), *category = api_query_param(ctx, "category");
	char *urgent = api_query_param(ctx, "urgent");
	json_t *errors = NULL;
	struct deadline_req *q = calloc(1, sizeof(*q));
	if (!q) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		goto out;
	}
	q->ctx = ctx;
	if (!start || rfc3339_parse(start, strlen(start), &q->start) < 0)
		problem_add_error(&errors, "/query/start", "an RFC 3339 time, e.g. 2026-10-01T09:00:00+08:00");
	if (category) {
		q->by_category = true;
		if (codes_parse_category_name(category, q->kind, q->code) < 0)
			problem_add_error(&errors, "/query/category", "a minor category such as event:0102");
		q->urgent = urgent && strcmp(urgent, "true") == 0;
	} else {
		char *end = NULL;
		errno = 0;
		long n = amount ? strtol(amount, &end, 10) : 0;
		if (!amount || errno || *end || n < 0 || n > 100000)
			problem_add_error(&errors, "/query/amount", "a whole number from 0 to 100000 (or give category)");
		q->amount = (int32_t)n;
		if (!unit || deadline_unit_from_name(unit, strlen(unit), &q->unit) < 0)
			problem_add_error(&errors, "/query/unit", "working_minutes, working_hours, working_days, calendar_minutes, calendar_hours or calendar_days");
	}
	if (errors) {
		free(q);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		goto out;
	}
	db_acquire(io_thread_db(ctx->thread), deadline_leased, q);
out:
	free(start);
	free(amount);
	free(unit);
	free(category);
	free(urgent);
}

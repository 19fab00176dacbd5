/*
 * stats.c - closure statistics for supervisors (结案率 / 按期结案率 ...).
 *
 * GET /v1/stats/closure?from=&to=|month=&group_by=unit|cell|area|category|reporter
 *     &area_level=&category_level=&include_subunits=&unit=&area=&category=
 *     one row per group with the counts and rates, ranked by the on-time
 *     closure rate (groups below the minimum sample are shown, not ranked),
 *     and the totals.
 * GET /v1/stats/timeseries?from=&to=&interval=day|week|month&(filters)
 *     the totals per day, ISO week or month, every period listed.
 * GET /v1/stats/settings, PUT (admin): the rules (exclude_suspended,
 *     min_sample) and the monthly score's weights.
 *
 * The counts come from the rollups (api/stats_query.c), the rates from
 * domain/measures.c; nothing here scans the cases.
 */
#include "api/routes.h"

#include "api/common.h"
#include "api/stats_query.h"
#include "domain/calendar.h"
#include "http/problem.h"
#include "http/response.h"
#include "http/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct db_statement statements[] = {
	{"stats_settings_get",
	 "SELECT (SELECT value::text FROM gridd_settings WHERE key = 'stats.rules'),"
	 " (SELECT value::text FROM gridd_settings WHERE key = 'assessment.weights')",
	 0, 0},
	{"stats_settings_put",
	 "INSERT INTO gridd_settings (key, value) VALUES ('stats.rules', $1::jsonb),"
	 " ('assessment.weights', $2::jsonb)"
	 " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
	 2, 0},
};
enum { STMT_SETTINGS_GET, STMT_SETTINGS_PUT };

int stats_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

static void closure_ready(struct http_context *ctx, struct stats_result *res, void *arg)
{
	struct stats_query *q = arg;
	if (res) {
		json_t *body = stats_closure_json(q, res);
		if (body)
			http_reply_json(ctx, 200, body);
		else
			http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
	}
	stats_result_free(res);
	free(q);
}

/* Reads the query string; answers 422 and returns NULL when it is wrong. */
static struct stats_query *query_of(struct http_context *ctx, enum stats_query_kind kind)
{
	json_t *errors = NULL;
	struct stats_query *q = calloc(1, sizeof(*q));
	if (!q) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return NULL;
	}
	if (stats_query_parse(ctx, kind, q, &errors) < 0) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		free(q);
		return NULL;
	}
	json_decref(errors);
	return q;
}

void stats_closure(struct http_context *ctx)
{
	struct stats_query *q = query_of(ctx, STATS_QUERY_TABLE);
	if (q)
		stats_query_run(ctx, q, closure_ready, q);
}

/* ---- the time series ---------------------------------------------------------------------- */

/* The first day of the period holding day. */
static int64_t period_start(enum stats_group g, int64_t day)
{
	if (g == STATS_BY_WEEK)
		return day - (int64_t)calendar_weekday_of_day(day);
	if (g == STATS_BY_MONTH) {
		struct calendar_date d = calendar_civil_from_days(day);
		return calendar_days_from_civil(d.year, d.month, 1);
	}
	return day;
}

static int64_t period_next(enum stats_group g, int64_t start)
{
	if (g == STATS_BY_WEEK)
		return start + 7;
	if (g == STATS_BY_MONTH) {
		struct calendar_date d = calendar_civil_from_days(start);
		return calendar_days_from_civil(d.month == 12 ? d.year + 1 : d.year, d.month == 12 ? 1 : d.month + 1, 1);
	}
	return start + 1;
}

static void series_ready(struct http_context *ctx, struct stats_result *res, void *arg)
{
	struct stats_query *q = arg;
	if (res) {
		json_t *rows = json_array();
		size_t next = 0;
		/* every period, in order; the statement sends the ones with data, sorted */
		for (int64_t p = period_start(q->group, q->from_day); p <= q->to_day; p = period_next(q->group, p)) {
			char key[11];
			stats_format_day(p, key);
			json_t *obj = json_pack("{s:s}", "period", key);
			struct measure_counts zero = {0};
			const struct measure_counts *c = &zero;
			if (next < res->count && strcmp(res->rows[next].key, key) == 0)
				c = &res->rows[next++].counts;
			stats_counts_to_json(obj, c, &res->rules);
			json_array_append_new(rows, obj);
		}
		json_t *body = stats_period_json(q);
		json_object_set_new(body, "interval", json_string(stats_group_name(q->group)));
		json_object_set_new(body, "rules", stats_rules_json(&res->rules, &res->weights));
		json_object_set_new(body, "rows", rows);
		http_reply_json(ctx, 200, body);
	}
	stats_result_free(res);
	free(q);
}

void stats_timeseries(struct http_context *ctx)
{
	struct stats_query *q = query_of(ctx, STATS_QUERY_SERIES);
	if (q)
		stats_query_run(ctx, q, series_ready, q);
}

/* ---- settings ------------------------------------------------------------------------------ */

static void settings_got(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	struct measure_rules rules;
	struct assessment_weights weights;
	stats_rules_from_result(r->res, 0, &rules, &weights);
	http_reply_json(ctx, 200, stats_rules_json(&rules, &weights));
}

void stats_settings_get(struct http_context *ctx)
{
	db_query(io_thread_db(ctx->thread), &statements[STMT_SETTINGS_GET], NULL, settings_got, ctx);
}

static void settings_put_done(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	db_query(io_thread_db(ctx->thread), &statements[STMT_SETTINGS_GET], NULL, settings_got, ctx);
}

/* A whole number in [0, max] at pointer; def when absent and allowed. */
static int64_t whole(json_t *v, int64_t max, const char *pointer, json_t **errors)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
		char hint[48];
		snprintf(hint, sizeof(hint), "a whole number from 0 to %lld", (long long)max);
		problem_add_error(errors, pointer, hint);
		return 0;
	}
	return (int64_t)json_integer_value(v);
}

void stats_settings_put(struct http_context *ctx)
{
	static const char *const known[] = {"exclude_suspended", "min_sample", "weights", NULL};
	static const char *const weight_names[] = {"on_time_closure", "closure", "rework", "extension", "urges",
	                                           NULL};
	json_t *errors = NULL, *body = ctx->body;
	api_check_known_fields(body, "", known, &errors);
	json_t *ex = json_object_get(body, "exclude_suspended"), *w = json_object_get(body, "weights");
	if (!json_is_boolean(ex))
		problem_add_error(&errors, "/exclude_suspended", "true or false");
	int64_t min_sample = whole(json_object_get(body, "min_sample"), 100000, "/min_sample", &errors);
	int64_t sum = 0;
	if (!json_is_object(w)) {
		problem_add_error(&errors, "/weights", "an object of points: on_time_closure, closure, rework, extension, urges");
	} else {
		api_check_known_fields(w, "/weights", weight_names, &errors);
		for (const char *const *n = weight_names; *n; n++) {
			char pointer[40];
			snprintf(pointer, sizeof(pointer), "/weights/%s", *n);
			sum += whole(json_object_get(w, *n), 100, pointer, &errors);
		}
		if (!errors && sum != 100)
			problem_add_error(&errors, "/weights", "the weights are points that add up to 100");
	}
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	json_t *rules = json_pack("{s:b, s:I}", "exclude_suspended", json_is_true(ex), "min_sample",
	                          (json_int_t)min_sample);
	char *rules_text = json_dumps(rules, JSON_COMPACT), *weights_text = json_dumps(w, JSON_COMPACT);
	json_decref(rules);
	if (!rules_text || !weights_text) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
	} else {
		const char *params[] = {rules_text, weights_text};
		db_query(io_thread_db(ctx->thread), &statements[STMT_SETTINGS_PUT], params, settings_put_done, ctx);
	}
	free(rules_text);
	free(weights_text);
}

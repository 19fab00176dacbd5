/*
 * assessments.c - the monthly assessment of units (考核) and its publication
 * (通报).
 *
 * GET  /v1/assessments/{YYYY-MM}           the units ranked by their weighted
 *      score, with last month's rank and the change. A draft is computed from
 *      the rollups each time; a published month answers what was published.
 * POST /v1/assessments/{YYYY-MM}/publish   freezes an ended month (supervisor
 *      of the whole city, or admin). 409 when already published.
 *
 * A change that reaches a day of a published month later (a case closed
 * after the month was published, a deadline moved into it) leaves the
 * published rows alone: migration 0013 lists it in stats_late_changes and it
 * counts in the month in which it came. Both lists are in the answer:
 * late_changes (counted in this month) and changed_after_publication.
 *
 * Scores, rates and ranks come from domain/measures.c.
 */
#include "api/routes.h"

#include "api/assessments.h"
#include "api/common.h"
#include "api/stats_query.h"
#include "auth/policy.h"
#include "domain/calendar.h"
#include "http/problem.h"
#include "http/response.h"
#include "http/router.h"
#include "http/server.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LATE_JSON(l)                                                                               \
	"json_build_object('case_id', " l ".case_id, 'month', to_char(" l ".month, 'YYYY-MM'),"      \
	" 'counted_in', to_char(" l ".counted_in, 'YYYY-MM'), 'at', " l ".at, 'unit_id', " l ".unit_id," \
	" 'due', " l ".due, 'due_suspended', " l ".due_suspended, 'closed', " l ".closed,"          \
	" 'closed_on_time', " l ".closed_on_time, 'reworked', " l ".reworked, 'extended', " l ".extended," \
	" 'urges', " l ".urges)"

/*
 * $1 the month's first day, $2 the reader's unit (unit staff) or 0. One row: rules, weights, whether the month has
 * ended (city time), this month as published (or NULL), last month's
 * published rows (or NULL), the counts of every unit for this and last month
 * ([month 0|1, unit, name, due, due_suspended, closed, closed_on_time,
 * reworked, reworks, extended, extensions, returns, urges, overdue], late
 * changes included), the late changes counted in this month, the changes
 * that reached this month after it was published, the reader's unit and
 * its sub-units.
 */
static struct db_statement statements[] = {
	{"assessments_begin", "BEGIN", 0, 0},
	/* Publishing waits for the actions in flight and holds new ones for its
	 * few milliseconds, so nothing commits between the count and the freeze. */
	{"assessments_lock", "LOCK TABLE stats_rollup IN SHARE MODE", 0, 0},
	{"assessments_compute",
	 "WITH RECURSIVE m AS (SELECT $1::date AS cur, ($1::date - interval '1 month')::date AS prev),"
	 " own AS (SELECT id FROM units WHERE id = $2::bigint"
	 "  UNION SELECT u.id FROM units u JOIN own ON u.parent_id = own.id),"
	 " counted AS ("
	 "  SELECT (s.period = m.prev)::int AS which, s.unit_id, sum(s.due) due, sum(s.due_suspended) ds,"
	 "   sum(s.closed) cl, sum(s.closed_on_time) ot, sum(s.reworked) rw, sum(s.reworks) rws,"
	 "   sum(s.extended) ex, sum(s.extensions) exs, sum(s.returns) rt, sum(s.urges) ur, sum(s.overdue) od"
	 "  FROM stats_rollup s, m WHERE s.grain = 'district_month' AND s.period IN (m.cur, m.prev)"
	 "  GROUP BY 1, 2"
	 "  UNION ALL"
	 "  SELECT (l.counted_in = m.prev)::int, l.unit_id, sum(l.due), sum(l.due_suspended), sum(l.closed),"
	 "   sum(l.closed_on_time), sum(l.reworked), 0, sum(l.extended), 0, 0, sum(l.urges), 0"
	 "  FROM stats_late_changes l, m WHERE l.counted_in IN (m.cur, m.prev) GROUP BY 1, 2),"
	 " per_unit AS (SELECT which, unit_id, sum(due) due, sum(ds) ds, sum(cl) cl, sum(ot) ot, sum(rw) rw,"
	 "   sum(rws) rws, sum(ex) ex, sum(exs) exs, sum(rt) rt, sum(ur) ur, sum(od) od"
	 "  FROM counted GROUP BY 1, 2)"
	 " SELECT (SELECT value::text FROM gridd_settings WHERE key = 'stats.rules'),"
	 "  (SELECT value::text FROM gridd_settings WHERE key = 'assessment.weights'),"
	 "  m.cur < date_trunc('month', now() AT TIME ZONE stats_zone())::date,"
	 "  (SELECT json_build_object('published_at', a.published_at, 'published_by',"
	 "    json_build_object('id', p.id, 'login', p.login, 'display_name', p.display_name),"
	 "    'rules', a.rules, 'rows', a.rows)::text"
	 "   FROM assessments a JOIN users p ON p.id = a.published_by WHERE a.month = m.cur),"
	 "  (SELECT a.rows::text FROM assessments a WHERE a.month = m.prev),"
	 "  (SELECT coalesce(json_agg(json_build_array(w.which, u.id, u.name, coalesce(c.due, 0),"
	 "    coalesce(c.ds, 0), coalesce(c.cl, 0), coalesce(c.ot, 0), coalesce(c.rw, 0), coalesce(c.rws, 0),"
	 "    coalesce(c.ex, 0), coalesce(c.exs, 0), coalesce(c.rt, 0), coalesce(c.ur, 0), coalesce(c.od, 0))"
	 "    ORDER BY w.which, u.id), '[]')::text"
	 "   FROM units u CROSS JOIN (VALUES (0), (1)) w (which)"
	 "   LEFT JOIN per_unit c ON c.unit_id = u.id AND c.which = w.which"
	 "   WHERE u.active OR c.unit_id IS NOT NULL),"
	 "  (SELECT coalesce(json_agg(" LATE_JSON("l") " ORDER BY l.id), '[]')::text"
	 "   FROM stats_late_changes l WHERE l.counted_in = m.cur),"
	 "  (SELECT coalesce(json_agg(" LATE_JSON("l") " ORDER BY l.id), '[]')::text"
	 "   FROM stats_late_changes l WHERE l.month = m.cur),"
	 "  (SELECT coalesce(json_agg(id), '[]')::text FROM own)"
	 " FROM m",
	 2, 0},
	/* $1 month, $2 publisher, $3 rules, $4 rows. */
	{"assessments_publish",
	 "INSERT INTO assessments (month, published_by, rules, rows) VALUES ($1::date, $2::bigint, $3::jsonb,"
	 " $4::jsonb) ON CONFLICT (month) DO NOTHING RETURNING month",
	 4, 0},
	{"assessments_commit", "COMMIT", 0, 0},
};
enum { STMT_BEGIN, STMT_LOCK, STMT_COMPUTE, STMT_PUBLISH, STMT_COMMIT };
enum { COL_RULES, COL_WEIGHTS, COL_ENDED, COL_PUBLISHED, COL_PREVIOUS, COL_UNITS, COL_LATE, COL_AFTER, COL_OWN };

int assessments_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

/* ---- computing ---------------------------------------------------------------------------- */

struct unit_score {
	int64_t id;
	const char *name;
	struct measure_counts counts;
	int64_t score;
	int rank, previous_rank;
};

/* The units of one month (which: 0 this, 1 last) from the units column. */
static size_t units_of(json_t *all, int which, struct unit_score *out)
{
	size_t n = 0, i;
	json_t *row;
	json_array_foreach(all, i, row) {
		if (json_integer_value(json_array_get(row, 0)) != which)
			continue;
		int64_t v[11];
		for (int k = 0; k < 11; k++)
			v[k] = (int64_t)json_integer_value(json_array_get(row, 3 + k));
		out[n] = (struct unit_score){.id = (int64_t)json_integer_value(json_array_get(row, 1)),
		                             .name = json_string_value(json_array_get(row, 2))};
		out[n].counts = (struct measure_counts){.due = v[0], .due_suspended = v[1], .closed = v[2],
		                                        .closed_on_time = v[3], .reworked = v[4], .reworks = v[5],
		                                        .extended = v[6], .extensions = v[7], .returns = v[8],
		                                        .urges = v[9], .overdue = v[10]};
		n++;
	}
	return n;
}

/* Scores and ranks units[0..n) in place (by unit id order on return). */
static void score_units(struct unit_score *units, size_t n, const struct measure_rules *rules,
                        const struct assessment_weights *w)
{
	struct rank_entry *order = calloc(n ? n : 1, sizeof(*order));
	if (!order)
		return;
	for (size_t i = 0; i < n; i++) {
		struct measure_rates r;
		measures_rates(&units[i].counts, rules, &r);
		units[i].score = measures_score(&units[i].counts, rules, w);
		order[i] = (struct rank_entry){(int64_t)i, units[i].score, r.on_time_closure, r.too_small, 0};
	}
	measures_rank(order, n);
	for (size_t i = 0; i < n; i++)
		units[order[i].id].rank = order[i].rank;
	free(order);
}

/* Best first; equal ranks, and the unranked (rank 0) at the end, by unit id. */
static int answer_order(const void *a, const void *b)
{
	const struct unit_score *x = a, *y = b;
	if ((x->rank == 0) != (y->rank == 0))
		return x->rank == 0 ? 1 : -1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* The rows of the answer, best first, unranked units last by id (sorts units). */
static json_t *rows_json(struct unit_score *units, size_t n, const struct measure_rules *rules)
{
	qsort(units, n, sizeof(*units), answer_order);
	json_t *rows = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct unit_score *u = &units[i];
		json_t *obj = json_pack("{s:I, s:s?}", "unit_id", (json_int_t)u->id, "name", u->name);
		json_object_set_new(obj, "rank", u->rank ? json_integer(u->rank) : json_null());
		json_object_set_new(obj, "score", stats_percent_json(u->score));
		json_object_set_new(obj, "previous_rank", u->previous_rank ? json_integer(u->previous_rank) : json_null());
		/* places gained since last month: + up, - down */
		json_object_set_new(obj, "rank_change",
		                    u->rank && u->previous_rank ? json_integer(u->previous_rank - u->rank) : json_null());
		stats_counts_to_json(obj, &u->counts, rules);
		json_array_append_new(rows, obj);
	}
	return rows;
}

/* Last month's rank of each unit: as published, or as it stands. */
static void previous_ranks(struct unit_score *units, size_t n, const char *published, json_t *all,
                           const struct measure_rules *rules, const struct assessment_weights *w)
{
	json_t *rows = published ? json_loads(published, 0, NULL) : NULL;
	if (rows) {
		size_t i;
		json_t *row;
		json_array_foreach(rows, i, row) {
			int64_t id = (int64_t)json_integer_value(json_object_get(row, "unit_id"));
			for (size_t k = 0; k < n; k++)
				if (units[k].id == id)
					units[k].previous_rank = (int)json_integer_value(json_object_get(row, "rank"));
		}
		json_decref(rows);
		return;
	}
	struct unit_score *last = calloc(json_array_size(all) + 1, sizeof(*last));
	if (!last)
		return;
	size_t m = units_of(all, 1, last);
	score_units(last, m, rules, w);
	for (size_t i = 0; i < m; i++)
		for (size_t k = 0; k < n; k++)
			if (units[k].id == last[i].id)
				units[k].previous_rank = last[i].rank;
	free(last);
}

/* The computed assessment rows (a draft, or what publishing freezes). */
static json_t *compute_rows(const PGresult *res, const struct measure_rules *rules,
                            const struct assessment_weights *w)
{
	json_t *all = json_loads(PQgetvalue(res, 0, COL_UNITS), 0, NULL);
	struct unit_score *units = calloc(json_array_size(all) + 1, sizeof(*units));
	json_t *rows = NULL;
	if (all && units) {
		size_t n = units_of(all, 0, units);
		score_units(units, n, rules, w);
		previous_ranks(units, n, PQgetisnull(res, 0, COL_PREVIOUS) ? NULL : PQgetvalue(res, 0, COL_PREVIOUS),
		               all, rules, w);
		rows = rows_json(units, n, rules);
	}
	free(units);
	json_decref(all);
	return rows;
}

/* Unit staff see their unit's rows and its sub-units' (own), with the city-wide ranks. */
static void keep_own_rows(const struct http_context *ctx, json_t *rows, const json_t *own)
{
	if (ctx->auth->role != ROLE_UNIT_STAFF)
		return;
	for (size_t i = json_array_size(rows); i-- > 0;) {
		json_int_t id = json_integer_value(json_object_get(json_array_get(rows, i), "unit_id"));
		bool mine = false;
		for (size_t k = 0; !mine && k < json_array_size(own); k++)
			mine = json_integer_value(json_array_get(own, k)) == id;
		if (!mine)
			json_array_remove(rows, i);
	}
}

static json_t *answer(const char *month, const PGresult *res, json_t *rows,
                      const char *status, json_t *published)
{
	json_t *body = json_pack("{s:s, s:s}", "month", month, "status", status);
	struct measure_rules rules;
	struct assessment_weights w;
	stats_rules_from_result(res, COL_RULES, &rules, &w);
	if (published) {
		json_object_set(body, "published_at", json_object_get(published, "published_at"));
		json_object_set(body, "published_by", json_object_get(published, "published_by"));
		json_object_set(body, "rules", json_object_get(published, "rules"));
	} else {
		json_object_set_new(body, "rules", stats_rules_json(&rules, &w));
	}
	json_t *late = json_loads(PQgetvalue(res, 0, COL_LATE), 0, NULL);
	json_t *after = json_loads(PQgetvalue(res, 0, COL_AFTER), 0, NULL);
	json_object_set_new(body, "rows", rows);
	json_object_set_new(body, "late_changes", late ? late : json_array());
	json_object_set_new(body, "changed_after_publication", after ? after : json_array());
	return body;
}

/* ---- the month in the path ------------------------------------------------------------ */

struct assess {
	struct http_context *ctx;
	struct db_conn *lease;
	char month[8];           /* YYYY-MM */
	char first[11];          /* YYYY-MM-01 */
	char actor[24], unit[24];
	char *rules_text, *rows_text;
	json_t *body;            /* publish: the answer, kept until COMMIT */
	assessments_cb cb;       /* GET and exports: who gets the answer */
	void *cb_arg;
};

static void assess_free(struct assess *a)
{
	if (a->lease)
		db_release(a->lease);
	free(a->rules_text);
	free(a->rows_text);
	json_decref(a->body);
	free(a);
}

/* A month written YYYY-MM (len bytes); answers 400 and returns NULL otherwise. */
static struct assess *assess_new(struct http_context *ctx, const char *month, size_t len)
{
	struct calendar_date d;
	char first[11] = "";
	if (month && len == 7)
		snprintf(first, sizeof(first), "%.7s-01", month);
	if (!first[0] || !calendar_date_parse(first, 10, &d)) {
		json_t *errors = NULL;
		problem_add_error(&errors, "/path/month", "a month, YYYY-MM");
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return NULL;
	}
	struct assess *a = calloc(1, sizeof(*a));
	if (!a) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return NULL;
	}
	a->ctx = ctx;
	snprintf(a->month, sizeof(a->month), "%.7s", first);
	memcpy(a->first, first, sizeof(a->first));
	snprintf(a->actor, sizeof(a->actor), "%lld", (long long)ctx->auth->id);
	snprintf(a->unit, sizeof(a->unit), "%lld",
	         (long long)(ctx->auth->role == ROLE_UNIT_STAFF ? ctx->auth->unit_id : 0));
	return a;
}

static struct assess *assess_from_path(struct http_context *ctx)
{
	size_t len = 0;
	const char *month = route_param(&ctx->match, "month", &len);
	return assess_new(ctx, month, len);
}

/* ---- GET ------------------------------------------------------------------------------- */

static void computed(const struct db_result *r, void *arg)
{
	struct assess *a = arg;
	struct http_context *ctx = a->ctx;
	assessments_cb cb = a->cb;
	void *cb_arg = a->cb_arg;
	if (r->status != DB_OK) {
		assess_free(a);
		api_reply_db_failure(ctx, r);
		cb(ctx, NULL, cb_arg);
		return;
	}
	json_t *published = PQgetisnull(r->res, 0, COL_PUBLISHED)
	                        ? NULL
	                        : json_loads(PQgetvalue(r->res, 0, COL_PUBLISHED), 0, NULL);
	json_t *rows;
	if (published) {
		rows = json_incref(json_object_get(published, "rows"));
	} else {
		struct measure_rules rules;
		struct assessment_weights w;
		stats_rules_from_result(r->res, COL_RULES, &rules, &w);
		rows = compute_rows(r->res, &rules, &w);
	}
	if (!rows) {
		json_decref(published);
		assess_free(a);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		cb(ctx, NULL, cb_arg);
		return;
	}
	json_t *own = json_loads(PQgetvalue(r->res, 0, COL_OWN), 0, NULL);
	keep_own_rows(ctx, rows, own);
	json_decref(own);
	json_t *body = answer(a->month, r->res, rows, published ? "published" : "draft", published);
	json_decref(published);
	assess_free(a);
	cb(ctx, body, cb_arg);
}

void assessments_load(struct http_context *ctx, const char *month, size_t len, assessments_cb cb, void *arg)
{
	struct assess *a = assess_new(ctx, month, len);
	if (!a) {
		cb(ctx, NULL, arg);
		return;
	}
	a->cb = cb;
	a->cb_arg = arg;
	const char *params[] = {a->first, a->unit};
	db_query(io_thread_db(ctx->thread), &statements[STMT_COMPUTE], params, computed, a);
}

static void got(struct http_context *ctx, json_t *body, void *arg)
{
	(void)arg;
	if (body)
		http_reply_json(ctx, 200, body);
}

void assessments_get(struct http_context *ctx)
{
	size_t len = 0;
	const char *month = route_param(&ctx->match, "month", &len);
	assessments_load(ctx, month, len, got, NULL);
}

/* ---- publish ---------------------------------------------------------------------------- */

static void published(const struct db_batch_result *b, void *arg)
{
	struct assess *a = arg;
	struct http_context *ctx = a->ctx;
	if (b->status != DB_OK) {
		assess_free(a);
		api_reply_batch_failure(ctx, b);
		return;
	}
	if (PQntuples(b->results[0]) == 0) {
		assess_free(a);
		http_reply_problem(ctx, PROBLEM_CONFLICT, "this month has been published already", NULL);
		return;
	}
	json_t *body = json_incref(a->body);
	const char *fields[] = {"request_id", ctx->request_id, "month", a->month, NULL, NULL};
	log_event(LOG_LEVEL_INFO, "assessment published", fields);
	assess_free(a);
	http_reply_json(ctx, 201, body);
}

static void locked_and_computed(const struct db_batch_result *b, void *arg)
{
	struct assess *a = arg;
	struct http_context *ctx = a->ctx;
	if (b->status != DB_OK) {
		assess_free(a);
		api_reply_batch_failure(ctx, b);
		return;
	}
	const PGresult *res = b->results[2];
	if (!PQgetisnull(res, 0, COL_PUBLISHED)) {
		assess_free(a);
		http_reply_problem(ctx, PROBLEM_CONFLICT, "this month has been published already", NULL);
		return;
	}
	if (PQgetvalue(res, 0, COL_ENDED)[0] != 't') {
		assess_free(a);
		http_reply_problem(ctx, PROBLEM_CONFLICT, "a month is published once it has ended", NULL);
		return;
	}
	struct measure_rules rules;
	struct assessment_weights w;
	stats_rules_from_result(res, COL_RULES, &rules, &w);
	json_t *rows = compute_rows(res, &rules, &w);
	json_t *rules_json = stats_rules_json(&rules, &w);
	a->rows_text = rows ? json_dumps(rows, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	a->rules_text = json_dumps(rules_json, JSON_COMPACT);
	json_decref(rules_json);
	if (!a->rows_text || !a->rules_text) {
		json_decref(rows);
		assess_free(a);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	json_t *by = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)ctx->auth->id, "login", ctx->auth->login,
	                       "display_name", ctx->auth->display_name);
	json_t *pub = json_pack("{s:o, s:o}", "published_by", by, "rules", stats_rules_json(&rules, &w));
	a->body = answer(a->month, res, rows, "published", pub);
	json_decref(pub);
	const char *params[] = {a->first, a->actor, a->rules_text, a->rows_text};
	const char *none[] = {NULL};
	struct db_batch_step steps[] = {{&statements[STMT_PUBLISH], params}, {&statements[STMT_COMMIT], none}};
	db_lease_batch(a->lease, steps, 2, published, a);
}

static void publish_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct assess *a = arg;
	if (status != DB_OK) {
		struct http_context *ctx = a->ctx;
		assess_free(a);
		api_reply_db_status(ctx, status);
		return;
	}
	a->lease = lease;
	const char *none[] = {NULL};
	const char *params[] = {a->first, a->unit};
	struct db_batch_step steps[] = {{&statements[STMT_BEGIN], none},
	                                {&statements[STMT_LOCK], none},
	                                {&statements[STMT_COMPUTE], params}};
	db_lease_batch(lease, steps, 3, locked_and_computed, a);
}

void assessments_publish(struct http_context *ctx)
{
	if (ctx->auth->role == ROLE_SUPERVISOR && ctx->auth->area_code[0]) {
		http_reply_problem(ctx, PROBLEM_FORBIDDEN,
		                   "the ranking covers the whole city: a supervisor of the whole city publishes it", NULL);
		return;
	}
	struct assess *a = assess_from_path(ctx);
	if (a)
		db_acquire(io_thread_db(ctx->thread), publish_leased, a);
}

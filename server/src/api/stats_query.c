/*
 * stats_query.c - reading the statistics rollups. See stats_query.h.
 */
#include "api/stats_query.h"

#include "api/common.h"
#include "auth/policy.h"
#include "domain/calendar.h"
#include "domain/codes.h"
#include "http/problem.h"
#include "http/response.h"
#include "http/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The measures in the order the statement sends them (column "c"). */
#define COUNT_COLUMNS                                                                              \
	"reported, registered, dispatched, due, due_suspended, closed, closed_on_time, overdue, reworked," \
	" reworks, extended, extensions, returns, urges, handled, handling_s"
enum { NCOUNTS = 16 };

#define SUBTREE(name, root) \
	" " name " AS (SELECT id FROM units WHERE id = " root "::bigint" \
	"  UNION SELECT u.id FROM units u JOIN " name " t ON u.parent_id = t.id)"

/* Rows of the grain in an area: the street code when the area is a district
 * or a street, the cell code when it is a community (a cell's code starts
 * with its community's: grid_cells' CHECK). */
#define IN_AREA(p)                                                                \
	" (" p " = '' OR (char_length(" p ") <= 9 AND s.street_code LIKE " p " || '%')" \
	"  OR (char_length(" p ") > 9 AND s.cell_code LIKE " p " || '%'))"

/*
 * $1 month grain ('' none), $2 day grain, [$3, $4) the whole months, [$5, $6]
 * the range, $7 the grouping, $8 scope area, $9 scope unit (0: none),
 * $10 filter area, $11 filter unit (0: none), $12 with its sub-units,
 * $13 category prefix ("kind:code", '' all).
 * One row: the rules, the weights, the groups as JSON.
 */
static struct db_statement statements[] = {
	{"stats_query",
	 "WITH RECURSIVE" SUBTREE("scope_units", "$9") "," SUBTREE("filter_units", "$11") ","
	 " ancestors AS (SELECT id AS unit_id, id AS ancestor FROM units WHERE $7 = 'unit_tree'"
	 "  UNION ALL SELECT a.unit_id, u.parent_id FROM ancestors a JOIN units u ON u.id = a.ancestor"
	 "  WHERE u.parent_id IS NOT NULL),"
	 " picked AS (SELECT s.* FROM stats_rollup s"
	 /* Three index ranges: the whole months, the days before and the days
	  * after them (each a plain range, so a generic plan keeps them). */
	 "  WHERE ((s.grain = $1 AND s.period >= $3::date AND s.period < $4::date)"
	 "     OR (s.grain = $2 AND s.period >= $5::date AND s.period < $3::date)"
	 "     OR (s.grain = $2 AND s.period >= $4::date AND s.period <= $6::date))"
	 "   AND" IN_AREA("$8") " AND" IN_AREA("$10")
	 "   AND ($9::bigint = 0 OR s.unit_id IN (SELECT id FROM scope_units))"
	 "   AND ($11::bigint = 0 OR s.unit_id = $11::bigint"
	 "        OR ($12::boolean AND s.unit_id IN (SELECT id FROM filter_units)))"
	 "   AND ($13 = '' OR s.category_kind || ':' || s.category_code LIKE $13 || '%')),"
	 " keyed AS (SELECT CASE $7"
	 "   WHEN 'unit' THEN p.unit_id::text WHEN 'unit_tree' THEN a.ancestor::text"
	 "   WHEN 'cell' THEN p.cell_code WHEN 'district' THEN left(p.street_code, 6)"
	 "   WHEN 'street' THEN p.street_code"
	 /* a cell's code starts with its community's (grid_cells' CHECK) */
	 "   WHEN 'community' THEN left(p.cell_code, 12)"
	 "   WHEN 'category' THEN p.category_kind || ':' || p.category_code"
	 "   WHEN 'category_major' THEN p.category_kind || ':' || left(p.category_code, 2)"
	 "   WHEN 'reporter' THEN p.reporter_id::text WHEN 'day' THEN p.period::text"
	 "   WHEN 'week' THEN date_trunc('week', p.period)::date::text"
	 "   WHEN 'month' THEN date_trunc('month', p.period)::date::text ELSE '' END AS key, p.*"
	 "  FROM picked p LEFT JOIN ancestors a ON $7 = 'unit_tree' AND a.unit_id = p.unit_id),"
	 " grouped AS (SELECT key, sum(reported) reported, sum(registered) registered,"
	 "   sum(dispatched) dispatched, sum(due) due, sum(due_suspended) due_suspended, sum(closed) closed,"
	 "   sum(closed_on_time) closed_on_time, sum(overdue) overdue, sum(reworked) reworked,"
	 "   sum(reworks) reworks, sum(extended) extended, sum(extensions) extensions, sum(returns) returns,"
	 "   sum(urges) urges, sum(handled) handled, sum(handling_s) handling_s,"
	 /* element by element with the built-in sum: thousands of rows cost nothing */
	 "   ARRAY[sum(hist[1]), sum(hist[2]), sum(hist[3]), sum(hist[4]), sum(hist[5]), sum(hist[6]),"
	 "    sum(hist[7]), sum(hist[8]), sum(hist[9]), sum(hist[10]), sum(hist[11]), sum(hist[12])] hist"
	 "  FROM keyed WHERE key IS NOT NULL GROUP BY key)"
	 " SELECT (SELECT value::text FROM gridd_settings WHERE key = 'stats.rules'),"
	 "  (SELECT value::text FROM gridd_settings WHERE key = 'assessment.weights'),"
	 "  (SELECT coalesce(json_agg(json_build_object('k', g.key, 'n', CASE"
	 "    WHEN $7 IN ('unit', 'unit_tree') THEN (SELECT name FROM units WHERE id::text = g.key)"
	 "    WHEN $7 = 'cell' THEN (SELECT name FROM grid_cells WHERE code = g.key)"
	 "    WHEN $7 IN ('district', 'street', 'community') THEN (SELECT name FROM areas WHERE code = g.key)"
	 "    WHEN $7 IN ('category', 'category_major') THEN (SELECT name_zh FROM categories"
	 "     WHERE kind || ':' || code = g.key)"
	 "    WHEN $7 = 'reporter' THEN (SELECT display_name FROM users WHERE id::text = g.key) END,"
	 "   'c', json_build_array(" COUNT_COLUMNS "), 'h', g.hist) ORDER BY g.key), '[]')::text FROM grouped g)",
	 13, 0},
};
enum { STMT_QUERY };

int stats_query_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

static const char *const group_sql[STATS_GROUP_COUNT] = {
	[STATS_BY_UNIT] = "unit",         [STATS_BY_UNIT_TREE] = "unit_tree",
	[STATS_BY_CELL] = "cell",         [STATS_BY_DISTRICT] = "district",
	[STATS_BY_STREET] = "street",     [STATS_BY_COMMUNITY] = "community",
	[STATS_BY_CATEGORY] = "category", [STATS_BY_CATEGORY_MAJOR] = "category_major",
	[STATS_BY_REPORTER] = "reporter", [STATS_BY_DAY] = "day",
	[STATS_BY_WEEK] = "week",         [STATS_BY_MONTH] = "month",
	[STATS_BY_ALL] = "all",
};

/* ---- the query string ------------------------------------------------------ */

/* An optional parameter with a fixed set of values; def when absent. */
static const char *choice(struct http_context *ctx, const char *name, const char *const *names,
                          const char *def, const char *hint, json_t **errors)
{
	char *v = api_query_param(ctx, name);
	const char *out = def;
	for (const char *const *n = names; v && *n; n++)
		if (strcmp(v, *n) == 0)
			out = *n;
	if (v && out == def && strcmp(v, def) != 0) {
		char pointer[48];
		snprintf(pointer, sizeof(pointer), "/query/%s", name);
		problem_add_error(errors, pointer, hint);
	}
	free(v);
	return out;
}

static bool parse_period(struct http_context *ctx, struct stats_query *q, json_t **errors)
{
	char *month = api_query_param(ctx, "month"), *from = api_query_param(ctx, "from"),
	     *to = api_query_param(ctx, "to");
	bool ok = false;
	struct calendar_date a, b;
	if (month) {
		char first[11];
		snprintf(first, sizeof(first), "%.7s-01", month);
		if (from || to)
			problem_add_error(errors, "/query/month", "give month, or from and to, not both");
		else if (strlen(month) != 7 || !calendar_date_parse(first, 10, &a))
			problem_add_error(errors, "/query/month", "a month, YYYY-MM");
		else {
			stats_query_month(q, a.year, a.month);
			ok = true;
		}
	} else if (!from || !to) {
		problem_add_error(errors, from ? "/query/to" : "/query/from",
		                  "give from and to (YYYY-MM-DD, both included) or month (YYYY-MM)");
	} else if (!calendar_date_parse(from, strlen(from), &a)) {
		problem_add_error(errors, "/query/from", "a date, YYYY-MM-DD");
	} else if (!calendar_date_parse(to, strlen(to), &b)) {
		problem_add_error(errors, "/query/to", "a date, YYYY-MM-DD");
	} else {
		q->from_day = calendar_days_from_civil(a.year, a.month, a.day);
		q->to_day = calendar_days_from_civil(b.year, b.month, b.day);
		if (q->to_day < q->from_day)
			problem_add_error(errors, "/query/to", "on or after from");
		else if (q->to_day - q->from_day + 1 > STATS_MAX_DAYS)
			problem_add_error(errors, "/query/to", "at most 1100 days after from");
		else
			ok = true;
	}
	free(month);
	free(from);
	free(to);
	return ok;
}

static void parse_filters(struct http_context *ctx, struct stats_query *q, json_t **errors)
{
	char *unit = api_query_param(ctx, "unit"), *area = api_query_param(ctx, "area"),
	     *category = api_query_param(ctx, "category");
	if (unit) {
		size_t n = strlen(unit);
		q->unit = n && n <= 18 && strspn(unit, "0123456789") == n ? atoll(unit) : 0;
		if (q->unit <= 0)
			problem_add_error(errors, "/query/unit", "a unit id");
	}
	if (area) {
		size_t n = strlen(area);
		bool ok = (n == CODES_DISTRICT_LEN && codes_check_district(area, n) == CODES_OK) ||
		          (n == CODES_STREET_LEN && codes_check_street(area, n) == CODES_OK) ||
		          (n == CODES_COMMUNITY_LEN && codes_check_community(area, n) == CODES_OK);
		if (ok)
			snprintf(q->area, sizeof(q->area), "%s", area);
		else
			problem_add_error(errors, "/query/area", "a district, street or community code (6, 9 or 12 digits)");
	}
	if (category) {
		char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1];
		if (codes_parse_category_ref(category, strlen(category), kind, code) == 0)
			snprintf(q->category, sizeof(q->category), "%s:%s", kind, code);
		else
			problem_add_error(errors, "/query/category",
			                  "a category, major or minor: event:01, event:0102, component:0104");
	}
	free(unit);
	free(area);
	free(category);
}

int stats_query_parse(struct http_context *ctx, enum stats_query_kind kind, struct stats_query *q,
                      json_t **errors)
{
	static const char *const booleans[] = {"true", "false", NULL};
	size_t had = json_array_size(*errors);
	memset(q, 0, sizeof(*q));
	bool period = parse_period(ctx, q, errors);
	q->subunits = strcmp(choice(ctx, "include_subunits", booleans, "false", "true or false", errors),
	                     "true") == 0;
	parse_filters(ctx, q, errors);
	if (kind == STATS_QUERY_SERIES) {
		static const char *const intervals[] = {"day", "week", "month", NULL};
		const char *v = choice(ctx, "interval", intervals, "day", "day, week or month", errors);
		q->group = strcmp(v, "week") == 0 ? STATS_BY_WEEK : strcmp(v, "month") == 0 ? STATS_BY_MONTH
		                                                                            : STATS_BY_DAY;
		if (period && q->group == STATS_BY_DAY && q->to_day - q->from_day + 1 > 366)
			problem_add_error(errors, "/query/to", "at most 366 days by day: use interval=week or month");
	} else {
		static const char *const groups[] = {"unit", "cell", "area", "category", "reporter", NULL};
		static const char *const levels[] = {"district", "street", "community", NULL};
		static const char *const category_levels[] = {"minor", "major", NULL};
		const char *g = choice(ctx, "group_by", groups, "unit", "unit, cell, area, category or reporter", errors);
		const char *level = choice(ctx, "area_level", levels, "street", "district, street or community", errors);
		const char *clevel = choice(ctx, "category_level", category_levels, "minor", "minor or major", errors);
		if (strcmp(g, "unit") == 0)
			q->group = q->subunits ? STATS_BY_UNIT_TREE : STATS_BY_UNIT;
		else if (strcmp(g, "cell") == 0)
			q->group = STATS_BY_CELL;
		else if (strcmp(g, "area") == 0)
			q->group = strcmp(level, "district") == 0 ? STATS_BY_DISTRICT
			           : strcmp(level, "community") == 0 ? STATS_BY_COMMUNITY : STATS_BY_STREET;
		else if (strcmp(g, "category") == 0)
			q->group = strcmp(clevel, "major") == 0 ? STATS_BY_CATEGORY_MAJOR : STATS_BY_CATEGORY;
		else
			q->group = STATS_BY_REPORTER;
		if (q->group == STATS_BY_REPORTER && (q->unit || q->category[0]))
			problem_add_error(errors, q->unit ? "/query/unit" : "/query/category",
			                  "statistics by reporter are kept by area only: drop this filter");
		if (q->group == STATS_BY_REPORTER && strlen(q->area) > CODES_STREET_LEN)
			problem_add_error(errors, "/query/area",
			                  "statistics by reporter are kept down to streets: give a district or street");
	}
	return *errors && json_array_size(*errors) > had ? -1 : 0;
}

void stats_query_month(struct stats_query *q, int year, int month)
{
	q->from_day = calendar_days_from_civil(year, month, 1);
	q->to_day = calendar_days_from_civil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) - 1;
}

/* ---- settings ------------------------------------------------------------------ */

static int64_t member(const json_t *obj, const char *name, int64_t def)
{
	json_t *v = json_object_get(obj, name);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

void stats_rules_from_result(const PGresult *res, int col, struct measure_rules *r,
                             struct assessment_weights *w)
{
	const char *rules = PQgetisnull(res, 0, col) ? NULL : PQgetvalue(res, 0, col);
	const char *weights = PQgetisnull(res, 0, col + 1) ? NULL : PQgetvalue(res, 0, col + 1);
	json_t *jr = rules ? json_loads(rules, 0, NULL) : NULL, *jw = weights ? json_loads(weights, 0, NULL) : NULL;
	json_t *ex = json_object_get(jr, "exclude_suspended");
	r->exclude_suspended = ex ? json_is_true(ex) : true;
	r->min_sample = member(jr, "min_sample", 5);
	w->on_time_closure = member(jw, "on_time_closure", 40);
	w->closure = member(jw, "closure", 30);
	w->rework = member(jw, "rework", 15);
	w->extension = member(jw, "extension", 10);
	w->urges = member(jw, "urges", 5);
	json_decref(jr);
	json_decref(jw);
}

/* ---- the grain ------------------------------------------------------------------- */

void stats_pick_grains(const struct stats_query *q, const char *scope_area, bool unit_staff,
                       struct stats_grains *out)
{
	enum stats_group g = q->group;
	bool by_period = g == STATS_BY_DAY || g == STATS_BY_WEEK || g == STATS_BY_MONTH || g == STATS_BY_ALL;
	/* Rows without a category, a street or cells: a unit's district. */
	bool districts = (g == STATS_BY_UNIT || g == STATS_BY_UNIT_TREE || g == STATS_BY_DISTRICT || by_period) &&
	                 !q->category[0] && strlen(scope_area) <= CODES_DISTRICT_LEN &&
	                 strlen(q->area) <= CODES_DISTRICT_LEN;
	/* Cells, when the grouping or an area smaller than a street needs them. */
	bool cells = g == STATS_BY_CELL || g == STATS_BY_COMMUNITY || strlen(scope_area) > CODES_STREET_LEN ||
	             strlen(q->area) > CODES_STREET_LEN;
	/* Rows of a cell's month without units or categories. */
	bool cell_months = cells && !q->unit && !unit_staff && !q->category[0] &&
	                   (g == STATS_BY_CELL || g == STATS_BY_COMMUNITY || g == STATS_BY_STREET ||
	                    g == STATS_BY_DISTRICT || by_period);
	*out = (struct stats_grains){"street_month", "street_day", scope_area};
	if (g == STATS_BY_REPORTER) {
		*out = (struct stats_grains){"reporter_month", "reporter_day", scope_area};
		/* kept by street only: nothing a unit or a community may see */
		if (unit_staff || strlen(scope_area) > CODES_STREET_LEN)
			out->scope_area = "-";
	} else if (districts) {
		*out = (struct stats_grains){"district_month", "district_day", scope_area};
	} else if (cells) {
		*out = (struct stats_grains){cell_months ? "cell_month" : "", "cell_day", scope_area};
	}
	if (g == STATS_BY_DAY || g == STATS_BY_WEEK)
		out->month = "";
}

/* ---- running --------------------------------------------------------------------- */

struct run {
	struct http_context *ctx;
	stats_query_cb cb;
	void *arg;
};

void stats_result_free(struct stats_result *res)
{
	if (!res)
		return;
	free(res->rows);
	json_decref(res->doc);
	free(res);
}

static bool parse_row(json_t *g, struct stats_row *row)
{
	json_t *c = json_object_get(g, "c"), *h = json_object_get(g, "h");
	if (!json_is_array(c) || json_array_size(c) != NCOUNTS)
		return false;
	row->key = json_string_value(json_object_get(g, "k"));
	row->name = json_string_value(json_object_get(g, "n"));
	int64_t v[NCOUNTS];
	for (size_t i = 0; i < NCOUNTS; i++)
		v[i] = (int64_t)json_integer_value(json_array_get(c, i));
	struct measure_counts *m = &row->counts;
	*m = (struct measure_counts){.reported = v[0], .registered = v[1], .dispatched = v[2], .due = v[3],
	                             .due_suspended = v[4], .closed = v[5], .closed_on_time = v[6],
	                             .overdue = v[7], .reworked = v[8], .reworks = v[9], .extended = v[10],
	                             .extensions = v[11], .returns = v[12], .urges = v[13], .handled = v[14],
	                             .handling_s = v[15]};
	for (size_t i = 0; i < MEASURES_HIST_BUCKETS && i < json_array_size(h); i++)
		m->hist[i] = (int64_t)json_integer_value(json_array_get(h, i));
	return row->key != NULL;
}

static void answered(const struct db_result *r, void *arg)
{
	struct run *run = arg;
	struct http_context *ctx = run->ctx;
	stats_query_cb cb = run->cb;
	void *cb_arg = run->arg;
	free(run);
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		cb(ctx, NULL, cb_arg);
		return;
	}
	struct stats_result *res = calloc(1, sizeof(*res));
	json_t *doc = res ? json_loads(PQgetvalue(r->res, 0, 2), 0, NULL) : NULL;
	size_t n = json_array_size(doc);
	if (res)
		res->rows = calloc(n ? n : 1, sizeof(*res->rows));
	if (!res || !json_is_array(doc) || !res->rows) {
		json_decref(doc);
		stats_result_free(res);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		cb(ctx, NULL, cb_arg);
		return;
	}
	res->doc = doc;
	stats_rules_from_result(r->res, 0, &res->rules, &res->weights);
	for (size_t i = 0; i < n; i++)
		if (parse_row(json_array_get(doc, i), &res->rows[res->count]))
			res->count++;
	cb(ctx, res, cb_arg);
}

void stats_format_day(int64_t day, char out[11])
{
	struct calendar_date d = calendar_civil_from_days(day);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)d.year % 10000u, (unsigned)d.month % 100u,
	         (unsigned)d.day % 100u);
}

void stats_query_run(struct http_context *ctx, const struct stats_query *q, stats_query_cb cb, void *arg)
{
	const struct auth_user *user = ctx->auth;
	char scope_unit[24] = "0", unit[24], from[11], to[11], mf[11], mt[11];
	const char *scope_area = "";
	if (user->role == ROLE_UNIT_STAFF)
		snprintf(scope_unit, sizeof(scope_unit), "%lld", (long long)(user->unit_id ? user->unit_id : -1));
	else if (user->role != ROLE_ADMIN)
		scope_area = user->area_code;
	snprintf(unit, sizeof(unit), "%lld", q->unit);
	stats_format_day(q->from_day, from);
	stats_format_day(q->to_day, to);

	struct stats_grains grains;
	stats_pick_grains(q, scope_area, user->role == ROLE_UNIT_STAFF, &grains);
	const char *month_grain = grains.month, *day_grain = grains.day;
	scope_area = grains.scope_area;
	struct calendar_date a = calendar_civil_from_days(q->from_day), b = calendar_civil_from_days(q->to_day + 1);
	int64_t first_full = a.day == 1 ? q->from_day
	                                : calendar_days_from_civil(a.month == 12 ? a.year + 1 : a.year,
	                                                           a.month == 12 ? 1 : a.month + 1, 1);
	int64_t end_full = calendar_days_from_civil(b.year, b.month, 1);  /* the 1st after the last whole month */
	if (!month_grain[0] || end_full <= first_full)
		first_full = end_full = q->from_day;
	stats_format_day(first_full, mf);
	stats_format_day(end_full, mt);

	struct run *run = calloc(1, sizeof(*run));
	if (!run) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		cb(ctx, NULL, arg);
		return;
	}
	*run = (struct run){ctx, cb, arg};
	const char *params[] = {month_grain, day_grain, mf, mt, from, to, group_sql[q->group], scope_area,
	                        scope_unit, q->area, unit, q->subunits ? "true" : "false", q->category};
	db_query(io_thread_db(ctx->thread), &statements[STMT_QUERY], params, answered, run);
}

/* ---- answering ------------------------------------------------------------------- */

json_t *stats_percent_json(int64_t hundredths)
{
	return hundredths == MEASURES_NONE ? json_null() : json_real((double)hundredths / 100.0);
}

/* Seconds as working hours with two decimals, or null. */
static json_t *hours_json(int64_t seconds)
{
	if (seconds == MEASURES_NONE)
		return json_null();
	return json_real((double)((seconds * 100 + 1800) / 3600) / 100.0);
}

void stats_counts_to_json(json_t *obj, const struct measure_counts *c, const struct measure_rules *rules)
{
	struct measure_rates r;
	measures_rates(c, rules, &r);
	json_object_set_new(obj, "reported", json_integer(c->reported));
	json_object_set_new(obj, "registered", json_integer(c->registered));
	json_object_set_new(obj, "dispatched", json_integer(c->dispatched));
	json_object_set_new(obj, "due", json_integer(r.due));
	json_object_set_new(obj, "due_suspended", json_integer(c->due_suspended));
	json_object_set_new(obj, "closed", json_integer(c->closed));
	json_object_set_new(obj, "closed_on_time", json_integer(c->closed_on_time));
	json_object_set_new(obj, "overdue", json_integer(c->overdue));
	json_object_set_new(obj, "reworked", json_integer(c->reworked));
	json_object_set_new(obj, "reworks", json_integer(c->reworks));
	json_object_set_new(obj, "extended", json_integer(c->extended));
	json_object_set_new(obj, "extensions", json_integer(c->extensions));
	json_object_set_new(obj, "returns", json_integer(c->returns));
	json_object_set_new(obj, "urges", json_integer(c->urges));
	json_object_set_new(obj, "closure_rate", stats_percent_json(r.closure));
	json_object_set_new(obj, "on_time_closure_rate", stats_percent_json(r.on_time_closure));
	json_object_set_new(obj, "rework_rate", stats_percent_json(r.rework));
	json_object_set_new(obj, "extension_rate", stats_percent_json(r.extension));
	json_object_set_new(obj, "handled", json_integer(c->handled));
	json_object_set_new(obj, "mean_handling_hours", hours_json(r.mean_handling_s));
	json_object_set_new(obj, "p90_handling_hours", hours_json(r.p90_handling_s));
	json_object_set_new(obj, "sample_too_small", json_boolean(r.too_small));
}

json_t *stats_period_json(const struct stats_query *q)
{
	char from[11], to[11];
	stats_format_day(q->from_day, from);
	stats_format_day(q->to_day, to);
	return json_pack("{s:s, s:s}", "from", from, "to", to);
}

json_t *stats_rules_json(const struct measure_rules *r, const struct assessment_weights *w)
{
	return json_pack("{s:b, s:I, s:{s:I, s:I, s:I, s:I, s:I}}", "exclude_suspended", r->exclude_suspended,
	                 "min_sample", (json_int_t)r->min_sample, "weights", "on_time_closure",
	                 (json_int_t)w->on_time_closure, "closure", (json_int_t)w->closure, "rework",
	                 (json_int_t)w->rework, "extension", (json_int_t)w->extension, "urges",
	                 (json_int_t)w->urges);
}

/* ---- the closure table -------------------------------------------------------------- */

static const char *const group_names[STATS_GROUP_COUNT] = {
	[STATS_BY_UNIT] = "unit",           [STATS_BY_UNIT_TREE] = "unit",
	[STATS_BY_CELL] = "cell",           [STATS_BY_DISTRICT] = "area",
	[STATS_BY_STREET] = "area",         [STATS_BY_COMMUNITY] = "area",
	[STATS_BY_CATEGORY] = "category",   [STATS_BY_CATEGORY_MAJOR] = "category",
	[STATS_BY_REPORTER] = "reporter",   [STATS_BY_DAY] = "day",
	[STATS_BY_WEEK] = "week",           [STATS_BY_MONTH] = "month",
	[STATS_BY_ALL] = "all",
};

const char *stats_group_name(enum stats_group g)
{
	return (unsigned)g < STATS_GROUP_COUNT ? group_names[g] : "?";
}

json_t *stats_closure_json(const struct stats_query *q, const struct stats_result *res)
{
	struct rank_entry *order = calloc(res->count ? res->count : 1, sizeof(*order));
	if (!order)
		return NULL;
	struct measure_counts total = {0};
	for (size_t i = 0; i < res->count; i++) {
		struct measure_rates r;
		measures_rates(&res->rows[i].counts, &res->rules, &r);
		order[i] = (struct rank_entry){(int64_t)i, r.on_time_closure, r.closure, r.too_small, 0};
		measures_add(&total, &res->rows[i].counts);
	}
	measures_rank(order, res->count);
	json_t *rows = json_array();
	for (size_t i = 0; i < res->count; i++) {
		const struct stats_row *row = &res->rows[order[i].id];
		json_t *obj = json_pack("{s:s, s:s?}", "key", row->key, "name", row->name);
		json_object_set_new(obj, "rank", order[i].rank ? json_integer(order[i].rank) : json_null());
		stats_counts_to_json(obj, &row->counts, &res->rules);
		json_array_append_new(rows, obj);
	}
	free(order);
	json_t *totals = json_object();
	stats_counts_to_json(totals, &total, &res->rules);
	json_t *body = stats_period_json(q);
	json_object_set_new(body, "group_by", json_string(group_names[q->group]));
	json_object_set_new(body, "rules", stats_rules_json(&res->rules, &res->weights));
	json_object_set_new(body, "rows", rows);
	json_object_set_new(body, "total", totals);
	return body;
}


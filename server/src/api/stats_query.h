/*
 * stats_query.h - reading the statistics rollups (migration 0013) for a
 * period, a grouping, filters and the caller's scope.
 *
 * Shared by the statistics, assessment and export handlers: the query string
 * is parsed here once (from/to or month, group_by, filters), the rollup grain
 * is chosen here (whole months from the monthly rows, the days at the edges
 * from the daily ones), and the caller gets each group's counts as
 * struct measure_counts to turn into rates with domain/measures.h.
 *
 * Scope: unit staff see their unit and its sub-units; dispatchers and
 * supervisors their area; admins the city.
 */
#ifndef GRIDD_API_STATS_QUERY_H
#define GRIDD_API_STATS_QUERY_H

#include "domain/measures.h"
#include "http/context.h"

#include <libpq-fe.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum stats_group {
	STATS_BY_UNIT,
	STATS_BY_UNIT_TREE,        /* a unit with all its sub-units */
	STATS_BY_CELL,
	STATS_BY_DISTRICT,
	STATS_BY_STREET,
	STATS_BY_COMMUNITY,
	STATS_BY_CATEGORY,         /* minor category */
	STATS_BY_CATEGORY_MAJOR,
	STATS_BY_REPORTER,
	STATS_BY_DAY,
	STATS_BY_WEEK,             /* ISO weeks, keyed by their Monday */
	STATS_BY_MONTH,
	STATS_BY_ALL,              /* one row: the totals */
	STATS_GROUP_COUNT
};

/* The longest range one query may cover, in days. */
#define STATS_MAX_DAYS 1100

struct stats_query {
	int64_t from_day, to_day;  /* inclusive; days since 1970-01-01, the city's days */
	enum stats_group group;
	char area[16];             /* filter: an area code, "" = all */
	long long unit;            /* filter: a unit id, 0 = all */
	bool subunits;             /* the unit filter includes its sub-units */
	char category[48];         /* filter: "kind:code" (major or minor), "" = all */
};

/* Which query string a handler takes. */
enum stats_query_kind {
	STATS_QUERY_TABLE,         /* group_by=unit|cell|area|category|reporter (+ area_level, category_level) */
	STATS_QUERY_SERIES,        /* interval=day|week|month */
};

/*
 * Reads from/to (YYYY-MM-DD, inclusive) or month (YYYY-MM), the grouping and
 * the filters unit, include_subunits, area and category. Problems are added
 * to errors with /query/<name> pointers; returns -1 then.
 */
int stats_query_parse(struct http_context *ctx, enum stats_query_kind kind, struct stats_query *q,
                      json_t **errors);

/* Sets q to one whole month (for the assessment): from its first to its last day. */
void stats_query_month(struct stats_query *q, int year, int month);

/*
 * The rollup grains a query reads (migrations 0013, 0017, 0019): whole
 * months from `month` ("" none: every day from `day`), the days at the
 * edges of the range from `day`. The coarsest rows that still carry what
 * the grouping, the filters and the scope ask for: a unit's district
 * (district_*) without a category or an area under a district; a cell's
 * month (cell_month) for cells without a unit or a category; streets
 * otherwise; cells by day when only they will do; reporters for the
 * reporter grouping. scope_area is the reader's area ("" the city);
 * out->scope_area is what to filter by ("-": nothing may be seen).
 */
struct stats_grains {
	const char *month, *day, *scope_area;
};
void stats_pick_grains(const struct stats_query *q, const char *scope_area, bool unit_staff,
                       struct stats_grains *out);

struct stats_row {
	const char *key;           /* the group: unit id, cell code, area code, "kind:code", user id, date */
	const char *name;          /* its name, or NULL */
	struct measure_counts counts;
};

struct stats_result {
	struct stats_row *rows;
	size_t count;
	struct measure_rules rules;
	struct assessment_weights weights;
	json_t *doc;               /* owns the strings the rows point into */
};

void stats_result_free(struct stats_result *res);

/*
 * Called once: with the result (the callee owns it; stats_result_free), or
 * with NULL after the request has been answered with a problem.
 */
typedef void (*stats_query_cb)(struct http_context *ctx, struct stats_result *res, void *arg);

/* Runs q within the caller's scope (ctx->auth). */
void stats_query_run(struct http_context *ctx, const struct stats_query *q, stats_query_cb cb, void *arg);

/*
 * The rules and weights from a result whose row 0 holds the settings' JSON
 * text in columns col (stats.rules) and col + 1 (assessment.weights), NULL
 * allowed; defaults for what is missing.
 */
void stats_rules_from_result(const PGresult *res, int col, struct measure_rules *r,
                             struct assessment_weights *w);

/*
 * Adds the counts, the rates (percent with two decimals, null when nothing
 * was due), the handling times in working hours and sample_too_small to obj.
 */
void stats_counts_to_json(json_t *obj, const struct measure_counts *c, const struct measure_rules *rules);

/* A day number as YYYY-MM-DD. */
void stats_format_day(int64_t day, char out[11]);

/* {from, to} of the query's range. */
json_t *stats_period_json(const struct stats_query *q);

/* {exclude_suspended, min_sample, weights: {...}}. */
json_t *stats_rules_json(const struct measure_rules *r, const struct assessment_weights *w);

/* The grouping as the API names it: unit, cell, area, category, reporter, day, week, month. */
const char *stats_group_name(enum stats_group g);

/*
 * The closure table: {from, to, group_by, rules, rows, total}, rows ranked by
 * the on-time closure rate (rank null below the minimum sample). NULL when
 * out of memory.
 */
json_t *stats_closure_json(const struct stats_query *q, const struct stats_result *res);

/* A percentage in hundredths (measures.h) as a JSON number with two decimals, or null. */
json_t *stats_percent_json(int64_t hundredths);

int stats_query_register_statements(void);

#endif

/*
 * categories.c - the category taxonomy and routing.
 *
 * GET /v1/categories                          the tree: kinds, majors, minors with limits
 * GET /v1/routing/resolve?category=&cell=     the unit a case of that category in that
 *                                             cell goes to, and the rule that chose it
 *
 * A category is written "<kind>:<code>", e.g. "event:0102" (暴露垃圾): event
 * and component codes overlap, so the kind is part of the name.
 *
 * Routing: the SQL function route_case (migrations/0007) - the most
 * specific matching rule wins, location first (cell 4, community 3, street 2,
 * district 1; x10), then category (minor 2, major 1), then the higher
 * priority, then the older rule; without a rule, the category's default unit.
 * Report intake routes with the same function.
 */
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/routes.h"
#include "domain/codes.h"
#include "http/response.h"
#include "http/server.h"

static struct db_statement statements[] = {
	{"categories_tree",
	 "SELECT kind, code, name_zh, name_en, default_unit_id, limit_value, limit_unit,"
	 " urgent_limit_value, urgent_limit_unit, urgent_by_default, after_photo_required"
	 " FROM categories WHERE active ORDER BY kind DESC, code",
	 0, 0},
	{"routing_resolve",
	 "WITH rc AS (SELECT * FROM route_case($1, $2, $3))"
	 " SELECT (SELECT count(*) FROM categories"
	 "   WHERE kind = $1 AND code = $2 AND char_length(code) = 4 AND active),"
	 "  (SELECT count(*) FROM grid_cells WHERE code = $3),"
	 "  r.id, r.category_code, coalesce(r.cell_code, r.area_code), r.priority, rc.specificity,"
	 "  u.id, u.code, u.name"
	 " FROM (SELECT 1) one LEFT JOIN rc ON true"
	 " LEFT JOIN routing_rules r ON r.id = rc.rule_id LEFT JOIN units u ON u.id = rc.unit_id",
	 3, 0},
};
enum { STMT_TREE, STMT_RESOLVE };

int categories_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

static json_t *limit_json(const PGresult *res, int row, int value_col)
{
	if (PQgetisnull(res, row, value_col))
		return json_null();
	return json_pack("{s:i, s:s}", "value", atoi(PQgetvalue(res, row, value_col)), "unit",
	                 PQgetvalue(res, row, value_col + 1));
}

static void tree_loaded(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	json_t *tree = json_array(), *major = NULL;
	for (int i = 0; i < PQntuples(r->res); i++) {
		const char *kind = PQgetvalue(r->res, i, 0), *code = PQgetvalue(r->res, i, 1);
		char id[24];
		snprintf(id, sizeof(id), "%s:%s", kind, code);
		json_t *node = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "kind", kind, "code",
		                         code, "name", PQgetvalue(r->res, i, 2), "name_en",
		                         PQgetvalue(r->res, i, 3));
		if (strlen(code) == 2) {
			json_object_set_new(node, "children", json_array());
			json_array_append_new(tree, node);
			major = node;
			continue;
		}
		json_object_set_new(node, "default_unit_id",
		                    PQgetisnull(r->res, i, 4) ? json_null()
		                                              : json_integer(atoll(PQgetvalue(r->res, i, 4))));
		json_object_set_new(node, "limit", limit_json(r->res, i, 5));
		json_object_set_new(node, "urgent_limit", limit_json(r->res, i, 7));
		json_object_set_new(node, "urgent_by_default",
		                    json_boolean(PQgetvalue(r->res, i, 9)[0] == 't'));
		json_object_set_new(node, "after_photo_required",
		                    json_boolean(PQgetvalue(r->res, i, 10)[0] == 't'));
		if (major && strncmp(json_string_value(json_object_get(major, "code")), code, 2) == 0 &&
		    strcmp(json_string_value(json_object_get(major, "kind")), kind) == 0)
			json_array_append_new(json_object_get(major, "children"), node);
		else
			json_decref(node); /* a minor without its major cannot be stored */
	}
	http_reply_json(ctx, 200, json_pack("{s:o}", "categories", tree));
}

void categories_list(struct http_context *ctx)
{
	db_query(io_thread_db(ctx->thread), &statements[STMT_TREE], NULL, tree_loaded, ctx);
}

static void resolved(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK || PQntuples(r->res) != 1) {
		api_reply_db_failure(ctx, r);
		return;
	}
	const PGresult *res = r->res;
	if (atoi(PQgetvalue(res, 0, 0)) == 0) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such category", NULL);
		return;
	}
	if (atoi(PQgetvalue(res, 0, 1)) == 0) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no grid cell with this code", NULL);
		return;
	}
	if (PQgetisnull(res, 0, 7)) {
		http_reply_problem(ctx, PROBLEM_UNPROCESSABLE,
		                   "no routing rule matches and the category has no default unit", NULL);
		return;
	}
	json_t *rule = json_null();
	if (!PQgetisnull(res, 0, 2))
		rule = json_pack("{s:I, s:s, s:s, s:i, s:i}", "id", (json_int_t)atoll(PQgetvalue(res, 0, 2)),
		                 "category_code", PQgetvalue(res, 0, 3), "target", PQgetvalue(res, 0, 4),
		                 "priority", atoi(PQgetvalue(res, 0, 5)), "specificity",
		                 atoi(PQgetvalue(res, 0, 6)));
	http_reply_json(ctx, 200,
	                json_pack("{s:{s:I, s:s, s:s}, s:s, s:o}", "unit", "id",
	                          (json_int_t)atoll(PQgetvalue(res, 0, 7)), "code", PQgetvalue(res, 0, 8),
	                          "name", PQgetvalue(res, 0, 9), "source",
	                          PQgetisnull(res, 0, 2) ? "category_default" : "rule", "rule", rule));
}

void routing_resolve(struct http_context *ctx)
{
	char *category = api_query_param(ctx, "category");
	char *cell = api_query_param(ctx, "cell");
	char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1];
	json_t *errors = NULL;
	if (codes_parse_category_name(category, kind, code) < 0)
		problem_add_error(&errors, "/query/category",
		                  "a minor category as kind:code, e.g. event:0102 or component:0104");
	if (!cell || codes_check_grid_cell(cell, strlen(cell)) != CODES_OK)
		problem_add_error(&errors, "/query/cell", "a grid cell code");
	if (errors) {
		free(category);
		free(cell);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	const char *params[] = {kind, code, cell};
	db_query(io_thread_db(ctx->thread), &statements[STMT_RESOLVE], params, resolved, ctx);
	free(category);
	free(cell);
}

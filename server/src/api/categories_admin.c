/*
 * categories_admin.c - one category, changes to the taxonomy, and routing rules.
 *
 * GET    /v1/categories/{name}      one category, major ("event:01") or minor ("event:0102"),
 *                                   retired ones included
 * POST   /v1/categories             {kind, code, name, name_en, default_unit_id?, limit?,
 *                                    urgent_limit?, urgent_by_default?, after_photo_required?}
 *                                   (admins); a minor needs its major and a limit
 * PATCH  /v1/categories/{name}      any field but kind and code; active: false retires it
 * DELETE /v1/categories/{name}      only while nothing refers to it (cases, rules,
 *                                   campaigns, minors of a major): otherwise 409, retire it
 * GET    /v1/routing/rules?category=&area=&cell=    the rules, filtered (exact matches)
 * POST   /v1/routing/rules          {category, area_code | cell_code, unit_id, priority?, note?}
 * DELETE /v1/routing/rules/{id}
 *
 * The tree (GET /v1/categories) and routing resolution are in categories.c.
 * Limits are {value, unit} with the units of domain/deadline.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/authn.h"
#include "api/common.h"
#include "api/routes.h"
#include "domain/codes.h"
#include "domain/deadline.h"
#include "http/json_body.h"
#include "http/response.h"
#include "http/server.h"
#include "log.h"

/* Limits on category and rule fields (the table's CHECKs). */
#define CATEGORY_MAX_NAME_CHARS 60
#define CATEGORY_MAX_NAME_EN_CHARS 120
#define CATEGORY_MAX_LIMIT_VALUE 100000
#define RULE_MAX_PRIORITY 1000
#define RULE_MAX_NOTE_CHARS 200

/* A categories row c as JSON. */
#define CATEGORY_JSON                                                                                  \
	"json_build_object('id', c.kind || ':' || c.code, 'kind', c.kind, 'code', c.code,"                  \
	" 'major', CASE WHEN char_length(c.code) = 4 THEN c.kind || ':' || c.major END,"                   \
	" 'name', c.name_zh, 'name_en', c.name_en, 'default_unit_id', c.default_unit_id,"                  \
	" 'limit', CASE WHEN c.limit_value IS NOT NULL THEN"                                               \
	"  json_build_object('value', c.limit_value, 'unit', c.limit_unit) END,"                           \
	" 'urgent_limit', CASE WHEN c.urgent_limit_value IS NOT NULL THEN"                                 \
	"  json_build_object('value', c.urgent_limit_value, 'unit', c.urgent_limit_unit) END,"             \
	" 'urgent_by_default', c.urgent_by_default, 'after_photo_required', c.after_photo_required,"       \
	" 'active', c.active)"

/* A routing_rules row r (with its unit u) as JSON. */
#define RULE_JSON                                                                                   \
	"json_build_object('id', r.id, 'category', r.category_kind || ':' || r.category_code,"          \
	" 'area_code', r.area_code, 'cell_code', r.cell_code,"                                          \
	" 'unit', json_build_object('id', u.id, 'code', u.code, 'name', u.name),"                       \
	" 'priority', r.priority, 'note', r.note)"

static struct db_statement statements[] = {
	{"categories_get", "SELECT " CATEGORY_JSON " FROM categories c WHERE c.kind = $1 AND c.code = $2",
	 2, 0},
	{"categories_create",
	 "INSERT INTO categories AS c (kind, code, name_zh, name_en, default_unit_id, limit_value,"
	 " limit_unit, urgent_limit_value, urgent_limit_unit, urgent_by_default, after_photo_required)"
	 " VALUES ($1, $2, $3, $4, nullif($5, '')::bigint, $6::int, $7, $8::int, $9,"
	 "  coalesce($10::boolean, false), coalesce($11::boolean, true))"
	 " RETURNING " CATEGORY_JSON,
	 11, 0},
	{"categories_update",
	 "UPDATE categories AS c SET"
	 " name_zh = coalesce($3, name_zh), name_en = coalesce($4, name_en),"
	 " default_unit_id = CASE WHEN $5::boolean THEN nullif($6, '')::bigint ELSE default_unit_id END,"
	 " limit_value = CASE WHEN $7::boolean THEN $8::int ELSE limit_value END,"
	 " limit_unit = CASE WHEN $7::boolean THEN $9 ELSE limit_unit END,"
	 " urgent_limit_value = CASE WHEN $10::boolean THEN $11::int ELSE urgent_limit_value END,"
	 " urgent_limit_unit = CASE WHEN $10::boolean THEN $12 ELSE urgent_limit_unit END,"
	 " urgent_by_default = coalesce($13::boolean, urgent_by_default),"
	 " after_photo_required = coalesce($14::boolean, after_photo_required),"
	 " active = coalesce($15::boolean, active)"
	 " WHERE c.kind = $1 AND c.code = $2 RETURNING " CATEGORY_JSON,
	 15, 0},
	{"categories_delete", "DELETE FROM categories WHERE kind = $1 AND code = $2 RETURNING 1", 2, 0},
	{"routing_rules_list",
	 "SELECT coalesce(json_agg(" RULE_JSON " ORDER BY r.id), '[]')"
	 " FROM routing_rules r JOIN units u ON u.id = r.unit_id"
	 " WHERE ($1 = '' OR (r.category_kind = $1 AND r.category_code = $2))"
	 "  AND ($3 = '' OR r.area_code = $3) AND ($4 = '' OR r.cell_code = $4)",
	 4, 0},
	{"routing_rules_create",
	 "WITH r AS (INSERT INTO routing_rules (category_kind, category_code, area_code, cell_code,"
	 "  unit_id, priority, note)"
	 "  VALUES ($1, $2, nullif($3, ''), nullif($4, ''), $5::bigint, $6::int, $7) RETURNING *)"
	 " SELECT " RULE_JSON " FROM r JOIN units u ON u.id = r.unit_id",
	 7, 0},
	{"routing_rules_delete", "DELETE FROM routing_rules WHERE id = $1::bigint RETURNING id", 1, 0},
};
enum {
	STMT_GET,
	STMT_CREATE,
	STMT_UPDATE,
	STMT_DELETE,
	STMT_RULES_LIST,
	STMT_RULES_CREATE,
	STMT_RULES_DELETE,
};

int categories_admin_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

/* ---- small parsers ---- */

/*
 * The category of the path ("event:0102", the colon possibly written %3A):
 * kind and code, or false when it is not a category name.
 */
static bool path_category(struct http_context *ctx, char kind[CODES_KIND_MAX],
                          char code[CODES_CATEGORY_LEN + 1])
{
	size_t len, n = 0;
	const char *s = route_param(&ctx->match, "name", &len);
	char text[24];
	for (size_t i = 0; s && i < len; i++) {
		if (n + 1 >= sizeof(text))
			return false;
		if (s[i] == '%' && i + 2 < len && s[i + 1] == '3' && (s[i + 2] == 'A' || s[i + 2] == 'a')) {
			text[n++] = ':';
			i += 2;
		} else {
			text[n++] = s[i];
		}
	}
	return s && codes_parse_category_ref(text, n, kind, code) == 0;
}


/* Answers the JSON document in column 0 of the one row of r with status, or 404 with detail. */
static void reply_document(struct http_context *ctx, const struct db_result *r, int status,
                           const char *not_found)
{
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) != 1) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, not_found, NULL);
		return;
	}
	json_error_t je;
	json_t *doc = json_loads(PQgetvalue(r->res, 0, 0), 0, &je);
	if (!doc) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	http_reply_json(ctx, status, doc);
}

/* ---- one category ---- */

static void got_category(const struct db_result *r, void *arg)
{
	reply_document(arg, r, 200, "no such category");
}

void categories_get(struct http_context *ctx)
{
	char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1];
	if (!path_category(ctx, kind, code)) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such category: names look like event:01 or event:0102",
		                   NULL);
		return;
	}
	const char *params[] = {kind, code};
	db_query(io_thread_db(ctx->thread), &statements[STMT_GET], params, got_category, ctx);
}

/* ---- fields of create and update ---- */

/* A limit as SQL parameters: value and unit text, both NULL for none. */
struct limit_param {
	bool given;             /* the field was in the body (null included) */
	char value[16];
	const char *unit;       /* deadline_unit_name(), static */
};

/* Reads an optional limit field; -1 (with an error added) when malformed. */
static int check_limit(json_t *body, const char *field, struct limit_param *out, json_t **errors)
{
	json_t *v = json_object_get(body, field);
	char pointer[32];
	snprintf(pointer, sizeof(pointer), "/%s", field);
	memset(out, 0, sizeof(*out));
	if (!v)
		return 0;
	out->given = true;
	if (json_is_null(v))
		return 0;
	json_t *value = json_object_get(v, "value"), *unit = json_object_get(v, "unit");
	enum deadline_unit u;
	if (!json_is_object(v) || json_object_size(v) != 2 || !json_is_integer(value) ||
	    json_integer_value(value) < 1 || json_integer_value(value) > CATEGORY_MAX_LIMIT_VALUE ||
	    !json_is_string(unit) ||
	    deadline_unit_from_name(json_string_value(unit), json_string_length(unit), &u) < 0) {
		problem_add_error(errors, pointer,
		                  "{value: 1 to 100000, unit: working_minutes, working_hours, working_days, "
		                  "calendar_minutes, calendar_hours or calendar_days}, or null");
		return -1;
	}
	snprintf(out->value, sizeof(out->value), "%lld", (long long)json_integer_value(value));
	out->unit = deadline_unit_name(u);
	return 0;
}

/* Pointers into the request body, which lives until the reply. */
struct category_fields {
	const char *kind, *code, *name, *name_en;
	bool has_unit;
	char unit[24];          /* "" = no default unit */
	struct limit_param limit, urgent_limit;
	const char *urgent_by_default, *after_photo_required, *active;   /* "true", "false" or NULL */
};

static const char *bool_field(json_t *body, const char *field, json_t **errors)
{
	json_t *v = json_object_get(body, field);
	if (!v)
		return NULL;
	if (!json_is_boolean(v)) {
		char pointer[32];
		snprintf(pointer, sizeof(pointer), "/%s", field);
		problem_add_error(errors, pointer, "true or false");
		return NULL;
	}
	return json_is_true(v) ? "true" : "false";
}

/*
 * Checks the fields of a create (creating) or an update of category
 * kind:code (the code decides whether it is a minor, which needs a limit).
 */
static void check_category(json_t *body, struct category_fields *f, bool creating,
                           const char *path_code, json_t **errors)
{
	json_t *v;
	memset(f, 0, sizeof(*f));
	bool minor = false;
	if (creating) {
		v = json_object_get(body, "kind");
		f->kind = json_string_value(v);
		if (!f->kind || (strcmp(f->kind, "event") != 0 && strcmp(f->kind, "component") != 0)) {
			problem_add_error(errors, "/kind", "required: event (事件) or component (部件)");
			f->kind = NULL;
		}
		v = json_object_get(body, "code");
		const char *code = json_string_value(v);
		size_t n = code ? json_string_length(v) : 0;
		if (code && n == CODES_CATEGORY_MAJOR_LEN && codes_check_category_major(code, n) == CODES_OK)
			f->code = code;
		else if (code && n == CODES_CATEGORY_LEN && codes_check_category(code, n) == CODES_OK)
			f->code = code, minor = true;
		else
			problem_add_error(errors, "/code",
			                  "required: a major (2 digits, 01-99) or a minor (major + 2 digits, 01-99)");
	} else {
		minor = strlen(path_code) == CODES_CATEGORY_LEN;
		if (json_object_get(body, "kind"))
			problem_add_error(errors, "/kind", "the kind of a category cannot be changed");
		if (json_object_get(body, "code"))
			problem_add_error(errors, "/code", "the code of a category cannot be changed");
	}
	if ((v = json_object_get(body, "name")) || creating) {
		if (!(f->name = json_text(v, 1, CATEGORY_MAX_NAME_CHARS)))
			problem_add_error(errors, "/name", "required: the Chinese name, 1 to 60 characters");
	}
	if ((v = json_object_get(body, "name_en")) || creating) {
		if (!(f->name_en = json_text(v, 1, CATEGORY_MAX_NAME_EN_CHARS)))
			problem_add_error(errors, "/name_en", "required: the English name, 1 to 120 characters");
	}
	if ((v = json_object_get(body, "default_unit_id"))) {
		f->has_unit = true;
		if (json_is_integer(v) && json_integer_value(v) >= 1)
			snprintf(f->unit, sizeof(f->unit), "%lld", (long long)json_integer_value(v));
		else if (!json_is_null(v))
			problem_add_error(errors, "/default_unit_id", "a unit id, or null");
	}
	bool limit_ok = check_limit(body, "limit", &f->limit, errors) == 0;
	check_limit(body, "urgent_limit", &f->urgent_limit, errors);
	if (minor && limit_ok && !f->limit.unit && (creating || f->limit.given))
		problem_add_error(errors, "/limit", "a minor category needs a handling time limit {value, unit}");
	f->urgent_by_default = bool_field(body, "urgent_by_default", errors);
	f->after_photo_required = bool_field(body, "after_photo_required", errors);
	if (json_object_get(body, "active") && creating)
		problem_add_error(errors, "/active", "new categories are active; retire one with PATCH");
	else
		f->active = bool_field(body, "active", errors);
	static const char *const known[] = {"kind", "code", "name", "name_en", "default_unit_id", "limit",
	                                    "urgent_limit", "urgent_by_default", "after_photo_required",
	                                    "active", NULL};
	api_check_known_fields(body, "", known, errors);
}

/* Maps constraint violations of a category write; false when r is not one of them. */
static bool reply_category_constraint(struct http_context *ctx, const struct db_result *r)
{
	if (r->status != DB_SQL_ERROR)
		return false;
	json_t *errors = NULL;
	if (strcmp(r->sqlstate, "23505") == 0) {
		http_reply_problem(ctx, PROBLEM_CONFLICT, "this category exists already", NULL);
		return true;
	}
	if (strcmp(r->sqlstate, "23503") == 0) {
		bool major = strstr(r->message, "minor_has_its_major") != NULL;
		problem_add_error(&errors, major ? "/code" : "/default_unit_id",
		                  major ? "the major of this minor does not exist: create it first"
		                        : "no unit with this id");
		http_reply_problem(ctx, PROBLEM_UNPROCESSABLE,
		                   major ? "a minor category needs its major" : "the default unit does not exist",
		                   errors);
		return true;
	}
	if (strcmp(r->sqlstate, "23514") == 0) {
		if (strstr(r->message, "minor_has_a_limit"))
			problem_add_error(&errors, "/limit", "a minor category needs a handling time limit");
		http_reply_problem(ctx, PROBLEM_VALIDATION, "a field does not satisfy the category rules", errors);
		return true;
	}
	return false;
}

/* ---- create ---- */

static void category_created(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		if (!reply_category_constraint(ctx, r))
			api_reply_db_failure(ctx, r);
		return;
	}
	json_error_t je;
	json_t *doc = json_loads(PQgetvalue(r->res, 0, 0), 0, &je);
	const char *id = json_string_value(json_object_get(doc, "id"));
	if (!id) {
		json_decref(doc);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	char location[64];
	snprintf(location, sizeof(location), "/v1/categories/%s", id);
	http_set_header(ctx, "Location", location);
	const char *fields[] = {"request_id", ctx->request_id, "by", ctx->auth->login, "category", id,
	                        NULL, NULL};
	log_event(LOG_LEVEL_INFO, "category created", fields);
	http_reply_json(ctx, 201, doc);
}

void categories_create(struct http_context *ctx)
{
	json_t *errors = NULL;
	struct category_fields f;
	check_category(ctx->body, &f, true, NULL, &errors);
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	const char *params[] = {f.kind,
	                        f.code,
	                        f.name,
	                        f.name_en,
	                        f.unit,
	                        f.limit.unit ? f.limit.value : NULL,
	                        f.limit.unit,
	                        f.urgent_limit.unit ? f.urgent_limit.value : NULL,
	                        f.urgent_limit.unit,
	                        f.urgent_by_default,
	                        f.after_photo_required};
	db_query(io_thread_db(ctx->thread), &statements[STMT_CREATE], params, category_created, ctx);
}

/* ---- update ---- */

static void category_updated(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK && reply_category_constraint(ctx, r))
		return;
	if (r->status == DB_OK && PQntuples(r->res) == 1) {
		const char *fields[] = {"request_id", ctx->request_id, "by", ctx->auth->login, NULL, NULL};
		log_event(LOG_LEVEL_INFO, "category updated", fields);
	}
	reply_document(ctx, r, 200, "no such category");
}

void categories_update(struct http_context *ctx)
{
	char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1];
	if (!path_category(ctx, kind, code)) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such category", NULL);
		return;
	}
	json_t *errors = NULL;
	struct category_fields f;
	check_category(ctx->body, &f, false, code, &errors);
	if (!errors && json_object_size(ctx->body) == 0)
		problem_add_error(&errors, "", "nothing to change");
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	const char *t = "true", *no = "false";
	const char *params[] = {kind,
	                        code,
	                        f.name,
	                        f.name_en,
	                        f.has_unit ? t : no,
	                        f.unit,
	                        f.limit.given ? t : no,
	                        f.limit.unit ? f.limit.value : NULL,
	                        f.limit.unit,
	                        f.urgent_limit.given ? t : no,
	                        f.urgent_limit.unit ? f.urgent_limit.value : NULL,
	                        f.urgent_limit.unit,
	                        f.urgent_by_default,
	                        f.after_photo_required,
	                        f.active};
	db_query(io_thread_db(ctx->thread), &statements[STMT_UPDATE], params, category_updated, ctx);
}

/* ---- delete ---- */

static void category_deleted(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status == DB_SQL_ERROR && strcmp(r->sqlstate, "23503") == 0) {
		http_reply_problem(ctx, PROBLEM_CONFLICT,
		                   "in use (by cases, routing rules, campaigns or minor categories): "
		                   "set active to false instead",
		                   NULL);
		return;
	}
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) != 1) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such category", NULL);
		return;
	}
	const char *fields[] = {"request_id", ctx->request_id, "by", ctx->auth->login, NULL, NULL};
	log_event(LOG_LEVEL_INFO, "category deleted", fields);
	http_reply_empty(ctx, 204);
}

void categories_delete(struct http_context *ctx)
{
	char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1];
	if (!path_category(ctx, kind, code)) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such category", NULL);
		return;
	}
	const char *params[] = {kind, code};
	db_query(io_thread_db(ctx->thread), &statements[STMT_DELETE], params, category_deleted, ctx);
}

/* ---- routing rules ---- */

static void rules_listed(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	json_error_t je;
	json_t *rules = json_loads(PQgetvalue(r->res, 0, 0), 0, &je);
	if (!rules) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	http_reply_json(ctx, 200, json_pack("{s:o}", "rules", rules));
}

/* An area code of a district (6), street (9) or community (12). */
static bool area_ok(const char *s, size_t n)
{
	return (n == CODES_DISTRICT_LEN && codes_check_district(s, n) == CODES_OK) ||
	       (n == CODES_STREET_LEN && codes_check_street(s, n) == CODES_OK) ||
	       (n == CODES_COMMUNITY_LEN && codes_check_community(s, n) == CODES_OK);
}

void routing_rules_list(struct http_context *ctx)
{
	char *category = api_query_param(ctx, "category");
	char *area = api_query_param(ctx, "area");
	char *cell = api_query_param(ctx, "cell");
	char kind[CODES_KIND_MAX] = "", code[CODES_CATEGORY_LEN + 1] = "";
	json_t *errors = NULL;
	if (category && *category &&
	    codes_parse_category_ref(category, strlen(category), kind, code) < 0)
		problem_add_error(&errors, "/query/category", "a major or minor category, e.g. event:01 or event:0102");
	if (area && *area && !area_ok(area, strlen(area)))
		problem_add_error(&errors, "/query/area", "a district (6), street (9) or community (12) code");
	if (cell && *cell && codes_check_grid_cell(cell, strlen(cell)) != CODES_OK)
		problem_add_error(&errors, "/query/cell", "a grid cell code");
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
	} else {
		const char *params[] = {kind, code, area ? area : "", cell ? cell : ""};
		db_query(io_thread_db(ctx->thread), &statements[STMT_RULES_LIST], params, rules_listed, ctx);
	}
	free(category);
	free(area);
	free(cell);
}

static void rule_created(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status == DB_SQL_ERROR && strcmp(r->sqlstate, "23503") == 0) {
		const char *m = r->message;
		const char *pointer = strstr(m, "area_code") ? "/area_code"
		                      : strstr(m, "cell_code") ? "/cell_code"
		                      : strstr(m, "unit_id")   ? "/unit_id"
		                                               : "/category";
		const char *detail = strcmp(pointer, "/area_code") == 0   ? "no area with this code"
		                     : strcmp(pointer, "/cell_code") == 0 ? "no grid cell with this code"
		                     : strcmp(pointer, "/unit_id") == 0   ? "no unit with this id"
		                                                          : "no such category";
		json_t *errors = NULL;
		problem_add_error(&errors, pointer, detail);
		http_reply_problem(ctx, PROBLEM_UNPROCESSABLE, detail, errors);
		return;
	}
	if (r->status != DB_OK || PQntuples(r->res) != 1) {
		api_reply_db_failure(ctx, r);
		return;
	}
	json_error_t je;
	json_t *rule = json_loads(PQgetvalue(r->res, 0, 0), 0, &je);
	if (!rule) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	char location[64], id[24];
	snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(rule, "id")));
	snprintf(location, sizeof(location), "/v1/routing/rules/%s", id);
	http_set_header(ctx, "Location", location);
	const char *fields[] = {"request_id", ctx->request_id, "by", ctx->auth->login, "rule", id,
	                        NULL, NULL};
	log_event(LOG_LEVEL_INFO, "routing rule created", fields);
	http_reply_json(ctx, 201, rule);
}

void routing_rules_create(struct http_context *ctx)
{
	json_t *body = ctx->body, *errors = NULL, *v;
	char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1], unit[24] = "", priority[16] = "0";
	v = json_object_get(body, "category");
	if (!json_is_string(v) ||
	    codes_parse_category_ref(json_string_value(v), json_string_length(v), kind, code) < 0)
		problem_add_error(&errors, "/category",
		                  "required: a major or minor category, e.g. event:01 or event:0102");
	json_t *area = json_object_get(body, "area_code"), *cell = json_object_get(body, "cell_code");
	if (json_is_null(area))
		area = NULL;
	if (json_is_null(cell))
		cell = NULL;
	if (!area == !cell)
		problem_add_error(&errors, "", "give area_code or cell_code: exactly one");
	if (area && (!json_is_string(area) || !area_ok(json_string_value(area), json_string_length(area))))
		problem_add_error(&errors, "/area_code", "a district (6), street (9) or community (12) code");
	if (cell && (!json_is_string(cell) ||
	             codes_check_grid_cell(json_string_value(cell), json_string_length(cell)) != CODES_OK))
		problem_add_error(&errors, "/cell_code", "a grid cell code");
	v = json_object_get(body, "unit_id");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		problem_add_error(&errors, "/unit_id", "required: the id of the unit cases go to");
	else
		snprintf(unit, sizeof(unit), "%lld", (long long)json_integer_value(v));
	if ((v = json_object_get(body, "priority"))) {
		if (!json_is_integer(v) || json_integer_value(v) < -RULE_MAX_PRIORITY ||
		    json_integer_value(v) > RULE_MAX_PRIORITY)
			problem_add_error(&errors, "/priority", "a whole number from -1000 to 1000 (higher wins a tie)");
		else
			snprintf(priority, sizeof(priority), "%lld", (long long)json_integer_value(v));
	}
	const char *note = NULL;
	if ((v = json_object_get(body, "note")) && !json_is_null(v) &&
	    !(note = json_text(v, 1, RULE_MAX_NOTE_CHARS)))
		problem_add_error(&errors, "/note", "1 to 200 characters, or null");
	static const char *const known[] = {"category", "area_code", "cell_code", "unit_id", "priority",
	                                    "note", NULL};
	api_check_known_fields(body, "", known, &errors);
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	const char *params[] = {kind, code, area ? json_string_value(area) : "",
	                        cell ? json_string_value(cell) : "", unit, priority, note};
	db_query(io_thread_db(ctx->thread), &statements[STMT_RULES_CREATE], params, rule_created, ctx);
}

static void rule_deleted(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) != 1) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such routing rule", NULL);
		return;
	}
	const char *fields[] = {"request_id", ctx->request_id, "by", ctx->auth->login, "rule",
	                        PQgetvalue(r->res, 0, 0), NULL, NULL};
	log_event(LOG_LEVEL_INFO, "routing rule deleted", fields);
	http_reply_empty(ctx, 204);
}

void routing_rules_delete(struct http_context *ctx)
{
	long long id = api_path_id(ctx, "id");
	if (!id) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such routing rule", NULL);
		return;
	}
	char text[24];
	snprintf(text, sizeof(text), "%lld", id);
	const char *params[] = {text};
	db_query(io_thread_db(ctx->thread), &statements[STMT_RULES_DELETE], params, rule_deleted, ctx);
}

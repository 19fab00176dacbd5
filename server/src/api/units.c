/*
 * units.c - units (责任单位 / 牵头单位): the organisations that fix problems.
 *
 * GET   /v1/units[?active=true|false]   every unit, with the ids of its direct
 *                                        sub-units (children, within the filter)
 * GET   /v1/units/{id}
 * POST  /v1/units                        {code, name, parent_id?, phone?, active?} (admins)
 * PATCH /v1/units/{id}                   any of code, name, parent_id, phone, active (admins)
 *
 * Units nest (bureau -> team). A parent must exist, and a unit never becomes
 * its own ancestor: the update walks up from the new parent with a recursive
 * query and refuses a loop, under a transaction-scoped advisory lock so two
 * concurrent moves cannot close one between them. Accounts, categories,
 * routing rules, campaigns and cases point at units, so there is no DELETE:
 * a unit that is gone is set to active = false.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/authn.h"
#include "api/common.h"
#include "api/routes.h"
#include "http/json_body.h"
#include "http/response.h"
#include "http/server.h"
#include "log.h"

/* One unit as JSON; $1 filters the children ('' = all, 'true', 'false'). */
#define UNIT_JSON                                                                              \
	"json_build_object('id', u.id, 'code', u.code, 'name', u.name, 'parent_id', u.parent_id," \
	" 'phone', u.phone, 'active', u.active, 'children', coalesce((SELECT json_agg(c.id"        \
	" ORDER BY c.id) FROM units c WHERE c.parent_id = u.id"                                     \
	" AND ($1 = '' OR c.active = ($1 = 'true'))), '[]'))"

static struct db_statement statements[] = {
	{"units_list",
	 "SELECT coalesce(json_agg(" UNIT_JSON " ORDER BY u.id), '[]') FROM units u"
	 " WHERE $1 = '' OR u.active = ($1 = 'true')",
	 1, 0},
	{"units_get", "SELECT " UNIT_JSON " FROM units u WHERE u.id = $2::bigint", 2, 0},
	{"units_create",
	 "INSERT INTO units (code, name, parent_id, phone, active)"
	 " VALUES ($1, $2, nullif($3, '')::bigint, nullif($4, ''), coalesce($5::boolean, true))"
	 " RETURNING id",
	 5, 0},
	/* Moves of units in the tree take turns (held until the commit). */
	{"units_tree_lock", "SELECT pg_advisory_xact_lock(hashtext('gridd.units.tree')) WHERE $1::boolean",
	 1, 0},
	/* Columns: the unit exists, the new parent would close a loop, it was updated. */
	{"units_update",
	 "WITH RECURSIVE chain (id) AS ("
	 "   SELECT nullif($6, '')::bigint WHERE $5::boolean AND $6 <> ''"
	 "  UNION"
	 "   SELECT p.parent_id FROM units p JOIN chain ON p.id = chain.id WHERE p.parent_id IS NOT NULL),"
	 " loop AS (SELECT EXISTS (SELECT 1 FROM chain WHERE chain.id = $1::bigint) AS found),"
	 " changed AS (UPDATE units SET"
	 "   code = coalesce($2, code),"
	 "   name = coalesce($3, name),"
	 "   active = coalesce($4::boolean, active),"
	 "   parent_id = CASE WHEN $5::boolean THEN nullif($6, '')::bigint ELSE parent_id END,"
	 "   phone = CASE WHEN $7::boolean THEN nullif($8, '') ELSE phone END"
	 "  WHERE id = $1::bigint AND NOT (SELECT found FROM loop) RETURNING id)"
	 " SELECT EXISTS (SELECT 1 FROM units WHERE id = $1::bigint), (SELECT found FROM loop),"
	 "  EXISTS (SELECT 1 FROM changed)",
	 8, 0},
};
enum { STMT_LIST, STMT_GET, STMT_CREATE, STMT_TREE_LOCK, STMT_UPDATE };

int units_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}


/* The table's CHECKs, in C: code ^[A-Za-z0-9_.-]{1,32}$, phone ^\+?[0-9][0-9 -]{4,19}$. */
static bool code_ok(const char *s, size_t n)
{
	return n >= 1 && n <= 32 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static bool phone_ok(const char *s, size_t n)
{
	size_t i = n > 0 && s[0] == '+' ? 1 : 0;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return false;
	i++;
	return n - i >= 4 && n - i <= 19 && strspn(s + i, "0123456789 -") == n - i;
}

/* ---- reads ---- */

static void listed(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	json_error_t je;
	json_t *units = json_loads(PQgetvalue(r->res, 0, 0), 0, &je);
	if (!units) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	http_reply_json(ctx, 200, json_pack("{s:o}", "units", units));
}

void units_list(struct http_context *ctx)
{
	char *active = api_query_param(ctx, "active");
	if (active && *active && strcmp(active, "true") != 0 && strcmp(active, "false") != 0) {
		free(active);
		json_t *errors = NULL;
		problem_add_error(&errors, "/query/active", "true or false");
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	const char *params[] = {active ? active : ""};
	db_query(io_thread_db(ctx->thread), &statements[STMT_LIST], params, listed, ctx);
	free(active);
}

/* Answers the unit of a units_get row with `status`, or 404. */
static void reply_unit_row(struct http_context *ctx, const struct db_result *r, int status)
{
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) != 1) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such unit", NULL);
		return;
	}
	json_error_t je;
	json_t *unit = json_loads(PQgetvalue(r->res, 0, 0), 0, &je);
	if (!unit) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	http_reply_json(ctx, status, unit);
}

static void got_unit(const struct db_result *r, void *arg)
{
	reply_unit_row(arg, r, 200);
}

static void got_created_unit(const struct db_result *r, void *arg)
{
	reply_unit_row(arg, r, 201);
}

/* Loads unit id and answers it: 201 when just created, else 200. */
static void reply_unit(struct http_context *ctx, long long id, bool created)
{
	char text[24];
	snprintf(text, sizeof(text), "%lld", id);
	const char *params[] = {"", text};
	db_query(io_thread_db(ctx->thread), &statements[STMT_GET], params,
	         created ? got_created_unit : got_unit, ctx);
}

void units_get(struct http_context *ctx)
{
	long long id = api_path_id(ctx, "id");
	if (!id) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such unit", NULL);
		return;
	}
	reply_unit(ctx, id, false);
}

/* ---- fields shared by create and update ---- */

/* Pointers into the request body, which lives until the reply. */
struct unit_fields {
	const char *code, *name, *phone;
	char parent[24];              /* "" = no parent */
	bool has_parent, has_phone, has_active, active;
};

static void check_fields(json_t *body, struct unit_fields *f, bool creating, json_t **errors)
{
	json_t *v;
	memset(f, 0, sizeof(*f));
	if ((v = json_object_get(body, "code")) || creating) {
		if (!json_is_string(v) || !code_ok(json_string_value(v), json_string_length(v)))
			problem_add_error(errors, "/code", "required: 1 to 32 letters, digits, . _ -");
		else
			f->code = json_string_value(v);
	}
	if ((v = json_object_get(body, "name")) || creating) {
		if (!(f->name = json_text(v, 1, 100)))
			problem_add_error(errors, "/name", "required: 1 to 100 characters");
	}
	if ((v = json_object_get(body, "parent_id"))) {
		f->has_parent = true;
		if (json_is_integer(v) && json_integer_value(v) >= 1)
			snprintf(f->parent, sizeof(f->parent), "%lld", (long long)json_integer_value(v));
		else if (!json_is_null(v))
			problem_add_error(errors, "/parent_id", "the id of another unit, or null for a top-level unit");
	}
	if ((v = json_object_get(body, "phone"))) {
		f->has_phone = true;
		if (json_is_null(v))
			f->phone = "";
		else if (!json_is_string(v) || !phone_ok(json_string_value(v), json_string_length(v)))
			problem_add_error(errors, "/phone",
			                  "a phone number (digits, spaces and -, optionally +, 5 to 21 characters) or null");
		else
			f->phone = json_string_value(v);
	}
	if ((v = json_object_get(body, "active"))) {
		f->has_active = true;
		if (!json_is_boolean(v))
			problem_add_error(errors, "/active", "true or false");
		f->active = json_is_true(v);
	}
	static const char *const known[] = {"code", "name", "parent_id", "phone", "active", NULL};
	api_check_known_fields(body, "", known, errors);
}

/* Maps constraint violations to answers; false when r is not one of them. */
static bool reply_constraint(struct http_context *ctx, const struct db_result *r)
{
	if (r->status != DB_SQL_ERROR)
		return false;
	if (strcmp(r->sqlstate, "23505") == 0) {
		http_reply_problem(ctx, PROBLEM_CONFLICT, "a unit with this code already exists", NULL);
		return true;
	}
	if (strcmp(r->sqlstate, "23503") == 0) {
		json_t *errors = NULL;
		problem_add_error(&errors, "/parent_id", "no unit with this id");
		http_reply_problem(ctx, PROBLEM_UNPROCESSABLE, "the parent unit does not exist", errors);
		return true;
	}
	if (strcmp(r->sqlstate, "23514") == 0) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, "a field does not satisfy the unit rules", NULL);
		return true;
	}
	return false;
}

/* ---- create ---- */

static void created(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		if (!reply_constraint(ctx, r))
			api_reply_db_failure(ctx, r);
		return;
	}
	long long id = atoll(PQgetvalue(r->res, 0, 0));
	char text[24], location[48];
	snprintf(text, sizeof(text), "%lld", id);
	const char *fields[] = {"request_id", ctx->request_id, "by", ctx->auth->login, "unit", text,
	                        NULL, NULL};
	log_event(LOG_LEVEL_INFO, "unit created", fields);
	snprintf(location, sizeof(location), "/v1/units/%lld", id);
	http_set_header(ctx, "Location", location);
	reply_unit(ctx, id, true);
}

void units_create(struct http_context *ctx)
{
	json_t *errors = NULL;
	struct unit_fields f;
	check_fields(ctx->body, &f, true, &errors);
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	const char *params[] = {f.code, f.name, f.parent, f.phone ? f.phone : "",
	                        f.has_active ? (f.active ? "true" : "false") : NULL};
	db_query(io_thread_db(ctx->thread), &statements[STMT_CREATE], params, created, ctx);
}

/* ---- update ---- */

struct unit_write {
	struct http_context *ctx;
	struct unit_fields f;
	long long id;
	struct db_conn *lease;
};

static void updated(const struct db_batch_result *r, void *arg)
{
	struct unit_write *w = arg;
	struct http_context *ctx = w->ctx;
	long long id = w->id;
	db_release(w->lease);
	free(w);
	if (r->status != DB_OK) {
		struct db_result one = {r->status, NULL, r->sqlstate, r->message};
		if (!reply_constraint(ctx, &one))
			api_reply_db_failure(ctx, &one);
		return;
	}
	const PGresult *res = r->results[1];
	if (PQgetvalue(res, 0, 0)[0] != 't') {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such unit", NULL);
		return;
	}
	if (PQgetvalue(res, 0, 1)[0] == 't') {
		json_t *errors = NULL;
		problem_add_error(&errors, "/parent_id",
		                  "this unit is the new parent itself or one of its ancestors: units cannot nest in a loop");
		http_reply_problem(ctx, PROBLEM_UNPROCESSABLE, "the unit would become its own ancestor", errors);
		return;
	}
	char text[24];
	snprintf(text, sizeof(text), "%lld", id);
	const char *fields[] = {"request_id", ctx->request_id, "by", ctx->auth->login, "unit", text,
	                        NULL, NULL};
	log_event(LOG_LEVEL_INFO, "unit updated", fields);
	reply_unit(ctx, id, false);
}

static void update_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct unit_write *w = arg;
	if (status != DB_OK) {
		struct http_context *ctx = w->ctx;
		free(w);
		api_reply_db_status(ctx, status);
		return;
	}
	w->lease = lease;
	const struct unit_fields *f = &w->f;
	const char *t = "true", *no = "false";
	char id[24];
	snprintf(id, sizeof(id), "%lld", w->id);
	const char *lock[] = {f->has_parent ? t : no};
	const char *update[] = {id, f->code, f->name, f->has_active ? (f->active ? t : no) : NULL,
	                        f->has_parent ? t : no, f->parent, f->has_phone ? t : no,
	                        f->phone ? f->phone : ""};
	struct db_batch_step steps[] = {
		{&statements[STMT_TREE_LOCK], lock},
		{&statements[STMT_UPDATE], update},
	};
	db_lease_batch(lease, steps, 2, updated, w);
}

void units_update(struct http_context *ctx)
{
	long long id = api_path_id(ctx, "id");
	if (!id) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such unit", NULL);
		return;
	}
	json_t *errors = NULL;
	struct unit_write *w = calloc(1, sizeof(*w));
	if (!w) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	w->ctx = ctx;
	w->id = id;
	check_fields(ctx->body, &w->f, false, &errors);
	if (!errors && json_object_size(ctx->body) == 0)
		problem_add_error(&errors, "", "nothing to change");
	if (errors) {
		free(w);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	db_acquire(io_thread_db(ctx->thread), update_leased, w);
}

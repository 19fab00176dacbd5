/*
 * users.c - accounts, for admins.
 *
 * GET   /v1/users?role=&active=&after=&limit=   keyset-paginated list
 * POST  /v1/users                                create (password checked and hashed)
 * GET   /v1/users/{id}
 * PATCH /v1/users/{id}                           any of display_name, phone, role, active,
 *                                                unit_id, area_code, cells, password
 *
 * Changing the role, the scope, the active flag or the password ends the
 * user's sessions at once (token_version + 1, refresh tokens revoked).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/authn.h"
#include "api/common.h"
#include "api/routes.h"
#include "app.h"
#include "auth/password_hash.h"
#include "auth/password_policy.h"
#include "http/response.h"
#include "http/server.h"
#include "log.h"

/* Times as RFC 3339 (to_json gives 2026-11-23T06:35:15.63+00:00). */
#define DETAIL_COLUMNS                                                                   \
	USER_COLUMNS ", coalesce(u.phone, ''), to_json(u.created_at) #>> '{}', "          \
	"to_json(u.updated_at) #>> '{}', to_json(u.last_login_at) #>> '{}'"

static struct db_statement statements[] = {
	{"users_list",
	 "SELECT " DETAIL_COLUMNS " FROM users u"
	 " WHERE ($1 = '' OR u.role = $1) AND ($2 = '' OR u.active = ($2 = 'true'))"
	 "   AND u.id > $3::bigint ORDER BY u.id LIMIT $4::int",
	 4, 0},
	{"users_get", "SELECT " DETAIL_COLUMNS " FROM users u WHERE u.id = $1::bigint", 1, 0},
	{"users_create",
	 "WITH u AS (INSERT INTO users (login, display_name, phone, role, unit_id, area_code, password_hash)"
	 "  VALUES ($1, $2, nullif($3, ''), $4, nullif($5, '')::bigint, nullif($6, ''), $7) RETURNING id),"
	 " c AS (INSERT INTO user_cells (user_id, cell_code)"
	 "  SELECT u.id, unnest(string_to_array(nullif($8, ''), ',')) FROM u)"
	 " SELECT id FROM u",
	 8, 0},
	{"users_update",
	 "UPDATE users SET"
	 " display_name = coalesce($2, display_name),"
	 " phone = CASE WHEN $3::boolean THEN nullif($4, '') ELSE phone END,"
	 " role = coalesce($5, role),"
	 " active = coalesce($6::boolean, active),"
	 " unit_id = CASE WHEN $7::boolean THEN nullif($8, '')::bigint ELSE unit_id END,"
	 " area_code = CASE WHEN $9::boolean THEN nullif($10, '') ELSE area_code END,"
	 " password_hash = coalesce($11, password_hash),"
	 " password_changed_at = CASE WHEN $11 IS NULL THEN password_changed_at ELSE now() END,"
	 " token_version = token_version + CASE WHEN $12::boolean THEN 1 ELSE 0 END,"
	 " updated_at = now()"
	 " WHERE id = $1::bigint RETURNING id",
	 12, 0},
	{"users_cells_clear", "DELETE FROM user_cells WHERE $2::boolean AND user_id = $1::bigint", 2, 0},
	{"users_cells_add",
	 "INSERT INTO user_cells (user_id, cell_code)"
	 " SELECT u.id, unnest(string_to_array(nullif($3, ''), ',')) FROM users u"
	 " WHERE $2::boolean AND u.id = $1::bigint",
	 3, 0},
	{"users_sessions_end",
	 "UPDATE refresh_tokens SET revoked_at = now()"
	 " WHERE $2::boolean AND user_id = $1::bigint AND revoked_at IS NULL",
	 2, 0},
};
enum { STMT_LIST, STMT_GET, STMT_CREATE, STMT_UPDATE, STMT_CELLS_CLEAR, STMT_CELLS_ADD, STMT_END };

int users_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

/* Full account JSON for admins, from a DETAIL_COLUMNS row. */
static json_t *user_detail_json(const PGresult *res, int row)
{
	int active;
	struct auth_user *u = authn_user_from_row(res, row, 0, &active);
	if (!u)
		return NULL;
	json_t *j = authn_user_json(u);
	auth_user_free(u);
	const char *phone = PQgetvalue(res, row, 9);
	json_object_set_new(j, "phone", *phone ? json_string(phone) : json_null());
	json_object_set_new(j, "active", json_boolean(active));
	json_object_set_new(j, "created_at", json_string(PQgetvalue(res, row, 10)));
	json_object_set_new(j, "updated_at", json_string(PQgetvalue(res, row, 11)));
	json_object_set_new(j, "last_login_at", PQgetisnull(res, row, 12)
	                                                ? json_null()
	                                                : json_string(PQgetvalue(res, row, 12)));
	return j;
}


/* Maps constraint violations to answers; false when r is not one of them. */
static bool reply_constraint(struct http_context *ctx, const struct db_result *r)
{
	if (r->status != DB_SQL_ERROR)
		return false;
	if (strcmp(r->sqlstate, "23505") == 0) {
		http_reply_problem(ctx, PROBLEM_CONFLICT, "an account with this login already exists", NULL);
		return true;
	}
	if (strcmp(r->sqlstate, "23514") == 0 || strcmp(r->sqlstate, "22P02") == 0 ||
	    strcmp(r->sqlstate, "23503") == 0) {
		http_reply_problem(ctx, PROBLEM_VALIDATION,
		                   strstr(r->message, "unit_staff_have_a_unit")
		                           ? "unit staff need a unit_id"
		                           : "a field does not satisfy the account rules",
		                   NULL);
		return true;
	}
	return false;
}

/* ---- list and get ---- */

struct user_page {
	struct http_context *ctx;
	int limit;              /* rows asked for; one more is fetched to know if more exist */
};

static void listed(const struct db_result *r, void *arg)
{
	struct user_page *page = arg;
	struct http_context *ctx = page->ctx;
	int limit = page->limit;
	free(page);
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	json_t *items = json_array();
	int n = PQntuples(r->res);
	for (int i = 0; i < n && i < limit; i++)
		json_array_append_new(items, user_detail_json(r->res, i));
	json_t *next = n > limit ? json_string(PQgetvalue(r->res, limit - 1, 0)) : json_null();
	http_reply_json(ctx, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
}

void users_list(struct http_context *ctx)
{
	char *role = api_query_param(ctx, "role");
	char *active = api_query_param(ctx, "active");
	json_t *errors = NULL;
	char *after = api_query_after_id(ctx, &errors);
	long limit = 50;
	if (role && *role && auth_role_from_name(role) < 0)
		problem_add_error(&errors, "/query/role", "one of grid_worker, dispatcher, unit_staff, supervisor, admin");
	if (active && *active && strcmp(active, "true") != 0 && strcmp(active, "false") != 0)
		problem_add_error(&errors, "/query/active", "true or false");
	limit = api_query_limit(ctx, 50, 200, &errors);
	if (errors) {
		free(role); free(active); free(after);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	struct user_page *page = calloc(1, sizeof(*page));
	if (!page) {
		free(role); free(active); free(after);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	page->ctx = ctx;
	page->limit = (int)limit;
	char fetch[24];
	snprintf(fetch, sizeof(fetch), "%ld", limit + 1);
	const char *params[] = {role ? role : "", active ? active : "", after ? after : "0", fetch};
	db_query(io_thread_db(ctx->thread), &statements[STMT_LIST], params, listed, page);
	free(role); free(active); free(after);
}

/* Answers the account in r with `status` (200, or 201 after a create). */
static void reply_user_row(struct http_context *ctx, const struct db_result *r, int status)
{
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) != 1) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such account", NULL);
		return;
	}
	http_reply_json(ctx, status, user_detail_json(r->res, 0));
}

static void got_user(const struct db_result *r, void *arg)
{
	reply_user_row(arg, r, 200);
}

static void got_created_user(const struct db_result *r, void *arg)
{
	reply_user_row(arg, r, 201);
}

/* Loads account id and answers it: 201 when just created, else 200. */
static void reply_user(struct http_context *ctx, long long id, bool created)
{
	char text[24];
	snprintf(text, sizeof(text), "%lld", id);
	const char *params[] = {text};
	db_query(io_thread_db(ctx->thread), &statements[STMT_GET], params,
	         created ? got_created_user : got_user, ctx);
}

void users_get(struct http_context *ctx)
{
	long long id = api_path_id(ctx, "id");
	if (!id) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such account", NULL);
		return;
	}
	reply_user(ctx, id, false);
}

/* ---- fields shared by create and update ---- */

struct user_fields {
	const char *login, *display_name, *phone, *role, *area_code, *password;
	bool has_phone, has_unit, has_area, has_cells, has_active, active;
	long long unit_id;
	char cells[4096];      /* comma-separated */
	size_t password_len;
};

static void check_fields(json_t *body, struct user_fields *f, bool creating, json_t **errors)
{
	json_t *v;
	memset(f, 0, sizeof(*f));
	if ((v = json_object_get(body, "login")) || creating) {
		if (!creating)
			problem_add_error(errors, "/login", "a login cannot be changed");
		else if (!json_is_string(v) || json_string_length(v) < 2 || json_string_length(v) > 64)
			problem_add_error(errors, "/login", "2 to 64 characters: letters, digits, . _ -");
		else
			f->login = json_string_value(v);
	}
	if ((v = json_object_get(body, "display_name")) || creating) {
		if (!json_is_string(v) || json_string_length(v) < 1 || json_string_length(v) > 300)
			problem_add_error(errors, "/display_name", "required, 1 to 100 characters");
		else
			f->display_name = json_string_value(v);
	}
	if ((v = json_object_get(body, "phone"))) {
		f->has_phone = true;
		if (json_is_null(v))
			f->phone = "";
		else if (!json_is_string(v) || json_string_length(v) > 20)
			problem_add_error(errors, "/phone", "a phone number or null");
		else
			f->phone = json_string_value(v);
	}
	if ((v = json_object_get(body, "role")) || creating) {
		if (!json_is_string(v) || auth_role_from_name(json_string_value(v)) < 0)
			problem_add_error(errors, "/role", "one of grid_worker, dispatcher, unit_staff, supervisor, admin");
		else
			f->role = json_string_value(v);
	}
	if ((v = json_object_get(body, "active"))) {
		if (creating || !json_is_boolean(v))
			problem_add_error(errors, "/active", creating ? "new accounts are active" : "true or false");
		f->has_active = true;
		f->active = json_is_true(v);
	}
	if ((v = json_object_get(body, "unit_id"))) {
		f->has_unit = true;
		if (json_is_null(v))
			f->unit_id = 0;
		else if (!json_is_integer(v) || json_integer_value(v) < 1)
			problem_add_error(errors, "/unit_id", "a unit id or null");
		else
			f->unit_id = json_integer_value(v);
	}
	if ((v = json_object_get(body, "area_code"))) {
		f->has_area = true;
		if (json_is_null(v))
			f->area_code = "";
		else if (!json_is_string(v) ||
		         (json_string_length(v) != 6 && json_string_length(v) != 9 && json_string_length(v) != 12) ||
		         strspn(json_string_value(v), "0123456789") != json_string_length(v))
			problem_add_error(errors, "/area_code", "a district (6), street (9) or community (12) code, or null");
		else
			f->area_code = json_string_value(v);
	}
	if ((v = json_object_get(body, "cells"))) {
		f->has_cells = true;
		size_t i, pos = 0;
		json_t *c;
		if (!json_is_array(v) || json_array_size(v) > 200)
			problem_add_error(errors, "/cells", "an array of at most 200 grid cell codes");
		else
			json_array_foreach(v, i, c) {
				char pointer[32];
				snprintf(pointer, sizeof(pointer), "/cells/%zu", i);
				size_t n = json_is_string(c) ? json_string_length(c) : 0;
				if (!json_is_string(c) || (n != 14 && n != 15) ||
				    strspn(json_string_value(c), "0123456789") != n) {
					problem_add_error(errors, pointer, "a grid cell code of 14 or 15 digits");
					continue;
				}
				pos += (size_t)snprintf(f->cells + pos, sizeof(f->cells) - pos, "%s%s",
				                        pos ? "," : "", json_string_value(c));
			}
	}
	if ((v = json_object_get(body, "password")) || creating) {
		if (!json_is_string(v)) {
			problem_add_error(errors, "/password", "required");
		} else {
			const char *login = f->login;
			enum password_verdict pv = password_policy_check(json_string_value(v),
			                                                 json_string_length(v), login);
			if (pv != PASSWORD_OK)
				problem_add_error(errors, "/password", password_verdict_text(pv));
			f->password = json_string_value(v);
			f->password_len = json_string_length(v);
		}
	}
	static const char *const known[] = {"login", "display_name", "phone", "role", "active", "unit_id",
	                       "area_code", "cells", "password", NULL};
	api_check_known_fields(body, "", known, errors);
}

/* ---- create ---- */

struct user_write {
	struct http_context *ctx;
	struct user_fields f;
	long long id;
	struct db_conn *lease;
	char hash[PASSWORD_HASH_MAX];
	bool has_hash;
};

static void write_free(struct user_write *w)
{
	explicit_bzero(w, sizeof(*w));
	free(w);
}

static void created(const struct db_result *r, void *arg)
{
	struct user_write *w = arg;
	struct http_context *ctx = w->ctx;
	if (r->status != DB_OK) {
		write_free(w);
		if (!reply_constraint(ctx, r))
			api_reply_db_failure(ctx, r);
		return;
	}
	long long id = atoll(PQgetvalue(r->res, 0, 0));
	const char *fields[] = {"request_id", ctx->request_id, "by", ctx->auth->login, "login",
	                        w->f.login, NULL, NULL};
	log_event(LOG_LEVEL_INFO, "account created", fields);
	write_free(w);
	char location[48];
	snprintf(location, sizeof(location), "/v1/users/%lld", id);
	http_set_header(ctx, "Location", location);
	reply_user(ctx, id, true);
}

static void create_hashed(const char *encoded, void *arg)
{
	struct user_write *w = arg;
	struct http_context *ctx = w->ctx;
	if (!encoded) {
		write_free(w);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	char unit[24] = "";
	if (w->f.has_unit && w->f.unit_id)
		snprintf(unit, sizeof(unit), "%lld", w->f.unit_id);
	const char *params[] = {w->f.login, w->f.display_name, w->f.phone ? w->f.phone : "",
	                        w->f.role, unit, w->f.area_code ? w->f.area_code : "", encoded,
	                        w->f.cells};
	db_query(io_thread_db(ctx->thread), &statements[STMT_CREATE], params, created, w);
}

void users_create(struct http_context *ctx)
{
	json_t *errors = NULL;
	struct user_write *w = calloc(1, sizeof(*w));
	if (!w) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	w->ctx = ctx;
	check_fields(ctx->body, &w->f, true, &errors);
	if (errors) {
		write_free(w);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	/* w->f points into ctx->body, which lives until the reply. */
	const struct app *app = io_thread_app(ctx->thread);
	if (password_hash_async(app->workers, io_thread_base(ctx->thread), w->f.password,
	                        w->f.password_len, create_hashed, w) < 0) {
		write_free(w);
		http_reply_problem(ctx, PROBLEM_OVERLOADED, NULL, NULL);
	}
}

/* ---- update ---- */

static void updated(const struct db_batch_result *r, void *arg)
{
	struct user_write *w = arg;
	struct http_context *ctx = w->ctx;
	long long id = w->id;
	db_release(w->lease);
	bool found = r->status == DB_OK && PQntuples(r->results[0]) == 1;
	if (r->status != DB_OK) {
		struct db_result one = {r->status, NULL, r->sqlstate, r->message};
		write_free(w);
		if (!reply_constraint(ctx, &one))
			api_reply_db_failure(ctx, &one);
		return;
	}
	write_free(w);
	if (!found) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such account", NULL);
		return;
	}
	const char *fields[] = {"request_id", ctx->request_id, "by", ctx->auth->login, NULL, NULL};
	log_event(LOG_LEVEL_INFO, "account updated", fields);
	reply_user(ctx, id, false);
}

static void update_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct user_write *w = arg;
	struct http_context *ctx = w->ctx;
	if (status != DB_OK) {
		write_free(w);
		api_reply_db_status(ctx, status);
		return;
	}
	w->lease = lease;
	const struct user_fields *f = &w->f;
	bool end_sessions = f->role || f->has_active || f->has_unit || f->has_area || f->has_cells ||
	                    w->has_hash;
	char id[24], unit[24] = "";
	snprintf(id, sizeof(id), "%lld", w->id);
	if (f->has_unit && f->unit_id)
		snprintf(unit, sizeof(unit), "%lld", f->unit_id);
	const char *t = "true", *no = "false";
	const char *update[] = {id, f->display_name, f->has_phone ? t : no, f->phone ? f->phone : "",
	                        f->role, f->has_active ? (f->active ? t : no) : NULL,
	                        f->has_unit ? t : no, unit, f->has_area ? t : no,
	                        f->area_code ? f->area_code : "", w->has_hash ? w->hash : NULL,
	                        end_sessions ? t : no};
	const char *clear[] = {id, f->has_cells ? t : no};
	const char *add[] = {id, f->has_cells ? t : no, f->cells};
	const char *end[] = {id, end_sessions ? t : no};
	struct db_batch_step steps[] = {
		{&statements[STMT_UPDATE], update},
		{&statements[STMT_CELLS_CLEAR], clear},
		{&statements[STMT_CELLS_ADD], add},
		{&statements[STMT_END], end},
	};
	db_lease_batch(lease, steps, 4, updated, w);
}

static void update_hashed(const char *encoded, void *arg)
{
	struct user_write *w = arg;
	if (!encoded) {
		struct http_context *ctx = w->ctx;
		write_free(w);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	snprintf(w->hash, sizeof(w->hash), "%s", encoded);
	w->has_hash = true;
	db_acquire(io_thread_db(w->ctx->thread), update_leased, w);
}

void users_update(struct http_context *ctx)
{
	json_t *errors = NULL;
	long long id = api_path_id(ctx, "id");
	if (!id) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such account", NULL);
		return;
	}
	struct user_write *w = calloc(1, sizeof(*w));
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
		write_free(w);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	if (w->f.password) {
		const struct app *app = io_thread_app(ctx->thread);
		if (password_hash_async(app->workers, io_thread_base(ctx->thread), w->f.password,
		                        w->f.password_len, update_hashed, w) < 0) {
			write_free(w);
			http_reply_problem(ctx, PROBLEM_OVERLOADED, NULL, NULL);
		}
		return;
	}
	db_acquire(io_thread_db(ctx->thread), update_leased, w);
}

/*
 * authn.c - Bearer token authentication and role check (see authn.h).
 */
#include "api/authn.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/common.h"
#include "app.h"
#include "auth/token.h"
#include "http/response.h"
#include "http/server.h"

struct db_statement authn_load_user = {
	"authn_load_user", "SELECT " USER_COLUMNS " FROM users u WHERE u.id = $1", 1, 0};

int authn_register_statements(void)
{
	return db_register_statements(&authn_load_user, 1);
}

struct auth_user *authn_user_from_row(const PGresult *res, int row, int col, int *active)
{
	int role = auth_role_from_name(PQgetvalue(res, row, col + 3));
	if (role < 0)
		return NULL;
	struct auth_user *u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->id = strtoll(PQgetvalue(res, row, col), NULL, 10);
	snprintf(u->login, sizeof(u->login), "%s", PQgetvalue(res, row, col + 1));
	snprintf(u->display_name, sizeof(u->display_name), "%s", PQgetvalue(res, row, col + 2));
	u->role = (enum auth_role)role;
	*active = PQgetvalue(res, row, col + 4)[0] == 't';
	u->token_version = strtoll(PQgetvalue(res, row, col + 5), NULL, 10);
	u->unit_id = strtoll(PQgetvalue(res, row, col + 6), NULL, 10);
	snprintf(u->area_code, sizeof(u->area_code), "%s", PQgetvalue(res, row, col + 7));
	const char *cells = PQgetvalue(res, row, col + 8);
	if (*cells) {
		int n = 1;
		for (const char *p = cells; *p; p++)
			n += *p == ',';
		u->cells = calloc((size_t)n, sizeof(*u->cells));
		if (!u->cells) {
			free(u);
			return NULL;
		}
		const char *p = cells;
		while (*p && u->ncells < n) {
			size_t len = strcspn(p, ",");
			snprintf(u->cells[u->ncells++], sizeof(u->cells[0]), "%.*s", (int)len, p);
			p += len + (p[len] == ',');
		}
	}
	return u;
}

json_t *authn_user_json(const struct auth_user *u)
{
	json_t *j = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)u->id, "login", u->login,
	                      "display_name", u->display_name, "role", auth_role_name(u->role));
	if (!j)
		return NULL;
	switch (u->role) {
	case ROLE_UNIT_STAFF:
		json_object_set_new(j, "unit_id", json_integer(u->unit_id));
		break;
	case ROLE_GRID_WORKER: {
		json_t *cells = json_array();
		for (int i = 0; i < u->ncells; i++)
			json_array_append_new(cells, json_string(u->cells[i]));
		json_object_set_new(j, "cells", cells);
		break;
	}
	case ROLE_DISPATCHER:
	case ROLE_SUPERVISOR:
		json_object_set_new(j, "area", u->area_code[0] ? json_string(u->area_code) : json_null());
		break;
	default:
		break;
	}
	return j;
}

static void reply_unauthorized(struct http_context *ctx, const char *detail, bool invalid_token)
{
	http_set_header(ctx, "WWW-Authenticate",
	                invalid_token ? "Bearer realm=\"gridd\", error=\"invalid_token\""
	                              : "Bearer realm=\"gridd\"");
	http_reply_problem(ctx, PROBLEM_UNAUTHORIZED, detail, NULL);
}

struct authn_pending {
	struct http_context *ctx;
	struct token_claims claims;
};

static void user_loaded(const struct db_result *r, void *arg)
{
	struct authn_pending *p = arg;
	struct http_context *ctx = p->ctx;
	struct token_claims claims = p->claims;
	free(p);
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) != 1) {
		reply_unauthorized(ctx, "the account no longer exists", true);
		return;
	}
	int active = 0;
	struct auth_user *user = authn_user_from_row(r->res, 0, 0, &active);
	if (!user) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	if (token_session_ok(&claims, active, user->token_version) != TOKEN_VALID ||
	    strcmp(claims.role, auth_role_name(user->role)) != 0) {
		auth_user_free(user);
		reply_unauthorized(ctx, token_verdict_text(TOKEN_REVOKED), true);
		return;
	}
	ctx->auth = user;
	ctx->user = user->login;
	if (!policy_role_allowed(ctx->route->action, user->role)) {
		http_reply_problem(ctx, PROBLEM_FORBIDDEN, NULL, NULL);
		return;
	}
	ctx->route->handler(ctx);
}

void authn_dispatch(struct http_context *ctx)
{
	const char *action = ctx->route->action;
	if (policy_action_public(action)) {
		ctx->route->handler(ctx);
		return;
	}
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
		reply_unauthorized(ctx, "send an access token: Authorization: Bearer <token>", false);
		return;
	}
	const char *token = h + 7;
	while (*token == ' ')
		token++;
	struct token_claims claims;
	enum token_verdict v = token_verify(&io_thread_app(ctx->thread)->tokens, token, strlen(token),
	                                    (int64_t)time(NULL), &claims);
	if (v != TOKEN_VALID) {
		reply_unauthorized(ctx, token_verdict_text(v), true);
		return;
	}
	struct authn_pending *p = calloc(1, sizeof(*p));
	if (!p) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	p->ctx = ctx;
	p->claims = claims;
	char id[24];
	snprintf(id, sizeof(id), "%lld", (long long)p->claims.user_id);
	const char *params[] = {id};
	db_query(io_thread_db(ctx->thread), &authn_load_user, params, user_loaded, p);
}

/*
 * me.c - the caller's own account.
 *
 * GET  /v1/me           the account with its scope
 * POST /v1/me/password  {current_password, new_password}: checks the current
 *                       password (wrong ones count as failed logins), ends
 *                       every session (token_version + 1, refresh tokens
 *                       revoked) and answers with a new session for this device.
 */
#include <stdlib.h>
#include <string.h>

#include "api/authn.h"
#include "api/common.h"
#include "api/routes.h"
#include "app.h"
#include "auth/password_hash.h"
#include "auth/password_policy.h"
#include "auth/refresh.h"
#include "http/response.h"
#include "http/server.h"
#include "log.h"

static struct db_statement statements[] = {
	{"me_password_state",
	 "SELECT u.password_hash,"
	 " (SELECT count(*) FROM login_failures f WHERE lower(f.login) = lower(u.login)"
	 "   AND f.at > now() - make_interval(secs => $2::int))"
	 " FROM users u WHERE u.id = $1",
	 2, 0},
	{"me_password_wrong", "INSERT INTO login_failures (login, client) VALUES ($1, $2)", 2, 0},
	{"me_password_set",
	 "WITH u AS ("
	 "  UPDATE users u SET password_hash = $2, token_version = token_version + 1,"
	 "    password_changed_at = now(), updated_at = now()"
	 "  WHERE u.id = $1 RETURNING " USER_COLUMNS "),"
	 " revoked AS (UPDATE refresh_tokens SET revoked_at = now()"
	 "  WHERE user_id = $1 AND revoked_at IS NULL),"
	 " fresh AS (INSERT INTO refresh_tokens (user_id, family, token_hash, expires_at)"
	 "  SELECT $1, gen_random_uuid(), decode($3, 'hex'), now() + make_interval(secs => $4::int)"
	 "  FROM u RETURNING id)"
	 " SELECT * FROM u",
	 4, 0},
};
enum { STMT_STATE, STMT_WRONG, STMT_SET };

int me_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

void me_get(struct http_context *ctx)
{
	http_reply_json(ctx, 200, authn_user_json(ctx->auth));
}

struct password_change {
	struct http_context *ctx;
	char current[PASSWORD_MAX_BYTES + 1];
	size_t current_len;
	char next[PASSWORD_MAX_BYTES + 1];
	size_t next_len;
	char refresh[REFRESH_TOKEN_CHARS + 1];
};

static void change_free(struct password_change *c)
{
	explicit_bzero(c, sizeof(*c));
	free(c);
}

static void wrong_recorded(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	json_t *errors = NULL;
	problem_add_error(&errors, "/current_password", "this is not your current password");
	http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
}

static void password_set(const struct db_result *r, void *arg)
{
	struct password_change *c = arg;
	struct http_context *ctx = c->ctx;
	if (r->status != DB_OK || PQntuples(r->res) != 1) {
		change_free(c);
		api_reply_db_failure(ctx, r);
		return;
	}
	int active;
	struct auth_user *user = authn_user_from_row(r->res, 0, 0, &active);
	if (!user) {
		change_free(c);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	const char *fields[] = {"request_id", ctx->request_id, "login", user->login, NULL, NULL};
	log_event(LOG_LEVEL_INFO, "password changed; other sessions ended", fields);
	char refresh[sizeof(c->refresh)];
	memcpy(refresh, c->refresh, sizeof(refresh));
	change_free(c);
	auth_reply_session(ctx, 200, user, refresh);
	explicit_bzero(refresh, sizeof(refresh));
}

static void new_hashed(const char *encoded, void *arg)
{
	struct password_change *c = arg;
	struct http_context *ctx = c->ctx;
	char hash[REFRESH_HASH_HEX + 1], id[24], ttl[16];
	if (!encoded || refresh_token_new(c->refresh, hash) < 0) {
		change_free(c);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	snprintf(id, sizeof(id), "%lld", (long long)ctx->auth->id);
	snprintf(ttl, sizeof(ttl), "%d", io_thread_app(ctx->thread)->cfg.auth_refresh_ttl_s);
	const char *params[] = {id, encoded, hash, ttl};
	db_query(io_thread_db(ctx->thread), &statements[STMT_SET], params, password_set, c);
}

static void current_checked(bool match, void *arg)
{
	struct password_change *c = arg;
	struct http_context *ctx = c->ctx;
	if (!match) {
		char client[64];
		api_client_address(ctx, client, sizeof(client));
		const char *params[] = {ctx->auth->login, client};
		change_free(c);
		db_query(io_thread_db(ctx->thread), &statements[STMT_WRONG], params, wrong_recorded, ctx);
		return;
	}
	const struct app *app = io_thread_app(ctx->thread);
	if (password_hash_async(app->workers, io_thread_base(ctx->thread), c->next, c->next_len,
	                        new_hashed, c) < 0) {
		change_free(c);
		http_reply_problem(ctx, PROBLEM_OVERLOADED, NULL, NULL);
	}
}

static void state_loaded(const struct db_result *r, void *arg)
{
	struct password_change *c = arg;
	struct http_context *ctx = c->ctx;
	const struct app *app = io_thread_app(ctx->thread);
	if (r->status != DB_OK || PQntuples(r->res) != 1) {
		change_free(c);
		api_reply_db_failure(ctx, r);
		return;
	}
	if (atol(PQgetvalue(r->res, 0, 1)) >= app->cfg.auth_login_max_failures) {
		change_free(c);
		char retry[16];
		snprintf(retry, sizeof(retry), "%d", app->cfg.auth_login_window_s);
		http_set_header(ctx, "Retry-After", retry);
		http_reply_problem(ctx, PROBLEM_TOO_MANY_REQUESTS,
		                   "too many wrong passwords; wait before trying again", NULL);
		return;
	}
	if (password_verify_async(app->workers, io_thread_base(ctx->thread), c->current,
	                          c->current_len, PQgetvalue(r->res, 0, 0), current_checked, c) < 0) {
		change_free(c);
		http_reply_problem(ctx, PROBLEM_OVERLOADED, NULL, NULL);
	}
}

void me_post_password(struct http_context *ctx)
{
	json_t *cur = json_object_get(ctx->body, "current_password");
	json_t *next = json_object_get(ctx->body, "new_password");
	json_t *errors = NULL;
	if (!json_is_string(cur) || json_string_length(cur) == 0 ||
	    json_string_length(cur) > PASSWORD_MAX_BYTES)
		problem_add_error(&errors, "/current_password", "required");
	if (!json_is_string(next)) {
		problem_add_error(&errors, "/new_password", "required");
	} else {
		enum password_verdict v = password_policy_check(json_string_value(next),
		                                                json_string_length(next), ctx->auth->login);
		if (v != PASSWORD_OK)
			problem_add_error(&errors, "/new_password", password_verdict_text(v));
	}
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	struct password_change *c = calloc(1, sizeof(*c));
	if (!c) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	c->ctx = ctx;
	c->current_len = json_string_length(cur);
	memcpy(c->current, json_string_value(cur), c->current_len);
	c->next_len = json_string_length(next);
	memcpy(c->next, json_string_value(next), c->next_len);
	char id[24], window[16];
	snprintf(id, sizeof(id), "%lld", (long long)ctx->auth->id);
	snprintf(window, sizeof(window), "%d", io_thread_app(ctx->thread)->cfg.auth_login_window_s);
	const char *params[] = {id, window};
	db_query(io_thread_db(ctx->thread), &statements[STMT_STATE], params, state_loaded, c);
}

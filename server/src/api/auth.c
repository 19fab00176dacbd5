/*
 * auth.c - sessions: log in, refresh, log out.
 *
 * POST /v1/auth/login    {login, password} -> tokens and the account
 * POST /v1/auth/refresh  {refresh_token}   -> new tokens (the old one is spent)
 * POST /v1/auth/logout   {refresh_token, all?} -> 204
 *
 * Refresh tokens rotate: each is single use, and presenting a spent one again
 * revokes its whole family (a stolen token is detected when either party
 * uses it second). Failed logins are counted per login name and per client
 * address in the database, so throttling holds across gridd instances.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/authn.h"
#include "api/common.h"
#include "api/routes.h"
#include "app.h"
#include "auth/password_hash.h"
#include "auth/password_policy.h"
#include "auth/refresh.h"
#include "auth/token.h"
#include "http/response.h"
#include "http/server.h"
#include "log.h"

static struct db_statement statements[] = {
	{"auth_login_lookup",
	 "WITH f AS ("
	 " SELECT count(*) FILTER (WHERE lower(login) = lower($1)) AS by_login,"
	 "        count(*) FILTER (WHERE client = $2) AS by_client,"
	 "        min(at) AS oldest"
	 " FROM login_failures"
	 " WHERE (lower(login) = lower($1) OR client = $2)"
	 "   AND at > now() - make_interval(secs => $3::int))"
	 " SELECT f.by_login, f.by_client,"
	 "   greatest(1, ceil(extract(epoch FROM coalesce(f.oldest, now())"
	 "            + make_interval(secs => $3::int) - now())))::int,"
	 "   u.password_hash, " USER_COLUMNS
	 " FROM f LEFT JOIN users u ON lower(u.login) = lower($1)",
	 3, 0},
	{"auth_login_failed", "INSERT INTO login_failures (login, client) VALUES ($1, $2)", 2, 0},
	{"auth_session_start",
	 "WITH cleared AS (DELETE FROM login_failures WHERE lower(login) = lower($2)),"
	 " touched AS (UPDATE users SET last_login_at = now() WHERE id = $1)"
	 " INSERT INTO refresh_tokens (user_id, family, token_hash, expires_at)"
	 " VALUES ($1, gen_random_uuid(), decode($3, 'hex'), now() + make_interval(secs => $4::int))"
	 " RETURNING id",
	 4, 0},
	{"auth_refresh",
	 "WITH t AS ("
	 "  SELECT id, user_id, family, used_at, revoked_at, expires_at FROM refresh_tokens"
	 "  WHERE token_hash = decode($1, 'hex') FOR UPDATE),"
	 " reuse AS ("
	 "  UPDATE refresh_tokens r SET revoked_at = now() FROM t"
	 "  WHERE r.family = t.family AND r.revoked_at IS NULL"
	 "    AND (t.used_at IS NOT NULL OR t.revoked_at IS NOT NULL) RETURNING r.id),"
	 " spent AS ("
	 "  UPDATE refresh_tokens r SET used_at = now() FROM t"
	 "  WHERE r.id = t.id AND t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > now()"
	 "  RETURNING r.user_id, r.family),"
	 " fresh AS ("
	 "  INSERT INTO refresh_tokens (user_id, family, token_hash, expires_at)"
	 "  SELECT s.user_id, s.family, decode($2, 'hex'), now() + make_interval(secs => $3::int)"
	 "  FROM spent s JOIN users u ON u.id = s.user_id AND u.active RETURNING user_id)"
	 " SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM reuse), " USER_COLUMNS
	 " FROM (SELECT 1) one LEFT JOIN fresh f ON true LEFT JOIN users u ON u.id = f.user_id",
	 3, 0},
	{"auth_logout",
	 "WITH t AS (SELECT user_id, family FROM refresh_tokens WHERE token_hash = decode($1, 'hex')),"
	 " revoked AS ("
	 "  UPDATE refresh_tokens r SET revoked_at = now() FROM t"
	 "  WHERE r.revoked_at IS NULL AND (r.family = t.family OR ($2::boolean AND r.user_id = t.user_id))"
	 "  RETURNING r.id),"
	 " bumped AS ("
	 "  UPDATE users u SET token_version = token_version + 1, updated_at = now() FROM t"
	 "  WHERE $2::boolean AND u.id = t.user_id RETURNING u.id)"
	 " SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM revoked), (SELECT count(*) FROM bumped)",
	 2, 0},
};
enum { STMT_LOOKUP, STMT_FAILED, STMT_START, STMT_REFRESH, STMT_LOGOUT };

int auth_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

/* Reads a required string field of 1..max bytes; adds an error otherwise. */
static const char *string_field(json_t *body, const char *name, size_t max, json_t **errors)
{
	json_t *v = json_object_get(body, name);
	char pointer[64];
	snprintf(pointer, sizeof(pointer), "/%s", name);
	if (!json_is_string(v) || json_string_length(v) == 0) {
		problem_add_error(errors, pointer, "required, a non-empty string");
		return NULL;
	}
	if (json_string_length(v) > max) {
		char detail[64];
		snprintf(detail, sizeof(detail), "at most %zu bytes", max);
		problem_add_error(errors, pointer, detail);
		return NULL;
	}
	return json_string_value(v);
}

void auth_reply_session(struct http_context *ctx, int status, struct auth_user *user,
                          const char *refresh_token)
{
	const struct app *app = io_thread_app(ctx->thread);
	char *access = NULL;
	if (token_issue(&app->tokens, user->id, auth_role_name(user->role), user->token_version,
	                (int64_t)time(NULL), &access, NULL) < 0) {
		auth_user_free(user);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	json_t *body = json_pack("{s:s, s:s, s:i, s:s, s:o}", "access_token", access, "token_type",
	                         "Bearer", "expires_in", app->cfg.auth_access_ttl_s, "refresh_token",
	                         refresh_token, "user", authn_user_json(user));
	free(access);
	auth_user_free(user);
	http_reply_json(ctx, status, body);
}

/* ---- login ---- */

struct login {
	struct http_context *ctx;
	char login[65];
	char password[PASSWORD_MAX_BYTES + 1];
	size_t password_len;
	char client[64];
	struct auth_user *user;   /* the account, when the login exists */
	int active;
	char refresh[REFRESH_TOKEN_CHARS + 1];
};

static void login_free(struct login *l)
{
	auth_user_free(l->user);
	explicit_bzero(l, sizeof(*l));
	free(l);
}

static void login_failure_recorded(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK)
		log_warn("could not record a failed login: %s", r->message);
	http_reply_problem(ctx, PROBLEM_UNAUTHORIZED, "the login or the password is wrong", NULL);
}

static void login_session_started(const struct db_result *r, void *arg)
{
	struct login *l = arg;
	struct http_context *ctx = l->ctx;
	if (r->status != DB_OK) {
		login_free(l);
		api_reply_db_failure(ctx, r);
		return;
	}
	struct auth_user *user = l->user;
	l->user = NULL;
	char refresh[sizeof(l->refresh)];
	memcpy(refresh, l->refresh, sizeof(refresh));
	login_free(l);
	const char *fields[] = {"request_id", ctx->request_id, "login", user->login, NULL, NULL};
	log_event(LOG_LEVEL_INFO, "login", fields);
	auth_reply_session(ctx, 200, user, refresh);
	explicit_bzero(refresh, sizeof(refresh));
}

static void login_verified(bool match, void *arg)
{
	struct login *l = arg;
	struct http_context *ctx = l->ctx;
	if (!match || !l->active) {
		const char *fields[] = {"request_id", ctx->request_id, "login", l->login,
		                        "client", l->client,
		                        "reason", !l->user ? "no such login" : !match ? "wrong password" : "inactive",
		                        NULL, NULL};
		log_event(LOG_LEVEL_WARN, "login failed", fields);
		const char *params[] = {l->login, l->client};
		db_query(io_thread_db(ctx->thread), &statements[STMT_FAILED], params,
		         login_failure_recorded, ctx);
		login_free(l);
		return;
	}
	char hash[REFRESH_HASH_HEX + 1], id[24], ttl[16];
	if (refresh_token_new(l->refresh, hash) < 0) {
		login_free(l);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	snprintf(id, sizeof(id), "%lld", (long long)l->user->id);
	snprintf(ttl, sizeof(ttl), "%d", io_thread_app(ctx->thread)->cfg.auth_refresh_ttl_s);
	const char *params[] = {id, l->user->login, hash, ttl};
	db_query(io_thread_db(ctx->thread), &statements[STMT_START], params, login_session_started, l);
}

static void login_looked_up(const struct db_result *r, void *arg)
{
	struct login *l = arg;
	struct http_context *ctx = l->ctx;
	const struct config *cfg = &io_thread_app(ctx->thread)->cfg;
	if (r->status != DB_OK || PQntuples(r->res) != 1) {
		login_free(l);
		api_reply_db_failure(ctx, r);
		return;
	}
	long by_login = atol(PQgetvalue(r->res, 0, 0)), by_client = atol(PQgetvalue(r->res, 0, 1));
	if (by_login >= cfg->auth_login_max_failures || by_client >= cfg->auth_login_max_failures) {
		http_set_header(ctx, "Retry-After", PQgetvalue(r->res, 0, 2));
		const char *fields[] = {"request_id", ctx->request_id, "login", l->login, "client",
		                        l->client, NULL, NULL};
		log_event(LOG_LEVEL_WARN, "login throttled", fields);
		login_free(l);
		http_reply_problem(ctx, PROBLEM_TOO_MANY_REQUESTS,
		                   "too many failed logins; wait before trying again", NULL);
		return;
	}
	const char *hash = NULL;
	if (!PQgetisnull(r->res, 0, 4)) {
		l->user = authn_user_from_row(r->res, 0, 4, &l->active);
		hash = PQgetvalue(r->res, 0, 3);
	}
	if (password_verify_async(io_thread_app(ctx->thread)->workers, io_thread_base(ctx->thread),
	                          l->password, l->password_len, hash, login_verified, l) < 0) {
		login_free(l);
		http_reply_problem(ctx, PROBLEM_OVERLOADED, NULL, NULL);
		return;
	}
	explicit_bzero(l->password, sizeof(l->password));
}

void auth_post_login(struct http_context *ctx)
{
	json_t *errors = NULL;
	const char *login = string_field(ctx->body, "login", 64, &errors);
	const char *password = string_field(ctx->body, "password", PASSWORD_MAX_BYTES, &errors);
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	struct login *l = calloc(1, sizeof(*l));
	if (!l) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	l->ctx = ctx;
	snprintf(l->login, sizeof(l->login), "%s", login);
	l->password_len = json_string_length(json_object_get(ctx->body, "password"));
	memcpy(l->password, password, l->password_len);
	api_client_address(ctx, l->client, sizeof(l->client));
	char window[16];
	snprintf(window, sizeof(window), "%d", io_thread_app(ctx->thread)->cfg.auth_login_window_s);
	const char *params[] = {l->login, l->client, window};
	db_query(io_thread_db(ctx->thread), &statements[STMT_LOOKUP], params, login_looked_up, l);
}

/* ---- refresh ---- */

struct refresh {
	struct http_context *ctx;
	char token[REFRESH_TOKEN_CHARS + 1];
};

static void refreshed(const struct db_result *r, void *arg)
{
	struct refresh *f = arg;
	struct http_context *ctx = f->ctx;
	if (r->status != DB_OK || PQntuples(r->res) != 1) {
		explicit_bzero(f, sizeof(*f));
		free(f);
		api_reply_db_failure(ctx, r);
		return;
	}
	long found = atol(PQgetvalue(r->res, 0, 0)), reused = atol(PQgetvalue(r->res, 0, 1));
	if (reused > 0) {
		const char *fields[] = {"request_id", ctx->request_id, NULL, NULL};
		log_event(LOG_LEVEL_WARN, "spent refresh token presented again: its family is revoked", fields);
	}
	if (PQgetisnull(r->res, 0, 2)) {
		explicit_bzero(f, sizeof(*f));
		free(f);
		http_set_header(ctx, "WWW-Authenticate", "Bearer realm=\"gridd\", error=\"invalid_token\"");
		http_reply_problem(ctx, PROBLEM_UNAUTHORIZED,
		                   !found ? "unknown refresh token"
		                   : reused ? "this refresh token was already used: every session it "
		                              "belongs to has been ended; log in again"
		                            : "the refresh token has expired or was revoked; log in again",
		                   NULL);
		return;
	}
	int active;
	struct auth_user *user = authn_user_from_row(r->res, 0, 2, &active);
	char token[sizeof(f->token)];
	memcpy(token, f->token, sizeof(token));
	explicit_bzero(f, sizeof(*f));
	free(f);
	if (!user) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	auth_reply_session(ctx, 200, user, token);
	explicit_bzero(token, sizeof(token));
}

void auth_post_refresh(struct http_context *ctx)
{
	json_t *errors = NULL;
	const char *presented = string_field(ctx->body, "refresh_token", 128, &errors);
	char old_hash[REFRESH_HASH_HEX + 1], new_hash[REFRESH_HASH_HEX + 1];
	if (presented && refresh_token_hash(presented, strlen(presented), old_hash) < 0)
		problem_add_error(&errors, "/refresh_token", "not a refresh token issued by gridd");
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	struct refresh *f = calloc(1, sizeof(*f));
	if (!f || refresh_token_new(f->token, new_hash) < 0) {
		free(f);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	f->ctx = ctx;
	char ttl[16];
	snprintf(ttl, sizeof(ttl), "%d", io_thread_app(ctx->thread)->cfg.auth_refresh_ttl_s);
	const char *params[] = {old_hash, new_hash, ttl};
	db_query(io_thread_db(ctx->thread), &statements[STMT_REFRESH], params, refreshed, f);
}

/* ---- logout ---- */

static void logged_out(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	http_reply_empty(ctx, 204);
}

void auth_post_logout(struct http_context *ctx)
{
	json_t *errors = NULL;
	const char *presented = string_field(ctx->body, "refresh_token", 128, &errors);
	json_t *all = json_object_get(ctx->body, "all");
	char hash[REFRESH_HASH_HEX + 1];
	if (presented && refresh_token_hash(presented, strlen(presented), hash) < 0)
		problem_add_error(&errors, "/refresh_token", "not a refresh token issued by gridd");
	if (all && !json_is_boolean(all))
		problem_add_error(&errors, "/all", "true or false");
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	const char *params[] = {hash, json_is_true(all) ? "true" : "false"};
	db_query(io_thread_db(ctx->thread), &statements[STMT_LOGOUT], params, logged_out, ctx);
}

/*
 * testing.c - routes that exist only with test_routes = on (API tests).
 *
 * POST /v1/echo              echoes a JSON body (request limits, JSON rules)
 * GET  /v1/test/sleep?ms=N   holds a database connection for N ms (timeouts)
 * POST /v1/test/transaction  {"key", "fail"}: BEGIN, INSERT, optionally a
 *                            failing statement, COMMIT, so tests can see that
 *                            a failed step leaves nothing behind.
 */
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/routes.h"
#include "db/db.h"
#include "http/response.h"
#include "http/server.h"

static struct db_statement statements[] = {
	{"testing_sleep", "SELECT pg_sleep($1::float8 / 1000)", 1, 0},
	{"testing_insert", "INSERT INTO gridd_settings (key, value) VALUES ('test.' || $1, 'true')", 1, 0},
	{"testing_fail", "SELECT 1 / 0", 0, 0},
};
enum { STMT_SLEEP, STMT_INSERT, STMT_FAIL };

int testing_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

void testing_post_echo(struct http_context *ctx)
{
	json_t *body = ctx->body;
	ctx->body = NULL;
	http_reply_json(ctx, 200, body);
}

static void sleep_result(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	http_reply_json(ctx, 200, json_pack("{s:b}", "slept", 1));
}

void testing_get_sleep(struct http_context *ctx)
{
	char *ms = api_query_param(ctx, "ms");
	char *end = NULL;
	long n = ms ? strtol(ms, &end, 10) : -1;
	if (!ms || *end || n < 0 || n > 60000) {
		json_t *errors = NULL;
		problem_add_error(&errors, "/query/ms", "a whole number of milliseconds from 0 to 60000");
		free(ms);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	const char *params[] = {ms};
	db_query(io_thread_db(ctx->thread), &statements[STMT_SLEEP], params, sleep_result, ctx);
	free(ms);
}

/* A transaction as a sequence of steps on one leased connection. */
struct txn {
	struct http_context *ctx;
	struct db_conn *lease;
	char key[64];
	int fail;
	int step;
	char sqlstate[6];
};

static void txn_step(const struct db_result *r, void *arg);

static void txn_finish(struct txn *t, int committed)
{
	struct http_context *ctx = t->ctx;
	db_release(t->lease); /* rolls back an open transaction */
	json_t *body = json_pack("{s:b, s:s}", "committed", committed, "sqlstate", t->sqlstate);
	free(t);
	http_reply_json(ctx, 200, body);
}

static void txn_step(const struct db_result *r, void *arg)
{
	struct txn *t = arg;
	if (r->status == DB_SQL_ERROR) {
		snprintf(t->sqlstate, sizeof(t->sqlstate), "%s", r->sqlstate);
		txn_finish(t, 0); /* ROLLBACK on any error */
		return;
	}
	if (r->status != DB_OK) {
		struct http_context *ctx = t->ctx;
		db_release(t->lease);
		free(t);
		api_reply_db_failure(ctx, r);
		return;
	}
	const char *params[] = {t->key};
	switch (t->step++) {
	case 0: /* BEGIN done */
		db_lease_query(t->lease, &statements[STMT_INSERT], params, txn_step, t);
		return;
	case 1: /* INSERT done */
		if (t->fail)
			db_lease_query(t->lease, &statements[STMT_FAIL], NULL, txn_step, t);
		else
			db_lease_exec(t->lease, "COMMIT", txn_step, t);
		return;
	default: /* COMMIT done */
		txn_finish(t, 1);
		return;
	}
}

static void txn_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct txn *t = arg;
	if (status != DB_OK) {
		struct db_result r = {status, NULL, "", db_status_name(status)};
		struct http_context *ctx = t->ctx;
		free(t);
		api_reply_db_failure(ctx, &r);
		return;
	}
	t->lease = lease;
	db_lease_exec(lease, "BEGIN", txn_step, t);
}

void testing_post_transaction(struct http_context *ctx)
{
	json_t *key = json_object_get(ctx->body, "key");
	json_t *fail = json_object_get(ctx->body, "fail");
	json_t *errors = NULL;
	if (!json_is_string(key) || json_string_length(key) < 1 || json_string_length(key) > 40 ||
	    strspn(json_string_value(key), "abcdefghijklmnopqrstuvwxyz0123456789_") !=
	            json_string_length(key))
		problem_add_error(&errors, "/key", "1 to 40 characters of a-z, 0-9 and _");
	if (fail && !json_is_boolean(fail))
		problem_add_error(&errors, "/fail", "must be true or false");
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	struct txn *t = calloc(1, sizeof(*t));
	if (!t) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	t->ctx = ctx;
	t->fail = json_is_true(fail);
	snprintf(t->key, sizeof(t->key), "%s", json_string_value(key));
	db_acquire(io_thread_db(ctx->thread), txn_leased, t);
}

/*
 * testing.c - routes that exist only with test_routes = on (API tests).
 *
 * POST /v1/echo              echoes a JSON body (request limits, JSON rules)
 * GET  /v1/test/sleep?ms=N   holds a database connection for N ms (timeouts)
 * POST /v1/test/transaction  {"key", "fail"}: BEGIN, INSERT, optionally a
 *                            failing statement, COMMIT, so tests can see that
 *                            a failed step leaves nothing behind.
 * POST /v1/test/batch        {"keys": [...], "fail_at": n}: one INSERT per key
 *                            in one pipelined batch, step n failing.
 */
#include <stdbool.h>
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
		struct http_context *ctx = t->ctx;
		free(t);
		api_reply_db_status(ctx, status);
		return;
	}
	t->lease = lease;
	db_lease_exec(lease, "BEGIN", txn_step, t);
}

/* ---- pipelined batch ---- */

struct batch_req {
	struct http_context *ctx;
	struct db_conn *lease;
	int nsteps;
	char keys[DB_BATCH_MAX][48];
	const char *params[DB_BATCH_MAX][1];
	struct db_batch_step steps[DB_BATCH_MAX];
};

static void batch_done(const struct db_batch_result *r, void *arg)
{
	struct batch_req *b = arg;
	struct http_context *ctx = b->ctx;
	db_release(b->lease);
	free(b);
	if (r->status != DB_OK && r->status != DB_SQL_ERROR) {
		api_reply_batch_failure(ctx, r);
		return;
	}
	http_reply_json(ctx, 200,
	                json_pack("{s:b, s:i, s:i, s:s}", "committed", r->status == DB_OK, "results",
	                          r->nresults, "failed_step", r->status == DB_OK ? -1 : r->failed_step,
	                          "sqlstate", r->sqlstate));
}

static void batch_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct batch_req *b = arg;
	if (status != DB_OK) {
		struct http_context *ctx = b->ctx;
		free(b);
		api_reply_db_status(ctx, status);
		return;
	}
	b->lease = lease;
	db_lease_batch(lease, b->steps, b->nsteps, batch_done, b);
}

void testing_post_batch(struct http_context *ctx)
{
	json_t *keys = json_object_get(ctx->body, "keys");
	json_t *fail_at = json_object_get(ctx->body, "fail_at");
	json_t *errors = NULL;
	size_t n = json_array_size(keys);
	if (!json_is_array(keys) || n < 1 || n > DB_BATCH_MAX)
		problem_add_error(&errors, "/keys", "an array of 1 to 16 keys");
	if (fail_at && (!json_is_integer(fail_at) || json_integer_value(fail_at) < 0 ||
	                (size_t)json_integer_value(fail_at) >= n))
		problem_add_error(&errors, "/fail_at", "an index into keys");
	for (size_t i = 0; !errors && i < n; i++) {
		json_t *k = json_array_get(keys, i);
		if (!json_is_string(k) || json_string_length(k) < 1 || json_string_length(k) > 40 ||
		    strspn(json_string_value(k), "abcdefghijklmnopqrstuvwxyz0123456789_") !=
		            json_string_length(k))
			problem_add_error(&errors, "/keys", "keys are 1 to 40 characters of a-z, 0-9 and _");
	}
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	struct batch_req *b = calloc(1, sizeof(*b));
	if (!b) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	b->ctx = ctx;
	b->nsteps = (int)n;
	for (size_t i = 0; i < n; i++) {
		snprintf(b->keys[i], sizeof(b->keys[i]), "%s", json_string_value(json_array_get(keys, i)));
		b->params[i][0] = b->keys[i];
		bool failing = fail_at && (size_t)json_integer_value(fail_at) == i;
		b->steps[i].stmt = &statements[failing ? STMT_FAIL : STMT_INSERT];
		b->steps[i].params = b->params[i];
	}
	db_acquire(io_thread_db(ctx->thread), batch_leased, b);
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

/*
 * health.c - liveness, readiness and metrics.
 *
 * /healthz: the process answers (no database). /readyz: a database round
 * trip works and the schema has every migration this binary carries.
 * /metrics: Prometheus text format, summed over the I/O threads.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/routes.h"
#include "app.h"
#include "db/db.h"
#include "http/response.h"
#include "http/server.h"

static struct db_statement statements[] = {
	{"health_schema_version", "SELECT coalesce(max(version), 0) FROM schema_migrations", 0, 0},
};
enum { STMT_SCHEMA_VERSION };

int health_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

void health_get_healthz(struct http_context *ctx)
{
	http_reply_json(ctx, 200, json_pack("{s:s}", "status", "ok"));
}

static void readyz_result(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	int expected = io_thread_app(ctx->thread)->migrations_latest;
	char detail[200];

	if (r->status == DB_SQL_ERROR && strcmp(r->sqlstate, "42P01") == 0) {
		http_reply_problem(ctx, PROBLEM_NOT_READY,
		                   "the database has no schema yet: run `gridd migrate`", NULL);
		return;
	}
	if (r->status != DB_OK) {
		snprintf(detail, sizeof(detail), "database round trip failed: %s", r->message);
		http_reply_problem(ctx, r->status == DB_UNAVAILABLE ? PROBLEM_DB_UNAVAILABLE : PROBLEM_NOT_READY,
		                   detail, NULL);
		return;
	}
	int version = atoi(PQgetvalue(r->res, 0, 0));
	if (version < expected) {
		snprintf(detail, sizeof(detail),
		         "the database schema is at version %d; this gridd needs %d: run `gridd migrate`",
		         version, expected);
		http_reply_problem(ctx, PROBLEM_NOT_READY, detail, NULL);
		return;
	}
	http_reply_json(ctx, 200,
	                json_pack("{s:s, s:i, s:i}", "status", "ready", "schema_version", version,
	                          "expected_schema_version", expected));
}

void health_get_readyz(struct http_context *ctx)
{
	if (atomic_load(&io_thread_app(ctx->thread)->shutting_down)) {
		http_reply_problem(ctx, PROBLEM_SHUTTING_DOWN, NULL, NULL);
		return;
	}
	db_query(io_thread_db(ctx->thread), &statements[STMT_SCHEMA_VERSION], NULL, readyz_result, ctx);
}

void health_get_metrics(struct http_context *ctx)
{
	struct evbuffer *buf = evbuffer_new();
	if (!buf) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	metrics_render(io_thread_app(ctx->thread), buf);
	size_t len = evbuffer_get_length(buf);
	http_reply_bytes(ctx, 200, "text/plain; version=0.0.4; charset=utf-8",
	                 evbuffer_pullup(buf, -1), len);
	evbuffer_free(buf);
}

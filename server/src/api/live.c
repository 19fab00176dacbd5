/*
 * live.c - GET /v1/events: Server-Sent Events of the cases in the caller's
 * scope (new reports, state changes, overdue, escalations, urges), from every
 * gridd instance (live/hub.c, live/listener.c).
 *
 * Each event: "id: <microseconds>", "event: case", "data: {id, action, state,
 * cell, unit, at}". A client that reconnects sends Last-Event-ID and first
 * gets what it missed from the audit table (at most LIVE_BACKLOG_MAX events,
 * in the caller's scope), then the live stream.
 */
#include <stdlib.h>
#include <string.h>

#include "api/authn.h"
#include "api/common.h"
#include "api/reports_sql.h"
#include "api/routes.h"
#include "app.h"
#include "http/response.h"
#include "http/server.h"
#include "live/hub.h"

#define LIVE_BACKLOG_MAX 1000

static struct db_statement statements[] = {
	{"live_units",
	 "WITH RECURSIVE sub AS (SELECT id FROM units WHERE id = $1::bigint"
	 " UNION SELECT s.id FROM units s JOIN sub ON s.parent_id = sub.id)"
	 " SELECT coalesce(array_agg(id), '{}')::text FROM sub",
	 1, 0},
	/* $5 Last-Event-ID (microseconds, '' none). */
	{"live_backlog",
	 "SELECT ((extract(epoch FROM e.at) * 1000000)::numeric)::bigint,"
	 " json_build_object('id', c.id, 'action', e.kind, 'state', c.state, 'cell', c.cell_code,"
	 "  'unit', c.unit_id, 'at', ((extract(epoch FROM e.at) * 1000000)::numeric)::bigint)::text"
	 " FROM case_events e JOIN cases c ON c.id = e.case_id"
	 " WHERE $5 <> '' AND e.at > timestamptz 'epoch' + nullif($5, '')::bigint * interval '1 microsecond'"
	 " AND" CASE_SCOPE
	 " ORDER BY e.at, e.case_id, e.seq LIMIT 1000",
	 5, 0},
};
enum { STMT_UNITS, STMT_BACKLOG };

int live_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

struct live_req {
	struct http_context *ctx;
	struct db_conn *lease;
	char uid[24], unit[24], since[24];
};

static void started(const struct db_batch_result *r, void *arg)
{
	struct live_req *q = arg;
	struct http_context *ctx = q->ctx;
	db_release(q->lease);
	free(q);
	if (r->status != DB_OK) {
		api_reply_batch_failure(ctx, r);
		return;
	}
	const struct auth_user *u = ctx->auth;
	struct live_filter f = {u->role, "", 0, NULL, 0, NULL};
	snprintf(f.area, sizeof(f.area), "%s", u->area_code);
	if (u->ncells && (f.cells = calloc((size_t)u->ncells, sizeof(*f.cells)))) {
		memcpy(f.cells, u->cells, (size_t)u->ncells * sizeof(*f.cells));
		f.ncells = u->ncells;
	}
	const char *units = PQgetvalue(r->results[0], 0, 0);
	int n = 1;
	for (const char *p = units; *p; p++)
		n += *p == ',';
	if ((f.units = calloc((size_t)n, sizeof(*f.units)))) {
		for (const char *p = units; *p;) {
			if (*p >= '0' && *p <= '9') {
				char *end;
				f.units[f.nunits++] = strtoll(p, &end, 10);
				p = end;
			} else {
				p++;
			}
		}
	}
	struct event_base *base = io_thread_base(ctx->thread);
	struct evhttp_request *req = http_reply_stream(ctx, "text/event-stream; charset=utf-8");
	struct evbuffer *hello = evbuffer_new();
	if (hello) {
		evbuffer_add_printf(hello, "retry: 3000\n\n");
		evhttp_send_reply_chunk(req, hello);
		evbuffer_free(hello);
	}
	const PGresult *backlog = r->results[1];
	for (int i = 0; i < PQntuples(backlog); i++)
		live_send_event(req, PQgetvalue(backlog, i, 0), PQgetvalue(backlog, i, 1));
	if (live_subscribe(base, req, &f) < 0) {
		free(f.cells);
		free(f.units);
		evhttp_send_reply_end(req);
	}
}

static void live_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct live_req *q = arg;
	if (status != DB_OK) {
		struct http_context *ctx = q->ctx;
		free(q);
		api_reply_db_status(ctx, status);
		return;
	}
	q->lease = lease;
	const struct auth_user *u = q->ctx->auth;
	const char *units[] = {q->unit};
	const char *backlog[] = {q->uid, auth_role_name(u->role), u->area_code, q->unit, q->since};
	struct db_batch_step steps[] = {{&statements[STMT_UNITS], units},
	                                {&statements[STMT_BACKLOG], backlog}};
	db_lease_batch(lease, steps, 2, started, q);
}

void live_events(struct http_context *ctx)
{
	const char *last = evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "Last-Event-ID");
	if (last && (strlen(last) < 1 || strlen(last) > 18 || strspn(last, "0123456789") != strlen(last))) {
		json_t *errors = NULL;
		problem_add_error(&errors, "/header/Last-Event-ID", "the id of the last event received");
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	struct live_req *q = calloc(1, sizeof(*q));
	if (!q) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	q->ctx = ctx;
	snprintf(q->uid, sizeof(q->uid), "%lld", (long long)ctx->auth->id);
	snprintf(q->unit, sizeof(q->unit), "%lld", (long long)ctx->auth->unit_id);
	snprintf(q->since, sizeof(q->since), "%s", last ? last : "");
	db_acquire(io_thread_db(ctx->thread), live_leased, q);
}

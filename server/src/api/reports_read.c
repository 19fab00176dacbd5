/*
 * reports_read.c - reading reports, within the caller's scope.
 *
 * GET /v1/reports/{id}
 * GET /v1/reports?cell=&category=&status=&reporter=me&updated_after=&after=&limit=
 *
 * Scope is part of the SQL (REPORT_SCOPE), so lists are filtered in the
 * database and a report out of scope is simply not found (404).
 *
 * Two orders, both keyset-paginated with an opaque cursor:
 *  - by default the newest first (created_at, id descending): reports filed
 *    while a client pages land before its first page, never inside it;
 *  - with updated_after, oldest change first (updated_at, id ascending), for
 *    phones that sync. Rows changed in the last report_sync_settle_ms are held
 *    back: a transaction that began earlier but committed later cannot then
 *    slip in behind a cursor already handed out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/authn.h"
#include "api/common.h"
#include "api/cursor.h"
#include "api/reports_sql.h"
#include "api/routes.h"
#include "app.h"
#include "domain/codes.h"
#include "domain/rfc3339.h"
#include "http/response.h"
#include "http/server.h"

#define REPORTS_PAGE_DEFAULT 50
#define REPORTS_PAGE_MAX 200

/* $5 cell, $6 kind, $7 code, $8 status, $9 reporter=me, $10 updated_after. */
#define LIST_FILTERS                                                                       \
	" AND ($5 = '' OR r.cell_code = $5)"                                                  \
	" AND ($6 = '' OR (r.category_kind = $6 AND (r.category_code = $7 OR left(r.category_code, 2) = $7)))" \
	" AND ($8 = '' OR c.state = $8)"                                                      \
	" AND (NOT $9::boolean OR r.reporter_id = $1::bigint)"

#define LIST_FROM " FROM reports r JOIN cases c ON c.id = r.case_id" REPORT_JOINS " WHERE" REPORT_SCOPE

static struct db_statement statements[] = {
	{"reports_get",
	 "SELECT " REPORT_JSON("c.state") LIST_FROM " AND r.id = $5::uuid",
	 5, 0},
	/* $11 cursor time (micros since epoch, '' = first page), $12 cursor id, $13 rows. */
	{"reports_list_newest",
	 "SELECT " REPORT_JSON("c.state") ", ((extract(epoch FROM r.created_at) * 1000000)::numeric)::bigint, r.id"
	 LIST_FROM LIST_FILTERS
	 " AND ($11 = '' OR (r.created_at, r.id) < (timestamptz 'epoch' + $11::bigint * interval '1 microsecond', $12::uuid))"
	 " AND $10 = ''"
	 " ORDER BY r.created_at DESC, r.id DESC LIMIT $13::int",
	 13, 0},
	/* $14 settle (ms): rows younger than that wait for the next sync. */
	{"reports_list_changed",
	 "SELECT " REPORT_JSON("c.state") ", ((extract(epoch FROM r.updated_at) * 1000000)::numeric)::bigint, r.id"
	 LIST_FROM LIST_FILTERS
	 " AND r.updated_at > $10::timestamptz"
	 " AND r.updated_at <= now() - $14::int * interval '1 millisecond'"
	 " AND ($11 = '' OR (r.updated_at, r.id) > (timestamptz 'epoch' + $11::bigint * interval '1 microsecond', $12::uuid))"
	 " ORDER BY r.updated_at, r.id LIMIT $13::int",
	 14, 0},
};
enum { STMT_GET, STMT_NEWEST, STMT_CHANGED };

int reports_read_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

/* The caller's scope as the first four parameters of REPORT_SCOPE. */
struct scope_params {
	char uid[24], unit[24];
	const char *role, *area;
};

static void scope_of(const struct http_context *ctx, struct scope_params *s)
{
	snprintf(s->uid, sizeof(s->uid), "%lld", (long long)ctx->auth->id);
	snprintf(s->unit, sizeof(s->unit), "%lld", (long long)ctx->auth->unit_id);
	s->role = auth_role_name(ctx->auth->role);
	s->area = ctx->auth->area_code;
}

/* ---- one report ---- */

static void got_report(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) == 0) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such report", NULL);
		return;
	}
	json_error_t je;
	json_t *body = json_loads(PQgetvalue(r->res, 0, 0), 0, &je);
	if (!body) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	http_reply_json(ctx, 200, body);
}

/* A report id from the path, lowercased into out; false when not a UUID. */
bool reports_path_id(struct http_context *ctx, char out[37])
{
	size_t len;
	const char *s = route_param(&ctx->match, "id", &len);
	return api_parse_uuid(s, len, out);
}

void reports_get(struct http_context *ctx)
{
	char id[37];
	if (!reports_path_id(ctx, id)) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such report", NULL);
		return;
	}
	struct scope_params s;
	scope_of(ctx, &s);
	const char *params[] = {s.uid, s.role, s.area, s.unit, id};
	db_query(io_thread_db(ctx->thread), &statements[STMT_GET], params, got_report, ctx);
}

/* ---- lists ---- */

struct report_page {
	struct http_context *ctx;
	int limit;
	bool changed;          /* the updated_after order */
};

/* The cursor of a row: its sort time (column 1) and id (column 2). */
static json_t *next_cursor(const PGresult *res, int row)
{
	char cursor[CURSOR_MAX];
	cursor_encode(PQgetvalue(res, row, 1), PQgetvalue(res, row, 2), cursor, sizeof(cursor));
	return json_string(cursor);
}

static void listed(const struct db_result *r, void *arg)
{
	struct report_page *page = arg;
	struct http_context *ctx = page->ctx;
	int limit = page->limit;
	free(page);
	api_reply_page(ctx, r, limit, next_cursor);
}

static const char *const case_states[] = {"reported", "registered", "dispatched", "in_progress",
	                                  "resolved", "closed", "rejected", "merged", "cancelled", NULL};

void reports_list(struct http_context *ctx)
{
	char *cell = api_query_param(ctx, "cell"), *category = api_query_param(ctx, "category");
	char *status = api_query_param(ctx, "status"), *reporter = api_query_param(ctx, "reporter");
	char *updated = api_query_param(ctx, "updated_after"), *after = api_query_param(ctx, "after");
	json_t *errors = NULL;
	char kind[CODES_KIND_MAX] = "", code[CODES_CATEGORY_LEN + 1] = "";
	char micros[24] = "", cursor_id[37] = "00000000-0000-0000-0000-000000000000";
	long limit = REPORTS_PAGE_DEFAULT;
	int64_t since = 0;
	if (cell && codes_check_grid_cell(cell, strlen(cell)) != CODES_OK)
		problem_add_error(&errors, "/query/cell", "a grid cell code of 14 or 15 digits");
	if (category && codes_parse_category_ref(category, strlen(category), kind, code) < 0)
		problem_add_error(&errors, "/query/category", "a category such as event:0102, or a major such as event:01");
	if (status) {
		bool ok = false;
		for (int i = 0; case_states[i]; i++)
			ok |= strcmp(status, case_states[i]) == 0;
		if (!ok)
			problem_add_error(&errors, "/query/status", "a case state: reported, registered, dispatched, in_progress, resolved, closed, rejected, merged, cancelled");
	}
	if (reporter && strcmp(reporter, "me") != 0)
		problem_add_error(&errors, "/query/reporter", "me (your own reports) or absent");
	if (updated && rfc3339_parse(updated, strlen(updated), &since) < 0)
		problem_add_error(&errors, "/query/updated_after", "an RFC 3339 time with offset");
	if (after && !cursor_decode(after, CURSOR_UUID, micros, cursor_id))
		problem_add_error(&errors, "/query/after", "the next value of the previous page");
	limit = api_query_limit(ctx, REPORTS_PAGE_DEFAULT, REPORTS_PAGE_MAX, &errors);
	struct report_page *page = errors ? NULL : calloc(1, sizeof(*page));
	if (errors || !page) {
		if (errors)
			http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		else
			http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		goto out;
	}
	page->ctx = ctx;
	page->limit = (int)limit;
	page->changed = updated != NULL;
	struct scope_params s;
	scope_of(ctx, &s);
	char rows[24], settle[16];
	snprintf(rows, sizeof(rows), "%ld", limit + 1);
	snprintf(settle, sizeof(settle), "%d", io_thread_app(ctx->thread)->cfg.report_sync_settle_ms);
	const char *params[] = {s.uid, s.role, s.area, s.unit, cell ? cell : "", kind, code,
	                        status ? status : "", reporter ? "true" : "false",
	                        updated ? updated : "", micros, cursor_id, rows, settle};
	db_query(io_thread_db(ctx->thread), &statements[updated ? STMT_CHANGED : STMT_NEWEST], params,
	         listed, page);
out:
	free(cell);
	free(category);
	free(status);
	free(reporter);
	free(updated);
	free(after);
}

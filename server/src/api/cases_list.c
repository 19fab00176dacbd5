/*
 * cases_list.c - GET /v1/cases: the cases a caller may see.
 *
 * ?state=&unit=&cell=&category=&overdue=true|false&due_before=&updated_after=&after=&limit=
 *
 * Scope is SQL (CASE_SCOPE, the rule of cases.c's case_in_scope): admins all;
 * dispatchers and supervisors the cells of their area; grid workers their
 * cells; unit staff the cases dispatched to their unit or a sub-unit.
 * Keyset-paginated like reports: the most recently changed first, or with
 * updated_after the oldest change first, holding back changes younger than
 * report_sync_settle_ms.
 */
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
#include "domain/workflow.h"
#include "http/response.h"
#include "http/server.h"

#define CASES_PAGE_DEFAULT 50
#define CASES_PAGE_MAX 200

/* $5 state, $6 unit, $7 cell, $8 kind, $9 code (minor or major), $10 overdue
 * ('' any, 'true', 'false'), $11 due before, $12 updated after. */
#define CASE_FILTERS                                                                          \
	" AND ($5 = '' OR c.state = $5) AND ($6 = '' OR c.unit_id = nullif($6, '')::bigint)"     \
	" AND ($7 = '' OR c.cell_code = $7)"                                                    \
	" AND ($8 = '' OR (c.category_kind = $8 AND (c.category_code = $9 OR left(c.category_code, 2) = $9)))" \
	" AND ($10 = '' OR (c.state IN ('dispatched', 'in_progress') AND NOT c.suspended"        \
	"      AND c.due_at < now()) = ($10 = 'true'))"                                          \
	" AND ($11 = '' OR c.due_at < $11::timestamptz)"

#define CASE_ITEM                                                                             \
	"json_build_object('id', c.id, 'state', c.state, 'suspended', c.suspended,"              \
	" 'extension_pending', c.extension_pending, 'category', c.category_kind || ':' || c.category_code," \
	" 'urgent', c.urgent, 'cell', c.cell_code, 'unit_id', c.unit_id, 'description', c.description," \
	" 'location', json_build_object('type', 'Point', 'coordinates',"                         \
	"   json_build_array(round(ST_X(c.location)::numeric, 7), round(ST_Y(c.location)::numeric, 7))),"  \
	" 'due_at', c.due_at, 'overdue', c.state IN ('dispatched', 'in_progress') AND NOT c.suspended" \
	"   AND c.due_at < now(), 'version', c.version, 'created_at', c.created_at,"             \
	" 'updated_at', c.updated_at)::text"

static struct db_statement statements[] = {
	/* $13 cursor micros, $14 cursor id, $15 rows. */
	{"cases_list_recent",
	 "SELECT " CASE_ITEM ", ((extract(epoch FROM c.updated_at) * 1000000)::numeric)::bigint, c.id"
	 " FROM cases c WHERE" CASE_SCOPE CASE_FILTERS " AND $12 = ''"
	 " AND ($13 = '' OR (c.updated_at, c.id) < (timestamptz 'epoch' + $13::bigint * interval '1 microsecond', $14::bigint))"
	 " ORDER BY c.updated_at DESC, c.id DESC LIMIT $15::int",
	 15, 0},
	/* $16 settle (ms). */
	{"cases_list_changed",
	 "SELECT " CASE_ITEM ", ((extract(epoch FROM c.updated_at) * 1000000)::numeric)::bigint, c.id"
	 " FROM cases c WHERE" CASE_SCOPE CASE_FILTERS
	 " AND c.updated_at > $12::timestamptz AND c.updated_at <= now() - $16::int * interval '1 millisecond'"
	 " AND ($13 = '' OR (c.updated_at, c.id) > (timestamptz 'epoch' + $13::bigint * interval '1 microsecond', $14::bigint))"
	 " ORDER BY c.updated_at, c.id LIMIT $15::int",
	 16, 0},
};
enum { STMT_RECENT, STMT_CHANGED };

int cases_list_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

struct case_page {
	struct http_context *ctx;
	int limit;
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
	struct case_page *page = arg;
	struct http_context *ctx = page->ctx;
	int limit = page->limit;
	free(page);
	api_reply_page(ctx, r, limit, next_cursor);
}

void cases_list(struct http_context *ctx)
{
	const char *names[] = {"state", "unit", "cell", "category", "overdue", "due_before",
	                       "updated_after", "after"};
	enum { Q_STATE, Q_UNIT, Q_CELL, Q_CATEGORY, Q_OVERDUE, Q_DUE, Q_UPDATED, Q_AFTER, Q_COUNT };
	char *q[Q_COUNT];
	for (int i = 0; i < Q_COUNT; i++)
		q[i] = api_query_param(ctx, names[i]);
	json_t *errors = NULL;
	char kind[CODES_KIND_MAX] = "", code[CODES_CATEGORY_LEN + 1] = "";
	char micros[24] = "", cursor_id[CURSOR_ID_MAX] = "0";
	int64_t t;
	if (q[Q_STATE] && workflow_state_from_name(q[Q_STATE]) < 0)
		problem_add_error(&errors, "/query/state", "a case state: reported, registered, dispatched, in_progress, resolved, closed, rejected, merged, cancelled");
	if (q[Q_UNIT] && (strlen(q[Q_UNIT]) < 1 || strlen(q[Q_UNIT]) > 18 ||
	                  strspn(q[Q_UNIT], "0123456789") != strlen(q[Q_UNIT])))
		problem_add_error(&errors, "/query/unit", "a unit id");
	if (q[Q_CELL] && codes_check_grid_cell(q[Q_CELL], strlen(q[Q_CELL])) != CODES_OK)
		problem_add_error(&errors, "/query/cell", "a grid cell code of 14 or 15 digits");
	if (q[Q_CATEGORY] && codes_parse_category_ref(q[Q_CATEGORY], strlen(q[Q_CATEGORY]), kind, code) < 0)
		problem_add_error(&errors, "/query/category", "a category such as event:0102, or a major such as event:01");
	if (q[Q_OVERDUE] && strcmp(q[Q_OVERDUE], "true") != 0 && strcmp(q[Q_OVERDUE], "false") != 0)
		problem_add_error(&errors, "/query/overdue", "true or false");
	if (q[Q_DUE] && rfc3339_parse(q[Q_DUE], strlen(q[Q_DUE]), &t) < 0)
		problem_add_error(&errors, "/query/due_before", "an RFC 3339 time with offset");
	if (q[Q_UPDATED] && rfc3339_parse(q[Q_UPDATED], strlen(q[Q_UPDATED]), &t) < 0)
		problem_add_error(&errors, "/query/updated_after", "an RFC 3339 time with offset");
	if (q[Q_AFTER] && !cursor_decode(q[Q_AFTER], CURSOR_NUMBER, micros, cursor_id))
		problem_add_error(&errors, "/query/after", "the next value of the previous page");
	int limit = api_query_limit(ctx, CASES_PAGE_DEFAULT, CASES_PAGE_MAX, &errors);
	struct case_page *page = errors ? NULL : calloc(1, sizeof(*page));
	if (!page) {
		http_reply_problem(ctx, errors ? PROBLEM_VALIDATION : PROBLEM_INTERNAL, NULL, errors);
		goto out;
	}
	page->ctx = ctx;
	page->limit = limit;
	char uid[24], unit[24], rows[24], settle[16];
	snprintf(uid, sizeof(uid), "%lld", (long long)ctx->auth->id);
	snprintf(unit, sizeof(unit), "%lld", (long long)ctx->auth->unit_id);
	snprintf(rows, sizeof(rows), "%d", limit + 1);
	snprintf(settle, sizeof(settle), "%d", io_thread_app(ctx->thread)->cfg.report_sync_settle_ms);
#define OR_EMPTY(x) ((x) ? (x) : "")
	const char *params[] = {uid, auth_role_name(ctx->auth->role), ctx->auth->area_code, unit,
	                        OR_EMPTY(q[Q_STATE]), OR_EMPTY(q[Q_UNIT]), OR_EMPTY(q[Q_CELL]), kind,
	                        code, OR_EMPTY(q[Q_OVERDUE]), OR_EMPTY(q[Q_DUE]), OR_EMPTY(q[Q_UPDATED]),
	                        micros, cursor_id, rows, settle};
#undef OR_EMPTY
	db_query(io_thread_db(ctx->thread), &statements[q[Q_UPDATED] ? STMT_CHANGED : STMT_RECENT], params,
	         listed, page);
out:
	for (int i = 0; i < Q_COUNT; i++)
		free(q[i]);
}

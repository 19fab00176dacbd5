/*
 * ledger.c - the case ledger query, page by page (see ledger.h).
 */
#include "api/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/reports_sql.h"
#include "api/stats_query.h"
#include "auth/policy.h"

#define LOCAL(t) "to_char(" t " AT TIME ZONE z.zone, 'YYYY-MM-DD HH24:MI:SS')"

/*
 * $1 user, $2 role, $3 area, $4 unit (the caller's scope, CASE_SCOPE),
 * $5 first day, $6 last day (city days), $7 filter area, $8 filter unit
 * (0 none), $9 its sub-units too, $10 category prefix. The count and the
 * pages read the same rows.
 */
#define LEDGER_WITH                                                                              \
	"WITH RECURSIVE z AS (SELECT stats_zone() AS zone),"                                     \
	" filter_units AS (SELECT id FROM units WHERE id = $8::bigint"                          \
	"  UNION SELECT u.id FROM units u JOIN filter_units f ON u.parent_id = f.id WHERE $9::boolean)"
#define LEDGER_FROM                                                                              \
	" FROM cases c CROSS JOIN z"                                                             \
	" JOIN categories k ON k.kind = c.category_kind AND k.code = c.category_code"           \
	" JOIN grid_cells g ON g.code = c.cell_code"
#define LEDGER_WHERE                                                                             \
	" WHERE" CASE_SCOPE                                                                      \
	"  AND c.created_at >= $5::date::timestamp AT TIME ZONE z.zone"                         \
	"  AND c.created_at < ($6::date + 1)::timestamp AT TIME ZONE z.zone"                    \
	"  AND ($7 = '' OR c.cell_code LIKE $7 || '%')"                                          \
	"  AND ($8::bigint = 0 OR c.unit_id IN (SELECT id FROM filter_units))"                  \
	"  AND ($10 = '' OR c.category_kind || ':' || c.category_code LIKE $10 || '%')"

/*
 * The page: $11/$12 the last (created_at epoch µs, id) of the previous page
 * ('' first), $13 rows. The columns follow ledger_columns[], then the keyset.
 */
static struct db_statement statements[] = {
	{"ledger_page",
	 LEDGER_WITH
	 " SELECT c.id::text, " LOCAL("c.created_at") ", k.name_zh, c.category_kind || ':' || c.category_code,"
	 "  c.cell_code, cm.name, st.name, u.name,"
	 "  CASE c.state WHEN 'reported' THEN '待受理' WHEN 'registered' THEN '已立案' WHEN 'dispatched' THEN '已派遣'"
	 "   WHEN 'in_progress' THEN '处置中' WHEN 'resolved' THEN '待核查' WHEN 'closed' THEN '已结案'"
	 "   WHEN 'rejected' THEN '不予受理' WHEN 'merged' THEN '已合并' WHEN 'cancelled' THEN '已撤销'"
	 "   ELSE c.state END || CASE WHEN c.suspended THEN '（挂账）' ELSE '' END,"
	 "  CASE WHEN c.urgent THEN '是' ELSE '否' END,"
	 "  " LOCAL("c.registered_at") ", " LOCAL("c.dispatched_at") ", " LOCAL("c.due_at") ","
	 "  " LOCAL("c.resolved_at") ", " LOCAL("c.closed_at") ","
	 "  CASE WHEN c.state <> 'closed' THEN NULL WHEN c.resolved_at <= c.due_at THEN '是' ELSE '否' END,"
	 "  CASE WHEN c.state IN ('dispatched', 'in_progress') AND c.overdue_at IS NOT NULL THEN '是' ELSE '否' END,"
	 "  c.rework_count::text, c.extension_count::text, c.return_count::text, c.urge_count::text,"
	 "  to_char(c.handling_s / 3600.0, 'FM999999990.00'), rp.display_name, c.description,"
	 "  (extract(epoch FROM c.created_at) * 1000000)::bigint::text"
	 LEDGER_FROM
	 " LEFT JOIN areas cm ON cm.code = g.community_code"
	 " LEFT JOIN areas st ON st.code = left(g.community_code, 9)"
	 " LEFT JOIN units u ON u.id = c.unit_id"
	 " LEFT JOIN users rp ON rp.id = c.reporter_id"
	 LEDGER_WHERE
	 "  AND ($11 = '' OR (c.created_at, c.id)"
	 "   > (to_timestamp(nullif($11, '')::bigint / 1000000.0), nullif($12, '')::bigint))"
	 " ORDER BY c.created_at, c.id LIMIT $13::int",
	 13, 0},
	/* The rows of every page, counted once when a background job starts. */
	{"ledger_count", LEDGER_WITH " SELECT count(*)::text" LEDGER_FROM LEDGER_WHERE, 10, 0},
};
enum { STMT_PAGE, STMT_COUNT };

int ledger_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

static const struct export_column ledger_columns[] = {
	{"案卷号", EXPORT_INTEGER, 10},      {"上报时间", EXPORT_DATETIME, 0}, {"问题类别", EXPORT_TEXT, 16},
	{"类别代码", EXPORT_TEXT, 16},       {"网格", EXPORT_TEXT, 18},        {"社区", EXPORT_TEXT, 14},
	{"街道", EXPORT_TEXT, 14},           {"责任单位", EXPORT_TEXT, 24},    {"状态", EXPORT_TEXT, 14},
	{"紧急", EXPORT_TEXT, 6},            {"立案时间", EXPORT_DATETIME, 0}, {"派遣时间", EXPORT_DATETIME, 0},
	{"处置时限", EXPORT_DATETIME, 0},    {"处置完成时间", EXPORT_DATETIME, 0}, {"结案时间", EXPORT_DATETIME, 0},
	{"按期结案", EXPORT_TEXT, 10},       {"当前超期", EXPORT_TEXT, 10},    {"返工次数", EXPORT_INTEGER, 0},
	{"延期次数", EXPORT_INTEGER, 0},     {"回退次数", EXPORT_INTEGER, 0},  {"督办次数", EXPORT_INTEGER, 0},
	{"处置用时（工作小时）", EXPORT_NUMBER, 0}, {"上报人", EXPORT_TEXT, 12}, {"问题描述", EXPORT_TEXT, 40},
};
#define LEDGER_COLUMNS (sizeof(ledger_columns) / sizeof(ledger_columns[0]))

const struct export_sheet ledger_sheet = {"案件台账", ledger_columns, LEDGER_COLUMNS};

void ledger_query_init(struct ledger_query *lq, const struct auth_user *user,
                       const struct stats_query *q)
{
	memset(lq, 0, sizeof(*lq));
	snprintf(lq->uid, sizeof(lq->uid), "%lld", (long long)user->id);
	snprintf(lq->role, sizeof(lq->role), "%s", auth_role_name(user->role));
	snprintf(lq->scope_area, sizeof(lq->scope_area), "%s", user->area_code);
	snprintf(lq->scope_unit, sizeof(lq->scope_unit), "%lld", (long long)user->unit_id);
	stats_format_day(q->from_day, lq->from);
	stats_format_day(q->to_day, lq->to);
	snprintf(lq->area, sizeof(lq->area), "%s", q->area);
	snprintf(lq->unit, sizeof(lq->unit), "%lld", q->unit);
	snprintf(lq->subunits, sizeof(lq->subunits), "%s", q->subunits ? "true" : "false");
	snprintf(lq->category, sizeof(lq->category), "%s", q->category);
}

json_t *ledger_query_json(const struct ledger_query *lq)
{
	long long unit = strtoll(lq->unit, NULL, 10);
	return json_pack("{s:s, s:s, s:s?, s:o, s:b, s:s?}", "from", lq->from, "to", lq->to, "area",
	                 lq->area[0] ? lq->area : NULL, "unit",
	                 unit ? json_integer(unit) : json_null(), "include_subunits",
	                 strcmp(lq->subunits, "true") == 0, "category",
	                 lq->category[0] ? lq->category : NULL);
}

void ledger_read_page(struct db_pool *db, const struct ledger_query *lq, db_result_cb cb,
                      void *arg)
{
	char rows[16];
	snprintf(rows, sizeof(rows), "%d", LEDGER_PAGE);
	const char *params[] = {lq->uid,  lq->role,     lq->scope_area, lq->scope_unit, lq->from,
	                        lq->to,   lq->area,     lq->unit,       lq->subunits,   lq->category,
	                        lq->after_at, lq->after_id, rows};
	db_query(db, &statements[STMT_PAGE], params, cb, arg);
}

int ledger_take_page(struct ledger_query *lq, const PGresult *page, struct export_rows *rows)
{
	int n = PQntuples(page);
	for (int i = 0; i < n; i++) {
		const char *values[LEDGER_COLUMNS];
		for (size_t c = 0; c < LEDGER_COLUMNS; c++)
			values[c] = PQgetisnull(page, i, (int)c) ? NULL : PQgetvalue(page, i, (int)c);
		if (export_rows_add(rows, values) < 0)
			return -1;
	}
	if (n > 0) {
		snprintf(lq->after_at, sizeof(lq->after_at), "%s", PQgetvalue(page, n - 1, (int)LEDGER_COLUMNS));
		snprintf(lq->after_id, sizeof(lq->after_id), "%s", PQgetvalue(page, n - 1, 0));
	}
	return n < LEDGER_PAGE;
}

void ledger_count(struct db_pool *db, const struct ledger_query *lq, db_result_cb cb, void *arg)
{
	const char *params[] = {lq->uid, lq->role, lq->scope_area, lq->scope_unit, lq->from,
	                        lq->to,  lq->area, lq->unit,       lq->subunits,   lq->category};
	db_query(db, &statements[STMT_COUNT], params, cb, arg);
}

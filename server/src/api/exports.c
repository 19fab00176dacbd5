/*
 * exports.c - ledgers (台账) and tables as CSV and XLSX files.
 *
 * GET /v1/exports/cases.csv|cases.xlsx?from=&to=|month=&unit=&area=&category=
 *     the case ledger: every case reported in the period, within the
 *     caller's scope, with what a supervisor checks (times in city time).
 * GET /v1/exports/closure.csv|closure.xlsx?(the query of /v1/stats/closure)
 * GET /v1/exports/assessment-YYYY-MM.csv|.xlsx
 *
 * The rows are read on the I/O thread without blocking (the ledger page by
 * page in (created_at, id) order); the file is written on the worker pool
 * (export/csv.c, export/xlsx.c) and sent whole. A ledger of more than
 * export_max_rows rows is refused with the count, so one request never
 * holds more than that in memory.
 */
#include "api/routes.h"

#include "api/assessments.h"
#include "api/common.h"
#include "api/reports_sql.h"
#include "api/stats_query.h"
#include "app.h"
#include "auth/policy.h"
#include "export/csv.h"
#include "export/xlsx.h"
#include "http/problem.h"
#include "http/response.h"
#include "http/router.h"
#include "http/server.h"
#include "log.h"
#include "workers.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LEDGER_PAGE 2000

#define LOCAL(t) "to_char(" t " AT TIME ZONE z.zone, 'YYYY-MM-DD HH24:MI:SS')"

/*
 * $1 user, $2 role, $3 area, $4 unit (the caller's scope, CASE_SCOPE),
 * $5 first day, $6 last day (city days), $7 filter area, $8 filter unit
 * (0 none), $9 its sub-units too, $10 category prefix, $11/$12 the last
 * (created_at epoch µs, id) of the previous page ('' first), $13 rows.
 * The columns follow ledger_columns[], then the keyset.
 */
static struct db_statement statements[] = {
	{"exports_ledger",
	 "WITH RECURSIVE z AS (SELECT stats_zone() AS zone),"
	 " filter_units AS (SELECT id FROM units WHERE id = $8::bigint"
	 "  UNION SELECT u.id FROM units u JOIN filter_units f ON u.parent_id = f.id WHERE $9::boolean)"
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
	 " FROM cases c CROSS JOIN z"
	 " JOIN categories k ON k.kind = c.category_kind AND k.code = c.category_code"
	 " JOIN grid_cells g ON g.code = c.cell_code"
	 " LEFT JOIN areas cm ON cm.code = g.community_code"
	 " LEFT JOIN areas st ON st.code = left(g.community_code, 9)"
	 " LEFT JOIN units u ON u.id = c.unit_id"
	 " LEFT JOIN users rp ON rp.id = c.reporter_id"
	 " WHERE" CASE_SCOPE
	 "  AND c.created_at >= $5::date::timestamp AT TIME ZONE z.zone"
	 "  AND c.created_at < ($6::date + 1)::timestamp AT TIME ZONE z.zone"
	 "  AND ($7 = '' OR c.cell_code LIKE $7 || '%')"
	 "  AND ($8::bigint = 0 OR c.unit_id IN (SELECT id FROM filter_units))"
	 "  AND ($10 = '' OR c.category_kind || ':' || c.category_code LIKE $10 || '%')"
	 "  AND ($11 = '' OR (c.created_at, c.id)"
	 "   > (to_timestamp(nullif($11, '')::bigint / 1000000.0), nullif($12, '')::bigint))"
	 " ORDER BY c.created_at, c.id LIMIT $13::int",
	 13, 0},
};
enum { STMT_LEDGER };

int exports_register_statements(void)
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

/* A column of a JSON table: the member it comes from. */
struct json_column {
	struct export_column column;
	const char *member;
};

static const struct json_column closure_columns[] = {
	{{"分组", EXPORT_TEXT, 18}, "key"},              {{"名称", EXPORT_TEXT, 24}, "name"},
	{{"排名", EXPORT_INTEGER, 0}, "rank"},           {{"上报数", EXPORT_INTEGER, 0}, "reported"},
	{{"立案数", EXPORT_INTEGER, 0}, "registered"},   {{"派遣数", EXPORT_INTEGER, 0}, "dispatched"},
	{{"应结案数", EXPORT_INTEGER, 0}, "due"},        {{"挂账数", EXPORT_INTEGER, 0}, "due_suspended"},
	{{"结案数", EXPORT_INTEGER, 0}, "closed"},       {{"按期结案数", EXPORT_INTEGER, 0}, "closed_on_time"},
	{{"结案率", EXPORT_PERCENT, 0}, "closure_rate"}, {{"按期结案率", EXPORT_PERCENT, 0}, "on_time_closure_rate"},
	{{"返工案件数", EXPORT_INTEGER, 0}, "reworked"}, {{"返工率", EXPORT_PERCENT, 0}, "rework_rate"},
	{{"延期案件数", EXPORT_INTEGER, 0}, "extended"}, {{"延期率", EXPORT_PERCENT, 0}, "extension_rate"},
	{{"回退数", EXPORT_INTEGER, 0}, "returns"},      {{"督办数", EXPORT_INTEGER, 0}, "urges"},
	{{"当前超期数", EXPORT_INTEGER, 0}, "overdue"},
	{{"平均处置用时（工作小时）", EXPORT_NUMBER, 0}, "mean_handling_hours"},
	{{"P90处置用时（工作小时）", EXPORT_NUMBER, 0}, "p90_handling_hours"},
	{{"样本不足", EXPORT_TEXT, 10}, "sample_too_small"},
};

static const struct json_column assessment_columns[] = {
	{{"排名", EXPORT_INTEGER, 0}, "rank"},             {{"责任单位", EXPORT_TEXT, 28}, "name"},
	{{"得分", EXPORT_NUMBER, 0}, "score"},             {{"上月排名", EXPORT_INTEGER, 0}, "previous_rank"},
	{{"名次变化", EXPORT_INTEGER, 0}, "rank_change"},  {{"应结案数", EXPORT_INTEGER, 0}, "due"},
	{{"结案数", EXPORT_INTEGER, 0}, "closed"},         {{"按期结案数", EXPORT_INTEGER, 0}, "closed_on_time"},
	{{"结案率", EXPORT_PERCENT, 0}, "closure_rate"},   {{"按期结案率", EXPORT_PERCENT, 0}, "on_time_closure_rate"},
	{{"返工率", EXPORT_PERCENT, 0}, "rework_rate"},    {{"延期率", EXPORT_PERCENT, 0}, "extension_rate"},
	{{"督办数", EXPORT_INTEGER, 0}, "urges"},          {{"样本不足", EXPORT_TEXT, 10}, "sample_too_small"},
};

/* ---- one export ------------------------------------------------------------------ */

enum export_format { FORMAT_CSV, FORMAT_XLSX };

struct export_job {
	struct http_context *ctx;
	struct app *app;
	enum export_format format;
	char filename[64];
	struct export_sheet sheet;
	struct export_column *columns;   /* owned (JSON tables) or NULL */
	char **cells;                    /* rows × ncolumns, owned, NULL = blank */
	size_t rows, capacity;
	int max_rows;
	/* the ledger's query and keyset */
	struct stats_query q;
	char uid[24], unit[24], filter_unit[24], after_at[24], after_id[24];
	/* the worker's result */
	struct evbuffer *out;
	char path[64];
	bool failed;
};

static void job_free(struct export_job *j)
{
	for (size_t i = 0; i < j->rows * j->sheet.ncolumns; i++)
		free(j->cells[i]);
	free(j->cells);
	free(j->columns);
	if (j->out)
		evbuffer_free(j->out);
	free(j);
}

/* Appends one row of ncolumns values (copied; NULL or "" blank). */
static int add_row(struct export_job *j, const char *const *values)
{
	size_t n = j->sheet.ncolumns;
	if (j->rows == j->capacity) {
		size_t cap = j->capacity ? j->capacity * 2 : 256;
		char **cells = realloc(j->cells, cap * n * sizeof(*cells));
		if (!cells)
			return -1;
		j->cells = cells;
		j->capacity = cap;
	}
	char **row = j->cells + j->rows * n;
	for (size_t i = 0; i < n; i++)
		row[i] = values[i] && values[i][0] ? strdup(values[i]) : NULL;
	j->rows++;
	return 0;
}

/* Worker thread: the whole file, into j->out. */
static void write_file(void *arg)
{
	struct export_job *j = arg;
	j->out = evbuffer_new();
	if (!j->out) {
		j->failed = true;
		return;
	}
	size_t n = j->sheet.ncolumns;
	if (j->format == FORMAT_CSV) {
		export_csv_begin(j->out, &j->sheet);
		for (size_t r = 0; r < j->rows; r++)
			if (export_csv_row(j->out, &j->sheet, (const char *const *)(j->cells + r * n)) < 0)
				j->failed = true;
		return;
	}
	const char *dir = getenv("TMPDIR");
	snprintf(j->path, sizeof(j->path), "%s/gridd-export-XXXXXX", dir && strlen(dir) < 40 ? dir : "/tmp");
	int fd = mkstemp(j->path);
	if (fd < 0) {
		j->failed = true;
		return;
	}
	close(fd);
	struct export_xlsx *x = export_xlsx_open(j->path, &j->sheet);
	for (size_t r = 0; x && r < j->rows; r++)
		if (export_xlsx_row(x, (const char *const *)(j->cells + r * n)) < 0)
			j->failed = true;
	if (!x || export_xlsx_close(x) < 0) {
		j->failed = true;
	} else {
		FILE *f = fopen(j->path, "rb");
		char buf[65536];
		size_t got;
		while (f && (got = fread(buf, 1, sizeof(buf), f)) > 0)
			evbuffer_add(j->out, buf, got);
		if (!f || ferror(f))
			j->failed = true;
		if (f)
			fclose(f);
	}
	unlink(j->path);
}

/* Back on the I/O thread: send it. */
static void file_written(void *arg)
{
	struct export_job *j = arg;
	struct http_context *ctx = j->ctx;
	if (j->failed) {
		const char *fields[] = {"request_id", ctx->request_id, "export", j->filename, NULL, NULL};
		log_event(LOG_LEVEL_ERROR, "export failed", fields);
		job_free(j);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	char disposition[160];
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", j->filename);
	http_set_header(ctx, "Content-Disposition", disposition);
	http_set_header(ctx, "Cache-Control", "no-store");
	size_t len = evbuffer_get_length(j->out);
	const unsigned char *bytes = evbuffer_pullup(j->out, -1);
	http_reply_bytes(ctx, 200,
	                 j->format == FORMAT_CSV
	                     ? "text/csv; charset=utf-8"
	                     : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	                 bytes, len);
	job_free(j);
}

static void write_and_send(struct export_job *j)
{
	if (workers_submit(j->app->workers, write_file, file_written, j, io_thread_base(j->ctx->thread)) < 0) {
		struct http_context *ctx = j->ctx;
		job_free(j);
		http_reply_problem(ctx, PROBLEM_DB_UNAVAILABLE, "shutting down", NULL);
	}
}

/* ---- tables from JSON ----------------------------------------------------------------- */

static void json_value_text(json_t *v, enum export_kind kind, char out[64])
{
	out[0] = '\0';
	if (json_is_integer(v))
		snprintf(out, 64, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, 64, "%.2f", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(out, 64, "%s", json_is_true(v) ? "是" : "否");
	(void)kind;
}

/* Rows of JSON objects → the job's cells, by columns. */
static int table_from_json(struct export_job *j, const struct json_column *cols, size_t ncols, json_t *rows)
{
	j->columns = calloc(ncols, sizeof(*j->columns));
	if (!j->columns)
		return -1;
	for (size_t c = 0; c < ncols; c++)
		j->columns[c] = cols[c].column;
	j->sheet.columns = j->columns;
	j->sheet.ncolumns = ncols;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		char text[32][64];
		const char *values[32];
		for (size_t c = 0; c < ncols && c < 32; c++) {
			json_t *v = json_object_get(row, cols[c].member);
			if (json_is_string(v)) {
				values[c] = json_string_value(v);
			} else {
				json_value_text(v, cols[c].column.kind, text[c]);
				values[c] = text[c];
			}
		}
		if (add_row(j, values) < 0)
			return -1;
	}
	return 0;
}

static struct export_job *job_new(struct http_context *ctx, enum export_format format)
{
	struct export_job *j = calloc(1, sizeof(*j));
	if (!j) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return NULL;
	}
	j->ctx = ctx;
	j->app = io_thread_app(ctx->thread);
	j->format = format;
	j->max_rows = j->app->cfg.export_max_rows;
	return j;
}

/* ---- the closure table and the assessment ---------------------------------------------- */

/* Rows of a JSON answer (NULL: failed) as the sheet of columns, then the file. */
static void send_table(struct http_context *ctx, struct export_job *j, const char *sheet,
                       const struct json_column *cols, size_t ncols, json_t *rows)
{
	j->sheet.name = sheet;
	if (!rows || table_from_json(j, cols, ncols, rows) < 0) {
		job_free(j);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	write_and_send(j);
}

static void closure_ready(struct http_context *ctx, struct stats_result *res, void *arg)
{
	struct export_job *j = arg;
	if (!res) {
		job_free(j);
		return;
	}
	json_t *body = stats_closure_json(&j->q, res);
	stats_result_free(res);
	send_table(ctx, j, "结案率统计", closure_columns, sizeof(closure_columns) / sizeof(closure_columns[0]),
	           json_object_get(body, "rows"));
	json_decref(body);
}

static void assessment_ready(struct http_context *ctx, json_t *body, void *arg)
{
	struct export_job *j = arg;
	if (!body) {
		job_free(j);
		return;
	}
	send_table(ctx, j, "月度考核", assessment_columns, sizeof(assessment_columns) / sizeof(assessment_columns[0]),
	           json_object_get(body, "rows"));
	json_decref(body);
}

/* ---- the case ledger ------------------------------------------------------------------------ */

static void ledger_next(struct export_job *j);

static void ledger_page(const struct db_result *r, void *arg)
{
	struct export_job *j = arg;
	struct http_context *ctx = j->ctx;
	if (r->status != DB_OK) {
		job_free(j);
		api_reply_db_failure(ctx, r);
		return;
	}
	int n = PQntuples(r->res);
	if (j->rows + (size_t)n > (size_t)j->max_rows) {
		char detail[160];
		snprintf(detail, sizeof(detail),
		         "more than %d cases in this range (export_max_rows): export a shorter range, e.g. month by month",
		         j->max_rows);
		job_free(j);
		http_reply_problem(ctx, PROBLEM_UNPROCESSABLE, detail, NULL);
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *values[LEDGER_COLUMNS];
		for (size_t c = 0; c < LEDGER_COLUMNS; c++)
			values[c] = PQgetisnull(r->res, i, (int)c) ? NULL : PQgetvalue(r->res, i, (int)c);
		if (add_row(j, values) < 0) {
			job_free(j);
			http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
			return;
		}
	}
	if (n < LEDGER_PAGE) {
		write_and_send(j);
		return;
	}
	snprintf(j->after_at, sizeof(j->after_at), "%s", PQgetvalue(r->res, n - 1, (int)LEDGER_COLUMNS));
	snprintf(j->after_id, sizeof(j->after_id), "%s", PQgetvalue(r->res, n - 1, 0));
	ledger_next(j);
}

static void ledger_next(struct export_job *j)
{
	struct http_context *ctx = j->ctx;
	char from[11], to[11], rows[16];
	stats_format_day(j->q.from_day, from);
	stats_format_day(j->q.to_day, to);
	snprintf(rows, sizeof(rows), "%d", LEDGER_PAGE);
	const char *params[] = {j->uid, auth_role_name(ctx->auth->role), ctx->auth->area_code, j->unit, from, to,
	                        j->q.area, j->filter_unit, j->q.subunits ? "true" : "false", j->q.category,
	                        j->after_at, j->after_id, rows};
	db_query(io_thread_db(ctx->thread), &statements[STMT_LEDGER], params, ledger_page, j);
}

/* ---- GET /v1/exports/{name} ----------------------------------------------------------------- */

void exports_get(struct http_context *ctx)
{
	size_t len = 0;
	const char *name = route_param(&ctx->match, "name", &len);
	char file[48] = "";
	if (name && len < sizeof(file))
		memcpy(file, name, len);
	const char *dot = strrchr(file, '.');
	enum export_format format = dot && strcmp(dot, ".xlsx") == 0 ? FORMAT_XLSX : FORMAT_CSV;
	size_t stem = dot ? (size_t)(dot - file) : 0;
	bool known_format = dot && (strcmp(dot, ".csv") == 0 || strcmp(dot, ".xlsx") == 0);
	bool ledger = known_format && stem == 5 && strncmp(file, "cases", 5) == 0;
	bool closure = known_format && stem == 7 && strncmp(file, "closure", 7) == 0;
	bool assessment = known_format && stem == 18 && strncmp(file, "assessment-", 11) == 0;
	if (!ledger && !closure && !assessment) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND,
		                   "exports: cases.csv, cases.xlsx, closure.csv, closure.xlsx, "
		                   "assessment-YYYY-MM.csv, assessment-YYYY-MM.xlsx",
		                   NULL);
		return;
	}
	if (ctx->auth->role == ROLE_GRID_WORKER && !ledger) {
		http_reply_problem(ctx, PROBLEM_FORBIDDEN, "statistics are for dispatchers, units and supervisors", NULL);
		return;
	}
	struct export_job *j = job_new(ctx, format);
	if (!j)
		return;
	snprintf(j->filename, sizeof(j->filename), "%s", file);
	if (assessment) {
		assessments_load(ctx, file + 11, 7, assessment_ready, j);
		return;
	}
	json_t *errors = NULL;
	if (stats_query_parse(ctx, STATS_QUERY_TABLE, &j->q, &errors) < 0) {
		job_free(j);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	json_decref(errors);
	if (closure) {
		stats_query_run(ctx, &j->q, closure_ready, j);
		return;
	}
	j->sheet.name = "案件台账";
	j->sheet.columns = ledger_columns;
	j->sheet.ncolumns = LEDGER_COLUMNS;
	snprintf(j->uid, sizeof(j->uid), "%lld", (long long)ctx->auth->id);
	snprintf(j->unit, sizeof(j->unit), "%lld", (long long)ctx->auth->unit_id);
	snprintf(j->filter_unit, sizeof(j->filter_unit), "%lld", j->q.unit);
	ledger_next(j);
}

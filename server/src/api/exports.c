/*
 * exports.c - ledgers (台账) and tables as CSV and XLSX files.
 *
 * GET /v1/exports/cases.csv|cases.xlsx?from=&to=|month=&unit=&area=&category=
 *     the case ledger (api/ledger.h): every case reported in the period,
 *     within the caller's scope, with what a supervisor checks.
 * GET /v1/exports/closure.csv|closure.xlsx?(the query of /v1/stats/closure)
 * GET /v1/exports/assessment-YYYY-MM.csv|.xlsx
 *
 * The rows are read on the I/O thread without blocking (the ledger page by
 * page); the file is written on the worker pool (export/csv.c,
 * export/xlsx.c) and sent whole. A ledger longer than export_max_rows is
 * not held in one request: at the page that crosses the cap it becomes a
 * background job (jobs/export_job.h), which keeps the rows read so far,
 * and the client gets 202 and the job's URL. Prefer: respond-async (RFC
 * 7240) asks for a job from the start. The closure table and the
 * assessment are small and always answered here.
 */
#include "api/routes.h"

#include "api/assessments.h"
#include "api/common.h"
#include "api/ledger.h"
#include "api/stats_query.h"
#include "app.h"
#include "auth/policy.h"
#include "export/csv.h"
#include "export/rows.h"
#include "export/xlsx.h"
#include "http/problem.h"
#include "http/response.h"
#include "http/router.h"
#include "http/server.h"
#include "jobs/export_job.h"
#include "log.h"
#include "workers.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

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

/* One request's export; freed by export_free, whoever answers. */
struct export_request {
	struct http_context *ctx;
	struct app *app;
	enum export_format format;
	char filename[64];
	struct export_sheet sheet;
	struct export_column *columns;   /* owned (JSON tables) or NULL */
	struct export_rows rows;         /* owned */
	int max_rows;
	/* the ledger */
	struct stats_query q;
	struct ledger_query lq;
	/* the worker's result */
	struct evbuffer *out;
	char path[64];
	bool failed;
};

static void export_free(struct export_request *e)
{
	export_rows_free(&e->rows);
	free(e->columns);
	if (e->out)
		evbuffer_free(e->out);
	free(e);
}

/* Worker thread: the whole file, into e->out. */
static void write_file(void *arg)
{
	struct export_request *e = arg;
	e->out = evbuffer_new();
	if (!e->out) {
		e->failed = true;
		return;
	}
	if (e->format == EXPORT_FORMAT_CSV) {
		export_csv_begin(e->out, &e->sheet);
		for (size_t r = 0; r < e->rows.count; r++)
			if (export_csv_row(e->out, &e->sheet, export_rows_row(&e->rows, r)) < 0)
				e->failed = true;
		return;
	}
	const char *dir = getenv("TMPDIR");
	snprintf(e->path, sizeof(e->path), "%s/gridd-export-XXXXXX", dir && strlen(dir) < 40 ? dir : "/tmp");
	int fd = mkstemp(e->path);
	if (fd < 0) {
		e->failed = true;
		return;
	}
	close(fd);
	struct export_xlsx *x = export_xlsx_open(e->path, &e->sheet);
	for (size_t r = 0; x && r < e->rows.count; r++)
		if (export_xlsx_row(x, export_rows_row(&e->rows, r)) < 0)
			e->failed = true;
	if (!x || export_xlsx_close(x) < 0) {
		e->failed = true;
	} else {
		FILE *f = fopen(e->path, "rb");
		char buf[65536];
		size_t got;
		while (f && (got = fread(buf, 1, sizeof(buf), f)) > 0)
			evbuffer_add(e->out, buf, got);
		if (!f || ferror(f))
			e->failed = true;
		if (f)
			fclose(f);
	}
	unlink(e->path);
}

/* Back on the I/O thread: send it. */
static void file_written(void *arg)
{
	struct export_request *e = arg;
	struct http_context *ctx = e->ctx;
	if (e->failed) {
		const char *fields[] = {"request_id", ctx->request_id, "export", e->filename, NULL, NULL};
		log_event(LOG_LEVEL_ERROR, "export failed", fields);
		export_free(e);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	char disposition[160];
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", e->filename);
	http_set_header(ctx, "Content-Disposition", disposition);
	http_set_header(ctx, "Cache-Control", "no-store");
	size_t len = evbuffer_get_length(e->out);
	const unsigned char *bytes = evbuffer_pullup(e->out, -1);
	http_reply_bytes(ctx, 200, export_format_content_type(e->format), bytes, len);
	export_free(e);
}

static void write_and_send(struct export_request *e)
{
	if (workers_submit(e->app->workers, write_file, file_written, e, io_thread_base(e->ctx->thread)) < 0) {
		struct http_context *ctx = e->ctx;
		export_free(e);
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

/* Rows of JSON objects -> the export's rows, by columns. */
static int table_from_json(struct export_request *e, const struct json_column *cols, size_t ncols, json_t *rows)
{
	e->columns = calloc(ncols, sizeof(*e->columns));
	if (!e->columns)
		return -1;
	for (size_t c = 0; c < ncols; c++)
		e->columns[c] = cols[c].column;
	e->sheet.columns = e->columns;
	e->sheet.ncolumns = ncols;
	export_rows_init(&e->rows, ncols);
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
		if (export_rows_add(&e->rows, values) < 0)
			return -1;
	}
	return 0;
}

static struct export_request *export_new(struct http_context *ctx, enum export_format format)
{
	struct export_request *e = calloc(1, sizeof(*e));
	if (!e) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return NULL;
	}
	e->ctx = ctx;
	e->app = io_thread_app(ctx->thread);
	e->format = format;
	e->max_rows = e->app->cfg.export_max_rows;
	return e;
}

/* ---- the closure table and the assessment ---------------------------------------------- */

/* Rows of a JSON answer (NULL: failed) as the sheet of columns, then the file. */
static void send_table(struct http_context *ctx, struct export_request *e, const char *sheet,
                       const struct json_column *cols, size_t ncols, json_t *rows)
{
	e->sheet.name = sheet;
	if (!rows || table_from_json(e, cols, ncols, rows) < 0) {
		export_free(e);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	write_and_send(e);
}

static void closure_ready(struct http_context *ctx, struct stats_result *res, void *arg)
{
	struct export_request *e = arg;
	if (!res) {
		export_free(e);
		return;
	}
	json_t *body = stats_closure_json(&e->q, res);
	stats_result_free(res);
	send_table(ctx, e, "结案率统计", closure_columns, sizeof(closure_columns) / sizeof(closure_columns[0]),
	           json_object_get(body, "rows"));
	json_decref(body);
}

static void assessment_ready(struct http_context *ctx, json_t *body, void *arg)
{
	struct export_request *e = arg;
	if (!body) {
		export_free(e);
		return;
	}
	send_table(ctx, e, "月度考核", assessment_columns, sizeof(assessment_columns) / sizeof(assessment_columns[0]),
	           json_object_get(body, "rows"));
	json_decref(body);
}

/* ---- the case ledger ------------------------------------------------------------------------ */

/* The ledger goes on as a background job, with the rows read so far; the
 * job answers the request. */
static void ledger_to_job(struct export_request *e, bool complete, bool preferred)
{
	struct export_job_request req = {.format = e->format, .query = e->lq, .rows = e->rows,
	                                 .complete = complete, .preferred = preferred};
	snprintf(req.name, sizeof(req.name), "%s", e->filename);
	export_rows_init(&e->rows, ledger_sheet.ncolumns); /* taken */
	struct http_context *ctx = e->ctx;
	export_free(e);
	export_job_start(ctx, &req);
}

static void ledger_page_read(const struct db_result *r, void *arg)
{
	struct export_request *e = arg;
	struct http_context *ctx = e->ctx;
	if (r->status != DB_OK) {
		export_free(e);
		api_reply_db_failure(ctx, r);
		return;
	}
	int taken = ledger_take_page(&e->lq, r->res, &e->rows);
	if (taken < 0) {
		export_free(e);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	bool last = taken == 1;
	if (e->rows.count > (size_t)e->max_rows) {
		ledger_to_job(e, last, false);
		return;
	}
	if (last) {
		write_and_send(e);
		return;
	}
	ledger_read_page(io_thread_db(ctx->thread), &e->lq, ledger_page_read, e);
}

/*
 * True when the request's Prefer header (RFC 7240: comma-separated
 * preferences, each a token with optional "=value" and ";parameters")
 * holds respond-async.
 */
static bool prefers_async(struct http_context *ctx)
{
	const char *prefer = evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "Prefer");
	static const char token[] = "respond-async";
	for (const char *p = prefer; p && *p;) {
		p += strspn(p, " \t,");
		size_t len = strcspn(p, " \t,;=");
		if (len == sizeof(token) - 1 && strncasecmp(p, token, len) == 0)
			return true;
		p = strchr(p, ',');
	}
	return false;
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
	enum export_format format = dot && strcmp(dot, ".xlsx") == 0 ? EXPORT_FORMAT_XLSX : EXPORT_FORMAT_CSV;
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
	struct export_request *e = export_new(ctx, format);
	if (!e)
		return;
	snprintf(e->filename, sizeof(e->filename), "%s", file);
	if (assessment) {
		assessments_load(ctx, file + 11, 7, assessment_ready, e);
		return;
	}
	json_t *errors = NULL;
	if (stats_query_parse(ctx, STATS_QUERY_TABLE, &e->q, &errors) < 0) {
		export_free(e);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	json_decref(errors);
	if (closure) {
		stats_query_run(ctx, &e->q, closure_ready, e);
		return;
	}
	e->sheet = ledger_sheet;
	export_rows_init(&e->rows, ledger_sheet.ncolumns);
	ledger_query_init(&e->lq, ctx->auth, &e->q);
	if (prefers_async(ctx)) {
		ledger_to_job(e, false, true);
		return;
	}
	ledger_read_page(io_thread_db(ctx->thread), &e->lq, ledger_page_read, e);
}

/*
 * export_jobs.c - background exports as a client sees them.
 *
 * GET /v1/exports/jobs?after=&limit=   the caller's jobs, newest first
 * GET /v1/exports/jobs/{id}            running: 202, the progress and
 *                                      Retry-After; done: 200 and the file;
 *                                      failed: a problem that says to
 *                                      request the export again
 *
 * A job is its owner's only: anyone else gets the 404 of an unknown id. An
 * expired job (the sweeper has not removed it yet) is unknown too. The jobs
 * themselves run in jobs/export_job.c, on whichever instance took the
 * request; any instance answers for them from the row and export_dir.
 *
 * The file is opened on the worker pool and handed to libevent, which sends
 * it with sendfile from the I/O thread's loop (as h2o does): the I/O thread
 * never reads it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/common.h"
#include "api/routes.h"
#include "app.h"
#include "auth/policy.h"
#include "export/spool.h"
#include "http/response.h"
#include "http/server.h"
#include "jobs/export_job.h"
#include "log.h"
#include "workers.h"

static struct db_statement statements[] = {
	/* $1 job, $2 user. The state as readers see it (stale = failed). */
	{"export_jobs_get",
	 "SELECT " EXPORT_JOB_JSON "::text,"
	 " CASE WHEN " EXPORT_JOB_STALE_SQL " THEN 'failed' ELSE j.state END,"
	 " CASE WHEN " EXPORT_JOB_STALE_SQL " THEN 'interrupted' ELSE j.error_code END,"
	 " j.format, j.name"
	 " FROM export_jobs j WHERE j.id = $1::bigint AND j.user_id = $2::bigint AND j.expires_at > now()",
	 2, 0},
	/* $1 user, $2 after id (0 = first page), $3 rows. */
	{"export_jobs_list",
	 "SELECT " EXPORT_JOB_JSON "::text, j.id FROM export_jobs j"
	 " WHERE j.user_id = $1::bigint AND j.expires_at > now() AND ($2::bigint = 0 OR j.id < $2::bigint)"
	 " ORDER BY j.id DESC LIMIT $3::int",
	 3, 0},
};
enum { STMT_GET, STMT_LIST };

int export_jobs_api_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

/* ---- the list -------------------------------------------------------------------------- */

void exports_jobs_list(struct http_context *ctx)
{
	json_t *errors = NULL;
	char *after = api_query_after_id(ctx, &errors);
	int limit = api_query_limit(ctx, 20, 100, &errors);
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		free(after);
		return;
	}
	char uid[24], rows[16];
	snprintf(uid, sizeof(uid), "%lld", (long long)ctx->auth->id);
	snprintf(rows, sizeof(rows), "%d", limit + 1);
	const char *params[] = {uid, after ? after : "0", rows};
	api_list_by_id(ctx, &statements[STMT_LIST], params, limit);
	free(after);
}

/* ---- one job --------------------------------------------------------------------------- */

/* A finished job's file on its way to the client. */
struct download {
	struct http_context *ctx;
	const char *dir;          /* the app's export_dir */
	long long id;
	enum export_format format;
	char name[64];
	int fd;                   /* the open file, or -errno */
	off_t size;
};

/* Worker thread: opening may wait on the disk (or on shared storage). */
static void download_open(void *arg)
{
	struct download *d = arg;
	d->fd = export_spool_open_done(d->dir, d->id, d->format, &d->size);
}

static void download_send(void *arg)
{
	struct download *d = arg;
	struct http_context *ctx = d->ctx;
	if (d->fd < 0) {
		char id[24], err[16];
		snprintf(id, sizeof(id), "%lld", d->id);
		snprintf(err, sizeof(err), "%d", -d->fd);
		const char *fields[] = {"request_id", ctx->request_id, "job", id, "errno", err, NULL, NULL};
		log_event(LOG_LEVEL_ERROR, "export file missing or unreadable", fields);
		free(d);
		http_reply_problem(ctx, PROBLEM_EXPORT_FAILED, export_job_error_detail("gone"), NULL);
		return;
	}
	char disposition[160];
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", d->name);
	http_set_header(ctx, "Content-Disposition", disposition);
	http_set_header(ctx, "Cache-Control", "no-store");
	int fd = d->fd;
	off_t size = d->size;
	enum export_format format = d->format;
	free(d);
	http_reply_file(ctx, 200, export_format_content_type(format), fd, size);
}

static void job_found(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) == 0) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such export job", NULL);
		return;
	}
	const char *body = PQgetvalue(r->res, 0, 0), *state = PQgetvalue(r->res, 0, 1);
	if (strcmp(state, "running") == 0) {
		char seconds[16];
		snprintf(seconds, sizeof(seconds), "%d", EXPORT_JOB_RETRY_AFTER_S);
		http_set_header(ctx, "Retry-After", seconds);
		http_reply_bytes(ctx, 202, "application/json", body, strlen(body));
		return;
	}
	if (strcmp(state, "failed") == 0) {
		const char *code = PQgetvalue(r->res, 0, 2);
		http_reply_problem(ctx, export_job_error_is_client(code) ? PROBLEM_UNPROCESSABLE : PROBLEM_EXPORT_FAILED,
		                   export_job_error_detail(code), NULL);
		return;
	}
	struct app *app = io_thread_app(ctx->thread);
	struct download *d = calloc(1, sizeof(*d));
	if (!d) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	d->ctx = ctx;
	d->dir = app->cfg.export_dir;
	d->id = api_path_id(ctx, "id");
	d->format = strcmp(PQgetvalue(r->res, 0, 3), "xlsx") == 0 ? EXPORT_FORMAT_XLSX : EXPORT_FORMAT_CSV;
	snprintf(d->name, sizeof(d->name), "%s", PQgetvalue(r->res, 0, 4));
	if (workers_submit(app->workers, download_open, download_send, d, io_thread_base(ctx->thread)) < 0) {
		free(d);
		http_reply_problem(ctx, PROBLEM_OVERLOADED, NULL, NULL);
	}
}

void exports_jobs_get(struct http_context *ctx)
{
	long long id = api_path_id(ctx, "id");
	if (id <= 0) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such export job", NULL);
		return;
	}
	char job[24], uid[24];
	snprintf(job, sizeof(job), "%lld", id);
	snprintf(uid, sizeof(uid), "%lld", (long long)ctx->auth->id);
	const char *params[] = {job, uid};
	db_query(io_thread_db(ctx->thread), &statements[STMT_GET], params, job_found, ctx);
}

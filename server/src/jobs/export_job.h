/*
 * export_job.h - case ledgers too long for one response, written in the
 * background (GET /v1/exports/cases.csv|xlsx answers 202 and a job URL).
 *
 * A job lives on the I/O thread that took the request, as a chain of
 * callbacks that never blocks it:
 *
 *   count the rows (rows_total) -> insert the export_jobs row -> answer 202
 *   then, until the ledger ends:
 *     write a page to the file (worker pool) -> rows_done, heartbeat (db)
 *     -> read the next page (db)
 *   then: finish the file (worker: fsync, rename) -> state 'done' (db)
 *
 * The rows the request had read before it became a job are kept and written
 * first, a page at a time. Any failure marks the row 'failed' with an error
 * code and removes the .part file. Besides the per-page update, every
 * EXPORT_JOB_HEARTBEAT_S the thread touches updated_at of all its jobs, so a
 * long step (a big XLSX being zipped) does not look like a dead instance.
 *
 * Shutdown: when its thread drains, a job stops at its next step and marks
 * itself failed ('interrupted'), and the thread waits for that (at most
 * drain_timeout_s); whatever is cut off harder (the drain timeout, or the
 * instance dies) stays 'running' with a heartbeat that ages, and readers
 * report it failed after EXPORT_JOB_STALE_S. A worker
 * step still running when the thread's loop is gone cleans up after itself
 * (export_jobs_thread_stopped), so nothing leaks and nothing touches a freed
 * event loop.
 */
#ifndef GRIDD_JOBS_EXPORT_JOB_H
#define GRIDD_JOBS_EXPORT_JOB_H

#include <event2/event.h>
#include <stdbool.h>

#include "api/ledger.h"
#include "export/rows.h"
#include "export/table.h"
#include "http/context.h"

/* The heartbeat of running jobs, and the age at which a silent one is taken
 * for dead (a few heartbeats missed). */
#define EXPORT_JOB_HEARTBEAT_S 30
#define EXPORT_JOB_STALE_S 180

/* Running jobs one account may have at once; the next gets 429. */
#define EXPORT_JOBS_RUNNING_MAX 3

/* Clients are told to poll a running job after this many seconds. */
#define EXPORT_JOB_RETRY_AFTER_S 2

#define EXPORT_JOB_STR_(x) #x
#define EXPORT_JOB_STR(x) EXPORT_JOB_STR_(x)

/* SQL: true for a 'running' row of export_jobs j whose instance went silent. */
#define EXPORT_JOB_STALE_SQL                                                                    \
	"(j.state = 'running' AND j.updated_at < now() - interval '" EXPORT_JOB_STR(EXPORT_JOB_STALE_S) \
	" seconds')"

/*
 * SQL: a row of export_jobs j as the API shows it (schema ExportJob): a
 * stale running job is 'failed' with error 'interrupted'.
 */
#define EXPORT_JOB_JSON                                                                          \
	"json_build_object('id', j.id, 'name', j.name, 'format', j.format,"                      \
	" 'state', CASE WHEN " EXPORT_JOB_STALE_SQL " THEN 'failed' ELSE j.state END,"           \
	" 'rows_done', j.rows_done, 'rows_total', j.rows_total, 'bytes', j.bytes,"               \
	" 'error', CASE WHEN " EXPORT_JOB_STALE_SQL " THEN 'interrupted' ELSE j.error_code END," \
	" 'params', j.params, 'created_at', j.created_at, 'updated_at', j.updated_at,"           \
	" 'finished_at', j.finished_at, 'expires_at', j.expires_at,"                             \
	" 'url', '/v1/exports/jobs/' || j.id)"

/* What a request hands over when its ledger becomes a job. */
struct export_job_request {
	enum export_format format;
	char name[64];               /* the download's name: "cases.csv" */
	struct ledger_query query;   /* keyset after the rows below */
	struct export_rows rows;     /* read already, in ledger order (taken) */
	bool complete;               /* those rows are the whole ledger */
	bool preferred;              /* asked for with Prefer: respond-async */
};

int export_jobs_register_statements(void);

/*
 * Starts a job for ctx's ledger and answers the request: 202 with Location,
 * Retry-After and the job (Preference-Applied: respond-async when
 * preferred); or 422 (an XLSX longer than a sheet holds), 429 (too many
 * running), 503 (draining, database). Takes req->rows (left empty).
 */
void export_job_start(struct http_context *ctx, struct export_job_request *req);

/* The words a client gets for a failed job's error code (a problem detail
 * that says to request the export again); and whether it is the client's
 * 422 rather than our 500. */
const char *export_job_error_detail(const char *code);
bool export_job_error_is_client(const char *code);

/* app.h hooks, on the thread that owns base: it starts draining (jobs stop
 * at their next step and record that they were interrupted); whether jobs
 * are still doing so (the thread waits for them, up to drain_timeout_s);
 * its loop has stopped and its database pool is freed (every job not inside
 * a worker is freed now, the others by their worker). */
void export_jobs_thread_drain(struct event_base *base);
bool export_jobs_thread_busy(struct event_base *base);
void export_jobs_thread_stopped(struct event_base *base);

#endif

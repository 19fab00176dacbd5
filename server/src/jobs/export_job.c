/*
 * export_job.c - background case-ledger exports (see export_job.h).
 *
 * Who owns what. A job is always in exactly one place (enum job_place):
 * on its I/O thread's loop (waiting for the database, or about to act), in
 * the worker pool (one task: write a page, or finish the file), or in its
 * thread's inbox (the task is done, the loop has not picked it up yet).
 * Only the owner of that place touches the job; moving between places
 * happens under the thread's lock (struct job_home). The spool (the open
 * file) is touched only by worker tasks, one at a time.
 *
 * Worker tasks are submitted without a completion callback: a task hands
 * its job back through the inbox (a locked list and an event of the loop),
 * which the thread closes when its loop has stopped. A task that finishes
 * after that finds the inbox closed and frees the job itself, so no task
 * ever reaches for an event_base that is gone.
 */
#include "jobs/export_job.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "api/common.h"
#include "app.h"
#include "export/spool.h"
#include "export/xlsx.h"
#include "http/response.h"
#include "http/server.h"
#include "log.h"
#include "workers.h"

static struct db_statement statements[] = {
	/* $1 user, $2 name, $3 format, $4 params, $5 rows_total, $6 ttl (s), $7 most running.
	 * Nothing is inserted when the account has that many running already. */
	{"export_job_insert",
	 "INSERT INTO export_jobs AS j (user_id, name, format, params, rows_total, expires_at)"
	 " SELECT $1::bigint, $2, $3, $4::jsonb, $5::bigint, now() + $6::int * interval '1 second'"
	 " WHERE (SELECT count(*) FROM export_jobs j WHERE j.user_id = $1::bigint"
	 "   AND j.state = 'running' AND NOT " EXPORT_JOB_STALE_SQL ") < $7::int"
	 " RETURNING j.id::text, " EXPORT_JOB_JSON "::text",
	 7, 0},
	/* $1 job, $2 rows written. No row back: the job was deleted or failed meanwhile. */
	{"export_job_progress",
	 "UPDATE export_jobs SET rows_done = $2::bigint, updated_at = now()"
	 " WHERE id = $1::bigint AND state = 'running' RETURNING id",
	 2, 0},
	/* $1 the running jobs of one thread, '{1,2}'. */
	{"export_job_heartbeat",
	 "UPDATE export_jobs SET updated_at = now() WHERE id = ANY ($1::bigint[]) AND state = 'running'",
	 1, 0},
	/* $1 job, $2 rows, $3 bytes, $4 file name, $5 ttl (s). */
	{"export_job_done",
	 "UPDATE export_jobs SET state = 'done', rows_done = $2::bigint, rows_total = $2::bigint,"
	 " bytes = $3::bigint, file_name = $4, finished_at = now(), updated_at = now(),"
	 " expires_at = now() + $5::int * interval '1 second'"
	 " WHERE id = $1::bigint AND state = 'running' RETURNING id",
	 5, 0},
	/* $1 job, $2 error code, $3 what happened, $4 rows written, $5 ttl (s). */
	{"export_job_failed",
	 "UPDATE export_jobs SET state = 'failed', error_code = $2, error = $3, rows_done = $4::bigint,"
	 " finished_at = now(), updated_at = now(), expires_at = now() + $5::int * interval '1 second'"
	 " WHERE id = $1::bigint AND state = 'running'",
	 5, 0},
};
enum { STMT_INSERT, STMT_PROGRESS, STMT_HEARTBEAT, STMT_DONE, STMT_FAILED };

int export_jobs_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

/* ---- the jobs of one I/O thread ------------------------------------------------------ */

enum job_place { JOB_ON_LOOP, JOB_IN_WORKER, JOB_IN_INBOX };
enum job_work { WORK_WRITE, WORK_FINISH };

struct export_job;

/*
 * One I/O thread's jobs. Made on the thread by its first job; freed when
 * the thread has stopped and its last job is gone (possibly by a worker).
 */
struct job_home {
	struct job_home *next;          /* the registry */
	struct event_base *base;
	struct db_pool *db;
	pthread_mutex_t lock;           /* guards jobs, inbox, closed and every job's place */
	TAILQ_HEAD(, export_job) jobs;  /* every job of this thread, in any place */
	STAILQ_HEAD(, export_job) inbox;
	bool closed;                    /* the loop has stopped: workers clean up themselves */
	bool draining;                  /* I/O thread only */
	bool beating;                   /* a heartbeat query is in flight (I/O thread only) */
	struct event *wake;             /* the inbox has jobs */
	struct event *heartbeat;
};

/* Freed by whoever takes it out of its home's jobs: job_release on the loop,
 * worker_run or export_jobs_thread_stopped once the loop has stopped. */
struct export_job {
	TAILQ_ENTRY(export_job) link;
	STAILQ_ENTRY(export_job) inbox_link;
	struct job_home *home;
	enum job_place place;           /* under home->lock */
	struct http_context *ctx;       /* the request, until it is answered */
	struct worker_pool *workers;
	const struct config *cfg;
	long long id;                   /* 0 until the row exists */
	char id_text[24];
	enum export_format format;
	char name[64];
	bool preferred, complete;
	struct ledger_query query;
	struct export_rows rows;        /* read, and from `written` on not yet in the file */
	size_t written;
	long long rows_done, rows_total;
	struct export_spool *spool;     /* the worker task's (NULL until the first one) */
	enum job_work work;             /* the task in flight and its result */
	size_t work_to;
	int work_rc;
	off_t bytes;
};

static struct {
	pthread_mutex_t lock;
	struct job_home *homes;
} registry = {PTHREAD_MUTEX_INITIALIZER, NULL};

static struct job_home *home_find(struct event_base *base, bool unlink)
{
	pthread_mutex_lock(&registry.lock);
	struct job_home **p = &registry.homes;
	while (*p && (*p)->base != base)
		p = &(*p)->next;
	struct job_home *h = *p;
	if (h && unlink)
		*p = h->next;
	pthread_mutex_unlock(&registry.lock);
	return h;
}

static void home_free(struct job_home *h)
{
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* Frees a job that is in no place any more: the spool closes and its .part
 * goes (blocking: worker threads, or a thread whose loop has stopped). */
static void job_free_now(struct export_job *j)
{
	export_spool_abort(j->spool);
	export_rows_free(&j->rows);
	free(j);
}

static void spool_abort_run(void *arg)
{
	export_spool_abort(arg);
}

/*
 * I/O thread: the job is finished with. Its spool (if any) is aborted on a
 * worker, the rest freed here. The job must be on the loop.
 */
static void job_release(struct export_job *j)
{
	struct job_home *h = j->home;
	pthread_mutex_lock(&h->lock);
	TAILQ_REMOVE(&h->jobs, j, link);
	pthread_mutex_unlock(&h->lock);
	if (j->spool && workers_submit(j->workers, spool_abort_run, NULL, j->spool, NULL) == 0)
		j->spool = NULL;
	job_free_now(j);
}

static void job_resume(struct export_job *j);

static void home_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct job_home *h = arg;
	STAILQ_HEAD(, export_job) ready = STAILQ_HEAD_INITIALIZER(ready);
	pthread_mutex_lock(&h->lock);
	STAILQ_CONCAT(&ready, &h->inbox);
	struct export_job *j;
	STAILQ_FOREACH(j, &ready, inbox_link)
		j->place = JOB_ON_LOOP;
	pthread_mutex_unlock(&h->lock);
	while ((j = STAILQ_FIRST(&ready))) {
		STAILQ_REMOVE_HEAD(&ready, inbox_link);
		job_resume(j);
	}
}

static void heartbeat_done(const struct db_result *r, void *arg)
{
	struct job_home *h = arg;
	h->beating = false;
	if (r->status != DB_OK && r->status != DB_SHUTDOWN)
		log_warn("export jobs: heartbeat failed: %s", r->message ? r->message : db_status_name(r->status));
}

/* Touches updated_at of every running job of this thread with a row. */
static void home_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct job_home *h = arg;
	if (h->beating || h->draining)
		return;
	size_t cap = 64, len = 0;
	char *ids = malloc(cap);
	if (!ids)
		return;
	ids[len++] = '{';
	pthread_mutex_lock(&h->lock);
	struct export_job *j;
	TAILQ_FOREACH(j, &h->jobs, link) {
		if (!j->id)
			continue;
		if (len + 24 > cap) {
			char *more = realloc(ids, cap * 2);
			if (!more)
				break;
			ids = more;
			cap *= 2;
		}
		len += (size_t)snprintf(ids + len, cap - len, "%s%lld", len > 1 ? "," : "", j->id);
	}
	pthread_mutex_unlock(&h->lock);
	if (len > 1) {
		ids[len++] = '}';
		ids[len] = '\0';
		h->beating = true;
		const char *params[] = {ids};
		db_query(h->db, &statements[STMT_HEARTBEAT], params, heartbeat_done, h);
	}
	free(ids);
}

/* This thread's home, made on first use (on the thread). NULL when out of memory. */
static struct job_home *home_for(struct event_base *base, struct db_pool *db)
{
	struct job_home *h = home_find(base, false);
	if (h)
		return h;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->base = base;
	h->db = db;
	pthread_mutex_init(&h->lock, NULL);
	TAILQ_INIT(&h->jobs);
	STAILQ_INIT(&h->inbox);
	h->wake = event_new(base, -1, 0, home_wake, h);
	h->heartbeat = event_new(base, -1, EV_PERSIST, home_heartbeat, h);
	struct timeval every = {EXPORT_JOB_HEARTBEAT_S, 0};
	if (!h->wake || !h->heartbeat || event_add(h->heartbeat, &every) < 0) {
		if (h->wake)
			event_free(h->wake);
		if (h->heartbeat)
			event_free(h->heartbeat);
		home_free(h);
		return NULL;
	}
	pthread_mutex_lock(&registry.lock);
	h->next = registry.homes;
	registry.homes = h;
	pthread_mutex_unlock(&registry.lock);
	return h;
}

void export_jobs_thread_drain(struct event_base *base)
{
	struct job_home *h = home_find(base, false);
	if (!h)
		return;
	h->draining = true;
	event_del(h->heartbeat);
}

bool export_jobs_thread_busy(struct event_base *base)
{
	struct job_home *h = home_find(base, false);
	if (!h)
		return false;
	pthread_mutex_lock(&h->lock);
	bool busy = !TAILQ_EMPTY(&h->jobs);
	pthread_mutex_unlock(&h->lock);
	return busy;
}

void export_jobs_thread_stopped(struct event_base *base)
{
	struct job_home *h = home_find(base, true);
	if (!h)
		return;
	TAILQ_HEAD(, export_job) gone = TAILQ_HEAD_INITIALIZER(gone);
	pthread_mutex_lock(&h->lock);
	h->closed = true;
	struct export_job *j, *next;
	for (j = TAILQ_FIRST(&h->jobs); j; j = next) {
		next = TAILQ_NEXT(j, link);
		if (j->place == JOB_IN_WORKER)
			continue; /* its worker frees it (worker_run) */
		TAILQ_REMOVE(&h->jobs, j, link);
		TAILQ_INSERT_TAIL(&gone, j, link);
	}
	STAILQ_INIT(&h->inbox);
	bool empty = TAILQ_EMPTY(&h->jobs);
	event_free(h->wake);
	event_free(h->heartbeat);
	h->wake = h->heartbeat = NULL;
	pthread_mutex_unlock(&h->lock);
	/* The loop has stopped: this thread serves nobody now, blocking is fine.
	 * The rows stay 'running' and age into "interrupted". */
	while ((j = TAILQ_FIRST(&gone))) {
		TAILQ_REMOVE(&gone, j, link);
		job_free_now(j);
	}
	if (empty)
		home_free(h);
}

/* ---- worker tasks ---------------------------------------------------------------------- */

/* Worker thread: one step on the file, then the job goes home. */
static void worker_run(void *arg)
{
	struct export_job *j = arg;
	int rc = 0;
	if (!j->spool)
		rc = export_spool_open(j->cfg->export_dir, j->id, j->format, &ledger_sheet,
		                       j->format == EXPORT_FORMAT_XLSX ? EXPORT_XLSX_MAX_ROWS : 0, &j->spool);
	if (rc == 0 && j->work == WORK_WRITE)
		rc = export_spool_append(j->spool, &j->rows, j->written, j->work_to);
	if (rc == 0 && j->work == WORK_FINISH) {
		struct export_spool *s = j->spool;
		j->spool = NULL; /* freed by finish, whatever happens */
		rc = export_spool_finish(s, &j->bytes);
	}
	j->work_rc = rc;

	struct job_home *h = j->home;
	pthread_mutex_lock(&h->lock);
	if (!h->closed) {
		j->place = JOB_IN_INBOX;
		STAILQ_INSERT_TAIL(&h->inbox, j, inbox_link);
		event_active(h->wake, EV_TIMEOUT, 0);
		pthread_mutex_unlock(&h->lock);
		return;
	}
	TAILQ_REMOVE(&h->jobs, j, link);
	bool last = TAILQ_EMPTY(&h->jobs);
	pthread_mutex_unlock(&h->lock);
	job_free_now(j); /* the row stays 'running' and ages into "interrupted" */
	if (last)
		home_free(h);
}

static void job_fail(struct export_job *j, const char *code, const char *why);

/* I/O thread: hands the job to a worker for one step. */
static void job_submit(struct export_job *j, enum job_work work, size_t to)
{
	j->work = work;
	j->work_to = to;
	pthread_mutex_lock(&j->home->lock);
	j->place = JOB_IN_WORKER;
	pthread_mutex_unlock(&j->home->lock);
	if (workers_submit(j->workers, worker_run, NULL, j, NULL) == 0)
		return;
	pthread_mutex_lock(&j->home->lock);
	j->place = JOB_ON_LOOP;
	pthread_mutex_unlock(&j->home->lock);
	job_fail(j, "file", "the worker pool is stopping");
}

/* ---- the steps, on the I/O thread ------------------------------------------------------- */

static void job_next(struct export_job *j);

static void failed_saved(const struct db_result *r, void *arg)
{
	struct export_job *j = arg;
	if (r->status != DB_OK && r->status != DB_SHUTDOWN)
		log_warn("export job %lld: cannot record its failure: %s", j->id,
		         r->message ? r->message : db_status_name(r->status));
	job_release(j);
}

/* The job ends failed: its file goes, its row says why (code: the words
 * clients get, why: the operator's). */
static void job_fail(struct export_job *j, const char *code, const char *why)
{
	const char *fields[] = {"job", j->id_text, "error", code, "why", why, NULL, NULL};
	log_event(strcmp(code, "interrupted") == 0 ? LOG_LEVEL_INFO : LOG_LEVEL_ERROR, "export job failed",
	          fields);
	if (j->spool && workers_submit(j->workers, spool_abort_run, NULL, j->spool, NULL) == 0)
		j->spool = NULL;
	char done[24], ttl[16];
	snprintf(done, sizeof(done), "%lld", j->rows_done);
	snprintf(ttl, sizeof(ttl), "%d", j->cfg->export_job_ttl_s);
	const char *params[] = {j->id_text, code, why, done, ttl};
	db_query(j->home->db, &statements[STMT_FAILED], params, failed_saved, j);
}

/* A database step failed: during shutdown the job just goes (the row ages
 * into "interrupted"); otherwise it fails. */
static void job_db_failed(struct export_job *j, const struct db_result *r)
{
	if (r->status == DB_SHUTDOWN) {
		job_release(j);
		return;
	}
	char why[256];
	snprintf(why, sizeof(why), "%s: %s", db_status_name(r->status), r->message ? r->message : "");
	job_fail(j, "database", why);
}

static void spool_remove_run(void *arg)
{
	struct export_job *j = arg;
	export_spool_remove(j->cfg->export_dir, j->id, j->format);
	free(j);
}

static void done_saved(const struct db_result *r, void *arg)
{
	struct export_job *j = arg;
	if (r->status == DB_OK && PQntuples(r->res) == 1) {
		const char *fields[] = {"job", j->id_text, "name", j->name, NULL, NULL};
		log_event(LOG_LEVEL_INFO, "export job done", fields);
		job_release(j);
		return;
	}
	if (r->status != DB_OK) {
		/* The row stays 'running' and ages into "interrupted"; the sweeper
		 * removes the file with the row. */
		log_warn("export job %lld: cannot record that it is done: %s", j->id,
		         r->message ? r->message : db_status_name(r->status));
		job_release(j);
		return;
	}
	/* The row went while we wrote (expired, or failed by hand): so does the file. */
	struct job_home *h = j->home;
	pthread_mutex_lock(&h->lock);
	TAILQ_REMOVE(&h->jobs, j, link);
	pthread_mutex_unlock(&h->lock);
	export_rows_free(&j->rows);
	if (workers_submit(j->workers, spool_remove_run, NULL, j, NULL) < 0)
		free(j);
}

static void progress_saved(const struct db_result *r, void *arg)
{
	struct export_job *j = arg;
	if (r->status != DB_OK) {
		job_db_failed(j, r);
		return;
	}
	if (PQntuples(r->res) == 0) { /* deleted or failed meanwhile: stop quietly */
		job_release(j);
		return;
	}
	job_next(j);
}

/* A worker step is done. */
static void job_resume(struct export_job *j)
{
	if (j->work_rc < 0) {
		char why[160];
		snprintf(why, sizeof(why), "%s: %s", j->work == WORK_FINISH ? "finishing the file" : "writing rows",
		         strerror(-j->work_rc));
		job_fail(j, j->work_rc == -EFBIG ? "too_many_rows" : "file", why);
		return;
	}
	if (j->work == WORK_FINISH) {
		char rows[24], bytes[24], ttl[16], file[64];
		snprintf(rows, sizeof(rows), "%lld", j->rows_done);
		snprintf(bytes, sizeof(bytes), "%lld", (long long)j->bytes);
		snprintf(ttl, sizeof(ttl), "%d", j->cfg->export_job_ttl_s);
		snprintf(file, sizeof(file), "%lld.%s", j->id, export_format_extension(j->format));
		const char *params[] = {j->id_text, rows, bytes, file, ttl};
		db_query(j->home->db, &statements[STMT_DONE], params, done_saved, j);
		return;
	}
	j->rows_done += (long long)(j->work_to - j->written);
	j->written = j->work_to;
	if (j->written == j->rows.count) { /* all in the file: let the memory go */
		export_rows_free(&j->rows);
		j->written = 0;
	}
	char rows[24];
	snprintf(rows, sizeof(rows), "%lld", j->rows_done);
	const char *params[] = {j->id_text, rows};
	db_query(j->home->db, &statements[STMT_PROGRESS], params, progress_saved, j);
}

static void page_read(const struct db_result *r, void *arg)
{
	struct export_job *j = arg;
	if (r->status != DB_OK) {
		job_db_failed(j, r);
		return;
	}
	int taken = ledger_take_page(&j->query, r->res, &j->rows);
	if (taken < 0) {
		job_fail(j, "file", "out of memory");
		return;
	}
	j->complete = taken == 1;
	job_next(j);
}

/* What comes next: write what was read, read more, or finish. */
static void job_next(struct export_job *j)
{
	if (j->home->draining) {
		job_fail(j, "interrupted", "gridd is stopping");
		return;
	}
	if (j->written < j->rows.count) {
		size_t to = j->rows.count - j->written > LEDGER_PAGE ? j->written + LEDGER_PAGE : j->rows.count;
		job_submit(j, WORK_WRITE, to);
	} else if (!j->complete) {
		ledger_read_page(j->home->db, &j->query, page_read, j);
	} else {
		job_submit(j, WORK_FINISH, 0);
	}
}

/* ---- the start, while the request waits -------------------------------------------------- */

static void job_inserted(const struct db_result *r, void *arg)
{
	struct export_job *j = arg;
	struct http_context *ctx = j->ctx;
	if (r->status != DB_OK) {
		j->ctx = NULL;
		job_release(j);
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) == 0) {
		j->ctx = NULL;
		job_release(j);
		char detail[200], seconds[16];
		snprintf(detail, sizeof(detail),
		         "已有 %d 个导出正在进行，请等其中一个完成后再试。(%d exports of yours are running: "
		         "wait for one to finish.)",
		         EXPORT_JOBS_RUNNING_MAX, EXPORT_JOBS_RUNNING_MAX);
		snprintf(seconds, sizeof(seconds), "%d", EXPORT_JOB_RETRY_AFTER_S * 5);
		http_set_header(ctx, "Retry-After", seconds);
		http_reply_problem(ctx, PROBLEM_TOO_MANY_REQUESTS, detail, NULL);
		return;
	}
	snprintf(j->id_text, sizeof(j->id_text), "%s", PQgetvalue(r->res, 0, 0));
	j->id = atoll(j->id_text);
	char location[64], seconds[16];
	snprintf(location, sizeof(location), "/v1/exports/jobs/%lld", j->id);
	snprintf(seconds, sizeof(seconds), "%d", EXPORT_JOB_RETRY_AFTER_S);
	http_set_header(ctx, "Location", location);
	http_set_header(ctx, "Retry-After", seconds);
	if (j->preferred)
		http_set_header(ctx, "Preference-Applied", "respond-async");
	const char *body = PQgetvalue(r->res, 0, 1);
	j->ctx = NULL;
	http_reply_bytes(ctx, 202, "application/json", body, strlen(body));
	char total[24];
	snprintf(total, sizeof(total), "%lld", j->rows_total);
	const char *fields[] = {"job", j->id_text, "name", j->name, "rows_total", total, NULL, NULL};
	log_event(LOG_LEVEL_INFO, "export job started", fields);
	job_next(j);
}

static void job_counted(const struct db_result *r, void *arg)
{
	struct export_job *j = arg;
	struct http_context *ctx = j->ctx;
	/*
	 * The count is for a progress bar and an early answer for XLSX; a huge
	 * range may take longer than db_query_timeout_ms to count. Then the job
	 * goes on without a total: the spool's cap still stops an XLSX longer
	 * than a sheet (too_many_rows).
	 */
	if (r->status == DB_TIMEOUT) {
		log_warn("export job: counting the rows of %s took too long; going on without a total", j->name);
		j->rows_total = -1;
	} else if (r->status != DB_OK) {
		j->ctx = NULL;
		job_release(j);
		api_reply_db_failure(ctx, r);
		return;
	} else {
		j->rows_total = atoll(PQgetvalue(r->res, 0, 0));
	}
	if (j->home->draining) {
		j->ctx = NULL;
		job_release(j);
		http_reply_problem(ctx, PROBLEM_SHUTTING_DOWN, NULL, NULL);
		return;
	}
	/* An XLSX sheet holds EXPORT_XLSX_MAX_ROWS rows under its header: say so
	 * now rather than after writing a million of them. */
	if (j->format == EXPORT_FORMAT_XLSX && j->rows_total > EXPORT_XLSX_MAX_ROWS) {
		j->ctx = NULL;
		job_release(j);
		http_reply_problem(ctx, PROBLEM_UNPROCESSABLE, export_job_error_detail("too_many_rows"), NULL);
		return;
	}
	json_t *params = ledger_query_json(&j->query);
	char *params_text = params ? json_dumps(params, JSON_COMPACT) : NULL;
	json_decref(params);
	if (!params_text) {
		j->ctx = NULL;
		job_release(j);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	char total[24], ttl[16], most[16];
	snprintf(total, sizeof(total), "%lld", j->rows_total);
	snprintf(ttl, sizeof(ttl), "%d", j->cfg->export_job_ttl_s);
	snprintf(most, sizeof(most), "%d", EXPORT_JOBS_RUNNING_MAX);
	const char *sql_params[] = {j->query.uid, j->name, export_format_extension(j->format), params_text,
	                            j->rows_total < 0 ? NULL : total, ttl, most};
	db_query(j->home->db, &statements[STMT_INSERT], sql_params, job_inserted, j);
	free(params_text);
}

void export_job_start(struct http_context *ctx, struct export_job_request *req)
{
	struct app *app = io_thread_app(ctx->thread);
	bool stopping = atomic_load(&app->shutting_down);
	struct job_home *h = stopping ? NULL : home_for(io_thread_base(ctx->thread), io_thread_db(ctx->thread));
	struct export_job *j = h && !h->draining ? calloc(1, sizeof(*j)) : NULL;
	if (!j) {
		export_rows_free(&req->rows);
		bool draining = stopping || (h && h->draining);
		http_reply_problem(ctx, draining ? PROBLEM_SHUTTING_DOWN : PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	j->home = h;
	j->place = JOB_ON_LOOP;
	j->ctx = ctx;
	j->workers = app->workers;
	j->cfg = &app->cfg;
	j->format = req->format;
	snprintf(j->name, sizeof(j->name), "%s", req->name);
	j->preferred = req->preferred;
	j->complete = req->complete;
	j->query = req->query;
	j->rows = req->rows; /* taken */
	export_rows_init(&req->rows, req->rows.ncolumns);
	snprintf(j->id_text, sizeof(j->id_text), "0");
	pthread_mutex_lock(&h->lock);
	TAILQ_INSERT_TAIL(&h->jobs, j, link);
	pthread_mutex_unlock(&h->lock);
	ledger_count(h->db, &j->query, job_counted, j);
}

/* ---- what clients are told --------------------------------------------------------------- */

const char *export_job_error_detail(const char *code)
{
	if (code && strcmp(code, "too_many_rows") == 0)
		return "案件超过 1,048,575 行，XLSX 的一个工作表放不下。请改为导出 CSV（cases.csv），"
		       "或缩短时间范围后重新导出。(More than 1,048,575 cases: one XLSX sheet cannot hold "
		       "them. Export cases.csv instead, or a shorter period.)";
	if (code && strcmp(code, "interrupted") == 0)
		return "导出中断了：服务在导出过程中停止或重启。请重新导出。(The export was interrupted "
		       "because the server stopped; please request it again.)";
	if (code && strcmp(code, "database") == 0)
		return "导出失败：读取案件时数据库出错。请稍后重新导出。(Reading the cases failed; "
		       "please request the export again in a moment.)";
	if (code && strcmp(code, "gone") == 0)
		return "导出文件已不存在。请重新导出。(The export file is gone; please request it again.)";
	return "导出失败：导出文件无法写入。请重新导出；如果仍然失败，请联系系统管理员。(The export file "
	       "could not be written; please request it again, and tell an administrator if it fails again.)";
}

bool export_job_error_is_client(const char *code)
{
	return code && strcmp(code, "too_many_rows") == 0;
}

/*
 * pool.c - per-thread pool of non-blocking libpq connections (see db.h).
 *
 * Connection states, each a list in the pool:
 *
 *   down ──timer──▶ connecting ──PQconnectPoll OK──▶ idle ◀──release── busy
 *    ▲                  │                              └──acquire──▶ busy
 *    └──────failure─────┴──────────────lost────────────────────────────┘
 *
 * A busy connection runs at most one operation at a time (op): preparing a
 * statement, running a query, or the ROLLBACK issued on release. Each
 * operation has a timer; on timeout the caller gets DB_TIMEOUT at once, a
 * cancel request goes out from a worker thread (PQcancel blocks), and the
 * connection is reset when released.
 */
#include "db/db.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "limits.h"
#include "log.h"
#include "metrics.h"
#include "workers.h"

#define DB_MAX_STATEMENTS 1024

static struct db_statement *registry[DB_MAX_STATEMENTS];
static int registry_count;

enum conn_state { CONN_CONNECTING, CONN_IDLE, CONN_BUSY, CONN_DOWN, CONN_STATES };

/* The state lists map one to one onto the metrics gauges. */
_Static_assert((int)CONN_CONNECTING == (int)METRICS_DB_CONNECTING &&
	               (int)CONN_IDLE == (int)METRICS_DB_IDLE &&
	               (int)CONN_BUSY == (int)METRICS_DB_BUSY &&
	               (int)CONN_DOWN == (int)METRICS_DB_DOWN,
               "connection states and metrics gauges must line up");

enum conn_op { OP_NONE, OP_PREPARE, OP_QUERY, OP_EXEC, OP_ROLLBACK, OP_BATCH };

/* What the next result of a pipelined batch answers. */
struct batch_expect {
	bool prepare;
	int step;
};

struct db_conn {
	struct db_pool *pool;
	enum conn_state state;
	TAILQ_ENTRY(db_conn) link;      /* in pool->lists[state] */
	PGconn *pg;                     /* NULL when down or lost while leased */
	int fd;                         /* socket the io event watches, -1 none */
	short io_what;
	struct event *io;
	struct event *timer;            /* connect timeout, backoff, or op timeout */
	struct event *kick;             /* starts a new operation from the loop */
	int attempts;                   /* failed connection attempts in a row */
	bool ever_connected;
	bool leased;
	bool poisoned;                  /* reset instead of reuse on release */
	int op_timeout_ms;              /* this lease's statement limit; 0 = db_query_timeout_ms */

	enum conn_op op;
	const struct db_statement *stmt;
	int nparams;
	const char *params[LIMIT_DB_PARAMS];
	char *param_buf;                /* owns the copies params[] point into */
	db_result_cb cb;
	void *cb_arg;
	PGresult *result;
	unsigned char prepared[DB_MAX_STATEMENTS / 8];

	/* OP_BATCH: steps, what each incoming result answers, results so far */
	db_batch_cb batch_cb;
	int batch_n;
	const struct db_statement *batch_stmts[DB_BATCH_MAX];
	const char *batch_params[DB_BATCH_MAX][LIMIT_DB_PARAMS];
	PGresult *batch_results[DB_BATCH_MAX];
	struct batch_expect batch_expect[DB_BATCH_MAX * 2];
	int batch_expect_n, batch_pos, batch_failed_step;
	PGresult *batch_error;
};

struct waiter {
	struct db_pool *pool;
	db_lease_cb cb;
	void *arg;
	struct event *timer;
	TAILQ_ENTRY(waiter) link;       /* in pool->waiting */
};

struct db_pool {
	struct event_base *base;
	const struct config *cfg;
	struct metrics_db *metrics;
	struct worker_pool *workers;
	int nconns;
	struct db_conn *conns;
	TAILQ_HEAD(conn_list, db_conn) lists[CONN_STATES];
	TAILQ_HEAD(, waiter) waiting;
	int nwaiting;
	bool closing;
	uint64_t rng;
};

static void conn_io_cb(evutil_socket_t fd, short what, void *arg);
static void conn_timer_cb(evutil_socket_t fd, short what, void *arg);
static void conn_connect(struct db_conn *c);
static void conn_make_idle(struct db_conn *c);
static void conn_kick_cb(evutil_socket_t fd, short what, void *arg);

const char *db_status_name(enum db_status status)
{
	switch (status) {
	case DB_OK: return "ok";
	case DB_SQL_ERROR: return "sql_error";
	case DB_UNAVAILABLE: return "unavailable";
	case DB_TIMEOUT: return "timeout";
	case DB_OVERLOADED: return "overloaded";
	case DB_SHUTDOWN: return "shutdown";
	}
	return "?";
}

int db_register_statements(struct db_statement *stmts, int count)
{
	for (int i = 0; i < count; i++) {
		if (registry_count >= DB_MAX_STATEMENTS || stmts[i].nparams > LIMIT_DB_PARAMS) {
			log_error("db: cannot register statement %s", stmts[i].name);
			return -1;
		}
		for (int j = 0; j < registry_count; j++)
			if (strcmp(registry[j]->name, stmts[i].name) == 0) {
				if (registry[j] == &stmts[i])
					goto next; /* registered already */
				log_error("db: duplicate statement name %s", stmts[i].name);
				return -1;
			}
		stmts[i].index = registry_count;
		registry[registry_count++] = &stmts[i];
	next:;
	}
	return 0;
}

const struct db_statement *db_statement_find(const char *name)
{
	for (int i = 0; i < registry_count; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

/* ---- state lists ---------------------------------------------------- */

static void conn_set_state(struct db_conn *c, enum conn_state to)
{
	struct db_pool *p = c->pool;
	TAILQ_REMOVE(&p->lists[c->state], c, link);
	metrics_sub(&p->metrics->connections[c->state], 1);
	c->state = to;
	TAILQ_INSERT_TAIL(&p->lists[to], c, link);
	metrics_add(&p->metrics->connections[to], 1);
}

/* True when at least one connection is up (idle or busy). */
static int db_pool_has_connection(const struct db_pool *p)
{
	return !TAILQ_EMPTY(&p->lists[CONN_IDLE]) || !TAILQ_EMPTY(&p->lists[CONN_BUSY]);
}

/*
 * True when waiting can help: a connection is up, or one is being made (at
 * start-up, or while reconnecting). False when every connection is down and
 * waiting out its backoff: the database is known to be unreachable, so
 * callers are answered at once instead of queueing.
 */
static bool pool_may_serve(const struct db_pool *p)
{
	return db_pool_has_connection(p) || !TAILQ_EMPTY(&p->lists[CONN_CONNECTING]);
}

static uint64_t pool_random(struct db_pool *p)
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return p->rng;
}

/* How long the current statement (or batch) of a connection may run. */
static int conn_op_timeout_ms(const struct db_conn *c)
{
	return c->op_timeout_ms ? c->op_timeout_ms : c->pool->cfg->db_query_timeout_ms;
}

static void timer_start_ms(struct event *ev, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	event_add(ev, &tv);
}

/* Watches the connection's socket for `what` (EV_READ/EV_WRITE), persistently. */
static void conn_watch(struct db_conn *c, short what)
{
	int fd = c->pg ? PQsocket(c->pg) : -1;
	if (fd == c->fd && what == c->io_what)
		return;
	event_del(c->io);
	c->fd = fd;
	c->io_what = what;
	if (fd < 0 || what == 0)
		return;
	event_assign(c->io, c->pool->base, fd, (short)(what | EV_PERSIST), conn_io_cb, c);
	event_add(c->io, NULL);
}

/* ---- deferred callbacks (never call back from inside the call) ---------- */

struct deferred {
	db_lease_cb lease_cb;
	db_result_cb result_cb;
	void *arg;
	struct db_conn *lease;
	enum db_status status;
	const char *message;
};

static void deferred_cb(evutil_socket_t fd, short what, void *arg)
{
	struct deferred *d = arg;
	if (d->lease_cb) {
		d->lease_cb(d->lease, d->status, d->arg);
	} else {
		struct db_result r = {d->status, NULL, NULL, d->message};
		d->result_cb(&r, d->arg);
	}
	free(d);
}

static void defer(struct db_pool *p, struct deferred d)
{
	struct deferred *copy = malloc(sizeof(*copy));
	if (copy) {
		*copy = d;
		if (event_base_once(p->base, -1, EV_TIMEOUT, deferred_cb, copy, NULL) == 0)
			return;
		free(copy);
	}
	/* Out of memory: calling back now is the lesser evil. */
	log_error("db: cannot defer a callback; calling it directly");
	if (d.lease_cb)
		d.lease_cb(d.lease, d.status, d.arg);
	else
		d.result_cb(&(struct db_result){d.status, NULL, NULL, d.message}, d.arg);
}

static void defer_lease(struct db_pool *p, db_lease_cb cb, void *arg, struct db_conn *lease,
                        enum db_status status)
{
	defer(p, (struct deferred){cb, NULL, arg, lease, status, db_status_name(status)});
}

static void defer_result(struct db_pool *p, db_result_cb cb, void *arg, enum db_status status,
                         const char *message)
{
	defer(p, (struct deferred){NULL, cb, arg, NULL, status, message});
}

/* ---- operations ------------------------------------------------------- */

static void batch_clear(struct db_conn *c)
{
	for (int i = 0; i < c->batch_n; i++)
		if (c->batch_results[i]) {
			PQclear(c->batch_results[i]);
			c->batch_results[i] = NULL;
		}
	if (c->batch_error) {
		PQclear(c->batch_error);
		c->batch_error = NULL;
	}
	c->batch_cb = NULL;
	c->batch_n = c->batch_expect_n = c->batch_pos = 0;
	c->batch_failed_step = -1;
}

static void conn_clear_op(struct db_conn *c)
{
	batch_clear(c);
	c->op = OP_NONE;
	c->cb = NULL;
	c->cb_arg = NULL;
	c->stmt = NULL;
	c->nparams = 0;
	free(c->param_buf);
	c->param_buf = NULL;
	if (c->result) {
		PQclear(c->result);
		c->result = NULL;
	}
	event_del(c->timer);
}

/* Ends a batch and calls its callback; results are freed afterwards. */
static void batch_deliver(struct db_conn *c, enum db_status status, const char *message)
{
	db_batch_cb cb = c->batch_cb;
	void *arg = c->cb_arg;
	struct db_batch_result r = {status, 0, c->batch_results, c->batch_failed_step, "", message};
	if (status == DB_OK)
		r.nresults = c->batch_n;
	if (status == DB_SQL_ERROR && c->batch_error) {
		r.sqlstate = PQresultErrorField(c->batch_error, PG_DIAG_SQLSTATE);
		r.message = PQresultErrorField(c->batch_error, PG_DIAG_MESSAGE_PRIMARY);
		metrics_add(&c->pool->metrics->query_errors, 1);
	}
	if (!r.sqlstate)
		r.sqlstate = "";
	if (!r.message)
		r.message = db_status_name(status);
	/* Keep the results alive through the callback, then free them. */
	PGresult *results[DB_BATCH_MAX];
	PGresult *error = c->batch_error;
	int n = c->batch_n;
	memcpy(results, c->batch_results, sizeof(results));
	r.results = results;
	memset(c->batch_results, 0, sizeof(c->batch_results));
	c->batch_error = NULL;
	conn_clear_op(c);
	if (cb)
		cb(&r, arg); /* may release the lease or start the next operation */
	for (int i = 0; i < n; i++)
		if (results[i])
			PQclear(results[i]);
	if (error)
		PQclear(error);
}

/* Ends the current operation and calls its callback with status/res. */
static void conn_deliver(struct db_conn *c, enum db_status status, PGresult *res,
                         const char *message)
{
	if (c->op == OP_BATCH) {
		if (res)
			PQclear(res);
		batch_deliver(c, status, message);
		return;
	}
	db_result_cb cb = c->cb;
	void *arg = c->cb_arg;
	c->result = NULL; /* res is handed over below */
	conn_clear_op(c);

	struct db_result r = {status, res, NULL, message};
	if (status == DB_SQL_ERROR && res) {
		r.sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		r.message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		metrics_add(&c->pool->metrics->query_errors, 1);
	}
	if (!r.sqlstate)
		r.sqlstate = "";
	if (!r.message)
		r.message = db_status_name(status);
	if (cb)
		cb(&r, arg); /* may release the lease, even start the next query */
	if (res)
		PQclear(res);
}

/* Schedules the next connection attempt with exponential backoff + jitter. */
static void conn_schedule_reconnect(struct db_conn *c, bool at_once)
{
	const struct config *cfg = c->pool->cfg;
	int delay = 0;
	if (!at_once) {
		int shift = c->attempts > 16 ? 16 : c->attempts;
		long long d = (long long)cfg->db_reconnect_min_ms << shift;
		if (d > cfg->db_reconnect_max_ms)
			d = cfg->db_reconnect_max_ms;
		delay = (int)(d / 2 + (long long)(pool_random(c->pool) % (uint64_t)(d / 2 + 1)));
	}
	event_del(c->timer);
	timer_start_ms(c->timer, delay);
}

static void pool_fail_waiters(struct db_pool *p, enum db_status status)
{
	struct waiter *w;
	while ((w = TAILQ_FIRST(&p->waiting)) != NULL) {
		TAILQ_REMOVE(&p->waiting, w, link);
		p->nwaiting--;
		metrics_sub(&p->metrics->waiting, 1);
		event_free(w->timer);
		if (status == DB_UNAVAILABLE)
			metrics_add(&p->metrics->unavailable, 1);
		w->cb(NULL, status, w->arg);
		free(w);
	}
}

/*
 * The connection is unusable (connect failed, socket lost, protocol error).
 * Fails its operation with DB_UNAVAILABLE. A leased connection stays busy
 * (without a PGconn) until its holder releases it; others go down at once.
 */
static void conn_lost(struct db_conn *c, const char *why)
{
	struct db_pool *p = c->pool;
	char reason[256];
	snprintf(reason, sizeof(reason), "%s", why && *why ? why : "connection lost");
	reason[strcspn(reason, "\n")] = '\0';

	bool was_up = c->state == CONN_IDLE || c->state == CONN_BUSY;
	if (was_up)
		log_warn("db: connection lost: %s", reason);
	else if (c->attempts == 0 || c->attempts % 20 == 0)
		log_warn("db: cannot connect (attempt %d): %s", c->attempts + 1, reason);
	c->attempts++;

	event_del(c->io);
	c->fd = -1;
	c->io_what = 0;
	if (c->pg) {
		PQfinish(c->pg);
		c->pg = NULL;
	}
	if (c->op != OP_NONE) {
		if (c->op == OP_ROLLBACK)
			conn_clear_op(c);
		else
			conn_deliver(c, DB_UNAVAILABLE, NULL, "database connection lost");
	}
	if (!c->leased && c->state != CONN_DOWN) {
		conn_set_state(c, CONN_DOWN);
		conn_schedule_reconnect(c, false);
	}
	if (!pool_may_serve(p))
		pool_fail_waiters(p, DB_UNAVAILABLE);
}

static void conn_flush(struct db_conn *c)
{
	int r = PQflush(c->pg);
	if (r < 0)
		conn_lost(c, PQerrorMessage(c->pg));
	else
		conn_watch(c, r == 1 ? (EV_READ | EV_WRITE) : EV_READ);
}

static bool statement_prepared(const struct db_conn *c, int index)
{
	return c->prepared[index / 8] & (1u << (index % 8));
}

/* Sends a whole batch in pipeline mode, preparing what this connection lacks. */
static int batch_send(struct db_conn *c)
{
	if (!PQenterPipelineMode(c->pg))
		return 0;
	c->batch_expect_n = c->batch_pos = 0;
	for (int i = 0; i < c->batch_n; i++) {
		const struct db_statement *st = c->batch_stmts[i];
		bool queued = false;
		for (int j = 0; j < i; j++)
			if (c->batch_stmts[j] == st)
				queued = true;
		if (!statement_prepared(c, st->index) && !queued) {
			if (!PQsendPrepare(c->pg, st->name, st->sql, st->nparams, NULL))
				return 0;
			c->batch_expect[c->batch_expect_n++] = (struct batch_expect){true, i};
		}
		if (!PQsendQueryPrepared(c->pg, st->name, st->nparams, c->batch_params[i], NULL, NULL, 0))
			return 0;
		c->batch_expect[c->batch_expect_n++] = (struct batch_expect){false, i};
		metrics_add(&c->pool->metrics->queries, 1);
	}
	return PQpipelineSync(c->pg);
}

/* Sends the current operation's next protocol step. */
static void conn_send(struct db_conn *c)
{
	int ok;
	if (c->op == OP_BATCH) {
		ok = batch_send(c);
	} else if (c->op == OP_EXEC) {
		ok = PQsendQuery(c->pg, c->param_buf);
		metrics_add(&c->pool->metrics->queries, 1);
	} else if (c->op == OP_QUERY && !statement_prepared(c, c->stmt->index)) {
		c->op = OP_PREPARE;
		ok = PQsendPrepare(c->pg, c->stmt->name, c->stmt->sql, c->stmt->nparams, NULL);
	} else if (c->op == OP_QUERY || c->op == OP_PREPARE) {
		c->op = OP_QUERY;
		ok = PQsendQueryPrepared(c->pg, c->stmt->name, c->nparams, c->params, NULL, NULL, 0);
		metrics_add(&c->pool->metrics->queries, 1);
	} else {
		ok = 0;
	}
	if (!ok) {
		c->poisoned = true;
		conn_deliver(c, DB_UNAVAILABLE, NULL, "cannot send the statement");
		return;
	}
	event_del(c->timer);
	timer_start_ms(c->timer, conn_op_timeout_ms(c));
	conn_flush(c);
}

/* A whole result set arrived for the current operation. */
static void conn_op_done(struct db_conn *c)
{
	PGresult *res = c->result;
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;

	switch (c->op) {
	case OP_PREPARE:
		if (ok) {
			c->prepared[c->stmt->index / 8] |= (unsigned char)(1u << (c->stmt->index % 8));
			PQclear(res);
			c->result = NULL;
			conn_send(c);
			return;
		}
		log_warn("db: cannot prepare %s: %s", c->stmt->name,
		         res ? PQresultErrorMessage(res) : "no result");
		conn_deliver(c, DB_SQL_ERROR, res, NULL);
		return;
	case OP_QUERY:
	case OP_EXEC:
		if (!res)
			conn_deliver(c, DB_UNAVAILABLE, NULL, "no result");
		else
			conn_deliver(c, ok ? DB_OK : DB_SQL_ERROR, res, NULL);
		return;
	case OP_ROLLBACK:
		conn_clear_op(c);
		if (!ok)
			c->poisoned = true;
		if (c->poisoned) {
			conn_lost(c, "rollback failed");
			return;
		}
		conn_make_idle(c);
		return;
	case OP_BATCH: /* results of batches go through batch_take */
	case OP_NONE:
		if (res)
			PQclear(res);
		c->result = NULL;
		return;
	}
}

/* Takes one result of a pipelined batch. Returns true when the batch is over. */
static bool batch_take(struct db_conn *c, PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_PIPELINE_SYNC) {
		PQclear(r);
		if (!PQexitPipelineMode(c->pg))
			c->poisoned = true;
		if (c->batch_failed_step >= 0)
			batch_deliver(c, DB_SQL_ERROR, NULL);
		else if (c->batch_pos != c->batch_expect_n)
			batch_deliver(c, DB_UNAVAILABLE, "missing results");
		else
			batch_deliver(c, DB_OK, NULL);
		return true;
	}
	if (c->batch_pos >= c->batch_expect_n) { /* more results than commands */
		PQclear(r);
		c->poisoned = true;
		return false;
	}
	struct batch_expect e = c->batch_expect[c->batch_pos++];
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
	if (ok && e.prepare) {
		const struct db_statement *stmt = c->batch_stmts[e.step];
		c->prepared[stmt->index / 8] |= (unsigned char)(1u << (stmt->index % 8));
		PQclear(r);
	} else if (ok) {
		c->batch_results[e.step] = r;
	} else if (st == PGRES_FATAL_ERROR && c->batch_failed_step < 0) {
		c->batch_failed_step = e.step;
		c->batch_error = r;
	} else { /* PGRES_PIPELINE_ABORTED: skipped after the failure */
		PQclear(r);
	}
	return false;
}

/* Reads whatever the server sent; completes the operation when done. */
static void conn_read(struct db_conn *c)
{
	if (!PQconsumeInput(c->pg)) {
		conn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	PGnotify *n;
	while ((n = PQnotifies(c->pg)) != NULL)
		PQfreemem(n);
	if (c->op == OP_BATCH) {
		/* In pipeline mode a NULL only separates one command's results from the next. */
		while (c->pg && c->op == OP_BATCH && !PQisBusy(c->pg)) {
			PGresult *r = PQgetResult(c->pg);
			if (!r)
				continue;
			if (batch_take(c, r))
				return;
		}
		if (c->pg && PQstatus(c->pg) == CONNECTION_BAD)
			conn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	while (c->pg && !PQisBusy(c->pg)) {
		PGresult *r = PQgetResult(c->pg);
		if (!r) {
			if (c->op == OP_NONE)
				break;
			conn_op_done(c);
			return;
		}
		if (c->op == OP_NONE) { /* nothing asked: a stray result (e.g. FATAL) */
			PQclear(r);
			continue;
		}
		ExecStatusType st = PQresultStatus(r);
		if (!c->result || st == PGRES_FATAL_ERROR) {
			if (c->result)
				PQclear(c->result);
			c->result = r;
		} else {
			PQclear(r);
		}
	}
	if (c->pg && PQstatus(c->pg) == CONNECTION_BAD)
		conn_lost(c, PQerrorMessage(c->pg));
}

static void conn_connected(struct db_conn *c)
{
	if (PQsetnonblocking(c->pg, 1) != 0) {
		conn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	event_del(c->timer);
	if (c->ever_connected || c->attempts > 0)
		log_info("db: connected after %d failed attempt(s)", c->attempts);
	c->attempts = 0;
	c->ever_connected = true;
	c->poisoned = false;
	memset(c->prepared, 0, sizeof(c->prepared));
	conn_make_idle(c);
}

static void conn_poll_connect(struct db_conn *c)
{
	switch (PQconnectPoll(c->pg)) {
	case PGRES_POLLING_READING:
		conn_watch(c, EV_READ);
		break;
	case PGRES_POLLING_WRITING:
		conn_watch(c, EV_WRITE);
		break;
	case PGRES_POLLING_OK:
		conn_watch(c, EV_READ);
		conn_connected(c);
		break;
	default:
		conn_lost(c, PQerrorMessage(c->pg));
		break;
	}
}

static void conn_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn *c = arg;
	if (!c->pg)
		return;
	if (c->state == CONN_CONNECTING) {
		conn_poll_connect(c);
		return;
	}
	if (what & EV_WRITE) {
		conn_flush(c);
		if (!c->pg)
			return;
	}
	if (what & EV_READ) {
		conn_read(c);
		if (c->pg && c->op != OP_NONE && c->io_what & EV_WRITE)
			conn_flush(c);
	}
}

/* Sends an operation set up by db_lease_query/db_lease_exec. */
static void conn_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn *c = arg;
	if ((c->op == OP_QUERY || c->op == OP_EXEC || c->op == OP_BATCH) && c->pg && !c->poisoned)
		conn_send(c);
}

struct cancel_job {
	PGcancel *cancel;
};

static void cancel_run(void *arg)
{
	struct cancel_job *job = arg;
	char err[256];
	if (!PQcancel(job->cancel, err, sizeof(err)))
		log_warn("db: cancel request failed: %s", err);
	PQfreeCancel(job->cancel);
	free(job);
}

/* Asks the server to stop the running query, from a worker (PQcancel blocks). */
static void conn_cancel(struct db_conn *c)
{
	struct cancel_job *job = malloc(sizeof(*job));
	if (!job)
		return;
	job->cancel = PQgetCancel(c->pg);
	if (!job->cancel || workers_submit(c->pool->workers, cancel_run, NULL, job, NULL) < 0) {
		if (job->cancel)
			PQfreeCancel(job->cancel);
		free(job);
	}
}

static void conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn *c = arg;
	switch (c->state) {
	case CONN_DOWN:
		if (c->pool->closing)
			return;
		conn_connect(c);
		return;
	case CONN_CONNECTING:
		conn_lost(c, "connect timeout");
		return;
	case CONN_BUSY:
		if (c->op == OP_NONE || !c->pg)
			return;
		metrics_add(&c->pool->metrics->query_timeouts, 1);
		log_warn("db: %s timed out after %d ms; cancelling",
		         c->stmt ? c->stmt->name : "statement", conn_op_timeout_ms(c));
		conn_cancel(c);
		c->poisoned = true;
		if (c->op == OP_ROLLBACK)
			conn_lost(c, "rollback timed out");
		else
			conn_deliver(c, DB_TIMEOUT, NULL, "the database did not answer in time");
		return;
	default:
		return;
	}
}

static void conn_connect(struct db_conn *c)
{
	if (c->attempts > 0 || c->ever_connected)
		metrics_add(&c->pool->metrics->reconnects, 1);
	c->pg = PQconnectStart(c->pool->cfg->db_url);
	conn_set_state(c, CONN_CONNECTING);
	if (!c->pg || PQstatus(c->pg) == CONNECTION_BAD) {
		conn_lost(c, c->pg ? PQerrorMessage(c->pg) : "out of memory");
		return;
	}
	timer_start_ms(c->timer, c->pool->cfg->db_connect_timeout_ms);
	/* As if PQconnectPoll had answered "writing" (libpq docs). */
	conn_watch(c, EV_WRITE);
}

/* Hands an idle connection to the first waiter, if any. */
static void conn_make_idle(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	c->leased = false;
	conn_set_state(c, CONN_IDLE);
	conn_watch(c, EV_READ);
	struct waiter *w = TAILQ_FIRST(&p->waiting);
	if (!w)
		return;
	TAILQ_REMOVE(&p->waiting, w, link);
	p->nwaiting--;
	metrics_sub(&p->metrics->waiting, 1);
	event_free(w->timer);
	c->leased = true;
	conn_set_state(c, CONN_BUSY);
	w->cb(c, DB_OK, w->arg);
	free(w);
}

/* ---- public API ------------------------------------------------------- */

struct db_pool *db_pool_new(struct event_base *base, const struct config *cfg,
                            struct metrics_db *metrics, struct worker_pool *workers)
{
	struct db_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->base = base;
	p->cfg = cfg;
	p->metrics = metrics;
	p->workers = workers;
	p->rng = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)p << 16) ^ (uint64_t)getpid();
	if (!p->rng)
		p->rng = 0x9e3779b97f4a7c15ULL;
	for (int s = 0; s < CONN_STATES; s++)
		TAILQ_INIT(&p->lists[s]);
	TAILQ_INIT(&p->waiting);
	p->nconns = cfg->db_pool_size;
	p->conns = calloc((size_t)p->nconns, sizeof(*p->conns));
	if (!p->conns) {
		free(p);
		return NULL;
	}
	for (int i = 0; i < p->nconns; i++) {
		struct db_conn *c = &p->conns[i];
		c->pool = p;
		c->fd = -1;
		c->state = CONN_DOWN;
		TAILQ_INSERT_TAIL(&p->lists[CONN_DOWN], c, link);
		metrics_add(&metrics->connections[CONN_DOWN], 1);
		c->io = event_new(base, -1, 0, conn_io_cb, c);
		c->timer = evtimer_new(base, conn_timer_cb, c);
		c->kick = event_new(base, -1, 0, conn_kick_cb, c);
		if (!c->io || !c->timer || !c->kick) {
			db_pool_free(p);
			return NULL;
		}
	}
	for (int i = 0; i < p->nconns; i++)
		conn_schedule_reconnect(&p->conns[i], true);
	return p;
}

void db_pool_free(struct db_pool *p)
{
	if (!p)
		return;
	p->closing = true;
	pool_fail_waiters(p, DB_SHUTDOWN);
	for (int i = 0; i < p->nconns; i++) {
		struct db_conn *c = &p->conns[i];
		if (c->op != OP_NONE && c->op != OP_ROLLBACK)
			conn_deliver(c, DB_SHUTDOWN, NULL, "shutting down");
		conn_clear_op(c);
		if (c->io)
			event_free(c->io);
		if (c->timer)
			event_free(c->timer);
		if (c->kick)
			event_free(c->kick);
		if (c->pg)
			PQfinish(c->pg);
		metrics_sub(&p->metrics->connections[c->state], 1);
	}
	free(p->conns);
	free(p);
}

static void waiter_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;
	struct db_pool *p = w->pool;
	TAILQ_REMOVE(&p->waiting, w, link);
	p->nwaiting--;
	metrics_sub(&p->metrics->waiting, 1);
	metrics_add(&p->metrics->query_timeouts, 1);
	event_free(w->timer);
	w->cb(NULL, DB_TIMEOUT, w->arg);
	free(w);
}

void db_acquire(struct db_pool *p, db_lease_cb cb, void *arg)
{
	if (p->closing) {
		defer_lease(p, cb, arg, NULL, DB_SHUTDOWN);
		return;
	}
	struct db_conn *c = TAILQ_FIRST(&p->lists[CONN_IDLE]);
	if (c && TAILQ_EMPTY(&p->waiting)) {
		c->leased = true;
		conn_set_state(c, CONN_BUSY);
		defer_lease(p, cb, arg, c, DB_OK);
		return;
	}
	if (!pool_may_serve(p)) {
		metrics_add(&p->metrics->unavailable, 1);
		defer_lease(p, cb, arg, NULL, DB_UNAVAILABLE);
		return;
	}
	if (p->nwaiting >= p->cfg->db_queue_max) {
		metrics_add(&p->metrics->queue_rejections, 1);
		defer_lease(p, cb, arg, NULL, DB_OVERLOADED);
		return;
	}
	struct waiter *w = calloc(1, sizeof(*w));
	if (!w || !(w->timer = evtimer_new(p->base, waiter_timeout_cb, w))) {
		free(w);
		defer_lease(p, cb, arg, NULL, DB_OVERLOADED);
		return;
	}
	w->pool = p;
	w->cb = cb;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&p->waiting, w, link);
	p->nwaiting++;
	metrics_add(&p->metrics->waiting, 1);
	timer_start_ms(w->timer, p->cfg->db_query_timeout_ms);
}

struct batch_fail {
	db_batch_cb cb;
	void *arg;
};

static void batch_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct batch_fail *f = arg;
	struct db_batch_result r = {DB_UNAVAILABLE, 0, NULL, -1, "", "connection not usable"};
	f->cb(&r, f->arg);
	free(f);
}

/*
 * Copies n parameter strings into one new buffer (returned; the caller frees
 * it) and points out[i] at the copies; NULL parameters (SQL NULL) stay NULL.
 * Returns NULL when out of memory.
 */
static char *copy_params(const char *const *params, int n, const char **out)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += params[i] ? strlen(params[i]) + 1 : 0;
	char *buf = malloc(total ? total : 1);
	if (!buf)
		return NULL;
	char *p = buf;
	for (int i = 0; i < n; i++) {
		out[i] = NULL;
		if (!params[i])
			continue;
		size_t len = strlen(params[i]) + 1;
		memcpy(p, params[i], len);
		out[i] = p;
		p += len;
	}
	return buf;
}

/* Checks that a lease can start an operation; defers a failure if not. */
static bool lease_ready(struct db_conn *c, db_result_cb cb, void *arg)
{
	if (!c->leased || c->op != OP_NONE) {
		log_error("db: statement sent on a connection that is not free (bug)");
		defer_result(c->pool, cb, arg, DB_UNAVAILABLE, "connection is busy");
		return false;
	}
	if (!c->pg) {
		defer_result(c->pool, cb, arg, DB_UNAVAILABLE, "database connection lost");
		return false;
	}
	if (c->poisoned) {
		defer_result(c->pool, cb, arg, DB_UNAVAILABLE, "connection needs a reset");
		return false;
	}
	return true;
}

void db_lease_query(struct db_conn *c, const struct db_statement *stmt, const char *const *params,
                    db_result_cb cb, void *arg)
{
	if (!lease_ready(c, cb, arg))
		return;
	c->param_buf = copy_params(params, stmt->nparams, c->params);
	if (!c->param_buf) {
		defer_result(c->pool, cb, arg, DB_OVERLOADED, "out of memory");
		return;
	}
	c->stmt = stmt;
	c->nparams = stmt->nparams;
	c->cb = cb;
	c->cb_arg = arg;
	c->op = OP_QUERY;
	event_active(c->kick, EV_TIMEOUT, 0); /* sent from the loop: no callback in here */
}

void db_lease_exec(struct db_conn *c, const char *sql, db_result_cb cb, void *arg)
{
	if (!lease_ready(c, cb, arg))
		return;
	c->param_buf = strdup(sql);
	if (!c->param_buf) {
		defer_result(c->pool, cb, arg, DB_OVERLOADED, "out of memory");
		return;
	}
	c->cb = cb;
	c->cb_arg = arg;
	c->op = OP_EXEC;
	event_active(c->kick, EV_TIMEOUT, 0);
}

/* Answers a batch that cannot start with DB_UNAVAILABLE on the next loop turn. */
static void batch_fail_later(struct db_conn *c, db_batch_cb cb, void *arg)
{
	struct batch_fail *f = malloc(sizeof(*f));
	if (!f) {
		log_error("db: out of memory failing a batch");
		return;
	}
	f->cb = cb;
	f->arg = arg;
	if (event_base_once(c->pool->base, -1, EV_TIMEOUT, batch_fail_cb, f, NULL) != 0) {
		free(f);
		log_error("db: cannot defer a batch failure");
	}
}

void db_lease_batch(struct db_conn *c, const struct db_batch_step *steps, int nsteps,
                    db_batch_cb cb, void *arg)
{
	if (nsteps < 1 || nsteps > DB_BATCH_MAX) {
		log_error("db: batch of %d steps (bug)", nsteps);
		batch_fail_later(c, cb, arg);
		return;
	}
	if (!c->leased || c->op != OP_NONE || !c->pg || c->poisoned) {
		batch_fail_later(c, cb, arg);
		return;
	}
	size_t total = 0;
	for (int i = 0; i < nsteps; i++)
		for (int k = 0; k < steps[i].stmt->nparams; k++)
			total += steps[i].params[k] ? strlen(steps[i].params[k]) + 1 : 0;
	c->param_buf = malloc(total ? total : 1);
	if (!c->param_buf) {
		batch_fail_later(c, cb, arg);
		return;
	}
	char *out = c->param_buf;
	for (int i = 0; i < nsteps; i++) {
		c->batch_stmts[i] = steps[i].stmt;
		for (int k = 0; k < steps[i].stmt->nparams; k++) {
			const char *p = steps[i].params[k];
			if (!p) {
				c->batch_params[i][k] = NULL;
				continue;
			}
			size_t n = strlen(p) + 1;
			memcpy(out, p, n);
			c->batch_params[i][k] = out;
			out += n;
		}
	}
	c->batch_n = nsteps;
	c->batch_failed_step = -1;
	c->batch_cb = cb;
	c->cb_arg = arg;
	c->op = OP_BATCH;
	event_active(c->kick, EV_TIMEOUT, 0);
}

void db_lease_set_timeout(struct db_conn *c, int ms)
{
	c->op_timeout_ms = ms > 0 ? ms : 0;
}

void db_release(struct db_conn *c)
{
	if (!c->leased)
		return;
	c->leased = false;
	c->op_timeout_ms = 0;
	if (c->op != OP_NONE) { /* released mid-query: the answer is unwanted */
		c->cb = NULL;
		c->poisoned = true;
	}
	if (!c->pg || c->poisoned) {
		conn_clear_op(c);
		if (c->pg) {
			event_del(c->io);
			c->fd = -1;
			c->io_what = 0;
			PQfinish(c->pg);
			c->pg = NULL;
		}
		conn_set_state(c, CONN_DOWN);
		conn_schedule_reconnect(c, c->poisoned && c->attempts == 0);
		c->poisoned = false;
		if (!pool_may_serve(c->pool))
			pool_fail_waiters(c->pool, DB_UNAVAILABLE);
		return;
	}
	PGTransactionStatusType ts = PQtransactionStatus(c->pg);
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
		c->leased = true; /* still ours until the rollback completes */
		c->op = OP_ROLLBACK;
		if (!PQsendQuery(c->pg, "ROLLBACK")) {
			c->op = OP_NONE;
			c->leased = false;
			conn_lost(c, "cannot send ROLLBACK");
			return;
		}
		c->leased = false;
		timer_start_ms(c->timer, c->pool->cfg->db_query_timeout_ms);
		conn_flush(c);
		return;
	}
	conn_make_idle(c);
}

/* ---- one statement outside a transaction ------------------------------- */

struct single_query {
	const struct db_statement *stmt;
	struct db_conn *lease;
	db_result_cb cb;
	void *arg;
	char *buf;
	const char *params[LIMIT_DB_PARAMS];
};

static void single_result_cb(const struct db_result *r, void *arg);

static void single_lease_cb(struct db_conn *lease, enum db_status status, void *arg)
{
	struct single_query *q = arg;
	if (status != DB_OK) {
		struct db_result r = {status, NULL, "", db_status_name(status)};
		q->cb(&r, q->arg);
		free(q->buf);
		free(q);
		return;
	}
	q->lease = lease;
	char *buf = q->buf; /* db_lease_query copies the params before returning */
	q->buf = NULL;
	db_lease_query(lease, q->stmt, q->params, single_result_cb, q);
	free(buf);
}

static void single_result_cb(const struct db_result *r, void *arg)
{
	struct single_query *q = arg;
	struct db_conn *lease = q->lease;
	q->cb(r, q->arg);
	db_release(lease);
	free(q);
}

void db_query(struct db_pool *p, const struct db_statement *stmt, const char *const *params,
              db_result_cb cb, void *arg)
{
	struct single_query *q = calloc(1, sizeof(*q));
	if (!q) {
		defer_result(p, cb, arg, DB_OVERLOADED, "out of memory");
		return;
	}
	q->stmt = stmt;
	q->cb = cb;
	q->arg = arg;
	/* The caller's params may not outlive this call: copy them now. */
	char *buf = copy_params(params, stmt->nparams, q->params);
	if (!buf) {
		free(q);
		defer_result(p, cb, arg, DB_OVERLOADED, "out of memory");
		return;
	}
	q->buf = buf;
	db_acquire(p, single_lease_cb, q);
}

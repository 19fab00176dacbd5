/*
 * app.h - process-wide state shared read-only by the I/O threads.
 *
 * Built once in main() before any thread starts and torn down after they
 * have all stopped; only `shutting_down` changes while threads run.
 */
#ifndef GRIDD_APP_H
#define GRIDD_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "auth/token.h"
#include "config.h"
#include "http/router.h"
#include "http/static_site.h"

struct io_thread;
struct db_pool;
struct event_base;
struct evhttp_connection;
struct worker_pool;

struct app {
	struct config cfg;
	const struct route *routes;
	int route_count;
	size_t body_hard_limit;      /* libevent's backstop (see limits.h) */

	struct io_thread *threads;
	int thread_count;
	struct worker_pool *workers;

	/* Runs a routed, parsed request: authentication, then the handler. */
	void (*dispatch)(struct http_context *ctx);

	/*
	 * Background work of I/O thread 0 (the case sweeper): started on that
	 * thread's loop once its database pool exists, told to stop when the
	 * thread starts draining, freed after the pool (whose pending callbacks
	 * it must survive). NULL: none.
	 */
	void *(*job_start)(struct event_base *base, struct db_pool *db, struct worker_pool *workers,
	                   const struct config *cfg);
	void (*job_drain)(void *job);
	void (*job_free)(void *job);

	/* Every I/O thread, when it starts draining (live streams end). NULL: none. */
	void (*thread_drain)(struct event_base *base);

	/* Every I/O thread while it drains: true while its background work is
	 * still winding down (export jobs recording that they were interrupted).
	 * The thread stops when this is false and no request is in flight, or at
	 * drain_timeout_s. NULL: none. */
	bool (*thread_busy)(struct event_base *base);

	/* Every I/O thread, once its loop has stopped and its database pool is
	 * freed, before its event_base goes (background exports let go of it).
	 * NULL: none. */
	void (*thread_stopped)(struct event_base *base);

	/* A client connection of the thread that owns base closed (the server
	 * keeps the connection's close callback for its own accounting, and
	 * passes the news on). NULL: none. */
	void (*connection_closed)(struct event_base *base, struct evhttp_connection *conn);
	struct token_config tokens;  /* keys owned by main() */
	struct static_site site;     /* the web clients, in memory */

	int migrations_latest;       /* highest migration built into this binary */
	time_t started_at;
	atomic_int shutting_down;
};

#endif

/*
 * server.h - the I/O threads: one event_base, evhttp and database pool each.
 *
 * Every I/O thread binds its own listening socket on the same address with
 * SO_REUSEPORT (the kernel spreads connections), runs its own evhttp (which
 * is not thread-safe and is never shared) and its own small database pool.
 * A request stays on the thread that accepted it from start to reply.
 */
#ifndef GRIDD_HTTP_SERVER_H
#define GRIDD_HTTP_SERVER_H

#include <event2/event.h>

#include "metrics.h"

struct app;
struct io_thread;
struct db_pool;

/*
 * Starts app->thread_count I/O threads (app->threads is allocated here) and
 * waits until each has bound its listener. Returns 0, or -1 after stopping
 * whatever started (message logged).
 */
int server_start(struct app *app);

/*
 * Asks every thread to stop accepting, finish in-flight requests (at most
 * drain_timeout_s) and close its database connections; then joins them.
 * Call from the main thread once. Returns the number of requests that were
 * abandoned because the drain timeout passed.
 */
int server_stop(struct app *app);

/* The thread's pieces, for handlers. */
struct db_pool *io_thread_db(struct io_thread *t);
struct event_base *io_thread_base(struct io_thread *t);
struct app *io_thread_app(struct io_thread *t);
struct metrics_thread *io_thread_metrics(const struct io_thread *t);

/* Thread i of app (0 <= i < app->thread_count). */
struct io_thread *server_thread(const struct app *app, int i);

#endif

/*
 * workers.h - a small pool of threads for blocking work.
 *
 * I/O threads never block; what must block (a query cancel request, password
 * hashing, fsync, image decoding) runs here. A job's `run` executes on a
 * worker; its `done` then executes on the event loop that submitted it, so
 * results are handled on the thread that owns the request.
 */
#ifndef GRIDD_WORKERS_H
#define GRIDD_WORKERS_H

#include <event2/event.h>

struct worker_pool;

typedef void (*worker_fn)(void *arg);

/* Starts n threads. Returns NULL on failure. */
struct worker_pool *workers_start(int n);

/*
 * Queues run(arg) on a worker, then done(arg) on `origin` (may be NULL: no
 * completion callback). Returns 0, or -1 when the pool is stopping or out of
 * memory (nothing ran; the caller keeps arg).
 */
int workers_submit(struct worker_pool *pool, worker_fn run, worker_fn done, void *arg,
                   struct event_base *origin);

/* Runs every queued job, then joins the threads and frees the pool. */
void workers_stop(struct worker_pool *pool);

#endif

/*
 * metrics.h - per-thread counters, summed only when /metrics is read.
 *
 * Each I/O thread owns one struct metrics_thread and is its only writer, so
 * the hot path takes no lock and no atomic read-modify-write: counters are
 * bumped with relaxed loads and stores, and a reader on another thread sees
 * each 64-bit value whole (memcached/h2o style).
 */
#ifndef GRIDD_METRICS_H
#define GRIDD_METRICS_H

#include <event2/buffer.h>
#include <stdint.h>

struct app;

#define METRICS_STATUS_SLOTS 16
#define METRICS_LATENCY_BUCKETS 14

struct metrics_route {
	uint64_t status_code[METRICS_STATUS_SLOTS];   /* 0 = free slot */
	uint64_t status_count[METRICS_STATUS_SLOTS];
	uint64_t latency_bucket[METRICS_LATENCY_BUCKETS + 1]; /* last: +Inf */
	uint64_t latency_sum_us;
	uint64_t count;
};

enum metrics_conn_state { METRICS_DB_CONNECTING, METRICS_DB_IDLE, METRICS_DB_BUSY,
	                  METRICS_DB_DOWN, METRICS_DB_STATES };

struct metrics_db {
	uint64_t connections[METRICS_DB_STATES]; /* gauges: pool connections by state */
	uint64_t waiting;                        /* gauge: requests waiting for a connection */
	uint64_t queries;
	uint64_t query_errors;
	uint64_t query_timeouts;
	uint64_t queue_rejections;
	uint64_t unavailable;                    /* requests failed: no connection */
	uint64_t reconnects;                     /* connection attempts after a loss */
};

struct metrics_thread {
	int route_count;                 /* routes[route_count] counts unmatched requests */
	struct metrics_route *routes;
	uint64_t connections;            /* gauge: open HTTP connections with requests */
	uint64_t connections_rejected;
	struct metrics_db db;
};

/* Allocates counters for route_count routes. Returns 0 or -1. */
int metrics_thread_init(struct metrics_thread *m, int route_count);
void metrics_thread_free(struct metrics_thread *m);

/* One finished request; route_index -1 for unmatched. */
void metrics_record_request(struct metrics_thread *m, int route_index, int status,
                            uint64_t duration_us);

static inline void metrics_add(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline void metrics_sub(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) - n, __ATOMIC_RELAXED);
}

static inline uint64_t metrics_read(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* Upper bounds of the latency buckets in milliseconds. */
extern const double metrics_latency_bounds_ms[METRICS_LATENCY_BUCKETS];

/* Writes the Prometheus text exposition (format 0.0.4) of all threads. */
void metrics_render(const struct app *app, struct evbuffer *out);

#endif

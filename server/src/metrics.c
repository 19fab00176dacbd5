/*
 * metrics.c - request and pool counters, Prometheus rendering (see metrics.h).
 */
#include "metrics.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "http/server.h"

const double metrics_latency_bounds_ms[METRICS_LATENCY_BUCKETS] = {
	0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
};

int metrics_thread_init(struct metrics_thread *m, int route_count)
{
	memset(m, 0, sizeof(*m));
	m->route_count = route_count;
	m->routes = calloc((size_t)route_count + 1, sizeof(*m->routes));
	return m->routes ? 0 : -1;
}

void metrics_thread_free(struct metrics_thread *m)
{
	free(m->routes);
	m->routes = NULL;
}

void metrics_record_request(struct metrics_thread *m, int route_index, int status,
                            uint64_t duration_us)
{
	if (route_index < 0 || route_index > m->route_count)
		route_index = m->route_count;
	struct metrics_route *r = &m->routes[route_index];
	int slot = -1;
	for (int i = 0; i < METRICS_STATUS_SLOTS; i++) {
		uint64_t code = metrics_read(&r->status_code[i]);
		if (code == (uint64_t)status) {
			slot = i;
			break;
		}
		if (code == 0) {
			__atomic_store_n(&r->status_code[i], (uint64_t)status, __ATOMIC_RELEASE);
			slot = i;
			break;
		}
	}
	if (slot < 0) /* more distinct statuses than slots: count under the last one */
		slot = METRICS_STATUS_SLOTS - 1;
	metrics_add(&r->status_count[slot], 1);

	double ms = (double)duration_us / 1000.0;
	int b = 0;
	while (b < METRICS_LATENCY_BUCKETS && ms > metrics_latency_bounds_ms[b])
		b++;
	metrics_add(&r->latency_bucket[b], 1);
	metrics_add(&r->latency_sum_us, duration_us);
	metrics_add(&r->count, 1);
}

static const char *route_label(const struct app *app, int i)
{
	return i < app->route_count ? app->routes[i].pattern : "unmatched";
}

static const char *route_method(const struct app *app, int i)
{
	return i < app->route_count ? http_method_name(app->routes[i].method) : "";
}

static void render_requests(const struct app *app, struct evbuffer *out)
{
	evbuffer_add_printf(out, "# HELP gridd_http_requests_total HTTP requests by route and status.\n"
	                         "# TYPE gridd_http_requests_total counter\n");
	for (int i = 0; i <= app->route_count; i++) {
		/* Collect the union of status codes across threads. */
		uint64_t codes[METRICS_STATUS_SLOTS * 8];
		uint64_t counts[METRICS_STATUS_SLOTS * 8];
		int n = 0;
		for (int t = 0; t < app->thread_count; t++) {
			const struct metrics_route *r = &io_thread_metrics(server_thread(app, t))->routes[i];
			for (int s = 0; s < METRICS_STATUS_SLOTS; s++) {
				uint64_t code = __atomic_load_n(&r->status_code[s], __ATOMIC_ACQUIRE);
				if (!code)
					break;
				int k = 0;
				while (k < n && codes[k] != code)
					k++;
				if (k == n) {
					if (n == (int)(sizeof(codes) / sizeof(codes[0])))
						continue;
					codes[n] = code;
					counts[n++] = 0;
				}
				counts[k] += metrics_read(&r->status_count[s]);
			}
		}
		for (int k = 0; k < n; k++)
			evbuffer_add_printf(out,
			                    "gridd_http_requests_total{method=\"%s\",route=\"%s\",status=\"%llu\"} %llu\n",
			                    route_method(app, i), route_label(app, i),
			                    (unsigned long long)codes[k], (unsigned long long)counts[k]);
	}

	evbuffer_add_printf(out, "# HELP gridd_http_request_duration_seconds Time from request read to reply.\n"
	                         "# TYPE gridd_http_request_duration_seconds histogram\n");
	for (int i = 0; i <= app->route_count; i++) {
		uint64_t buckets[METRICS_LATENCY_BUCKETS + 1] = {0}, sum = 0, count = 0;
		for (int t = 0; t < app->thread_count; t++) {
			const struct metrics_route *r = &io_thread_metrics(server_thread(app, t))->routes[i];
			for (int b = 0; b <= METRICS_LATENCY_BUCKETS; b++)
				buckets[b] += metrics_read(&r->latency_bucket[b]);
			sum += metrics_read(&r->latency_sum_us);
			count += metrics_read(&r->count);
		}
		if (count == 0)
			continue;
		uint64_t cumulative = 0;
		for (int b = 0; b < METRICS_LATENCY_BUCKETS; b++) {
			cumulative += buckets[b];
			evbuffer_add_printf(out,
			                    "gridd_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%g\"} %llu\n",
			                    route_method(app, i), route_label(app, i),
			                    metrics_latency_bounds_ms[b] / 1000.0,
			                    (unsigned long long)cumulative);
		}
		cumulative += buckets[METRICS_LATENCY_BUCKETS];
		evbuffer_add_printf(out,
		                    "gridd_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} %llu\n"
		                    "gridd_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n"
		                    "gridd_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
		                    route_method(app, i), route_label(app, i), (unsigned long long)cumulative,
		                    route_method(app, i), route_label(app, i), (double)sum / 1e6,
		                    route_method(app, i), route_label(app, i), (unsigned long long)count);
	}
}

/* Sums one counter, given by its offset in struct metrics_thread, over threads. */
static uint64_t sum_field(const struct app *app, size_t offset)
{
	uint64_t total = 0;
	for (int t = 0; t < app->thread_count; t++)
		total += metrics_read((const uint64_t *)((const char *)io_thread_metrics(server_thread(app, t)) +
		                                         offset));
	return total;
}

#define SUM_DB(field) sum_field(app, offsetof(struct metrics_thread, field))

static void render_gauge(struct evbuffer *out, const char *name, const char *help,
                         const char *type, uint64_t value)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
	                    (unsigned long long)value);
}

void metrics_render(const struct app *app, struct evbuffer *out)
{
	render_requests(app, out);

	static const char *const state_names[METRICS_DB_STATES] = {"connecting", "idle", "busy",
		                                                   "down"};
	evbuffer_add_printf(out, "# HELP gridd_db_pool_connections Database connections by state.\n"
	                         "# TYPE gridd_db_pool_connections gauge\n");
	for (int s = 0; s < METRICS_DB_STATES; s++)
		evbuffer_add_printf(out, "gridd_db_pool_connections{state=\"%s\"} %llu\n", state_names[s],
		                    (unsigned long long)sum_field(app, offsetof(struct metrics_thread, db.connections) +
		                                                          (size_t)s * sizeof(uint64_t)));
	render_gauge(out, "gridd_db_pool_waiting", "Requests waiting for a database connection.",
	             "gauge", SUM_DB(db.waiting));
	render_gauge(out, "gridd_db_queries_total", "Statements sent to the database.", "counter",
	             SUM_DB(db.queries));
	render_gauge(out, "gridd_db_query_errors_total", "Statements that failed.", "counter",
	             SUM_DB(db.query_errors));
	render_gauge(out, "gridd_db_query_timeouts_total", "Statements cancelled by the timeout.",
	             "counter", SUM_DB(db.query_timeouts));
	render_gauge(out, "gridd_db_queue_rejections_total",
	             "Requests refused because the wait queue was full.", "counter",
	             SUM_DB(db.queue_rejections));
	render_gauge(out, "gridd_db_unavailable_total",
	             "Requests failed because no database connection was up.", "counter",
	             SUM_DB(db.unavailable));
	render_gauge(out, "gridd_db_reconnects_total", "Database connection attempts after a loss.",
	             "counter", SUM_DB(db.reconnects));
	render_gauge(out, "gridd_http_connections", "Open HTTP connections that made requests.",
	             "gauge", SUM_DB(connections));
	render_gauge(out, "gridd_http_connections_rejected_total",
	             "Requests refused because of the connection limit.", "counter",
	             SUM_DB(connections_rejected));
	render_gauge(out, "gridd_io_threads", "I/O threads.", "gauge", (uint64_t)app->thread_count);
	render_gauge(out, "gridd_start_time_seconds", "Start time of the process (Unix time).",
	             "gauge", (uint64_t)app->started_at);
}

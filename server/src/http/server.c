/*
 * server.c - I/O threads, request intake and replies (see server.h,
 * response.h).
 *
 * Intake order for every request: request id, connection accounting, URI and
 * header limits, routing (404/405/OPTIONS), body limit and JSON parsing, then
 * the route's handler. Every reply goes through http_finish(), which writes
 * the log line and metrics and frees the context: one place, exactly once.
 */
#include "http/server.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "auth/policy.h"
#include "db/db.h"
#include "http/context.h"
#include "http/json_body.h"
#include "http/response.h"
#include "log.h"

/* Open connections that made a request: an open-addressing set of evcon pointers. */
struct conn_set {
	struct evhttp_connection **slots;
	size_t cap;       /* power of two */
	size_t count;
};

struct io_thread {
	struct app *app;
	int index;
	pthread_t tid;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct db_pool *db;
	void *job;                   /* app->job_start's, on thread 0 */
	struct metrics_thread metrics;
	struct event *wake;          /* main thread -> this thread: start draining */
	struct event *drain_timer;
	struct timespec drain_deadline;
	int inflight;
	int abandoned;
	bool draining;
	bool stopped;
	struct conn_set conns;
	size_t max_connections;
	uint64_t rng;

	/* start-up handshake with the main thread */
	pthread_mutex_t *start_lock;
	pthread_cond_t *start_cond;
	int *started;
	int start_result;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct db_pool *io_thread_db(struct io_thread *t) { return t->db; }
struct event_base *io_thread_base(struct io_thread *t) { return t->base; }
struct app *io_thread_app(struct io_thread *t) { return t->app; }
struct metrics_thread *io_thread_metrics(const struct io_thread *t)
{
	return (struct metrics_thread *)&t->metrics;
}
struct io_thread *server_thread(const struct app *app, int i) { return &app->threads[i]; }

/* ---- connection accounting ------------------------------------------------ */

static size_t conn_hash(const struct evhttp_connection *c, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)c;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

static bool conn_set_contains(const struct conn_set *s, const struct evhttp_connection *c)
{
	for (size_t i = conn_hash(c, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (s->slots[i] == c)
			return true;
		if (!s->slots[i])
			return false;
	}
}

static void conn_set_add(struct conn_set *s, struct evhttp_connection *c)
{
	size_t i = conn_hash(c, s->cap);
	while (s->slots[i])
		i = (i + 1) & (s->cap - 1);
	s->slots[i] = c;
	s->count++;
}

/* Removes c, shifting later entries back (no tombstones). */
static void conn_set_remove(struct conn_set *s, const struct evhttp_connection *c)
{
	size_t i = conn_hash(c, s->cap);
	while (s->slots[i] != c) {
		if (!s->slots[i])
			return;
		i = (i + 1) & (s->cap - 1);
	}
	s->slots[i] = NULL;
	s->count--;
	for (size_t j = (i + 1) & (s->cap - 1); s->slots[j]; j = (j + 1) & (s->cap - 1)) {
		struct evhttp_connection *moved = s->slots[j];
		size_t home = conn_hash(moved, s->cap);
		/* moved may fill the hole at i if its home is not in (i, j]. */
		bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!between) {
			s->slots[i] = moved;
			s->slots[j] = NULL;
			i = j;
		}
	}
}

static void on_connection_closed(struct evhttp_connection *evcon, void *arg)
{
	struct io_thread *t = arg;
	if (t->app->connection_closed)
		t->app->connection_closed(t->base, evcon);
	conn_set_remove(&t->conns, evcon);
	metrics_sub(&t->metrics.connections, 1);
}

/*
 * Returns false when a new connection would pass the limit: its request gets
 * 503 and the connection is closed. (Pausing the listener instead would leave
 * clients waiting in the kernel backlog with no answer.)
 */
static bool track_connection(struct io_thread *t, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	if (!evcon || conn_set_contains(&t->conns, evcon))
		return true;
	if (t->conns.count >= t->max_connections) {
		metrics_add(&t->metrics.connections_rejected, 1);
		return false;
	}
	conn_set_add(&t->conns, evcon);
	metrics_add(&t->metrics.connections, 1);
	evhttp_connection_set_closecb(evcon, on_connection_closed, t);
	return true;
}

/* ---- replies ------------------------------------------------------------ */

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return status < 400 ? "OK" : "Error";
	}
}

static void log_request(struct http_context *ctx, uint64_t duration_us)
{
	enum log_level level = ctx->status >= 500 ? LOG_LEVEL_WARN : LOG_LEVEL_INFO;
	if (!log_enabled(level))
		return;
	if (ctx->route && (ctx->route->flags & ROUTE_NO_LOG) && ctx->status < 400 &&
	    !log_enabled(LOG_LEVEL_DEBUG))
		return;
	char status[8], duration[32], thread[8];
	snprintf(status, sizeof(status), "%d", ctx->status);
	snprintf(duration, sizeof(duration), "%.3f", (double)duration_us / 1000.0);
	snprintf(thread, sizeof(thread), "%d", ctx->thread->index);
	const char *fields[] = {
		"request_id", ctx->request_id,
		"method", http_method_name(ctx->method),
		"route", ctx->route ? ctx->route->pattern : "-",
		"path", ctx->path ? ctx->path : "-",
		"status", status,
		"duration_ms", duration,
		"user", ctx->user ? ctx->user : "-",
		"thread", thread,
		NULL, NULL,
	};
	log_event(level, "request", fields);
}

/* Logs, counts and frees the context after its reply was handed to libevent. */
static void http_finish(struct http_context *ctx)
{
	struct io_thread *t = ctx->thread;
	uint64_t duration_us = (now_ns() - ctx->started_ns) / 1000;
	metrics_record_request(&t->metrics, ctx->match.route_index, ctx->status, duration_us);
	log_request(ctx, duration_us);
	json_decref(ctx->body);
	auth_user_free(ctx->auth);
	if (ctx->query_params) {
		evhttp_clear_headers(ctx->query_params);
		free(ctx->query_params);
	}
	free(ctx);
	t->inflight--; /* while draining, drain_timer_cb notices when all is written */
}

void http_set_header(struct http_context *ctx, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(ctx->req), name, value);
}

static void send_buffer(struct http_context *ctx, int status, const char *content_type,
                        struct evbuffer *buf)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(ctx->req);
	ctx->status = status;
	if (content_type)
		evhttp_add_header(out, "Content-Type", content_type);
	evhttp_add_header(out, "X-Request-Id", ctx->request_id);
	if (!evhttp_find_header(out, "Cache-Control"))
		evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	if (ctx->close_connection || ctx->thread->draining)
		evhttp_add_header(out, "Connection", "close");
	evhttp_send_reply(ctx->req, status, reason_phrase(status), buf);
	http_finish(ctx);
}

void http_reply_bytes(struct http_context *ctx, int status, const char *content_type,
                      const void *data, size_t len)
{
	struct evbuffer *buf = evbuffer_new();
	if (buf && len)
		evbuffer_add(buf, data, len);
	send_buffer(ctx, status, content_type, buf);
	if (buf)
		evbuffer_free(buf);
}

void http_reply_file(struct http_context *ctx, int status, const char *content_type, int fd,
                     off_t size)
{
	/*
	 * The segment owns fd (closed when the last reference goes). A plain
	 * buffer maps the file (mmap) rather than reading it; the kernel pages it
	 * in as the socket takes it, so memory never holds the file.
	 */
	struct evbuffer *buf = evbuffer_new();
	struct evbuffer_file_segment *seg =
		buf && size > 0 ? evbuffer_file_segment_new(fd, 0, size, EVBUF_FS_CLOSE_ON_FREE) : NULL;
	if (!seg)
		close(fd);
	int rc = seg ? evbuffer_add_file_segment(buf, seg, 0, size) : 0;
	if (seg)
		evbuffer_file_segment_free(seg); /* the buffer keeps its own reference */
	if (!buf || rc < 0 || (size > 0 && !seg)) {
		if (buf)
			evbuffer_free(buf);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	send_buffer(ctx, status, content_type, buf);
	evbuffer_free(buf);
}

struct evhttp_request *http_reply_stream(struct http_context *ctx, const char *content_type)
{
	struct evhttp_request *req = ctx->req;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	ctx->status = 200;
	evhttp_add_header(out, "Content-Type", content_type);
	evhttp_add_header(out, "X-Request-Id", ctx->request_id);
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Accel-Buffering", "no"); /* nginx: pass events on at once */
	evhttp_send_reply_start(req, 200, "OK");
	http_finish(ctx);
	return req;
}

void http_reply_empty(struct http_context *ctx, int status)
{
	send_buffer(ctx, status, NULL, NULL);
}

static void reply_serialized(struct http_context *ctx, int status, const char *content_type,
                             json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(body);
	if (!text) {
		static const char fallback[] =
			"{\"type\":\"urn:gridd:problem:internal\",\"title\":\"Internal server error\",\"status\":500}";
		http_reply_bytes(ctx, 500, "application/problem+json", fallback, sizeof(fallback) - 1);
		return;
	}
	http_reply_bytes(ctx, status, content_type, text, strlen(text));
	free(text);
}

void http_reply_json(struct http_context *ctx, int status, json_t *body)
{
	reply_serialized(ctx, status, "application/json", body);
}

void http_reply_problem(struct http_context *ctx, enum problem_kind kind, const char *detail,
                        json_t *errors)
{
	int status = problem_status(kind);
	if (status == 503) {
		char seconds[16];
		snprintf(seconds, sizeof(seconds), "%d", ctx->thread->app->cfg.retry_after_s);
		http_set_header(ctx, "Retry-After", seconds);
	}
	if (kind == PROBLEM_HEADERS_TOO_LARGE || kind == PROBLEM_TOO_MANY_CONNECTIONS ||
	    kind == PROBLEM_URI_TOO_LONG)
		ctx->close_connection = true;
	reply_serialized(ctx, status, "application/problem+json",
	                 problem_build(kind, detail, ctx->path, errors));
}

/* ---- intake ------------------------------------------------------------- */

static unsigned method_bit(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return HTTP_GET;
	case EVHTTP_REQ_HEAD: return HTTP_HEAD;
	case EVHTTP_REQ_POST: return HTTP_POST;
	case EVHTTP_REQ_PUT: return HTTP_PUT;
	case EVHTTP_REQ_PATCH: return HTTP_PATCH;
	case EVHTTP_REQ_DELETE: return HTTP_DELETE;
	case EVHTTP_REQ_OPTIONS: return HTTP_OPTIONS;
	default: return 0;
	}
}

/* A client's request id is echoed when it is 1-64 characters of [A-Za-z0-9._:-]. */
static bool request_id_is_safe(const char *id)
{
	size_t n = 0;
	for (; id[n]; n++) {
		char c = id[n];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		          c == '.' || c == '_' || c == ':' || c == '-';
		if (!ok || n >= LIMIT_REQUEST_ID_BYTES)
			return false;
	}
	return n > 0;
}

static void set_request_id(struct io_thread *t, struct http_context *ctx)
{
	const char *given =
		evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "X-Request-Id");
	if (given && request_id_is_safe(given)) {
		snprintf(ctx->request_id, sizeof(ctx->request_id), "%s", given);
		return;
	}
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	snprintf(ctx->request_id, sizeof(ctx->request_id), "%016llx", (unsigned long long)t->rng);
}

static size_t header_bytes(struct evhttp_request *req)
{
	size_t n = strlen(evhttp_request_get_uri(req)) + 16; /* request line */
	struct evkeyval *h;
	TAILQ_FOREACH(h, evhttp_request_get_input_headers(req), next)
		n += strlen(h->key) + strlen(h->value) + 4;
	return n;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct io_thread *t = arg;
	const struct config *cfg = &t->app->cfg;
	struct http_context *ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		evhttp_send_error(req, 503, "Out of memory");
		return;
	}
	ctx->req = req;
	ctx->thread = t;
	ctx->started_ns = now_ns();
	ctx->match.route_index = -1;
	ctx->method = method_bit(evhttp_request_get_command(req));
	t->inflight++;
	set_request_id(t, ctx);
	if (t->draining)
		ctx->close_connection = true;

	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	ctx->path = path && *path ? path : "/";
	ctx->query = uri ? evhttp_uri_get_query(uri) : NULL;

	if (!track_connection(t, req)) {
		http_reply_problem(ctx, PROBLEM_TOO_MANY_CONNECTIONS, NULL, NULL);
		return;
	}
	if (strlen(evhttp_request_get_uri(req)) > LIMIT_URI_BYTES) {
		http_reply_problem(ctx, PROBLEM_URI_TOO_LONG, NULL, NULL);
		return;
	}
	size_t hbytes = header_bytes(req);
	if (hbytes > (size_t)cfg->http_max_header_bytes) {
		char detail[128];
		snprintf(detail, sizeof(detail), "the request line and headers have %zu bytes; the limit is %d",
		         hbytes, cfg->http_max_header_bytes);
		http_reply_problem(ctx, PROBLEM_HEADERS_TOO_LARGE, detail, NULL);
		return;
	}

	/* The web clients: files, no authentication (the apps log in through the API). */
	if ((ctx->method & (HTTP_GET | HTTP_HEAD)) && static_site_claims(ctx->path)) {
		static_site_serve(ctx, &t->app->site);
		return;
	}
	enum route_result rr = router_match(t->app->routes, t->app->route_count, ctx->method, ctx->path,
	                                    strlen(ctx->path), &ctx->match);
	if (rr == ROUTE_NOT_FOUND) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no resource at this path", NULL);
		return;
	}
	if (rr == ROUTE_WRONG_METHOD) {
		char allow[96];
		router_allow_header(ctx->match.allowed, allow, sizeof(allow));
		http_set_header(ctx, "Allow", allow);
		ctx->match.route_index = -1;
		if (ctx->method == HTTP_OPTIONS) {
			http_reply_empty(ctx, 204);
			return;
		}
		char detail[160];
		snprintf(detail, sizeof(detail), "%s is not allowed here; allowed: %s",
		         ctx->method ? http_method_name(ctx->method) : "this method", allow);
		http_reply_problem(ctx, PROBLEM_METHOD_NOT_ALLOWED, detail, NULL);
		return;
	}
	ctx->route = ctx->match.route;

	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	size_t max = ctx->route->max_body ? ctx->route->max_body : (size_t)cfg->http_max_body_bytes;
	if (len > max) {
		char detail[128];
		snprintf(detail, sizeof(detail), "the body has %zu bytes; this resource accepts at most %zu",
		         len, max);
		http_reply_problem(ctx, PROBLEM_BODY_TOO_LARGE, detail, NULL);
		return;
	}
	if ((ctx->route->flags & ROUTE_JSON_BODY) && !(len == 0 && (ctx->route->flags & ROUTE_JSON_OPTIONAL))) {
		struct json_body_error err;
		const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
		const char *bytes = len ? (const char *)evbuffer_pullup(in, -1) : "";
		ctx->body = json_body_parse(ct, bytes, len, max, &err);
		if (!ctx->body) {
			http_reply_problem(ctx, err.kind, err.detail, NULL);
			return;
		}
	}
	t->app->dispatch(ctx);
}

/* ---- thread life ---------------------------------------------------------- */

static int listen_socket(const char *host, int port)
{
	struct addrinfo hints = {0}, *res = NULL;
	char service[8];
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%d", port);
	int rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		log_error("listen: cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		log_error("listen: %s:%d: %s", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static void thread_stop_now(struct io_thread *t)
{
	if (t->stopped)
		return;
	t->stopped = true;
	if (t->drain_timer)
		event_del(t->drain_timer);
	t->abandoned = t->inflight;
	/*
	 * The pool is freed after the loop has stopped (thread_main), so callbacks
	 * already queued on the loop never see a freed connection; freeing it
	 * fails any database work still pending with DB_SHUTDOWN.
	 */
	event_base_loopexit(t->base, NULL);
}

/*
 * True when nothing is left to finish: no request in flight, no background
 * work winding down (app->thread_busy), and every reply fully handed to the
 * kernel (a reply queued in libevent but not yet written would be cut off if
 * the thread stopped now).
 */
static bool thread_idle(struct io_thread *t)
{
	if (t->inflight > 0)
		return false;
	if (t->app->thread_busy && t->app->thread_busy(t->base))
		return false;
	for (size_t i = 0; i < t->conns.cap; i++) {
		struct evhttp_connection *c = t->conns.slots[i];
		if (!c)
			continue;
		struct bufferevent *bev = evhttp_connection_get_bufferevent(c);
		if (bev && evbuffer_get_length(bufferevent_get_output(bev)) > 0)
			return false;
	}
	return true;
}

static void drain_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct io_thread *t = arg;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (thread_idle(t) || now.tv_sec > t->drain_deadline.tv_sec ||
	    (now.tv_sec == t->drain_deadline.tv_sec && now.tv_nsec >= t->drain_deadline.tv_nsec)) {
		if (t->inflight)
			log_warn("thread %d: drain timeout: %d request(s) still in flight", t->index,
			         t->inflight);
		thread_stop_now(t);
	}
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct io_thread *t = arg;
	if (t->draining)
		return;
	t->draining = true;
	if (t->job)
		t->app->job_drain(t->job);
	if (t->app->thread_drain)
		t->app->thread_drain(t->base);
	if (t->bound) { /* stop accepting: closes this thread's listening socket */
		evhttp_del_accept_socket(t->http, t->bound);
		t->bound = NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t->drain_deadline);
	t->drain_deadline.tv_sec += t->app->cfg.drain_timeout_s;
	if (thread_idle(t)) {
		thread_stop_now(t);
		return;
	}
	struct timeval tick = {0, 20 * 1000};
	event_add(t->drain_timer, &tick);
}

static void signal_started(struct io_thread *t, int result)
{
	pthread_mutex_lock(t->start_lock);
	t->start_result = result;
	(*t->started)++;
	pthread_cond_broadcast(t->start_cond);
	pthread_mutex_unlock(t->start_lock);
}

static void *thread_main(void *arg)
{
	struct io_thread *t = arg;
	struct app *app = t->app;
	const struct config *cfg = &app->cfg;
	int fd = -1;

	t->base = event_base_new();
	t->http = t->base ? evhttp_new(t->base) : NULL;
	if (!t->http || metrics_thread_init(&t->metrics, app->route_count) < 0)
		goto fail;
	evhttp_set_allowed_methods(t->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	                                            EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH |
	                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS);
	evhttp_set_max_headers_size(t->http, LIMIT_HEADER_BYTES_HARD);
	evhttp_set_max_body_size(t->http, (ev_ssize_t)app->body_hard_limit);
	evhttp_set_timeout(t->http, cfg->http_timeout_s);
	evhttp_set_flags(t->http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_gencb(t->http, on_request, t);

	t->max_connections = (size_t)(cfg->http_max_connections + app->thread_count - 1) /
	                     (size_t)app->thread_count;
	t->conns.cap = 16;
	while (t->conns.cap < t->max_connections * 2 + 2)
		t->conns.cap *= 2;
	t->conns.slots = calloc(t->conns.cap, sizeof(*t->conns.slots));
	if (getrandom(&t->rng, sizeof(t->rng), 0) != sizeof(t->rng) || t->rng == 0)
		t->rng = (uint64_t)now_ns() | 1;

	fd = listen_socket(cfg->listen_host, cfg->listen_port);
	if (fd < 0 || !t->conns.slots)
		goto fail;
	t->bound = evhttp_accept_socket_with_handle(t->http, fd);
	if (!t->bound)
		goto fail;
	fd = -1; /* owned by evhttp now */

	t->wake = event_new(t->base, -1, 0, wake_cb, t);
	t->drain_timer = event_new(t->base, -1, EV_PERSIST, drain_timer_cb, t);
	t->db = db_pool_new(t->base, cfg, &t->metrics.db, app->workers);
	if (!t->wake || !t->drain_timer || !t->db)
		goto fail;
	if (t->index == 0 && app->job_start &&
	    !(t->job = app->job_start(t->base, t->db, app->workers, cfg)))
		goto fail;

	signal_started(t, 0);
	event_base_dispatch(t->base);
	goto cleanup;

fail:
	if (fd >= 0)
		close(fd);
	signal_started(t, -1);
cleanup:
	if (t->db)
		db_pool_free(t->db);
	t->db = NULL;
	if (t->base && app->thread_stopped)
		app->thread_stopped(t->base);
	if (t->job)
		app->job_free(t->job);
	t->job = NULL;
	if (t->http)
		evhttp_free(t->http); /* closes remaining connections */
	t->http = NULL;
	if (t->wake)
		event_free(t->wake);
	if (t->drain_timer)
		event_free(t->drain_timer);
	if (t->base)
		event_base_free(t->base);
	t->base = NULL;
	free(t->conns.slots);
	return NULL;
}

int server_start(struct app *app)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
	static int started;

	app->threads = calloc((size_t)app->thread_count, sizeof(*app->threads));
	if (!app->threads)
		return -1;
	int launched = 0;
	for (int i = 0; i < app->thread_count; i++) {
		struct io_thread *t = &app->threads[i];
		t->app = app;
		t->index = i;
		t->start_lock = &lock;
		t->start_cond = &cond;
		t->started = &started;
		if (pthread_create(&t->tid, NULL, thread_main, t) != 0) {
			log_error("cannot start I/O thread %d", i);
			break;
		}
		launched++;
	}
	pthread_mutex_lock(&lock);
	while (started < launched)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);

	int ok = launched == app->thread_count;
	for (int i = 0; i < launched; i++)
		if (app->threads[i].start_result != 0)
			ok = 0;
	if (!ok) {
		app->thread_count = launched;
		server_stop(app);
		return -1;
	}
	return 0;
}

int server_stop(struct app *app)
{
	int abandoned = 0;
	for (int i = 0; i < app->thread_count; i++) {
		struct io_thread *t = &app->threads[i];
		if (t->start_result == 0 && t->wake)
			event_active(t->wake, EV_TIMEOUT, 0); /* thread-safe with evthread_use_pthreads */
	}
	for (int i = 0; i < app->thread_count; i++) {
		pthread_join(app->threads[i].tid, NULL);
		abandoned += app->threads[i].abandoned;
	}
	for (int i = 0; i < app->thread_count; i++)
		metrics_thread_free(&app->threads[i].metrics);
	free(app->threads);
	app->threads = NULL;
	app->thread_count = 0;
	return abandoned;
}

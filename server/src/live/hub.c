/*
 * hub.c - fanning notifications out to SSE subscribers. See hub.h.
 */
#include "live/hub.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "auth/policy.h"
#include "config.h"
#include "live/listener.h"
#include "log.h"

#ifndef TAILQ_FOREACH_SAFE /* glibc's sys/queue.h lacks it */
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)                                            \
	for ((var) = TAILQ_FIRST(head); (var) && ((tvar) = TAILQ_NEXT(var, field), 1); (var) = (tvar))
#endif

#define LIVE_MAX_THREADS 256
#define LIVE_INBOX_MAX 10000     /* messages waiting for one thread; beyond, dropped */

struct message {
	STAILQ_ENTRY(message) next;
	char payload[];
};

struct subscriber {
	TAILQ_ENTRY(subscriber) next;
	struct live_thread *thread;
	struct evhttp_request *req;
	struct evhttp_connection *conn;
	struct live_filter filter;
};

struct live_thread {
	struct event_base *base;
	pthread_mutex_t lock;               /* guards inbox and inbox_count */
	STAILQ_HEAD(, message) inbox;
	int inbox_count;
	struct event *wake;                 /* the inbox has messages */
	struct event *heartbeat;
	TAILQ_HEAD(, subscriber) subscribers; /* this thread's only */
};

static struct {
	pthread_mutex_t lock;               /* guards threads[] */
	struct live_thread *threads[LIVE_MAX_THREADS];
	int count;
	struct live_listener *listener;
	const struct config *cfg;
} hub = {PTHREAD_MUTEX_INITIALIZER, {0}, 0, NULL, NULL};

/* ---- scope ------------------------------------------------------------------- */

bool live_filter_match(const struct live_filter *f, const char *cell, int64_t unit, const char *state)
{
	switch (f->role) {
	case ROLE_ADMIN:
		return true;
	case ROLE_DISPATCHER:
	case ROLE_SUPERVISOR:
		return strncmp(cell, f->area, strlen(f->area)) == 0;
	case ROLE_GRID_WORKER:
		for (int i = 0; i < f->ncells; i++)
			if (strcmp(cell, f->cells[i]) == 0)
				return true;
		return false;
	case ROLE_UNIT_STAFF:
		if (strcmp(state, "dispatched") != 0 && strcmp(state, "in_progress") != 0 &&
		    strcmp(state, "resolved") != 0 && strcmp(state, "closed") != 0)
			return false;
		for (int i = 0; i < f->nunits; i++)
			if (f->units[i] == unit)
				return true;
		return false;
	default:
		return false;
	}
}

/* ---- one subscriber ------------------------------------------------------------- */

static void subscriber_free(struct subscriber *s)
{
	TAILQ_REMOVE(&s->thread->subscribers, s, next);
	free(s->filter.cells);
	free(s->filter.units);
	free(s);
}

void live_connection_closed(struct event_base *base, struct evhttp_connection *conn)
{
	pthread_mutex_lock(&hub.lock);
	struct live_thread *t = NULL;
	for (int i = 0; i < hub.count && !t; i++)
		if (hub.threads[i]->base == base)
			t = hub.threads[i];
	pthread_mutex_unlock(&hub.lock);
	if (!t) /* no subscribers here (or drained): t is only freed by this thread */
		return;
	struct subscriber *s;
	TAILQ_FOREACH(s, &t->subscribers, next)
		if (s->conn == conn)
			break;
	if (!s)
		return;
	struct evhttp_request *req = s->req;
	subscriber_free(s);
	/* When the client went away, libevent detaches the unfinished request
	 * from its connection and leaves it to us: ending it frees it. A request
	 * still attached is freed with its connection. */
	if (!evhttp_request_get_connection(req))
		evhttp_send_reply_end(req);
}

/* Writes raw SSE text; drops the subscriber when it is too far behind. */
static void subscriber_write(struct subscriber *s, const char *text, size_t len)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(s->conn);
	size_t waiting = bev ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
	if (waiting > (size_t)hub.cfg->live_max_buffer_bytes) {
		log_info("live: a subscriber fell %zu bytes behind: dropped", waiting);
		struct evhttp_connection *conn = s->conn;
		subscriber_free(s);
		evhttp_connection_free(conn);
		return;
	}
	struct evbuffer *buf = evbuffer_new();
	if (!buf)
		return;
	evbuffer_add(buf, text, len);
	evhttp_send_reply_chunk(s->req, buf);
	evbuffer_free(buf);
}

void live_send_event(struct evhttp_request *req, const char *id, const char *data)
{
	struct evbuffer *buf = evbuffer_new();
	if (!buf)
		return;
	evbuffer_add_printf(buf, "id: %s\nevent: case\ndata: %s\n\n", id, data);
	evhttp_send_reply_chunk(req, buf);
	evbuffer_free(buf);
}

/* ---- one I/O thread ------------------------------------------------------------- */

static void deliver_here(struct live_thread *t, const char *payload)
{
	json_error_t je;
	json_t *j = json_loads(payload, 0, &je);
	const char *cell = json_string_value(json_object_get(j, "cell"));
	const char *state = json_string_value(json_object_get(j, "state"));
	json_t *at = json_object_get(j, "at");
	int64_t unit = json_integer_value(json_object_get(j, "unit"));
	if (!cell || !state) {
		json_decref(j);
		return;
	}
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(at));
	size_t cap = strlen(payload) + 64;
	char *text = malloc(cap);
	if (text) {
		int n = snprintf(text, cap, "id: %s\nevent: case\ndata: %s\n\n", id, payload);
		struct subscriber *s, *tmp;
		TAILQ_FOREACH_SAFE(s, &t->subscribers, next, tmp)
			if (live_filter_match(&s->filter, cell, unit, state))
				subscriber_write(s, text, (size_t)n);
		free(text);
	}
	json_decref(j);
}

static void inbox_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct live_thread *t = arg;
	pthread_mutex_lock(&t->lock);
	STAILQ_HEAD(, message) batch = STAILQ_HEAD_INITIALIZER(batch);
	STAILQ_CONCAT(&batch, &t->inbox);
	t->inbox_count = 0;
	pthread_mutex_unlock(&t->lock);
	struct message *m;
	while ((m = STAILQ_FIRST(&batch))) {
		STAILQ_REMOVE_HEAD(&batch, next);
		deliver_here(t, m->payload);
		free(m);
	}
}

static void heartbeat_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct live_thread *t = arg;
	struct subscriber *s, *tmp;
	TAILQ_FOREACH_SAFE(s, &t->subscribers, next, tmp)
		subscriber_write(s, ": ping\n\n", 8);
}

/* The calling thread's hub state, made on first use. */
static struct live_thread *thread_for(struct event_base *base)
{
	pthread_mutex_lock(&hub.lock);
	for (int i = 0; i < hub.count; i++)
		if (hub.threads[i]->base == base) {
			struct live_thread *t = hub.threads[i];
			pthread_mutex_unlock(&hub.lock);
			return t;
		}
	struct live_thread *t = hub.count < LIVE_MAX_THREADS ? calloc(1, sizeof(*t)) : NULL;
	if (t) {
		t->base = base;
		pthread_mutex_init(&t->lock, NULL);
		STAILQ_INIT(&t->inbox);
		TAILQ_INIT(&t->subscribers);
		t->wake = event_new(base, -1, 0, inbox_cb, t);
		t->heartbeat = event_new(base, -1, EV_PERSIST, heartbeat_cb, t);
		struct timeval every = {hub.cfg->live_heartbeat_s, 0};
		if (!t->wake || !t->heartbeat || event_add(t->heartbeat, &every) < 0) {
			if (t->wake)
				event_free(t->wake);
			if (t->heartbeat)
				event_free(t->heartbeat);
			pthread_mutex_destroy(&t->lock);
			free(t);
			t = NULL;
		} else {
			hub.threads[hub.count++] = t;
		}
	}
	pthread_mutex_unlock(&hub.lock);
	return t;
}

int live_subscribe(struct event_base *base, struct evhttp_request *req, struct live_filter *filter)
{
	struct live_thread *t = hub.cfg ? thread_for(base) : NULL;
	struct subscriber *s = t ? calloc(1, sizeof(*s)) : NULL;
	if (!s)
		return -1;
	s->thread = t;
	s->req = req;
	s->conn = evhttp_request_get_connection(req);
	s->filter = *filter;
	memset(filter, 0, sizeof(*filter));
	TAILQ_INSERT_TAIL(&t->subscribers, s, next);
	return 0;
}

void live_thread_drain(struct event_base *base)
{
	pthread_mutex_lock(&hub.lock);
	struct live_thread *t = NULL;
	for (int i = 0; i < hub.count; i++)
		if (hub.threads[i]->base == base) {
			t = hub.threads[i];
			hub.threads[i] = hub.threads[--hub.count];
			break;
		}
	pthread_mutex_unlock(&hub.lock);
	if (!t)
		return;
	/* No other thread can reach t now: its streams are closed (the clients
	 * reconnect to another instance and resume with Last-Event-ID), its inbox
	 * is dropped. Closing, not ending the reply: the loop may stop before a
	 * last chunk would be written, and the request would never be freed. */
	struct subscriber *s;
	while ((s = TAILQ_FIRST(&t->subscribers))) {
		struct evhttp_connection *conn = s->conn;
		subscriber_free(s);
		evhttp_connection_free(conn);
	}
	struct message *m;
	while ((m = STAILQ_FIRST(&t->inbox))) {
		STAILQ_REMOVE_HEAD(&t->inbox, next);
		free(m);
	}
	event_free(t->wake);
	event_free(t->heartbeat);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* ---- the listener's side ---------------------------------------------------------- */

static void fan_out(const char *payload, void *arg)
{
	(void)arg;
	size_t len = strlen(payload);
	pthread_mutex_lock(&hub.lock);
	for (int i = 0; i < hub.count; i++) {
		struct live_thread *t = hub.threads[i];
		struct message *m = malloc(sizeof(*m) + len + 1);
		if (!m)
			break;
		memcpy(m->payload, payload, len + 1);
		pthread_mutex_lock(&t->lock);
		if (t->inbox_count < LIVE_INBOX_MAX) {
			STAILQ_INSERT_TAIL(&t->inbox, m, next);
			t->inbox_count++;
			m = NULL;
		}
		pthread_mutex_unlock(&t->lock);
		free(m);
		event_active(t->wake, EV_TIMEOUT, 0);
	}
	pthread_mutex_unlock(&hub.lock);
}

int live_hub_start(const struct config *cfg)
{
	hub.cfg = cfg;
	hub.listener = live_listener_start(cfg, "gridd_cases", fan_out, NULL);
	return hub.listener ? 0 : -1;
}

void live_hub_stop(void)
{
	live_listener_stop(hub.listener);
	hub.listener = NULL;
}

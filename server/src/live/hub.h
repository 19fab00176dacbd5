/*
 * hub.h - live updates (Server-Sent Events) to consoles and phones.
 *
 * The listener thread (listener.c) receives each NOTIFY on gridd_cases
 * (a JSON payload: case id, action, state, cell, unit, at) and the hub hands
 * a copy to every I/O thread that has subscribers, through a locked inbox
 * and an event on that thread's loop. There each subscriber whose scope
 * covers the case gets it as an SSE event; nothing else touches a
 * subscriber, so no lock guards them.
 *
 * A subscriber whose connection cannot keep up (more than
 * live_max_buffer_bytes waiting to be sent) is dropped rather than buffered
 * without limit; it reconnects and resumes with Last-Event-ID. Every
 * live_heartbeat_s each subscriber gets a comment line, which also finds
 * connections that went away. When a thread drains, its streams end.
 */
#ifndef GRIDD_LIVE_HUB_H
#define GRIDD_LIVE_HUB_H

#include <event2/event.h>
#include <event2/http.h>
#include <stdbool.h>
#include <stdint.h>

struct config;

/* Who a subscriber is, for scope (the rule of cases_in_scope). */
struct live_filter {
	int role;                 /* enum auth_role */
	char area[16];            /* dispatchers, supervisors: "" = the whole city */
	int ncells;
	char (*cells)[16];        /* grid workers: their cells, owned */
	int nunits;
	int64_t *units;           /* unit staff: their unit and its sub-units, owned */
};

/* Starts the listener. Call before the I/O threads accept requests. */
int live_hub_start(const struct config *cfg);

/* Stops the listener; call after the I/O threads have stopped. */
void live_hub_stop(void);

/*
 * Adds a subscriber on the calling I/O thread (base): req's reply has been
 * started as text/event-stream. Takes the filter's arrays. 0, or -1 (the
 * caller ends the reply).
 */
int live_subscribe(struct event_base *base, struct evhttp_request *req, struct live_filter *filter);

/* Writes one SSE event to a started reply (the resume backlog). */
void live_send_event(struct evhttp_request *req, const char *id, const char *data);

/* A connection of the thread that owns base closed (app->connection_closed). */
void live_connection_closed(struct event_base *base, struct evhttp_connection *conn);

/* The thread that owns base is draining: end its streams, take no more. */
void live_thread_drain(struct event_base *base);

/* True when the filter lets this payload through (exposed for tests). */
bool live_filter_match(const struct live_filter *f, const char *cell, int64_t unit, const char *state);

#endif

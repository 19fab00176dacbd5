/*
 * listener.h - one LISTEN connection per gridd instance.
 *
 * A thread of its own (not an I/O thread: it may block) keeps a libpq
 * connection that LISTENs on a channel, and hands every notification's
 * payload to a callback, on that thread. Several gridd instances on one
 * database each get every notification, so a change made through one
 * reaches the live subscribers of all. The connection is re-made with
 * backoff (db_reconnect_min_ms .. db_reconnect_max_ms) when it is lost;
 * notifications sent while it is down are lost (subscribers resume from the
 * event table with Last-Event-ID).
 */
#ifndef GRIDD_LIVE_LISTENER_H
#define GRIDD_LIVE_LISTENER_H

struct config;
struct live_listener;

typedef void (*live_deliver_fn)(const char *payload, void *arg);

/* Starts the thread. cfg must outlive the listener. NULL on failure. */
struct live_listener *live_listener_start(const struct config *cfg, const char *channel,
                                          live_deliver_fn deliver, void *arg);

/* Stops the thread (wakes it at once), closes the connection, frees. */
void live_listener_stop(struct live_listener *l);

#endif

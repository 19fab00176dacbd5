/*
 * listener.c - the LISTEN thread. See listener.h.
 */
#include "live/listener.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

struct live_listener {
	const struct config *cfg;
	char channel[64];
	live_deliver_fn deliver;
	void *arg;
	pthread_t tid;
	int wake[2];        /* a byte on wake[1] stops the thread */
};

/* Waits up to ms for the stop signal; true when stopping. */
static bool wait_stop(struct live_listener *l, int ms)
{
	struct pollfd p = {l->wake[0], POLLIN, 0};
	return poll(&p, 1, ms) > 0;
}

/* Serves one connection until it is lost (false) or the thread stops (true). */
static bool serve(struct live_listener *l, PGconn *pg)
{
	char sql[96];
	snprintf(sql, sizeof(sql), "LISTEN %s", l->channel);
	PGresult *r = PQexec(pg, sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		log_warn("live: LISTEN failed: %s", PQerrorMessage(pg));
		return false;
	}
	log_info("live: listening on %s", l->channel);
	for (;;) {
		struct pollfd p[2] = {{PQsocket(pg), POLLIN, 0}, {l->wake[0], POLLIN, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (p[1].revents)
			return true;
		if (!PQconsumeInput(pg)) {
			log_warn("live: connection lost: %s", PQerrorMessage(pg));
			return false;
		}
		PGnotify *n;
		while ((n = PQnotifies(pg))) {
			l->deliver(n->extra, l->arg);
			PQfreemem(n);
		}
	}
}

static void *listener_main(void *arg)
{
	struct live_listener *l = arg;
	int backoff = l->cfg->db_reconnect_min_ms;
	for (;;) {
		PGconn *pg = PQconnectdb(l->cfg->db_url);
		if (PQstatus(pg) == CONNECTION_OK) {
			backoff = l->cfg->db_reconnect_min_ms;
			bool stop = serve(l, pg);
			PQfinish(pg);
			if (stop)
				return NULL;
		} else {
			PQfinish(pg);
		}
		if (wait_stop(l, backoff))
			return NULL;
		backoff = backoff * 2 > l->cfg->db_reconnect_max_ms ? l->cfg->db_reconnect_max_ms : backoff * 2;
	}
}

struct live_listener *live_listener_start(const struct config *cfg, const char *channel,
                                          live_deliver_fn deliver, void *arg)
{
	struct live_listener *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->cfg = cfg;
	snprintf(l->channel, sizeof(l->channel), "%s", channel);
	l->deliver = deliver;
	l->arg = arg;
	if (pipe2(l->wake, O_CLOEXEC) < 0) {
		free(l);
		return NULL;
	}
	if (pthread_create(&l->tid, NULL, listener_main, l) != 0) {
		close(l->wake[0]);
		close(l->wake[1]);
		free(l);
		return NULL;
	}
	return l;
}

void live_listener_stop(struct live_listener *l)
{
	if (!l)
		return;
	ssize_t n = write(l->wake[1], "x", 1);
	(void)n;
	pthread_join(l->tid, NULL);
	close(l->wake[0]);
	close(l->wake[1]);
	free(l);
}

/*
 * hello_evhttp.c - the raw limit for tests/bench/http_healthz.sh.
 *
 * A bare libevent evhttp server shaped like gridd's I/O layer, so the ratio
 * gridd/evhttp measures what gridd adds on top of evhttp and nothing else:
 *
 *   - THREADS threads, each with its own event_base and evhttp;
 *   - each thread has its own listening socket on the same address and port
 *     (SO_REUSEADDR + SO_REUSEPORT, nonblocking, backlog 1024), handed to
 *     evhttp with evhttp_accept_socket_with_handle; the kernel spreads the
 *     connections over the threads;
 *   - evthread_use_pthreads() is on, as in gridd, so both pay for the same
 *     (uncontended) event_base locks.
 *
 * Everything gridd does per request (routing table, request ids, logging,
 * limits, metrics, JSON encoding) is left out: GET /healthz answers
 * 200 {"status":"ok"} from a static buffer; any other path is 404, any other
 * method on /healthz is 405.
 *
 * Usage: hello_evhttp PORT THREADS [HOST]   (HOST defaults to 127.0.0.1)
 * PORT 0 picks a free port (the same one for every thread). The line
 * "listening on HOST:PORT" goes to stdout once every thread is accepting.
 * SIGTERM or SIGINT: every loop stops, the process exits 0.
 *
 * Build: cc -std=c11 -Wall -Wextra -O2 hello_evhttp.c \
 *          $(pkg-config --cflags --libs libevent libevent_pthreads) -lpthread
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

enum { MAX_THREADS = 256, BACKLOG = 1024 };

static const char BODY[] = "{\"status\":\"ok\"}";

struct worker {
	pthread_t tid;
	int fd; /* listening socket; owned by evhttp once bound */
	struct event_base *base;
	struct evhttp *http;
	struct event *stop; /* activated by the main thread to end the loop */
	int started;
};

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

static void on_healthz(struct evhttp_request *req, void *arg)
{
	(void)arg;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		evhttp_send_error(req, 405, "Method Not Allowed");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	/* No copy: the body points at static storage. */
	evbuffer_add_reference(evhttp_request_get_output_buffer(req), BODY, sizeof(BODY) - 1, NULL,
	                       NULL);
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void on_other(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_error(req, 404, "Not Found");
}

/* One listening socket; port 0 lets the kernel choose and reports it back. */
static int listen_socket(const char *host, int *port)
{
	struct addrinfo hints, *res = NULL;
	char service[16];
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%d", *port);
	int rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "hello_evhttp: cannot resolve %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	int one = 1;
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, BACKLOG) < 0) {
		fprintf(stderr, "hello_evhttp: listen %s:%d: %s\n", host, *port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	if (*port == 0) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char serv[NI_MAXSERV];
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
		    getnameinfo((struct sockaddr *)&ss, len, NULL, 0, serv, sizeof(serv),
		                NI_NUMERICSERV) != 0) {
			fprintf(stderr, "hello_evhttp: getsockname: %s\n", strerror(errno));
			close(fd);
			return -1;
		}
		*port = atoi(serv);
	}
	return fd;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	event_base_dispatch(w->base);
	return NULL;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	int port, nthreads;
	if (argc < 3 || argc > 4 || parse_int(argv[1], 0, 65535, &port) < 0 ||
	    parse_int(argv[2], 1, MAX_THREADS, &nthreads) < 0) {
		fprintf(stderr, "usage: hello_evhttp PORT THREADS [HOST]\n"
		                "  PORT 0..65535 (0 = any free port), THREADS 1..%d, "
		                "HOST default 127.0.0.1\n",
		        MAX_THREADS);
		return 2;
	}
	const char *host = argc == 4 ? argv[3] : "127.0.0.1";

	if (evthread_use_pthreads() < 0) {
		fprintf(stderr, "hello_evhttp: evthread_use_pthreads failed\n");
		return 1;
	}

	/*
	 * SIGTERM/SIGINT are blocked in every thread (threads inherit the mask)
	 * and taken synchronously by the main thread with sigwait. SIGPIPE is
	 * ignored: a client closing early must not kill the server.
	 */
	sigset_t stopsigs;
	sigemptyset(&stopsigs);
	sigaddset(&stopsigs, SIGTERM);
	sigaddset(&stopsigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stopsigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct worker *ws = calloc((size_t)nthreads, sizeof(*ws));
	if (!ws)
		return 1;
	for (int i = 0; i < nthreads; i++)
		ws[i].fd = -1;
	int rc = 0;
	for (int i = 0; i < nthreads; i++) {
		struct worker *w = &ws[i];
		w->fd = listen_socket(host, &port); /* the first one fixes port 0 */
		if (w->fd < 0)
			goto fail;
		w->base = event_base_new();
		w->http = w->base ? evhttp_new(w->base) : NULL;
		w->stop = w->base ? event_new(w->base, -1, 0, on_stop, w->base) : NULL;
		if (!w->http || !w->stop) {
			fprintf(stderr, "hello_evhttp: event_base/evhttp setup failed\n");
			goto fail;
		}
		evhttp_set_cb(w->http, "/healthz", on_healthz, NULL);
		evhttp_set_gencb(w->http, on_other, NULL);
		if (!evhttp_accept_socket_with_handle(w->http, w->fd)) {
			fprintf(stderr, "hello_evhttp: evhttp_accept_socket_with_handle failed\n");
			goto fail;
		}
		w->fd = -1; /* owned by evhttp now */
	}
	for (int i = 0; i < nthreads; i++) {
		int err = pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]);
		if (err) {
			fprintf(stderr, "hello_evhttp: pthread_create: %s\n", strerror(err));
			goto fail;
		}
		ws[i].started = 1;
	}
	printf("listening on %s:%d threads=%d\n", host, port, nthreads);
	fflush(stdout);

	int sig = 0;
	while (sigwait(&stopsigs, &sig) != 0)
		;
	goto done;

fail:
	rc = 1;
done:
	/*
	 * event_active is thread-safe (the bases were created after
	 * evthread_use_pthreads) and, unlike a bare event_base_loopbreak, is not
	 * lost if a thread has not entered its loop yet.
	 */
	for (int i = 0; i < nthreads; i++)
		if (ws[i].started)
			event_active(ws[i].stop, EV_TIMEOUT, 0);
	for (int i = 0; i < nthreads; i++) {
		if (ws[i].started)
			pthread_join(ws[i].tid, NULL);
		if (ws[i].stop)
			event_free(ws[i].stop);
		if (ws[i].fd >= 0)
			close(ws[i].fd);
		if (ws[i].http)
			evhttp_free(ws[i].http); /* closes its listener and connections */
		if (ws[i].base)
			event_base_free(ws[i].base);
	}
	free(ws);
	libevent_global_shutdown();
	return rc;
}

/*
 * context.h - one HTTP request while gridd handles it.
 *
 * Created by the server when a request arrives, passed to the route's
 * handler, and freed by the server exactly once, right after the reply is
 * sent (http_reply_*). A handler that answers later (after a database query)
 * keeps the pointer until then and must reply exactly once.
 */
#ifndef GRIDD_HTTP_CONTEXT_H
#define GRIDD_HTTP_CONTEXT_H

#include <event2/http.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/router.h"
#include "limits.h"

struct io_thread;
struct auth_user;

struct http_context {
	struct evhttp_request *req;   /* owned by libevent */
	struct io_thread *thread;     /* the I/O thread serving this request */
	const struct route *route;    /* NULL for 404/405 and early errors */
	struct route_match match;     /* path parameters point into path */
	unsigned method;              /* enum http_method bit */
	const char *path;             /* request path, owned by libevent's uri */
	const char *query;            /* query string or NULL, likewise */
	struct evkeyvalq *query_params; /* query parsed on first use (api_query_param), owned here */
	json_t *body;                 /* parsed JSON body (ROUTE_JSON_BODY), owned here */
	char request_id[LIMIT_REQUEST_ID_BYTES + 1];
	struct auth_user *auth;       /* the authenticated caller (api/authn.c), owned here */
	const char *user;             /* authenticated login, for the log line */
	uint64_t started_ns;          /* monotonic */
	int status;                   /* set when replying */
	bool close_connection;        /* add Connection: close */
};

#endif

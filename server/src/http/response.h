/*
 * response.h - the only ways a handler answers a request.
 *
 * Each http_reply_* sends the response, writes the request's log line and
 * metrics, and frees the context: after the call the context is gone.
 */
#ifndef GRIDD_HTTP_RESPONSE_H
#define GRIDD_HTTP_RESPONSE_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "http/context.h"
#include "http/problem.h"

/* Adds a response header before replying. */
void http_set_header(struct http_context *ctx, const char *name, const char *value);

/* Sends body (reference stolen) as application/json. */
void http_reply_json(struct http_context *ctx, int status, json_t *body);

/* Sends a problem+json built from kind, detail and errors (stolen). */
void http_reply_problem(struct http_context *ctx, enum problem_kind kind, const char *detail,
                        json_t *errors);

/* Sends bytes with the given Content-Type (copied). */
void http_reply_bytes(struct http_context *ctx, int status, const char *content_type,
                      const void *data, size_t len);

/*
 * Sends size bytes of the open file fd (taken: closed once sent, or at once
 * on failure) with the given Content-Type. libevent writes it to the socket
 * with sendfile from the loop, so the caller only opens it (on a worker).
 */
void http_reply_file(struct http_context *ctx, int status, const char *content_type, int fd,
                     off_t size);

/*
 * Starts a streamed 200 (Server-Sent Events): sends the headers, writes the
 * request's log line and metrics, frees the context, and gives the request
 * to the caller, who sends chunks and ends it (evhttp_send_reply_chunk,
 * evhttp_send_reply_end). The stream no longer counts as in flight.
 */
struct evhttp_request *http_reply_stream(struct http_context *ctx, const char *content_type);

/* Sends an empty body (204 etc). */
void http_reply_empty(struct http_context *ctx, int status);

#endif

/*
 * router.h - method + path pattern matching with path parameters.
 *
 * Pure: no I/O, no allocation. Patterns look like "/v1/cases/{id}/events";
 * a "{name}" segment matches any one non-empty path segment. When several
 * patterns match a path, the one with literal segments earliest wins
 * ("/v1/cells/locate" beats "/v1/cells/{code}"). A path that matches some
 * pattern but not with the request's method yields ROUTE_WRONG_METHOD and the
 * set of allowed methods (for 405 + Allow).
 */
#ifndef GRIDD_HTTP_ROUTER_H
#define GRIDD_HTTP_ROUTER_H

#include <stddef.h>

#include "limits.h"

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_HEAD = 1 << 1,
	HTTP_POST = 1 << 2,
	HTTP_PUT = 1 << 3,
	HTTP_PATCH = 1 << 4,
	HTTP_DELETE = 1 << 5,
	HTTP_OPTIONS = 1 << 6,
};

struct http_context;
typedef void (*route_handler)(struct http_context *ctx);

/* Route flags. */
#define ROUTE_JSON_BODY 0x1 /* the body must be JSON; parsed before the handler */
#define ROUTE_NO_LOG    0x2 /* do not write a request log line (probes) */
#define ROUTE_JSON_OPTIONAL 0x4 /* with ROUTE_JSON_BODY: an empty body is fine (ctx->body NULL) */

struct route {
	unsigned method;      /* exactly one enum http_method bit */
	const char *pattern;  /* static string */
	route_handler handler;
	size_t max_body;      /* 0: the configured JSON default */
	unsigned flags;
	const char *action;   /* what the handler does, for authorization later */
};

struct route_param {
	const char *name;     /* points into the pattern */
	size_t name_len;
	const char *value;    /* points into the matched path (not decoded) */
	size_t value_len;
};

struct route_match {
	const struct route *route;      /* set for ROUTE_FOUND */
	int route_index;                /* index in the table, -1 if none */
	unsigned allowed;               /* methods allowed on the matched pattern */
	int nparams;
	struct route_param params[LIMIT_PATH_PARAMS];
};

enum route_result { ROUTE_FOUND, ROUTE_WRONG_METHOD, ROUTE_NOT_FOUND };

/*
 * Checks a route table: patterns start with '/', segments non-empty, "{x}"
 * well formed, no more than LIMIT_PATH_SEGMENTS segments / LIMIT_PATH_PARAMS
 * params, exactly one method bit, no duplicate (method, pattern). Returns the
 * index of the first bad route or -1 when all are good.
 */
int router_check_table(const struct route *routes, int count);

/*
 * Finds the route for (method, path). path is the decoded-free request path
 * without query string; it need not be NUL-terminated. HEAD matches GET
 * routes. The match's pointers point into routes[] and path: they live as
 * long as both do.
 */
enum route_result router_match(const struct route *routes, int count, unsigned method,
                               const char *path, size_t path_len, struct route_match *match);

/* Returns the value of parameter `name` or NULL; *len receives its length. */
const char *route_param(const struct route_match *m, const char *name, size_t *len);

/* Writes "GET, HEAD, POST" style text for an allowed set. Returns length. */
size_t router_allow_header(unsigned allowed, char *buf, size_t buflen);

/* Method name ("GET") for one bit, or "?" */
const char *http_method_name(unsigned method);

#endif

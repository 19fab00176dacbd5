/*
 * problem.h - RFC 9457 problem details: the one place error bodies are made.
 *
 * A fixed vocabulary: each problem kind has a stable `type` URI
 * (urn:gridd:problem:<slug>), an HTTP status and a title. Handlers pick a
 * kind and may add a detail and field errors; they never write error JSON.
 */
#ifndef GRIDD_HTTP_PROBLEM_H
#define GRIDD_HTTP_PROBLEM_H

#include <jansson.h>

enum problem_kind {
	PROBLEM_BAD_REQUEST,
	PROBLEM_MALFORMED_JSON,
	PROBLEM_VALIDATION,
	PROBLEM_UNAUTHORIZED,
	PROBLEM_FORBIDDEN,
	PROBLEM_NOT_FOUND,
	PROBLEM_METHOD_NOT_ALLOWED,
	PROBLEM_TIMEOUT_READING,
	PROBLEM_CONFLICT,
	PROBLEM_PRECONDITION_FAILED,
	PROBLEM_BODY_TOO_LARGE,
	PROBLEM_URI_TOO_LONG,
	PROBLEM_UNSUPPORTED_MEDIA_TYPE,
	PROBLEM_UNPROCESSABLE,
	PROBLEM_TOO_MANY_REQUESTS,
	PROBLEM_HEADERS_TOO_LARGE,
	PROBLEM_INTERNAL,
	PROBLEM_DB_UNAVAILABLE,
	PROBLEM_OVERLOADED,
	PROBLEM_NOT_READY,
	PROBLEM_SHUTTING_DOWN,
	PROBLEM_TOO_MANY_CONNECTIONS,
	PROBLEM_DB_TIMEOUT,
	PROBLEM_EXPORT_FAILED,
	PROBLEM_KIND_COUNT
};

int problem_status(enum problem_kind kind);
const char *problem_slug(enum problem_kind kind);
const char *problem_title(enum problem_kind kind);

/*
 * Builds {type, title, status, detail?, instance?, errors?}. detail may be
 * NULL and is truncated to LIMIT_PROBLEM_DETAIL_BYTES (on a UTF-8 boundary).
 * errors, when not NULL, is an array of {pointer, detail} objects whose
 * reference is stolen. Returns a new reference or NULL on allocation failure.
 */
json_t *problem_build(enum problem_kind kind, const char *detail, const char *instance,
                      json_t *errors);

/* Appends {pointer, detail} to *errors (creating the array). Returns 0/-1. */
int problem_add_error(json_t **errors, const char *pointer, const char *detail);

#endif

/*
 * problem.c - the problem vocabulary and builder (see problem.h).
 */
#include "http/problem.h"

#include <string.h>

#include "limits.h"

static const struct {
	int status;
	const char *slug;
	const char *title;
} problems[PROBLEM_KIND_COUNT] = {
	[PROBLEM_BAD_REQUEST] = {400, "bad-request", "The request is not valid"},
	[PROBLEM_MALFORMED_JSON] = {400, "malformed-json", "The request body is not valid JSON"},
	[PROBLEM_VALIDATION] = {400, "validation", "Some fields are not valid"},
	[PROBLEM_UNAUTHORIZED] = {401, "unauthorized", "Authentication is required"},
	[PROBLEM_FORBIDDEN] = {403, "forbidden", "This action is not allowed for you"},
	[PROBLEM_NOT_FOUND] = {404, "not-found", "No such resource"},
	[PROBLEM_METHOD_NOT_ALLOWED] = {405, "method-not-allowed",
	                                "This method is not allowed on this resource"},
	[PROBLEM_TIMEOUT_READING] = {408, "request-timeout", "The request took too long to arrive"},
	[PROBLEM_CONFLICT] = {409, "conflict", "The request conflicts with the current state"},
	[PROBLEM_PRECONDITION_FAILED] = {412, "precondition-failed",
	                                 "The resource has changed since you read it"},
	[PROBLEM_BODY_TOO_LARGE] = {413, "body-too-large", "The request body is too large"},
	[PROBLEM_URI_TOO_LONG] = {414, "uri-too-long", "The request URI is too long"},
	[PROBLEM_UNSUPPORTED_MEDIA_TYPE] = {415, "unsupported-media-type",
	                                    "The request body has an unsupported media type"},
	[PROBLEM_UNPROCESSABLE] = {422, "unprocessable", "The request cannot be processed"},
	[PROBLEM_TOO_MANY_REQUESTS] = {429, "too-many-requests", "Too many requests"},
	[PROBLEM_HEADERS_TOO_LARGE] = {431, "headers-too-large",
	                               "The request headers are too large"},
	[PROBLEM_INTERNAL] = {500, "internal", "Internal server error"},
	[PROBLEM_DB_UNAVAILABLE] = {503, "database-unavailable",
	                            "The database is not available; try again shortly"},
	[PROBLEM_OVERLOADED] = {503, "overloaded", "The server is busy; try again shortly"},
	[PROBLEM_NOT_READY] = {503, "not-ready", "The service is not ready"},
	[PROBLEM_SHUTTING_DOWN] = {503, "shutting-down", "The server is shutting down"},
	[PROBLEM_TOO_MANY_CONNECTIONS] = {503, "too-many-connections",
	                                  "The server has too many connections"},
	[PROBLEM_DB_TIMEOUT] = {504, "database-timeout", "The database did not answer in time"},
	[PROBLEM_EXPORT_FAILED] = {500, "export-failed", "The export could not be finished"},
};

int problem_status(enum problem_kind kind)
{
	return (unsigned)kind < PROBLEM_KIND_COUNT ? problems[kind].status : 500;
}

const char *problem_slug(enum problem_kind kind)
{
	return (unsigned)kind < PROBLEM_KIND_COUNT ? problems[kind].slug : "internal";
}

const char *problem_title(enum problem_kind kind)
{
	return (unsigned)kind < PROBLEM_KIND_COUNT ? problems[kind].title : "Internal server error";
}

/* Longest prefix of s of at most max bytes that ends on a UTF-8 boundary. */
static size_t utf8_prefix(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

json_t *problem_build(enum problem_kind kind, const char *detail, const char *instance,
                      json_t *errors)
{
	if ((unsigned)kind >= PROBLEM_KIND_COUNT)
		kind = PROBLEM_INTERNAL;
	char type[96];
	snprintf(type, sizeof(type), "urn:gridd:problem:%s", problems[kind].slug);
	json_t *p = json_object();
	if (!p) {
		json_decref(errors);
		return NULL;
	}
	json_object_set_new(p, "type", json_string(type));
	json_object_set_new(p, "title", json_string(problems[kind].title));
	json_object_set_new(p, "status", json_integer(problems[kind].status));
	if (detail) {
		/* detail may echo outside input: keep it bounded and valid UTF-8. */
		json_t *d = json_stringn(detail, utf8_prefix(detail, LIMIT_PROBLEM_DETAIL_BYTES));
		json_object_set_new(p, "detail", d ? d : json_string("(detail not shown)"));
	}
	if (instance) {
		json_t *i = json_string(instance);
		if (i)
			json_object_set_new(p, "instance", i);
	}
	if (errors)
		json_object_set_new(p, "errors", errors);
	return p;
}

int problem_add_error(json_t **errors, const char *pointer, const char *detail)
{
	if (!*errors && !(*errors = json_array()))
		return -1;
	json_t *e = json_pack("{s:s, s:s}", "pointer", pointer, "detail", detail);
	if (!e)
		return -1;
	return json_array_append_new(*errors, e);
}

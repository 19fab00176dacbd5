/*
 * json_body.h - turning an untrusted request body into a Jansson value.
 *
 * Pure: no I/O. Checks, in order: media type, size, nesting depth (scanned
 * before Jansson sees the bytes, so deep input costs nothing), then parses
 * with JSON_REJECT_DUPLICATES (Jansson also rejects invalid UTF-8 and \u0000).
 */
#ifndef GRIDD_HTTP_JSON_BODY_H
#define GRIDD_HTTP_JSON_BODY_H

#include <jansson.h>
#include <stddef.h>

#include "http/problem.h"

/*
 * Returns the deepest nesting of [ and { in buf (outside strings), stopping
 * early once it exceeds max (then returns max + 1). Malformed input still
 * gets a depth; Jansson reports the syntax error later.
 */
int json_body_depth(const char *buf, size_t len, int max);

/* True for application/json and application/<x>+json, with parameters. */
int json_body_media_type_ok(const char *content_type);

struct json_body_error {
	enum problem_kind kind;
	char detail[256];
};

/*
 * Parses a body of len bytes (limit max_bytes, depth LIMIT_JSON_DEPTH).
 * On success returns a new reference. On failure returns NULL and fills err
 * with the problem kind (413, 415, malformed JSON) and a detail naming the
 * line and column when Jansson gives them.
 */
json_t *json_body_parse(const char *content_type, const char *buf, size_t len,
                        size_t max_bytes, struct json_body_error *err);

/*
 * Text fields: the length of a JSON string in characters (Jansson holds only
 * valid UTF-8), or -1 when v is not a string or holds a NUL byte.
 */
long json_text_chars(const json_t *v);

/* v's text when it is a string of min to max characters without NUL; else NULL. */
const char *json_text(const json_t *v, size_t min, size_t max);

#endif

/*
 * json_body.c - request body checks and parsing (see json_body.h).
 */
#include "http/json_body.h"

#include <stdio.h>
#include <strings.h>
#include <string.h>

#include "limits.h"

int json_body_depth(const char *buf, size_t len, int max)
{
	int depth = 0, deepest = 0, in_string = 0;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (in_string) {
			if (c == '\\')
				i++; /* skip the escaped character */
			else if (c == '"')
				in_string = 0;
			continue;
		}
		switch (c) {
		case '"':
			in_string = 1;
			break;
		case '[':
		case '{':
			if (++depth > deepest) {
				deepest = depth;
				if (deepest > max)
					return max + 1;
			}
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
	}
	return deepest;
}

int json_body_media_type_ok(const char *ct)
{
	if (!ct)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strcspn(ct, "; \t");
	if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return 1;
	if (n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
	    strncasecmp(ct + n - 5, "+json", 5) == 0)
		return 1;
	return 0;
}

json_t *json_body_parse(const char *content_type, const char *buf, size_t len,
                        size_t max_bytes, struct json_body_error *err)
{
	if (len > max_bytes) {
		err->kind = PROBLEM_BODY_TOO_LARGE;
		snprintf(err->detail, sizeof(err->detail),
		         "the body has %zu bytes; this resource accepts at most %zu", len, max_bytes);
		return NULL;
	}
	if (!json_body_media_type_ok(content_type)) {
		err->kind = PROBLEM_UNSUPPORTED_MEDIA_TYPE;
		snprintf(err->detail, sizeof(err->detail), "send the body as application/json");
		return NULL;
	}
	if (len == 0) {
		err->kind = PROBLEM_MALFORMED_JSON;
		snprintf(err->detail, sizeof(err->detail), "the body is empty");
		return NULL;
	}
	if (json_body_depth(buf, len, LIMIT_JSON_DEPTH) > LIMIT_JSON_DEPTH) {
		err->kind = PROBLEM_MALFORMED_JSON;
		snprintf(err->detail, sizeof(err->detail), "JSON nesting deeper than %d levels",
		         LIMIT_JSON_DEPTH);
		return NULL;
	}
	json_error_t jerr;
	json_t *value = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!value) {
		err->kind = PROBLEM_MALFORMED_JSON;
		snprintf(err->detail, sizeof(err->detail), "line %d, column %d: %s", jerr.line,
		         jerr.column, jerr.text);
		return NULL;
	}
	return value;
}

long json_text_chars(const json_t *v)
{
	if (!json_is_string(v))
		return -1;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (memchr(s, '\0', n))
		return -1;
	long chars = 0;
	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
	return chars;
}

const char *json_text(const json_t *v, size_t min, size_t max)
{
	long chars = json_text_chars(v);
	return chars >= 0 && (size_t)chars >= min && (size_t)chars <= max ? json_string_value(v) : NULL;
}

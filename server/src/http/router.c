/*
 * router.c - pattern matching for the route table (see router.h).
 */
#include "http/router.h"

#include <stdint.h>
#include <string.h>

static const struct {
	unsigned bit;
	const char *name;
} method_names[] = {
	{HTTP_GET, "GET"},     {HTTP_HEAD, "HEAD"},     {HTTP_POST, "POST"},
	{HTTP_PUT, "PUT"},     {HTTP_PATCH, "PATCH"},   {HTTP_DELETE, "DELETE"},
	{HTTP_OPTIONS, "OPTIONS"},
};

const char *http_method_name(unsigned method)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (method_names[i].bit == method)
			return method_names[i].name;
	return "?";
}

size_t router_allow_header(unsigned allowed, char *buf, size_t buflen)
{
	size_t pos = 0;
	if (buflen == 0)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++) {
		if (!(allowed & method_names[i].bit))
			continue;
		size_t n = strlen(method_names[i].name);
		if (pos + n + 3 > buflen)
			break;
		if (pos) {
			memcpy(buf + pos, ", ", 2);
			pos += 2;
		}
		memcpy(buf + pos, method_names[i].name, n);
		pos += n;
		buf[pos] = '\0';
	}
	return pos;
}

static int is_param(const char *seg, size_t len)
{
	return len >= 3 && seg[0] == '{' && seg[len - 1] == '}';
}

/* Next segment of s[*pos..len) after a '/'. Returns 0 at the end. */
static int next_segment(const char *s, size_t len, size_t *pos, const char **seg, size_t *seglen)
{
	if (*pos >= len)
		return 0;
	if (s[*pos] != '/')
		return -1;
	size_t start = *pos + 1, end = start;
	while (end < len && s[end] != '/')
		end++;
	*seg = s + start;
	*seglen = end - start;
	*pos = end;
	return 1;
}

int router_check_table(const struct route *routes, int count)
{
	for (int i = 0; i < count; i++) {
		const struct route *r = &routes[i];
		const char *p = r->pattern;
		size_t len = p ? strlen(p) : 0;
		if (!p || len == 0 || p[0] != '/' || !r->handler)
			return i;
		if (r->method == 0 || (r->method & (r->method - 1)) != 0)
			return i;
		if (len > 1) {
			size_t pos = 0;
			const char *seg = NULL;
			size_t seglen = 0;
			int segments = 0, params = 0, rc;
			while ((rc = next_segment(p, len, &pos, &seg, &seglen)) == 1) {
				if (seglen == 0 || ++segments > LIMIT_PATH_SEGMENTS)
					return i;
				if (memchr(seg, '{', seglen) || memchr(seg, '}', seglen)) {
					if (!is_param(seg, seglen) || memchr(seg + 1, '{', seglen - 2) ||
					    memchr(seg + 1, '}', seglen - 2))
						return i;
					if (++params > LIMIT_PATH_PARAMS)
						return i;
				}
			}
			if (rc < 0)
				return i;
		}
		for (int j = 0; j < i; j++)
			if (routes[j].method == r->method && strcmp(routes[j].pattern, p) == 0)
				return i;
	}
	return -1;
}

/*
 * Matches one pattern against a path. On success fills params and returns a
 * specificity score: bit (63 - k) is set when segment k is literal, so
 * patterns with literals earlier compare higher.
 */
static int match_pattern(const char *pattern, const char *path, size_t path_len,
                         struct route_match *m, uint64_t *score)
{
	size_t plen = strlen(pattern), ppos = 0, upos = 0;
	const char *pseg = NULL, *useg = NULL;
	size_t pseglen = 0, useglen = 0;
	int k = 0;

	*score = 0;
	m->nparams = 0;
	if (plen == 1 || path_len == 1)
		return plen == 1 && path_len == 1 && path[0] == '/';
	for (;;) {
		int a = next_segment(pattern, plen, &ppos, &pseg, &pseglen);
		int b = next_segment(path, path_len, &upos, &useg, &useglen);
		if (b < 0)
			return 0;
		if (a == 0 || b == 0)
			return a == 0 && b == 0;
		if (useglen == 0)
			return 0;
		if (is_param(pseg, pseglen)) {
			if (m->nparams >= LIMIT_PATH_PARAMS)
				return 0;
			struct route_param *rp = &m->params[m->nparams++];
			rp->name = pseg + 1;
			rp->name_len = pseglen - 2;
			rp->value = useg;
			rp->value_len = useglen;
		} else {
			if (pseglen != useglen || memcmp(pseg, useg, useglen) != 0)
				return 0;
			if (k < 63)
				*score |= (uint64_t)1 << (63 - k);
		}
		k++;
	}
}

enum route_result router_match(const struct route *routes, int count, unsigned method,
                               const char *path, size_t path_len, struct route_match *match)
{
	const char *best_pattern = NULL;
	uint64_t best_score = 0;
	struct route_match tmp;

	memset(match, 0, sizeof(*match));
	match->route_index = -1;
	if (path_len == 0 || path[0] != '/')
		return ROUTE_NOT_FOUND;

	/* First pass: the most specific pattern that matches the path. */
	for (int i = 0; i < count; i++) {
		uint64_t score;
		if (best_pattern && strcmp(best_pattern, routes[i].pattern) == 0)
			continue;
		if (!match_pattern(routes[i].pattern, path, path_len, &tmp, &score))
			continue;
		if (!best_pattern || score > best_score) {
			best_pattern = routes[i].pattern;
			best_score = score;
		}
	}
	if (!best_pattern)
		return ROUTE_NOT_FOUND;

	/* Second pass: the methods of that pattern, and the route for ours. */
	unsigned want = method == HTTP_HEAD ? HTTP_GET : method;
	for (int i = 0; i < count; i++) {
		if (strcmp(routes[i].pattern, best_pattern) != 0)
			continue;
		match->allowed |= routes[i].method;
		if (routes[i].method == want || routes[i].method == method) {
			if (!match->route || routes[i].method == method) {
				match->route = &routes[i];
				match->route_index = i;
			}
		}
	}
	if (match->allowed & HTTP_GET)
		match->allowed |= HTTP_HEAD;
	match->allowed |= HTTP_OPTIONS;
	if (!match->route)
		return ROUTE_WRONG_METHOD;
	uint64_t score;
	match_pattern(match->route->pattern, path, path_len, match, &score);
	return ROUTE_FOUND;
}

const char *route_param(const struct route_match *m, const char *name, size_t *len)
{
	size_t n = strlen(name);
	for (int i = 0; i < m->nparams; i++)
		if (m->params[i].name_len == n && memcmp(m->params[i].name, name, n) == 0) {
			if (len)
				*len = m->params[i].value_len;
			return m->params[i].value;
		}
	return NULL;
}

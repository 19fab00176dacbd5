/*
 * common.c - helpers shared by the handlers (see common.h).
 */
#include "api/common.h"

#include <errno.h>
#include <event2/http.h>
#include <stdbool.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <sys/queue.h>
#include <string.h>

#include "http/problem.h"
#include "http/response.h"
#include "app.h"
#include "http/server.h"
#include "log.h"

void api_reply_db_failure(struct http_context *ctx, const struct db_result *r)
{
	switch (r->status) {
	case DB_TIMEOUT:
		http_reply_problem(ctx, PROBLEM_DB_TIMEOUT, NULL, NULL);
		return;
	case DB_OVERLOADED:
		http_reply_problem(ctx, PROBLEM_OVERLOADED, NULL, NULL);
		return;
	case DB_SHUTDOWN:
		http_reply_problem(ctx, PROBLEM_SHUTTING_DOWN, NULL, NULL);
		return;
	case DB_UNAVAILABLE:
		http_reply_problem(ctx, PROBLEM_DB_UNAVAILABLE, NULL, NULL);
		return;
	case DB_SQL_ERROR:
	case DB_OK:
	default: {
		const char *fields[] = {"request_id", ctx->request_id, "sqlstate", r->sqlstate,
		                        "error", r->message, NULL, NULL};
		log_event(LOG_LEVEL_ERROR, "database error", fields);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	}
}

void api_reply_db_status(struct http_context *ctx, enum db_status status)
{
	struct db_result r = {status, NULL, "", db_status_name(status)};
	api_reply_db_failure(ctx, &r);
}

void api_reply_batch_failure(struct http_context *ctx, const struct db_batch_result *b)
{
	struct db_result r = {b->status, NULL, b->sqlstate, b->message};
	api_reply_db_failure(ctx, &r);
}

void api_client_address(const struct http_context *ctx, char *buf, size_t len)
{
	snprintf(buf, len, "unknown");
	if (io_thread_app(ctx->thread)->cfg.http_trust_forwarded_for) {
		const char *xff =
			evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "X-Forwarded-For");
		if (xff && *xff) {
			const char *last = strrchr(xff, ',');
			last = last ? last + 1 : xff;
			while (*last == ' ')
				last++;
			snprintf(buf, len, "%.*s", (int)strcspn(last, " "), last);
			return;
		}
	}
	struct evhttp_connection *evcon = evhttp_request_get_connection(ctx->req);
	char *address = NULL;
	ev_uint16_t port = 0;
	if (evcon) {
		evhttp_connection_get_peer(evcon, &address, &port);
		if (address)
			snprintf(buf, len, "%s", address);
	}
}

char *api_query_param(struct http_context *ctx, const char *name)
{
	if (!ctx->query)
		return NULL;
	if (!ctx->query_params) {
		ctx->query_params = malloc(sizeof(*ctx->query_params));
		if (!ctx->query_params)
			return NULL;
		TAILQ_INIT(ctx->query_params);
		if (evhttp_parse_query_str(ctx->query, ctx->query_params) != 0)
			evhttp_clear_headers(ctx->query_params); /* malformed: no parameters */
	}
	const char *v = evhttp_find_header(ctx->query_params, name);
	return v ? strdup(v) : NULL;
}

void api_check_known_fields(const json_t *body, const char *prefix, const char *const *known,
                            json_t **errors)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)body, key, v) {
		bool ok = false;
		for (int k = 0; known[k] && !ok; k++)
			ok = strcmp(known[k], key) == 0;
		if (!ok) {
			char pointer[160];
			snprintf(pointer, sizeof(pointer), "%.80s/%.60s", prefix, key);
			problem_add_error(errors, pointer, "unknown field");
		}
	}
}

bool api_parse_uuid(const char *s, size_t len, char out[37])
{
	if (!s || len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		char ch = s[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		bool hex = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
		if (dash ? ch != '-' : !hex)
			return false;
		out[i] = (char)(ch >= 'A' && ch <= 'F' ? ch - 'A' + 'a' : ch);
	}
	out[36] = '\0';
	return true;
}

long long api_path_id(struct http_context *ctx, const char *name)
{
	size_t len;
	const char *s = route_param(&ctx->match, name, &len);
	if (!s || len == 0 || len > 18)
		return 0;
	long long id = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		id = id * 10 + (s[i] - '0');
	}
	return id;
}

void api_reply_page(struct http_context *ctx, const struct db_result *r, int limit, api_next_fn next_of)
{
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	json_t *items = json_array();
	int n = PQntuples(r->res);
	json_error_t je;
	for (int i = 0; i < n && i < limit; i++) {
		json_t *item = json_loads(PQgetvalue(r->res, i, 0), 0, &je);
		if (item)
			json_array_append_new(items, item);
	}
	json_t *next = n > limit ? next_of(r->res, limit - 1) : json_null();
	http_reply_json(ctx, 200, json_pack("{s:o, s:o}", "items", items, "next", next ? next : json_null()));
}

char *api_query_after_id(struct http_context *ctx, json_t **errors)
{
	char *after = api_query_param(ctx, "after");
	size_t n = after ? strlen(after) : 0;
	if (after && (n == 0 || n > 18 || strspn(after, "0123456789") != n))
		problem_add_error(errors, "/query/after", "the next value of the previous page");
	return after;
}

struct id_page {
	struct http_context *ctx;
	int limit;
};

/* The next page starts below the last id shown (column 1). */
static json_t *next_id(const PGresult *res, int row)
{
	return json_string(PQgetvalue(res, row, 1));
}

static void listed_by_id(const struct db_result *r, void *arg)
{
	struct id_page *p = arg;
	struct http_context *ctx = p->ctx;
	int limit = p->limit;
	free(p);
	api_reply_page(ctx, r, limit, next_id);
}

void api_list_by_id(struct http_context *ctx, const struct db_statement *stmt, const char *const *params,
                    int limit)
{
	struct id_page *p = calloc(1, sizeof(*p));
	if (!p) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	*p = (struct id_page){ctx, limit};
	db_query(io_thread_db(ctx->thread), stmt, params, listed_by_id, p);
}

int api_query_limit(struct http_context *ctx, int def, int max, json_t **errors)
{
	char *text = api_query_param(ctx, "limit");
	if (!text)
		return def;
	char *end;
	errno = 0;
	long limit = strtol(text, &end, 10);
	bool ok = !errno && end != text && *end == '\0' && limit >= 1 && limit <= max;
	free(text);
	if (!ok) {
		char detail[64];
		snprintf(detail, sizeof(detail), "a whole number from 1 to %d", max);
		problem_add_error(errors, "/query/limit", detail);
		return def;
	}
	return (int)limit;
}

/*
 * common.h - small helpers shared by the handlers.
 */
#ifndef GRIDD_API_COMMON_H
#define GRIDD_API_COMMON_H

#include "db/db.h"
#include "http/context.h"

/*
 * Answers a failed database call with the matching problem: 503 (+Retry-After)
 * when the database is down, overloaded or shutting down, 504 on timeout,
 * 500 for an unexpected SQL error (logged with the request id, not shown).
 */
void api_reply_db_failure(struct http_context *ctx, const struct db_result *r);

/* The same, for a status alone (a connection that could not be leased). */
void api_reply_db_status(struct http_context *ctx, enum db_status status);

/* The same, for a batch that did not succeed. */
void api_reply_batch_failure(struct http_context *ctx, const struct db_batch_result *r);

/*
 * The client's address: the peer of the connection, or with
 * http_trust_forwarded_for the last hop of X-Forwarded-For (what a trusted
 * nginx in front appended).
 */
void api_client_address(const struct http_context *ctx, char *buf, size_t len);

/*
 * Value of query parameter `name` (decoded, caller frees) or NULL. The query
 * string is parsed once per request, on first use; a malformed one has no
 * parameters.
 */
char *api_query_param(struct http_context *ctx, const char *name);

/*
 * Adds an "unknown field" error (pointer <prefix>/<name>) for every member of
 * the object body that is not in known (NULL-terminated): a misspelt field is
 * refused rather than silently ignored. prefix is "" for a top-level body.
 */
void api_check_known_fields(const json_t *body, const char *prefix, const char *const *known,
                            json_t **errors);

/*
 * The ?limit= of a list: def when absent, else a whole number from 1 to max
 * (an error at /query/limit otherwise, and def is returned).
 */
int api_query_limit(struct http_context *ctx, int def, int max, json_t **errors);

/* A UUID (8-4-4-4-12 hex, any case) written lowercase to out; false when malformed. */
bool api_parse_uuid(const char *s, size_t len, char out[37]);

/* A positive id (1-18 digits) from the path parameter `name`; 0 when malformed. */
long long api_path_id(struct http_context *ctx, const char *name);

/*
 * Answers a keyset page {items, next} from rows whose column 0 is an item as
 * JSON text: at most limit items (one more row is fetched to know whether
 * more exist); next is next_of(the last row shown) when they do, else null.
 */
typedef json_t *(*api_next_fn)(const PGresult *res, int row);
void api_reply_page(struct http_context *ctx, const struct db_result *r, int limit, api_next_fn next_of);

/*
 * ?after= of a list paged by descending id (the `next` of the previous
 * page): NULL when absent; an error at /query/after unless 1-18 digits.
 * The caller frees it.
 */
char *api_query_after_id(struct http_context *ctx, json_t **errors);

/*
 * Runs stmt, whose rows are (item as JSON text, id) and which fetches limit
 * + 1 of them, and answers the page with api_reply_page; next is the id of
 * the last item shown.
 */
void api_list_by_id(struct http_context *ctx, const struct db_statement *stmt, const char *const *params,
                    int limit);

#endif

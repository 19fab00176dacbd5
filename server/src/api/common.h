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

/* Value of query parameter `name` (decoded, caller frees) or NULL. */
char *api_query_param(const struct http_context *ctx, const char *name);

#endif

/*
 * assessments.h - the monthly assessment as other handlers (exports) read it.
 */
#ifndef GRIDD_API_ASSESSMENTS_H
#define GRIDD_API_ASSESSMENTS_H

#include "http/context.h"

#include <jansson.h>
#include <stddef.h>

/* Called once: with the answer of GET /v1/assessments/{month} (reference
 * passed), or NULL after the request has been answered with a problem. */
typedef void (*assessments_cb)(struct http_context *ctx, json_t *body, void *arg);

/* The assessment of month ("YYYY-MM", len bytes) as the caller may see it. */
void assessments_load(struct http_context *ctx, const char *month, size_t len, assessments_cb cb, void *arg);

#endif

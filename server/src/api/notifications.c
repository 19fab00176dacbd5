/*
 * notifications.c - what the sweeper and the workflow told an account.
 *
 * GET  /v1/notifications?unread=true&after=&limit=   newest first, keyset by id
 * POST /v1/notifications/read  {ids: [..]} or {all: true}
 *
 * A notification is addressed to one account, a unit (its staff; staff of
 * a parent unit see their teams'), or a role (every dispatcher or
 * supervisor whose area holds the case's cell). Read marks are per account.
 */
#include <stdlib.h>
#include <string.h>

#include "api/authn.h"
#include "api/common.h"
#include "api/routes.h"
#include "http/response.h"
#include "http/server.h"

/* $1 user, $2 role, $3 area, $4 unit; n notification, c its case. */
#define ADDRESSED                                                                             \
	" (n.user_id = $1::bigint"                                                                \
	"  OR (n.role = $2 AND c.cell_code LIKE $3 || '%')"                                      \
	"  OR ($2 = 'unit_staff' AND n.unit_id IN (WITH RECURSIVE sub AS (SELECT id FROM units"  \
	"      WHERE id = $4::bigint UNION SELECT s.id FROM units s JOIN sub ON s.parent_id = sub.id)" \
	"      SELECT id FROM sub)))"

static struct db_statement statements[] = {
	/* $5 unread only, $6 after id (0 = first page), $7 rows. */
	{"notifications_list",
	 "SELECT json_build_object('id', n.id, 'case_id', n.case_id, 'kind', n.kind,"
	 " 'created_at', n.created_at, 'case_state', c.state, 'cell', c.cell_code,"
	 " 'read', r.read_at IS NOT NULL)::text, n.id"
	 " FROM notifications n JOIN cases c ON c.id = n.case_id"
	 " LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = $1::bigint"
	 " WHERE" ADDRESSED " AND (NOT $5::boolean OR r.read_at IS NULL)"
	 " AND ($6::bigint = 0 OR n.id < $6::bigint) ORDER BY n.id DESC LIMIT $7::int",
	 7, 0},
	/* $5 ids ('{}' with $6 true: all). */
	{"notifications_read",
	 "INSERT INTO notification_reads (user_id, notification_id)"
	 " SELECT $1::bigint, n.id FROM notifications n JOIN cases c ON c.id = n.case_id"
	 " WHERE" ADDRESSED " AND ($6::boolean OR n.id = ANY ($5::bigint[]))"
	 " ON CONFLICT DO NOTHING",
	 6, 0},
};
enum { STMT_LIST, STMT_READ };

int notifications_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

struct scope {
	char uid[24], unit[24];
};

static void scope_of(const struct http_context *ctx, struct scope *s)
{
	snprintf(s->uid, sizeof(s->uid), "%lld", (long long)ctx->auth->id);
	snprintf(s->unit, sizeof(s->unit), "%lld", (long long)ctx->auth->unit_id);
}

void notifications_list(struct http_context *ctx)
{
	json_t *errors = NULL;
	char *unread = api_query_param(ctx, "unread"), *after = api_query_after_id(ctx, &errors);
	if (unread && strcmp(unread, "true") != 0 && strcmp(unread, "false") != 0)
		problem_add_error(&errors, "/query/unread", "true or false");
	int limit = api_query_limit(ctx, 50, 200, &errors);
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
	} else {
		struct scope s;
		scope_of(ctx, &s);
		char rows[16];
		snprintf(rows, sizeof(rows), "%d", limit + 1);
		const char *params[] = {s.uid, auth_role_name(ctx->auth->role), ctx->auth->area_code, s.unit,
		                        unread && strcmp(unread, "true") == 0 ? "true" : "false",
		                        after ? after : "0", rows};
		api_list_by_id(ctx, &statements[STMT_LIST], params, limit);
	}
	free(unread);
	free(after);
}

static void marked(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	http_reply_json(ctx, 200, json_pack("{s:I}", "marked", (json_int_t)atoll(PQcmdTuples(r->res))));
}

void notifications_read(struct http_context *ctx)
{
	static const char *const known[] = {"ids", "all", NULL};
	json_t *errors = NULL;
	api_check_known_fields(ctx->body, "", known, &errors);
	json_t *ids = json_object_get(ctx->body, "ids"), *all = json_object_get(ctx->body, "all");
	char list[4096] = "{";
	size_t pos = 1;
	if (all ? !json_is_true(all) || ids : !json_is_array(ids) || json_array_size(ids) == 0 ||
	                                      json_array_size(ids) > 200) {
		problem_add_error(&errors, "", "give ids (1 to 200 notification ids) or all: true");
	} else if (ids) {
		size_t i;
		json_t *v;
		json_array_foreach(ids, i, v) {
			if (!json_is_integer(v) || json_integer_value(v) < 1) {
				char pointer[32];
				snprintf(pointer, sizeof(pointer), "/ids/%zu", i);
				problem_add_error(&errors, pointer, "a notification id");
				continue;
			}
			pos += (size_t)snprintf(list + pos, sizeof(list) - pos, "%s%lld", pos > 1 ? "," : "",
			                        (long long)json_integer_value(v));
		}
	}
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	snprintf(list + pos, sizeof(list) - pos, "}");
	struct scope s;
	scope_of(ctx, &s);
	const char *params[] = {s.uid, auth_role_name(ctx->auth->role), ctx->auth->area_code, s.unit, list,
	                        all ? "true" : "false"};
	db_query(io_thread_db(ctx->thread), &statements[STMT_READ], params, marked, ctx);
}

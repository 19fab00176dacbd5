/*
 * cases.c - the case workflow over HTTP.
 *
 * POST /v1/cases/{id}/{action}   verify, reject, merge, dispatch, accept, return,
 *                                request-extension, approve-extension,
 *                                deny-extension, suspend, resume, resolve,
 *                                check, cancel, urge, comment
 * GET  /v1/cases/{id}            the case, its deadline and working time left,
 *                                its reports, and what the caller may do now
 * GET  /v1/cases/{id}/events     the audit trail, hash-chained
 * GET  /v1/cases/{id}/audit      the chain recomputed: {valid, events, broken_at, reason}
 *
 * An action is one transaction on one connection: BEGIN and the case row
 * locked (SELECT ... FOR UPDATE) in one round trip; then the caller's scope
 * (auth/policy.c: 404 outside it), the optional If-Match version (412), the
 * state machine (domain/workflow.c: 403 for the role, 409 with the actions
 * allowed now); the deadline computed on the working calendar when the clock
 * starts or restarts (domain/deadline.c); then the update, the audit event
 * (hash-chained to the case's previous one), a NOTIFY on gridd_cases for
 * live views, and COMMIT in one round trip. Two conflicting actions on one
 * case queue on the row lock: the second sees the first one's state and
 * gets 409.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/authn.h"
#include "api/calendar_store.h"
#include "api/common.h"
#include "api/routes.h"
#include "app.h"
#include "audit.h"
#include "auth/policy.h"
#include "domain/codes.h"
#include "domain/deadline.h"
#include "domain/rfc3339.h"
#include "domain/workflow.h"
#include "http/json_body.h"
#include "http/response.h"
#include "http/server.h"
#include "log.h"

#define CASE_TEXT_MAX 2000   /* characters of a comment */
#define CASE_REASON_MAX 500  /* characters of a reason or note */

/* The case as JSON; c is the case, the caller's view adds what it may do. */
#define CASE_JSON                                                                             \
	"json_build_object('id', c.id, 'state', c.state, 'suspended', c.suspended,"              \
	" 'extension_pending', c.extension_pending, 'proposed_due_at', c.proposed_due_at,"       \
	" 'category', c.category_kind || ':' || c.category_code, 'urgent', c.urgent,"            \
	" 'cell', json_build_object('code', g.code, 'name', g.name),"                            \
	" 'unit', CASE WHEN u.id IS NULL THEN NULL ELSE json_build_object('id', u.id, 'name', u.name) END," \
	" 'location', json_build_object('type', 'Point', 'coordinates',"                         \
	"   json_build_array(round(ST_X(c.location)::numeric, 7), round(ST_Y(c.location)::numeric, 7))),"  \
	" 'description', c.description, 'version', c.version,"                                  \
	" 'created_at', c.created_at, 'updated_at', c.updated_at, 'registered_at', c.registered_at," \
	" 'dispatched_at', c.dispatched_at, 'due_at', c.due_at, 'resolved_at', c.resolved_at,"  \
	" 'closed_at', c.closed_at, 'rework_count', c.rework_count,"                            \
	" 'extension_count', c.extension_count, 'return_count', c.return_count,"                \
	" 'urge_count', c.urge_count, 'merged_into', c.merged_into,"                            \
	" 'reports', (SELECT coalesce(json_agg(json_build_object('id', r.id, 'reporter', r.reporter_id," \
	"   'created_at', r.created_at) ORDER BY r.created_at), '[]') FROM reports r WHERE r.case_id = c.id)," \
	" 'photos', (SELECT coalesce(json_agg(json_build_object('sha256', p.sha256, 'kind', p.kind,"     \
	"   'flags', to_json(p.flags)) ORDER BY p.created_at, p.sha256), '[]')"                   \
	"   FROM case_photos p WHERE p.case_id = c.id))::text"

#define CASE_FROM                                                                             \
	" FROM cases c JOIN grid_cells g ON g.code = c.cell_code LEFT JOIN units u ON u.id = c.unit_id"

/* The unit and its ancestors, for unit staff's scope (a parent unit sees its teams). */
#define UNIT_CHAIN                                                                            \
	"ARRAY(WITH RECURSIVE up AS (SELECT id, parent_id FROM units WHERE id = c.unit_id"      \
	"  UNION ALL SELECT p.id, p.parent_id FROM units p JOIN up ON p.id = up.parent_id)"      \
	"  SELECT id FROM up)::text"

static struct db_statement statements[] = {
	{"cases_begin", "BEGIN", 0, 0},
	{"cases_commit", "COMMIT", 0, 0},
	{"cases_lock",
	 "SELECT c.state, c.suspended, c.extension_pending, c.version, c.cell_code, " UNIT_CHAIN ","
	 " c.urgent, k.limit_value, k.limit_unit, coalesce(k.urgent_limit_value, k.limit_value),"
	 " coalesce(k.urgent_limit_unit, k.limit_unit), k.after_photo_required,"
	 " extract(epoch FROM c.suspended_at)::bigint, extract(epoch FROM c.proposed_due_at)::bigint,"
	 " extract(epoch FROM c.due_at)::bigint,"
	 " EXISTS (SELECT 1 FROM case_photos p WHERE p.case_id = c.id AND p.kind = 'after'"
	 "   AND p.created_at >= coalesce(c.dispatched_at, c.created_at)),"
	 " extract(epoch FROM c.dispatched_at)::bigint"
	 " FROM cases c JOIN categories k ON k.kind = c.category_kind AND k.code = c.category_code"
	 " WHERE c.id = $1::bigint FOR UPDATE OF c",
	 1, 0},
	/*
	 * $1 case, $2 new state, $3 suspended, $4 extension pending, $5 actor,
	 * $6 action, $7 event data, $8 due (epoch, '' keep), $9 proposed due
	 * (epoch or ''), $10 unit (dispatch), $11 kind, $12 code (verify
	 * corrections, '' keep), $13 urgent ('' keep), $14 merged into, $15 handling
	 * time in working seconds (resolve; '' keep).
	 */
	{"cases_update",
	 "WITH ev AS (SELECT c.id, c.event_count + 1 AS seq, now() AS at, c.last_hash AS prev,"
	 /* A return or an urge counts against the unit that had the case then
	  * (migration 0013, stats_event_facts). */
	 "   $7::jsonb || CASE WHEN $6 IN ('return', 'urge') THEN jsonb_build_object('unit_id', c.unit_id,"
	 "    'cell', c.cell_code, 'category', c.category_kind || ':' || c.category_code) ELSE '{}' END AS data"
	 "  FROM cases c WHERE c.id = $1::bigint),"
	 " e AS (INSERT INTO case_events (case_id, seq, kind, actor_id, at, data, prev_hash, hash)"
	 "  SELECT id, seq, replace($6, '-', '_'), $5::bigint, at, data, prev,"
	 "   case_event_hash(prev, id, seq, replace($6, '-', '_'), $5::bigint, at, data) FROM ev"
	 "  RETURNING seq, hash),"
	 /* 督办: the unit is told. */
	 " n AS (INSERT INTO notifications (case_id, kind, unit_id)"
	 "  SELECT c.id, 'urged', c.unit_id FROM cases c WHERE $6 = 'urge' AND c.id = $1::bigint"
	 "   AND c.unit_id IS NOT NULL)"
	 " UPDATE cases c SET state = $2, suspended = $3::boolean,"
	 "  suspended_at = CASE WHEN $3::boolean THEN coalesce(c.suspended_at, now()) END,"
	 "  extension_pending = $4::boolean,"
	 "  proposed_due_at = CASE WHEN $4::boolean"
	 "   THEN coalesce(to_timestamp(nullif($9, '')::float8), c.proposed_due_at) END,"
	 "  due_at = CASE WHEN $8 = '' THEN c.due_at ELSE to_timestamp($8::float8) END,"
	 /* A new deadline may be missed again: the sweeper's marks start over. */
	 "  overdue_at = CASE WHEN $8 = '' THEN c.overdue_at END,"
	 "  escalated_at = CASE WHEN $8 = '' THEN c.escalated_at END,"
	 "  registered_at = CASE WHEN $6 = 'verify' THEN now() ELSE c.registered_at END,"
	 "  dispatched_at = CASE WHEN $6 = 'dispatch' THEN now() ELSE c.dispatched_at END,"
	 "  resolved_at = CASE WHEN $6 = 'resolve' THEN now() ELSE c.resolved_at END,"
	 "  handling_s = coalesce(nullif($15, '')::bigint, c.handling_s),"
	 "  closed_at = CASE WHEN $2 = 'closed' THEN now() ELSE c.closed_at END,"
	 "  unit_id = CASE WHEN $6 = 'dispatch' THEN $10::bigint ELSE c.unit_id END,"
	 "  category_kind = coalesce(nullif($11, ''), c.category_kind),"
	 "  category_code = coalesce(nullif($12, ''), c.category_code),"
	 "  urgent = coalesce(nullif($13, '')::boolean, c.urgent),"
	 "  rework_count = c.rework_count + ($6 = 'check' AND $2 = 'in_progress')::int,"
	 "  extension_count = c.extension_count + ($6 = 'approve-extension')::int,"
	 "  return_count = c.return_count + ($6 = 'return')::int,"
	 "  urge_count = c.urge_count + ($6 = 'urge')::int,"
	 "  merged_into = CASE WHEN $6 = 'merge' THEN $14::bigint ELSE c.merged_into END,"
	 "  version = c.version + 1, updated_at = now(),"
	 "  event_count = (SELECT seq FROM e), last_hash = (SELECT hash FROM e)"
	 " WHERE c.id = $1::bigint RETURNING c.version",
	 15, 0},
	{"cases_notify",
	 "SELECT pg_notify('gridd_cases', json_build_object('id', c.id, 'action', $2::text,"
	 " 'state', $3::text, 'cell', c.cell_code, 'unit', c.unit_id,"
	 " 'at', ((extract(epoch FROM c.updated_at) * 1000000)::numeric)::bigint)::text)"
	 " FROM cases c WHERE c.id = $1::bigint",
	 3, 0},
	/* Merge: lock the target, move reports and photos to it, note it there. $1 from, $2 into, $3 actor. */
	{"cases_merge_move",
	 "WITH t AS (SELECT id, event_count, last_hash FROM cases WHERE id = $2::bigint AND id <> $1::bigint"
	 "   AND state IN ('reported', 'registered', 'dispatched', 'in_progress', 'resolved') FOR UPDATE),"
	 " r AS (UPDATE reports SET case_id = $2::bigint, updated_at = now()"
	 "  WHERE case_id = $1::bigint AND EXISTS (SELECT 1 FROM t) RETURNING id),"
	 " p AS (INSERT INTO case_photos (case_id, sha256, kind, report_id, flags, uploaded_by, created_at)"
	 "  SELECT $2::bigint, sha256, kind, report_id, flags, uploaded_by, created_at FROM case_photos"
	 "  WHERE case_id = $1::bigint AND EXISTS (SELECT 1 FROM t) ON CONFLICT DO NOTHING),"
	 " ev AS (SELECT t.id, t.event_count + 1 AS seq, now() AS at, t.last_hash AS prev,"
	 "   jsonb_build_object('from_case', $1::bigint) AS data FROM t),"
	 " e AS (INSERT INTO case_events (case_id, seq, kind, actor_id, at, data, prev_hash, hash)"
	 "  SELECT id, seq, 'merged_from', $3::bigint, at, data, prev,"
	 "   case_event_hash(prev, id, seq, 'merged_from', $3::bigint, at, data) FROM ev RETURNING seq, hash),"
	 " u AS (UPDATE cases SET event_count = (SELECT seq FROM e), last_hash = (SELECT hash FROM e),"
	 "   version = version + 1, updated_at = now() WHERE id = (SELECT id FROM t))"
	 " SELECT (SELECT count(*) FROM t)",
	 3, 0},
	{"cases_get", "SELECT " CASE_JSON ", c.state, c.suspended, c.extension_pending, c.cell_code, "
	 UNIT_CHAIN ", extract(epoch FROM c.due_at)::bigint" CASE_FROM " WHERE c.id = $1::bigint",
	 1, 0},
	{"cases_events",
	 "SELECT coalesce(json_agg(json_build_object('seq', e.seq, 'kind', e.kind, 'actor',"
	 "  CASE WHEN a.id IS NULL THEN NULL ELSE json_build_object('id', a.id, 'login', a.login,"
	 "   'display_name', a.display_name) END, 'at', e.at, 'data', e.data, 'prev_hash', e.prev_hash,"
	 "  'hash', e.hash) ORDER BY e.seq), '[]')::text"
	 " FROM case_events e LEFT JOIN users a ON a.id = e.actor_id WHERE e.case_id = $1::bigint",
	 1, 0},
	{"cases_audit", AUDIT_VERIFY_SQL, 2, 0},
};
enum { STMT_BEGIN, STMT_COMMIT, STMT_LOCK, STMT_UPDATE, STMT_NOTIFY, STMT_MERGE, STMT_GET, STMT_EVENTS,
       STMT_AUDIT };

int cases_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

/* ---- shared ------------------------------------------------------------------ */


/* Parses "{1,2,3}" into at most max ids; returns the count. */
static int parse_chain(const char *text, int64_t *ids, int max)
{
	int n = 0;
	for (const char *p = text; *p && n < max; p++)
		if (*p >= '0' && *p <= '9') {
			ids[n++] = strtoll(p, (char **)&p, 10);
			p--;
		}
	return n;
}

/*
 * True when the caller may see the case (state, cell and unit chain of a
 * row). Unit staff see a case once it is dispatched to them, not while the
 * dispatch centre still decides (the routed unit is only a proposal), as in
 * reports_sql.h's REPORT_SCOPE.
 */
bool cases_in_scope(const struct auth_user *user, const char *state, const char *cell,
                          const char *chain)
{
	if (user->role == ROLE_UNIT_STAFF && strcmp(state, "dispatched") != 0 &&
	    strcmp(state, "in_progress") != 0 && strcmp(state, "resolved") != 0 &&
	    strcmp(state, "closed") != 0)
		return false;
	int64_t ids[32];
	int n = parse_chain(chain, ids, 32);
	struct auth_scope scope = {cell, ids, n};
	return policy_in_scope(user, &scope);
}

static json_t *allowed_json(unsigned allowed)
{
	json_t *list = json_array();
	for (int a = 0; a < ACTION_COUNT; a++)
		if (allowed & (1u << a))
			json_array_append_new(list, json_string(workflow_action_name((enum case_action)a)));
	return list;
}

/* ---- one case ------------------------------------------------------------------ */

struct case_read {
	struct http_context *ctx;
	struct db_conn *lease;
	char id[24];
	int status;
	bool acted;                /* the answer to an action: the caller was in scope when it
	                              began (unit staff who return a case no longer are) */
};

static void read_free(struct case_read *q)
{
	if (q->lease)
		db_release(q->lease);
	free(q);
}

static void case_loaded(const struct db_result *r, void *arg);

static void read_calendar_loaded(const struct calendar *cal, const char *zone,
                                 const struct db_result *r, void *arg)
{
	struct case_read *q = arg;
	(void)zone;
	if (!cal) {
		struct http_context *ctx = q->ctx;
		read_free(q);
		api_reply_db_failure(ctx, r);
		return;
	}
	/* Kept for case_loaded: the calendar lives only during this callback,
	 * so the case is read now and the working time computed there on a copy. */
	struct calendar *copy = malloc(sizeof(*copy));
	if (!copy) {
		struct http_context *ctx = q->ctx;
		read_free(q);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	*copy = *cal;
	struct {
		struct case_read *q;
		struct calendar *cal;
	} *pair = malloc(sizeof(*pair));
	if (!pair) {
		free(copy);
		struct http_context *ctx = q->ctx;
		read_free(q);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	pair->q = q;
	pair->cal = copy;
	const char *params[] = {q->id};
	db_lease_query(q->lease, &statements[STMT_GET], params, case_loaded, pair);
}

static void case_loaded(const struct db_result *r, void *arg)
{
	struct {
		struct case_read *q;
		struct calendar *cal;
	} *pair = arg;
	struct case_read *q = pair->q;
	struct calendar *cal = pair->cal;
	free(pair);
	struct http_context *ctx = q->ctx;
	int status = q->status;
	if (r->status != DB_OK) {
		free(cal);
		read_free(q);
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) == 0 ||
	    (!q->acted && !cases_in_scope(ctx->auth, PQgetvalue(r->res, 0, 1), PQgetvalue(r->res, 0, 4),
	                                 PQgetvalue(r->res, 0, 5)))) {
		free(cal);
		read_free(q);
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such case", NULL);
		return;
	}
	json_error_t je;
	json_t *body = json_loads(PQgetvalue(r->res, 0, 0), 0, &je);
	struct case_status now = {(enum case_state)workflow_state_from_name(PQgetvalue(r->res, 0, 1)),
	                          PQgetvalue(r->res, 0, 2)[0] == 't', PQgetvalue(r->res, 0, 3)[0] == 't'};
	bool running = (now.state == CASE_DISPATCHED || now.state == CASE_IN_PROGRESS) && !now.suspended;
	if (body && !PQgetisnull(r->res, 0, 6)) {
		int64_t due = atoll(PQgetvalue(r->res, 0, 6)), t = (int64_t)time(NULL);
		bool overdue = running && t > due;
		json_object_set_new(body, "overdue", json_boolean(overdue));
		json_object_set_new(body, "working_seconds_left",
		                    running ? json_integer(overdue ? -deadline_working_seconds_between(due, t, cal)
		                                                   : deadline_working_seconds_between(t, due, cal))
		                            : json_null());
	} else if (body) {
		json_object_set_new(body, "overdue", json_false());
		json_object_set_new(body, "working_seconds_left", json_null());
	}
	if (body)
		json_object_set_new(body, "allowed_actions",
		                    allowed_json(workflow_allowed(&now, ROLE_BIT(ctx->auth->role))));
	free(cal);
	read_free(q);
	if (!body) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	http_reply_json(ctx, status, body);
}

static void read_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct case_read *q = arg;
	if (status != DB_OK) {
		struct http_context *ctx = q->ctx;
		read_free(q);
		api_reply_db_status(ctx, status);
		return;
	}
	q->lease = lease;
	calendar_store_load(lease, (int64_t)time(NULL), read_calendar_loaded, q);
}

static void reply_case(struct http_context *ctx, long long id, bool acted)
{
	struct case_read *q = calloc(1, sizeof(*q));
	if (!q) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	q->ctx = ctx;
	q->status = 200;
	q->acted = acted;
	snprintf(q->id, sizeof(q->id), "%lld", id);
	db_acquire(io_thread_db(ctx->thread), read_leased, q);
}

void cases_get(struct http_context *ctx)
{
	long long id = api_path_id(ctx, "id");
	if (!id) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such case", NULL);
		return;
	}
	reply_case(ctx, id, false);
}

/* ---- events ---------------------------------------------------------------------- */

struct events_read {
	struct http_context *ctx;
	struct db_conn *lease;
	char id[24];
	bool audit;            /* /audit: the verdict instead of the events */
};

static void events_done(const struct db_batch_result *r, void *arg)
{
	struct events_read *q = arg;
	struct http_context *ctx = q->ctx;
	db_release(q->lease);
	if (r->status != DB_OK) {
		free(q);
		api_reply_batch_failure(ctx, r);
		return;
	}
	const PGresult *lock = r->results[0];
	bool audit = q->audit;
	bool visible = PQntuples(lock) == 1 &&
	               cases_in_scope(ctx->auth, PQgetvalue(lock, 0, 1), PQgetvalue(lock, 0, 4),
	                             PQgetvalue(lock, 0, 5));
	free(q);
	if (!visible) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such case", NULL);
		return;
	}
	const PGresult *res = r->results[1];
	if (audit) {
		bool valid = PQgetisnull(res, 0, 2);
		json_t *body = json_pack("{s:b, s:I}", "valid", valid, "events",
		                         (json_int_t)atoll(PQgetvalue(res, 0, 1)));
		json_object_set_new(body, "broken_at", valid ? json_null() : json_integer(atoll(PQgetvalue(res, 0, 2))));
		json_object_set_new(body, "reason", valid ? json_null() : json_string(PQgetvalue(res, 0, 3)));
		http_reply_json(ctx, 200, body);
		return;
	}
	json_error_t je;
	json_t *events = json_loads(PQgetvalue(res, 0, 0), 0, &je);
	http_reply_json(ctx, 200, json_pack("{s:o}", "events", events ? events : json_array()));
}

static void events_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct events_read *q = arg;
	if (status != DB_OK) {
		struct http_context *ctx = q->ctx;
		free(q);
		api_reply_db_status(ctx, status);
		return;
	}
	q->lease = lease;
	const char *params[] = {q->id};
	const char *audit[] = {q->id, "all"};
	/* The case row (for scope) and its events, or their verdict, in one snapshot. */
	struct db_batch_step steps[] = {{&statements[STMT_GET], params},
	                                q->audit ? (struct db_batch_step){&statements[STMT_AUDIT], audit}
	                                         : (struct db_batch_step){&statements[STMT_EVENTS], params}};
	db_lease_batch(lease, steps, 2, events_done, q);
}

static void events_or_audit(struct http_context *ctx, bool audit)
{
	long long id = api_path_id(ctx, "id");
	struct events_read *q = id ? calloc(1, sizeof(*q)) : NULL;
	if (!q) {
		http_reply_problem(ctx, id ? PROBLEM_INTERNAL : PROBLEM_NOT_FOUND, id ? NULL : "no such case", NULL);
		return;
	}
	q->ctx = ctx;
	q->audit = audit;
	snprintf(q->id, sizeof(q->id), "%lld", id);
	db_acquire(io_thread_db(ctx->thread), events_leased, q);
}

void cases_events(struct http_context *ctx)
{
	events_or_audit(ctx, false);
}

void cases_audit(struct http_context *ctx)
{
	events_or_audit(ctx, true);
}

/* ---- actions -------------------------------------------------------------------- */

struct act {
	struct http_context *ctx;
	struct db_conn *lease;
	long long id;
	char id_text[24], actor[24];
	enum case_action action;
	bool check_passed;
	long long if_match;            /* 0: no If-Match */
	/* from the body */
	long long unit_id, target;
	int64_t proposed_due;
	char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1];
	const char *urgent;            /* "true"/"false"/"" */
	json_t *data;                  /* the event's data, owned */
	/* from the locked row */
	struct case_status now, next;
	unsigned effects;
	bool urgent_now, after_photo_required, has_after_photo;
	int32_t limit[2];              /* normal, urgent */
	enum deadline_unit limit_unit[2];
	int64_t suspended_at, due, dispatched_at;
	char due_text[24];             /* the new due_at (epoch) or "" */
	char handling_text[24];        /* resolve: working seconds since dispatch, or "" */
};

static void act_free(struct act *w)
{
	if (w->lease)
		db_release(w->lease);
	json_decref(w->data);
	free(w);
}

static void act_fail(struct act *w, enum problem_kind kind, const char *detail, json_t *errors)
{
	struct http_context *ctx = w->ctx;
	act_free(w);
	http_reply_problem(ctx, kind, detail, errors);
}

static void act_committed(const struct db_batch_result *r, void *arg)
{
	struct act *w = arg;
	struct http_context *ctx = w->ctx;
	long long id = w->id;
	if (r->status != DB_OK) {
		bool unknown_unit = r->status == DB_SQL_ERROR && strcmp(r->sqlstate, "23503") == 0;
		act_free(w);
		if (unknown_unit) {
			json_t *errors = NULL;
			problem_add_error(&errors, "/unit_id", "no such unit");
			http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
			return;
		}
		api_reply_batch_failure(ctx, r);
		return;
	}
	char state[32];
	snprintf(state, sizeof(state), "%s", workflow_state_name(w->next.state));
	const char *fields[] = {"request_id", ctx->request_id, "case", w->id_text, "action",
	                        workflow_action_name(w->action), "state", state, NULL, NULL};
	log_event(LOG_LEVEL_INFO, "case action", fields);
	act_free(w);
	reply_case(ctx, id, true);
}

/* Writes the case, its event and the notification, and commits. */
static void act_write(struct act *w)
{
	char *data = json_dumps(w->data, JSON_COMPACT);
	if (!data) {
		act_fail(w, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	const char *t = "true", *f = "false";
	char unit[24] = "", target[24] = "", proposed[24] = "";
	if (w->action == ACTION_DISPATCH)
		snprintf(unit, sizeof(unit), "%lld", w->unit_id);
	if (w->action == ACTION_MERGE)
		snprintf(target, sizeof(target), "%lld", w->target);
	if (w->action == ACTION_REQUEST_EXTENSION)
		snprintf(proposed, sizeof(proposed), "%lld", (long long)w->proposed_due);
	const char *state = workflow_state_name(w->next.state);
	const char *action = workflow_action_name(w->action);
	const char *update[] = {w->id_text, state, w->next.suspended ? t : f,
	                        w->next.extension_pending ? t : f, w->actor, action, data, w->due_text,
	                        proposed, unit[0] ? unit : NULL, w->kind, w->code, w->urgent,
	                        target[0] ? target : NULL, w->handling_text};
	const char *notify[] = {w->id_text, action, state};
	const char *none[] = {NULL};
	struct db_batch_step steps[] = {{&statements[STMT_UPDATE], update},
	                                {&statements[STMT_NOTIFY], notify},
	                                {&statements[STMT_COMMIT], none}};
	db_lease_batch(w->lease, steps, 3, act_committed, w);
	free(data);
}

static void merged(const struct db_result *r, void *arg)
{
	struct act *w = arg;
	if (r->status != DB_OK) {
		bool deadlock = r->status == DB_SQL_ERROR && strcmp(r->sqlstate, "40P01") == 0;
		if (deadlock) {
			act_fail(w, PROBLEM_CONFLICT, "the two cases were being merged into each other: try again", NULL);
			return;
		}
		struct http_context *ctx = w->ctx;
		act_free(w);
		api_reply_db_failure(ctx, r);
		return;
	}
	if (strcmp(PQgetvalue(r->res, 0, 0), "1") != 0) {
		json_t *errors = NULL;
		problem_add_error(&errors, "/target_case_id", "another open case (not this one)");
		act_fail(w, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	act_write(w);
}

/* The clock: dispatch and rework start it from now on the working calendar. */
static void calendar_ready(const struct calendar *cal, const char *zone, const struct db_result *r,
                           void *arg)
{
	struct act *w = arg;
	(void)zone;
	if (!cal) {
		struct http_context *ctx = w->ctx;
		act_free(w);
		api_reply_db_failure(ctx, r);
		return;
	}
	int which = w->urgent_now ? 1 : 0;
	int64_t due = 0;
	int st = deadline_add((int64_t)time(NULL), w->limit[which], w->limit_unit[which], cal, &due);
	if (st != DEADLINE_OK) {
		act_fail(w, PROBLEM_UNPROCESSABLE, deadline_status_text(st), NULL);
		return;
	}
	snprintf(w->due_text, sizeof(w->due_text), "%lld", (long long)due);
	char text[RFC3339_MAX];
	rfc3339_format(due, cal->utc_offset_minutes, text);
	json_object_set_new(w->data, "due_at", json_string(text));
	act_write(w);
}

/* Handling time (处置用时) for the statistics: working seconds since dispatch. */
static void handling_measured(const struct calendar *cal, const char *zone, const struct db_result *r,
                              void *arg)
{
	struct act *w = arg;
	(void)zone;
	if (!cal) {
		struct http_context *ctx = w->ctx;
		act_free(w);
		api_reply_db_failure(ctx, r);
		return;
	}
	int64_t seconds = deadline_working_seconds_between(w->dispatched_at, (int64_t)time(NULL), cal);
	snprintf(w->handling_text, sizeof(w->handling_text), "%lld", (long long)(seconds > 0 ? seconds : 0));
	act_write(w);
}

static void locked(const struct db_batch_result *b, void *arg)
{
	struct act *w = arg;
	struct http_context *ctx = w->ctx;
	if (b->status != DB_OK) {
		act_free(w);
		api_reply_batch_failure(ctx, b);
		return;
	}
	const PGresult *res = b->results[1];
	if (PQntuples(res) == 0 ||
	    !cases_in_scope(ctx->auth, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5))) {
		act_fail(w, PROBLEM_NOT_FOUND, "no such case", NULL);
		return;
	}
	int state = workflow_state_from_name(PQgetvalue(res, 0, 0));
	w->now = (struct case_status){(enum case_state)(state < 0 ? 0 : state),
	                              PQgetvalue(res, 0, 1)[0] == 't', PQgetvalue(res, 0, 2)[0] == 't'};
	long long version = atoll(PQgetvalue(res, 0, 3));
	if (w->if_match && w->if_match != version) {
		char detail[96];
		snprintf(detail, sizeof(detail), "the case is at version %lld now: reload it", version);
		act_fail(w, PROBLEM_PRECONDITION_FAILED, detail, NULL);
		return;
	}
	w->urgent_now = PQgetvalue(res, 0, 6)[0] == 't';
	for (int i = 0; i < 2; i++) {
		const char *unit = PQgetvalue(res, 0, 8 + 2 * i);
		w->limit[i] = atoi(PQgetvalue(res, 0, 7 + 2 * i));
		if (deadline_unit_from_name(unit, strlen(unit), &w->limit_unit[i]) < 0)
			w->limit_unit[i] = DEADLINE_WORKING_HOURS;
	}
	w->after_photo_required = PQgetvalue(res, 0, 11)[0] == 't';
	w->suspended_at = atoll(PQgetvalue(res, 0, 12));
	int64_t proposed = atoll(PQgetvalue(res, 0, 13));
	w->due = atoll(PQgetvalue(res, 0, 14));
	w->has_after_photo = PQgetvalue(res, 0, 15)[0] == 't';
	w->dispatched_at = atoll(PQgetvalue(res, 0, 16));
	if (w->urgent[0])
		w->urgent_now = strcmp(w->urgent, "true") == 0;

	enum workflow_verdict v = workflow_apply(&w->now, w->action, ROLE_BIT(ctx->auth->role),
	                                         w->check_passed, &w->next, &w->effects);
	if (v == WORKFLOW_NOT_YOUR_ROLE) {
		act_fail(w, PROBLEM_FORBIDDEN, "your role does not do this", NULL);
		return;
	}
	if (v == WORKFLOW_NOT_NOW) {
		char detail[160];
		snprintf(detail, sizeof(detail), "cannot %s a case that is %s%s%s", workflow_action_name(w->action),
		         workflow_state_name(w->now.state), w->now.suspended ? " (suspended)" : "",
		         w->now.extension_pending ? " (extension pending)" : "");
		json_t *body = problem_build(PROBLEM_CONFLICT, detail, ctx->path, NULL);
		json_object_set_new(body, "state", json_string(workflow_state_name(w->now.state)));
		json_object_set_new(body, "allowed_actions",
		                    allowed_json(workflow_allowed(&w->now, ROLE_BIT(ctx->auth->role))));
		act_free(w);
		char *text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		http_reply_bytes(ctx, 409, "application/problem+json", text, text ? strlen(text) : 0);
		free(text);
		return;
	}
	if (w->action == ACTION_RESOLVE && w->after_photo_required && !w->has_after_photo) {
		act_fail(w, PROBLEM_CONFLICT,
		         "this category needs an \"after\" photo: POST /v1/cases/{id}/photos?kind=after first", NULL);
		return;
	}
	json_object_set_new(w->data, "from", json_string(workflow_state_name(w->now.state)));
	json_object_set_new(w->data, "to", json_string(workflow_state_name(w->next.state)));
	if (w->effects & EFFECT_MOVE_DEADLINE) {
		snprintf(w->due_text, sizeof(w->due_text), "%lld", (long long)proposed);
	} else if ((w->effects & EFFECT_RESTART_CLOCK) && w->due) {
		/* The time spent suspended is given back. */
		int64_t back = (int64_t)time(NULL) - w->suspended_at;
		snprintf(w->due_text, sizeof(w->due_text), "%lld", (long long)(w->due + (back > 0 ? back : 0)));
	}
	if (w->effects & (EFFECT_START_CLOCK | EFFECT_REWORK)) {
		calendar_store_load(w->lease, (int64_t)time(NULL), calendar_ready, w);
		return;
	}
	if (w->action == ACTION_RESOLVE && w->dispatched_at) {
		calendar_store_load(w->lease, w->dispatched_at, handling_measured, w);
		return;
	}
	if (w->action == ACTION_MERGE) {
		char target[24];
		snprintf(target, sizeof(target), "%lld", w->target);
		const char *params[] = {w->id_text, target, w->actor};
		db_lease_query(w->lease, &statements[STMT_MERGE], params, merged, w);
		return;
	}
	act_write(w);
}

static void act_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct act *w = arg;
	if (status != DB_OK) {
		struct http_context *ctx = w->ctx;
		act_free(w);
		api_reply_db_status(ctx, status);
		return;
	}
	w->lease = lease;
	const char *none[] = {NULL};
	const char *id[] = {w->id_text};
	struct db_batch_step steps[] = {{&statements[STMT_BEGIN], none}, {&statements[STMT_LOCK], id}};
	db_lease_batch(lease, steps, 2, locked, w);
}

/* A text member of 1..max characters; NULL (and an error when required). */
static const char *text_member(const json_t *body, const char *name, size_t max, bool required,
                               json_t **errors)
{
	const json_t *v = json_object_get(body, name);
	if (!v && !required)
		return NULL;
	const char *text = json_text(v, 1, max);
	if (!text) {
		char pointer[32], detail[64];
		snprintf(pointer, sizeof(pointer), "/%s", name);
		snprintf(detail, sizeof(detail), "%s: text of 1 to %zu characters", required ? "required" : "optional", max);
		problem_add_error(errors, pointer, detail);
	}
	return text;
}

/* Validates the body for the action into w and w->data. */
static void check_body(struct act *w, const json_t *body, json_t **errors)
{
	static const char *const known[] = {"reason", "note", "text", "unit_id", "target_case_id",
	                                    "proposed_due_at", "result", "category", "urgent", NULL};
	api_check_known_fields(body, "", known, errors);
	unsigned need = workflow_required_fields(w->action);
	const char *s;
	if ((s = text_member(body, "reason", CASE_REASON_MAX, need & FIELD_REASON, errors)))
		json_object_set_new(w->data, "reason", json_string(s));
	if ((s = text_member(body, "note", CASE_REASON_MAX, need & FIELD_NOTE, errors)))
		json_object_set_new(w->data, "note", json_string(s));
	if ((s = text_member(body, "text", CASE_TEXT_MAX, need & FIELD_TEXT, errors)))
		json_object_set_new(w->data, "text", json_string(s));
	const json_t *v = json_object_get(body, "unit_id");
	if (need & FIELD_UNIT) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			problem_add_error(errors, "/unit_id", "required: the id of the unit to dispatch to");
		else {
			w->unit_id = json_integer_value(v);
			json_object_set_new(w->data, "unit_id", json_integer(w->unit_id));
		}
	}
	v = json_object_get(body, "target_case_id");
	if (need & FIELD_TARGET_CASE) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			problem_add_error(errors, "/target_case_id", "required: the case this one duplicates");
		else {
			w->target = json_integer_value(v);
			json_object_set_new(w->data, "target_case_id", json_integer(w->target));
		}
	}
	v = json_object_get(body, "proposed_due_at");
	if (need & FIELD_PROPOSED_DUE) {
		int64_t at;
		if (!json_is_string(v) || rfc3339_parse(json_string_value(v), json_string_length(v), &at) < 0 ||
		    at <= (int64_t)time(NULL))
			problem_add_error(errors, "/proposed_due_at", "required: the new deadline, RFC 3339, in the future");
		else {
			w->proposed_due = at;
			json_object_set_new(w->data, "proposed_due_at", json_string(json_string_value(v)));
		}
	}
	v = json_object_get(body, "result");
	if (need & FIELD_RESULT) {
		const char *r = json_string_value(v);
		if (!r || (strcmp(r, "passed") != 0 && strcmp(r, "failed") != 0))
			problem_add_error(errors, "/result", "required: passed or failed");
		else {
			w->check_passed = strcmp(r, "passed") == 0;
			json_object_set_new(w->data, "result", json_string(r));
		}
	}
	w->urgent = "";
	if (w->action == ACTION_VERIFY) {
		/* The dispatcher may correct the category and urgency while verifying. */
		if ((v = json_object_get(body, "category"))) {
			if (!json_is_string(v) || codes_parse_category_name(json_string_value(v), w->kind, w->code) < 0)
				problem_add_error(errors, "/category", "a minor category such as event:0102");
			else
				json_object_set_new(w->data, "category", json_string(json_string_value(v)));
		}
		if ((v = json_object_get(body, "urgent"))) {
			if (!json_is_boolean(v))
				problem_add_error(errors, "/urgent", "true or false");
			else {
				w->urgent = json_is_true(v) ? "true" : "false";
				json_object_set_new(w->data, "urgent", json_boolean(json_is_true(v)));
			}
		}
	}
}

void cases_act(struct http_context *ctx)
{
	size_t len;
	const char *name = route_param(&ctx->match, "action", &len);
	char action_name[32] = "";
	if (name && len < sizeof(action_name))
		memcpy(action_name, name, len);
	int action = workflow_action_from_name(action_name);
	long long id = api_path_id(ctx, "id");
	if (action < 0 || !id) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, action < 0 ? "no such action" : "no such case", NULL);
		return;
	}
	struct act *w = calloc(1, sizeof(*w));
	if (!w || !(w->data = json_object())) {
		free(w);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	w->ctx = ctx;
	w->id = id;
	w->action = (enum case_action)action;
	snprintf(w->id_text, sizeof(w->id_text), "%lld", id);
	snprintf(w->actor, sizeof(w->actor), "%lld", (long long)ctx->auth->id);
	json_t *errors = NULL;
	const json_t *body = ctx->body ? ctx->body : NULL;
	json_t *empty = NULL;
	if (!body)
		body = empty = json_object();
	if (!json_is_object(body))
		problem_add_error(&errors, "", "a JSON object");
	else
		check_body(w, body, &errors);
	json_decref(empty);
	const char *match = evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "If-Match");
	if (match) {
		const char *p = match + (*match == '"');
		char *end;
		errno = 0;
		w->if_match = strtoll(p, &end, 10);
		if (errno || end == p || w->if_match < 1 || (*end && !(*end == '"' && !end[1])))
			problem_add_error(&errors, "/header/If-Match", "the case's version, e.g. \"7\"");
	}
	if (errors) {
		act_fail(w, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	db_acquire(io_thread_db(ctx->thread), act_leased, w);
}

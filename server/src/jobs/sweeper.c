/*
 * sweeper.c - the case sweeper. See sweeper.h.
 */
#include "jobs/sweeper.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db/db.h"
#include "export/spool.h"
#include "log.h"
#include "workers.h"

/* Every statement starts by taking the sweeper's lock for its transaction
 * (re-taking it within one transaction succeeds; another instance's fails). */
#define LOCKED "WITH lock AS (SELECT pg_try_advisory_xact_lock(7243002) AS got)"
#define RUNNING "c.state IN ('dispatched', 'in_progress') AND NOT c.suspended"

/* Appends an event `kind` to every case of CTE `due` (id, seq, prev, at,
 * data), sets `mark` on them, and notifies (pg_notify) live views. */
#define APPEND_EVENTS(kind, mark)                                                             \
	" e AS (INSERT INTO case_events (case_id, seq, kind, actor_id, at, data, prev_hash, hash)" \
	"  SELECT id, seq, '" kind "', NULL, at, data, prev,"                                      \
	"   case_event_hash(prev, id, seq, '" kind "', NULL, at, data) FROM due RETURNING case_id, seq, hash)," \
	" u AS (UPDATE cases c SET " mark " = now(), event_count = e.seq, last_hash = e.hash,"     \
	"   updated_at = now() FROM e WHERE c.id = e.case_id RETURNING c.id, c.unit_id, c.state, c.cell_code)," \
	" x AS (SELECT pg_notify('gridd_cases', json_build_object('id', id, 'action', '" kind "',"   \
	"   'state', state, 'cell', cell_code, 'unit', unit_id,"                                     \
	"   'at', ((extract(epoch FROM now()) * 1000000)::numeric)::bigint)::text) FROM u)"

static struct db_statement statements[] = {
	{"sweeper_overdue",
	 LOCKED ","
	 " due AS (SELECT c.id, c.event_count + 1 AS seq, c.last_hash AS prev, now() AS at,"
	 "   jsonb_build_object('due_at', c.due_at) AS data FROM cases c"
	 "  WHERE (SELECT got FROM lock) AND " RUNNING " AND c.due_at < now() AND c.overdue_at IS NULL"
	 "  ORDER BY c.due_at LIMIT 1000 FOR UPDATE OF c SKIP LOCKED),"
	 APPEND_EVENTS("overdue", "overdue_at") ","
	 " n AS (INSERT INTO notifications (case_id, kind, unit_id, role)"
	 "  SELECT id, 'overdue', unit_id, NULL FROM u WHERE unit_id IS NOT NULL"
	 "  UNION ALL SELECT id, 'overdue', NULL, 'supervisor' FROM u)"
	 " SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM x)",
	 0, 0},
	{"sweeper_escalate",
	 LOCKED ","
	 " due AS (SELECT c.id, c.event_count + 1 AS seq, c.last_hash AS prev, now() AS at,"
	 "   jsonb_build_object('due_at', c.due_at) AS data FROM cases c"
	 "  WHERE (SELECT got FROM lock) AND " RUNNING " AND c.overdue_at IS NOT NULL"
	 "   AND c.escalated_at IS NULL"
	 "   AND now() > c.due_at + (c.due_at - coalesce(c.dispatched_at, c.created_at))"
	 "  ORDER BY c.due_at LIMIT 1000 FOR UPDATE OF c SKIP LOCKED),"
	 APPEND_EVENTS("escalated", "escalated_at") ","
	 " n AS (INSERT INTO notifications (case_id, kind, role) SELECT id, 'escalated', 'supervisor' FROM u)"
	 " SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM x)",
	 0, 0},
	/* $1 dispatch limit, $2 urgent dispatch limit, $3 check limit (minutes). */
	{"sweeper_late",
	 LOCKED ","
	 " d AS (UPDATE cases c SET dispatch_late_at = now() WHERE (SELECT got FROM lock)"
	 "   AND c.state = 'registered' AND c.dispatch_late_at IS NULL"
	 "   AND coalesce(c.registered_at, c.created_at) < now()"
	 "    - (CASE WHEN c.urgent THEN $2::int ELSE $1::int END) * interval '1 minute'"
	 "   RETURNING c.id),"
	 " k AS (UPDATE cases c SET check_late_at = now() WHERE (SELECT got FROM lock)"
	 "   AND c.state = 'resolved' AND c.check_late_at IS NULL"
	 "   AND c.resolved_at < now() - $3::int * interval '1 minute' RETURNING c.id),"
	 /* A late check is also the cell's grid workers' business: they do it. */
	 " n AS (INSERT INTO notifications (case_id, kind, role, user_id)"
	 "  SELECT id, 'dispatch_late', 'dispatcher', NULL::bigint FROM d"
	 "  UNION ALL SELECT id, 'check_late', 'dispatcher', NULL FROM k"
	 "  UNION ALL SELECT k.id, 'check_late', NULL, uc.user_id FROM k JOIN cases c ON c.id = k.id"
	 "   JOIN user_cells uc ON uc.cell_code = c.cell_code)"
	 " SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM k)",
	 3, 0},
	/* $1 the login throttling window (s). */
	{"sweeper_prune",
	 LOCKED ","
	 " f AS (DELETE FROM login_failures WHERE (SELECT got FROM lock)"
	 "   AND at < now() - $1::int * interval '1 second' RETURNING 1),"
	 " k AS (DELETE FROM idempotency_keys WHERE (SELECT got FROM lock)"
	 "   AND created_at < now() - interval '8 days' RETURNING 1)"
	 " SELECT (SELECT count(*) FROM f), (SELECT count(*) FROM k), (SELECT got FROM lock)",
	 1, 0},
	/* Expired export jobs, a thousand a round: their ids and formats name
	 * their files (export/spool.h). */
	{"sweeper_exports",
	 LOCKED ","
	 " x AS (DELETE FROM export_jobs WHERE (SELECT got FROM lock) AND id IN"
	 "   (SELECT id FROM export_jobs WHERE expires_at < now() ORDER BY expires_at LIMIT 1000"
	 "    FOR UPDATE SKIP LOCKED) RETURNING id, format)"
	 " SELECT id::text, format FROM x",
	 0, 0},
};
enum { STMT_OVERDUE, STMT_ESCALATE, STMT_LATE, STMT_PRUNE, STMT_EXPORTS };

int sweeper_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

struct sweeper {
	struct event *timer;
	struct db_pool *db;
	struct worker_pool *workers;
	const struct config *cfg;
	struct db_conn *lease;
	bool running;       /* a round is in flight */
	bool draining;
	char dispatch[16], urgent[16], check[16], window[16];
};

/* The files of deleted export jobs, removed on a worker (unlink blocks). */
struct expired_files {
	const char *dir;   /* the app's export_dir */
	int count;
	struct {
		long long id;
		enum export_format format;
	} jobs[];
};

static void expired_files_remove(void *arg)
{
	struct expired_files *x = arg;
	for (int i = 0; i < x->count; i++) {
		int rc = export_spool_remove(x->dir, x->jobs[i].id, x->jobs[i].format);
		if (rc < 0)
			log_warn("sweeper: cannot remove the files of export job %lld: %s", x->jobs[i].id,
			         strerror(-rc));
	}
	free(x);
}

static void remove_expired_exports(struct sweeper *s, const PGresult *res)
{
	int n = PQntuples(res);
	if (n == 0)
		return;
	struct expired_files *x = malloc(sizeof(*x) + (size_t)n * sizeof(x->jobs[0]));
	if (!x)
		return; /* the files stay; nothing refers to them any more */
	x->dir = s->cfg->export_dir;
	x->count = n;
	for (int i = 0; i < n; i++) {
		x->jobs[i].id = atoll(PQgetvalue(res, i, 0));
		x->jobs[i].format = strcmp(PQgetvalue(res, i, 1), "xlsx") == 0 ? EXPORT_FORMAT_XLSX : EXPORT_FORMAT_CSV;
	}
	char count[16];
	snprintf(count, sizeof(count), "%d", n);
	const char *fields[] = {"expired_exports", count, NULL, NULL};
	log_event(LOG_LEVEL_INFO, "sweeper", fields);
	if (workers_submit(s->workers, expired_files_remove, NULL, x, NULL) < 0)
		free(x);
}

static void round_done(const struct db_batch_result *r, void *arg)
{
	struct sweeper *s = arg;
	db_release(s->lease);
	s->lease = NULL;
	s->running = false;
	if (r->status != DB_OK) {
		if (r->status != DB_SHUTDOWN)
			log_warn("sweeper: round failed: %s", r->message ? r->message : db_status_name(r->status));
		return;
	}
	remove_expired_exports(s, r->results[4]);
	const char *overdue = PQgetvalue(r->results[0], 0, 0), *escalated = PQgetvalue(r->results[1], 0, 0);
	const char *dispatch = PQgetvalue(r->results[2], 0, 0), *check = PQgetvalue(r->results[2], 0, 1);
	if (strcmp(overdue, "0") || strcmp(escalated, "0") || strcmp(dispatch, "0") || strcmp(check, "0")) {
		const char *fields[] = {"overdue", overdue, "escalated", escalated, "dispatch_late", dispatch,
		                        "check_late", check, NULL, NULL};
		log_event(LOG_LEVEL_INFO, "sweeper", fields);
	}
}

static void round_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct sweeper *s = arg;
	if (status != DB_OK) {
		s->running = false;
		if (status != DB_SHUTDOWN && status != DB_UNAVAILABLE)
			log_warn("sweeper: no connection: %s", db_status_name(status));
		return;
	}
	s->lease = lease;
	const char *none[] = {NULL};
	const char *late[] = {s->dispatch, s->urgent, s->check};
	const char *prune[] = {s->window};
	/* One pipeline, one implicit transaction: the lock holds for all of it. */
	struct db_batch_step steps[] = {{&statements[STMT_OVERDUE], none},
	                                {&statements[STMT_ESCALATE], none},
	                                {&statements[STMT_LATE], late},
	                                {&statements[STMT_PRUNE], prune},
	                                {&statements[STMT_EXPORTS], none}};
	db_lease_batch(lease, steps, 5, round_done, s);
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct sweeper *s = arg;
	if (s->running || s->draining)
		return;
	s->running = true;
	db_acquire(s->db, round_leased, s);
}

struct sweeper *sweeper_start(struct event_base *base, struct db_pool *db, struct worker_pool *workers,
                              const struct config *cfg)
{
	struct sweeper *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->db = db;
	s->workers = workers;
	s->cfg = cfg;
	snprintf(s->dispatch, sizeof(s->dispatch), "%d", cfg->dispatch_limit_min);
	snprintf(s->urgent, sizeof(s->urgent), "%d", cfg->dispatch_limit_urgent_min);
	snprintf(s->check, sizeof(s->check), "%d", cfg->check_limit_min);
	snprintf(s->window, sizeof(s->window), "%d", cfg->auth_login_window_s);
	s->timer = event_new(base, -1, EV_PERSIST, tick, s);
	struct timeval every = {cfg->sweeper_interval_s, 0};
	if (!s->timer || event_add(s->timer, &every) < 0) {
		sweeper_free(s);
		return NULL;
	}
	return s;
}

void sweeper_drain(struct sweeper *s)
{
	s->draining = true;
	event_del(s->timer);
}

void sweeper_free(struct sweeper *s)
{
	if (!s)
		return;
	if (s->timer)
		event_free(s->timer);
	free(s);
}

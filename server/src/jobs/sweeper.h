/*
 * sweeper.h - the case sweeper: the clock's side of the workflow.
 *
 * Every sweeper_interval_s, on I/O thread 0, one pipelined transaction:
 *   - cases whose deadline passed (dispatched or in progress, not suspended)
 *     get an 'overdue' event in their audit chain, and their unit and the
 *     supervisors a notification - once (cases.overdue_at);
 *   - cases overdue by more than their own time limit again (due - dispatch)
 *     are escalated: an 'escalated' event, the supervisors told again - once;
 *   - cases registered but not dispatched within dispatch_limit_min
 *     (dispatch_limit_urgent_min when urgent), and cases resolved but not
 *     checked within check_limit_min, are reported to the dispatchers - once;
 *   - login failures older than the throttling window and idempotency keys
 *     older than eight days are removed;
 *   - background export jobs past their expires_at (export_job_ttl_s) are
 *     deleted, and their files removed from export_dir on the worker pool
 *     after the transaction (a crash in between leaves a file behind, never
 *     a row without its file).
 * Safe with several gridd instances on one database: each statement first
 * takes pg_try_advisory_xact_lock, so one instance sweeps and the others
 * skip that round; rows being changed by an action right now are skipped
 * (FOR UPDATE SKIP LOCKED) and caught next round. Idempotent across
 * restarts: the marks live in the database.
 */
#ifndef GRIDD_JOBS_SWEEPER_H
#define GRIDD_JOBS_SWEEPER_H

struct config;
struct db_pool;
struct event_base;
struct sweeper;
struct worker_pool;

int sweeper_register_statements(void);

/* Starts the timer on base (first round after one interval); blocking
 * clean-up (export files) goes to workers. NULL on failure. */
struct sweeper *sweeper_start(struct event_base *base, struct db_pool *db, struct worker_pool *workers,
                              const struct config *cfg);

/* No new rounds; a round in flight finishes. */
void sweeper_drain(struct sweeper *s);

/* Frees; call after the pool is freed (its callbacks may still arrive until then). */
void sweeper_free(struct sweeper *s);

#endif

/*
 * audit.h - verifying the hash chains of case_events.
 *
 * Each event stores hash = case_event_hash(prev_hash, case, seq, kind,
 * actor, at, data) (migrations/0007) and the hash of the event before it;
 * a case stores the hash of its newest event and how many it has. One SQL
 * statement recomputes every link and names, per case, the first sequence
 * number where a hash does not match, a link points elsewhere, a number is
 * skipped, or the chain ends before the head the case remembers (a removed
 * tail). Used by GET /v1/cases/{id}/audit and `gridd audit-verify`.
 */
#ifndef GRIDD_AUDIT_H
#define GRIDD_AUDIT_H

#include <stdio.h>

/*
 * $1: a case id, or 0 for every case. Rows: case id, events, first broken
 * seq (NULL when the chain verifies), reason (NULL likewise), only for
 * broken cases when $2 is 'broken', for every case otherwise.
 */
extern const char AUDIT_VERIFY_SQL[];

/*
 * `gridd audit-verify [--case ID]`: verifies one case or all, with blocking
 * libpq (command line only). Prints each broken chain; returns 0 when all
 * verify, 1 when one does not, 2 on a database error.
 */
int audit_verify_command(const char *conninfo, long long case_id, FILE *out, FILE *err);

#endif

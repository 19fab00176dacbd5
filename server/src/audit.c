/*
 * audit.c - verifying the hash chains of case_events. See audit.h.
 */
#include "audit.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

const char AUDIT_VERIFY_SQL[] =
	"WITH ev AS ("
	"  SELECT e.case_id, e.seq, e.hash,"
	"   e.prev_hash IS NOT DISTINCT FROM lag(e.hash) OVER w AS linked,"
	"   e.seq = coalesce(lag(e.seq) OVER w, 0) + 1 AS numbered,"
	"   e.hash = case_event_hash(e.prev_hash, e.case_id, e.seq, e.kind, e.actor_id, e.at, e.data) AS sound"
	"  FROM case_events e WHERE $1::bigint = 0 OR e.case_id = $1::bigint"
	"  WINDOW w AS (PARTITION BY e.case_id ORDER BY e.seq)),"
	" per_case AS ("
	"  SELECT c.id, count(ev.seq) AS events,"
	"   min(ev.seq) FILTER (WHERE NOT ev.sound) AS bad_hash,"
	"   min(ev.seq) FILTER (WHERE NOT ev.linked) AS bad_link,"
	"   min(ev.seq) FILTER (WHERE NOT ev.numbered) AS gap,"
	"   c.event_count, c.last_hash,"
	"   (array_agg(ev.hash ORDER BY ev.seq DESC))[1] AS head"
	"  FROM cases c LEFT JOIN ev ON ev.case_id = c.id"
	"  WHERE $1::bigint = 0 OR c.id = $1::bigint"
	"  GROUP BY c.id),"
	" verdict AS ("
	"  SELECT id, events, least(bad_hash, bad_link, gap,"
	"    CASE WHEN events <> event_count OR head IS DISTINCT FROM last_hash THEN events + 1 END) AS broken_at,"
	"   CASE WHEN bad_hash IS NOT NULL AND bad_hash = least(bad_hash, bad_link, gap)"
	"     THEN 'an event was changed: its hash does not match its contents'"
	"    WHEN bad_link IS NOT NULL OR gap IS NOT NULL"
	"     THEN 'an event was removed or inserted: the chain does not link'"
	"    WHEN events <> event_count OR head IS DISTINCT FROM last_hash"
	"     THEN 'the newest events are missing: the chain ends before the case''s head' END AS reason"
	"  FROM per_case)"
	" SELECT id, events, broken_at, reason FROM verdict"
	" WHERE $2 <> 'broken' OR broken_at IS NOT NULL ORDER BY id";

int audit_verify_command(const char *conninfo, long long case_id, FILE *out, FILE *err)
{
	PGconn *pg = PQconnectdb(conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(err, "gridd audit-verify: cannot connect: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return 2;
	}
	char id[24];
	snprintf(id, sizeof(id), "%lld", case_id);
	const char *params[] = {id, "all"};
	PGresult *r = PQexecParams(pg, AUDIT_VERIFY_SQL, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(err, "gridd audit-verify: %s", PQerrorMessage(pg));
		PQclear(r);
		PQfinish(pg);
		return 2;
	}
	int cases = PQntuples(r), broken = 0;
	long long events = 0;
	for (int i = 0; i < cases; i++) {
		events += atoll(PQgetvalue(r, i, 1));
		if (PQgetisnull(r, i, 2))
			continue;
		broken++;
		fprintf(out, "case %s: broken at event %s: %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 2),
		        PQgetvalue(r, i, 3));
	}
	if (case_id && cases == 0) {
		fprintf(err, "gridd audit-verify: no case %lld\n", case_id);
		PQclear(r);
		PQfinish(pg);
		return 2;
	}
	fprintf(out, "%d case%s, %lld events: %s\n", cases, cases == 1 ? "" : "s", events,
	        broken ? "BROKEN" : "every chain verifies");
	PQclear(r);
	PQfinish(pg);
	return broken ? 1 : 0;
}

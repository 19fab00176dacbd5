-- stats_scale_naive.sql - the raw limit of stats_scale.sh: the unit measures
-- of a period by a plain GROUP BY over cases and case_events, no rollups.
-- Variables: from, to (the first and last day, inclusive, in the city's
-- days), zone (the city's time zone).
--
-- The definitions are those of migration 0013 (stats_case_facts,
-- stats_event_facts): a case is due in the period when its deadline falls
-- on one of its days and a unit holds it or held it (dispatched, in
-- progress, resolved, closed); closed on time when closed and its last
-- resolve came no later than the deadline; reworked and extended at least
-- once; suspended ones counted apart. Urges are the 'urge' events made in
-- the period, against the unit their data names.
WITH b AS (SELECT (:'from'::date)::timestamp AT TIME ZONE :'zone' AS lo,
                  (:'to'::date + 1)::timestamp AT TIME ZONE :'zone' AS hi),
d AS (SELECT c.unit_id, count(*) AS due, count(*) FILTER (WHERE c.suspended) AS due_suspended,
             count(*) FILTER (WHERE c.state = 'closed') AS closed,
             count(*) FILTER (WHERE c.state = 'closed' AND c.resolved_at <= c.due_at) AS closed_on_time,
             count(*) FILTER (WHERE c.rework_count > 0) AS reworked,
             count(*) FILTER (WHERE c.extension_count > 0) AS extended
      FROM cases c, b
      WHERE c.due_at >= b.lo AND c.due_at < b.hi
        AND c.state IN ('dispatched', 'in_progress', 'resolved', 'closed')
      GROUP BY c.unit_id),
u AS (SELECT coalesce((e.data ->> 'unit_id')::bigint, 0) AS unit_id, count(*) AS urges
      FROM case_events e, b
      WHERE e.kind = 'urge' AND e.at >= b.lo AND e.at < b.hi
      GROUP BY 1)
SELECT coalesce(d.unit_id, u.unit_id) AS unit_id, coalesce(d.due, 0) AS due,
       coalesce(d.due_suspended, 0) AS due_suspended, coalesce(d.closed, 0) AS closed,
       coalesce(d.closed_on_time, 0) AS closed_on_time, coalesce(d.reworked, 0) AS reworked,
       coalesce(d.extended, 0) AS extended, coalesce(u.urges, 0) AS urges
FROM d FULL JOIN u ON u.unit_id = d.unit_id
ORDER BY 1;

-- 0017: the statistics of 0013, counted set by set, and a sixth grain.
--
-- The recount (stats_rebuild, stats_check) called stats_case_facts once per
-- case as a function with a plan of its own (a CTE referenced four times, a
-- subquery for the street, stats_hist_of run as a query per closed case):
-- about 20 s per 100,000 cases, so 40 minutes for a rebuild and as long
-- again for a check at ten million. Here the same definitions are written so
-- that PostgreSQL inlines them into the calling query:
--
--   * stats_case_facts and stats_event_facts are one SELECT over a VALUES
--     list, with the case's street passed in by the caller (a hash join over
--     the cells instead of one lookup per case);
--   * stats_hist_of is one expression, without FROM;
--   * the recount sums the finest rows (cell × day, reporter × day) straight
--     from the facts, and every coarser grain from those rows, with grouping
--     sets: one pass over the cases for each, no per-fact call to
--     stats_grains, the histogram summed bucket by bucket.
--
-- The definitions themselves do not change: what a case counts where is the
-- same, the triggers use the same functions as the recount, and stats_check
-- still compares the rollups the triggers kept with a recount from scratch.
--
-- district_month: month × district × unit, nothing else. The unit ranking
-- (GET /v1/assessments/{month}) and the closure table by unit without a
-- category or street filter read it: at ten million cases a year of it is a
-- few thousand rows where street_month has hundreds of thousands.

ALTER TABLE stats_rollup DROP CONSTRAINT stats_rollup_grain_check;
ALTER TABLE stats_rollup ADD CONSTRAINT stats_rollup_grain_check
    CHECK (grain IN ('cell_day', 'street_day', 'street_month', 'district_month', 'reporter_day', 'reporter_month'));

-- Buckets as in 0013/0016 (upper bounds 0.5 … 320 working hours, the last
-- open); NULL counts nowhere.
CREATE OR REPLACE FUNCTION stats_hist_of(p_seconds bigint) RETURNS integer[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[coalesce(p_seconds < 1800, false)::int,
                 coalesce(p_seconds >= 1800 AND p_seconds < 3600, false)::int,
                 coalesce(p_seconds >= 3600 AND p_seconds < 7200, false)::int,
                 coalesce(p_seconds >= 7200 AND p_seconds < 14400, false)::int,
                 coalesce(p_seconds >= 14400 AND p_seconds < 28800, false)::int,
                 coalesce(p_seconds >= 28800 AND p_seconds < 57600, false)::int,
                 coalesce(p_seconds >= 57600 AND p_seconds < 86400, false)::int,
                 coalesce(p_seconds >= 86400 AND p_seconds < 144000, false)::int,
                 coalesce(p_seconds >= 144000 AND p_seconds < 288000, false)::int,
                 coalesce(p_seconds >= 288000 AND p_seconds < 576000, false)::int,
                 coalesce(p_seconds >= 576000 AND p_seconds < 1152000, false)::int,
                 coalesce(p_seconds >= 1152000, false)::int]
$$;

-- The triggers of 0015 call the two-argument functions; they are replaced
-- below, before the old functions go.
CREATE FUNCTION stats_case_facts(c cases, p_zone text, p_street text) RETURNS SETOF stats_fact
LANGUAGE sql STABLE AS $$
    -- The definitions of 0013: reported, registered and dispatched on their
    -- days; on the day of the deadline, while a unit holds or held the case
    -- (dispatched, in progress, resolved, closed), everything judged
    -- against it. judged is 1 on that row only.
    SELECT c.id, f.day, p_street, c.cell_code, coalesce(c.unit_id, 0), c.category_kind, c.category_code,
           coalesce(c.reporter_id, 0),
           f.reported, f.registered, f.dispatched, f.judged,
           f.judged * c.suspended::int,
           f.judged * (c.state = 'closed')::int,
           f.judged * coalesce(c.state = 'closed' AND c.resolved_at <= c.due_at, false)::int,
           f.judged * (c.state IN ('dispatched', 'in_progress') AND c.overdue_at IS NOT NULL)::int,
           f.judged * (c.rework_count > 0)::int, f.judged * c.rework_count,
           f.judged * (c.extension_count > 0)::int, f.judged * c.extension_count,
           0, 0,
           f.judged * (c.state = 'closed' AND c.handling_s IS NOT NULL)::int,
           CASE WHEN f.judged = 1 AND c.state = 'closed' THEN coalesce(c.handling_s, 0) ELSE 0 END::bigint,
           CASE WHEN f.judged = 1 AND c.state = 'closed' AND c.handling_s IS NOT NULL
                THEN stats_hist_of(c.handling_s) END
    FROM (VALUES ((c.created_at AT TIME ZONE p_zone)::date, 1, 0, 0, 0),
                 ((c.registered_at AT TIME ZONE p_zone)::date, 0, 1, 0, 0),
                 ((c.dispatched_at AT TIME ZONE p_zone)::date, 0, 0, 1, 0),
                 (CASE WHEN c.state IN ('dispatched', 'in_progress', 'resolved', 'closed')
                       THEN (c.due_at AT TIME ZONE p_zone)::date END, 0, 0, 0, 1))
         f (day, reported, registered, dispatched, judged)
    WHERE f.day IS NOT NULL
$$;

-- Returns and urges, against the unit, cell and category the event names;
-- p_street is that cell's street.
CREATE FUNCTION stats_event_facts(e case_events, p_zone text, p_street text) RETURNS SETOF stats_fact
LANGUAGE sql STABLE AS $$
    SELECT e.case_id, (e.at AT TIME ZONE p_zone)::date, p_street,
           e.data ->> 'cell', coalesce((e.data ->> 'unit_id')::bigint, 0),
           split_part(e.data ->> 'category', ':', 1), split_part(e.data ->> 'category', ':', 2), 0::bigint,
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           (e.kind = 'return')::int, (e.kind = 'urge')::int, 0, 0::bigint, NULL::integer[]
    WHERE e.kind IN ('return', 'urge') AND e.data ? 'cell'
$$;

-- A cell's street code ('' for a cell unknown or outside any community).
CREATE FUNCTION stats_street_of(p_community text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(left(p_community, 9), '')
$$;

CREATE OR REPLACE FUNCTION stats_on_cases() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text := stats_zone();
    facts stats_fact[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        facts := ARRAY(SELECT f FROM new_rows n LEFT JOIN grid_cells g ON g.code = n.cell_code,
                              stats_case_facts(n, zone, stats_street_of(g.community_code)) f);
    ELSE
        facts := ARRAY(SELECT f FROM new_rows n LEFT JOIN grid_cells g ON g.code = n.cell_code,
                              stats_case_facts(n, zone, stats_street_of(g.community_code)) f
                       UNION ALL
                       SELECT stats_fact_neg(f) FROM old_rows o LEFT JOIN grid_cells g ON g.code = o.cell_code,
                              stats_case_facts(o, zone, stats_street_of(g.community_code)) f);
    END IF;
    IF cardinality(facts) > 0 THEN
        PERFORM stats_apply(facts);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION stats_on_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    facts stats_fact[];
BEGIN
    facts := ARRAY(SELECT f FROM new_events e LEFT JOIN grid_cells g ON g.code = e.data ->> 'cell',
                          stats_event_facts(e, stats_zone(), stats_street_of(g.community_code)) f
                   WHERE e.kind IN ('return', 'urge'));
    IF cardinality(facts) > 0 THEN
        PERFORM stats_apply(facts);
    END IF;
    RETURN NULL;
END
$$;

DROP FUNCTION stats_case_facts(cases, text);
DROP FUNCTION stats_event_facts(case_events, text);

-- The rows one fact adds to, as in 0013, and the district's month.
CREATE OR REPLACE FUNCTION stats_grains(x stats_fact)
RETURNS TABLE (grain text, period date, street_code text, cell_code text, unit_id bigint,
               category_kind text, category_code text, reporter_id bigint)
LANGUAGE sql IMMUTABLE AS $$
    SELECT g.* FROM (VALUES
        ('cell_day', x.day, x.street_code, x.cell_code, x.unit_id, x.category_kind, x.category_code, 0::bigint),
        ('street_day', x.day, x.street_code, '', x.unit_id, x.category_kind, x.category_code, 0),
        ('street_month', date_trunc('month', x.day)::date, x.street_code, '', x.unit_id, x.category_kind,
         x.category_code, 0),
        ('district_month', date_trunc('month', x.day)::date, left(x.street_code, 6), '', x.unit_id, '', '', 0),
        ('reporter_day', x.day, x.street_code, '', 0, '', '', x.reporter_id),
        ('reporter_month', date_trunc('month', x.day)::date, x.street_code, '', 0, '', '', x.reporter_id)
    ) g (grain, period, street_code, cell_code, unit_id, category_kind, category_code, reporter_id)
    WHERE g.grain NOT LIKE 'reporter%' OR x.reporter_id <> 0
$$;

-- The recount, set by set. The finest rows come from the facts; the street
-- and district grains from the cell rows; the reporter's month with its
-- days. The histogram is summed bucket by bucket with the built-in sum, and
-- the cell rows' sums are integers again, so the coarser sums stay in
-- 64-bit accumulators rather than numeric ones.
CREATE OR REPLACE FUNCTION stats_recount() RETURNS SETOF stats_rollup LANGUAGE sql STABLE AS $$
    WITH z AS MATERIALIZED (SELECT stats_zone() AS zone),
    facts AS NOT MATERIALIZED (
        SELECT f.*, date_trunc('month', f.day)::date AS month
        FROM z CROSS JOIN cases c LEFT JOIN grid_cells g ON g.code = c.cell_code
             CROSS JOIN LATERAL stats_case_facts(c, z.zone, stats_street_of(g.community_code)) f
        UNION ALL
        SELECT f.*, date_trunc('month', f.day)::date
        FROM z CROSS JOIN case_events e LEFT JOIN grid_cells g ON g.code = e.data ->> 'cell'
             CROSS JOIN LATERAL stats_event_facts(e, z.zone, stats_street_of(g.community_code)) f
        WHERE e.kind IN ('return', 'urge')),
    cell_day AS (
        SELECT day AS period, street_code, cell_code, unit_id, category_kind, category_code,
               sum(reported)::int reported, sum(registered)::int registered, sum(dispatched)::int dispatched,
               sum(due)::int due, sum(due_suspended)::int due_suspended, sum(closed)::int closed,
               sum(closed_on_time)::int closed_on_time, sum(overdue)::int overdue, sum(reworked)::int reworked,
               sum(reworks)::int reworks, sum(extended)::int extended, sum(extensions)::int extensions,
               sum(returns)::int returns, sum(urges)::int urges, sum(handled)::int handled,
               sum(handling_s)::bigint handling_s,
               coalesce(sum(hist[1]), 0)::int h1, coalesce(sum(hist[2]), 0)::int h2,
               coalesce(sum(hist[3]), 0)::int h3, coalesce(sum(hist[4]), 0)::int h4,
               coalesce(sum(hist[5]), 0)::int h5, coalesce(sum(hist[6]), 0)::int h6,
               coalesce(sum(hist[7]), 0)::int h7, coalesce(sum(hist[8]), 0)::int h8,
               coalesce(sum(hist[9]), 0)::int h9, coalesce(sum(hist[10]), 0)::int h10,
               coalesce(sum(hist[11]), 0)::int h11, coalesce(sum(hist[12]), 0)::int h12
        FROM facts
        GROUP BY day, street_code, cell_code, unit_id, category_kind, category_code),
    coarser AS (
        SELECT CASE WHEN GROUPING(period) = 0 THEN 'street_day'
                    WHEN GROUPING(street_code) = 0 THEN 'street_month' ELSE 'district_month' END AS grain,
               coalesce(period, month) AS period, coalesce(street_code, district) AS street_code, unit_id,
               coalesce(category_kind, '') AS category_kind, coalesce(category_code, '') AS category_code,
               sum(reported) reported, sum(registered) registered, sum(dispatched) dispatched, sum(due) due,
               sum(due_suspended) due_suspended, sum(closed) closed, sum(closed_on_time) closed_on_time,
               sum(overdue) overdue, sum(reworked) reworked, sum(reworks) reworks, sum(extended) extended,
               sum(extensions) extensions, sum(returns) returns, sum(urges) urges, sum(handled) handled,
               sum(handling_s) handling_s, sum(h1) h1, sum(h2) h2, sum(h3) h3, sum(h4) h4, sum(h5) h5,
               sum(h6) h6, sum(h7) h7, sum(h8) h8, sum(h9) h9, sum(h10) h10, sum(h11) h11, sum(h12) h12
        FROM (SELECT d.*, date_trunc('month', d.period)::date AS month, left(d.street_code, 6) AS district
              FROM cell_day d) d
        GROUP BY GROUPING SETS ((period, street_code, unit_id, category_kind, category_code),
                                (month, street_code, unit_id, category_kind, category_code),
                                (month, district, unit_id))),
    reporters AS (
        SELECT CASE WHEN GROUPING(day) = 0 THEN 'reporter_day' ELSE 'reporter_month' END AS grain,
               coalesce(day, month) AS period, street_code, reporter_id,
               sum(reported) reported, sum(registered) registered, sum(dispatched) dispatched, sum(due) due,
               sum(due_suspended) due_suspended, sum(closed) closed, sum(closed_on_time) closed_on_time,
               sum(overdue) overdue, sum(reworked) reworked, sum(reworks) reworks, sum(extended) extended,
               sum(extensions) extensions, sum(returns) returns, sum(urges) urges, sum(handled) handled,
               sum(handling_s) handling_s,
               coalesce(sum(hist[1]), 0) h1, coalesce(sum(hist[2]), 0) h2, coalesce(sum(hist[3]), 0) h3,
               coalesce(sum(hist[4]), 0) h4, coalesce(sum(hist[5]), 0) h5, coalesce(sum(hist[6]), 0) h6,
               coalesce(sum(hist[7]), 0) h7, coalesce(sum(hist[8]), 0) h8, coalesce(sum(hist[9]), 0) h9,
               coalesce(sum(hist[10]), 0) h10, coalesce(sum(hist[11]), 0) h11, coalesce(sum(hist[12]), 0) h12
        FROM facts WHERE reporter_id <> 0
        GROUP BY GROUPING SETS ((day, street_code, reporter_id), (month, street_code, reporter_id))),
    every AS (
        SELECT 'cell_day' AS grain, period, street_code, cell_code, unit_id, category_kind, category_code,
               0::bigint AS reporter_id, reported, registered, dispatched, due, due_suspended, closed,
               closed_on_time, overdue, reworked, reworks, extended, extensions, returns, urges, handled,
               handling_s, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12
        FROM cell_day
        UNION ALL
        SELECT grain, period, street_code, '', unit_id, category_kind, category_code, 0, reported, registered,
               dispatched, due, due_suspended, closed, closed_on_time, overdue, reworked, reworks, extended,
               extensions, returns, urges, handled, handling_s, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12
        FROM coarser
        UNION ALL
        SELECT grain, period, street_code, '', 0, '', '', reporter_id, reported, registered, dispatched, due,
               due_suspended, closed, closed_on_time, overdue, reworked, reworks, extended, extensions, returns,
               urges, handled, handling_s, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12
        FROM reporters)
    SELECT grain, period, street_code, cell_code, unit_id, category_kind, category_code, reporter_id,
           reported::int, registered::int, dispatched::int, due::int, due_suspended::int, closed::int,
           closed_on_time::int, overdue::int, reworked::int, reworks::int, extended::int, extensions::int,
           returns::int, urges::int, handled::int, handling_s::bigint,
           ARRAY[h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12]::integer[]
    FROM every
$$;

-- The district months, from the street months already kept.
INSERT INTO stats_rollup
SELECT 'district_month', period, left(street_code, 6), '', unit_id, '', '', 0,
       sum(reported), sum(registered), sum(dispatched), sum(due), sum(due_suspended), sum(closed),
       sum(closed_on_time), sum(overdue), sum(reworked), sum(reworks), sum(extended), sum(extensions),
       sum(returns), sum(urges), sum(handled), sum(handling_s),
       ARRAY[sum(hist[1]), sum(hist[2]), sum(hist[3]), sum(hist[4]), sum(hist[5]), sum(hist[6]), sum(hist[7]),
             sum(hist[8]), sum(hist[9]), sum(hist[10]), sum(hist[11]), sum(hist[12])]::integer[]
FROM stats_rollup WHERE grain = 'street_month'
GROUP BY period, left(street_code, 6), unit_id;

-- Rows that differ between the rollups and a recount, as in 0013 (the kept
-- row, the recounted row, or both), by one join on the key: at ten million
-- cases both sides have tens of millions of rows, and the two EXCEPT ALLs
-- of 0013 each hashed all of them without spilling to disk.
CREATE OR REPLACE FUNCTION stats_check() RETURNS SETOF stats_rollup LANGUAGE sql STABLE AS $$
    WITH live AS (SELECT * FROM stats_rollup
                  WHERE (reported, registered, dispatched, due, due_suspended, closed, closed_on_time, overdue,
                         reworked, reworks, extended, extensions, returns, urges, handled, handling_s)
                        <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                     OR hist <> stats_hist_of(NULL)),
    diff AS (SELECT l, f
             FROM live l FULL JOIN stats_recount() f
                  USING (grain, period, street_code, cell_code, unit_id, category_kind, category_code, reporter_id)
             WHERE l IS DISTINCT FROM f)
    SELECT (l).* FROM diff WHERE l IS NOT NULL
    UNION ALL
    SELECT (f).* FROM diff WHERE f IS NOT NULL
$$;

-- 0019: two more grains, so that the other common dashboards read a few
-- thousand rollup rows too (measured at ten million cases, see
-- tests/bench/README.md):
--
--   district_day  day × district × unit: a daily or weekly series, and the
--                 days at the edges of a range, by unit, without a category
--                 or street filter (a year by week read every street's
--                 categories: 0.9 s);
--   cell_month    month × cell, nothing else: the closure table by cell or
--                 community without a unit or category filter (a month by
--                 cell read every day's unit and category rows: 2 s).
--
-- Both are sums of cell_day rows, so they are filled from them here; the
-- triggers add to them through stats_grains, the recount sums them from the
-- cell rows like the other coarse grains.

ALTER TABLE stats_rollup DROP CONSTRAINT stats_rollup_grain_check;
ALTER TABLE stats_rollup ADD CONSTRAINT stats_rollup_grain_check
    CHECK (grain IN ('cell_day', 'street_day', 'street_month', 'district_day', 'district_month', 'cell_month',
                     'reporter_day', 'reporter_month'));

CREATE OR REPLACE FUNCTION stats_grains(x stats_fact)
RETURNS TABLE (grain text, period date, street_code text, cell_code text, unit_id bigint,
               category_kind text, category_code text, reporter_id bigint)
LANGUAGE sql IMMUTABLE AS $$
    SELECT g.* FROM (VALUES
        ('cell_day', x.day, x.street_code, x.cell_code, x.unit_id, x.category_kind, x.category_code, 0::bigint),
        ('street_day', x.day, x.street_code, '', x.unit_id, x.category_kind, x.category_code, 0),
        ('street_month', date_trunc('month', x.day)::date, x.street_code, '', x.unit_id, x.category_kind,
         x.category_code, 0),
        ('district_day', x.day, left(x.street_code, 6), '', x.unit_id, '', '', 0),
        ('district_month', date_trunc('month', x.day)::date, left(x.street_code, 6), '', x.unit_id, '', '', 0),
        ('cell_month', date_trunc('month', x.day)::date, x.street_code, x.cell_code, 0, '', '', 0),
        ('reporter_day', x.day, x.street_code, '', 0, '', '', x.reporter_id),
        ('reporter_month', date_trunc('month', x.day)::date, x.street_code, '', 0, '', '', x.reporter_id)
    ) g (grain, period, street_code, cell_code, unit_id, category_kind, category_code, reporter_id)
    WHERE g.grain NOT LIKE 'reporter%' OR x.reporter_id <> 0
$$;

-- The recount of 0017 with the two grains among the coarse ones.
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
        SELECT CASE WHEN GROUPING(period) = 0 AND GROUPING(street_code) = 0 THEN 'street_day'
                    WHEN GROUPING(period) = 0 THEN 'district_day'
                    WHEN GROUPING(cell_code) = 0 THEN 'cell_month'
                    WHEN GROUPING(street_code) = 0 THEN 'street_month' ELSE 'district_month' END AS grain,
               coalesce(period, month) AS period, coalesce(street_code, district) AS street_code,
               coalesce(cell_code, '') AS cell_code, coalesce(unit_id, 0) AS unit_id,
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
                                (month, district, unit_id),
                                (period, district, unit_id),
                                (month, street_code, cell_code))),
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
        SELECT grain, period, street_code, cell_code, unit_id, category_kind, category_code, 0, reported,
               registered, dispatched, due, due_suspended, closed, closed_on_time, overdue, reworked, reworks,
               extended, extensions, returns, urges, handled, handling_s, h1, h2, h3, h4, h5, h6, h7, h8, h9,
               h10, h11, h12
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

INSERT INTO stats_rollup
SELECT g.grain, g.period, g.street_code, g.cell_code, g.unit_id, '', '', 0,
       sum(reported), sum(registered), sum(dispatched), sum(due), sum(due_suspended), sum(closed),
       sum(closed_on_time), sum(overdue), sum(reworked), sum(reworks), sum(extended), sum(extensions),
       sum(returns), sum(urges), sum(handled), sum(handling_s),
       ARRAY[sum(hist[1]), sum(hist[2]), sum(hist[3]), sum(hist[4]), sum(hist[5]), sum(hist[6]), sum(hist[7]),
             sum(hist[8]), sum(hist[9]), sum(hist[10]), sum(hist[11]), sum(hist[12])]::integer[]
FROM stats_rollup s
CROSS JOIN LATERAL (VALUES
        ('district_day', s.period, left(s.street_code, 6), '', s.unit_id),
        ('cell_month', date_trunc('month', s.period)::date, s.street_code, s.cell_code, 0::bigint))
     g (grain, period, street_code, cell_code, unit_id)
WHERE s.grain = 'cell_day'
GROUP BY 1, 2, 3, 4, 5;

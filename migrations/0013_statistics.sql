-- 0013: what supervisors measure (GB/T 30428.4, CJ/T 292), kept current in
-- the transaction of every change, so that no dashboard scans the cases.
--
-- A case contributes "facts" to the days it touched, in the city's time zone
-- (stats_case_facts): reported on the day it was made, registered, dispatched,
-- and on the day of its deadline everything judged against that deadline
-- (due, closed, closed on time, reworked, extended, overdue, handling time).
-- A trigger on cases takes the old row's facts away and adds the new row's,
-- so the rollups always equal a recount (stats_recount) by construction.
-- Returns (回退) and urges (督办) are counted from their events, against the
-- unit that had the case at that moment.
--
-- The rollups hold the facts at five grains (stats_grains): cell × day (the
-- finest: day × street × cell × unit × category), street × day and
-- street × month (unit × category within a street), and reporter × day and
-- reporter × month. Rates and scores are computed from the counts by gridd
-- (server/src/domain/measures.c), never stored.

ALTER TABLE cases
    ADD COLUMN reporter_id bigint REFERENCES users (id),
    ADD COLUMN handling_s  bigint CHECK (handling_s >= 0);
COMMENT ON COLUMN cases.reporter_id IS 'who filed the report that opened the case';
COMMENT ON COLUMN cases.handling_s IS 'working seconds from dispatch to the last resolve';
UPDATE cases c SET reporter_id = e.actor_id FROM case_events e WHERE e.case_id = c.id AND e.seq = 1;

-- Which statistics rules apply: data, edited through /v1/stats/settings.
INSERT INTO gridd_settings (key, value) VALUES
    ('stats.rules', '{"exclude_suspended": true, "min_sample": 5}'),
    ('assessment.weights', '{"on_time_closure": 40, "closure": 30, "rework": 15, "extension": 10, "urges": 5}')
ON CONFLICT (key) DO NOTHING;

-- One fact: counts a case (or an event) adds to one day. Handling times go
-- into a histogram of working hours; the bucket bounds are those of
-- measures.c (MEASURES_HIST_BOUNDS).
CREATE TYPE stats_fact AS (
    case_id        bigint,
    day            date,
    street_code    text,
    cell_code      text,
    unit_id        bigint,
    category_kind  text,
    category_code  text,
    reporter_id    bigint,
    reported       integer,
    registered     integer,
    dispatched     integer,
    due            integer,
    due_suspended  integer,
    closed         integer,
    closed_on_time integer,
    overdue        integer,
    reworked       integer,
    reworks        integer,
    extended       integer,
    extensions     integer,
    returns        integer,
    urges          integer,
    handled        integer,
    handling_s     bigint,
    hist           integer[]
);

CREATE FUNCTION stats_zone() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT value #>> '{}' FROM gridd_settings WHERE key = 'city.time_zone'), 'Asia/Shanghai')
$$;

-- Upper bounds of the handling-time buckets, in working seconds: 0.5, 1, 2,
-- 4, 8, 16, 24, 40, 80, 160 and 320 working hours; the last bucket is open.
CREATE FUNCTION stats_hist_of(p_seconds bigint) RETURNS integer[] LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg(CASE WHEN i = width_bucket(p_seconds,
               ARRAY[1800, 3600, 7200, 14400, 28800, 57600, 86400, 144000, 288000, 576000, 1152000]::bigint[])
           THEN 1 ELSE 0 END ORDER BY i)
    FROM generate_series(0, 11) i
$$;

CREATE FUNCTION stats_hist_add(a integer[], b integer[]) RETURNS integer[] LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a
           ELSE (SELECT array_agg(x + y ORDER BY i) FROM unnest(a, b) WITH ORDINALITY t(x, y, i)) END
$$;
CREATE AGGREGATE stats_hist_sum(integer[]) (SFUNC = stats_hist_add, STYPE = integer[]);

CREATE FUNCTION stats_hist_neg(a integer[]) RETURNS integer[] LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg(-x ORDER BY i) FROM unnest(a) WITH ORDINALITY t(x, i)
$$;

-- The definitions, written once. A case is due (应结案) on the day of its
-- deadline while a unit holds it or after: dispatched, in progress, resolved,
-- closed. A returned case waiting for re-dispatch, a cancelled or merged one
-- is not. Closed on time (按期结案): closed, and the unit's last resolve came
-- no later than the deadline. Overdue (超期): still with the unit and marked
-- overdue by the sweeper. Suspended cases are counted apart (due_suspended)
-- so the rule that excludes them is applied when reading.
CREATE FUNCTION stats_case_facts(c cases, p_zone text) RETURNS SETOF stats_fact LANGUAGE sql STABLE AS $$
    WITH k AS (SELECT c.id AS case_id,
                      coalesce((SELECT left(g.community_code, 9) FROM grid_cells g WHERE g.code = c.cell_code), '')
                          AS street_code,
                      c.cell_code, coalesce(c.unit_id, 0) AS unit_id, c.category_kind, c.category_code,
                      coalesce(c.reporter_id, 0) AS reporter_id,
                      c.state IN ('dispatched', 'in_progress', 'resolved', 'closed') AS held,
                      c.state = 'closed' AS closed)
    SELECT k.case_id, (c.created_at AT TIME ZONE p_zone)::date, k.street_code, k.cell_code, k.unit_id,
           k.category_kind, k.category_code, k.reporter_id,
           1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0::bigint, NULL::integer[]
    FROM k
    UNION ALL
    SELECT k.case_id, (c.registered_at AT TIME ZONE p_zone)::date, k.street_code, k.cell_code, k.unit_id,
           k.category_kind, k.category_code, k.reporter_id,
           0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL
    FROM k WHERE c.registered_at IS NOT NULL
    UNION ALL
    SELECT k.case_id, (c.dispatched_at AT TIME ZONE p_zone)::date, k.street_code, k.cell_code, k.unit_id,
           k.category_kind, k.category_code, k.reporter_id,
           0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL
    FROM k WHERE c.dispatched_at IS NOT NULL
    UNION ALL
    SELECT k.case_id, (c.due_at AT TIME ZONE p_zone)::date, k.street_code, k.cell_code, k.unit_id,
           k.category_kind, k.category_code, k.reporter_id,
           0, 0, 0, 1, c.suspended::int, k.closed::int,
           coalesce(k.closed AND c.resolved_at <= c.due_at, false)::int,
           (c.state IN ('dispatched', 'in_progress') AND c.overdue_at IS NOT NULL)::int,
           (c.rework_count > 0)::int, c.rework_count, (c.extension_count > 0)::int, c.extension_count,
           0, 0,
           (k.closed AND c.handling_s IS NOT NULL)::int,
           CASE WHEN k.closed THEN coalesce(c.handling_s, 0) ELSE 0 END,
           CASE WHEN k.closed AND c.handling_s IS NOT NULL THEN stats_hist_of(c.handling_s) END
    FROM k WHERE c.due_at IS NOT NULL AND k.held
$$;

-- Returns and urges: the event itself records the unit, cell and category
-- it was made against (cases.c puts them into the event's data).
CREATE FUNCTION stats_event_facts(e case_events, p_zone text) RETURNS SETOF stats_fact LANGUAGE sql STABLE AS $$
    SELECT e.case_id, (e.at AT TIME ZONE p_zone)::date,
           coalesce((SELECT left(g.community_code, 9) FROM grid_cells g WHERE g.code = e.data ->> 'cell'), ''),
           e.data ->> 'cell', coalesce((e.data ->> 'unit_id')::bigint, 0),
           split_part(e.data ->> 'category', ':', 1), split_part(e.data ->> 'category', ':', 2), 0::bigint,
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           (e.kind = 'return')::int, (e.kind = 'urge')::int, 0, 0::bigint, NULL::integer[]
    WHERE e.kind IN ('return', 'urge') AND e.data ? 'cell'
$$;

CREATE TABLE stats_rollup (
    grain          text NOT NULL
                   CHECK (grain IN ('cell_day', 'street_day', 'street_month', 'reporter_day', 'reporter_month')),
    period         date NOT NULL,
    street_code    text NOT NULL,
    cell_code      text NOT NULL,
    unit_id        bigint NOT NULL,
    category_kind  text NOT NULL,
    category_code  text NOT NULL,
    reporter_id    bigint NOT NULL,
    reported       integer NOT NULL,
    registered     integer NOT NULL,
    dispatched     integer NOT NULL,
    due            integer NOT NULL,
    due_suspended  integer NOT NULL,
    closed         integer NOT NULL,
    closed_on_time integer NOT NULL,
    overdue        integer NOT NULL,
    reworked       integer NOT NULL,
    reworks        integer NOT NULL,
    extended       integer NOT NULL,
    extensions     integer NOT NULL,
    returns        integer NOT NULL,
    urges          integer NOT NULL,
    handled        integer NOT NULL,
    handling_s     bigint NOT NULL,
    hist           integer[] NOT NULL,
    PRIMARY KEY (grain, period, street_code, cell_code, unit_id, category_kind, category_code, reporter_id)
);
COMMENT ON TABLE stats_rollup IS 'counts per grain and period; unused dimensions are '''' or 0; see migration 0013';

-- The rows one fact adds to: a dimension a grain does not keep is '' or 0.
-- Reporter grains only for cases a person reported.
CREATE FUNCTION stats_grains(x stats_fact)
RETURNS TABLE (grain text, period date, street_code text, cell_code text, unit_id bigint,
               category_kind text, category_code text, reporter_id bigint)
LANGUAGE sql IMMUTABLE AS $$
    SELECT g.* FROM (VALUES
        ('cell_day', x.day, x.street_code, x.cell_code, x.unit_id, x.category_kind, x.category_code, 0::bigint),
        ('street_day', x.day, x.street_code, '', x.unit_id, x.category_kind, x.category_code, 0),
        ('street_month', date_trunc('month', x.day)::date, x.street_code, '', x.unit_id, x.category_kind,
         x.category_code, 0),
        ('reporter_day', x.day, x.street_code, '', 0, '', '', x.reporter_id),
        ('reporter_month', date_trunc('month', x.day)::date, x.street_code, '', 0, '', '', x.reporter_id)
    ) g (grain, period, street_code, cell_code, unit_id, category_kind, category_code, reporter_id)
    WHERE g.grain NOT LIKE 'reporter%' OR x.reporter_id <> 0
$$;

-- A published month (通报) is frozen: its rows are kept as they were.
CREATE TABLE assessments (
    month        date PRIMARY KEY CHECK (month = date_trunc('month', month)::date),
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by bigint NOT NULL REFERENCES users (id),
    rules        jsonb NOT NULL,
    rows         jsonb NOT NULL
);

-- Changes that reached a day of a month after it was published. They do not
-- touch the published rows; they count in the month in which they came
-- (counted_in) and are listed with it.
CREATE TABLE stats_late_changes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id        bigint NOT NULL REFERENCES cases (id),
    month          date NOT NULL REFERENCES assessments (month),
    counted_in     date NOT NULL,
    at             timestamptz NOT NULL DEFAULT now(),
    unit_id        bigint NOT NULL,
    due            integer NOT NULL,
    due_suspended  integer NOT NULL,
    closed         integer NOT NULL,
    closed_on_time integer NOT NULL,
    reworked       integer NOT NULL,
    extended       integer NOT NULL,
    urges          integer NOT NULL
);
CREATE INDEX stats_late_changes_counted ON stats_late_changes (counted_in, unit_id);
CREATE INDEX stats_late_changes_month ON stats_late_changes (month);

-- Adds facts (negative ones take away) to the rollups, in key order so that
-- two transactions touching the same rows cannot deadlock.
CREATE FUNCTION stats_apply(p_facts stats_fact[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_rollup AS s
    SELECT g.grain, g.period, g.street_code, g.cell_code, g.unit_id, g.category_kind, g.category_code,
           g.reporter_id, sum(x.reported), sum(x.registered), sum(x.dispatched), sum(x.due),
           sum(x.due_suspended), sum(x.closed), sum(x.closed_on_time), sum(x.overdue), sum(x.reworked),
           sum(x.reworks), sum(x.extended), sum(x.extensions), sum(x.returns), sum(x.urges),
           sum(x.handled), sum(x.handling_s), coalesce(stats_hist_sum(x.hist), stats_hist_of(NULL))
    FROM unnest(p_facts) x CROSS JOIN LATERAL stats_grains(x) g
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
    ON CONFLICT (grain, period, street_code, cell_code, unit_id, category_kind, category_code, reporter_id)
    DO UPDATE SET reported = s.reported + excluded.reported, registered = s.registered + excluded.registered,
        dispatched = s.dispatched + excluded.dispatched, due = s.due + excluded.due,
        due_suspended = s.due_suspended + excluded.due_suspended, closed = s.closed + excluded.closed,
        closed_on_time = s.closed_on_time + excluded.closed_on_time, overdue = s.overdue + excluded.overdue,
        reworked = s.reworked + excluded.reworked, reworks = s.reworks + excluded.reworks,
        extended = s.extended + excluded.extended, extensions = s.extensions + excluded.extensions,
        returns = s.returns + excluded.returns, urges = s.urges + excluded.urges,
        handled = s.handled + excluded.handled, handling_s = s.handling_s + excluded.handling_s,
        hist = stats_hist_add(s.hist, excluded.hist);

    -- After publication: the change is listed and counted in this month.
    INSERT INTO stats_late_changes (case_id, month, counted_in, unit_id, due, due_suspended, closed,
                                    closed_on_time, reworked, extended, urges)
    SELECT x.case_id, a.month, date_trunc('month', now() AT TIME ZONE stats_zone())::date, x.unit_id,
           sum(x.due), sum(x.due_suspended), sum(x.closed), sum(x.closed_on_time), sum(x.reworked),
           sum(x.extended), sum(x.urges)
    FROM unnest(p_facts) x JOIN assessments a ON a.month = date_trunc('month', x.day)::date
    GROUP BY x.case_id, a.month, x.unit_id
    HAVING sum(x.due) <> 0 OR sum(x.due_suspended) <> 0 OR sum(x.closed) <> 0 OR sum(x.closed_on_time) <> 0
        OR sum(x.reworked) <> 0 OR sum(x.extended) <> 0 OR sum(x.urges) <> 0;
END
$$;

CREATE FUNCTION stats_fact_neg(x stats_fact) RETURNS stats_fact LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(x.case_id, x.day, x.street_code, x.cell_code, x.unit_id, x.category_kind, x.category_code,
               x.reporter_id, -x.reported, -x.registered, -x.dispatched, -x.due, -x.due_suspended, -x.closed,
               -x.closed_on_time, -x.overdue, -x.reworked, -x.reworks, -x.extended, -x.extensions,
               -x.returns, -x.urges, -x.handled, -x.handling_s, stats_hist_neg(x.hist))::stats_fact
$$;

CREATE FUNCTION stats_on_case() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text := stats_zone();
    old_facts stats_fact[];
    new_facts stats_fact[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        old_facts := ARRAY(SELECT f FROM stats_case_facts(OLD, zone) f);
    END IF;
    new_facts := ARRAY(SELECT f FROM stats_case_facts(NEW, zone) f);
    IF old_facts IS NOT DISTINCT FROM new_facts THEN
        RETURN NULL;  -- version, hash chain, notes: nothing counted changed
    END IF;
    PERFORM stats_apply(new_facts || ARRAY(SELECT stats_fact_neg(f) FROM unnest(old_facts) f));
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_on_case AFTER INSERT OR UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION stats_on_case();

CREATE FUNCTION stats_on_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_apply(ARRAY(SELECT f FROM stats_event_facts(NEW, stats_zone()) f));
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_on_event AFTER INSERT ON case_events
    FOR EACH ROW WHEN (NEW.kind IN ('return', 'urge')) EXECUTE FUNCTION stats_on_event();

-- The recount: every case and event from scratch, at every grain. Rollup
-- rows whose counts all went back to zero are not in it.
CREATE FUNCTION stats_recount() RETURNS SETOF stats_rollup LANGUAGE sql STABLE AS $$
    WITH z AS (SELECT stats_zone() AS zone),
    facts AS (SELECT f FROM cases c, z, stats_case_facts(c, z.zone) f
              UNION ALL
              SELECT f FROM case_events e, z, stats_event_facts(e, z.zone) f WHERE e.kind IN ('return', 'urge'))
    SELECT g.grain, g.period, g.street_code, g.cell_code, g.unit_id, g.category_kind, g.category_code,
           g.reporter_id, sum((x.f).reported)::int, sum((x.f).registered)::int, sum((x.f).dispatched)::int,
           sum((x.f).due)::int, sum((x.f).due_suspended)::int, sum((x.f).closed)::int,
           sum((x.f).closed_on_time)::int, sum((x.f).overdue)::int, sum((x.f).reworked)::int,
           sum((x.f).reworks)::int, sum((x.f).extended)::int, sum((x.f).extensions)::int,
           sum((x.f).returns)::int, sum((x.f).urges)::int, sum((x.f).handled)::int,
           sum((x.f).handling_s)::bigint, coalesce(stats_hist_sum((x.f).hist), stats_hist_of(NULL))
    FROM facts x CROSS JOIN LATERAL stats_grains(x.f) g
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
$$;

-- Rows that differ between the rollups and a recount (none when all is well).
CREATE FUNCTION stats_check() RETURNS SETOF stats_rollup LANGUAGE sql STABLE AS $$
    WITH live AS (SELECT * FROM stats_rollup
                  WHERE (reported, registered, dispatched, due, due_suspended, closed, closed_on_time, overdue,
                         reworked, reworks, extended, extensions, returns, urges, handled, handling_s)
                        <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                     OR hist <> stats_hist_of(NULL)),
         fresh AS (SELECT * FROM stats_recount())
    (SELECT * FROM live EXCEPT ALL SELECT * FROM fresh)
    UNION ALL
    (SELECT * FROM fresh EXCEPT ALL SELECT * FROM live)
$$;

-- After a bulk load with triggers off, or a change of the city's time zone.
CREATE FUNCTION stats_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    LOCK TABLE stats_rollup IN EXCLUSIVE MODE;
    DELETE FROM stats_rollup;
    INSERT INTO stats_rollup SELECT * FROM stats_recount();
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Days are the city's days: a new time zone moves every fact.
CREATE FUNCTION stats_on_zone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.key = 'city.time_zone' AND (TG_OP = 'INSERT' OR OLD.value IS DISTINCT FROM NEW.value) THEN
        PERFORM stats_rebuild();
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_on_zone AFTER INSERT OR UPDATE ON gridd_settings
    FOR EACH ROW EXECUTE FUNCTION stats_on_zone();

SELECT stats_rebuild();

CREATE INDEX cases_reporter ON cases (reporter_id);

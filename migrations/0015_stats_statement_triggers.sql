-- 0015: the statistics triggers of 0013 run once per statement, not once per
-- row. A statement that changes many cases (the sweeper marks up to 1,000 at
-- a time; an operator's bulk fix) then applies all their facts in one sorted
-- upsert: every transaction takes the rollup rows it touches in one global
-- key order, so two of them cannot deadlock on the rollups, and a thousand
-- cases cost one pass instead of a thousand. Facts that cancel out (an
-- update that changes nothing counted) write nothing.

DROP TRIGGER stats_on_case ON cases;
DROP TRIGGER stats_on_event ON case_events;
DROP FUNCTION stats_on_case();
DROP FUNCTION stats_on_event();

CREATE OR REPLACE FUNCTION stats_apply(p_facts stats_fact[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_rollup AS s
    SELECT g.grain, g.period, g.street_code, g.cell_code, g.unit_id, g.category_kind, g.category_code,
           g.reporter_id, sum(x.reported), sum(x.registered), sum(x.dispatched), sum(x.due),
           sum(x.due_suspended), sum(x.closed), sum(x.closed_on_time), sum(x.overdue), sum(x.reworked),
           sum(x.reworks), sum(x.extended), sum(x.extensions), sum(x.returns), sum(x.urges),
           sum(x.handled), sum(x.handling_s), coalesce(stats_hist_sum(x.hist), stats_hist_of(NULL))
    FROM unnest(p_facts) x CROSS JOIN LATERAL stats_grains(x) g
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    -- a change of handling time always changes handling_s: the histogram needs no test of its own
    HAVING (sum(x.reported), sum(x.registered), sum(x.dispatched), sum(x.due), sum(x.due_suspended),
            sum(x.closed), sum(x.closed_on_time), sum(x.overdue), sum(x.reworked), sum(x.reworks),
            sum(x.extended), sum(x.extensions), sum(x.returns), sum(x.urges), sum(x.handled),
            sum(x.handling_s))
           <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
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

CREATE FUNCTION stats_on_cases() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text := stats_zone();
    facts stats_fact[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        facts := ARRAY(SELECT f FROM new_rows n, stats_case_facts(n, zone) f);
    ELSE
        facts := ARRAY(SELECT f FROM new_rows n, stats_case_facts(n, zone) f
                       UNION ALL
                       SELECT stats_fact_neg(f) FROM old_rows o, stats_case_facts(o, zone) f);
    END IF;
    IF cardinality(facts) > 0 THEN
        PERFORM stats_apply(facts);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_on_case_insert AFTER INSERT ON cases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_on_cases();
CREATE TRIGGER stats_on_case_update AFTER UPDATE ON cases
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_on_cases();

CREATE FUNCTION stats_on_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    facts stats_fact[];
BEGIN
    facts := ARRAY(SELECT f FROM new_events e, stats_event_facts(e, stats_zone()) f
                   WHERE e.kind IN ('return', 'urge'));
    IF cardinality(facts) > 0 THEN
        PERFORM stats_apply(facts);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_on_event_insert AFTER INSERT ON case_events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION stats_on_events();

-- Demo cases for `gridd demo` (run after the accounts): a dozen reports from
-- the demo grid workers, taken through the workflow to every kind of state,
-- with their audit chains made exactly as gridd makes them (case_event_hash),
-- so `gridd audit-verify` passes on the demo. Only when there are no cases.
DO $$
DECLARE
    r record;
    step text;
    cid bigint;
    rid uuid;
    unit bigint;
    reporter bigint;
    actor bigint;
    t timestamptz;
    n integer;
    prev text;
    h text;
    data jsonb;
    state text;
    next_state text;
    due timestamptz;
BEGIN
    IF EXISTS (SELECT 1 FROM cases) THEN
        RETURN;
    END IF;
    FOR r IN SELECT * FROM (VALUES
        ('event', '0102', '110101001001001', 116.40040, 39.91030, '垃圾桶满溢，周边垃圾散落', 'worker1', 5, ARRAY['verify', 'dispatch', 'accept']),
        ('event', '0104', '110101001001002', 116.40170, 39.91050, '人行道有大片油污，行人易滑倒', 'worker1', 4, ARRAY['verify', 'dispatch']),
        ('event', '0107', '110101001001003', 116.40300, 39.91060, '楼门口堆放废旧家具', 'worker1', 3, ARRAY[]::text[]),
        ('event', '0108', '110101001001001', 116.40080, 39.91070, '绿地内烟头纸屑较多', 'worker1', 30, ARRAY['verify', 'dispatch', 'accept', 'resolve', 'check']),
        ('component', '0104', '110101001002001', 116.40060, 39.91220, '井盖缺失，已设置临时围挡', 'worker2', 2, ARRAY['verify', 'dispatch', 'accept']),
        ('event', '0101', '110101001002002', 116.40180, 39.91240, '小区内私搭彩钢板房', 'worker2', 50, ARRAY['verify', 'dispatch', 'accept', 'request-extension']),
        ('event', '0102', '110101002001001', 116.40420, 39.91040, '早市散场后地面垃圾未清', 'worker3', 26, ARRAY['verify', 'dispatch', 'accept', 'resolve']),
        ('event', '0107', '110101002001002', 116.40540, 39.91050, '共享单车乱停占用盲道', 'worker3', 1, ARRAY['verify']),
        ('event', '0108', '110101002001001', 116.40440, 39.91060, '重复上报：早市垃圾', 'worker3', 25, ARRAY['reject'])
    ) AS v(kind, code, cell, lon, lat, description, login, hours_ago, steps)
    LOOP
        SELECT id INTO reporter FROM users WHERE login = r.login;
        SELECT rc.unit_id INTO unit FROM route_case(r.kind, r.code, r.cell) rc;
        t := date_trunc('second', now()) - r.hours_ago * interval '1 hour';
        INSERT INTO cases (category_kind, category_code, cell_code, unit_id, urgent, location, description,
                           created_at, updated_at, reporter_id)
        VALUES (r.kind, r.code, r.cell, unit, r.kind = 'component' AND r.code = '0104',
                ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326), r.description, t, t, reporter)
        RETURNING id INTO cid;
        rid := gen_random_uuid();
        INSERT INTO reports (id, case_id, reporter_id, category_kind, category_code, location, crs, accuracy_m,
                             description, urgent, cell_code, unit_id, observed_at, created_at, updated_at)
        VALUES (rid, cid, reporter, r.kind, r.code, ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326), 'wgs84', 8,
                r.description, r.kind = 'component' AND r.code = '0104', r.cell, unit,
                t - interval '3 minutes', t, t);
        data := jsonb_build_object('report_id', rid, 'category', r.kind || ':' || r.code, 'cell', r.cell,
                                   'unit_id', unit);
        h := case_event_hash(NULL, cid, 1, 'reported', reporter, t, data);
        INSERT INTO case_events VALUES (cid, 1, 'reported', reporter, t, data, NULL, h);
        n := 1;
        prev := h;
        state := 'reported';
        FOREACH step IN ARRAY r.steps LOOP
            t := t + interval '25 minutes';
            n := n + 1;
            next_state := CASE step WHEN 'verify' THEN 'registered' WHEN 'reject' THEN 'rejected'
                WHEN 'dispatch' THEN 'dispatched' WHEN 'accept' THEN 'in_progress'
                WHEN 'resolve' THEN 'resolved' WHEN 'check' THEN 'closed' ELSE state END;
            SELECT id INTO actor FROM users WHERE login = CASE
                WHEN step IN ('verify', 'reject', 'dispatch') THEN 'dispatcher1'
                WHEN step = 'check' THEN r.login
                ELSE (SELECT login FROM users WHERE role = 'unit_staff' AND unit_id = unit ORDER BY id LIMIT 1)
            END;
            actor := coalesce(actor, (SELECT id FROM users WHERE login = 'dispatcher1'));
            data := jsonb_build_object('from', state, 'to', next_state);
            IF step = 'dispatch' THEN
                due := t + interval '4 hours';
                data := data || jsonb_build_object('unit_id', unit, 'due_at', due);
            ELSIF step = 'reject' THEN
                data := data || jsonb_build_object('reason', '与已上报案件重复');
            ELSIF step = 'request-extension' THEN
                data := data || jsonb_build_object('reason', '需协调执法部门联合拆除',
                                                   'proposed_due_at', t + interval '5 days');
            ELSIF step = 'check' THEN
                data := data || jsonb_build_object('result', 'passed');
            END IF;
            h := case_event_hash(prev, cid, n, replace(step, '-', '_'), actor, t, data);
            INSERT INTO case_events VALUES (cid, n, replace(step, '-', '_'), actor, t, data, prev, h);
            UPDATE cases SET state = next_state,
                registered_at = CASE WHEN step = 'verify' THEN t ELSE registered_at END,
                dispatched_at = CASE WHEN step = 'dispatch' THEN t ELSE dispatched_at END,
                due_at = CASE WHEN step = 'dispatch' THEN due ELSE due_at END,
                resolved_at = CASE WHEN step = 'resolve' THEN t ELSE resolved_at END,
                -- the demo counts elapsed time as working time
                handling_s = CASE WHEN step = 'resolve'
                                  THEN extract(epoch FROM t - dispatched_at)::bigint ELSE handling_s END,
                closed_at = CASE WHEN step = 'check' THEN t ELSE closed_at END,
                extension_pending = extension_pending OR step = 'request-extension',
                proposed_due_at = CASE WHEN step = 'request-extension' THEN t + interval '5 days'
                                       ELSE proposed_due_at END
            WHERE id = cid;
            prev := h;
            state := next_state;
        END LOOP;
        UPDATE cases SET event_count = n, last_hash = prev, updated_at = t, version = n WHERE id = cid;
        UPDATE reports SET updated_at = t WHERE id = rid;
    END LOOP;
END
$$;

-- stats_scale_plan.sql - the workflow actions stats_scale.sh runs through
-- gridd on the loaded cases, one JSON line per case:
--   {"case": id, "group": name, "steps": [[who, action, body], ...]}
-- who is a demo account (dispatcher1, supervisor1, unit1, unit2). Variables:
-- k (cases per group), lo and hi (last month, as timestamptz: half of each
-- group's cases have their deadline there, so the month compared against
-- the naive count moves), proposed (an RFC 3339 time in the future).
-- Resolving by unit1 needs categories without a required "after" photo.
WITH pool AS (
    SELECT c.id, c.state, c.unit_id, c.suspended, c.extension_pending, c.due_at,
           c.due_at >= :'lo'::timestamptz AND c.due_at < :'hi'::timestamptz AS last_month,
           NOT k.after_photo_required AS no_photo
    FROM cases c JOIN categories k ON k.kind = c.category_kind AND k.code = c.category_code
    WHERE c.state IN ('registered', 'dispatched', 'in_progress', 'resolved')),
g AS (
    SELECT 'cycle' AS grp, id, last_month FROM pool
        WHERE state = 'dispatched' AND unit_id = 1 AND NOT suspended AND no_photo
    UNION ALL SELECT 'rework', id, last_month FROM pool
        WHERE state = 'in_progress' AND unit_id = 1 AND NOT suspended AND NOT extension_pending AND no_photo
    UNION ALL SELECT 'check', id, last_month FROM pool WHERE state = 'resolved'
    UNION ALL SELECT 'urge', id, last_month FROM pool
        WHERE state IN ('dispatched', 'in_progress') AND NOT suspended
    UNION ALL SELECT 'suspend', id, last_month FROM pool
        WHERE state IN ('dispatched', 'in_progress') AND NOT suspended
    UNION ALL SELECT 'resume', id, last_month FROM pool WHERE suspended
    UNION ALL SELECT 'return', id, last_month FROM pool
        WHERE state IN ('dispatched', 'in_progress') AND unit_id = 2 AND NOT suspended
    UNION ALL SELECT 'extension', id, last_month FROM pool
        WHERE state = 'in_progress' AND unit_id = 1 AND NOT suspended AND NOT extension_pending
    UNION ALL SELECT 'decide', id, last_month FROM pool WHERE extension_pending AND NOT suspended
    UNION ALL SELECT 'cancel', id, last_month FROM pool
    UNION ALL SELECT 'dispatch', id, last_month FROM pool WHERE state = 'registered'),
picked AS (
    SELECT grp, id, row_number() OVER (PARTITION BY grp, last_month ORDER BY random()) AS r, last_month
    FROM g)
SELECT json_build_object('case', p.id, 'group', p.grp, 'steps', CASE p.grp
    WHEN 'cycle' THEN '[["unit1", "accept"], ["unit1", "resolve"], ["dispatcher1", "check", {"result": "passed"}]]'::json
    WHEN 'rework' THEN '[["unit1", "resolve"], ["dispatcher1", "check", {"result": "failed", "note": "仍未处置到位"}], ["unit1", "resolve"], ["dispatcher1", "check", {"result": "passed"}]]'
    WHEN 'check' THEN '[["dispatcher1", "check", {"result": "passed"}]]'
    WHEN 'urge' THEN '[["supervisor1", "urge", {"note": "请加快处置"}], ["supervisor1", "urge", {"note": "再次督办"}]]'
    WHEN 'suspend' THEN CASE WHEN p.id % 2 = 0
        THEN '[["supervisor1", "suspend", {"reason": "需协调多部门"}], ["supervisor1", "resume"]]'::json
        ELSE '[["supervisor1", "suspend", {"reason": "需协调多部门"}]]'::json END
    WHEN 'resume' THEN '[["supervisor1", "resume"]]'
    WHEN 'return' THEN '[["unit2", "return", {"reason": "不属于本单位职责"}], ["dispatcher1", "dispatch", {"unit_id": 1}]]'
    WHEN 'extension' THEN json_build_array(
        json_build_array('unit1', 'request-extension', json_build_object('reason', '需采购材料', 'proposed_due_at', :'proposed')),
        json_build_array('supervisor1', CASE WHEN p.id % 2 = 0 THEN 'approve-extension' ELSE 'deny-extension' END))
    WHEN 'decide' THEN '[["supervisor1", "approve-extension"]]'
    WHEN 'cancel' THEN '[["supervisor1", "cancel", {"reason": "重复立案"}]]'
    WHEN 'dispatch' THEN json_build_array(json_build_array('dispatcher1', 'dispatch',
        json_build_object('unit_id', (SELECT unit_id FROM cases WHERE id = p.id))))
    END)
FROM picked p
WHERE p.r <= (:k + 1) / 2
ORDER BY random();

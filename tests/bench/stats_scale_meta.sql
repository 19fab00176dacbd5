-- stats_scale_meta.sql - what stats_scale_gen.mjs needs to know about the
-- city, as one JSON document: the window (:months whole months ending last
-- month, in the city's time zone), the next case id, the cells with their
-- boxes, the active minor categories with their time limits, the unit
-- route_case() picks for every (cell, category), the accounts that act.
\set ON_ERROR_STOP 1
WITH z AS (SELECT stats_zone() AS zone),
b AS (SELECT date_trunc('month', now() AT TIME ZONE z.zone) AS this_month, z.zone FROM z),
cats AS (
    SELECT row_number() OVER (ORDER BY kind, code) - 1 AS i, kind, code, default_unit_id, limit_value,
           limit_unit, urgent_limit_value, urgent_limit_unit, urgent_by_default, after_photo_required
    FROM categories WHERE char_length(code) = 4 AND active),
cells AS (
    SELECT row_number() OVER (ORDER BY code) - 1 AS i, code, community_code,
           ST_XMin(geom) AS x0, ST_YMin(geom) AS y0, ST_XMax(geom) AS x1, ST_YMax(geom) AS y1
    FROM grid_cells)
SELECT json_build_object(
    'zone', b.zone,
    'now', extract(epoch FROM now())::bigint,
    'start', extract(epoch FROM (b.this_month - (:months || ' months')::interval) AT TIME ZONE b.zone)::bigint,
    'end', extract(epoch FROM b.this_month AT TIME ZONE b.zone)::bigint,
    'first_id', (SELECT coalesce(max(id), 0) + 1 FROM cases),
    'categories', (SELECT json_agg(json_build_object('kind', kind, 'code', code,
                       'limit', json_build_array(limit_value, limit_unit),
                       'urgent_limit', CASE WHEN urgent_limit_value IS NOT NULL
                                            THEN json_build_array(urgent_limit_value, urgent_limit_unit) END,
                       'urgent_by_default', urgent_by_default, 'after_photo', after_photo_required)
                       ORDER BY i) FROM cats),
    'cells', (SELECT json_agg(json_build_array(code, community_code, x0, y0, x1, y1) ORDER BY i) FROM cells),
    -- routes[cell index][category index] = unit id
    'routes', (SELECT json_agg(r.units ORDER BY r.i) FROM (
                   SELECT g.i, json_agg(rc.unit_id ORDER BY k.i) AS units
                   FROM cells g CROSS JOIN cats k
                   LEFT JOIN LATERAL route_case(k.kind, k.code, g.code) rc ON true
                   GROUP BY g.i) r),
    'units', (SELECT json_agg(id ORDER BY id) FROM units WHERE active),
    -- grid workers by community (the cells they patrol), all of them
    'workers', (SELECT json_object_agg(c, ids) FROM (
                    SELECT left(uc.cell_code, 12) AS c, json_agg(DISTINCT u.id) AS ids
                    FROM users u JOIN user_cells uc ON uc.user_id = u.id
                    WHERE u.role = 'grid_worker' AND u.active GROUP BY 1) w),
    'all_workers', (SELECT json_agg(id ORDER BY id) FROM users WHERE role = 'grid_worker' AND active),
    'supervisor', (SELECT min(id) FROM users WHERE role = 'supervisor' AND active),
    'unit_staff', (SELECT json_object_agg(unit_id, id) FROM (
                       SELECT DISTINCT ON (unit_id) unit_id, id FROM users
                       WHERE role = 'unit_staff' AND active ORDER BY unit_id, id) s))
FROM b;

/*
 * reports_sql.h - SQL fragments shared by the report handlers.
 *
 * A report answers as one JSON object built by PostgreSQL (REPORT_JSON), so
 * intake, single reads and lists answer the same shape. The fragments expect
 * the aliases r (reports), g (grid_cells), u (units, left-joined), w (users:
 * the reporter).
 */
#ifndef GRIDD_API_REPORTS_SQL_H
#define GRIDD_API_REPORTS_SQL_H

/* The states in which a case still needs work: where duplicates are looked for. */
#define CASE_OPEN_STATES "('reported', 'registered', 'dispatched', 'in_progress', 'resolved')"

/* The joins REPORT_JSON needs, after "FROM reports r" (or a CTE named r). */
#define REPORT_JOINS                                                                         \
	" JOIN grid_cells g ON g.code = r.cell_code LEFT JOIN units u ON u.id = r.unit_id"     \
	" JOIN users w ON w.id = r.reporter_id"

/* The report as JSON text; `state` is an SQL expression for the case's state. */
#define REPORT_JSON(state)                                                                   \
	"json_build_object('id', r.id, 'case_id', r.case_id,"                                   \
	" 'category', r.category_kind || ':' || r.category_code,"                               \
	" 'location', json_build_object('type', 'Point', 'coordinates',"                        \
	"   json_build_array(round(ST_X(r.location)::numeric, 7), round(ST_Y(r.location)::numeric, 7))),"  \
	" 'crs', r.crs, 'accuracy_m', r.accuracy_m, 'address', r.address,"                      \
	" 'description', r.description, 'urgent', r.urgent,"                                    \
	" 'observed_at', r.observed_at, 'created_at', r.created_at, 'updated_at', r.updated_at," \
	" 'reporter', json_build_object('id', w.id, 'login', w.login, 'display_name', w.display_name)," \
	" 'cell', json_build_object('code', g.code, 'name', g.name),"                           \
	" 'unit', CASE WHEN u.id IS NULL THEN NULL ELSE json_build_object('id', u.id, 'name', u.name) END," \
	" 'flags', to_json(r.flags), 'status', " state ","                                      \
	" 'photos', (SELECT coalesce(json_agg(json_build_object('sha256', cp.sha256, 'kind', cp.kind," \
	"   'flags', to_json(cp.flags)) ORDER BY cp.created_at, cp.sha256), '[]')"                \
	"   FROM case_photos cp WHERE cp.report_id = r.id))::text"

/*
 * Who may see a report (mirrors auth/policy.c's policy_in_scope, in SQL so
 * lists filter in the database): $1 user id, $2 role, $3 area code ('' =
 * the whole city), $4 unit id (0 = none). c is the report's case.
 *   admin: all; dispatcher, supervisor: cells in their area; grid worker:
 *   their cells and their own reports; unit staff: cases dispatched to their
 *   unit or a sub-unit.
 */
#define REPORT_SCOPE                                                                         \
	" ($2 = 'admin'"                                                                          \
	"  OR ($2 IN ('dispatcher', 'supervisor') AND r.cell_code LIKE $3 || '%')"              \
	"  OR ($2 = 'grid_worker' AND (r.reporter_id = $1::bigint"                               \
	"      OR r.cell_code IN (SELECT cell_code FROM user_cells WHERE user_id = $1::bigint)))" \
	"  OR ($2 = 'unit_staff' AND c.state IN ('dispatched', 'in_progress', 'resolved', 'closed')" \
	"      AND c.unit_id IN (WITH RECURSIVE sub AS (SELECT id FROM units WHERE id = $4::bigint" \
	"        UNION SELECT s.id FROM units s JOIN sub ON s.parent_id = sub.id) SELECT id FROM sub)))"

/*
 * Who may see a case (the rule of cases.c's cases_in_scope, in SQL): $1 user,
 * $2 role, $3 area ('' = city), $4 unit; c is the case.
 */
#define CASE_SCOPE                                                                            \
	" ($2 = 'admin'"                                                                          \
	"  OR ($2 IN ('dispatcher', 'supervisor') AND c.cell_code LIKE $3 || '%')"              \
	"  OR ($2 = 'grid_worker' AND c.cell_code IN (SELECT cell_code FROM user_cells WHERE user_id = $1::bigint))" \
	"  OR ($2 = 'unit_staff' AND c.state IN ('dispatched', 'in_progress', 'resolved', 'closed')" \
	"      AND c.unit_id IN (WITH RECURSIVE sub AS (SELECT id FROM units WHERE id = $4::bigint" \
	"        UNION SELECT s.id FROM units s JOIN sub ON s.parent_id = sub.id) SELECT id FROM sub)))"

#endif

/*
 * cells_geojson.c - checking GeoJSON grid cells before PostGIS sees them,
 * and the SQL that checks and writes them. See cells_geojson.h.
 */
#include "geo/cells_geojson.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/codes.h"
#include "http/json_body.h"

void cells_geojson_problem(json_t **errors, long feature, const char *pointer_tail,
                           const char *detail)
{
	char pointer[160];
	if (feature >= 0)
		snprintf(pointer, sizeof(pointer), "/features/%ld%s", feature, pointer_tail);
	else
		snprintf(pointer, sizeof(pointer), "%s", pointer_tail);
	json_t *e = json_pack("{s:s, s:s}", "pointer", pointer, "detail", detail);
	if (!e)
		return;
	if (feature >= 0)
		json_object_set_new(e, "feature", json_integer(feature));
	if (!*errors)
		*errors = json_array();
	if (*errors)
		json_array_append_new(*errors, e);
	else
		json_decref(e);
}

/* ---- geometry ------------------------------------------------------------ */

/* A feature's bounding box, for the candidate pairs of the overlap check. */
struct box {
	double x0, y0, x1, y1;
	long feature;
};

struct walk {
	char where[160];    /* pointer tail of the first problem */
	char detail[160];
	size_t positions;   /* counted over the feature */
	struct box box;     /* grown over every position */
};

static bool fail(struct walk *w, const char *where, const char *detail)
{
	snprintf(w->where, sizeof(w->where), "%s", where);
	snprintf(w->detail, sizeof(w->detail), "%s", detail);
	return false;
}

static bool position_ok(const json_t *p, const char *where, struct walk *w, double *lon,
                        double *lat)
{
	size_t n = json_is_array(p) ? json_array_size(p) : 0;
	if (n != 2 && n != 3)
		return fail(w, where, "a position is [longitude, latitude] (optionally with a height)");
	for (size_t k = 0; k < n; k++)
		if (!json_is_number(json_array_get(p, k)))
			return fail(w, where, "a position holds numbers only");
	*lon = json_number_value(json_array_get(p, 0));
	*lat = json_number_value(json_array_get(p, 1));
	if (!isfinite(*lon) || *lon < -180 || *lon > 180)
		return fail(w, where, "longitude out of range: WGS-84 degrees from -180 to 180 (RFC 7946)");
	if (!isfinite(*lat) || *lat < -90 || *lat > 90)
		return fail(w, where, "latitude out of range: WGS-84 degrees from -90 to 90 (RFC 7946)");
	return true;
}

static bool ring_ok(const json_t *ring, const char *where, struct walk *w)
{
	size_t n = json_is_array(ring) ? json_array_size(ring) : 0;
	if (n < 4)
		return fail(w, where, "a linear ring has at least 4 positions");
	w->positions += n;
	if (w->positions > CELLS_GEOJSON_MAX_FEATURE_POSITIONS) {
		char detail[96];
		snprintf(detail, sizeof(detail), "more than %d positions in one cell",
		         CELLS_GEOJSON_MAX_FEATURE_POSITIONS);
		return fail(w, where, detail);
	}
	double first_lon = 0, first_lat = 0, lon = 0, lat = 0;
	for (size_t i = 0; i < n; i++) {
		char at[160];
		snprintf(at, sizeof(at), "%.100s/%zu", where, i);
		if (!position_ok(json_array_get(ring, i), at, w, &lon, &lat))
			return false;
		if (i == 0) {
			first_lon = lon;
			first_lat = lat;
		}
		w->box.x0 = fmin(w->box.x0, lon);
		w->box.y0 = fmin(w->box.y0, lat);
		w->box.x1 = fmax(w->box.x1, lon);
		w->box.y1 = fmax(w->box.y1, lat);
	}
	if (lon != first_lon || lat != first_lat)
		return fail(w, where, "a linear ring is closed: its last position repeats its first");
	return true;
}

static bool polygon_ok(const json_t *rings, const char *where, struct walk *w)
{
	if (!json_is_array(rings) || json_array_size(rings) == 0)
		return fail(w, where, "a polygon is a non-empty array of linear rings");
	for (size_t i = 0; i < json_array_size(rings); i++) {
		char at[160];
		snprintf(at, sizeof(at), "%.100s/%zu", where, i);
		if (!ring_ok(json_array_get(rings, i), at, w))
			return false;
	}
	return true;
}

static bool geometry_ok(const json_t *g, struct walk *w)
{
	if (!json_is_object(g))
		return fail(w, "/geometry", "a grid cell needs a Polygon or MultiPolygon geometry");
	const char *type = json_string_value(json_object_get(g, "type"));
	const json_t *coords = json_object_get(g, "coordinates");
	if (!type || (strcmp(type, "Polygon") != 0 && strcmp(type, "MultiPolygon") != 0)) {
		char detail[128];
		snprintf(detail, sizeof(detail), "geometry type %.40s: a grid cell is a Polygon or a MultiPolygon",
		         type ? type : "(none)");
		return fail(w, "/geometry/type", detail);
	}
	if (strcmp(type, "Polygon") == 0)
		return polygon_ok(coords, "/geometry/coordinates", w);
	if (!json_is_array(coords) || json_array_size(coords) == 0)
		return fail(w, "/geometry/coordinates", "a MultiPolygon is a non-empty array of polygons");
	for (size_t i = 0; i < json_array_size(coords); i++) {
		char at[160];
		snprintf(at, sizeof(at), "/geometry/coordinates/%zu", i);
		if (!polygon_ok(json_array_get(coords, i), at, w))
			return false;
	}
	return true;
}

/* ---- properties ---------------------------------------------------------- */

/* An optional whole number >= 0 (or null); sets *out to it or to null. */
static bool count_ok(const json_t *props, const char *key, json_t **out, long feature,
                     json_t **errors)
{
	const json_t *v = json_object_get(props, key);
	if (!v || json_is_null(v)) {
		*out = json_null();
		return true;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX) {
		char tail[48];
		snprintf(tail, sizeof(tail), "/properties/%s", key);
		cells_geojson_problem(errors, feature, tail, "a whole number from 0 to 2147483647, or null");
		return false;
	}
	*out = json_integer(json_integer_value(v));
	return true;
}

/* An optional name of 1-100 characters (or null). */
static bool name_ok(const json_t *props, const char *key, bool required, json_t **out,
                    long feature, json_t **errors)
{
	const json_t *v = json_object_get(props, key);
	if ((!v || json_is_null(v)) && !required) {
		*out = json_null();
		return true;
	}
	if (!json_text(v, 1, 100)) {
		char tail[48];
		snprintf(tail, sizeof(tail), "/properties/%s", key);
		cells_geojson_problem(errors, feature, tail,
		                      required ? "required: a name of 1 to 100 characters"
		                               : "a name of 1 to 100 characters, or null");
		return false;
	}
	*out = json_stringn(json_string_value(v), json_string_length(v));
	return true;
}

/* The cell code: properties.code, else the Feature's string id. */
static const json_t *code_of(const json_t *feature, const json_t *props, const char **tail)
{
	const json_t *code = json_object_get(props, "code");
	*tail = "/properties/code";
	if (!code) {
		code = json_object_get(feature, "id");
		*tail = "/id";
	}
	return code;
}

/* ---- candidate pairs ------------------------------------------------------ */

static int by_west_edge(const void *a, const void *b)
{
	const struct box *x = a, *y = b;
	return x->x0 < y->x0 ? -1 : x->x0 > y->x0 ? 1 : (x->feature > y->feature) - (x->feature < y->feature);
}

/*
 * The pairs [i, j] (i < j) of features whose boxes meet: sort by the west
 * edge and sweep, O(n log n + pairs), instead of PostgreSQL comparing every
 * pair of a file's cells (which it cannot index inside one statement). Cells
 * that tile meet their eight neighbours, so pairs stay about 4 per cell.
 */
static json_t *touching_pairs(struct box *boxes, size_t n)
{
	json_t *pairs = json_array();
	qsort(boxes, n, sizeof(*boxes), by_west_edge);
	for (size_t a = 0; pairs && a < n; a++)
		for (size_t b = a + 1; b < n && boxes[b].x0 <= boxes[a].x1; b++) {
			if (boxes[b].y0 > boxes[a].y1 || boxes[a].y0 > boxes[b].y1)
				continue;
			long i = boxes[a].feature, j = boxes[b].feature;
			if (json_array_append_new(pairs, json_pack("[I, I]", (json_int_t)(i < j ? i : j),
			                                           (json_int_t)(i < j ? j : i))) < 0) {
				json_decref(pairs);
				return NULL;
			}
		}
	return pairs;
}

/* ---- the document -------------------------------------------------------- */

static bool type_is(const json_t *object, const char *type)
{
	const char *t = json_string_value(json_object_get(object, "type"));
	return t && strcmp(t, type) == 0;
}

static bool collection_ok(const json_t *doc, size_t max_features, json_t **errors)
{
	if (!json_is_object(doc) || !type_is(doc, "FeatureCollection")) {
		cells_geojson_problem(errors, -1, "/type", "a GeoJSON FeatureCollection (RFC 7946)");
		return false;
	}
	const json_t *crs = json_object_get(doc, "crs");
	if (crs) {
		/* RFC 7946 dropped "crs": coordinates are WGS-84. Old files may still
		 * name it; anything else is a projected file we would misplace. */
		const char *name = json_string_value(
		        json_object_get(json_object_get(crs, "properties"), "name"));
		if (!name || (strcmp(name, "urn:ogc:def:crs:OGC:1.3:CRS84") != 0 &&
		              strcmp(name, "urn:ogc:def:crs:EPSG::4326") != 0 &&
		              strcmp(name, "EPSG:4326") != 0)) {
			cells_geojson_problem(errors, -1, "/crs",
			                      "coordinates must be WGS-84 longitude, latitude (RFC 7946): "
			                      "reproject the file first");
			return false;
		}
	}
	const json_t *features = json_object_get(doc, "features");
	if (!json_is_array(features) || json_array_size(features) == 0 ||
	    json_array_size(features) > max_features) {
		char detail[96];
		snprintf(detail, sizeof(detail), "an array of 1 to %zu features", max_features);
		cells_geojson_problem(errors, -1, "/features", detail);
		return false;
	}
	return true;
}

json_t *cells_geojson_check(const json_t *doc, size_t max_features, json_t **errors)
{
	json_t *before = *errors;
	size_t problems_before = before ? json_array_size(before) : 0;
	if (!collection_ok(doc, max_features, errors))
		return NULL;
	const json_t *features = json_object_get(doc, "features");
	json_t *cells = json_array();
	json_t *seen = json_object();   /* code -> first feature index */
	size_t nboxes = 0;
	struct box *boxes = malloc(json_array_size(features) * sizeof(*boxes));
	if (!boxes || !cells || !seen) {
		free(boxes);
		json_decref(cells);
		json_decref(seen);
		cells_geojson_problem(errors, -1, "", "out of memory");
		return NULL;
	}
	size_t total_positions = 0;
	for (size_t i = 0; i < json_array_size(features); i++) {
		const json_t *f = json_array_get(features, i);
		long fi = (long)i;
		if (!json_is_object(f) || !type_is(f, "Feature")) {
			cells_geojson_problem(errors, fi, "/type", "a GeoJSON Feature");
			continue;
		}
		bool ok = true;
		struct walk w = {{0}, {0}, 0, {INFINITY, INFINITY, -INFINITY, -INFINITY, fi}};
		if (!geometry_ok(json_object_get(f, "geometry"), &w)) {
			cells_geojson_problem(errors, fi, w.where, w.detail);
			ok = false;
		}
		total_positions += w.positions;
		const json_t *props = json_object_get(f, "properties");
		if (!json_is_object(props)) {
			cells_geojson_problem(errors, fi, "/properties", "an object with the cell's code and name");
			continue;
		}
		const char *code_tail;
		const json_t *code = code_of(f, props, &code_tail);
		const char *code_text = json_string_value(code);
		size_t code_len = code_text ? json_string_length(code) : 0;
		enum codes_result cr = code_text ? codes_check_grid_cell(code_text, code_len) : CODES_EMPTY;
		if (cr != CODES_OK) {
			char detail[160];
			snprintf(detail, sizeof(detail),
			         "a grid cell code: 12-digit community code + 3-digit sequence (%s)",
			         codes_reason(cr));
			cells_geojson_problem(errors, fi, code_tail, detail);
			ok = false;
		} else {
			const json_t *first = json_object_get(seen, code_text);
			if (first) {
				char detail[96];
				snprintf(detail, sizeof(detail), "code %s is also used by feature %lld", code_text,
				         (long long)json_integer_value(first));
				cells_geojson_problem(errors, fi, code_tail, detail);
				ok = false;
			} else {
				json_object_set_new(seen, code_text, json_integer(fi));
			}
		}
		json_t *name = NULL, *population = NULL, *households = NULL;
		json_t *district = NULL, *street = NULL, *community = NULL;
		ok &= name_ok(props, "name", true, &name, fi, errors);
		ok &= count_ok(props, "population", &population, fi, errors);
		ok &= count_ok(props, "households", &households, fi, errors);
		ok &= name_ok(props, "district_name", false, &district, fi, errors);
		ok &= name_ok(props, "street_name", false, &street, fi, errors);
		ok &= name_ok(props, "community_name", false, &community, fi, errors);
		json_t *cell = NULL;
		if (ok)
			cell = json_pack("{s:I, s:s%, s:o, s:O, s:o, s:o, s:o, s:o, s:o}", "i", (json_int_t)fi,
			                 "code", code_text, code_len, "name", name, "geometry",
			                 json_object_get(f, "geometry"), "population", population,
			                 "households", households, "district_name", district,
			                 "street_name", street, "community_name", community);
		else {
			json_decref(name);
			json_decref(population);
			json_decref(households);
			json_decref(district);
			json_decref(street);
			json_decref(community);
		}
		if (cell) {
			json_array_append_new(cells, cell);
			boxes[nboxes++] = w.box;
		}
	}
	json_decref(seen);
	if (total_positions > CELLS_GEOJSON_MAX_TOTAL_POSITIONS) {
		char detail[96];
		snprintf(detail, sizeof(detail), "more than %d positions in one file: split it",
		         CELLS_GEOJSON_MAX_TOTAL_POSITIONS);
		cells_geojson_problem(errors, -1, "/features", detail);
	}
	if (*errors && json_array_size(*errors) > problems_before) {
		free(boxes);
		json_decref(cells);
		return NULL;
	}
	json_t *pairs = touching_pairs(boxes, nboxes);
	free(boxes);
	if (pairs && json_array_size(pairs) > CELLS_GEOJSON_MAX_PAIRS) {
		json_decref(pairs);
		json_decref(cells);
		cells_geojson_problem(errors, -1, "/features",
		                      "the cells' boxes overlap far too often to be a grid: check the file");
		return NULL;
	}
	json_t *out = pairs ? json_pack("{s:o, s:o}", "cells", cells, "pairs", pairs) : NULL;
	if (!pairs)
		json_decref(cells);
	if (!out)
		cells_geojson_problem(errors, -1, "", "out of memory");
	return out;
}

/* ---- SQL ------------------------------------------------------------------ */

/* Serialises imports: each checks overlaps against the cells stored now. */
const char CELLS_GEOJSON_LOCK_SQL[] = "SELECT pg_advisory_xact_lock(7243001)";

const char CELLS_GEOJSON_IMPORT_SQL[] =
	"WITH doc AS MATERIALIZED (SELECT $1::jsonb AS d),"
	" f AS MATERIALIZED ("
	"  SELECT (e->>'i')::int AS i, e->>'code' AS code, e->>'name' AS name,"
	"   ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(e->>'geometry')), 4326) AS g,"
	"   (e->>'population')::int AS population, (e->>'households')::int AS households,"
	"   e->>'district_name' AS district_name, e->>'street_name' AS street_name,"
	"   e->>'community_name' AS community_name"
	"  FROM doc, jsonb_array_elements(d->'cells') e),"
	/* ST_IsValidDetail, unlike ST_IsValid, raises no NOTICE for bad shapes. */
	" checked AS MATERIALIZED (SELECT f.*, (ST_IsValidDetail(g)).valid AS valid FROM f),"
	" valid AS MATERIALIZED (SELECT i, code, g FROM checked WHERE valid),"
	" pairs AS (SELECT (p->>0)::int AS a, (p->>1)::int AS b FROM doc, jsonb_array_elements(d->'pairs') p),"
	" named AS ("
	"  SELECT 'district' AS level, left(code, 6) AS acode, district_name AS name, i FROM f"
	"   WHERE district_name IS NOT NULL"
	"  UNION ALL SELECT 'street', left(code, 9), street_name, i FROM f WHERE street_name IS NOT NULL"
	"  UNION ALL SELECT 'community', left(code, 12), community_name, i FROM f"
	"   WHERE community_name IS NOT NULL),"
	" first_name AS (SELECT DISTINCT ON (level, acode) level, acode, name, i FROM named"
	"  ORDER BY level, acode, i),"
	/* Neighbours share edges: only interiors that meet (DE-9IM T********)
	 * cost an intersection and an area. */
	" problems AS ("
	"  SELECT i, '/geometry' AS ptr, 'invalid geometry: ' || ST_IsValidReason(g) AS detail"
	"   FROM checked WHERE NOT valid"
	"  UNION ALL"
	"  SELECT n.i, '/properties/' || n.level || '_name',"
	"   format('%s %s is named %s by feature %s', n.level, n.acode, fn.name, fn.i)"
	"   FROM named n JOIN first_name fn USING (level, acode) WHERE n.name <> fn.name"
	"  UNION ALL"
	"  SELECT f.i, '/properties/code',"
	"   format('the %s %s is not known: give its name in %s_name to create it',"
	"          l.level, l.acode, l.level)"
	"   FROM f CROSS JOIN LATERAL (VALUES (1, 'district', left(f.code, 6)),"
	"    (2, 'street', left(f.code, 9)), (3, 'community', left(f.code, 12))) l(depth, level, acode)"
	"   WHERE NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = l.acode)"
	"     AND NOT EXISTS (SELECT 1 FROM first_name fn WHERE fn.level = l.level AND fn.acode = l.acode)"
	"  UNION ALL"
	"  SELECT b.i, '/geometry', format('overlaps feature %s (%s) by %s m²', a.i, a.code, round(o.m2::numeric, 1))"
	"   FROM pairs JOIN valid a ON a.i = pairs.a JOIN valid b ON b.i = pairs.b"
	"   CROSS JOIN LATERAL (SELECT CASE WHEN ST_Relate(a.g, b.g, 'T********')"
	"    THEN ST_Area(ST_Intersection(a.g, b.g)::geography) ELSE 0 END AS m2) o"
	"   WHERE o.m2 > $2::float8"
	"  UNION ALL"
	"  SELECT p.i, '/geometry', format('overlaps the stored cell %s (%s) by %s m²', p.code, p.name,"
	"   round(o.m2::numeric, 1))"
	/* OFFSET 0 keeps the cells the file replaces out before any ST_Relate. */
	"   FROM (SELECT v.i, v.g, c.code, c.name, c.geom FROM valid v JOIN grid_cells c ON c.geom && v.g"
	"         WHERE c.code NOT IN (SELECT code FROM f) OFFSET 0) p"
	"   CROSS JOIN LATERAL (SELECT CASE WHEN ST_Relate(p.geom, p.g, 'T********')"
	"    THEN ST_Area(ST_Intersection(p.geom, p.g)::geography) ELSE 0 END AS m2) o"
	"   WHERE o.m2 > $2::float8),"
	" ok AS (SELECT NOT EXISTS (SELECT 1 FROM problems) AS ok),"
	" areas_written AS ("
	"  INSERT INTO areas (code, name, level, parent_code)"
	"  SELECT acode, name, level, CASE level WHEN 'district' THEN NULL"
	"   WHEN 'street' THEN left(acode, 6) ELSE left(acode, 9) END"
	"  FROM first_name WHERE (SELECT ok FROM ok)"
	"  ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING code),"
	" cells_written AS ("
	"  INSERT INTO grid_cells (code, name, community_code, geom, population, households)"
	"  SELECT code, name, left(code, 12), ST_Multi(g), population, households FROM f"
	"   WHERE (SELECT ok FROM ok)"
	"  ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, geom = EXCLUDED.geom,"
	"   population = EXCLUDED.population, households = EXCLUDED.households, updated_at = now()"
	"  RETURNING (xmax = 0) AS created)"
	" SELECT 'problem', i, '/features/' || i || ptr, detail, NULL::bigint, NULL::bigint"
	"  FROM (SELECT * FROM problems ORDER BY i, ptr, detail) p"
	" UNION ALL"
	" SELECT 'imported', NULL, NULL, NULL, count(*) FILTER (WHERE created),"
	"  count(*) FILTER (WHERE NOT created)"
	"  FROM cells_written HAVING (SELECT ok FROM ok)";

const char CELLS_GEOJSON_EXPORT_SQL[] =
	"WITH sel AS ("
	"  SELECT c.code FROM grid_cells c"
	"  WHERE ($1 = '' OR c.code LIKE $1 || '%')"
	"    AND ($2 = '' OR ST_Intersects(c.geom, ST_MakeEnvelope(nullif($2, '')::float8,"
	"         nullif($3, '')::float8, nullif($4, '')::float8, nullif($5, '')::float8, 4326)))"
	"  ORDER BY c.code LIMIT $6::int + 1)"
	" SELECT (SELECT count(*) FROM sel),"
	"  json_build_object('type', 'FeatureCollection', 'features', coalesce((SELECT json_agg("
	"   json_build_object('type', 'Feature', 'id', c.code,"
	"    'geometry', ST_AsGeoJSON(c.geom, 7)::json,"
	"    'properties', json_build_object('code', c.code, 'name', c.name,"
	"     'population', c.population, 'households', c.households,"
	"     'district_code', d.code, 'district_name', d.name,"
	"     'street_code', s.code, 'street_name', s.name,"
	"     'community_code', m.code, 'community_name', m.name,"
	"     'leader', (SELECT l.login FROM users l WHERE l.id = c.leader_user_id),"
	"     'workers', (SELECT coalesce(json_agg(u.login ORDER BY u.login), '[]') FROM user_cells uc"
	"       JOIN users u ON u.id = uc.user_id AND u.active AND u.role = 'grid_worker'"
	"       WHERE uc.cell_code = c.code)))"
	"   ORDER BY c.code)"
	"   FROM (SELECT code FROM sel ORDER BY code LIMIT $6::int) pick"
	"   JOIN grid_cells c ON c.code = pick.code"
	"   JOIN areas m ON m.code = c.community_code JOIN areas s ON s.code = m.parent_code"
	"   JOIN areas d ON d.code = s.parent_code), '[]'::json))::text";

/*
 * cells.c - grid cells (单元网格).
 *
 * GET /v1/cells/locate?lon=&lat=[&crs=wgs84|gcj02|bd09]
 *     the cell containing a point. Chinese map SDKs give GCJ-02 (AMap,
 *     Tencent) or BD-09 (Baidu) coordinates: they are converted to WGS-84
 *     first (domain/coords.c). A point on the shared border of two cells
 *     belongs to the cell with the lowest code, so the answer is stable.
 * GET /v1/cells/{code}
 *     one cell with its GeoJSON geometry, community and grid workers.
 * GET /v1/cells?area=&bbox=
 *     the cells as a GeoJSON FeatureCollection (application/geo+json), all
 *     or those of an area (district, street or community code) and/or those
 *     meeting a bbox (min lon, min lat, max lon, max lat; WGS-84). The file
 *     imports back unchanged.
 * POST /v1/cells/import
 *     a GeoJSON FeatureCollection of cells, all or nothing (admins); the
 *     checks are in geo/cells_geojson.c, shared with `gridd import-cells`.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/authn.h"
#include "api/common.h"
#include "api/routes.h"
#include "domain/codes.h"
#include "domain/coords.h"
#include "geo/cells_geojson.h"
#include "limits.h"
#include "log.h"
#include "app.h"
#include "http/response.h"
#include "http/server.h"

/* Columns: code, name, community code, community name, street code, street
 * name, population, workers (json), geometry (GeoJSON text). */
#define CELL_COLUMNS                                                                           \
	"c.code, c.name, m.code, m.name, s.code, s.name, c.population,"                           \
	" coalesce((SELECT json_agg(json_build_object('id', u.id, 'login', u.login,"              \
	"   'display_name', u.display_name) ORDER BY u.login) FROM user_cells uc"                  \
	"   JOIN users u ON u.id = uc.user_id AND u.active AND u.role = 'grid_worker'"             \
	"   WHERE uc.cell_code = c.code), '[]'),"                                                   \
	" ST_AsGeoJSON(c.geom, 7)"                                                                  \
	" FROM grid_cells c JOIN areas m ON m.code = c.community_code"                              \
	" JOIN areas s ON s.code = m.parent_code"

static struct db_statement statements[] = {
	{"cells_locate",
	 "SELECT " CELL_COLUMNS
	 " WHERE ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 4326))"
	 " ORDER BY c.code LIMIT 1",
	 2, 0},
	{"cells_get", "SELECT " CELL_COLUMNS " WHERE c.code = $1", 1, 0},
	{"cells_export", CELLS_GEOJSON_EXPORT_SQL, 6, 0},
	{"cells_import_lock", CELLS_GEOJSON_LOCK_SQL, 0, 0},
	{"cells_import", CELLS_GEOJSON_IMPORT_SQL, 2, 0},
};
enum { STMT_LOCATE, STMT_GET, STMT_EXPORT, STMT_IMPORT_LOCK, STMT_IMPORT };

int cells_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

/* A cell row as JSON; with_geometry adds the GeoJSON geometry. */
static json_t *cell_json(const PGresult *res, bool with_geometry)
{
	json_error_t err;
	json_t *workers = json_loads(PQgetvalue(res, 0, 7), 0, &err);
	json_t *j = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:o}",
	                      "code", PQgetvalue(res, 0, 0), "name", PQgetvalue(res, 0, 1),
	                      "community", "code", PQgetvalue(res, 0, 2), "name", PQgetvalue(res, 0, 3),
	                      "street", "code", PQgetvalue(res, 0, 4), "name", PQgetvalue(res, 0, 5),
	                      "workers", workers ? workers : json_array());
	if (!j)
		return NULL;
	json_object_set_new(j, "population", PQgetisnull(res, 0, 6)
	                                             ? json_null()
	                                             : json_integer(atoll(PQgetvalue(res, 0, 6))));
	if (with_geometry) {
		json_t *geometry = json_loads(PQgetvalue(res, 0, 8), 0, &err);
		json_object_set_new(j, "geometry", geometry ? geometry : json_null());
	}
	return j;
}

struct locate {
	struct http_context *ctx;
	struct coords_point wgs;
	enum coords_system crs;
};

static void located(const struct db_result *r, void *arg)
{
	struct locate *l = arg;
	struct http_context *ctx = l->ctx;
	if (r->status != DB_OK) {
		free(l);
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) == 0) {
		char detail[160];
		snprintf(detail, sizeof(detail), "the point %.7f, %.7f (WGS-84) lies outside every grid cell",
		         l->wgs.lon, l->wgs.lat);
		free(l);
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, detail, NULL);
		return;
	}
	json_t *cell = cell_json(r->res, false);
	json_object_set_new(cell, "location",
	                    json_pack("{s:s, s:[f, f]}", "type", "Point", "coordinates", l->wgs.lon,
	                              l->wgs.lat));
	json_object_set_new(cell, "crs", json_string(coords_system_name(l->crs)));
	free(l);
	http_reply_json(ctx, 200, cell);
}

/* Parses a required finite number query parameter; adds an error otherwise. */
static bool number_param(struct http_context *ctx, const char *name, double min, double max,
                         double *out, json_t **errors)
{
	char *text = api_query_param(ctx, name);
	char pointer[32], detail[96];
	snprintf(pointer, sizeof(pointer), "/query/%s", name);
	bool ok = false;
	if (text && *text && strlen(text) < 32) {
		char *end;
		errno = 0;
		double v = strtod(text, &end);
		ok = !errno && *end == '\0' && isfinite(v) && v >= min && v <= max;
		if (ok)
			*out = v;
	}
	if (!ok) {
		snprintf(detail, sizeof(detail), "required: a decimal number of degrees from %g to %g", min,
		         max);
		problem_add_error(errors, pointer, detail);
	}
	free(text);
	return ok;
}

void cells_locate(struct http_context *ctx)
{
	json_t *errors = NULL;
	struct coords_point p = {0, 0};
	number_param(ctx, "lon", -180, 180, &p.lon, &errors);
	number_param(ctx, "lat", -90, 90, &p.lat, &errors);
	enum coords_system crs = COORDS_WGS84;
	char *crs_text = api_query_param(ctx, "crs");
	if (crs_text && coords_system_from_name(crs_text, strlen(crs_text), &crs) < 0)
		problem_add_error(&errors, "/query/crs", "one of wgs84, gcj02, bd09");
	free(crs_text);
	if (errors) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	struct locate *l = calloc(1, sizeof(*l));
	if (!l) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	l->ctx = ctx;
	l->crs = crs;
	l->wgs = coords_to_wgs84(crs, p);
	char lon[32], lat[32];
	snprintf(lon, sizeof(lon), "%.9f", l->wgs.lon);
	snprintf(lat, sizeof(lat), "%.9f", l->wgs.lat);
	const char *params[] = {lon, lat};
	db_query(io_thread_db(ctx->thread), &statements[STMT_LOCATE], params, located, l);
}

static void got_cell(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) == 0) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no grid cell with this code", NULL);
		return;
	}
	http_reply_json(ctx, 200, cell_json(r->res, true));
}

void cells_get(struct http_context *ctx)
{
	size_t len;
	const char *code = route_param(&ctx->match, "code", &len);
	if (!code || codes_check_grid_cell(code, len) != CODES_OK) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no grid cell with this code", NULL);
		return;
	}
	char text[16];
	snprintf(text, sizeof(text), "%.*s", (int)len, code);
	const char *params[] = {text};
	db_query(io_thread_db(ctx->thread), &statements[STMT_GET], params, got_cell, ctx);
}

/* ---- export ---- */

static void exported(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	if (atoll(PQgetvalue(r->res, 0, 0)) > LIMIT_CELLS_EXPORT) {
		char detail[128];
		snprintf(detail, sizeof(detail),
		         "more than %d cells match: narrow the export with area or bbox", LIMIT_CELLS_EXPORT);
		http_reply_problem(ctx, PROBLEM_UNPROCESSABLE, detail, NULL);
		return;
	}
	const char *text = PQgetvalue(r->res, 0, 1);
	http_reply_bytes(ctx, 200, "application/geo+json", text, (size_t)PQgetlength(r->res, 0, 1));
}

/* Parses bbox=minlon,minlat,maxlon,maxlat into four decimal strings. */
static bool parse_bbox(const char *text, char out[4][32])
{
	double v[4];
	const char *p = text;
	for (int i = 0; i < 4; i++) {
		char *end;
		errno = 0;
		v[i] = strtod(p, &end);
		if (errno || end == p || !isfinite(v[i]) || *end != (i < 3 ? ',' : '\0'))
			return false;
		p = end + 1;
	}
	if (v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 || v[0] > v[2] || v[1] > v[3])
		return false;
	for (int i = 0; i < 4; i++)
		snprintf(out[i], 32, "%.9f", v[i]);
	return true;
}

void cells_list(struct http_context *ctx)
{
	char *area = api_query_param(ctx, "area");
	char *bbox = api_query_param(ctx, "bbox");
	json_t *errors = NULL;
	char box[4][32] = {"", "", "", ""};
	if (area) {
		size_t n = strlen(area);
		enum codes_result cr = n == CODES_DISTRICT_LEN    ? codes_check_district(area, n)
		                       : n == CODES_STREET_LEN    ? codes_check_street(area, n)
		                       : n == CODES_COMMUNITY_LEN ? codes_check_community(area, n)
		                                                  : CODES_WRONG_LENGTH;
		if (cr != CODES_OK)
			problem_add_error(&errors, "/query/area",
			                  "a district (6 digits), street (9) or community (12) code");
	}
	if (bbox && !parse_bbox(bbox, box))
		problem_add_error(&errors, "/query/bbox",
		                  "min lon,min lat,max lon,max lat in WGS-84 degrees, min <= max");
	if (errors) {
		free(area);
		free(bbox);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	char most[16];
	snprintf(most, sizeof(most), "%d", LIMIT_CELLS_EXPORT);
	const char *params[] = {area ? area : "", box[0], box[1], box[2], box[3], most};
	db_query(io_thread_db(ctx->thread), &statements[STMT_EXPORT], params, exported, ctx);
	free(area);
	free(bbox);
}

/* ---- import ---- */

struct cell_import {
	struct http_context *ctx;
	struct db_conn *lease;
	char *cells;          /* the checked cells as JSON text, owned */
	char tolerance[16];
};

static void import_free(struct cell_import *im)
{
	if (im->lease)
		db_release(im->lease);
	free(im->cells);
	free(im);
}

static void imported(const struct db_batch_result *r, void *arg)
{
	struct cell_import *im = arg;
	struct http_context *ctx = im->ctx;
	if (r->status != DB_OK) {
		import_free(im);
		api_reply_batch_failure(ctx, r);
		return;
	}
	const PGresult *res = r->results[1];
	int n = PQntuples(res);
	if (n == 1 && strcmp(PQgetvalue(res, 0, 0), "imported") == 0) {
		long long created = atoll(PQgetvalue(res, 0, 4)), updated = atoll(PQgetvalue(res, 0, 5));
		char a[24], b[24];
		snprintf(a, sizeof(a), "%lld", created);
		snprintf(b, sizeof(b), "%lld", updated);
		const char *fields[] = {"request_id", ctx->request_id, "by", ctx->auth->login,
		                        "created", a, "updated", b, NULL, NULL};
		log_event(LOG_LEVEL_INFO, "grid cells imported", fields);
		import_free(im);
		http_reply_json(ctx, 200, json_pack("{s:I, s:I}", "created", (json_int_t)created,
		                                    "updated", (json_int_t)updated));
		return;
	}
	json_t *errors = json_array();
	for (int i = 0; i < n && i < LIMIT_IMPORT_PROBLEMS; i++) {
		json_t *e = json_pack("{s:s, s:s, s:I}", "pointer", PQgetvalue(res, i, 2), "detail",
		                      PQgetvalue(res, i, 3), "feature",
		                      (json_int_t)atoll(PQgetvalue(res, i, 1)));
		json_array_append_new(errors, e);
	}
	char detail[128];
	snprintf(detail, sizeof(detail), "nothing was imported: %d problem%s%s", n, n == 1 ? "" : "s",
	         n > LIMIT_IMPORT_PROBLEMS ? " (the first 1000 are listed)" : "");
	import_free(im);
	http_reply_problem(ctx, PROBLEM_VALIDATION, detail, errors);
}

static void import_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct cell_import *im = arg;
	if (status != DB_OK) {
		struct http_context *ctx = im->ctx;
		import_free(im);
		api_reply_db_status(ctx, status);
		return;
	}
	im->lease = lease;
	db_lease_set_timeout(lease, io_thread_app(im->ctx->thread)->cfg.cells_import_timeout_s * 1000);
	const char *none[] = {NULL};
	const char *params[] = {im->cells, im->tolerance};
	struct db_batch_step steps[] = {{&statements[STMT_IMPORT_LOCK], none},
	                                {&statements[STMT_IMPORT], params}};
	db_lease_batch(lease, steps, 2, imported, im);
}

void cells_import(struct http_context *ctx)
{
	const struct config *cfg = &io_thread_app(ctx->thread)->cfg;
	json_t *errors = NULL;
	json_t *cells = cells_geojson_check(ctx->body, (size_t)cfg->cells_import_max_features, &errors);
	if (!cells) {
		char detail[96];
		size_t n = errors ? json_array_size(errors) : 0;
		snprintf(detail, sizeof(detail), "nothing was imported: %zu problem%s", n, n == 1 ? "" : "s");
		while (errors && json_array_size(errors) > LIMIT_IMPORT_PROBLEMS)
			json_array_remove(errors, json_array_size(errors) - 1);
		http_reply_problem(ctx, PROBLEM_VALIDATION, detail, errors);
		return;
	}
	struct cell_import *im = calloc(1, sizeof(*im));
	char *text = json_dumps(cells, JSON_COMPACT);
	json_decref(cells);
	if (!im || !text) {
		free(im);
		free(text);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	im->ctx = ctx;
	im->cells = text;
	snprintf(im->tolerance, sizeof(im->tolerance), "%d", cfg->cells_overlap_tolerance_m2);
	db_acquire(io_thread_db(ctx->thread), import_leased, im);
}

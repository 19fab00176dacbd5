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
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/routes.h"
#include "domain/codes.h"
#include "domain/coords.h"
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
};
enum { STMT_LOCATE, STMT_GET };

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

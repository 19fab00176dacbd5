/*
 * reports.c - POST /v1/reports: what a grid worker's phone sends.
 *
 * {id?, category, location: {type: "Point", coordinates: [lon, lat]}, crs?,
 *  accuracy_m?, address?, description, urgent?, observed_at}
 *
 * One SQL statement locates the cell, checks the reporter may report there,
 * routes the case (route_case), opens the case in state 'reported' with the
 * first link of its audit chain, stores the report and finds possible
 * duplicates: all or nothing.
 *
 * Idempotency: an Idempotency-Key header, or else the client's report id,
 * names the write. In one transaction: an advisory lock on (account, key),
 * a lookup of an earlier answer (same request hash: the same 201 again;
 * another hash: 409), else the insert and the answer kept with the key. Two
 * identical requests racing each other wait on the lock, so exactly one
 * report is made. Three round trips: [BEGIN, lock, lookup] pipelined, the
 * insert, [keep, COMMIT] pipelined (an explicit BEGIN keeps the transaction
 * open across a pipeline's sync). Without a key or id the insert runs alone,
 * with a new id.
 *
 * Where a grid worker may report: anywhere in the districts of their cells;
 * outside their own cells the report is flagged outside_own_cells.
 * Dispatchers (hotline entries) report in their area, admins anywhere.
 */
#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/authn.h"
#include "api/common.h"
#include "api/reports_sql.h"
#include "api/routes.h"
#include "app.h"
#include "domain/codes.h"
#include "domain/coords.h"
#include "domain/rfc3339.h"
#include "http/json_body.h"
#include "http/response.h"
#include "http/server.h"
#include "log.h"

#define REPORT_DESCRIPTION_MAX 2000   /* characters */
#define REPORT_ADDRESS_MAX 200        /* characters */
#define REPORT_FUTURE_SKEW_S 300      /* observed_at may be this far ahead of the server */
#define REPORT_MAX_AGE_S (7 * 86400)  /* ... and this far behind */
#define IDEMPOTENCY_KEY_MAX 200

static struct db_statement statements[] = {
	/* Sent in one pipeline with the lock and the lookup: an explicit BEGIN
	 * keeps the transaction open past the pipeline's sync. */
	{"reports_begin", "BEGIN", 0, 0},
	{"reports_commit", "COMMIT", 0, 0},
	{"reports_key_lock",
	 "SELECT pg_advisory_xact_lock(hashtextextended('idempotency:' || $1 || ':' || $2, 0))", 2, 0},
	{"reports_key_lookup",
	 "SELECT request_hash, status, response::text FROM idempotency_keys"
	 " WHERE user_id = $1::bigint AND key = $2",
	 2, 0},
	{"reports_key_keep",
	 "INSERT INTO idempotency_keys (user_id, key, request_hash, status, response)"
	 " VALUES ($1::bigint, $2, $3, $4::int, $5::jsonb)",
	 5, 0},
	{"reports_create",
	 "WITH p AS (SELECT ST_SetSRID(ST_MakePoint($6::float8, $7::float8), 4326) AS g),"
	 " cat AS (SELECT kind, code, urgent_by_default FROM categories"
	 "  WHERE kind = $4 AND code = $5 AND char_length(code) = 4 AND active),"
	 " cell AS (SELECT c.code, c.name FROM grid_cells c, p WHERE ST_Intersects(c.geom, p.g)"
	 "  ORDER BY c.code LIMIT 1),"
	 " mine AS (SELECT cell_code FROM user_cells WHERE user_id = $1::bigint),"
	 " allowed AS (SELECT cell.code,"
	 "   $2 = 'grid_worker' AND cell.code NOT IN (SELECT cell_code FROM mine) AS outside"
	 "  FROM cell WHERE CASE $2 WHEN 'grid_worker'"
	 "   THEN left(cell.code, 6) IN (SELECT left(cell_code, 6) FROM mine)"
	 "   WHEN 'admin' THEN true ELSE cell.code LIKE $14 || '%' END),"
	 " routed AS (SELECT rc.unit_id FROM allowed, route_case($4, $5, allowed.code) rc),"
	 " ids AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence('cases', 'id')) AS id, now() AS at"
	 "  FROM cat, allowed),"
	 " ev AS MATERIALIZED (SELECT ids.id, ids.at, d.data,"
	 "   case_event_hash(NULL, ids.id, 1, 'reported', $1::bigint, ids.at, d.data) AS hash"
	 "  FROM ids CROSS JOIN LATERAL (SELECT jsonb_build_object('report_id', $3::uuid,"
	 "   'category', $4 || ':' || $5, 'cell', (SELECT code FROM allowed),"
	 "   'unit_id', (SELECT unit_id FROM routed)) AS data) d),"
	 " c AS (INSERT INTO cases (id, category_kind, category_code, cell_code, unit_id, urgent,"
	 "   location, description, created_at, updated_at, event_count, last_hash, reporter_id)"
	 "  OVERRIDING SYSTEM VALUE"
	 "  SELECT ev.id, cat.kind, cat.code, allowed.code, (SELECT unit_id FROM routed),"
	 "   coalesce(nullif($12, '')::boolean, cat.urgent_by_default), p.g, $11, ev.at, ev.at, 1, ev.hash,"
	 "   $1::bigint"
	 "  FROM ev, cat, allowed, p RETURNING id, urgent, unit_id),"
	 " e AS (INSERT INTO case_events (case_id, seq, kind, actor_id, at, data, prev_hash, hash)"
	 "  SELECT ev.id, 1, 'reported', $1::bigint, ev.at, ev.data, NULL, ev.hash FROM ev),"
	 " r AS (INSERT INTO reports (id, case_id, reporter_id, category_kind, category_code, location,"
	 "   crs, accuracy_m, address, description, urgent, cell_code, unit_id, flags, observed_at,"
	 "   created_at, updated_at)"
	 "  SELECT $3::uuid, c.id, $1::bigint, $4, $5, p.g, $8, nullif($9, '')::real, nullif($10, ''),"
	 "   $11, c.urgent, allowed.code, c.unit_id,"
	 "   array_remove(ARRAY[CASE WHEN nullif($9, '')::float8 > $17::float8 THEN 'low_accuracy' END,"
	 "    CASE WHEN allowed.outside THEN 'outside_own_cells' END], NULL),"
	 "   $13::timestamptz, ev.at, ev.at"
	 "  FROM c, p, allowed, ev RETURNING *),"
	 /* Nearest first by the GiST index (KNN), so a busy corner with many
	  * open cases costs ten index probes, not all of them. */
	 " dup AS (SELECT d.id, d.state, d.created_at,"
	 "   round(ST_Distance(d.location::geography, (SELECT g FROM p)::geography)::numeric, 1) AS distance_m"
	 "  FROM cases d WHERE d.state IN " CASE_OPEN_STATES
	 "   AND d.category_kind = $4 AND d.category_code = $5"
	 "   AND d.created_at > now() - $16::int * interval '1 hour'"
	 "   AND ST_DWithin(d.location::geography, (SELECT g FROM p)::geography, $15::float8)"
	 "  ORDER BY d.location::geography <-> (SELECT g FROM p)::geography LIMIT 10),"
	 /* Live views learn of the new case (the NOTIFY is sent at commit). */
	 " nt AS (SELECT pg_notify('gridd_cases', json_build_object('id', ev.id, 'action', 'reported',"
	 "   'state', 'reported', 'cell', (SELECT code FROM allowed), 'unit', (SELECT unit_id FROM routed),"
	 "   'at', ((extract(epoch FROM ev.at) * 1000000)::numeric)::bigint)::text) FROM ev, c)"
	 " SELECT (SELECT count(*) FROM cat), (SELECT count(*) FROM cell), (SELECT count(*) FROM allowed),"
	 "  (SELECT " REPORT_JSON("'reported'") " FROM r" REPORT_JOINS "),"
	 "  (SELECT count(*) FROM nt),"
	 "  (SELECT coalesce(json_agg(json_build_object('case_id', id, 'state', state,"
	 "    'distance_m', distance_m, 'created_at', created_at) ORDER BY distance_m, id), '[]')::text FROM dup)",
	 17, 0},
};
enum { STMT_BEGIN, STMT_COMMIT, STMT_KEY_LOCK, STMT_KEY_LOOKUP, STMT_KEY_KEEP, STMT_CREATE };

int reports_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

/* ---- input ------------------------------------------------------------------ */

struct report_input {
	char id[37];                       /* lowercase UUID */
	bool client_id;                    /* id came from the client */
	char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1];
	struct coords_point wgs;
	enum coords_system crs;
	char lon[32], lat[32], accuracy[32];
	const char *address, *description, *observed_at;
	const char *urgent;                /* "true", "false" or "" (category default) */
	char key[IDEMPOTENCY_KEY_MAX + 16];  /* the idempotency key, "" when none */
	char hash[65];                     /* sha256 of the canonical body */
};

/* A random (version 4) UUID. */
static int uuid_new(char out[37])
{
	unsigned char b[16];
	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
	         b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
	         b[15]);
	return 0;
}

/* An optional string member of at most max characters; "" when absent/null. */
static const char *text_field(const json_t *body, const char *name, size_t max, bool required,
                              json_t **errors)
{
	const json_t *v = json_object_get(body, name);
	char pointer[32], detail[96];
	snprintf(pointer, sizeof(pointer), "/%s", name);
	if ((!v || json_is_null(v)) && !required)
		return "";
	long chars = json_text_chars(v);
	bool blank = chars <= 0 || strspn(json_string_value(v), " \t\r\n") == json_string_length(v);
	if (chars < 0 || (size_t)chars > max || (required && blank)) {
		snprintf(detail, sizeof(detail), required ? "required: text of 1 to %zu characters"
		                                          : "text of at most %zu characters, or null",
		         max);
		problem_add_error(errors, pointer, detail);
		return NULL;
	}
	return json_string_value(v);
}

static void check_location(const json_t *body, struct report_input *in, json_t **errors)
{
	const json_t *loc = json_object_get(body, "location");
	const json_t *coords = json_object_get(loc, "coordinates");
	const char *type = json_string_value(json_object_get(loc, "type"));
	if (!json_is_object(loc) || !type || strcmp(type, "Point") != 0 || !json_is_array(coords) ||
	    json_array_size(coords) < 2 || json_array_size(coords) > 3 ||
	    !json_is_number(json_array_get(coords, 0)) || !json_is_number(json_array_get(coords, 1))) {
		problem_add_error(errors, "/location",
		                  "required: a GeoJSON Point {\"type\": \"Point\", \"coordinates\": [lon, lat]}");
		return;
	}
	struct coords_point p = {json_number_value(json_array_get(coords, 0)),
	                         json_number_value(json_array_get(coords, 1))};
	bool ok = true;
	if (!isfinite(p.lon) || p.lon < -180 || p.lon > 180) {
		problem_add_error(errors, "/location/coordinates/0", "longitude: degrees from -180 to 180");
		ok = false;
	}
	if (!isfinite(p.lat) || p.lat < -90 || p.lat > 90) {
		problem_add_error(errors, "/location/coordinates/1", "latitude: degrees from -90 to 90");
		ok = false;
	}
	const json_t *crs = json_object_get(body, "crs");
	in->crs = COORDS_WGS84;
	if (crs && !json_is_null(crs) &&
	    (!json_is_string(crs) ||
	     coords_system_from_name(json_string_value(crs), json_string_length(crs), &in->crs) < 0)) {
		problem_add_error(errors, "/crs", "one of wgs84 (GPS, default), gcj02 (AMap, Tencent), bd09 (Baidu)");
		ok = false;
	}
	if (!ok)
		return;
	in->wgs = coords_to_wgs84(in->crs, p);
	snprintf(in->lon, sizeof(in->lon), "%.9f", in->wgs.lon);
	snprintf(in->lat, sizeof(in->lat), "%.9f", in->wgs.lat);
}

/* Validates the body into *in; problems go to *errors. */
static void check_report(const json_t *body, struct report_input *in, json_t **errors)
{
	static const char *const known[] = {"id", "category", "location", "crs", "accuracy_m",
	                                    "address", "description", "urgent", "observed_at", NULL};
	json_t *v;
	api_check_known_fields(body, "", known, errors);
	if ((v = json_object_get(body, "id")) && !json_is_null(v)) {
		if (!json_is_string(v) || !api_parse_uuid(json_string_value(v), json_string_length(v), in->id))
			problem_add_error(errors, "/id", "a UUID made by the phone, e.g. 0b7e3c52-5d4f-4d7e-9a51-2f0c1d9e8a10");
		else
			in->client_id = true;
	}
	v = json_object_get(body, "category");
	if (!json_is_string(v) || codes_parse_category_name(json_string_value(v), in->kind, in->code) < 0)
		problem_add_error(errors, "/category", "required: a minor category such as event:0102 (GET /v1/categories)");
	check_location(body, in, errors);
	in->accuracy[0] = '\0';
	if ((v = json_object_get(body, "accuracy_m")) && !json_is_null(v)) {
		double a = json_number_value(v);
		if (!json_is_number(v) || !isfinite(a) || a < 0 || a > 1e6)
			problem_add_error(errors, "/accuracy_m", "the GPS accuracy in metres, 0 or more");
		else
			snprintf(in->accuracy, sizeof(in->accuracy), "%.1f", a);
	}
	in->address = text_field(body, "address", REPORT_ADDRESS_MAX, false, errors);
	in->description = text_field(body, "description", REPORT_DESCRIPTION_MAX, true, errors);
	in->urgent = "";
	if ((v = json_object_get(body, "urgent")) && !json_is_null(v)) {
		if (!json_is_boolean(v))
			problem_add_error(errors, "/urgent", "true or false (default: the category's)");
		else
			in->urgent = json_is_true(v) ? "true" : "false";
	}
	v = json_object_get(body, "observed_at");
	int64_t at;
	if (!json_is_string(v) || rfc3339_parse(json_string_value(v), json_string_length(v), &at) < 0) {
		problem_add_error(errors, "/observed_at", "required: when it was seen, RFC 3339 with offset, e.g. 2026-11-23T09:30:00+08:00");
	} else {
		int64_t now = (int64_t)time(NULL);
		if (at > now + REPORT_FUTURE_SKEW_S)
			problem_add_error(errors, "/observed_at", "in the future: check the phone's clock (5 minutes of skew are allowed)");
		else if (at < now - REPORT_MAX_AGE_S)
			problem_add_error(errors, "/observed_at", "more than 7 days ago: report what is there now");
		else
			in->observed_at = json_string_value(v);
	}
}

/* sha256 (hex) of the canonical body: key order and spacing do not matter. */
static int request_hash(const json_t *body, char out[65])
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (!text)
		return -1;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int ok = EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL);
	free(text);
	if (!ok || n != 32)
		return -1;
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* ---- the write -------------------------------------------------------------- */

struct intake {
	struct http_context *ctx;
	struct db_conn *lease;       /* keyed writes run in a transaction on it */
	struct report_input in;
	char uid[24], unit[24];
	char radius[16], window[16], accuracy_bound[16];
	char *response;              /* the 201 body kept with the key */
};

static void intake_free(struct intake *w)
{
	if (w->lease)
		db_release(w->lease);
	free(w->response);
	free(w);
}

/* Answers a created report: 201 + Location. */
static void reply_created(struct http_context *ctx, json_t *body)
{
	char location[80];
	snprintf(location, sizeof(location), "/v1/reports/%s",
	         json_string_value(json_object_get(body, "id")));
	http_set_header(ctx, "Location", location);
	http_reply_json(ctx, 201, body);
}

static void kept_and_committed(const struct db_batch_result *r, void *arg)
{
	struct intake *w = arg;
	struct http_context *ctx = w->ctx;
	if (r->status != DB_OK) {
		intake_free(w);
		api_reply_batch_failure(ctx, r);
		return;
	}
	json_error_t je;
	json_t *body = json_loads(w->response, 0, &je);
	intake_free(w);
	reply_created(ctx, body);
}

/* The insert's answer: a problem, or the report (+ duplicates). */
static void created(const struct db_result *r, void *arg)
{
	struct intake *w = arg;
	struct http_context *ctx = w->ctx;
	if (r->status != DB_OK) {
		bool taken = r->status == DB_SQL_ERROR && strcmp(r->sqlstate, "23505") == 0;
		intake_free(w);
		if (taken)
			http_reply_problem(ctx, PROBLEM_CONFLICT, "a report with this id already exists", NULL);
		else
			api_reply_db_failure(ctx, r);
		return;
	}
	json_t *errors = NULL;
	if (strcmp(PQgetvalue(r->res, 0, 0), "0") == 0) {
		problem_add_error(&errors, "/category", "no such category, or it is retired: see GET /v1/categories");
		intake_free(w);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	if (strcmp(PQgetvalue(r->res, 0, 1), "0") == 0) {
		problem_add_error(&errors, "/location", "outside every grid cell of the city");
		intake_free(w);
		http_reply_problem(ctx, PROBLEM_UNPROCESSABLE,
		                   "the location lies outside every grid cell: check the position or crs", errors);
		return;
	}
	if (strcmp(PQgetvalue(r->res, 0, 2), "0") == 0) {
		problem_add_error(&errors, "/location", "outside the area you may report in");
		intake_free(w);
		http_reply_problem(ctx, PROBLEM_UNPROCESSABLE,
		                   "grid workers report within the districts of their cells; dispatchers within their area",
		                   errors);
		return;
	}
	json_error_t je;
	json_t *body = json_loads(PQgetvalue(r->res, 0, 3), 0, &je);
	json_t *dups = json_loads(PQgetvalue(r->res, 0, 5), 0, &je);
	if (!body) {
		json_decref(dups);
		intake_free(w);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	json_object_set_new(body, "possible_duplicates", dups ? dups : json_array());
	char case_id[24];
	snprintf(case_id, sizeof(case_id), "%lld", (long long)json_integer_value(json_object_get(body, "case_id")));
	const char *fields[] = {"request_id", ctx->request_id, "by", ctx->auth->login, "report",
	                        w->in.id, "case", case_id, NULL, NULL};
	log_event(LOG_LEVEL_INFO, "report created", fields);
	if (!w->lease) {
		intake_free(w);
		reply_created(ctx, body);
		return;
	}
	w->response = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!w->response) {
		intake_free(w);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	const char *params[] = {w->uid, w->in.key, w->in.hash, "201", w->response};
	const char *none[] = {NULL};
	struct db_batch_step steps[] = {{&statements[STMT_KEY_KEEP], params},
	                                {&statements[STMT_COMMIT], none}};
	db_lease_batch(w->lease, steps, 2, kept_and_committed, w);
}

static void run_insert(struct intake *w)
{
	const struct auth_user *u = w->ctx->auth;
	const struct report_input *in = &w->in;
	char code[CODES_CATEGORY_LEN + 1];
	snprintf(code, sizeof(code), "%s", in->code);
	const char *params[] = {w->uid, auth_role_name(u->role), in->id, in->kind, code, in->lon,
	                        in->lat, coords_system_name(in->crs), in->accuracy, in->address,
	                        in->description, in->urgent, in->observed_at, u->area_code,
	                        w->radius, w->window, w->accuracy_bound};
	if (w->lease)
		db_lease_query(w->lease, &statements[STMT_CREATE], params, created, w);
	else
		db_query(io_thread_db(w->ctx->thread), &statements[STMT_CREATE], params, created, w);
}

/* BEGIN, the key's lock and the lookup, in one round trip. */
static void key_looked_up(const struct db_batch_result *b, void *arg)
{
	struct intake *w = arg;
	struct http_context *ctx = w->ctx;
	if (b->status != DB_OK) {
		intake_free(w);
		api_reply_batch_failure(ctx, b);
		return;
	}
	const PGresult *res = b->results[2];
	if (PQntuples(res) == 0) {
		run_insert(w);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), w->in.hash) != 0) {
		intake_free(w);
		http_reply_problem(ctx, PROBLEM_CONFLICT,
		                   "this Idempotency-Key (or report id) was used for a different request", NULL);
		return;
	}
	/* The same request again: the first answer, unchanged. */
	json_error_t je;
	json_t *body = json_loads(PQgetvalue(res, 0, 2), 0, &je);
	http_set_header(ctx, "Idempotent-Replayed", "true");
	intake_free(w);
	reply_created(ctx, body);
}

static void intake_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct intake *w = arg;
	if (status != DB_OK) {
		struct http_context *ctx = w->ctx;
		intake_free(w);
		api_reply_db_status(ctx, status);
		return;
	}
	w->lease = lease;
	const char *none[] = {NULL};
	const char *key[] = {w->uid, w->in.key};
	struct db_batch_step steps[] = {{&statements[STMT_BEGIN], none},
	                                {&statements[STMT_KEY_LOCK], key},
	                                {&statements[STMT_KEY_LOOKUP], key}};
	db_lease_batch(lease, steps, 3, key_looked_up, w);
}

void reports_create(struct http_context *ctx)
{
	const struct config *cfg = &io_thread_app(ctx->thread)->cfg;
	struct intake *w = calloc(1, sizeof(*w));
	if (!w) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	w->ctx = ctx;
	json_t *errors = NULL;
	check_report(ctx->body, &w->in, &errors);
	const char *key = evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "Idempotency-Key");
	if (key) {
		size_t n = strlen(key);
		bool printable = n >= 1 && n <= IDEMPOTENCY_KEY_MAX;
		for (size_t i = 0; printable && i < n; i++)
			printable = key[i] > 0x20 && key[i] < 0x7f;
		if (!printable)
			problem_add_error(&errors, "/header/Idempotency-Key", "1 to 200 visible ASCII characters, e.g. a UUID");
		else
			snprintf(w->in.key, sizeof(w->in.key), "key:%s", key);
	}
	if (errors) {
		intake_free(w);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	if (!w->in.client_id && uuid_new(w->in.id) < 0) {
		intake_free(w);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	if (!w->in.key[0] && w->in.client_id)
		snprintf(w->in.key, sizeof(w->in.key), "report:%s", w->in.id);
	if (request_hash(ctx->body, w->in.hash) < 0) {
		intake_free(w);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	snprintf(w->uid, sizeof(w->uid), "%lld", (long long)ctx->auth->id);
	snprintf(w->radius, sizeof(w->radius), "%d", cfg->report_duplicate_radius_m);
	snprintf(w->window, sizeof(w->window), "%d", cfg->report_duplicate_window_h);
	snprintf(w->accuracy_bound, sizeof(w->accuracy_bound), "%d", cfg->report_accuracy_flag_m);
	if (w->in.key[0])
		db_acquire(io_thread_db(ctx->thread), intake_leased, w);
	else
		run_insert(w);
}

/*
 * photos.c - photo evidence over HTTP.
 *
 * POST /v1/reports/{id}/photos?kind=before   raw body: image/jpeg, image/png,
 *                                            image/webp or image/heic
 * POST /v1/cases/{id}/photos?kind=after|check the unit's proof of the work, the
 *                                            checker's on-site photo
 * GET  /v1/photos/{sha256}?size=thumb|large|original
 *
 * Upload: the reporter attaches up to photo_max_per_report photos to their
 * report. The blocking work (hash, decode, thumbnails, fsync: photo/process.c)
 * runs on the worker pool; only when the files are durably stored does one
 * transaction lock the report and its case, store the photo row, attach it,
 * append a photo_added event to the case's audit chain and touch the report
 * (so phones syncing with updated_after see it). The flags compare the
 * photo's EXIF with the report (photo/flags.c). The same photo again answers
 * 200 with the same body; the store keeps one copy per content.
 *
 * Download: only who may see a report using the photo (REPORT_SCOPE); the
 * file is read on the worker pool; every variant is a re-encoded JPEG without
 * metadata, so no EXIF (GPS!) leaves the server. Content-addressed: the ETag
 * never changes and the answer is cacheable for a year.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/authn.h"
#include "api/calendar_store.h"
#include "api/common.h"
#include "api/reports_sql.h"
#include "api/routes.h"
#include "app.h"
#include "domain/rfc3339.h"
#include "domain/workflow.h"
#include "http/response.h"
#include "http/server.h"
#include "log.h"
#include "photo/flags.h"
#include "photo/process.h"
#include "photo/store.h"
#include "workers.h"

static struct db_statement statements[] = {
	/* $5 report id, $6 the caller: the reporter. */
	{"photos_target",
	 "SELECT r.case_id, ST_X(r.location), ST_Y(r.location), extract(epoch FROM r.observed_at)::bigint,"
	 " (SELECT count(*) FROM case_photos cp WHERE cp.report_id = r.id AND cp.kind = 'before'),"
	 /* The city's UTC offset: EXIF times without an offset are local times. */
	 " (SELECT (extract(epoch FROM (now() AT TIME ZONE z) - (now() AT TIME ZONE 'UTC')) / 60)::int"
	 "  FROM coalesce((SELECT value #>> '{}' FROM gridd_settings WHERE key = 'city.time_zone'),"
	 "   '" CALENDAR_STORE_DEFAULT_ZONE "') z)"
	 " FROM reports r JOIN cases c ON c.id = r.case_id"
	 " WHERE" REPORT_SCOPE " AND r.id = $5::uuid AND r.reporter_id = $1::bigint",
	 5, 0},
	{"photos_lock",
	 "SELECT 1 FROM reports r JOIN cases c ON c.id = r.case_id WHERE r.id = $1::uuid FOR UPDATE",
	 1, 0},
	/* $1 report, $2 case, $3 sha, $4 mime, $5 bytes, $6 width, $7 height, $8 exif lon,
	 * $9 exif lat, $10 exif taken_at (epoch), $11 has_exif, $12 flags {a,b}, $13 user,
	 * $14 most photos. */
	{"photos_attach",
	 "WITH p AS (INSERT INTO photos (sha256, mime, bytes, width, height, exif_location, exif_taken_at,"
	 "   has_exif)"
	 "  VALUES ($3, $4, $5::bigint, $6::int, $7::int,"
	 "   ST_SetSRID(ST_MakePoint(nullif($8, '')::float8, nullif($9, '')::float8), 4326),"
	 "   to_timestamp(nullif($10, '')::float8), $11::boolean)"
	 "  ON CONFLICT (sha256) DO NOTHING),"
	 " cnt AS (SELECT count(*) AS n, coalesce(bool_or(sha256 = $3), false) AS has FROM case_photos"
	 "  WHERE report_id = $1::uuid AND kind = 'before'),"
	 " ins AS (INSERT INTO case_photos (case_id, sha256, kind, report_id, flags, uploaded_by)"
	 "  SELECT $2::bigint, $3, 'before', $1::uuid, $12::text[], $13::bigint FROM cnt"
	 "  WHERE NOT cnt.has AND cnt.n < $14::int RETURNING created_at),"
	 " ev AS (SELECT c.id, c.event_count + 1 AS seq, now() AS at, c.last_hash AS prev,"
	 "   jsonb_build_object('sha256', $3, 'kind', 'before', 'report_id', $1::uuid,"
	 "    'flags', to_jsonb($12::text[])) AS data"
	 "  FROM cases c WHERE c.id = $2::bigint AND EXISTS (SELECT 1 FROM ins)),"
	 " e AS (INSERT INTO case_events (case_id, seq, kind, actor_id, at, data, prev_hash, hash)"
	 "  SELECT id, seq, 'photo_added', $13::bigint, at, data, prev,"
	 "   case_event_hash(prev, id, seq, 'photo_added', $13::bigint, at, data) FROM ev RETURNING hash),"
	 " cu AS (UPDATE cases SET event_count = ev.seq, last_hash = (SELECT hash FROM e),"
	 "   updated_at = ev.at, version = version + 1 FROM ev WHERE cases.id = ev.id),"
	 " ru AS (UPDATE reports SET updated_at = now() WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM ins)),"
	 /* Live views learn of the new photo (sent at commit). */
	 " nt AS (SELECT pg_notify('gridd_cases', json_build_object('id', c.id, 'action', 'photo_added',"
	 "   'state', c.state, 'cell', c.cell_code, 'unit', c.unit_id,"
	 "   'at', ((extract(epoch FROM ev.at) * 1000000)::numeric)::bigint)::text)"
	 "  FROM ev JOIN cases c ON c.id = ev.id)"
	 " SELECT cnt.n, cnt.has, (SELECT count(*) FROM ins),"
	 /* The row just inserted is not visible to this statement: its flags are $12. */
	 "  (CASE WHEN EXISTS (SELECT 1 FROM ins) THEN $12::text[] ELSE (SELECT flags FROM case_photos"
	 "   WHERE report_id = $1::uuid AND kind = 'before' AND sha256 = $3) END)::text,"
	 "  (SELECT count(*) FROM nt)"
	 " FROM cnt",
	 14, 0},
	/* $5 sha: a report's photo, or a case's evidence photo. */
	{"photos_visible",
	 "SELECT p.mime FROM photos p WHERE p.sha256 = $5 AND (EXISTS (SELECT 1 FROM case_photos cp"
	 " JOIN reports r ON r.id = cp.report_id JOIN cases c ON c.id = r.case_id"
	 " WHERE cp.sha256 = p.sha256 AND" REPORT_SCOPE ")"
	 " OR EXISTS (SELECT 1 FROM case_photos cp JOIN cases c ON c.id = cp.case_id"
	 " WHERE cp.sha256 = p.sha256 AND cp.report_id IS NULL AND" CASE_SCOPE "))",
	 5, 0},
	/* $1 case, $2 kind. */
	{"photos_case_target",
	 "SELECT c.state, c.suspended, c.cell_code,"
	 " ARRAY(WITH RECURSIVE up AS (SELECT id, parent_id FROM units WHERE id = c.unit_id"
	 "  UNION ALL SELECT p.id, p.parent_id FROM units p JOIN up ON p.id = up.parent_id)"
	 "  SELECT id FROM up)::text,"
	 " ST_X(c.location), ST_Y(c.location), extract(epoch FROM now())::bigint,"
	 " (SELECT count(*) FROM case_photos cp WHERE cp.case_id = c.id AND cp.kind = $2),"
	 " (SELECT (extract(epoch FROM (now() AT TIME ZONE z) - (now() AT TIME ZONE 'UTC')) / 60)::int"
	 "  FROM coalesce((SELECT value #>> '{}' FROM gridd_settings WHERE key = 'city.time_zone'),"
	 "   '" CALENDAR_STORE_DEFAULT_ZONE "') z)"
	 " FROM cases c WHERE c.id = $1::bigint",
	 2, 0},
	{"photos_case_lock", "SELECT 1 FROM cases WHERE id = $1::bigint FOR UPDATE", 1, 0},
	/* As photos_attach, for a case's evidence: $1 case, $2 kind, $3..$11 as there, $12 flags,
	 * $13 user, $14 most photos of this kind. */
	{"photos_case_attach",
	 "WITH p AS (INSERT INTO photos (sha256, mime, bytes, width, height, exif_location, exif_taken_at,"
	 "   has_exif)"
	 "  VALUES ($3, $4, $5::bigint, $6::int, $7::int,"
	 "   ST_SetSRID(ST_MakePoint(nullif($8, '')::float8, nullif($9, '')::float8), 4326),"
	 "   to_timestamp(nullif($10, '')::float8), $11::boolean)"
	 "  ON CONFLICT (sha256) DO NOTHING),"
	 " cnt AS (SELECT count(*) AS n, coalesce(bool_or(sha256 = $3), false) AS has FROM case_photos"
	 "  WHERE case_id = $1::bigint AND kind = $2),"
	 " ins AS (INSERT INTO case_photos (case_id, sha256, kind, report_id, flags, uploaded_by)"
	 "  SELECT $1::bigint, $3, $2, NULL, $12::text[], $13::bigint FROM cnt"
	 "  WHERE NOT cnt.has AND cnt.n < $14::int RETURNING created_at),"
	 " ev AS (SELECT c.id, c.event_count + 1 AS seq, now() AS at, c.last_hash AS prev,"
	 "   jsonb_build_object('sha256', $3, 'kind', $2, 'flags', to_jsonb($12::text[])) AS data"
	 "  FROM cases c WHERE c.id = $1::bigint AND EXISTS (SELECT 1 FROM ins)),"
	 " e AS (INSERT INTO case_events (case_id, seq, kind, actor_id, at, data, prev_hash, hash)"
	 "  SELECT id, seq, 'photo_added', $13::bigint, at, data, prev,"
	 "   case_event_hash(prev, id, seq, 'photo_added', $13::bigint, at, data) FROM ev RETURNING hash),"
	 " cu AS (UPDATE cases SET event_count = ev.seq, last_hash = (SELECT hash FROM e),"
	 "   updated_at = ev.at FROM ev WHERE cases.id = ev.id),"
	 " nt AS (SELECT pg_notify('gridd_cases', json_build_object('id', c.id, 'action', 'photo_added',"
	 "   'state', c.state, 'cell', c.cell_code, 'unit', c.unit_id,"
	 "   'at', ((extract(epoch FROM ev.at) * 1000000)::numeric)::bigint)::text)"
	 "  FROM ev JOIN cases c ON c.id = ev.id)"
	 " SELECT cnt.n, cnt.has, (SELECT count(*) FROM ins),"
	 "  (CASE WHEN EXISTS (SELECT 1 FROM ins) THEN $12::text[] ELSE (SELECT flags FROM case_photos"
	 "   WHERE case_id = $1::bigint AND kind = $2 AND sha256 = $3) END)::text,"
	 "  (SELECT count(*) FROM nt)"
	 " FROM cnt",
	 14, 0},
};
enum { STMT_TARGET, STMT_LOCK, STMT_ATTACH, STMT_VISIBLE, STMT_CASE_TARGET, STMT_CASE_LOCK,
       STMT_CASE_ATTACH };

int photos_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

/* ---- upload ----------------------------------------------------------------- */

struct upload {
	struct http_context *ctx;
	struct db_conn *lease;
	char report[37], case_id[24], uid[24];
	bool on_case;                  /* a case's evidence (after/check), not a report's */
	char kind[8];                  /* before, after, check */
	struct coords_point at;        /* the report's point and time, for the flags */
	int64_t observed;
	unsigned char *bytes;          /* the body, owned */
	size_t len;
	struct photo_process_input in;
	struct photo_process_result out;
	char root[4096];
	unsigned flags;
};

static void upload_free(struct upload *u)
{
	if (u->lease)
		db_release(u->lease);
	free(u->bytes);
	free(u);
}

/* The answer about one attached photo. */
static json_t *photo_json(const struct upload *u, const char *flags_text)
{
	const struct photo_process_result *o = &u->out;
	json_t *exif = json_null();
	if (o->exif.has_exif) {
		char taken[RFC3339_MAX] = "";
		if (o->exif.has_time)
			rfc3339_format(o->exif.taken_at, u->in.city_offset_minutes, taken);
		exif = json_pack("{s:o, s:o}", "location",
		                 o->exif.has_gps ? json_pack("{s:s, s:[f, f]}", "type", "Point", "coordinates",
		                                             o->exif.lon, o->exif.lat)
		                                 : json_null(),
		                 "taken_at", o->exif.has_time ? json_string(taken) : json_null());
	}
	/* The flags as stored ({a,b}), so a repeat shows the first upload's. */
	json_t *flags = json_array();
	if (flags_text && flags_text[0] == '{') {
		char buf[256];
		snprintf(buf, sizeof(buf), "%s", flags_text + 1);
		char *end = strchr(buf, '}');
		if (end)
			*end = '\0';
		for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","))
			json_array_append_new(flags, json_string(tok));
	}
	char url[128];
	snprintf(url, sizeof(url), "/v1/photos/%s", o->sha256);
	return json_pack("{s:s, s:s, s:s, s:I, s:i, s:i, s:o, s:o, s:s}", "sha256", o->sha256, "kind",
	                 u->kind, "mime", photo_type_mime(o->type), "bytes", (json_int_t)o->bytes,
	                 "width", o->width, "height", o->height, "exif", exif, "flags", flags, "url", url);
}

static void attached(const struct db_batch_result *r, void *arg)
{
	struct upload *u = arg;
	struct http_context *ctx = u->ctx;
	if (r->status != DB_OK) {
		upload_free(u);
		api_reply_batch_failure(ctx, r);
		return;
	}
	const PGresult *res = r->results[1];
	bool had = PQgetvalue(res, 0, 1)[0] == 't';
	bool inserted = strcmp(PQgetvalue(res, 0, 2), "1") == 0;
	if (!had && !inserted) {
		char detail[96];
		snprintf(detail, sizeof(detail), "at most %d %s photos",
		         io_thread_app(ctx->thread)->cfg.photo_max_per_report, u->kind);
		upload_free(u);
		http_reply_problem(ctx, PROBLEM_CONFLICT, detail, NULL);
		return;
	}
	json_t *body = photo_json(u, PQgetvalue(res, 0, 3));
	if (inserted) {
		const char *fields[] = {"request_id", ctx->request_id, "report", u->report, "sha256",
		                        u->out.sha256, NULL, NULL};
		log_event(LOG_LEVEL_INFO, "photo attached", fields);
	}
	upload_free(u);
	http_reply_json(ctx, inserted ? 201 : 200, body);
}

static void attach_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct upload *u = arg;
	if (status != DB_OK) {
		struct http_context *ctx = u->ctx;
		upload_free(u);
		api_reply_db_status(ctx, status);
		return;
	}
	u->lease = lease;
	const struct config *cfg = &io_thread_app(u->ctx->thread)->cfg;
	const struct photo_process_result *o = &u->out;
	char bytes[24], width[16], height[16], lon[32] = "", lat[32] = "", taken[24] = "", most[16];
	char flags[128] = "{";
	snprintf(bytes, sizeof(bytes), "%zu", o->bytes);
	snprintf(width, sizeof(width), "%d", o->width);
	snprintf(height, sizeof(height), "%d", o->height);
	if (o->exif.has_gps) {
		snprintf(lon, sizeof(lon), "%.7f", o->exif.lon);
		snprintf(lat, sizeof(lat), "%.7f", o->exif.lat);
	}
	if (o->exif.has_time)
		snprintf(taken, sizeof(taken), "%lld", (long long)o->exif.taken_at);
	snprintf(most, sizeof(most), "%d", cfg->photo_max_per_report);
	const char *names[PHOTO_FLAG_COUNT];
	size_t n = photo_flags_names(u->flags, names, PHOTO_FLAG_COUNT);
	for (size_t i = 0; i < n; i++)
		snprintf(flags + strlen(flags), sizeof(flags) - strlen(flags), "%s%s", i ? "," : "", names[i]);
	snprintf(flags + strlen(flags), sizeof(flags) - strlen(flags), "}");
	const char *lock[] = {u->on_case ? u->case_id : u->report};
	const char *attach[] = {u->on_case ? u->case_id : u->report, u->on_case ? u->kind : u->case_id,
	                        o->sha256, photo_type_mime(o->type), bytes, width,
	                        height, lon, lat, taken, o->exif.has_exif ? "true" : "false", flags,
	                        u->uid, most};
	struct db_batch_step steps[] = {{&statements[u->on_case ? STMT_CASE_LOCK : STMT_LOCK], lock},
	                                {&statements[u->on_case ? STMT_CASE_ATTACH : STMT_ATTACH], attach}};
	db_lease_batch(lease, steps, 2, attached, u);
}

static void upload_run(void *arg)
{
	struct upload *u = arg;
	photo_process(&u->in, &u->out);
}

static void upload_done(void *arg)
{
	struct upload *u = arg;
	struct http_context *ctx = u->ctx;
	free(u->bytes);
	u->bytes = NULL;
	if (u->out.status != PHOTO_PROCESS_OK) {
		int status = photo_process_http_status(u->out.status);
		enum problem_kind kind = status == 415   ? PROBLEM_UNSUPPORTED_MEDIA_TYPE
		                         : status == 422 ? PROBLEM_UNPROCESSABLE
		                                         : PROBLEM_INTERNAL;
		if (kind == PROBLEM_INTERNAL) {
			char err[16];
			snprintf(err, sizeof(err), "%d", u->out.error);
			const char *fields[] = {"request_id", ctx->request_id, "status",
			                        photo_process_status_name(u->out.status), "errno", err, NULL, NULL};
			log_event(LOG_LEVEL_ERROR, "photo not stored", fields);
		}
		char detail[PHOTO_PROCESS_DETAIL_MAX];
		snprintf(detail, sizeof(detail), "%s", u->out.detail);
		upload_free(u);
		http_reply_problem(ctx, kind, kind == PROBLEM_INTERNAL ? NULL : detail, NULL);
		return;
	}
	const struct config *cfg = &io_thread_app(ctx->thread)->cfg;
	struct photo_flag_thresholds t = {(double)cfg->photo_far_m, cfg->photo_old_s};
	u->flags = photo_flags_compute(u->at, u->observed, &u->out.exif, &t);
	db_acquire(io_thread_db(ctx->thread), attach_leased, u);
}

static void process(struct upload *u);

static void target_found(const struct db_result *r, void *arg)
{
	struct upload *u = arg;
	struct http_context *ctx = u->ctx;
	if (r->status != DB_OK) {
		upload_free(u);
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) == 0) {
		upload_free(u);
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such report of yours", NULL);
		return;
	}
	/* A full report is refused by the attaching statement, not here: a phone
	 * sending its last photo again after a lost answer must get that photo's
	 * 200, which only the photo's sha256 can tell. */
	snprintf(u->case_id, sizeof(u->case_id), "%s", PQgetvalue(r->res, 0, 0));
	u->at.lon = atof(PQgetvalue(r->res, 0, 1));
	u->at.lat = atof(PQgetvalue(r->res, 0, 2));
	u->observed = atoll(PQgetvalue(r->res, 0, 3));
	u->in.city_offset_minutes = atoi(PQgetvalue(r->res, 0, 5));
	process(u);
}

/*
 * The part of an upload common to reports and cases: the Content-Type and the
 * body, checked and copied. Answers and returns false when they are refused.
 */
static bool take_body(struct http_context *ctx, struct upload *u)
{
	const struct config *cfg = &io_thread_app(ctx->thread)->cfg;
	const char *type = evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "Content-Type");
	enum photo_type claimed = type ? photo_type_from_mime(type) : PHOTO_TYPE_UNKNOWN;
	if (claimed == PHOTO_TYPE_UNKNOWN) {
		upload_free(u);
		http_reply_problem(ctx, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
		                   "send the photo as the body with Content-Type image/jpeg, image/png, image/webp or image/heic",
		                   NULL);
		return false;
	}
	struct evbuffer *body = evhttp_request_get_input_buffer(ctx->req);
	size_t len = evbuffer_get_length(body);
	if (len > (size_t)cfg->photo_max_bytes) {
		char detail[96];
		snprintf(detail, sizeof(detail), "a photo has at most %d bytes", cfg->photo_max_bytes);
		upload_free(u);
		http_reply_problem(ctx, PROBLEM_BODY_TOO_LARGE, detail, NULL);
		return false;
	}
	if (len == 0) {
		upload_free(u);
		http_reply_problem(ctx, PROBLEM_UNPROCESSABLE, "the body is empty: send the photo's bytes", NULL);
		return false;
	}
	u->bytes = malloc(len);
	if (!u->bytes || evbuffer_remove(body, u->bytes, len) != (int)len) {
		upload_free(u);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return false;
	}
	u->len = len;
	snprintf(u->root, sizeof(u->root), "%s", cfg->photo_dir);
	snprintf(u->uid, sizeof(u->uid), "%lld", (long long)ctx->auth->id);
	/* city_offset_minutes comes with the target (target_found, case_target_found). */
	u->in = (struct photo_process_input){u->bytes, len, claimed, u->root, cfg->photo_max_pixels, 0};
	return true;
}

/* Hands the photo to the worker pool (processed, then attached). */
static void process(struct upload *u)
{
	const struct app *app = io_thread_app(u->ctx->thread);
	if (workers_submit(app->workers, upload_run, upload_done, u, io_thread_base(u->ctx->thread)) < 0) {
		struct http_context *ctx = u->ctx;
		upload_free(u);
		http_reply_problem(ctx, PROBLEM_OVERLOADED, NULL, NULL);
	}
}

void photos_upload(struct http_context *ctx)
{
	struct upload *u = calloc(1, sizeof(*u));
	if (!u) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	u->ctx = ctx;
	snprintf(u->kind, sizeof(u->kind), "before");
	if (!reports_path_id(ctx, u->report)) {
		upload_free(u);
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such report", NULL);
		return;
	}
	char *kind = api_query_param(ctx, "kind");
	bool before = !kind || strcmp(kind, "before") == 0;
	free(kind);
	if (!before) {
		json_t *errors = NULL;
		problem_add_error(&errors, "/query/kind",
		                  "before: a report's photos are taken before the work; after and check photos belong to the case");
		upload_free(u);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	if (!take_body(ctx, u))
		return;
	char unit[24];
	snprintf(unit, sizeof(unit), "%lld", (long long)ctx->auth->unit_id);
	const char *params[] = {u->uid, auth_role_name(ctx->auth->role), ctx->auth->area_code, unit,
	                        u->report};
	db_query(io_thread_db(ctx->thread), &statements[STMT_TARGET], params, target_found, u);
}

static void case_target_found(const struct db_result *r, void *arg)
{
	struct upload *u = arg;
	struct http_context *ctx = u->ctx;
	if (r->status != DB_OK) {
		upload_free(u);
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) == 0 || !cases_in_scope(ctx->auth, PQgetvalue(r->res, 0, 0),
	                                              PQgetvalue(r->res, 0, 2), PQgetvalue(r->res, 0, 3))) {
		upload_free(u);
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such case", NULL);
		return;
	}
	int state = workflow_state_from_name(PQgetvalue(r->res, 0, 0));
	struct case_status now = {(enum case_state)(state < 0 ? 0 : state), PQgetvalue(r->res, 0, 1)[0] == 't',
	                          false};
	bool after = strcmp(u->kind, "after") == 0;
	enum workflow_verdict v = workflow_photo(&now, after ? PHOTO_AFTER : PHOTO_CHECK,
	                                         ROLE_BIT(ctx->auth->role));
	if (v != WORKFLOW_OK) {
		upload_free(u);
		http_reply_problem(ctx, v == WORKFLOW_NOT_YOUR_ROLE ? PROBLEM_FORBIDDEN : PROBLEM_CONFLICT,
		                   after ? "after photos come from the unit while it works on the case (in_progress)"
		                         : "check photos come from the grid worker or dispatcher checking a resolved case",
		                   NULL);
		return;
	}
	/* As for reports: the attaching statement refuses a full set (see above). */
	/* The flags compare the photo with the case's place and the upload's time. */
	u->at.lon = atof(PQgetvalue(r->res, 0, 4));
	u->at.lat = atof(PQgetvalue(r->res, 0, 5));
	u->observed = atoll(PQgetvalue(r->res, 0, 6));
	u->in.city_offset_minutes = atoi(PQgetvalue(r->res, 0, 8));
	process(u);
}

void photos_case_upload(struct http_context *ctx)
{
	struct upload *u = calloc(1, sizeof(*u));
	if (!u) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	u->ctx = ctx;
	u->on_case = true;
	long long id = api_path_id(ctx, "id");
	if (!id) {
		upload_free(u);
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such case", NULL);
		return;
	}
	snprintf(u->case_id, sizeof(u->case_id), "%lld", id);
	char *kind = api_query_param(ctx, "kind");
	bool ok = kind && (strcmp(kind, "after") == 0 || strcmp(kind, "check") == 0);
	if (ok)
		snprintf(u->kind, sizeof(u->kind), "%s", kind);
	free(kind);
	if (!ok) {
		json_t *errors = NULL;
		problem_add_error(&errors, "/query/kind", "after (the unit's proof of the work) or check (the on-site check)");
		upload_free(u);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	if (!take_body(ctx, u))
		return;
	const char *params[] = {u->case_id, u->kind};
	db_query(io_thread_db(ctx->thread), &statements[STMT_CASE_TARGET], params, case_target_found, u);
}

/* ---- download --------------------------------------------------------------- */

struct download {
	struct http_context *ctx;
	char sha[PHOTO_SHA256_HEX_LEN + 1];
	enum photo_variant variant;
	char root[4096];
	char *data;
	size_t len;
	int error;
};

static void download_run(void *arg)
{
	struct download *d = arg;
	off_t size = 0;
	int fd = photo_store_open(d->root, d->sha, d->variant, &size);
	if (fd < 0) {
		d->error = -fd;
		return;
	}
	d->data = size > 0 ? malloc((size_t)size) : NULL;
	size_t got = 0;
	while (d->data && got < (size_t)size) {
		ssize_t n = read(fd, d->data + got, (size_t)size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!d->data || got != (size_t)size) {
		d->error = d->data ? EIO : ENOMEM;
		free(d->data);
		d->data = NULL;
		return;
	}
	d->len = got;
}

static void etag_of(const struct download *d, char *buf, size_t len)
{
	snprintf(buf, len, "\"%s-%s\"", d->sha, photo_variant_suffix(d->variant));
}

static void download_done(void *arg)
{
	struct download *d = arg;
	struct http_context *ctx = d->ctx;
	if (!d->data) {
		char err[16];
		snprintf(err, sizeof(err), "%d", d->error);
		const char *fields[] = {"request_id", ctx->request_id, "sha256", d->sha, "errno", err, NULL, NULL};
		log_event(LOG_LEVEL_ERROR, "photo file missing or unreadable", fields);
		free(d);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	char etag[PHOTO_SHA256_HEX_LEN + 32];
	etag_of(d, etag, sizeof(etag));
	http_set_header(ctx, "ETag", etag);
	http_set_header(ctx, "Cache-Control", "private, max-age=31536000, immutable");
	http_reply_bytes(ctx, 200, "image/jpeg", d->data, d->len);
	free(d->data);
	free(d);
}

static void visible(const struct db_result *r, void *arg)
{
	struct download *d = arg;
	struct http_context *ctx = d->ctx;
	if (r->status != DB_OK) {
		free(d);
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) == 0) {
		free(d);
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such photo", NULL);
		return;
	}
	char etag[PHOTO_SHA256_HEX_LEN + 32];
	etag_of(d, etag, sizeof(etag));
	const char *match = evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "If-None-Match");
	if (match && strstr(match, etag)) {
		free(d);
		http_set_header(ctx, "ETag", etag);
		http_set_header(ctx, "Cache-Control", "private, max-age=31536000, immutable");
		http_reply_empty(ctx, 304);
		return;
	}
	const struct app *app = io_thread_app(ctx->thread);
	if (workers_submit(app->workers, download_run, download_done, d, io_thread_base(ctx->thread)) < 0) {
		free(d);
		http_reply_problem(ctx, PROBLEM_OVERLOADED, NULL, NULL);
	}
}

void photos_get(struct http_context *ctx)
{
	size_t len;
	const char *sha = route_param(&ctx->match, "sha256", &len);
	struct download *d = calloc(1, sizeof(*d));
	if (!d) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	d->ctx = ctx;
	bool ok = sha && len == PHOTO_SHA256_HEX_LEN && strspn(sha, "0123456789abcdef") >= len;
	if (!ok) {
		free(d);
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such photo", NULL);
		return;
	}
	memcpy(d->sha, sha, len);
	d->sha[len] = '\0';
	char *size = api_query_param(ctx, "size");
	d->variant = !size || strcmp(size, "large") == 0 ? PHOTO_VARIANT_LARGE
	             : strcmp(size, "thumb") == 0        ? PHOTO_VARIANT_THUMB
	             : strcmp(size, "original") == 0     ? PHOTO_VARIANT_CLEAN
	                                                 : PHOTO_VARIANT_COUNT;
	free(size);
	if (d->variant == PHOTO_VARIANT_COUNT) {
		json_t *errors = NULL;
		problem_add_error(&errors, "/query/size", "thumb (320 px), large (1280 px, default) or original (full size, without metadata)");
		free(d);
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	snprintf(d->root, sizeof(d->root), "%s", io_thread_app(ctx->thread)->cfg.photo_dir);
	char uid[24], unit[24];
	snprintf(uid, sizeof(uid), "%lld", (long long)ctx->auth->id);
	snprintf(unit, sizeof(unit), "%lld", (long long)ctx->auth->unit_id);
	const char *params[] = {uid, auth_role_name(ctx->auth->role), ctx->auth->area_code, unit, d->sha};
	db_query(io_thread_db(ctx->thread), &statements[STMT_VISIBLE], params, visible, d);
}

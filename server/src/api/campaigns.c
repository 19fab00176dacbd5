/*
 * campaigns.c - campaigns (专项行动) such as 创建文明城市 and their actions.
 *
 * GET /v1/campaigns           every campaign with its actions
 * GET /v1/campaigns/{code}    one campaign
 * PUT /v1/campaigns/{code}    create or replace the whole campaign (admins):
 *     {name, starts_on, ends_on?, actions: [{code, name, description?,
 *      lead_unit_id, responsible_unit_ids: [...], categories: ["event:01", ...]}]}
 *     201 when created, 200 when replaced.
 *
 * Each action has one lead unit (牵头单位), the responsible units (责任单位)
 * that work on it, and the categories (majors or minors) it targets.
 *
 * A PUT is checked in C first (shape, limits, dates, codes, duplicates), then
 * the unit ids and categories it names are looked up (one query, every
 * unknown one listed with its pointer, 422), and then the document is written
 * in one pipelined transaction: the campaign is upserted by code, its actions
 * upserted by (campaign, code) so they keep their ids, actions the document no
 * longer lists are deleted, and the unit and category links are replaced. The
 * validated document goes to SQL as one jsonb parameter. A unit or category
 * removed between the look-up and the write still fails the foreign keys:
 * 422 naming which kind of reference broke.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/authn.h"
#include "api/common.h"
#include "api/routes.h"
#include "domain/calendar.h"
#include "domain/codes.h"
#include "http/json_body.h"
#include "http/response.h"
#include "http/server.h"
#include "log.h"

/* Limits on one campaign document. */
#define CAMPAIGN_MAX_ACTIONS 50
#define CAMPAIGN_MAX_UNITS_PER_ACTION 50
#define CAMPAIGN_MAX_CATEGORIES_PER_ACTION 50
#define CAMPAIGN_MAX_NAME_CHARS 100
#define CAMPAIGN_MAX_DESCRIPTION_CHARS 500

/* A campaign row c as one JSON document. */
#define CAMPAIGN_JSON                                                                               \
	"json_build_object('id', c.id, 'code', c.code, 'name', c.name, 'starts_on', c.starts_on,"      \
	" 'ends_on', c.ends_on, 'actions', coalesce((SELECT json_agg(json_build_object("               \
	"  'id', a.id, 'code', a.code, 'name', a.name, 'description', a.description,"                  \
	"  'lead_unit', (SELECT json_build_object('id', u.id, 'code', u.code, 'name', u.name)"          \
	"   FROM units u WHERE u.id = a.lead_unit_id),"                                                 \
	"  'responsible_units', coalesce((SELECT json_agg(json_build_object('id', u.id, 'code', u.code," \
	"   'name', u.name) ORDER BY u.id) FROM campaign_action_units au JOIN units u ON u.id = au.unit_id" \
	"   WHERE au.action_id = a.id), '[]'),"                                                         \
	"  'categories', coalesce((SELECT json_agg(ac.category_kind || ':' || ac.category_code"          \
	"   ORDER BY ac.category_kind DESC, ac.category_code) FROM campaign_action_categories ac"        \
	"   WHERE ac.action_id = a.id), '[]')"                                                          \
	" ) ORDER BY a.position, a.id) FROM campaign_actions a WHERE a.campaign_id = c.id), '[]'))"

/* The actions of document $2 with their index i (0-based). */
#define DOC_ACTIONS                                                                 \
	" jsonb_array_elements($2::jsonb -> 'actions') WITH ORDINALITY AS d(e, n)"

static struct db_statement statements[] = {
	{"campaigns_list",
	 "SELECT coalesce(json_agg(" CAMPAIGN_JSON " ORDER BY c.starts_on DESC, c.code), '[]')"
	 " FROM campaigns c",
	 0, 0},
	{"campaigns_get", "SELECT " CAMPAIGN_JSON " FROM campaigns c WHERE c.code = $1", 1, 0},
	/* Rows (pointer, detail) for every unit id or category of document $1 that does not exist. */
	{"campaigns_check",
	 "WITH a AS (SELECT x.e, x.n - 1 AS i"
	 "  FROM jsonb_array_elements($1::jsonb -> 'actions') WITH ORDINALITY AS x(e, n))"
	 " SELECT pointer, detail FROM ("
	 "  SELECT a.i, 0 AS f, 0::bigint AS j, '/actions/' || a.i || '/lead_unit_id' AS pointer,"
	 "   'no unit with id ' || (a.e ->> 'lead_unit_id') AS detail FROM a"
	 "   WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.id = (a.e ->> 'lead_unit_id')::bigint)"
	 "  UNION ALL"
	 "  SELECT a.i, 1, r.n, '/actions/' || a.i || '/responsible_unit_ids/' || (r.n - 1),"
	 "   'no unit with id ' || r.v"
	 "   FROM a, jsonb_array_elements_text(a.e -> 'responsible_unit_ids') WITH ORDINALITY AS r(v, n)"
	 "   WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.id = r.v::bigint)"
	 "  UNION ALL"
	 "  SELECT a.i, 2, k.n, '/actions/' || a.i || '/categories/' || (k.n - 1), 'no category ' || k.v"
	 "   FROM a, jsonb_array_elements_text(a.e -> 'categories') WITH ORDINALITY AS k(v, n)"
	 "   WHERE NOT EXISTS (SELECT 1 FROM categories c"
	 "    WHERE c.kind = split_part(k.v, ':', 1) AND c.code = split_part(k.v, ':', 2))"
	 " ) p ORDER BY i, f, j",
	 1, 0},
	/* The write, in this order, as one transaction; $1 code, $2 document. */
	{"campaigns_upsert",
	 "INSERT INTO campaigns (code, name, starts_on, ends_on)"
	 " SELECT $1, d ->> 'name', (d ->> 'starts_on')::date, (d ->> 'ends_on')::date"
	 " FROM (SELECT $2::jsonb AS d) doc"
	 " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, starts_on = EXCLUDED.starts_on,"
	 "  ends_on = EXCLUDED.ends_on, updated_at = now()"
	 " RETURNING xmax = 0",
	 2, 0},
	{"campaigns_actions_prune",
	 "DELETE FROM campaign_actions a USING campaigns c"
	 " WHERE c.code = $1 AND a.campaign_id = c.id"
	 "  AND a.code NOT IN (SELECT d.e ->> 'code' FROM" DOC_ACTIONS ")",
	 2, 0},
	{"campaigns_actions_upsert",
	 "INSERT INTO campaign_actions (campaign_id, code, name, description, lead_unit_id, position)"
	 " SELECT c.id, d.e ->> 'code', d.e ->> 'name', d.e ->> 'description',"
	 "  (d.e ->> 'lead_unit_id')::bigint, (d.n - 1)::int"
	 " FROM campaigns c," DOC_ACTIONS " WHERE c.code = $1"
	 " ON CONFLICT ON CONSTRAINT action_code_unique_in_campaign DO UPDATE SET"
	 "  name = EXCLUDED.name, description = EXCLUDED.description,"
	 "  lead_unit_id = EXCLUDED.lead_unit_id, position = EXCLUDED.position",
	 2, 0},
	{"campaigns_units_clear",
	 "DELETE FROM campaign_action_units WHERE action_id IN"
	 " (SELECT a.id FROM campaign_actions a JOIN campaigns c ON c.id = a.campaign_id WHERE c.code = $1)",
	 1, 0},
	{"campaigns_units_fill",
	 "INSERT INTO campaign_action_units (action_id, unit_id)"
	 " SELECT a.id, u.v::bigint FROM campaigns c JOIN campaign_actions a ON a.campaign_id = c.id"
	 " JOIN" DOC_ACTIONS " ON d.e ->> 'code' = a.code"
	 " CROSS JOIN jsonb_array_elements_text(d.e -> 'responsible_unit_ids') AS u(v)"
	 " WHERE c.code = $1",
	 2, 0},
	{"campaigns_categories_clear",
	 "DELETE FROM campaign_action_categories WHERE action_id IN"
	 " (SELECT a.id FROM campaign_actions a JOIN campaigns c ON c.id = a.campaign_id WHERE c.code = $1)",
	 1, 0},
	{"campaigns_categories_fill",
	 "INSERT INTO campaign_action_categories (action_id, category_kind, category_code)"
	 " SELECT a.id, split_part(k.v, ':', 1), split_part(k.v, ':', 2)"
	 " FROM campaigns c JOIN campaign_actions a ON a.campaign_id = c.id"
	 " JOIN" DOC_ACTIONS " ON d.e ->> 'code' = a.code"
	 " CROSS JOIN jsonb_array_elements_text(d.e -> 'categories') AS k(v)"
	 " WHERE c.code = $1",
	 2, 0},
};
enum {
	STMT_LIST,
	STMT_GET,
	STMT_CHECK,
	STMT_UPSERT,
	STMT_ACTIONS_PRUNE,
	STMT_ACTIONS_UPSERT,
	STMT_UNITS_CLEAR,
	STMT_UNITS_FILL,
	STMT_CATEGORIES_CLEAR,
	STMT_CATEGORIES_FILL,
};

int campaigns_register_statements(void)
{
	return db_register_statements(statements, (int)(sizeof(statements) / sizeof(statements[0])));
}

/* A code as the table's CHECK wants it: 1 to 32 of [A-Za-z0-9_.-]. */
#define CODE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"

static bool code_ok(const char *s, size_t n)
{
	if (!s || n < 1 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0' || !strchr(CODE_CHARS, s[i]))
			return false;
	return true;
}

/* The campaign code of the path, NUL-terminated in out; false when malformed. */
static bool path_code(struct http_context *ctx, char out[33])
{
	size_t len;
	const char *s = route_param(&ctx->match, "code", &len);
	if (!code_ok(s, len))
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

/* ---- reads ---- */

static void listed(const struct db_result *r, void *arg)
{
	struct http_context *ctx = arg;
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	json_error_t je;
	json_t *list = json_loads(PQgetvalue(r->res, 0, 0), 0, &je);
	if (!list) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	http_reply_json(ctx, 200, json_pack("{s:o}", "campaigns", list));
}

void campaigns_list(struct http_context *ctx)
{
	db_query(io_thread_db(ctx->thread), &statements[STMT_LIST], NULL, listed, ctx);
}

/* Answers the campaign of a campaigns_get result with status, or 404. */
static void reply_campaign_row(struct http_context *ctx, const struct db_result *r, int status)
{
	if (r->status != DB_OK) {
		api_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) != 1) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such campaign", NULL);
		return;
	}
	json_error_t je;
	json_t *campaign = json_loads(PQgetvalue(r->res, 0, 0), 0, &je);
	if (!campaign) {
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	http_reply_json(ctx, status, campaign);
}

static void got_campaign(const struct db_result *r, void *arg)
{
	reply_campaign_row(arg, r, 200);
}

void campaigns_get(struct http_context *ctx)
{
	char code[33];
	if (!path_code(ctx, code)) {
		http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such campaign", NULL);
		return;
	}
	const char *params[] = {code};
	db_query(io_thread_db(ctx->thread), &statements[STMT_GET], params, got_campaign, ctx);
}

/* ---- checking a document ---- */

/* A real date written YYYY-MM-DD; NULL otherwise. */
static const char *date_field(json_t *v)
{
	const char *s = json_string_value(v);
	struct calendar_date d;
	return s && calendar_date_parse(s, json_string_length(v), &d) ? s : NULL;
}

/* True when list[0..n) holds a JSON value equal to v. */
static bool listed_before(json_t *list, size_t n, json_t *v)
{
	for (size_t k = 0; k < n; k++)
		if (json_equal(json_array_get(list, k), v))
			return true;
	return false;
}

/* Checks one action; appends its clean form to actions. */
static void check_action(json_t *a, size_t i, json_t *all, json_t *actions, json_t **errors)
{
	char p[64], pointer[128], detail[96];
	snprintf(p, sizeof(p), "/actions/%zu", i);
	if (!json_is_object(a)) {
		problem_add_error(errors, p, "an object: {code, name, lead_unit_id, ...}");
		return;
	}
	static const char *const known[] = {"code", "name", "description", "lead_unit_id",
	                                    "responsible_unit_ids", "categories", NULL};
	api_check_known_fields(a, p, known, errors);
	json_t *clean = json_object();
	json_t *v = json_object_get(a, "code");
	snprintf(pointer, sizeof(pointer), "%s/code", p);
	if (!json_is_string(v) || !code_ok(json_string_value(v), json_string_length(v))) {
		problem_add_error(errors, pointer, "required: 1 to 32 letters, digits, . _ -");
	} else {
		for (size_t k = 0; k < i; k++)
			if (json_equal(json_object_get(json_array_get(all, k), "code"), v)) {
				snprintf(detail, sizeof(detail), "the code of action %zu again: codes are unique", k);
				problem_add_error(errors, pointer, detail);
				break;
			}
		json_object_set(clean, "code", v);
	}
	v = json_object_get(a, "name");
	snprintf(pointer, sizeof(pointer), "%s/name", p);
	if (!json_text(v, 1, CAMPAIGN_MAX_NAME_CHARS))
		problem_add_error(errors, pointer, "required: 1 to 100 characters");
	json_object_set(clean, "name", v);
	v = json_object_get(a, "description");
	snprintf(pointer, sizeof(pointer), "%s/description", p);
	if (v && !json_is_null(v) && !json_text(v, 1, CAMPAIGN_MAX_DESCRIPTION_CHARS))
		problem_add_error(errors, pointer, "1 to 500 characters, or null");
	json_object_set_new(clean, "description", v ? json_incref(v) : json_null());
	v = json_object_get(a, "lead_unit_id");
	snprintf(pointer, sizeof(pointer), "%s/lead_unit_id", p);
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		problem_add_error(errors, pointer, "required: the id of the lead unit (牵头单位)");
	json_object_set(clean, "lead_unit_id", v);

	json_t *units = json_object_get(a, "responsible_unit_ids");
	snprintf(pointer, sizeof(pointer), "%s/responsible_unit_ids", p);
	if (!json_is_array(units) || json_array_size(units) > CAMPAIGN_MAX_UNITS_PER_ACTION) {
		problem_add_error(errors, pointer, "required: an array of at most 50 unit ids (责任单位)");
	} else {
		size_t k;
		json_array_foreach(units, k, v) {
			snprintf(pointer, sizeof(pointer), "%s/responsible_unit_ids/%zu", p, k);
			if (!json_is_integer(v) || json_integer_value(v) < 1)
				problem_add_error(errors, pointer, "a unit id");
			else if (listed_before(units, k, v))
				problem_add_error(errors, pointer, "this unit is listed twice");
		}
		json_object_set(clean, "responsible_unit_ids", units);
	}

	json_t *categories = json_object_get(a, "categories");
	snprintf(pointer, sizeof(pointer), "%s/categories", p);
	if (!json_is_array(categories) || json_array_size(categories) > CAMPAIGN_MAX_CATEGORIES_PER_ACTION) {
		problem_add_error(errors, pointer,
		                  "required: an array of at most 50 categories such as event:01 or event:0102");
	} else {
		size_t k;
		json_array_foreach(categories, k, v) {
			char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1];
			snprintf(pointer, sizeof(pointer), "%s/categories/%zu", p, k);
			if (!json_is_string(v) ||
			    codes_parse_category_ref(json_string_value(v), json_string_length(v), kind, code) < 0)
				problem_add_error(errors, pointer,
				                  "a major or minor category as kind:code, e.g. event:01 or event:0102");
			else if (listed_before(categories, k, v))
				problem_add_error(errors, pointer, "this category is listed twice");
		}
		json_object_set(clean, "categories", categories);
	}
	json_array_append_new(actions, clean);
}

/*
 * Checks a campaign document; returns its clean form (only known fields,
 * nulls spelled out) or NULL with *errors set.
 */
static json_t *check_document(json_t *body, json_t **errors)
{
	if (!json_is_object(body)) {
		problem_add_error(errors, "", "a campaign: {name, starts_on, ends_on?, actions}");
		return NULL;
	}
	static const char *const known[] = {"name", "starts_on", "ends_on", "actions", NULL};
	api_check_known_fields(body, "", known, errors);
	json_t *doc = json_object();
	json_t *v = json_object_get(body, "name");
	if (!json_text(v, 1, CAMPAIGN_MAX_NAME_CHARS))
		problem_add_error(errors, "/name", "required: 1 to 100 characters");
	json_object_set(doc, "name", v);
	const char *starts = date_field(json_object_get(body, "starts_on"));
	if (!starts)
		problem_add_error(errors, "/starts_on", "required: a date, YYYY-MM-DD");
	json_object_set(doc, "starts_on", json_object_get(body, "starts_on"));
	v = json_object_get(body, "ends_on");
	if (v && !json_is_null(v)) {
		const char *ends = date_field(v);
		if (!ends)
			problem_add_error(errors, "/ends_on", "a date, YYYY-MM-DD, or null (open-ended)");
		else if (starts && strcmp(ends, starts) < 0)
			problem_add_error(errors, "/ends_on", "on or after starts_on");
	}
	json_object_set_new(doc, "ends_on", v ? json_incref(v) : json_null());
	json_t *list = json_object_get(body, "actions");
	json_t *actions = json_array();
	if (!json_is_array(list) || json_array_size(list) > CAMPAIGN_MAX_ACTIONS) {
		problem_add_error(errors, "/actions", "required: an array of at most 50 actions");
	} else {
		size_t i;
		json_array_foreach(list, i, v)
			check_action(v, i, list, actions, errors);
	}
	json_object_set_new(doc, "actions", actions);
	if (*errors) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* ---- PUT ---- */

struct campaign_write {
	struct http_context *ctx;
	struct db_conn *lease;
	char code[33];
	char *doc;             /* the clean document as JSON text, owned */
	bool created;
};

static void write_free(struct campaign_write *w)
{
	if (w->lease)
		db_release(w->lease);
	free(w->doc);
	free(w);
}

static void reread(const struct db_result *r, void *arg)
{
	struct campaign_write *w = arg;
	struct http_context *ctx = w->ctx;
	bool created = w->created;
	if (created && r->status == DB_OK) {
		char location[64];
		snprintf(location, sizeof(location), "/v1/campaigns/%s", w->code);
		http_set_header(ctx, "Location", location);
	}
	write_free(w);
	reply_campaign_row(ctx, r, created ? 201 : 200);
}

/* A broken reference found by the foreign keys (a unit or category removed meanwhile). */
static void reply_reference(struct http_context *ctx, const char *message)
{
	const char *what = strstr(message, "action_lead_unit_exists")    ? "a lead unit does not exist"
	                   : strstr(message, "action_unit_exists")       ? "a responsible unit does not exist"
	                   : strstr(message, "action_category_exists")   ? "a category does not exist"
	                                                                 : "a referenced unit or category does not exist";
	http_reply_problem(ctx, PROBLEM_UNPROCESSABLE, what, NULL);
}

static void written(const struct db_batch_result *r, void *arg)
{
	struct campaign_write *w = arg;
	struct http_context *ctx = w->ctx;
	if (r->status != DB_OK) {
		bool sql = r->status == DB_SQL_ERROR;
		if (sql && strcmp(r->sqlstate, "23503") == 0)
			reply_reference(ctx, r->message);
		else if (sql && strcmp(r->sqlstate, "23514") == 0)
			http_reply_problem(ctx, PROBLEM_VALIDATION, "a field does not satisfy the campaign rules", NULL);
		else
			api_reply_batch_failure(ctx, r);
		write_free(w);
		return;
	}
	w->created = PQgetvalue(r->results[0], 0, 0)[0] == 't';
	const char *fields[] = {"request_id", ctx->request_id, "by",  ctx->auth->login,
	                        "campaign",   w->code,         "was", w->created ? "created" : "replaced",
	                        NULL,         NULL};
	log_event(LOG_LEVEL_INFO, "campaign written", fields);
	const char *params[] = {w->code};
	db_lease_query(w->lease, &statements[STMT_GET], params, reread, w);
}

static void checked(const struct db_result *r, void *arg)
{
	struct campaign_write *w = arg;
	struct http_context *ctx = w->ctx;
	if (r->status != DB_OK) {
		write_free(w);
		api_reply_db_failure(ctx, r);
		return;
	}
	int n = PQntuples(r->res);
	if (n > 0) {
		json_t *errors = NULL;
		for (int i = 0; i < n; i++)
			problem_add_error(&errors, PQgetvalue(r->res, i, 0), PQgetvalue(r->res, i, 1));
		write_free(w);
		http_reply_problem(ctx, PROBLEM_UNPROCESSABLE, "the document names units or categories that do not exist",
		                   errors);
		return;
	}
	const char *both[] = {w->code, w->doc};
	const char *code[] = {w->code};
	struct db_batch_step steps[] = {
		{&statements[STMT_UPSERT], both},
		{&statements[STMT_ACTIONS_PRUNE], both},
		{&statements[STMT_ACTIONS_UPSERT], both},
		{&statements[STMT_UNITS_CLEAR], code},
		{&statements[STMT_UNITS_FILL], both},
		{&statements[STMT_CATEGORIES_CLEAR], code},
		{&statements[STMT_CATEGORIES_FILL], both},
	};
	db_lease_batch(w->lease, steps, (int)(sizeof(steps) / sizeof(steps[0])), written, w);
}

static void put_leased(struct db_conn *lease, enum db_status status, void *arg)
{
	struct campaign_write *w = arg;
	if (status != DB_OK) {
		struct http_context *ctx = w->ctx;
		write_free(w);
		api_reply_db_status(ctx, status);
		return;
	}
	w->lease = lease;
	const char *params[] = {w->doc};
	db_lease_query(lease, &statements[STMT_CHECK], params, checked, w);
}

void campaigns_put(struct http_context *ctx)
{
	json_t *errors = NULL;
	char code[33];
	if (!path_code(ctx, code)) {
		problem_add_error(&errors, "/path/code", "a campaign code: 1 to 32 letters, digits, . _ -");
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	json_t *doc = check_document(ctx->body, &errors);
	if (!doc) {
		http_reply_problem(ctx, PROBLEM_VALIDATION, NULL, errors);
		return;
	}
	struct campaign_write *w = calloc(1, sizeof(*w));
	if (w)
		w->doc = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!w || !w->doc) {
		free(w);
		http_reply_problem(ctx, PROBLEM_INTERNAL, NULL, NULL);
		return;
	}
	w->ctx = ctx;
	memcpy(w->code, code, sizeof(w->code));
	db_acquire(io_thread_db(ctx->thread), put_leased, w);
}

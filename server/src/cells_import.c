/*
 * cells_import.c - `gridd import-cells FILE`. See cells_import.h.
 */
#include "cells_import.h"

#include <errno.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "geo/cells_geojson.h"
#include "http/json_body.h"
#include "limits.h"

/* Reads the whole file (or stdin) into a malloc'd buffer; NULL on failure. */
static char *read_all(const char *path, size_t *len, FILE *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(err, "gridd import-cells: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap >= (size_t)CELLS_IMPORT_FILE_MAX) {
				fprintf(err, "gridd import-cells: %s is larger than %ld MiB: split it\n", path,
				        CELLS_IMPORT_FILE_MAX >> 20);
				free(buf);
				buf = NULL;
				break;
			}
			char *bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				fprintf(err, "gridd import-cells: cannot read %s\n", path);
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

static json_t *parse(const char *path, FILE *err)
{
	size_t len = 0;
	char *text = read_all(path, &len, err);
	if (!text)
		return NULL;
	if (json_body_depth(text, len, LIMIT_JSON_DEPTH) > LIMIT_JSON_DEPTH) {
		fprintf(err, "gridd import-cells: %s nests deeper than %d levels\n", path, LIMIT_JSON_DEPTH);
		free(text);
		return NULL;
	}
	json_error_t je;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!doc)
		fprintf(err, "gridd import-cells: %s is not JSON: line %d column %d: %s\n", path, je.line,
		        je.column, je.text);
	return doc;
}

static void print_problems(const json_t *errors, FILE *err)
{
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e) {
		json_t *feature = json_object_get(e, "feature");
		if (feature)
			fprintf(err, "feature %lld ", (long long)json_integer_value(feature));
		fprintf(err, "%s: %s\n", json_string_value(json_object_get(e, "pointer")),
		        json_string_value(json_object_get(e, "detail")));
	}
}

/* Runs the import statement in a transaction; the exit status. */
static int run_import(const struct config *cfg, const char *cells, FILE *out, FILE *err)
{
	PGconn *pg = PQconnectdb(cfg->db_url);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(err, "gridd import-cells: cannot connect: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return 2;
	}
	int rc = 2;
	char tolerance[16];
	snprintf(tolerance, sizeof(tolerance), "%d", cfg->cells_overlap_tolerance_m2);
	const char *params[] = {cells, tolerance};
	PGresult *r = PQexec(pg, "BEGIN");
	PQclear(r);
	r = PQexec(pg, CELLS_GEOJSON_LOCK_SQL);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		goto db_error;
	PQclear(r);
	r = PQexecParams(pg, CELLS_GEOJSON_IMPORT_SQL, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		goto db_error;
	int n = PQntuples(r);
	if (n == 1 && strcmp(PQgetvalue(r, 0, 0), "imported") == 0) {
		long long created = atoll(PQgetvalue(r, 0, 4)), replaced = atoll(PQgetvalue(r, 0, 5));
		PQclear(r);
		r = PQexec(pg, "COMMIT");
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			goto db_error;
		fprintf(out, "grid cells imported: %lld created, %lld replaced\n", created, replaced);
		rc = 0;
	} else {
		for (int i = 0; i < n; i++)
			fprintf(err, "feature %s %s: %s\n", PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
			        PQgetvalue(r, i, 3));
		fprintf(err, "gridd import-cells: nothing was imported: %d problem%s\n", n, n == 1 ? "" : "s");
		rc = 1;
	}
	PQclear(r);
	PQfinish(pg);
	return rc;
db_error:
	fprintf(err, "gridd import-cells: database error: %s", PQerrorMessage(pg));
	PQclear(r);
	PQfinish(pg);
	return 2;
}

int cells_import_file(const struct config *cfg, const char *path, FILE *out, FILE *err)
{
	json_t *doc = parse(path, err);
	if (!doc)
		return 2;
	json_t *errors = NULL;
	json_t *cells = cells_geojson_check(doc, (size_t)cfg->cells_import_max_features, &errors);
	json_decref(doc);
	if (!cells) {
		print_problems(errors, err);
		size_t n = errors ? json_array_size(errors) : 0;
		fprintf(err, "gridd import-cells: nothing was imported: %zu problem%s\n", n, n == 1 ? "" : "s");
		json_decref(errors);
		return 1;
	}
	char *text = json_dumps(cells, JSON_COMPACT);
	json_decref(cells);
	if (!text) {
		fprintf(err, "gridd import-cells: out of memory\n");
		return 2;
	}
	int rc = run_import(cfg, text, out, err);
	free(text);
	return rc;
}

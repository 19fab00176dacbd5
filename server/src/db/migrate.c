/*
 * migrate.c - applying the embedded migrations (see migrate.h).
 */
#include "db/migrate.h"

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* pg_advisory_lock key: "gridmigr" as a big-endian int64. */
#define MIGRATE_LOCK_KEY "7454136213304862578"

int migrations_latest_version(void)
{
	return migrations_embedded_count > 0
	               ? migrations_embedded[migrations_embedded_count - 1].version
	               : 0;
}

void migrate_checksum(const char *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	static const char hex[] = "0123456789abcdef";
	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < 32 && i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* Runs sql; on failure prints what/why to err and returns -1. */
static int exec_ok(PGconn *pg, const char *sql, const char *what, FILE *err)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(r);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(err, "gridd migrate: %s: %s", what, PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

/* Line number of a 1-based character position in sql, for error messages. */
static int line_of_position(const char *sql, long position)
{
	int line = 1;
	for (long i = 0; i + 1 < position && sql[i]; i++)
		if (sql[i] == '\n')
			line++;
	return line;
}

static int apply_one(PGconn *pg, const struct migration *m, const char *checksum, FILE *out,
                     FILE *err)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (exec_ok(pg, "BEGIN", "BEGIN", err) < 0)
		return -1;
	PGresult *r = PQexec(pg, m->sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
		const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
		if (pos)
			fprintf(err, "gridd migrate: %s line %d: %s", m->name,
			        line_of_position(m->sql, atol(pos)), PQresultErrorMessage(r));
		else
			fprintf(err, "gridd migrate: %s: %s", m->name, PQresultErrorMessage(r));
		PQclear(r);
		PQclear(PQexec(pg, "ROLLBACK"));
		return -1;
	}
	PQclear(r);

	char version[16];
	snprintf(version, sizeof(version), "%d", m->version);
	const char *params[3] = {version, m->name, checksum};
	r = PQexecParams(pg,
	                 "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
	                 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(err, "gridd migrate: recording %s: %s", m->name, PQresultErrorMessage(r));
		PQclear(r);
		PQclear(PQexec(pg, "ROLLBACK"));
		return -1;
	}
	PQclear(r);
	if (exec_ok(pg, "COMMIT", m->name, err) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(out, "applied %s (%.0f ms)\n", m->name,
	        (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	return 0;
}

static int run_locked(PGconn *pg, enum migrate_mode mode, FILE *out, FILE *err)
{
	if (exec_ok(pg,
	            "CREATE TABLE IF NOT EXISTS schema_migrations ("
	            " version integer PRIMARY KEY,"
	            " name text NOT NULL,"
	            " checksum text NOT NULL,"
	            " applied_at timestamptz NOT NULL DEFAULT now())",
	            "creating schema_migrations", err) < 0)
		return -1;

	PGresult *r = PQexec(pg, "SELECT version, name, checksum FROM schema_migrations ORDER BY version");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(err, "gridd migrate: reading schema_migrations: %s", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	int applied = PQntuples(r), rc = 0;
	bool *done = calloc((size_t)migrations_embedded_count + 1, sizeof(bool));
	if (!done) {
		PQclear(r);
		return -1;
	}
	for (int i = 0; i < applied; i++) {
		int version = atoi(PQgetvalue(r, i, 0));
		const char *name = PQgetvalue(r, i, 1), *sum = PQgetvalue(r, i, 2);
		int k = 0;
		while (k < migrations_embedded_count && migrations_embedded[k].version != version)
			k++;
		if (k == migrations_embedded_count) {
			fprintf(err,
			        "gridd migrate: the database has migration %d (%s), which this gridd does not "
			        "know: it was migrated by a newer gridd\n",
			        version, name);
			rc = -1;
			continue;
		}
		char expect[65];
		migrate_checksum(migrations_embedded[k].sql, migrations_embedded[k].len, expect);
		if (strcmp(expect, sum) != 0) {
			fprintf(err,
			        "gridd migrate: %s was changed after it was applied (checksum %s in the "
			        "database, %s in this build); applied migrations must never change: restore "
			        "the file and add a new migration instead\n",
			        migrations_embedded[k].name, sum, expect);
			rc = -1;
		}
		done[k] = true;
	}
	PQclear(r);

	for (int k = 0; k < migrations_embedded_count && rc == 0; k++) {
		const struct migration *m = &migrations_embedded[k];
		if (done[k])
			continue;
		if (mode == MIGRATE_STATUS) {
			fprintf(out, "pending %s\n", m->name);
			continue;
		}
		char sum[65];
		migrate_checksum(m->sql, m->len, sum);
		if (apply_one(pg, m, sum, out, err) < 0)
			rc = -1;
	}
	if (rc == 0)
		fprintf(out, "%s: schema version %d\n", mode == MIGRATE_STATUS ? "status" : "up to date",
		        mode == MIGRATE_STATUS ? applied : migrations_latest_version());
	free(done);
	return rc;
}

int migrate_run(const char *conninfo, enum migrate_mode mode, FILE *out, FILE *err)
{
	PGconn *pg = PQconnectdb(conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(err, "gridd migrate: cannot connect: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return 1;
	}
	int rc = -1;
	if (exec_ok(pg, "SET client_min_messages = warning", "setup", err) < 0)
		goto out;
	if (exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", "taking the migration lock",
	            err) < 0)
		goto out;
	rc = run_locked(pg, mode, out, err);
	exec_ok(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", "releasing the migration lock",
	        err);
out:
	PQfinish(pg);
	return rc == 0 ? 0 : 1;
}

/*
 * migrate.h - schema migrations carried inside the binary.
 *
 * The migration files are embedded at build time (see migrations/README.md).
 * migrate_run uses blocking libpq: it runs from the command line or before
 * the I/O threads start, never on an I/O thread.
 */
#ifndef GRIDD_DB_MIGRATE_H
#define GRIDD_DB_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct migration {
	int version;
	const char *name;   /* file name, e.g. "0001_base.sql" */
	const char *sql;
	size_t len;
};

extern const struct migration migrations_embedded[];
extern const int migrations_embedded_count;

/* Highest version built into this binary (0 when none). */
int migrations_latest_version(void);

/* Writes the lowercase hex sha256 of data (65 bytes with NUL) to out. */
void migrate_checksum(const char *data, size_t len, char out[65]);

enum migrate_mode { MIGRATE_APPLY, MIGRATE_STATUS };

/*
 * Connects to conninfo, takes the migration advisory lock, checks applied
 * checksums and (MIGRATE_APPLY) applies what is missing. Progress and errors
 * go to out / err. Returns 0 on success, 1 on any failure.
 */
int migrate_run(const char *conninfo, enum migrate_mode mode, FILE *out, FILE *err);

#endif

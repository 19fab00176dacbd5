/*
 * cells_import.h - `gridd import-cells FILE`: load grid cells from a GeoJSON
 * file on the command line, with the same checks as POST /v1/cells/import.
 */
#ifndef GRIDD_CELLS_IMPORT_H
#define GRIDD_CELLS_IMPORT_H

#include <stdio.h>

struct config;

/* Largest file the command reads (the API takes LIMIT_CELLS_IMPORT_BYTES). */
#define CELLS_IMPORT_FILE_MAX (512L * 1024 * 1024)

/*
 * Reads the FeatureCollection at path ("-" for standard input), checks it and
 * imports it all or nothing into cfg->db_url, with blocking libpq (command
 * line only). Prints the counts to out, or every problem to err, one line
 * each: "feature 3 /features/3/geometry: invalid geometry: Self-intersection".
 * Returns 0 when imported, 1 when the file was refused, 2 when the file could
 * not be read or the database failed.
 */
int cells_import_file(const struct config *cfg, const char *path, FILE *out, FILE *err);

#endif

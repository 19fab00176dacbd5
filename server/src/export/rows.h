/*
 * rows.h - rows of text values waiting to be written to an export (see
 * table.h): what a handler or a background job has read from the database
 * and a writer (csv.h, xlsx.h, spool.h) has not taken yet.
 *
 * Values are copied in, so a PGresult can be cleared right after its rows
 * are added. Blank values (NULL or "") are kept as NULL, which every writer
 * reads as an empty cell.
 *
 * Pure: memory only. Not thread-safe; one owner at a time (a background job
 * hands its rows to a worker thread and takes them back when it is done).
 */
#ifndef GRIDD_EXPORT_ROWS_H
#define GRIDD_EXPORT_ROWS_H

#include <stddef.h>

/* Owned by whoever holds it; export_rows_free releases the values. */
struct export_rows {
	size_t ncolumns;
	size_t count;    /* rows held */
	size_t capacity; /* rows allocated */
	char **cells;    /* count x ncolumns values, row after row; NULL = blank */
};

/* An empty set of rows of ncolumns values (nothing allocated yet). */
void export_rows_init(struct export_rows *rows, size_t ncolumns);

/* Appends one row of ncolumns values (copied). Returns 0, or -1 when out of
 * memory (nothing appended). */
int export_rows_add(struct export_rows *rows, const char *const *values);

/* Row i (< count) as writers take it. */
const char *const *export_rows_row(const struct export_rows *rows, size_t i);

/* Frees every value and forgets the rows; the allocation is kept for reuse. */
void export_rows_clear(struct export_rows *rows);

/* Frees everything; rows is empty (and may be reused) afterwards. */
void export_rows_free(struct export_rows *rows);

#endif

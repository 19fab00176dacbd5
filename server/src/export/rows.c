/*
 * rows.c - rows waiting to be exported (see rows.h).
 */
#include "export/rows.h"

#include <stdlib.h>
#include <string.h>

void export_rows_init(struct export_rows *rows, size_t ncolumns)
{
	memset(rows, 0, sizeof(*rows));
	rows->ncolumns = ncolumns;
}

int export_rows_add(struct export_rows *rows, const char *const *values)
{
	size_t n = rows->ncolumns;
	if (rows->count == rows->capacity) {
		size_t cap = rows->capacity ? rows->capacity * 2 : 256;
		char **cells = realloc(rows->cells, cap * n * sizeof(*cells));
		if (!cells)
			return -1;
		rows->cells = cells;
		rows->capacity = cap;
	}
	char **row = rows->cells + rows->count * n;
	for (size_t i = 0; i < n; i++) {
		row[i] = values[i] && values[i][0] ? strdup(values[i]) : NULL;
		if (values[i] && values[i][0] && !row[i]) {
			while (i-- > 0)
				free(row[i]);
			return -1;
		}
	}
	rows->count++;
	return 0;
}

const char *const *export_rows_row(const struct export_rows *rows, size_t i)
{
	return (const char *const *)(rows->cells + i * rows->ncolumns);
}

void export_rows_clear(struct export_rows *rows)
{
	for (size_t i = 0; i < rows->count * rows->ncolumns; i++)
		free(rows->cells[i]);
	rows->count = 0;
}

void export_rows_free(struct export_rows *rows)
{
	export_rows_clear(rows);
	free(rows->cells);
	rows->cells = NULL;
	rows->capacity = 0;
}

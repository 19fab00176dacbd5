/*
 * table.h - a table to export (statistics: case ledgers 台账, closure tables,
 * monthly assessments): the sheet, its columns and the kinds of value they
 * hold. Shared by the CSV writer (csv.h) and the XLSX writer (xlsx.h).
 *
 * Values arrive as text, the way PostgreSQL returns them. A row is
 * `const char *const *values` with sheet->ncolumns entries; NULL or "" is a
 * blank cell. The writers check a whole row before writing any of it, so a
 * malformed value (a caller's bug) leaves nothing half written.
 *
 * Pure: no I/O, no state.
 */
#ifndef GRIDD_EXPORT_TABLE_H
#define GRIDD_EXPORT_TABLE_H

#include <stdbool.h>
#include <stddef.h>

enum export_kind {
	EXPORT_TEXT,     /* any UTF-8 text */
	EXPORT_INTEGER,  /* decimal integer text, e.g. "42" or "-3" */
	EXPORT_PERCENT,  /* a percentage as decimal text, "87.33" meaning 87.33 % */
	EXPORT_NUMBER,   /* decimal text, e.g. "3.25" (hours) */
	EXPORT_DATETIME, /* local time "YYYY-MM-DD HH:MM:SS" (already in the city's zone) */
	EXPORT_DATE,     /* "YYYY-MM-DD" */
};

struct export_column {
	const char *title; /* header cell, UTF-8; NULL is a blank header */
	enum export_kind kind;
	double width; /* XLSX column width in characters; 0 derives one from kind and title */
};

/* Borrowed by the writers: the caller keeps it (usually a static table)
 * alive until the export is finished. */
struct export_sheet {
	const char *name; /* XLSX sheet name, e.g. "结案率"; sanitised there */
	const struct export_column *columns;
	size_t ncolumns;
};

/* The two file formats of an export. */
enum export_format {
	EXPORT_FORMAT_CSV,
	EXPORT_FORMAT_XLSX,
};

/* "csv" or "xlsx" (a file name's extension, without the dot). */
const char *export_format_extension(enum export_format format);

/* The Content-Type a file of this format is sent with. */
const char *export_format_content_type(enum export_format format);

/* A DATETIME or DATE value taken apart (DATE has 00:00:00). */
struct export_datetime {
	int year, month, day, hour, minute, second;
};

static inline bool export_blank(const char *value)
{
	return value == NULL || value[0] == '\0';
}

/*
 * Decodes one UTF-8 character at s (s[0] != '\0'): returns its code point
 * and stores its length in *len, or returns -1 (with *len = 1) for a byte
 * that does not start a valid, shortest-form, non-surrogate sequence.
 */
long export_utf8_decode(const char *s, size_t *len);

/*
 * Parses "YYYY-MM-DD HH:MM:SS" (with_time) or "YYYY-MM-DD" exactly: years
 * 1900-9999 (what Excel can show), real calendar days, seconds 00-59.
 * Returns 0, or -1 for anything else.
 */
int export_parse_datetime(const char *text, bool with_time, struct export_datetime *out);

/*
 * 0 when value is a well-formed value of kind, else -1. Blank is always
 * well-formed. TEXT must be valid UTF-8; INTEGER is -?[0-9]+; NUMBER and
 * PERCENT are -?[0-9]+(\.[0-9]+)?; DATETIME and DATE as above.
 */
int export_check_value(enum export_kind kind, const char *value);

/* 0 when every value of the row is well-formed for its column, else -1
 * (also for a NULL row). */
int export_check_row(const struct export_sheet *sheet, const char *const *values);

#endif

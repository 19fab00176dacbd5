/*
 * csv.h - a table as CSV for spreadsheets (see table.h), streamed into a
 * libevent buffer one row at a time so the caller can send it chunk by chunk.
 *
 * The text opens with a UTF-8 byte order mark, which is what makes Excel read
 * Chinese text as UTF-8. Fields follow RFC 4180: a field holding a comma,
 * quote, CR or LF is quoted with its quotes doubled; every line ends in CRLF.
 *
 * Formula injection (OWASP "CSV injection"): a TEXT field beginning with
 * = + - @ TAB or CR gets a leading apostrophe, so a spreadsheet shows it as
 * text instead of running it. Other kinds are checked (table.h) and so can
 * never hold a formula; they are written as given, PERCENT with a "%" added
 * ("87.33" -> 87.33%).
 *
 * Pure: only appends to the buffer it is given.
 */
#ifndef GRIDD_EXPORT_CSV_H
#define GRIDD_EXPORT_CSV_H

#include <event2/buffer.h>

#include "export/table.h"

/* Appends the byte order mark and the header row (the column titles). */
void export_csv_begin(struct evbuffer *out, const struct export_sheet *sheet);

/*
 * Appends one row of sheet->ncolumns values. Returns 0, or -1 without
 * appending anything when a value is malformed for its column's kind or
 * values is NULL (a bug in the caller, who made the values).
 */
int export_csv_row(struct evbuffer *out, const struct export_sheet *sheet,
                   const char *const *values);

#endif

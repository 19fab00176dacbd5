/*
 * csv.c - CSV export (see csv.h).
 */
#include "export/csv.h"

#include <stdbool.h>
#include <string.h>

/* Leading characters that make a spreadsheet read a cell as a formula. */
#define CSV_FORMULA_STARTS "=+-@\t\r"

static bool csv_needs_guard(const char *text)
{
	return text[0] != '\0' && strchr(CSV_FORMULA_STARTS, text[0]) != NULL;
}

/* A text field: apostrophe guard, then RFC 4180 quoting when needed. */
static void csv_text(struct evbuffer *out, const char *text)
{
	bool guard = csv_needs_guard(text);
	bool quote = strpbrk(text, ",\"\r\n") != NULL;
	if (!quote) {
		if (guard)
			evbuffer_add(out, "'", 1);
		evbuffer_add(out, text, strlen(text));
		return;
	}
	evbuffer_add(out, guard ? "\"'" : "\"", guard ? 2 : 1);
	const char *q;
	while ((q = strchr(text, '"'))) {
		evbuffer_add(out, text, (size_t)(q - text + 1)); /* up to and with the quote */
		evbuffer_add(out, "\"", 1);                      /* doubled */
		text = q + 1;
	}
	evbuffer_add(out, text, strlen(text));
	evbuffer_add(out, "\"", 1);
}

/* One field of a checked value. */
static void csv_field(struct evbuffer *out, enum export_kind kind, const char *value)
{
	if (export_blank(value))
		return;
	if (kind == EXPORT_TEXT) {
		csv_text(out, value);
		return;
	}
	evbuffer_add(out, value, strlen(value)); /* checked: digits, '-', '.', ':', ' ' */
	if (kind == EXPORT_PERCENT)
		evbuffer_add(out, "%", 1);
}

void export_csv_begin(struct evbuffer *out, const struct export_sheet *sheet)
{
	evbuffer_add(out, "\xEF\xBB\xBF", 3);
	for (size_t i = 0; i < sheet->ncolumns; i++) {
		if (i > 0)
			evbuffer_add(out, ",", 1);
		if (!export_blank(sheet->columns[i].title))
			csv_text(out, sheet->columns[i].title);
	}
	evbuffer_add(out, "\r\n", 2);
}

int export_csv_row(struct evbuffer *out, const struct export_sheet *sheet,
                   const char *const *values)
{
	if (export_check_row(sheet, values) != 0)
		return -1;
	for (size_t i = 0; i < sheet->ncolumns; i++) {
		if (i > 0)
			evbuffer_add(out, ",", 1);
		csv_field(out, sheet->columns[i].kind, values[i]);
	}
	evbuffer_add(out, "\r\n", 2);
	return 0;
}

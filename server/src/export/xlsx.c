/*
 * xlsx.c - XLSX export with libxlsxwriter (see xlsx.h).
 */
#include "export/xlsx.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <xlsxwriter.h>

/*
 * libxlsxwriter 1.1.4 names its temporary files with tmpfileplus, which
 * keeps an unguarded static seed and reseeds the process's rand(), and
 * stamps the document with gmtime(). Those happen only while a worksheet is
 * added (constant_memory makes its row file then) and in workbook_close, so
 * those two calls hold this lock; rows are written without it.
 */
static pthread_mutex_t xlsx_library_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * constant_memory mode keeps the rows in an unlinked temporary file
 * (worksheet->optimize_tmpfile), which libxlsxwriter closes only when
 * workbook_close gets as far as the worksheet: lxw_workbook_free never does,
 * nor does a workbook_close that fails earlier. Either would leak a
 * descriptor and the disk space of every row. So the file is wrapped in a
 * stream whose close we see, and closed here when libxlsxwriter did not.
 */
struct xlsx_spill {
	FILE *inner;  /* libxlsxwriter's temporary file */
	FILE *stream; /* the wrapper libxlsxwriter writes to */
	bool closed;  /* stream (and so inner) has been closed */
};

/* Owned by the caller between export_xlsx_open and close/abort. */
struct export_xlsx {
	lxw_workbook *workbook; /* owned; freed by workbook_close or lxw_workbook_free */
	char *path;             /* owned: where close writes */
	lxw_worksheet *worksheet;
	const struct export_sheet *sheet; /* borrowed */
	lxw_format *header;
	lxw_format *kind_format[EXPORT_DATE + 1]; /* NULL for TEXT */
	lxw_row_t rows;                           /* data rows written */
	struct xlsx_spill spill;
};

static const char *const xlsx_number_format[EXPORT_DATE + 1] = {
	[EXPORT_INTEGER] = "0",
	[EXPORT_PERCENT] = "0.00%",
	[EXPORT_NUMBER] = "0.00",
	[EXPORT_DATETIME] = "yyyy-mm-dd hh:mm:ss",
	[EXPORT_DATE] = "yyyy-mm-dd",
};

/* Default widths in characters, before the title is considered. */
static const double xlsx_kind_width[EXPORT_DATE + 1] = {
	[EXPORT_TEXT] = 16,
	[EXPORT_INTEGER] = 10,
	[EXPORT_PERCENT] = 10,
	[EXPORT_NUMBER] = 10,
	[EXPORT_DATETIME] = 20,
	[EXPORT_DATE] = 12,
};

/* ------------------------------------------------------------- text --- */

/* East Asian wide and fullwidth characters (CJK, kana, Hangul, fullwidth
 * forms, wide emoji): about two columns in a spreadsheet. */
static bool xlsx_wide(long cp)
{
	return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
	       (cp >= 0x3041 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
	       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
	       (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) ||
	       (cp >= 0x1F300 && cp <= 0x1F64F) || (cp >= 0x1F900 && cp <= 0x1F9FF) ||
	       (cp >= 0x20000 && cp <= 0x3FFFD);
}

static double xlsx_display_width(const char *s)
{
	double width = 0;
	size_t len;
	for (; s && *s; s += len)
		width += xlsx_wide(export_utf8_decode(s, &len)) ? 2 : 1;
	return width;
}

/* Bytes of the longest prefix of valid UTF-8 s within max UTF-16 units. */
static size_t xlsx_prefix_bytes(const char *s, size_t max)
{
	size_t units = 0, bytes = 0, len;
	while (s[bytes]) {
		size_t w = export_utf8_decode(s + bytes, &len) >= 0x10000 ? 2 : 1;
		if (units + w > max)
			break;
		units += w;
		bytes += len;
	}
	return bytes;
}

static bool xlsx_bad_name_char(long cp)
{
	return cp < 0x20 || cp == 0x7F || (cp < 0x80 && strchr("[]:*?/\\", (int)cp));
}

void export_xlsx_sheet_name(const char *in, char out[EXPORT_XLSX_SHEET_NAME_SIZE])
{
	size_t n = 0, units = 0, len;
	for (const char *s = in ? in : ""; *s; s += len) {
		long cp = export_utf8_decode(s, &len);
		size_t w = cp >= 0x10000 ? 2 : 1;
		if (units + w > EXPORT_XLSX_SHEET_NAME_MAX)
			break;
		units += w;
		if (xlsx_bad_name_char(cp)) {
			out[n++] = '_';
		} else {
			memcpy(out + n, s, len);
			n += len;
		}
	}
	while (n > 0 && out[n - 1] == '\'') /* Excel refuses apostrophes at either end */
		n--;
	out[n] = '\0';
	size_t start = strspn(out, "'");
	memmove(out, out + start, n - start + 1);
	if (out[0] == '\0')
		strcpy(out, "Sheet1");
	else if (strcasecmp(out, "History") == 0)
		strcat(out, "_");
}

double export_xlsx_column_width(const struct export_column *column)
{
	if (column->width > 0)
		return column->width < 255 ? column->width : 255;
	double width = xlsx_display_width(column->title) + 4; /* the filter button */
	if (width < xlsx_kind_width[column->kind])
		width = xlsx_kind_width[column->kind];
	return width < 60 ? width : 60;
}

/* ------------------------------------------------------------ spill --- */

static ssize_t xlsx_spill_read(void *cookie, char *buf, size_t size)
{
	struct xlsx_spill *spill = cookie;
	size_t n = fread(buf, 1, size, spill->inner);
	return n == 0 && ferror(spill->inner) ? -1 : (ssize_t)n;
}

static ssize_t xlsx_spill_write(void *cookie, const char *buf, size_t size)
{
	struct xlsx_spill *spill = cookie;
	return (ssize_t)fwrite(buf, 1, size, spill->inner); /* short (0) on error */
}

static int xlsx_spill_seek(void *cookie, off64_t *offset, int whence)
{
	struct xlsx_spill *spill = cookie;
	if (fseeko(spill->inner, *offset, whence) != 0)
		return -1;
	*offset = ftello(spill->inner);
	return 0;
}

static int xlsx_spill_close(void *cookie)
{
	struct xlsx_spill *spill = cookie;
	spill->closed = true;
	return fclose(spill->inner);
}

/* Puts the wrapper between the worksheet and its row file. */
static int xlsx_spill_wrap(struct export_xlsx *x)
{
	static const cookie_io_functions_t io = {
		.read = xlsx_spill_read,
		.write = xlsx_spill_write,
		.seek = xlsx_spill_seek,
		.close = xlsx_spill_close,
	};
	x->spill.inner = x->worksheet->optimize_tmpfile;
	x->spill.stream = fopencookie(&x->spill, "w+", io);
	if (!x->spill.stream)
		return -1;
	setvbuf(x->spill.inner, NULL, _IONBF, 0); /* the wrapper buffers */
	setvbuf(x->spill.stream, NULL, _IOFBF, 64 * 1024);
	x->worksheet->optimize_tmpfile = x->spill.stream;
	x->worksheet->file = x->spill.stream;
	return 0;
}

/* Closes the row file if libxlsxwriter has not. */
static void xlsx_spill_release(struct export_xlsx *x)
{
	if (x->spill.stream && !x->spill.closed)
		fclose(x->spill.stream);
	else if (!x->spill.stream && x->worksheet && x->worksheet->optimize_tmpfile)
		fclose(x->worksheet->optimize_tmpfile); /* never wrapped */
}

/* ------------------------------------------------------------- open --- */

static int xlsx_add_formats(struct export_xlsx *x)
{
	x->header = workbook_add_format(x->workbook);
	if (!x->header)
		return -1;
	format_set_bold(x->header);
	for (int kind = EXPORT_INTEGER; kind <= EXPORT_DATE; kind++) {
		x->kind_format[kind] = workbook_add_format(x->workbook);
		if (!x->kind_format[kind])
			return -1;
		format_set_num_format(x->kind_format[kind], xlsx_number_format[kind]);
	}
	return 0;
}

/* Widths, the header row and the frozen panes; the autofilter waits for
 * close, when the last row is known. */
static int xlsx_write_header(struct export_xlsx *x)
{
	for (size_t i = 0; i < x->sheet->ncolumns; i++) {
		const struct export_column *column = &x->sheet->columns[i];
		lxw_col_t col = (lxw_col_t)i;
		if (worksheet_set_column(x->worksheet, col, col, export_xlsx_column_width(column),
		                         NULL) != LXW_NO_ERROR)
			return -1;
		/* "" with a format is a formatted blank: the header row always exists */
		if (worksheet_write_string(x->worksheet, 0, col, column->title ? column->title : "",
		                           x->header) != LXW_NO_ERROR)
			return -1;
	}
	worksheet_freeze_panes(x->worksheet, 1, 0);
	return 0;
}

/* The directory part of path, for temporary files ("." when none). */
static char *xlsx_directory(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	return slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
}

static int xlsx_create(struct export_xlsx *x, const char *path)
{
	char *tmpdir = xlsx_directory(path);
	if (!tmpdir)
		return -1;
	lxw_workbook_options options = {.constant_memory = LXW_TRUE, .tmpdir = tmpdir};
	char name[EXPORT_XLSX_SHEET_NAME_SIZE];
	export_xlsx_sheet_name(x->sheet->name, name);
	pthread_mutex_lock(&xlsx_library_lock);
	x->workbook = workbook_new_opt(path, &options); /* copies path and tmpdir */
	if (x->workbook)
		x->worksheet = workbook_add_worksheet(x->workbook, name);
	pthread_mutex_unlock(&xlsx_library_lock);
	free(tmpdir);
	return x->worksheet ? 0 : -1;
}

struct export_xlsx *export_xlsx_open(const char *path, const struct export_sheet *sheet)
{
	if (!path || !sheet || !sheet->columns || sheet->ncolumns == 0 ||
	    sheet->ncolumns > EXPORT_XLSX_MAX_COLUMNS)
		return NULL;
	struct export_xlsx *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->sheet = sheet;
	x->path = strdup(path);
	if (!x->path || xlsx_create(x, path) != 0 || xlsx_spill_wrap(x) != 0 || xlsx_add_formats(x) != 0 ||
	    xlsx_write_header(x) != 0) {
		export_xlsx_abort(x);
		return NULL;
	}
	return x;
}

/* ------------------------------------------------------------- rows --- */

static lxw_error xlsx_write_text(struct export_xlsx *x, lxw_row_t row, lxw_col_t col,
                                 const char *text)
{
	size_t keep = xlsx_prefix_bytes(text, EXPORT_XLSX_TEXT_MAX);
	if (text[keep] == '\0')
		return worksheet_write_string(x->worksheet, row, col, text, NULL);
	char *cut = strndup(text, keep);
	if (!cut)
		return LXW_ERROR_MEMORY_MALLOC_FAILED;
	lxw_error err = worksheet_write_string(x->worksheet, row, col, cut, NULL);
	free(cut);
	return err;
}

/* "87.33" -> 0.8733, rounded once (strtod of "87.33e-2"), not twice. */
static double xlsx_percent(const char *value)
{
	char buf[64];
	if ((size_t)snprintf(buf, sizeof(buf), "%se-2", value) < sizeof(buf))
		return strtod(buf, NULL);
	return strtod(value, NULL) / 100;
}

static lxw_error xlsx_write_datetime(struct export_xlsx *x, lxw_row_t row, lxw_col_t col,
                                     enum export_kind kind, const char *value)
{
	struct export_datetime t;
	if (export_parse_datetime(value, kind == EXPORT_DATETIME, &t) != 0)
		return LXW_ERROR_PARAMETER_VALIDATION;
	lxw_datetime when = {
		.year = t.year, .month = t.month, .day = t.day,
		.hour = t.hour, .min = t.minute, .sec = t.second,
	};
	return worksheet_write_datetime(x->worksheet, row, col, &when, x->kind_format[kind]);
}

/* One checked, non-blank value. */
static lxw_error xlsx_write_cell(struct export_xlsx *x, lxw_row_t row, lxw_col_t col,
                                 enum export_kind kind, const char *value)
{
	lxw_format *format = x->kind_format[kind];
	switch (kind) {
	case EXPORT_TEXT:
		return xlsx_write_text(x, row, col, value);
	case EXPORT_INTEGER:
	case EXPORT_NUMBER:
		return worksheet_write_number(x->worksheet, row, col, strtod(value, NULL), format);
	case EXPORT_PERCENT:
		return worksheet_write_number(x->worksheet, row, col, xlsx_percent(value), format);
	case EXPORT_DATETIME:
	case EXPORT_DATE:
		return xlsx_write_datetime(x, row, col, kind, value);
	}
	return LXW_ERROR_PARAMETER_VALIDATION;
}

int export_xlsx_row(struct export_xlsx *x, const char *const *values)
{
	if (!x || x->rows >= EXPORT_XLSX_MAX_ROWS || export_check_row(x->sheet, values) != 0)
		return -1;
	lxw_row_t row = ++x->rows; /* row 0 is the header */
	for (size_t i = 0; i < x->sheet->ncolumns; i++) {
		if (export_blank(values[i]))
			continue;
		if (xlsx_write_cell(x, row, (lxw_col_t)i, x->sheet->columns[i].kind, values[i]) !=
		    LXW_NO_ERROR)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ close --- */

int export_xlsx_close(struct export_xlsx *x)
{
	if (!x)
		return -1;
	worksheet_autofilter(x->worksheet, 0, 0, x->rows, (lxw_col_t)(x->sheet->ncolumns - 1));
	pthread_mutex_lock(&xlsx_library_lock);
	lxw_error err = workbook_close(x->workbook); /* frees the workbook, even on error */
	pthread_mutex_unlock(&xlsx_library_lock);
	x->workbook = NULL;
	x->worksheet = NULL;
	xlsx_spill_release(x);
	if (err != LXW_NO_ERROR && err != LXW_ERROR_CREATING_XLSX_FILE)
		unlink(x->path); /* libxlsxwriter opened it, then failed part way */
	free(x->path);
	free(x);
	return err == LXW_NO_ERROR ? 0 : -1;
}

void export_xlsx_abort(struct export_xlsx *x)
{
	if (!x)
		return;
	xlsx_spill_release(x);
	lxw_workbook_free(x->workbook); /* NULL is ignored */
	free(x->path);
	free(x);
}

/*
 * xlsx.h - a table as an Excel workbook (.xlsx) of one sheet, written with
 * libxlsxwriter in constant-memory mode: each row goes to a temporary file as
 * it is written, so a million rows cost no more memory than ten.
 *
 * The sheet has a bold header row, panes frozen below it, an autofilter over
 * header and data, and column widths. Cells are typed (table.h): TEXT is a
 * string (never a formula, so there is nothing to inject), INTEGER a number
 * shown "0", NUMBER a number shown "0.00", PERCENT the number value/100
 * shown "0.00%", DATETIME and DATE real Excel dates shown
 * "yyyy-mm-dd hh:mm:ss" and "yyyy-mm-dd". Blank values leave the cell empty.
 *
 * Blocking file I/O: worker threads only. Exports on different threads are
 * independent, except that the few libxlsxwriter calls which touch its
 * unguarded globals (temporary file names, the document's gmtime() stamp) are
 * serialised by one lock here: opening, and writing the file in close (so
 * two closes, which zip every row, wait for each other).
 * libxlsxwriter formats numbers with the C library, so the process must keep
 * the "C" LC_NUMERIC (gridd never calls setlocale).
 */
#ifndef GRIDD_EXPORT_XLSX_H
#define GRIDD_EXPORT_XLSX_H

#include "export/table.h"

/* Data rows under the header: Excel has 1,048,576 rows in all. */
#define EXPORT_XLSX_MAX_ROWS 1048575

/* Columns: Excel's 16,384 (A to XFD). */
#define EXPORT_XLSX_MAX_COLUMNS 16384

/* One cell holds at most this many characters (UTF-16 units, as Excel counts);
 * longer TEXT is cut there at a character boundary. */
#define EXPORT_XLSX_TEXT_MAX 32767

/* A sheet name: at most 31 characters (UTF-16 units, as Excel counts). */
#define EXPORT_XLSX_SHEET_NAME_MAX 31
#define EXPORT_XLSX_SHEET_NAME_SIZE (EXPORT_XLSX_SHEET_NAME_MAX * 4 + 1)

/* An export in progress; owned by the caller until export_xlsx_close or
 * export_xlsx_abort frees it. */
struct export_xlsx;

/*
 * Starts a workbook that export_xlsx_close will write to path, with one sheet
 * named after sheet->name (sanitised) and its header row. Nothing is created
 * at path until close; the temporary file of rows is made (already unlinked)
 * in path's directory, so it lands on the disk the caller chose for the
 * result. sheet is borrowed until close or abort. Returns NULL when sheet has
 * no columns or more than EXPORT_XLSX_MAX_COLUMNS, or libxlsxwriter fails
 * (memory, or no temporary file could be made).
 */
struct export_xlsx *export_xlsx_open(const char *path, const struct export_sheet *sheet);

/*
 * Appends one row of sheet->ncolumns values. Returns 0; or -1 without
 * writing anything when a value is malformed for its kind (a caller's bug),
 * values is NULL, or EXPORT_XLSX_MAX_ROWS rows are already written; or -1
 * when libxlsxwriter fails (out of memory), which may leave the row partly
 * written: abort the export then.
 */
int export_xlsx_row(struct export_xlsx *x, const char *const *values);

/*
 * Writes the workbook to path and frees x (also on failure). Returns 0, or
 * -1 when libxlsxwriter could not write it (its reason goes to stderr); then
 * a partly written file at path is removed, but a file libxlsxwriter could
 * not open at all is left as it was.
 */
int export_xlsx_close(struct export_xlsx *x);

/*
 * Frees x without writing anything: libxlsxwriter's workbook_close would
 * always write the file, so this frees the workbook instead and closes the
 * temporary file of rows (which libxlsxwriter's own free leaves open).
 * Nothing is created at path. NULL is ignored.
 */
void export_xlsx_abort(struct export_xlsx *x);

/*
 * A sheet name Excel accepts, from any text: [ ] : * ? / \, control
 * characters and invalid UTF-8 become '_', the name is cut to
 * EXPORT_XLSX_SHEET_NAME_MAX at a character boundary, apostrophes at either
 * end are dropped, the reserved "History" becomes "History_", and an empty
 * result becomes "Sheet1". NULL in is empty.
 */
void export_xlsx_sheet_name(const char *in, char out[EXPORT_XLSX_SHEET_NAME_SIZE]);

/*
 * The width a column gets, in characters: its own width when set (at most
 * 255, Excel's limit), else the wider of a default for its kind and its title
 * (CJK characters counting 2) plus room for the filter button, at most 60.
 */
double export_xlsx_column_width(const struct export_column *column);

#endif

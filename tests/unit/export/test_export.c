/* Unit tests for export/: value checks (table.c), CSV (csv.c) and XLSX
 * (xlsx.c). XLSX files go to a fresh temporary directory per test and are
 * read back with a small ZIP reader (zlib) to look at the sheet's XML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <event2/buffer.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "export/csv.h"
#include "export/table.h"
#include "export/xlsx.h"
#include "../tmpdir.h"

/* Every kind once; the sheet most tests use. */
static const struct export_column every_kind[] = {
	{"网格", EXPORT_TEXT, 0},
	{"案件数", EXPORT_INTEGER, 0},
	{"结案率", EXPORT_PERCENT, 0},
	{"平均用时(小时)", EXPORT_NUMBER, 0},
	{"上报时间", EXPORT_DATETIME, 0},
	{"日期", EXPORT_DATE, 0},
};
static const struct export_sheet every_kind_sheet = {"结案率", every_kind, 6};

static const struct export_column one_text[] = {{"备注", EXPORT_TEXT, 0}};
static const struct export_sheet one_text_sheet = {"文本", one_text, 1};

static const struct export_column one_integer[] = {{"n", EXPORT_INTEGER, 0}};
static const struct export_sheet one_integer_sheet = {"n", one_integer, 1};

/* ------------------------------------------------------------ helpers --- */

/* The buffer's bytes as a string (freed by the caller). */
static char *drain(struct evbuffer *buf)
{
	size_t len = evbuffer_get_length(buf);
	char *s = malloc(len + 1);
	assert_non_null(s);
	evbuffer_remove(buf, s, len);
	s[len] = '\0';
	return s;
}

/* The CSV text of one row of sheet (without BOM and header). */
static char *csv_row_text(const struct export_sheet *sheet, const char *const *values)
{
	struct evbuffer *buf = evbuffer_new();
	assert_int_equal(export_csv_row(buf, sheet, values), 0);
	char *s = drain(buf);
	evbuffer_free(buf);
	return s;
}

static void assert_csv_text(const char *value, const char *expected_line)
{
	const char *values[] = {value};
	char *line = csv_row_text(&one_text_sheet, values);
	assert_string_equal(line, expected_line);
	free(line);
}

struct fixture {
	char dir[TEST_TMPDIR_MAX];
	char path[128]; /* dir/out.xlsx */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(test_tmpdir_make(f->dir, "export"), 0);
	snprintf(f->path, sizeof(f->path), "%s/out.xlsx", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	test_tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static int open_descriptors(void)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static unsigned char *read_whole(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	long size = ftell(fp);
	assert_true(size > 0);
	rewind(fp);
	unsigned char *data = malloc((size_t)size);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	*len = (size_t)size;
	return data;
}

static unsigned le16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static unsigned long le32(const unsigned char *p)
{
	return le16(p) | (unsigned long)le16(p + 2) << 16;
}

/* The member called name of the ZIP file at path, inflated, as a string;
 * found through the central directory. NULL when absent. */
static char *zip_member(const char *path, const char *name)
{
	size_t len;
	unsigned char *zip = read_whole(path, &len);
	assert_true(len >= 22);
	size_t end = len - 22;
	while (end > 0 && le32(zip + end) != 0x06054b50)
		end--;
	assert_int_equal(le32(zip + end), 0x06054b50);
	size_t at = le32(zip + end + 16);
	char *text = NULL;
	for (unsigned i = 0; i < le16(zip + end + 10) && !text; i++) {
		assert_int_equal(le32(zip + at), 0x02014b50);
		unsigned method = le16(zip + at + 10);
		unsigned long packed = le32(zip + at + 20), size = le32(zip + at + 24);
		unsigned name_len = le16(zip + at + 28);
		size_t local = le32(zip + at + 42);
		if (name_len == strlen(name) && memcmp(zip + at + 46, name, name_len) == 0) {
			const unsigned char *data =
				zip + local + 30 + le16(zip + local + 26) + le16(zip + local + 28);
			text = malloc(size + 1);
			assert_non_null(text);
			if (method == 0) {
				memcpy(text, data, size);
			} else {
				assert_int_equal(method, 8);
				z_stream z = {.next_in = (unsigned char *)data, .avail_in = (uInt)packed,
				              .next_out = (unsigned char *)text, .avail_out = (uInt)size};
				assert_int_equal(inflateInit2(&z, -MAX_WBITS), Z_OK);
				assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
				inflateEnd(&z);
			}
			text[size] = '\0';
		}
		at += 46 + name_len + le16(zip + at + 30) + le16(zip + at + 32);
	}
	free(zip);
	return text;
}

#define assert_contains(haystack, needle)                                           \
	do {                                                                        \
		if (!strstr((haystack), (needle)))                                  \
			fail_msg("expected %s in:\n%s", (needle), (haystack));      \
	} while (0)

/* ------------------------------------------------------------- values --- */

static void values_of_each_kind_are_checked_strictly(void **state)
{
	assert_int_equal(export_check_value(EXPORT_INTEGER, "42"), 0);
	assert_int_equal(export_check_value(EXPORT_INTEGER, "-3"), 0);
	assert_int_equal(export_check_value(EXPORT_INTEGER, NULL), 0);
	assert_int_equal(export_check_value(EXPORT_INTEGER, ""), 0);
	assert_int_equal(export_check_value(EXPORT_INTEGER, "4x2"), -1);
	assert_int_equal(export_check_value(EXPORT_INTEGER, "3.0"), -1);
	assert_int_equal(export_check_value(EXPORT_INTEGER, "+1"), -1);
	assert_int_equal(export_check_value(EXPORT_INTEGER, "-"), -1);
	assert_int_equal(export_check_value(EXPORT_INTEGER, " 1"), -1);
	assert_int_equal(export_check_value(EXPORT_NUMBER, "3.25"), 0);
	assert_int_equal(export_check_value(EXPORT_NUMBER, "-0.5"), 0);
	assert_int_equal(export_check_value(EXPORT_NUMBER, "1."), -1);
	assert_int_equal(export_check_value(EXPORT_NUMBER, ".5"), -1);
	assert_int_equal(export_check_value(EXPORT_NUMBER, "1e5"), -1);
	assert_int_equal(export_check_value(EXPORT_NUMBER, "NaN"), -1);
	assert_int_equal(export_check_value(EXPORT_PERCENT, "87.33"), 0);
	assert_int_equal(export_check_value(EXPORT_PERCENT, "87.33%"), -1);
	assert_int_equal(export_check_value(EXPORT_TEXT, "网格员 =1+1"), 0);
	assert_int_equal(export_check_value(EXPORT_TEXT, "bad \xff byte"), -1);
	assert_int_equal(export_check_value(EXPORT_TEXT, "overlong \xc0\xaf"), -1);
	assert_int_equal(export_check_value(EXPORT_TEXT, "surrogate \xed\xa0\x80"), -1);
	assert_int_equal(export_check_value(EXPORT_TEXT, "cut \xe7\xbd"), -1);
	assert_int_equal(export_check_value((enum export_kind)99, "1"), -1);
}

static void dates_must_be_real_calendar_days_excel_can_show(void **state)
{
	struct export_datetime t;
	assert_int_equal(export_parse_datetime("2024-05-01 08:30:15", true, &t), 0);
	assert_int_equal(t.year, 2024);
	assert_int_equal(t.month, 5);
	assert_int_equal(t.day, 1);
	assert_int_equal(t.hour, 8);
	assert_int_equal(t.minute, 30);
	assert_int_equal(t.second, 15);
	assert_int_equal(export_parse_datetime("2024-02-29", false, &t), 0);
	assert_int_equal(t.hour, 0);
	assert_int_equal(export_parse_datetime("2000-02-29", false, &t), 0);
	assert_int_equal(export_parse_datetime("2023-02-29", false, &t), -1);
	assert_int_equal(export_parse_datetime("1900-02-29", false, &t), -1);
	assert_int_equal(export_parse_datetime("1899-12-31", false, &t), -1);
	assert_int_equal(export_parse_datetime("2024-04-31", false, &t), -1);
	assert_int_equal(export_parse_datetime("2024-13-01", false, &t), -1);
	assert_int_equal(export_parse_datetime("2024-5-01", false, &t), -1);
	assert_int_equal(export_parse_datetime("2024-05-01 08:30:15", false, &t), -1);
	assert_int_equal(export_parse_datetime("2024-05-01T08:30:15", true, &t), -1);
	assert_int_equal(export_parse_datetime("2024-05-01 24:00:00", true, &t), -1);
	assert_int_equal(export_parse_datetime("2024-05-01 08:60:00", true, &t), -1);
	assert_int_equal(export_parse_datetime("2024-05-01 08:30:60", true, &t), -1);
	assert_int_equal(export_parse_datetime("2024-05-01 08:30", true, &t), -1);
	assert_int_equal(export_parse_datetime("2024-05-01", true, &t), -1);
	assert_int_equal(export_parse_datetime(NULL, true, &t), -1);
}

/* ---------------------------------------------------------------- CSV --- */

static void csv_starts_with_bom_then_header_row_ending_in_crlf(void **state)
{
	struct evbuffer *buf = evbuffer_new();
	export_csv_begin(buf, &every_kind_sheet);
	char *text = drain(buf);
	assert_string_equal(text, "\xEF\xBB\xBF网格,案件数,结案率,平均用时(小时),上报时间,日期\r\n");
	free(text);
	evbuffer_free(buf);
}

static void csv_writes_each_kind_as_given_and_percent_with_sign(void **state)
{
	const char *values[] = {"城东一网格", "42", "87.33", "3.25", "2024-05-01 08:30:00",
	                        "2024-05-01"};
	char *line = csv_row_text(&every_kind_sheet, values);
	assert_string_equal(line, "城东一网格,42,87.33%,3.25,2024-05-01 08:30:00,2024-05-01\r\n");
	free(line);
	const char *negative[] = {"", "-3", "-1.5", "-0.25", NULL, NULL};
	line = csv_row_text(&every_kind_sheet, negative);
	assert_string_equal(line, ",-3,-1.5%,-0.25,,\r\n");
	free(line);
}

static void csv_quotes_commas_quotes_and_line_breaks(void **state)
{
	assert_csv_text("a,b", "\"a,b\"\r\n");
	assert_csv_text("say \"hi\"", "\"say \"\"hi\"\"\"\r\n");
	assert_csv_text("\"", "\"\"\"\"\r\n");
	assert_csv_text("line 1\nline 2", "\"line 1\nline 2\"\r\n");
	assert_csv_text("cr\rlf", "\"cr\rlf\"\r\n");
	assert_csv_text("plain text", "plain text\r\n");
	assert_csv_text("中文，全角逗号不用引号", "中文，全角逗号不用引号\r\n");
}

static void csv_guards_text_a_spreadsheet_would_run_as_a_formula(void **state)
{
	assert_csv_text("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"\r\n");
	assert_csv_text("=1+1", "'=1+1\r\n");
	assert_csv_text("+86 138", "'+86 138\r\n");
	assert_csv_text("-2+3", "'-2+3\r\n");
	assert_csv_text("@SUM(A1)", "'@SUM(A1)\r\n");
	assert_csv_text("\tcmd", "'\tcmd\r\n");
	assert_csv_text("\r=1", "\"'\r=1\"\r\n");
	assert_csv_text("=1,2", "\"'=1,2\"\r\n");
	assert_csv_text("a=1", "a=1\r\n");
	assert_csv_text(" =1", " =1\r\n");
}

static void csv_header_titles_follow_the_text_rules(void **state)
{
	static const struct export_column columns[] = {
		{"a,b", EXPORT_TEXT, 0}, {NULL, EXPORT_INTEGER, 0}, {"=x", EXPORT_TEXT, 0}};
	static const struct export_sheet sheet = {"s", columns, 3};
	struct evbuffer *buf = evbuffer_new();
	export_csv_begin(buf, &sheet);
	char *text = drain(buf);
	assert_string_equal(text, "\xEF\xBB\xBF\"a,b\",,'=x\r\n");
	free(text);
	evbuffer_free(buf);
}

static void csv_refuses_a_malformed_row_and_appends_nothing(void **state)
{
	struct evbuffer *buf = evbuffer_new();
	evbuffer_add(buf, "before", 6);
	const char *bad_integer[] = {"ok", "4x2", "1", "1", NULL, NULL};
	const char *bad_percent[] = {"ok", "1", "87%", "1", NULL, NULL};
	const char *bad_datetime[] = {"ok", "1", "1", "1", "2024-02-30 10:00:00", NULL};
	const char *bad_date[] = {"ok", "1", "1", "1", NULL, "2024/05/01"};
	const char *bad_text[] = {"\xff", "1", "1", "1", NULL, NULL};
	assert_int_equal(export_csv_row(buf, &every_kind_sheet, bad_integer), -1);
	assert_int_equal(export_csv_row(buf, &every_kind_sheet, bad_percent), -1);
	assert_int_equal(export_csv_row(buf, &every_kind_sheet, bad_datetime), -1);
	assert_int_equal(export_csv_row(buf, &every_kind_sheet, bad_date), -1);
	assert_int_equal(export_csv_row(buf, &every_kind_sheet, bad_text), -1);
	assert_int_equal(export_csv_row(buf, &every_kind_sheet, NULL), -1);
	assert_int_equal(evbuffer_get_length(buf), 6);
	evbuffer_free(buf);
}

/* --------------------------------------------------------------- XLSX --- */

static void xlsx_sheet_names_follow_excel_rules(void **state)
{
	char name[EXPORT_XLSX_SHEET_NAME_SIZE];
	export_xlsx_sheet_name("结案率", name);
	assert_string_equal(name, "结案率");
	export_xlsx_sheet_name("a[b]c:d*e?f/g\\h", name);
	assert_string_equal(name, "a_b_c_d_e_f_g_h");
	export_xlsx_sheet_name("tab\there", name);
	assert_string_equal(name, "tab_here");
	export_xlsx_sheet_name("bad \xff byte", name);
	assert_string_equal(name, "bad _ byte");
	export_xlsx_sheet_name("'quoted'", name);
	assert_string_equal(name, "quoted");
	export_xlsx_sheet_name("''", name);
	assert_string_equal(name, "Sheet1");
	export_xlsx_sheet_name("", name);
	assert_string_equal(name, "Sheet1");
	export_xlsx_sheet_name(NULL, name);
	assert_string_equal(name, "Sheet1");
	export_xlsx_sheet_name("history", name);
	assert_string_equal(name, "history_");
	/* 35 characters: cut to 31 characters, never inside one */
	export_xlsx_sheet_name("二〇二四年五月城东街道各网格案件结案率平均处置用时及超期情况统计汇总表", name);
	assert_string_equal(name, "二〇二四年五月城东街道各网格案件结案率平均处置用时及超期情况统");
	export_xlsx_sheet_name("0123456789012345678901234567890123456789", name);
	assert_string_equal(name, "0123456789012345678901234567890");
	/* characters outside the BMP count 2, as in Excel */
	export_xlsx_sheet_name("a😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀", name);
	assert_string_equal(name, "a😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀");
}

static void xlsx_column_widths_come_from_kind_title_or_caller(void **state)
{
	struct export_column column = {"结案率", EXPORT_PERCENT, 0};
	assert_true(export_xlsx_column_width(&column) == 10); /* 6 + 4 < 10 */
	column = (struct export_column){"平均处置用时（小时）", EXPORT_NUMBER, 0};
	assert_true(export_xlsx_column_width(&column) == 24); /* 10 wide characters */
	column = (struct export_column){"上报时间", EXPORT_DATETIME, 0};
	assert_true(export_xlsx_column_width(&column) == 20);
	column = (struct export_column){NULL, EXPORT_TEXT, 0};
	assert_true(export_xlsx_column_width(&column) == 16);
	column = (struct export_column){"x", EXPORT_TEXT, 42.5};
	assert_true(export_xlsx_column_width(&column) == 42.5);
	column = (struct export_column){"x", EXPORT_TEXT, 1000};
	assert_true(export_xlsx_column_width(&column) == 255);
	column = (struct export_column){
		"一个非常非常非常非常非常非常非常非常非常非常非常非常非常非常长的标题", EXPORT_TEXT, 0};
	assert_true(export_xlsx_column_width(&column) == 60);
}

static void xlsx_writes_every_kind_as_typed_cells(void **state)
{
	struct fixture *f = *state;
	struct export_xlsx *x = export_xlsx_open(f->path, &every_kind_sheet);
	assert_non_null(x);
	const char *first[] = {"城东一网格 <A&B>", "42", "87.33", "3.25", "2024-05-01 08:30:00",
	                       "2024-05-01"};
	const char *second[] = {"=1+1", NULL, "", "-0.5", NULL, "2024-02-29"};
	assert_int_equal(export_xlsx_row(x, first), 0);
	assert_int_equal(export_xlsx_row(x, second), 0);
	assert_int_equal(export_xlsx_close(x), 0);

	size_t len;
	unsigned char *bytes = read_whole(f->path, &len);
	assert_true(len > 4);
	assert_memory_equal(bytes, "PK\x03\x04", 4);
	free(bytes);

	char *sheet = zip_member(f->path, "xl/worksheets/sheet1.xml");
	assert_non_null(sheet);
	assert_contains(sheet, "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" "
	                       "state=\"frozen\"/>");
	assert_contains(sheet, "<autoFilter ref=\"A1:F3\"/>");
	assert_contains(sheet, "<col min=\"5\" max=\"5\" width=\"20");
	assert_contains(sheet, "t=\"inlineStr\"><is><t>网格</t>");
	assert_contains(sheet, "<t>城东一网格 &lt;A&amp;B&gt;</t>");
	assert_contains(sheet, "<v>42</v>");
	assert_contains(sheet, "<v>0.8733</v>");
	assert_contains(sheet, "<v>3.25</v>");
	assert_contains(sheet, "<v>45413.35416666666"); /* 2024-05-01 08:30 */
	assert_contains(sheet, "<v>45413</v>");
	assert_contains(sheet, "<t>=1+1</t>"); /* a string, never a formula */
	assert_null(strstr(sheet, "<f>"));
	assert_contains(sheet, "<v>-0.5</v>");
	assert_contains(sheet, "<v>45351</v>"); /* 2024-02-29 */
	assert_null(strstr(sheet, "r=\"B3\""));   /* blank cells are not written */
	assert_null(strstr(sheet, "r=\"C3\""));
	free(sheet);

	char *workbook = zip_member(f->path, "xl/workbook.xml");
	assert_non_null(workbook);
	assert_contains(workbook, "<sheet name=\"结案率\"");
	free(workbook);

	char *styles = zip_member(f->path, "xl/styles.xml");
	assert_non_null(styles);
	assert_contains(styles, "formatCode=\"0.00%\"");
	assert_contains(styles, "formatCode=\"0.00\"");
	assert_contains(styles, "formatCode=\"yyyy-mm-dd hh:mm:ss\"");
	assert_contains(styles, "formatCode=\"yyyy-mm-dd\"");
	assert_contains(styles, "<b/>");
	free(styles);
}

static void xlsx_refuses_a_malformed_row_and_writes_none_of_it(void **state)
{
	struct fixture *f = *state;
	struct export_xlsx *x = export_xlsx_open(f->path, &every_kind_sheet);
	assert_non_null(x);
	const char *bad[] = {"first cell", "4x2", NULL, NULL, NULL, NULL};
	const char *bad_date[] = {"first cell", NULL, NULL, NULL, "2024-05-01", NULL};
	const char *good[] = {"good", "7", NULL, NULL, NULL, NULL};
	assert_int_equal(export_xlsx_row(x, bad), -1);
	assert_int_equal(export_xlsx_row(x, bad_date), -1);
	assert_int_equal(export_xlsx_row(x, NULL), -1);
	assert_int_equal(export_xlsx_row(NULL, good), -1);
	assert_int_equal(export_xlsx_row(x, good), 0);
	assert_int_equal(export_xlsx_close(x), 0);
	char *sheet = zip_member(f->path, "xl/worksheets/sheet1.xml");
	assert_non_null(sheet);
	assert_null(strstr(sheet, "first cell"));
	assert_contains(sheet, "<c r=\"A2\" t=\"inlineStr\"><is><t>good</t>");
	assert_contains(sheet, "<autoFilter ref=\"A1:F2\"/>");
	free(sheet);
}

static void xlsx_cuts_text_longer_than_a_cell_holds(void **state)
{
	struct fixture *f = *state;
	size_t n = EXPORT_XLSX_TEXT_MAX + 100;
	char *text = malloc(n * 3 + 1);
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * 3, "网", 3);
	text[n * 3] = '\0';
	struct export_xlsx *x = export_xlsx_open(f->path, &one_text_sheet);
	assert_non_null(x);
	const char *values[] = {text};
	assert_int_equal(export_xlsx_row(x, values), 0);
	assert_int_equal(export_xlsx_close(x), 0);
	char *sheet = zip_member(f->path, "xl/worksheets/sheet1.xml");
	assert_non_null(sheet);
	text[EXPORT_XLSX_TEXT_MAX * 3] = '\0';
	char *cell = strstr(sheet, text);
	assert_non_null(cell);
	assert_memory_equal(cell + EXPORT_XLSX_TEXT_MAX * 3, "</t>", 4);
	free(sheet);
	free(text);
}

static void xlsx_stops_at_excel_row_limit(void **state)
{
	struct fixture *f = *state;
	struct export_xlsx *x = export_xlsx_open(f->path, &one_integer_sheet);
	assert_non_null(x);
	const char *blank[] = {NULL};
	for (long i = 0; i < EXPORT_XLSX_MAX_ROWS - 1; i++)
		if (export_xlsx_row(x, blank) != 0)
			fail_msg("row %ld refused", i + 1);
	const char *last[] = {"1"};
	assert_int_equal(export_xlsx_row(x, last), 0);
	assert_int_equal(export_xlsx_row(x, last), -1);
	assert_int_equal(export_xlsx_close(x), 0);
	char *sheet = zip_member(f->path, "xl/worksheets/sheet1.xml");
	assert_non_null(sheet);
	assert_contains(sheet, "<c r=\"A1048576\" s=\"");
	assert_contains(sheet, "<autoFilter ref=\"A1:A1048576\"/>");
	free(sheet);
}

static void xlsx_abort_creates_nothing_and_closes_its_files(void **state)
{
	struct fixture *f = *state;
	int descriptors = open_descriptors();
	struct export_xlsx *x = export_xlsx_open(f->path, &every_kind_sheet);
	assert_non_null(x);
	const char *values[] = {"a", "1", "2", "3", "2024-05-01 00:00:00", "2024-05-01"};
	for (int i = 0; i < 1000; i++)
		assert_int_equal(export_xlsx_row(x, values), 0);
	assert_true(open_descriptors() > descriptors); /* the row file */
	export_xlsx_abort(x);
	export_xlsx_abort(NULL);
	assert_int_equal(open_descriptors(), descriptors);
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(entries_in(f->dir), 0); /* temporary files are unlinked */
}

static void xlsx_close_that_cannot_create_the_file_fails_and_closes_its_files(void **state)
{
	struct fixture *f = *state;
	char path[192];
	snprintf(path, sizeof(path), "%s/missing/out.xlsx", f->dir);
	int descriptors = open_descriptors();
	struct export_xlsx *x = export_xlsx_open(path, &one_text_sheet);
	assert_non_null(x);
	const char *values[] = {"a"};
	assert_int_equal(export_xlsx_row(x, values), 0);
	assert_int_equal(export_xlsx_close(x), -1);
	assert_int_equal(open_descriptors(), descriptors);
	assert_int_equal(export_xlsx_close(NULL), -1);
}

static void xlsx_open_refuses_a_sheet_without_columns(void **state)
{
	struct fixture *f = *state;
	static const struct export_sheet empty = {"空", one_text, 0};
	assert_null(export_xlsx_open(f->path, &empty));
	assert_null(export_xlsx_open(f->path, NULL));
	assert_null(export_xlsx_open(NULL, &one_text_sheet));
}

struct parallel_export {
	char path[160];
	int result;
};

static void *parallel_export_run(void *arg)
{
	struct parallel_export *p = arg;
	struct export_xlsx *x = export_xlsx_open(p->path, &every_kind_sheet);
	p->result = x ? 0 : -1;
	const char *values[] = {"网格", "1", "50", "0.5", "2024-05-01 12:00:00", "2024-05-01"};
	for (int i = 0; i < 2000 && x; i++)
		p->result |= export_xlsx_row(x, values);
	if (x)
		p->result |= export_xlsx_close(x);
	return NULL;
}

static void xlsx_exports_on_several_threads_do_not_disturb_each_other(void **state)
{
	struct fixture *f = *state;
	enum { THREADS = 4 };
	struct parallel_export runs[THREADS];
	pthread_t threads[THREADS];
	for (int i = 0; i < THREADS; i++) {
		snprintf(runs[i].path, sizeof(runs[i].path), "%s/out-%d.xlsx", f->dir, i);
		runs[i].result = -1;
		assert_int_equal(pthread_create(&threads[i], NULL, parallel_export_run, &runs[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		assert_int_equal(runs[i].result, 0);
		char *sheet = zip_member(runs[i].path, "xl/worksheets/sheet1.xml");
		assert_non_null(sheet);
		assert_contains(sheet, "<autoFilter ref=\"A1:F2001\"/>");
		free(sheet);
	}
	assert_int_equal(entries_in(f->dir), THREADS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(values_of_each_kind_are_checked_strictly),
		cmocka_unit_test(dates_must_be_real_calendar_days_excel_can_show),
		cmocka_unit_test(csv_starts_with_bom_then_header_row_ending_in_crlf),
		cmocka_unit_test(csv_writes_each_kind_as_given_and_percent_with_sign),
		cmocka_unit_test(csv_quotes_commas_quotes_and_line_breaks),
		cmocka_unit_test(csv_guards_text_a_spreadsheet_would_run_as_a_formula),
		cmocka_unit_test(csv_header_titles_follow_the_text_rules),
		cmocka_unit_test(csv_refuses_a_malformed_row_and_appends_nothing),
		cmocka_unit_test(xlsx_sheet_names_follow_excel_rules),
		cmocka_unit_test(xlsx_column_widths_come_from_kind_title_or_caller),
		cmocka_unit_test_setup_teardown(xlsx_writes_every_kind_as_typed_cells, setup, teardown),
		cmocka_unit_test_setup_teardown(xlsx_refuses_a_malformed_row_and_writes_none_of_it,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(xlsx_cuts_text_longer_than_a_cell_holds, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(xlsx_stops_at_excel_row_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(xlsx_abort_creates_nothing_and_closes_its_files, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(
			xlsx_close_that_cannot_create_the_file_fails_and_closes_its_files, setup,
			teardown),
		cmocka_unit_test_setup_teardown(xlsx_open_refuses_a_sheet_without_columns, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(
			xlsx_exports_on_several_threads_do_not_disturb_each_other, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

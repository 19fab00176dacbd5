/* Unit tests for export/spool.c (files of background exports, written in
 * steps) and export/rows.c (rows waiting to be written). Each test writes
 * into a fresh temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/csv.h"
#include "export/rows.h"
#include "export/spool.h"
#include "export/xlsx.h"
#include "../tmpdir.h"

static const struct export_column columns[] = {
	{"案卷号", EXPORT_INTEGER, 0},
	{"问题描述", EXPORT_TEXT, 0},
	{"上报时间", EXPORT_DATETIME, 0},
};
static const struct export_sheet sheet = {"案件台账", columns, 3};

struct fixture {
	char dir[TEST_TMPDIR_MAX];
	char exports[128]; /* dir/a/b: does not exist yet */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(test_tmpdir_make(f->dir, "spool"), 0);
	snprintf(f->exports, sizeof(f->exports), "%s/a/b/", f->dir);
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

/* Names in dir, sorted, joined with spaces ("" when empty). */
static char *listing(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	assert_true(n >= 0);
	char *out = calloc(1, 1024);
	assert_non_null(out);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			if (out[0])
				strcat(out, " ");
			strcat(out, names[i]->d_name);
		}
		free(names[i]);
	}
	free(names);
	return out;
}

static void assert_listing(const char *dir, const char *expected)
{
	char *names = listing(dir);
	assert_string_equal(names, expected);
	free(names);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	long size = ftell(fp);
	rewind(fp);
	char *data = malloc((size_t)size + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)size, fp), (size_t)size);
	data[size] = '\0';
	fclose(fp);
	*len = (size_t)size;
	return data;
}

/* n rows with awkward text: commas, quotes, line breaks, a formula. */
static void fill(struct export_rows *rows, int n)
{
	export_rows_init(rows, 3);
	for (int i = 1; i <= n; i++) {
		char id[16], text[64];
		snprintf(id, sizeof(id), "%d", i);
		snprintf(text, sizeof(text), i % 3 == 0 ? "=SUM(A%d)" : i % 3 == 1 ? "逗号, \"引号\" %d" : "换行\n%d", i);
		const char *values[] = {id, text, i % 4 == 0 ? NULL : "2025-01-05 10:00:00"};
		assert_int_equal(export_rows_add(rows, values), 0);
	}
}

static void rows_are_copied_and_blank_values_kept_as_null(void **state)
{
	(void)state;
	struct export_rows rows;
	export_rows_init(&rows, 3);
	char id[] = "7";
	const char *values[] = {id, "", NULL};
	assert_int_equal(export_rows_add(&rows, values), 0);
	id[0] = '8'; /* the caller's buffer changes: the row does not */
	assert_int_equal(rows.count, 1);
	assert_string_equal(export_rows_row(&rows, 0)[0], "7");
	assert_null(export_rows_row(&rows, 0)[1]);
	assert_null(export_rows_row(&rows, 0)[2]);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(export_rows_add(&rows, values), 0);
	assert_int_equal(rows.count, 1001);
	export_rows_clear(&rows);
	assert_int_equal(rows.count, 0);
	assert_true(rows.capacity >= 1001);
	export_rows_free(&rows);
	assert_int_equal(rows.capacity, 0);
	assert_null(rows.cells);
}

static void paths_come_from_the_id_and_format_only(void **state)
{
	(void)state;
	char buf[64];
	assert_int_equal(export_spool_path("var/exports/", 42, EXPORT_FORMAT_XLSX, false, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "var/exports/42.xlsx");
	assert_int_equal(export_spool_path("var/exports", 42, EXPORT_FORMAT_CSV, true, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "var/exports/42.part");
	assert_int_equal(export_spool_path("/", 7, EXPORT_FORMAT_CSV, false, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/7.csv");
	assert_int_equal(export_spool_path("", 1, EXPORT_FORMAT_CSV, false, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(export_spool_path("d", 0, EXPORT_FORMAT_CSV, false, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(export_spool_path("d", 123456789, EXPORT_FORMAT_CSV, false, buf, 8), -ENAMETOOLONG);
	assert_string_equal(buf, "");
}

static void csv_written_in_steps_equals_csv_written_at_once(void **state)
{
	struct fixture *f = *state;
	struct export_rows rows;
	fill(&rows, 2500);
	struct export_spool *s;
	assert_int_equal(export_spool_open(f->exports, 9, EXPORT_FORMAT_CSV, &sheet, 0, &s), 0);
	assert_listing(f->exports, "9.part"); /* the directories were made */
	assert_int_equal(export_spool_append(s, &rows, 0, 1000), 0);
	assert_int_equal(export_spool_append(s, &rows, 1000, 1000), 0); /* nothing */
	assert_int_equal(export_spool_append(s, &rows, 1000, 2500), 0);
	assert_int_equal(export_spool_rows(s), 2500);
	off_t bytes = 0;
	assert_int_equal(export_spool_finish(s, &bytes), 0);
	assert_listing(f->exports, "9.csv");

	struct evbuffer *once = evbuffer_new();
	export_csv_begin(once, &sheet);
	for (size_t i = 0; i < rows.count; i++)
		assert_int_equal(export_csv_row(once, &sheet, export_rows_row(&rows, i)), 0);
	char path[256];
	snprintf(path, sizeof(path), "%s9.csv", f->exports);
	size_t len;
	char *written = read_file(path, &len);
	assert_int_equal(len, evbuffer_get_length(once));
	assert_int_equal((size_t)bytes, len);
	assert_memory_equal(written, evbuffer_pullup(once, -1), len);
	free(written);
	evbuffer_free(once);
	export_rows_free(&rows);
}

static void xlsx_is_zipped_into_its_final_name_and_leaves_no_temporary_file(void **state)
{
	struct fixture *f = *state;
	struct export_rows rows;
	fill(&rows, 300);
	struct export_spool *s;
	assert_int_equal(export_spool_open(f->exports, 10, EXPORT_FORMAT_XLSX, &sheet, EXPORT_XLSX_MAX_ROWS, &s), 0);
	assert_listing(f->exports, ""); /* rows go to an unlinked file until the end */
	assert_int_equal(export_spool_append(s, &rows, 0, 100), 0);
	assert_int_equal(export_spool_append(s, &rows, 100, 300), 0);
	off_t bytes = 0;
	assert_int_equal(export_spool_finish(s, &bytes), 0);
	assert_listing(f->exports, "10.xlsx");
	char path[256];
	snprintf(path, sizeof(path), "%s10.xlsx", f->exports);
	size_t len;
	char *zip = read_file(path, &len);
	assert_int_equal((size_t)bytes, len);
	assert_memory_equal(zip, "PK\x03\x04", 4);
	free(zip);
	export_rows_free(&rows);
}

static void rows_past_the_cap_are_refused_whole(void **state)
{
	struct fixture *f = *state;
	struct export_rows rows;
	fill(&rows, 5);
	for (int format = EXPORT_FORMAT_CSV; format <= EXPORT_FORMAT_XLSX; format++) {
		struct export_spool *s;
		assert_int_equal(export_spool_open(f->exports, 11, format, &sheet, 3, &s), 0);
		assert_int_equal(export_spool_append(s, &rows, 0, 2), 0);
		assert_int_equal(export_spool_append(s, &rows, 2, 4), -EFBIG);
		assert_int_equal(export_spool_rows(s), 2);
		assert_int_equal(export_spool_append(s, &rows, 2, 3), 0); /* the third still fits */
		export_spool_abort(s);
		assert_listing(f->exports, "");
	}
	export_rows_free(&rows);
}

static void a_malformed_row_writes_nothing_of_its_page(void **state)
{
	struct fixture *f = *state;
	struct export_rows rows;
	fill(&rows, 3);
	const char *bad[] = {"not a number", "x", NULL};
	assert_int_equal(export_rows_add(&rows, bad), 0);
	struct export_spool *s;
	assert_int_equal(export_spool_open(f->exports, 12, EXPORT_FORMAT_CSV, &sheet, 0, &s), 0);
	char path[256];
	snprintf(path, sizeof(path), "%s12.part", f->exports);
	struct stat before, after;
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(export_spool_append(s, &rows, 0, 4), -EINVAL);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_size, before.st_size);
	assert_int_equal(export_spool_rows(s), 0);
	export_spool_abort(s);
	assert_listing(f->exports, "");
	export_rows_free(&rows);
}

static void abort_removes_the_part_file(void **state)
{
	struct fixture *f = *state;
	struct export_rows rows;
	fill(&rows, 10);
	struct export_spool *s;
	assert_int_equal(export_spool_open(f->exports, 13, EXPORT_FORMAT_CSV, &sheet, 0, &s), 0);
	assert_int_equal(export_spool_append(s, &rows, 0, 10), 0);
	assert_listing(f->exports, "13.part");
	export_spool_abort(s);
	assert_listing(f->exports, "");
	export_spool_abort(NULL);
	export_rows_free(&rows);
}

static void open_fails_where_no_directory_can_be(void **state)
{
	struct fixture *f = *state;
	char file[128];
	snprintf(file, sizeof(file), "%s/plain", f->dir);
	FILE *fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	struct export_spool *s = (struct export_spool *)1;
	assert_int_equal(export_spool_open(file, 14, EXPORT_FORMAT_CSV, &sheet, 0, &s), -ENOTDIR);
	assert_null(s);
	char below[160];
	snprintf(below, sizeof(below), "%s/more", file);
	assert_int_equal(export_spool_open(below, 14, EXPORT_FORMAT_XLSX, &sheet, 0, &s), -ENOTDIR);
}

static void remove_takes_both_names_and_minds_no_missing_file(void **state)
{
	struct fixture *f = *state;
	struct export_rows rows;
	fill(&rows, 2);
	struct export_spool *s;
	assert_int_equal(export_spool_open(f->exports, 15, EXPORT_FORMAT_CSV, &sheet, 0, &s), 0);
	assert_int_equal(export_spool_finish(s, NULL), 0);
	assert_int_equal(export_spool_open(f->exports, 15, EXPORT_FORMAT_CSV, &sheet, 0, &s), 0);
	assert_listing(f->exports, "15.csv 15.part");
	off_t size = 0;
	int fd = export_spool_open_done(f->exports, 15, EXPORT_FORMAT_CSV, &size);
	assert_true(fd >= 0);
	assert_true(size > 3);
	close(fd);
	assert_int_equal(export_spool_remove(f->exports, 15, EXPORT_FORMAT_CSV), 0);
	assert_listing(f->exports, "");
	assert_int_equal(export_spool_remove(f->exports, 15, EXPORT_FORMAT_CSV), 0);
	assert_int_equal(export_spool_open_done(f->exports, 15, EXPORT_FORMAT_CSV, &size), -ENOENT);
	export_spool_abort(s); /* its .part is gone already */
	export_rows_free(&rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_are_copied_and_blank_values_kept_as_null),
		cmocka_unit_test(paths_come_from_the_id_and_format_only),
		cmocka_unit_test_setup_teardown(csv_written_in_steps_equals_csv_written_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(xlsx_is_zipped_into_its_final_name_and_leaves_no_temporary_file,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(rows_past_the_cap_are_refused_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(a_malformed_row_writes_nothing_of_its_page, setup, teardown),
		cmocka_unit_test_setup_teardown(abort_removes_the_part_file, setup, teardown),
		cmocka_unit_test_setup_teardown(open_fails_where_no_directory_can_be, setup, teardown),
		cmocka_unit_test_setup_teardown(remove_takes_both_names_and_minds_no_missing_file, setup,
		                                teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for durable.c: mkdir -p through doubled and trailing slashes,
 * a file in the way, an existing tree, and whole writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable.h"
#include "tmpdir.h"

static char root[TEST_TMPDIR_MAX];

static int make_root(void **state)
{
	(void)state;
	return test_tmpdir_make(root, "durable");
}

static int remove_root(void **state)
{
	(void)state;
	return test_tmpdir_remove(root);
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void mkdirs_makes_every_level(void **state)
{
	(void)state;
	char path[256], check[256];
	snprintf(path, sizeof(path), "%s/a//b/c///", root);
	assert_int_equal(durable_mkdirs(path, 0750), 0);
	snprintf(check, sizeof(check), "%s/a/b/c", root);
	assert_true(is_dir(check));
	/* again: everything exists already */
	assert_int_equal(durable_mkdirs(path, 0750), 0);
	assert_int_equal(durable_mkdirs("", 0750), -EINVAL);
}

static void a_file_in_the_way_is_not_a_directory(void **state)
{
	(void)state;
	char file[256], below[256];
	snprintf(file, sizeof(file), "%s/file", root);
	int fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(durable_mkdir(file, 0750), -ENOTDIR);
	snprintf(below, sizeof(below), "%s/file/sub", root);
	assert_int_equal(durable_mkdirs(below, 0750), -ENOTDIR);
}

static void whole_writes_and_synced_parents(void **state)
{
	(void)state;
	char file[256];
	snprintf(file, sizeof(file), "%s/data", root);
	int fd = open(file, O_CREAT | O_RDWR | O_TRUNC, 0600);
	assert_true(fd >= 0);
	static char big[1 << 20];
	memset(big, 'x', sizeof(big));
	assert_int_equal(durable_write_all(fd, big, sizeof(big)), 0);
	assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)sizeof(big));
	close(fd);
	assert_int_equal(durable_fsync_parent(file), 0);
	assert_int_equal(durable_fsync_dir(root), 0);
	assert_int_equal(durable_fsync_dir(file), -ENOTDIR);
	assert_int_equal(durable_write_all(-1, "x", 1), -EBADF);
	assert_int_equal(durable_trimmed_length("/"), 1);
	assert_int_equal(durable_trimmed_length("a//"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mkdirs_makes_every_level),
		cmocka_unit_test(a_file_in_the_way_is_not_a_directory),
		cmocka_unit_test(whole_writes_and_synced_parents),
	};
	return cmocka_run_group_tests(tests, make_root, remove_root);
}

/* Unit tests for photo/store.c: content-addressed, durable files in a fresh
 * temporary directory per test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "photo/store.h"
#include "../tmpdir.h"

#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

struct fixture {
	char base[TEST_TMPDIR_MAX];
	char root[128];  /* base/photos (not created) */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(test_tmpdir_make(f->base, "store"), 0);
	snprintf(f->root, sizeof(f->root), "%s/photos", f->base);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	test_tmpdir_remove(f->base);
	free(f);
	return 0;
}

static void assert_file_holds(const char *path, const void *bytes, size_t len)
{
	char buf[256];
	FILE *fp = fopen(path, "rb");
	if (!fp)
		fail_msg("%s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	assert_int_equal(n, len);
	assert_memory_equal(buf, bytes, len);
}

/* Names in dir that are not one of the expected ones (temporary files). */
static int unexpected_entries(const char *dir, const char *const *expected, int n)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int unexpected = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int known = 0;
		for (int i = 0; i < n; i++)
			known |= strcmp(e->d_name, expected[i]) == 0;
		if (!known) {
			print_message("unexpected file %s/%s\n", dir, e->d_name);
			unexpected++;
		}
	}
	closedir(d);
	return unexpected;
}

static void sha256_is_lowercase_hex_of_the_bytes(void **state)
{
	char hex[PHOTO_SHA256_HEX_LEN + 1];
	assert_int_equal(photo_sha256_hex("abc", 3, hex), 0);
	assert_string_equal(hex, SHA_ABC);
	assert_int_equal(photo_sha256_hex("", 0, hex), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_true(photo_sha256_hex_is_valid(hex));
}

static void paths_put_two_directory_levels_before_the_name(void **state)
{
	char path[PHOTO_STORE_PATH_MAX];
	assert_int_equal(photo_store_path("/srv/photos", SHA_ABC, PHOTO_VARIANT_ORIGINAL, path,
	                                  sizeof(path)), 0);
	assert_string_equal(path, "/srv/photos/ba/78/" SHA_ABC);
	assert_int_equal(photo_store_path("/srv/photos/", SHA_ABC, PHOTO_VARIANT_THUMB, path,
	                                  sizeof(path)), 0);
	assert_string_equal(path, "/srv/photos/ba/78/" SHA_ABC ".thumb.jpg");
	assert_int_equal(photo_store_path("var/photos", SHA_ABC, PHOTO_VARIANT_LARGE, path,
	                                  sizeof(path)), 0);
	assert_string_equal(path, "var/photos/ba/78/" SHA_ABC ".large.jpg");
	assert_int_equal(photo_store_path("/", SHA_ABC, PHOTO_VARIANT_CLEAN, path, sizeof(path)), 0);
	assert_string_equal(path, "/ba/78/" SHA_ABC ".clean.jpg");
	assert_int_equal(photo_variant_from_name("thumb"), PHOTO_VARIANT_THUMB);
	assert_int_equal(photo_variant_from_name("original"), PHOTO_VARIANT_ORIGINAL);
	assert_int_equal(photo_variant_from_name("THUMB"), -1);
	assert_int_equal(photo_variant_from_name(NULL), -1);
}

static void only_64_lowercase_hex_digits_reach_a_path(void **state)
{
	static const char *const bad[] = {
		"BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0",
		"../../../../etc/passwd",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a/",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015g",
		"",
	};
	char path[PHOTO_STORE_PATH_MAX] = "untouched";
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(photo_sha256_hex_is_valid(bad[i]));
		assert_int_equal(photo_store_path("/srv", bad[i], PHOTO_VARIANT_ORIGINAL, path,
		                                  sizeof(path)), -EINVAL);
		assert_string_equal(path, "");
		assert_int_equal(photo_store_put("/tmp", bad[i], PHOTO_VARIANT_ORIGINAL, "x", 1, NULL),
		                 -EINVAL);
		assert_int_equal(photo_store_open("/tmp", bad[i], PHOTO_VARIANT_ORIGINAL, NULL), -EINVAL);
	}
	assert_false(photo_sha256_hex_is_valid(NULL));
	assert_int_equal(photo_store_path("/srv", NULL, PHOTO_VARIANT_ORIGINAL, path, sizeof(path)),
	                 -EINVAL);
	assert_int_equal(photo_store_path("", SHA_ABC, PHOTO_VARIANT_ORIGINAL, path, sizeof(path)),
	                 -EINVAL);
	assert_int_equal(photo_store_path(NULL, SHA_ABC, PHOTO_VARIANT_ORIGINAL, path, sizeof(path)),
	                 -EINVAL);
	assert_int_equal(photo_store_path("/srv", SHA_ABC, PHOTO_VARIANT_COUNT, path, sizeof(path)),
	                 -EINVAL);
	assert_int_equal(photo_store_path("/srv", SHA_ABC, PHOTO_VARIANT_ORIGINAL, path, 40),
	                 -ENAMETOOLONG);
	assert_string_equal(path, "");
}

static void put_creates_the_directories_and_renames_durably(void **state)
{
	struct fixture *f = *state;
	char path[PHOTO_STORE_PATH_MAX], dir[PHOTO_STORE_PATH_MAX];
	bool dedup = true;
	assert_int_equal(photo_store_put(f->root, SHA_ABC, PHOTO_VARIANT_ORIGINAL, "abc", 3, &dedup),
	                 0);
	assert_false(dedup);
	assert_int_equal(photo_store_put(f->root, SHA_ABC, PHOTO_VARIANT_THUMB, "thumb", 5, NULL), 0);
	assert_int_equal(photo_store_path(f->root, SHA_ABC, PHOTO_VARIANT_ORIGINAL, path,
	                                  sizeof(path)), 0);
	assert_file_holds(path, "abc", 3);
	assert_int_equal(photo_store_path(f->root, SHA_ABC, PHOTO_VARIANT_THUMB, path, sizeof(path)),
	                 0);
	assert_file_holds(path, "thumb", 5);

	mode_t mask = umask(0);
	umask(mask);
	struct stat st;
	snprintf(dir, sizeof(dir), "%s/ba", f->root);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, PHOTO_STORE_DIR_MODE & ~mask);
	snprintf(dir, sizeof(dir), "%s/ba/78", f->root);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, PHOTO_STORE_DIR_MODE & ~mask);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, PHOTO_STORE_FILE_MODE & ~mask);

	const char *const expected[] = {SHA_ABC, SHA_ABC ".thumb.jpg"};
	assert_int_equal(unexpected_entries(dir, expected, 2), 0);

	off_t size = 0;
	assert_int_equal(photo_store_stat(f->root, SHA_ABC, PHOTO_VARIANT_THUMB, &size), 0);
	assert_int_equal(size, 5);
	assert_int_equal(photo_store_stat(f->root, SHA_ABC, PHOTO_VARIANT_LARGE, &size), -ENOENT);
}

static void the_same_content_twice_is_written_once(void **state)
{
	struct fixture *f = *state;
	char path[PHOTO_STORE_PATH_MAX];
	bool dedup = false;
	struct stat before, after;
	assert_int_equal(photo_store_put(f->root, SHA_ABC, PHOTO_VARIANT_ORIGINAL, "abc", 3, &dedup),
	                 0);
	assert_int_equal(photo_store_path(f->root, SHA_ABC, PHOTO_VARIANT_ORIGINAL, path,
	                                  sizeof(path)), 0);
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(photo_store_put(f->root, SHA_ABC, PHOTO_VARIANT_ORIGINAL, "abc", 3, &dedup),
	                 0);
	assert_true(dedup);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino); /* not replaced */

	/* A derived file of another size (a new encoder) replaces the old one. */
	assert_int_equal(photo_store_put(f->root, SHA_ABC, PHOTO_VARIANT_LARGE, "old", 3, NULL), 0);
	assert_int_equal(photo_store_put(f->root, SHA_ABC, PHOTO_VARIANT_LARGE, "newer", 5, &dedup),
	                 0);
	assert_false(dedup);
	assert_int_equal(photo_store_path(f->root, SHA_ABC, PHOTO_VARIANT_LARGE, path, sizeof(path)),
	                 0);
	assert_file_holds(path, "newer", 5);
}

static void open_serves_stored_files_only(void **state)
{
	struct fixture *f = *state;
	off_t size = -1;
	assert_int_equal(photo_store_open(f->root, SHA_ABC, PHOTO_VARIANT_CLEAN, &size), -ENOENT);
	assert_int_equal(photo_store_put(f->root, SHA_ABC, PHOTO_VARIANT_CLEAN, "clean!", 6, NULL), 0);
	int fd = photo_store_open(f->root, SHA_ABC, PHOTO_VARIANT_CLEAN, &size);
	assert_true(fd >= 0);
	assert_int_equal(size, 6);
	char buf[16];
	assert_int_equal(read(fd, buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "clean!", 6);
	close(fd);

	/* A symbolic link planted in the store is not followed. */
	char path[PHOTO_STORE_PATH_MAX];
	assert_int_equal(photo_store_path(f->root, SHA_ABC, PHOTO_VARIANT_THUMB, path, sizeof(path)),
	                 0);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(photo_store_open(f->root, SHA_ABC, PHOTO_VARIANT_THUMB, &size), -ENOENT);
}

static void a_root_that_is_a_file_fails_cleanly(void **state)
{
	struct fixture *f = *state;
	FILE *fp = fopen(f->root, "w");
	assert_non_null(fp);
	fclose(fp);
	int rc = photo_store_put(f->root, SHA_ABC, PHOTO_VARIANT_ORIGINAL, "abc", 3, NULL);
	assert_true(rc == -ENOTDIR || rc == -EEXIST);
	const char *const expected[] = {"photos"};
	assert_int_equal(unexpected_entries(f->base, expected, 1), 0);
}

static void an_unwritable_directory_leaves_no_temporary_file(void **state)
{
	struct fixture *f = *state;
	char dir[PHOTO_STORE_PATH_MAX];
	if (geteuid() == 0)
		skip(); /* root writes anywhere */
	assert_int_equal(photo_store_put(f->root, SHA_ABC, PHOTO_VARIANT_ORIGINAL, "abc", 3, NULL), 0);
	snprintf(dir, sizeof(dir), "%s/ba/78", f->root);
	assert_int_equal(chmod(dir, 0500), 0);
	assert_int_equal(photo_store_put(f->root, SHA_ABC, PHOTO_VARIANT_THUMB, "t", 1, NULL),
	                 -EACCES);
	assert_int_equal(chmod(dir, 0750), 0);
	const char *const expected[] = {SHA_ABC};
	assert_int_equal(unexpected_entries(dir, expected, 1), 0);
}

static void nested_missing_roots_are_created(void **state)
{
	struct fixture *f = *state;
	char root[256], path[PHOTO_STORE_PATH_MAX];
	snprintf(root, sizeof(root), "%s/a//b/c/", f->base);
	assert_int_equal(photo_store_put(root, SHA_ABC, PHOTO_VARIANT_ORIGINAL, "abc", 3, NULL), 0);
	snprintf(path, sizeof(path), "%s/a/b/c/ba/78/%s", f->base, SHA_ABC);
	assert_file_holds(path, "abc", 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256_is_lowercase_hex_of_the_bytes),
		cmocka_unit_test(paths_put_two_directory_levels_before_the_name),
		cmocka_unit_test(only_64_lowercase_hex_digits_reach_a_path),
		cmocka_unit_test_setup_teardown(put_creates_the_directories_and_renames_durably, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(the_same_content_twice_is_written_once, setup, teardown),
		cmocka_unit_test_setup_teardown(open_serves_stored_files_only, setup, teardown),
		cmocka_unit_test_setup_teardown(a_root_that_is_a_file_fails_cleanly, setup, teardown),
		cmocka_unit_test_setup_teardown(an_unwritable_directory_leaves_no_temporary_file, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(nested_missing_roots_are_created, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

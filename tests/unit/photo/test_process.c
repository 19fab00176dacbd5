/* Unit tests for photo/process.c: one upload from bytes to stored files, in
 * a fresh temporary store per test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "photo/flags.h"
#include "photo/image.h"
#include "photo/process.h"
#include "photo_test_images.h"
#include "../tmpdir.h"

struct fixture {
	char base[TEST_TMPDIR_MAX];
	char root[128];
	unsigned char *jpeg;      /* 800 x 600 with GPS + time EXIF */
	size_t jpeg_len;
};

static int start_vips(void **state)
{
	return photo_vips_init("test_process");
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(test_tmpdir_make(f->base, "process"), 0);
	snprintf(f->root, sizeof(f->root), "%s/photos", f->base);
	VipsImage *img = test_gradient(800, 600, 3);
	size_t exif_len;
	unsigned char *exif = test_exif_blob(39.9073, 116.3916, "2024:10:01 09:30:00", NULL,
	                                     &exif_len);
	f->jpeg = test_jpeg(img, exif, exif_len, 0, &f->jpeg_len);
	assert_non_null(f->jpeg);
	free(exif);
	g_object_unref(img);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	test_tmpdir_remove(f->base);
	g_free(f->jpeg);
	free(f);
	return 0;
}

static struct photo_process_input input(struct fixture *f, const void *bytes, size_t len,
                                        enum photo_type claimed)
{
	struct photo_process_input in = {
		.bytes = bytes, .len = len, .claimed = claimed, .root = f->root,
		.max_pixels = PHOTO_IMAGE_DEFAULT_MAX_PIXELS,
		.city_offset_minutes = PHOTO_EXIF_DEFAULT_OFFSET_MINUTES,
	};
	return in;
}

static bool stored(struct fixture *f, const char *sha, enum photo_variant v)
{
	return photo_store_stat(f->root, sha, v, NULL) == 0;
}

static void a_new_photo_is_decoded_and_stored_with_its_exif(void **state)
{
	struct fixture *f = *state;
	struct photo_process_input in = input(f, f->jpeg, f->jpeg_len, PHOTO_TYPE_JPEG);
	struct photo_process_result out;
	photo_process(&in, &out);
	assert_int_equal(out.status, PHOTO_PROCESS_OK);
	assert_int_equal(photo_process_http_status(out.status), 201);
	assert_string_equal(out.detail, "");
	assert_false(out.already_stored);
	char sha[PHOTO_SHA256_HEX_LEN + 1];
	assert_int_equal(photo_sha256_hex(f->jpeg, f->jpeg_len, sha), 0);
	assert_string_equal(out.sha256, sha);
	assert_int_equal(out.type, PHOTO_TYPE_JPEG);
	assert_int_equal(out.bytes, f->jpeg_len);
	assert_int_equal(out.width, 800);
	assert_int_equal(out.height, 600);
	assert_true(out.exif.has_gps);
	assert_true(out.exif.has_time);
	assert_false(out.exif.time_had_offset);
	assert_int_equal(out.exif.taken_at, 1727746200); /* 09:30 at the city's +08:00 */
	for (int v = 0; v < PHOTO_VARIANT_COUNT; v++)
		assert_true(stored(f, sha, (enum photo_variant)v));
	off_t size;
	assert_int_equal(photo_store_stat(f->root, sha, PHOTO_VARIANT_ORIGINAL, &size), 0);
	assert_int_equal(size, f->jpeg_len);

	/* The served "original" carries no EXIF; the stored original does. */
	int fd = photo_store_open(f->root, sha, PHOTO_VARIANT_CLEAN, &size);
	assert_true(fd >= 0);
	unsigned char *clean = malloc((size_t)size);
	assert_int_equal(read(fd, clean, (size_t)size), size);
	close(fd);
	assert_false(test_has_exif_signature(clean, (size_t)size));
	assert_true(test_has_exif_signature(f->jpeg, f->jpeg_len));
	free(clean);

	/* What the handler does next: flags against the report. */
	struct coords_point report = {116.3916, 39.9073 + 0.00225}; /* 250 m north */
	struct photo_flag_thresholds t = {PHOTO_FLAGS_DEFAULT_FAR_M, PHOTO_FLAGS_DEFAULT_OLD_S};
	assert_int_equal(photo_flags_compute(report, 1727746200 + 2 * 86400, &out.exif, &t),
	                 PHOTO_FLAG_FAR_FROM_REPORT | PHOTO_FLAG_TAKEN_LONG_BEFORE);
}

static void the_same_photo_again_is_not_decoded_or_written(void **state)
{
	struct fixture *f = *state;
	struct photo_process_input in = input(f, f->jpeg, f->jpeg_len, PHOTO_TYPE_JPEG);
	struct photo_process_result first, again;
	photo_process(&in, &first);
	assert_int_equal(first.status, PHOTO_PROCESS_OK);
	char path[PHOTO_STORE_PATH_MAX];
	struct stat before, after;
	assert_int_equal(photo_store_path(f->root, first.sha256, PHOTO_VARIANT_THUMB, path,
	                                  sizeof(path)), 0);
	assert_int_equal(stat(path, &before), 0);

	photo_process(&in, &again);
	assert_int_equal(again.status, PHOTO_PROCESS_OK);
	assert_true(again.already_stored);
	assert_string_equal(again.sha256, first.sha256);
	assert_int_equal(again.width, first.width);
	assert_int_equal(again.height, first.height);
	assert_memory_equal(&again.exif, &first.exif, sizeof(first.exif));
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);

	/* A derived file gone missing: the next upload makes it again. */
	assert_int_equal(unlink(path), 0);
	photo_process(&in, &again);
	assert_int_equal(again.status, PHOTO_PROCESS_OK);
	assert_false(again.already_stored);
	assert_true(stored(f, first.sha256, PHOTO_VARIANT_THUMB));
}

static void claimed_and_sniffed_types_must_agree(void **state)
{
	struct fixture *f = *state;
	struct photo_process_result out;
	struct photo_process_input in = input(f, f->jpeg, f->jpeg_len, PHOTO_TYPE_PNG);
	photo_process(&in, &out);
	assert_int_equal(out.status, PHOTO_PROCESS_TYPE_MISMATCH);
	assert_int_equal(photo_process_http_status(out.status), 415);
	assert_string_equal(out.detail, "Content-Type says image/png but the body is a JPEG image");

	in.claimed = PHOTO_TYPE_UNKNOWN; /* e.g. image/gif */
	photo_process(&in, &out);
	assert_int_equal(out.status, PHOTO_PROCESS_UNSUPPORTED_TYPE);
	assert_int_equal(photo_process_http_status(out.status), 415);

	static const char gif[] = "GIF89a\x10\x00\x10\x00\x80\x00\x00";
	in = input(f, gif, sizeof(gif) - 1, PHOTO_TYPE_JPEG);
	photo_process(&in, &out);
	assert_int_equal(out.status, PHOTO_PROCESS_UNSUPPORTED_TYPE);
	assert_string_equal(out.detail, "the body is not a JPEG, PNG, WebP or HEIC image");
	assert_int_equal(access(f->root, F_OK), -1); /* nothing was written */
}

static void broken_and_oversized_images_are_unprocessable(void **state)
{
	struct fixture *f = *state;
	struct photo_process_result out;
	struct photo_process_input in = input(f, f->jpeg, f->jpeg_len / 2, PHOTO_TYPE_JPEG);
	photo_process(&in, &out);
	assert_int_equal(out.status, PHOTO_PROCESS_UNDECODABLE);
	assert_int_equal(photo_process_http_status(out.status), 422);
	assert_string_equal(out.detail, "the JPEG image is truncated or corrupt");

	in = input(f, f->jpeg, 0, PHOTO_TYPE_JPEG);
	photo_process(&in, &out);
	assert_int_equal(out.status, PHOTO_PROCESS_UNDECODABLE);

	unsigned char png[128];
	size_t len = test_png_bomb(png, 20000, 20000);
	in = input(f, png, len, PHOTO_TYPE_PNG);
	photo_process(&in, &out);
	assert_int_equal(out.status, PHOTO_PROCESS_TOO_MANY_PIXELS);
	assert_int_equal(photo_process_http_status(out.status), 422);
	assert_string_equal(out.detail, "the image has more than 40000000 pixels");

	in = input(f, f->jpeg, f->jpeg_len, PHOTO_TYPE_JPEG);
	in.max_pixels = 800 * 600 - 1;
	photo_process(&in, &out);
	assert_int_equal(out.status, PHOTO_PROCESS_TOO_MANY_PIXELS);
	assert_int_equal(access(f->root, F_OK), -1);
}

static void a_store_that_cannot_be_written_is_a_server_error(void **state)
{
	struct fixture *f = *state;
	FILE *fp = fopen(f->root, "w"); /* the root is a file */
	assert_non_null(fp);
	fclose(fp);
	struct photo_process_input in = input(f, f->jpeg, f->jpeg_len, PHOTO_TYPE_JPEG);
	struct photo_process_result out;
	photo_process(&in, &out);
	assert_int_equal(out.status, PHOTO_PROCESS_STORAGE_ERROR);
	assert_int_equal(photo_process_http_status(out.status), 500);
	assert_true(out.error == ENOTDIR || out.error == EEXIST);
	assert_string_equal(photo_process_status_name(out.status), "storage_error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_new_photo_is_decoded_and_stored_with_its_exif, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(the_same_photo_again_is_not_decoded_or_written, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(claimed_and_sniffed_types_must_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(broken_and_oversized_images_are_unprocessable, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(a_store_that_cannot_be_written_is_a_server_error, setup,
		                                teardown),
	};
	int failed = cmocka_run_group_tests(tests, start_vips, NULL);
	photo_vips_shutdown();
	return failed;
}

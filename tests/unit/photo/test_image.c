/* Unit tests for photo/image.c with real images made by libvips in the test.
 * Images are small so the whole file runs in well under a second. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "photo/exif.h"
#include "photo/image.h"
#include "photo_test_images.h"

/* x265, the HEVC encoder libheif uses to make this test's HEIC file, leaks a
 * little per encode. Not gridd's code (gridd only decodes HEIC); read by
 * LeakSanitizer in sanitizer builds, unused otherwise. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libx265.so\n";
}

static const struct photo_image_limits default_limits = {PHOTO_IMAGE_DEFAULT_MAX_PIXELS};

static int start_vips(void **state)
{
	return photo_vips_init("test_image");
}

/* Width and height of a JPEG, and whether libvips sees EXIF in it. */
static void jpeg_info(const struct photo_buffer *b, int *w, int *h, int *has_exif)
{
	VipsImage *img = NULL;
	assert_non_null(b->data);
	assert_int_equal(vips_jpegload_buffer(b->data, b->len, &img, NULL), 0);
	*w = vips_image_get_width(img);
	*h = vips_image_get_height(img);
	*has_exif = vips_image_get_typeof(img, VIPS_META_EXIF_NAME) != 0 ||
	            vips_image_get_typeof(img, VIPS_META_XMP_NAME) != 0 ||
	            vips_image_get_typeof(img, VIPS_META_ICC_NAME) != 0 ||
	            test_has_exif_signature(b->data, b->len);
	g_object_unref(img);
}

static void assert_jpeg(const struct photo_buffer *b, int w, int h)
{
	int aw, ah, exif;
	jpeg_info(b, &aw, &ah, &exif);
	assert_int_equal(aw, w);
	assert_int_equal(ah, h);
	assert_false(exif);
}

static void jpeg_with_exif_gives_clean_derived_files_and_the_blob(void **state)
{
	VipsImage *img = test_gradient(1600, 900, 3);
	size_t exif_len, len;
	unsigned char *exif = test_exif_blob(39.9073, 116.3916, "2024:10:01 09:30:00", "+08:00",
	                                     &exif_len);
	unsigned char *jpeg = test_jpeg(img, exif, exif_len, 0, &len);
	assert_non_null(jpeg);
	assert_true(test_has_exif_signature(jpeg, len)); /* the upload does carry EXIF */

	struct photo_image_result r;
	assert_int_equal(photo_image_process(jpeg, len, PHOTO_TYPE_JPEG, &default_limits, &r),
	                 PHOTO_IMAGE_OK);
	assert_int_equal(r.width, 1600);
	assert_int_equal(r.height, 900);
	assert_jpeg(&r.clean, 1600, 900);
	assert_jpeg(&r.large, 1280, 720);
	assert_jpeg(&r.thumb, 320, 180);
	assert_true(r.thumb.len < r.large.len && r.large.len < r.clean.len);

	/* The blob reaches exif.c intact: GPS and time are read from it. */
	assert_non_null(r.exif.data);
	struct photo_exif e;
	photo_exif_read(r.exif.data, r.exif.len, 480, &e);
	assert_true(e.has_gps);
	assert_float_equal(e.lat, 39.9073, 1e-6);
	assert_float_equal(e.lon, 116.3916, 1e-6);
	assert_true(e.has_time);
	assert_int_equal(e.taken_at, 1727746200);

	photo_image_result_free(&r);
	photo_image_result_free(&r); /* twice is harmless */
	free(exif);
	g_free(jpeg);
	g_object_unref(img);
}

static void small_images_are_never_upscaled(void **state)
{
	VipsImage *img = test_gradient(100, 60, 3);
	size_t len;
	unsigned char *jpeg = test_jpeg(img, NULL, 0, 0, &len);
	struct photo_image_result r;
	assert_int_equal(photo_image_process(jpeg, len, PHOTO_TYPE_JPEG, &default_limits, &r),
	                 PHOTO_IMAGE_OK);
	assert_jpeg(&r.clean, 100, 60);
	assert_jpeg(&r.large, 100, 60);
	assert_jpeg(&r.thumb, 100, 60);
	/* libvips writes a minimal EXIF block into every JPEG: no place, no time. */
	struct photo_exif e;
	photo_exif_read(r.exif.data, r.exif.len, 480, &e);
	assert_false(e.has_gps);
	assert_false(e.has_time);
	photo_image_result_free(&r);
	g_free(jpeg);
	g_object_unref(img);
}

static void exif_orientation_is_applied_to_size_and_derived_files(void **state)
{
	VipsImage *img = test_gradient(400, 200, 3);
	size_t len;
	unsigned char *jpeg = test_jpeg(img, NULL, 0, 6, &len); /* 6: rotate 90 clockwise */
	struct photo_image_result r;
	assert_int_equal(photo_image_process(jpeg, len, PHOTO_TYPE_JPEG, &default_limits, &r),
	                 PHOTO_IMAGE_OK);
	assert_int_equal(r.width, 200);
	assert_int_equal(r.height, 400);
	assert_jpeg(&r.clean, 200, 400);
	assert_jpeg(&r.thumb, 160, 320);
	photo_image_result_free(&r);

	assert_int_equal(photo_image_probe(jpeg, len, PHOTO_TYPE_JPEG, &default_limits, &r),
	                 PHOTO_IMAGE_OK);
	assert_int_equal(r.width, 200);
	assert_int_equal(r.height, 400);
	assert_null(r.clean.data);
	assert_null(r.thumb.data);
	photo_image_result_free(&r);
	g_free(jpeg);
	g_object_unref(img);
}

static void png_with_alpha_and_16_bits_is_flattened_to_jpeg(void **state)
{
	VipsImage *img = test_gradient(300, 200, 4);
	size_t len;
	for (int depth = 8; depth <= 16; depth += 8) {
		unsigned char *png = test_png(img, depth, &len);
		assert_non_null(png);
		struct photo_image_result r;
		assert_int_equal(photo_image_process(png, len, PHOTO_TYPE_PNG, &default_limits, &r),
		                 PHOTO_IMAGE_OK);
		assert_jpeg(&r.clean, 300, 200);
		assert_jpeg(&r.thumb, 300, 200);
		photo_image_result_free(&r);
		g_free(png);
	}
	g_object_unref(img);
}

static void grey_and_cmyk_jpegs_become_srgb(void **state)
{
	VipsImage *img = test_gradient(64, 48, 3), *grey = NULL, *cmyk = NULL;
	assert_int_equal(vips_colourspace(img, &grey, VIPS_INTERPRETATION_B_W, NULL), 0);
	assert_int_equal(vips_colourspace(img, &cmyk, VIPS_INTERPRETATION_CMYK, NULL), 0);
	VipsImage *inputs[2] = {grey, cmyk};
	int input_bands[2] = {1, 4};
	for (int i = 0; i < 2; i++) {
		size_t len;
		unsigned char *jpeg = test_jpeg(inputs[i], NULL, 0, 0, &len);
		assert_non_null(jpeg);
		VipsImage *check = NULL;
		assert_int_equal(vips_jpegload_buffer(jpeg, len, &check, NULL), 0);
		assert_int_equal(vips_image_get_bands(check), input_bands[i]);
		g_object_unref(check);

		struct photo_image_result r;
		assert_int_equal(photo_image_process(jpeg, len, PHOTO_TYPE_JPEG, &default_limits, &r),
		                 PHOTO_IMAGE_OK);
		assert_jpeg(&r.clean, 64, 48);
		assert_int_equal(vips_jpegload_buffer(r.clean.data, r.clean.len, &check, NULL), 0);
		assert_int_equal(vips_image_get_bands(check), 3);
		assert_int_equal(vips_image_get_interpretation(check), VIPS_INTERPRETATION_sRGB);
		g_object_unref(check);
		photo_image_result_free(&r);
		g_free(jpeg);
	}
	g_object_unref(grey);
	g_object_unref(cmyk);
	g_object_unref(img);
}

static void webp_is_decoded(void **state)
{
	VipsImage *img = test_gradient(640, 480, 3);
	size_t len;
	unsigned char *webp = test_webp(img, &len);
	assert_non_null(webp);
	struct photo_image_result r;
	assert_int_equal(photo_image_process(webp, len, PHOTO_TYPE_WEBP, &default_limits, &r),
	                 PHOTO_IMAGE_OK);
	assert_jpeg(&r.clean, 640, 480);
	assert_jpeg(&r.large, 640, 480);
	assert_jpeg(&r.thumb, 320, 240);
	photo_image_result_free(&r);
	g_free(webp);
	g_object_unref(img);
}

static void heic_is_decoded_when_libheif_can_encode_one(void **state)
{
	if (!photo_image_type_supported(PHOTO_TYPE_HEIC))
		skip();
	VipsImage *img = test_gradient(128, 96, 3);
	size_t len;
	unsigned char *heic = test_heic(img, &len);
	g_object_unref(img);
	if (!heic)
		skip();
	assert_int_equal(photo_sniff(heic, len), PHOTO_TYPE_HEIC);
	struct photo_image_result r;
	assert_int_equal(photo_image_process(heic, len, PHOTO_TYPE_HEIC, &default_limits, &r),
	                 PHOTO_IMAGE_OK);
	assert_jpeg(&r.clean, 128, 96);
	photo_image_result_free(&r);
	/* Cut in half: refused. */
	assert_int_equal(photo_image_process(heic, len / 2, PHOTO_TYPE_HEIC, &default_limits, &r),
	                 PHOTO_IMAGE_UNDECODABLE);
	g_free(heic);
}

static void truncated_images_are_undecodable(void **state)
{
	VipsImage *img = test_gradient(320, 240, 3);
	size_t len;
	unsigned char *jpeg = test_jpeg(img, NULL, 0, 0, &len);
	struct photo_image_result r;
	assert_int_equal(photo_image_process(jpeg, len / 2, PHOTO_TYPE_JPEG, &default_limits, &r),
	                 PHOTO_IMAGE_UNDECODABLE);
	assert_null(r.clean.data);
	assert_int_equal(photo_image_process(jpeg, 200, PHOTO_TYPE_JPEG, &default_limits, &r),
	                 PHOTO_IMAGE_UNDECODABLE);
	g_free(jpeg);

	unsigned char *png = test_png(img, 8, &len);
	assert_int_equal(photo_image_process(png, len / 2, PHOTO_TYPE_PNG, &default_limits, &r),
	                 PHOTO_IMAGE_UNDECODABLE);
	g_free(png);
	unsigned char *webp = test_webp(img, &len);
	assert_int_equal(photo_image_process(webp, len / 2, PHOTO_TYPE_WEBP, &default_limits, &r),
	                 PHOTO_IMAGE_UNDECODABLE);
	g_free(webp);
	g_object_unref(img);
}

static void a_decompression_bomb_is_refused_from_its_header(void **state)
{
	unsigned char png[128];
	size_t len = test_png_bomb(png, 20000, 20000); /* 400 megapixels, 1.2 GB decoded */
	struct photo_image_result r;
	assert_int_equal(photo_image_process(png, len, PHOTO_TYPE_PNG, &default_limits, &r),
	                 PHOTO_IMAGE_TOO_MANY_PIXELS);
	assert_int_equal(photo_image_probe(png, len, PHOTO_TYPE_PNG, &default_limits, &r),
	                 PHOTO_IMAGE_TOO_MANY_PIXELS);
	/* Within the limit the same file is read, and found empty. */
	len = test_png_bomb(png, 100, 100);
	assert_int_equal(photo_image_process(png, len, PHOTO_TYPE_PNG, &default_limits, &r),
	                 PHOTO_IMAGE_UNDECODABLE);

	/* The limit is the caller's: 40 x 30 = 1200 pixels. */
	VipsImage *img = test_gradient(40, 30, 3);
	unsigned char *jpeg = test_jpeg(img, NULL, 0, 0, &len);
	struct photo_image_limits tight = {1199};
	assert_int_equal(photo_image_process(jpeg, len, PHOTO_TYPE_JPEG, &tight, &r),
	                 PHOTO_IMAGE_TOO_MANY_PIXELS);
	tight.max_pixels = 1200;
	assert_int_equal(photo_image_process(jpeg, len, PHOTO_TYPE_JPEG, &tight, &r),
	                 PHOTO_IMAGE_OK);
	photo_image_result_free(&r);
	g_free(jpeg);
	g_object_unref(img);
}

static void random_bytes_and_wrong_types_are_refused(void **state)
{
	unsigned char noise[4096];
	uint32_t x = 7;
	for (size_t i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (unsigned char)(x >> 16);
	}
	struct photo_image_result r;
	for (int t = PHOTO_TYPE_JPEG; t < PHOTO_TYPE_COUNT; t++) {
		if (!photo_image_type_supported((enum photo_type)t))
			continue;
		assert_int_equal(photo_image_process(noise, sizeof(noise), (enum photo_type)t,
		                                     &default_limits, &r),
		                 PHOTO_IMAGE_UNDECODABLE);
	}
	noise[0] = 0xFF, noise[1] = 0xD8, noise[2] = 0xFF; /* JPEG magic, then noise */
	assert_int_equal(photo_image_process(noise, sizeof(noise), PHOTO_TYPE_JPEG, &default_limits,
	                                     &r),
	                 PHOTO_IMAGE_UNDECODABLE);
	assert_int_equal(photo_image_process(noise, 0, PHOTO_TYPE_JPEG, &default_limits, &r),
	                 PHOTO_IMAGE_UNDECODABLE);
	assert_int_equal(photo_image_process(NULL, 10, PHOTO_TYPE_JPEG, &default_limits, &r),
	                 PHOTO_IMAGE_UNDECODABLE);
	assert_int_equal(photo_image_process(noise, sizeof(noise), PHOTO_TYPE_UNKNOWN,
	                                     &default_limits, &r),
	                 PHOTO_IMAGE_UNSUPPORTED);

	/* A real PNG handed over as JPEG goes to the JPEG loader only: refused. */
	VipsImage *img = test_gradient(32, 32, 3);
	size_t len;
	unsigned char *png = test_png(img, 8, &len);
	assert_int_equal(photo_image_process(png, len, PHOTO_TYPE_JPEG, &default_limits, &r),
	                 PHOTO_IMAGE_UNDECODABLE);
	g_free(png);
	g_object_unref(img);
}

static void loaders_other_than_the_four_are_blocked(void **state)
{
	VipsImage *img = test_gradient(16, 16, 3);
	void *tiff = NULL, *jpeg = NULL;
	size_t tiff_len = 0, jpeg_len = 0;
	assert_int_equal(vips_tiffsave_buffer(img, &tiff, &tiff_len, NULL), 0);
	assert_int_equal(vips_jpegsave_buffer(img, &jpeg, &jpeg_len, NULL), 0);
	VipsImage *loaded = vips_image_new_from_buffer(tiff, tiff_len, "", NULL);
	assert_null(loaded);
	assert_int_not_equal(vips_tiffload_buffer(tiff, tiff_len, &loaded, NULL), 0);
	assert_int_equal(vips_jpegload_buffer(jpeg, jpeg_len, &loaded, NULL), 0);
	g_object_unref(loaded);
	vips_error_clear();
	g_free(tiff);
	g_free(jpeg);
	g_object_unref(img);
	assert_true(photo_image_type_supported(PHOTO_TYPE_JPEG));
	assert_true(photo_image_type_supported(PHOTO_TYPE_PNG));
	assert_true(photo_image_type_supported(PHOTO_TYPE_WEBP));
	assert_false(photo_image_type_supported(PHOTO_TYPE_UNKNOWN));
	assert_string_equal(photo_image_status_name(PHOTO_IMAGE_TOO_MANY_PIXELS), "too_many_pixels");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jpeg_with_exif_gives_clean_derived_files_and_the_blob),
		cmocka_unit_test(small_images_are_never_upscaled),
		cmocka_unit_test(exif_orientation_is_applied_to_size_and_derived_files),
		cmocka_unit_test(png_with_alpha_and_16_bits_is_flattened_to_jpeg),
		cmocka_unit_test(grey_and_cmyk_jpegs_become_srgb),
		cmocka_unit_test(webp_is_decoded),
		cmocka_unit_test(heic_is_decoded_when_libheif_can_encode_one),
		cmocka_unit_test(truncated_images_are_undecodable),
		cmocka_unit_test(a_decompression_bomb_is_refused_from_its_header),
		cmocka_unit_test(random_bytes_and_wrong_types_are_refused),
		cmocka_unit_test(loaders_other_than_the_four_are_blocked),
	};
	int failed = cmocka_run_group_tests(tests, start_vips, NULL);
	photo_vips_shutdown();
	return failed;
}

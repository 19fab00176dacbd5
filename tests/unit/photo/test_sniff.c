/* Unit tests for photo/sniff.c: magic bytes and Content-Type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "photo/sniff.h"

static enum photo_type sniff_of(const void *bytes, size_t len)
{
	return photo_sniff(bytes, len);
}

static void jpeg_png_and_webp_are_recognised_by_their_magic(void **state)
{
	static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10};
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13};
	static const unsigned char webp[] = {'R', 'I', 'F', 'F', 0x24, 0, 0, 0, 'W', 'E', 'B', 'P',
	                                     'V', 'P', '8', ' '};
	assert_int_equal(sniff_of(jpeg, sizeof(jpeg)), PHOTO_TYPE_JPEG);
	assert_int_equal(sniff_of(jpeg, 3), PHOTO_TYPE_JPEG);
	assert_int_equal(sniff_of(png, sizeof(png)), PHOTO_TYPE_PNG);
	assert_int_equal(sniff_of(png, 8), PHOTO_TYPE_PNG);
	assert_int_equal(sniff_of(webp, sizeof(webp)), PHOTO_TYPE_WEBP);
	assert_int_equal(sniff_of(webp, 12), PHOTO_TYPE_WEBP);
}

/* An ftyp box: size, "ftyp", major brand, minor version, compatible brands. */
static size_t ftyp(unsigned char *out, const char *major, const char *const *compatible, int n)
{
	size_t size = 16 + 4 * (size_t)n;
	out[0] = 0;
	out[1] = 0;
	out[2] = 0;
	out[3] = (unsigned char)size;
	memcpy(out + 4, "ftyp", 4);
	memcpy(out + 8, major, 4);
	memset(out + 12, 0, 4);
	for (int i = 0; i < n; i++)
		memcpy(out + 16 + 4 * i, compatible[i], 4);
	memcpy(out + size, "\0\0\0\x08meta", 8); /* the next box */
	return size + 8;
}

static void heic_is_recognised_by_major_or_compatible_brand(void **state)
{
	unsigned char box[128];
	static const char *const brands[] = {"heic", "heix", "hevc", "hevx", "mif1", "msf1"};
	for (size_t i = 0; i < 6; i++) {
		size_t n = ftyp(box, brands[i], NULL, 0);
		assert_int_equal(sniff_of(box, n), PHOTO_TYPE_HEIC);
	}
	static const char *const iphone[] = {"mif1", "MiHE", "miaf", "MiHB", "heic"};
	size_t n = ftyp(box, "heic", iphone, 5);
	assert_int_equal(sniff_of(box, n), PHOTO_TYPE_HEIC);
	static const char *const compat[] = {"isom", "mif1"};
	n = ftyp(box, "XXXX", compat, 2);
	assert_int_equal(sniff_of(box, n), PHOTO_TYPE_HEIC);
}

static void other_iso_bmff_files_are_unknown(void **state)
{
	unsigned char box[128];
	static const char *const mp4[] = {"isom", "iso2", "avc1", "mp41"};
	size_t n = ftyp(box, "isom", mp4, 4);
	assert_int_equal(sniff_of(box, n), PHOTO_TYPE_UNKNOWN);
	static const char *const avif[] = {"avif", "miaf"};
	n = ftyp(box, "avif", avif, 2);
	assert_int_equal(sniff_of(box, n), PHOTO_TYPE_UNKNOWN);
	/* A brand beyond the box's own size does not count. */
	static const char *const later[] = {"isom"};
	n = ftyp(box, "isom", later, 1);
	memcpy(box + 20, "heic", 4); /* inside the next box */
	assert_int_equal(sniff_of(box, n), PHOTO_TYPE_UNKNOWN);
	/* Box sizes below the header or not a multiple of 4 are refused. */
	n = ftyp(box, "heic", NULL, 0);
	box[3] = 8;
	assert_int_equal(sniff_of(box, n), PHOTO_TYPE_UNKNOWN);
	box[3] = 18;
	assert_int_equal(sniff_of(box, n), PHOTO_TYPE_UNKNOWN);
}

static void garbage_and_short_input_are_unknown(void **state)
{
	static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF};
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
	static const unsigned char riff_wave[] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E'};
	static const char gif[] = "GIF89a\x01\x00\x01\x00";
	static const char text[] = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
	assert_int_equal(photo_sniff(NULL, 0), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(photo_sniff(NULL, 10), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(sniff_of(jpeg, 0), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(sniff_of(jpeg, 2), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(sniff_of(png, 7), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(sniff_of(riff_wave, sizeof(riff_wave)), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(sniff_of(riff_wave, 11), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(sniff_of(gif, sizeof(gif) - 1), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(sniff_of(text, sizeof(text) - 1), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(sniff_of("\0\0\0\x18" "ftyp" "hei", 11), PHOTO_TYPE_UNKNOWN);
}

static void content_type_maps_case_insensitively_without_parameters(void **state)
{
	assert_int_equal(photo_type_from_mime("image/jpeg"), PHOTO_TYPE_JPEG);
	assert_int_equal(photo_type_from_mime("IMAGE/JPEG"), PHOTO_TYPE_JPEG);
	assert_int_equal(photo_type_from_mime("image/jpg"), PHOTO_TYPE_JPEG);
	assert_int_equal(photo_type_from_mime("image/png; charset=binary"), PHOTO_TYPE_PNG);
	assert_int_equal(photo_type_from_mime(" Image/WebP ;q=1"), PHOTO_TYPE_WEBP);
	assert_int_equal(photo_type_from_mime("image/heic"), PHOTO_TYPE_HEIC);
	assert_int_equal(photo_type_from_mime("image/HEIF"), PHOTO_TYPE_HEIC);
	assert_int_equal(photo_type_from_mime(NULL), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(photo_type_from_mime(""), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(photo_type_from_mime("image/gif"), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(photo_type_from_mime("image/jpegx"), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(photo_type_from_mime("image/jpe"), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(photo_type_from_mime("application/octet-stream"), PHOTO_TYPE_UNKNOWN);
	assert_int_equal(photo_type_from_mime("image/svg+xml"), PHOTO_TYPE_UNKNOWN);
}

static void every_type_has_a_mime_name_and_extension(void **state)
{
	assert_string_equal(photo_type_mime(PHOTO_TYPE_JPEG), "image/jpeg");
	assert_string_equal(photo_type_mime(PHOTO_TYPE_PNG), "image/png");
	assert_string_equal(photo_type_mime(PHOTO_TYPE_WEBP), "image/webp");
	assert_string_equal(photo_type_mime(PHOTO_TYPE_HEIC), "image/heic");
	assert_string_equal(photo_type_mime(PHOTO_TYPE_UNKNOWN), "application/octet-stream");
	assert_string_equal(photo_type_extension(PHOTO_TYPE_JPEG), "jpg");
	assert_string_equal(photo_type_extension(PHOTO_TYPE_PNG), "png");
	assert_string_equal(photo_type_extension(PHOTO_TYPE_WEBP), "webp");
	assert_string_equal(photo_type_extension(PHOTO_TYPE_HEIC), "heic");
	assert_string_equal(photo_type_name(PHOTO_TYPE_WEBP), "WebP");
	assert_string_equal(photo_type_name((enum photo_type)99), "unknown");
	/* Each MIME name maps back to its type. */
	for (int t = PHOTO_TYPE_JPEG; t < PHOTO_TYPE_COUNT; t++)
		assert_int_equal(photo_type_from_mime(photo_type_mime((enum photo_type)t)), t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jpeg_png_and_webp_are_recognised_by_their_magic),
		cmocka_unit_test(heic_is_recognised_by_major_or_compatible_brand),
		cmocka_unit_test(other_iso_bmff_files_are_unknown),
		cmocka_unit_test(garbage_and_short_input_are_unknown),
		cmocka_unit_test(content_type_maps_case_insensitively_without_parameters),
		cmocka_unit_test(every_type_has_a_mime_name_and_extension),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

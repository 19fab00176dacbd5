/* Unit tests for photo/exif.c: GPS and capture time from EXIF blobs that the
 * test builds with libexif, as a phone would write them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libexif/exif-data.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "photo/exif.h"

/* 2024-10-01T01:30:00Z, i.e. 09:30 in Beijing. */
#define OCT1_0930_BEIJING 1727746200

struct spec {
	ExifByteOrder order;
	const char *lat_ref, *lon_ref;        /* NULL: no such entry */
	ExifRational lat[3], lon[3];
	int lat_components, lon_components;   /* 0: no such entry */
	const char *taken;                    /* DateTimeOriginal */
	const char *offset;                   /* OffsetTimeOriginal */
	const char *make;                     /* IFD0 Make */
};

static void add(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat format,
                unsigned long components, const void *bytes)
{
	ExifMem *mem = exif_mem_new_default();
	ExifEntry *e = exif_entry_new_mem(mem);
	assert_non_null(e);
	e->tag = tag;
	e->format = format;
	e->components = components;
	e->size = (unsigned int)(exif_format_get_size(format) * components);
	e->data = exif_mem_alloc(mem, e->size);
	assert_non_null(e->data);
	if (bytes)
		memcpy(e->data, bytes, e->size);
	exif_content_add_entry(ed->ifd[ifd], e);
	exif_entry_unref(e);
	exif_mem_unref(mem);
}

static void add_ascii(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *text)
{
	add(ed, ifd, tag, EXIF_FORMAT_ASCII, strlen(text) + 1, text);
}

static void add_rationals(ExifData *ed, ExifTag tag, const ExifRational *r, int n)
{
	unsigned char bytes[24];
	for (int i = 0; i < n; i++)
		exif_set_rational(bytes + 8 * i, exif_data_get_byte_order(ed), r[i]);
	add(ed, EXIF_IFD_GPS, tag, EXIF_FORMAT_RATIONAL, (unsigned long)n, bytes);
}

/* The blob ("Exif\0\0" + TIFF) described by s; free() it. */
static unsigned char *blob_of(const struct spec *s, size_t *len)
{
	ExifData *ed = exif_data_new();
	assert_non_null(ed);
	exif_data_set_byte_order(ed, s->order);
	if (s->make)
		add_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, s->make);
	if (s->lat_ref)
		add_ascii(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE_REF, s->lat_ref);
	if (s->lat_components)
		add_rationals(ed, EXIF_TAG_GPS_LATITUDE, s->lat, s->lat_components);
	if (s->lon_ref)
		add_ascii(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE_REF, s->lon_ref);
	if (s->lon_components)
		add_rationals(ed, EXIF_TAG_GPS_LONGITUDE, s->lon, s->lon_components);
	if (s->taken)
		add_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, s->taken);
	if (s->offset)
		add_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, s->offset);
	unsigned char *data = NULL;
	unsigned int n = 0;
	exif_data_save_data(ed, &data, &n);
	exif_data_unref(ed);
	assert_non_null(data);
	assert_memory_equal(data, "Exif\0\0", 6);
	*len = n;
	return data;
}

static struct photo_exif read_spec(const struct spec *s, int default_offset)
{
	size_t len;
	unsigned char *blob = blob_of(s, &len);
	struct photo_exif out;
	photo_exif_read(blob, len, default_offset, &out);
	free(blob);
	return out;
}

/* Tiananmen: 39 deg 54' 26.4" N, 116 deg 23' 29.8" E. */
static struct spec beijing(void)
{
	struct spec s = {
		.order = EXIF_BYTE_ORDER_INTEL,
		.lat_ref = "N", .lon_ref = "E",
		.lat = {{39, 1}, {54, 1}, {264, 10}}, .lat_components = 3,
		.lon = {{116, 1}, {23, 1}, {298, 10}}, .lon_components = 3,
		.taken = "2024:10:01 09:30:00", .offset = "+08:00",
	};
	return s;
}

static void gps_and_time_with_offset_are_read(void **state)
{
	struct spec s = beijing();
	struct photo_exif e = read_spec(&s, 0);
	assert_true(e.has_exif);
	assert_true(e.has_gps);
	assert_float_equal(e.lat, 39.0 + 54.0 / 60 + 26.4 / 3600, 1e-9);
	assert_float_equal(e.lon, 116.0 + 23.0 / 60 + 29.8 / 3600, 1e-9);
	assert_true(e.has_time);
	assert_true(e.time_had_offset);
	assert_int_equal(e.taken_at, OCT1_0930_BEIJING); /* the default offset 0 is not used */
}

static void south_and_west_are_negative_in_big_endian_blobs(void **state)
{
	/* Buenos Aires: 34 deg 36' 12" S, 58 deg 22' 54" W, at 09:30 -03:00. */
	struct spec s = {
		.order = EXIF_BYTE_ORDER_MOTOROLA,
		.lat_ref = "S", .lon_ref = "W",
		.lat = {{34, 1}, {36, 1}, {12, 1}}, .lat_components = 3,
		.lon = {{58, 1}, {2290, 100}, {0, 1}}, .lon_components = 3,
		.taken = "2024:10:01 09:30:00", .offset = "-03:00",
	};
	struct photo_exif e = read_spec(&s, 480);
	assert_true(e.has_gps);
	assert_float_equal(e.lat, -(34.0 + 36.0 / 60 + 12.0 / 3600), 1e-9);
	assert_float_equal(e.lon, -(58.0 + 22.9 / 60), 1e-9);
	assert_true(e.time_had_offset);
	assert_int_equal(e.taken_at, OCT1_0930_BEIJING + 11 * 3600);
}

static void time_without_offset_uses_the_default_offset(void **state)
{
	struct spec s = beijing();
	s.offset = NULL;
	struct photo_exif e = read_spec(&s, PHOTO_EXIF_DEFAULT_OFFSET_MINUTES);
	assert_true(e.has_time);
	assert_false(e.time_had_offset);
	assert_int_equal(e.taken_at, OCT1_0930_BEIJING);
	e = read_spec(&s, -300); /* a city at UTC-05:00 */
	assert_int_equal(e.taken_at, OCT1_0930_BEIJING + 13 * 3600);
	e = read_spec(&s, 0);
	assert_int_equal(e.taken_at, OCT1_0930_BEIJING + 8 * 3600);
}

static void malformed_offsets_fall_back_to_the_default(void **state)
{
	static const char *const bad[] = {"+8:00", "+25:00", "+08:60", "08:00", "+08-00", "Z",
	                                  "+14:01"};
	struct spec s = beijing();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.offset = bad[i];
		struct photo_exif e = read_spec(&s, 480);
		assert_true(e.has_time);
		assert_false(e.time_had_offset);
		assert_int_equal(e.taken_at, OCT1_0930_BEIJING);
	}
	s.offset = "+05:45"; /* Kathmandu: unusual but valid */
	struct photo_exif e = read_spec(&s, 480);
	assert_true(e.time_had_offset);
	assert_int_equal(e.taken_at, OCT1_0930_BEIJING + 8 * 3600 - (5 * 3600 + 45 * 60));
}

static void impossible_or_blank_times_are_absent(void **state)
{
	static const char *const bad[] = {
		"2024:02:30 10:00:00", "    :  :     :  :  ", "0000:00:00 00:00:00",
		"2024:10:01 24:00:00", "2024:10:01 09:60:00", "2024:10:01 09:30:60",
		"2024-10-01 09:30:00", "2024:10:01T09:30:00", "2024:10:01", "1899:12:31 23:59:59",
	};
	struct spec s = beijing();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.taken = bad[i];
		struct photo_exif e = read_spec(&s, 480);
		assert_true(e.has_exif);
		assert_true(e.has_gps);
		assert_false(e.has_time);
	}
	s.taken = "2024:02:29 23:59:59"; /* leap day */
	assert_true(read_spec(&s, 480).has_time);
}

static void malformed_gps_is_absent(void **state)
{
	struct spec s;
	s = beijing(); s.lat[2].denominator = 0;
	assert_false(read_spec(&s, 480).has_gps);
	s = beijing(); s.lon[0].denominator = 0;
	assert_false(read_spec(&s, 480).has_gps);
	s = beijing(); s.lat[0].numerator = 91;
	assert_false(read_spec(&s, 480).has_gps);
	s = beijing(); s.lon[0].numerator = 181;
	assert_false(read_spec(&s, 480).has_gps);
	s = beijing(); s.lat[1].numerator = 60;
	assert_false(read_spec(&s, 480).has_gps);
	s = beijing(); s.lat[2].numerator = 600; /* 60.0 seconds */
	assert_false(read_spec(&s, 480).has_gps);
	s = beijing(); s.lat_ref = NULL;
	assert_false(read_spec(&s, 480).has_gps);
	s = beijing(); s.lon_ref = "X";
	assert_false(read_spec(&s, 480).has_gps);
	s = beijing(); s.lon_components = 0;
	assert_false(read_spec(&s, 480).has_gps);
	/* Exactly 90 N, 180 W is still on the globe; decimal degrees alone too. */
	s = beijing();
	s.lat_components = s.lon_components = 1;
	s.lat[0] = (ExifRational){90, 1};
	s.lon_ref = "W";
	s.lon[0] = (ExifRational){180, 1};
	struct photo_exif e = read_spec(&s, 480);
	assert_true(e.has_gps);
	assert_float_equal(e.lat, 90.0, 0);
	assert_float_equal(e.lon, -180.0, 0);
	s = beijing();
	s.lat[0] = (ExifRational){399073, 10000}; s.lat_components = 1;
	e = read_spec(&s, 480);
	assert_true(e.has_gps);
	assert_float_equal(e.lat, 39.9073, 1e-9);
	/* Time stays readable when the position is broken. */
	s = beijing(); s.lat[0].denominator = 0;
	e = read_spec(&s, 480);
	assert_true(e.has_time);
}

static void exif_without_gps_or_time_is_still_exif(void **state)
{
	struct spec s = {.order = EXIF_BYTE_ORDER_INTEL, .make = "Xiaomi"};
	struct photo_exif e = read_spec(&s, 480);
	assert_true(e.has_exif);
	assert_false(e.has_gps);
	assert_false(e.has_time);
}

static void bare_tiff_and_heif_prefixed_blobs_are_accepted(void **state)
{
	struct spec s = beijing();
	size_t len;
	unsigned char *blob = blob_of(&s, &len);
	struct photo_exif e;
	photo_exif_read(blob + 6, len - 6, 480, &e); /* "II*\0..." as in PNG eXIf */
	assert_true(e.has_gps);
	assert_true(e.has_time);
	unsigned char *heif = malloc(len + 4);
	assert_non_null(heif);
	memcpy(heif, "\0\0\0\x06", 4); /* offset 6: skip "Exif\0\0" */
	memcpy(heif + 4, blob, len);
	photo_exif_read(heif, len + 4, 480, &e);
	assert_true(e.has_gps);
	assert_int_equal(e.taken_at, OCT1_0930_BEIJING);
	free(heif);
	free(blob);
}

static void garbage_truncation_and_oversize_never_crash(void **state)
{
	struct photo_exif e;
	photo_exif_read(NULL, 0, 480, &e);
	assert_false(e.has_exif);
	photo_exif_read(NULL, 100, 480, &e);
	assert_false(e.has_exif);
	static const unsigned char junk[] = "this is not EXIF at all, just text";
	photo_exif_read(junk, sizeof(junk), 480, &e);
	assert_false(e.has_exif);
	photo_exif_read((const unsigned char *)"Exif\0\0", 6, 480, &e);
	assert_false(e.has_exif);
	photo_exif_read((const unsigned char *)"Exif\0\0II*\0\xff\xff\xff\xff", 14, 480, &e);
	assert_false(e.has_gps);

	/* Every prefix of a real blob, and every single-byte corruption of it. */
	struct spec s = beijing();
	s.make = "HUAWEI";
	size_t len;
	unsigned char *blob = blob_of(&s, &len);
	for (size_t n = 0; n <= len; n++)
		photo_exif_read(blob, n, 480, &e);
	for (size_t i = 0; i < len; i++) {
		unsigned char saved = blob[i];
		for (int v = 0; v < 256; v += 51) {
			blob[i] = (unsigned char)v;
			photo_exif_read(blob, len, 480, &e);
			if (e.has_gps)
				assert_true(fabs(e.lat) <= 90 && fabs(e.lon) <= 180);
		}
		blob[i] = saved;
	}
	free(blob);

	/* Deterministic pseudo-random bytes behind a valid header. */
	unsigned char noise[2048];
	uint32_t x = 12345;
	for (int round = 0; round < 200; round++) {
		memcpy(noise, round % 2 ? "Exif\0\0II*\0" : "Exif\0\0MM\0*", 10);
		for (size_t i = 10; i < sizeof(noise); i++) {
			x = x * 1103515245u + 12345u;
			noise[i] = (unsigned char)(x >> 16);
		}
		photo_exif_read(noise, sizeof(noise), 480, &e);
	}

	unsigned char *huge = calloc(1, PHOTO_EXIF_MAX_BYTES + 1);
	assert_non_null(huge);
	memcpy(huge, "Exif\0\0II*\0", 10);
	photo_exif_read(huge, PHOTO_EXIF_MAX_BYTES + 1, 480, &e);
	assert_false(e.has_exif);
	free(huge);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gps_and_time_with_offset_are_read),
		cmocka_unit_test(south_and_west_are_negative_in_big_endian_blobs),
		cmocka_unit_test(time_without_offset_uses_the_default_offset),
		cmocka_unit_test(malformed_offsets_fall_back_to_the_default),
		cmocka_unit_test(impossible_or_blank_times_are_absent),
		cmocka_unit_test(malformed_gps_is_absent),
		cmocka_unit_test(exif_without_gps_or_time_is_still_exif),
		cmocka_unit_test(bare_tiff_and_heif_prefixed_blobs_are_accepted),
		cmocka_unit_test(garbage_truncation_and_oversize_never_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

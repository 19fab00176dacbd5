/*
 * photo_test_images.h - small real images made by libvips for the photo
 * tests (test_image.c, test_process.c). Everything is static inline so each
 * test uses what it needs; callers g_free() encoded buffers and free() EXIF
 * blobs.
 */
#ifndef GRIDD_TEST_PHOTO_IMAGES_H
#define GRIDD_TEST_PHOTO_IMAGES_H

#include <libexif/exif-data.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

/* A w x h sRGB gradient (3 bands, or 4 with an alpha ramp). */
static inline VipsImage *test_gradient(int w, int h, int bands)
{
	VipsImage *xy = NULL, *uc = NULL, *joined = NULL, *out = NULL;
	if (vips_xyz(&xy, w, h, NULL) || vips_cast_uchar(xy, &uc, NULL))
		return NULL;
	double extra[2] = {128, 200};
	int rc = vips_bandjoin_const(uc, &joined, extra, bands - 2, NULL);
	if (rc == 0)
		rc = vips_copy(joined, &out, "interpretation", VIPS_INTERPRETATION_sRGB, NULL);
	g_object_unref(xy);
	g_object_unref(uc);
	if (joined)
		g_object_unref(joined);
	return rc == 0 ? out : NULL;
}

/* An EXIF blob ("Exif\0\0" + TIFF) with a GPS position (north/east) and
 * DateTimeOriginal + OffsetTimeOriginal; free() it. */
static inline void test_exif_add(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat format,
                                 unsigned long components, const void *bytes)
{
	ExifMem *mem = exif_mem_new_default();
	ExifEntry *e = exif_entry_new_mem(mem);
	e->tag = tag;
	e->format = format;
	e->components = components;
	e->size = (unsigned int)(exif_format_get_size(format) * components);
	e->data = exif_mem_alloc(mem, e->size);
	memcpy(e->data, bytes, e->size);
	exif_content_add_entry(ed->ifd[ifd], e);
	exif_entry_unref(e);
	exif_mem_unref(mem);
}

static inline unsigned char *test_exif_blob(double lat, double lon, const char *taken,
                                            const char *offset, size_t *len)
{
	ExifData *ed = exif_data_new();
	exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
	test_exif_add(ed, EXIF_IFD_0, EXIF_TAG_MAKE, EXIF_FORMAT_ASCII, 7, "gridd\0");
	test_exif_add(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE_REF, EXIF_FORMAT_ASCII, 2, "N");
	test_exif_add(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE_REF, EXIF_FORMAT_ASCII, 2, "E");
	unsigned char r[24];
	ExifRational deg = {(ExifLong)(lat * 1000000), 1000000}, zero = {0, 1};
	exif_set_rational(r, EXIF_BYTE_ORDER_INTEL, deg);
	exif_set_rational(r + 8, EXIF_BYTE_ORDER_INTEL, zero);
	exif_set_rational(r + 16, EXIF_BYTE_ORDER_INTEL, zero);
	test_exif_add(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE, EXIF_FORMAT_RATIONAL, 3, r);
	deg.numerator = (ExifLong)(lon * 1000000);
	exif_set_rational(r, EXIF_BYTE_ORDER_INTEL, deg);
	test_exif_add(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE, EXIF_FORMAT_RATIONAL, 3, r);
	test_exif_add(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, EXIF_FORMAT_ASCII,
	              strlen(taken) + 1, taken);
	if (offset)
		test_exif_add(ed, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, EXIF_FORMAT_ASCII,
		              strlen(offset) + 1, offset);
	unsigned char *data = NULL;
	unsigned int n = 0;
	exif_data_save_data(ed, &data, &n);
	exif_data_unref(ed);
	*len = n;
	return data;
}

/* Encodes image as JPEG, optionally with an EXIF blob and an orientation
 * (0: none). Returns a g_malloc'd buffer or NULL. */
static inline unsigned char *test_jpeg(VipsImage *image, const unsigned char *exif,
                                       size_t exif_len, int orientation, size_t *len)
{
	VipsImage *copy = NULL;
	void *buf = NULL;
	if (vips_copy(image, &copy, NULL))
		return NULL;
	if (exif)
		vips_image_set_blob_copy(copy, VIPS_META_EXIF_NAME, exif, exif_len);
	if (orientation)
		vips_image_set_int(copy, VIPS_META_ORIENTATION, orientation);
	int rc = vips_jpegsave_buffer(copy, &buf, len, "Q", 90, NULL);
	g_object_unref(copy);
	return rc == 0 ? buf : NULL;
}

/* 8 or 16 bits per sample (16: converted to RGB16 first, as libvips 8.14's
 * pngsave misreads uchar pixels when asked for bitdepth 16). */
static inline unsigned char *test_png(VipsImage *image, int bitdepth, size_t *len)
{
	void *buf = NULL;
	VipsImage *wide = NULL;
	if (bitdepth == 16) {
		if (vips_colourspace(image, &wide, VIPS_INTERPRETATION_RGB16, NULL))
			return NULL;
		image = wide;
	}
	int rc = vips_pngsave_buffer(image, &buf, len, NULL);
	if (wide)
		g_object_unref(wide);
	return rc == 0 ? buf : NULL;
}

static inline unsigned char *test_webp(VipsImage *image, size_t *len)
{
	void *buf = NULL;
	return vips_webpsave_buffer(image, &buf, len, "Q", 80, NULL) == 0 ? buf : NULL;
}

/* NULL when libheif cannot encode HEVC here (the test then skips). */
static inline unsigned char *test_heic(VipsImage *image, size_t *len)
{
	void *buf = NULL;
	if (vips_heifsave_buffer(image, &buf, len, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_HEVC,
	                         "Q", 50, NULL) != 0) {
		vips_error_clear();
		return NULL;
	}
	return buf;
}

static inline uint32_t test_crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
	}
	return c ^ 0xFFFFFFFFu;
}

static inline size_t test_png_chunk(unsigned char *out, const char *type, const void *data,
                                    uint32_t n)
{
	out[0] = (unsigned char)(n >> 24);
	out[1] = (unsigned char)(n >> 16);
	out[2] = (unsigned char)(n >> 8);
	out[3] = (unsigned char)n;
	memcpy(out + 4, type, 4);
	if (n)
		memcpy(out + 8, data, n);
	uint32_t crc = test_crc32(out + 4, 4 + (size_t)n);
	out[8 + n] = (unsigned char)(crc >> 24);
	out[9 + n] = (unsigned char)(crc >> 16);
	out[10 + n] = (unsigned char)(crc >> 8);
	out[11 + n] = (unsigned char)crc;
	return 12 + (size_t)n;
}

/* A valid-looking PNG whose header claims w x h RGB pixels but which holds
 * an empty compressed stream: a decompression bomb's header. out >= 64. */
static inline size_t test_png_bomb(unsigned char *out, uint32_t w, uint32_t h)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
	static const unsigned char empty_zlib[8] = {0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01};
	unsigned char ihdr[13] = {(unsigned char)(w >> 24), (unsigned char)(w >> 16),
	                          (unsigned char)(w >> 8),  (unsigned char)w,
	                          (unsigned char)(h >> 24), (unsigned char)(h >> 16),
	                          (unsigned char)(h >> 8),  (unsigned char)h,
	                          8, 2, 0, 0, 0};
	size_t n = 0;
	memcpy(out, sig, 8);
	n += 8;
	n += test_png_chunk(out + n, "IHDR", ihdr, 13);
	n += test_png_chunk(out + n, "IDAT", empty_zlib, 8);
	n += test_png_chunk(out + n, "IEND", NULL, 0);
	return n;
}

/* Whether an EXIF APP1 segment (or any "Exif\0\0" signature) is in a file. */
static inline int test_has_exif_signature(const unsigned char *p, size_t n)
{
	return memmem(p, n, "Exif\0\0", 6) != NULL;
}

#endif

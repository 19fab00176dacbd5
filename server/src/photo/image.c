/*
 * image.c - photo decoding and derived JPEGs with libvips (see image.h).
 */
#include "photo/image.h"

#include <string.h>
#include <vips/vips.h>

#include "log.h"

/* The one loader of each type (jpegload_buffer etc.), by GType name:
 * vips_operation_block_set() takes class names, not nicknames. */
static const char *const loader_names[PHOTO_TYPE_COUNT] = {
	[PHOTO_TYPE_JPEG] = "VipsForeignLoadJpegBuffer",
	[PHOTO_TYPE_PNG] = "VipsForeignLoadPngBuffer",
	[PHOTO_TYPE_WEBP] = "VipsForeignLoadWebpBuffer",
	[PHOTO_TYPE_HEIC] = "VipsForeignLoadHeifBuffer",
};

static bool vips_started;
static bool loader_available[PHOTO_TYPE_COUNT];

/*
 * libvips reports decoder trouble (truncated files, bad chunks) through
 * g_warning on stderr. Hostile uploads make that routine, and the answer
 * already says what happened: into gridd's log at debug level instead.
 */
static void photo_vips_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
                           gpointer data)
{
	if (level & G_LOG_LEVEL_CRITICAL)
		log_warn("libvips: %s", message);
	else
		log_debug("libvips: %s", message);
}

int photo_vips_init(const char *argv0)
{
	if (vips_started)
		return 0;
	if (VIPS_INIT(argv0 ? argv0 : "gridd") != 0) {
		vips_error_clear();
		return -1;
	}
	/* open_header() only ever calls the four loaders by name; blocking
	 * every other loader (and whatever libvips marks untrusted: ImageMagick,
	 * poppler, ...) keeps them out even if some later code reaches
	 * vips_image_new_from_buffer() or another generic entry point. */
	vips_block_untrusted_set(TRUE);
	vips_operation_block_set("VipsForeignLoad", TRUE);
	for (int t = 0; t < PHOTO_TYPE_COUNT; t++) {
		if (!loader_names[t] || !g_type_from_name(loader_names[t]))
			continue;
		vips_operation_block_set(loader_names[t], FALSE);
		loader_available[t] = true;
	}
	g_log_set_handler("VIPS", G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
	                  G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG, photo_vips_log, NULL);
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	vips_cache_set_max_mem(0);
	vips_cache_set_max_files(0);
	vips_started = true;
	return 0;
}

void photo_vips_shutdown(void)
{
	if (!vips_started)
		return;
	vips_shutdown();
	vips_started = false;
}

bool photo_image_type_supported(enum photo_type type)
{
	return vips_started && (int)type > 0 && type < PHOTO_TYPE_COUNT && loader_available[type];
}

const char *photo_image_status_name(enum photo_image_status status)
{
	switch (status) {
	case PHOTO_IMAGE_OK: return "ok";
	case PHOTO_IMAGE_UNSUPPORTED: return "unsupported";
	case PHOTO_IMAGE_UNDECODABLE: return "undecodable";
	case PHOTO_IMAGE_TOO_MANY_PIXELS: return "too_many_pixels";
	case PHOTO_IMAGE_NO_MEMORY: return "no_memory";
	}
	return "unknown";
}

static void unref(VipsImage **image)
{
	if (*image) {
		g_object_unref(*image);
		*image = NULL;
	}
}

static void buffer_free(struct photo_buffer *b)
{
	g_free(b->data);
	b->data = NULL;
	b->len = 0;
}

void photo_image_result_free(struct photo_image_result *r)
{
	buffer_free(&r->exif);
	buffer_free(&r->thumb);
	buffer_free(&r->large);
	buffer_free(&r->clean);
	r->width = r->height = 0;
}

/*
 * Opens the header with the type's own loader (sequential, failing on
 * errors and truncation once pixels are read) and checks the pixel count.
 * Nothing is decoded yet.
 */
static enum photo_image_status open_header(const unsigned char *bytes, size_t len,
                                           enum photo_type type,
                                           const struct photo_image_limits *limits,
                                           VipsImage **out)
{
	*out = NULL;
	if (!photo_image_type_supported(type))
		return PHOTO_IMAGE_UNSUPPORTED;
	if (!bytes || len == 0)
		return PHOTO_IMAGE_UNDECODABLE;
	void *buf = (void *)bytes; /* the loaders only read it */
	int rc = -1;
	switch (type) {
	case PHOTO_TYPE_JPEG:
		rc = vips_jpegload_buffer(buf, len, out, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
		                          VIPS_FAIL_ON_ERROR, NULL);
		break;
	case PHOTO_TYPE_PNG:
		rc = vips_pngload_buffer(buf, len, out, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
		                         VIPS_FAIL_ON_ERROR, NULL);
		break;
	case PHOTO_TYPE_WEBP:
		rc = vips_webpload_buffer(buf, len, out, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
		                          VIPS_FAIL_ON_ERROR, NULL);
		break;
	case PHOTO_TYPE_HEIC:
		rc = vips_heifload_buffer(buf, len, out, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
		                          VIPS_FAIL_ON_ERROR, NULL);
		break;
	default:
		return PHOTO_IMAGE_UNSUPPORTED;
	}
	if (rc != 0 || !*out) {
		vips_error_clear();
		unref(out);
		return PHOTO_IMAGE_UNDECODABLE;
	}
	int64_t w = vips_image_get_width(*out), h = vips_image_get_height(*out);
	int64_t max = limits && limits->max_pixels > 0 ? limits->max_pixels
	                                               : PHOTO_IMAGE_DEFAULT_MAX_PIXELS;
	if (w <= 0 || h <= 0) {
		unref(out);
		return PHOTO_IMAGE_UNDECODABLE;
	}
	if (w * h > max) {
		unref(out);
		return PHOTO_IMAGE_TOO_MANY_PIXELS;
	}
	return PHOTO_IMAGE_OK;
}

/* Copies the "exif-data" blob, if any. Returns 0, or -1 out of memory. */
static int copy_exif(VipsImage *image, struct photo_buffer *out)
{
	const void *data = NULL;
	size_t len = 0;
	if (vips_image_get_typeof(image, VIPS_META_EXIF_NAME) == 0)
		return 0;
	if (vips_image_get_blob(image, VIPS_META_EXIF_NAME, &data, &len) != 0) {
		vips_error_clear();
		return 0;
	}
	if (!data || len == 0)
		return 0;
	out->data = g_try_malloc(len);
	if (!out->data)
		return -1;
	memcpy(out->data, data, len);
	out->len = len;
	return 0;
}

/* 8-bit sRGB without alpha (flattened on white): what JPEG can hold. Lazy. */
static int to_srgb8(VipsImage *in, VipsImage **out)
{
	VipsImage *srgb = NULL, *flat = NULL;
	*out = NULL;
	if (vips_colourspace(in, &srgb, VIPS_INTERPRETATION_sRGB, NULL) != 0)
		return -1;
	if (vips_image_hasalpha(srgb)) {
		double white[3] = {255, 255, 255};
		VipsArrayDouble *bg = vips_array_double_new(white, 3);
		int rc = vips_flatten(srgb, &flat, "background", bg, NULL);
		vips_area_unref(VIPS_AREA(bg));
		unref(&srgb);
		if (rc != 0)
			return -1;
		srgb = flat;
	}
	if (vips_image_get_format(srgb) != VIPS_FORMAT_UCHAR) {
		int rc = vips_cast_uchar(srgb, out, NULL);
		unref(&srgb);
		return rc;
	}
	*out = srgb;
	return 0;
}

static int save_jpeg(VipsImage *image, int quality, struct photo_buffer *out)
{
	void *data = NULL;
	size_t len = 0;
	if (vips_jpegsave_buffer(image, &data, &len, "Q", quality, "strip", TRUE,
	                         "optimize_coding", TRUE, NULL) != 0) {
		vips_error_clear();
		return -1;
	}
	out->data = data;
	out->len = len;
	return 0;
}

/* Fits image in a side x side box; never upscales (a smaller image is saved
 * as it is). */
static int save_fitted(VipsImage *image, int side, int quality, struct photo_buffer *out)
{
	if (vips_image_get_width(image) <= side && vips_image_get_height(image) <= side)
		return save_jpeg(image, quality, out);
	VipsImage *small = NULL;
	if (vips_thumbnail_image(image, &small, side, "height", side, "size", VIPS_SIZE_DOWN,
	                         NULL) != 0) {
		vips_error_clear();
		return -1;
	}
	int rc = save_jpeg(small, quality, out);
	unref(&small);
	return rc;
}

enum photo_image_status photo_image_probe(const unsigned char *bytes, size_t len,
                                          enum photo_type type,
                                          const struct photo_image_limits *limits,
                                          struct photo_image_result *out)
{
	VipsImage *header = NULL;
	memset(out, 0, sizeof(*out));
	enum photo_image_status st = open_header(bytes, len, type, limits, &header);
	if (st != PHOTO_IMAGE_OK)
		return st;
	bool swap = vips_image_get_orientation_swap(header);
	out->width = swap ? vips_image_get_height(header) : vips_image_get_width(header);
	out->height = swap ? vips_image_get_width(header) : vips_image_get_height(header);
	if (copy_exif(header, &out->exif) < 0)
		st = PHOTO_IMAGE_NO_MEMORY;
	unref(&header);
	if (st != PHOTO_IMAGE_OK)
		photo_image_result_free(out);
	return st;
}

enum photo_image_status photo_image_process(const unsigned char *bytes, size_t len,
                                            enum photo_type type,
                                            const struct photo_image_limits *limits,
                                            struct photo_image_result *out)
{
	VipsImage *header = NULL, *converted = NULL, *pixels = NULL, *upright = NULL;
	memset(out, 0, sizeof(*out));
	enum photo_image_status st = open_header(bytes, len, type, limits, &header);
	if (st != PHOTO_IMAGE_OK)
		return st;
	if (copy_exif(header, &out->exif) < 0) {
		st = PHOTO_IMAGE_NO_MEMORY;
		goto out;
	}
	/* Decode every pixel now, into memory, as 8-bit sRGB: a truncated or
	 * corrupt image fails here (fail_on), and the three outputs below read
	 * the decoded copy instead of decoding three times. */
	if (to_srgb8(header, &converted) != 0 || !(pixels = vips_image_copy_memory(converted))) {
		vips_error_clear();
		st = PHOTO_IMAGE_UNDECODABLE;
		goto out;
	}
	if (vips_autorot(pixels, &upright, NULL) != 0) {
		vips_error_clear();
		st = PHOTO_IMAGE_NO_MEMORY;
		goto out;
	}
	out->width = vips_image_get_width(upright);
	out->height = vips_image_get_height(upright);
	if (save_jpeg(upright, PHOTO_IMAGE_CLEAN_QUALITY, &out->clean) != 0 ||
	    save_fitted(upright, PHOTO_IMAGE_LARGE_SIDE, PHOTO_IMAGE_LARGE_QUALITY, &out->large) != 0 ||
	    save_fitted(upright, PHOTO_IMAGE_THUMB_SIDE, PHOTO_IMAGE_THUMB_QUALITY, &out->thumb) != 0)
		st = PHOTO_IMAGE_NO_MEMORY; /* the pixels are decoded: only memory can fail */
out:
	unref(&upright);
	unref(&pixels);
	unref(&converted);
	unref(&header);
	if (st != PHOTO_IMAGE_OK)
		photo_image_result_free(out);
	return st;
}

/*
 * process.c - one upload from bytes to stored files (see process.h).
 */
#include "photo/process.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "photo/image.h"

static void set_status(struct photo_process_result *out, enum photo_process_status status,
                       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_status(struct photo_process_result *out, enum photo_process_status status,
                       const char *fmt, ...)
{
	va_list ap;
	out->status = status;
	va_start(ap, fmt);
	vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
	va_end(ap);
}

/* Step 1. Returns true when the upload may go on. */
static bool check_type(const struct photo_process_input *in, struct photo_process_result *out)
{
	if (in->claimed == PHOTO_TYPE_UNKNOWN) {
		set_status(out, PHOTO_PROCESS_UNSUPPORTED_TYPE,
		           "Content-Type must be image/jpeg, image/png, image/webp or image/heic");
		return false;
	}
	if (!in->bytes || in->len == 0) {
		set_status(out, PHOTO_PROCESS_UNDECODABLE, "the body is empty");
		return false;
	}
	out->type = photo_sniff(in->bytes, in->len);
	if (out->type == PHOTO_TYPE_UNKNOWN) {
		set_status(out, PHOTO_PROCESS_UNSUPPORTED_TYPE,
		           "the body is not a JPEG, PNG, WebP or HEIC image");
		return false;
	}
	if (out->type != in->claimed) {
		set_status(out, PHOTO_PROCESS_TYPE_MISMATCH,
		           "Content-Type says %s but the body is a %s image",
		           photo_type_mime(in->claimed), photo_type_name(out->type));
		return false;
	}
	if (!photo_image_type_supported(out->type)) {
		set_status(out, PHOTO_PROCESS_UNSUPPORTED_TYPE,
		           "%s images are not supported by this server", photo_type_name(out->type));
		return false;
	}
	return true;
}

static bool image_failed(enum photo_image_status st, const struct photo_image_limits *limits,
                         struct photo_process_result *out)
{
	switch (st) {
	case PHOTO_IMAGE_OK:
		return false;
	case PHOTO_IMAGE_UNSUPPORTED:
		set_status(out, PHOTO_PROCESS_UNSUPPORTED_TYPE,
		           "%s images are not supported by this server", photo_type_name(out->type));
		break;
	case PHOTO_IMAGE_UNDECODABLE:
		set_status(out, PHOTO_PROCESS_UNDECODABLE,
		           "the %s image is truncated or corrupt", photo_type_name(out->type));
		break;
	case PHOTO_IMAGE_TOO_MANY_PIXELS:
		set_status(out, PHOTO_PROCESS_TOO_MANY_PIXELS,
		           "the image has more than %lld pixels", (long long)limits->max_pixels);
		break;
	case PHOTO_IMAGE_NO_MEMORY:
	default:
		set_status(out, PHOTO_PROCESS_NO_MEMORY, "out of memory while processing the image");
		break;
	}
	return true;
}

/* Step 3: the original (with the right size) and every derived file exist. */
static bool fully_stored(const struct photo_process_input *in, const char *sha)
{
	off_t size = 0;
	if (photo_store_stat(in->root, sha, PHOTO_VARIANT_ORIGINAL, &size) != 0 ||
	    (size_t)size != in->len)
		return false;
	for (int v = PHOTO_VARIANT_ORIGINAL + 1; v < PHOTO_VARIANT_COUNT; v++)
		if (photo_store_stat(in->root, sha, (enum photo_variant)v, NULL) != 0)
			return false;
	return true;
}

/* Step 6: derived files first, the original last. */
static int store_all(const struct photo_process_input *in, const char *sha,
                     const struct photo_image_result *img)
{
	const struct photo_buffer *derived[] = {
		[PHOTO_VARIANT_THUMB] = &img->thumb,
		[PHOTO_VARIANT_LARGE] = &img->large,
		[PHOTO_VARIANT_CLEAN] = &img->clean,
	};
	for (int v = PHOTO_VARIANT_THUMB; v <= PHOTO_VARIANT_CLEAN; v++) {
		int rc = photo_store_put(in->root, sha, (enum photo_variant)v, derived[v]->data,
		                         derived[v]->len, NULL);
		if (rc < 0)
			return rc;
	}
	return photo_store_put(in->root, sha, PHOTO_VARIANT_ORIGINAL, in->bytes, in->len, NULL);
}

void photo_process(const struct photo_process_input *in, struct photo_process_result *out)
{
	struct photo_image_limits limits = {
		in->max_pixels > 0 ? in->max_pixels : PHOTO_IMAGE_DEFAULT_MAX_PIXELS};
	struct photo_image_result img;
	memset(out, 0, sizeof(*out));
	memset(&img, 0, sizeof(img));
	out->bytes = in->len;
	if (!check_type(in, out))
		return;
	int rc = photo_sha256_hex(in->bytes, in->len, out->sha256);
	if (rc < 0) {
		set_status(out, PHOTO_PROCESS_NO_MEMORY, "cannot compute the photo's hash");
		return;
	}

	out->already_stored = fully_stored(in, out->sha256);
	enum photo_image_status st =
		out->already_stored ? photo_image_probe(in->bytes, in->len, out->type, &limits, &img)
		                    : photo_image_process(in->bytes, in->len, out->type, &limits, &img);
	if (image_failed(st, &limits, out)) {
		out->already_stored = false;
		photo_image_result_free(&img);
		return;
	}
	out->width = img.width;
	out->height = img.height;
	photo_exif_read(img.exif.data, img.exif.len, in->city_offset_minutes, &out->exif);

	if (!out->already_stored && (rc = store_all(in, out->sha256, &img)) < 0) {
		out->error = -rc;
		set_status(out, PHOTO_PROCESS_STORAGE_ERROR, "the photo could not be stored");
	}
	photo_image_result_free(&img);
}

int photo_process_http_status(enum photo_process_status status)
{
	switch (status) {
	case PHOTO_PROCESS_OK: return 201;
	case PHOTO_PROCESS_UNSUPPORTED_TYPE:
	case PHOTO_PROCESS_TYPE_MISMATCH: return 415;
	case PHOTO_PROCESS_UNDECODABLE:
	case PHOTO_PROCESS_TOO_MANY_PIXELS: return 422;
	case PHOTO_PROCESS_STORAGE_ERROR:
	case PHOTO_PROCESS_NO_MEMORY: return 500;
	}
	return 500;
}

const char *photo_process_status_name(enum photo_process_status status)
{
	switch (status) {
	case PHOTO_PROCESS_OK: return "ok";
	case PHOTO_PROCESS_UNSUPPORTED_TYPE: return "unsupported_type";
	case PHOTO_PROCESS_TYPE_MISMATCH: return "type_mismatch";
	case PHOTO_PROCESS_UNDECODABLE: return "undecodable";
	case PHOTO_PROCESS_TOO_MANY_PIXELS: return "too_many_pixels";
	case PHOTO_PROCESS_STORAGE_ERROR: return "storage_error";
	case PHOTO_PROCESS_NO_MEMORY: return "no_memory";
	}
	return "unknown";
}

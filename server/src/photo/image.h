/*
 * image.h - decoding uploaded photos and making the files gridd serves
 * (libvips; blocking and CPU-heavy: worker threads only).
 *
 * Hostile input is the normal case here, so:
 *   - each type is opened ONLY with its own loader (jpegload_buffer,
 *     pngload_buffer, webpload_buffer, heifload_buffer), chosen from the
 *     sniffed type; every other loader is blocked at start-up, as are the
 *     operations libvips marks untrusted (ImageMagick, poppler, ...), so
 *     nothing else ever parses an upload;
 *   - the header is read first and width x height checked against
 *     max_pixels BEFORE any pixel is decoded (decompression bombs);
 *   - decoding runs to the end with fail-on-error, so truncated or corrupt
 *     images are refused rather than half-grey;
 *   - what is served is re-encoded JPEG with every metadata block stripped
 *     (EXIF with its GPS position, XMP, ICC, IPTC), upright after the EXIF
 *     orientation.
 *
 * libvips runs single-threaded per call (vips_concurrency_set(1): gridd's
 * worker pool is the parallelism) with its operation cache off.
 */
#ifndef GRIDD_PHOTO_IMAGE_H
#define GRIDD_PHOTO_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "photo/sniff.h"

#define PHOTO_IMAGE_DEFAULT_MAX_PIXELS 40000000
#define PHOTO_IMAGE_THUMB_SIDE 320        /* longest side of .thumb.jpg */
#define PHOTO_IMAGE_LARGE_SIDE 1280       /* longest side of .large.jpg */
#define PHOTO_IMAGE_CLEAN_QUALITY 90
#define PHOTO_IMAGE_LARGE_QUALITY 85
#define PHOTO_IMAGE_THUMB_QUALITY 80

enum photo_image_status {
	PHOTO_IMAGE_OK,
	PHOTO_IMAGE_UNSUPPORTED,      /* no loader for the type (HEIC without
	                                 libvips' heif module, UNKNOWN): 415 */
	PHOTO_IMAGE_UNDECODABLE,      /* truncated, corrupt, not that type: 422 */
	PHOTO_IMAGE_TOO_MANY_PIXELS,  /* width x height > max_pixels: 422 */
	PHOTO_IMAGE_NO_MEMORY,        /* 500 */
};

struct photo_image_limits {
	int64_t max_pixels;          /* config photo_max_pixels */
};

/* A buffer allocated by libvips/glib: free with photo_image_result_free. */
struct photo_buffer {
	unsigned char *data;
	size_t len;
};

/* Owned by the caller once filled; photo_image_result_free frees it (also
 * after a failure, and on a zeroed struct). */
struct photo_image_result {
	int width, height;           /* upright, i.e. after EXIF orientation */
	struct photo_buffer exif;    /* the raw EXIF blob ("exif-data"), or empty */
	struct photo_buffer thumb;   /* JPEG, longest side <= 320, never upscaled */
	struct photo_buffer large;   /* JPEG, longest side <= 1280, never upscaled */
	struct photo_buffer clean;   /* JPEG, full size, quality 90 */
};

/*
 * Starts libvips once, before any worker thread uses it (main.c's serve path;
 * unit tests call it too): VIPS_INIT, untrusted operations and every loader
 * but the four above blocked, concurrency 1, no operation cache. Idempotent.
 * Returns 0 or -1 (libvips could not start).
 */
int photo_vips_init(const char *argv0);

/* vips_shutdown(), for a clean exit after the worker threads stopped; libvips
 * is not used again afterwards (every type then reads as unsupported). */
void photo_vips_shutdown(void);

/* True when libvips can load `type` here (HEIC needs the heif module). */
bool photo_image_type_supported(enum photo_type type);

/*
 * Decodes len bytes of the given (sniffed) type and fills *out with the
 * upright size, the EXIF blob and the three derived JPEGs. On any status but
 * OK, *out holds nothing to free (but freeing it is harmless).
 */
enum photo_image_status photo_image_process(const unsigned char *bytes, size_t len,
                                            enum photo_type type,
                                            const struct photo_image_limits *limits,
                                            struct photo_image_result *out);

/*
 * Header only, no pixels decoded: the upright size and the EXIF blob, with
 * the same pixel limit. For bytes already processed once (a repeat upload);
 * leaves thumb/large/clean empty.
 */
enum photo_image_status photo_image_probe(const unsigned char *bytes, size_t len,
                                          enum photo_type type,
                                          const struct photo_image_limits *limits,
                                          struct photo_image_result *out);

void photo_image_result_free(struct photo_image_result *result);

/* "ok", "unsupported", "undecodable", "too_many_pixels", "no_memory". */
const char *photo_image_status_name(enum photo_image_status status);

#endif

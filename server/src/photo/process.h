/*
 * process.h - the whole blocking job for one uploaded photo.
 *
 * Runs on a worker thread (workers_submit), never on an I/O thread: it hashes,
 * decodes, re-encodes and fsyncs. In order:
 *
 *   1. the claimed type (Content-Type) must be one we take, the sniffed type
 *      must be known and equal to it, and loadable here          -> else 415
 *   2. SHA-256 of the bytes names the photo (store.h)
 *   3. when the original and its three derived files are all stored already
 *      (a retry, or the same photo attached twice), nothing is decoded or
 *      written: the header alone is read again for the size and the EXIF
 *      (cheap, and always consistent with this code and configuration, so
 *      no sidecar file is kept)                                  -> 201
 *   4. otherwise the image is decoded (image.h)                  -> 422 when
 *      truncated, corrupt or above max_pixels
 *   5. the EXIF blob is read (exif.h)
 *   6. the derived files are stored, then the original last, each durably:
 *      "the original exists" therefore means "everything is complete", and
 *      the handler may commit the database row once this returns OK.
 *
 * Flags (flags.h) are not computed here: they compare the EXIF with the
 * report, which the handler has; it calls photo_flags_compute itself.
 */
#ifndef GRIDD_PHOTO_PROCESS_H
#define GRIDD_PHOTO_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "photo/exif.h"
#include "photo/sniff.h"
#include "photo/store.h"

#define PHOTO_PROCESS_DETAIL_MAX 160

enum photo_process_status {
	PHOTO_PROCESS_OK,               /* 201 */
	PHOTO_PROCESS_UNSUPPORTED_TYPE, /* 415: not JPEG/PNG/WebP/HEIC, or no loader here */
	PHOTO_PROCESS_TYPE_MISMATCH,    /* 415: Content-Type and bytes disagree */
	PHOTO_PROCESS_UNDECODABLE,      /* 422: empty, truncated or corrupt */
	PHOTO_PROCESS_TOO_MANY_PIXELS,  /* 422: width x height above max_pixels */
	PHOTO_PROCESS_STORAGE_ERROR,    /* 500: file system (see error) */
	PHOTO_PROCESS_NO_MEMORY,        /* 500 */
};

/* Borrowed by photo_process: bytes and root must stay valid until it returns. */
struct photo_process_input {
	const unsigned char *bytes;
	size_t len;
	enum photo_type claimed;      /* photo_type_from_mime(Content-Type) */
	const char *root;             /* config photo_dir */
	int64_t max_pixels;           /* config photo_max_pixels */
	int city_offset_minutes;      /* for EXIF times without an offset (+480) */
};

/* Plain data, nothing to free. */
struct photo_process_result {
	enum photo_process_status status;
	char detail[PHOTO_PROCESS_DETAIL_MAX]; /* short English for the problem
	                                          detail; empty when OK */
	int error;                    /* errno of a STORAGE_ERROR, for the log */
	char sha256[PHOTO_SHA256_HEX_LEN + 1]; /* set from step 2 on */
	enum photo_type type;         /* sniffed */
	size_t bytes;                 /* size of the original */
	int width, height;            /* upright (after EXIF orientation) */
	struct photo_exif exif;
	bool already_stored;          /* step 3: nothing was decoded or written */
};

/* Runs steps 1-6 for one upload; fills *out in every case. Blocking. */
void photo_process(const struct photo_process_input *in, struct photo_process_result *out);

/* 201, 415, 422 or 500. */
int photo_process_http_status(enum photo_process_status status);

/* Stable names for logs and metrics: "ok", "unsupported_type",
 * "type_mismatch", "undecodable", "too_many_pixels", "storage_error",
 * "no_memory". */
const char *photo_process_status_name(enum photo_process_status status);

#endif

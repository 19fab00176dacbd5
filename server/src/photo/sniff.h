/*
 * sniff.h - the type of an uploaded photo, from its first bytes.
 *
 * Clients say what they send (Content-Type); the bytes say what it is. Both
 * are reduced to one enum so the upload handler can refuse (415) a body
 * whose claimed and sniffed types differ, and so the image module loads it
 * with the one decoder of that type and no other.
 *
 *   JPEG  FF D8 FF
 *   PNG   89 50 4E 47 0D 0A 1A 0A
 *   WebP  "RIFF" <4-byte size> "WEBP"
 *   HEIC  an ISO BMFF "ftyp" box (the first box) whose major brand or one of
 *         whose compatible brands is heic, heix, hevc, hevx, mif1 or msf1;
 *         HEIF stills and HEIC (what iPhones write) are one type here.
 *
 * Pure functions: no allocation, no state, thread-safe.
 */
#ifndef GRIDD_PHOTO_SNIFF_H
#define GRIDD_PHOTO_SNIFF_H

#include <stddef.h>

enum photo_type {
	PHOTO_TYPE_UNKNOWN = 0,
	PHOTO_TYPE_JPEG,
	PHOTO_TYPE_PNG,
	PHOTO_TYPE_WEBP,
	PHOTO_TYPE_HEIC,
	PHOTO_TYPE_COUNT
};

/* The type of len bytes at data (data may be NULL when len is 0). Reads at
 * most the first box of an ISO BMFF file; anything else is UNKNOWN. */
enum photo_type photo_sniff(const unsigned char *data, size_t len);

/*
 * The type named by a Content-Type header value: "image/jpeg" (and the
 * common misspelling "image/jpg"), "image/png", "image/webp", "image/heic"
 * or "image/heif". Case-insensitive; parameters after ';' and surrounding
 * spaces are ignored. NULL or anything else is UNKNOWN.
 */
enum photo_type photo_type_from_mime(const char *content_type);

/* "image/jpeg", "image/png", "image/webp", "image/heic";
 * "application/octet-stream" for UNKNOWN. */
const char *photo_type_mime(enum photo_type type);

/* File extension without the dot: "jpg", "png", "webp", "heic"; "bin". */
const char *photo_type_extension(enum photo_type type);

/* Short name for messages: "JPEG", "PNG", "WebP", "HEIC"; "unknown". */
const char *photo_type_name(enum photo_type type);

#endif

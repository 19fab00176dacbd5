/*
 * sniff.c - photo type from magic bytes and from Content-Type (see sniff.h).
 */
#include "photo/sniff.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Compatible brands read from an ftyp box; real files list a handful. */
#define FTYP_MAX_BYTES 4096

struct type_names {
	const char *mime, *extension, *name;
};

static const struct type_names names[PHOTO_TYPE_COUNT] = {
	[PHOTO_TYPE_UNKNOWN] = {"application/octet-stream", "bin", "unknown"},
	[PHOTO_TYPE_JPEG] = {"image/jpeg", "jpg", "JPEG"},
	[PHOTO_TYPE_PNG] = {"image/png", "png", "PNG"},
	[PHOTO_TYPE_WEBP] = {"image/webp", "webp", "WebP"},
	[PHOTO_TYPE_HEIC] = {"image/heic", "heic", "HEIC"},
};

static const char *const heif_brands[] = {"heic", "heix", "hevc", "hevx", "mif1", "msf1"};

static int is_heif_brand(const unsigned char *brand)
{
	for (size_t i = 0; i < sizeof(heif_brands) / sizeof(heif_brands[0]); i++)
		if (memcmp(brand, heif_brands[i], 4) == 0)
			return 1;
	return 0;
}

/*
 * ISO/IEC 14496-12: the file starts with a box: 32-bit big-endian size,
 * "ftyp", major brand (4), minor version (4), compatible brands (4 each) to
 * the end of the box. Size 0 means "to the end of the file"; size 1 (a 64-bit
 * size follows) is never used for ftyp and is refused.
 */
static int is_heif(const unsigned char *d, size_t len)
{
	if (len < 16 || memcmp(d + 4, "ftyp", 4) != 0)
		return 0;
	uint32_t size = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
	size_t end;
	if (size == 0)
		end = len;
	else if (size < 16 || size % 4 != 0)
		return 0;
	else
		end = size < len ? size : len;
	if (end > FTYP_MAX_BYTES)
		end = FTYP_MAX_BYTES;
	if (is_heif_brand(d + 8))
		return 1;
	for (size_t off = 16; off + 4 <= end; off += 4)
		if (is_heif_brand(d + off))
			return 1;
	return 0;
}

enum photo_type photo_sniff(const unsigned char *d, size_t len)
{
	static const unsigned char png[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
	if (!d)
		return PHOTO_TYPE_UNKNOWN;
	if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return PHOTO_TYPE_JPEG;
	if (len >= 8 && memcmp(d, png, 8) == 0)
		return PHOTO_TYPE_PNG;
	if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
		return PHOTO_TYPE_WEBP;
	if (is_heif(d, len))
		return PHOTO_TYPE_HEIC;
	return PHOTO_TYPE_UNKNOWN;
}

enum photo_type photo_type_from_mime(const char *s)
{
	static const struct {
		const char *mime;
		enum photo_type type;
	} known[] = {
		{"image/jpeg", PHOTO_TYPE_JPEG}, {"image/jpg", PHOTO_TYPE_JPEG},
		{"image/png", PHOTO_TYPE_PNG},   {"image/webp", PHOTO_TYPE_WEBP},
		{"image/heic", PHOTO_TYPE_HEIC}, {"image/heif", PHOTO_TYPE_HEIC},
	};
	if (!s)
		return PHOTO_TYPE_UNKNOWN;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strcspn(s, ";");
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].mime) == n && strncasecmp(s, known[i].mime, n) == 0)
			return known[i].type;
	return PHOTO_TYPE_UNKNOWN;
}

static const struct type_names *names_of(enum photo_type type)
{
	if ((int)type < 0 || type >= PHOTO_TYPE_COUNT)
		type = PHOTO_TYPE_UNKNOWN;
	return &names[type];
}

const char *photo_type_mime(enum photo_type type)
{
	return names_of(type)->mime;
}

const char *photo_type_extension(enum photo_type type)
{
	return names_of(type)->extension;
}

const char *photo_type_name(enum photo_type type)
{
	return names_of(type)->name;
}

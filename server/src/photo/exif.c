/*
 * exif.c - GPS position and capture time from EXIF (see exif.h).
 */
#include "photo/exif.h"

#include <libexif/exif-data.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/calendar.h"

#define EXIF_HEADER "Exif\0\0"
#define EXIF_HEADER_LEN 6
#define EXIF_TIME_LEN 19       /* "YYYY:MM:DD HH:MM:SS" */
#define EXIF_OFFSET_LEN 6      /* "+08:00" */
#define MAX_OFFSET_MINUTES (14 * 60)

static bool is_tiff_header(const unsigned char *d, size_t len)
{
	return len >= 4 && ((d[0] == 'I' && d[1] == 'I' && d[2] == 42 && d[3] == 0) ||
	                    (d[0] == 'M' && d[1] == 'M' && d[2] == 0 && d[3] == 42));
}

static bool is_exif_header(const unsigned char *d, size_t len)
{
	return len >= EXIF_HEADER_LEN && memcmp(d, EXIF_HEADER, EXIF_HEADER_LEN) == 0;
}

/*
 * libexif wants "Exif\0\0" + TIFF. Returns a copy in that form (free() it),
 * or NULL when the blob is neither that, a bare TIFF header, nor a HEIF Exif
 * item (a 4-byte big-endian offset to the TIFF header, then the data).
 */
static unsigned char *normalise(const unsigned char *d, size_t len, size_t *out_len)
{
	if (len >= 4 && !is_exif_header(d, len) && !is_tiff_header(d, len)) {
		size_t skip = (size_t)d[0] << 24 | (size_t)d[1] << 16 | (size_t)d[2] << 8 | d[3];
		if (skip <= len - 4) {
			d += 4 + skip;
			len -= 4 + skip;
		}
	}
	size_t prefix;
	if (is_exif_header(d, len))
		prefix = 0;
	else if (is_tiff_header(d, len))
		prefix = EXIF_HEADER_LEN;
	else
		return NULL;
	unsigned char *copy = malloc(prefix + len);
	if (!copy)
		return NULL;
	memcpy(copy, EXIF_HEADER, prefix);
	memcpy(copy + prefix, d, len);
	*out_len = prefix + len;
	return copy;
}

static bool has_any_entry(const ExifData *ed)
{
	for (int i = 0; i < EXIF_IFD_COUNT; i++)
		if (ed->ifd[i] && ed->ifd[i]->count > 0)
			return true;
	return false;
}

/* The first character of an ASCII entry, or 0. */
static char ascii_ref(ExifContent *ifd, ExifTag tag)
{
	ExifEntry *e = exif_content_get_entry(ifd, tag);
	if (!e || e->format != EXIF_FORMAT_ASCII || e->size < 1 || !e->data)
		return 0;
	return (char)e->data[0];
}

/* Degrees + minutes/60 + seconds/3600 of an entry of 1 to 3 rationals, or
 * NAN when malformed (zero denominator, minutes or seconds >= 60). */
static double dms(ExifContent *ifd, ExifTag tag, ExifByteOrder order)
{
	ExifEntry *e = exif_content_get_entry(ifd, tag);
	if (!e || e->format != EXIF_FORMAT_RATIONAL || !e->data || e->components < 1 ||
	    e->components > 3 || e->size < e->components * 8)
		return NAN;
	double part[3] = {0, 0, 0};
	for (unsigned long i = 0; i < e->components; i++) {
		ExifRational r = exif_get_rational(e->data + 8 * i, order);
		if (r.denominator == 0)
			return NAN;
		part[i] = (double)r.numerator / (double)r.denominator;
	}
	if (part[1] >= 60.0 || part[2] >= 60.0)
		return NAN;
	return part[0] + part[1] / 60.0 + part[2] / 3600.0;
}

static void read_gps(ExifData *ed, struct photo_exif *out)
{
	ExifContent *gps = ed->ifd[EXIF_IFD_GPS];
	if (!gps || gps->count == 0)
		return;
	ExifByteOrder order = exif_data_get_byte_order(ed);
	char lat_ref = ascii_ref(gps, EXIF_TAG_GPS_LATITUDE_REF);
	char lon_ref = ascii_ref(gps, EXIF_TAG_GPS_LONGITUDE_REF);
	double lat = dms(gps, EXIF_TAG_GPS_LATITUDE, order);
	double lon = dms(gps, EXIF_TAG_GPS_LONGITUDE, order);
	if (!isfinite(lat) || !isfinite(lon) || lat > 90.0 || lon > 180.0)
		return;
	if (lat_ref == 'S' || lat_ref == 's')
		lat = -lat;
	else if (lat_ref != 'N' && lat_ref != 'n')
		return;
	if (lon_ref == 'W' || lon_ref == 'w')
		lon = -lon;
	else if (lon_ref != 'E' && lon_ref != 'e')
		return;
	out->has_gps = true;
	out->lat = lat;
	out->lon = lon;
}

/* Exactly n digits at s, or -1. */
static int digits(const unsigned char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The text of an ASCII entry when it holds at least n bytes, else NULL. */
static const unsigned char *ascii_text(ExifContent *ifd, ExifTag tag, unsigned int n)
{
	ExifEntry *e = exif_content_get_entry(ifd, tag);
	if (!e || e->format != EXIF_FORMAT_ASCII || !e->data || e->size < n)
		return NULL;
	return e->data;
}

/* "+08:00" / "-05:30" in minutes east of UTC, *ok true; *ok false if malformed
 * or beyond +-14:00. s holds at least EXIF_OFFSET_LEN bytes or is NULL. */
static int parse_offset(const unsigned char *s, bool *ok)
{
	*ok = false;
	if (!s || (s[0] != '+' && s[0] != '-') || s[3] != ':')
		return 0;
	int h = digits(s + 1, 2), m = digits(s + 4, 2);
	if (h < 0 || m < 0 || m > 59 || h * 60 + m > MAX_OFFSET_MINUTES)
		return 0;
	*ok = true;
	return (h * 60 + m) * (s[0] == '-' ? -1 : 1);
}

static void read_time(ExifData *ed, int default_offset, struct photo_exif *out)
{
	ExifContent *exif = ed->ifd[EXIF_IFD_EXIF];
	if (!exif)
		return;
	const unsigned char *s = ascii_text(exif, EXIF_TAG_DATE_TIME_ORIGINAL, EXIF_TIME_LEN);
	if (!s || s[4] != ':' || s[7] != ':' || s[10] != ' ' || s[13] != ':' || s[16] != ':')
		return;
	int year = digits(s, 4), month = digits(s + 5, 2), day = digits(s + 8, 2);
	int hour = digits(s + 11, 2), minute = digits(s + 14, 2), second = digits(s + 17, 2);
	struct calendar_date date = {year, month, day};
	if (hour < 0 || minute < 0 || second < 0 || !calendar_date_is_valid(date) || hour > 23 ||
	    minute > 59 || second > 59)
		return;
	bool had_offset;
	int offset = parse_offset(ascii_text(exif, EXIF_TAG_OFFSET_TIME_ORIGINAL, EXIF_OFFSET_LEN),
	                          &had_offset);
	if (!had_offset)
		offset = default_offset;
	int64_t local = calendar_days_from_civil(year, month, day) * 86400 + hour * 3600 +
	                minute * 60 + second;
	out->has_time = true;
	out->taken_at = local - (int64_t)offset * 60;
	out->time_had_offset = had_offset;
}

void photo_exif_read(const unsigned char *blob, size_t len, int default_offset_minutes,
                     struct photo_exif *out)
{
	memset(out, 0, sizeof(*out));
	if (!blob || len == 0 || len > PHOTO_EXIF_MAX_BYTES)
		return;
	size_t n = 0;
	unsigned char *data = normalise(blob, len, &n);
	if (!data)
		return;
	ExifData *ed = exif_data_new();
	if (!ed) {
		free(data);
		return;
	}
	/* FOLLOW_SPECIFICATION would "fix" the data on load, adding mandatory
	 * tags with invented values (DateTime = now): read only what is there. */
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_load_data(ed, data, (unsigned int)n);
	free(data);
	if (has_any_entry(ed)) {
		out->has_exif = true;
		read_gps(ed, out);
		read_time(ed, default_offset_minutes, out);
	}
	exif_data_unref(ed);
}

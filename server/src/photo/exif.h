/*
 * exif.h - where and when a photo was taken, from its EXIF block.
 *
 * Reads the GPS position and DateTimeOriginal from an EXIF blob with
 * libexif. The blob is what a JPEG's APP1 segment carries (it starts with
 * "Exif\0\0") or what libvips hands out as "exif-data"; a bare TIFF header
 * ("II*\0" / "MM\0*", as in PNG eXIf chunks) and the 4-byte offset prefix of
 * HEIF Exif items are accepted too.
 *
 *   Position  GPSLatitude/GPSLongitude (three rationals: degrees, minutes,
 *             seconds) with GPSLatitudeRef N/S and GPSLongitudeRef E/W, turned
 *             into signed decimal degrees. Phones write WGS-84 here (the GPS
 *             datum), even in China, so the result compares directly with
 *             gridd's stored WGS-84 points; no GCJ-02 correction is applied.
 *             Refused (has_gps false): a missing ref, a zero denominator,
 *             minutes or seconds of 60 or more, |lat| > 90, |lon| > 180.
 *   Time      DateTimeOriginal "YYYY:MM:DD HH:MM:SS" is local time; its offset
 *             is OffsetTimeOriginal ("+08:00") when present and well formed,
 *             otherwise the caller's default offset (the city's: +480 minutes
 *             for Asia/Shanghai) and time_had_offset is false. Dates outside
 *             1900-9999, blank ("    :  :  ") or impossible dates are refused.
 *
 * Pure (no I/O, no globals; libexif allocates and frees within the call),
 * thread-safe, and safe on hostile input (fuzzed by tests/fuzz/fuzz_photo_exif.c).
 */
#ifndef GRIDD_PHOTO_EXIF_H
#define GRIDD_PHOTO_EXIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest EXIF blob parsed; a JPEG APP1 segment holds at most 64 KiB, larger
 * blobs (only possible in PNG/WebP/HEIF) are treated as having no EXIF. */
#define PHOTO_EXIF_MAX_BYTES (1024 * 1024)

/* City offset assumed when a photo's time has none (Asia/Shanghai). */
#define PHOTO_EXIF_DEFAULT_OFFSET_MINUTES 480

struct photo_exif {
	bool has_exif;         /* the blob parsed as EXIF with at least one tag */
	bool has_gps;          /* lat/lon are valid */
	double lat, lon;       /* WGS-84 degrees, north and east positive */
	bool has_time;         /* taken_at is valid */
	int64_t taken_at;      /* UTC seconds since the epoch */
	bool time_had_offset;  /* OffsetTimeOriginal was used (else the default) */
};

/*
 * Fills *out from len bytes at blob (blob may be NULL: no EXIF). Never fails:
 * what cannot be read is reported as absent. default_offset_minutes is east
 * of UTC and applies to a time without OffsetTimeOriginal.
 */
void photo_exif_read(const unsigned char *blob, size_t len, int default_offset_minutes,
                     struct photo_exif *out);

#endif

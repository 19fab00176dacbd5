/*
 * flags.h - warning flags on a report's photo (fake-evidence detection).
 *
 * A photo of a problem should have been taken where and when the report was
 * made. The flags compare the photo's EXIF (exif.h) with the report; they
 * never refuse an upload, they tell the dispatcher what to look at:
 *
 *   no_exif            the photo has no EXIF at all, or neither a GPS
 *                      position nor a capture time (stripped, screenshot,
 *                      forwarded through a chat app).
 *   far_from_report    the EXIF position is more than far_m metres from the
 *                      report's point (haversine on the mean Earth radius,
 *                      coords_distance_m). Only when the photo has GPS.
 *   taken_long_before  the report's time minus the capture time is more than
 *                      old_s seconds. Only when the photo has a time. A photo
 *                      "from the future" (clock skew) is not flagged.
 *
 * Both points are WGS-84: the report's point is stored in WGS-84 (clients'
 * GCJ-02/BD-09 input is converted on the way in) and phones write WGS-84 in
 * EXIF GPS tags, so no datum conversion happens here.
 *
 * Pure functions: thread-safe, no allocation.
 */
#ifndef GRIDD_PHOTO_FLAGS_H
#define GRIDD_PHOTO_FLAGS_H

#include <stddef.h>
#include <stdint.h>

#include "domain/coords.h"
#include "photo/exif.h"

enum photo_flag {
	PHOTO_FLAG_NO_EXIF = 1u << 0,
	PHOTO_FLAG_FAR_FROM_REPORT = 1u << 1,
	PHOTO_FLAG_TAKEN_LONG_BEFORE = 1u << 2,
};

#define PHOTO_FLAG_COUNT 3
#define PHOTO_FLAGS_DEFAULT_FAR_M 200
#define PHOTO_FLAGS_DEFAULT_OLD_S (24 * 60 * 60)

struct photo_flag_thresholds {
	double far_m;          /* config photo_far_m */
	int64_t old_s;         /* config photo_old_s */
};

/*
 * The flags (a bitset of enum photo_flag) of a photo with EXIF result `exif`
 * attached to a report made at `report_point` (WGS-84) and `report_time`
 * (UTC seconds since the epoch).
 */
unsigned photo_flags_compute(struct coords_point report_point, int64_t report_time,
                             const struct photo_exif *exif,
                             const struct photo_flag_thresholds *thresholds);

/* The stable name of one flag ("no_exif", "far_from_report",
 * "taken_long_before"), or NULL when `flag` is not exactly one known flag. */
const char *photo_flag_name(unsigned flag);

/*
 * Writes the names of the flags set in `flags` to names[0..], in bit order,
 * at most `max` of them; returns how many were written. The strings are
 * static. Unknown bits are ignored.
 */
size_t photo_flags_names(unsigned flags, const char **names, size_t max);

#endif

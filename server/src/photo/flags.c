/*
 * flags.c - photo vs report comparison (see flags.h).
 */
#include "photo/flags.h"

#include <stdbool.h>

static const char *const flag_names[PHOTO_FLAG_COUNT] = {
	"no_exif",
	"far_from_report",
	"taken_long_before",
};

unsigned photo_flags_compute(struct coords_point report_point, int64_t report_time,
                             const struct photo_exif *exif,
                             const struct photo_flag_thresholds *t)
{
	unsigned flags = 0;
	if (!exif->has_exif || (!exif->has_gps && !exif->has_time))
		flags |= PHOTO_FLAG_NO_EXIF;
	if (exif->has_gps) {
		struct coords_point photo = {exif->lon, exif->lat};
		if (coords_distance_m(report_point, photo) > t->far_m)
			flags |= PHOTO_FLAG_FAR_FROM_REPORT;
	}
	if (exif->has_time && report_time > exif->taken_at) {
		/* An age beyond INT64_MAX (only from absurd input) is old too. */
		bool overflows = exif->taken_at < 0 && report_time > INT64_MAX + exif->taken_at;
		if (overflows || report_time - exif->taken_at > t->old_s)
			flags |= PHOTO_FLAG_TAKEN_LONG_BEFORE;
	}
	return flags;
}

const char *photo_flag_name(unsigned flag)
{
	for (unsigned i = 0; i < PHOTO_FLAG_COUNT; i++)
		if (flag == 1u << i)
			return flag_names[i];
	return NULL;
}

size_t photo_flags_names(unsigned flags, const char **names, size_t max)
{
	size_t n = 0;
	for (unsigned i = 0; i < PHOTO_FLAG_COUNT && n < max; i++)
		if (flags & (1u << i))
			names[n++] = flag_names[i];
	return n;
}

/* Fuzz target: EXIF blobs through photo/exif.c (libexif), the result through
 * photo/flags.c, and the same bytes through the photo type sniffer. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "photo/exif.h"
#include "photo/flags.h"
#include "photo/sniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct photo_exif exif;
	photo_exif_read(data, size, PHOTO_EXIF_DEFAULT_OFFSET_MINUTES, &exif);
	if (exif.has_gps && !(fabs(exif.lat) <= 90.0 && fabs(exif.lon) <= 180.0))
		abort(); /* exif.h promises a position on the globe */
	if (!exif.has_exif && (exif.has_gps || exif.has_time))
		abort();
	struct coords_point report = {116.3916, 39.9073};
	struct photo_flag_thresholds t = {PHOTO_FLAGS_DEFAULT_FAR_M, PHOTO_FLAGS_DEFAULT_OLD_S};
	unsigned flags = photo_flags_compute(report, 1727746200, &exif, &t);
	const char *names[PHOTO_FLAG_COUNT];
	if (photo_flags_names(flags, names, PHOTO_FLAG_COUNT) > PHOTO_FLAG_COUNT)
		abort();
	(void)photo_sniff(data, size);
	return 0;
}

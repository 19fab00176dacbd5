/*
 * Fuzz target: the small parsers of outside text that query strings and
 * bodies reach: dates (calendar_date_parse), RFC 3339 times, category
 * references and area codes. Each must accept or refuse without reading
 * past len, and what it accepts must round-trip.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/calendar.h"
#include "domain/codes.h"
#include "domain/rfc3339.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so reading past len is caught by ASan */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);

	struct calendar_date d;
	if (calendar_date_parse(text, size, &d)) {
		char again[11];
		snprintf(again, sizeof(again), "%04d-%02d-%02d", d.year, d.month, d.day);
		if (size != 10 || memcmp(again, text, 10) != 0 || !calendar_date_is_valid(d))
			abort();
	}
	int64_t t;
	(void)rfc3339_parse(text, size, &t);
	char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1];
	if (codes_parse_category_ref(text, size, kind, code) == 0) {
		size_t n = strlen(code);
		if ((n != 2 && n != 4) || (n == 4 ? codes_check_category(code, n) : codes_check_category_major(code, n)) != CODES_OK)
			abort();
	}
	(void)codes_check_district(text, size);
	(void)codes_check_street(text, size);
	(void)codes_check_community(text, size);
	(void)codes_check_grid_cell(text, size);
	free(text);
	return 0;
}

/*
 * codes.c - administrative, grid cell and category code checks (see codes.h).
 */
#include "domain/codes.h"

#include <stdbool.h>
#include <string.h>

static const struct {
	const char *name;
	const char *reason;
} results[CODES_RESULT_COUNT] = {
	[CODES_OK] = {"ok", "ok"},
	[CODES_EMPTY] = {"empty", "is empty"},
	[CODES_NOT_DIGITS] = {"not_digits", "must contain only the digits 0-9"},
	[CODES_WRONG_LENGTH] = {"wrong_length", "has the wrong number of digits"},
	[CODES_BAD_PROVINCE] = {"bad_province", "does not start with a GB/T 2260 province code"},
	[CODES_ZERO_DISTRICT] = {"zero_district", "district digits (5-6) must not be 00"},
	[CODES_ZERO_STREET] = {"zero_street", "street digits (7-9) must not be 000"},
	[CODES_ZERO_COMMUNITY] = {"zero_community", "community digits (10-12) must not be 000"},
	[CODES_ZERO_SEQUENCE] = {"zero_sequence", "grid cell sequence must not be all zeros"},
	[CODES_PREFIX_MISMATCH] = {"prefix_mismatch",
				   "grid cell code does not start with its community code"},
	[CODES_ZERO_MAJOR] = {"zero_major", "major category must be 01-99"},
	[CODES_ZERO_MINOR] = {"zero_minor", "minor category must be 01-99"},
};

/* Empty, then non-digits, then a length that is neither want nor alt. */
static enum codes_result check_shape(const char *code, size_t len, size_t want, size_t alt)
{
	if (!code || len == 0)
		return CODES_EMPTY;
	for (size_t i = 0; i < len; i++)
		if (code[i] < '0' || code[i] > '9')
			return CODES_NOT_DIGITS;
	if (len != want && len != alt)
		return CODES_WRONG_LENGTH;
	return CODES_OK;
}

static bool all_zeros(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '0')
			return false;
	return true;
}

/* GB/T 2260 province-level divisions (省级行政区划). */
static bool is_province(const char *two_digits)
{
	int p = (two_digits[0] - '0') * 10 + (two_digits[1] - '0');
	return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
	       (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) ||
	       p == 71 || p == 81 || p == 82;
}

/* The rules of the first `level` parts (1 district, 2 street, 3 community) of
 * a string of digits already known to be long enough. */
static enum codes_result area_rules(const char *code, int level)
{
	if (!is_province(code))
		return CODES_BAD_PROVINCE;
	if (all_zeros(code + 4, 2))
		return CODES_ZERO_DISTRICT;
	if (level >= 2 && all_zeros(code + 6, 3))
		return CODES_ZERO_STREET;
	if (level >= 3 && all_zeros(code + 9, 3))
		return CODES_ZERO_COMMUNITY;
	return CODES_OK;
}

enum codes_result codes_check_district(const char *code, size_t len)
{
	enum codes_result r = check_shape(code, len, CODES_DISTRICT_LEN, CODES_DISTRICT_LEN);
	return r != CODES_OK ? r : area_rules(code, 1);
}

enum codes_result codes_check_street(const char *code, size_t len)
{
	enum codes_result r = check_shape(code, len, CODES_STREET_LEN, CODES_STREET_LEN);
	return r != CODES_OK ? r : area_rules(code, 2);
}

enum codes_result codes_check_community(const char *code, size_t len)
{
	enum codes_result r = check_shape(code, len, CODES_COMMUNITY_LEN, CODES_COMMUNITY_LEN);
	return r != CODES_OK ? r : area_rules(code, 3);
}

enum codes_result codes_check_grid_cell(const char *code, size_t len)
{
	enum codes_result r = check_shape(code, len, CODES_CELL_LEN, CODES_CELL_SHORT_LEN);
	if (r != CODES_OK)
		return r;
	r = area_rules(code, 3);
	if (r != CODES_OK)
		return r;
	if (all_zeros(code + CODES_COMMUNITY_LEN, len - CODES_COMMUNITY_LEN))
		return CODES_ZERO_SEQUENCE;
	return CODES_OK;
}

enum codes_result codes_check_cell_in_community(const char *cell, size_t cell_len,
						const char *community, size_t community_len)
{
	enum codes_result r = codes_check_grid_cell(cell, cell_len);
	if (r != CODES_OK)
		return r;
	r = codes_check_community(community, community_len);
	if (r != CODES_OK)
		return r;
	if (memcmp(cell, community, CODES_COMMUNITY_LEN) != 0)
		return CODES_PREFIX_MISMATCH;
	return CODES_OK;
}

enum codes_result codes_check_category_major(const char *code, size_t len)
{
	enum codes_result r =
		check_shape(code, len, CODES_CATEGORY_MAJOR_LEN, CODES_CATEGORY_MAJOR_LEN);
	if (r != CODES_OK)
		return r;
	return all_zeros(code, 2) ? CODES_ZERO_MAJOR : CODES_OK;
}

enum codes_result codes_check_category(const char *code, size_t len)
{
	enum codes_result r = check_shape(code, len, CODES_CATEGORY_LEN, CODES_CATEGORY_LEN);
	if (r != CODES_OK)
		return r;
	if (all_zeros(code, 2))
		return CODES_ZERO_MAJOR;
	return all_zeros(code + 2, 2) ? CODES_ZERO_MINOR : CODES_OK;
}

int codes_parse_category_name(const char *text, char kind[CODES_KIND_MAX],
			      char code[CODES_CATEGORY_LEN + 1])
{
	const char *colon = text ? strchr(text, ':') : NULL;
	if (!colon)
		return -1;
	size_t klen = (size_t)(colon - text), clen = strlen(colon + 1);
	if (!((klen == 5 && strncmp(text, "event", 5) == 0) ||
	      (klen == 9 && strncmp(text, "component", 9) == 0)))
		return -1;
	if (codes_check_category(colon + 1, clen) != CODES_OK)
		return -1;
	memcpy(kind, text, klen);
	kind[klen] = '\0';
	memcpy(code, colon + 1, CODES_CATEGORY_LEN);
	code[CODES_CATEGORY_LEN] = '\0';
	return 0;
}

int codes_parse_category_ref(const char *text, size_t len, char kind[CODES_KIND_MAX],
			     char code[CODES_CATEGORY_LEN + 1])
{
	const char *colon = text ? memchr(text, ':', len) : NULL;
	if (!colon)
		return -1;
	size_t klen = (size_t)(colon - text), clen = len - klen - 1;
	if (!((klen == 5 && memcmp(text, "event", 5) == 0) ||
	      (klen == 9 && memcmp(text, "component", 9) == 0)))
		return -1;
	enum codes_result r = clen == CODES_CATEGORY_MAJOR_LEN
				      ? codes_check_category_major(colon + 1, clen)
				      : codes_check_category(colon + 1, clen);
	if (r != CODES_OK)
		return -1;
	memcpy(kind, text, klen);
	kind[klen] = '\0';
	memcpy(code, colon + 1, clen);
	code[clen] = '\0';
	return 0;
}

const char *codes_reason(enum codes_result result)
{
	if ((int)result < 0 || result >= CODES_RESULT_COUNT)
		return "unknown code check result";
	return results[result].reason;
}

const char *codes_result_name(enum codes_result result)
{
	if ((int)result < 0 || result >= CODES_RESULT_COUNT)
		return "unknown";
	return results[result].name;
}

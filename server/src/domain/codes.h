/*
 * codes.h - validation of administrative, grid cell and category codes.
 *
 *   district  (区/县)      6 digits, GB/T 2260: province (2) + city (2) + county (2).
 *                         The province must be one of GB/T 2260's 34 province-
 *                         level codes (11-15, 21-23, 31-37, 41-46, 50-54, 61-65,
 *                         71, 81, 82); the county digits are not 00 (xx xx 00 is
 *                         a province or a city, not a district).
 *   street    (街道/乡镇)  9 digits: district + 3, the 3 not 000.
 *   community (社区/村)    12 digits: street + 3, the 3 not 000.
 *   grid cell (单元网格)   community + sequence: 15 digits with a 3-digit sequence
 *                         (Beijing DB11/T 2157), or 14 digits with a 2-digit
 *                         sequence (CJ/T 213); the sequence is not all zeros.
 *   category  (部件/事件 分类, CJ/T 214)  major 2 digits 01-99, or major + minor
 *                         4 digits with the minor 01-99.
 *
 * Codes are taken as (pointer, length) and need no NUL: JSON strings may hold
 * NUL bytes, which are simply not digits. Checks run in a fixed order - empty,
 * non-digit, length, then the rules of the code from left to right - and
 * return the first failure. Pure functions; nothing is allocated.
 */
#ifndef GRIDD_DOMAIN_CODES_H
#define GRIDD_DOMAIN_CODES_H

#include <stddef.h>

#define CODES_DISTRICT_LEN 6
#define CODES_STREET_LEN 9
#define CODES_COMMUNITY_LEN 12
#define CODES_CELL_LEN 15          /* DB11/T 2157: 3-digit sequence */
#define CODES_CELL_SHORT_LEN 14    /* CJ/T 213: 2-digit sequence */
#define CODES_CATEGORY_MAJOR_LEN 2
#define CODES_CATEGORY_LEN 4

enum codes_result {
	CODES_OK = 0,
	CODES_EMPTY,
	CODES_NOT_DIGITS,
	CODES_WRONG_LENGTH,
	CODES_BAD_PROVINCE,
	CODES_ZERO_DISTRICT,        /* county digits 00 */
	CODES_ZERO_STREET,          /* street digits 000 */
	CODES_ZERO_COMMUNITY,       /* community digits 000 */
	CODES_ZERO_SEQUENCE,        /* grid cell sequence 000 / 00 */
	CODES_PREFIX_MISMATCH,      /* cell not inside the given community */
	CODES_ZERO_MAJOR,           /* category major 00 */
	CODES_ZERO_MINOR,           /* category minor 00 */
	CODES_RESULT_COUNT
};

enum codes_result codes_check_district(const char *code, size_t len);
enum codes_result codes_check_street(const char *code, size_t len);
enum codes_result codes_check_community(const char *code, size_t len);

/* A grid cell code of 15 or 14 digits whose first 12 are a valid community. */
enum codes_result codes_check_grid_cell(const char *code, size_t len);

/*
 * Checks both codes, then that the cell's first 12 digits are the community
 * code (CODES_PREFIX_MISMATCH otherwise). A failure of the cell code is
 * reported before a failure of the community code.
 */
enum codes_result codes_check_cell_in_community(const char *cell, size_t cell_len,
						const char *community, size_t community_len);

#define CODES_KIND_MAX 16 /* "component" and its NUL, with room */

/* A major category alone: exactly 2 digits, 01-99. */
enum codes_result codes_check_category_major(const char *code, size_t len);

/* A full category (major + minor): exactly 4 digits, each half 01-99. */
enum codes_result codes_check_category(const char *code, size_t len);

/*
 * A minor category's name as the API writes it: "<kind>:<code>" with kind
 * "event" (事件) or "component" (部件) and a 4-digit code, e.g. "event:0102".
 * Event and component codes overlap, so the kind is part of the name. On
 * success writes the kind and code (NUL-terminated) and returns 0; -1 for
 * anything else (NULL text included).
 */
int codes_parse_category_name(const char *text, char kind[CODES_KIND_MAX],
			      char code[CODES_CATEGORY_LEN + 1]);

/*
 * A category reference, major or minor: "<kind>:<code>" with kind "event" or
 * "component" and a 2-digit major ("event:01", 市容环境) or a 4-digit minor
 * ("event:0102"), as campaign actions and routing rules name what they cover.
 * Reads exactly len bytes (no NUL needed; a NUL inside fails). On success
 * writes the kind and code (NUL-terminated) and returns 0; -1 for anything
 * else (NULL text included).
 */
int codes_parse_category_ref(const char *text, size_t len, char kind[CODES_KIND_MAX],
			     char code[CODES_CATEGORY_LEN + 1]);

/* A short English reason ("must contain only the digits 0-9" ...) for people. */
const char *codes_reason(enum codes_result result);

/* A stable snake_case name ("wrong_length" ...) for machine-readable errors. */
const char *codes_result_name(enum codes_result result);

#endif

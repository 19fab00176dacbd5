/* Unit tests for domain/codes.c: district, street, community, grid cell and
 * category codes, one rule at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/codes.h"

/* Shorthands for NUL-terminated literals. */
static enum codes_result district(const char *s) { return codes_check_district(s, strlen(s)); }
static enum codes_result street(const char *s) { return codes_check_street(s, strlen(s)); }
static enum codes_result community(const char *s) { return codes_check_community(s, strlen(s)); }
static enum codes_result cell(const char *s) { return codes_check_grid_cell(s, strlen(s)); }
static enum codes_result major(const char *s) { return codes_check_category_major(s, strlen(s)); }
static enum codes_result category(const char *s) { return codes_check_category(s, strlen(s)); }

static enum codes_result cell_in(const char *c, const char *comm)
{
	return codes_check_cell_in_community(c, strlen(c), comm, strlen(comm));
}

static void district_codes_of_real_districts_are_accepted(void **state)
{
	(void)state;
	assert_int_equal(district("110101"), CODES_OK);   /* 北京市东城区 */
	assert_int_equal(district("310104"), CODES_OK);   /* 上海市徐汇区 */
	assert_int_equal(district("440305"), CODES_OK);   /* 深圳市南山区 */
	assert_int_equal(district("429004"), CODES_OK);   /* 仙桃市, province-administered */
	assert_int_equal(district("650102"), CODES_OK);   /* 乌鲁木齐市天山区 */
}

static void empty_codes_are_reported_as_empty(void **state)
{
	(void)state;
	assert_int_equal(district(""), CODES_EMPTY);
	assert_int_equal(codes_check_district(NULL, 0), CODES_EMPTY);
	assert_int_equal(codes_check_district(NULL, 6), CODES_EMPTY);
	assert_int_equal(street(""), CODES_EMPTY);
	assert_int_equal(community(""), CODES_EMPTY);
	assert_int_equal(cell(""), CODES_EMPTY);
	assert_int_equal(major(""), CODES_EMPTY);
	assert_int_equal(category(""), CODES_EMPTY);
}

static void codes_with_anything_but_ascii_digits_are_not_digits(void **state)
{
	(void)state;
	assert_int_equal(district("11010a"), CODES_NOT_DIGITS);
	assert_int_equal(district(" 110101"), CODES_NOT_DIGITS);
	assert_int_equal(district("-11010"), CODES_NOT_DIGITS);
	assert_int_equal(district("1101.1"), CODES_NOT_DIGITS);
	assert_int_equal(district("\xef\xbc\x91" "10101"), CODES_NOT_DIGITS);   /* full-width 1 */
	/* An embedded NUL is not a digit. */
	assert_int_equal(codes_check_district("1101\0" "1", 6), CODES_NOT_DIGITS);
	/* Non-digits are reported before a wrong length. */
	assert_int_equal(district("x"), CODES_NOT_DIGITS);
	assert_int_equal(cell("11010100100100x"), CODES_NOT_DIGITS);
	assert_int_equal(category("0a01"), CODES_NOT_DIGITS);
	assert_int_equal(major("o1"), CODES_NOT_DIGITS);
}

static void codes_are_read_by_length_not_to_a_nul(void **state)
{
	(void)state;
	assert_int_equal(codes_check_district("1101019999", 6), CODES_OK);
	assert_int_equal(codes_check_category("010299", 4), CODES_OK);
}

static void district_code_must_have_six_digits(void **state)
{
	(void)state;
	assert_int_equal(district("11010"), CODES_WRONG_LENGTH);
	assert_int_equal(district("1101011"), CODES_WRONG_LENGTH);
	assert_int_equal(district("110101001"), CODES_WRONG_LENGTH);
}

static void district_code_must_start_with_a_province(void **state)
{
	(void)state;
	static const char *const bad[] = {"000101", "100101", "160101", "200101", "240101",
					  "300101", "380101", "400101", "470101", "490101",
					  "550101", "600101", "660101", "700101", "720101",
					  "800101", "830101", "910101", "990101"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(district(bad[i]), CODES_BAD_PROVINCE);
	static const char *const provinces[] = {
		"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
		"35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52",
		"53", "54", "61", "62", "63", "64", "65", "71", "81", "82"};
	assert_int_equal(sizeof(provinces) / sizeof(provinces[0]), 34);
	for (size_t i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++) {
		char code[7];
		memcpy(code, provinces[i], 2);
		memcpy(code + 2, "0101", 5);
		assert_int_equal(district(code), CODES_OK);
	}
}

static void district_code_must_not_end_in_00(void **state)
{
	(void)state;
	assert_int_equal(district("110000"), CODES_ZERO_DISTRICT);   /* a province */
	assert_int_equal(district("440300"), CODES_ZERO_DISTRICT);   /* a city */
	assert_int_equal(district("440301"), CODES_OK);
	assert_int_equal(district("110010"), CODES_OK);
}

static void street_code_is_a_district_plus_three_nonzero_digits(void **state)
{
	(void)state;
	assert_int_equal(street("110101001"), CODES_OK);    /* 东华门街道 */
	assert_int_equal(street("110101400"), CODES_OK);
	assert_int_equal(street("110101000"), CODES_ZERO_STREET);
	assert_int_equal(street("11010100"), CODES_WRONG_LENGTH);
	assert_int_equal(street("1101010010"), CODES_WRONG_LENGTH);
	assert_int_equal(street("110101"), CODES_WRONG_LENGTH);
	assert_int_equal(street("160101001"), CODES_BAD_PROVINCE);
	assert_int_equal(street("110100001"), CODES_ZERO_DISTRICT);
}

static void community_code_is_a_street_plus_three_nonzero_digits(void **state)
{
	(void)state;
	assert_int_equal(community("110101001001"), CODES_OK);
	assert_int_equal(community("110101001200"), CODES_OK);
	assert_int_equal(community("110101001000"), CODES_ZERO_COMMUNITY);
	assert_int_equal(community("110101000001"), CODES_ZERO_STREET);
	assert_int_equal(community("110100001001"), CODES_ZERO_DISTRICT);
	assert_int_equal(community("990101001001"), CODES_BAD_PROVINCE);
	assert_int_equal(community("11010100100"), CODES_WRONG_LENGTH);
	assert_int_equal(community("1101010010011"), CODES_WRONG_LENGTH);
}

static void grid_cell_code_has_fifteen_digits_with_nonzero_sequence(void **state)
{
	(void)state;
	assert_int_equal(cell("110101001001001"), CODES_OK);
	assert_int_equal(cell("110101001001999"), CODES_OK);
	assert_int_equal(cell("110101001001100"), CODES_OK);
	assert_int_equal(cell("110101001001000"), CODES_ZERO_SEQUENCE);
}

static void grid_cell_code_may_use_the_cjt213_fourteen_digit_form(void **state)
{
	(void)state;
	assert_int_equal(cell("11010100100101"), CODES_OK);
	assert_int_equal(cell("11010100100110"), CODES_OK);
	assert_int_equal(cell("11010100100100"), CODES_ZERO_SEQUENCE);
}

static void grid_cell_code_of_other_lengths_is_refused(void **state)
{
	(void)state;
	assert_int_equal(cell("110101001001"), CODES_WRONG_LENGTH);
	assert_int_equal(cell("1101010010010"), CODES_WRONG_LENGTH);
	assert_int_equal(cell("1101010010010010"), CODES_WRONG_LENGTH);
}

static void grid_cell_code_checks_its_community_part(void **state)
{
	(void)state;
	assert_int_equal(cell("110101001000001"), CODES_ZERO_COMMUNITY);
	assert_int_equal(cell("110101000001001"), CODES_ZERO_STREET);
	assert_int_equal(cell("110100001001001"), CODES_ZERO_DISTRICT);
	assert_int_equal(cell("160101001001001"), CODES_BAD_PROVINCE);
	assert_int_equal(cell("16010100100101"), CODES_BAD_PROVINCE);
}

static void grid_cell_must_start_with_its_community_code(void **state)
{
	(void)state;
	assert_int_equal(cell_in("110101001001001", "110101001001"), CODES_OK);
	assert_int_equal(cell_in("11010100100101", "110101001001"), CODES_OK);
	assert_int_equal(cell_in("110101001002001", "110101001001"), CODES_PREFIX_MISMATCH);
	assert_int_equal(cell_in("110102001001001", "110101001001"), CODES_PREFIX_MISMATCH);
	/* The cell's own problem first, then the community's. */
	assert_int_equal(cell_in("110101001001000", "110101001002"), CODES_ZERO_SEQUENCE);
	assert_int_equal(cell_in("110101001001001", "110101001"), CODES_WRONG_LENGTH);
	assert_int_equal(cell_in("110101001001001", "110101001000"), CODES_ZERO_COMMUNITY);
	assert_int_equal(cell_in("110101001001001", ""), CODES_EMPTY);
}

static void category_major_is_two_digits_01_to_99(void **state)
{
	(void)state;
	assert_int_equal(major("01"), CODES_OK);
	assert_int_equal(major("99"), CODES_OK);
	assert_int_equal(major("00"), CODES_ZERO_MAJOR);
	assert_int_equal(major("1"), CODES_WRONG_LENGTH);
	assert_int_equal(major("010"), CODES_WRONG_LENGTH);
	assert_int_equal(major("0101"), CODES_WRONG_LENGTH);
}

static void category_is_major_and_minor_of_two_digits_each(void **state)
{
	(void)state;
	assert_int_equal(category("0101"), CODES_OK);   /* e.g. 公用设施 / 上水井盖 */
	assert_int_equal(category("9999"), CODES_OK);
	assert_int_equal(category("0001"), CODES_ZERO_MAJOR);
	assert_int_equal(category("0000"), CODES_ZERO_MAJOR);
	assert_int_equal(category("0100"), CODES_ZERO_MINOR);
	assert_int_equal(category("01"), CODES_WRONG_LENGTH);
	assert_int_equal(category("010"), CODES_WRONG_LENGTH);
	assert_int_equal(category("01010"), CODES_WRONG_LENGTH);
}

static void every_result_has_a_distinct_reason_and_name(void **state)
{
	(void)state;
	for (int a = 0; a < CODES_RESULT_COUNT; a++) {
		const char *reason = codes_reason((enum codes_result)a);
		const char *name = codes_result_name((enum codes_result)a);
		assert_non_null(reason);
		assert_non_null(name);
		assert_true(strlen(reason) > 1);
		assert_true(strlen(name) > 1);
		for (const char *c = name; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || *c == '_');
		for (int b = 0; b < a; b++) {
			assert_string_not_equal(reason, codes_reason((enum codes_result)b));
			assert_string_not_equal(name, codes_result_name((enum codes_result)b));
		}
	}
	assert_string_equal(codes_result_name(CODES_WRONG_LENGTH), "wrong_length");
	assert_string_equal(codes_result_name(CODES_PREFIX_MISMATCH), "prefix_mismatch");
	assert_string_equal(codes_result_name(CODES_RESULT_COUNT), "unknown");
	assert_string_equal(codes_reason((enum codes_result)-1), "unknown code check result");
}

static void category_names_carry_kind_and_code(void **state)
{
	(void)state;
	char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1];
	assert_int_equal(codes_parse_category_name("event:0102", kind, code), 0);
	assert_string_equal(kind, "event");
	assert_string_equal(code, "0102");
	assert_int_equal(codes_parse_category_name("component:0104", kind, code), 0);
	assert_string_equal(kind, "component");
	assert_string_equal(code, "0104");
	const char *bad[] = {"event:01", "event:010203", "event:0100", "event:0002", "weather:0102",
			     "Event:0102", "event0102", ":0102", "event:", "event:01a2", "component:0104:x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (codes_parse_category_name(bad[i], kind, code) == 0)
			fail_msg("'%s' was accepted", bad[i]);
	assert_int_equal(codes_parse_category_name(NULL, kind, code), -1);
}

static int ref(const char *text, char *kind, char *code)
{
	return codes_parse_category_ref(text, strlen(text), kind, code);
}

static void category_refs_name_a_major_or_a_minor(void **state)
{
	(void)state;
	char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1];
	assert_int_equal(ref("event:01", kind, code), 0);
	assert_string_equal(kind, "event");
	assert_string_equal(code, "01");
	assert_int_equal(ref("component:0104", kind, code), 0);
	assert_string_equal(kind, "component");
	assert_string_equal(code, "0104");
	assert_int_equal(ref("event:99", kind, code), 0);
	const char *bad[] = {"event:00", "event:0", "event:010", "event:0100", "event:0001",
			     "event:010203", "weather:01", "Event:01", "event01", ":01", "event:",
			     "event:0a", "component:01:x", "", "event :01"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ref(bad[i], kind, code) == 0)
			fail_msg("'%s' was accepted", bad[i]);
	assert_int_equal(codes_parse_category_ref(NULL, 0, kind, code), -1);
}

static void category_refs_are_read_by_length_and_refuse_a_nul(void **state)
{
	(void)state;
	char kind[CODES_KIND_MAX], code[CODES_CATEGORY_LEN + 1];
	/* Only the first 8 bytes count: "event:01". */
	assert_int_equal(codes_parse_category_ref("event:0102", 8, kind, code), 0);
	assert_string_equal(code, "01");
	/* A JSON string may hold a NUL: "event:01\0" and "event\0:01" are not names. */
	assert_int_equal(codes_parse_category_ref("event:01\0", 9, kind, code), -1);
	assert_int_equal(codes_parse_category_ref("event\0:01", 9, kind, code), -1);
	/* The colon is looked for within len only. */
	assert_int_equal(codes_parse_category_ref("event:01", 5, kind, code), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(district_codes_of_real_districts_are_accepted),
		cmocka_unit_test(empty_codes_are_reported_as_empty),
		cmocka_unit_test(codes_with_anything_but_ascii_digits_are_not_digits),
		cmocka_unit_test(codes_are_read_by_length_not_to_a_nul),
		cmocka_unit_test(district_code_must_have_six_digits),
		cmocka_unit_test(district_code_must_start_with_a_province),
		cmocka_unit_test(district_code_must_not_end_in_00),
		cmocka_unit_test(street_code_is_a_district_plus_three_nonzero_digits),
		cmocka_unit_test(community_code_is_a_street_plus_three_nonzero_digits),
		cmocka_unit_test(grid_cell_code_has_fifteen_digits_with_nonzero_sequence),
		cmocka_unit_test(grid_cell_code_may_use_the_cjt213_fourteen_digit_form),
		cmocka_unit_test(grid_cell_code_of_other_lengths_is_refused),
		cmocka_unit_test(grid_cell_code_checks_its_community_part),
		cmocka_unit_test(grid_cell_must_start_with_its_community_code),
		cmocka_unit_test(category_major_is_two_digits_01_to_99),
		cmocka_unit_test(category_is_major_and_minor_of_two_digits_each),
		cmocka_unit_test(every_result_has_a_distinct_reason_and_name),
		cmocka_unit_test(category_names_carry_kind_and_code),
		cmocka_unit_test(category_refs_name_a_major_or_a_minor),
		cmocka_unit_test(category_refs_are_read_by_length_and_refuse_a_nul),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for http/problem.c: RFC 9457 bodies from the fixed vocabulary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/problem.h"
#include "limits.h"

static void every_kind_has_status_slug_and_title(void **state)
{
	for (int k = 0; k < PROBLEM_KIND_COUNT; k++) {
		int status = problem_status((enum problem_kind)k);
		if (status < 400 || status > 599)
			fail_msg("kind %d has status %d", k, status);
		assert_non_null(problem_slug((enum problem_kind)k));
		assert_non_null(problem_title((enum problem_kind)k));
		assert_true(strlen(problem_slug((enum problem_kind)k)) > 0);
		for (int j = 0; j < k; j++)
			if (strcmp(problem_slug((enum problem_kind)j), problem_slug((enum problem_kind)k)) == 0)
				fail_msg("kinds %d and %d share slug %s", j, k, problem_slug((enum problem_kind)k));
	}
}

static void body_has_type_title_status_detail_instance(void **state)
{
	json_t *p = problem_build(PROBLEM_BODY_TOO_LARGE, "too big", "/v1/echo", NULL);
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "type")),
	                    "urn:gridd:problem:body-too-large");
	assert_string_equal(json_string_value(json_object_get(p, "title")),
	                    "The request body is too large");
	assert_int_equal(json_integer_value(json_object_get(p, "status")), 413);
	assert_string_equal(json_string_value(json_object_get(p, "detail")), "too big");
	assert_string_equal(json_string_value(json_object_get(p, "instance")), "/v1/echo");
	assert_null(json_object_get(p, "errors"));
	json_decref(p);
}

static void field_errors_carry_json_pointers(void **state)
{
	json_t *errors = NULL;
	assert_int_equal(problem_add_error(&errors, "/location/coordinates/0", "longitude out of range"), 0);
	assert_int_equal(problem_add_error(&errors, "/description", "required"), 0);
	json_t *p = problem_build(PROBLEM_VALIDATION, NULL, NULL, errors);
	json_t *list = json_object_get(p, "errors");
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "pointer")),
	                    "/location/coordinates/0");
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "detail")),
	                    "required");
	assert_null(json_object_get(p, "detail"));
	json_decref(p);
}

static void long_detail_is_cut_on_a_utf8_boundary(void **state)
{
	char detail[LIMIT_PROBLEM_DETAIL_BYTES * 2];
	size_t n = 0;
	while (n + 3 < sizeof(detail) - 1) { /* 网 is three bytes in UTF-8 */
		memcpy(detail + n, "\xe7\xbd\x91", 3);
		n += 3;
	}
	detail[n] = '\0';
	json_t *p = problem_build(PROBLEM_BAD_REQUEST, detail, NULL, NULL);
	json_t *d = json_object_get(p, "detail");
	assert_non_null(d);
	assert_true(json_string_length(d) <= LIMIT_PROBLEM_DETAIL_BYTES);
	assert_int_equal(json_string_length(d) % 3, 0);
	json_decref(p);
}

static void invalid_utf8_detail_is_not_echoed(void **state)
{
	json_t *p = problem_build(PROBLEM_BAD_REQUEST, "bad \xc3\x28 byte", NULL, NULL);
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "detail")), "(detail not shown)");
	json_decref(p);
}

static void unknown_kind_becomes_internal_error(void **state)
{
	json_t *p = problem_build((enum problem_kind)999, NULL, NULL, NULL);
	assert_int_equal(json_integer_value(json_object_get(p, "status")), 500);
	json_decref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind_has_status_slug_and_title),
		cmocka_unit_test(body_has_type_title_status_detail_instance),
		cmocka_unit_test(field_errors_carry_json_pointers),
		cmocka_unit_test(long_detail_is_cut_on_a_utf8_boundary),
		cmocka_unit_test(invalid_utf8_detail_is_not_echoed),
		cmocka_unit_test(unknown_kind_becomes_internal_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

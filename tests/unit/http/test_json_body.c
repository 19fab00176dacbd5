/* Unit tests for http/json_body.c: media type, size, depth, duplicates, UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "http/json_body.h"
#include "limits.h"

static json_t *parse(const char *ct, const char *body, size_t max, struct json_body_error *err)
{
	return json_body_parse(ct, body, strlen(body), max, err);
}

static char *nested_arrays(int depth)
{
	char *s = malloc((size_t)depth * 2 + 1);
	for (int i = 0; i < depth; i++) {
		s[i] = '[';
		s[depth * 2 - 1 - i] = ']';
	}
	s[depth * 2] = '\0';
	return s;
}

static void valid_object_parses(void **state)
{
	struct json_body_error err;
	json_t *v = parse("application/json", "{\"name\":\"暴露垃圾\",\"n\":[1,2]}", 1024, &err);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "name")), "暴露垃圾");
	json_decref(v);
}

static void media_types_with_parameters_and_suffixes_are_accepted(void **state)
{
	assert_true(json_body_media_type_ok("application/json"));
	assert_true(json_body_media_type_ok("application/json; charset=utf-8"));
	assert_true(json_body_media_type_ok("Application/JSON"));
	assert_true(json_body_media_type_ok("application/merge-patch+json"));
	assert_false(json_body_media_type_ok(NULL));
	assert_false(json_body_media_type_ok("text/plain"));
	assert_false(json_body_media_type_ok("application/jsonp"));
	assert_false(json_body_media_type_ok("application/+json"));
	assert_false(json_body_media_type_ok("multipart/form-data"));
}

static void wrong_media_type_is_415(void **state)
{
	struct json_body_error err;
	assert_null(parse("text/plain", "{}", 1024, &err));
	assert_int_equal(err.kind, PROBLEM_UNSUPPORTED_MEDIA_TYPE);
	assert_null(parse(NULL, "{}", 1024, &err));
	assert_int_equal(err.kind, PROBLEM_UNSUPPORTED_MEDIA_TYPE);
}

static void oversized_body_is_413_before_parsing(void **state)
{
	struct json_body_error err;
	assert_null(parse("application/json", "{\"a\":\"0123456789\"}", 10, &err));
	assert_int_equal(err.kind, PROBLEM_BODY_TOO_LARGE);
	assert_non_null(strstr(err.detail, "at most 10"));
}

static void duplicate_keys_are_refused(void **state)
{
	struct json_body_error err;
	assert_null(parse("application/json", "{\"a\":1,\"a\":2}", 1024, &err));
	assert_int_equal(err.kind, PROBLEM_MALFORMED_JSON);
	assert_non_null(strstr(err.detail, "duplicate"));
}

static void invalid_utf8_is_refused(void **state)
{
	struct json_body_error err;
	assert_null(parse("application/json", "{\"a\":\"\xc3\x28\"}", 1024, &err));
	assert_int_equal(err.kind, PROBLEM_MALFORMED_JSON);
	assert_null(parse("application/json", "{\"a\":\"\xed\xa0\x80\"}", 1024, &err)); /* surrogate */
	assert_null(parse("application/json", "{\"a\":\"\\u0000\"}", 1024, &err));     /* NUL */
}

static void syntax_errors_name_line_and_column(void **state)
{
	struct json_body_error err;
	assert_null(parse("application/json", "{\n  \"a\": tru\n}", 1024, &err));
	assert_int_equal(err.kind, PROBLEM_MALFORMED_JSON);
	assert_non_null(strstr(err.detail, "line 2"));
	assert_null(parse("application/json", "", 1024, &err));
	assert_non_null(strstr(err.detail, "empty"));
	assert_null(parse("application/json", "{} {}", 1024, &err));
}

static void depth_limit_is_exact(void **state)
{
	struct json_body_error err;
	char *ok = nested_arrays(LIMIT_JSON_DEPTH);
	char *deep = nested_arrays(LIMIT_JSON_DEPTH + 1);
	json_t *v = parse("application/json", ok, 1 << 20, &err);
	assert_non_null(v);
	json_decref(v);
	assert_null(parse("application/json", deep, 1 << 20, &err));
	assert_int_equal(err.kind, PROBLEM_MALFORMED_JSON);
	assert_non_null(strstr(err.detail, "deeper"));
	free(ok);
	free(deep);
}

static void depth_scan_ignores_brackets_inside_strings(void **state)
{
	const char *s = "{\"a\":\"[[[[{{{{\\\"[[[\",\"b\":[{}]}";
	assert_int_equal(json_body_depth(s, strlen(s), 32), 3);
	assert_int_equal(json_body_depth("[[]]", 4, 32), 2);
	assert_int_equal(json_body_depth("]]]][", 5, 32), 1);
	char *deep = nested_arrays(5000);
	assert_int_equal(json_body_depth(deep, strlen(deep), 32), 33);
	free(deep);
}

static void text_fields_count_characters_not_bytes(void **state)
{
	(void)state;
	json_t *chinese = json_string("网格员"), *ascii = json_string("abc"), *empty = json_string("");
	json_t *with_nul = json_stringn("a\0b", 3), *number = json_integer(7);
	assert_int_equal(json_text_chars(chinese), 3); /* 9 bytes */
	assert_int_equal(json_text_chars(ascii), 3);
	assert_int_equal(json_text_chars(empty), 0);
	assert_int_equal(json_text_chars(with_nul), -1);
	assert_int_equal(json_text_chars(number), -1);
	assert_int_equal(json_text_chars(NULL), -1);
	assert_string_equal(json_text(chinese, 1, 3), "网格员");
	assert_null(json_text(chinese, 1, 2));
	assert_null(json_text(empty, 1, 10));
	assert_non_null(json_text(empty, 0, 10));
	assert_null(json_text(with_nul, 0, 10));
	assert_null(json_text(number, 0, 10));
	json_decref(chinese);
	json_decref(ascii);
	json_decref(empty);
	json_decref(with_nul);
	json_decref(number);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_object_parses),
		cmocka_unit_test(media_types_with_parameters_and_suffixes_are_accepted),
		cmocka_unit_test(wrong_media_type_is_415),
		cmocka_unit_test(oversized_body_is_413_before_parsing),
		cmocka_unit_test(duplicate_keys_are_refused),
		cmocka_unit_test(invalid_utf8_is_refused),
		cmocka_unit_test(syntax_errors_name_line_and_column),
		cmocka_unit_test(depth_limit_is_exact),
		cmocka_unit_test(depth_scan_ignores_brackets_inside_strings),
		cmocka_unit_test(text_fields_count_characters_not_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

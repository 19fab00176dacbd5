/* Unit tests for domain/rfc3339.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/rfc3339.h"

static int64_t parse(const char *s)
{
	int64_t t = -1;
	if (rfc3339_parse(s, strlen(s), &t) != 0)
		fail_msg("'%s' was refused", s);
	return t;
}

static void offsets_and_fractions_parse_to_the_same_instant(void **state)
{
	int64_t z = parse("2026-10-01T01:00:00Z");
	assert_int_equal(z, 1790816400);
	assert_int_equal(parse("2026-10-01T09:00:00+08:00"), z);
	assert_int_equal(parse("2026-09-30T20:00:00-05:00"), z);
	assert_int_equal(parse("2026-10-01t01:00:00.999z"), z);
	assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
}

static void malformed_timestamps_are_refused(void **state)
{
	const char *bad[] = {"2026-10-01T09:00:00", "2026-10-01 09:00:00Z", "2026-13-01T09:00:00Z",
	                     "2026-02-29T09:00:00Z", "2026-10-01T24:00:00Z", "2026-10-01T09:00:60Z",
	                     "2026-10-01T09:00:00+8:00", "2026-10-01T09:00:00.Z", "26-10-01T09:00:00Z",
	                     "2026-10-01T09:00:00Zjunk", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t;
		if (rfc3339_parse(bad[i], strlen(bad[i]), &t) == 0)
			fail_msg("'%s' was accepted", bad[i]);
	}
}

static void format_writes_local_time_with_its_offset(void **state)
{
	char out[RFC3339_MAX];
	rfc3339_format(1790816400, 480, out);
	assert_string_equal(out, "2026-10-01T09:00:00+08:00");
	rfc3339_format(1790816400, 0, out);
	assert_string_equal(out, "2026-10-01T01:00:00Z");
	rfc3339_format(1790816400, -300, out);
	assert_string_equal(out, "2026-09-30T20:00:00-05:00");
	rfc3339_format(-1, 0, out);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offsets_and_fractions_parse_to_the_same_instant),
		cmocka_unit_test(malformed_timestamps_are_refused),
		cmocka_unit_test(format_writes_local_time_with_its_offset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

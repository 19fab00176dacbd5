/* Unit tests for auth/password_policy.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "auth/password_policy.h"

static enum password_verdict check(const char *pw, const char *login)
{
	return password_policy_check(pw, strlen(pw), login);
}

static void long_uncommon_password_is_accepted(void **state)
{
	assert_int_equal(check("correct horse battery", "worker1"), PASSWORD_OK);
	assert_int_equal(check("网格员巡查东城区九号", "worker1"), PASSWORD_OK); /* 10 characters, 30 bytes */
}

static void length_counts_characters_not_bytes(void **state)
{
	assert_int_equal(check("123456789", NULL), PASSWORD_TOO_SHORT);
	assert_int_equal(check("网格员巡查东城区九", NULL), PASSWORD_TOO_SHORT); /* 9 characters, 27 bytes */
	char big[300];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(check(big, NULL), PASSWORD_TOO_LONG);
}

static void common_passwords_are_refused_in_any_case(void **state)
{
	assert_true(common_passwords_count >= 1000);
	assert_int_equal(check("1234567890", NULL), PASSWORD_COMMON);
	assert_int_equal(check("qwertyuiop", NULL), PASSWORD_COMMON);
	assert_int_equal(check("QwertyUIOP", NULL), PASSWORD_COMMON);
	assert_int_equal(check("woaini1314", NULL), PASSWORD_COMMON);
	assert_true(password_is_common("password", 8));
	assert_true(password_is_common("123456", 6));
	assert_false(password_is_common("correct horse battery", 21));
}

static void list_is_sorted_for_binary_search(void **state)
{
	for (size_t i = 1; i < common_passwords_count; i++)
		if (strcmp(common_passwords[i - 1], common_passwords[i]) >= 0)
			fail_msg("not sorted at %zu: %s / %s", i, common_passwords[i - 1], common_passwords[i]);
	/* every listed word is found */
	for (size_t i = 0; i < common_passwords_count; i++)
		assert_true(password_is_common(common_passwords[i], strlen(common_passwords[i])));
}

static void login_as_password_is_refused(void **state)
{
	assert_int_equal(check("dispatcher01", "Dispatcher01"), PASSWORD_SAME_AS_LOGIN);
}

static void invalid_utf8_and_control_characters_are_refused(void **state)
{
	assert_int_equal(check("abcdefghij\xc3\x28", NULL), PASSWORD_NOT_UTF8);
	assert_int_equal(check("abcdefghij\xed\xa0\x80", NULL), PASSWORD_NOT_UTF8); /* surrogate */
	assert_int_equal(check("abcdefghij\xc0\xaf", NULL), PASSWORD_NOT_UTF8);     /* overlong */
	assert_int_equal(check("abcdefghij\xe7\xbd", NULL), PASSWORD_NOT_UTF8);     /* truncated */
	assert_int_equal(check("abcdefghij\n", NULL), PASSWORD_CONTROL_CHARACTER);
	assert_int_equal(check("abcdefghij\t", NULL), PASSWORD_CONTROL_CHARACTER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(long_uncommon_password_is_accepted),
		cmocka_unit_test(length_counts_characters_not_bytes),
		cmocka_unit_test(common_passwords_are_refused_in_any_case),
		cmocka_unit_test(list_is_sorted_for_binary_search),
		cmocka_unit_test(login_as_password_is_refused),
		cmocka_unit_test(invalid_utf8_and_control_characters_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for api/cursor.c: opaque keyset cursors round-trip, and
 * anything malformed is refused before it can reach SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "api/cursor.h"

static void round_trip(void **state)
{
	(void)state;
	char text[CURSOR_MAX], micros[24], id[CURSOR_ID_MAX];
	cursor_encode("1795412345678901", "0b7e3c52-5d4f-4d7e-9a51-2f0c1d9e8a10", text, sizeof(text));
	assert_true(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(text));
	assert_true(cursor_decode(text, CURSOR_UUID, micros, id));
	assert_string_equal(micros, "1795412345678901");
	assert_string_equal(id, "0b7e3c52-5d4f-4d7e-9a51-2f0c1d9e8a10");
	/* The same cursor is not a numeric one. */
	assert_false(cursor_decode(text, CURSOR_NUMBER, micros, id));
	for (int len = 1; len <= 3; len++) { /* every padding length */
		char num[8] = "42";
		memset(num, '7', (size_t)len);
		num[len] = '\0';
		cursor_encode("1", num, text, sizeof(text));
		assert_true(cursor_decode(text, CURSOR_NUMBER, micros, id));
		assert_string_equal(id, num);
		assert_string_equal(micros, "1");
	}
}

static void malformed_is_refused(void **state)
{
	(void)state;
	char text[CURSOR_MAX], micros[24], id[CURSOR_ID_MAX];
	const char *bad[] = {"", "!!!", "zzz", "a b", "AAAA", "MTIz" /* "123": no dot */, NULL};
	for (int i = 0; bad[i]; i++)
		assert_false(cursor_decode(bad[i], CURSOR_NUMBER, micros, id));
	cursor_encode("12x", "5", text, sizeof(text));
	assert_false(cursor_decode(text, CURSOR_NUMBER, micros, id));
	cursor_encode("12", "5'; DROP TABLE cases; --", text, sizeof(text));
	assert_false(cursor_decode(text, CURSOR_NUMBER, micros, id));
	cursor_encode("12", "0B7E3C52-5D4F-4D7E-9A51-2F0C1D9E8A10", text, sizeof(text));
	assert_false(cursor_decode(text, CURSOR_UUID, micros, id));
	cursor_encode("12", "1234567890123456789", text, sizeof(text)); /* 19 digits */
	assert_false(cursor_decode(text, CURSOR_NUMBER, micros, id));
	char longest[200];
	memset(longest, 'A', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	assert_false(cursor_decode(longest, CURSOR_NUMBER, micros, id));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(malformed_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

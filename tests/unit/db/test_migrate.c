/* Unit tests for db/migrate.c: the embedded migration list and checksums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "db/migrate.h"

static void embedded_migrations_are_numbered_without_gaps(void **state)
{
	assert_true(migrations_embedded_count >= 1);
	for (int i = 0; i < migrations_embedded_count; i++) {
		assert_int_equal(migrations_embedded[i].version, i + 1);
		char prefix[16];
		snprintf(prefix, sizeof(prefix), "%04d_", i + 1);
		assert_memory_equal(migrations_embedded[i].name, prefix, 5);
		assert_int_equal(strlen(migrations_embedded[i].sql), migrations_embedded[i].len);
	}
	assert_int_equal(migrations_latest_version(), migrations_embedded_count);
}

static void first_migration_creates_postgis(void **state)
{
	assert_non_null(strstr(migrations_embedded[0].sql, "CREATE EXTENSION IF NOT EXISTS postgis"));
}

static void checksum_is_sha256_hex(void **state)
{
	char sum[65];
	migrate_checksum("", 0, sum);
	assert_string_equal(sum, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	migrate_checksum("abc", 3, sum);
	assert_string_equal(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(embedded_migrations_are_numbered_without_gaps),
		cmocka_unit_test(first_migration_creates_postgis),
		cmocka_unit_test(checksum_is_sha256_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

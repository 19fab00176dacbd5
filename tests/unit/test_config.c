/* Unit tests for config.c: the settings table, file syntax, environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static void parse_ok(struct config *cfg, const char *text)
{
	char err[512] = "";
	config_defaults(cfg);
	int rc = config_parse_text(cfg, text, strlen(text), "gridd.conf", err, sizeof(err));
	if (rc != 0)
		fail_msg("unexpected error: %s", err);
}

static void parse_fails_with(const char *text, const char *expected)
{
	struct config cfg;
	char err[512] = "";
	config_defaults(&cfg);
	assert_int_equal(config_parse_text(&cfg, text, strlen(text), "gridd.conf", err, sizeof(err)), -1);
	if (!strstr(err, expected))
		fail_msg("error '%s' does not contain '%s'", err, expected);
	config_free(&cfg);
}

static void defaults_are_valid_and_documented(void **state)
{
	struct config cfg;
	char err[256];
	config_defaults(&cfg);
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
	assert_int_equal(cfg.db_pool_size, 2);
	assert_int_equal(cfg.http_max_body_bytes, 256 * 1024);
	assert_int_equal(cfg.db_query_timeout_ms, 5000);
	assert_int_equal(cfg.log_level, LOG_LEVEL_INFO);
	assert_false(cfg.test_routes);
	assert_int_equal(config_finish(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.listen_host, "127.0.0.1");
	assert_int_equal(cfg.listen_port, 8080);
	assert_true(cfg.threads >= 1);
	config_free(&cfg);
}

static void file_sets_values_with_comments_and_quotes(void **state)
{
	struct config cfg;
	parse_ok(&cfg, "# gridd.conf\n\n"
	               "listen = 0.0.0.0:9000   # all interfaces\n"
	               "db_url = \"host=/tmp port=5433 dbname=gridd # not a comment\"\n"
	               "db_pool_size=4\n"
	               "  log_level = DEBUG\n"
	               "test_routes = yes\n");
	assert_string_equal(cfg.listen, "0.0.0.0:9000");
	assert_string_equal(cfg.db_url, "host=/tmp port=5433 dbname=gridd # not a comment");
	assert_int_equal(cfg.db_pool_size, 4);
	assert_int_equal(cfg.log_level, LOG_LEVEL_DEBUG);
	assert_true(cfg.test_routes);
	config_free(&cfg);
}

static void unknown_key_is_named_with_its_line(void **state)
{
	parse_fails_with("listen = 1.2.3.4:80\ndb_poolsize = 3\n", "gridd.conf:2: unknown setting 'db_poolsize'");
}

static void out_of_range_number_names_key_and_range(void **state)
{
	parse_fails_with("db_pool_size = 0\n", "db_pool_size: 0 is out of range (1 to 64)");
	parse_fails_with("db_pool_size = 999\n", "out of range");
}

static void non_numbers_and_bad_booleans_are_refused(void **state)
{
	parse_fails_with("db_pool_size = 3x\n", "db_pool_size: '3x' is not a whole number");
	parse_fails_with("db_pool_size = \n", "is not a whole number");
	parse_fails_with("test_routes = maybe\n", "test_routes: 'maybe' is not on/off");
	parse_fails_with("log_level = loud\n", "log_level: 'loud' is not one of");
}

static void line_without_equals_is_an_error(void **state)
{
	parse_fails_with("listen\n", "gridd.conf:1: expected 'key = value'");
	parse_fails_with(" = 3\n", "empty key");
}

static void overlong_line_is_refused(void **state)
{
	char *text = malloc(6000);
	memset(text, 'a', 5998);
	text[5998] = '\n';
	text[5999] = '\0';
	parse_fails_with(text, "line longer than");
	free(text);
}

static void environment_overrides_file(void **state)
{
	struct config cfg;
	char err[512];
	parse_ok(&cfg, "db_pool_size = 4\nlisten = 127.0.0.1:9000\n");
	char *env[] = {"PATH=/bin", "GRIDD_DB_POOL_SIZE=7", "GRIDD_CONFIG=/etc/x.conf",
	               "GRIDD_LISTEN=[::1]:8081", NULL};
	assert_int_equal(config_apply_env(&cfg, env, err, sizeof(err)), 0);
	assert_int_equal(cfg.db_pool_size, 7);
	assert_int_equal(config_finish(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.listen_host, "::1");
	assert_int_equal(cfg.listen_port, 8081);
	config_free(&cfg);
}

static void bad_environment_value_names_the_variable(void **state)
{
	struct config cfg;
	char err[512];
	config_defaults(&cfg);
	char *env[] = {"GRIDD_DB_QUERY_TIMEOUT_MS=soon", NULL};
	assert_int_equal(config_apply_env(&cfg, env, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "GRIDD_DB_QUERY_TIMEOUT_MS"));
	config_free(&cfg);
}

static void bad_listen_addresses_are_refused(void **state)
{
	const char *bad[] = {"8080", "host:", ":80", "host:0", "host:65536", "[::1]80", "h:12x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config cfg;
		char err[512];
		config_defaults(&cfg);
		assert_int_equal(config_set(&cfg, "listen", bad[i], NULL, err, sizeof(err)), 0);
		if (config_finish(&cfg, err, sizeof(err)) != -1)
			fail_msg("listen '%s' was accepted", bad[i]);
		assert_non_null(strstr(err, "listen:"));
		config_free(&cfg);
	}
}

static void reconnect_max_below_min_is_refused(void **state)
{
	struct config cfg;
	char err[512];
	parse_ok(&cfg, "db_reconnect_min_ms = 500\ndb_reconnect_max_ms = 100\n");
	assert_int_equal(config_finish(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "db_reconnect_max_ms"));
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_valid_and_documented),
		cmocka_unit_test(file_sets_values_with_comments_and_quotes),
		cmocka_unit_test(unknown_key_is_named_with_its_line),
		cmocka_unit_test(out_of_range_number_names_key_and_range),
		cmocka_unit_test(non_numbers_and_bad_booleans_are_refused),
		cmocka_unit_test(line_without_equals_is_an_error),
		cmocka_unit_test(overlong_line_is_refused),
		cmocka_unit_test(environment_overrides_file),
		cmocka_unit_test(bad_environment_value_names_the_variable),
		cmocka_unit_test(bad_listen_addresses_are_refused),
		cmocka_unit_test(reconnect_max_below_min_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

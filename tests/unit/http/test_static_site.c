/*
 * Unit tests for http/static_site.c: loading a built client tree, finding
 * files, types and which names are content-hashed (cached as immutable).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/static_site.h"
#include "../tmpdir.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void hashed_names(void **state)
{
	(void)state;
	assert_true(static_site_hashed_name("/app/main-7QXK2ZVB.js"));
	assert_true(static_site_hashed_name("/console/chunk-ABCDEFGH1234.css"));
	assert_false(static_site_hashed_name("/app/index.html"));
	assert_false(static_site_hashed_name("/app/sw.js"));
	assert_false(static_site_hashed_name("/app/main-abc.js"));
	assert_false(static_site_hashed_name("/app/main-7qxk2zvb.js"));
	assert_false(static_site_hashed_name("/app/x-ABCDEFGH/y.js"));
}

static void types_by_extension(void **state)
{
	(void)state;
	assert_string_equal(static_site_type("a.html"), "text/html; charset=utf-8");
	assert_string_equal(static_site_type("a.js"), "text/javascript; charset=utf-8");
	assert_string_equal(static_site_type("manifest.webmanifest"), "application/manifest+json");
	assert_string_equal(static_site_type("icon.svg"), "image/svg+xml");
	assert_string_equal(static_site_type("noext"), "application/octet-stream");
}

static void loads_and_finds(void **state)
{
	(void)state;
	char dir[TEST_TMPDIR_MAX];
	assert_int_equal(test_tmpdir_make(dir, "static"), 0);
	char p[256];
	snprintf(p, sizeof(p), "%s/app", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/app/assets", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/app/index.html", dir);
	write_file(p, "<!doctype html>");
	snprintf(p, sizeof(p), "%s/app/assets/main-ABCDEFGH.js", dir);
	write_file(p, "console.log(1)");
	snprintf(p, sizeof(p), "%s/app/.hidden", dir);
	write_file(p, "secret");

	struct static_site site;
	char err[256];
	assert_int_equal(static_site_load(dir, &site, err, sizeof(err)), 0);
	assert_int_equal(site.count, 2);
	const struct static_file *f = static_site_find(&site, "/app/index.html", 15);
	assert_non_null(f);
	assert_int_equal(f->len, 15);
	assert_false(f->immutable);
	assert_int_equal(strlen(f->etag), 66);
	f = static_site_find(&site, "/app/assets/main-ABCDEFGH.js", 28);
	assert_non_null(f);
	assert_true(f->immutable);
	assert_null(static_site_find(&site, "/app/.hidden", 12));
	assert_null(static_site_find(&site, "/app/index.htm", 14));
	assert_null(static_site_find(&site, "/console/index.html", 19));
	assert_true(static_site_claims("/"));
	assert_true(static_site_claims("/app"));
	assert_true(static_site_claims("/console/x"));
	assert_false(static_site_claims("/apple"));
	assert_false(static_site_claims("/v1/cases"));
	static_site_free(&site);

	/* a missing directory serves nothing, without an error */
	assert_int_equal(static_site_load("/nonexistent/gridd", &site, err, sizeof(err)), 0);
	assert_int_equal(site.count, 0);

	assert_int_equal(test_tmpdir_remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hashed_names),
		cmocka_unit_test(types_by_extension),
		cmocka_unit_test(loads_and_finds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

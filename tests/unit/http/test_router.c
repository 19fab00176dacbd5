/* Unit tests for http/router.c: matching, parameters, 405 sets, table checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/router.h"

static void h(struct http_context *ctx) { (void)ctx; }

static const struct route routes[] = {
	{HTTP_GET, "/healthz", h, 0, 0, NULL},
	{HTTP_GET, "/v1/cases", h, 0, 0, NULL},
	{HTTP_POST, "/v1/cases", h, 0, 0, NULL},
	{HTTP_GET, "/v1/cases/{id}", h, 0, 0, NULL},
	{HTTP_PATCH, "/v1/cases/{id}", h, 0, 0, NULL},
	{HTTP_GET, "/v1/cases/{id}/events", h, 0, 0, NULL},
	{HTTP_POST, "/v1/cases/{id}/{action}", h, 0, 0, NULL},
	{HTTP_GET, "/v1/cells/{code}", h, 0, 0, NULL},
	{HTTP_GET, "/v1/cells/locate", h, 0, 0, NULL},
	{HTTP_GET, "/", h, 0, 0, NULL},
};
#define N ((int)(sizeof(routes) / sizeof(routes[0])))

static enum route_result match(unsigned method, const char *path, struct route_match *m)
{
	return router_match(routes, N, method, path, strlen(path), m);
}

static void literal_path_matches(void **state)
{
	struct route_match m;
	assert_int_equal(match(HTTP_GET, "/healthz", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route, &routes[0]);
	assert_int_equal(m.route_index, 0);
	assert_int_equal(m.nparams, 0);
}

static void root_path_matches_only_root(void **state)
{
	struct route_match m;
	assert_int_equal(match(HTTP_GET, "/", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route, &routes[9]);
	assert_int_equal(match(HTTP_GET, "//", &m), ROUTE_NOT_FOUND);
}

static void parameters_are_captured(void **state)
{
	struct route_match m;
	size_t len;
	assert_int_equal(match(HTTP_GET, "/v1/cases/42/events", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route, &routes[5]);
	const char *id = route_param(&m, "id", &len);
	assert_non_null(id);
	assert_int_equal(len, 2);
	assert_memory_equal(id, "42", 2);
	assert_null(route_param(&m, "nope", &len));

	assert_int_equal(match(HTTP_POST, "/v1/cases/7/dispatch", &m), ROUTE_FOUND);
	const char *action = route_param(&m, "action", &len);
	assert_int_equal(len, 8);
	assert_memory_equal(action, "dispatch", 8);
}

static void method_picks_the_route_of_the_same_pattern(void **state)
{
	struct route_match m;
	assert_int_equal(match(HTTP_POST, "/v1/cases", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route, &routes[2]);
	assert_int_equal(match(HTTP_PATCH, "/v1/cases/9", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route, &routes[4]);
}

static void literal_segment_beats_parameter(void **state)
{
	struct route_match m;
	assert_int_equal(match(HTTP_GET, "/v1/cells/locate", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route, &routes[8]);
	assert_int_equal(match(HTTP_GET, "/v1/cells/110105001001001", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route, &routes[7]);
}

static void wrong_method_reports_allowed_set(void **state)
{
	struct route_match m;
	char allow[64];
	assert_int_equal(match(HTTP_DELETE, "/v1/cases/9", &m), ROUTE_WRONG_METHOD);
	assert_null(m.route);
	router_allow_header(m.allowed, allow, sizeof(allow));
	assert_string_equal(allow, "GET, HEAD, PATCH, OPTIONS");
	assert_int_equal(match(HTTP_PUT, "/healthz", &m), ROUTE_WRONG_METHOD);
	router_allow_header(m.allowed, allow, sizeof(allow));
	assert_string_equal(allow, "GET, HEAD, OPTIONS");
}

static void head_is_served_by_get(void **state)
{
	struct route_match m;
	assert_int_equal(match(HTTP_HEAD, "/v1/cases", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route, &routes[1]);
}

static void options_on_known_path_is_wrong_method_with_allow(void **state)
{
	struct route_match m;
	assert_int_equal(match(HTTP_OPTIONS, "/v1/cases", &m), ROUTE_WRONG_METHOD);
	assert_true(m.allowed & HTTP_GET);
	assert_true(m.allowed & HTTP_POST);
	assert_true(m.allowed & HTTP_OPTIONS);
}

static void unknown_and_malformed_paths_are_not_found(void **state)
{
	struct route_match m;
	const char *paths[] = {"/nope", "/v1/cases/", "/v1/cases//events", "/v1/cases/1/events/x",
	                       "v1/cases", "", "/healthz/", "/HEALTHZ", "/v1"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (match(HTTP_GET, paths[i], &m) != ROUTE_NOT_FOUND)
			fail_msg("path '%s' matched", paths[i]);
}

static void path_need_not_be_nul_terminated(void **state)
{
	struct route_match m;
	const char buf[] = "/healthzXYZ";
	assert_int_equal(router_match(routes, N, HTTP_GET, buf, 8, &m), ROUTE_FOUND);
	assert_ptr_equal(m.route, &routes[0]);
}

static void table_checks_catch_bad_routes(void **state)
{
	assert_int_equal(router_check_table(routes, N), -1);
	const struct route bad1[] = {{HTTP_GET, "nope", h, 0, 0, NULL}};
	const struct route bad2[] = {{HTTP_GET, "/a/{id", h, 0, 0, NULL}};
	const struct route bad3[] = {{HTTP_GET, "/a//b", h, 0, 0, NULL}};
	const struct route bad4[] = {{HTTP_GET | HTTP_POST, "/a", h, 0, 0, NULL}};
	const struct route bad5[] = {{HTTP_GET, "/a", h, 0, 0, NULL}, {HTTP_GET, "/a", h, 0, 0, NULL}};
	const struct route bad6[] = {{HTTP_GET, "/a/{}", h, 0, 0, NULL}};
	const struct route bad7[] = {{HTTP_GET, "/a", NULL, 0, 0, NULL}};
	assert_int_equal(router_check_table(bad1, 1), 0);
	assert_int_equal(router_check_table(bad2, 1), 0);
	assert_int_equal(router_check_table(bad3, 1), 0);
	assert_int_equal(router_check_table(bad4, 1), 0);
	assert_int_equal(router_check_table(bad5, 2), 1);
	assert_int_equal(router_check_table(bad6, 1), 0);
	assert_int_equal(router_check_table(bad7, 1), 0);
}

static void too_many_parameters_are_refused(void **state)
{
	const struct route deep[] = {{HTTP_GET, "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", h, 0, 0, NULL}};
	assert_int_equal(router_check_table(deep, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_path_matches),
		cmocka_unit_test(root_path_matches_only_root),
		cmocka_unit_test(parameters_are_captured),
		cmocka_unit_test(method_picks_the_route_of_the_same_pattern),
		cmocka_unit_test(literal_segment_beats_parameter),
		cmocka_unit_test(wrong_method_reports_allowed_set),
		cmocka_unit_test(head_is_served_by_get),
		cmocka_unit_test(options_on_known_path_is_wrong_method_with_allow),
		cmocka_unit_test(unknown_and_malformed_paths_are_not_found),
		cmocka_unit_test(path_need_not_be_nul_terminated),
		cmocka_unit_test(table_checks_catch_bad_routes),
		cmocka_unit_test(too_many_parameters_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for auth/policy.c: the action table and the scope rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "auth/policy.h"

static void public_actions_need_no_role(void **state)
{
	assert_true(policy_action_public("health.read"));
	assert_true(policy_action_public("auth.login"));
	assert_false(policy_action_public("me.read"));
	assert_false(policy_action_public("users.read"));
}

static void unknown_actions_fail_closed(void **state)
{
	assert_false(policy_action_known("cases.delete_everything"));
	assert_false(policy_action_public("cases.delete_everything"));
	for (int r = 0; r < ROLE_COUNT; r++)
		assert_false(policy_role_allowed("cases.delete_everything", (enum auth_role)r));
	assert_false(policy_role_allowed(NULL, ROLE_ADMIN));
	assert_false(policy_role_allowed("me.read", (enum auth_role)99));
}

static void only_admins_manage_users(void **state)
{
	for (int r = 0; r < ROLE_COUNT; r++) {
		bool admin = r == ROLE_ADMIN;
		assert_int_equal(policy_role_allowed("users.read", (enum auth_role)r), admin);
		assert_int_equal(policy_role_allowed("users.write", (enum auth_role)r), admin);
		assert_true(policy_role_allowed("me.read", (enum auth_role)r));
	}
}

static void role_names_round_trip(void **state)
{
	for (int r = 0; r < ROLE_COUNT; r++)
		assert_int_equal(auth_role_from_name(auth_role_name((enum auth_role)r)), r);
	assert_int_equal(auth_role_from_name("root"), -1);
	assert_int_equal(auth_role_from_name(NULL), -1);
}

static char cells[2][16] = {"110101001001001", "110101001001002"};

static void grid_workers_see_only_their_cells(void **state)
{
	struct auth_user w = {.role = ROLE_GRID_WORKER, .ncells = 2, .cells = cells};
	struct auth_scope mine = {"110101001001002", NULL, 0};
	struct auth_scope other = {"110101001001003", NULL, 0};
	struct auth_scope none = {NULL, NULL, 0};
	assert_true(policy_in_scope(&w, &mine));
	assert_false(policy_in_scope(&w, &other));
	assert_false(policy_in_scope(&w, &none));
}

static void dispatchers_see_their_area_or_the_city(void **state)
{
	struct auth_user d = {.role = ROLE_DISPATCHER, .area_code = "110101"};
	struct auth_scope inside = {"110101002003004", NULL, 0};
	struct auth_scope outside = {"110102001001001", NULL, 0};
	assert_true(policy_in_scope(&d, &inside));
	assert_false(policy_in_scope(&d, &outside));
	struct auth_user street = {.role = ROLE_SUPERVISOR, .area_code = "110101002"};
	assert_true(policy_in_scope(&street, &inside));
	struct auth_scope other_street = {"110101003001001", NULL, 0};
	assert_false(policy_in_scope(&street, &other_street));
	struct auth_user city = {.role = ROLE_SUPERVISOR, .area_code = ""};
	assert_true(policy_in_scope(&city, &outside));
}

static void unit_staff_see_their_unit_and_sub_units(void **state)
{
	struct auth_user bureau = {.role = ROLE_UNIT_STAFF, .unit_id = 10};
	struct auth_user team = {.role = ROLE_UNIT_STAFF, .unit_id = 11};
	const int64_t to_team[] = {11, 10};   /* dispatched to team 11 of bureau 10 */
	const int64_t to_bureau[] = {10};
	struct auth_scope team_case = {"110101001001001", to_team, 2};
	struct auth_scope bureau_case = {"110101001001001", to_bureau, 1};
	assert_true(policy_in_scope(&bureau, &team_case));
	assert_true(policy_in_scope(&team, &team_case));
	assert_true(policy_in_scope(&bureau, &bureau_case));
	assert_false(policy_in_scope(&team, &bureau_case));
	struct auth_user none = {.role = ROLE_UNIT_STAFF, .unit_id = 0};
	const int64_t zero[] = {0};
	struct auth_scope weird = {NULL, zero, 1};
	assert_false(policy_in_scope(&none, &weird));
}

static void admins_see_everything(void **state)
{
	struct auth_user a = {.role = ROLE_ADMIN};
	struct auth_scope none = {NULL, NULL, 0};
	assert_true(policy_in_scope(&a, &none));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(public_actions_need_no_role),
		cmocka_unit_test(unknown_actions_fail_closed),
		cmocka_unit_test(only_admins_manage_users),
		cmocka_unit_test(role_names_round_trip),
		cmocka_unit_test(grid_workers_see_only_their_cells),
		cmocka_unit_test(dispatchers_see_their_area_or_the_city),
		cmocka_unit_test(unit_staff_see_their_unit_and_sub_units),
		cmocka_unit_test(admins_see_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

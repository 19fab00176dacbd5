/* Unit tests for domain/workflow.c: every state x action, the flags, roles,
 * required fields and names. The expectations are written out by hand here,
 * independently of the table in workflow.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "domain/workflow.h"

/* Expected next state of each action from each state (no flags set), by
 * the initials R registered... see below; '-' = not possible now. Columns:
 * reported, registered, dispatched, in_progress, resolved, closed, rejected,
 * merged, cancelled. Letters: E reported, G registered, D dispatched,
 * P in_progress, V resolved, C closed, J rejected, M merged, X cancelled. */
static const struct {
	enum case_action action;
	const char *next;     /* 9 columns */
	unsigned roles;
} matrix[] = {
	{ACTION_VERIFY,            "G--------", WORKFLOW_DISPATCHER},
	{ACTION_REJECT,            "J--------", WORKFLOW_DISPATCHER},
	{ACTION_MERGE,             "MM-------", WORKFLOW_DISPATCHER},
	{ACTION_DISPATCH,          "-D-------", WORKFLOW_DISPATCHER},
	{ACTION_ACCEPT,            "--P------", WORKFLOW_UNIT_STAFF},
	{ACTION_RETURN,            "--GG-----", WORKFLOW_UNIT_STAFF},
	{ACTION_REQUEST_EXTENSION, "---P-----", WORKFLOW_UNIT_STAFF},
	{ACTION_APPROVE_EXTENSION, "---------", WORKFLOW_SUPERVISOR},
	{ACTION_DENY_EXTENSION,    "---------", WORKFLOW_SUPERVISOR},
	{ACTION_SUSPEND,           "--DP-----", WORKFLOW_SUPERVISOR},
	{ACTION_RESUME,            "---------", WORKFLOW_SUPERVISOR},
	{ACTION_RESOLVE,           "---V-----", WORKFLOW_UNIT_STAFF},
	{ACTION_CHECK,             "----C----", WORKFLOW_GRID_WORKER | WORKFLOW_DISPATCHER},
	{ACTION_CANCEL,            "XXXXX----", WORKFLOW_ADMIN | WORKFLOW_SUPERVISOR},
	{ACTION_URGE,              "--DP-----", WORKFLOW_SUPERVISOR},
	{ACTION_COMMENT,           "EGDPVCJMX", WORKFLOW_ANY_ROLE},
};

static enum case_state state_of(char c)
{
	const char *letters = "EGDPVCJMX";
	return (enum case_state)(strchr(letters, c) - letters);
}

static void every_state_and_action_without_flags(void **state)
{
	(void)state;
	assert_int_equal(sizeof(matrix) / sizeof(matrix[0]), ACTION_COUNT);
	for (size_t i = 0; i < ACTION_COUNT; i++) {
		assert_int_equal(workflow_roles(matrix[i].action), matrix[i].roles);
		for (int s = 0; s < CASE_STATE_COUNT; s++) {
			struct case_status now = {(enum case_state)s, false, false}, next = {CASE_REPORTED, true, true};
			unsigned fx = 0xdead;
			enum workflow_verdict v =
			        workflow_apply(&now, matrix[i].action, matrix[i].roles, true, &next, &fx);
			char want = matrix[i].next[s];
			if (want == '-') {
				if (v != WORKFLOW_NOT_NOW)
					fail_msg("%s from %s: expected 409, got %d", workflow_action_name(matrix[i].action),
					         workflow_state_name((enum case_state)s), v);
				assert_int_equal(next.state, CASE_REPORTED); /* untouched */
				assert_int_equal(fx, 0xdead);
				assert_false(workflow_allowed(&now, WORKFLOW_ANY_ROLE) & (1u << matrix[i].action));
			} else {
				if (v != WORKFLOW_OK || next.state != state_of(want))
					fail_msg("%s from %s: expected %c, got verdict %d state %s",
					         workflow_action_name(matrix[i].action),
					         workflow_state_name((enum case_state)s), want, v,
					         workflow_state_name(next.state));
				assert_true(workflow_allowed(&now, matrix[i].roles) & (1u << matrix[i].action));
			}
			/* Every other role: 403 whatever the state. */
			for (unsigned role = 1; role < WORKFLOW_ANY_ROLE; role <<= 1)
				if (!(role & matrix[i].roles))
					assert_int_equal(workflow_apply(&now, matrix[i].action, role, true, NULL, NULL),
					                 WORKFLOW_NOT_YOUR_ROLE);
		}
	}
}

static void the_clock_and_rework_effects(void **state)
{
	(void)state;
	struct case_status reg = {CASE_REGISTERED, false, false}, res = {CASE_RESOLVED, false, false}, next;
	unsigned fx;
	assert_int_equal(workflow_apply(&reg, ACTION_DISPATCH, WORKFLOW_DISPATCHER, true, &next, &fx), WORKFLOW_OK);
	assert_int_equal(fx, EFFECT_START_CLOCK);
	assert_int_equal(workflow_apply(&res, ACTION_CHECK, WORKFLOW_GRID_WORKER, false, &next, &fx), WORKFLOW_OK);
	assert_int_equal(next.state, CASE_IN_PROGRESS);
	assert_int_equal(fx, EFFECT_REWORK);
	assert_int_equal(workflow_apply(&res, ACTION_CHECK, WORKFLOW_DISPATCHER, true, &next, &fx), WORKFLOW_OK);
	assert_int_equal(next.state, CASE_CLOSED);
	assert_int_equal(fx, 0);
}

static void extensions_need_a_request_first(void **state)
{
	(void)state;
	struct case_status p = {CASE_IN_PROGRESS, false, false}, next;
	unsigned fx;
	assert_int_equal(workflow_apply(&p, ACTION_REQUEST_EXTENSION, WORKFLOW_UNIT_STAFF, true, &next, NULL), WORKFLOW_OK);
	assert_true(next.extension_pending);
	assert_int_equal(next.state, CASE_IN_PROGRESS);
	struct case_status pending = next;
	/* Asked once: not twice; the supervisor approves or denies. */
	assert_int_equal(workflow_apply(&pending, ACTION_REQUEST_EXTENSION, WORKFLOW_UNIT_STAFF, true, NULL, NULL), WORKFLOW_NOT_NOW);
	assert_int_equal(workflow_apply(&pending, ACTION_APPROVE_EXTENSION, WORKFLOW_SUPERVISOR, true, &next, &fx), WORKFLOW_OK);
	assert_false(next.extension_pending);
	assert_int_equal(fx, EFFECT_MOVE_DEADLINE);
	assert_int_equal(workflow_apply(&pending, ACTION_DENY_EXTENSION, WORKFLOW_SUPERVISOR, true, &next, &fx), WORKFLOW_OK);
	assert_false(next.extension_pending);
	assert_int_equal(fx, 0);
	assert_int_equal(workflow_apply(&pending, ACTION_APPROVE_EXTENSION, WORKFLOW_UNIT_STAFF, true, NULL, NULL), WORKFLOW_NOT_YOUR_ROLE);
	/* The unit may still finish the work: resolving clears the request. */
	assert_int_equal(workflow_apply(&pending, ACTION_RESOLVE, WORKFLOW_UNIT_STAFF, true, &next, NULL), WORKFLOW_OK);
	assert_int_equal(next.state, CASE_RESOLVED);
	assert_false(next.extension_pending);
	/* So does giving the case back. */
	assert_int_equal(workflow_apply(&pending, ACTION_RETURN, WORKFLOW_UNIT_STAFF, true, &next, NULL), WORKFLOW_OK);
	assert_false(next.extension_pending);
}

static void a_suspended_case_only_resumes_is_cancelled_or_commented(void **state)
{
	(void)state;
	for (int s = CASE_DISPATCHED; s <= CASE_IN_PROGRESS; s++) {
		struct case_status now = {(enum case_state)s, false, false}, next;
		unsigned fx;
		assert_int_equal(workflow_apply(&now, ACTION_SUSPEND, WORKFLOW_SUPERVISOR, true, &next, &fx), WORKFLOW_OK);
		assert_true(next.suspended);
		assert_int_equal(next.state, s);
		assert_int_equal(fx, EFFECT_STOP_CLOCK);
		struct case_status parked = next;
		unsigned allowed = workflow_allowed(&parked, WORKFLOW_ANY_ROLE);
		assert_int_equal(allowed, (1u << ACTION_RESUME) | (1u << ACTION_CANCEL) | (1u << ACTION_COMMENT));
		assert_int_equal(workflow_apply(&parked, ACTION_RESUME, WORKFLOW_SUPERVISOR, true, &next, &fx), WORKFLOW_OK);
		assert_false(next.suspended);
		assert_int_equal(fx, EFFECT_RESTART_CLOCK);
		assert_int_equal(workflow_apply(&parked, ACTION_CANCEL, WORKFLOW_ADMIN, true, &next, NULL), WORKFLOW_OK);
		assert_int_equal(next.state, CASE_CANCELLED);
		assert_false(next.suspended);
	}
}

static void what_each_role_may_do_now(void **state)
{
	(void)state;
	struct case_status reported = {CASE_REPORTED, false, false};
	assert_int_equal(workflow_allowed(&reported, WORKFLOW_DISPATCHER),
	                 (1u << ACTION_VERIFY) | (1u << ACTION_REJECT) | (1u << ACTION_MERGE) | (1u << ACTION_COMMENT));
	assert_int_equal(workflow_allowed(&reported, WORKFLOW_GRID_WORKER), 1u << ACTION_COMMENT);
	struct case_status closed = {CASE_CLOSED, false, false};
	assert_int_equal(workflow_allowed(&closed, WORKFLOW_ANY_ROLE), 1u << ACTION_COMMENT);
	for (int s = 0; s < CASE_STATE_COUNT; s++)
		assert_int_equal(workflow_state_is_final((enum case_state)s),
		                 s == CASE_CLOSED || s == CASE_REJECTED || s == CASE_MERGED || s == CASE_CANCELLED);
}

static void required_fields(void **state)
{
	(void)state;
	assert_int_equal(workflow_required_fields(ACTION_VERIFY), 0);
	assert_int_equal(workflow_required_fields(ACTION_REJECT), FIELD_REASON);
	assert_int_equal(workflow_required_fields(ACTION_MERGE), FIELD_TARGET_CASE);
	assert_int_equal(workflow_required_fields(ACTION_DISPATCH), FIELD_UNIT);
	assert_int_equal(workflow_required_fields(ACTION_RETURN), FIELD_REASON);
	assert_int_equal(workflow_required_fields(ACTION_REQUEST_EXTENSION), FIELD_REASON | FIELD_PROPOSED_DUE);
	assert_int_equal(workflow_required_fields(ACTION_CHECK), FIELD_RESULT);
	assert_int_equal(workflow_required_fields(ACTION_CANCEL), FIELD_REASON);
	assert_int_equal(workflow_required_fields(ACTION_URGE), FIELD_NOTE);
	assert_int_equal(workflow_required_fields(ACTION_COMMENT), FIELD_TEXT);
	assert_int_equal(workflow_required_fields((enum case_action)ACTION_COUNT), 0);
}

static void evidence_photos(void **state)
{
	(void)state;
	for (int s = 0; s < CASE_STATE_COUNT; s++) {
		struct case_status now = {(enum case_state)s, false, false};
		assert_int_equal(workflow_photo(&now, PHOTO_AFTER, WORKFLOW_UNIT_STAFF),
		                 s == CASE_IN_PROGRESS ? WORKFLOW_OK : WORKFLOW_NOT_NOW);
		assert_int_equal(workflow_photo(&now, PHOTO_CHECK, WORKFLOW_GRID_WORKER),
		                 s == CASE_RESOLVED ? WORKFLOW_OK : WORKFLOW_NOT_NOW);
		assert_int_equal(workflow_photo(&now, PHOTO_CHECK, WORKFLOW_DISPATCHER),
		                 s == CASE_RESOLVED ? WORKFLOW_OK : WORKFLOW_NOT_NOW);
		assert_int_equal(workflow_photo(&now, PHOTO_AFTER, WORKFLOW_GRID_WORKER), WORKFLOW_NOT_YOUR_ROLE);
		assert_int_equal(workflow_photo(&now, PHOTO_CHECK, WORKFLOW_UNIT_STAFF), WORKFLOW_NOT_YOUR_ROLE);
	}
	struct case_status parked = {CASE_IN_PROGRESS, true, false};
	assert_int_equal(workflow_photo(&parked, PHOTO_AFTER, WORKFLOW_UNIT_STAFF), WORKFLOW_NOT_NOW);
}

static void names_round_trip(void **state)
{
	(void)state;
	for (int s = 0; s < CASE_STATE_COUNT; s++)
		assert_int_equal(workflow_state_from_name(workflow_state_name((enum case_state)s)), s);
	for (int a = 0; a < ACTION_COUNT; a++)
		assert_int_equal(workflow_action_from_name(workflow_action_name((enum case_action)a)), a);
	assert_string_equal(workflow_action_name(ACTION_REQUEST_EXTENSION), "request-extension");
	assert_string_equal(workflow_state_name(CASE_IN_PROGRESS), "in_progress");
	assert_int_equal(workflow_state_from_name("open"), -1);
	assert_int_equal(workflow_action_from_name("close"), -1);
	assert_int_equal(workflow_action_from_name(NULL), -1);
	struct case_status bogus = {(enum case_state)42, false, false};
	assert_int_equal(workflow_apply(&bogus, ACTION_COMMENT, WORKFLOW_ADMIN, true, NULL, NULL), WORKFLOW_NOT_NOW);
	assert_int_equal(workflow_allowed(&bogus, WORKFLOW_ANY_ROLE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_state_and_action_without_flags),
		cmocka_unit_test(the_clock_and_rework_effects),
		cmocka_unit_test(extensions_need_a_request_first),
		cmocka_unit_test(a_suspended_case_only_resumes_is_cancelled_or_commented),
		cmocka_unit_test(what_each_role_may_do_now),
		cmocka_unit_test(required_fields),
		cmocka_unit_test(evidence_photos),
		cmocka_unit_test(names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * workflow.h - the case state machine (after CJ/T 315 and GB/T 30428.8).
 *
 *   reported --verify--> registered --dispatch--> dispatched --accept--> in_progress
 *   in_progress --resolve--> resolved --check passed--> closed
 *                            resolved --check failed--> in_progress (rework)
 *   reported --reject--> rejected          reported/registered --merge--> merged
 *   dispatched/in_progress --return--> registered (the unit says it is not theirs)
 *   any open state --cancel--> cancelled
 *
 * Two flags ride on the state instead of being states of their own, because
 * the case keeps its place in the flow while they are set:
 *   suspended          挂账: a supervisor parks a dispatched or in-progress
 *                      case (the clock stops); only resume, cancel and
 *                      comment are possible until resumed.
 *   extension_pending  the unit asked for a later deadline; a supervisor
 *                      approves or denies. The unit may still resolve.
 *
 * Which role may do what is part of the machine (scope - which case - is
 * checked by the caller). Pure: no I/O, no allocation, thread-safe.
 */
#ifndef GRIDD_DOMAIN_WORKFLOW_H
#define GRIDD_DOMAIN_WORKFLOW_H

#include <stdbool.h>

enum case_state {
	CASE_REPORTED,
	CASE_REGISTERED,
	CASE_DISPATCHED,
	CASE_IN_PROGRESS,
	CASE_RESOLVED,
	CASE_CLOSED,
	CASE_REJECTED,
	CASE_MERGED,
	CASE_CANCELLED,
	CASE_STATE_COUNT
};

enum case_action {
	ACTION_VERIFY,
	ACTION_REJECT,
	ACTION_MERGE,
	ACTION_DISPATCH,
	ACTION_ACCEPT,
	ACTION_RETURN,
	ACTION_REQUEST_EXTENSION,
	ACTION_APPROVE_EXTENSION,
	ACTION_DENY_EXTENSION,
	ACTION_SUSPEND,
	ACTION_RESUME,
	ACTION_RESOLVE,
	ACTION_CHECK,
	ACTION_CANCEL,
	ACTION_URGE,
	ACTION_COMMENT,
	ACTION_COUNT
};

/* Roles as bits, in the order of auth/policy.h's enum auth_role (the API
 * layer asserts that they agree). */
#define WORKFLOW_GRID_WORKER (1u << 0)
#define WORKFLOW_DISPATCHER (1u << 1)
#define WORKFLOW_UNIT_STAFF (1u << 2)
#define WORKFLOW_SUPERVISOR (1u << 3)
#define WORKFLOW_ADMIN (1u << 4)
#define WORKFLOW_ANY_ROLE 0x1Fu

/* Fields an action's request body must carry. */
enum workflow_field {
	FIELD_REASON = 1u << 0,        /* reject, return, request-extension, cancel, suspend */
	FIELD_TARGET_CASE = 1u << 1,   /* merge: the case it duplicates */
	FIELD_UNIT = 1u << 2,          /* dispatch */
	FIELD_PROPOSED_DUE = 1u << 3,  /* request-extension */
	FIELD_RESULT = 1u << 4,        /* check: passed or failed */
	FIELD_NOTE = 1u << 5,          /* urge */
	FIELD_TEXT = 1u << 6,          /* comment */
};

struct case_status {
	enum case_state state;
	bool suspended;
	bool extension_pending;
};

enum workflow_verdict {
	WORKFLOW_OK,
	WORKFLOW_NOT_YOUR_ROLE, /* this role never does this action: 403 */
	WORKFLOW_NOT_NOW,       /* not possible in the case's status: 409 with the allowed actions */
};

/* What a successful action does besides moving the state. */
enum workflow_effect {
	EFFECT_NONE = 0,
	EFFECT_START_CLOCK = 1u << 0,      /* dispatch: compute the deadline now */
	EFFECT_REWORK = 1u << 1,           /* check failed: rework count + 1, new deadline */
	EFFECT_MOVE_DEADLINE = 1u << 2,    /* approve-extension: the proposed deadline applies */
	EFFECT_STOP_CLOCK = 1u << 3,       /* suspend */
	EFFECT_RESTART_CLOCK = 1u << 4,    /* resume: the deadline moves by the time suspended */
	EFFECT_NOTIFY = 1u << 5,           /* urge: notify the unit */
};

/*
 * Checks `action` by a caller with role bit `role` on a case with status
 * *now. On WORKFLOW_OK writes the status after the action to *next and its
 * effects to *effects (both may be NULL). check_passed matters for
 * ACTION_CHECK only. *next and *effects are untouched otherwise.
 */
enum workflow_verdict workflow_apply(const struct case_status *now, enum case_action action,
                                     unsigned role, bool check_passed, struct case_status *next,
                                     unsigned *effects);

/*
 * Evidence photos on a case: an "after" photo by the unit while it works on
 * the case (in_progress, not suspended), a "check" photo by the grid worker
 * or dispatcher checking a resolved case. (A report's "before" photos are
 * the reporter's.)
 */
enum workflow_photo_kind { PHOTO_AFTER, PHOTO_CHECK };
enum workflow_verdict workflow_photo(const struct case_status *now, enum workflow_photo_kind kind,
                                     unsigned role);

/* The actions (bit 1 << action) possible now for any of the role bits. */
unsigned workflow_allowed(const struct case_status *now, unsigned roles);

/* The roles (bits) that may ever perform an action. */
unsigned workflow_roles(enum case_action action);

/* The fields (enum workflow_field bits) an action's body must carry. */
unsigned workflow_required_fields(enum case_action action);

/* True for closed, rejected, merged and cancelled: nothing but comments. */
bool workflow_state_is_final(enum case_state state);

/* Names: states as stored ("in_progress"), actions as in URLs ("request-extension"). */
const char *workflow_state_name(enum case_state state);
const char *workflow_action_name(enum case_action action);
int workflow_state_from_name(const char *name);   /* -1 when unknown */
int workflow_action_from_name(const char *name);  /* -1 when unknown */

#endif

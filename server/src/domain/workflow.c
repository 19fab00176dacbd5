/*
 * workflow.c - the case state machine as one table. See workflow.h.
 */
#include "domain/workflow.h"

#include <string.h>

#define S(x) (1u << (x))
#define OPEN_STATES                                                                           \
	(S(CASE_REPORTED) | S(CASE_REGISTERED) | S(CASE_DISPATCHED) | S(CASE_IN_PROGRESS) |   \
	 S(CASE_RESOLVED))
#define ALL_STATES ((1u << CASE_STATE_COUNT) - 1)
#define KEEP CASE_STATE_COUNT /* the action leaves the state as it is */

/* Conditions on the flags, and what the action does to them. */
enum {
	NEEDS_NOT_SUSPENDED = 1u << 0,
	NEEDS_SUSPENDED = 1u << 1,
	NEEDS_PENDING = 1u << 2,
	NEEDS_NOT_PENDING = 1u << 3,
	SETS_SUSPENDED = 1u << 4,
	CLEARS_SUSPENDED = 1u << 5,
	SETS_PENDING = 1u << 6,
	CLEARS_PENDING = 1u << 7,
};

static const struct rule {
	const char *name;
	unsigned from;        /* states (bits) it may start from */
	unsigned roles;
	unsigned fields;
	enum case_state to;   /* KEEP: no state change */
	unsigned flags;
	unsigned effects;
} rules[ACTION_COUNT] = {
	[ACTION_VERIFY] = {"verify", S(CASE_REPORTED), WORKFLOW_DISPATCHER, 0, CASE_REGISTERED, 0, 0},
	[ACTION_REJECT] = {"reject", S(CASE_REPORTED), WORKFLOW_DISPATCHER, FIELD_REASON, CASE_REJECTED, 0, 0},
	[ACTION_MERGE] = {"merge", S(CASE_REPORTED) | S(CASE_REGISTERED), WORKFLOW_DISPATCHER,
	                  FIELD_TARGET_CASE, CASE_MERGED, 0, 0},
	[ACTION_DISPATCH] = {"dispatch", S(CASE_REGISTERED), WORKFLOW_DISPATCHER, FIELD_UNIT,
	                     CASE_DISPATCHED, 0, EFFECT_START_CLOCK},
	[ACTION_ACCEPT] = {"accept", S(CASE_DISPATCHED), WORKFLOW_UNIT_STAFF, 0, CASE_IN_PROGRESS,
	                   NEEDS_NOT_SUSPENDED, 0},
	[ACTION_RETURN] = {"return", S(CASE_DISPATCHED) | S(CASE_IN_PROGRESS), WORKFLOW_UNIT_STAFF,
	                   FIELD_REASON, CASE_REGISTERED, NEEDS_NOT_SUSPENDED | CLEARS_PENDING, 0},
	[ACTION_REQUEST_EXTENSION] = {"request-extension", S(CASE_IN_PROGRESS), WORKFLOW_UNIT_STAFF,
	                              FIELD_REASON | FIELD_PROPOSED_DUE, KEEP,
	                              NEEDS_NOT_SUSPENDED | NEEDS_NOT_PENDING | SETS_PENDING, 0},
	[ACTION_APPROVE_EXTENSION] = {"approve-extension", S(CASE_IN_PROGRESS), WORKFLOW_SUPERVISOR, 0,
	                              KEEP, NEEDS_PENDING | CLEARS_PENDING, EFFECT_MOVE_DEADLINE},
	[ACTION_DENY_EXTENSION] = {"deny-extension", S(CASE_IN_PROGRESS), WORKFLOW_SUPERVISOR, 0, KEEP,
	                           NEEDS_PENDING | CLEARS_PENDING, 0},
	[ACTION_SUSPEND] = {"suspend", S(CASE_DISPATCHED) | S(CASE_IN_PROGRESS), WORKFLOW_SUPERVISOR,
	                    FIELD_REASON, KEEP, NEEDS_NOT_SUSPENDED | SETS_SUSPENDED, EFFECT_STOP_CLOCK},
	[ACTION_RESUME] = {"resume", S(CASE_DISPATCHED) | S(CASE_IN_PROGRESS), WORKFLOW_SUPERVISOR, 0,
	                   KEEP, NEEDS_SUSPENDED | CLEARS_SUSPENDED, EFFECT_RESTART_CLOCK},
	[ACTION_RESOLVE] = {"resolve", S(CASE_IN_PROGRESS), WORKFLOW_UNIT_STAFF, 0, CASE_RESOLVED,
	                    NEEDS_NOT_SUSPENDED | CLEARS_PENDING, 0},
	/* to: passed; a failed check goes back to in_progress (workflow_apply). */
	[ACTION_CHECK] = {"check", S(CASE_RESOLVED), WORKFLOW_GRID_WORKER | WORKFLOW_DISPATCHER,
	                  FIELD_RESULT, CASE_CLOSED, 0, 0},
	[ACTION_CANCEL] = {"cancel", OPEN_STATES, WORKFLOW_ADMIN | WORKFLOW_SUPERVISOR, FIELD_REASON,
	                   CASE_CANCELLED, CLEARS_SUSPENDED | CLEARS_PENDING, 0},
	[ACTION_URGE] = {"urge", S(CASE_DISPATCHED) | S(CASE_IN_PROGRESS), WORKFLOW_SUPERVISOR, FIELD_NOTE,
	                 KEEP, NEEDS_NOT_SUSPENDED, EFFECT_NOTIFY},
	[ACTION_COMMENT] = {"comment", ALL_STATES, WORKFLOW_ANY_ROLE, FIELD_TEXT, KEEP, 0, 0},
};

static const char *const state_names[CASE_STATE_COUNT] = {
	"reported", "registered", "dispatched", "in_progress", "resolved",
	"closed", "rejected", "merged", "cancelled",
};

/* True when the action may start from this status (roles aside). */
static bool possible(const struct rule *r, const struct case_status *now)
{
	if ((unsigned)now->state >= CASE_STATE_COUNT || !(r->from & S(now->state)))
		return false;
	if ((r->flags & NEEDS_NOT_SUSPENDED) && now->suspended)
		return false;
	if ((r->flags & NEEDS_SUSPENDED) && !now->suspended)
		return false;
	if ((r->flags & NEEDS_PENDING) && !now->extension_pending)
		return false;
	if ((r->flags & NEEDS_NOT_PENDING) && now->extension_pending)
		return false;
	/* A suspended case is parked: it only resumes, is cancelled or gets comments. */
	if (now->suspended && r != &rules[ACTION_RESUME] && r != &rules[ACTION_CANCEL] &&
	    r != &rules[ACTION_COMMENT])
		return false;
	return true;
}

enum workflow_verdict workflow_apply(const struct case_status *now, enum case_action action,
                                     unsigned role, bool check_passed, struct case_status *next,
                                     unsigned *effects)
{
	if ((unsigned)action >= ACTION_COUNT)
		return WORKFLOW_NOT_NOW;
	const struct rule *r = &rules[action];
	if (!(r->roles & role))
		return WORKFLOW_NOT_YOUR_ROLE;
	if (!possible(r, now))
		return WORKFLOW_NOT_NOW;
	struct case_status after = *now;
	unsigned fx = r->effects;
	if (r->to != KEEP)
		after.state = r->to;
	if (action == ACTION_CHECK && !check_passed) {
		after.state = CASE_IN_PROGRESS;
		fx |= EFFECT_REWORK;
	}
	if (r->flags & SETS_SUSPENDED)
		after.suspended = true;
	if (r->flags & CLEARS_SUSPENDED)
		after.suspended = false;
	if (r->flags & SETS_PENDING)
		after.extension_pending = true;
	if (r->flags & CLEARS_PENDING)
		after.extension_pending = false;
	if (next)
		*next = after;
	if (effects)
		*effects = fx;
	return WORKFLOW_OK;
}

enum workflow_verdict workflow_photo(const struct case_status *now, enum workflow_photo_kind kind,
                                     unsigned role)
{
	bool after = kind == PHOTO_AFTER;
	unsigned roles = after ? WORKFLOW_UNIT_STAFF : WORKFLOW_GRID_WORKER | WORKFLOW_DISPATCHER;
	if (!(roles & role))
		return WORKFLOW_NOT_YOUR_ROLE;
	bool ok = after ? now->state == CASE_IN_PROGRESS && !now->suspended
	                : now->state == CASE_RESOLVED;
	return ok ? WORKFLOW_OK : WORKFLOW_NOT_NOW;
}

unsigned workflow_allowed(const struct case_status *now, unsigned roles)
{
	unsigned out = 0;
	for (int a = 0; a < ACTION_COUNT; a++)
		if ((rules[a].roles & roles) && possible(&rules[a], now))
			out |= 1u << a;
	return out;
}

unsigned workflow_roles(enum case_action action)
{
	return (unsigned)action < ACTION_COUNT ? rules[action].roles : 0;
}

unsigned workflow_required_fields(enum case_action action)
{
	return (unsigned)action < ACTION_COUNT ? rules[action].fields : 0;
}

bool workflow_state_is_final(enum case_state state)
{
	return state == CASE_CLOSED || state == CASE_REJECTED || state == CASE_MERGED ||
	       state == CASE_CANCELLED;
}

const char *workflow_state_name(enum case_state state)
{
	return (unsigned)state < CASE_STATE_COUNT ? state_names[state] : "unknown";
}

const char *workflow_action_name(enum case_action action)
{
	return (unsigned)action < ACTION_COUNT ? rules[action].name : "unknown";
}

int workflow_state_from_name(const char *name)
{
	for (int s = 0; name && s < CASE_STATE_COUNT; s++)
		if (strcmp(name, state_names[s]) == 0)
			return s;
	return -1;
}

int workflow_action_from_name(const char *name)
{
	for (int a = 0; name && a < ACTION_COUNT; a++)
		if (strcmp(name, rules[a].name) == 0)
			return a;
	return -1;
}

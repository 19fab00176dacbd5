/*
 * policy.c - the action table and scope rules (see policy.h).
 */
#include "auth/policy.h"

#include "domain/workflow.h"

#include <stdlib.h>
#include <string.h>

static const char *const role_names[ROLE_COUNT] = {
	[ROLE_GRID_WORKER] = "grid_worker", [ROLE_DISPATCHER] = "dispatcher",
	[ROLE_UNIT_STAFF] = "unit_staff",   [ROLE_SUPERVISOR] = "supervisor",
	[ROLE_ADMIN] = "admin",
};

/* The case workflow (domain/workflow.h) names roles by the same bits. */
_Static_assert(WORKFLOW_GRID_WORKER == ROLE_BIT(ROLE_GRID_WORKER) &&
               WORKFLOW_DISPATCHER == ROLE_BIT(ROLE_DISPATCHER) &&
               WORKFLOW_UNIT_STAFF == ROLE_BIT(ROLE_UNIT_STAFF) &&
               WORKFLOW_SUPERVISOR == ROLE_BIT(ROLE_SUPERVISOR) &&
               WORKFLOW_ADMIN == ROLE_BIT(ROLE_ADMIN) && WORKFLOW_ANY_ROLE == ROLES_ANY,
               "workflow role bits must match auth_role");

#define PUBLIC 0u
#define ADMIN ROLE_BIT(ROLE_ADMIN)

/* action -> roles allowed (PUBLIC: no authentication). Keep sorted by name. */
static const struct {
	const char *action;
	unsigned roles;
} actions[] = {
	{"assessments.publish", ROLE_BIT(ROLE_SUPERVISOR) | ADMIN},
	{"assessments.read", ROLE_BIT(ROLE_DISPATCHER) | ROLE_BIT(ROLE_UNIT_STAFF) | ROLE_BIT(ROLE_SUPERVISOR) | ADMIN},
	{"auth.login", PUBLIC},
	{"auth.logout", PUBLIC},
	{"auth.refresh", PUBLIC},
	{"calendar.read", ROLES_ANY},
	{"calendar.write", ADMIN},
	{"campaigns.read", ROLES_ANY},
	{"campaigns.write", ADMIN},
	{"cases.act", ROLES_ANY},
	{"cases.photo", ROLES_ANY},
	{"cases.read", ROLES_ANY},
	{"categories.read", ROLES_ANY},
	{"categories.write", ADMIN},
	{"cells.read", ROLES_ANY},
	{"cells.write", ADMIN},
	{"events.read", ROLES_ANY},
	{"exports.read", ROLES_ANY},
	{"health.read", PUBLIC},
	{"me.password", ROLES_ANY},
	{"me.read", ROLES_ANY},
	{"metrics.read", PUBLIC},
	{"notifications.read", ROLES_ANY},
	{"photos.read", ROLES_ANY},
	{"reports.create", ROLE_BIT(ROLE_GRID_WORKER) | ROLE_BIT(ROLE_DISPATCHER)},
	{"reports.photo", ROLE_BIT(ROLE_GRID_WORKER) | ROLE_BIT(ROLE_DISPATCHER)},
	{"reports.read", ROLES_ANY},
	{"routing.read", ROLES_ANY},
	{"routing.write", ADMIN},
	{"stats.read", ROLE_BIT(ROLE_DISPATCHER) | ROLE_BIT(ROLE_UNIT_STAFF) | ROLE_BIT(ROLE_SUPERVISOR) | ADMIN},
	{"stats.write", ADMIN},
	{"test", PUBLIC},
	{"units.read", ROLES_ANY},
	{"units.write", ADMIN},
	{"users.read", ADMIN},
	{"users.write", ADMIN},
};

int auth_role_from_name(const char *name)
{
	for (int i = 0; i < ROLE_COUNT; i++)
		if (name && strcmp(name, role_names[i]) == 0)
			return i;
	return -1;
}

const char *auth_role_name(enum auth_role role)
{
	return (unsigned)role < ROLE_COUNT ? role_names[role] : "?";
}

static int find_action(const char *action)
{
	for (size_t i = 0; action && i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(actions[i].action, action) == 0)
			return (int)i;
	return -1;
}

bool policy_action_known(const char *action)
{
	return find_action(action) >= 0;
}

bool policy_action_public(const char *action)
{
	int i = find_action(action);
	return i >= 0 && actions[i].roles == PUBLIC;
}

bool policy_role_allowed(const char *action, enum auth_role role)
{
	int i = find_action(action);
	if (i < 0 || (unsigned)role >= ROLE_COUNT)
		return false;
	return actions[i].roles == PUBLIC || (actions[i].roles & ROLE_BIT(role)) != 0;
}

static bool has_cell(const struct auth_user *u, const char *code)
{
	for (int i = 0; i < u->ncells; i++)
		if (strcmp(u->cells[i], code) == 0)
			return true;
	return false;
}

bool policy_in_scope(const struct auth_user *user, const struct auth_scope *scope)
{
	switch (user->role) {
	case ROLE_ADMIN:
		return true;
	case ROLE_DISPATCHER:
	case ROLE_SUPERVISOR:
		if (user->area_code[0] == '\0')
			return true;
		return scope->cell_code &&
		       strncmp(scope->cell_code, user->area_code, strlen(user->area_code)) == 0;
	case ROLE_UNIT_STAFF:
		for (int i = 0; i < scope->unit_chain_len; i++)
			if (scope->unit_chain[i] == user->unit_id && user->unit_id != 0)
				return true;
		return false;
	case ROLE_GRID_WORKER:
		return scope->cell_code && has_cell(user, scope->cell_code);
	default:
		return false;
	}
}

void auth_user_free(struct auth_user *user)
{
	if (!user)
		return;
	free(user->cells);
	free(user);
}

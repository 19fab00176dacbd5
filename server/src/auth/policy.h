/*
 * policy.h - who may do what: the one place roles are checked.
 *
 * Every route names an action; this table says which roles may perform it
 * (or that it is public). Handlers never check roles themselves. Scope
 * (which cells, unit or area) is checked with the helpers below once the
 * resource is known; out-of-scope single resources answer 404.
 */
#ifndef GRIDD_AUTH_POLICY_H
#define GRIDD_AUTH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum auth_role {
	ROLE_GRID_WORKER,   /* 网格员 / 监督员 */
	ROLE_DISPATCHER,    /* 受理员 / 派遣员 */
	ROLE_UNIT_STAFF,    /* 责任单位 staff */
	ROLE_SUPERVISOR,    /* 督查 / 值班长 */
	ROLE_ADMIN,
	ROLE_COUNT
};

#define ROLE_BIT(r) (1u << (r))
#define ROLES_ANY ((1u << ROLE_COUNT) - 1)

/* Parses a role name; -1 when unknown. */
int auth_role_from_name(const char *name);
const char *auth_role_name(enum auth_role role);

/* Returns true when the action exists in the policy table. */
bool policy_action_known(const char *action);

/* True when the action needs no authentication. Unknown actions are not public. */
bool policy_action_public(const char *action);

/* True when `role` may perform `action`. Unknown actions: never (fail closed). */
bool policy_role_allowed(const char *action, enum auth_role role);

/* The caller's scope, as loaded with the account. */
struct auth_user {
	int64_t id;
	char login[65];
	char display_name[101];
	enum auth_role role;
	int64_t token_version;
	int64_t unit_id;          /* unit_staff; 0 when none */
	char area_code[16];       /* dispatcher/supervisor; "" = whole city */
	int ncells;
	char (*cells)[16];        /* grid_worker cell codes, sorted; owned (free) */
};

/* A resource's place in the city, for scope checks. */
struct auth_scope {
	const char *cell_code;        /* NULL when not tied to a cell */
	const int64_t *unit_chain;    /* the unit and its ancestors, or NULL */
	int unit_chain_len;
};

/*
 * True when user may see a resource at scope: admins everything; dispatchers
 * and supervisors when the cell lies in their area (code prefix) or they have
 * the whole city; unit staff when their unit is in the resource's unit chain
 * (their unit or a parent of the assigned unit); grid workers when the cell is
 * one of theirs.
 */
bool policy_in_scope(const struct auth_user *user, const struct auth_scope *scope);

void auth_user_free(struct auth_user *user);

#endif

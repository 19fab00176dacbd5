/*
 * authn.h - authentication in front of every handler.
 */
#ifndef GRIDD_API_AUTHN_H
#define GRIDD_API_AUTHN_H

#include <jansson.h>

#include "auth/policy.h"
#include "db/db.h"
#include "http/context.h"

/*
 * Public actions go straight to the handler. Others need a Bearer access
 * token that verifies, an active account whose token_version is current, and
 * a role the policy allows for the route's action: 401 otherwise (with
 * WWW-Authenticate), 403 for a role that may not.
 */
void authn_dispatch(struct http_context *ctx);

int authn_register_statements(void);

/* The account columns authn_user_from_row reads, for SELECTs from users u. */
#define USER_COLUMNS                                                                          \
	"u.id, u.login, u.display_name, u.role, u.active, u.token_version, coalesce(u.unit_id, 0), " \
	"coalesce(u.area_code, ''), coalesce((SELECT string_agg(c.cell_code, ',' ORDER BY c.cell_code) " \
	"FROM user_cells c WHERE c.user_id = u.id), '')"

/*
 * The statement that loads an account with its scope; the columns are read by
 * authn_user_from_row. $1 = user id.
 */
extern struct db_statement authn_load_user;

/*
 * Builds an auth_user from row `row` of a result whose columns start at `col`
 * in the order: id, login, display_name, role, active, token_version, unit_id,
 * area_code, cells (comma-separated). *active receives the active flag.
 * Returns NULL on a malformed row.
 */
struct auth_user *authn_user_from_row(const PGresult *res, int row, int col, int *active);

/*
 * Answers with a new session for user: an access token issued now and the
 * refresh token already stored. Takes ownership of user.
 */
void auth_reply_session(struct http_context *ctx, int status, struct auth_user *user,
                        const char *refresh_token);

/* The caller's account as JSON: id, login, display_name, role and its scope. */
json_t *authn_user_json(const struct auth_user *user);

#endif

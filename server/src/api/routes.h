/*
 * routes.h - the route table: every endpoint gridd serves, in one list.
 */
#ifndef GRIDD_API_ROUTES_H
#define GRIDD_API_ROUTES_H

#include "config.h"
#include "http/router.h"

/*
 * Builds the table for this configuration (test-only routes included when
 * cfg->test_routes). Returns a static array and its length via *count.
 */
const struct route *routes_table(const struct config *cfg, int *count);

/* Registers every module's SQL statements. Returns 0 or -1. */
int routes_register_statements(void);

/* Handlers, one file per resource. */
void health_get_healthz(struct http_context *ctx);
void health_get_readyz(struct http_context *ctx);
void health_get_metrics(struct http_context *ctx);
int health_register_statements(void);

void auth_post_login(struct http_context *ctx);
void auth_post_refresh(struct http_context *ctx);
void auth_post_logout(struct http_context *ctx);
int auth_register_statements(void);

void me_get(struct http_context *ctx);
void me_post_password(struct http_context *ctx);
int me_register_statements(void);

void users_list(struct http_context *ctx);
void users_create(struct http_context *ctx);
void users_get(struct http_context *ctx);
void users_update(struct http_context *ctx);
int users_register_statements(void);

void cells_locate(struct http_context *ctx);
void cells_get(struct http_context *ctx);
void cells_list(struct http_context *ctx);
void cells_import(struct http_context *ctx);
int cells_register_statements(void);

void categories_list(struct http_context *ctx);
void routing_resolve(struct http_context *ctx);
int categories_register_statements(void);
void categories_get(struct http_context *ctx);
void categories_create(struct http_context *ctx);
void categories_update(struct http_context *ctx);
void categories_delete(struct http_context *ctx);
void routing_rules_list(struct http_context *ctx);
void routing_rules_create(struct http_context *ctx);
void routing_rules_delete(struct http_context *ctx);
int categories_admin_register_statements(void);

void units_list(struct http_context *ctx);
void units_get(struct http_context *ctx);
void units_create(struct http_context *ctx);
void units_update(struct http_context *ctx);
int units_register_statements(void);

void campaigns_list(struct http_context *ctx);
void campaigns_get(struct http_context *ctx);
void campaigns_put(struct http_context *ctx);
int campaigns_register_statements(void);

void reports_create(struct http_context *ctx);
void reports_get(struct http_context *ctx);
void reports_list(struct http_context *ctx);
int reports_register_statements(void);
int reports_read_register_statements(void);
void photos_upload(struct http_context *ctx);
void photos_get(struct http_context *ctx);
int photos_register_statements(void);
void cases_get(struct http_context *ctx);
void cases_events(struct http_context *ctx);
void cases_audit(struct http_context *ctx);
void photos_case_upload(struct http_context *ctx);
void live_events(struct http_context *ctx);
int live_register_statements(void);
void stats_closure(struct http_context *ctx);
void stats_timeseries(struct http_context *ctx);
void stats_settings_get(struct http_context *ctx);
void stats_settings_put(struct http_context *ctx);
int stats_register_statements(void);

void assessments_get(struct http_context *ctx);
void assessments_publish(struct http_context *ctx);
int assessments_register_statements(void);

void exports_get(struct http_context *ctx);
void exports_jobs_list(struct http_context *ctx);
void exports_jobs_get(struct http_context *ctx);
int export_jobs_api_register_statements(void);

void notifications_list(struct http_context *ctx);
void notifications_read(struct http_context *ctx);
int notifications_register_statements(void);
/* True when user may see a case with this state, cell and unit chain ("{1,3}"). */
struct auth_user;
bool cases_in_scope(const struct auth_user *user, const char *state, const char *cell,
                    const char *chain);
void cases_act(struct http_context *ctx);
int cases_register_statements(void);
void cases_list(struct http_context *ctx);
int cases_list_register_statements(void);
/* A report id (UUID) from the path, lowercased; false when malformed. */
bool reports_path_id(struct http_context *ctx, char out[37]);
void calendar_settings_get(struct http_context *ctx);
void calendar_settings_put(struct http_context *ctx);
void calendar_get(struct http_context *ctx);
void calendar_put(struct http_context *ctx);
void deadline_get(struct http_context *ctx);
int calendar_register_statements(void);

void testing_post_echo(struct http_context *ctx);
void testing_get_sleep(struct http_context *ctx);
void testing_post_transaction(struct http_context *ctx);
void testing_post_batch(struct http_context *ctx);
int testing_register_statements(void);

#endif

/*
 * routes.c - every endpoint of gridd in one table.
 *
 * Add an endpoint = add a row here (and its handler in the resource's file).
 */
#include "api/routes.h"

#include "api/authn.h"
#include "api/calendar_store.h"
#include "api/ledger.h"
#include "api/stats_query.h"
#include "jobs/export_job.h"
#include "limits.h"

#include <string.h>

static const struct route base_routes[] = {
	{HTTP_GET, "/healthz", health_get_healthz, 0, ROUTE_NO_LOG, "health.read"},
	{HTTP_GET, "/readyz", health_get_readyz, 0, ROUTE_NO_LOG, "health.read"},
	{HTTP_GET, "/metrics", health_get_metrics, 0, ROUTE_NO_LOG, "metrics.read"},
	{HTTP_POST, "/v1/auth/login", auth_post_login, 4096, ROUTE_JSON_BODY, "auth.login"},
	{HTTP_POST, "/v1/auth/refresh", auth_post_refresh, 4096, ROUTE_JSON_BODY, "auth.refresh"},
	{HTTP_POST, "/v1/auth/logout", auth_post_logout, 4096, ROUTE_JSON_BODY, "auth.logout"},
	{HTTP_GET, "/v1/me", me_get, 0, 0, "me.read"},
	{HTTP_POST, "/v1/me/password", me_post_password, 4096, ROUTE_JSON_BODY, "me.password"},
	{HTTP_GET, "/v1/users", users_list, 0, 0, "users.read"},
	{HTTP_POST, "/v1/users", users_create, 0, ROUTE_JSON_BODY, "users.write"},
	{HTTP_GET, "/v1/users/{id}", users_get, 0, 0, "users.read"},
	{HTTP_PATCH, "/v1/users/{id}", users_update, 0, ROUTE_JSON_BODY, "users.write"},
	{HTTP_GET, "/v1/cells", cells_list, 0, 0, "cells.read"},
	{HTTP_POST, "/v1/cells/import", cells_import, LIMIT_CELLS_IMPORT_BYTES, ROUTE_JSON_BODY, "cells.write"},
	{HTTP_GET, "/v1/cells/locate", cells_locate, 0, 0, "cells.read"},
	{HTTP_GET, "/v1/cells/{code}", cells_get, 0, 0, "cells.read"},
	{HTTP_GET, "/v1/categories", categories_list, 0, 0, "categories.read"},
	{HTTP_POST, "/v1/categories", categories_create, 0, ROUTE_JSON_BODY, "categories.write"},
	{HTTP_GET, "/v1/categories/{name}", categories_get, 0, 0, "categories.read"},
	{HTTP_PATCH, "/v1/categories/{name}", categories_update, 0, ROUTE_JSON_BODY, "categories.write"},
	{HTTP_DELETE, "/v1/categories/{name}", categories_delete, 0, 0, "categories.write"},
	{HTTP_GET, "/v1/routing/resolve", routing_resolve, 0, 0, "routing.read"},
	{HTTP_GET, "/v1/routing/rules", routing_rules_list, 0, 0, "routing.read"},
	{HTTP_POST, "/v1/routing/rules", routing_rules_create, 0, ROUTE_JSON_BODY, "routing.write"},
	{HTTP_DELETE, "/v1/routing/rules/{id}", routing_rules_delete, 0, 0, "routing.write"},
	{HTTP_GET, "/v1/units", units_list, 0, 0, "units.read"},
	{HTTP_POST, "/v1/units", units_create, 0, ROUTE_JSON_BODY, "units.write"},
	{HTTP_GET, "/v1/units/{id}", units_get, 0, 0, "units.read"},
	{HTTP_PATCH, "/v1/units/{id}", units_update, 0, ROUTE_JSON_BODY, "units.write"},
	{HTTP_GET, "/v1/campaigns", campaigns_list, 0, 0, "campaigns.read"},
	{HTTP_GET, "/v1/campaigns/{code}", campaigns_get, 0, 0, "campaigns.read"},
	{HTTP_PUT, "/v1/campaigns/{code}", campaigns_put, 0, ROUTE_JSON_BODY, "campaigns.write"},
	{HTTP_POST, "/v1/reports", reports_create, 16384, ROUTE_JSON_BODY, "reports.create"},
	{HTTP_GET, "/v1/reports", reports_list, 0, 0, "reports.read"},
	{HTTP_GET, "/v1/reports/{id}", reports_get, 0, 0, "reports.read"},
	{HTTP_POST, "/v1/reports/{id}/photos", photos_upload, LIMIT_PHOTO_BODY_HARD, 0, "reports.photo"},
	{HTTP_GET, "/v1/photos/{sha256}", photos_get, 0, 0, "photos.read"},
	{HTTP_GET, "/v1/events", live_events, 0, 0, "events.read"},
	{HTTP_GET, "/v1/notifications", notifications_list, 0, 0, "notifications.read"},
	{HTTP_POST, "/v1/notifications/read", notifications_read, 0, ROUTE_JSON_BODY, "notifications.read"},
	{HTTP_GET, "/v1/cases", cases_list, 0, 0, "cases.read"},
	{HTTP_GET, "/v1/cases/{id}", cases_get, 0, 0, "cases.read"},
	{HTTP_GET, "/v1/cases/{id}/events", cases_events, 0, 0, "cases.read"},
	{HTTP_GET, "/v1/cases/{id}/audit", cases_audit, 0, 0, "cases.read"},
	{HTTP_POST, "/v1/cases/{id}/photos", photos_case_upload, LIMIT_PHOTO_BODY_HARD, 0, "cases.photo"},
	{HTTP_POST, "/v1/cases/{id}/{action}", cases_act, 16384, ROUTE_JSON_BODY | ROUTE_JSON_OPTIONAL, "cases.act"},
	{HTTP_GET, "/v1/calendar/settings", calendar_settings_get, 0, 0, "calendar.read"},
	{HTTP_PUT, "/v1/calendar/settings", calendar_settings_put, 0, ROUTE_JSON_BODY, "calendar.write"},
	{HTTP_GET, "/v1/calendar/{year}", calendar_get, 0, 0, "calendar.read"},
	{HTTP_PUT, "/v1/calendar/{year}", calendar_put, 0, ROUTE_JSON_BODY, "calendar.write"},
	{HTTP_GET, "/v1/deadline", deadline_get, 0, 0, "calendar.read"},
	{HTTP_GET, "/v1/stats/closure", stats_closure, 0, 0, "stats.read"},
	{HTTP_GET, "/v1/stats/timeseries", stats_timeseries, 0, 0, "stats.read"},
	{HTTP_GET, "/v1/stats/settings", stats_settings_get, 0, 0, "stats.read"},
	{HTTP_PUT, "/v1/stats/settings", stats_settings_put, 0, ROUTE_JSON_BODY, "stats.write"},
	{HTTP_GET, "/v1/assessments/{month}", assessments_get, 0, 0, "assessments.read"},
	{HTTP_POST, "/v1/assessments/{month}/publish", assessments_publish, 0, 0, "assessments.publish"},
	{HTTP_GET, "/v1/exports/{name}", exports_get, 0, 0, "exports.read"},
	{HTTP_GET, "/v1/exports/jobs", exports_jobs_list, 0, 0, "exports.read"},
	{HTTP_GET, "/v1/exports/jobs/{id}", exports_jobs_get, 0, 0, "exports.read"},
};

static const struct route test_routes[] = {
	{HTTP_POST, "/v1/echo", testing_post_echo, 0, ROUTE_JSON_BODY, "test"},
	{HTTP_GET, "/v1/test/sleep", testing_get_sleep, 0, 0, "test"},
	{HTTP_POST, "/v1/test/transaction", testing_post_transaction, 0, ROUTE_JSON_BODY, "test"},
	{HTTP_POST, "/v1/test/batch", testing_post_batch, 0, ROUTE_JSON_BODY, "test"},
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static struct route table[COUNT(base_routes) + COUNT(test_routes)];

const struct route *routes_table(const struct config *cfg, int *count)
{
	int n = 0;
	memcpy(table, base_routes, sizeof(base_routes));
	n = COUNT(base_routes);
	if (cfg->test_routes) {
		memcpy(table + n, test_routes, sizeof(test_routes));
		n += COUNT(test_routes);
	}
	*count = n;
	return table;
}

int routes_register_statements(void)
{
	if (health_register_statements() < 0 || authn_register_statements() < 0 ||
	    auth_register_statements() < 0 || me_register_statements() < 0 ||
	    users_register_statements() < 0 || cells_register_statements() < 0 ||
	    categories_register_statements() < 0 || calendar_register_statements() < 0 ||
	    calendar_store_register_statements() < 0 || reports_register_statements() < 0 ||
	    reports_read_register_statements() < 0 || photos_register_statements() < 0 ||
	    cases_register_statements() < 0 || cases_list_register_statements() < 0 ||
	    notifications_register_statements() < 0 || live_register_statements() < 0)
		return -1;
	if (units_register_statements() < 0 || campaigns_register_statements() < 0 ||
	    categories_admin_register_statements() < 0 || stats_query_register_statements() < 0 ||
	    stats_register_statements() < 0 || assessments_register_statements() < 0 ||
	    ledger_register_statements() < 0 || export_jobs_register_statements() < 0 ||
	    export_jobs_api_register_statements() < 0)
		return -1;
	if (testing_register_statements() < 0)
		return -1;
	return 0;
}

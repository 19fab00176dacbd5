/*
 * routes.c - every endpoint of gridd in one table.
 *
 * Add an endpoint = add a row here (and its handler in the resource's file).
 */
#include "api/routes.h"

#include <string.h>

static const struct route base_routes[] = {
	{HTTP_GET, "/healthz", health_get_healthz, 0, ROUTE_NO_LOG, "health.read"},
	{HTTP_GET, "/readyz", health_get_readyz, 0, ROUTE_NO_LOG, "health.read"},
	{HTTP_GET, "/metrics", health_get_metrics, 0, ROUTE_NO_LOG, "metrics.read"},
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
	if (health_register_statements() < 0)
		return -1;
	if (testing_register_statements() < 0)
		return -1;
	return 0;
}

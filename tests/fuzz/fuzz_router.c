/* Fuzz target: request paths through the router with the real route table. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api/routes.h"
#include "config.h"
#include "http/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct route *routes;
	static int count;
	if (!routes) {
		struct config cfg;
		config_defaults(&cfg);
		cfg.test_routes = true;
		routes = routes_table(&cfg, &count);
		config_free(&cfg);
	}
	if (size < 1)
		return 0;
	unsigned method = 1u << (data[0] % 7);
	struct route_match m;
	enum route_result r = router_match(routes, count, method, (const char *)data + 1, size - 1, &m);
	if (r == ROUTE_FOUND) {
		/* Parameters must point inside the path. */
		for (int i = 0; i < m.nparams; i++)
			if (m.params[i].value < (const char *)data + 1 ||
			    m.params[i].value + m.params[i].value_len > (const char *)data + size)
				__builtin_trap();
	}
	return 0;
}

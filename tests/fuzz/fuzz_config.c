/* Fuzz target: gridd.conf text through the configuration parser. */
#include <stddef.h>
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[1024];
	config_defaults(&cfg);
	if (config_parse_text(&cfg, (const char *)data, size, "fuzz.conf", err, sizeof(err)) == 0)
		config_finish(&cfg, err, sizeof(err));
	config_free(&cfg);
	return 0;
}

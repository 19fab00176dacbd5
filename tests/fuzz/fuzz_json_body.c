/* Fuzz target: request bodies through the JSON body checks and Jansson. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "http/json_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_body_error err;
	json_t *v = json_body_parse("application/json", (const char *)data, size, 1 << 20, &err);
	if (v) {
		char *text = json_dumps(v, JSON_COMPACT);
		free(text);
		json_decref(v);
	} else {
		/* Every refusal must be a 4xx problem with a detail. */
		int status = problem_status(err.kind);
		if (status < 400 || status > 499 || err.detail[0] == '\0')
			__builtin_trap();
		json_t *p = problem_build(err.kind, err.detail, "/fuzz", NULL);
		if (!p)
			__builtin_trap();
		json_decref(p);
	}
	return 0;
}

/*
 * rfc3339.h - strict RFC 3339 timestamps (2026-10-01T09:00:00+08:00).
 *
 * Pure. Parsing accepts a 'T' or 't' separator, optional fractional seconds
 * (truncated to whole seconds), and 'Z' or a numeric offset; it refuses
 * anything else (no missing offset, no leap second 60, no out-of-range
 * fields). Formatting writes local time in the given offset.
 */
#ifndef GRIDD_DOMAIN_RFC3339_H
#define GRIDD_DOMAIN_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#define RFC3339_MAX 32

/* Parses len bytes into UTC seconds. Returns 0, or -1 when not RFC 3339. */
int rfc3339_parse(const char *text, size_t len, int64_t *utc_seconds);

/* Writes utc_seconds as local time at offset_minutes ("+08:00"; "Z" for 0). */
void rfc3339_format(int64_t utc_seconds, int offset_minutes, char out[RFC3339_MAX]);

#endif

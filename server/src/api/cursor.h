/*
 * cursor.h - opaque keyset cursors for lists: base64url (no padding) of
 * "<microseconds since the epoch>.<id>", the sort time and the id of the
 * last row of a page. Clients pass `next` back as `after` and never look
 * inside; the server decodes strictly, so nothing malformed reaches SQL.
 */
#ifndef GRIDD_API_CURSOR_H
#define GRIDD_API_CURSOR_H

#include <stdbool.h>
#include <stddef.h>

#define CURSOR_MAX 160   /* encoded length, with room */
#define CURSOR_ID_MAX 37 /* a UUID and its NUL */

enum cursor_id_kind {
	CURSOR_UUID,     /* 8-4-4-4-12 lowercase hex */
	CURSOR_NUMBER,   /* 1-18 digits */
};

/* Encodes micros (digits) and id into out (cap bytes). */
void cursor_encode(const char *micros, const char *id, char *out, size_t cap);

/* Decodes text into micros (digits) and id; false for anything malformed. */
bool cursor_decode(const char *text, enum cursor_id_kind kind, char micros[24],
                   char id[CURSOR_ID_MAX]);

#endif

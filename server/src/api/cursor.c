/*
 * cursor.c - opaque keyset cursors. See cursor.h.
 */
#include "api/cursor.h"

#include <stdio.h>
#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void cursor_encode(const char *micros, const char *id, char *out, size_t cap)
{
	char raw[96];
	int n = snprintf(raw, sizeof(raw), "%.24s.%.40s", micros, id);
	size_t o = 0;
	for (int i = 0; i < n && o + 5 < cap; i += 3) {
		unsigned v = (unsigned char)raw[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)raw[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)raw[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = b64[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
}

static bool id_ok(const char *id, enum cursor_id_kind kind)
{
	size_t n = strlen(id);
	if (kind == CURSOR_NUMBER)
		return n >= 1 && n <= 18 && strspn(id, "0123456789") == n;
	if (n != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		char ch = id[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? ch != '-' : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return false;
	}
	return true;
}

bool cursor_decode(const char *text, enum cursor_id_kind kind, char micros[24],
                   char id[CURSOR_ID_MAX])
{
	char raw[96];
	size_t n = strlen(text), o = 0;
	if (n == 0 || n > 120)
		return false;
	unsigned v = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = strchr(b64, text[i]);
		if (!p)
			return false;
		v = (v << 6) | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= sizeof(raw))
				return false;
			raw[o++] = (char)((v >> bits) & 0xFF);
		}
	}
	raw[o] = '\0';
	char *dot = strchr(raw, '.');
	if (!dot || dot == raw || dot - raw > 20 || strlen(dot + 1) >= CURSOR_ID_MAX)
		return false;
	*dot = '\0';
	if (strspn(raw, "0123456789") != strlen(raw) || !id_ok(dot + 1, kind))
		return false;
	snprintf(micros, 24, "%.20s", raw);
	snprintf(id, CURSOR_ID_MAX, "%s", dot + 1);
	return true;
}

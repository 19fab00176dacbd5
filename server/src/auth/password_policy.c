/*
 * password_policy.c - password rules (see password_policy.h).
 */
#include "auth/password_policy.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Counts code points of valid UTF-8 (no overlongs, no surrogates); -1 if invalid. */
static long utf8_chars(const unsigned char *s, size_t len, int *has_control)
{
	long n = 0;
	*has_control = 0;
	for (size_t i = 0; i < len; n++) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t k;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				*has_control = 1;
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			cp = c & 0x1F;
			k = 1;
		} else if ((c & 0xF0) == 0xE0) {
			cp = c & 0x0F;
			k = 2;
		} else if ((c & 0xF8) == 0xF0) {
			cp = c & 0x07;
			k = 3;
		} else {
			return -1;
		}
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= len || (s[i + j] & 0xC0) != 0x80)
				return -1;
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return -1;
		if (cp >= 0x80 && cp < 0xA0)
			*has_control = 1;
		i += k + 1;
	}
	return n;
}

int password_is_common(const char *password, size_t len)
{
	size_t lo = 0, hi = common_passwords_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *w = common_passwords[mid];
		size_t wl = strlen(w);
		size_t n = wl < len ? wl : len;
		int cmp = 0;
		for (size_t i = 0; i < n && cmp == 0; i++)
			cmp = (unsigned char)tolower((unsigned char)password[i]) - (unsigned char)w[i];
		if (cmp == 0)
			cmp = len < wl ? -1 : len > wl ? 1 : 0;
		if (cmp == 0)
			return 1;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

enum password_verdict password_policy_check(const char *password, size_t len, const char *login)
{
	if (len > PASSWORD_MAX_BYTES)
		return PASSWORD_TOO_LONG;
	int control;
	long chars = utf8_chars((const unsigned char *)password, len, &control);
	if (chars < 0)
		return PASSWORD_NOT_UTF8;
	if (control)
		return PASSWORD_CONTROL_CHARACTER;
	if (chars < PASSWORD_MIN_CHARS)
		return PASSWORD_TOO_SHORT;
	if (login && strlen(login) == len && strncasecmp(login, password, len) == 0)
		return PASSWORD_SAME_AS_LOGIN;
	if (password_is_common(password, len))
		return PASSWORD_COMMON;
	return PASSWORD_OK;
}

const char *password_verdict_text(enum password_verdict verdict)
{
	switch (verdict) {
	case PASSWORD_OK: return "ok";
	case PASSWORD_TOO_SHORT: return "the password must have at least 10 characters";
	case PASSWORD_TOO_LONG: return "the password must have at most 256 bytes";
	case PASSWORD_NOT_UTF8: return "the password is not valid UTF-8";
	case PASSWORD_CONTROL_CHARACTER: return "the password must not contain control characters";
	case PASSWORD_COMMON: return "this password is one of the most common passwords; choose another";
	case PASSWORD_SAME_AS_LOGIN: return "the password must not be the login";
	}
	return "invalid password";
}

/*
 * password_policy.h - which passwords gridd accepts.
 *
 * Pure: at least 10 characters (Unicode code points, so Chinese passwords
 * count fairly), at most 256 bytes, valid UTF-8 without control characters,
 * not the login itself, and not one of the common passwords shipped in
 * server/data/common_passwords.txt (compared case-insensitively).
 */
#ifndef GRIDD_AUTH_PASSWORD_POLICY_H
#define GRIDD_AUTH_PASSWORD_POLICY_H

#include <stddef.h>

#define PASSWORD_MIN_CHARS 10
#define PASSWORD_MAX_BYTES 256

enum password_verdict {
	PASSWORD_OK,
	PASSWORD_TOO_SHORT,
	PASSWORD_TOO_LONG,
	PASSWORD_NOT_UTF8,
	PASSWORD_CONTROL_CHARACTER,
	PASSWORD_COMMON,
	PASSWORD_SAME_AS_LOGIN,
};

/* Judges a candidate password (len bytes) for the account `login` (may be NULL). */
enum password_verdict password_policy_check(const char *password, size_t len, const char *login);

/* A sentence for the user, in English, naming the rule. */
const char *password_verdict_text(enum password_verdict verdict);

/* Whether word (lower-cased ASCII compare) is in the common list. */
int password_is_common(const char *password, size_t len);

/* The embedded list (sorted), generated at build time. */
extern const char *const common_passwords[];
extern const size_t common_passwords_count;

#endif

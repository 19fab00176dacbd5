/*
 * refresh.h - refresh token material: 256 random bits, base64url for the
 * client, sha256 (hex) for the database, which never sees the token itself.
 */
#ifndef GRIDD_AUTH_REFRESH_H
#define GRIDD_AUTH_REFRESH_H

#include <stddef.h>

#define REFRESH_TOKEN_CHARS 43   /* 32 bytes in unpadded base64url */
#define REFRESH_HASH_HEX 64

/* A new token and its hash. Returns 0, or -1 when no randomness is to be had. */
int refresh_token_new(char token[REFRESH_TOKEN_CHARS + 1], char hash[REFRESH_HASH_HEX + 1]);

/*
 * Hashes a presented token. Returns -1 (nothing written) unless it has the
 * shape of one of ours: exactly 43 base64url characters.
 */
int refresh_token_hash(const char *token, size_t len, char hash[REFRESH_HASH_HEX + 1]);

#endif

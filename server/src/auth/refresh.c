/*
 * refresh.c - refresh token material (see refresh.h).
 */
#include "auth/refresh.h"

#include <openssl/evp.h>
#include <string.h>
#include <sys/random.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void sha256_hex(const char *data, size_t len, char out[REFRESH_HASH_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	static const char hex[] = "0123456789abcdef";
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[REFRESH_HASH_HEX] = '\0';
}

int refresh_token_new(char token[REFRESH_TOKEN_CHARS + 1], char hash[REFRESH_HASH_HEX + 1])
{
	unsigned char raw[33] = {0};
	if (getrandom(raw, 32, 0) != 32)
		return -1;
	/* 32 bytes -> 43 characters: 10 full groups of 3 bytes plus 2 bytes. */
	char *o = token;
	for (int i = 0; i < 33; i += 3) {
		unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
		*o++ = alphabet[v >> 18 & 63];
		*o++ = alphabet[v >> 12 & 63];
		*o++ = alphabet[v >> 6 & 63];
		if (i + 3 < 33)
			*o++ = alphabet[v & 63];
	}
	token[REFRESH_TOKEN_CHARS] = '\0';
	sha256_hex(token, REFRESH_TOKEN_CHARS, hash);
	return 0;
}

int refresh_token_hash(const char *token, size_t len, char hash[REFRESH_HASH_HEX + 1])
{
	if (len != REFRESH_TOKEN_CHARS || strspn(token, alphabet) < len)
		return -1;
	sha256_hex(token, len, hash);
	return 0;
}

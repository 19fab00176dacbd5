/*
 * token.c - JWT issue and verification (see token.h).
 */
#include "auth/token.h"

#include <jansson.h>
#include <jwt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const token_roles[] = {"grid_worker", "dispatcher", "unit_staff", "supervisor", "admin",
	                           NULL};

static jwt_alg_t libjwt_alg(enum token_algorithm alg)
{
	return alg == TOKEN_ES256 ? JWT_ALG_ES256 : JWT_ALG_HS256;
}

static const char *alg_name(enum token_algorithm alg)
{
	return alg == TOKEN_ES256 ? "ES256" : "HS256";
}

static bool role_known(const char *role)
{
	for (int i = 0; token_roles[i]; i++)
		if (strcmp(role, token_roles[i]) == 0)
			return true;
	return false;
}

int token_issue(const struct token_config *cfg, int64_t user_id, const char *role,
                int64_t token_version, int64_t now, char **out, struct token_claims *claims)
{
	jwt_t *jwt = NULL;
	char sub[24];
	int rc = -1;
	*out = NULL;
	if (!role_known(role) || jwt_new(&jwt) != 0)
		return -1;
	snprintf(sub, sizeof(sub), "%lld", (long long)user_id);
	if (jwt_add_grant(jwt, "sub", sub) || jwt_add_grant(jwt, "role", role) ||
	    jwt_add_grant(jwt, "iss", cfg->issuer) || jwt_add_grant(jwt, "aud", cfg->audience) ||
	    jwt_add_grant_int(jwt, "iat", (long)now) || jwt_add_grant_int(jwt, "nbf", (long)now) ||
	    jwt_add_grant_int(jwt, "exp", (long)(now + cfg->lifetime_s)) ||
	    jwt_add_grant_int(jwt, "tv", (long)token_version))
		goto out;
	if (jwt_set_alg(jwt, libjwt_alg(cfg->alg), cfg->sign_key, (int)cfg->sign_key_len))
		goto out;
	*out = jwt_encode_str(jwt);
	if (!*out)
		goto out;
	if (claims) {
		claims->user_id = user_id;
		snprintf(claims->role, sizeof(claims->role), "%s", role);
		claims->token_version = token_version;
		claims->issued_at = claims->not_before = now;
		claims->expires_at = now + cfg->lifetime_s;
	}
	rc = 0;
out:
	jwt_free(jwt);
	return rc;
}

static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Decodes base64url (no padding) into a malloc'd NUL-terminated buffer. */
static char *b64url_decode(const char *in, size_t len, size_t *outlen)
{
	if (len % 4 == 1)
		return NULL;
	char *out = malloc(len * 3 / 4 + 3);
	if (!out)
		return NULL;
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64url_value((unsigned char)in[i]);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xFF);
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static json_t *decode_part(const char *part, size_t len)
{
	size_t n;
	char *text = b64url_decode(part, len, &n);
	if (!text)
		return NULL;
	json_error_t err;
	json_t *v = json_loadb(text, n, JSON_REJECT_DUPLICATES, &err);
	free(text);
	if (v && !json_is_object(v)) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* Reads an integer claim (JSON integer, or a real with no fraction). */
static bool int_claim(json_t *payload, const char *name, int64_t *out)
{
	json_t *v = json_object_get(payload, name);
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return true;
	}
	return false;
}

static bool audience_matches(json_t *aud, const char *want)
{
	if (json_is_string(aud))
		return strcmp(json_string_value(aud), want) == 0;
	if (json_is_array(aud)) {
		size_t i;
		json_t *a;
		json_array_foreach(aud, i, a)
			if (json_is_string(a) && strcmp(json_string_value(a), want) == 0)
				return true;
	}
	return false;
}

enum token_verdict token_verify(const struct token_config *cfg, const char *token, size_t len,
                                int64_t now, struct token_claims *out)
{
	if (len == 0 || len > TOKEN_MAX_BYTES || memchr(token, '\0', len))
		return TOKEN_MALFORMED;
	const char *dot1 = memchr(token, '.', len);
	const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
	if (!dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
		return TOKEN_MALFORMED;

	/* 2. The header, read by us: alg must be ours, exactly. */
	json_t *header = decode_part(token, (size_t)(dot1 - token));
	if (!header)
		return TOKEN_MALFORMED;
	json_t *alg = json_object_get(header, "alg");
	json_t *typ = json_object_get(header, "typ");
	bool alg_ok = json_is_string(alg) && strcmp(json_string_value(alg), alg_name(cfg->alg)) == 0;
	bool typ_ok = !typ || (json_is_string(typ) && strcmp(json_string_value(typ), "JWT") == 0);
	bool crit = json_object_get(header, "crit") != NULL;
	json_decref(header);
	if (!alg_ok)
		return TOKEN_WRONG_ALGORITHM;
	if (!typ_ok || crit)
		return TOKEN_MALFORMED;
	if (dot2 + 1 == token + len)
		return TOKEN_BAD_SIGNATURE; /* no signature at all */
	json_t *payload = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (!payload)
		return TOKEN_MALFORMED;

	/* 3. The signature, by libjwt, with our key and (as checked) our algorithm. */
	char *copy = strndup(token, len);
	jwt_t *jwt = NULL;
	int rc = copy ? jwt_decode(&jwt, copy, cfg->verify_key, (int)cfg->verify_key_len) : -1;
	free(copy);
	enum token_verdict verdict = TOKEN_VALID;
	if (rc != 0 || !jwt) {
		verdict = TOKEN_BAD_SIGNATURE;
		goto out;
	}
	if (jwt_get_alg(jwt) != libjwt_alg(cfg->alg)) {
		verdict = TOKEN_WRONG_ALGORITHM;
		goto out;
	}

	/* 4. Claims, from the payload we parsed (duplicates refused). */
	json_t *iss = json_object_get(payload, "iss");
	if (!json_is_string(iss) || strcmp(json_string_value(iss), cfg->issuer) != 0) {
		verdict = TOKEN_WRONG_ISSUER;
		goto out;
	}
	if (!audience_matches(json_object_get(payload, "aud"), cfg->audience)) {
		verdict = TOKEN_WRONG_AUDIENCE;
		goto out;
	}
	struct token_claims c = {0};
	json_t *sub = json_object_get(payload, "sub");
	json_t *role = json_object_get(payload, "role");
	if (!int_claim(payload, "exp", &c.expires_at) || !int_claim(payload, "nbf", &c.not_before) ||
	    !int_claim(payload, "iat", &c.issued_at) || !int_claim(payload, "tv", &c.token_version) ||
	    !json_is_string(sub) || !json_is_string(role)) {
		verdict = TOKEN_BAD_CLAIMS;
		goto out;
	}
	if (now >= c.expires_at + cfg->leeway_s) {
		verdict = TOKEN_EXPIRED;
		goto out;
	}
	if (now + cfg->leeway_s < c.not_before || now + cfg->leeway_s < c.issued_at) {
		verdict = TOKEN_NOT_YET_VALID;
		goto out;
	}
	const char *s = json_string_value(sub);
	char *end;
	long long id = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || id <= 0 || strlen(s) > 19 ||
	    json_string_length(role) >= sizeof(c.role) || !role_known(json_string_value(role))) {
		verdict = TOKEN_BAD_CLAIMS;
		goto out;
	}
	c.user_id = id;
	snprintf(c.role, sizeof(c.role), "%s", json_string_value(role));
	if (out)
		*out = c;
out:
	jwt_free(jwt);
	json_decref(payload);
	return verdict;
}

enum token_verdict token_session_ok(const struct token_claims *claims, int active,
                                    int64_t current_token_version)
{
	if (!active || claims->token_version < current_token_version)
		return TOKEN_REVOKED;
	return TOKEN_VALID;
}

const char *token_verdict_text(enum token_verdict verdict)
{
	switch (verdict) {
	case TOKEN_VALID: return "valid";
	case TOKEN_MALFORMED: return "the token is malformed";
	case TOKEN_WRONG_ALGORITHM: return "the token uses an algorithm this server does not accept";
	case TOKEN_BAD_SIGNATURE: return "the token's signature is not valid";
	case TOKEN_EXPIRED: return "the token has expired";
	case TOKEN_NOT_YET_VALID: return "the token is not valid yet";
	case TOKEN_WRONG_ISSUER: return "the token was issued by someone else";
	case TOKEN_WRONG_AUDIENCE: return "the token is meant for another service";
	case TOKEN_BAD_CLAIMS: return "the token's claims are incomplete";
	case TOKEN_REVOKED: return "the session has been ended; log in again";
	}
	return "invalid token";
}

/*
 * token.h - access tokens (JWT) issued and verified by gridd.
 *
 * Pure: keys, claims and the current time come in, a token or a verdict
 * goes out. libjwt 1.10 verifies a signature with whatever algorithm the
 * token's header names and checks no claim, so verification here:
 *   1. bounds the token's size and shape (three base64url parts);
 *   2. reads the header itself (duplicate keys refused) and requires `alg`
 *      to be exactly the configured algorithm: `none`, and an HS256 token
 *      "signed" with an ES256 public key (algorithm confusion), never pass;
 *   3. lets libjwt check the signature with the configured key;
 *   4. checks iss, aud, exp, nbf (with leeway), iat, sub, role and tv.
 * Whether tv is still current and the account active is the caller's check
 * (token_session_ok) against the user's row.
 */
#ifndef GRIDD_AUTH_TOKEN_H
#define GRIDD_AUTH_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_MAX_BYTES 4096

enum token_algorithm { TOKEN_HS256, TOKEN_ES256 };

/* Owned by the caller; keys are not copied and must outlive their use. */
struct token_config {
	enum token_algorithm alg;
	const unsigned char *sign_key;   /* HS256 secret, or ES256 private key PEM */
	size_t sign_key_len;
	const unsigned char *verify_key; /* HS256 secret, or ES256 public key PEM */
	size_t verify_key_len;
	const char *issuer;
	const char *audience;
	int lifetime_s;                  /* access token lifetime (900) */
	int leeway_s;                    /* clock leeway for exp/nbf/iat (60) */
};

struct token_claims {
	int64_t user_id;                 /* sub */
	char role[24];
	int64_t token_version;           /* tv */
	int64_t issued_at;               /* iat */
	int64_t not_before;              /* nbf */
	int64_t expires_at;              /* exp */
};

enum token_verdict {
	TOKEN_VALID,
	TOKEN_MALFORMED,        /* size, shape, base64url or JSON */
	TOKEN_WRONG_ALGORITHM,  /* header alg is not the configured one (incl. none) */
	TOKEN_BAD_SIGNATURE,
	TOKEN_EXPIRED,
	TOKEN_NOT_YET_VALID,
	TOKEN_WRONG_ISSUER,
	TOKEN_WRONG_AUDIENCE,
	TOKEN_BAD_CLAIMS,       /* sub, role, tv, iat missing or of the wrong type */
	TOKEN_REVOKED,          /* tv older than the user's token_version, or inactive */
};

/*
 * Issues a token for (user_id, role, token_version) at `now`: iat = nbf = now,
 * exp = now + lifetime. *out is malloc'd (caller frees). Returns 0 or -1.
 */
int token_issue(const struct token_config *cfg, int64_t user_id, const char *role,
                int64_t token_version, int64_t now, char **out, struct token_claims *claims);

/* Verifies a token (len bytes, need not be NUL-terminated) at `now`. */
enum token_verdict token_verify(const struct token_config *cfg, const char *token, size_t len,
                                int64_t now, struct token_claims *out);

/* TOKEN_VALID when the account is active and the token's tv is current. */
enum token_verdict token_session_ok(const struct token_claims *claims, int active,
                                    int64_t current_token_version);

const char *token_verdict_text(enum token_verdict verdict);

/* The role names gridd knows ("grid_worker", ...); NULL-terminated. */
extern const char *const token_roles[];

#endif

/* Unit tests for auth/token.c: issue, verify, and every known attack on JWTs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "auth/token.h"

#define NOW 1795000000 /* 2026-11-18 */

static const unsigned char secret[] = "0123456789abcdef0123456789abcdef";

static struct token_config hs256(void)
{
	return (struct token_config){TOKEN_HS256, secret, 32, secret, 32, "gridd", "gridd-api", 900, 60};
}

static char *issue(const struct token_config *cfg, int64_t now, const char *role)
{
	char *t = NULL;
	assert_int_equal(token_issue(cfg, 42, role, 3, now, &t, NULL), 0);
	return t;
}

static enum token_verdict verify(const struct token_config *cfg, const char *t, int64_t now)
{
	struct token_claims c;
	return token_verify(cfg, t, strlen(t), now, &c);
}

static char *b64url(const unsigned char *in, size_t len)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = malloc(len * 4 / 3 + 4), *o = out;
	size_t i = 0;
	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = a[v >> 18 & 63]; *o++ = a[v >> 12 & 63]; *o++ = a[v >> 6 & 63]; *o++ = a[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		*o++ = a[v >> 18 & 63]; *o++ = a[v >> 12 & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*o++ = a[v >> 18 & 63]; *o++ = a[v >> 12 & 63]; *o++ = a[v >> 6 & 63];
	}
	*o = '\0';
	return out;
}

/* Builds header.payload.HMAC-SHA256(key) by hand, as an attacker would. */
static char *forge_hs256(const char *header, const char *payload, const unsigned char *key,
                         size_t keylen)
{
	char *h = b64url((const unsigned char *)header, strlen(header));
	char *p = b64url((const unsigned char *)payload, strlen(payload));
	size_t n = strlen(h) + strlen(p) + 2;
	char *signing = malloc(n);
	snprintf(signing, n, "%s.%s", h, p);
	unsigned char mac[32];
	unsigned int maclen = 0;
	HMAC(EVP_sha256(), key, (int)keylen, (unsigned char *)signing, strlen(signing), mac, &maclen);
	char *s = b64url(mac, maclen);
	char *out = malloc(n + strlen(s) + 1);
	sprintf(out, "%s.%s", signing, s);
	free(h); free(p); free(signing); free(s);
	return out;
}

static const char good_payload[] =
	"{\"sub\":\"42\",\"role\":\"dispatcher\",\"iss\":\"gridd\",\"aud\":\"gridd-api\","
	"\"iat\":1795000000,\"nbf\":1795000000,\"exp\":1795000900,\"tv\":3}";

static void issued_token_verifies_with_its_claims(void **state)
{
	struct token_config cfg = hs256();
	char *t = issue(&cfg, NOW, "grid_worker");
	struct token_claims c;
	assert_int_equal(token_verify(&cfg, t, strlen(t), NOW + 10, &c), TOKEN_VALID);
	assert_int_equal(c.user_id, 42);
	assert_string_equal(c.role, "grid_worker");
	assert_int_equal(c.token_version, 3);
	assert_int_equal(c.expires_at, NOW + 900);
	free(t);
}

static void hand_made_token_with_the_right_key_verifies(void **state)
{
	struct token_config cfg = hs256();
	char *t = forge_hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", good_payload, secret, 32);
	assert_int_equal(verify(&cfg, t, NOW), TOKEN_VALID);
	free(t);
}

static void alg_none_is_rejected(void **state)
{
	struct token_config cfg = hs256();
	char *h = b64url((const unsigned char *)"{\"alg\":\"none\",\"typ\":\"JWT\"}", 26);
	char *p = b64url((const unsigned char *)good_payload, strlen(good_payload));
	char t[1024];
	snprintf(t, sizeof(t), "%s.%s.", h, p);
	assert_int_equal(verify(&cfg, t, NOW), TOKEN_WRONG_ALGORITHM);
	snprintf(t, sizeof(t), "%s.%s", h, p);
	assert_int_not_equal(verify(&cfg, t, NOW), TOKEN_VALID);
	free(h); free(p);
	char *n2 = forge_hs256("{\"alg\":\"None\"}", good_payload, secret, 32);
	assert_int_equal(verify(&cfg, n2, NOW), TOKEN_WRONG_ALGORITHM);
	free(n2);
}

static void other_algorithms_are_rejected(void **state)
{
	struct token_config cfg = hs256();
	const char *headers[] = {"{\"alg\":\"HS512\"}", "{\"alg\":\"RS256\"}", "{}", "{\"alg\":256}",
	                         "{\"alg\":\"hs256\"}"};
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		char *t = forge_hs256(headers[i], good_payload, secret, 32);
		assert_int_equal(verify(&cfg, t, NOW), TOKEN_WRONG_ALGORITHM);
		free(t);
	}
}

static void duplicate_header_keys_are_rejected(void **state)
{
	struct token_config cfg = hs256();
	char *t = forge_hs256("{\"alg\":\"HS256\",\"alg\":\"none\"}", good_payload, secret, 32);
	assert_int_equal(verify(&cfg, t, NOW), TOKEN_MALFORMED);
	free(t);
	t = forge_hs256("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", good_payload, secret, 32);
	assert_int_equal(verify(&cfg, t, NOW), TOKEN_MALFORMED);
	free(t);
}

/* An ES256 key pair as PEM strings (caller frees). */
static void es256_keys(char **priv, char **pub)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(key);
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	char *data;
	long n = BIO_get_mem_data(b, &data);
	*priv = strndup(data, (size_t)n);
	BIO_free(b);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PUBKEY(b, key);
	n = BIO_get_mem_data(b, &data);
	*pub = strndup(data, (size_t)n);
	BIO_free(b);
	EVP_PKEY_free(key);
}

static void es256_round_trip_and_algorithm_confusion(void **state)
{
	char *priv, *pub;
	es256_keys(&priv, &pub);
	struct token_config cfg = {TOKEN_ES256, (unsigned char *)priv, strlen(priv),
	                           (unsigned char *)pub, strlen(pub), "gridd", "gridd-api", 900, 60};
	char *t = issue(&cfg, NOW, "supervisor");
	assert_int_equal(verify(&cfg, t, NOW), TOKEN_VALID);
	free(t);
	/* The classic attack: HS256, with the server's public key as the HMAC secret. */
	char *forged = forge_hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", good_payload,
	                           (unsigned char *)pub, strlen(pub));
	assert_int_equal(verify(&cfg, forged, NOW), TOKEN_WRONG_ALGORITHM);
	free(forged);
	/* A token signed by another ES256 key. */
	char *priv2, *pub2;
	es256_keys(&priv2, &pub2);
	struct token_config other = cfg;
	other.sign_key = (unsigned char *)priv2;
	other.sign_key_len = strlen(priv2);
	t = issue(&other, NOW, "admin");
	assert_int_equal(verify(&cfg, t, NOW), TOKEN_BAD_SIGNATURE);
	free(t);
	free(priv); free(pub); free(priv2); free(pub2);
}

static void expired_tokens_are_rejected_after_the_leeway(void **state)
{
	struct token_config cfg = hs256();
	char *t = issue(&cfg, NOW, "admin");
	assert_int_equal(verify(&cfg, t, NOW + 900 + 59), TOKEN_VALID);
	assert_int_equal(verify(&cfg, t, NOW + 900 + 60), TOKEN_EXPIRED);
	assert_int_equal(verify(&cfg, t, NOW + 86400), TOKEN_EXPIRED);
	free(t);
}

static void tokens_from_the_future_are_rejected(void **state)
{
	struct token_config cfg = hs256();
	char *t = issue(&cfg, NOW + 120, "admin");
	assert_int_equal(verify(&cfg, t, NOW), TOKEN_NOT_YET_VALID);
	assert_int_equal(verify(&cfg, t, NOW + 60), TOKEN_VALID); /* within leeway */
	free(t);
}

static void wrong_issuer_and_audience_are_rejected(void **state)
{
	struct token_config cfg = hs256(), other = hs256();
	other.issuer = "someone-else";
	char *t = issue(&other, NOW, "admin");
	assert_int_equal(verify(&cfg, t, NOW), TOKEN_WRONG_ISSUER);
	free(t);
	other = hs256();
	other.audience = "another-api";
	t = issue(&other, NOW, "admin");
	assert_int_equal(verify(&cfg, t, NOW), TOKEN_WRONG_AUDIENCE);
	free(t);
	char *arr = forge_hs256("{\"alg\":\"HS256\"}",
	                        "{\"sub\":\"42\",\"role\":\"admin\",\"iss\":\"gridd\",\"aud\":[\"x\",\"gridd-api\"],"
	                        "\"iat\":1795000000,\"nbf\":1795000000,\"exp\":1795000900,\"tv\":3}",
	                        secret, 32);
	assert_int_equal(verify(&cfg, arr, NOW), TOKEN_VALID);
	free(arr);
}

static void tampered_payload_and_signature_are_rejected(void **state)
{
	struct token_config cfg = hs256();
	char *t = issue(&cfg, NOW, "grid_worker");
	/* Swap the payload for one claiming admin, keep the signature. */
	char *admin = forge_hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
	                          "{\"sub\":\"42\",\"role\":\"admin\",\"iss\":\"gridd\",\"aud\":\"gridd-api\","
	                          "\"iat\":1795000000,\"nbf\":1795000000,\"exp\":1795000900,\"tv\":3}",
	                          (const unsigned char *)"wrong key wrong key wrong key!!!", 32);
	assert_int_equal(verify(&cfg, admin, NOW), TOKEN_BAD_SIGNATURE);
	char mine[2048], theirs[2048], spliced[4096];
	snprintf(mine, sizeof(mine), "%s", t);
	snprintf(theirs, sizeof(theirs), "%s", admin);
	size_t h = strcspn(mine, ".");                     /* our header */
	size_t s1 = h + 1 + strcspn(mine + h + 1, ".");     /* start of our signature */
	size_t a0 = strcspn(theirs, ".");
	size_t a1 = a0 + 1 + strcspn(theirs + a0 + 1, ".");
	snprintf(spliced, sizeof(spliced), "%.*s%.*s%s", (int)h, mine, (int)(a1 - a0), theirs + a0,
	         mine + s1);
	assert_int_equal(verify(&cfg, spliced, NOW), TOKEN_BAD_SIGNATURE);
	/* Flip one character of the signature. */
	size_t n = strlen(t);
	t[n - 2] = t[n - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(verify(&cfg, t, NOW), TOKEN_BAD_SIGNATURE);
	free(t);
	free(admin);
}

static void malformed_tokens_are_rejected(void **state)
{
	struct token_config cfg = hs256();
	const char *bad[] = {"", "abc", "a.b", "a.b.c.d", "!!!.e30.sig", "e30.!!!.sig", "bm90IGpzb24.e30.x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(verify(&cfg, bad[i], NOW), TOKEN_VALID);
	char *huge = malloc(TOKEN_MAX_BYTES + 10);
	memset(huge, 'a', TOKEN_MAX_BYTES + 9);
	huge[TOKEN_MAX_BYTES + 9] = '\0';
	assert_int_equal(verify(&cfg, huge, NOW), TOKEN_MALFORMED);
	free(huge);
}

static void missing_or_strange_claims_are_rejected(void **state)
{
	struct token_config cfg = hs256();
	const char *payloads[] = {
		"{\"sub\":\"42\",\"role\":\"dispatcher\",\"iss\":\"gridd\",\"aud\":\"gridd-api\",\"iat\":1795000000,\"nbf\":1795000000,\"exp\":1795000900}",
		"{\"sub\":\"42\",\"role\":\"root\",\"iss\":\"gridd\",\"aud\":\"gridd-api\",\"iat\":1795000000,\"nbf\":1795000000,\"exp\":1795000900,\"tv\":3}",
		"{\"sub\":\"-1\",\"role\":\"admin\",\"iss\":\"gridd\",\"aud\":\"gridd-api\",\"iat\":1795000000,\"nbf\":1795000000,\"exp\":1795000900,\"tv\":3}",
		"{\"sub\":42,\"role\":\"admin\",\"iss\":\"gridd\",\"aud\":\"gridd-api\",\"iat\":1795000000,\"nbf\":1795000000,\"exp\":1795000900,\"tv\":3}",
		"{\"sub\":\"42\",\"role\":\"admin\",\"iss\":\"gridd\",\"aud\":\"gridd-api\",\"iat\":1795000000,\"nbf\":1795000000,\"exp\":\"soon\",\"tv\":3}",
		"{\"sub\":\"42\",\"sub\":\"1\",\"role\":\"admin\",\"iss\":\"gridd\",\"aud\":\"gridd-api\",\"iat\":1795000000,\"nbf\":1795000000,\"exp\":1795000900,\"tv\":3}",
	};
	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		char *t = forge_hs256("{\"alg\":\"HS256\"}", payloads[i], secret, 32);
		if (verify(&cfg, t, NOW) == TOKEN_VALID)
			fail_msg("payload %zu was accepted", i);
		free(t);
	}
}

static void old_token_version_or_inactive_account_is_revoked(void **state)
{
	struct token_config cfg = hs256();
	char *t = issue(&cfg, NOW, "unit_staff");
	struct token_claims c;
	assert_int_equal(token_verify(&cfg, t, strlen(t), NOW, &c), TOKEN_VALID);
	assert_int_equal(token_session_ok(&c, 1, 3), TOKEN_VALID);
	assert_int_equal(token_session_ok(&c, 1, 4), TOKEN_REVOKED); /* password changed */
	assert_int_equal(token_session_ok(&c, 0, 3), TOKEN_REVOKED); /* deactivated */
	free(t);
}

static void unknown_roles_are_not_issued(void **state)
{
	struct token_config cfg = hs256();
	char *t = NULL;
	assert_int_equal(token_issue(&cfg, 1, "root", 0, NOW, &t, NULL), -1);
	assert_null(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(issued_token_verifies_with_its_claims),
		cmocka_unit_test(hand_made_token_with_the_right_key_verifies),
		cmocka_unit_test(alg_none_is_rejected),
		cmocka_unit_test(other_algorithms_are_rejected),
		cmocka_unit_test(duplicate_header_keys_are_rejected),
		cmocka_unit_test(es256_round_trip_and_algorithm_confusion),
		cmocka_unit_test(expired_tokens_are_rejected_after_the_leeway),
		cmocka_unit_test(tokens_from_the_future_are_rejected),
		cmocka_unit_test(wrong_issuer_and_audience_are_rejected),
		cmocka_unit_test(tampered_payload_and_signature_are_rejected),
		cmocka_unit_test(malformed_tokens_are_rejected),
		cmocka_unit_test(missing_or_strange_claims_are_rejected),
		cmocka_unit_test(old_token_version_or_inactive_account_is_revoked),
		cmocka_unit_test(unknown_roles_are_not_issued),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

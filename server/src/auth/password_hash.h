/*
 * password_hash.h - argon2id hashing and verification off the I/O threads.
 *
 * Parameters (OWASP minimum for argon2id): 19 MiB memory, 2 passes, 1 lane,
 * 16-byte random salt, 32-byte hash, stored in the encoded $argon2id$ form.
 * Each call runs on the worker pool and answers on the submitting event loop.
 */
#ifndef GRIDD_AUTH_PASSWORD_HASH_H
#define GRIDD_AUTH_PASSWORD_HASH_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>

struct worker_pool;

#define PASSWORD_HASH_MAX 128
#define ARGON2_MEMORY_KIB 19456
#define ARGON2_PASSES 2
#define ARGON2_LANES 1

/* encoded is NULL on failure. The strings are valid during the callback only. */
typedef void (*password_hash_cb)(const char *encoded, void *arg);
typedef void (*password_verify_cb)(bool match, void *arg);

/* Hashes password (copied, wiped after use). Returns 0, or -1 if not queued. */
int password_hash_async(struct worker_pool *pool, struct event_base *origin, const char *password,
                        size_t len, password_hash_cb cb, void *arg);

/*
 * Verifies password against encoded (both copied). encoded may be NULL (no
 * such account): a dummy hash is checked instead so the answer takes as long
 * as for a real account, and match is false.
 */
int password_verify_async(struct worker_pool *pool, struct event_base *origin,
                          const char *password, size_t len, const char *encoded,
                          password_verify_cb cb, void *arg);

/* Blocking versions, for the command line (gridd useradd) and start-up. */
int password_hash_now(const char *password, size_t len, char out[PASSWORD_HASH_MAX]);
bool password_verify_now(const char *password, size_t len, const char *encoded);

/* Computes the dummy hash once; call before the I/O threads start. */
int password_hash_init(void);

#endif

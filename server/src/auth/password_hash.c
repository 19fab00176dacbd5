/*
 * password_hash.c - argon2id on the worker pool (see password_hash.h).
 */
#include "auth/password_hash.h"

#include <argon2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "auth/password_policy.h"
#include "workers.h"

static char dummy_hash[PASSWORD_HASH_MAX];

struct hash_job {
	char password[PASSWORD_MAX_BYTES + 1];
	size_t len;
	char encoded[PASSWORD_HASH_MAX];
	bool verify;
	bool ok;
	password_hash_cb hash_cb;
	password_verify_cb verify_cb;
	void *arg;
};

int password_hash_now(const char *password, size_t len, char out[PASSWORD_HASH_MAX])
{
	unsigned char salt[16];
	if (getrandom(salt, sizeof(salt), 0) != sizeof(salt))
		return -1;
	int rc = argon2id_hash_encoded(ARGON2_PASSES, ARGON2_MEMORY_KIB, ARGON2_LANES, password, len,
	                               salt, sizeof(salt), 32, out, PASSWORD_HASH_MAX);
	return rc == ARGON2_OK ? 0 : -1;
}

bool password_verify_now(const char *password, size_t len, const char *encoded)
{
	return argon2id_verify(encoded, password, len) == ARGON2_OK;
}

int password_hash_init(void)
{
	static const char filler[] = "no such account: this hash only costs time";
	return password_hash_now(filler, sizeof(filler) - 1, dummy_hash);
}

static void job_run(void *arg)
{
	struct hash_job *job = arg;
	if (job->verify) {
		bool real = job->encoded[0] != '\0';
		bool match = password_verify_now(job->password, job->len, real ? job->encoded : dummy_hash);
		job->ok = real && match;
	} else {
		job->ok = password_hash_now(job->password, job->len, job->encoded) == 0;
	}
	explicit_bzero(job->password, sizeof(job->password));
}

static void job_done(void *arg)
{
	struct hash_job *job = arg;
	if (job->verify)
		job->verify_cb(job->ok, job->arg);
	else
		job->hash_cb(job->ok ? job->encoded : NULL, job->arg);
	explicit_bzero(job, sizeof(*job));
	free(job);
}

/* Queues a job; on failure wipes and frees it. Returns 0 or -1. */
static int job_submit(struct worker_pool *pool, struct event_base *origin, struct hash_job *job)
{
	if (workers_submit(pool, job_run, job_done, job, origin) < 0) {
		explicit_bzero(job, sizeof(*job));
		free(job);
		return -1;
	}
	return 0;
}

static struct hash_job *job_new(const char *password, size_t len)
{
	if (len > PASSWORD_MAX_BYTES)
		return NULL;
	struct hash_job *job = calloc(1, sizeof(*job));
	if (!job)
		return NULL;
	memcpy(job->password, password, len);
	job->len = len;
	return job;
}

int password_hash_async(struct worker_pool *pool, struct event_base *origin, const char *password,
                        size_t len, password_hash_cb cb, void *arg)
{
	struct hash_job *job = job_new(password, len);
	if (!job)
		return -1;
	job->hash_cb = cb;
	job->arg = arg;
	return job_submit(pool, origin, job);
}

int password_verify_async(struct worker_pool *pool, struct event_base *origin,
                          const char *password, size_t len, const char *encoded,
                          password_verify_cb cb, void *arg)
{
	struct hash_job *job = job_new(password, len);
	if (!job)
		return -1;
	if (encoded && strlen(encoded) >= sizeof(job->encoded)) {
		free(job);
		return -1;
	}
	if (encoded)
		snprintf(job->encoded, sizeof(job->encoded), "%s", encoded);
	job->verify = true;
	job->verify_cb = cb;
	job->arg = arg;
	return job_submit(pool, origin, job);
}

/*
 * store.c - content-addressed, durable photo files (see store.h).
 */
#include "photo/store.h"

#include "durable.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Attempts at a fresh temporary name before giving up (EEXIST each time). */
#define TEMP_NAME_ATTEMPTS 8

static const char *const variant_suffixes[PHOTO_VARIANT_COUNT] = {
	[PHOTO_VARIANT_ORIGINAL] = "",
	[PHOTO_VARIANT_THUMB] = ".thumb.jpg",
	[PHOTO_VARIANT_LARGE] = ".large.jpg",
	[PHOTO_VARIANT_CLEAN] = ".clean.jpg",
};

static const char *const variant_names[PHOTO_VARIANT_COUNT] = {
	[PHOTO_VARIANT_ORIGINAL] = "original",
	[PHOTO_VARIANT_THUMB] = "thumb",
	[PHOTO_VARIANT_LARGE] = "large",
	[PHOTO_VARIANT_CLEAN] = "clean",
};

static atomic_uint temp_counter;

int photo_sha256_hex(const void *bytes, size_t len, char out[PHOTO_SHA256_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	out[0] = '\0';
	if (EVP_Digest(bytes, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != PHOTO_SHA256_HEX_LEN / 2)
		return -EIO;
	for (unsigned int i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0f];
	}
	out[PHOTO_SHA256_HEX_LEN] = '\0';
	return 0;
}

bool photo_sha256_hex_is_valid(const char *sha)
{
	if (!sha)
		return false;
	for (int i = 0; i < PHOTO_SHA256_HEX_LEN; i++)
		if (!((sha[i] >= '0' && sha[i] <= '9') || (sha[i] >= 'a' && sha[i] <= 'f')))
			return false; /* also stops at a NUL before 64 */
	return sha[PHOTO_SHA256_HEX_LEN] == '\0';
}

const char *photo_variant_suffix(enum photo_variant variant)
{
	if ((int)variant < 0 || variant >= PHOTO_VARIANT_COUNT)
		return NULL;
	return variant_suffixes[variant];
}

int photo_variant_from_name(const char *name)
{
	for (int i = 0; name && i < PHOTO_VARIANT_COUNT; i++)
		if (strcmp(name, variant_names[i]) == 0)
			return i;
	return -1;
}

/* "<root>/ab" (level 1), "<root>/ab/cd" (level 2) into buf. */
static int dir_path(const char *root, const char *sha, int level, char *buf, size_t buflen)
{
	size_t n = durable_trimmed_length(root);
	const char *sep = root[n - 1] == '/' ? "" : "/";
	int w = level == 1 ? snprintf(buf, buflen, "%.*s%s%.2s", (int)n, root, sep, sha)
	                   : snprintf(buf, buflen, "%.*s%s%.2s/%.2s", (int)n, root, sep, sha, sha + 2);
	return w < 0 || (size_t)w >= buflen ? -ENAMETOOLONG : 0;
}

int photo_store_path(const char *root, const char *sha, enum photo_variant variant, char *buf,
                     size_t buflen)
{
	const char *suffix = photo_variant_suffix(variant);
	if (buflen > 0)
		buf[0] = '\0';
	if (!root || !root[0] || !suffix || !photo_sha256_hex_is_valid(sha))
		return -EINVAL;
	char dir[PHOTO_STORE_PATH_MAX];
	int rc = dir_path(root, sha, 2, dir, sizeof(dir));
	if (rc < 0)
		return rc;
	int w = snprintf(buf, buflen, "%s/%s%s", dir, sha, suffix);
	if (w < 0 || (size_t)w >= buflen) {
		if (buflen > 0)
			buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Creates a fresh temporary file in dir; its name goes to tmp. */
static int open_temp(const char *dir, const char *sha, const char *suffix, char *tmp,
                     size_t tmplen)
{
	for (int attempt = 0; attempt < TEMP_NAME_ATTEMPTS; attempt++) {
		uint32_t r = 0;
		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
			r = (uint32_t)attempt;
		unsigned count = atomic_fetch_add(&temp_counter, 1);
		int w = snprintf(tmp, tmplen, "%s/.%s%s.tmp.%ld.%u.%08x", dir, sha, suffix,
		                 (long)getpid(), count, r);
		if (w < 0 || (size_t)w >= tmplen)
			return -ENAMETOOLONG;
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		              PHOTO_STORE_FILE_MODE);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST && errno != EINTR)
			return -errno;
	}
	return -EEXIST;
}

int photo_store_put(const char *root, const char *sha, enum photo_variant variant,
                    const void *bytes, size_t len, bool *deduplicated)
{
	char final[PHOTO_STORE_PATH_MAX], dir1[PHOTO_STORE_PATH_MAX], dir2[PHOTO_STORE_PATH_MAX];
	char tmp[PHOTO_STORE_PATH_MAX];
	if (deduplicated)
		*deduplicated = false;
	int rc = photo_store_path(root, sha, variant, final, sizeof(final));
	if (rc < 0)
		return rc;
	if ((rc = dir_path(root, sha, 1, dir1, sizeof(dir1))) < 0 ||
	    (rc = dir_path(root, sha, 2, dir2, sizeof(dir2))) < 0)
		return rc;

	struct stat st;
	if (stat(final, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len) {
		/* Another writer may have renamed it a moment ago and not yet
		 * synced the directory: make the entry durable for our caller too. */
		if ((rc = durable_fsync_dir(dir2)) < 0)
			return rc;
		if (deduplicated)
			*deduplicated = true;
		return 0;
	}

	if ((rc = durable_mkdirs(root, PHOTO_STORE_DIR_MODE)) < 0 ||
	    (rc = durable_mkdir(dir1, PHOTO_STORE_DIR_MODE)) < 0 ||
	    (rc = durable_mkdir(dir2, PHOTO_STORE_DIR_MODE)) < 0)
		return rc;
	int fd = open_temp(dir2, sha, variant_suffixes[variant], tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	rc = durable_write_all(fd, bytes, len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, final) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	return durable_fsync_dir(dir2);
}

int photo_store_stat(const char *root, const char *sha, enum photo_variant variant, off_t *size)
{
	char path[PHOTO_STORE_PATH_MAX];
	int rc = photo_store_path(root, sha, variant, path, sizeof(path));
	if (rc < 0)
		return rc;
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOENT;
	if (size)
		*size = st.st_size;
	return 0;
}

int photo_store_open(const char *root, const char *sha, enum photo_variant variant, off_t *size)
{
	char path[PHOTO_STORE_PATH_MAX];
	int rc = photo_store_path(root, sha, variant, path, sizeof(path));
	if (rc < 0)
		return rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ELOOP ? -ENOENT : -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	if (size)
		*size = st.st_size;
	return fd;
}

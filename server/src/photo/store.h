/*
 * store.h - content-addressed photo files (blocking I/O: worker threads only).
 *
 * Every photo is named by the SHA-256 of its original bytes, in hex:
 *
 *   <root>/ab/cd/<sha>              the original, exactly as uploaded
 *   <root>/ab/cd/<sha>.thumb.jpg    longest side 320 px, no metadata
 *   <root>/ab/cd/<sha>.large.jpg    longest side 1280 px, no metadata
 *   <root>/ab/cd/<sha>.clean.jpg    full size re-encoded, no metadata (what
 *                                   "original" serves: never the EXIF)
 *
 * where ab and cd are the first two pairs of hex digits. Writes are durable
 * and atomic: a temporary file in the same directory (O_CREAT|O_EXCL), fully
 * written and fsynced, renamed over the final name, then the directory (and
 * any directory just created, through its parent) fsynced. A reader never
 * sees a partial file; a file that exists survives a crash. Writing content
 * whose file already exists with the same size does nothing (the name is
 * the content's hash, so the same size means the same bytes for originals;
 * derived files of one original are deterministic).
 *
 * Only a SHA of exactly 64 lowercase hex digits ever reaches a path, so no
 * client input can name another file. Errors are negative errno values.
 */
#ifndef GRIDD_PHOTO_STORE_H
#define GRIDD_PHOTO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PHOTO_SHA256_HEX_LEN 64
#define PHOTO_STORE_PATH_MAX 4096
#define PHOTO_STORE_DIR_MODE 0750
#define PHOTO_STORE_FILE_MODE 0640

enum photo_variant {
	PHOTO_VARIANT_ORIGINAL,
	PHOTO_VARIANT_THUMB,
	PHOTO_VARIANT_LARGE,
	PHOTO_VARIANT_CLEAN,
	PHOTO_VARIANT_COUNT
};

/* Lower-case hex SHA-256 of len bytes (OpenSSL EVP) into out (65 bytes with
 * the NUL). Returns 0, or -ENOMEM / -EIO when OpenSSL fails. */
int photo_sha256_hex(const void *bytes, size_t len, char out[PHOTO_SHA256_HEX_LEN + 1]);

/* True when sha is exactly 64 characters of [0-9a-f] followed by a NUL. */
bool photo_sha256_hex_is_valid(const char *sha);

/* "", ".thumb.jpg", ".large.jpg", ".clean.jpg"; NULL for an unknown variant. */
const char *photo_variant_suffix(enum photo_variant variant);

/* The variant named "original", "thumb", "large" or "clean" (for a query
 * parameter); -1 for anything else. */
int photo_variant_from_name(const char *name);

/*
 * Writes the path of a stored file into buf (buflen bytes, NUL-terminated).
 * Returns 0, -EINVAL when sha is not 64 lowercase hex digits, the variant is
 * unknown or root is empty, -ENAMETOOLONG when buf is too small. Touches no
 * file.
 */
int photo_store_path(const char *root, const char *sha, enum photo_variant variant, char *buf,
                     size_t buflen);

/*
 * Stores len bytes as the given variant of sha, durably (see above),
 * creating <root> (and missing parents), <root>/ab and <root>/ab/cd with
 * mode 0750. When the file already exists with exactly len bytes nothing is
 * written and *deduplicated (may be NULL) is set. Returns 0 or -errno; on
 * error no temporary file is left behind. The caller vouches that bytes hash
 * to sha for the original (photo_process does).
 */
int photo_store_put(const char *root, const char *sha, enum photo_variant variant,
                    const void *bytes, size_t len, bool *deduplicated);

/* 0 and *size (may be NULL) when the file exists as a regular file,
 * -ENOENT when it does not, another -errno on error. */
int photo_store_stat(const char *root, const char *sha, enum photo_variant variant, off_t *size);

/*
 * Opens a stored file for reading (O_RDONLY|O_CLOEXEC|O_NOFOLLOW) and gives
 * its size, for serving (e.g. evbuffer_add_file, which then owns the fd).
 * Returns the descriptor (>= 0; the caller closes it) or -errno (-ENOENT
 * when there is no such photo, -EINVAL for a bad sha).
 */
int photo_store_open(const char *root, const char *sha, enum photo_variant variant, off_t *size);

#endif

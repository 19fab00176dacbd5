/*
 * durable.h - files that survive a crash: the few POSIX steps the photo
 * store and the export spool both take to make a write durable.
 *
 * A new file or directory is durable only once the directory that holds it
 * is fsynced (a rename too): these helpers do that, and report errors as
 * -errno, like the callers. All of them block: call them on the worker
 * pool, never on an I/O thread.
 */
#ifndef GRIDD_DURABLE_H
#define GRIDD_DURABLE_H

#include <stddef.h>
#include <sys/types.h>

/* The longest path these helpers build. */
#define DURABLE_PATH_MAX 4096

/* path without trailing slashes ("/" stays "/"): its length. */
size_t durable_trimmed_length(const char *path);

/* fsync of a directory. */
int durable_fsync_dir(const char *path);

/* fsync of the directory that holds path ("." for a bare name). */
int durable_fsync_parent(const char *path);

/* mkdir path with mode; a directory made here is made durable through its
 * parent. An existing directory is fine (its maker synced the parent before
 * writing into it); an existing file is -ENOTDIR. */
int durable_mkdir(const char *path, mode_t mode);

/* mkdir -p of path (trailing slashes ignored), each made with durable_mkdir. */
int durable_mkdirs(const char *path, mode_t mode);

/* write(2) until all of data is written, through EINTR and short writes. */
int durable_write_all(int fd, const void *data, size_t len);

#endif

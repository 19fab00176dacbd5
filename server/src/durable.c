/*
 * durable.c - see durable.h.
 */
#include "durable.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

size_t durable_trimmed_length(const char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	return n;
}

int durable_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int durable_fsync_parent(const char *path)
{
	char parent[DURABLE_PATH_MAX];
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	while (n > 0 && path[n - 1] != '/')
		n--;
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0)
		return durable_fsync_dir(".");
	if (n >= sizeof(parent))
		return -ENAMETOOLONG;
	memcpy(parent, path, n);
	parent[n] = '\0';
	return durable_fsync_dir(parent);
}

int durable_mkdir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == 0)
		return durable_fsync_parent(path);
	if (errno != EEXIST)
		return -errno;
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int durable_mkdirs(const char *dir, mode_t mode)
{
	char path[DURABLE_PATH_MAX];
	size_t n = durable_trimmed_length(dir);
	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n);
	path[n] = '\0';
	for (size_t i = 1; i <= n; i++) {
		if (i < n && (path[i] != '/' || path[i - 1] == '/'))
			continue; /* not the end of a component, or "//" */
		char saved = path[i];
		path[i] = '\0';
		int rc = durable_mkdir(path, mode);
		path[i] = saved;
		if (rc < 0)
			return rc;
	}
	return 0;
}

int durable_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

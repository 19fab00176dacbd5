/*
 * spool.c - export files written in steps (see spool.h).
 */
#include "export/spool.h"

#include "durable.h"

#include <errno.h>
#include <event2/buffer.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/csv.h"
#include "export/xlsx.h"

/* Owned by the caller between export_spool_open and finish/abort. */
struct export_spool {
	enum export_format format;
	const struct export_sheet *sheet; /* borrowed */
	size_t max_rows;                  /* 0: no cap */
	size_t rows;                      /* data rows appended */
	int fd;                           /* CSV: the .part file; -1 for XLSX */
	struct export_xlsx *xlsx;         /* XLSX: the workbook; NULL for CSV */
	char dir[EXPORT_SPOOL_PATH_MAX];
	char part[EXPORT_SPOOL_PATH_MAX];
	char final[EXPORT_SPOOL_PATH_MAX];
};


int export_spool_path(const char *dir, long long id, enum export_format format, bool part,
                      char *buf, size_t buflen)
{
	if (buflen > 0)
		buf[0] = '\0';
	if (!dir || !dir[0] || id < 1)
		return -EINVAL;
	size_t n = durable_trimmed_length(dir);
	const char *sep = dir[n - 1] == '/' ? "" : "/";
	int w = snprintf(buf, buflen, "%.*s%s%lld.%s", (int)n, dir, sep, id,
	                 part ? "part" : export_format_extension(format));
	if (w < 0 || (size_t)w >= buflen) {
		if (buflen > 0)
			buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Writes out and empties buf. */
static int write_buffer(int fd, struct evbuffer *buf)
{
	struct evbuffer_iovec vec[16];
	while (evbuffer_get_length(buf) > 0) {
		int n = evbuffer_peek(buf, -1, NULL, vec, 16);
		if (n > 16)
			n = 16;
		size_t done = 0;
		for (int i = 0; i < n; i++) {
			int rc = durable_write_all(fd, vec[i].iov_base, vec[i].iov_len);
			if (rc < 0)
				return rc;
			done += vec[i].iov_len;
		}
		evbuffer_drain(buf, done);
	}
	return 0;
}

static void spool_free(struct export_spool *s)
{
	if (s->fd >= 0)
		close(s->fd);
	export_xlsx_abort(s->xlsx);
	free(s);
}

static int open_csv(struct export_spool *s)
{
	s->fd = open(s->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, EXPORT_SPOOL_FILE_MODE);
	if (s->fd < 0)
		return -errno;
	struct evbuffer *buf = evbuffer_new();
	if (!buf)
		return -ENOMEM;
	export_csv_begin(buf, s->sheet);
	int rc = write_buffer(s->fd, buf);
	evbuffer_free(buf);
	return rc;
}

int export_spool_open(const char *dir, long long id, enum export_format format,
                      const struct export_sheet *sheet, size_t max_rows,
                      struct export_spool **out)
{
	*out = NULL;
	struct export_spool *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->format = format;
	s->sheet = sheet;
	s->max_rows = max_rows;
	int rc = export_spool_path(dir, id, format, true, s->part, sizeof(s->part));
	if (rc == 0)
		rc = export_spool_path(dir, id, format, false, s->final, sizeof(s->final));
	if (rc == 0) {
		size_t n = durable_trimmed_length(dir);
		memcpy(s->dir, dir, n);
		s->dir[n] = '\0';
		rc = durable_mkdirs(s->dir, EXPORT_SPOOL_DIR_MODE);
	}
	if (rc == 0 && format == EXPORT_FORMAT_CSV) {
		rc = open_csv(s);
	} else if (rc == 0) {
		/* A .part of an earlier life would be overwritten by the close anyway;
		 * removing it now keeps a reader from mistaking it for this one. */
		if (unlink(s->part) < 0 && errno != ENOENT)
			rc = -errno;
		errno = 0;
		if (rc == 0 && !(s->xlsx = export_xlsx_open(s->part, sheet)))
			rc = errno ? -errno : -EIO;
	}
	if (rc < 0) {
		if (s->fd >= 0)
			unlink(s->part);
		spool_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int export_spool_append(struct export_spool *s, const struct export_rows *rows, size_t from,
                        size_t to)
{
	if (to > rows->count || from > to || rows->ncolumns != s->sheet->ncolumns)
		return -EINVAL;
	if (s->max_rows && to - from > s->max_rows - s->rows)
		return -EFBIG;
	if (s->format == EXPORT_FORMAT_XLSX) {
		for (size_t i = from; i < to; i++) {
			if (export_xlsx_row(s->xlsx, export_rows_row(rows, i)) < 0)
				return export_check_row(s->sheet, export_rows_row(rows, i)) < 0 ? -EINVAL : -EIO;
			s->rows++;
		}
		return 0;
	}
	struct evbuffer *buf = evbuffer_new();
	if (!buf)
		return -ENOMEM;
	int rc = 0;
	for (size_t i = from; i < to && rc == 0; i++)
		if (export_csv_row(buf, s->sheet, export_rows_row(rows, i)) < 0)
			rc = -EINVAL;
	/* A malformed row writes nothing of the page: the file stays whole rows. */
	if (rc == 0)
		rc = write_buffer(s->fd, buf);
	if (rc == 0)
		s->rows += to - from;
	evbuffer_free(buf);
	return rc;
}

size_t export_spool_rows(const struct export_spool *s)
{
	return s->rows;
}

int export_spool_finish(struct export_spool *s, off_t *bytes)
{
	int rc = 0;
	if (s->format == EXPORT_FORMAT_XLSX) {
		struct export_xlsx *x = s->xlsx;
		s->xlsx = NULL;
		if (export_xlsx_close(x) < 0)
			rc = -EIO;
		if (rc == 0 && (s->fd = open(s->part, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
			rc = -errno;
	}
	struct stat st;
	if (rc == 0 && fsync(s->fd) < 0)
		rc = -errno;
	if (rc == 0 && fstat(s->fd, &st) < 0)
		rc = -errno;
	if (s->fd >= 0 && close(s->fd) < 0 && rc == 0)
		rc = -errno;
	s->fd = -1;
	if (rc == 0 && rename(s->part, s->final) < 0)
		rc = -errno;
	if (rc == 0)
		rc = durable_fsync_dir(s->dir);
	if (rc < 0)
		unlink(s->part);
	else if (bytes)
		*bytes = st.st_size;
	spool_free(s);
	return rc;
}

void export_spool_abort(struct export_spool *s)
{
	if (!s)
		return;
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	export_xlsx_abort(s->xlsx); /* creates nothing at the .part path */
	s->xlsx = NULL;
	unlink(s->part);
	spool_free(s);
}

int export_spool_remove(const char *dir, long long id, enum export_format format)
{
	char path[EXPORT_SPOOL_PATH_MAX];
	int first = 0;
	for (int part = 0; part < 2; part++) {
		int rc = export_spool_path(dir, id, format, part, path, sizeof(path));
		if (rc == 0 && unlink(path) < 0 && errno != ENOENT)
			rc = -errno;
		if (rc < 0 && first == 0)
			first = rc;
	}
	return first;
}

int export_spool_open_done(const char *dir, long long id, enum export_format format, off_t *size)
{
	char path[EXPORT_SPOOL_PATH_MAX];
	int rc = export_spool_path(dir, id, format, false, path, sizeof(path));
	if (rc < 0)
		return rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ELOOP ? -ENOENT : -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = -ENOENT; /* (fstat of an open descriptor fails only for a bug) */
		close(fd);
		return rc;
	}
	if (size)
		*size = st.st_size;
	return fd;
}

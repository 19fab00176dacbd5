/*
 * spool.h - an export file written to disk in steps: the file of a
 * background export job (jobs/export_job.h), one page of rows at a time.
 *
 * Blocking file I/O: worker threads only. A spool is used by one thread at a
 * time (the job hands it from one worker task to the next).
 *
 *   <dir>/<id>.part            while it is written
 *   <dir>/<id>.csv | .xlsx     when finished: fsynced, renamed, the
 *                              directory fsynced; a reader never sees a
 *                              partial file under the final name
 *
 * CSV is appended to <id>.part row by row, exactly the bytes csv.h writes in
 * one go (so a job's file equals the inline answer of the same query). XLSX
 * is a ZIP that can only be written whole: the rows go to libxlsxwriter's
 * constant-memory row file (unlinked, in dir, see xlsx.h) as they come, and
 * the workbook is zipped into <id>.part when the spool is finished. Either
 * way memory stays bounded by one page, whatever the number of rows.
 *
 * The names come from the job's id and format alone, so whoever holds a job
 * row can remove its files in any state (export_spool_remove). Errors are
 * negative errno values; -EFBIG means more rows than the spool may hold.
 */
#ifndef GRIDD_EXPORT_SPOOL_H
#define GRIDD_EXPORT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "export/rows.h"
#include "export/table.h"

#define EXPORT_SPOOL_PATH_MAX 4096
#define EXPORT_SPOOL_DIR_MODE 0750
#define EXPORT_SPOOL_FILE_MODE 0640

/* An export file being written; owned by the caller until finish or abort. */
struct export_spool;

/*
 * The path of job id's file in dir: the final name, or the ".part" one.
 * Returns 0, -EINVAL (empty dir, id < 1) or -ENAMETOOLONG.
 */
int export_spool_path(const char *dir, long long id, enum export_format format, bool part,
                      char *buf, size_t buflen);

/*
 * Starts job id's file in dir (created, with its parents, when missing):
 * CSV gets its byte order mark and header row, XLSX its sheet and header.
 * sheet is borrowed until finish or abort. max_rows caps the data rows
 * (0: no cap); the caller passes EXPORT_XLSX_MAX_ROWS for XLSX. An old
 * <id>.part (a crash) is replaced. Returns 0 and *out, or -errno.
 */
int export_spool_open(const char *dir, long long id, enum export_format format,
                      const struct export_sheet *sheet, size_t max_rows,
                      struct export_spool **out);

/*
 * Appends rows [from, to) of rows. Returns 0, -EFBIG when the cap would be
 * passed (nothing of them written), -EINVAL for a malformed row (a caller's
 * bug), or -errno when writing fails. After a failure, abort the spool.
 */
int export_spool_append(struct export_spool *s, const struct export_rows *rows, size_t from,
                        size_t to);

/* Data rows appended so far. */
size_t export_spool_rows(const struct export_spool *s);

/*
 * Completes the file: XLSX zipped, fsynced, renamed to its final name, the
 * directory fsynced; *bytes gets its size. Frees s, also on failure, when
 * the .part file is removed too. Returns 0 or -errno.
 */
int export_spool_finish(struct export_spool *s, off_t *bytes);

/* Frees s and removes the .part file. NULL is ignored. */
void export_spool_abort(struct export_spool *s);

/*
 * Removes job id's files (the .part and the final one) from dir; files that
 * are not there are fine. Returns 0 or the first other -errno.
 */
int export_spool_remove(const char *dir, long long id, enum export_format format);

/*
 * Opens job id's finished file for reading (O_CLOEXEC, no symlinks): the
 * descriptor, with *size, or -errno (-ENOENT when it is not there).
 */
int export_spool_open_done(const char *dir, long long id, enum export_format format, off_t *size);

#endif

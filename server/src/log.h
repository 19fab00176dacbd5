/*
 * log.h - structured log lines to stderr or a file.
 *
 * One line per event, either `time=… level=… msg="…" key=value …` (text) or a
 * JSON object (json). Lines are written with one write(2) each, so threads
 * never interleave within a line. log_reopen() swaps the file under the same
 * descriptor with dup2(), so no lock guards the write path (SIGHUP).
 */
#ifndef GRIDD_LOG_H
#define GRIDD_LOG_H

#include <stdarg.h>

#include "config.h"

/* Opens the configured destination. Returns 0 or -1 (message on stderr). */
int log_init(enum log_level level, enum log_format format, const char *path);

/* Reopens the log file (after rotation). Safe to call from any thread. */
void log_reopen(void);

int log_enabled(enum log_level level);

/*
 * Writes one event. `fields` is a NULL-terminated list of key, value string
 * pairs appended after the message; values are quoted and escaped as needed.
 */
void log_event(enum log_level level, const char *msg, const char *const *fields);

/* printf-style message without fields. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                   \
	do {                                             \
		if (log_enabled(LOG_LEVEL_DEBUG))        \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__); \
	} while (0)

#endif

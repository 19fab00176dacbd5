/*
 * log.c - structured log lines (see log.h).
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 8192

static struct {
	enum log_level level;
	enum log_format format;
	char path[4096];
	int fd;
} logger = {LOG_LEVEL_INFO, LOG_FORMAT_TEXT, "", STDERR_FILENO};

int log_init(enum log_level level, enum log_format format, const char *path)
{
	logger.level = level;
	logger.format = format;
	logger.fd = STDERR_FILENO;
	logger.path[0] = '\0';
	if (path && *path) {
		if (strlen(path) >= sizeof(logger.path)) {
			fprintf(stderr, "gridd: log_file: path too long\n");
			return -1;
		}
		int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd < 0) {
			fprintf(stderr, "gridd: log_file: %s: %s\n", path, strerror(errno));
			return -1;
		}
		snprintf(logger.path, sizeof(logger.path), "%s", path);
		logger.fd = fd;
	}
	return 0;
}

void log_reopen(void)
{
	if (!logger.path[0])
		return;
	int fd = open(logger.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		log_error("cannot reopen log file %s: %s", logger.path, strerror(errno));
		return;
	}
	/* dup2 replaces the descriptor atomically: writers never see a closed fd. */
	dup2(fd, logger.fd);
	close(fd);
}

int log_enabled(enum log_level level)
{
	return level <= logger.level;
}

/* Appends s to buf at *pos, escaped for the chosen format; quotes if needed. */
static void append_value(char *buf, size_t cap, size_t *pos, const char *s, int json)
{
	int quote = json;
	if (!json) {
		if (*s == '\0')
			quote = 1;
		for (const char *p = s; *p && !quote; p++)
			if (*p == ' ' || *p == '"' || *p == '=' || (unsigned char)*p < 0x20)
				quote = 1;
	}
	if (quote && *pos < cap)
		buf[(*pos)++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p && *pos + 8 < cap; p++) {
		if (*p == '"' || *p == '\\') {
			buf[(*pos)++] = '\\';
			buf[(*pos)++] = (char)*p;
		} else if (*p == '\n') {
			buf[(*pos)++] = '\\';
			buf[(*pos)++] = 'n';
		} else if (*p < 0x20 || *p == 0x7f) {
			*pos += (size_t)snprintf(buf + *pos, cap - *pos, "\\u%04x", *p);
		} else {
			buf[(*pos)++] = (char)*p;
		}
	}
	if (quote && *pos < cap)
		buf[(*pos)++] = '"';
}

static void append_raw(char *buf, size_t cap, size_t *pos, const char *s)
{
	size_t n = strlen(s);
	if (*pos + 1 >= cap)
		return;
	if (*pos + n >= cap)
		n = cap - *pos - 1;
	memcpy(buf + *pos, s, n);
	*pos += n;
}

static void append_field(char *buf, size_t cap, size_t *pos, const char *key, const char *value,
                         int first)
{
	int json = logger.format == LOG_FORMAT_JSON;
	if (!first)
		append_raw(buf, cap, pos, json ? "," : " ");
	if (json) {
		append_value(buf, cap, pos, key, 1);
		append_raw(buf, cap, pos, ":");
	} else {
		append_raw(buf, cap, pos, key);
		append_raw(buf, cap, pos, "=");
	}
	append_value(buf, cap, pos, value, json);
}

void log_event(enum log_level level, const char *msg, const char *const *fields)
{
	if (!log_enabled(level))
		return;
	char buf[LOG_LINE_MAX];
	size_t pos = 0;
	char when[80];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         ts.tv_nsec / 1000000);

	if (logger.format == LOG_FORMAT_JSON)
		append_raw(buf, sizeof(buf), &pos, "{");
	append_field(buf, sizeof(buf), &pos, "time", when, 1);
	append_field(buf, sizeof(buf), &pos, "level", log_level_name(level), 0);
	append_field(buf, sizeof(buf), &pos, "msg", msg, 0);
	for (; fields && fields[0] && fields[1]; fields += 2)
		append_field(buf, sizeof(buf), &pos, fields[0], fields[1], 0);
	if (logger.format == LOG_FORMAT_JSON)
		append_raw(buf, sizeof(buf), &pos, "}");
	if (pos >= sizeof(buf) - 1)
		pos = sizeof(buf) - 2;
	buf[pos++] = '\n';
	ssize_t rc = write(logger.fd, buf, pos);
	(void)rc; /* nowhere to report a failed log write */
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_event(level, msg, NULL);
}

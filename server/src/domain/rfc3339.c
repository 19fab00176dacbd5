/*
 * rfc3339.c - RFC 3339 timestamps (see rfc3339.h).
 */
#include "domain/rfc3339.h"

#include <stdio.h>

#include "domain/calendar.h"

/* Reads exactly n digits at s; -1 when one is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int rfc3339_parse(const char *s, size_t len, int64_t *out)
{
	if (len < 20 || len > 40)
		return -1;
	int year = digits(s, 4), month = digits(s + 5, 2), day = digits(s + 8, 2);
	int hour = digits(s + 11, 2), minute = digits(s + 14, 2), second = digits(s + 17, 2);
	if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || s[4] != '-' ||
	    s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return -1;
	struct calendar_date d = {year, month, day};
	if (!calendar_date_is_valid(d) || hour > 23 || minute > 59 || second > 59)
		return -1;
	size_t i = 19;
	if (i < len && s[i] == '.') {
		size_t start = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return -1;
	}
	int offset;
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		offset = 0;
		i++;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
		if (oh < 0 || om < 0 || oh > 23 || om > 59)
			return -1;
		offset = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
		i += 6;
	} else {
		return -1;
	}
	if (i != len)
		return -1;
	int64_t days = calendar_days_from_civil(year, month, day);
	*out = days * 86400 + hour * 3600 + minute * 60 + second - (int64_t)offset * 60;
	return 0;
}

void rfc3339_format(int64_t utc, int offset_minutes, char out[RFC3339_MAX])
{
	int64_t local = utc + (int64_t)offset_minutes * 60;
	int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	int64_t secs = local - days * 86400;
	struct calendar_date d = calendar_civil_from_days(days);
	char zone[16] = "Z";
	if (offset_minutes) {
		int a = (offset_minutes < 0 ? -offset_minutes : offset_minutes) % (24 * 60);
		snprintf(zone, sizeof(zone), "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
	}
	/* Years stay within 4 digits (calendar_time_in_range); the wide buffer
	 * only tells the compiler's truncation check so. */
	char text[96];
	snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d%s", d.year, d.month, d.day,
	         (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60), zone);
	snprintf(out, RFC3339_MAX, "%.*s", RFC3339_MAX - 1, text);
}

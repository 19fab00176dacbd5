/*
 * table.c - checking exported values before a writer sees them (see table.h).
 */
#include "export/table.h"

#include <string.h>

long export_utf8_decode(const char *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	*len = 1;
	if (p[0] < 0x80)
		return p[0];
	size_t n;
	long cp, min;
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2;
		cp = p[0] & 0x1F;
		min = 0x80;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		cp = p[0] & 0x0F;
		min = 0x800; /* shorter would be an overlong form */
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		cp = p[0] & 0x07;
		min = 0x10000;
	} else {
		return -1; /* ASCII is above; continuation bytes, C0, C1, F5-FF */
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) /* also stops at the terminating NUL */
			return -1;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*len = n;
	return cp;
}

static bool utf8_valid(const char *s)
{
	size_t len;
	for (; *s; s += len)
		if (export_utf8_decode(s, &len) < 0)
			return false;
	return true;
}

/* n digits at s as a number, or -1 if any is not a digit. */
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

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

int export_parse_datetime(const char *text, bool with_time, struct export_datetime *out)
{
	size_t want = with_time ? 19 : 10;
	if (!text || strlen(text) != want || text[4] != '-' || text[7] != '-')
		return -1;
	struct export_datetime t = {
		.year = digits(text, 4), .month = digits(text + 5, 2), .day = digits(text + 8, 2),
	};
	if (with_time) {
		if (text[10] != ' ' || text[13] != ':' || text[16] != ':')
			return -1;
		t.hour = digits(text + 11, 2);
		t.minute = digits(text + 14, 2);
		t.second = digits(text + 17, 2);
	}
	if (t.year < 1900 || t.month < 1 || t.month > 12 || t.day < 1 ||
	    t.day > days_in_month(t.year, t.month) || t.hour < 0 || t.hour > 23 ||
	    t.minute < 0 || t.minute > 59 || t.second < 0 || t.second > 59)
		return -1;
	*out = t;
	return 0;
}

/* -?[0-9]+, then (\.[0-9]+)? when fraction is allowed. */
static bool decimal_valid(const char *s, bool fraction)
{
	if (*s == '-')
		s++;
	size_t whole = strspn(s, "0123456789");
	if (whole == 0)
		return false;
	s += whole;
	if (fraction && *s == '.') {
		size_t frac = strspn(s + 1, "0123456789");
		if (frac == 0)
			return false;
		s += 1 + frac;
	}
	return *s == '\0';
}

int export_check_value(enum export_kind kind, const char *value)
{
	if (export_blank(value))
		return 0;
	struct export_datetime t;
	switch (kind) {
	case EXPORT_TEXT:
		return utf8_valid(value) ? 0 : -1;
	case EXPORT_INTEGER:
		return decimal_valid(value, false) ? 0 : -1;
	case EXPORT_PERCENT:
	case EXPORT_NUMBER:
		return decimal_valid(value, true) ? 0 : -1;
	case EXPORT_DATETIME:
		return export_parse_datetime(value, true, &t);
	case EXPORT_DATE:
		return export_parse_datetime(value, false, &t);
	}
	return -1; /* not a kind */
}

int export_check_row(const struct export_sheet *sheet, const char *const *values)
{
	if (!values)
		return -1;
	for (size_t i = 0; i < sheet->ncolumns; i++)
		if (export_check_value(sheet->columns[i].kind, values[i]) != 0)
			return -1;
	return 0;
}

const char *export_format_extension(enum export_format format)
{
	return format == EXPORT_FORMAT_XLSX ? "xlsx" : "csv";
}

const char *export_format_content_type(enum export_format format)
{
	return format == EXPORT_FORMAT_XLSX
	               ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	               : "text/csv; charset=utf-8";
}

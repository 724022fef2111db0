/* timeparse.c — RFC 3339 / ISO 8601 / epoch timestamp parsing and formatting, durations. */
#include "timeparse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Howard Hinnant's days_from_civil: exact for any year, no tables, no libc
 * time zone machinery (timegm is not in C11 and consults TZ files). */
int64_t fcvae_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void fcvae_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* Exactly k digits at *s (within end); advances. */
static int digits(const char **s, const char *end, int k, int *out)
{
	int v = 0;
	for (int i = 0; i < k; i++) {
		if (*s >= end || (*s)[0] < '0' || (*s)[0] > '9')
			return -1;
		v = v * 10 + (*(*s)++ - '0');
	}
	*out = v;
	return 0;
}

static int parse_epoch(const char *s, size_t n, double *t)
{
	char buf[64];
	if (n == 0 || n >= sizeof buf)
		return -1;
	size_t i = s[0] == '-' ? 1 : 0, ndig = 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		ndig++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			ndig++;
	if (i != n || ndig == 0)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*t = strtod(buf, NULL);
	return isfinite(*t) ? 0 : -1;
}

/* The separator c at *s (advances), or none in ISO 8601's basic format. */
static int separator(const char **s, const char *end, int basic, char c)
{
	if (basic)
		return 0;
	if (*s >= end || **s != c)
		return -1;
	(*s)++;
	return 0;
}

int fcvae_time_parse(const char *s, size_t n, double *t)
{
	const char *end = s + n;
	int year, mon, day, hh = 0, mm = 0, ss = 0;
	double frac = 0;
	/* an ISO date starts with four digits and a dash, or in the basic
	 * format (20250225T150000Z) is eight digits and a time; anything else
	 * may be epoch, 20250225 alone among it */
	int basic = n >= 13 && s[4] != '-' && (s[8] == 'T' || s[8] == 't');
	if (n < 10 || (s[4] != '-' && !basic))
		return parse_epoch(s, n, t);
	if (digits(&s, end, 4, &year) || separator(&s, end, basic, '-') || digits(&s, end, 2, &mon) ||
	    separator(&s, end, basic, '-') || digits(&s, end, 2, &day))
		return -1;
	if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon))
		return -1;
	int offset = 0;
	if (s < end) {
		if (*s != 'T' && *s != 't' && *s != ' ')
			return -1;
		s++;
		/* the time written as the date is: 15:00:00 or 150000 */
		if (digits(&s, end, 2, &hh) || separator(&s, end, basic, ':') || digits(&s, end, 2, &mm))
			return -1;
		if (s < end && (basic ? *s >= '0' && *s <= '9' : *s == ':')) {
			s += !basic;
			if (digits(&s, end, 2, &ss))
				return -1;
			if (s < end && (*s == '.' || *s == ',')) {
				double scale = 0.1;
				s++;
				if (s >= end || *s < '0' || *s > '9')
					return -1;
				for (; s < end && *s >= '0' && *s <= '9'; s++, scale /= 10)
					frac += (*s - '0') * scale;
			}
		}
		/* 60 is a leap second: it reads as the next minute's first second */
		if (hh > 23 || mm > 59 || ss > 60)
			return -1;
		if (s < end) {
			if (*s == 'Z' || *s == 'z') {
				s++;
			} else if (*s == '+' || *s == '-') {
				int sign = *s++ == '-' ? -1 : 1, oh, om = 0;
				if (digits(&s, end, 2, &oh))
					return -1;
				/* +hh, +hhmm or +hh:mm: a colon needs its minutes */
				if (s < end && *s == ':') {
					s++;
					if (digits(&s, end, 2, &om))
						return -1;
				} else if (s < end && digits(&s, end, 2, &om))
					return -1;
				if (oh > 23 || om > 59)
					return -1;
				offset = sign * (oh * 3600 + om * 60);
			} else
				return -1;
		}
		if (s != end)
			return -1;
	}
	*t = (double)(fcvae_days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss - offset) + frac;
	return 0;
}

size_t fcvae_time_format(char *out, double t)
{
	double whole = floor(t);
	int64_t secs = (int64_t)whole;
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	int64_t rem = secs - days * 86400, y;
	int m, d;
	fcvae_civil_from_days(days, &y, &m, &d);
	int n;
	if (y >= 0 && y <= 9999) {
		/* the hot path of every window record: no printf */
		int v[] = { (int)y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60) };
		static const char sep[] = "--T::";
		char *o = out;
		*o++ = (char)('0' + v[0] / 1000);
		*o++ = (char)('0' + v[0] / 100 % 10);
		*o++ = (char)('0' + v[0] / 10 % 10);
		*o++ = (char)('0' + v[0] % 10);
		for (int i = 1; i < 6; i++) {
			*o++ = sep[i - 1];
			*o++ = (char)('0' + v[i] / 10);
			*o++ = (char)('0' + v[i] % 10);
		}
		*o = '\0';
		n = (int)(o - out);
	} else {
		n = snprintf(out, FCVAE_TIME_MAX, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)y, m, d,
		             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	}
	long us = lround((t - whole) * 1e6);
	if (us >= 1000000)  /* rounding up to a whole second: keep it simple, drop it */
		us = 999999;
	if (us > 0) {
		char f[8];
		snprintf(f, sizeof f, "%06ld", us);
		int k = 6;
		while (f[k - 1] == '0')
			k--;
		n += snprintf(out + n, FCVAE_TIME_MAX - (size_t)n, ".%.*s", k, f);
	}
	out[n++] = 'Z';
	out[n] = '\0';
	return (size_t)n;
}

int fcvae_duration_parse(const char *s, double *secs)
{
	double total = 0;
	int parts = 0;
	if (!*s)
		return -1;
	while (*s) {
		char num[32];
		size_t k = strspn(s, "0123456789.");
		if (k == 0 || k >= sizeof num || *s == '.')
			return -1;
		memcpy(num, s, k);
		num[k] = '\0';
		char *end;
		double v = strtod(num, &end);  /* digits and dots only: no hex, no exponents */
		if (*end)
			return -1;
		s += k;
		double unit;
		switch (*s) {
		case '\0':
			if (parts)  /* "1h30" is ambiguous */
				return -1;
			unit = 1;
			break;
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 604800; break;
		default: return -1;
		}
		if (*s)
			s++;
		total += v * unit;
		parts++;
	}
	*secs = total;
	return 0;
}

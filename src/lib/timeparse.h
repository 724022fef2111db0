/* timeparse.h — timestamps (RFC 3339 / ISO 8601, epoch seconds) to UTC epoch
 * seconds and back, and durations ("1h", "5m", "1d", "90").
 *
 * All times are UTC epoch seconds as a double (microsecond resolution for
 * present-day dates); local time and DST never enter. */
#ifndef FCVAE_TIMEPARSE_H
#define FCVAE_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Parse s[0..n): "2025-02-25T15:00:00Z", "2025-02-25T16:00:00.250+01:00",
 * "2025-02-25 15:00:00" (no offset: taken as UTC), "2025-02-25T15:00Z",
 * "2025-02-25" (midnight UTC), ISO 8601's basic format with a time
 * ("20250225T150000Z", "20250225T1500+0100"; a date alone, 20250225, is
 * epoch seconds), offsets +hh:mm, +hhmm or +hh; or epoch
 * seconds "1740495600" / "1740495600.5". Returns 0, or -1 if it is not a
 * valid time (bad field ranges such as month 13 or Feb 30 included). */
int fcvae_time_parse(const char *s, size_t n, double *t);

/* RFC 3339 UTC: "2025-02-25T15:00:00Z", with up to 6 fraction digits
 * (trailing zeros dropped) when t is not whole. out needs
 * FCVAE_TIME_MAX bytes; returns the length. */
#define FCVAE_TIME_MAX 48
size_t fcvae_time_format(char *out, double t);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t fcvae_days_from_civil(int64_t y, int m, int d);
void fcvae_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Parse a duration: a number of seconds ("90", "1.5"), or one or more
 * number+unit parts with units s, m, h, d, w ("30s", "5m", "1h", "1d",
 * "1h30m"). Returns 0 and *secs (>= 0), or -1. */
int fcvae_duration_parse(const char *s, double *secs);

#endif

/* test-timeparse.c — timestamps and durations against epoch values from date(1). */
#include <string.h>

#include "timeparse.h"
#include "unit.h"

static void ok(const char *s, double want)
{
	double t = -12345;
	int rc = fcvae_time_parse(s, strlen(s), &t);
	CHECK(rc == 0 && t == want, "parse %s -> %.6f (want %.6f)", s, t, want);
}

static void bad(const char *s)
{
	double t;
	CHECK(fcvae_time_parse(s, strlen(s), &t) == -1, "reject \"%s\"", s);
}

static void fmt(double t, const char *want)
{
	char out[FCVAE_TIME_MAX];
	size_t n = fcvae_time_format(out, t);
	CHECK(n == strlen(want) && !strcmp(out, want), "format %.6f -> %s (want %s)", t, out, want);
}

static void dur(const char *s, double want)
{
	double d = -1;
	int rc = fcvae_duration_parse(s, &d);
	if (want < 0)
		CHECK(rc == -1, "duration \"%s\" rejected", s);
	else
		CHECK(rc == 0 && d == want, "duration %s = %g (want %g)", s, d, want);
}

int main(void)
{
	/* epoch values from `date -u -d ... +%s` */
	ok("2025-02-25T15:00:00Z", 1740495600);
	ok("2025-01-06T00:00:00Z", 1736121600);
	ok("2024-02-29T23:59:59Z", 1709251199);
	ok("1969-12-31T23:59:59Z", -1);
	ok("2000-03-01T00:00:00Z", 951868800);
	ok("2100-12-31T12:00:00Z", 4133937600);
	ok("1900-01-01T00:00:00Z", -2208988800);
	ok("2025-02-25t15:00:00z", 1740495600);
	ok("2025-02-25 15:00:00", 1740495600);
	ok("2025-02-25T15:00:00", 1740495600);
	ok("2025-02-25T15:00Z", 1740495600);
	ok("2025-02-25", 1740441600);
	ok("2025-02-25T16:00:00+01:00", 1740495600);
	ok("2025-02-25T16:30:00+0130", 1740495600);
	ok("2025-02-25T10:00:00-05", 1740495600);
	ok("2025-02-25T15:00:00.250Z", 1740495600.25);
	ok("2025-02-25T15:00:00,5Z", 1740495600.5);
	ok("2016-12-31T23:59:60Z", 1483228800);  /* leap second */
	/* ISO 8601's basic format, with a time */
	ok("20250225T150000Z", 1740495600);
	ok("20250225t150000z", 1740495600);
	ok("20250225T1500Z", 1740495600);
	ok("20250225T160000+0100", 1740495600);
	ok("20250225T100000-05", 1740495600);
	ok("20250225T150000.25Z", 1740495600.25);
	ok("20250225T150000", 1740495600);
	ok("20161231T235960Z", 1483228800);
	ok("20250225", 20250225);            /* a date alone: epoch seconds */
	ok("1740495600", 1740495600);
	ok("1740495600.5", 1740495600.5);
	ok("-86400", -86400);
	ok("0", 0);
	bad("");
	bad("2025-13-01T00:00:00Z");
	bad("2025-02-29T00:00:00Z");
	bad("2025-02-25T24:00:00Z");
	bad("2025-02-25T15:60:00Z");
	bad("2025-02-25T15:00:00+25:00");
	bad("2025-02-25T20:00:00+05:");     /* a colon without its minutes */
	bad("2025-02-25T20:00:00+05:3");
	bad("2025-02-25T15:00:00Zjunk");
	bad("2025-02-25X15:00:00Z");
	bad("2025-2-25T15:00:00Z");
	bad("2025-02-25T15:00:00.Z");
	bad("20250229T000000Z");
	bad("20250225T240000Z");
	bad("20250225T15Z");                 /* hours alone */
	bad("20250225T15:00:00Z");           /* basic date, extended time */
	bad("2025-02-25T150000Z");           /* and the other way round */
	bad("20250225T1500000Z");
	bad("2025022T150000Z");
	bad("yesterday");
	bad("1740495600x");
	bad("1e9");
	bad("17404956000000000000000000000000000000000000000000000000000000000000");
	bad(".");

	fmt(1740495600, "2025-02-25T15:00:00Z");
	fmt(1740495600.25, "2025-02-25T15:00:00.25Z");
	fmt(-1, "1969-12-31T23:59:59Z");
	fmt(-2208988800, "1900-01-01T00:00:00Z");
	fmt(951868800, "2000-03-01T00:00:00Z");
	fmt(0, "1970-01-01T00:00:00Z");

	dur("90", 90);
	dur("30s", 30);
	dur("5m", 300);
	dur("1h", 3600);
	dur("1d", 86400);
	dur("1w", 604800);
	dur("1h30m", 5400);
	dur("1.5h", 5400);
	dur("", -1);
	dur("h", -1);
	dur("1x", -1);
	dur("1h30", -1);
	dur("-5m", -1);
	dur("0x10", -1);
	dur("1e3", -1);
	return unit_done();
}

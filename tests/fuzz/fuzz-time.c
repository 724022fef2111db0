/* fuzz-time.c — fuzz target: timestamps and durations (timeparse.c). A
 * time that parses must format to RFC 3339 that parses back to the same
 * instant (to the microsecond the format keeps). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "timeparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double t, back, d;
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (fcvae_time_parse(s, size, &t) == 0) {
		if (isnan(t))
			abort();
		/* the range record.c accepts: years 0 to 9999 */
		if (t >= -62167219200.0 && t < 253402300800.0) {
			char out[FCVAE_TIME_MAX];
			size_t n = fcvae_time_format(out, t);
			if (n >= FCVAE_TIME_MAX || strlen(out) != n)
				abort();
			if (fcvae_time_parse(out, n, &back) != 0 || fabs(back - t) > 1e-6 * fmax(1, fabs(t) * 1e-9) + 1e-6)
				abort();
		}
	}
	if (fcvae_duration_parse(s, &d) == 0 && !(d >= 0))
		abort();
	free(s);
	return 0;
}

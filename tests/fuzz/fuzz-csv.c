/* fuzz-csv.c — fuzz target: CSV input records (record.c): a header row,
 * then rows; the first byte picks which columns are needed. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "record.h"

static void csv_line(const char *s, size_t len, void *rd)
{
	fcvae_input in;
	const char *reason;
	char msg[256];
	int rc = fcvae_input_parse(rd, s, len, &in, &reason, msg, sizeof msg);
	if (rc == -2)
		fcvae_input_new_file(rd);   /* what fcvae-window does with the next file */
	else if (rc == 1)
		fuzz_check_record(&in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const char *keys1[] = { "key" }, *keys2[] = { "key", "sub" };
	unsigned opt = data[0];
	fcvae_input_opts io = { FCVAE_INPUT_CSV, "ts", opt & 4 ? "v" : "value", "label", opt & 1 ? keys2 : keys1,
	                        opt & 1 ? 2 : 1, opt & 2 ? "dflt" : NULL, 0 };
	fcvae_input_reader rd;
	fcvae_input_init(&rd, &io);
	fuzz_lines(data, size, csv_line, &rd);
	fcvae_input_free(&rd);
	return 0;
}

/* fuzz-csv.c — fuzz target: CSV input (record.c) as fcvae-window reads it:
 * the line reader in CSV mode (records over several lines, quotes left
 * open), then a header row and rows. The first byte picks which columns
 * are needed and whether --max-line is its smallest, 64. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const char *keys1[] = { "key" }, *keys2[] = { "key", "sub" };
	unsigned opt = data[0];
	fcvae_input_opts io = { FCVAE_INPUT_CSV, "ts", opt & 4 ? "v" : "value", "label", opt & 1 ? keys2 : keys1,
	                        opt & 1 ? 2 : 1, opt & 2 ? "dflt" : NULL, 0, opt & 16 };
	fcvae_input_reader rd;
	fcvae_input_init(&rd, &io);
	fcvae_lines l;
	if (fcvae_lines_open(&l, fuzz_file(data + 1, size - 1)) < 0)
		abort();
	l.csv = 1;
	l.max = opt & 8 ? 64 : 0;
	size_t max = l.max ? l.max : FCVAE_MAX_LINE, last = 0;
	int rc;
	while ((rc = fcvae_lines_read(&l, -1)) == 1) {
		/* records follow each other, line numbers without gaps */
		if (l.lineno != last + 1 || l.lastno < l.lineno || l.len > max || l.line[l.len] != '\0' ||
		    (l.toolong && l.unclosed))
			abort();
		last = l.lastno;
		if (l.toolong || l.unclosed) {
			if (!rd.have_header)
				fcvae_input_new_file(&rd);
			continue;
		}
		/* a private copy, so that the parser may not read past it unnoticed */
		char *s = malloc(l.len ? l.len : 1);
		memcpy(s, l.line, l.len);
		fcvae_input in;
		const char *reason;
		char msg[256];
		int got = fcvae_input_parse(&rd, s, l.len, &in, &reason, msg, sizeof msg);
		/* the reader ran a record on over lines only inside quotes that close */
		if (got < 0 && l.lastno > l.lineno && !strncmp(msg, "unterminated quote", 18))
			abort();
		if (got == -2)
			fcvae_input_new_file(&rd);   /* what fcvae-window does with the next file */
		else if (got == 1)
			fuzz_check_record(&in);
		free(s);
	}
	if (rc != 0)
		abort();
	fcvae_lines_close(&l);
	fcvae_input_free(&rd);
	return 0;
}

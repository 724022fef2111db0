/* replay.c — runs a fuzz target's entry point over files without libFuzzer,
 * so `make check` (and check-asan, check-valgrind) replays every seed and
 * every input that once crashed. Usage: NAME-replay FILE... */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *fp = fopen(argv[i], "rb");
		if (!fp) {
			perror(argv[i]);
			return 1;
		}
		size_t cap = 1 << 16, n = 0, got;
		uint8_t *p = malloc(cap);
		while (p && (got = fread(p + n, 1, cap - n, fp)) > 0)
			if ((n += got) == cap)
				p = realloc(p, cap *= 2);
		if (!p || ferror(fp)) {
			perror(argv[i]);
			return 1;
		}
		fclose(fp);
		/* a copy of exactly n bytes, so reading past the end is caught */
		uint8_t *exact = malloc(n ? n : 1);
		for (size_t k = 0; k < n; k++)
			exact[k] = p[k];
		free(p);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	printf("%d inputs\n", argc - 1);
	return 0;
}

/* test-modeldir.c — the file names of a models directory, made and found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modeldir.h"
#include "unit.h"

static void name(const char *key, size_t keylen, int drop_dash, int want_rc, const char *want)
{
	fcvae_buf b = {0};
	int rc = fcvae_modeldir_path(&b, "d", key, keylen, drop_dash);
	CHECK(rc == want_rc && !strcmp(b.p, want), "path of \"%.20s\" (%zu bytes), drop_dash %d: %d %s (want %d %s)", key,
	      keylen, drop_dash, rc, b.p, want_rc, want);
	fcvae_buf_free(&b);
}

static void find(const char *dir, const char *key, int want_rc, const char *want_file)
{
	fcvae_buf b = {0}, w = {0};
	fcvae_buf_printf(&w, "%s/%s", dir, want_file);
	int rc = fcvae_modeldir_find(&b, dir, key, strlen(key));
	CHECK(rc == want_rc && !strcmp(b.p, w.p), "find %s: %d %s (want %d %s)", key, rc, b.p, want_rc, w.p);
	fcvae_buf_free(&b);
	fcvae_buf_free(&w);
}

static void touch(const char *dir, const char *file)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, file);
	FILE *f = fopen(p, "w");
	CHECK(f && fclose(f) == 0, "create %s", p);
}

int main(void)
{
	name("Accel/no-pin", 12, 0, 0, "d/Accel_no-pin.safetensors");
	name("Accel/no-pin", 12, 1, 0, "d/Accel_nopin.safetensors");
	name("a", 1, 1, 0, "d/a.safetensors");
	name("", 0, 0, -1, "d/(a key that cannot name a file).safetensors");
	name("a\0b", 3, 0, -1, "d/(a key that cannot name a file).safetensors");
	char long_key[202];
	memset(long_key, 'k', sizeof long_key);
	char want[300];
	snprintf(want, sizeof want, "d/%.200s.safetensors", long_key);
	name(long_key, 200, 0, 0, want);
	name(long_key, 201, 0, -1, "d/(a key that cannot name a file).safetensors");
	/* nothing left without the dashes: no name, not d/.safetensors */
	name("-", 1, 0, 0, "d/-.safetensors");
	name("-", 1, 1, -1, "d/(a key that cannot name a file).safetensors");
	name("---", 3, 1, -1, "d/(a key that cannot name a file).safetensors");
	name("-/-", 3, 1, 0, "d/_.safetensors");
	/* nor with a control character, which would break the line saying so */
	name("a\nb", 3, 0, -1, "d/(a key that cannot name a file).safetensors");
	name("a\x7f", 2, 0, -1, "d/(a key that cannot name a file).safetensors");
	name("a\tb", 3, 1, -1, "d/(a key that cannot name a file).safetensors");

	char dir[] = "/tmp/test-modeldir.XXXXXX";
	if (!CHECK(mkdtemp(dir) != NULL, "temporary directory"))
		return unit_done();
	/* missing: the first name; then the name without '-'; the exact name wins */
	find(dir, "Accel/no-pin", -1, "Accel_no-pin.safetensors");
	touch(dir, "Accel_nopin.safetensors");
	find(dir, "Accel/no-pin", 0, "Accel_nopin.safetensors");
	touch(dir, "Accel_no-pin.safetensors");
	find(dir, "Accel/no-pin", 0, "Accel_no-pin.safetensors");
	find(dir, "Star/CMP", -1, "Star_CMP.safetensors");
	/* a file named .safetensors is no series' model; -.safetensors is "-"'s */
	touch(dir, ".safetensors");
	find(dir, "-", -1, "-.safetensors");
	find(dir, "---", -1, "---.safetensors");
	touch(dir, "-.safetensors");
	find(dir, "-", 0, "-.safetensors");
	/* only a name that does not exist is no model: a link loop or a
	 * dangling link is a model that cannot be looked at (-2), said, and
	 * the other name is not tried in its place */
	char link[512];
	snprintf(link, sizeof link, "%s/Loop.safetensors", dir);
	CHECK(symlink("Loop.safetensors", link) == 0, "a link to itself");
	find(dir, "Loop", -2, "Loop.safetensors");
	snprintf(link, sizeof link, "%s/Star_no-pin.safetensors", dir);
	CHECK(symlink("nowhere", link) == 0, "a dangling link");
	touch(dir, "Star_nopin.safetensors");
	find(dir, "Star/no-pin", -2, "Star_no-pin.safetensors");
	snprintf(link, sizeof link, "%s/Star_CMP.safetensors", dir);
	CHECK(symlink("Star_CMP.safetensors", link) == 0, "a link to itself, of the name without '-'");
	find(dir, "Star/C-MP", -2, "Star_CMP.safetensors");
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -r '%s'", dir);
	CHECK(system(cmd) == 0, "remove %s", dir);
	return unit_done();
}

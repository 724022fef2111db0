/* modeldir.c — which file of a models directory holds a series' model. */
#include "modeldir.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int fcvae_modeldir_path(fcvae_buf *path, const char *dir, const char *key, size_t keylen, int drop_dash)
{
	fcvae_buf_clear(path);
	/* a control character in a file name is too odd to be meant, and
	 * would put a newline into "no model (no PATH)" */
	int control = 0;
	for (size_t i = 0; i < keylen && !control; i++)
		control = (unsigned char)key[i] < 0x20 || key[i] == 0x7f;
	if (keylen == 0 || keylen > 200 || control)
		goto no_file;
	fcvae_buf_printf(path, "%s/", dir);
	size_t start = path->len;
	for (size_t i = 0; i < keylen; i++)
		if (!drop_dash || key[i] != '-')
			fcvae_buf_addc(path, key[i] == '/' ? '_' : key[i]);
	/* "-" or "---" without its dashes names no file: DIR/.safetensors
	 * would be any such series' model */
	if (path->len == start)
		goto no_file;
	fcvae_buf_adds(path, ".safetensors");
	return 0;
no_file:
	fcvae_buf_clear(path);
	fcvae_buf_printf(path, "%s/(a key that cannot name a file).safetensors", dir);
	return -1;
}

/* 0: path is there; -1: it is not (ENOENT); -2 and errno: it cannot be
 * looked at. Only ENOENT is absence: a link loop or a directory that
 * cannot be searched hides a model that may be there, and a dangling link
 * was put there to be the model. One call for a missing name: a series
 * without a model is looked for again and again (--recheck). */
static int look(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? -1 : -2;
	return !S_ISLNK(st.st_mode) || stat(path, &st) == 0 ? 0 : -2;
}

int fcvae_modeldir_find(fcvae_buf *path, const char *dir, const char *key, size_t keylen)
{
	if (fcvae_modeldir_path(path, dir, key, keylen, 0) < 0)
		return -1;
	int rc = look(path->p);
	if (rc != -1 || !memchr(key, '-', keylen))
		return rc;
	if (fcvae_modeldir_path(path, dir, key, keylen, 1) == 0 && (rc = look(path->p)) != -1)
		return rc;
	fcvae_modeldir_path(path, dir, key, keylen, 0);
	return -1;
}

void fcvae_modeldir_check(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		fcvae_die(FCVAE_EXIT_FAIL, "%s: not a directory of models", dir);
	if (access(dir, X_OK) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s: cannot look for models in it: %s", dir, strerror(errno));
}

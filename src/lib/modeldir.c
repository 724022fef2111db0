/* modeldir.c — which file of a models directory holds a series' model. */
#include "modeldir.h"

#include <string.h>
#include <sys/stat.h>

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

int fcvae_modeldir_find(fcvae_buf *path, const char *dir, const char *key, size_t keylen)
{
	struct stat st;
	if (fcvae_modeldir_path(path, dir, key, keylen, 0) < 0)
		return -1;
	if (stat(path->p, &st) == 0)
		return 0;
	if (memchr(key, '-', keylen)) {
		if (fcvae_modeldir_path(path, dir, key, keylen, 1) == 0 && stat(path->p, &st) == 0)
			return 0;
		fcvae_modeldir_path(path, dir, key, keylen, 0);
	}
	return -1;
}

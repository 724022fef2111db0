/* modeldir.c — which file of a models directory holds a series' model. */
#include "modeldir.h"

#include <string.h>
#include <sys/stat.h>

int fcvae_modeldir_path(fcvae_buf *path, const char *dir, const char *key, size_t keylen, int drop_dash)
{
	fcvae_buf_clear(path);
	if (keylen == 0 || keylen > 200 || memchr(key, '\0', keylen)) {
		fcvae_buf_printf(path, "%s/(a key that cannot name a file).safetensors", dir);
		return -1;
	}
	fcvae_buf_printf(path, "%s/", dir);
	for (size_t i = 0; i < keylen; i++)
		if (!drop_dash || key[i] != '-')
			fcvae_buf_addc(path, key[i] == '/' ? '_' : key[i]);
	fcvae_buf_adds(path, ".safetensors");
	return 0;
}

int fcvae_modeldir_find(fcvae_buf *path, const char *dir, const char *key, size_t keylen)
{
	struct stat st;
	if (fcvae_modeldir_path(path, dir, key, keylen, 0) < 0)
		return -1;
	if (stat(path->p, &st) == 0)
		return 0;
	if (memchr(key, '-', keylen)) {
		fcvae_modeldir_path(path, dir, key, keylen, 1);
		if (stat(path->p, &st) == 0)
			return 0;
		fcvae_modeldir_path(path, dir, key, keylen, 0);
	}
	return -1;
}

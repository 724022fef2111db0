/* modeldir.c — which file of a models directory holds a series' model. */
#include "modeldir.h"

#include <string.h>
#include <sys/stat.h>

int fcvae_modeldir_find(fcvae_buf *path, const char *dir, const char *key, size_t keylen)
{
	char name[2][256];
	size_t n[2] = {0, 0};
	fcvae_buf_clear(path);
	if (keylen == 0 || keylen > 200 || memchr(key, '\0', keylen)) {
		fcvae_buf_printf(path, "%s/(a key that cannot name a file).safetensors", dir);
		return -1;
	}
	for (size_t i = 0; i < keylen; i++) {
		char c = key[i] == '/' ? '_' : key[i];
		name[0][n[0]++] = c;
		if (c != '-')
			name[1][n[1]++] = c;
	}
	name[0][n[0]] = name[1][n[1]] = '\0';
	for (int k = 0; k < 2; k++) {
		if (k == 1 && n[1] == n[0])
			break;
		fcvae_buf_clear(path);
		fcvae_buf_printf(path, "%s/%s.safetensors", dir, name[k]);
		struct stat st;
		if (stat(path->p, &st) == 0)
			return 0;
	}
	fcvae_buf_clear(path);
	fcvae_buf_printf(path, "%s/%s.safetensors", dir, name[0]);
	return -1;
}

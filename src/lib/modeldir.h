/* modeldir.h — which file of a models directory holds a series' model:
 * DIR/KEY.safetensors with '/' in KEY as '_', else the same name with '-'
 * dropped as well (the seed's models: Accel/no-pin -> Accel_nopin). */
#ifndef FCVAE_MODELDIR_H
#define FCVAE_MODELDIR_H

#include <stddef.h>

#include "json.h"

/* DIR/NAME.safetensors into *path without looking at the disk, NAME the key
 * with '/' as '_' and, when drop_dash, '-' dropped: 0; or -1 with a name
 * saying so when the key cannot name a file (empty, too long, a control
 * character inside, or nothing left when '-' is dropped: "-", "---"). */
int fcvae_modeldir_path(fcvae_buf *path, const char *dir, const char *key, size_t keylen, int drop_dash);

/* The existing model file of key in dir into *path: 0; or -1 with the first
 * name tried in *path (for "no model for this series (no PATH)") when
 * neither name is there, also when the key cannot name a file (empty, too
 * long, NUL inside); or -2 with errno and the name in *path when it cannot
 * be looked at (a link loop, no search permission, a dangling link: ENOENT):
 * a model that may be there, which a caller does not take for none. */
int fcvae_modeldir_find(fcvae_buf *path, const char *dir, const char *key, size_t keylen);

/* dir is a directory of models that can be searched, or the program ends
 * saying why (exit 1): at start, rather than every series said to have no
 * model. */
void fcvae_modeldir_check(const char *dir);

#endif

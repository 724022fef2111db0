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
 * name tried in *path (for "no model for this series (no PATH)"), also when
 * the key cannot name a file (empty, too long, NUL inside). */
int fcvae_modeldir_find(fcvae_buf *path, const char *dir, const char *key, size_t keylen);

#endif

/* safetensors.h — the model file (SPEC §9): load with full validation, save atomically.
 *
 * Layout: 8-byte little-endian header length N, N bytes of JSON header
 * (padded with spaces to a multiple of 8, as Python's safetensors does), then
 * the raw tensor data. The header maps each PyTorch tensor name to
 * {"dtype":"F32","shape":[...],"data_offsets":[begin,end]} (offsets into the
 * data) and holds "__metadata__", whose values are all strings: format
 * "fcvae", version "1", config, scaler and training (JSON object texts) and
 * threshold (a JSON number, or null when uncalibrated). The scaler is
 * {"mean":M,"std":S} and, when the clip is not FCVAE_CLIP_X, "clip":C
 * (0 < C <= FCVAE_CLIP_X_MAX). */
#ifndef FCVAE_SAFETENSORS_H
#define FCVAE_SAFETENSORS_H

#include <stddef.h>

#include "model.h"

/* Load and validate a model file. NULL with "PATH: problem" in err when the
 * file is unreadable or is not a valid fcvae model. */
fcvae_model *fcvae_model_load(const char *path, char *err, size_t errlen);

/* Write m to path atomically (temp file + rename). 0, or -1 with errno set. */
int fcvae_model_save(const fcvae_model *m, const char *path);

#endif

/* keyset.c — a set of byte strings by hash (open addressing, linear
 * probing, at most half full). */
#include "keyset.h"

#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "util.h"

void fcvae_keyset_free(fcvae_keyset *ks)
{
	for (size_t i = 0; i < ks->n; i++)
		free(ks->key[i]);
	free(ks->key);
	free(ks->len);
	free(ks->hash);
	free(ks->slot);
	memset(ks, 0, sizeof *ks);
}

static void grow_slots(fcvae_keyset *ks)
{
	free(ks->slot);
	ks->nslot = ks->nslot ? 2 * ks->nslot : 64;
	ks->slot = fcvae_xcalloc(ks->nslot, sizeof *ks->slot);
	for (size_t i = 0; i < ks->n; i++) {
		size_t j = ks->hash[i] & (ks->nslot - 1);
		while (ks->slot[j])
			j = (j + 1) & (ks->nslot - 1);
		ks->slot[j] = i + 1;
	}
}

/* The slot holding key (h its hash), or the empty one where it would go. */
static size_t slot_of(const fcvae_keyset *ks, const char *key, size_t len, uint64_t h)
{
	size_t j = h & (ks->nslot - 1);
	for (; ks->slot[j]; j = (j + 1) & (ks->nslot - 1)) {
		size_t i = ks->slot[j] - 1;
		if (ks->hash[i] == h && ks->len[i] == len && !memcmp(ks->key[i], key, len))
			break;
	}
	return j;
}

size_t fcvae_keyset_find(const fcvae_keyset *ks, const char *key, size_t len)
{
	if (!ks->nslot)
		return FCVAE_KEYSET_NONE;
	size_t j = slot_of(ks, key, len, fcvae_hash64(key, len, 0));
	return ks->slot[j] ? ks->slot[j] - 1 : FCVAE_KEYSET_NONE;
}

size_t fcvae_keyset_add(fcvae_keyset *ks, const char *key, size_t len, int *added)
{
	if (2 * (ks->n + 1) > ks->nslot)
		grow_slots(ks);
	uint64_t h = fcvae_hash64(key, len, 0);
	size_t j = slot_of(ks, key, len, h);
	if (ks->slot[j]) {
		*added = 0;
		return ks->slot[j] - 1;
	}
	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? 2 * ks->cap : 64;
		ks->key = fcvae_xrealloc(ks->key, ks->cap * sizeof *ks->key);
		ks->len = fcvae_xrealloc(ks->len, ks->cap * sizeof *ks->len);
		ks->hash = fcvae_xrealloc(ks->hash, ks->cap * sizeof *ks->hash);
	}
	size_t i = ks->n++;
	ks->key[i] = fcvae_xmalloc(len + 1);
	memcpy(ks->key[i], key, len);
	ks->key[i][len] = '\0';
	ks->len[i] = len;
	ks->hash[i] = h;
	ks->slot[j] = i + 1;
	*added = 1;
	return i;
}

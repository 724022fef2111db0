/* keyset.h — a set of byte strings by hash, each numbered in order of
 * first insertion: series tables keyed by JSON strings, which may hold
 * NUL ("\u0000"), so every key is compared and hashed with its length.
 * A zeroed fcvae_keyset is empty. */
#ifndef FCVAE_KEYSET_H
#define FCVAE_KEYSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	char **key;        /* key[i]: len[i] bytes, a '\0' after them; never moves */
	size_t *len;
	uint64_t *hash;
	size_t n, cap;
	size_t *slot;      /* index + 1, 0 = empty; nslot a power of two */
	size_t nslot;
} fcvae_keyset;

void fcvae_keyset_free(fcvae_keyset *ks);

/* The number of key[0..len) in ks, added as ks->n when absent: then
 * *added = 1, else 0. */
size_t fcvae_keyset_add(fcvae_keyset *ks, const char *key, size_t len, int *added);

/* The number of key[0..len) in ks, or FCVAE_KEYSET_NONE: for a table that
 * adds a key only while it has room. */
#define FCVAE_KEYSET_NONE ((size_t)-1)
size_t fcvae_keyset_find(const fcvae_keyset *ks, const char *key, size_t len);

#endif

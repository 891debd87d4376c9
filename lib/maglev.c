// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"

#define SEED_OFFSET	0x5851f42d4c957f2dull
#define SEED_SKIP	0x14057b7ef767814full

uint64_t xpan_maglev_hash(const char *key, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	/* FNV's low bits mix poorly: fold the high half in. */
	return h ^ (h >> 29);
}

static bool is_prime(uint32_t n)
{
	if (n < 2)
		return false;
	for (uint32_t d = 2; (uint64_t)d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

struct walker {
	uint32_t pos, skip;	/* next slot of the permutation, its stride */
	uint64_t credit;	/* turns earned, in units of the largest weight */
	uint32_t weight;
	uint32_t index;		/* in the caller's array */
	const char *key;
};

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct walker *)a)->key,
		      ((const struct walker *)b)->key);
}

int xpan_maglev_build(const struct xpan_maglev_backend *b, size_t n,
		      uint32_t size, uint32_t *table)
{
	uint32_t maxw = 0, filled = 0;
	struct walker *w;
	size_t i;

	if (!is_prime(size) || n > size)
		return -EINVAL;
	for (uint32_t s = 0; s < size; s++)
		table[s] = XPAN_MAGLEV_NONE;
	if (!n)
		return 0;
	w = calloc(n, sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!b[i].key) {
			free(w);
			return -EINVAL;
		}
		w[i].key = b[i].key;
		w[i].index = (uint32_t)i;
		w[i].weight = b[i].weight;
		w[i].pos = (uint32_t)(xpan_maglev_hash(b[i].key, SEED_OFFSET) % size);
		w[i].skip = (uint32_t)(xpan_maglev_hash(b[i].key, SEED_SKIP) %
				       (size - 1)) + 1;
		if (b[i].weight > maxw)
			maxw = b[i].weight;
	}
	/* Turns go round in key order, so the table does not depend on the
	 * order of the config's list. */
	qsort(w, n, sizeof(*w), by_key);
	for (i = 1; i < n; i++)
		if (!strcmp(w[i - 1].key, w[i].key)) {
			free(w);
			return -EINVAL;
		}
	while (maxw && filled < size) {
		for (i = 0; i < n && filled < size; i++) {
			struct walker *x = &w[i];

			/* Deficit round robin: weight/maxw of a turn a round. */
			x->credit += x->weight;
			while (x->credit >= maxw && filled < size) {
				x->credit -= maxw;
				/* A permutation of every slot (size is prime):
				 * a free one is always ahead. */
				while (table[x->pos] != XPAN_MAGLEV_NONE)
					x->pos = (uint32_t)(((uint64_t)x->pos + x->skip) % size);
				table[x->pos] = x->index;
				filled++;
			}
		}
	}
	free(w);
	return 0;
}

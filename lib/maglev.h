/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Weighted Maglev consistent hashing (Eisenbud et al., NSDI 2016), the
 * table a service cluster's new connections are steered by: ctrld builds
 * one per service and writes it into the dataplane, which indexes it by
 * a flow hash modulo its size. Each backend walks its own permutation of
 * the slots (offset and skip from two hashes of its key) and takes the
 * next free one when its turn comes; turns are dealt in proportion to
 * the weights (a backend of weight 2 gets twice the slots of weight 1),
 * weight 0 gets none (drained). Removing one of N equal backends moves
 * about 1/N of the slots and little more, which the unit tests measure.
 */
#ifndef XPAN_MAGLEV_H
#define XPAN_MAGLEV_H

#include <stddef.h>
#include <stdint.h>

/* Slots of a table: prime, and large against the backends a service has
 * (the paper's 65537 keeps the disruption near the ideal 1/N). */
#define XPAN_MAGLEV_SIZE	65537u
/* A slot no backend holds (no backend has weight). */
#define XPAN_MAGLEV_NONE	0xffffffffu

struct xpan_maglev_backend {
	const char *key;	/* stable name: where it sits does not depend on order */
	uint32_t weight;	/* 0 = drained: no slots */
};

/*
 * Fill table[0..size-1] with backend indexes (into b[]). size must be
 * prime and at least n. With no backend of weight > 0 every slot is
 * XPAN_MAGLEV_NONE. Returns 0, or -EINVAL (size not prime or too small,
 * a NULL key, two backends with the same key) or -ENOMEM.
 */
int xpan_maglev_build(const struct xpan_maglev_backend *b, size_t n,
		      uint32_t size, uint32_t *table);

/* 64-bit FNV-1a of key with a seed, the hash of the permutations. */
uint64_t xpan_maglev_hash(const char *key, uint64_t seed);

#endif

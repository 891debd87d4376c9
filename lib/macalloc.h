/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Virtual MACs, 02:SS:SS:CC:CC:CC: the locally administered bit, the
 * platform serial (16 bits, big-endian) and a 24-bit counter kept in the
 * state database. The counter only moves forward and its increment is
 * committed in the same transaction as the assignment it pays for, so no
 * value is handed out twice, across restarts, crashes and node removal.
 * A node keeps its MAC (serial bytes included) until it leaves the config.
 */
#ifndef XPAN_MACALLOC_H
#define XPAN_MACALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

#define XPAN_MAC_COUNTER_FIRST	1u
#define XPAN_MAC_COUNTER_MAX	0xffffffu
#define XPAN_MAC_STRLEN		18	/* "02:00:07:00:00:01" + NUL */

void xpan_mac_make(uint16_t serial, uint32_t counter, uint8_t mac[6]);
/* Lower-case colon form into buf (XPAN_MAC_STRLEN bytes); returns buf. */
char *xpan_mac_str(const uint8_t mac[6], char *buf, size_t len);
/* 0, or -1 when s is not six colon-separated hex bytes. */
int xpan_mac_parse(const char *s, uint8_t mac[6]);

/*
 * The node's current assignment, allocating one with serial when it has
 * none. Returns 0; -ENOSPC when the counter is exhausted; -EIO on a
 * database error; err says which.
 */
int xpan_mac_assign(struct xpan_state *st, const char *node, uint16_t serial,
		    struct xpan_assignment *out, char *err, size_t errlen);
/* Current assignment without allocating: 0, -ENOENT or -EIO. */
int xpan_mac_lookup(struct xpan_state *st, const char *node,
		    struct xpan_assignment *out);
/*
 * Release (keep as history) the assignments of every node not in keep[].
 * Returns how many were released, or -EIO.
 */
int xpan_mac_release_others(struct xpan_state *st, const char *const *keep,
			    size_t n_keep, char *err, size_t errlen);
/* Release one node's assignment: 0, -ENOENT or -EIO. */
int xpan_mac_release(struct xpan_state *st, const char *node);
/* The counter value the next allocation will use. 0 or -EIO. */
int xpan_mac_next_counter(struct xpan_state *st, uint32_t *next);

#endif

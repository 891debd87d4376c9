/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Storage pool discovery, as the seed's configuration component does it:
 * a scan compares what the pool holds now with the previous view. New
 * backing stores join the free pool, vanished free ones leave it, and a
 * vanished store that LUNs use is an error: those LUNs answer NOT READY /
 * MEDIUM NOT PRESENT until the store comes back.
 */
#ifndef XPAN_IOD_POOL_H
#define XPAN_IOD_POOL_H

#include <stdio.h>

#include "lun_map.h"

/* One line per change goes to report (may be NULL). Returns the number
 * of changes. */
int pool_scan(struct lun_map *m, FILE *report);

#endif

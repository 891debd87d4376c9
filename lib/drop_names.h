/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Stable names for enum xpan_drop_reason (bpf/xpan_shared.h), as printed by
 * `xpan show stats` and used as JSON keys. Names are API like the numbers:
 * a reason keeps its name forever.
 */
#ifndef XPAN_DROP_NAMES_H
#define XPAN_DROP_NAMES_H

#include <stddef.h>

#include "bpf/xpan_shared.h"

/* Name of a reason, e.g. "spoofed_src"; NULL when out of range. */
const char *xpan_drop_name(unsigned int reason);
/* The name, or "reason_N" in buf for a reason without one yet. */
const char *xpan_drop_label(unsigned int reason, char *buf, size_t len);
/* One-line description for help texts; NULL when out of range. */
const char *xpan_drop_desc(unsigned int reason);
/* Reason number for a name, or -1. */
int xpan_drop_from_name(const char *name);

#endif

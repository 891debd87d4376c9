/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Storage addresses: every node's address in the storage subnet
 * (storage.network), kept in the state database (table storage_addrs)
 * like its virtual MAC, so it stays the same for as long as the node is
 * configured. xpan-ctrld allocates and releases them; xpan-iod reads the
 * table to learn which node a connection's source address names.
 * Addresses are IPv4 in network byte order here, host order in the table
 * (so that ORDER BY ip walks the subnet).
 */
#ifndef XPAN_STORAGE_ADDR_H
#define XPAN_STORAGE_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "config.h"
#include "state.h"

/*
 * Give every node of cfg a storage address, in one transaction: a node
 * with nodes[].storage_ip gets that one (taking it from a node that held
 * it by allocation); the others keep theirs while it is still a host
 * address of the subnet, else get the lowest free one. Rows of nodes no
 * longer configured go. out[i] receives node i's address (0 when the
 * network is off). 0, or -1 with err (subnet full, database error).
 */
int xpan_saddr_sync(struct xpan_state *st, const struct xpan_config *cfg,
		    uint32_t *out, char *err, size_t errlen);

/*
 * The node that holds ip, from an open database (xpan-iod opens it read
 * only): 1 and the name in node, 0 when nobody holds it, -1 on a database
 * error (err).
 */
int xpan_saddr_owner(sqlite3 *db, uint32_t ip, char *node, size_t len,
		     char *err, size_t errlen);

/* Open <state dir>/xpan.db read only, for xpan_saddr_owner(). NULL with
 * err when it does not exist or cannot be read. */
sqlite3 *xpan_saddr_open_ro(const char *state_dir, char *err, size_t errlen);

#endif

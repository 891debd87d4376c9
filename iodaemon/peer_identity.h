/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Identity by path (issue 7): a connection that comes from a node's
 * address in the storage subnet (storage.network) may only log in as
 * that node. The dataplane guarantees that a frame from a storage
 * address really comes from the node that holds it, so the address is
 * as good a credential as the port the node sits behind; the initiator
 * name, which any node can type, is not. Which node holds an address is
 * xpan-ctrld's storage_addrs table in its SQLite state (lib/storage_addr.h),
 * read here read-only. Connections from outside the subnet (loopback,
 * the host) keep the rules of the initiator name and CHAP alone.
 *
 * No I/O but the database, so it is unit tested directly; storage_net.c
 * wires it into accept, login and the refresh of open sessions.
 */
#ifndef XPAN_IOD_PEER_IDENTITY_H
#define XPAN_IOD_PEER_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sqlite3.h>

#include "config_storage.h"

/* ip (network byte order) is a peer "from the storage network": the
 * network is on and ip lies inside its subnet and is not the portal. */
bool iod_peer_on_storage_net(const struct xpan_cfg_storage_net *net,
			     uint32_t ip);

/* The peer's IPv4 address (network byte order; IPv4 or v4-mapped IPv6)
 * when it is from the storage network, else 0. */
uint32_t iod_peer_storage_ip(const struct xpan_cfg_storage_net *net,
			     const struct sockaddr *sa);

enum iod_peer_verdict {
	IOD_PEER_ANY,		/* not from the storage network: name rules */
	IOD_PEER_OWNER,		/* from the node's own storage address */
	IOD_PEER_NO_OWNER,	/* an address nobody holds: refused */
	IOD_PEER_OTHER,		/* another node's address: refused */
};

/*
 * May a connection from peer (network byte order) log in as node? owner
 * is the node that holds peer in storage_addrs, NULL or "" for nobody.
 */
enum iod_peer_verdict iod_peer_decide(const struct xpan_cfg_storage_net *net,
				      uint32_t peer, const char *owner,
				      const char *node);

/* storage_addrs, opened read-only on first use and kept open. */
struct iod_owner_db {
	char dir[256];		/* platform.state */
	sqlite3 *db;		/* NULL: not open (yet, or after an error) */
	dev_t dev;		/* the file it has open, to notice a new one */
	ino_t ino;
};

void iod_owner_db_init(struct iod_owner_db *o, const char *state_dir);
void iod_owner_db_close(struct iod_owner_db *o);

/*
 * The node holding ip (network byte order): 1 and its name in node, 0
 * when nobody holds it, -1 with err when the table cannot be read. Opens
 * the database when it is not open, reopens it when the file was
 * replaced, and retries once on a fresh handle after an error.
 */
int iod_owner_lookup(struct iod_owner_db *o, uint32_t ip, char *node,
		     size_t len, char *err, size_t errlen);

#endif

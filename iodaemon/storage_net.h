/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xpan-iod on the storage network (issue 7, docs/storage.md "The storage
 * network"): a second listener on storage.network's portal_ip:port, and
 * identity by path (peer_identity.h) wired into accept, login and the
 * sessions already open: `storage refresh` (sent by xpan-ctrld after
 * every change of the storage addresses) and a timer every
 * IOD_SNET_RECHECK_NS close at once each session whose address no longer
 * belongs to the node it logged in as.
 *
 * Hooks: iod_storage_net_init/fini (server init/fini), _accepted (accept
 * path), _tick (event loop), _refresh (control socket). Every hook is a
 * no-op while s->snet is NULL (network off, tests that build a server
 * by hand).
 */
#ifndef XPAN_IOD_STORAGE_NET_H
#define XPAN_IOD_STORAGE_NET_H

#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "peer_identity.h"
#include "server.h"

/* Safety net behind `storage refresh`: a lost refresh leaves a session
 * of a node that lost its address open for at most this long. */
#define IOD_SNET_RECHECK_NS	(5ull * 1000000000)

struct iscsi_conn;

struct iod_storage_net {
	/* -1 when the storage.portal listener already takes connections
	 * to portal_ip:port (same address, or a wildcard on that port) */
	int lfd;
	struct iod_ev listen_ev;
	struct iod_owner_db owners;
	uint64_t last_check_ns;
	uint64_t last_err_log_ns;
	uint64_t refused;		/* logins refused by path */
	uint64_t closed;		/* sessions closed: address moved */
};

/* After storage.portal's listener (s->lfd) is open. 0, or -1 with err
 * (the portal address cannot be bound). Logs where it listens. */
int iod_storage_net_init(struct iod_server *s, char *err, size_t errlen);
void iod_storage_net_fini(struct iod_server *s);
/* The listener's descriptor, -1 when there is none. */
int iod_storage_net_lfd(const struct iod_server *s);

/* A connection was accepted from ss: remembers a storage-network peer
 * and binds its login to the owner of its address. */
void iod_storage_net_accepted(struct iod_server *s, struct iscsi_conn *c,
			      const struct sockaddr_storage *ss);

/*
 * Closes every session (and login in progress past the initiator name)
 * from the storage network whose address is no longer held by its node.
 * Returns the number closed and the number checked in *checked, or -1
 * with err when storage_addrs cannot be read (nothing is closed then).
 */
int iod_storage_net_refresh(struct iod_server *s, unsigned int *checked,
			    char *err, size_t errlen);
/* The event loop's safety net: a refresh every IOD_SNET_RECHECK_NS. */
void iod_storage_net_tick(struct iod_server *s, uint64_t now);

/* `storage refresh [-j]` on the control socket. 0, or -1 with err. */
int iod_storage_net_ctl_refresh(struct iod_server *s, FILE *out, bool json,
				char *err, size_t errlen);

#endif

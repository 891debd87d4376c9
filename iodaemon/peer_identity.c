// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Identity by path: which node a storage-network peer may log in as. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "peer_identity.h"
#include "state.h"
#include "storage_addr.h"

/*
 * A lookup runs on the event loop, once per login and per session on a
 * refresh. ctrld's database is in WAL mode, where readers do not wait
 * for its writer; this bounds the rare case that they do (recovery,
 * checkpoint) so that one login cannot stall every other session.
 */
#define OWNER_BUSY_MS	250

bool iod_peer_on_storage_net(const struct xpan_cfg_storage_net *net,
			     uint32_t ip)
{
	return net->enabled && ip && ip != net->portal_ip &&
	       xpan_storage_net_contains(net, ip);
}

uint32_t iod_peer_storage_ip(const struct xpan_cfg_storage_net *net,
			     const struct sockaddr *sa)
{
	uint32_t ip;

	if (sa->sa_family == AF_INET) {
		ip = ((const struct sockaddr_in *)sa)->sin_addr.s_addr;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
			&((const struct sockaddr_in6 *)sa)->sin6_addr;

		/* a dual-stack storage.portal sees IPv4 peers this way */
		if (!IN6_IS_ADDR_V4MAPPED(a))
			return 0;
		memcpy(&ip, &a->s6_addr[12], sizeof(ip));
	} else {
		return 0;
	}
	return iod_peer_on_storage_net(net, ip) ? ip : 0;
}

enum iod_peer_verdict iod_peer_decide(const struct xpan_cfg_storage_net *net,
				      uint32_t peer, const char *owner,
				      const char *node)
{
	if (!iod_peer_on_storage_net(net, peer))
		return IOD_PEER_ANY;
	if (!owner || !owner[0])
		return IOD_PEER_NO_OWNER;
	return node && !strcmp(owner, node) ? IOD_PEER_OWNER : IOD_PEER_OTHER;
}

void iod_owner_db_init(struct iod_owner_db *o, const char *state_dir)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->dir, sizeof(o->dir), "%s", state_dir);
}

void iod_owner_db_close(struct iod_owner_db *o)
{
	if (o->db)
		sqlite3_close(o->db);
	o->db = NULL;
}

/* ctrld may have replaced the file (state wiped and recreated): a handle
 * on the old inode would answer from a table nobody writes any more. */
static void drop_if_replaced(struct iod_owner_db *o)
{
	char path[sizeof(o->dir) + sizeof(XPAN_STATE_DB) + 1];
	struct stat st;

	if (!o->db)
		return;
	snprintf(path, sizeof(path), "%s/%s", o->dir, XPAN_STATE_DB);
	if (stat(path, &st) || st.st_dev != o->dev || st.st_ino != o->ino)
		iod_owner_db_close(o);
}

static int owner_open(struct iod_owner_db *o, char *err, size_t errlen)
{
	char path[sizeof(o->dir) + sizeof(XPAN_STATE_DB) + 1];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", o->dir, XPAN_STATE_DB);
	/* sqlite would create nothing read-only, but say what is missing */
	if (stat(path, &st)) {
		snprintf(err, errlen,
			 "%s does not exist (xpan-ctrld creates it with the storage addresses; is platform.state the same for both daemons?)",
			 path);
		return -1;
	}
	o->db = xpan_saddr_open_ro(o->dir, err, errlen);
	if (!o->db)
		return -1;
	sqlite3_busy_timeout(o->db, OWNER_BUSY_MS);
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	return 0;
}

int iod_owner_lookup(struct iod_owner_db *o, uint32_t ip, char *node,
		     size_t len, char *err, size_t errlen)
{
	int ret = -1;

	node[0] = '\0';
	drop_if_replaced(o);
	for (int attempt = 0; attempt < 2 && ret < 0; attempt++) {
		if (!o->db && owner_open(o, err, errlen))
			return -1;
		ret = xpan_saddr_owner(o->db, ip, node, len, err, errlen);
		if (ret < 0)
			iod_owner_db_close(o);	/* a fresh handle next */
	}
	return ret;
}

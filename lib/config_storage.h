/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The storage half of xpan's config file: each node's iSCSI identity
 * (nodes[].initiators, nodes[].chap) and the storage: section (target,
 * portal, pool, LUN windows, limits). lib/config.c parses it together
 * with the rest of the file, so xpan-ctrld and xpan-iod refuse the same
 * mistakes; xpan-iod keeps the storage section and the nodes' identities
 * (struct iod_config). Keys and rules: docs/config.md and docs/storage.md.
 */
#ifndef XPAN_CONFIG_STORAGE_H
#define XPAN_CONFIG_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XPAN_ISCSI_NAME_MAX		224	/* iSCSI names are at most 223 bytes */
#define XPAN_ISCSI_MAX_INITIATORS	8
#define XPAN_ISCSI_INITIATOR_PREFIX	"iqn.2026-11.io.xpan:"
#define XPAN_ISCSI_SECRET_MAX		256
#define XPAN_ISCSI_SECRET_MIN		12	/* RFC 7143 12.1.3 */
#define XPAN_STORAGE_PATH_MAX		512
#define XPAN_STORAGE_NODE_MAX		64	/* a LUN's node: field */
#define XPAN_STORAGE_PORTAL_MAX		128

#define XPAN_STORAGE_DEFAULT_TARGET	"iqn.2026-11.io.xpan:storage"
#define XPAN_STORAGE_DEFAULT_PORTAL	"0.0.0.0:3260"
#define XPAN_STORAGE_DEFAULT_RESCAN	30	/* s */
#define XPAN_STORAGE_MAX_RESCAN		86400	/* s */
#define XPAN_STORAGE_MAX_LUN		16383

/* Defaults and bounds of the storage limits (docs/storage.md "Limits"). */
#define XPAN_STORAGE_DEFAULT_SESSION_BUFFER	(64ull << 20)
/* two of the largest commands (VERIFY of 8 MiB: 8 MiB out, 8 MiB in) */
#define XPAN_STORAGE_MIN_SESSION_BUFFER		(32ull << 20)
#define XPAN_STORAGE_MAX_SESSION_BUFFER		(16ull << 30)
#define XPAN_STORAGE_DEFAULT_LOGIN_TIMEOUT	15	/* s */
#define XPAN_STORAGE_MAX_LOGIN_TIMEOUT		3600	/* s */
#define XPAN_STORAGE_DEFAULT_MAX_CONNECTIONS	1024
#define XPAN_STORAGE_MAX_MAX_CONNECTIONS	65536
#define XPAN_STORAGE_DEFAULT_MAX_CONN_PER_SOURCE 64

/* A node's iSCSI identity: nodes[].initiators and nodes[].chap. */
struct xpan_cfg_iscsi {
	/* given, or the one default name XPAN_ISCSI_INITIATOR_PREFIX<node> */
	char initiators[XPAN_ISCSI_MAX_INITIATORS][XPAN_ISCSI_NAME_MAX];
	size_t ninitiators;
	bool has_chap;
	char chap_user[XPAN_ISCSI_NAME_MAX];
	char chap_secret[XPAN_ISCSI_SECRET_MAX];
};

/*
 * storage.network: the subnet every node reaches the portal through, over
 * its own port (docs/storage-network.md). On whenever the file has a
 * storage: section, unless network: off.
 */
#define XPAN_STORAGE_NET_DEFAULT_SUBNET	"100.64.0.0/16"
#define XPAN_STORAGE_NET_DEFAULT_PORTAL	"100.64.0.1"
#define XPAN_STORAGE_NET_DEFAULT_PORT	3260
#define XPAN_STORAGE_NET_HOST_PORT	"xpst0"	/* holds portal_ip */
#define XPAN_STORAGE_NET_DP_PORT	"xpst1"	/* runs xpan_storage_in */
/* Longest prefix: room for the portal and at least two nodes. */
#define XPAN_STORAGE_NET_MAX_PREFIX	29

struct xpan_cfg_storage_net {
	bool enabled;
	uint32_t subnet;		/* IPv4, network byte order */
	uint8_t prefix;			/* 8..29 */
	uint32_t portal_ip;		/* network byte order */
	uint16_t port;			/* TCP port xpan-iod listens on */
	char host_port[16];		/* host end of the storage veth pair */
	char dp_port[16];		/* dataplane end */
	int line;			/* of storage.network, else 0 */
};

/* Netmask of the network, network byte order. */
uint32_t xpan_storage_net_mask(const struct xpan_cfg_storage_net *n);
/* ip (network byte order) is a host address of the subnet other than the
 * portal: not the network or broadcast address. */
bool xpan_storage_net_host(const struct xpan_cfg_storage_net *n, uint32_t ip);
/* ip (network byte order) is inside the subnet at all. */
bool xpan_storage_net_contains(const struct xpan_cfg_storage_net *n,
			       uint32_t ip);

/* One storage.luns entry. */
struct xpan_cfg_lun {
	char node[XPAN_STORAGE_NODE_MAX];
	uint16_t lun;
	char backing[XPAN_STORAGE_PATH_MAX];
	uint64_t offset;
	uint64_t size;		/* 0: up to the end of the store */
	bool shared;
	bool read_only;
	int line;		/* for "FILE:LINE" in later errors */
};

/* The storage: section, with its defaults when the file has none. */
struct xpan_cfg_storage {
	char target[XPAN_ISCSI_NAME_MAX];
	char portal[XPAN_STORAGE_PORTAL_MAX];
	char **pool;
	size_t npool;
	unsigned int rescan_sec;	/* periodic pool scan, 0 = off */
	bool write_cache;		/* report WCE=1 (see docs/storage.md) */
	uint64_t session_buffer;	/* bytes buffered per session, at most */
	unsigned int login_timeout_sec;	/* accept to full-feature phase */
	unsigned int max_connections;	/* all sources together */
	unsigned int max_connections_per_source; /* per remote address */
	struct xpan_cfg_lun *luns;
	size_t nluns;
	struct xpan_cfg_storage_net net; /* storage.network */
};

void xpan_cfg_storage_free(struct xpan_cfg_storage *st);

#endif

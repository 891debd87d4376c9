/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xpan's YAML config, the whole file (platform, vlans, nodes with their
 * iSCSI keys, storage: in config_storage.h) as a plain struct tree. The
 * one reader of the file: xpan-ctrld, the xpan CLI and xpan-iod all parse
 * it here, so they refuse the same mistakes. Parsing checks everything
 * that can be checked from the file alone; xpan_config_validate_system()
 * adds the checks against the running host (ports and namespaces exist),
 * so parsing can be tested without root. Keys and rules are documented in
 * docs/config.md.
 */
#ifndef XPAN_CONFIG_H
#define XPAN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "config_errors.h"
#include "config_storage.h"

#define XPAN_CFG_NAME_MAX	32	/* node and VLAN names, with the NUL */
#define XPAN_CFG_PATH_MAX	256
#define XPAN_CFG_NODE_MAX_IPS	16
#define XPAN_DEFAULT_STATE	"/var/lib/xpan"
#define XPAN_DEFAULT_IFNAME	"eth0"

/* Defaults and bounds of the hardening keys (docs/config.md). */
#define XPAN_CFG_MAX_LEARNED_DEFAULT	8
#define XPAN_CFG_LEARN_TIMEOUT_DEFAULT	300	/* s */
#define XPAN_CFG_LEARN_TIMEOUT_MAX	86400	/* s */
#define XPAN_CFG_FLOOD_LIMIT_DEFAULT	1000	/* frames/s */
#define XPAN_CFG_FLOOD_LIMIT_MAX	10000000 /* frames/s, past any port's rate */

/* xpan_cfg_node.vlan of a node without vlan: (read for storage only). */
#define XPAN_CFG_NO_VLAN		((size_t)-1)

/*
 * Who reads the file. What may be in it and how each key is checked is
 * the same for all; only what must be there differs: the network side
 * needs platform.serial and every node's port and vlan, xpan-iod (a
 * storage host's file may leave them out) does not.
 */
enum xpan_cfg_reader {
	XPAN_CFG_NETWORK,	/* xpan-ctrld, the xpan CLI */
	XPAN_CFG_STORAGE,	/* xpan-iod */
};

struct xpan_cfg_ip {
	uint32_t addr;			/* IPv4, network byte order */
	uint8_t prefix;			/* 0..32 */
	int line;
};

struct xpan_cfg_vlan {
	char name[XPAN_CFG_NAME_MAX];
	uint16_t id;			/* 802.1Q id, 1..4094 */
	bool learn;			/* learning on for its ports (default) */
	int line;
};

struct xpan_cfg_node {
	char name[XPAN_CFG_NAME_MAX];
	char port[IF_NAMESIZE];		/* host-side interface */
	char netns[XPAN_CFG_NAME_MAX];	/* "" when xpan does not manage the node */
	char ifname[IF_NAMESIZE];	/* node's interface inside netns */
	size_t vlan;			/* index into xpan_config.vlans, or
					 * XPAN_CFG_NO_VLAN */
	int datapath;			/* enum xpan_datapath */
	struct xpan_cfg_ip ips[XPAN_CFG_NODE_MAX_IPS];
	size_t n_ips;
	uint32_t max_learned;		/* learned addresses the port may hold */
	uint32_t flood_limit;		/* flooded frames/s, 0 = unlimited */
	int line;			/* of the node's mapping */
	int port_line;
	int netns_line;
	int max_learned_line;		/* its key, else the node's line */
	struct xpan_cfg_iscsi iscsi;	/* initiators, chap */
	uint32_t storage_ip;		/* nodes[].storage_ip, network byte
					 * order; 0 = ctrld allocates one */
	int storage_ip_line;
};

struct xpan_config {
	char path[XPAN_CFG_PATH_MAX];	/* file it came from, for messages */
	uint16_t serial;
	char state[XPAN_CFG_PATH_MAX];	/* directory: SQLite db, lock file */
	char bpffs[XPAN_CFG_PATH_MAX];
	uint32_t learn_timeout;		/* s a learned address lives unrefreshed */
	struct xpan_cfg_vlan *vlans;
	size_t n_vlans;
	struct xpan_cfg_node *nodes;
	size_t n_nodes;
	struct xpan_cfg_storage storage; /* defaults when the file has none */
};

/*
 * Parse and validate path into cfg (which the caller zeroes or frees
 * first) for reader. 0 on success; -1 with "FILE:LINE: what is wrong" in
 * err, and cfg left empty.
 */
int xpan_config_read(const char *path, enum xpan_cfg_reader reader,
		     struct xpan_config *cfg, char *err, size_t errlen);
/* The same from a buffer; name stands for the file in messages (tests). */
int xpan_config_read_string(const char *name, const char *buf, size_t len,
			    enum xpan_cfg_reader reader,
			    struct xpan_config *cfg, char *err, size_t errlen);
/* xpan_config_read*() for XPAN_CFG_NETWORK (xpan-ctrld, the CLI). */
int xpan_config_load(const char *path, struct xpan_config *cfg, char *err,
		     size_t errlen);
int xpan_config_load_string(const char *name, const char *buf, size_t len,
			    struct xpan_config *cfg, char *err, size_t errlen);
/* Every port interface and /run/netns/<netns> exists. 0 or -1 + err. */
int xpan_config_validate_system(const struct xpan_config *cfg, char *err,
				size_t errlen);
void xpan_config_free(struct xpan_config *cfg);

/*
 * xpan-ctrld --check: read path like xpan_config_read() but record every
 * error in errs (each "FILE:LINE: what", in file order, at most
 * XPAN_CFG_ERRORS_MAX kept, errs->total counts all) instead of stopping
 * at the first; with system, then the checks of
 * xpan_config_validate_system() on what parsed, recorded after the file's.
 * 0 with cfg filled when nothing is wrong; -1 with cfg left empty.
 */
int xpan_config_check_all(const char *path, enum xpan_cfg_reader reader,
			  bool system, struct xpan_config *cfg,
			  struct xpan_cfg_errors *errs);
/* The same from a buffer, name standing for the file (tests). */
int xpan_config_check_all_string(const char *name, const char *buf,
				 size_t len, enum xpan_cfg_reader reader,
				 bool system, struct xpan_config *cfg,
				 struct xpan_cfg_errors *errs);

/* NULL when absent. */
const struct xpan_cfg_node *xpan_config_node(const struct xpan_config *cfg,
					     const char *name);
const char *xpan_datapath_name(int datapath);
/* Learned addresses the node's port may hold: 0 when its VLAN does not
 * learn (or it has none). */
uint32_t xpan_cfg_node_quota(const struct xpan_config *cfg,
			     const struct xpan_cfg_node *n);
/*
 * Storm control bucket ctrld gives a port with this flood_limit: a tenth of
 * a second's worth, at least 10 frames (ARP retries, DHCP bursts).
 */
uint32_t xpan_cfg_flood_burst(uint32_t flood_limit);
/* "10.0.0.1/24" into buf; returns buf. */
char *xpan_cfg_ip_str(const struct xpan_cfg_ip *ip, char *buf, size_t len);

#endif

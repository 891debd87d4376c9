/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The part of xpan's config file that xpan-iod reads: node names, their
 * initiator names and CHAP secrets, and the storage: section (target
 * name, portal, pool, LUN windows). Everything else in the file belongs
 * to xpan-ctrld and is ignored here.
 */
#ifndef XPAN_IOD_CONFIG_H
#define XPAN_IOD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IOD_DEFAULT_TARGET	"iqn.2026-11.io.xpan:storage"
#define IOD_DEFAULT_PORTAL	"0.0.0.0:3260"
#define IOD_INITIATOR_PREFIX	"iqn.2026-11.io.xpan:"
#define IOD_NAME_MAX		224	/* iSCSI names are at most 223 bytes */
#define IOD_MAX_INITIATORS	8
#define IOD_PATH_MAX		512

/* Defaults of the storage limits (issue 6; docs/storage.md "Limits"). */
#define IOD_DEFAULT_SESSION_BUFFER	(64ull << 20)
/* two of the largest commands (VERIFY of 8 MiB: 8 MiB out, 8 MiB in) */
#define IOD_MIN_SESSION_BUFFER		(32ull << 20)
#define IOD_MAX_SESSION_BUFFER		(16ull << 30)
#define IOD_DEFAULT_LOGIN_TIMEOUT	15
#define IOD_MAX_LOGIN_TIMEOUT		3600
#define IOD_DEFAULT_MAX_CONNECTIONS	1024
#define IOD_MAX_MAX_CONNECTIONS		65536
#define IOD_DEFAULT_MAX_CONN_PER_SOURCE	64

struct iod_node_cfg {
	char name[64];
	char initiators[IOD_MAX_INITIATORS][IOD_NAME_MAX];
	size_t ninitiators;
	bool has_chap;
	char chap_user[IOD_NAME_MAX];
	char chap_secret[256];
};

struct iod_lun_cfg {
	char node[64];
	uint16_t lun;
	char backing[IOD_PATH_MAX];
	uint64_t offset;
	uint64_t size;		/* 0: up to the end of the store */
	bool shared;
	bool read_only;
	int line;		/* for "FILE:LINE" in later errors */
};

struct iod_config {
	char path[256];
	char target[IOD_NAME_MAX];
	char portal[128];
	char **pool;
	size_t npool;
	unsigned int rescan_sec;	/* periodic pool scan, 0 = off */
	bool write_cache;		/* report WCE=1 (see docs/storage.md) */
	uint64_t session_buffer;	/* bytes buffered per session, at most */
	unsigned int login_timeout_sec;	/* accept to full-feature phase */
	unsigned int max_connections;	/* all sources together */
	unsigned int max_connections_per_source; /* per remote address */
	struct iod_node_cfg *nodes;
	size_t nnodes;
	struct iod_lun_cfg *luns;
	size_t nluns;
};

/* 0, or -1 with "FILE:LINE: what is wrong" in err. */
int iod_config_load(struct iod_config *c, const char *path, char *err,
		    size_t errlen);
int iod_config_parse(struct iod_config *c, const char *name, const char *buf,
		     size_t len, char *err, size_t errlen);
void iod_config_free(struct iod_config *c);

#endif

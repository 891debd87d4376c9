/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xpan-iod's view of xpan's config file: node names, their initiator
 * names and CHAP secrets, and the storage: section (target name, portal,
 * pool, LUN windows, limits). The file is read by lib/config.c, the one
 * parser xpan-ctrld uses too (so both refuse the same mistakes); this
 * view is filled from it.
 */
#ifndef XPAN_IOD_CONFIG_H
#define XPAN_IOD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_storage.h"

#define IOD_DEFAULT_TARGET	XPAN_STORAGE_DEFAULT_TARGET
#define IOD_DEFAULT_PORTAL	XPAN_STORAGE_DEFAULT_PORTAL
#define IOD_INITIATOR_PREFIX	XPAN_ISCSI_INITIATOR_PREFIX
#define IOD_NAME_MAX		XPAN_ISCSI_NAME_MAX
#define IOD_MAX_INITIATORS	XPAN_ISCSI_MAX_INITIATORS
#define IOD_PATH_MAX		XPAN_STORAGE_PATH_MAX

/* Defaults of the storage limits (issue 6; docs/storage.md "Limits"). */
#define IOD_DEFAULT_SESSION_BUFFER	XPAN_STORAGE_DEFAULT_SESSION_BUFFER
#define IOD_MIN_SESSION_BUFFER		XPAN_STORAGE_MIN_SESSION_BUFFER
#define IOD_MAX_SESSION_BUFFER		XPAN_STORAGE_MAX_SESSION_BUFFER
#define IOD_DEFAULT_LOGIN_TIMEOUT	XPAN_STORAGE_DEFAULT_LOGIN_TIMEOUT
#define IOD_MAX_LOGIN_TIMEOUT		XPAN_STORAGE_MAX_LOGIN_TIMEOUT
#define IOD_DEFAULT_MAX_CONNECTIONS	XPAN_STORAGE_DEFAULT_MAX_CONNECTIONS
#define IOD_MAX_MAX_CONNECTIONS		XPAN_STORAGE_MAX_MAX_CONNECTIONS
#define IOD_DEFAULT_MAX_CONN_PER_SOURCE	XPAN_STORAGE_DEFAULT_MAX_CONN_PER_SOURCE

struct iod_node_cfg {
	char name[64];
	char initiators[IOD_MAX_INITIATORS][IOD_NAME_MAX];
	size_t ninitiators;
	bool has_chap;
	char chap_user[IOD_NAME_MAX];
	char chap_secret[XPAN_ISCSI_SECRET_MAX];
};

struct iod_lun_cfg {
	char node[XPAN_STORAGE_NODE_MAX];
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
	char portal[XPAN_STORAGE_PORTAL_MAX];
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

/*
 * Reads path with lib's config reader (xpan_config_read, for storage) and
 * fills c. 0, or -1 with "FILE:LINE: what is wrong" in err.
 */
int iod_config_load(struct iod_config *c, const char *path, char *err,
		    size_t errlen);
/* The same from a buffer; name stands for the file in messages (tests). */
int iod_config_parse(struct iod_config *c, const char *name, const char *buf,
		     size_t len, char *err, size_t errlen);
void iod_config_free(struct iod_config *c);

#endif

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

/* A node xpan-iod serves: its name and iSCSI identity. */
struct iod_node_cfg {
	char name[64];
	struct xpan_cfg_iscsi iscsi;
};

struct iod_config {
	char path[256];
	/* platform.state: xpan-ctrld's database, where storage_addrs says
	 * which node holds which storage address (storage_net.c) */
	char state[256];
	/* target, portal, pool, limits and LUN windows, as lib read them */
	struct xpan_cfg_storage storage;
	struct iod_node_cfg *nodes;
	size_t nnodes;
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

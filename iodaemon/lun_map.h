/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The virtual disk map: backing stores (files or block devices in the
 * pool, "the SAN"), LUN windows onto them, and which node (selected by
 * its initiator names) sees which LUN under which number. Two nodes can
 * both have a LUN 0 pointing at different places.
 */
#ifndef XPAN_IOD_LUN_MAP_H
#define XPAN_IOD_LUN_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "iod_config.h"
#include "pr.h"
#include "scsi.h"
#include "stats.h"

struct iod_store {
	char path[IOD_PATH_MAX];
	int fd;			/* -1 when not open */
	int dfd;		/* same file opened O_DIRECT for large reads,
				 * -1 when the file system refuses it */
	uint64_t size;
	dev_t dev;		/* identity, to notice a replaced file */
	ino_t ino;
	bool blockdev;
	bool present;
	bool in_pool;		/* found by a pool scan */
	bool can_unmap;
	unsigned int nluns;	/* LUN windows on it: assigned when > 0 */
};

struct iod_node;

struct iod_lun {
	struct iod_store *store;
	struct iod_node *node;
	uint16_t lun;
	uint64_t offset;
	uint64_t size;
	bool shared;
	struct scsi_dev sdev;
	struct iod_stats stats;
	const void *rsv6;	/* I_T nexus holding RESERVE(6), or NULL */
	struct pr_state pr;
};

struct iod_node {
	char name[64];
	char initiators[IOD_MAX_INITIATORS][IOD_NAME_MAX];
	size_t ninitiators;
	bool has_chap;
	char chap_user[IOD_NAME_MAX];
	char chap_secret[256];
	struct iod_lun **luns;	/* sorted by LUN number */
	uint16_t *lun_ids;	/* same order, for REPORT LUNS */
	size_t nluns;
};

struct lun_map {
	char target[IOD_NAME_MAX];
	struct iod_node *nodes;
	size_t nnodes;
	struct iod_lun *luns;
	size_t nluns;
	struct iod_store **stores;
	size_t nstores;
	char **pool;
	size_t npool;
};

/* Opens every backing store and checks the windows. 0, or -1 with a
 * message naming the config line. */
int lun_map_build(struct lun_map *m, const struct iod_config *c, char *err,
		  size_t errlen);
void lun_map_free(struct lun_map *m);

struct iod_node *lun_map_node_by_initiator(struct lun_map *m,
					   const char *initiator);
struct iod_node *lun_map_node_by_name(struct lun_map *m, const char *name);
struct iod_lun *lun_map_lookup(struct iod_node *n, uint16_t lun);
/* Gives node's LUN view to initiator (and only to it). 0 or -1 + err. */
int lun_map_move(struct lun_map *m, const char *node, const char *initiator,
		 char *err, size_t errlen);
bool iod_node_has_initiator(const struct iod_node *n, const char *initiator);

/* Store bookkeeping shared with the pool scanner. */
struct iod_store *lun_map_find_store(struct lun_map *m, const char *path);
struct iod_store *lun_map_add_store(struct lun_map *m, const char *path);
int iod_store_open(struct iod_store *s, char *err, size_t errlen);
void iod_store_close(struct iod_store *s);
/* Marks every LUN on s present or not. */
void lun_map_store_state(struct lun_map *m, struct iod_store *s, bool present);

#endif

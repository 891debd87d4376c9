// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xpan-iod's view of the config file, filled from lib's one reader
 * (lib/config.c with lib/config_storage.c): the file is parsed and
 * checked there exactly as xpan-ctrld parses it; only platform.serial and
 * the nodes' port and vlan, which xpan-iod does not use, may be missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "iod_config.h"

/* Takes the storage section's allocations over from x. */
static int fill(struct iod_config *c, struct xpan_config *x, char *err,
		size_t errlen)
{
	struct xpan_cfg_storage *st = &x->storage;
	size_t i;

	snprintf(c->path, sizeof(c->path), "%s", x->path);
	snprintf(c->target, sizeof(c->target), "%s", st->target);
	snprintf(c->portal, sizeof(c->portal), "%s", st->portal);
	c->rescan_sec = st->rescan_sec;
	c->write_cache = st->write_cache;
	c->session_buffer = st->session_buffer;
	c->login_timeout_sec = st->login_timeout_sec;
	c->max_connections = st->max_connections;
	c->max_connections_per_source = st->max_connections_per_source;

	c->nodes = calloc(x->n_nodes + 1, sizeof(*c->nodes));
	c->luns = calloc(st->nluns + 1, sizeof(*c->luns));
	if (!c->nodes || !c->luns) {
		snprintf(err, errlen, "%s: out of memory", x->path);
		return -1;
	}
	for (i = 0; i < x->n_nodes; i++) {
		const struct xpan_cfg_node *n = &x->nodes[i];
		struct iod_node_cfg *o = &c->nodes[i];

		snprintf(o->name, sizeof(o->name), "%s", n->name);
		memcpy(o->initiators, n->iscsi.initiators,
		       sizeof(o->initiators));
		o->ninitiators = n->iscsi.ninitiators;
		o->has_chap = n->iscsi.has_chap;
		snprintf(o->chap_user, sizeof(o->chap_user), "%s",
			 n->iscsi.chap_user);
		snprintf(o->chap_secret, sizeof(o->chap_secret), "%s",
			 n->iscsi.chap_secret);
	}
	c->nnodes = x->n_nodes;
	for (i = 0; i < st->nluns; i++) {
		const struct xpan_cfg_lun *l = &st->luns[i];
		struct iod_lun_cfg *o = &c->luns[i];

		snprintf(o->node, sizeof(o->node), "%s", l->node);
		o->lun = l->lun;
		snprintf(o->backing, sizeof(o->backing), "%s", l->backing);
		o->offset = l->offset;
		o->size = l->size;
		o->shared = l->shared;
		o->read_only = l->read_only;
		o->line = l->line;
	}
	c->nluns = st->nluns;
	c->pool = st->pool;
	c->npool = st->npool;
	st->pool = NULL;
	st->npool = 0;
	return 0;
}

static int take(struct iod_config *c, struct xpan_config *x, int ret,
		char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	if (!ret)
		ret = fill(c, x, err, errlen);
	/* the secrets live on in c only */
	for (size_t i = 0; i < x->n_nodes; i++)
		explicit_bzero(x->nodes[i].iscsi.chap_secret,
			       sizeof(x->nodes[i].iscsi.chap_secret));
	xpan_config_free(x);
	if (ret)
		iod_config_free(c);
	return ret;
}

int iod_config_parse(struct iod_config *c, const char *name, const char *buf,
		     size_t len, char *err, size_t errlen)
{
	struct xpan_config x;
	int ret;

	ret = xpan_config_read_string(name, buf, len, XPAN_CFG_STORAGE, &x,
				      err, errlen);
	return take(c, &x, ret, err, errlen);
}

int iod_config_load(struct iod_config *c, const char *path, char *err,
		    size_t errlen)
{
	struct xpan_config x;
	int ret;

	ret = xpan_config_read(path, XPAN_CFG_STORAGE, &x, err, errlen);
	return take(c, &x, ret, err, errlen);
}

void iod_config_free(struct iod_config *c)
{
	size_t i;

	for (i = 0; i < c->npool; i++)
		free(c->pool[i]);
	free(c->pool);
	free(c->nodes);
	free(c->luns);
	memset(c, 0, sizeof(*c));
}

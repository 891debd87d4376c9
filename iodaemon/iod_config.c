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
	size_t i;

	snprintf(c->path, sizeof(c->path), "%s", x->path);
	snprintf(c->state, sizeof(c->state), "%s", x->state);
	c->nodes = calloc(x->n_nodes + 1, sizeof(*c->nodes));
	if (!c->nodes) {
		snprintf(err, errlen, "%s: out of memory", x->path);
		return -1;
	}
	for (i = 0; i < x->n_nodes; i++) {
		snprintf(c->nodes[i].name, sizeof(c->nodes[i].name), "%s",
			 x->nodes[i].name);
		c->nodes[i].iscsi = x->nodes[i].iscsi;
	}
	c->nnodes = x->n_nodes;
	c->storage = x->storage;
	memset(&x->storage, 0, sizeof(x->storage));
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
	xpan_cfg_storage_free(&c->storage);
	free(c->nodes);
	memset(c, 0, sizeof(*c));
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xpan load / xpan unload. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "bpf/xpan_shared.h"
#include "commands.h"
#include "config.h"
#include "dataplane.h"
#include "log.h"

/* Attaches every node port of the config; returns the number that failed. */
static int attach_config(struct xpan_dp *dp, const struct xpan_config *cfg)
{
	int failed = 0;

	for (size_t i = 0; i < cfg->n_nodes; i++) {
		const struct xpan_cfg_node *n = &cfg->nodes[i];
		const char *dpname = xpan_datapath_name(n->datapath);
		unsigned int ifindex = if_nametoindex(n->port);
		int err;

		if (!ifindex) {
			pr_warn("%s:%d: node %s: port %s: %s - create the interface first\n",
				cfg->path, n->port_line ? n->port_line : n->line,
				n->name, n->port, strerror(errno));
			failed++;
			continue;
		}
		err = xpan_dp_attach(dp, (int)ifindex, n->datapath);
		if (err) {
			pr_warn("node %s: cannot attach %s on %s: %s\n", n->name,
				dpname, n->port, strerror(-err));
			failed++;
			continue;
		}
		printf("attached %s on %s (node %s)\n", dpname, n->port, n->name);
	}
	return failed;
}

int do_load(const struct xpan_opts *o, int argc, char **argv)
{
	struct xpan_config cfg = { 0 };
	struct xpan_dp *dp;
	const char *bpffs;
	char msg[512];
	int err, rc = XPAN_EXIT_OK;

	(void)argc;
	(void)argv;
	if (o->config && xpan_config_load(o->config, &cfg, msg, sizeof(msg))) {
		pr_warn("%s\n", msg);
		return XPAN_EXIT_FAIL;
	}
	bpffs = o->bpffs ? o->bpffs : cfg.bpffs[0] ? cfg.bpffs : XPAN_DEFAULT_BPFFS;

	err = xpan_dp_prepare_bpffs(bpffs);
	if (err) {
		rc = XPAN_EXIT_FAIL;
		goto out_free_cfg;
	}
	err = xpan_dp_open(bpffs, true, &dp);
	if (err) {
		pr_warn("cannot load the dataplane into %s: %s - run with -vv for libbpf's log\n",
			bpffs, strerror(-err));
		rc = XPAN_EXIT_FAIL;
		goto out_free_cfg;
	}
	printf("dataplane loaded, pinned under %s\n", bpffs);
	if (o->config && attach_config(dp, &cfg))
		rc = XPAN_EXIT_FAIL;
	xpan_dp_close(dp);
out_free_cfg:
	if (o->config)
		xpan_config_free(&cfg);
	return rc;
}

int do_unload(const struct xpan_opts *o, int argc, char **argv)
{
	const char *bpffs = xpan_opts_bpffs(o);
	int err;

	(void)argc;
	(void)argv;
	if (!bpffs)
		return XPAN_EXIT_FAIL;
	err = xpan_dp_unload_all(bpffs, o->all);
	if (err) {
		pr_warn("unload of %s incomplete: %s - see the messages above\n",
			bpffs, strerror(-err));
		return XPAN_EXIT_FAIL;
	}
	printf("dataplane unloaded, %s removed\n", bpffs);
	return XPAN_EXIT_OK;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Applying a config: MAC assignments, maps, node interfaces; and reload. */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/xpan_shared.h"
#include "ctrld.h"
#include "log.h"
#include "macalloc.h"
#include "storage_addr.h"

/*
 * The storage port's MAC is a virtual MAC like a node's, held under a
 * name no node can have ('@' is not allowed in node names).
 */
#define STORAGE_MAC_HOLDER "@storage"

struct node_rt *node_rt_alloc(size_t n)
{
	struct node_rt *rt = calloc(n + 1, sizeof(*rt));

	for (size_t i = 0; rt && i < n; i++)
		rt[i].slot = -1;
	return rt;
}

void node_note(struct ctrld *c, size_t i, const char *fmt, ...)
{
	struct node_rt *rt = &c->rt[i];
	size_t off = strlen(rt->note);
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_warn("node %s: %s\n", c->cfg.nodes[i].name, msg);
	if (off && off + 2 < sizeof(rt->note))
		off += snprintf(rt->note + off, sizeof(rt->note) - off, "; ");
	if (off < sizeof(rt->note))
		snprintf(rt->note + off, sizeof(rt->note) - off, "%s", msg);
}

static int assign_macs(struct ctrld *c, char *err, size_t errlen)
{
	const char **names;
	int released;

	size_t n_keep = c->cfg.n_nodes;

	names = calloc(c->cfg.n_nodes + 2, sizeof(*names));
	if (!names) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < c->cfg.n_nodes; i++)
		names[i] = c->cfg.nodes[i].name;
	if (c->cfg.storage.net.enabled)
		names[n_keep++] = STORAGE_MAC_HOLDER;
	/* Removed nodes lose their MAC for good; the row stays as history. */
	released = xpan_mac_release_others(c->st, names, n_keep, err, errlen);
	free(names);
	if (released < 0)
		return -1;
	if (released)
		pr_info("released the MACs of %d node(s) no longer configured\n",
			released);

	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		const struct xpan_cfg_node *n = &c->cfg.nodes[i];
		struct node_rt *rt = &c->rt[i];
		char macs[XPAN_MAC_STRLEN];
		bool had = xpan_mac_lookup(c->st, n->name, &rt->mac) == 0;

		if (!had && xpan_mac_assign(c->st, n->name, c->cfg.serial,
					    &rt->mac, err, errlen))
			return -1;
		xpan_mac_str(rt->mac.mac, macs, sizeof(macs));
		if (!had)
			pr_info("node %s: assigned MAC %s\n", n->name, macs);
		else if (rt->mac.serial != c->cfg.serial)
			pr_debug("node %s keeps MAC %s from serial %u\n",
				 n->name, macs, rt->mac.serial);
	}
	memset(&c->storage_mac, 0, sizeof(c->storage_mac));
	if (c->cfg.storage.net.enabled &&
	    xpan_mac_assign(c->st, STORAGE_MAC_HOLDER, c->cfg.serial,
			    &c->storage_mac, err, errlen))
		return -1;
	return 0;
}

/* Every node's storage address, kept in the state db like its MAC. */
static int assign_storage_ips(struct ctrld *c, char *err, size_t errlen)
{
	uint32_t *ips = calloc(c->cfg.n_nodes + 1, sizeof(*ips));

	if (!ips) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (xpan_saddr_sync(c->st, &c->cfg, ips, err, errlen)) {
		free(ips);
		return -1;
	}
	for (size_t i = 0; i < c->cfg.n_nodes; i++)
		c->rt[i].storage_ip = ips[i];
	free(ips);
	return 0;
}

static bool any_xdp(const struct xpan_config *cfg)
{
	for (size_t i = 0; i < cfg->n_nodes; i++)
		if (cfg->nodes[i].datapath == XPAN_DP_XDP)
			return true;
	return false;
}

bool ctrld_ports_changed(const struct ctrld *c)
{
	for (size_t i = 0; i < c->cfg.n_nodes; i++)
		if ((int)if_nametoindex(c->cfg.nodes[i].port) != c->rt[i].ifindex)
			return true;
	return false;
}

int ctrld_apply(struct ctrld *c, char *err, size_t errlen)
{
	bool gro = any_xdp(&c->cfg);
	size_t attached = 0, present = 0;
	int changes;

	c->failures = 0;
	if (assign_macs(c, err, errlen) || assign_storage_ips(c, err, errlen))
		return -1;
	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		const struct xpan_cfg_node *n = &c->cfg.nodes[i];
		struct node_rt *rt = &c->rt[i];
		char e[256];

		rt->note[0] = '\0';
		rt->ifindex = (int)if_nametoindex(n->port);
		if (!rt->ifindex) {
			node_note(c, i, "port %s does not exist; its entries stay out of the maps until it appears",
				  n->port);
			continue;
		}
		if (nodenet_prepare_port(n->port, e, sizeof(e))) {
			node_note(c, i, "%s (retried)", e);
			c->failures++;
		}
	}

	storage_net_links(c);
	changes = reconcile_maps(c);

	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		const struct xpan_cfg_node *n = &c->cfg.nodes[i];
		struct node_rt *rt = &c->rt[i];
		char e[256];

		if (!rt->ifindex)
			continue;
		present++;
		if (port_attached(c, rt->ifindex, n->datapath))
			attached++;
		struct nodenet_storage sn = {
			.ip = rt->storage_ip,
			.portal = c->cfg.storage.net.portal_ip,
		};

		if (!n->netns[0])
			continue;
		if (nodenet_configure(n, rt->mac.mac, gro, &sn, e, sizeof(e))) {
			node_note(c, i, "netns %s: %s (retried)", n->netns, e);
			c->failures++;
		}
	}
	storage_net_notify(c);
	pr_info("applied %s: serial %u, %zu vlans, %zu nodes, %zu/%zu ports attached, %d map entries changed%s\n",
		c->cfg_path, c->cfg.serial, c->cfg.n_vlans, c->cfg.n_nodes,
		attached, present, changes,
		c->failures ? ", some updates failed (see notes; retried)" : "");
	return 0;
}

int ctrld_reload(struct ctrld *c, char *err, size_t errlen)
{
	struct xpan_config ncfg, old;
	struct node_rt *nrt, *ort;

	if (xpan_config_load(c->cfg_path, &ncfg, err, errlen))
		return -1;
	if (xpan_config_validate_system(&ncfg, err, errlen))
		goto out_free;
	/* The state db is locked and the maps are open: both stay put. */
	if (strcmp(ncfg.state, c->cfg.state) || strcmp(ncfg.bpffs, c->cfg.bpffs)) {
		snprintf(err, errlen,
			 "%s: platform.state and platform.bpffs cannot change on reload (running with %s and %s); restart xpan-ctrld for that",
			 c->cfg_path, c->cfg.state, c->cfg.bpffs);
		goto out_free;
	}
	nrt = node_rt_alloc(ncfg.n_nodes);
	if (!nrt) {
		snprintf(err, errlen, "out of memory");
		goto out_free;
	}
	old = c->cfg;
	ort = c->rt;
	c->cfg = ncfg;
	c->rt = nrt;
	xpan_config_free(&old);
	free(ort);
	pr_info("reloading %s\n", c->cfg_path);
	return ctrld_apply(c, err, errlen);

out_free:
	xpan_config_free(&ncfg);
	return -1;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Map reconciliation: compute what the maps should hold from the config
 * and the MAC assignments, then write only the differences. Additions and
 * updates go first and deletions last, so a frame in flight never finds a
 * hole that the end state does not have; maps are never cleared, so the
 * dataplane forwards while ctrld is down and across its restarts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/xpan_shared.h"
#include "ctrld.h"
#include "dataplane.h"
#include "log.h"
#include "macalloc.h"

/* Upper bound on keys read back from one map while reconciling. */
#define MAX_KEYS (XPAN_MAX_BINDINGS + 16)

struct want_binding {
	struct xpan_binding_key key;
	struct xpan_binding val;
};

bool port_attached(const struct ctrld *c, int ifindex, int datapath)
{
	struct xpan_dp_port_state ps;

	if (ifindex <= 0 ||
	    xpan_dp_query_owned(ifindex, c->ports_map_id, &ps))
		return false;
	return datapath == XPAN_DP_XDP ? ps.xdp : ps.tc;
}

/* Every key of a map (hash maps: next_key walk). Returns count or -errno. */
static int map_keys(int fd, void *keys, size_t key_size, size_t max)
{
	char prev[64], cur[64];
	size_t n = 0;
	void *p = NULL;

	while (n < max) {
		if (bpf_map_get_next_key(fd, p, cur))
			return errno == ENOENT ? (int)n : -errno;
		memcpy((char *)keys + n * key_size, cur, key_size);
		memcpy(prev, cur, key_size);
		p = prev;
		n++;
	}
	return (int)n;
}

static int update_if_changed(int fd, const void *key, const void *val,
			     size_t vsize, const char *what)
{
	char cur[sizeof(struct xpan_vlan)];

	if (vsize <= sizeof(cur) && bpf_map_lookup_elem(fd, key, cur) == 0 &&
	    memcmp(cur, val, vsize) == 0)
		return 0;
	if (bpf_map_update_elem(fd, key, val, BPF_ANY)) {
		int e = errno;

		pr_warn("cannot update %s: %s\n", what, strerror(e));
		return -e;
	}
	return 1;
}

static int delete_key(int fd, const void *key, const char *what)
{
	if (bpf_map_delete_elem(fd, key) && errno != ENOENT) {
		pr_warn("cannot delete from %s: %s\n", what, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Zeroes a slot's counters on every CPU. Done when the slot is given to a
 * port, before the port entry points at it, so that what a previous owner
 * counted never shows up as the new port's.
 */
static int zero_stats(int fd, __u32 slot)
{
	int ncpu = libbpf_num_possible_cpus(), ret = 0;
	void *zero;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	/* Per-CPU values are 8-byte aligned, one per possible CPU. */
	zero = calloc(ncpu, (sizeof(struct xpan_port_counters) + 7) / 8 * 8);
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &slot, zero, BPF_ANY)) {
		ret = -errno;
		pr_warn("cannot zero counter slot %u: %s\n", slot,
			strerror(-ret));
	}
	free(zero);
	return ret;
}

/*
 * Counter slots (struct xpan_port.slot) held by the xpan_ports entries in
 * the map, which is the only record of them: it survives ctrld restarts,
 * so a port keeps its slot and its counters. A slot out of range or held
 * twice (damaged map) is not trusted: its second holder gets a new one.
 */
struct slot_table {
	bool used[XPAN_MAX_PORTS];
};

static int slots_read(int ports_fd, struct slot_table *t)
{
	__u32 *keys;
	int n;

	memset(t, 0, sizeof(*t));
	keys = calloc(MAX_KEYS, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	n = map_keys(ports_fd, keys, sizeof(*keys), MAX_KEYS);
	for (int k = 0; k < n; k++) {
		struct xpan_port p;

		if (!bpf_map_lookup_elem(ports_fd, &keys[k], &p) &&
		    p.slot < XPAN_MAX_PORTS)
			t->used[p.slot] = true;
	}
	free(keys);
	return n < 0 ? n : 0;
}

/* Lowest free slot, marked used, or -ENOSPC when all are taken. */
static int slot_alloc(struct slot_table *t)
{
	for (__u32 s = 0; s < XPAN_MAX_PORTS; s++) {
		if (!t->used[s]) {
			t->used[s] = true;
			return (int)s;
		}
	}
	return -ENOSPC;
}

/*
 * The slot for the port with this ifindex: the one its entry already has
 * (claimed[] tells a kept slot from one a second entry also names), else
 * the lowest free one with its counters zeroed. Negative errno on failure.
 */
static int port_slot(const struct xpan_dp_maps *m, __u32 ifindex,
		     struct slot_table *t, bool *claimed)
{
	struct xpan_port cur;
	int slot, ret;

	if (!bpf_map_lookup_elem(m->ports, &ifindex, &cur) &&
	    cur.slot < XPAN_MAX_PORTS && !claimed[cur.slot]) {
		claimed[cur.slot] = true;
		return (int)cur.slot;
	}
	slot = slot_alloc(t);
	if (slot < 0)
		return slot;
	claimed[slot] = true;
	ret = zero_stats(m->counters, (__u32)slot);
	return ret ? ret : slot;
}

/* VLAN id of the node port with this ifindex, 0 when it is none. */
static __u16 port_vlan(const struct ctrld *c, __u32 ifindex)
{
	for (size_t i = 0; i < c->cfg.n_nodes; i++)
		if (c->rt[i].ifindex > 0 && (__u32)c->rt[i].ifindex == ifindex)
			return c->cfg.vlans[c->cfg.nodes[i].vlan].id;
	return 0;
}

static bool port_wanted(const struct ctrld *c, __u32 ifindex)
{
	return port_vlan(c, ifindex) != 0;
}

static void fill_port(const struct ctrld *c, size_t i, struct xpan_port *p)
{
	const struct xpan_cfg_node *n = &c->cfg.nodes[i];

	memset(p, 0, sizeof(*p));
	memcpy(p->mac, c->rt[i].mac.mac, XPAN_ETH_ALEN);
	p->vlan = c->cfg.vlans[n->vlan].id;
	p->flags = XPAN_PORT_F_ENABLED;
	p->datapath = n->datapath;
	p->node_id = (__u32)c->rt[i].mac.id;
}

static int sync_ports(struct ctrld *c, const struct xpan_dp_maps *m,
		      int *changes)
{
	bool claimed[XPAN_MAX_PORTS] = { false };
	struct slot_table *slots;
	int ret;

	slots = malloc(sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	ret = slots_read(m->ports, slots);
	if (ret)
		goto out_free;
	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		const struct xpan_cfg_node *n = &c->cfg.nodes[i];
		__u32 ifindex = c->rt[i].ifindex;
		struct xpan_port p;
		int slot;

		if (!ifindex)
			continue;
		slot = port_slot(m, ifindex, slots, claimed);
		if (slot == -ENOSPC)
			snprintf(c->rt[i].note, sizeof(c->rt[i].note),
				 "no free counter slot: all %d are in use by other ports; remove nodes first",
				 XPAN_MAX_PORTS);
		else if (slot < 0)
			snprintf(c->rt[i].note, sizeof(c->rt[i].note),
				 "cannot set up a counter slot: %s",
				 strerror(-slot));
		if (slot < 0) {
			pr_warn("node %s: %s; port %s stays out of xpan_ports\n",
				n->name, c->rt[i].note, n->port);
			continue;
		}
		fill_port(c, i, &p);
		p.slot = (__u32)slot;
		ret = update_if_changed(m->ports, &ifindex, &p, sizeof(p),
					XPAN_MAP_PORTS);
		if (ret < 0)
			goto out_free;
		*changes += ret;
		/* Attaching again also restores a missing xpan_flood entry. */
		if (port_attached(c, ifindex, n->datapath) &&
		    xpan_dp_in_flood(c->dp, ifindex))
			continue;
		ret = xpan_dp_attach(c->dp, ifindex, n->datapath);
		if (ret) {
			snprintf(c->rt[i].note, sizeof(c->rt[i].note),
				 "attaching %s to %s failed: %s",
				 xpan_datapath_name(n->datapath), n->port,
				 strerror(-ret));
			pr_warn("node %s: %s\n", n->name, c->rt[i].note);
			continue;
		}
		pr_info("node %s: attached %s program to %s (ifindex %u)\n",
			n->name, xpan_datapath_name(n->datapath), n->port,
			ifindex);
		(*changes)++;
	}
	ret = 0;
out_free:
	free(slots);
	return ret;
}

static int sync_macs(struct ctrld *c, const struct xpan_dp_maps *m,
		     int *changes)
{
	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		struct xpan_mac_key k = {};
		struct xpan_fwd f = {};
		int ret;

		if (!c->rt[i].ifindex)
			continue;
		memcpy(k.mac, c->rt[i].mac.mac, XPAN_ETH_ALEN);
		f.ifindex = c->rt[i].ifindex;
		f.vlan = c->cfg.vlans[c->cfg.nodes[i].vlan].id;
		ret = update_if_changed(m->macs, &k, &f, sizeof(f),
					XPAN_MAP_MACS);
		if (ret < 0)
			return ret;
		*changes += ret;
	}
	return 0;
}

static size_t want_bindings(const struct ctrld *c, struct want_binding *w)
{
	size_t n = 0;

	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		const struct xpan_cfg_node *node = &c->cfg.nodes[i];

		if (!c->rt[i].ifindex)
			continue;
		for (size_t j = 0; j < node->n_ips; j++) {
			memset(&w[n], 0, sizeof(w[n]));
			w[n].key.vlan = c->cfg.vlans[node->vlan].id;
			w[n].key.ip4 = node->ips[j].addr;
			memcpy(w[n].val.mac, c->rt[i].mac.mac, XPAN_ETH_ALEN);
			w[n].val.flags = XPAN_BIND_F_STATIC;
			w[n].val.ifindex = c->rt[i].ifindex;
			n++;
		}
	}
	return n;
}

static int sync_bindings(struct ctrld *c, const struct xpan_dp_maps *m,
			 int *changes)
{
	struct want_binding *w;
	struct xpan_binding_key *keys;
	size_t nw;
	int nk, ret = 0;

	w = calloc(c->cfg.n_nodes * XPAN_CFG_NODE_MAX_IPS + 1, sizeof(*w));
	keys = calloc(MAX_KEYS, sizeof(*keys));
	if (!w || !keys) {
		ret = -ENOMEM;
		goto out_free;
	}
	nw = want_bindings(c, w);
	for (size_t i = 0; i < nw; i++) {
		ret = update_if_changed(m->bindings, &w[i].key, &w[i].val,
					sizeof(w[i].val), XPAN_MAP_BINDINGS);
		if (ret < 0)
			goto out_free;
		*changes += ret;
	}
	ret = 0;
	nk = map_keys(m->bindings, keys, sizeof(*keys), MAX_KEYS);
	if (nk < 0) {
		ret = nk;
		goto out_free;
	}
	for (int k = 0; k < nk; k++) {
		struct xpan_binding b;
		bool keep = false;

		if (bpf_map_lookup_elem(m->bindings, &keys[k], &b))
			continue;
		if (b.flags & XPAN_BIND_F_STATIC) {
			for (size_t i = 0; i < nw && !keep; i++)
				keep = memcmp(&w[i].key, &keys[k],
					      sizeof(keys[k])) == 0;
		} else {
			/* Learned: valid while its port is a node port in that VLAN. */
			keep = port_vlan(c, b.ifindex) == keys[k].vlan;
		}
		if (keep)
			continue;
		if (delete_key(m->bindings, &keys[k], XPAN_MAP_BINDINGS) == 0)
			(*changes)++;
	}
out_free:
	free(w);
	free(keys);
	return ret;
}

static int sync_vlans(struct ctrld *c, const struct xpan_dp_maps *m,
		      int *changes)
{
	for (size_t v = 0; v < c->cfg.n_vlans; v++) {
		struct xpan_vlan val = {};
		__u32 id = c->cfg.vlans[v].id;
		int ret;

		for (size_t i = 0; i < c->cfg.n_nodes; i++)
			if (c->cfg.nodes[i].vlan == v && c->rt[i].ifindex &&
			    val.count < XPAN_VLAN_MAX_MEMBERS)
				val.ifindex[val.count++] = c->rt[i].ifindex;
		ret = update_if_changed(m->vlans, &id, &val, sizeof(val),
					XPAN_MAP_VLANS);
		if (ret < 0)
			return ret;
		*changes += ret;
	}
	return 0;
}

/* Deletions, after everything the new config needs is in place. */
static int prune(struct ctrld *c, const struct xpan_dp_maps *m, int *changes)
{
	struct xpan_mac_key *mkeys;
	__u32 *ikeys;
	int n, ret = 0;

	ikeys = calloc(MAX_KEYS, sizeof(*ikeys));
	mkeys = calloc(MAX_KEYS, sizeof(*mkeys));
	if (!ikeys || !mkeys) {
		ret = -ENOMEM;
		goto out_free;
	}

	n = map_keys(m->macs, mkeys, sizeof(*mkeys), MAX_KEYS);
	for (int k = 0; k < n; k++) {
		bool keep = false;

		for (size_t i = 0; i < c->cfg.n_nodes && !keep; i++)
			keep = c->rt[i].ifindex &&
			       memcmp(c->rt[i].mac.mac, mkeys[k].mac,
				      XPAN_ETH_ALEN) == 0;
		if (!keep && delete_key(m->macs, &mkeys[k], XPAN_MAP_MACS) == 0)
			(*changes)++;
	}

	n = map_keys(m->vlans, ikeys, sizeof(*ikeys), MAX_KEYS);
	for (int k = 0; k < n; k++) {
		bool keep = false;

		for (size_t v = 0; v < c->cfg.n_vlans && !keep; v++)
			keep = c->cfg.vlans[v].id == ikeys[k];
		if (!keep && delete_key(m->vlans, &ikeys[k], XPAN_MAP_VLANS) == 0)
			(*changes)++;
	}

	n = map_keys(m->ports, ikeys, sizeof(*ikeys), MAX_KEYS);
	for (int k = 0; k < n; k++) {
		if (port_wanted(c, ikeys[k]))
			continue;
		/* The interface may be gone already; detach what is left. */
		xpan_dp_detach(c->dp, (int)ikeys[k]);
		/* Deleting the entry frees its counter slot. */
		delete_key(m->ports, &ikeys[k], XPAN_MAP_PORTS);
		pr_info("port ifindex %u is no longer a node port: detached\n",
			ikeys[k]);
		(*changes)++;
	}
out_free:
	free(ikeys);
	free(mkeys);
	return ret;
}

int reconcile_maps(struct ctrld *c, char *err, size_t errlen)
{
	const struct xpan_dp_maps *m = xpan_dp_maps(c->dp);
	int changes = 0, ret;

	/* Forwarding entries before the port entries that reference them. */
	ret = sync_macs(c, m, &changes);
	if (!ret)
		ret = sync_bindings(c, m, &changes);
	if (!ret)
		ret = sync_vlans(c, m, &changes);
	if (!ret)
		ret = sync_ports(c, m, &changes);
	if (!ret)
		ret = prune(c, m, &changes);
	if (ret) {
		snprintf(err, errlen, "reconciling maps under %s: %s",
			 c->cfg.bpffs, strerror(-ret));
		return -1;
	}
	pr_debug("reconcile: %d map entries changed\n", changes);
	return changes;
}

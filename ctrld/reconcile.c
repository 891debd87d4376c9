// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Map reconciliation: compute what the maps should hold from the config
 * and the MAC assignments, then write only the differences. Additions and
 * updates go first and deletions last, so a frame in flight never finds a
 * hole that the end state does not have; maps are never cleared, so the
 * dataplane forwards while ctrld is down and across its restarts.
 *
 * One failed update never stops the pass: a table that is full or a
 * refused entry is logged, noted on the node it concerns and counted in
 * c->failures, so the event loop retries, and every other entry is still
 * written. What one tenant fills can then never block the others.
 */
#include <arpa/inet.h>
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
	struct xpan_binding_key key;	/* first: sorted and searched by it */
	struct xpan_binding val;
	size_t node;			/* index into cfg.nodes */
};

bool port_attached(const struct ctrld *c, int ifindex, int datapath)
{
	struct xpan_dp_port_state ps;

	if (ifindex <= 0 ||
	    xpan_dp_query_owned(ifindex, c->ports_map_id, &ps))
		return false;
	return datapath == XPAN_DP_XDP ? ps.xdp : ps.tc;
}

int map_keys(int fd, void *keys, size_t key_size, size_t max)
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

int map_update_if_changed(int fd, const void *key, const void *val,
			  size_t vsize)
{
	char cur[sizeof(struct xpan_vlan)];

	if (vsize <= sizeof(cur) && bpf_map_lookup_elem(fd, key, cur) == 0 &&
	    memcmp(cur, val, vsize) == 0)
		return 0;
	if (bpf_map_update_elem(fd, key, val, BPF_ANY))
		return -errno;
	return 1;
}

static int delete_key(struct ctrld *c, int fd, const void *key,
		      const char *what)
{
	if (bpf_map_delete_elem(fd, key) && errno != ENOENT) {
		pr_warn("cannot delete from %s: %s (retried later)\n", what,
			strerror(errno));
		c->failures++;
		return -errno;
	}
	return 0;
}

/*
 * Zeroes a slot's counters on every CPU and its runtime state (learned
 * count, storm bucket). Done when the slot is given to a port, before the
 * port entry points at it, so that nothing a previous owner left shows up
 * as the new port's.
 */
static int zero_slot(const struct xpan_dp_maps *m, __u32 slot)
{
	int ncpu = libbpf_num_possible_cpus(), ret = 0;
	struct xpan_port_rt rt = {};
	void *zero;

	if (bpf_map_update_elem(m->port_rt, &slot, &rt, BPF_ANY))
		return -errno;
	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	/* Per-CPU values are 8-byte aligned, one per possible CPU. */
	zero = calloc(ncpu, (sizeof(struct xpan_port_counters) + 7) / 8 * 8);
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(m->counters, &slot, zero, BPF_ANY))
		ret = -errno;
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

/*
 * Lowest free slot, marked used, or -ENOSPC when all are taken. The last
 * slot counts the storage port's frames (XPAN_STORAGE_SLOT).
 */
static int slot_alloc(struct slot_table *t)
{
	for (__u32 s = 0; s < XPAN_STORAGE_SLOT; s++) {
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
 * the lowest free one, zeroed. *fresh tells which. Negative errno on
 * failure.
 */
static int port_slot(const struct xpan_dp_maps *m, __u32 ifindex,
		     struct slot_table *t, bool *claimed, bool *fresh)
{
	struct xpan_port cur;
	int slot, ret;

	*fresh = false;
	if (!bpf_map_lookup_elem(m->ports, &ifindex, &cur) &&
	    cur.slot < XPAN_STORAGE_SLOT && !claimed[cur.slot]) {
		claimed[cur.slot] = true;
		return (int)cur.slot;
	}
	slot = slot_alloc(t);
	if (slot < 0)
		return slot;
	ret = zero_slot(m, (__u32)slot);
	if (ret) {
		/* Not claimed: the next pass tries the same slot again. */
		t->used[slot] = false;
		return ret;
	}
	claimed[slot] = true;
	*fresh = true;
	return slot;
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

static void fill_guard(const struct ctrld *c, size_t i,
		       struct xpan_port_guard *g)
{
	const struct xpan_cfg_node *n = &c->cfg.nodes[i];

	memset(g, 0, sizeof(*g));
	g->max_learned = xpan_cfg_node_quota(&c->cfg, n);
	g->flood_pps = n->flood_limit;
	g->flood_burst = xpan_cfg_flood_burst(n->flood_limit);
}

/*
 * One node's port: slot, limits, entry, program. The limits go in before
 * the entry points at the slot, so a port never runs unguarded.
 */
static void sync_port(struct ctrld *c, const struct xpan_dp_maps *m, size_t i,
		      struct slot_table *slots, bool *claimed, int *changes)
{
	const struct xpan_cfg_node *n = &c->cfg.nodes[i];
	__u32 ifindex = c->rt[i].ifindex;
	struct xpan_port_guard g;
	struct xpan_port p;
	bool fresh;
	int slot, ret;

	slot = port_slot(m, ifindex, slots, claimed, &fresh);
	if (slot == -ENOSPC) {
		node_note(c, i, "no free port slot: all %d are in use by other ports; remove nodes first",
			  XPAN_STORAGE_SLOT);
		c->failures++;
		return;
	}
	if (slot < 0) {
		node_note(c, i, "cannot set up port slot: %s; port %s stays out of xpan_ports (retried)",
			  strerror(-slot), n->port);
		c->failures++;
		return;
	}
	fill_guard(c, i, &g);
	ret = map_update_if_changed(m->guard, &slot, &g, sizeof(g));
	if (ret < 0) {
		node_note(c, i, "cannot write its limits to %s[%d]: %s; port %s not updated (retried)",
			  XPAN_MAP_GUARD, slot, strerror(-ret), n->port);
		/* A new port without its limits must not forward. */
		goto out_release;
	}
	*changes += ret;
	fill_port(c, i, &p);
	p.slot = (__u32)slot;
	ret = map_update_if_changed(m->ports, &ifindex, &p, sizeof(p));
	if (ret < 0) {
		node_note(c, i, "cannot write port %s to %s: %s (retried)",
			  n->port, XPAN_MAP_PORTS, strerror(-ret));
		goto out_release;
	}
	c->rt[i].slot = slot;
	*changes += ret;
	/* Attaching again also restores a missing xpan_flood entry. */
	if (port_attached(c, ifindex, n->datapath) &&
	    xpan_dp_in_flood(c->dp, ifindex))
		return;
	ret = xpan_dp_attach(c->dp, ifindex, n->datapath);
	if (ret) {
		node_note(c, i, "attaching %s to %s failed: %s (retried)",
			  xpan_datapath_name(n->datapath), n->port,
			  strerror(-ret));
		c->failures++;
		return;
	}
	pr_info("node %s: attached %s program to %s (ifindex %u)\n", n->name,
		xpan_datapath_name(n->datapath), n->port, ifindex);
	(*changes)++;
	return;

out_release:
	c->failures++;
	/* A slot taken in this pass goes back; the next pass retries it. */
	if (fresh)
		slots->used[slot] = claimed[slot] = false;
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
	if (ret) {
		free(slots);
		return ret;
	}
	for (size_t i = 0; i < c->cfg.n_nodes; i++)
		if (c->rt[i].ifindex)
			sync_port(c, m, i, slots, claimed, changes);
	free(slots);
	return 0;
}

static void sync_macs(struct ctrld *c, const struct xpan_dp_maps *m,
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
		ret = map_update_if_changed(m->macs, &k, &f, sizeof(f));
		if (ret < 0) {
			node_note(c, i, "cannot add its MAC to %s: %s (retried)",
				  XPAN_MAP_MACS, strerror(-ret));
			c->failures++;
			continue;
		}
		*changes += ret;
	}
}

/* Static bindings of present ports, with the node each belongs to. */
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
			w[n].node = i;
			n++;
		}
	}
	return n;
}

int binding_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct xpan_binding_key));
}

/*
 * xpan_bindings holds configured addresses only: what the first dataplane
 * learned into it (XPAN_BIND_F_LEARNED) goes, as does every address no
 * longer configured.
 */
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
		char ip[32];

		ret = map_update_if_changed(m->bindings, &w[i].key, &w[i].val,
					sizeof(w[i].val));
		if (ret < 0) {
			inet_ntop(AF_INET, &w[i].key.ip4, ip, sizeof(ip));
			node_note(c, w[i].node, "cannot add %s to %s: %s (retried)",
				  ip, XPAN_MAP_BINDINGS, strerror(-ret));
			c->failures++;
			continue;
		}
		*changes += ret;
	}
	ret = 0;
	/* The key is the struct's first member: sorted for bsearch. */
	qsort(w, nw, sizeof(*w), binding_key_cmp);
	nk = map_keys(m->bindings, keys, sizeof(*keys), MAX_KEYS);
	if (nk < 0) {
		pr_warn("cannot list %s: %s (retried)\n", XPAN_MAP_BINDINGS,
			strerror(-nk));
		c->failures++;
		goto out_free;
	}
	for (int k = 0; k < nk; k++) {
		struct want_binding *hit;
		struct xpan_binding b;

		if (bpf_map_lookup_elem(m->bindings, &keys[k], &b))
			continue;
		hit = bsearch(&keys[k], w, nw, sizeof(*w), binding_key_cmp);
		if (hit && (b.flags & XPAN_BIND_F_STATIC))
			continue;
		if (delete_key(c, m->bindings, &keys[k], XPAN_MAP_BINDINGS) == 0)
			(*changes)++;
	}
out_free:
	free(w);
	free(keys);
	return ret;
}

static void sync_vlans(struct ctrld *c, const struct xpan_dp_maps *m,
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
		ret = map_update_if_changed(m->vlans, &id, &val, sizeof(val));
		if (ret >= 0) {
			*changes += ret;
			continue;
		}
		c->failures++;
		for (size_t i = 0; i < c->cfg.n_nodes; i++)
			if (c->cfg.nodes[i].vlan == v)
				node_note(c, i, "cannot write vlan %u's members to %s: %s (retried)",
					  id, XPAN_MAP_VLANS, strerror(-ret));
	}
}

static bool port_wanted(const struct ctrld *c, __u32 ifindex)
{
	for (size_t i = 0; i < c->cfg.n_nodes; i++)
		if (c->rt[i].ifindex > 0 && (__u32)c->rt[i].ifindex == ifindex)
			return true;
	return false;
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
		if (!keep && delete_key(c, m->macs, &mkeys[k], XPAN_MAP_MACS) == 0)
			(*changes)++;
	}

	n = map_keys(m->vlans, ikeys, sizeof(*ikeys), MAX_KEYS);
	for (int k = 0; k < n; k++) {
		bool keep = false;

		for (size_t v = 0; v < c->cfg.n_vlans && !keep; v++)
			keep = c->cfg.vlans[v].id == ikeys[k];
		if (!keep &&
		    delete_key(c, m->vlans, &ikeys[k], XPAN_MAP_VLANS) == 0)
			(*changes)++;
	}

	n = map_keys(m->ports, ikeys, sizeof(*ikeys), MAX_KEYS);
	for (int k = 0; k < n; k++) {
		if (port_wanted(c, ikeys[k]))
			continue;
		/* The interface may be gone already; detach what is left. */
		xpan_dp_detach(c->dp, (int)ikeys[k]);
		/* Deleting the entry frees its slot. */
		if (delete_key(c, m->ports, &ikeys[k], XPAN_MAP_PORTS))
			continue;
		pr_info("port ifindex %u is no longer a node port: detached\n",
			ikeys[k]);
		(*changes)++;
	}
out_free:
	free(ikeys);
	free(mkeys);
	return ret;
}

int reconcile_maps(struct ctrld *c)
{
	const struct xpan_dp_maps *m = xpan_dp_maps(c->dp);
	struct learn_sweep ls = {};
	int changes = 0, ret;

	for (size_t i = 0; i < c->cfg.n_nodes; i++)
		c->rt[i].slot = -1;
	/* Forwarding entries before the port entries that reference them. */
	sync_macs(c, m, &changes);
	ret = sync_bindings(c, m, &changes);
	sync_vlans(c, m, &changes);
	if (!ret)
		ret = sync_ports(c, m, &changes);
	/* Storage entries name port slots: after the ports have theirs. */
	if (!ret)
		storage_net_sync_maps(c, &changes);
	if (!ret)
		ret = prune(c, m, &changes);
	if (ret) {
		/* Out of memory or a map we cannot even list: retried. */
		pr_warn("reconciling maps under %s: %s (retried)\n",
			c->cfg.bpffs, strerror(-ret));
		c->failures++;
	}
	/* After prune: a removed port can no longer learn meanwhile. */
	learned_sweep(c, false, &ls);
	changes += ls.stale;
	pr_debug("reconcile: %d map entries changed, %d failures\n", changes,
		 c->failures);
	return changes;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Learned addresses (xpan_learned): the dataplane adds them within each
 * port's quota and counts them in xpan_port_rt[slot].learned; ctrld is the
 * only one that removes them. An entry goes when it has not been refreshed
 * for platform.learn_timeout, when its port is no longer a node port of
 * that VLAN, or when its address is now configured (a configured address
 * always wins). Each removal gives the port its quota back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "bpf/xpan_shared.h"
#include "ctrld.h"
#include "dataplane.h"
#include "log.h"

unsigned int learned_count(const struct ctrld *c, size_t i)
{
	int slot = c->rt[i].slot;

	if (!c->port_rt || slot < 0 || slot >= XPAN_MAX_PORTS)
		return 0;
	return __atomic_load_n(&c->port_rt[slot].learned, __ATOMIC_RELAXED);
}

/*
 * Gives one learned entry back to slot. Only while the entry's port still
 * holds that slot: a slot handed to another port meanwhile was zeroed for
 * it and owes nothing. Never below zero, whatever a damaged map says.
 */
static void quota_give_back(struct ctrld *c, int ports_fd,
			    const struct xpan_learned *l)
{
	struct xpan_port p;
	__u32 *cnt, cur;

	if (!c->port_rt || l->slot >= XPAN_MAX_PORTS)
		return;
	if (bpf_map_lookup_elem(ports_fd, &l->ifindex, &p) || p.slot != l->slot)
		return;
	cnt = &c->port_rt[l->slot].learned;
	cur = __atomic_load_n(cnt, __ATOMIC_RELAXED);
	while (cur && !__atomic_compare_exchange_n(cnt, &cur, cur - 1, false,
						   __ATOMIC_RELAXED,
						   __ATOMIC_RELAXED))
		;
}

/* Every configured (VLAN, address), present port or not, sorted. */
static struct xpan_binding_key *configured_keys(const struct ctrld *c,
						size_t *n)
{
	struct xpan_binding_key *k;

	*n = 0;
	k = calloc(c->cfg.n_nodes * XPAN_CFG_NODE_MAX_IPS + 1, sizeof(*k));
	if (!k)
		return NULL;
	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		const struct xpan_cfg_node *node = &c->cfg.nodes[i];

		for (size_t j = 0; j < node->n_ips; j++) {
			k[*n].vlan = c->cfg.vlans[node->vlan].id;
			k[*n].ip4 = node->ips[j].addr;
			(*n)++;
		}
	}
	qsort(k, *n, sizeof(*k), binding_key_cmp);
	return k;
}

/* Does the node port with this ifindex hold slot in VLAN vlan (and learn)? */
static bool owner_valid(const struct ctrld *c, const struct xpan_learned *l,
			__u16 vlan)
{
	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		const struct xpan_cfg_node *n = &c->cfg.nodes[i];

		if (c->rt[i].ifindex <= 0 || (__u32)c->rt[i].ifindex != l->ifindex)
			continue;
		return c->cfg.vlans[n->vlan].id == vlan &&
		       c->rt[i].slot == (int)l->slot &&
		       xpan_cfg_node_quota(&c->cfg, n) > 0;
	}
	return false;
}

void learned_sweep(struct ctrld *c, bool age, struct learn_sweep *out)
{
	const struct xpan_dp_maps *m = xpan_dp_maps(c->dp);
	__u64 now = xpan_dp_now_ns(), max_age;
	struct xpan_binding_key *keys, *conf;
	size_t nconf;
	int n;

	memset(out, 0, sizeof(*out));
	max_age = (__u64)c->cfg.learn_timeout * 1000000000ull;
	keys = calloc(XPAN_MAX_LEARNED + 16, sizeof(*keys));
	conf = configured_keys(c, &nconf);
	if (!keys || !conf) {
		pr_warn("learned addresses: out of memory (retried)\n");
		out->failed++;
		goto out_free;
	}
	n = map_keys(m->learned, keys, sizeof(*keys), XPAN_MAX_LEARNED + 16);
	if (n < 0) {
		pr_warn("cannot list %s: %s (retried)\n", XPAN_MAP_LEARNED,
			strerror(-n));
		out->failed++;
		goto out_free;
	}
	for (int k = 0; k < n; k++) {
		struct xpan_learned l;
		bool stale, aged;

		if (bpf_map_lookup_elem(m->learned, &keys[k], &l))
			continue;
		stale = !owner_valid(c, &l, keys[k].vlan) ||
			bsearch(&keys[k], conf, nconf, sizeof(*conf), binding_key_cmp);
		/* last_seen ahead of now (refreshed meanwhile) is fresh. */
		aged = age && now > l.last_seen && now - l.last_seen > max_age;
		if (!stale && !aged)
			continue;
		if (bpf_map_delete_elem(m->learned, &keys[k])) {
			if (errno == ENOENT)
				continue;
			pr_warn("cannot delete from %s: %s (retried)\n",
				XPAN_MAP_LEARNED, strerror(errno));
			out->failed++;
			continue;
		}
		quota_give_back(c, m->ports, &l);
		if (stale)
			out->stale++;
		else
			out->aged++;
	}
	if (out->stale || out->aged)
		pr_debug("learned addresses: %d aged out, %d stale removed\n",
			 out->aged, out->stale);
out_free:
	free(keys);
	free(conf);
	c->failures += out->failed;
}

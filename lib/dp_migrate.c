// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Upgrade of a pinned dataplane of an older xpan to the current one, while
 * it forwards: the first layout (counters in xpan_port_stats, learned
 * bindings in xpan_bindings), or a build before the storage network (no
 * xpan_storage maps: the port programs must be replaced for the node side
 * of the storage path to run). The maps whose layout did not change are reused as
 * they are; the new objects are loaded against them, the programs on the
 * ports are swapped atomically (TC: the same filter replaced; XDP:
 * XDP_FLAGS_REPLACE against the program that runs), then the state that
 * moved is carried over and the retired pin removed last. Every step can
 * be repeated: a crash or an error leaves xpan_port_stats pinned, and the
 * next open starts over from what is there.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/xpan_shared.h"
#include "dataplane.h"
#include "dp_internal.h"
#include "log.h"

/*
 * Pinned programs built by an older xpan: any that does not use the
 * pinned xpan_counters (the first layout), or a port program that does
 * not use the pinned xpan_storage (before the storage network; with that
 * map not pinned, none does). A program not pinned counts only when
 * missing_too.
 */
static int progs_stale(const struct xpan_dp *dp, bool missing_too)
{
	__u32 id = xpan_dp_map_id(dp->maps.counters);
	__u32 storage_id = xpan_dp_map_id(dp->maps.storage);
	struct {
		int fd;
		bool storage;	/* must use xpan_storage too */
	} progs[] = {
		{ dp->prog_tc, true },
		{ dp->prog_xdp, true },
		{ dp->prog_egress, false },
		{ dp->prog_storage, true },
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		int fd = progs[i].fd;

		if (fd < 0 ? missing_too :
		    !prog_uses_map(fd, id) ||
		    (progs[i].storage && !prog_uses_map(fd, storage_id)))
			n++;
	}
	return n;
}

static int mark_path(const struct xpan_dp *dp, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", dp->bpffs, DP_UPGRADE_MARK);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

bool dp_old_layout(const struct xpan_dp *dp)
{
	int fd = get_pinned(dp->bpffs, XPAN_MAP_PORT_STATS);
	char path[PATH_MAX];
	struct stat st;

	if (fd >= 0) {
		close(fd);
		return true;
	}
	/* An upgrade that stopped before every port ran the new programs. */
	if (!mark_path(dp, path, sizeof(path)) && !stat(path, &st))
		return true;
	/* Loaded by the old xpan after its xpan_port_stats pin was lost. */
	return progs_stale(dp, false) > 0;
}

/* Replaces an old XDP program of this instance on one port. 1 replaced,
 * 0 nothing to do, -errno. */
static int swap_xdp(const struct xpan_dp *dp, int ifindex, __u32 ports_id,
		    __u32 new_id)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);
	struct xdp_state st;
	int old_fd, err;

	err = xdp_state(ifindex, ports_id, &st);
	if (err)
		return err;
	if (!st.ours_id || st.ours_id == new_id)
		return 0;
	if (st.dispatcher) {
		/* libxdp's dispatcher has no atomic component swap. */
		pr_warn("upgrade: ifindex %d runs the old program under libxdp's dispatcher: re-attaching (a short gap)\n",
			ifindex);
		err = xdp_attach(ifindex, dp->prog_xdp, dp->bpffs);
		return err ? err : 1;
	}
	old_fd = bpf_prog_get_fd_by_id(st.ours_id);
	if (old_fd < 0)
		return errno == ENOENT ? 0 : -errno;
	o.old_prog_fd = old_fd;
	/* Fails (-EEXIST) if someone swapped it meanwhile. */
	err = bpf_xdp_attach(ifindex, dp->prog_xdp,
			     st.mode_flag | XDP_FLAGS_REPLACE, &o);
	close(old_fd);
	if (err)
		return err;
	pr_info("upgrade: ifindex %d: XDP program %u replaced by %u\n",
		ifindex, st.ours_id, new_id);
	return 1;
}

static int swap_tc(const struct xpan_dp *dp, int ifindex, __u32 ports_id,
		   __u32 new_id)
{
	__u32 id = tc_query_id(ifindex);
	__u32 storage_id = prog_fd_id(dp->prog_storage);
	int ours, prog_fd = dp->prog_tc, err;

	if (!id || id == new_id || id == storage_id)
		return 0;
	ours = prog_id_is_ours(id, ports_id);
	if (ours == 0) {
		/* The storage port's program: same instance when it shares
		 * our xpan_counters. */
		ours = prog_id_is_storage(id, xpan_dp_map_id(dp->maps.counters));
		new_id = storage_id;
		prog_fd = dp->prog_storage;
	}
	if (ours <= 0)
		return ours;
	/* Same handle and priority: the kernel swaps the filter's program
	 * in place (BPF_TC_F_REPLACE), no frame sees no filter. */
	err = tc_attach(ifindex, prog_fd);
	if (err)
		return err;
	pr_info("upgrade: ifindex %d: TC program %u replaced by %u\n", ifindex,
		id, new_id);
	return 1;
}

/* What swap_tc or swap_xdp returned (err) into the two tallies. */
static int swap_counted(const char *ifname, const char *hook, int err,
			int *failed)
{
	if (err < 0) {
		pr_warn("upgrade: %s: cannot replace the %s program: %s\n",
			ifname, hook, strerror(-err));
		(*failed)++;
	}
	return err > 0;
}

/*
 * Every interface of this netns, not only those in xpan_ports: a port
 * whose entry ctrld had not written yet may carry a program too. Returns
 * the ports that still run an old program afterwards.
 */
static int swap_programs(const struct xpan_dp *dp)
{
	__u32 ports_id = xpan_dp_map_id(dp->maps.ports);
	__u32 tc_id = prog_fd_id(dp->prog_tc), xdp_id = prog_fd_id(dp->prog_xdp);
	struct if_nameindex *ifs, *i;
	int swapped = 0, failed = 0, err;

	ifs = if_nameindex();
	if (!ifs) {
		pr_warn("upgrade: cannot list interfaces: %s\n", strerror(errno));
		return -errno;
	}
	for (i = ifs; i->if_index; i++) {
		err = swap_tc(dp, (int)i->if_index, ports_id, tc_id);
		swapped += swap_counted(i->if_name, "TC", err, &failed);
		err = swap_xdp(dp, (int)i->if_index, ports_id, xdp_id);
		swapped += swap_counted(i->if_name, "XDP", err, &failed);
	}
	if_freenameindex(ifs);
	pr_info("upgrade: new programs on %d port hooks, %d failed\n", swapped,
		failed);
	return failed;
}

/* Points every xpan_flood entry at the new egress filter. */
static int rewrite_flood(const struct xpan_dp *dp)
{
	__u32 egress_id = prog_fd_id(dp->prog_egress);
	__u32 key, next, *prev = NULL;
	int n = 0, failed = 0;

	while (!bpf_map_get_next_key(dp->maps.flood, prev, &next)) {
		struct bpf_devmap_val val = {};

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(dp->maps.flood, &key, &val) ||
		    val.bpf_prog.id == egress_id)
			continue;
		val.bpf_prog.fd = dp->prog_egress;
		if (bpf_map_update_elem(dp->maps.flood, &key, &val, BPF_EXIST)) {
			pr_warn("upgrade: cannot point %s[%u] at the new egress filter: %s\n",
				XPAN_MAP_FLOOD, key, strerror(errno));
			failed++;
			continue;
		}
		n++;
	}
	pr_info("upgrade: %d %s entries point at the new egress filter\n", n,
		XPAN_MAP_FLOOD);
	return failed;
}

/*
 * Learned entries of xpan_bindings into xpan_learned. The port's quota
 * count goes up before the insert and back down when the entry was there
 * already (a run that stopped half-way), so a crash can only leave it one
 * too high (conservative), never too low.
 */
static int move_one(struct xpan_dp *dp, struct xpan_port_rt *rt,
		    const struct xpan_binding_key *key,
		    const struct xpan_binding *b)
{
	struct xpan_learned val = {
		.flags = XPAN_BIND_F_LEARNED,
		.ifindex = b->ifindex,
		.last_seen = xpan_dp_now_ns(),
	};
	struct xpan_port port;
	__u32 ifindex = b->ifindex;
	int moved = 0;

	/* The port is gone: its addresses go with it. */
	if (!bpf_map_lookup_elem(dp->maps.ports, &ifindex, &port) &&
	    port.slot < XPAN_MAX_PORTS) {
		memcpy(val.mac, b->mac, sizeof(val.mac));
		val.slot = port.slot;
		__atomic_fetch_add(&rt[port.slot].learned, 1, __ATOMIC_SEQ_CST);
		if (bpf_map_update_elem(dp->maps.learned, key, &val,
					BPF_NOEXIST)) {
			__atomic_fetch_sub(&rt[port.slot].learned, 1,
					   __ATOMIC_SEQ_CST);
			if (errno != EEXIST)
				return -errno;
		} else {
			moved = 1;
		}
	}
	if (bpf_map_delete_elem(dp->maps.bindings, key) && errno != ENOENT)
		return -errno;
	return moved;
}

static int move_learned(struct xpan_dp *dp)
{
	struct xpan_binding_key *keys, *prev = NULL, next;
	struct xpan_port_rt *rt = xpan_dp_port_rt(dp);
	size_t n = 0;
	int moved = 0, dropped = 0, failed = 0, err;

	if (!rt)
		return -EINVAL;
	keys = calloc(XPAN_MAX_BINDINGS, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	/* Keys first: deleting while walking would restart the walk. */
	while (n < XPAN_MAX_BINDINGS &&
	       !bpf_map_get_next_key(dp->maps.bindings, prev, &next)) {
		keys[n] = next;
		prev = &keys[n++];
	}
	for (size_t i = 0; i < n; i++) {
		struct xpan_binding b;

		if (bpf_map_lookup_elem(dp->maps.bindings, &keys[i], &b) ||
		    (b.flags & XPAN_BIND_F_STATIC) ||
		    !(b.flags & XPAN_BIND_F_LEARNED))
			continue;
		err = move_one(dp, rt, &keys[i], &b);
		if (err < 0) {
			pr_warn("upgrade: cannot move a learned binding: %s\n",
				strerror(-err));
			failed++;
		} else if (err) {
			moved++;
		} else {
			dropped++;
		}
	}
	free(keys);
	pr_info("upgrade: %d learned bindings moved to %s, %d dropped (port gone or already there)\n",
		moved, XPAN_MAP_LEARNED, dropped);
	return failed;
}

/* The old value's fields at their new indexes. */
static void v1_to_counters(const struct xpan_port_stats_v1 *o,
			   struct xpan_port_counters *c)
{
	c->v[XPAN_CNT_RX_PACKETS] += o->rx_packets;
	c->v[XPAN_CNT_RX_BYTES] += o->rx_bytes;
	c->v[XPAN_CNT_FWD_UNICAST] += o->fwd_unicast;
	c->v[XPAN_CNT_FLOODED] += o->flooded;
	c->v[XPAN_CNT_ARP_REPLIES] += o->arp_replies;
	c->v[XPAN_CNT_LEARNED] += o->learned;
	for (int r = 0; r < XPAN_V1_DROP_MAX; r++)
		c->v[XPAN_CNT_DROP(r)] += o->drops[r];
}

/*
 * Adds each slot's old counters (summed over CPUs) to the first CPU's
 * entry of xpan_counters, then zeroes the old slot, so a second run adds
 * nothing twice. Runs after the swap: no program writes the old map any
 * more. The new programs do write the new one, and a frame counted on
 * the first CPU between our read and write of a slot is lost; the window
 * is one syscall per slot in use, once.
 */
static int copy_counters(struct xpan_dp *dp, int old_fd)
{
	int ncpu = libbpf_num_possible_cpus(), copied = 0, err = 0;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	size_t ostride, common;
	char *old = NULL, *zero = NULL;
	struct xpan_port_counters *cur = NULL;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	if (bpf_obj_get_info_by_fd(old_fd, &info, &len))
		return -errno;
	ostride = ((size_t)info.value_size + 7) & ~(size_t)7;
	common = info.value_size < sizeof(struct xpan_port_stats_v1) ?
		 info.value_size : sizeof(struct xpan_port_stats_v1);
	old = calloc(ncpu, ostride);
	zero = calloc(ncpu, ostride);
	cur = calloc(ncpu, sizeof(*cur));
	if (!old || !zero || !cur) {
		err = -ENOMEM;
		goto out_free;
	}
	for (__u32 slot = 0; slot < info.max_entries && slot < XPAN_MAX_PORTS;
	     slot++) {
		struct xpan_port_counters sum = {};
		bool any = false;

		if (bpf_map_lookup_elem(old_fd, &slot, old))
			continue;
		for (int c = 0; c < ncpu; c++) {
			struct xpan_port_stats_v1 v = {};

			memcpy(&v, old + (size_t)c * ostride, common);
			v1_to_counters(&v, &sum);
		}
		for (int k = 0; k < XPAN_CNT_SLOTS; k++)
			any |= sum.v[k] != 0;
		if (!any)
			continue;
		if (bpf_map_lookup_elem(dp->maps.counters, &slot, cur)) {
			err = -errno;
			break;
		}
		for (int k = 0; k < XPAN_CNT_SLOTS; k++)
			cur[0].v[k] += sum.v[k];
		if (bpf_map_update_elem(dp->maps.counters, &slot, cur, BPF_ANY) ||
		    bpf_map_update_elem(old_fd, &slot, zero, BPF_ANY)) {
			err = -errno;
			break;
		}
		copied++;
	}
	if (err)
		pr_warn("upgrade: cannot copy the counters: %s\n",
			strerror(-err));
	else
		pr_info("upgrade: counters of %d slots copied from %s to %s\n",
			copied, XPAN_MAP_PORT_STATS, XPAN_MAP_COUNTERS);
out_free:
	free(old);
	free(zero);
	free(cur);
	return err;
}

static int unpin_port_stats(const struct xpan_dp *dp)
{
	char path[PATH_MAX + sizeof(XPAN_MAP_PORT_STATS) + 1];

	snprintf(path, sizeof(path), "%s/%s", dp->bpffs, XPAN_MAP_PORT_STATS);
	if (unlink(path)) {
		if (errno == ENOENT) {
			pr_info("upgrade: no %s to remove; upgrade complete\n",
				XPAN_MAP_PORT_STATS);
			return 0;
		}
		pr_warn("upgrade: cannot remove %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	pr_info("upgrade: %s removed; upgrade complete\n", path);
	return 0;
}

/*
 * Test hook: XPAN_UPGRADE_ABORT_AFTER=<step> stops the upgrade after that
 * step (load, swap, flood, learned, counters) as a crash there would, so
 * tests/integration/test_upgrade.sh can check that the next run completes.
 */
static bool stop_after(const char *step)
{
	const char *s = getenv("XPAN_UPGRADE_ABORT_AFTER");

	if (!s || strcmp(s, step))
		return false;
	pr_warn("upgrade: stopped after step '%s' (XPAN_UPGRADE_ABORT_AFTER is set)\n",
		step);
	return true;
}

int dp_migrate(struct xpan_dp *dp)
{
	int missing_maps, failed, old_fd, err;
	char path[PATH_MAX];

	pr_info("upgrade: %s holds a dataplane of an older xpan: upgrading in place\n",
		dp->bpffs);
	err = mark_path(dp, path, sizeof(path));
	if (err)
		return err;
	if (mkdir(path, 0700) && errno != EEXIST) {
		err = -errno;
		pr_warn("upgrade: cannot create %s: %s\n", path, strerror(-err));
		return err;
	}
	if (progs_stale(dp, true)) {
		err = dp_create(dp, 1);
		if (err)
			return err;
		pr_info("upgrade: new programs loaded and pinned, unchanged maps reused\n");
	}
	if (stop_after("load"))
		return -ECANCELED;
	dp_close_fds(dp);
	err = dp_open_pins(dp, &missing_maps);
	if (err)
		return err < 0 ? err : -ENOENT;

	failed = swap_programs(dp);
	if (failed < 0)
		return failed;
	if (stop_after("swap"))
		return -ECANCELED;
	failed += rewrite_flood(dp);
	if (stop_after("flood"))
		return -ECANCELED;
	err = move_learned(dp);
	if (err < 0)
		return err;
	failed += err;
	if (stop_after("learned"))
		return -ECANCELED;

	old_fd = get_pinned(dp->bpffs, XPAN_MAP_PORT_STATS);
	if (old_fd >= 0) {
		err = copy_counters(dp, old_fd);
		close(old_fd);
		if (err)
			return err;
	}
	if (stop_after("counters"))
		return -ECANCELED;
	if (failed) {
		pr_warn("upgrade: %d steps failed (see above); %s/%s stays so that the next start or 'xpan load' completes the upgrade\n",
			failed, dp->bpffs, DP_UPGRADE_MARK);
		return 0;
	}
	err = unpin_port_stats(dp);
	if (!err && rmdir(path) && errno != ENOENT) {
		err = -errno;
		pr_warn("upgrade: cannot remove %s: %s\n", path, strerror(-err));
	}
	return err;
}

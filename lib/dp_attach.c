// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Attach and detach the port programs (contract in dataplane.h): TC
 * filters, XDP programs (alone or under libxdp's dispatcher), the
 * xpan_flood devmap entries that go with them, and telling this
 * instance's programs from others'. Loading and pinning are in
 * dataplane.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <netlink/netlink.h>
#include <netlink/route/classifier.h>

#include "bpf/xpan_shared.h"
#include "dataplane.h"
#include "dp_internal.h"
#include "log.h"

/* ---- recognising our programs ---- */

bool prog_uses_map(int fd, __u32 map_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[64], n;

	if (!map_id || bpf_obj_get_info_by_fd(fd, &info, &len))
		return false;
	n = info.nr_map_ids < 64 ? info.nr_map_ids : 64;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = n;
	info.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return false;
	for (__u32 i = 0; i < n && i < info.nr_map_ids; i++)
		if (ids[i] == map_id)
			return true;
	return false;
}

/*
 * Whether program id is xpan_port_in of one dataplane instance: its name,
 * and, when map_id is not 0, the program using that map (the instance's
 * xpan_ports). Several instances (a host's, tests' own pin directories)
 * can share one network namespace; detaching by name alone would take
 * down the others. 1 ours, 0 not (or gone), -errno when we may not look
 * (no CAP_BPF): callers must not take that for "not ours", or an
 * unprivileged unload would report success.
 */
static int prog_id_named(__u32 id, const char *name, __u32 map_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, ours = 0;

	if (!id)
		return 0;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    !strcmp(info.name, name))
		ours = !map_id || prog_uses_map(fd, map_id);
	close(fd);
	return ours;
}

int prog_id_is_ours(__u32 id, __u32 map_id)
{
	return prog_id_named(id, PORT_PROG_NAME, map_id);
}

/*
 * xpan_storage_in uses no xpan_ports; map_id is then the instance's
 * xpan_counters, which every program of the instance shares.
 */
int prog_id_is_storage(__u32 id, __u32 map_id)
{
	return prog_id_named(id, STORAGE_PROG_NAME, map_id);
}

__u64 xpan_dp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

__u32 xpan_dp_map_id(int map_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (map_fd < 0 || bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return 0;
	return info.id;
}

__u32 prog_fd_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

/* ---- TC ---- */

__u32 tc_query_id(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XPAN_TC_HANDLE,
		    .priority = XPAN_TC_PRIO);

	if (bpf_tc_query(&hook, &opts))
		return 0;
	return opts.prog_id;
}

int tc_attach(int ifindex, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XPAN_TC_HANDLE,
		    .priority = XPAN_TC_PRIO, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pr_warn("cannot create clsact qdisc on ifindex %d: %s\n",
			ifindex, strerror(-err));
		return err;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		pr_warn("cannot attach TC program on ifindex %d: %s\n", ifindex,
			strerror(-err));
	return err;
}

/* Filters left on one clsact direction, or -errno. */
static int tc_count_filters(struct nl_sock *sk, int ifindex, __u32 parent)
{
	struct nl_cache *cache;
	int n, err;

	err = rtnl_cls_alloc_cache(sk, ifindex, parent, &cache);
	if (err < 0)
		return -ENOBUFS;
	n = nl_cache_nitems(cache);
	nl_cache_free(cache);
	return n;
}

/*
 * Removes the clsact qdisc once no filter is left on it: we created it, and
 * leaving it would leave a trace; a qdisc that still carries someone
 * else's filters stays.
 */
static void tc_remove_qdisc_if_empty(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	struct nl_sock *sk;
	int in, eg;

	sk = nl_socket_alloc();
	if (!sk)
		return;
	if (nl_connect(sk, NETLINK_ROUTE) < 0)
		goto out_free;
	in = tc_count_filters(sk, ifindex,
			      TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	eg = tc_count_filters(sk, ifindex,
			      TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));
	if (in == 0 && eg == 0) {
		int err = bpf_tc_hook_destroy(&hook);

		if (err && err != -ENOENT && err != -EINVAL)
			pr_debug("ifindex %d: cannot remove clsact: %s\n",
				 ifindex, strerror(-err));
	} else {
		pr_debug("ifindex %d: clsact kept (%d ingress, %d egress filters)\n",
			 ifindex, in, eg);
	}
out_free:
	nl_socket_free(sk);
}

/* Detaches the program at our TC handle when is_ours(id, map_id) says so. */
static int tc_detach_if(int ifindex, __u32 map_id,
			int (*is_ours)(__u32 id, __u32 map_id))
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XPAN_TC_HANDLE,
		    .priority = XPAN_TC_PRIO);
	__u32 id = tc_query_id(ifindex);
	int err, ours;

	if (!id)
		return 0;
	ours = is_ours(id, map_id);
	if (ours < 0) {
		pr_warn("ifindex %d: cannot inspect TC program %u: %s\n",
			ifindex, id, strerror(-ours));
		return ours;
	}
	if (!ours) {
		pr_debug("ifindex %d: TC filter %#x prio %#x holds another program; left alone\n",
			 ifindex, XPAN_TC_HANDLE, XPAN_TC_PRIO);
		return 0;
	}
	err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENOENT) {
		pr_warn("cannot detach TC program from ifindex %d: %s\n",
			ifindex, strerror(-err));
		return err;
	}
	tc_remove_qdisc_if_empty(ifindex);
	return 0;
}

static int tc_detach(int ifindex, __u32 map_id)
{
	return tc_detach_if(ifindex, map_id, prog_id_is_ours);
}

int detach_storage(int ifindex, __u32 map_id)
{
	return tc_detach_if(ifindex, map_id, prog_id_is_storage);
}

/* ---- XDP ---- */

/*
 * libxdp finds its own pins (dispatcher state) through LIBXDP_BPFFS; after
 * `ip netns exec` the host's bpffs is hidden and only the mount
 * xpan_dp_prepare_bpffs made is there, so point libxdp at a bpffs that
 * exists.
 */
static void libxdp_set_bpffs(const char *bpffs)
{
	/* libxdp reads the variable once, on its first use. */
	if (getenv("LIBXDP_BPFFS"))
		return;
	if (is_bpffs(BPFFS_ROOT))
		setenv("LIBXDP_BPFFS", BPFFS_ROOT, 0);
	else if (bpffs && is_bpffs(bpffs))
		setenv("LIBXDP_BPFFS", bpffs, 0);
}

/*
 * libxdp leaves an empty <bpffs>/xdp behind (its dispatcher lock); once no
 * dispatcher state is in it, it is ours to tidy. rmdir refuses a directory
 * that still holds another user's pins.
 */
void rmdir_libxdp_state(void)
{
	const char *root = getenv("LIBXDP_BPFFS");
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/xdp", root ? root : BPFFS_ROOT);
	rmdir(path);
}

static __u32 mode_to_flag(__u8 mode)
{
	switch (mode) {
	case XDP_ATTACHED_SKB:
		return XDP_FLAGS_SKB_MODE;
	case XDP_ATTACHED_HW:
		return XDP_FLAGS_HW_MODE;
	default:
		return XDP_FLAGS_DRV_MODE;
	}
}

int xdp_state(int ifindex, __u32 map_id, struct xdp_state *st)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int err;

	memset(st, 0, sizeof(*st));
	libxdp_set_bpffs(NULL);
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err)
		return err;
	st->id = q.prog_id;
	if (!q.prog_id) {
		/* A second program in another mode is not ours to judge. */
		st->id = q.drv_prog_id ? q.drv_prog_id :
			 q.skb_prog_id ? q.skb_prog_id : q.hw_prog_id;
		if (!st->id)
			return 0;
	}
	st->mode_flag = mode_to_flag(q.attach_mode);
	err = prog_id_is_ours(st->id, map_id);
	if (err < 0)
		return err;
	if (err) {
		st->ours_id = st->id;
		return 0;
	}
	/* Maybe libxdp's dispatcher with our program as a component. */
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp))
		return 0;
	if (mp && !xdp_multiprog__is_legacy(mp)) {
		for (p = xdp_multiprog__next_prog(NULL, mp); p;
		     p = xdp_multiprog__next_prog(p, mp)) {
			if (prog_id_is_ours(xdp_program__id(p), map_id) == 1) {
				st->ours_id = xdp_program__id(p);
				st->dispatcher = true;
				break;
			}
		}
	}
	xdp_multiprog__close(mp);
	return 0;
}

static int xdp_detach(int ifindex, __u32 map_id)
{
	struct xdp_state st;
	int err;

	err = xdp_state(ifindex, map_id, &st);
	if (err) {
		pr_warn("cannot query XDP on ifindex %d: %s\n", ifindex,
			strerror(-err));
		return err;
	}
	if (!st.ours_id)
		return 0;
	if (st.dispatcher) {
		struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
		struct xdp_program *p;

		err = libxdp_get_error(mp);
		if (err || !mp)
			return err ? err : -ENOENT;
		for (p = xdp_multiprog__next_prog(NULL, mp); p;
		     p = xdp_multiprog__next_prog(p, mp))
			if (xdp_program__id(p) == st.ours_id)
				break;
		err = p ? xdp_program__detach(p, ifindex,
					      xdp_multiprog__attach_mode(mp), 0) :
			  0;
		xdp_multiprog__close(mp);
	} else {
		int old_fd = bpf_prog_get_fd_by_id(st.ours_id);
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = old_fd);

		if (old_fd < 0)
			return -errno;
		/* REPLACE: only if it is still ours, no race with a
		 * colleague's program attached meanwhile. */
		err = bpf_xdp_attach(ifindex, -1,
				     st.mode_flag | XDP_FLAGS_REPLACE, &o);
		close(old_fd);
	}
	if (err && err != -ENOENT) {
		pr_warn("cannot detach XDP program from ifindex %d: %s\n",
			ifindex, strerror(-err));
		return err;
	}
	return 0;
}

int xdp_attach(int ifindex, int prog_fd, const char *bpffs)
{
	__u32 want = prog_fd_id(prog_fd);
	struct xdp_program *xp;
	struct xdp_state st;
	int err;

	libxdp_set_bpffs(bpffs);
	err = xdp_state(ifindex, 0, &st);
	if (err) {
		pr_warn("cannot query XDP on ifindex %d: %s\n", ifindex,
			strerror(-err));
		return err;
	}
	if (st.ours_id == want)
		return 0;
	if (st.ours_id && !st.dispatcher) {
		/* An older load of ours: swap it without a gap. */
		int old_fd = bpf_prog_get_fd_by_id(st.ours_id);
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = old_fd);

		if (old_fd < 0)
			return -errno;
		err = bpf_xdp_attach(ifindex, prog_fd,
				     st.mode_flag | XDP_FLAGS_REPLACE, &o);
		close(old_fd);
		if (err)
			pr_warn("cannot replace XDP program on ifindex %d: %s\n",
				ifindex, strerror(-err));
		return err;
	}
	if (st.ours_id) {
		err = xdp_detach(ifindex, 0);
		if (err)
			return err;
	} else if (st.id) {
		pr_warn("ifindex %d already runs XDP program id %u - remove it first (xdp-loader unload IFNAME --all, or ip link set dev IFNAME xdp off)\n",
			ifindex, st.id);
		return -EBUSY;
	}

	xp = xdp_program__from_fd(prog_fd);
	err = libxdp_get_error(xp);
	if (!err) {
		err = xdp_program__attach(xp, ifindex, XDP_MODE_NATIVE, 0);
		xdp_program__close(xp);
		if (!err)
			return 0;
	}
	pr_debug("libxdp attach on ifindex %d failed (%s); plain attach\n",
		 ifindex, strerror(-err));
	err = bpf_xdp_attach(ifindex, prog_fd,
			     XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
			     NULL);
	if (err)
		pr_warn("cannot attach XDP program on ifindex %d: %s%s\n",
			ifindex, strerror(-err),
			err == -EOPNOTSUPP ? " - the driver has no native XDP; use datapath: tc" : "");
	return err;
}

/* ---- flood devmap ---- */

static int flood_add(struct xpan_dp *dp, int ifindex)
{
	struct bpf_devmap_val val = {
		.ifindex = ifindex,
		.bpf_prog.fd = dp->prog_egress,
	};
	__u32 key = ifindex;

	if (bpf_map_update_elem(dp->maps.flood, &key, &val, BPF_ANY)) {
		int err = -errno;

		pr_warn("cannot add ifindex %d to %s: %s\n", ifindex,
			XPAN_MAP_FLOOD, strerror(-err));
		return err;
	}
	return 0;
}

static int flood_del(int flood_fd, int ifindex)
{
	__u32 key = ifindex;

	if (flood_fd < 0)
		return 0;
	if (bpf_map_delete_elem(flood_fd, &key) && errno != ENOENT) {
		int err = -errno;

		pr_warn("cannot remove ifindex %d from %s: %s\n", ifindex,
			XPAN_MAP_FLOOD, strerror(-err));
		return err;
	}
	return 0;
}

/* ---- public attach/detach/query ---- */

int xpan_dp_attach(struct xpan_dp *dp, int ifindex, int datapath)
{
	int err;

	switch (datapath) {
	case XPAN_DP_TC:
		/*
		 * In xpan_flood too: an XDP port of the same VLAN floods only
		 * through the devmap, so a TC port missing from it would never
		 * see those broadcasts. The TC program itself clones instead.
		 */
		err = flood_add(dp, ifindex);
		if (err)
			return err;
		err = tc_attach(ifindex, dp->prog_tc);
		if (err) {
			flood_del(dp->maps.flood, ifindex);
			return err;
		}
		/* Any instance's program on the other hook: the port is ours
		 * now, and two hooks would both forward. */
		return xdp_detach(ifindex, 0);
	case XPAN_DP_XDP:
		/* Flood entry first, so the port receives floods as soon as
		 * it forwards. */
		err = flood_add(dp, ifindex);
		if (err)
			return err;
		err = xdp_attach(ifindex, dp->prog_xdp, dp->bpffs);
		if (err) {
			flood_del(dp->maps.flood, ifindex);
			return err;
		}
		return tc_detach(ifindex, 0);
	default:
		pr_warn("ifindex %d: unknown datapath %d (0 = tc, 1 = xdp)\n",
			ifindex, datapath);
		return -EINVAL;
	}
}

int detach_port(int flood_fd, int ifindex, __u32 map_id)
{
	int err, err2, err3;

	err = tc_detach(ifindex, map_id);
	err2 = xdp_detach(ifindex, map_id);
	err3 = flood_del(flood_fd, ifindex);
	return err ? err : err2 ? err2 : err3;
}

bool xpan_dp_in_flood(const struct xpan_dp *dp, int ifindex)
{
	struct bpf_devmap_val val;
	__u32 key = ifindex;

	return bpf_map_lookup_elem(dp->maps.flood, &key, &val) == 0;
}

int xpan_dp_detach(struct xpan_dp *dp, int ifindex)
{
	return detach_port(dp->maps.flood, ifindex,
			   xpan_dp_map_id(dp->maps.ports));
}

int xpan_dp_query_owned(int ifindex, __u32 ports_map_id,
			struct xpan_dp_port_state *st)
{
	struct xdp_state xs;
	__u32 id;
	int err;

	memset(st, 0, sizeof(*st));
	id = tc_query_id(ifindex);
	err = prog_id_is_ours(id, ports_map_id);
	if (err < 0)
		return err;
	if (err) {
		st->tc = true;
		st->tc_prog_id = id;
	}
	err = xdp_state(ifindex, ports_map_id, &xs);
	if (err)
		return err;
	if (xs.ours_id) {
		st->xdp = true;
		st->xdp_prog_id = xs.ours_id;
	}
	return 0;
}

int xpan_dp_query(int ifindex, struct xpan_dp_port_state *st)
{
	return xpan_dp_query_owned(ifindex, 0, st);
}

/* ---- the storage port ---- */

int xpan_dp_attach_storage(struct xpan_dp *dp, int ifindex)
{
	int err;

	if (dp->prog_storage < 0) {
		pr_warn("%s/%s is not pinned - run 'xpan load' (or restart xpan-ctrld) to load this xpan's programs\n",
			dp->bpffs, PIN_PROG_STORAGE);
		return -ENOENT;
	}
	/* Same handle and priority as a port: an older xpan_storage_in (or
	 * a port program) there is swapped in place. */
	if (tc_query_id(ifindex) != prog_fd_id(dp->prog_storage)) {
		err = tc_attach(ifindex, dp->prog_storage);
		if (err)
			return err;
	}
	/* A port program on the other hook would forward the host's frames
	 * as a node's. */
	return xdp_detach(ifindex, 0);
}

int xpan_dp_detach_storage(struct xpan_dp *dp, int ifindex)
{
	return detach_storage(ifindex, xpan_dp_map_id(dp->maps.counters));
}

bool xpan_dp_storage_attached(const struct xpan_dp *dp, int ifindex)
{
	__u32 id = tc_query_id(ifindex);

	return id && id == prog_fd_id(dp->prog_storage);
}

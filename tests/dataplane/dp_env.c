// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Test environment for the port programs; see dp_env.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "dp_env.h"
#include "port_tc.skel.h"
#include "port_xdp.skel.h"

/* Cap on waiting for an event, so a broken program fails, never hangs. */
#define DP_WAIT_MS 5000

struct dp_env dp;

const __u8 dp_port_mac[DP_NPORTS][6] = {
	{ 0x02, 0x00, 0x07, 0x00, 0x00, 0x01 },
	{ 0x02, 0x00, 0x07, 0x00, 0x00, 0x02 },
	{ 0x02, 0x00, 0x07, 0x00, 0x00, 0x03 },
	{ 0x02, 0x00, 0x07, 0x00, 0x00, 0x04 },
};
static const __u16 port_vlan[DP_NPORTS] = { 10, 10, 20, 10 };
/*
 * Counter slots as ctrld would hand them out after churn: not the port
 * numbers, and one at the end of what nodes get (the last slot is the
 * storage port's), so a lookup by the wrong key or an off-by-one shows up
 * as counts in the wrong place.
 */
const __u32 dp_port_slot[DP_NPORTS] = { 5, 2, XPAN_STORAGE_SLOT - 1, 0 };
const __u8 dp_portal_mac[6] = { 0x02, 0x00, 0x07, 0xff, 0x00, 0x01 };
const char *const dp_storage_ip[DP_NPORTS] = {
	"100.64.1.1", "100.64.1.2", NULL, NULL,
};
static const char *const port_ip[DP_NPORTS] = {
	"10.10.0.1", "10.10.0.2", "10.20.0.3", NULL,
};

/*
 * The suite needs root; say so once, clearly, instead of a wall of
 * EPERM failures. The runner skips the suite for non-root already.
 */
__attribute__((constructor)) static void dp_need_root(void)
{
	if (geteuid() == 0)
		return;
	fprintf(stderr,
		"dp_tests: needs root (CAP_BPF, CAP_NET_ADMIN and network "
		"namespaces); run 'sudo make test-dataplane'\n");
	exit(1);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "open %s: %s", path, strerror(errno));
	fputs(val, f);
	cr_assert_eq(fclose(f), 0, "write %s", path);
}

/* Devices via ip(8) in batch mode: one fork for the whole topology. */
static void make_links(void)
{
	FILE *ip = popen("ip -batch -", "w");
	int i, rc;

	cr_assert_not_null(ip, "popen ip: %s", strerror(errno));
	fprintf(ip, "link set lo up\n");
	for (i = 0; i < DP_NPORTS; i++) {
		fprintf(ip, "link add dpt%d type veth peer name dpt%dp\n", i, i);
		fprintf(ip, "link set dpt%d up\n", i);
		fprintf(ip, "link set dpt%dp up\n", i);
	}
	fprintf(ip, "link add dpst0 type veth peer name dpst1\n");
	fprintf(ip, "link set dpst0 address %02x:%02x:%02x:%02x:%02x:%02x\n",
		dp_portal_mac[0], dp_portal_mac[1], dp_portal_mac[2],
		dp_portal_mac[3], dp_portal_mac[4], dp_portal_mac[5]);
	fprintf(ip, "link set dpst0 up\n");
	fprintf(ip, "link set dpst1 up\n");
	rc = pclose(ip);
	cr_assert_eq(rc, 0, "ip -batch creating veth pairs (rc %d)", rc);
	dp.portal_ifindex = if_nametoindex("dpst0");
	dp.storage_ifindex = if_nametoindex("dpst1");
	cr_assert_gt(dp.portal_ifindex, 0, "ifindex of dpst0");
	cr_assert_gt(dp.storage_ifindex, 0, "ifindex of dpst1");
	for (i = 0; i < DP_NPORTS; i++) {
		char name[IFNAMSIZ];

		snprintf(name, sizeof(name), "dpt%d", i);
		dp.ifindex[i] = if_nametoindex(name);
		snprintf(name, sizeof(name), "dpt%dp", i);
		dp.peer_ifindex[i] = if_nametoindex(name);
		cr_assert_gt(dp.ifindex[i], 0, "ifindex of dpt%d", i);
		cr_assert_gt(dp.peer_ifindex[i], 0, "ifindex of dpt%dp", i);
	}
}

/*
 * A frame XDP-redirected into a veth is only taken when the peer runs NAPI,
 * i.e. has an XDP program: give every node-side peer and the portal's end
 * of the storage veth a two-instruction XDP_PASS so redirected frames
 * reach its stack and our packet sockets.
 */
static void attach_peer_pass(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int i, err;

	dp.pass_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "dpt_pass", "GPL", insns,
				   2, NULL);
	cr_assert_geq(dp.pass_fd, 0, "load XDP_PASS program: %s",
		      strerror(errno));
	for (i = 0; i < DP_NPORTS; i++) {
		err = bpf_xdp_attach(dp.peer_ifindex[i], dp.pass_fd,
				     XDP_FLAGS_DRV_MODE, NULL);
		cr_assert_eq(err, 0, "attach XDP_PASS to dpt%dp: %s", i,
			     strerror(-err));
	}
	err = bpf_xdp_attach(dp.portal_ifindex, dp.pass_fd, XDP_FLAGS_DRV_MODE,
			     NULL);
	cr_assert_eq(err, 0, "attach XDP_PASS to dpst0: %s", strerror(-err));
}

static int open_socket(int ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    htons(ETH_P_ALL));
	cr_assert_geq(fd, 0, "packet socket: %s", strerror(errno));
	cr_assert_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0,
		     "bind packet socket to ifindex %d: %s", ifindex,
		     strerror(errno));
	return fd;
}

static void open_sockets(void)
{
	int i;

	for (i = 0; i < DP_NPORTS; i++)
		dp.sock[i] = open_socket(dp.peer_ifindex[i]);
	dp.portal_sock = open_socket(dp.portal_ifindex);
}

static void unpin_all(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		cr_assert_eq(bpf_map__set_pin_path(map, NULL), 0,
			     "clear pin path of %s", bpf_map__name(map));
}

/* Point every map of the XDP object at the TC object's map. */
static void share_maps(void)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, dp.xdp->obj) {
		struct bpf_map *twin;
		int err;

		twin = bpf_object__find_map_by_name(dp.tc->obj,
						    bpf_map__name(map));
		if (!twin)
			continue;	/* .rodata and friends stay private */
		err = bpf_map__reuse_fd(map, bpf_map__fd(twin));
		cr_assert_eq(err, 0, "reuse fd for %s: %s", bpf_map__name(map),
			     strerror(-err));
	}
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0,
		     "map info: %s", strerror(errno));
	return info.id;
}

static void load_objects(void)
{
	int err;

	dp.tc = xpan_port_tc__open();
	cr_assert_not_null(dp.tc, "open port_tc object");
	unpin_all(dp.tc->obj);
	err = xpan_port_tc__load(dp.tc);
	cr_assert_eq(err, 0, "load port_tc (verifier): %s", strerror(-err));

	dp.xdp = xpan_port_xdp__open();
	cr_assert_not_null(dp.xdp, "open port_xdp object");
	unpin_all(dp.xdp->obj);
	share_maps();
	err = xpan_port_xdp__load(dp.xdp);
	cr_assert_eq(err, 0, "load port_xdp (verifier): %s", strerror(-err));

	dp.ports_fd = bpf_map__fd(dp.tc->maps.xpan_ports);
	dp.macs_fd = bpf_map__fd(dp.tc->maps.xpan_macs);
	dp.bindings_fd = bpf_map__fd(dp.tc->maps.xpan_bindings);
	dp.vlans_fd = bpf_map__fd(dp.tc->maps.xpan_vlans);
	dp.flood_fd = bpf_map__fd(dp.tc->maps.xpan_flood);
	dp.stats_fd = bpf_map__fd(dp.tc->maps.xpan_counters);
	dp.learned_fd = bpf_map__fd(dp.tc->maps.xpan_learned);
	dp.guard_fd = bpf_map__fd(dp.tc->maps.xpan_port_guard);
	dp.rt_fd = bpf_map__fd(dp.tc->maps.xpan_port_rt);
	dp.storage_fd = bpf_map__fd(dp.tc->maps.xpan_storage);
	dp.storage_addrs_fd = bpf_map__fd(dp.tc->maps.xpan_storage_addrs);
	cr_assert_eq(map_id(bpf_map__fd(dp.xdp->maps.xpan_storage)),
		     map_id(dp.storage_fd),
		     "TC and XDP objects share xpan_storage");
	cr_assert_eq(map_id(bpf_map__fd(dp.xdp->maps.xpan_counters)),
		     map_id(dp.stats_fd),
		     "TC and XDP objects share xpan_counters");
	cr_assert_eq(map_id(bpf_map__fd(dp.xdp->maps.xpan_port_rt)),
		     map_id(dp.rt_fd),
		     "TC and XDP objects share xpan_port_rt");
}

static void binding_key(struct xpan_binding_key *key, __u16 vlan,
			const char *ip)
{
	memset(key, 0, sizeof(*key));
	key->vlan = vlan;
	cr_assert_eq(inet_pton(AF_INET, ip, &key->ip4), 1, "parse %s", ip);
}

void dp_port_set(int port, __u32 flags)
{
	struct xpan_port val = {
		.vlan = port_vlan[port],
		.flags = flags,
		.node_id = port + 1,
		.slot = dp_port_slot[port],
	};
	__u32 key = dp.ifindex[port];

	memcpy(val.mac, dp_port_mac[port], 6);
	cr_assert_eq(bpf_map_update_elem(dp.ports_fd, &key, &val, BPF_ANY), 0,
		     "set xpan_ports[%d]: %s", port, strerror(errno));
}

void dp_port_del(int port)
{
	__u32 key = dp.ifindex[port];

	cr_assert_eq(bpf_map_delete_elem(dp.ports_fd, &key), 0,
		     "delete xpan_ports[%d]", port);
}

static size_t stats_size(void)
{
	return (size_t)libbpf_num_possible_cpus() *
	       sizeof(struct xpan_port_counters);
}

/* What ctrld does when it gives a port its slot: counters, runtime state
 * and limits all zero (no learning, no storm limit). */
static void stats_zero(int port)
{
	struct xpan_port_counters *zero = calloc(1, stats_size());
	struct xpan_port_guard g = { 0 };
	struct xpan_port_rt rt = { 0 };
	__u32 key = dp_port_slot[port];

	cr_assert_not_null(zero, "calloc");
	cr_assert_eq(bpf_map_update_elem(dp.stats_fd, &key, zero, BPF_ANY), 0,
		     "zero xpan_counters[%u] (port %d): %s", key, port,
		     strerror(errno));
	free(zero);
	cr_assert_eq(bpf_map_update_elem(dp.guard_fd, &key, &g, BPF_ANY), 0,
		     "zero xpan_port_guard[%u]: %s", key, strerror(errno));
	cr_assert_eq(bpf_map_update_elem(dp.rt_fd, &key, &rt, BPF_ANY), 0,
		     "zero xpan_port_rt[%u]: %s", key, strerror(errno));
}

void dp_stats_read_slot(__u32 slot, struct xpan_port_counters *sum)
{
	int ncpu = libbpf_num_possible_cpus(), c, k;
	struct xpan_port_counters *v = malloc(stats_size());

	cr_assert_not_null(v, "malloc");
	memset(sum, 0, sizeof(*sum));
	cr_assert_eq(bpf_map_lookup_elem(dp.stats_fd, &slot, v), 0,
		     "read xpan_counters[%u]: %s", slot, strerror(errno));
	for (c = 0; c < ncpu; c++)
		for (k = 0; k < XPAN_CNT_SLOTS; k++)
			sum->v[k] += v[c].v[k];
	free(v);
}

void dp_stats_read(int port, struct xpan_port_counters *sum)
{
	dp_stats_read_slot(dp_port_slot[port], sum);
}

__u64 dp_stat(int port, unsigned int idx)
{
	struct xpan_port_counters s;

	cr_assert_lt(idx, XPAN_CNT_SLOTS, "counter index %u", idx);
	dp_stats_read(port, &s);
	return s.v[idx];
}

int dp_stats_nonzero_slot(void)
{
	static const struct xpan_port_counters zero;
	struct xpan_port_counters s;
	__u32 slot;

	for (slot = 0; slot < XPAN_MAX_PORTS; slot++) {
		dp_stats_read_slot(slot, &s);
		if (memcmp(&s, &zero, sizeof(s)))
			return (int)slot;
	}
	return -1;
}

bool dp_learned_get(__u16 vlan, const char *ip, struct xpan_learned *out)
{
	struct xpan_binding_key key;

	binding_key(&key, vlan, ip);
	return bpf_map_lookup_elem(dp.learned_fd, &key, out) == 0;
}

void dp_learned_put(int port, const char *ip, __u64 last_seen)
{
	struct xpan_binding_key key;
	struct xpan_learned l = {
		.flags = XPAN_BIND_F_LEARNED,
		.ifindex = dp.ifindex[port],
		.slot = dp_port_slot[port],
		.last_seen = last_seen,
	};

	binding_key(&key, port_vlan[port], ip);
	memcpy(l.mac, dp_port_mac[port], 6);
	cr_assert_eq(bpf_map_update_elem(dp.learned_fd, &key, &l, BPF_ANY), 0,
		     "put xpan_learned %s for port %d: %s", ip, port,
		     strerror(errno));
}

void dp_guard_set(int port, __u32 max_learned, __u32 flood_pps,
		  __u32 flood_burst)
{
	struct xpan_port_guard g = {
		.max_learned = max_learned,
		.flood_pps = flood_pps,
		.flood_burst = flood_burst,
	};
	__u32 key = dp_port_slot[port];

	cr_assert_eq(bpf_map_update_elem(dp.guard_fd, &key, &g, BPF_ANY), 0,
		     "set xpan_port_guard[%u]: %s", key, strerror(errno));
}

void dp_rt_get(int port, struct xpan_port_rt *rt)
{
	__u32 key = dp_port_slot[port];

	cr_assert_eq(bpf_map_lookup_elem(dp.rt_fd, &key, rt), 0,
		     "read xpan_port_rt[%u]: %s", key, strerror(errno));
}

void dp_rt_set(int port, const struct xpan_port_rt *rt)
{
	__u32 key = dp_port_slot[port];

	cr_assert_eq(bpf_map_update_elem(dp.rt_fd, &key, rt, BPF_ANY), 0,
		     "set xpan_port_rt[%u]: %s", key, strerror(errno));
}

void dp_storage_set(__u16 flags)
{
	struct xpan_storage_net sn = {
		.ifindex = dp.storage_ifindex,
		.flags = flags,
	};
	__u32 key = 0;

	cr_assert_eq(inet_pton(AF_INET, "100.64.0.0", &sn.subnet), 1, "subnet");
	cr_assert_eq(inet_pton(AF_INET, "255.255.0.0", &sn.mask), 1, "mask");
	cr_assert_eq(inet_pton(AF_INET, DP_PORTAL_IP, &sn.portal_ip), 1,
		     "portal ip");
	memcpy(sn.portal_mac, dp_portal_mac, 6);
	cr_assert_eq(bpf_map_update_elem(dp.storage_fd, &key, &sn, BPF_ANY), 0,
		     "set xpan_storage[0]: %s", strerror(errno));
}

void dp_storage_addr_put(int port, const char *ip)
{
	struct xpan_storage_addr a = {
		.ifindex = dp.ifindex[port],
		.slot = dp_port_slot[port],
		.node_id = port + 1,
	};
	__be32 key;

	cr_assert_eq(inet_pton(AF_INET, ip, &key), 1, "parse %s", ip);
	memcpy(a.mac, dp_port_mac[port], 6);
	cr_assert_eq(bpf_map_update_elem(dp.storage_addrs_fd, &key, &a,
					 BPF_ANY), 0,
		     "set xpan_storage_addrs[%s]: %s", ip, strerror(errno));
}

bool dp_binding_get(__u16 vlan, const char *ip, struct xpan_binding *out)
{
	struct xpan_binding_key key;

	binding_key(&key, vlan, ip);
	return bpf_map_lookup_elem(dp.bindings_fd, &key, out) == 0;
}

void dp_fill_maps(bool flood)
{
	struct xpan_vlan v10 = { 0 }, v20 = { 0 };
	__u32 key;
	int i;

	for (i = 0; i < DP_NPORTS; i++) {
		struct xpan_mac_key mk = { 0 };
		struct xpan_fwd fwd = {
			.ifindex = dp.ifindex[i],
			.vlan = port_vlan[i],
		};
		struct bpf_devmap_val dv = {
			.ifindex = dp.ifindex[i],
			.bpf_prog.fd =
				bpf_program__fd(dp.xdp->progs.xpan_flood_egress),
		};

		dp_port_set(i, XPAN_PORT_F_ENABLED);
		stats_zero(i);
		memcpy(mk.mac, dp_port_mac[i], 6);
		cr_assert_eq(bpf_map_update_elem(dp.macs_fd, &mk, &fwd,
						 BPF_ANY), 0,
			     "set xpan_macs[%d]", i);
		key = dp.ifindex[i];
		cr_assert(!flood || bpf_map_update_elem(dp.flood_fd, &key, &dv,
							BPF_ANY) == 0,
			  "add dpt%d with xpan_flood_egress to xpan_flood: %s",
			  i, strerror(errno));
		if (port_ip[i]) {
			struct xpan_binding_key bk;
			struct xpan_binding b = {
				.flags = XPAN_BIND_F_STATIC,
				.ifindex = dp.ifindex[i],
			};

			binding_key(&bk, port_vlan[i], port_ip[i]);
			memcpy(b.mac, dp_port_mac[i], 6);
			cr_assert_eq(bpf_map_update_elem(dp.bindings_fd, &bk,
							 &b, BPF_ANY), 0,
				     "set binding %s", port_ip[i]);
		}
		if (port_vlan[i] == 10)
			v10.ifindex[v10.count++] = dp.ifindex[i];
		else
			v20.ifindex[v20.count++] = dp.ifindex[i];
	}
	key = 10;
	cr_assert_eq(bpf_map_update_elem(dp.vlans_fd, &key, &v10, BPF_ANY), 0,
		     "set xpan_vlans[10]");
	key = 20;
	cr_assert_eq(bpf_map_update_elem(dp.vlans_fd, &key, &v20, BPF_ANY), 0,
		     "set xpan_vlans[20]");
	for (i = 0; i < DP_NPORTS; i++)
		if (dp_storage_ip[i])
			dp_storage_addr_put(i, dp_storage_ip[i]);
	dp_storage_set(XPAN_STORAGE_F_ENABLED);
}

void dp_setup(void)
{
	int i;

	memset(&dp, 0, sizeof(dp));
	for (i = 0; i < DP_NPORTS; i++)
		dp.sock[i] = -1;
	dp.pass_fd = -1;
	dp.portal_sock = -1;
	libbpf_set_print(libbpf_print);
	/* Everything below lives and dies with this namespace. */
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s",
		     strerror(errno));
	/* No IPv6 on the test links: no router solicitations in the way. */
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	make_links();
	attach_peer_pass();
	load_objects();
	dp_fill_maps(true);
	open_sockets();
}

void dp_teardown(void)
{
	int i;

	for (i = 0; i < DP_NPORTS; i++)
		if (dp.sock[i] >= 0)
			close(dp.sock[i]);
	if (dp.portal_sock >= 0)
		close(dp.portal_sock);
	if (dp.pass_fd >= 0)
		close(dp.pass_fd);
	xpan_port_xdp__destroy(dp.xdp);
	xpan_port_tc__destroy(dp.tc);
	/* The veths go with the namespace when this process exits. */
}

/*
 * XDP test runs cannot take frames shorter than an Ethernet header, but
 * they accept metadata in front of the frame (ctx.data = its length, a
 * multiple of 4 up to 32): a short frame is fed as metadata plus frame.
 */
static int run_xdp(int port, const void *in, size_t in_len, void *out,
		   __u32 *out_len, __u32 *retval)
{
	__u8 buf[4096];
	__u32 meta = 0;
	struct xdp_md ctx = { .ingress_ifindex = dp.ifindex[port] };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);
	int err;

	if (in_len < ETH_HLEN)
		meta = (ETH_HLEN - in_len + 3) & ~3U;
	cr_assert_leq(meta + in_len, sizeof(buf), "frame fits the buffer");
	memset(buf, 0, meta);
	memcpy(buf + meta, in, in_len);
	ctx.data = meta;
	ctx.data_end = meta + in_len;
	opts.data_in = buf;
	opts.data_size_in = meta + in_len;
	opts.data_out = out;
	opts.data_size_out = *out_len;
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	err = bpf_prog_test_run_opts(
		bpf_program__fd(dp.xdp->progs.xpan_port_in), &opts);
	if (err)
		return -errno;
	*retval = opts.retval;
	/* data_out carries the metadata too; hand back the frame only. */
	if (opts.data_size_out >= meta) {
		memmove(out, (__u8 *)out + meta, opts.data_size_out - meta);
		*out_len = opts.data_size_out - meta;
	}
	return 0;
}

static int run_tc(int port, const void *in, size_t in_len, void *out,
		  __u32 *out_len, __u32 *retval)
{
	struct __sk_buff ctx = { .ifindex = dp.ifindex[port] };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);
	int err;

	opts.data_in = in;
	opts.data_size_in = in_len;
	opts.data_out = out;
	opts.data_size_out = *out_len;
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	err = bpf_prog_test_run_opts(bpf_program__fd(dp.tc->progs.xpan_port_in),
				     &opts);
	if (err)
		return -errno;
	*retval = opts.retval;
	*out_len = opts.data_size_out;
	return 0;
}

int dp_run_storage(int ifindex, const void *in, size_t in_len, void *out,
		   __u32 *out_len, __u32 *retval)
{
	struct __sk_buff ctx = {
		.ifindex = ifindex ? ifindex : dp.storage_ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);
	int err;

	opts.data_in = in;
	opts.data_size_in = in_len;
	opts.data_out = out;
	opts.data_size_out = *out_len;
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	err = bpf_prog_test_run_opts(
		bpf_program__fd(dp.tc->progs.xpan_storage_in), &opts);
	if (err)
		return -errno;
	*retval = opts.retval;
	*out_len = opts.data_size_out;
	return 0;
}

int dp_run(enum dp_hook hook, int port, const void *in, size_t in_len,
	   void *out, __u32 *out_len, __u32 *retval)
{
	if (hook == DP_XDP)
		return run_xdp(port, in, in_len, out, out_len, retval);
	return run_tc(port, in, in_len, out, out_len, retval);
}

void dp_attach(enum dp_hook hook, int port)
{
	int err;

	if (hook == DP_XDP) {
		err = bpf_xdp_attach(dp.ifindex[port],
				     bpf_program__fd(dp.xdp->progs.xpan_port_in),
				     XDP_FLAGS_DRV_MODE, NULL);
		cr_assert_eq(err, 0, "attach XDP xpan_port_in to dpt%d: %s",
			     port, strerror(-err));
	} else {
		LIBBPF_OPTS(bpf_tc_hook, hook_opts,
			    .ifindex = dp.ifindex[port],
			    .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, tc_opts,
			    .prog_fd = bpf_program__fd(dp.tc->progs.xpan_port_in));

		err = bpf_tc_hook_create(&hook_opts);
		cr_assert(err == 0 || err == -EEXIST,
			  "create clsact on dpt%d: %s", port, strerror(-err));
		err = bpf_tc_attach(&hook_opts, &tc_opts);
		cr_assert_eq(err, 0, "attach TC xpan_port_in to dpt%d: %s",
			     port, strerror(-err));
	}
}

void dp_attach_storage(void)
{
	LIBBPF_OPTS(bpf_tc_hook, hook_opts, .ifindex = dp.storage_ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc_opts,
		    .prog_fd = bpf_program__fd(dp.tc->progs.xpan_storage_in));
	int err;

	err = bpf_tc_hook_create(&hook_opts);
	cr_assert(err == 0 || err == -EEXIST, "create clsact on dpst1: %s",
		  strerror(-err));
	err = bpf_tc_attach(&hook_opts, &tc_opts);
	cr_assert_eq(err, 0, "attach xpan_storage_in to dpst1: %s",
		     strerror(-err));
}

static int recv_frame_fd(int fd, __u8 *buf, size_t size)
{
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	for (;;) {
		n = recvfrom(fd, buf, size, 0,
			     (struct sockaddr *)&from, &fl);
		if (n < 0)
			return -1;
		if (from.sll_pkttype != PACKET_OUTGOING)
			return (int)n;
	}
}

void dp_sock_drain(void)
{
	__u8 buf[2048];
	int i;

	for (i = 0; i < DP_NPORTS; i++)
		while (recv(dp.sock[i], buf, sizeof(buf), 0) >= 0)
			;
	while (recv(dp.portal_sock, buf, sizeof(buf), 0) >= 0)
		;
}

static int sock_send(int fd, int ifindex, const void *frame, size_t len)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex,
		.sll_halen = 6,
	};

	memcpy(to.sll_addr, frame, 6);
	return sendto(fd, frame, len, 0, (struct sockaddr *)&to,
		      sizeof(to)) == (ssize_t)len ? 0 : -errno;
}

int dp_sock_send(int port, const void *frame, size_t len)
{
	return sock_send(dp.sock[port], dp.peer_ifindex[port], frame, len);
}

int dp_portal_send(const void *frame, size_t len)
{
	return sock_send(dp.portal_sock, dp.portal_ifindex, frame, len);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static bool sock_expect(int fd, const void *want, size_t len)
{
	long long deadline = now_ms() + DP_WAIT_MS;
	__u8 buf[2048];
	int n;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();

		while ((n = recv_frame_fd(fd, buf, sizeof(buf))) >= 0)
			if ((size_t)n == len && !memcmp(buf, want, len))
				return true;
		if (left <= 0)
			return false;
		poll(&pfd, 1, (int)left);
	}
}

bool dp_sock_expect(int port, const void *want, size_t len)
{
	return sock_expect(dp.sock[port], want, len);
}

bool dp_portal_expect(const void *want, size_t len)
{
	return sock_expect(dp.portal_sock, want, len);
}

static int sock_pending(int fd)
{
	__u8 buf[2048];
	int n = 0;

	while (recv_frame_fd(fd, buf, sizeof(buf)) >= 0)
		n++;
	return n;
}

int dp_sock_pending(int port)
{
	return sock_pending(dp.sock[port]);
}

int dp_portal_pending(void)
{
	return sock_pending(dp.portal_sock);
}

bool dp_wait_rx(int port, __u64 before)
{
	long long deadline = now_ms() + DP_WAIT_MS;

	for (;;) {
		if (dp_stat(port, XPAN_CNT_RX_PACKETS) != before)
			return true;
		if (now_ms() > deadline)
			return false;
		usleep(1000);
	}
}

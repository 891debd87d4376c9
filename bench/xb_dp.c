// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xb-dp: the bench's view of the xpan dataplane.
 *   testrun  ns per packet of xpan_port_in on its unicast path, through
 *            the port_tc / port_xdp skeletons (BPF_PROG_TEST_RUN);
 *   attach   the fallback when xpan-ctrld cannot run: load and attach
 *            the dataplane through lib/dataplane.h and fill the maps the
 *            way ctrld would for a handful of ports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/xpan_shared.h"
#include "dataplane.h"
#include "jsonw.h"
#include "log.h"
#include "xb_util.h"
#include "port_tc.skel.h"
#include "port_xdp.skel.h"

#define XB_MAX_PORTS 8
#define XB_VLAN 10

struct xb_port {
	const char *dev;
	unsigned int ifindex;
	__u8 mac[6];
	__be32 ip;
};

struct xb_dp_args {
	const char *mode;
	const char *netns;
	const char *bpffs;
	unsigned long repeat;
	struct xb_port ports[XB_MAX_PORTS];
	int nports;
	bool json;
};

static const struct option xb_dp_opts[] = {
	{ "mode", required_argument, NULL, 'm' },
	{ "netns", required_argument, NULL, 'n' },
	{ "bpffs", required_argument, NULL, 'b' },
	{ "port", required_argument, NULL, 'p' },
	{ "repeat", required_argument, NULL, 'r' },
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{}
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: xb-dp COMMAND [OPTIONS]\n"
"Bench helper for the xpan port programs.\n"
"\n"
"  xb-dp testrun --mode tc|xdp --bpffs DIR [--netns NS]\n"
"                --port DEV,MAC --port DEV,MAC [--repeat N] [-j]\n"
"      BPF_PROG_TEST_RUN of a 64-byte unicast frame from the first port's\n"
"      MAC to the second's, entering at the first port: checks that it is\n"
"      redirected to the second port and prints ns per packet. Maps are\n"
"      pinned under DIR (a fresh directory under /sys/fs/bpf).\n"
"  xb-dp attach --mode tc|xdp --bpffs DIR --port DEV,MAC,IP ...\n"
"      load the dataplane (lib/dataplane.h), attach it to every DEV and\n"
"      fill ports, MACs, bindings, VLAN (all in VLAN %d) and counters\n"
"\n"
"  -j, --json     JSON output\n"
"  -v, --verbose  libbpf messages\n"
"  -h, --help     this text\n", XB_VLAN);
}

static int parse_port(const char *spec, struct xb_port *p)
{
	char buf[128], *mac, *ip;

	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		return -EINVAL;
	mac = strchr(buf, ',');
	if (!mac)
		return -EINVAL;
	*mac++ = '\0';
	ip = strchr(mac, ',');
	if (ip)
		*ip++ = '\0';
	p->dev = strdup(buf);
	if (!p->dev || xb_parse_mac(mac, p->mac))
		return -EINVAL;
	if (ip && xb_parse_ip4(ip, &p->ip))
		return -EINVAL;
	return 0;
}

static int mode_of(const char *mode)
{
	if (mode && !strcmp(mode, "tc"))
		return XPAN_DP_TC;
	if (mode && !strcmp(mode, "xdp"))
		return XPAN_DP_XDP;
	pr_warn("--mode %s: use tc or xdp\n", mode ? mode : "(missing)");
	return -EINVAL;
}

/* The entries ctrld writes for a node port, for all ports in one VLAN. */
static int fill_maps(const struct xpan_dp_maps *m, struct xb_port *ports,
		     int n, int datapath)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xpan_vlan vlan = { .count = n };
	struct xpan_port_counters *zero;
	__u32 vid = XB_VLAN;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	zero = calloc(ncpu, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	for (int i = 0; i < n && !err; i++) {
		struct xpan_port port = {
			.vlan = XB_VLAN,
			.flags = XPAN_PORT_F_ENABLED,
			.datapath = datapath,
			.node_id = i + 1,
			.slot = i,
		};
		__u32 slot = i;
		struct xpan_mac_key mk = {};
		struct xpan_fwd fwd = { .ifindex = ports[i].ifindex,
					.vlan = XB_VLAN };
		struct xpan_binding_key bk = { .vlan = XB_VLAN,
					       .ip4 = ports[i].ip };
		struct xpan_binding b = { .flags = XPAN_BIND_F_STATIC,
					  .ifindex = ports[i].ifindex };

		memcpy(port.mac, ports[i].mac, 6);
		memcpy(mk.mac, ports[i].mac, 6);
		memcpy(b.mac, ports[i].mac, 6);
		vlan.ifindex[i] = ports[i].ifindex;
		if (bpf_map_update_elem(m->ports, &ports[i].ifindex, &port, 0) ||
		    bpf_map_update_elem(m->macs, &mk, &fwd, 0) ||
		    bpf_map_update_elem(m->counters, &slot, zero, 0) ||
		    (ports[i].ip &&
		     bpf_map_update_elem(m->bindings, &bk, &b, 0)))
			err = -errno;
	}
	if (!err && bpf_map_update_elem(m->vlans, &vid, &vlan, 0))
		err = -errno;
	if (err)
		pr_warn("filling the xpan maps: %s\n", strerror(-err));
	free(zero);
	return err;
}

static int resolve_ports(struct xb_dp_args *a, int min)
{
	if (a->nports < min) {
		pr_warn("need at least %d --port options\n", min);
		return -EINVAL;
	}
	for (int i = 0; i < a->nports; i++) {
		a->ports[i].ifindex = xb_ifindex(a->ports[i].dev);
		if (!a->ports[i].ifindex)
			return -ENODEV;
	}
	return 0;
}

/* fwd_unicast of a port (by its counter slot) summed over CPUs. */
static int fwd_count(int stats_fd, __u32 slot, __u64 *n)
{
	return xb_percpu_u64(stats_fd, slot,
			     offsetof(struct xpan_port_counters,
				      v[XPAN_CNT_FWD_UNICAST]), n);
}

/* Why frames were dropped, to tell the dataplane engineer what happened. */
static void print_drops(int stats_fd, __u32 slot)
{
	for (int r = 1; r < XPAN_DROP_MAX; r++) {
		__u64 n;

		if (!xb_percpu_u64(stats_fd, slot,
				   offsetof(struct xpan_port_counters, v) +
				   XPAN_CNT_DROP(r) * sizeof(__u64), &n) && n)
			pr_warn("  drop reason %d: %llu frames\n", r,
				(unsigned long long)n);
	}
}

struct xb_prog {
	struct bpf_object *obj;
	int prog_fd;
	struct xpan_dp_maps maps;
};

/* Both builds define the same maps, so they are found by name. */
static void fill_map_fds(const struct bpf_object *obj, struct xb_prog *p)
{
	p->maps.ports = bpf_object__find_map_fd_by_name(obj, XPAN_MAP_PORTS);
	p->maps.macs = bpf_object__find_map_fd_by_name(obj, XPAN_MAP_MACS);
	p->maps.bindings = bpf_object__find_map_fd_by_name(obj, XPAN_MAP_BINDINGS);
	p->maps.vlans = bpf_object__find_map_fd_by_name(obj, XPAN_MAP_VLANS);
	p->maps.flood = bpf_object__find_map_fd_by_name(obj, XPAN_MAP_FLOOD);
	p->maps.learned = bpf_object__find_map_fd_by_name(obj, XPAN_MAP_LEARNED);
	p->maps.guard = bpf_object__find_map_fd_by_name(obj, XPAN_MAP_GUARD);
	p->maps.port_rt = bpf_object__find_map_fd_by_name(obj, XPAN_MAP_PORT_RT);
	p->maps.counters = bpf_object__find_map_fd_by_name(obj, XPAN_MAP_COUNTERS);
}

static int open_tc(const char *bpffs, struct xb_prog *p, void **skel)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = bpffs);
	struct xpan_port_tc *s = xpan_port_tc__open_opts(&oo);
	int err;

	if (!s)
		return -errno;
	err = xpan_port_tc__load(s);
	if (err) {
		xpan_port_tc__destroy(s);
		return err;
	}
	*skel = s;
	p->prog_fd = bpf_program__fd(s->progs.xpan_port_in);
	fill_map_fds(s->obj, p);
	return 0;
}

static int open_xdp(const char *bpffs, struct xb_prog *p, void **skel)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = bpffs);
	struct xpan_port_xdp *s = xpan_port_xdp__open_opts(&oo);
	int err;

	if (!s)
		return -errno;
	err = xpan_port_xdp__load(s);
	if (err) {
		xpan_port_xdp__destroy(s);
		return err;
	}
	*skel = s;
	p->prog_fd = bpf_program__fd(s->progs.xpan_port_in);
	fill_map_fds(s->obj, p);
	return 0;
}

static int run_port_prog(const struct xb_dp_args *a, const struct xb_prog *p,
			 int datapath, __u32 *ns)
{
	const struct xb_port *src = &a->ports[0], *dst = &a->ports[1];
	struct __sk_buff skb = { .ifindex = src->ifindex };
	struct xdp_md md = { .ingress_ifindex = src->ifindex,
			      .data_end = XB_FRAME_LEN };
	__u8 frame[XB_FRAME_LEN];
	__u64 before, after;
	__u32 want;
	int err;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = sizeof(frame), .repeat = a->repeat);

	xb_build_frame(frame, src->mac, dst->mac, htonl(0x0a630001),
		       htonl(0x0a630002));
	if (datapath == XPAN_DP_XDP) {
		opts.ctx_in = &md;
		opts.ctx_size_in = sizeof(md);
		want = XDP_REDIRECT;
	} else {
		opts.ctx_in = &skb;
		opts.ctx_size_in = sizeof(skb);
		want = TC_ACT_REDIRECT;
	}
	err = fwd_count(p->maps.counters, 0 /* src's slot */, &before);
	if (err)
		return err;
	if (bpf_prog_test_run_opts(p->prog_fd, &opts)) {
		err = -errno;
		pr_warn("test run of xpan_port_in: %s\n", strerror(-err));
		return err;
	}
	err = fwd_count(p->maps.counters, 0, &after);
	if (err)
		return err;
	/* The frame must have taken the unicast redirect path every time. */
	if (opts.retval != want || after - before != a->repeat) {
		pr_warn("xpan_port_in returned %u (want %u), fwd_unicast +%llu (want +%lu): the frame did not take the unicast path\n",
			opts.retval, want, (unsigned long long)(after - before),
			a->repeat);
		print_drops(p->maps.counters, 0);
		return -EPROTO;
	}
	*ns = opts.duration;
	return 0;
}

static int do_testrun(struct xb_dp_args *a)
{
	struct xb_prog p = {};
	void *skel = NULL;
	int datapath = mode_of(a->mode), err;
	__u32 ns = 0;

	if (datapath < 0)
		return datapath;
	if (!a->bpffs) {
		pr_warn("testrun needs --bpffs DIR (its own, not the host's)\n");
		return -EINVAL;
	}
	err = xb_enter_netns(a->netns);
	if (!err)
		err = resolve_ports(a, 2);
	if (!err)
		err = xpan_dp_prepare_bpffs(a->bpffs);
	if (err)
		return err;
	err = datapath == XPAN_DP_XDP ? open_xdp(a->bpffs, &p, &skel) :
					open_tc(a->bpffs, &p, &skel);
	if (err) {
		pr_warn("load port_%s skeleton: %s\n", a->mode, strerror(-err));
		return err;
	}
	err = fill_maps(&p.maps, a->ports, a->nports, datapath);
	if (!err)
		err = run_port_prog(a, &p, datapath, &ns);
	if (!err) {
		if (a->json)
			printf("{\"ns_per_pkt\":%u,\"repeat\":%lu}\n", ns,
			       a->repeat);
		else
			printf("xpan_port_in (%s): %u ns per packet (%lu runs)\n",
			       a->mode, ns, a->repeat);
	}
	if (datapath == XPAN_DP_XDP)
		xpan_port_xdp__destroy(skel);
	else
		xpan_port_tc__destroy(skel);
	return err;
}

static int do_attach(struct xb_dp_args *a)
{
	struct xpan_dp *dp;
	int datapath = mode_of(a->mode), err;

	if (datapath < 0)
		return datapath;
	if (!a->bpffs) {
		pr_warn("attach needs --bpffs DIR\n");
		return -EINVAL;
	}
	err = xb_enter_netns(a->netns);
	if (!err)
		err = resolve_ports(a, 1);
	if (!err)
		err = xpan_dp_prepare_bpffs(a->bpffs);
	if (err)
		return err;
	err = xpan_dp_open(a->bpffs, true, &dp);
	if (err) {
		pr_warn("load dataplane under %s: %s\n", a->bpffs,
			strerror(-err));
		return err;
	}
	err = fill_maps(xpan_dp_maps(dp), a->ports, a->nports, datapath);
	for (int i = 0; i < a->nports && !err; i++) {
		err = xpan_dp_attach(dp, a->ports[i].ifindex, datapath);
		if (err)
			pr_warn("attach to %s: %s\n", a->ports[i].dev,
				strerror(-err));
	}
	xpan_dp_close(dp);
	return err;
}

int main(int argc, char **argv)
{
	struct xb_dp_args a = { .repeat = 1000000 };
	const char *cmd;
	int c, err;

	xpan_log_set_prog("xb-dp");
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	argv++;
	argc--;
	while ((c = getopt_long(argc, argv, "jvh", xb_dp_opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			a.mode = optarg;
			break;
		case 'n':
			a.netns = optarg;
			break;
		case 'b':
			a.bpffs = optarg;
			break;
		case 'p':
			if (a.nports == XB_MAX_PORTS ||
			    parse_port(optarg, &a.ports[a.nports])) {
				pr_warn("--port %s: want DEV,MAC[,IP] (at most %d)\n",
					optarg, XB_MAX_PORTS);
				return 2;
			}
			a.nports++;
			break;
		case 'r':
			a.repeat = strtoul(optarg, NULL, 0);
			break;
		case 'j':
			a.json = true;
			break;
		case 'v':
			xpan_log_set_level(XPAN_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	xpan_log_hook_libbpf();
	if (!strcmp(cmd, "testrun"))
		err = do_testrun(&a);
	else if (!strcmp(cmd, "attach"))
		err = do_attach(&a);
	else {
		pr_warn("unknown command %s (try --help)\n", cmd);
		return 2;
	}
	return err ? 1 : 0;
}

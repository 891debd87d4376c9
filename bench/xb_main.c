// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xb: the bench's baseline tool. Attaches the peer programs (bare
 * redirect, node-side sink) and drives the live-frame generator; the xpan
 * side lives in xb-dp so this tool builds without the dataplane.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "jsonw.h"
#include "log.h"
#include "xb_util.h"
#include "xb_gen.skel.h"
#include "xb_sink.skel.h"
#include "xb_bare.skel.h"

struct xb_args {
	const char *netns;
	const char *dev;
	const char *to;
	const char *sink_netns;
	const char *sink_dev;
	const char *smac, *dmac, *sip, *dip;
	const char *hook;
	double seconds;
	unsigned long repeat;
	int cpu;
	bool json;
};

static const struct option xb_opts[] = {
	{ "netns", required_argument, NULL, 'n' },
	{ "dev", required_argument, NULL, 'd' },
	{ "to", required_argument, NULL, 't' },
	{ "sink-netns", required_argument, NULL, 'N' },
	{ "sink-dev", required_argument, NULL, 'D' },
	{ "src-mac", required_argument, NULL, 'm' },
	{ "dst-mac", required_argument, NULL, 'M' },
	{ "src-ip", required_argument, NULL, 'i' },
	{ "dst-ip", required_argument, NULL, 'I' },
	{ "hook", required_argument, NULL, 'k' },
	{ "seconds", required_argument, NULL, 's' },
	{ "repeat", required_argument, NULL, 'r' },
	{ "cpu", required_argument, NULL, 'c' },
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{}
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: xb COMMAND [OPTIONS]\n"
"Bench helper: peer programs and the live-frame generator.\n"
"\n"
"  xb attach-bare --hook tc|xdp [--netns NS] --dev DEV --to DEV2\n"
"      one-line bpf_redirect of every frame arriving on DEV to DEV2\n"
"  xb attach-node [--netns NS] --dev DEV\n"
"      XDP on a node's interface that counts and drops what arrives\n"
"  xb rate --netns NS --dev DEV --sink-netns NS2 --sink-dev DEV2\n"
"          --src-mac MAC --dst-mac MAC --src-ip IP --dst-ip IP\n"
"          [--seconds S] [--cpu N] [-j]\n"
"      send 64-byte live frames out of DEV (redirected into it from XDP,\n"
"      so they leave towards DEV's peer) for S seconds (default 1), count\n"
"      them at the sink on DEV2 and print the rate received there\n"
"  xb testrun --hook tc|xdp [--netns NS] --dev DEV --to DEV2 [--repeat N] [-j]\n"
"      ns per packet of the bare redirect via BPF_PROG_TEST_RUN\n"
"\n"
"  -j, --json     JSON output\n"
"  -v, --verbose  libbpf messages\n"
"  -h, --help     this text\n");
}

static int do_attach_bare(const struct xb_args *a)
{
	struct xb_bare *skel;
	unsigned int in, out;
	bool xdp;
	int err;

	if (!a->hook || !a->dev || !a->to) {
		pr_warn("attach-bare needs --hook, --dev and --to\n");
		return -EINVAL;
	}
	xdp = !strcmp(a->hook, "xdp");
	if (!xdp && strcmp(a->hook, "tc")) {
		pr_warn("--hook %s: use tc or xdp\n", a->hook);
		return -EINVAL;
	}
	err = xb_enter_netns(a->netns);
	if (err)
		return err;
	in = xb_ifindex(a->dev);
	out = xb_ifindex(a->to);
	if (!in || !out)
		return -ENODEV;
	skel = xb_bare__open();
	if (!skel)
		return -errno;
	skel->rodata->out_ifindex = out;
	err = xb_bare__load(skel);
	if (err) {
		pr_warn("load bare redirect: %s\n", strerror(-err));
		goto out_destroy;
	}
	/* The attachment keeps the program alive after we exit. */
	if (xdp)
		err = xb_attach_xdp(in, bpf_program__fd(skel->progs.xb_bare_xdp));
	else
		err = xb_attach_tc(in, bpf_program__fd(skel->progs.xb_bare_tc));
out_destroy:
	xb_bare__destroy(skel);
	return err;
}

static int do_attach_node(const struct xb_args *a)
{
	struct xb_sink *skel;
	unsigned int idx;
	int err;

	if (!a->dev) {
		pr_warn("attach-node needs --dev\n");
		return -EINVAL;
	}
	err = xb_enter_netns(a->netns);
	if (err)
		return err;
	idx = xb_ifindex(a->dev);
	if (!idx)
		return -ENODEV;
	skel = xb_sink__open_and_load();
	if (!skel) {
		err = -errno;
		pr_warn("load node programs: %s\n", strerror(-err));
		return err;
	}
	err = xb_attach_xdp(idx, bpf_program__fd(skel->progs.xb_sink));
	xb_sink__destroy(skel);
	return err;
}

/* The sink's counter map, found from the program attached to dev. */
static int sink_counter_fd(const char *dev)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), map_ids[4] = {}, prog_id = 0;
	unsigned int idx = xb_ifindex(dev);
	int prog_fd, map_fd = -ENOENT, err;

	if (!idx)
		return -ENODEV;
	err = bpf_xdp_query_id(idx, XDP_FLAGS_DRV_MODE, &prog_id);
	if (err || !prog_id) {
		pr_warn("%s has no native XDP program: run `xb attach-node` first\n",
			dev);
		return -ENOENT;
	}
	prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0)
		return -errno;
	info.nr_map_ids = 4;
	info.map_ids = (__u64)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len)) {
		map_fd = -errno;
		goto out_close;
	}
	for (__u32 i = 0; i < info.nr_map_ids && i < 4; i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(map_ids[i]);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mlen) &&
		    !strcmp(mi.name, "xb_count")) {
			map_fd = fd;
			break;
		}
		close(fd);
	}
	if (map_fd < 0)
		pr_warn("the XDP program on %s is not xb_sink\n", dev);
out_close:
	close(prog_fd);
	return map_fd;
}

static int frame_from_args(const struct xb_args *a, __u8 *frame)
{
	__u8 smac[6], dmac[6];
	__be32 sip, dip;

	if (!a->smac || !a->dmac || !a->sip || !a->dip) {
		pr_warn("need --src-mac, --dst-mac, --src-ip and --dst-ip\n");
		return -EINVAL;
	}
	if (xb_parse_mac(a->smac, smac) || xb_parse_mac(a->dmac, dmac)) {
		pr_warn("bad MAC address (want aa:bb:cc:dd:ee:ff)\n");
		return -EINVAL;
	}
	if (xb_parse_ip4(a->sip, &sip) || xb_parse_ip4(a->dip, &dip)) {
		pr_warn("bad IPv4 address\n");
		return -EINVAL;
	}
	xb_build_frame(frame, smac, dmac, sip, dip);
	return 0;
}

/*
 * Wall-clock rate, and the rate per second of CPU the path had: on a
 * shared machine the generator's CPU is taken away at times, which the
 * second figure does not count (DESIGN.md: compare ratios, timings noisy).
 */
static void print_rate(const struct xb_args *a, __u64 sent, __u64 recv,
		       double wall, double cpu)
{
	double mpps = recv / wall / 1e6;
	double cpu_mpps = cpu > 0 ? recv / cpu / 1e6 : 0;

	if (a->json) {
		struct jsonw *jw = jsonw_new(stdout, false);

		jsonw_start_object(jw);
		jsonw_uint_field(jw, "sent", sent);
		jsonw_uint_field(jw, "received", recv);
		jsonw_float_field(jw, "seconds", wall);
		jsonw_float_field(jw, "cpu_seconds", cpu);
		jsonw_float_field(jw, "mpps", mpps);
		jsonw_float_field(jw, "cpu_mpps", cpu_mpps);
		jsonw_end_object(jw);
		jsonw_destroy(&jw);
		return;
	}
	printf("sent %llu, received %llu in %.2f s (%.2f s of CPU): %.3f Mpps, %.3f Mpps per CPU second\n",
	       (unsigned long long)sent, (unsigned long long)recv, wall, cpu,
	       mpps, cpu_mpps);
}

/* Live frames per syscall: short enough to stop near the deadline. */
#define XB_RATE_CHUNK 65536

static int do_rate(const struct xb_args *a)
{
	__u8 frame[XB_FRAME_LEN];
	struct xb_gen *skel = NULL;
	__u64 before, after, sent = 0;
	double t0, t1, c0, c1;
	unsigned int out;
	int cnt_fd, err;

	if (!a->netns || !a->dev || !a->sink_netns || !a->sink_dev) {
		pr_warn("rate needs --netns, --dev, --sink-netns, --sink-dev\n");
		return -EINVAL;
	}
	err = frame_from_args(a, frame);
	if (err)
		return err;
	err = xb_pin_cpu(a->cpu);
	if (err)
		return err;
	err = xb_enter_netns(a->sink_netns);
	if (err)
		return err;
	cnt_fd = sink_counter_fd(a->sink_dev);
	if (cnt_fd < 0)
		return cnt_fd;
	err = xb_leave_netns();
	if (!err)
		err = xb_enter_netns(a->netns);
	if (err)
		goto out_close;
	out = xb_ifindex(a->dev);
	if (!out) {
		err = -ENODEV;
		goto out_close;
	}
	skel = xb_gen__open();
	if (!skel) {
		err = -errno;
		goto out_close;
	}
	skel->rodata->out_ifindex = out;
	memcpy((void *)skel->rodata->tmpl, frame, sizeof(frame));
	err = xb_gen__load(skel);
	if (err) {
		pr_warn("load generator: %s\n", strerror(-err));
		goto out_destroy;
	}
	err = xb_percpu_u64(cnt_fd, 0, 0, &before);
	if (err)
		goto out_destroy;
	c0 = xb_path_cpu_time(a->cpu);
	t0 = xb_now();
	do {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
			    .data_size_in = sizeof(frame),
			    .repeat = XB_RATE_CHUNK,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xb_gen),
					     &opts);
		if (err) {
			err = -errno;
			pr_warn("live-frame run: %s\n", strerror(-err));
			goto out_destroy;
		}
		sent += XB_RATE_CHUNK;
		t1 = xb_now();
	} while (t1 - t0 < a->seconds);
	c1 = xb_path_cpu_time(a->cpu);
	err = xb_percpu_u64(cnt_fd, 0, 0, &after);
	if (err)
		goto out_destroy;
	print_rate(a, sent, after - before, t1 - t0,
		   c0 < 0 || c1 < 0 ? -1 : c1 - c0);
out_destroy:
	xb_gen__destroy(skel);
out_close:
	close(cnt_fd);
	return err;
}

/* One test run of the bare redirect; checks that it did redirect. */
static int run_bare(const struct xb_args *a, struct xb_bare *skel, bool xdp,
		    unsigned int in, __u32 *ns)
{
	__u8 frame[XB_FRAME_LEN], smac[6] = { 2, 0, 0, 0, 0, 1 },
	     dmac[6] = { 2, 0, 0, 0, 0, 2 };
	struct __sk_buff skb = { .ifindex = in };
	struct xdp_md md = { .ingress_ifindex = in, .data_end = XB_FRAME_LEN };
	__u32 want;
	int fd, err;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = sizeof(frame), .repeat = a->repeat);

	xb_build_frame(frame, smac, dmac, htonl(0x0a630001), htonl(0x0a630002));
	if (xdp) {
		fd = bpf_program__fd(skel->progs.xb_bare_xdp);
		opts.ctx_in = &md;
		opts.ctx_size_in = sizeof(md);
		want = XDP_REDIRECT;
	} else {
		fd = bpf_program__fd(skel->progs.xb_bare_tc);
		opts.ctx_in = &skb;
		opts.ctx_size_in = sizeof(skb);
		want = TC_ACT_REDIRECT;
	}
	if (bpf_prog_test_run_opts(fd, &opts)) {
		err = -errno;
		pr_warn("test run: %s\n", strerror(-err));
		return err;
	}
	if (opts.retval != want) {
		pr_warn("bare %s returned %u, want %u\n", a->hook, opts.retval,
			want);
		return -EPROTO;
	}
	*ns = opts.duration;
	return 0;
}

static int do_testrun(const struct xb_args *a)
{
	struct xb_bare *skel;
	unsigned int in, out;
	__u32 ns = 0;
	bool xdp;
	int err;

	if (!a->hook || !a->dev || !a->to) {
		pr_warn("testrun needs --hook, --dev and --to\n");
		return -EINVAL;
	}
	xdp = !strcmp(a->hook, "xdp");
	err = xb_enter_netns(a->netns);
	if (err)
		return err;
	in = xb_ifindex(a->dev);
	out = xb_ifindex(a->to);
	if (!in || !out)
		return -ENODEV;
	skel = xb_bare__open();
	if (!skel)
		return -errno;
	skel->rodata->out_ifindex = out;
	err = xb_bare__load(skel);
	if (!err)
		err = run_bare(a, skel, xdp, in, &ns);
	if (!err && a->json)
		printf("{\"ns_per_pkt\":%u,\"repeat\":%lu}\n", ns, a->repeat);
	else if (!err)
		printf("bare %s: %u ns per packet (%lu runs)\n", a->hook, ns,
		       a->repeat);
	xb_bare__destroy(skel);
	return err;
}

int main(int argc, char **argv)
{
	struct xb_args a = { .seconds = 1.0, .repeat = 1000000, .cpu = -1 };
	const char *cmd;
	int c, err;

	xpan_log_set_prog("xb");
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	argv++;
	argc--;
	while ((c = getopt_long(argc, argv, "jvh", xb_opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			a.netns = optarg;
			break;
		case 'd':
			a.dev = optarg;
			break;
		case 't':
			a.to = optarg;
			break;
		case 'N':
			a.sink_netns = optarg;
			break;
		case 'D':
			a.sink_dev = optarg;
			break;
		case 'm':
			a.smac = optarg;
			break;
		case 'M':
			a.dmac = optarg;
			break;
		case 'i':
			a.sip = optarg;
			break;
		case 'I':
			a.dip = optarg;
			break;
		case 'k':
			a.hook = optarg;
			break;
		case 's':
			a.seconds = atof(optarg);
			break;
		case 'r':
			a.repeat = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			a.cpu = atoi(optarg);
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
	if (!strcmp(cmd, "attach-bare"))
		err = do_attach_bare(&a);
	else if (!strcmp(cmd, "attach-node"))
		err = do_attach_node(&a);
	else if (!strcmp(cmd, "rate"))
		err = do_rate(&a);
	else if (!strcmp(cmd, "testrun"))
		err = do_testrun(&a);
	else {
		pr_warn("unknown command %s (try --help)\n", cmd);
		return 2;
	}
	return err ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xpan show ports|stats: straight from the pinned maps. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "commands.h"
#include "dataplane.h"
#include "drop_names.h"
#include "log.h"
#include "maps_read.h"
#include "output.h"

static const char *ifname_of(__u32 ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		strcpy(buf, "-");
	return buf;
}

static const char *datapath_str(__u32 dp)
{
	switch (dp) {
	case XPAN_DP_TC:
		return "tc";
	case XPAN_DP_XDP:
		return "xdp";
	default:
		return "unknown";
	}
}

static void print_port(struct out *o, const struct port_entry *e,
		       __u32 map_id)
{
	static const struct {
		__u32 bit;
		const char *name;
	} flag_names[] = {
		{ XPAN_PORT_F_ENABLED, "enabled" },
		{ XPAN_PORT_F_PROMISC, "promisc" },
	};
	char ifname[IF_NAMESIZE], mac[18], flags[64] = "", hooks[16] = "";
	struct xpan_dp_port_state st = { 0 };
	int err;

	xpan_fmt_mac(e->port.mac, mac, sizeof(mac));
	err = xpan_dp_query_owned((int)e->ifindex, map_id, &st);
	if (err && err != -ENODEV)
		pr_debug("ifindex %u: query failed: %s\n", e->ifindex,
			 strerror(-err));

	out_obj_start(o, NULL);
	out_uint(o, "ifindex", "%-8" PRIu64, e->ifindex);
	out_str(o, "ifname", "%-16s", ifname_of(e->ifindex, ifname));
	out_str(o, "mac", "%-18s", mac);
	out_uint(o, "vlan", "%-6" PRIu64, e->port.vlan);
	out_str(o, "datapath", "%-9s", datapath_str(e->port.datapath));

	out_arr_start(o, "flags");
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (!(e->port.flags & flag_names[i].bit))
			continue;
		out_elem_str(o, NULL, flag_names[i].name);
		if (flags[0])
			strcat(flags, ",");
		strcat(flags, flag_names[i].name);
	}
	out_arr_end(o);
	out_str(o, NULL, "%-16s", flags[0] ? flags : "-");
	out_uint(o, "flags_raw", NULL, e->port.flags);
	out_uint(o, "node_id", "%-8" PRIu64, e->port.node_id);

	out_arr_start(o, "attached");
	if (st.tc) {
		out_elem_str(o, NULL, "tc");
		strcat(hooks, "tc");
	}
	if (st.xdp) {
		out_elem_str(o, NULL, "xdp");
		strcat(hooks, hooks[0] ? ",xdp" : "xdp");
	}
	out_arr_end(o);
	out_str(o, NULL, "%s\n", hooks[0] ? hooks : "none");
	out_obj_end(o);
}

int do_show_ports(const struct xpan_opts *opts, int argc, char **argv)
{
	const char *bpffs = xpan_opts_bpffs(opts);
	struct port_entry *ports = NULL;
	struct out o;
	__u32 map_id;
	int fd, n;

	(void)argc;
	(void)argv;
	if (!bpffs)
		return XPAN_EXIT_FAIL;
	fd = xpan_open_pinned_map(bpffs, XPAN_MAP_PORTS);
	if (fd < 0)
		return XPAN_EXIT_FAIL;
	n = xpan_read_ports(fd, &ports);
	map_id = xpan_dp_map_id(fd);
	close(fd);
	if (n < 0) {
		pr_warn("cannot read %s/%s: %s\n", bpffs, XPAN_MAP_PORTS,
			strerror(-n));
		return XPAN_EXIT_FAIL;
	}
	if (out_open(&o, stdout, opts->json, opts->pretty)) {
		free(ports);
		return XPAN_EXIT_FAIL;
	}
	out_text(&o, "%-8s%-16s%-18s%-6s%-9s%-16s%-8s%s\n", "IFINDEX", "IFNAME",
		 "MAC", "VLAN", "DATAPATH", "FLAGS", "NODE", "ATTACHED");
	out_arr_start(&o, NULL);
	for (int i = 0; i < n; i++)
		print_port(&o, &ports[i], map_id);
	out_arr_end(&o);
	if (n == 0)
		out_text(&o, "(no ports: xpan-ctrld fills %s from the config)\n",
			 XPAN_MAP_PORTS);
	out_close(&o);
	free(ports);
	return XPAN_EXIT_OK;
}

/* name: the row's ifname; NULL for the interface's own name. */
static void print_stats(struct out *o, const char *name, __u32 ifindex,
			const struct xpan_port_counters *s)
{
	char ifname[IF_NAMESIZE], label[32];
	bool any = false;

	out_obj_start(o, NULL);
	out_str(o, "ifname", "%-16s", name ? name : ifname_of(ifindex, ifname));
	out_uint(o, "ifindex", "%-8" PRIu64, ifindex);
	out_uint(o, "rx_packets", "%-12" PRIu64, s->v[XPAN_CNT_RX_PACKETS]);
	out_uint(o, "rx_bytes", "%-14" PRIu64, s->v[XPAN_CNT_RX_BYTES]);
	out_uint(o, "fwd_unicast", "%-12" PRIu64, s->v[XPAN_CNT_FWD_UNICAST]);
	out_uint(o, "flooded", "%-10" PRIu64, s->v[XPAN_CNT_FLOODED]);
	out_uint(o, "arp_replies", "%-10" PRIu64, s->v[XPAN_CNT_ARP_REPLIES]);
	out_uint(o, "learned", "%-9" PRIu64, s->v[XPAN_CNT_LEARNED]);
	out_uint(o, "storage", "%-10" PRIu64, s->v[XPAN_CNT_STORAGE]);

	/* JSON lists every reason, so scripts can rely on the keys; the
	 * table only the ones that happened. */
	out_obj_start(o, "drops");
	for (unsigned int r = XPAN_DROP_NONE + 1; r < XPAN_DROP_MAX; r++) {
		const char *name = xpan_drop_label(r, label, sizeof(label));
		__u64 n = s->v[XPAN_CNT_DROP(r)];

		if (out_is_json(o)) {
			out_uint(o, name, NULL, n);
			continue;
		}
		if (!n)
			continue;
		out_text(o, "%s%s=%" PRIu64, any ? " " : "", name,
			 (uint64_t)n);
		any = true;
	}
	out_obj_end(o);
	out_text(o, "%s\n", any ? "" : "-");
	out_obj_end(o);
}

/*
 * The storage port's row, named "storage", when its slot counted anything
 * (a platform without the storage network shows no such row). Its
 * ifindex is the one xpan_storage names, 0 when that map is not pinned.
 */
static int print_storage_stats(struct out *o, const char *bpffs, int fd)
{
	struct xpan_storage_net sn = { 0 };
	struct xpan_port_counters s;
	char path[PATH_MAX];
	__u32 key = 0;
	int err, sfd;
	bool any = false;

	err = xpan_read_counters(fd, XPAN_STORAGE_SLOT, &s);
	if (err) {
		pr_warn("cannot read %s slot %u (the storage port): %s\n",
			XPAN_MAP_COUNTERS, XPAN_STORAGE_SLOT, strerror(-err));
		return err;
	}
	for (int k = 0; k < XPAN_CNT_SLOTS; k++)
		any |= s.v[k] != 0;
	if (!any)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", bpffs, XPAN_MAP_STORAGE);
	sfd = bpf_obj_get(path);
	if (sfd >= 0) {
		if (bpf_map_lookup_elem(sfd, &key, &sn))
			memset(&sn, 0, sizeof(sn));
		close(sfd);
	}
	print_stats(o, "storage", sn.ifindex, &s);
	return 0;
}

/*
 * Counters are kept per slot; a port's slot is in its xpan_ports entry.
 * Rows come from xpan_ports, so a freed slot (its port gone) shows nowhere.
 */
int do_show_stats(const struct xpan_opts *opts, int argc, char **argv)
{
	const char *bpffs = xpan_opts_bpffs(opts);
	struct port_entry *ports = NULL;
	int fd, ports_fd, n, rc = XPAN_EXIT_OK;
	struct out o;

	(void)argc;
	(void)argv;
	if (!bpffs)
		return XPAN_EXIT_FAIL;
	ports_fd = xpan_open_pinned_map(bpffs, XPAN_MAP_PORTS);
	if (ports_fd < 0)
		return XPAN_EXIT_FAIL;
	fd = xpan_open_pinned_map(bpffs, XPAN_MAP_COUNTERS);
	if (fd < 0) {
		close(ports_fd);
		return XPAN_EXIT_FAIL;
	}
	n = xpan_read_ports(ports_fd, &ports);
	if (n < 0) {
		pr_warn("cannot read %s/%s: %s\n", bpffs, XPAN_MAP_PORTS,
			strerror(-n));
		rc = XPAN_EXIT_FAIL;
		goto out_close;
	}
	if (out_open(&o, stdout, opts->json, opts->pretty)) {
		rc = XPAN_EXIT_FAIL;
		goto out_free;
	}
	out_text(&o, "%-16s%-8s%-12s%-14s%-12s%-10s%-10s%-9s%-10s%s\n",
		 "IFNAME", "IFINDEX", "RX_PKTS", "RX_BYTES", "FWD_UCAST",
		 "FLOODED", "ARP_REPL", "LEARNED", "STORAGE", "DROPS");
	out_arr_start(&o, NULL);
	for (int i = 0; i < n; i++) {
		struct xpan_port_counters s;
		int err = xpan_read_counters(fd, ports[i].port.slot, &s);

		if (err) {
			pr_warn("cannot read %s slot %u (ifindex %u): %s%s\n",
				XPAN_MAP_COUNTERS, ports[i].port.slot,
				ports[i].ifindex, strerror(-err),
				err == -ENOENT ? " - the slot is beyond the map; restart xpan-ctrld to reassign it" : "");
			rc = XPAN_EXIT_FAIL;
			continue;
		}
		print_stats(&o, NULL, ports[i].ifindex, &s);
	}
	if (print_storage_stats(&o, bpffs, fd))
		rc = XPAN_EXIT_FAIL;
	out_arr_end(&o);
	out_close(&o);
out_free:
	free(ports);
out_close:
	close(fd);
	close(ports_fd);
	return rc;
}

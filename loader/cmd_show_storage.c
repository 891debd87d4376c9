// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xpan show storage: the storage network as the dataplane sees it. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "commands.h"
#include "dataplane.h"
#include "log.h"
#include "maps_read.h"
#include "output.h"

static const char *ip_str(__be32 ip, char *buf)
{
	struct in_addr a = { .s_addr = ip };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static const char *ifname_or_dash(__u32 ifindex, char *buf)
{
	if (!ifindex || !if_indextoname(ifindex, buf))
		strcpy(buf, "-");
	return buf;
}

static int cmp_addr(const void *a, const void *b)
{
	__u32 x = ntohl(*(const __be32 *)a), y = ntohl(*(const __be32 *)b);

	return x < y ? -1 : x > y;
}

static void print_net(struct out *o, const struct xpan_storage_net *sn)
{
	char ip[INET_ADDRSTRLEN], mac[18], ifname[IF_NAMESIZE];
	int prefix = __builtin_popcount(sn->mask);

	xpan_fmt_mac(sn->portal_mac, mac, sizeof(mac));
	out_bool(o, "enabled", NULL, sn->flags & XPAN_STORAGE_F_ENABLED);
	out_text(o, "storage network %s", sn->flags & XPAN_STORAGE_F_ENABLED ?
		 "enabled" : "off");
	out_str(o, "subnet", " %s", ip_str(sn->subnet, ip));
	out_uint(o, "prefix", "/%" PRIu64, (uint64_t)prefix);
	out_str(o, "portal_ip", ", portal %s", ip_str(sn->portal_ip, ip));
	out_str(o, "portal_mac", " (%s)", mac);
	out_uint(o, "ifindex", NULL, sn->ifindex);
	out_str(o, "ifname", ", storage port %s\n",
		ifname_or_dash(sn->ifindex, ifname));
}

int do_show_storage(const struct xpan_opts *opts, int argc, char **argv)
{
	const char *bpffs = xpan_opts_bpffs(opts);
	struct xpan_storage_net sn = { 0 };
	struct xpan_storage_addr *vals = NULL;
	__be32 *keys = NULL;
	int fd, n, rc = XPAN_EXIT_OK;
	__u32 zero = 0;
	struct out o;

	(void)argc;
	(void)argv;
	if (!bpffs)
		return XPAN_EXIT_FAIL;
	fd = xpan_open_pinned_map(bpffs, XPAN_MAP_STORAGE);
	if (fd < 0)
		return XPAN_EXIT_FAIL;
	if (bpf_map_lookup_elem(fd, &zero, &sn)) {
		pr_warn("cannot read %s/%s: %s\n", bpffs, XPAN_MAP_STORAGE,
			strerror(errno));
		close(fd);
		return XPAN_EXIT_FAIL;
	}
	close(fd);
	fd = xpan_open_pinned_map(bpffs, XPAN_MAP_STORAGE_ADDRS);
	if (fd < 0)
		return XPAN_EXIT_FAIL;
	n = xpan_read_entries(fd, sizeof(*keys), sizeof(*vals), (void **)&keys,
			      (void **)&vals);
	close(fd);
	if (n < 0) {
		pr_warn("cannot read %s/%s: %s\n", bpffs, XPAN_MAP_STORAGE_ADDRS,
			strerror(-n));
		return XPAN_EXIT_FAIL;
	}
	if (out_open(&o, stdout, opts->json, opts->pretty)) {
		rc = XPAN_EXIT_FAIL;
		goto out_free;
	}
	/* Sort the keys with their values: index order, then print. */
	{
		struct row {
			__be32 ip;
			struct xpan_storage_addr a;
		} *rows = calloc(n ? n : 1, sizeof(*rows));

		if (!rows) {
			out_close(&o);
			rc = XPAN_EXIT_FAIL;
			goto out_free;
		}
		for (int i = 0; i < n; i++) {
			rows[i].ip = keys[i];
			rows[i].a = vals[i];
		}
		qsort(rows, n, sizeof(*rows), cmp_addr);
		out_obj_start(&o, NULL);
		print_net(&o, &sn);
		out_text(&o, "%-16s%-18s%-16s%-8s%s\n", "ADDRESS", "MAC",
			 "PORT", "SLOT", "NODE_ID");
		out_arr_start(&o, "addrs");
		for (int i = 0; i < n; i++) {
			char ip[INET_ADDRSTRLEN], mac[18], ifname[IF_NAMESIZE];

			xpan_fmt_mac(rows[i].a.mac, mac, sizeof(mac));
			out_obj_start(&o, NULL);
			out_str(&o, "ip", "%-16s", ip_str(rows[i].ip, ip));
			out_str(&o, "mac", "%-18s", mac);
			out_uint(&o, "ifindex", NULL, rows[i].a.ifindex);
			out_str(&o, "ifname", "%-16s",
				ifname_or_dash(rows[i].a.ifindex, ifname));
			out_uint(&o, "slot", "%-8" PRIu64, rows[i].a.slot);
			out_uint(&o, "node_id", "%" PRIu64 "\n",
				 rows[i].a.node_id);
			out_obj_end(&o);
		}
		out_arr_end(&o);
		out_obj_end(&o);
		free(rows);
	}
	out_close(&o);
out_free:
	free(keys);
	free(vals);
	return rc;
}

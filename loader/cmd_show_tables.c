// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xpan show macs|bindings: the forwarding and ARP tables, from the pins. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
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

/* Opens bpffs/name and reads all its entries; XPAN_EXIT_* on failure. */
static int read_table(const struct xpan_opts *opts, const char *name,
		      size_t ksz, size_t vsz, void **keys, void **vals, int *n)
{
	const char *bpffs = xpan_opts_bpffs(opts);
	int fd;

	if (!bpffs)
		return XPAN_EXIT_FAIL;
	fd = xpan_open_pinned_map(bpffs, name);
	if (fd < 0)
		return XPAN_EXIT_FAIL;
	*n = xpan_read_entries(fd, ksz, vsz, keys, vals);
	close(fd);
	if (*n < 0) {
		pr_warn("cannot read %s/%s: %s%s\n", bpffs, name, strerror(-*n),
			*n == -EINVAL ? " - the pinned map's key differs from this xpan's; run 'xpan unload' and load again" : "");
		return XPAN_EXIT_FAIL;
	}
	return XPAN_EXIT_OK;
}

static const char *ifname_or_dash(__u32 ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		strcpy(buf, "-");
	return buf;
}

struct mac_row {
	struct xpan_mac_key k;
	struct xpan_fwd v;
};

static int cmp_mac_row(const void *a, const void *b)
{
	const struct mac_row *x = a, *y = b;

	if (x->v.vlan != y->v.vlan)
		return x->v.vlan < y->v.vlan ? -1 : 1;
	return memcmp(x->k.mac, y->k.mac, sizeof(x->k.mac));
}

int do_show_macs(const struct xpan_opts *opts, int argc, char **argv)
{
	struct xpan_mac_key *keys;
	struct xpan_fwd *vals;
	struct mac_row *rows;
	struct out o;
	int n, rc;

	(void)argc;
	(void)argv;
	rc = read_table(opts, XPAN_MAP_MACS, sizeof(*keys), sizeof(*vals),
			(void **)&keys, (void **)&vals, &n);
	if (rc)
		return rc;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows || out_open(&o, stdout, opts->json, opts->pretty)) {
		rc = XPAN_EXIT_FAIL;
		goto out_free;
	}
	for (int i = 0; i < n; i++) {
		rows[i].k = keys[i];
		rows[i].v = vals[i];
	}
	qsort(rows, n, sizeof(*rows), cmp_mac_row);

	out_text(&o, "%-18s%-6s%-8s%s\n", "MAC", "VLAN", "IFINDEX", "IFNAME");
	out_arr_start(&o, NULL);
	for (int i = 0; i < n; i++) {
		char mac[18], ifname[IF_NAMESIZE];

		xpan_fmt_mac(rows[i].k.mac, mac, sizeof(mac));
		out_obj_start(&o, NULL);
		out_str(&o, "mac", "%-18s", mac);
		out_uint(&o, "vlan", "%-6" PRIu64, rows[i].v.vlan);
		out_uint(&o, "ifindex", "%-8" PRIu64, rows[i].v.ifindex);
		out_str(&o, "ifname", "%s\n", ifname_or_dash(rows[i].v.ifindex, ifname));
		out_obj_end(&o);
	}
	out_arr_end(&o);
	out_close(&o);
out_free:
	free(rows);
	free(keys);
	free(vals);
	return rc;
}

/* A configured binding or a learned one (age_ms < 0: configured). */
struct binding_row {
	struct xpan_binding_key k;
	struct xpan_binding v;
	long long age_ms;
};

static int cmp_binding_row(const void *a, const void *b)
{
	const struct binding_row *x = a, *y = b;
	__u32 ix = ntohl(x->k.ip4), iy = ntohl(y->k.ip4);

	if (x->k.vlan != y->k.vlan)
		return x->k.vlan < y->k.vlan ? -1 : 1;
	return ix < iy ? -1 : ix > iy;
}

/*
 * Both ARP tables as one list: the configured xpan_bindings and what the
 * dataplane learned (xpan_learned, with the age ctrld ages it by). A
 * dataplane of the first layout has no xpan_learned: its learned entries
 * are in xpan_bindings, flagged.
 */
static int read_bindings(const struct xpan_opts *opts,
			 struct binding_row **out, int *count)
{
	struct xpan_binding_key *bk = NULL, *lk = NULL;
	struct xpan_binding *bv = NULL;
	struct xpan_learned *lv = NULL;
	const char *bpffs = xpan_opts_bpffs(opts);
	struct binding_row *rows;
	char path[PATH_MAX];
	int nb, nl = 0, rc, fd;
	__u64 now = xpan_dp_now_ns();

	rc = read_table(opts, XPAN_MAP_BINDINGS, sizeof(*bk), sizeof(*bv),
			(void **)&bk, (void **)&bv, &nb);
	if (rc)
		return rc;
	/* Missing on a dataplane of the first layout: no learned rows. */
	snprintf(path, sizeof(path), "%s/%s", bpffs, XPAN_MAP_LEARNED);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		nl = xpan_read_entries(fd, sizeof(*lk), sizeof(*lv),
				       (void **)&lk, (void **)&lv);
		close(fd);
		if (nl < 0) {
			pr_warn("cannot read %s/%s: %s\n", bpffs,
				XPAN_MAP_LEARNED, strerror(-nl));
			rc = XPAN_EXIT_FAIL;
			goto out_free;
		}
	}
	rows = calloc(nb + nl + 1, sizeof(*rows));
	if (!rows) {
		rc = XPAN_EXIT_FAIL;
		goto out_free;
	}
	for (int i = 0; i < nb; i++) {
		rows[i].k = bk[i];
		rows[i].v = bv[i];
		rows[i].age_ms = -1;
	}
	for (int i = 0; i < nl; i++) {
		struct binding_row *r = &rows[nb + i];

		r->k = lk[i];
		memcpy(r->v.mac, lv[i].mac, sizeof(r->v.mac));
		r->v.flags = XPAN_BIND_F_LEARNED;
		r->v.ifindex = lv[i].ifindex;
		r->age_ms = now > lv[i].last_seen ?
			    (long long)((now - lv[i].last_seen) / 1000000) : 0;
	}
	qsort(rows, nb + nl, sizeof(*rows), cmp_binding_row);
	*out = rows;
	*count = nb + nl;
out_free:
	free(bk);
	free(bv);
	free(lk);
	free(lv);
	return rc;
}

int do_show_bindings(const struct xpan_opts *opts, int argc, char **argv)
{
	struct binding_row *rows = NULL;
	struct out o;
	int n = 0, rc;

	(void)argc;
	(void)argv;
	rc = read_bindings(opts, &rows, &n);
	if (rc)
		return rc;
	if (out_open(&o, stdout, opts->json, opts->pretty)) {
		rc = XPAN_EXIT_FAIL;
		goto out_free;
	}

	out_text(&o, "%-6s%-16s%-18s%-16s%-10s%s\n", "VLAN", "IP", "MAC",
		 "IFNAME", "FLAGS", "AGE");
	out_arr_start(&o, NULL);
	for (int i = 0; i < n; i++) {
		char ip[INET_ADDRSTRLEN], mac[18], ifname[IF_NAMESIZE];
		struct in_addr a = { .s_addr = rows[i].k.ip4 };
		__u16 f = rows[i].v.flags;

		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		xpan_fmt_mac(rows[i].v.mac, mac, sizeof(mac));
		out_obj_start(&o, NULL);
		out_uint(&o, "vlan", "%-6" PRIu64, rows[i].k.vlan);
		out_str(&o, "ip", "%-16s", ip);
		out_str(&o, "mac", "%-18s", mac);
		out_uint(&o, "ifindex", NULL, rows[i].v.ifindex);
		out_str(&o, "ifname", "%-16s", ifname_or_dash(rows[i].v.ifindex, ifname));
		out_arr_start(&o, "flags");
		if (f & XPAN_BIND_F_STATIC)
			out_elem_str(&o, NULL, "static");
		if (f & XPAN_BIND_F_LEARNED)
			out_elem_str(&o, NULL, "learned");
		out_arr_end(&o);
		out_text(&o, "%-10s", f & XPAN_BIND_F_STATIC ? "static" :
				      f & XPAN_BIND_F_LEARNED ? "learned" : "-");
		if (rows[i].age_ms >= 0) {
			out_uint(&o, "age_ms", NULL, (uint64_t)rows[i].age_ms);
			out_text(&o, "%llds\n", rows[i].age_ms / 1000);
		} else {
			out_text(&o, "-\n");
		}
		out_obj_end(&o);
	}
	out_arr_end(&o);
	out_close(&o);
out_free:
	free(rows);
	return rc;
}

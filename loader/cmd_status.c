// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xpan status: healthy means xpan-ctrld answers AND the dataplane is
 * attached (all pins there, every port of xpan_ports running xpan_port_in
 * on the hook its datapath names). Anything else is printed with a fix and
 * exits 1, so scripts and service managers can rely on the exit code.
 */
#include <errno.h>
#include <jansson.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "apiprint.h"
#include "apiserver.h"
#include "commands.h"
#include "dataplane.h"
#include "log.h"
#include "maps_read.h"
#include "output.h"

static bool check_ctrld(struct out *o, const char *sock)
{
	struct xpan_api_err e;
	const char *err = e.msg;
	char *body = NULL, *raw = NULL;
	json_t *result;
	size_t len = 0;
	FILE *mf;
	int rc;

	mf = open_memstream(&body, &len);
	if (!mf)
		return false;
	rc = xpan_api_request(sock, "status", NULL, 0, &result, &e);
	/* ctrld's status as text, in JSON too (as when ctrld wrote it) */
	if (rc == 0) {
		xpan_api_print("status", result, mf);
		raw = json_dumps(result, JSON_COMPACT);
	}
	json_decref(result);
	fclose(mf);
	/* Trailing newlines would make the text layout ragged. */
	while (len && body[len - 1] == '\n')
		body[--len] = '\0';

	out_obj_start(o, "ctrld");
	out_bool(o, "ok", NULL, rc == 0);
	out_str(o, "socket", NULL, sock);
	if (rc == 0) {
		out_str(o, "status", NULL, body ? body : "");
		/* the same, as ctrld answered it: fields for scripts */
		if (o->jw && raw) {
			jsonw_name(o->jw, "result");
			jsonw_raw(o->jw, raw);
		}
		out_text(o, "ctrld:     ok (%s)\n", sock);
		if (len)
			out_text(o, "%s\n", body);
	} else if (rc == 1) {
		out_str(o, "error", NULL, err);
		out_text(o, "ctrld:     FAIL: %s answered with an error: %s\n",
			 sock, err);
	} else {
		char msg[512];

		snprintf(msg, sizeof(msg), "cannot reach %s: %s", sock,
			 strerror(-rc));
		out_str(o, "error", NULL, msg);
		out_text(o, "ctrld:     FAIL: %s - is xpan-ctrld running? start it with 'xpan-ctrld -c CONFIG' or pass --socket PATH\n",
			 msg);
	}
	out_obj_end(o);
	free(body);
	free(raw);
	return rc == 0;
}

static const char *dp_name(__u32 dp)
{
	return dp == XPAN_DP_XDP ? "xdp" : dp == XPAN_DP_TC ? "tc" : "unknown";
}

/* One port: attached on the hook its datapath names? */
static bool check_port(struct out *o, const struct port_entry *e,
		       __u32 map_id)
{
	struct xpan_dp_port_state st;
	char ifname[IF_NAMESIZE] = "-", why[160] = "";
	bool ok;
	int err;

	if (!if_indextoname(e->ifindex, ifname)) {
		snprintf(why, sizeof(why), "interface is gone - xpan-ctrld removes it from %s on its next reconcile",
			 XPAN_MAP_PORTS);
		ok = false;
		memset(&st, 0, sizeof(st));
	} else if ((err = xpan_dp_query_owned((int)e->ifindex, map_id, &st))) {
		snprintf(why, sizeof(why), "cannot query hooks: %s", strerror(-err));
		ok = false;
	} else {
		bool want_xdp = e->port.datapath == XPAN_DP_XDP;

		ok = want_xdp ? st.xdp : st.tc;
		if (!ok)
			snprintf(why, sizeof(why), "xpan_port_in not attached at %s - run 'xpan load -c CONFIG' or restart xpan-ctrld",
				 dp_name(e->port.datapath));
	}

	out_obj_start(o, NULL);
	out_uint(o, "ifindex", NULL, e->ifindex);
	out_str(o, "ifname", NULL, ifname);
	out_str(o, "datapath", NULL, dp_name(e->port.datapath));
	out_bool(o, "tc", NULL, st.tc);
	out_bool(o, "xdp", NULL, st.xdp);
	out_bool(o, "ok", NULL, ok);
	if (!ok)
		out_str(o, "error", NULL, why);
	out_obj_end(o);
	if (!ok)
		out_text(o, "  port %s (ifindex %u, datapath %s): %s\n", ifname,
			 e->ifindex, dp_name(e->port.datapath), why);
	return ok;
}

static bool check_dataplane(struct out *o, const char *bpffs)
{
	struct port_entry *ports = NULL;
	struct xpan_dp *dp;
	int n = 0, bad = 0, err;
	__u32 map_id;

	out_obj_start(o, "dataplane");
	out_str(o, "bpffs", NULL, bpffs);
	err = xpan_dp_open(bpffs, false, &dp);
	out_bool(o, "loaded", NULL, err == 0);
	if (err) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s under %s: %s",
			 err == -ENOENT ? "not loaded (pins missing)" : "cannot open the pins",
			 bpffs, strerror(-err));
		out_bool(o, "ok", NULL, false);
		out_str(o, "error", NULL, msg);
		out_obj_end(o);
		out_text(o, "dataplane: FAIL: %s - run 'xpan load' or start xpan-ctrld\n", msg);
		return false;
	}
	n = xpan_read_ports(xpan_dp_maps(dp)->ports, &ports);
	map_id = xpan_dp_map_id(xpan_dp_maps(dp)->ports);
	xpan_dp_close(dp);
	if (n < 0) {
		out_bool(o, "ok", NULL, false);
		out_str(o, "error", NULL, strerror(-n));
		out_obj_end(o);
		out_text(o, "dataplane: FAIL: cannot read %s/%s: %s\n", bpffs,
			 XPAN_MAP_PORTS, strerror(-n));
		return false;
	}
	/* Text: the verdict line first, so collect per-port results in JSON
	 * order but print failures after the summary. */
	for (int i = 0; i < n; i++) {
		struct xpan_dp_port_state st;

		if (xpan_dp_query_owned((int)ports[i].ifindex, map_id, &st) ||
		    !(ports[i].port.datapath == XPAN_DP_XDP ? st.xdp : st.tc))
			bad++;
	}
	out_bool(o, "ok", NULL, bad == 0);
	out_uint(o, "ports", NULL, n);
	if (bad)
		out_text(o, "dataplane: FAIL: %d of %d ports not attached (%s)\n",
			 bad, n, bpffs);
	else
		out_text(o, "dataplane: ok, %d port%s attached (%s)\n", n,
			 n == 1 ? "" : "s", bpffs);
	out_arr_start(o, "port_status");
	bad = 0;
	for (int i = 0; i < n; i++)
		bad += !check_port(o, &ports[i], map_id);
	out_arr_end(o);
	out_obj_end(o);
	free(ports);
	return bad == 0;
}

int do_status(const struct xpan_opts *opts, int argc, char **argv)
{
	const char *bpffs = xpan_opts_bpffs(opts);
	const char *sock = opts->socket ? opts->socket : XPAN_DEFAULT_SOCKET;
	bool ctrld_ok, dp_ok;
	struct out o;

	(void)argc;
	(void)argv;
	if (!bpffs)
		return XPAN_EXIT_FAIL;
	if (out_open(&o, stdout, opts->json, opts->pretty))
		return XPAN_EXIT_FAIL;
	out_obj_start(&o, NULL);
	ctrld_ok = check_ctrld(&o, sock);
	dp_ok = check_dataplane(&o, bpffs);
	out_bool(&o, "ok", NULL, ctrld_ok && dp_ok);
	out_obj_end(&o);
	out_close(&o);
	return ctrld_ok && dp_ok ? XPAN_EXIT_OK : XPAN_EXIT_FAIL;
}

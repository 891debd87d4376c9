// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xpan-ctrld's API verbs (docs/api.md): status, show nodes, show vlans,
 * reload. Each writes its result as JSON; `xpan` prints the text
 * (lib/apiprint.c).
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "apiserver.h"
#include "bpf/xpan_shared.h"
#include "ctrld.h"
#include "jsonw.h"
#include "log.h"
#include "macalloc.h"

/* What show nodes reports as a node's state, from the live system. */
static const char *node_state(const struct ctrld *c, size_t i, int *ifindex)
{
	const struct xpan_cfg_node *n = &c->cfg.nodes[i];

	*ifindex = (int)if_nametoindex(n->port);
	if (!*ifindex)
		return "port-missing";
	if (*ifindex != c->rt[i].ifindex || !port_attached(c, *ifindex, n->datapath))
		return "detached";
	return "active";
}

static bool all_attached(const struct ctrld *c, size_t *present,
			 size_t *attached)
{
	*present = *attached = 0;
	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		int ifindex = (int)if_nametoindex(c->cfg.nodes[i].port);

		if (!ifindex)
			continue;
		(*present)++;
		if (port_attached(c, ifindex, c->cfg.nodes[i].datapath))
			(*attached)++;
	}
	return *present == *attached;
}

static void storage_status_json(const struct ctrld *c, struct jsonw *jw)
{
	const struct xpan_cfg_storage_net *net = &c->cfg.storage.net;
	char portal[INET_ADDRSTRLEN], sub[INET_ADDRSTRLEN + 4];

	inet_ntop(AF_INET, &net->portal_ip, portal, sizeof(portal));
	inet_ntop(AF_INET, &net->subnet, sub, sizeof(sub));
	snprintf(sub + strlen(sub), sizeof(sub) - strlen(sub), "/%u",
		 net->prefix);
	jsonw_name(jw, "storage_network");
	jsonw_start_object(jw);
	jsonw_bool_field(jw, "enabled", net->enabled);
	jsonw_string_field(jw, "subnet", sub);
	jsonw_string_field(jw, "portal_ip", portal);
	jsonw_uint_field(jw, "port", net->port);
	jsonw_string_field(jw, "host_port", net->host_port);
	jsonw_string_field(jw, "dp_port", net->dp_port);
	jsonw_bool_field(jw, "up", c->storage_ifindex != 0);
	jsonw_string_field(jw, "note", c->storage_note);
	jsonw_end_object(jw);
}

static int do_status(void *ctx, const struct xpan_api_req *req, FILE *out,
		     struct xpan_api_err *err)
{
	struct ctrld *c = ctx;
	size_t present, attached;
	bool ok = all_attached(c, &present, &attached);
	struct jsonw *jw;

	(void)req;
	(void)err;
	jw = jsonw_new(out, false);
	jsonw_start_object(jw);
	jsonw_int_field(jw, "pid", getpid());
	jsonw_string_field(jw, "config", c->cfg_path);
	jsonw_string_field(jw, "socket", c->sock_path);
	jsonw_string_field(jw, "state", xpan_state_file(c->st));
	jsonw_string_field(jw, "bpffs", c->cfg.bpffs);
	jsonw_uint_field(jw, "serial", c->cfg.serial);
	jsonw_bool_field(jw, "attached", ok);
	jsonw_uint_field(jw, "ports_present", present);
	jsonw_uint_field(jw, "ports_attached", attached);
	jsonw_uint_field(jw, "nodes", c->cfg.n_nodes);
	jsonw_uint_field(jw, "vlans", c->cfg.n_vlans);
	jsonw_uint_field(jw, "link_events", c->link_events);
	jsonw_uint_field(jw, "failed_updates", (uint64_t)c->failures);
	storage_status_json(c, jw);
	jsonw_end_object(jw);
	jsonw_destroy(&jw);
	return 0;
}

static int do_show_nodes(void *ctx, const struct xpan_api_req *req,
			 FILE *out, struct xpan_api_err *err)
{
	struct ctrld *c = ctx;
	struct jsonw *jw = jsonw_new(out, false);

	(void)req;
	(void)err;
	jsonw_start_array(jw);
	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		const struct xpan_cfg_node *n = &c->cfg.nodes[i];
		const struct node_rt *rt = &c->rt[i];
		const char *vlan = c->cfg.vlans[n->vlan].name;
		char mac[XPAN_MAC_STRLEN];
		char sip[INET_ADDRSTRLEN] = "";
		int ifindex;
		const char *state = node_state(c, i, &ifindex);

		xpan_mac_str(rt->mac.mac, mac, sizeof(mac));
		if (rt->storage_ip)
			inet_ntop(AF_INET, &rt->storage_ip, sip, sizeof(sip));
		jsonw_start_object(jw);
		jsonw_string_field(jw, "name", n->name);
		jsonw_string_field(jw, "mac", mac);
		jsonw_string_field(jw, "port", n->port);
		jsonw_string_field(jw, "vlan", vlan);
		jsonw_name(jw, "ips");
		jsonw_start_array(jw);
		for (size_t j = 0; j < n->n_ips; j++) {
			char ip[32];

			jsonw_string(jw, xpan_cfg_ip_str(&n->ips[j], ip, sizeof(ip)));
		}
		jsonw_end_array(jw);
		jsonw_string_field(jw, "state", state);
		jsonw_uint_field(jw, "vlan_id", c->cfg.vlans[n->vlan].id);
		jsonw_string_field(jw, "datapath", xpan_datapath_name(n->datapath));
		jsonw_int_field(jw, "ifindex", ifindex);
		jsonw_string_field(jw, "netns", n->netns);
		jsonw_string_field(jw, "ifname", n->netns[0] ? n->ifname : "");
		jsonw_uint_field(jw, "node_id", (uint64_t)rt->mac.id);
		jsonw_uint_field(jw, "mac_serial", rt->mac.serial);
		jsonw_string_field(jw, "note", rt->note);
		jsonw_uint_field(jw, "learned", learned_count(c, i));
		jsonw_uint_field(jw, "max_learned",
				 xpan_cfg_node_quota(&c->cfg, n));
		jsonw_uint_field(jw, "flood_limit", n->flood_limit);
		jsonw_uint_field(jw, "flood_burst",
				 xpan_cfg_flood_burst(n->flood_limit));
		jsonw_int_field(jw, "slot", rt->slot);
		jsonw_string_field(jw, "storage_ip", sip);
		jsonw_end_object(jw);
	}
	jsonw_end_array(jw);
	jsonw_destroy(&jw);
	return 0;
}

static int do_show_vlans(void *ctx, const struct xpan_api_req *req,
			 FILE *out, struct xpan_api_err *err)
{
	struct ctrld *c = ctx;
	struct jsonw *jw = jsonw_new(out, false);

	(void)req;
	(void)err;
	jsonw_start_array(jw);
	for (size_t v = 0; v < c->cfg.n_vlans; v++) {
		jsonw_start_object(jw);
		jsonw_string_field(jw, "name", c->cfg.vlans[v].name);
		jsonw_uint_field(jw, "id", c->cfg.vlans[v].id);
		jsonw_name(jw, "members");
		jsonw_start_array(jw);
		for (size_t i = 0; i < c->cfg.n_nodes; i++)
			if (c->cfg.nodes[i].vlan == v)
				jsonw_string(jw, c->cfg.nodes[i].name);
		jsonw_end_array(jw);
		jsonw_end_object(jw);
	}
	jsonw_end_array(jw);
	jsonw_destroy(&jw);
	return 0;
}

static int do_reload(void *ctx, const struct xpan_api_req *req, FILE *out,
		     struct xpan_api_err *err)
{
	struct ctrld *c = ctx;
	struct jsonw *jw;

	(void)req;
	if (ctrld_reload(c, err->msg, sizeof(err->msg))) {
		pr_warn("reload failed: %s\n", err->msg);
		return -1;
	}
	jw = jsonw_new(out, false);
	jsonw_start_object(jw);
	jsonw_bool_field(jw, "reloaded", true);
	jsonw_uint_field(jw, "nodes", c->cfg.n_nodes);
	jsonw_uint_field(jw, "vlans", c->cfg.n_vlans);
	jsonw_string_field(jw, "config", c->cfg_path);
	jsonw_end_object(jw);
	jsonw_destroy(&jw);
	return 0;
}

static int do_help(void *ctx, const struct xpan_api_req *req, FILE *out,
		   struct xpan_api_err *err);

static const struct xpan_api_verb ctrld_verbs[] = {
	{ .name = "status", .run = do_status },
	{ .name = "show nodes", .run = do_show_nodes },
	{ .name = "show vlans", .run = do_show_vlans },
	{ .name = "reload", .run = do_reload },
	{ .name = "help", .run = do_help },
	{ .name = NULL },
};

/* The verbs this daemon answers: {"verbs": [name...]}. */
static int do_help(void *ctx, const struct xpan_api_req *req, FILE *out,
		   struct xpan_api_err *err)
{
	(void)ctx;
	(void)req;
	(void)err;
	return xpan_api_help(ctrld_verbs, out);
}

int ctrld_api_serve(struct ctrld *c, const char *req, size_t len,
		    char **out, size_t *outlen)
{
	const struct xpan_api_server srv = { .verbs = ctrld_verbs, .ctx = c };

	pr_debug("api: %.*s\n", (int)len, req);
	return xpan_api_serve(&srv, req, len, out, outlen);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The API verbs (lib/api.h): status, show nodes, show vlans, reload. Each
 * prints either an aligned text table or, with -j, one JSON document, from
 * the same rows.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "bpf/xpan_shared.h"
#include "ctrld.h"
#include "jsonw.h"
#include "log.h"
#include "macalloc.h"

#define MAX_ARGS 8

/* A text table: cells are copied, columns padded to the widest cell. */
struct table {
	int ncols;
	size_t nrows, cap;
	char **cells;
};

static void table_add(struct table *t, const char *const *row)
{
	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **nc = realloc(t->cells, ncap * t->ncols * sizeof(*nc));

		if (!nc)
			return;
		t->cells = nc;
		t->cap = ncap;
	}
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = strdup(row[i] ? row[i] : "");
	t->nrows++;
}

static void table_print(struct table *t, FILE *out)
{
	size_t w[16] = {};

	for (size_t r = 0; r < t->nrows; r++)
		for (int i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];
			size_t l = s ? strlen(s) : 0;

			if (l > w[i])
				w[i] = l;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (int i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];

			if (i == t->ncols - 1)
				fprintf(out, "%s\n", s ? s : "");
			else
				fprintf(out, "%-*s  ", (int)w[i], s ? s : "");
		}
		for (int i = 0; i < t->ncols; i++)
			free(t->cells[r * t->ncols + i]);
	}
	free(t->cells);
}

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

static void storage_status_text(const struct ctrld *c, FILE *out)
{
	const struct xpan_cfg_storage_net *net = &c->cfg.storage.net;
	char portal[INET_ADDRSTRLEN], sub[INET_ADDRSTRLEN];

	if (!net->enabled) {
		fprintf(out, "storage:   off\n");
		return;
	}
	inet_ntop(AF_INET, &net->portal_ip, portal, sizeof(portal));
	inet_ntop(AF_INET, &net->subnet, sub, sizeof(sub));
	fprintf(out, "storage:   %s/%u, portal %s:%u on %s (%s)%s%s\n", sub,
		net->prefix, portal, net->port, net->host_port,
		c->storage_ifindex ? "up" : "not set up",
		c->storage_note[0] ? ": " : "", c->storage_note);
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

static int do_status(struct ctrld *c, bool json, FILE *out)
{
	size_t present, attached;
	bool ok = all_attached(c, &present, &attached);
	struct jsonw *jw;

	if (!json) {
		fprintf(out,
			"pid:       %d\n"
			"config:    %s\n"
			"socket:    %s\n"
			"state:     %s\n"
			"bpffs:     %s\n"
			"serial:    %u\n"
			"attached:  %s (%zu of %zu existing ports)\n"
			"nodes:     %zu\n"
			"vlans:     %zu\n",
			(int)getpid(), c->cfg_path, c->sock_path,
			xpan_state_file(c->st), c->cfg.bpffs, c->cfg.serial,
			ok ? "yes" : "no", attached, present, c->cfg.n_nodes,
			c->cfg.n_vlans);
		storage_status_text(c, out);
		return 0;
	}
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

static void ips_joined(const struct xpan_cfg_node *n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t j = 0; j < n->n_ips && off < len; j++) {
		char ip[32];

		off += snprintf(buf + off, len - off, "%s%s", j ? "," : "",
				xpan_cfg_ip_str(&n->ips[j], ip, sizeof(ip)));
	}
	if (!n->n_ips)
		snprintf(buf, len, "-");
}

static int do_show_nodes(struct ctrld *c, bool json, FILE *out)
{
	struct table t = { .ncols = 9 };
	struct jsonw *jw = NULL;
	static const char *const head[] = { "NAME", "MAC", "PORT", "VLAN",
					    "IPS", "STORAGE_IP", "STATE",
					    "DATAPATH", "NETNS" };

	if (json) {
		jw = jsonw_new(out, false);
		jsonw_start_array(jw);
	} else {
		table_add(&t, head);
	}
	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		const struct xpan_cfg_node *n = &c->cfg.nodes[i];
		const struct node_rt *rt = &c->rt[i];
		const char *vlan = c->cfg.vlans[n->vlan].name;
		char mac[XPAN_MAC_STRLEN], ips[XPAN_CFG_NODE_MAX_IPS * 20];
		char sip[INET_ADDRSTRLEN] = "";
		int ifindex;
		const char *state = node_state(c, i, &ifindex);

		xpan_mac_str(rt->mac.mac, mac, sizeof(mac));
		if (rt->storage_ip)
			inet_ntop(AF_INET, &rt->storage_ip, sip, sizeof(sip));
		if (!json) {
			const char *row[] = { n->name, mac, n->port, vlan, ips,
					      sip[0] ? sip : "-", state,
					      xpan_datapath_name(n->datapath),
					      n->netns[0] ? n->netns : "-" };

			ips_joined(n, ips, sizeof(ips));
			table_add(&t, row);
			continue;
		}
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
	if (json) {
		jsonw_end_array(jw);
		jsonw_destroy(&jw);
	} else {
		table_print(&t, out);
	}
	return 0;
}

static int do_show_vlans(struct ctrld *c, bool json, FILE *out)
{
	struct table t = { .ncols = 3 };
	static const char *const head[] = { "NAME", "ID", "MEMBERS" };
	struct jsonw *jw = NULL;

	if (json) {
		jw = jsonw_new(out, false);
		jsonw_start_array(jw);
	} else {
		table_add(&t, head);
	}
	for (size_t v = 0; v < c->cfg.n_vlans; v++) {
		char id[8], members[4096];
		size_t off = 0;

		members[0] = '\0';
		if (json) {
			jsonw_start_object(jw);
			jsonw_string_field(jw, "name", c->cfg.vlans[v].name);
			jsonw_uint_field(jw, "id", c->cfg.vlans[v].id);
			jsonw_name(jw, "members");
			jsonw_start_array(jw);
		}
		for (size_t i = 0; i < c->cfg.n_nodes; i++) {
			if (c->cfg.nodes[i].vlan != v)
				continue;
			if (json)
				jsonw_string(jw, c->cfg.nodes[i].name);
			else if (off < sizeof(members))
				off += snprintf(members + off,
						sizeof(members) - off, "%s%s",
						off ? "," : "",
						c->cfg.nodes[i].name);
		}
		if (json) {
			jsonw_end_array(jw);
			jsonw_end_object(jw);
			continue;
		}
		snprintf(id, sizeof(id), "%u", c->cfg.vlans[v].id);
		{
			const char *row[] = { c->cfg.vlans[v].name, id,
					      members[0] ? members : "-" };

			table_add(&t, row);
		}
	}
	if (json) {
		jsonw_end_array(jw);
		jsonw_destroy(&jw);
	} else {
		table_print(&t, out);
	}
	return 0;
}

static int do_reload(struct ctrld *c, bool json, FILE *out, char *err,
		     size_t errlen)
{
	if (ctrld_reload(c, err, errlen)) {
		pr_warn("reload failed: %s\n", err);
		return -1;
	}
	if (json)
		fprintf(out, "{\"reloaded\":true,\"nodes\":%zu,\"vlans\":%zu}\n",
			c->cfg.n_nodes, c->cfg.n_vlans);
	else
		fprintf(out, "reloaded %s: %zu nodes, %zu vlans\n", c->cfg_path,
			c->cfg.n_nodes, c->cfg.n_vlans);
	return 0;
}

static const char usage[] =
	"verbs: status | show nodes | show vlans | reload | help "
	"(add -j for JSON)";

int ctrld_command(struct ctrld *c, char *req, FILE *out, char *err,
		  size_t errlen)
{
	char *argv[MAX_ARGS];
	bool json = false;
	int argc, n = 0;

	argc = xpan_api_split(req, argv, MAX_ARGS);
	if (argc < 0) {
		snprintf(err, errlen, "too many words in request; %s", usage);
		return -1;
	}
	/* -j may come anywhere; everything else is the verb and its object. */
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-j") == 0 || strcmp(argv[i], "--json") == 0)
			json = true;
		else
			argv[n++] = argv[i];
	}
	if (n == 0) {
		snprintf(err, errlen, "empty request; %s", usage);
		return -1;
	}
	if (n == 1 && strcmp(argv[0], "status") == 0)
		return do_status(c, json, out);
	if (n == 2 && strcmp(argv[0], "show") == 0 &&
	    strcmp(argv[1], "nodes") == 0)
		return do_show_nodes(c, json, out);
	if (n == 2 && strcmp(argv[0], "show") == 0 &&
	    strcmp(argv[1], "vlans") == 0)
		return do_show_vlans(c, json, out);
	if (n == 1 && strcmp(argv[0], "reload") == 0)
		return do_reload(c, json, out, err, errlen);
	if (n == 1 && strcmp(argv[0], "help") == 0) {
		fprintf(out, "%s\n", usage);
		return 0;
	}
	snprintf(err, errlen, "unknown request '%.64s%s%.64s'; %s", argv[0],
		 n > 1 ? " " : "", n > 1 ? argv[1] : "", usage);
	return -1;
}

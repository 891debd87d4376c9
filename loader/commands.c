// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The command tree of `xpan`: names, arguments, options and help texts. */
#include <stddef.h>

#include "api.h"
#include "cli.h"
#include "commands.h"
#include "dataplane.h"

#define OPT(n, s, t, field, mv, h)                                          \
	{ .name = n, .short_name = s, .type = t,                            \
	  .offset = offsetof(struct xpan_opts, field), .metavar = mv,       \
	  .help = h }

#define OPT_JSON OPT("json", 'j', XPAN_OPT_FLAG, json, NULL, \
	"print JSON instead of a table")
#define OPT_PRETTY OPT("pretty", 'p', XPAN_OPT_FLAG, pretty, NULL, \
	"indent JSON (implies --json)")
#define OPT_BPFFS OPT("bpffs", 'b', XPAN_OPT_STRING, bpffs, "DIR", \
	"bpffs directory of the pins (default: platform.bpffs of -c CONFIG, else " XPAN_DEFAULT_BPFFS ")")
#define OPT_CONFIG OPT("config", 'c', XPAN_OPT_STRING, config, "CONFIG", \
	"xpan config file (YAML)")
#define OPT_SOCKET OPT("socket", 's', XPAN_OPT_STRING, socket, "PATH", \
	"xpan-ctrld API socket (default " XPAN_DEFAULT_SOCKET ")")
#define OPT_IOD_SOCKET OPT("iod-socket", 'S', XPAN_OPT_STRING, iod_socket, \
	"PATH", "xpan-iod control socket (default " XPAN_IOD_DEFAULT_SOCKET ")")
#define OPT_END { .name = NULL }

static const struct xpan_opt load_opts[] = {
	OPT("config", 'c', XPAN_OPT_STRING, config, "CONFIG",
	    "also attach the port program to every node port of CONFIG, with the node's datapath"),
	OPT_BPFFS,
	OPT_END,
};

static const struct xpan_opt unload_opts[] = {
	OPT_CONFIG,
	OPT_BPFFS,
	OPT("all", 'a', XPAN_OPT_FLAG, all, NULL,
	    "detach xpan_port_in of every dataplane instance in this netns, not only this one's (after its pins were lost)"),
	OPT_END,
};

static const struct xpan_opt status_opts[] = {
	OPT_JSON,
	OPT_PRETTY,
	OPT_SOCKET,
	OPT_CONFIG,
	OPT_BPFFS,
	OPT_END,
};

static const struct xpan_opt maps_opts[] = {
	OPT_JSON,
	OPT_PRETTY,
	OPT_CONFIG,
	OPT_BPFFS,
	OPT_END,
};

static const struct xpan_opt ctrld_json_opts[] = {
	OPT_JSON,
	OPT_SOCKET,
	OPT_END,
};

static const struct xpan_opt ctrld_opts[] = {
	OPT_SOCKET,
	OPT_END,
};

static const struct xpan_opt iod_json_opts[] = {
	OPT_JSON,
	OPT_IOD_SOCKET,
	OPT_END,
};

static const struct xpan_opt iod_opts[] = {
	OPT_IOD_SOCKET,
	OPT_END,
};

static const struct xpan_opt no_opts[] = {
	OPT_END,
};

static const struct xpan_cmd show_cmds[] = {
	{
		.name = "nodes",
		.summary = "nodes with MAC, port, VLAN, IPs and state (from xpan-ctrld)",
		.doc = "Asks xpan-ctrld. JSON: an array of {name, mac, port, vlan, ips, state}.",
		.opts = ctrld_json_opts,
		.run = do_show_nodes,
	},
	{
		.name = "vlans",
		.summary = "VLANs and their members (from xpan-ctrld)",
		.doc = "Asks xpan-ctrld.",
		.opts = ctrld_json_opts,
		.run = do_show_vlans,
	},
	{
		.name = "ports",
		.summary = "ports of the pinned xpan_ports map and the hooks they run",
		.doc = "Reads the pinned maps directly, so it works while xpan-ctrld is stopped.\n"
		       "JSON: an array of {ifindex, ifname, mac, vlan, datapath, flags, node_id, attached}.",
		.opts = maps_opts,
		.run = do_show_ports,
	},
	{
		.name = "stats",
		.summary = "per-port counters and drops by reason, summed over CPUs",
		.doc = "Reads the pinned xpan_ports and xpan_counters maps directly (each port's\n"
		       "counters are in its slot), so it works while xpan-ctrld is stopped.\n"
		       "The storage network's port is a row with ifname \"storage\" once it has\n"
		       "counted anything.\n"
		       "JSON: an array of {ifname, ifindex, rx_packets, rx_bytes, fwd_unicast,\n"
		       "flooded, arp_replies, learned, storage, drops: {REASON: count}}.",
		.opts = maps_opts,
		.run = do_show_stats,
	},
	{
		.name = "macs",
		.summary = "forwarding table: virtual MAC -> port (pinned xpan_macs)",
		.doc = "Reads the pinned map directly. JSON: an array of {mac, ifindex, ifname, vlan}.",
		.opts = maps_opts,
		.run = do_show_macs,
	},
	{
		.name = "bindings",
		.summary = "ARP tables: configured and learned (VLAN, IPv4) -> MAC",
		.doc = "Reads the pinned xpan_bindings (configured) and xpan_learned maps\n"
		       "directly. JSON: an array of {vlan, ip, mac, ifindex, ifname,\n"
		       "flags: [\"static\"|\"learned\"]}, learned rows with age_ms.",
		.opts = maps_opts,
		.run = do_show_bindings,
	},
	{
		.name = "storage",
		.summary = "storage network: subnet, portal, node storage addresses",
		.doc = "Reads the pinned xpan_storage and xpan_storage_addrs maps directly.\n"
		       "JSON: {enabled, subnet, prefix, portal_ip, portal_mac, ifindex,\n"
		       "ifname, addrs: [{ip, mac, ifindex, ifname, slot, node_id}]}.",
		.opts = maps_opts,
		.run = do_show_storage,
	},
	{ .name = NULL },
};

static const struct xpan_cmd storage_cmds[] = {
	{
		.name = "stats",
		.summary = "per-LUN I/O statistics (from xpan-iod)",
		.opts = iod_json_opts,
		.run = do_storage_stats,
	},
	{
		.name = "luns",
		.summary = "LUN maps per node (from xpan-iod)",
		.opts = iod_json_opts,
		.run = do_storage_luns,
	},
	{
		.name = "conns",
		.summary = "iSCSI connections and their limits (from xpan-iod)",
		.doc = "Each connection's peer, node, state and buffered bytes, and the\n"
		       "counters of the limits (refused, timed out, ignored commands).",
		.opts = iod_json_opts,
		.run = do_storage_conns,
	},
	{
		.name = "move",
		.args = "NODE INITIATOR",
		.min_args = 2,
		.max_args = 2,
		.summary = "give NODE's LUNs to INITIATOR (personality migration)",
		.opts = iod_opts,
		.run = do_storage_move,
	},
	{
		.name = "rescan",
		.summary = "rescan the storage pool",
		.opts = iod_opts,
		.run = do_storage_rescan,
	},
	{
		.name = "refresh",
		.summary = "close sessions whose storage address left their node (from xpan-iod)",
		.doc = "xpan-iod re-reads which node holds which storage address (xpan-ctrld's\n"
		       "storage_addrs) and closes at once every session from the storage\n"
		       "network whose address no longer belongs to the node it logged in as.\n"
		       "xpan-ctrld sends it after every change; JSON: {network, closed, checked,\n"
		       "closed_total, refused_logins}.",
		.opts = iod_json_opts,
		.run = do_storage_refresh,
	},
	{ .name = NULL },
};

static const struct xpan_cmd root_cmds[] = {
	{
		.name = "load",
		.summary = "load and pin the dataplane; with -c also attach it to the node ports",
		.doc = "Loads the port programs and pins them and their maps under the bpffs\n"
		       "directory (mounting bpffs on /sys/fs/bpf when needed). Existing pins are\n"
		       "reused, so loading again changes nothing. Map contents are xpan-ctrld's job.",
		.opts = load_opts,
		.run = do_load,
	},
	{
		.name = "unload",
		.summary = "detach the port programs everywhere and remove the pins",
		.doc = "Detaches this dataplane's xpan_port_in from every port in xpan_ports and\n"
		       "every interface of this network namespace (other instances, with other\n"
		       "pin directories, keep theirs unless --all), removes clsact qdiscs left\n"
		       "without filters, and removes the pins and the bpffs directory. Nothing\n"
		       "loaded is not an error.",
		.opts = unload_opts,
		.run = do_unload,
	},
	{
		.name = "status",
		.summary = "exit 0 only when xpan-ctrld answers and the dataplane is attached",
		.doc = "Checks that xpan-ctrld answers on its socket, that the pins exist and that\n"
		       "every port in xpan_ports runs xpan_port_in on the hook of its datapath.\n"
		       "Prints what is wrong otherwise and exits 1.",
		.opts = status_opts,
		.run = do_status,
	},
	{
		.name = "show",
		.summary = "show nodes, vlans, ports, stats, macs, bindings or storage",
		.sub = show_cmds,
	},
	{
		.name = "reload",
		.summary = "make xpan-ctrld re-read its config file",
		.doc = "On a bad config xpan-ctrld keeps running with the old one; the error\n"
		       "(FILE:LINE: what) is printed and the exit code is 1.",
		.opts = ctrld_opts,
		.run = do_reload,
	},
	{
		.name = "storage",
		.summary = "storage commands relayed to xpan-iod",
		.sub = storage_cmds,
	},
	{ .name = NULL },
};

const struct xpan_cmd xpan_root_cmd = {
	.name = "xpan",
	.summary = "operate the xpan platform",
	.doc = "Loads and inspects the xpan dataplane and talks to xpan-ctrld and xpan-iod.",
	.opts = no_opts,
	.sub = root_cmds,
};

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/xpan_shared.h"
#include "config.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xpan-t-config-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "temp dir");
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0, "remove %s", dir);
}

TestSuite(config, .init = setup, .fini = teardown);

/* Write body to <dir>/name and return the path (static buffer). */
static const char *write_file(const char *name, const char *body)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "create %s", path);
	fputs(body, f);
	fclose(f);
	return path;
}

/* Load body from a file: it must load. */
static void expect_load(const char *name, const char *body,
			struct xpan_config *cfg)
{
	char err[512] = "";
	const char *path = write_file(name, body);

	cr_assert_eq(xpan_config_load(path, cfg, err, sizeof(err)), 0,
		     "%s: %s", name, err);
}

static const char example[] =
	"platform:\n"					/* 1 */
	"  serial: 7\n"
	"  state: /var/lib/xpan\n"
	"  bpffs: /sys/fs/bpf/xpan\n"
	"vlans:\n"					/* 5 */
	"  - { name: red, id: 10 }\n"
	"  - { name: blue, id: 20 }\n"
	"nodes:\n"
	"  - name: n1\n"
	"    port: xp-n1\n"				/* 10 */
	"    netns: n1\n"
	"    ifname: eth0\n"
	"    vlan: red\n"
	"    ips: [10.10.0.1/24]\n"
	"    datapath: tc\n"				/* 15 */
	"    initiators: [iqn.2026-11.io.xpan:n1]\n"
	"    chap: { user: n1, secret: \"s3cret-s3cret\" }\n"
	"  - name: n2\n"
	"    port: xp-n2\n"
	"    vlan: blue\n"				/* 20 */
	"    ips: [10.20.0.2/16, 10.20.1.2/16]\n"
	"    datapath: xdp\n"
	"storage:\n"
	"  target: iqn.2026-11.io.xpan:storage\n"
	"  portal: 127.0.0.1:3260\n"			/* 25 */
	"  pool: [/var/lib/xpan/san]\n"
	"  luns:\n"
	"    - { node: n1, lun: 0, backing: disk0.img, offset: 0, size: 1G }\n";

Test(config, complete_example_parses)
{
	struct xpan_config cfg;
	char err[512] = "", ip[32];
	const char *path = write_file("ok.yaml", example);

	cr_assert_eq(xpan_config_load(path, &cfg, err, sizeof(err)), 0,
		     "load: %s", err);
	cr_assert_eq(cfg.serial, 7);
	cr_assert_str_eq(cfg.state, "/var/lib/xpan");
	cr_assert_str_eq(cfg.bpffs, "/sys/fs/bpf/xpan");
	cr_assert_eq(cfg.n_vlans, 2);
	cr_assert_str_eq(cfg.vlans[1].name, "blue");
	cr_assert_eq(cfg.vlans[1].id, 20);
	cr_assert_eq(cfg.n_nodes, 2);

	cr_assert_str_eq(cfg.nodes[0].name, "n1");
	cr_assert_str_eq(cfg.nodes[0].port, "xp-n1");
	cr_assert_str_eq(cfg.nodes[0].netns, "n1");
	cr_assert_str_eq(cfg.nodes[0].ifname, "eth0");
	cr_assert_eq(cfg.nodes[0].vlan, 0);
	cr_assert_eq(cfg.nodes[0].datapath, XPAN_DP_TC);
	cr_assert_eq(cfg.nodes[0].n_ips, 1);
	cr_assert_str_eq(xpan_cfg_ip_str(&cfg.nodes[0].ips[0], ip, sizeof(ip)),
			 "10.10.0.1/24");
	cr_assert_eq(cfg.nodes[0].port_line, 10);

	cr_assert_str_eq(cfg.nodes[1].netns, "", "no netns: unmanaged node");
	cr_assert_eq(cfg.nodes[1].vlan, 1);
	cr_assert_eq(cfg.nodes[1].datapath, XPAN_DP_XDP);
	cr_assert_eq(cfg.nodes[1].n_ips, 2);
	cr_assert_eq(cfg.nodes[1].ips[1].addr, inet_addr("10.20.1.2"));
	cr_assert_eq(cfg.nodes[1].ips[1].prefix, 16);
	cr_assert_not_null(xpan_config_node(&cfg, "n2"));
	cr_assert_null(xpan_config_node(&cfg, "n3"));
	xpan_config_free(&cfg);
}

Test(config, defaults)
{
	struct xpan_config cfg;

	expect_load("min.yaml",
		"platform: { serial: 65535 }\n"
		"vlans: [{ name: v, id: 4094 }]\n"
		"nodes:\n"
		"  - { name: a, port: pa, netns: a, vlan: v }\n", &cfg);
	cr_assert_eq(cfg.serial, 65535);
	cr_assert_str_eq(cfg.state, XPAN_DEFAULT_STATE);
	cr_assert_str_eq(cfg.bpffs, "/sys/fs/bpf/xpan");
	cr_assert_str_eq(cfg.nodes[0].ifname, "eth0");
	cr_assert_eq(cfg.nodes[0].datapath, XPAN_DP_TC);
	cr_assert_eq(cfg.nodes[0].n_ips, 0);
	xpan_config_free(&cfg);
}

/*
 * Load body from a file and expect a failure whose message holds
 * "<path>:<line>:" and the word that says what is wrong.
 */
static void expect_error(const char *name, const char *body, int line,
			 const char *what)
{
	struct xpan_config cfg;
	char err[512] = "", loc[PATH_MAX + 32];
	const char *path = write_file(name, body);

	snprintf(loc, sizeof(loc), "%s:%d:", path, line);
	cr_assert_neq(xpan_config_load(path, &cfg, err, sizeof(err)), 0,
		      "%s must be refused", name);
	cr_assert(strstr(err, loc), "%s: expected '%s' in '%s'", name, loc, err);
	cr_assert(strstr(err, what), "%s: expected '%s' in '%s'", name, what,
		  err);
	cr_assert_eq(cfg.n_nodes, 0, "a failed load leaves cfg empty");
	cr_assert_null(cfg.nodes);
}

#define HEAD "platform:\n  serial: 7\nvlans:\n  - { name: red, id: 10 }\n" \
	     "  - { name: blue, id: 20 }\nnodes:\n"
/* HEAD is 6 lines; the first node starts on line 7. */

Test(config, bad_yaml)
{
	expect_error("badyaml.yaml", HEAD
		     "  - name: n1\n"
		     "    ips: [10.0.0.1/24\n"
		     "    port: p1\n", 9, "flow sequence");
}

Test(config, unknown_vlan)
{
	expect_error("unknownvlan.yaml", HEAD
		     "  - name: n1\n"
		     "    port: p1\n"
		     "    vlan: green\n", 9, "unknown vlan 'green'");
}

Test(config, duplicate_node_name)
{
	expect_error("dupname.yaml", HEAD
		     "  - { name: n1, port: p1, vlan: red }\n"
		     "  - name: n1\n"
		     "    port: p2\n"
		     "    vlan: red\n", 8, "duplicate node name 'n1'");
}

Test(config, duplicate_vlan_name_and_id)
{
	expect_error("dupvlan.yaml",
		     "platform: { serial: 1 }\n"
		     "vlans:\n"
		     "  - { name: red, id: 10 }\n"
		     "  - { name: red, id: 11 }\n", 4, "duplicate vlan name");
	expect_error("dupvid.yaml",
		     "platform: { serial: 1 }\n"
		     "vlans:\n"
		     "  - { name: red, id: 10 }\n"
		     "  - name: blue\n"
		     "    id: 10\n", 5, "duplicate vlan id 10");
}

Test(config, vlan_id_out_of_range)
{
	expect_error("vid0.yaml",
		     "platform: { serial: 1 }\n"
		     "vlans:\n"
		     "  - { name: red, id: 0 }\n", 3, "out of range");
	expect_error("vid4095.yaml",
		     "platform: { serial: 1 }\n"
		     "vlans:\n"
		     "  - { name: a, id: 1 }\n"
		     "  - { name: red, id: 4095 }\n", 4, "out of range");
}

Test(config, serial_out_of_range)
{
	expect_error("serial.yaml",
		     "vlans: []\n"
		     "platform:\n"
		     "  state: /tmp/x\n"
		     "  serial: 65536\n", 4, "out of range");
	expect_error("serialneg.yaml", "platform:\n  serial: -1\n", 2,
		     "must be a number");
}

Test(config, serial_missing)
{
	expect_error("noserial.yaml", "platform:\n  state: /tmp/x\n", 2,
		     "serial is required");
}

Test(config, bad_datapath)
{
	expect_error("dp.yaml", HEAD
		     "  - name: n1\n"
		     "    port: p1\n"
		     "    vlan: red\n"
		     "    datapath: dpdk\n", 10, "not tc or xdp");
}

Test(config, bad_ip)
{
	expect_error("ip.yaml", HEAD
		     "  - name: n1\n"
		     "    port: p1\n"
		     "    vlan: red\n"
		     "    ips:\n"
		     "      - 10.0.0.1/24\n"
		     "      - 10.0.0.300/24\n", 12, "not an IPv4 address");
	expect_error("prefix.yaml", HEAD
		     "  - { name: n1, port: p1, vlan: red, ips: [10.0.0.1/33] }\n",
		     7, "prefix");
	expect_error("noprefix.yaml", HEAD
		     "  - name: n1\n"
		     "    port: p1\n"
		     "    vlan: red\n"
		     "    ips: [10.0.0.1]\n", 10, "needs a prefix");
}

Test(config, duplicate_ip_in_vlan)
{
	struct xpan_config cfg;
	char err[512];
	const char *ok;

	expect_error("dupip.yaml", HEAD
		     "  - { name: n1, port: p1, vlan: red, ips: [10.0.0.1/24] }\n"
		     "  - name: n2\n"
		     "    port: p2\n"
		     "    vlan: red\n"
		     "    ips: [10.0.0.2/24, 10.0.0.1/24]\n", 11,
		     "already used in vlan 'red'");
	/* The same address in another VLAN is another network. */
	ok = write_file("ipothervlan.yaml", HEAD
		"  - { name: n1, port: p1, vlan: red, ips: [10.0.0.1/24] }\n"
		"  - { name: n2, port: p2, vlan: blue, ips: [10.0.0.1/24] }\n");
	cr_assert_eq(xpan_config_load(ok, &cfg, err, sizeof(err)), 0, "%s", err);
	xpan_config_free(&cfg);
}

Test(config, duplicate_port)
{
	expect_error("dupport.yaml", HEAD
		     "  - { name: n1, port: p1, vlan: red }\n"
		     "  - name: n2\n"
		     "    vlan: blue\n"
		     "    port: p1\n", 10, "already used by node 'n1'");
}

Test(config, unknown_keys)
{
	expect_error("topkey.yaml",
		     "platform: { serial: 1 }\n"
		     "vlan:\n"
		     "  - { name: red, id: 10 }\n", 2, "unknown key 'vlan'");
	expect_error("nodekey.yaml", HEAD
		     "  - name: n1\n"
		     "    port: p1\n"
		     "    vlan: red\n"
		     "    mac: 02:00:00:00:00:01\n", 10, "unknown key 'mac'");
	expect_error("platkey.yaml",
		     "platform:\n"
		     "  serial: 1\n"
		     "  serail: 2\n", 3, "unknown key 'serail'");
	expect_error("dupkey.yaml", HEAD
		     "  - name: n1\n"
		     "    port: p1\n"
		     "    port: p2\n"
		     "    vlan: red\n", 9, "given twice");
}

/* The storage keys are read here too (one parser for both daemons). */
Test(config, storage_section_parsed)
{
	struct xpan_config cfg;
	char err[512] = "";
	const char *path = write_file("ok.yaml", example);

	cr_assert_eq(xpan_config_load(path, &cfg, err, sizeof(err)), 0,
		     "load: %s", err);
	cr_assert_eq(cfg.nodes[0].iscsi.ninitiators, 1);
	cr_assert_str_eq(cfg.nodes[0].iscsi.initiators[0],
			 "iqn.2026-11.io.xpan:n1");
	cr_assert(cfg.nodes[0].iscsi.has_chap);
	cr_assert_str_eq(cfg.nodes[1].iscsi.initiators[0],
			 "iqn.2026-11.io.xpan:n2", "default initiator name");
	cr_assert_str_eq(cfg.storage.portal, "127.0.0.1:3260");
	cr_assert_eq(cfg.storage.npool, 1);
	cr_assert_eq(cfg.storage.nluns, 1);
	cr_assert_eq(cfg.storage.luns[0].size, 1ull << 30);
	cr_assert_eq(cfg.storage.luns[0].line, 28);
	cr_assert_eq(cfg.storage.session_buffer, 64ull << 20, "default");
	xpan_config_free(&cfg);

	expect_error("storage.yaml",
		     "platform: { serial: 3 }\n"
		     "storage:\n"
		     "  anything: { goes: [here] }\n", 3,
		     "unknown key 'anything' in storage");
	expect_error("storagedup.yaml",
		     "platform: { serial: 3 }\n"
		     "storage:\n"
		     "  rescan: 0\n"
		     "  rescan: 60\n", 4, "key 'rescan' given twice");
}

/* What only the network side needs: required for it, not for xpan-iod. */
Test(config, network_keys_required_for_network_only)
{
	struct xpan_config cfg;
	char err[512] = "";
	static const char doc[] = "nodes:\n  - name: n1\n";

	cr_assert_neq(xpan_config_read_string("s.yaml", doc, strlen(doc),
					      XPAN_CFG_NETWORK, &cfg, err,
					      sizeof(err)), 0);
	cr_assert(strstr(err, "platform"), "%s", err);
	cr_assert_eq(xpan_config_read_string("s.yaml", doc, strlen(doc),
					     XPAN_CFG_STORAGE, &cfg, err,
					     sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg.nodes[0].vlan, XPAN_CFG_NO_VLAN);
	cr_assert_str_eq(cfg.nodes[0].port, "");
	cr_assert_eq(xpan_cfg_node_quota(&cfg, &cfg.nodes[0]), 0);
	xpan_config_free(&cfg);
}

Test(config, missing_file)
{
	struct xpan_config cfg;
	char err[512], path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/nope.yaml", dir);
	cr_assert_neq(xpan_config_load(path, &cfg, err, sizeof(err)), 0);
	cr_assert(strstr(err, path), "names the file: %s", err);
}

Test(config, system_checks)
{
	struct xpan_config cfg;
	char err[512], loc[PATH_MAX + 16];
	const char *path;

	/* lo exists in every namespace; the netns name below does not. */
	path = write_file("sys.yaml", HEAD
		"  - { name: n1, port: lo, vlan: red }\n"
		"  - name: n2\n"
		"    port: lo-xpan-none\n"
		"    vlan: red\n");
	cr_assert_eq(xpan_config_load(path, &cfg, err, sizeof(err)), 0, "%s", err);
	snprintf(loc, sizeof(loc), "%s:9:", path);
	cr_assert_neq(xpan_config_validate_system(&cfg, err, sizeof(err)), 0);
	cr_assert(strstr(err, loc) && strstr(err, "does not exist"), "%s", err);
	xpan_config_free(&cfg);

	path = write_file("sysns.yaml", HEAD
		"  - name: n1\n"
		"    port: lo\n"
		"    netns: xpan-t-no-such-ns\n"
		"    vlan: red\n");
	cr_assert_eq(xpan_config_load(path, &cfg, err, sizeof(err)), 0, "%s", err);
	snprintf(loc, sizeof(loc), "%s:9:", path);
	cr_assert_neq(xpan_config_validate_system(&cfg, err, sizeof(err)), 0);
	cr_assert(strstr(err, loc) && strstr(err, "netns"), "%s", err);
	xpan_config_free(&cfg);

	path = write_file("sysok.yaml", HEAD
		"  - { name: n1, port: lo, vlan: red }\n");
	cr_assert_eq(xpan_config_load(path, &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(xpan_config_validate_system(&cfg, err, sizeof(err)), 0,
		     "%s", err);
	xpan_config_free(&cfg);
}

Test(config, hardening_defaults)
{
	struct xpan_config cfg;

	expect_load("hdef.yaml", HEAD "  - { name: a, port: pa, vlan: red }\n",
		    &cfg);
	cr_assert_eq(cfg.learn_timeout, 300);
	cr_assert(cfg.vlans[0].learn && cfg.vlans[1].learn);
	cr_assert_eq(cfg.nodes[0].max_learned, 8);
	cr_assert_eq(cfg.nodes[0].flood_limit, 1000);
	cr_assert_eq(xpan_cfg_node_quota(&cfg, &cfg.nodes[0]), 8);
	xpan_config_free(&cfg);
}

Test(config, hardening_keys)
{
	struct xpan_config cfg;

	expect_load("hkeys.yaml",
		"platform: { serial: 7, learn_timeout: 2 }\n"
		"vlans:\n"
		"  - { name: red, id: 10, learn: false }\n"
		"  - { name: blue, id: 20, learn: true }\n"
		"nodes:\n"
		"  - { name: a, port: pa, vlan: red, max_learned: 256 }\n"
		"  - { name: b, port: pb, vlan: blue, max_learned: 0, flood_limit: 0 }\n"
		"  - { name: c, port: pc, vlan: blue, flood_limit: 100 }\n", &cfg);
	cr_assert_eq(cfg.learn_timeout, 2);
	cr_assert_not(cfg.vlans[0].learn);
	cr_assert(cfg.vlans[1].learn);
	cr_assert_eq(cfg.nodes[0].max_learned, 256);
	cr_assert_eq(xpan_cfg_node_quota(&cfg, &cfg.nodes[0]), 0,
		     "a VLAN without learning gives its ports no quota");
	cr_assert_eq(cfg.nodes[1].max_learned, 0);
	cr_assert_eq(cfg.nodes[1].flood_limit, 0);
	cr_assert_eq(cfg.nodes[2].flood_limit, 100);
	cr_assert_eq(xpan_cfg_node_quota(&cfg, &cfg.nodes[2]), 8);
	xpan_config_free(&cfg);

	cr_assert_eq(xpan_cfg_flood_burst(0), 0, "unlimited: no bucket");
	cr_assert_eq(xpan_cfg_flood_burst(1), 10);
	cr_assert_eq(xpan_cfg_flood_burst(100), 10);
	cr_assert_eq(xpan_cfg_flood_burst(1000), 100);
}

Test(config, hardening_out_of_range)
{
	expect_error("ml.yaml", HEAD
		     "  - name: n1\n"
		     "    port: p1\n"
		     "    vlan: red\n"
		     "    max_learned: 257\n", 10, "max_learned 257 is out of range");
	expect_error("mlneg.yaml", HEAD
		     "  - { name: n1, port: p1, vlan: red, max_learned: -1 }\n",
		     7, "max_learned must be a number");
	expect_error("mltype.yaml", HEAD
		     "  - name: n1\n"
		     "    port: p1\n"
		     "    vlan: red\n"
		     "    max_learned: [8]\n", 10, "max_learned must be a number");
	expect_error("fl.yaml", HEAD
		     "  - name: n1\n"
		     "    port: p1\n"
		     "    vlan: red\n"
		     "    flood_limit: lots\n", 10, "flood_limit must be a number");
	expect_error("flmax.yaml", HEAD
		     "  - name: n1\n"
		     "    port: p1\n"
		     "    vlan: red\n"
		     "    flood_limit: 10000001\n", 10, "flood_limit 10000001 is out of range");
	expect_error("lt0.yaml",
		     "platform:\n"
		     "  serial: 1\n"
		     "  learn_timeout: 0\n", 3, "at least 1");
	expect_error("ltmax.yaml",
		     "platform:\n"
		     "  serial: 1\n"
		     "  learn_timeout: 86401\n", 3, "out of range");
	expect_error("ltstr.yaml",
		     "platform:\n"
		     "  serial: 1\n"
		     "  learn_timeout: 5m\n", 3, "must be a number");
	expect_error("learn.yaml",
		     "platform: { serial: 1 }\n"
		     "vlans:\n"
		     "  - name: red\n"
		     "    id: 10\n"
		     "    learn: maybe\n", 5, "must be true or false");
}

/*
 * n nodes with max_learned m, alternating over VLANs red and blue (64
 * members each at most); blue learns or not.
 */
static char *quota_config(size_t n, unsigned m, bool blue_learns)
{
	size_t cap = 256 + n * 96, off = 0;
	char *buf = malloc(cap);

	cr_assert_not_null(buf);
	off += snprintf(buf + off, cap - off,
			"platform: { serial: 1 }\n"
			"vlans:\n"
			"  - { name: red, id: 10 }\n"
			"  - { name: blue, id: 20, learn: %s }\n"
			"  - { name: green, id: 30 }\n"
			"nodes:\n", blue_learns ? "true" : "false");
	for (size_t i = 0; i < n; i++)
		off += snprintf(buf + off, cap - off,
				"  - { name: n%zu, port: p%zu, vlan: %s, max_learned: %u }\n",
				i, i, i % 3 == 0 ? "red" : i % 3 == 1 ? "blue" : "green",
				m);
	return buf;
}

Test(config, learned_quota_sum)
{
	struct xpan_config cfg;
	char *body;

	/* 64 nodes x 256 = 16384: exactly what xpan_learned holds. */
	body = quota_config(64, 256, true);
	expect_load("sum-ok.yaml", body, &cfg);
	free(body);
	xpan_config_free(&cfg);

	/* One node more is refused at that node (line 6 + 65). */
	body = quota_config(65, 256, true);
	expect_error("sum-bad.yaml", body, 71, "add up to 16640");
	free(body);

	/* The same nodes fit when blue (every third node) does not learn. */
	body = quota_config(65, 256, false);
	expect_load("sum-nolearn.yaml", body, &cfg);
	free(body);
	cr_assert_eq(xpan_cfg_node_quota(&cfg, &cfg.nodes[1]), 0);
	xpan_config_free(&cfg);
}

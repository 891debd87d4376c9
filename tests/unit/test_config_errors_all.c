// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xpan_config_check_all(): every independent error of a file, in file
 * order with its line (xpan-ctrld --check), while the first-error readers
 * keep their one message.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static struct xpan_cfg_errors errs;

static int check(const char *doc, enum xpan_cfg_reader reader, bool system)
{
	struct xpan_config cfg;
	int ret;

	ret = xpan_config_check_all_string("m.yaml", doc, strlen(doc), reader,
					   system, &cfg, &errs);
	xpan_config_free(&cfg);
	return ret;
}

static void expect_errors(const char *const *want, size_t n)
{
	for (size_t i = 0; i < errs.n && i < n; i++)
		cr_expect_str_eq(errs.e[i].text, want[i], "error %zu", i + 1);
	for (size_t i = n; i < errs.n; i++)
		cr_log_error("unexpected: %s", errs.e[i].text);
	cr_assert_eq(errs.n, n, "%zu errors, want %zu", errs.n, n);
	cr_assert_eq(errs.total, n);
}

/* One mistake in each section, plus the checks across them. */
static const char multi[] =
	"platform:\n"						/* 1 */
	"  serial: 70000\n"
	"  state: relative/dir\n"
	"vlans:\n"
	"  - { name: red, id: 5000 }\n"				/* 5 */
	"  - { name: blue, id: 20, colour: x }\n"
	"  - { name: red, id: 21 }\n"
	"nodes:\n"
	"  - name: r1\n"
	"    port: p1\n"					/* 10 */
	"    vlan: green\n"
	"    ips: [10.0.0.300/24, 10.0.0.1/24]\n"
	"  - name: bad name\n"
	"    port: p1\n"
	"    vlan: blue\n"					/* 15 */
	"    datapath: fast\n"
	"    max_learned: lots\n"
	"    storage_ip: 100.64.0.1\n"
	"storage:\n"
	"  target: notiqn\n"					/* 20 */
	"  rescan: soon\n"
	"  network:\n"
	"    subnet: 100.64.0.0/33\n"
	"    port: 0\n"
	"  luns:\n"						/* 25 */
	"    - { node: r9, lun: 0, backing: a.img }\n";

TestSuite(config_errors_all);

Test(config_errors_all, every_section_in_file_order)
{
	static const char *const want[] = {
		"m.yaml:2: platform.serial 70000 is out of range (0..65535)",
		"m.yaml:3: platform.state 'relative/dir' must be an absolute path",
		"m.yaml:5: vlan id 5000 is out of range (1..4094)",
		"m.yaml:6: unknown key 'colour' in vlan",
		"m.yaml:7: duplicate vlan name 'red' (first at line 5)",
		"m.yaml:11: node 'r1' names unknown vlan 'green' (define it under vlans:)",
		"m.yaml:12: '10.0.0.300/24' is not an IPv4 address with prefix (like 10.0.0.1/24)",
		"m.yaml:13: node name 'bad name' may only hold letters, digits, '-', '_' and '.'",
		"m.yaml:14: port 'p1' of node 'bad name' is already used by node 'r1' (line 10)",
		"m.yaml:16: datapath 'fast' is not tc or xdp",
		"m.yaml:17: max_learned must be a number, got 'lots'",
		/* the default subnet stays: .1 is its portal */
		"m.yaml:18: node 'bad name': storage_ip 100.64.0.1 is not a free host address of the storage subnet 100.64.0.0/16 (the portal is 100.64.0.1)",
		"m.yaml:20: target 'notiqn' is not an iSCSI name (iqn.YYYY-MM.domain:name)",
		"m.yaml:21: rescan (seconds) must be a number, got 'soon'",
		"m.yaml:23: storage.network.subnet '100.64.0.0/33': the prefix must be between /8 and /29 (room for the portal and the nodes)",
		"m.yaml:24: storage.network.port must be a TCP port (1..65535)",
		"m.yaml:26: LUN for node 'r9', which is not in nodes: (add the node or correct the name)",
	};
	struct xpan_config cfg;
	char err[512];

	cr_assert_eq(check(multi, XPAN_CFG_NETWORK, false), -1);
	expect_errors(want, sizeof(want) / sizeof(want[0]));
	/* The first-error reader stops at the first, with the same text. */
	cr_assert_eq(xpan_config_load_string("m.yaml", multi, strlen(multi),
					     &cfg, err, sizeof(err)), -1);
	cr_assert_str_eq(err, want[0]);
}

/* Each file has one mistake: exactly the message of today's reader. */
Test(config_errors_all, one_error_is_todays_message)
{
	static const char *const docs[] = {
		"platform: { serial: 70000 }\n",
		"platform: { serial: 1, bogus: 2 }\n",
		"platform: { serial: 1 }\nvlans:\n  - { name: a, id: 0 }\n",
		"platform: { serial: 1 }\nvlans:\n  - { name: a, id: 1 }\n"
		"nodes:\n  - { name: n1, port: p1, vlan: b }\n",
		"platform: { serial: 1 }\nvlans:\n  - { name: a, id: 1 }\n"
		"nodes:\n  - { name: n1, port: p1, vlan: a }\n"
		"  - { name: n1, port: p2, vlan: a }\n",
		"platform: { serial: 1 }\nvlans:\n  - { name: a, id: 1 }\n"
		"nodes:\n  - { name: n1, port: p1, vlan: a, ips: [10.0.0.1] }\n",
		"platform: { serial: 1 }\nvlans:\n  - { name: a, id: 1 }\n"
		"nodes:\n  - { name: n1, port: p1, vlan: a, ips: [10.0.0.1/24] }\n"
		"  - { name: n2, port: p2, vlan: a, ips: [10.0.0.1/24] }\n",
		"platform: { serial: 1 }\nvlans:\n  - { name: a, id: 1 }\n"
		"nodes:\n  - { name: n1, port: p1, vlan: a, chap: { user: u } }\n",
		"platform: { serial: 1 }\nstorage:\n  target: x\n",
		"platform: { serial: 1 }\nstorage:\n  network: { subnet: 10.0.0.0/33 }\n",
		"platform: { serial: 1 }\nstorage:\n  luns:\n    - { node: z, lun: 0, backing: f }\n",
		"platform: { serial: 1 }\nvlans:\n  - { name: a, id: 1 }\n"
		"nodes:\n  - { name: n1, port: p1, vlan: a, ips: [100.64.0.9/24] }\n"
		"storage:\n  pool: [/tmp]\n",
		"platform: { serial: 1\n",		/* YAML syntax */
		"",
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct xpan_config cfg;
		char err[512] = "";

		cr_assert_eq(xpan_config_load_string("m.yaml", docs[i],
						     strlen(docs[i]), &cfg,
						     err, sizeof(err)), -1,
			     "doc %zu loads", i);
		cr_assert_eq(check(docs[i], XPAN_CFG_NETWORK, false), -1);
		cr_expect_eq(errs.total, 1, "doc %zu: %zu errors, first %s", i,
			     errs.total, errs.e[0].text);
		cr_expect_str_eq(errs.e[0].text, err, "doc %zu", i);
	}
}

Test(config_errors_all, good_file_has_none)
{
	static const char doc[] =
		"platform: { serial: 1 }\nvlans:\n  - { name: a, id: 1 }\n"
		"nodes:\n  - { name: n1, port: lo, vlan: a, ips: [10.0.0.1/24] }\n";
	struct xpan_config cfg;

	cr_assert_eq(xpan_config_check_all_string("m.yaml", doc, strlen(doc),
						  XPAN_CFG_NETWORK, true, &cfg,
						  &errs), 0, "%s", errs.e[0].text);
	cr_assert_eq(errs.total, 0);
	cr_assert_eq(cfg.n_nodes, 1);
	xpan_config_free(&cfg);
}

/* The host's checks come after the file's, on the nodes that parsed. */
Test(config_errors_all, system_after_file)
{
	static const char doc[] =
		"platform: { serial: 1 }\n"
		"vlans:\n  - { name: a, id: 1 }\n"
		"nodes:\n"
		"  - { name: n1, port: xcea-nope1, vlan: a, netns: xcea-nons }\n" /* 5 */
		"  - { name: n2, port: lo, vlan: b }\n";
	static const char *const want[] = {
		"m.yaml:6: node 'n2' names unknown vlan 'b' (define it under vlans:)",
		"m.yaml:5: port 'xcea-nope1' of node 'n1' does not exist (create the veth/tap first, e.g. ip link add xcea-nope1 type veth peer name ...)",
		"m.yaml:5: netns 'xcea-nons' of node 'n1' does not exist (/run/netns/xcea-nons: No such file or directory; create it with ip netns add xcea-nons)",
	};

	cr_assert_eq(check(doc, XPAN_CFG_NETWORK, true), -1);
	expect_errors(want, 3);
}

/* More than XPAN_CFG_ERRORS_MAX: the first ones kept, all counted. */
Test(config_errors_all, capped)
{
	size_t nkeys = XPAN_CFG_ERRORS_MAX + 50, len = 0;
	char *doc = malloc(64 * (nkeys + 4));
	char want[128];

	cr_assert_not_null(doc);
	len += sprintf(doc + len, "platform:\n  serial: 1\n");
	for (size_t i = 0; i < nkeys; i++)
		len += sprintf(doc + len, "  typo%zu: 1\n", i);
	cr_assert_eq(check(doc, XPAN_CFG_NETWORK, false), -1);
	cr_assert_eq(errs.n, XPAN_CFG_ERRORS_MAX);
	cr_assert_eq(errs.total, nkeys);
	cr_assert_str_eq(errs.e[0].text, "m.yaml:3: unknown key 'typo0' in platform");
	snprintf(want, sizeof(want), "m.yaml:%d: unknown key 'typo%d' in platform",
		 XPAN_CFG_ERRORS_MAX + 2, XPAN_CFG_ERRORS_MAX - 1);
	cr_assert_str_eq(errs.e[XPAN_CFG_ERRORS_MAX - 1].text, want);
	free(doc);
}

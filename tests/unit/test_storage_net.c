// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * storage.network and nodes[].storage_ip in the config, and the storage
 * address allocator in the state database (lib/storage_addr.c).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "storage_addr.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xpan-t-snet-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "temp dir");
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0, "remove %s", dir);
}

TestSuite(storage_net, .init = setup, .fini = teardown);

static const char head[] =
	"platform: { serial: 7 }\n"				/* 1 */
	"vlans: [ { name: red, id: 10 } ]\n"
	"nodes:\n";

/* A config of head, the node lines and the storage section. */
static int load(const char *nodes, const char *storage,
		struct xpan_config *cfg, char *err, size_t errlen)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s%s%s", head, nodes, storage);
	return xpan_config_load_string("t.yaml", buf, strlen(buf), cfg, err,
				       errlen);
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1, "%s", s);
	return a.s_addr;
}

static const char two_nodes[] =
	"  - { name: n1, port: xp-n1, vlan: red, ips: [10.10.0.1/24] }\n"
	"  - { name: n2, port: xp-n2, vlan: red, ips: [10.10.0.2/24] }\n";

Test(storage_net, defaults_with_a_storage_section)
{
	struct xpan_config cfg;
	char err[512] = "";

	cr_assert_eq(load(two_nodes, "storage: { portal: 127.0.0.1:3260 }\n",
			  &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert(cfg.storage.net.enabled);
	cr_assert_eq(cfg.storage.net.subnet, ip("100.64.0.0"));
	cr_assert_eq(cfg.storage.net.prefix, 16);
	cr_assert_eq(cfg.storage.net.portal_ip, ip("100.64.0.1"));
	cr_assert_eq(cfg.storage.net.port, 3260);
	cr_assert_str_eq(cfg.storage.net.host_port, "xpst0");
	cr_assert_str_eq(cfg.storage.net.dp_port, "xpst1");
	xpan_config_free(&cfg);
}

Test(storage_net, off_without_storage_or_when_said)
{
	struct xpan_config cfg;
	char err[512] = "";

	cr_assert_eq(load(two_nodes, "", &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(cfg.storage.net.enabled);
	xpan_config_free(&cfg);
	cr_assert_eq(load(two_nodes, "storage: { network: off }\n", &cfg, err,
			  sizeof(err)), 0, "%s", err);
	cr_assert_not(cfg.storage.net.enabled);
	xpan_config_free(&cfg);
}

Test(storage_net, keys_parsed)
{
	struct xpan_config cfg;
	char err[512] = "";

	cr_assert_eq(load("  - { name: n1, port: xp-n1, vlan: red, storage_ip: 10.99.0.9 }\n",
			  "storage:\n  network: { subnet: 10.99.0.0/24, port: 3270,"
			  " host_port: st0, dp_port: st1 }\n",
			  &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert(cfg.storage.net.enabled);
	cr_assert_eq(cfg.storage.net.subnet, ip("10.99.0.0"));
	cr_assert_eq(cfg.storage.net.prefix, 24);
	/* no portal_ip given: the subnet's first host */
	cr_assert_eq(cfg.storage.net.portal_ip, ip("10.99.0.1"));
	cr_assert_eq(cfg.storage.net.port, 3270);
	cr_assert_str_eq(cfg.storage.net.host_port, "st0");
	cr_assert_eq(cfg.nodes[0].storage_ip, ip("10.99.0.9"));
	xpan_config_free(&cfg);
}

/* Each refused with the line of the offending key. */
Test(storage_net, bad_configs_refused_with_line)
{
	static const struct {
		const char *nodes, *storage, *want;
	} bad[] = {
		{ two_nodes, "storage:\n  network: { subnet: 100.64.0.0 }\n",
		  "t.yaml:7: storage.network.subnet '100.64.0.0' must be" },
		{ two_nodes, "storage:\n  network: { subnet: 100.64.0.1/16 }\n",
		  "t.yaml:7: storage.network.subnet '100.64.0.1/16' has host bits" },
		{ two_nodes, "storage:\n  network: { subnet: 100.64.0.0/30 }\n",
		  "t.yaml:7: storage.network.subnet '100.64.0.0/30': the prefix" },
		{ two_nodes, "storage:\n  network: { portal_ip: 10.0.0.1 }\n",
		  "t.yaml:7: storage.network.portal_ip 10.0.0.1 is not a host address" },
		{ two_nodes, "storage:\n  network: { portal_ip: fd00::1 }\n",
		  "t.yaml:7: storage.network.portal_ip 'fd00::1' is not an IPv4" },
		{ two_nodes, "storage:\n  network: { port: 0 }\n",
		  "t.yaml:7: storage.network.port must be" },
		{ two_nodes, "storage:\n  network: { bogus: 1 }\n",
		  "t.yaml:7:" },
		{ two_nodes, "storage:\n  network: maybe\n",
		  "t.yaml:7: storage.network must be a mapping" },
		{ "  - { name: n1, port: xp-n1, vlan: red, storage_ip: 10.0.0.5 }\n",
		  "storage: {}\n",
		  "t.yaml:4: node 'n1': storage_ip 10.0.0.5 is not a free host address" },
		{ "  - { name: n1, port: xp-n1, vlan: red, storage_ip: 100.64.0.1 }\n",
		  "storage: {}\n",
		  "t.yaml:4: node 'n1': storage_ip 100.64.0.1 is not a free host address" },
		{ "  - { name: n1, port: xp-n1, vlan: red, storage_ip: 100.64.255.255 }\n",
		  "storage: {}\n",
		  "t.yaml:4: node 'n1': storage_ip 100.64.255.255 is not a free" },
		{ "  - { name: n1, port: xp-n1, vlan: red, storage_ip: 100.64.0.5 }\n"
		  "  - { name: n2, port: xp-n2, vlan: red, storage_ip: 100.64.0.5 }\n",
		  "storage: {}\n",
		  "t.yaml:5: node 'n2': storage_ip 100.64.0.5 is also node 'n1''s" },
		{ "  - { name: n1, port: xp-n1, vlan: red, storage_ip: 100.64.0.5 }\n",
		  "",
		  "t.yaml:4: node 'n1' has a storage_ip but the storage network is off" },
		{ "  - { name: n1, port: xp-n1, vlan: red, ips: [100.64.3.3/24] }\n",
		  "storage: {}\n",
		  "t.yaml:4: node 'n1': IP 100.64.3.3/24 is inside the storage subnet" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xpan_config cfg;
		char err[512] = "";

		cr_assert_neq(load(bad[i].nodes, bad[i].storage, &cfg, err,
				   sizeof(err)), 0, "case %zu loaded", i);
		cr_assert(strstr(err, bad[i].want), "case %zu: got '%s', want '%s'",
			  i, err, bad[i].want);
	}
}

static struct xpan_state *open_state(void)
{
	struct xpan_state *st;
	char err[512] = "";

	cr_assert_eq(xpan_state_open(dir, &st, err, sizeof(err)), 0, "%s", err);
	return st;
}

static void sync_ok(struct xpan_state *st, const struct xpan_config *cfg,
		    uint32_t *out)
{
	char err[512] = "";

	cr_assert_eq(xpan_saddr_sync(st, cfg, out, err, sizeof(err)), 0, "%s",
		     err);
}

static const char three_nodes[] =
	"  - { name: n1, port: xp-n1, vlan: red }\n"
	"  - { name: n2, port: xp-n2, vlan: red }\n"
	"  - { name: n3, port: xp-n3, vlan: red }\n";

Test(storage_net, allocation_is_stable_and_released_with_the_node)
{
	struct xpan_state *st = open_state();
	struct xpan_config cfg;
	uint32_t out[3], again[3];
	char err[512] = "", who[32];

	cr_assert_eq(load(three_nodes, "storage: {}\n", &cfg, err, sizeof(err)),
		     0, "%s", err);
	sync_ok(st, &cfg, out);
	/* lowest first, the portal (.1) skipped */
	cr_assert_eq(out[0], ip("100.64.0.2"));
	cr_assert_eq(out[1], ip("100.64.0.3"));
	cr_assert_eq(out[2], ip("100.64.0.4"));
	sync_ok(st, &cfg, again);
	cr_assert_arr_eq(out, again, sizeof(out), "same addresses again");
	xpan_config_free(&cfg);

	/* n1 leaves: n2 and n3 keep theirs, n1's row is gone */
	cr_assert_eq(load("  - { name: n2, port: xp-n2, vlan: red }\n"
			  "  - { name: n3, port: xp-n3, vlan: red }\n",
			  "storage: {}\n", &cfg, err, sizeof(err)), 0, "%s", err);
	sync_ok(st, &cfg, again);
	cr_assert_eq(again[0], ip("100.64.0.3"));
	cr_assert_eq(again[1], ip("100.64.0.4"));
	cr_assert_eq(xpan_saddr_owner(xpan_state_db(st), ip("100.64.0.2"), who,
				      sizeof(who), err, sizeof(err)), 0);
	cr_assert_eq(xpan_saddr_owner(xpan_state_db(st), ip("100.64.0.4"), who,
				      sizeof(who), err, sizeof(err)), 1);
	cr_assert_str_eq(who, "n3");
	xpan_config_free(&cfg);
	xpan_state_close(st);
}

Test(storage_net, static_address_wins_and_the_holder_moves)
{
	struct xpan_state *st = open_state();
	struct xpan_config cfg;
	uint32_t out[3];
	char err[512] = "";

	cr_assert_eq(load(three_nodes, "storage: {}\n", &cfg, err, sizeof(err)),
		     0, "%s", err);
	sync_ok(st, &cfg, out);
	xpan_config_free(&cfg);
	/* n3 asks for n1's address: n1 gets the lowest free one */
	cr_assert_eq(load("  - { name: n1, port: xp-n1, vlan: red }\n"
			  "  - { name: n2, port: xp-n2, vlan: red }\n"
			  "  - { name: n3, port: xp-n3, vlan: red, storage_ip: 100.64.0.2 }\n",
			  "storage: {}\n", &cfg, err, sizeof(err)), 0, "%s", err);
	sync_ok(st, &cfg, out);
	cr_assert_eq(out[2], ip("100.64.0.2"));
	cr_assert_eq(out[1], ip("100.64.0.3"));
	cr_assert_eq(out[0], ip("100.64.0.4"), "n1 moved to n3's old address");
	xpan_config_free(&cfg);
	xpan_state_close(st);
}

Test(storage_net, subnet_change_reallocates_and_full_subnet_is_an_error)
{
	struct xpan_state *st = open_state();
	struct xpan_config cfg;
	uint32_t out[3];
	char err[512] = "";

	cr_assert_eq(load(three_nodes, "storage: {}\n", &cfg, err, sizeof(err)),
		     0, "%s", err);
	sync_ok(st, &cfg, out);
	xpan_config_free(&cfg);
	cr_assert_eq(load(three_nodes,
			  "storage: { network: { subnet: 10.77.0.0/24 } }\n",
			  &cfg, err, sizeof(err)), 0, "%s", err);
	sync_ok(st, &cfg, out);
	cr_assert_eq(out[0], ip("10.77.0.2"));
	cr_assert_eq(out[2], ip("10.77.0.4"));
	xpan_config_free(&cfg);
	/* /29: .1 portal, .2-.6 hosts; five fit, a sixth does not */
	cr_assert_eq(load("  - { name: a, port: p-a, vlan: red }\n"
			  "  - { name: b, port: p-b, vlan: red }\n"
			  "  - { name: c, port: p-c, vlan: red }\n"
			  "  - { name: d, port: p-d, vlan: red }\n"
			  "  - { name: e, port: p-e, vlan: red }\n"
			  "  - { name: f, port: p-f, vlan: red }\n",
			  "storage: { network: { subnet: 10.77.0.0/29 } }\n",
			  &cfg, err, sizeof(err)), 0, "%s", err);
	{
		uint32_t six[6];

		cr_assert_neq(xpan_saddr_sync(st, &cfg, six, err, sizeof(err)), 0);
		cr_assert(strstr(err, "node 'f': no free address left"), "%s", err);
	}
	xpan_config_free(&cfg);
	/* the failed sync changed nothing */
	cr_assert_eq(load(three_nodes,
			  "storage: { network: { subnet: 10.77.0.0/24 } }\n",
			  &cfg, err, sizeof(err)), 0, "%s", err);
	sync_ok(st, &cfg, out);
	cr_assert_eq(out[0], ip("10.77.0.2"));
	xpan_config_free(&cfg);
	xpan_state_close(st);
}

Test(storage_net, read_only_owner_lookup)
{
	struct xpan_state *st = open_state();
	struct xpan_config cfg;
	uint32_t out[3];
	char err[512] = "", who[32];
	sqlite3 *ro;

	cr_assert_eq(load(three_nodes, "storage: {}\n", &cfg, err, sizeof(err)),
		     0, "%s", err);
	sync_ok(st, &cfg, out);
	ro = xpan_saddr_open_ro(dir, err, sizeof(err));
	cr_assert_not_null(ro, "%s", err);
	cr_assert_eq(xpan_saddr_owner(ro, out[1], who, sizeof(who), err,
				      sizeof(err)), 1, "%s", err);
	cr_assert_str_eq(who, "n2");
	cr_assert_eq(xpan_saddr_owner(ro, ip("100.64.9.9"), who, sizeof(who),
				      err, sizeof(err)), 0);
	sqlite3_close(ro);
	cr_assert_null(xpan_saddr_open_ro("/nonexistent-xpan", err, sizeof(err)));
	cr_assert(strstr(err, "/nonexistent-xpan/xpan.db"), "%s", err);
	xpan_config_free(&cfg);
	xpan_state_close(st);
}

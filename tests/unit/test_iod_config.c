// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xpan-iod's view of the config file and the LUN map built from it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "iodaemon/iod_config.h"
#include "iodaemon/lun_map.h"

static char dir[64];
static char err[1024];

static void setup(void)
{
	char path[128];
	FILE *f;

	strcpy(dir, "/tmp/iodcfg.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.img", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(ftruncate(fileno(f), 8 << 20), 0);
	fclose(f);
}

static void teardown(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/a.img", dir);
	unlink(path);
	rmdir(dir);
}

TestSuite(config, .init = setup, .fini = teardown);

static int parse(struct iod_config *c, const char *storage_luns)
{
	char doc[2048];

	snprintf(doc, sizeof(doc),
		 "platform: { serial: 7 }\n"
		 "nodes:\n"
		 "  - name: n1\n"
		 "    port: xp-n1\n"
		 "    initiators: [iqn.2026-11.io.xpan:n1, iqn.2026-11.io.xpan:n1b]\n"
		 "  - name: n2\n"
		 "    chap: { user: n2, secret: \"twelve chars!\" }\n"
		 "storage:\n"
		 "  pool: [%s]\n"
		 "  luns:\n%s",
		 dir, storage_luns);
	return iod_config_parse(c, "test.yaml", doc, strlen(doc), err,
				sizeof(err));
}

Test(config, defaults_and_names)
{
	struct iod_config c;

	cr_assert_eq(parse(&c, "    - { node: n1, lun: 0, backing: a.img }\n"),
		     0, "%s", err);
	cr_assert_str_eq(c.storage.target, IOD_DEFAULT_TARGET);
	cr_assert_str_eq(c.storage.portal, IOD_DEFAULT_PORTAL);
	cr_assert_eq(c.nnodes, 2);
	cr_assert_eq(c.nodes[0].iscsi.ninitiators, 2);
	cr_assert_str_eq(c.nodes[1].iscsi.initiators[0],
			 "iqn.2026-11.io.xpan:n2",
			 "default initiator name");
	cr_assert(c.nodes[1].iscsi.has_chap);
	cr_assert_eq(c.storage.nluns, 1);
	iod_config_free(&c);
}

Test(config, errors_name_their_line)
{
	struct iod_config c;

	cr_assert_eq(parse(&c, "    - { node: n9, lun: 0, backing: a.img }\n"),
		     -1);
	cr_assert(strstr(err, "test.yaml:11:"), "%s", err);
	cr_assert(strstr(err, "n9"), "%s", err);
	cr_assert_eq(parse(&c, "    - { node: n1, lun: 0, backing: a.img, colour: red }\n"),
		     -1);
	cr_assert(strstr(err, "colour"), "%s", err);
	cr_assert_eq(parse(&c, "    - { node: n1, lun: 0, backing: a.img }\n"
			       "    - { node: n1, lun: 0, backing: a.img, offset: 4M }\n"),
		     -1);
	cr_assert(strstr(err, "LUN 0 twice"), "%s", err);
	cr_assert_eq(parse(&c, "    - { node: n1, lun: 0, backing: a.img, offset: 100 }\n"),
		     -1);
	cr_assert(strstr(err, "512"), "%s", err);
	cr_assert_eq(parse(&c, "    - { node: n1, lun: 99999, backing: a.img }\n"),
		     -1);
}

static int build(const char *luns, struct lun_map *m)
{
	struct iod_config c;
	int ret;

	if (parse(&c, luns))
		return -2;
	ret = lun_map_build(m, &c, err, sizeof(err));
	iod_config_free(&c);
	return ret;
}

Test(config, lun_windows)
{
	struct lun_map m;
	struct iod_node *n;

	cr_assert_eq(build("    - { node: n1, lun: 0, backing: a.img, size: 4M }\n"
			   "    - { node: n1, lun: 3, backing: a.img, offset: 4M }\n"
			   "    - { node: n2, lun: 0, backing: a.img, offset: 6M, size: 1M }\n",
			   &m),
		     -1, "overlap of n1/3 and n2/0 must be refused");
	cr_assert(strstr(err, "overlaps"), "%s", err);
	cr_assert_eq(build("    - { node: n1, lun: 0, backing: a.img, size: 4M }\n"
			   "    - { node: n1, lun: 3, backing: a.img, offset: 4M, shared: true }\n"
			   "    - { node: n2, lun: 0, backing: a.img, offset: 6M, size: 1M, shared: true }\n",
			   &m),
		     0, "%s", err);
	n = lun_map_node_by_initiator(&m, "iqn.2026-11.io.xpan:n1b");
	cr_assert_not_null(n);
	cr_assert_str_eq(n->name, "n1");
	cr_assert_eq(n->nluns, 2);
	cr_assert_eq(lun_map_lookup(n, 3)->size, 4 << 20, "rest of the store");
	cr_assert_eq(lun_map_lookup(n, 3)->sdev.nblocks, (4 << 20) / 512);
	cr_assert_null(lun_map_lookup(n, 1));
	n = lun_map_node_by_initiator(&m, "iqn.2026-11.io.xpan:n2");
	cr_assert_eq(lun_map_lookup(n, 0)->offset, 6 << 20);
	cr_assert_neq(lun_map_lookup(n, 0),
		      lun_map_lookup(lun_map_node_by_name(&m, "n1"), 0),
		      "each node has its own LUN 0");
	cr_assert_null(lun_map_node_by_initiator(&m, "iqn.2026-11.io.xpan:n3"));
	/* failover: n2's view goes to another name */
	cr_assert_eq(lun_map_move(&m, "n2", "iqn.2026-11.io.xpan:spare", err,
				  sizeof(err)),
		     0);
	cr_assert_null(lun_map_node_by_initiator(&m, "iqn.2026-11.io.xpan:n2"));
	cr_assert_str_eq(lun_map_node_by_initiator(&m, "iqn.2026-11.io.xpan:spare")->name,
			 "n2");
	cr_assert_eq(lun_map_move(&m, "n7", "iqn.2026-11.io.xpan:x", err,
				  sizeof(err)),
		     -1);
	cr_assert_eq(lun_map_move(&m, "n2", "not-an-iqn", err, sizeof(err)),
		     -1);
	lun_map_free(&m);
}

Test(config, window_past_end_and_missing_store)
{
	struct lun_map m;

	cr_assert_eq(build("    - { node: n1, lun: 0, backing: a.img, offset: 4M, size: 8M }\n",
			   &m),
		     -1);
	cr_assert(strstr(err, "past the end"), "%s", err);
	cr_assert_eq(build("    - { node: n1, lun: 0, backing: nope.img }\n",
			   &m),
		     -1);
	cr_assert(strstr(err, "nope.img"), "%s", err);
	cr_assert(strstr(err, "test.yaml:11:"), "%s", err);
}

static int parse_limits(struct iod_config *c, const char *limits)
{
	char doc[1024];

	snprintf(doc, sizeof(doc),
		 "nodes: [ { name: n1 } ]\n"
		 "storage:\n"
		 "%s", limits);
	return iod_config_parse(c, "lim.yaml", doc, strlen(doc), err,
				sizeof(err));
}

Test(config, limits_defaults)
{
	struct iod_config c;

	cr_assert_eq(parse_limits(&c, "  rescan: 0\n"), 0, "%s", err);
	cr_assert_eq(c.storage.session_buffer, 64ull << 20);
	cr_assert_eq(c.storage.login_timeout_sec, 15);
	cr_assert_eq(c.storage.max_connections, 1024);
	cr_assert_eq(c.storage.max_connections_per_source, 64);
	iod_config_free(&c);
	/* no storage: section at all gives the same defaults */
	cr_assert_eq(iod_config_parse(&c, "x.yaml", "nodes: []\n", 10, err,
				      sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(c.storage.session_buffer, 64ull << 20);
	cr_assert_eq(c.storage.max_connections_per_source, 64);
	iod_config_free(&c);
}

Test(config, limits_given)
{
	struct iod_config c;

	cr_assert_eq(parse_limits(&c, "  session_buffer: 48M\n"
				      "  login_timeout: 2\n"
				      "  max_connections: 2000\n"
				      "  max_connections_per_source: 1500\n"),
		     0, "%s", err);
	cr_assert_eq(c.storage.session_buffer, 48ull << 20);
	cr_assert_eq(c.storage.login_timeout_sec, 2);
	cr_assert_eq(c.storage.max_connections, 2000);
	cr_assert_eq(c.storage.max_connections_per_source, 1500);
	iod_config_free(&c);
	cr_assert_eq(parse_limits(&c, "  session_buffer: 33554432\n"), 0,
		     "%s", err);
	cr_assert_eq(c.storage.session_buffer, 32ull << 20, "plain bytes");
	iod_config_free(&c);
	cr_assert_eq(parse_limits(&c, "  session_buffer: 1GiB\n"), 0, "%s",
		     err);
	cr_assert_eq(c.storage.session_buffer, 1ull << 30);
	iod_config_free(&c);
}

Test(config, limits_refused)
{
	struct iod_config c;

	cr_assert_eq(parse_limits(&c, "  session_buffer: 4K\n"), -1);
	cr_assert_eq(parse_limits(&c, "  session_buffer: 31M\n"), -1);
	cr_assert(strstr(err, "lim.yaml:3:"), "%s", err);
	cr_assert(strstr(err, "session_buffer"), "%s", err);
	cr_assert_eq(parse_limits(&c, "  session_buffer: lots\n"), -1);
	cr_assert(strstr(err, "session_buffer"), "%s", err);
	cr_assert_eq(parse_limits(&c, "  session_buffer: 32G\n"), -1);
	cr_assert_eq(parse_limits(&c, "  login_timeout: 0\n"), -1);
	cr_assert(strstr(err, "login_timeout"), "%s", err);
	cr_assert_eq(parse_limits(&c, "  login_timeout: 1h\n"), -1);
	cr_assert_eq(parse_limits(&c, "  max_connections: 0\n"), -1);
	cr_assert(strstr(err, "max_connections"), "%s", err);
	cr_assert_eq(parse_limits(&c, "  max_connections: -1\n"), -1);
	cr_assert_eq(parse_limits(&c, "  max_connections_per_source: 0\n"),
		     -1);
	cr_assert_eq(parse_limits(&c, "  max_connections: 10\n"), -1,
		     "per source (64 by default) above the total");
	cr_assert(strstr(err, "max_connections_per_source"), "%s", err);
	cr_assert_eq(parse_limits(&c, "  max_connections: 10\n"
				      "  max_connections_per_source: 10\n"),
		     0, "%s", err);
	iod_config_free(&c);
	cr_assert_eq(parse_limits(&c, "  max_conections: 10\n"), -1,
		     "misspelt key");
}

/*
 * One reader for both daemons: a file xpan-ctrld would start with is
 * refused by xpan-iod for the same mistake, with the same FILE:LINE and
 * message, and the other way round. Each case breaks one line of a file
 * both accept.
 */
static const char full[] =
	"platform: { serial: 7 }\n"				/* 1 */
	"vlans:\n"
	"  - { name: red, id: 10 }\n"
	"nodes:\n"
	"  - name: n1\n"					/* 5 */
	"    port: xp-n1\n"
	"    vlan: red\n"
	"    ips: [10.10.0.1/24]\n"
	"    initiators: [iqn.2026-11.io.xpan:n1]\n"
	"  - name: n2\n"					/* 10 */
	"    port: xp-n2\n"
	"    vlan: red\n"
	"    chap: { user: n2, secret: \"twelve chars!\" }\n"
	"storage:\n"
	"  portal: 127.0.0.1:3260\n"				/* 15 */
	"  rescan: 0\n"
	"  session_buffer: 64M\n"
	"  pool: [/nonexistent/pool]\n"
	"  luns:\n"
	"    - { node: n1, lun: 0, backing: a.img, size: 1M }\n"	/* 20 */
	"    - { node: n2, lun: 0, backing: b.img }\n";

/* full with line `line` (1-based) replaced by `repl` (may hold several). */
static const char *variant(int line, const char *repl)
{
	static char out[4096];
	const char *p = full;
	size_t o = 0;

	for (int l = 1; *p; l++) {
		const char *e = strchr(p, '\n');
		size_t n = (size_t)(e - p) + 1;

		if (l == line)
			o += snprintf(out + o, sizeof(out) - o, "%s", repl);
		else
			o += snprintf(out + o, sizeof(out) - o, "%.*s", (int)n, p);
		p = e + 1;
	}
	return out;
}

static const char *write_cfg(const char *body)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/bad.yaml", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(body, f);
	fclose(f);
	return path;
}

/* Both entry points refuse body with the same message, at path:line. */
static void both_refuse(const char *body, int line, const char *what)
{
	char e_ctrld[1024] = "", e_iod[1024] = "", loc[192];
	const char *path = write_cfg(body);
	struct xpan_config x;
	struct iod_config c;

	snprintf(loc, sizeof(loc), "%s:%d:", path, line);
	cr_assert_neq(xpan_config_load(path, &x, e_ctrld, sizeof(e_ctrld)), 0,
		      "xpan-ctrld's reader accepted:\n%s", body);
	cr_assert_neq(iod_config_load(&c, path, e_iod, sizeof(e_iod)), 0,
		      "xpan-iod's reader accepted:\n%s", body);
	cr_assert_str_eq(e_ctrld, e_iod, "the two readers disagree");
	cr_assert(strstr(e_ctrld, loc), "expected '%s' in '%s'", loc, e_ctrld);
	cr_assert(strstr(e_ctrld, what), "expected '%s' in '%s'", what,
		  e_ctrld);
}

TestSuite(one_reader, .init = setup, .fini = teardown);

Test(one_reader, both_accept_the_full_file)
{
	const char *path = write_cfg(full);
	struct xpan_config x;
	struct iod_config c;

	cr_assert_eq(xpan_config_load(path, &x, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(x.storage.nluns, 2);
	xpan_config_free(&x);
	cr_assert_eq(iod_config_load(&c, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.nnodes, 2);
	cr_assert_str_eq(c.nodes[0].iscsi.initiators[0],
			 "iqn.2026-11.io.xpan:n1");
	cr_assert(c.nodes[1].iscsi.has_chap);
	cr_assert_str_eq(c.nodes[1].iscsi.chap_secret, "twelve chars!");
	cr_assert_str_eq(c.storage.portal, "127.0.0.1:3260");
	cr_assert_eq(c.storage.rescan_sec, 0);
	cr_assert_eq(c.storage.npool, 1);
	cr_assert_str_eq(c.storage.pool[0], "/nonexistent/pool");
	cr_assert_eq(c.storage.nluns, 2);
	cr_assert_eq(c.storage.luns[0].size, 1 << 20);
	cr_assert_eq(c.storage.luns[1].line, 21);
	cr_assert_str_eq(c.storage.luns[1].backing, "b.img");
	iod_config_free(&c);
}

Test(one_reader, duplicate_keys)
{
	/* xpan-iod used to take the first of these and say nothing */
	both_refuse(variant(16, "  rescan: 0\n  rescan: 60\n"), 17,
		    "key 'rescan' given twice");
	both_refuse(variant(20, "    - { node: n1, lun: 0, lun: 1, backing: a.img }\n"),
		    20, "key 'lun' given twice");
	both_refuse(variant(13, "    chap: { user: n2, user: n3, secret: \"twelve chars!\" }\n"),
		    13, "key 'user' given twice");
	both_refuse(variant(9, "    initiators: [iqn.2026-11.io.xpan:n1]\n"
			       "    initiators: [iqn.2026-11.io.xpan:x]\n"),
		    10, "key 'initiators' given twice");
	both_refuse(variant(21, "    - { node: n2, lun: 0, backing: b.img }\n"
				"storage: {}\n"),
		    22, "key 'storage' given twice");
	both_refuse(variant(3, "  - { name: red, id: 10, id: 11 }\n"), 3,
		    "key 'id' given twice");
}

Test(one_reader, unknown_keys)
{
	both_refuse(variant(15, "  portl: 127.0.0.1:3260\n"), 15,
		    "unknown key 'portl'");
	both_refuse(variant(20, "    - { node: n1, lun: 0, backing: a.img, sise: 1M }\n"),
		    20, "unknown key 'sise'");
	both_refuse(variant(9, "    initiator: [iqn.2026-11.io.xpan:n1]\n"), 9,
		    "unknown key 'initiator'");
	both_refuse(variant(14, "storge:\n"), 14, "unknown key 'storge'");
	both_refuse(variant(13, "    chap: { user: n2, secrets: \"twelve chars!\" }\n"),
		    13, "unknown key 'secrets'");
}

Test(one_reader, bad_types_and_values)
{
	both_refuse(variant(16, "  rescan: soon\n"), 16, "rescan");
	both_refuse(variant(17, "  session_buffer: lots\n"), 17,
		    "session_buffer");
	both_refuse(variant(18, "  pool: /nonexistent/pool\n"), 18,
		    "pool must be a list");
	both_refuse(variant(20, "    - [n1, 0, a.img]\n"), 20,
		    "a LUN must be");
	both_refuse(variant(9, "    initiators: iqn.2026-11.io.xpan:n1\n"), 9,
		    "initiators must be a non-empty list");
	both_refuse(variant(13, "    chap: { user: n2, secret: short }\n"), 13,
		    "at least 12 characters");
	both_refuse(variant(20, "    - { node: n1, lun: -1, backing: a.img }\n"),
		    20, "lun");
	both_refuse(variant(21, "    - { node: n2, lun: 0, backing: b.img, readonly: maybe }\n"),
		    21, "readonly");
	both_refuse(variant(21, "    - { node: n9, lun: 0, backing: b.img }\n"),
		    21, "not in nodes");
	/* and the network side's checks hold for xpan-iod as well */
	both_refuse(variant(8, "    ips: [10.10.0.1]\n"), 8, "prefix length");
	both_refuse(variant(7, "    vlan: green\n"), 7, "unknown vlan 'green'");
	both_refuse(variant(10, "  - name: n1\n"), 10, "duplicate node name 'n1'");
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xpan-iod's view of the config file and the LUN map built from it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	cr_assert_str_eq(c.target, IOD_DEFAULT_TARGET);
	cr_assert_str_eq(c.portal, IOD_DEFAULT_PORTAL);
	cr_assert_eq(c.nnodes, 2);
	cr_assert_eq(c.nodes[0].ninitiators, 2);
	cr_assert_str_eq(c.nodes[1].initiators[0], "iqn.2026-11.io.xpan:n2",
			 "default initiator name");
	cr_assert(c.nodes[1].has_chap);
	cr_assert_eq(c.nluns, 1);
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
	cr_assert_eq(c.session_buffer, 64ull << 20);
	cr_assert_eq(c.login_timeout_sec, 15);
	cr_assert_eq(c.max_connections, 1024);
	cr_assert_eq(c.max_connections_per_source, 64);
	iod_config_free(&c);
	/* no storage: section at all gives the same defaults */
	cr_assert_eq(iod_config_parse(&c, "x.yaml", "nodes: []\n", 10, err,
				      sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(c.session_buffer, 64ull << 20);
	cr_assert_eq(c.max_connections_per_source, 64);
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
	cr_assert_eq(c.session_buffer, 48ull << 20);
	cr_assert_eq(c.login_timeout_sec, 2);
	cr_assert_eq(c.max_connections, 2000);
	cr_assert_eq(c.max_connections_per_source, 1500);
	iod_config_free(&c);
	cr_assert_eq(parse_limits(&c, "  session_buffer: 33554432\n"), 0,
		     "%s", err);
	cr_assert_eq(c.session_buffer, 32ull << 20, "plain bytes");
	iod_config_free(&c);
	cr_assert_eq(parse_limits(&c, "  session_buffer: 1GiB\n"), 0, "%s",
		     err);
	cr_assert_eq(c.session_buffer, 1ull << 30);
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

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The control socket's verbs, run without a socket. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iodaemon/ctl.h"
#include "iodaemon/session.h"

static char dir[64];
static struct iod_config cfg;
static struct lun_map map;
static struct iod_server srv;
static char *body;
static size_t blen;
static char err[512];

static void mkfile(const char *name, long size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(ftruncate(fileno(f), size), 0);
	fclose(f);
}

static void setup(void)
{
	static const char *fmt =
		"nodes:\n  - name: n1\n  - name: n2\n"
		"storage:\n  pool: [%s]\n  luns:\n"
		"    - { node: n1, lun: 0, backing: a.img, size: 1M }\n"
		"    - { node: n2, lun: 5, backing: a.img, offset: 1M }\n";
	char doc[512];

	strcpy(dir, "/tmp/iodctl.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	mkfile("a.img", 4 << 20);
	snprintf(doc, sizeof(doc), fmt, dir);
	cr_assert_eq(iod_config_parse(&cfg, "t.yaml", doc, strlen(doc), err,
				      sizeof(err)), 0, "%s", err);
	cr_assert_eq(lun_map_build(&map, &cfg, err, sizeof(err)), 0, "%s", err);
	memset(&srv, 0, sizeof(srv));
	srv.cfg = &cfg;
	srv.map = &map;
}

static void teardown(void)
{
	char cmd[128];

	free(body);
	body = NULL;
	lun_map_free(&map);
	iod_config_free(&cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(ctl, .init = setup, .fini = teardown);

static int exec(const char *line)
{
	FILE *f;
	int ret;

	free(body);
	body = NULL;
	f = open_memstream(&body, &blen);
	cr_assert_not_null(f);
	ret = iod_ctl_exec(&srv, line, f, err, sizeof(err));
	fclose(f);
	return ret;
}

Test(ctl, luns_and_stats)
{
	cr_assert_eq(exec("storage luns -j"), 0);
	cr_assert(strstr(body, "\"node\":\"n2\",\"lun\":5"), "%s", body);
	cr_assert(strstr(body, "\"offset\":1048576,\"size\":3145728"), "%s",
		  body);
	map.luns[1].stats.ops = 7;
	map.luns[1].stats.reads = 7;
	map.luns[1].stats.bytes = 3584;
	cr_assert_eq(exec("storage stats -j"), 0);
	cr_assert(strstr(body, "{\"node\":\"n2\",\"ops\":7,\"bytes\":3584,\"reads\":7"),
		  "%s", body);
	cr_assert_eq(exec("stats"), 0, "the storage prefix is optional");
	cr_assert(strstr(body, "NODE"), "text table");
}

Test(ctl, pool_and_rescan)
{
	cr_assert_eq(exec("storage pool -j"), 0);
	cr_assert(strstr(body, "\"state\":\"assigned\",\"luns\":2"), "%s", body);
	mkfile("b.img", 1 << 20);
	cr_assert_eq(exec("storage rescan"), 0);
	cr_assert(strstr(body, "added "), "%s", body);
	cr_assert(strstr(body, "1 change"), "%s", body);
	cr_assert_eq(exec("storage pool"), 0);
	cr_assert(strstr(body, "free"), "%s", body);
}

Test(ctl, move)
{
	cr_assert_eq(exec("storage move n2 iqn.2026-11.io.xpan:spare"), 0, "%s",
		     err);
	cr_assert_str_eq(lun_map_node_by_initiator(&map,
						   "iqn.2026-11.io.xpan:spare")->name,
			 "n2");
	cr_assert_null(lun_map_node_by_initiator(&map, "iqn.2026-11.io.xpan:n2"));
	cr_assert_eq(exec("storage move n2"), -1);
	cr_assert(strstr(err, "usage"), "%s", err);
	cr_assert_eq(exec("storage move n9 iqn.2026-11.io.xpan:x"), -1);
	cr_assert_eq(exec("storage frobnicate"), -1);
	cr_assert(strstr(err, "unknown request"), "%s", err);
	cr_assert_eq(exec(""), -1);
}

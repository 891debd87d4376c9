/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fixture shared by the login and connection harnesses: a private
 * directory under /tmp holding a small backing file, and the config and
 * LUN map xpan-iod would build from it. Built once per fuzzing process
 * (libFuzzer calls the harness millions of times) and removed at exit.
 */
#ifndef XPAN_FUZZ_FIXTURE_H
#define XPAN_FUZZ_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iod_config.h"
#include "log.h"
#include "lun_map.h"
#include "fuzz_check.h"

/* Target and initiators the seeds use (fuzz/seeds.py writes them). */
#define FZ_TARGET	"iqn.2026-11.io.xpan:storage"
/* 1 MiB: big enough for LUN windows at an offset, small enough that a
 * write of the whole LUN stays quick. */
#define FZ_DISK_SIZE	(1u << 20)

struct fz_fixture {
	char dir[64];
	char disk[96];
	struct iod_config cfg;
	struct lun_map map;
};

static struct fz_fixture fz_fx;

static inline void fz_fixture_cleanup(void)
{
	lun_map_free(&fz_fx.map);
	iod_config_free(&fz_fx.cfg);
	unlink(fz_fx.disk);
	rmdir(fz_fx.dir);
}

static inline void fz_die(const char *what, const char *why)
{
	fprintf(stderr, "fuzz fixture: %s: %s\n", what, why);
	exit(1);
}

/*
 * Node n1: default initiator name, LUN 0 (first half of the disk) and
 * LUN 3 (read-only, second half). Node n2: CHAP, LUN 0 shared with n1's.
 * Node n3: no LUNs at all.
 */
static inline struct lun_map *fz_fixture_init(void)
{
	char yaml[1024], err[512];
	int fd, n;

	/* FUZZ_VERBOSE=1 shows the daemon's log while checking a seed */
	xpan_log_set_level(getenv("FUZZ_VERBOSE") ? XPAN_LOG_DEBUG :
						     XPAN_LOG_WARN);
	snprintf(fz_fx.dir, sizeof(fz_fx.dir), "/tmp/xpan-fuzz-XXXXXX");
	if (!mkdtemp(fz_fx.dir))
		fz_die("mkdtemp", strerror(errno));
	snprintf(fz_fx.disk, sizeof(fz_fx.disk), "%s/disk.img", fz_fx.dir);
	fd = open(fz_fx.disk, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, FZ_DISK_SIZE))
		fz_die(fz_fx.disk, strerror(errno));
	close(fd);
	n = snprintf(yaml, sizeof(yaml),
		     "nodes:\n"
		     "  - { name: n1 }\n"
		     "  - name: n2\n"
		     "    chap: { user: n2, secret: \"twelve-chars\" }\n"
		     "  - { name: n3 }\n"
		     "storage:\n"
		     "  target: " FZ_TARGET "\n"
		     "  pool: [%s]\n"
		     "  luns:\n"
		     "    - { node: n1, lun: 0, backing: disk.img, offset: 0, size: 512K, shared: true }\n"
		     "    - { node: n1, lun: 3, backing: disk.img, offset: 512K, readonly: true }\n"
		     "    - { node: n2, lun: 0, backing: disk.img, offset: 0, size: 512K, shared: true }\n",
		     fz_fx.dir);
	if (iod_config_parse(&fz_fx.cfg, "fuzz.yaml", yaml, n, err,
			     sizeof(err)))
		fz_die("config", err);
	if (lun_map_build(&fz_fx.map, &fz_fx.cfg, err, sizeof(err)))
		fz_die("lun map", err);
	atexit(fz_fixture_cleanup);
	return &fz_fx.map;
}

#endif

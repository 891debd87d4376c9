// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One platform, one daemon: two xpan-ctrld with different state dirs on
 * one pin directory would reconcile the same maps against each other.
 * The lock is an flock on a directory inside the pin dir,
 * <bpffs>/ctrld_lock (bpffs holds no regular files and no names with a
 * dot), held for the daemon's lifetime. Not the pin dir itself: the
 * dataplane loader takes a blocking flock on that while it loads, which
 * would then wait forever.
 * `xpan unload` removes the lock directory with the pins.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ctrld.h"
#include "dataplane.h"

#define PINLOCK_NAME XPAN_DP_CTRLD_LOCK

/*
 * The pid holding an flock on the inode (from /proc/locks), 0 when not
 * found: the lock directory cannot hold a pid file, bpffs has no files.
 */
static int lock_holder(int fd)
{
	char line[256];
	struct stat st;
	int pid = 0;
	FILE *f;

	if (fstat(fd, &st))
		return 0;
	f = fopen("/proc/locks", "re");
	if (!f)
		return 0;
	while (!pid && fgets(line, sizeof(line), f)) {
		unsigned int maj, min;
		unsigned long long ino;
		int p;

		/* "1: FLOCK  ADVISORY  WRITE 1234 00:1f:5678 0 EOF" */
		if (sscanf(line, "%*d: FLOCK %*s %*s %d %x:%x:%llu", &p, &maj,
			   &min, &ino) == 4 &&
		    ino == (unsigned long long)st.st_ino &&
		    makedev(maj, min) == st.st_dev)
			pid = p;
	}
	fclose(f);
	return pid;
}

int pinlock_take(const char *bpffs, char *err, size_t errlen)
{
	char path[PATH_MAX], who[32] = "";
	int fd, pid;

	if (snprintf(path, sizeof(path), "%s/%s", bpffs, PINLOCK_NAME) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "platform.bpffs %s: path too long", bpffs);
		return -1;
	}
	if (mkdir(path, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create lock directory %s: %s",
			 path, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open lock directory %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	if (errno != EWOULDBLOCK) {
		snprintf(err, errlen, "cannot lock %s: %s", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	pid = lock_holder(fd);
	if (pid)
		snprintf(who, sizeof(who), " (pid %d)", pid);
	snprintf(err, errlen,
		 "another xpan-ctrld%s already runs the platform pinned under %s (it holds the lock %s); one platform takes one daemon: stop it first, or give this config another platform.bpffs",
		 who, bpffs, path);
	close(fd);
	return -1;
}

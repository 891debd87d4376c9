// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Load, pin and unload the port programs (contract in dataplane.h);
 * attaching them to ports is in dp_attach.c.
 *
 * The pins are the dataplane: a struct xpan_dp only holds fds opened from
 * them, so any number of processes (xpan, xpan-ctrld) can work on the same
 * dataplane, and a crash at any point leaves pins that the next open
 * completes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "bpf/xpan_shared.h"
#include "dataplane.h"
#include "dp_internal.h"
#include "log.h"
#include "port_tc.skel.h"
#include "port_xdp.skel.h"

struct pin_map {
	const char *name;
	size_t off;
};

static const struct pin_map pin_maps[] = {
	{ XPAN_MAP_PORTS, offsetof(struct xpan_dp_maps, ports) },
	{ XPAN_MAP_MACS, offsetof(struct xpan_dp_maps, macs) },
	{ XPAN_MAP_BINDINGS, offsetof(struct xpan_dp_maps, bindings) },
	{ XPAN_MAP_VLANS, offsetof(struct xpan_dp_maps, vlans) },
	{ XPAN_MAP_FLOOD, offsetof(struct xpan_dp_maps, flood) },
	{ XPAN_MAP_LEARNED, offsetof(struct xpan_dp_maps, learned) },
	{ XPAN_MAP_GUARD, offsetof(struct xpan_dp_maps, guard) },
	{ XPAN_MAP_PORT_RT, offsetof(struct xpan_dp_maps, port_rt) },
	{ XPAN_MAP_COUNTERS, offsetof(struct xpan_dp_maps, counters) },
	{ XPAN_MAP_STORAGE, offsetof(struct xpan_dp_maps, storage) },
	{ XPAN_MAP_STORAGE_ADDRS, offsetof(struct xpan_dp_maps, storage_addrs) },
};
#define N_PIN_MAPS (sizeof(pin_maps) / sizeof(pin_maps[0]))

static int *map_fd_slot(struct xpan_dp_maps *m, size_t i)
{
	return (int *)((char *)m + pin_maps[i].off);
}

bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static bool under_bpffs_root(const char *path)
{
	size_t n = strlen(BPFFS_ROOT);

	return !strncmp(path, BPFFS_ROOT, n) &&
	       (path[n] == '/' || path[n] == '\0');
}

int xpan_dp_prepare_bpffs(const char *bpffs)
{
	int err;

	if (under_bpffs_root(bpffs) && !is_bpffs(BPFFS_ROOT)) {
		if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700")) {
			err = -errno;
			pr_warn("cannot mount bpffs on %s: %s - mount it by hand: mount -t bpf bpf %s\n",
				BPFFS_ROOT, strerror(-err), BPFFS_ROOT);
			return err;
		}
		pr_info("mounted bpffs on %s\n", BPFFS_ROOT);
	}
	err = mkdir_p(bpffs, 0700);
	if (err) {
		pr_warn("cannot create %s: %s\n", bpffs, strerror(-err));
		return err;
	}
	if (!is_bpffs(bpffs)) {
		pr_warn("%s is not on a bpf filesystem - pick a directory under %s or mount one: mount -t bpf bpf DIR\n",
			bpffs, BPFFS_ROOT);
		return -EINVAL;
	}
	return 0;
}

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* fd of a pinned object, or -errno (-ENOENT when the pin is missing). */
int get_pinned(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	err = pin_path(path, sizeof(path), dir, name);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		if (err != -ENOENT)
			pr_warn("cannot open %s: %s\n", path, strerror(-err));
		return err;
	}
	return fd;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void dp_close_fds(struct xpan_dp *dp)
{
	if (dp->port_rt)
		munmap(dp->port_rt, dp->port_rt_len);
	dp->port_rt = NULL;
	for (size_t i = 0; i < N_PIN_MAPS; i++)
		close_fd(map_fd_slot(&dp->maps, i));
	close_fd(&dp->prog_tc);
	close_fd(&dp->prog_xdp);
	close_fd(&dp->prog_egress);
	close_fd(&dp->prog_storage);
}

static struct xpan_dp *dp_alloc(const char *bpffs)
{
	struct xpan_dp *dp = calloc(1, sizeof(*dp));

	if (!dp)
		return NULL;
	snprintf(dp->bpffs, sizeof(dp->bpffs), "%s", bpffs);
	for (size_t i = 0; i < N_PIN_MAPS; i++)
		*map_fd_slot(&dp->maps, i) = -1;
	dp->prog_tc = dp->prog_xdp = dp->prog_egress = dp->prog_storage = -1;
	return dp;
}

/*
 * Opens every pin that exists. Returns how many of the maps and programs
 * are missing (0 = complete), or -errno on a real error.
 */
int dp_open_pins(struct xpan_dp *dp, int *missing_maps)
{
	struct {
		const char *name;
		int *fd;
	} progs[] = {
		{ PIN_PROG_TC, &dp->prog_tc },
		{ PIN_PROG_XDP, &dp->prog_xdp },
		{ PIN_PROG_EGRESS, &dp->prog_egress },
		{ PIN_PROG_STORAGE, &dp->prog_storage },
	};
	int missing = 0, fd;

	*missing_maps = 0;
	for (size_t i = 0; i < N_PIN_MAPS; i++) {
		fd = get_pinned(dp->bpffs, pin_maps[i].name);
		if (fd == -ENOENT) {
			pr_debug("%s/%s: not pinned\n", dp->bpffs, pin_maps[i].name);
			(*missing_maps)++;
			missing++;
			continue;
		}
		if (fd < 0)
			return fd;
		*map_fd_slot(&dp->maps, i) = fd;
	}
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		fd = get_pinned(dp->bpffs, progs[i].name);
		if (fd == -ENOENT) {
			pr_debug("%s/%s: not pinned\n", dp->bpffs, progs[i].name);
			missing++;
			continue;
		}
		if (fd < 0)
			return fd;
		*progs[i].fd = fd;
	}
	return missing;
}

/*
 * Pins fd as dir/name, replacing an existing pin atomically (pin under a
 * temporary name, then rename over), so a reader never sees the name
 * missing.
 */
static int pin_replace(int fd, const char *dir, const char *name)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int err;

	err = pin_path(path, sizeof(path), dir, name);
	if (err)
		return err;
	if (snprintf(tmp, sizeof(tmp), "%s/tmp_%s_%d", dir, name, getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp);
	if (bpf_obj_pin(fd, tmp)) {
		err = -errno;
		pr_warn("cannot pin %s: %s\n", tmp, strerror(-err));
		return err;
	}
	if (rename(tmp, path)) {
		err = -errno;
		pr_warn("cannot rename %s to %s: %s\n", tmp, path, strerror(-err));
		unlink(tmp);
		return err;
	}
	return 0;
}

/* The likely fix for a load error. */
static const char *load_hint(int err)
{
	switch (err) {
	case -EACCES:
		return " - the verifier rejected it; run with -vv for its log";
	case -E2BIG:
		return " - too complex for the verifier; run with -vv for its log";
	case -EINVAL:
		return " - if the pinned maps are from another xpan version, run 'xpan unload' and load again";
	case -EPERM:
		return " - run as root (needs CAP_BPF and CAP_NET_ADMIN)";
	default:
		return "";
	}
}

/*
 * Points the object's pinned-by-name maps at the pins that exist, checking
 * their layout ourselves: libbpf 1.1's own reuse check compares map_flags
 * exactly, and the kernel adds BPF_F_RDONLY_PROG to every devmap, so
 * xpan_flood would never be reused. Maps without a pin are left to libbpf,
 * which creates and pins them.
 */
static int reuse_pinned_maps(struct bpf_object *obj, const char *bpffs)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info), flags;
		const char *name = bpf_map__name(map);
		int fd, err = 0;

		if (!bpf_map__pin_path(map))
			continue;
		fd = get_pinned(bpffs, name);
		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return fd;
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			err = -errno;
			goto out_close;
		}
		flags = info.map_flags;
		if (info.type == BPF_MAP_TYPE_DEVMAP ||
		    info.type == BPF_MAP_TYPE_DEVMAP_HASH)
			flags &= ~BPF_F_RDONLY_PROG;
		if (info.type != bpf_map__type(map) ||
		    info.key_size != bpf_map__key_size(map) ||
		    info.value_size != bpf_map__value_size(map) ||
		    info.max_entries != bpf_map__max_entries(map) ||
		    flags != bpf_map__map_flags(map)) {
			pr_warn("%s/%s has another layout than this xpan's %s (type %u/%u, key %u/%u, value %u/%u, entries %u/%u) - run 'xpan unload' to drop the old dataplane, then load again\n",
				bpffs, name, name, info.type, bpf_map__type(map),
				info.key_size, bpf_map__key_size(map),
				info.value_size, bpf_map__value_size(map),
				info.max_entries, bpf_map__max_entries(map));
			err = -EINVAL;
			goto out_close;
		}
		err = bpf_map__reuse_fd(map, fd);
		if (!err)
			err = bpf_map__set_pin_path(map, NULL);
out_close:
		close(fd);
		if (err)
			return err;
	}
	return 0;
}

static int load_tc(const char *bpffs)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = bpffs);
	struct xpan_port_tc *skel;
	int err;

	skel = xpan_port_tc__open_opts(&opts);
	if (!skel) {
		err = -errno;
		pr_warn("cannot open the TC programs: %s\n", strerror(-err));
		return err;
	}
	err = reuse_pinned_maps(skel->obj, bpffs);
	if (err)
		goto out_destroy;
	err = xpan_port_tc__load(skel);
	if (err) {
		pr_warn("cannot load the TC programs (maps under %s): %s%s\n",
			bpffs, strerror(-err), load_hint(err));
		goto out_destroy;
	}
	/* The storage program first: a pinned prog_port_tc of this build
	 * implies prog_storage_tc is there too. */
	err = pin_replace(bpf_program__fd(skel->progs.xpan_storage_in), bpffs,
			  PIN_PROG_STORAGE);
	if (!err)
		err = pin_replace(bpf_program__fd(skel->progs.xpan_port_in),
				  bpffs, PIN_PROG_TC);
out_destroy:
	xpan_port_tc__destroy(skel);
	return err;
}

static int load_xdp(const char *bpffs)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = bpffs);
	struct xpan_port_xdp *skel;
	int err;

	skel = xpan_port_xdp__open_opts(&opts);
	if (!skel) {
		err = -errno;
		pr_warn("cannot open the XDP port program: %s\n", strerror(-err));
		return err;
	}
	err = reuse_pinned_maps(skel->obj, bpffs);
	if (err)
		goto out_destroy;
	err = xpan_port_xdp__load(skel);
	if (err) {
		pr_warn("cannot load the XDP port program (maps under %s): %s%s\n",
			bpffs, strerror(-err), load_hint(err));
		goto out_destroy;
	}
	/* The egress filter first: a pinned prog_port_xdp implies its
	 * companion is there too. */
	err = pin_replace(bpf_program__fd(skel->progs.xpan_flood_egress), bpffs,
			  PIN_PROG_EGRESS);
	if (!err)
		err = pin_replace(bpf_program__fd(skel->progs.xpan_port_in),
				  bpffs, PIN_PROG_XDP);
out_destroy:
	xpan_port_xdp__destroy(skel);
	return err;
}

/*
 * Loads what is missing. A missing map means the programs present were
 * built against maps that are gone, so then both objects are reloaded;
 * otherwise only the objects whose program pins are missing.
 */
int dp_create(struct xpan_dp *dp, int missing_maps)
{
	int err;

	if (missing_maps || dp->prog_tc < 0 || dp->prog_storage < 0) {
		pr_info("loading %s/%s and %s\n", dp->bpffs, PIN_PROG_TC,
			PIN_PROG_STORAGE);
		err = load_tc(dp->bpffs);
		if (err)
			return err;
	}
	if (missing_maps || dp->prog_xdp < 0 || dp->prog_egress < 0) {
		pr_info("loading %s/%s and %s\n", dp->bpffs, PIN_PROG_XDP,
			PIN_PROG_EGRESS);
		err = load_xdp(dp->bpffs);
		if (err)
			return err;
	}
	return 0;
}

/* Whether the missing pins are exactly those the storage network added. */
static bool only_storage_missing(const struct xpan_dp *dp, int missing)
{
	return missing == (dp->maps.storage < 0) +
			  (dp->maps.storage_addrs < 0) +
			  (dp->prog_storage < 0);
}

/* Serialises loaders (xpan and xpan-ctrld starting together). */
static int lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int xpan_dp_open(const char *bpffs, bool create, struct xpan_dp **out)
{
	struct xpan_dp *dp;
	int missing, missing_maps, lock_fd = -1, err;

	*out = NULL;
	dp = dp_alloc(bpffs);
	if (!dp)
		return -ENOMEM;
	missing = dp_open_pins(dp, &missing_maps);
	if (missing < 0) {
		err = missing;
		goto out_free;
	}
	if (missing == 0 && !dp_old_layout(dp))
		goto done;
	if (!create) {
		/* Complete, or pins of a build before the storage network:
		 * usable as they are; the next load upgrades them. */
		if (missing == 0 || only_storage_missing(dp, missing))
			goto done;
		err = -ENOENT;
		goto out_free;
	}

	err = xpan_dp_prepare_bpffs(bpffs);
	if (err)
		goto out_free;
	lock_fd = lock_dir(bpffs);
	if (lock_fd < 0) {
		err = lock_fd;
		pr_warn("cannot lock %s: %s\n", bpffs, strerror(-err));
		goto out_free;
	}
	/* Another loader may have finished while we waited for the lock. */
	dp_close_fds(dp);
	missing = dp_open_pins(dp, &missing_maps);
	if (missing >= 0 && dp_old_layout(dp)) {
		err = dp_migrate(dp);
		if (err)
			goto out_unlock;
		dp_close_fds(dp);
		missing = dp_open_pins(dp, &missing_maps);
	}
	if (missing > 0) {
		err = dp_create(dp, missing_maps);
		if (err)
			goto out_unlock;
		dp_close_fds(dp);
		missing = dp_open_pins(dp, &missing_maps);
	}
	if (missing) {
		err = missing < 0 ? missing : -ENOENT;
		if (missing > 0)
			pr_warn("%s: pins still missing after loading\n", bpffs);
		goto out_unlock;
	}
	close(lock_fd);
done:
	*out = dp;
	return 0;

out_unlock:
	close(lock_fd);
out_free:
	dp_close_fds(dp);
	free(dp);
	return err;
}

struct xpan_port_rt *xpan_dp_port_rt(struct xpan_dp *dp)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len;
	void *p;

	if (dp->port_rt)
		return dp->port_rt;
	len = (size_t)XPAN_MAX_PORTS * sizeof(struct xpan_port_rt);
	len = (len + (size_t)page - 1) / (size_t)page * (size_t)page;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 dp->maps.port_rt, 0);
	if (p == MAP_FAILED) {
		pr_warn("cannot map %s/%s: %s - was it created without BPF_F_MMAPABLE? run 'xpan unload' and load again\n",
			dp->bpffs, XPAN_MAP_PORT_RT, strerror(errno));
		return NULL;
	}
	dp->port_rt = p;
	dp->port_rt_len = len;
	return dp->port_rt;
}

void xpan_dp_close(struct xpan_dp *dp)
{
	if (!dp)
		return;
	dp_close_fds(dp);
	free(dp);
}

const struct xpan_dp_maps *xpan_dp_maps(const struct xpan_dp *dp)
{
	return &dp->maps;
}

/* ---- unload ---- */

static bool is_our_pin(const char *name)
{
	return !strncmp(name, "xpan_", 5) || !strncmp(name, "prog_", 5) ||
	       !strncmp(name, "tmp_", 4);
}

static int unlink_pins(const char *bpffs)
{
	struct dirent *de;
	char path[PATH_MAX];
	int err = 0;
	DIR *d;

	d = opendir(bpffs);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!is_our_pin(de->d_name))
			continue;
		if (pin_path(path, sizeof(path), bpffs, de->d_name))
			continue;
		if (unlink(path) && errno != ENOENT) {
			err = -errno;
			pr_warn("cannot remove %s: %s\n", path, strerror(-err));
		}
	}
	closedir(d);
	if (!pin_path(path, sizeof(path), bpffs, XPAN_DP_CTRLD_LOCK) &&
	    rmdir(path) && errno != ENOENT)
		pr_warn("cannot remove %s: %s\n", path, strerror(errno));
	if (!pin_path(path, sizeof(path), bpffs, DP_UPGRADE_MARK) &&
	    rmdir(path) && errno != ENOENT)
		pr_warn("cannot remove %s: %s\n", path, strerror(errno));
	if (rmdir(bpffs) && errno != ENOENT) {
		if (!err)
			err = -errno;
		pr_warn("cannot remove %s: %s - it holds files xpan did not create; remove them by hand\n",
			bpffs, strerror(errno));
	}
	return err;
}

int xpan_dp_delete_storage_port(int ifindex)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *l = rtnl_link_alloc();
	char name[IF_NAMESIZE] = "?";
	int rc = -ENOMEM;

	if_indextoname((unsigned int)ifindex, name);
	if (sk && l && !(rc = nl_connect(sk, NETLINK_ROUTE))) {
		rtnl_link_set_ifindex(l, ifindex);
		rc = rtnl_link_delete(sk, l);
	}
	if (l)
		rtnl_link_put(l);
	if (sk)
		nl_socket_free(sk);
	if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND)
		return 0;
	if (rc) {
		pr_warn("cannot remove the storage port %s (ifindex %d): %s; remove it with 'ip link del %s'\n",
			name, ifindex, nl_geterror(rc), name);
		return -EIO;
	}
	pr_info("removed the storage port %s and its peer\n", name);
	return 0;
}

int xpan_dp_unload_all(const char *bpffs, bool all)
{
	struct if_nameindex *ifs, *i;
	int ports_fd, flood_fd, storage_fd, err = 0, e;
	__u32 key, next, *prev = NULL, map_id, counters_id = 0;
	struct xpan_storage_net sn;

	ports_fd = get_pinned(bpffs, XPAN_MAP_PORTS);
	if (ports_fd == -EPERM || ports_fd == -EACCES) {
		pr_warn("run as root: unload needs CAP_BPF and CAP_NET_ADMIN\n");
		return ports_fd;
	}
	flood_fd = get_pinned(bpffs, XPAN_MAP_FLOOD);
	map_id = all ? 0 : xpan_dp_map_id(ports_fd);
	/* xpan_storage_in uses no xpan_ports: its instance is told by the
	 * xpan_counters it shares with the port programs. */
	if (!all) {
		int fd = get_pinned(bpffs, XPAN_MAP_COUNTERS);

		counters_id = xpan_dp_map_id(fd);
		close_fd(&fd);
	}

	/* The storage port named in xpan_storage (the scan below finds it
	 * too, when it runs). */
	storage_fd = get_pinned(bpffs, XPAN_MAP_STORAGE);
	key = 0;
	if (storage_fd >= 0 && !bpf_map_lookup_elem(storage_fd, &key, &sn) &&
	    sn.ifindex && if_indextoname(sn.ifindex, (char[IF_NAMESIZE]){}) &&
	    (counters_id || all)) {
		e = detach_storage((int)sn.ifindex, counters_id);
		if (e && !err)
			err = e;
		/* ctrld made the pair; without the dataplane it carries
		 * nothing, so it goes with it (both ends at once). */
		e = xpan_dp_delete_storage_port((int)sn.ifindex);
		if (e && !err)
			err = e;
	}
	close_fd(&storage_fd);

	/* The map's ports, then every interface of this netns: a port that
	 * lost its map entry (ctrld stopped mid-change) is still found. */
	if (ports_fd >= 0) {
		while (!bpf_map_get_next_key(ports_fd, prev, &next)) {
			key = next;
			prev = &key;
			if (!if_indextoname(key, (char[IF_NAMESIZE]){}))
				continue;
			e = detach_port(flood_fd, key, map_id);
			if (e && !err)
				err = e;
		}
	}
	/* Without our xpan_ports nothing tells our programs from another
	 * instance's, so the scan needs it (or all). */
	ifs = map_id || all ? if_nameindex() : NULL;
	if (ifs) {
		for (i = ifs; i->if_index; i++) {
			e = detach_port(flood_fd, i->if_index, map_id);
			if (e && !err)
				err = e;
			if (!counters_id && !all)
				continue;
			e = detach_storage(i->if_index, counters_id);
			if (e && !err)
				err = e;
		}
		if_freenameindex(ifs);
	} else if (map_id || all) {
		pr_warn("cannot list interfaces: %s\n", strerror(errno));
	} else {
		pr_info("%s/%s is not pinned: programs of this dataplane that are still attached cannot be told from other instances' - 'xpan unload --all' removes every xpan_port_in\n",
			bpffs, XPAN_MAP_PORTS);
	}
	close_fd(&ports_fd);
	close_fd(&flood_fd);

	e = unlink_pins(bpffs);
	rmdir_libxdp_state();
	return err ? err : e;
}

int xpan_dp_unload(const char *bpffs)
{
	return xpan_dp_unload_all(bpffs, false);
}

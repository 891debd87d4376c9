// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "maps_read.h"

int xpan_open_pinned_map(const char *bpffs, const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", bpffs, name);
	fd = bpf_obj_get(path);
	if (fd >= 0)
		return fd;
	err = -errno;
	if (err == -ENOENT)
		pr_warn("cannot open %s: %s - is the dataplane loaded? run 'xpan load' or start xpan-ctrld (or pass --bpffs DIR)\n",
			path, strerror(-err));
	else if (err == -EPERM || err == -EACCES)
		pr_warn("cannot open %s: %s - run as root (needs CAP_BPF)\n",
			path, strerror(-err));
	else
		pr_warn("cannot open %s: %s\n", path, strerror(-err));
	return err;
}

static int cmp_port(const void *a, const void *b)
{
	const struct port_entry *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

/*
 * Value size of the map as the kernel has it. Value structs may grow at
 * the end (bpf/xpan_shared.h), so a pinned map can be larger or smaller
 * than this build's struct: copy what both know, zero the rest.
 */
static int map_value_size(int fd, __u32 *size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*size = info.value_size;
	return 0;
}

int xpan_read_ports(int fd, struct port_entry **out)
{
	struct port_entry *v = NULL, *nv;
	size_t n = 0, cap = 0;
	__u32 key, next, *prev = NULL, vsize = 0;
	void *buf;
	int err;

	err = map_value_size(fd, &vsize);
	if (err)
		return err;
	buf = calloc(1, vsize);
	if (!buf)
		return -ENOMEM;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				free(buf);
				return -ENOMEM;
			}
			v = nv;
		}
		/* An entry deleted between the two calls is skipped. */
		if (bpf_map_lookup_elem(fd, &key, buf))
			continue;
		memset(&v[n].port, 0, sizeof(v[n].port));
		memcpy(&v[n].port, buf, vsize < sizeof(v[n].port) ? vsize :
				sizeof(v[n].port));
		v[n].ifindex = key;
		n++;
	}
	free(buf);
	if (n)
		qsort(v, n, sizeof(*v), cmp_port);
	*out = v;
	return (int)n;
}

int xpan_read_counters(int fd, __u32 slot, struct xpan_port_counters *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t stride, common;
	__u32 vsize = 0;
	char *percpu;
	int err;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	err = map_value_size(fd, &vsize);
	if (err)
		return err;
	/* The kernel lays per-CPU values out 8-byte aligned. */
	stride = ((size_t)vsize + 7) & ~(size_t)7;
	common = vsize < sizeof(*sum) ? vsize : sizeof(*sum);
	percpu = calloc(ncpu, stride);
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &slot, percpu)) {
		err = -errno;
		goto out_free;
	}
	for (int c = 0; c < ncpu; c++) {
		struct xpan_port_counters v = { 0 };

		memcpy(&v, percpu + (size_t)c * stride, common);
		for (int k = 0; k < XPAN_CNT_SLOTS; k++)
			sum->v[k] += v.v[k];
	}
out_free:
	free(percpu);
	return err;
}

void xpan_fmt_mac(const __u8 *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

int xpan_read_entries(int fd, size_t ksz, size_t vsz, void **keys,
		      void **vals)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char *k = NULL, *v = NULL, *prev = NULL, *next, *buf;
	size_t n = 0, cap = 0, common;
	int err = 0;

	*keys = *vals = NULL;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.key_size != ksz)
		return -EINVAL;
	common = info.value_size < vsz ? info.value_size : vsz;
	next = malloc(ksz);
	buf = malloc(info.value_size);
	if (!next || !buf) {
		err = -ENOMEM;
		goto out_free;
	}
	/* A key deleted under us restarts the walk from the first key: the
	 * cap keeps a map under heavy churn from looping forever. */
	for (size_t steps = 0; steps <= 2 * (size_t)info.max_entries &&
			       !bpf_map_get_next_key(fd, prev, next); steps++) {
		if (n == cap) {
			char *nk, *nv;

			cap = cap ? cap * 2 : 16;
			nk = realloc(k, cap * ksz);
			if (nk)
				k = nk;
			nv = nk ? realloc(v, cap * vsz) : NULL;
			if (!nv) {
				err = -ENOMEM;
				goto out_free;
			}
			v = nv;
		}
		memcpy(k + n * ksz, next, ksz);
		prev = k + n * ksz;
		/* An entry deleted between the two calls is skipped. */
		if (bpf_map_lookup_elem(fd, next, buf))
			continue;
		memset(v + n * vsz, 0, vsz);
		memcpy(v + n * vsz, buf, common);
		n++;
	}
	*keys = k;
	*vals = v;
	k = v = NULL;
out_free:
	free(k);
	free(v);
	free(next);
	free(buf);
	return err ? err : (int)n;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "xb_util.h"

static int home_ns = -1;

int xb_enter_netns(const char *name)
{
	char path[256];
	int fd, err = 0;

	if (!name || !*name)
		return 0;
	if (home_ns < 0) {
		home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (home_ns < 0)
			return -errno;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_warn("netns %s: %s (create it with `ip netns add %s`)\n",
			name, strerror(errno), name);
		return err;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = -errno;
		pr_warn("setns %s: %s\n", name, strerror(errno));
	}
	close(fd);
	return err;
}

int xb_leave_netns(void)
{
	if (home_ns < 0)
		return 0;
	return setns(home_ns, CLONE_NEWNET) ? -errno : 0;
}

unsigned int xb_ifindex(const char *name)
{
	unsigned int idx = if_nametoindex(name);

	if (!idx)
		pr_warn("interface %s: %s (is it in this namespace?)\n", name,
			strerror(errno));
	return idx;
}

int xb_parse_mac(const char *s, __u8 mac[6])
{
	unsigned int b[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = b[i];
	}
	return 0;
}

int xb_parse_ip4(const char *s, __be32 *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = a.s_addr;
	return 0;
}

static __u16 ip_csum(const __u8 *p, size_t len)
{
	__u32 sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

void xb_build_frame(__u8 *buf, const __u8 smac[6], const __u8 dmac[6],
		    __be32 sip, __be32 dip)
{
	__u8 *ip = buf + 14, *udp = ip + 20;
	__u16 ip_len = XB_FRAME_LEN - 14, udp_len = ip_len - 20, csum;

	memset(buf, 0, XB_FRAME_LEN);
	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	buf[12] = 0x08;
	buf[13] = 0x00;
	ip[0] = 0x45;
	ip[2] = ip_len >> 8;
	ip[3] = ip_len & 0xff;
	ip[8] = 64;
	ip[9] = 17;	/* UDP */
	memcpy(ip + 12, &sip, 4);
	memcpy(ip + 16, &dip, 4);
	csum = ip_csum(ip, 20);
	memcpy(ip + 10, &csum, 2);
	udp[0] = 0x23;	/* ports 9000 -> 9 (discard) */
	udp[1] = 0x28;
	udp[3] = 9;
	udp[4] = udp_len >> 8;
	udp[5] = udp_len & 0xff;
	/* UDP checksum 0: none, legal for IPv4. */
}

int xb_attach_xdp(unsigned int ifindex, int prog_fd)
{
	int err = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);

	if (err)
		pr_warn("attach XDP (native) to ifindex %u: %s\n", ifindex,
			strerror(-err));
	return err;
}

int xb_attach_tc(unsigned int ifindex, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pr_warn("clsact on ifindex %u: %s\n", ifindex, strerror(-err));
		return err;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		pr_warn("attach TC ingress to ifindex %u: %s\n", ifindex,
			strerror(-err));
	return err;
}

int xb_percpu_u64(int map_fd, __u32 key, size_t off, __u64 *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	size_t vsz;
	__u8 *vals;
	int err;

	if (ncpu < 0)
		return ncpu;
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	/* Per-CPU values are laid out at 8-byte aligned strides. */
	vsz = (info.value_size + 7) & ~7U;
	if (off + sizeof(__u64) > vsz)
		return -EINVAL;
	vals = calloc(ncpu, vsz);
	if (!vals)
		return -ENOMEM;
	err = bpf_map_lookup_elem(map_fd, &key, vals);
	if (err) {
		err = -errno;
		free(vals);
		return err;
	}
	*sum = 0;
	for (int i = 0; i < ncpu; i++) {
		__u64 v;

		memcpy(&v, vals + (size_t)i * vsz + off, sizeof(v));
		*sum += v;
	}
	free(vals);
	return 0;
}

double xb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* sum_exec_runtime in ns of a task, from /proc/<pid>/schedstat. */
static double task_runtime(int pid)
{
	char path[64];
	unsigned long long ns;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%llu", &ns);
	fclose(f);
	return n == 1 ? ns / 1e9 : -1;
}

static int ksoftirqd_pid(int cpu)
{
	char path[300], want[32], comm[32];
	static int cached_cpu = -1, cached_pid = -1;
	struct dirent *de;
	DIR *d;

	if (cpu == cached_cpu)
		return cached_pid;
	snprintf(want, sizeof(want), "ksoftirqd/%d\n", cpu);
	d = opendir("/proc");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, want)) {
			cached_pid = atoi(de->d_name);
			cached_cpu = cpu;
		}
		fclose(f);
		if (cached_cpu == cpu)
			break;
	}
	closedir(d);
	return cached_cpu == cpu ? cached_pid : -1;
}

double xb_path_cpu_time(int cpu)
{
	struct timespec ts;
	int pid = ksoftirqd_pid(cpu);
	double soft;

	if (pid < 0)
		return -1;
	soft = task_runtime(pid);
	if (soft < 0 || clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return -1;
	return ts.tv_sec + ts.tv_nsec / 1e9 + soft;
}

int xb_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		pr_warn("pin to CPU %d: %s\n", cpu, strerror(errno));
		return -errno;
	}
	return 0;
}

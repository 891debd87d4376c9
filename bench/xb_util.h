/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Helpers shared by the bench tools (build/bench/xb, build/bench/xb-dp):
 * entering a named network namespace, parsing addresses, building the
 * 64-byte test frame, attaching programs, summing per-CPU counters.
 */
#ifndef XB_UTIL_H
#define XB_UTIL_H

#include <stddef.h>
#include <linux/types.h>

#define XB_FRAME_LEN 64

/* Enter /run/netns/<name>; NULL or "" stays where we are. 0 or -errno. */
int xb_enter_netns(const char *name);
/* Back to the namespace the process started in. */
int xb_leave_netns(void);

/* ifindex of name in the current namespace, or 0 with a message. */
unsigned int xb_ifindex(const char *name);

int xb_parse_mac(const char *s, __u8 mac[6]);
int xb_parse_ip4(const char *s, __be32 *ip);

/* Ethernet + IPv4 + UDP frame of XB_FRAME_LEN bytes with valid checksum. */
void xb_build_frame(__u8 *buf, const __u8 smac[6], const __u8 dmac[6],
		    __be32 sip, __be32 dip);

/* Native-mode XDP and clsact-ingress TC attach; both replace. 0 or -errno. */
int xb_attach_xdp(unsigned int ifindex, int prog_fd);
int xb_attach_tc(unsigned int ifindex, int prog_fd);

/* Sum of a per-CPU __u64 slot at key 0 .. or -errno. */
int xb_percpu_u64(int map_fd, __u32 key, size_t off, __u64 *sum);

/* Monotonic seconds. */
double xb_now(void);

/*
 * CPU time (seconds) this thread plus ksoftirqd of cpu have run: all the
 * work of a live-frame run happens on the generator's CPU, in one or the
 * other. Scheduler runtime, not ticks; < 0 when it cannot be read.
 */
double xb_path_cpu_time(int cpu);

/* Pin to one CPU so generator and softirq share it run after run. */
int xb_pin_cpu(int cpu);

#endif

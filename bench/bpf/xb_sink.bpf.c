// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The rate benchmark's counter on the receiving node's eth0: counts and
 * drops. Being an XDP program, it also makes the veth accept redirected
 * frames, which it refuses when it has neither an XDP program nor GRO.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} xb_count SEC(".maps");

SEC("xdp")
int xb_sink(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&xb_count, &key);

	(void)ctx;
	if (n)
		*n += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

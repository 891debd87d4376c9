// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ceiling the port program is compared with: a one-line redirect of
 * every frame to a fixed port, no parsing and no lookups, at each hook.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

const volatile __u32 out_ifindex;

SEC("tc")
int xb_bare_tc(struct __sk_buff *skb)
{
	(void)skb;
	return bpf_redirect(out_ifindex, 0);
}

SEC("xdp")
int xb_bare_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_redirect(out_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

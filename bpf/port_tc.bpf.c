// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The port program built for TC (clsact ingress of a node's host-side port). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define XPAN_CTX_TC
#include "port_logic.h"

SEC("tc")
int xpan_port_in(struct __sk_buff *skb)
{
	return port_in(skb);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

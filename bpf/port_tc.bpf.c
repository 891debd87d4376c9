// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The TC programs: the port program (clsact ingress of a node's host-side
 * port) and the storage program (clsact ingress of the dataplane end of
 * the storage veth). One object, so both share one load and one set of
 * map references, and an upgrade that reloads the TC build brings both.
 */
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

SEC("tc")
int xpan_storage_in(struct __sk_buff *skb)
{
	return storage_in(skb);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

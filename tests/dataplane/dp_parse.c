// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The parsing helpers of bpf/parse.h, compiled for user space. Test runs
 * of both hooks refuse frames shorter than an Ethernet header (EINVAL, see
 * dp_cases.c), and no device delivers one to a program, so the truncation
 * checks for 0..13 bytes are exercised here, on the very same code.
 */
#include <stdbool.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <criterion/criterion.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#include "bpf/parse.h"
#include "dp_frames.h"

static const __u8 arp_req[] = {
	ETH_ARP(MAC_BCAST, MAC_P0), ARP(1, MAC_P0, IP_P0, MAC_ZERO, IP_P1),
};

Test(dp_parse, ethernet_truncated)
{
	struct ethhdr *eth = NULL;
	struct hdr_cursor c;
	__u8 buf[sizeof(arp_req)];
	size_t n;

	memcpy(buf, arp_req, sizeof(buf));
	for (n = 0; n < ETH_HLEN; n++) {
		c.pos = buf;
		cr_assert_eq(parse_ethhdr(&c, buf + n, &eth), -1,
			     "%zu-byte frame is truncated", n);
		cr_assert_eq(c.pos, (void *)buf, "cursor stays at %zu bytes",
			     n);
	}
	c.pos = buf;
	cr_assert_eq(parse_ethhdr(&c, buf + ETH_HLEN, &eth),
		     bpf_htons(ETH_P_ARP), "14 bytes parse as ARP EtherType");
	cr_assert_eq(c.pos, (void *)(buf + ETH_HLEN), "cursor after Ethernet");
}

Test(dp_parse, arp_truncated)
{
	struct arp_eth_ip4 *arp = NULL;
	struct hdr_cursor c;
	__u8 buf[sizeof(arp_req)];
	size_t n;

	memcpy(buf, arp_req, sizeof(buf));
	for (n = ETH_HLEN; n < sizeof(buf); n++) {
		c.pos = buf + ETH_HLEN;
		cr_assert_eq(parse_arp(&c, buf + n, &arp), -1,
			     "ARP cut at %zu bytes is truncated", n);
	}
	c.pos = buf + ETH_HLEN;
	cr_assert_eq(parse_arp(&c, buf + sizeof(buf), &arp), 0,
		     "whole ARP parses");
	cr_assert_eq(ip4_load(arp->tpa), bpf_htonl(0x0a0a0002),
		     "target IP read from the unaligned field");
}

Test(dp_parse, ipv4_options_length)
{
	__u8 ip[60] = { 0x46 };
	struct iphdr *iph = NULL;
	struct hdr_cursor c = { .pos = ip };

	cr_assert_eq(parse_iphdr(&c, ip + 23, &iph), -1,
		     "ihl 6 needs 24 bytes");
	c.pos = ip;
	cr_assert_neq(parse_iphdr(&c, ip + 24, &iph), -1, "ihl 6 in 24 bytes");
	cr_assert_eq(c.pos, (void *)(ip + 24), "cursor after the options");
}

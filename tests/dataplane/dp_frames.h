/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Byte-level building blocks for the test frames, so each frame in the
 * case table reads as its header fields. Addresses match dp_env.h.
 */
#ifndef DP_FRAMES_H
#define DP_FRAMES_H

#define MAC_P0		0x02, 0x00, 0x07, 0x00, 0x00, 0x01
#define MAC_P1		0x02, 0x00, 0x07, 0x00, 0x00, 0x02
#define MAC_P2		0x02, 0x00, 0x07, 0x00, 0x00, 0x03
#define MAC_P3		0x02, 0x00, 0x07, 0x00, 0x00, 0x04
#define MAC_UNKNOWN	0x02, 0x00, 0x07, 0x00, 0x00, 0x99	/* internal, unassigned */
#define MAC_EXTERNAL	0x00, 0x16, 0x3e, 0x11, 0x22, 0x33	/* vendor OUI */
#define MAC_BCAST	0xff, 0xff, 0xff, 0xff, 0xff, 0xff
#define MAC_V6_ALLNODES	0x33, 0x33, 0x00, 0x00, 0x00, 0x01
#define MAC_ZERO	0x00, 0x00, 0x00, 0x00, 0x00, 0x00

#define IP_P0		10, 10, 0, 1
#define IP_P1		10, 10, 0, 2
#define IP_P2		10, 20, 0, 3
#define IP_NEW		10, 10, 0, 50	/* in VLAN 10, not bound */
#define IP_NEW2		10, 10, 0, 51
#define IP_LEARN0	10, 10, 0, 100	/* dp_guard varies the last byte */
#define IP_UNKNOWN	10, 10, 0, 77
#define IP_ANY		0, 0, 0, 0
#define IP_BCAST10	10, 10, 0, 255
#define IP_BCAST20	10, 20, 0, 255
#define IP_BCAST	255, 255, 255, 255

#define ETH(dst, src, type_hi, type_lo)	dst, src, type_hi, type_lo
/* Spelled out: nesting ETH() would split the expanded MACs into arguments. */
#define ETH_IP4(dst, src)	dst, src, 0x08, 0x00
#define ETH_IP6(dst, src)	dst, src, 0x86, 0xdd
#define ETH_ARP(dst, src)	dst, src, 0x08, 0x06

/* IPv4 header, 20 bytes, UDP, total length 32 (header + UDP + 4 bytes). */
#define IP4_UDP(src, dst)						\
	0x45, 0x00, 0x00, 0x20, 0x12, 0x34, 0x40, 0x00,			\
	0x40, 0x11, 0x00, 0x00, src, dst
#define UDP_DPT		0x30, 0x39, 0x30, 0x39, 0x00, 0x0c, 0x00, 0x00,	\
			'd', 'p', 't', '!'

/* IPv6 header, 40 bytes, UDP payload of 12 bytes, src -> dst. */
#define IP6_UDP(src16, dst16)						\
	0x60, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x11, 0x40, src16, dst16
#define IP6_ALLNODES	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
#define IP6_P3		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04
/* Port 0's link-local address: EUI-64 of 02:00:07:00:00:01. */
#define IP6_LL_P0	0xfe, 0x80, 0, 0, 0, 0, 0, 0,			\
			0x00, 0x00, 0x07, 0xff, 0xfe, 0x00, 0x00, 0x01
/* Port 1's: what port 0 must not use. */
#define IP6_LL_P1	0xfe, 0x80, 0, 0, 0, 0, 0, 0,			\
			0x00, 0x00, 0x07, 0xff, 0xfe, 0x00, 0x00, 0x02
/* The EUI-64 of port 0's MAC without the u/l bit flipped. */
#define IP6_LL_P0_NOFLIP 0xfe, 0x80, 0, 0, 0, 0, 0, 0,			\
			0x02, 0x00, 0x07, 0xff, 0xfe, 0x00, 0x00, 0x01
#define IP6_ANY		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#define IP6_GLOBAL	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,		\
			0x00, 0x00, 0x07, 0xff, 0xfe, 0x00, 0x00, 0x01

/* ARP for Ethernet/IPv4; op 1 = request, 2 = reply. */
#define ARP(op, sha, spa, tha, tpa)					\
	0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, op, sha, spa, tha, tpa
/* Ethernet minimum: ARP frames are padded from 42 to 60 bytes. */
#define PAD18		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet-context layer: the few operations the port logic needs, spelled
 * once for XDP (struct xdp_md) and once for TC (struct __sk_buff), so that
 * port_logic.h is written once and compiled for both hooks. Define
 * XPAN_CTX_XDP or XPAN_CTX_TC before including this file.
 *
 * Flooding differs most between the hooks: XDP cannot clone a frame, so it
 * broadcasts through the xpan_flood devmap and filters each copy in a
 * devmap egress program; TC has no devmap broadcast (bpf_redirect_map is an
 * XDP-only helper), so it clones to each VLAN member with
 * bpf_clone_redirect. That is why this header needs the maps.
 */
#ifndef XPAN_CTX_H
#define XPAN_CTX_H

#include "xpan_maps.h"
#include "parse.h"

#if defined(XPAN_CTX_XDP) == defined(XPAN_CTX_TC)
#error "define exactly one of XPAN_CTX_XDP and XPAN_CTX_TC"
#endif

#ifdef XPAN_CTX_XDP

#define xpan_ctx	xdp_md
#define CTX_PASS	XDP_PASS
#define CTX_DROP	XDP_DROP

static __always_inline void *ctx_data(const struct xdp_md *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *ctx_data_end(const struct xdp_md *ctx)
{
	return (void *)(long)ctx->data_end;
}

/*
 * Whole frame, fragments included (xdp.frags programs). Always the helper:
 * nothing in xdp_md tells a multi-buffer frame apart, and the first buffer
 * of one can be short (a 64-byte head plus fragments is accepted by the
 * test run, and bpf_xdp_adjust_head can shrink a head), so skipping the
 * call below some head length miscounts rx_bytes (dp_frags proves it).
 */
static __always_inline __u32 ctx_len(struct xdp_md *ctx)
{
	return bpf_xdp_get_buff_len(ctx);
}

static __always_inline __u32 ctx_ingress_ifindex(const struct xdp_md *ctx)
{
	return ctx->ingress_ifindex;
}

/*
 * Headers always sit in the first buffer of an XDP frame (drivers and veth
 * put at least the first page there), so there is nothing to pull.
 */
static __always_inline void ctx_pull_headers(struct xdp_md *ctx)
{
	(void)ctx;
}

/*
 * A tag is still in the frame at XDP (veth and NICs without rx VLAN
 * offload; with offload the tag is only in the descriptor), so the port
 * logic's EtherType check sees it.
 */
static __always_inline bool ctx_vlan_offloaded(const struct xdp_md *ctx)
{
	(void)ctx;
	return false;
}

static __always_inline int ctx_redirect(struct xdp_md *ctx, __u32 ifindex)
{
	(void)ctx;
	return bpf_redirect(ifindex, 0);
}

/*
 * Not XDP_TX: on veth, an XDP_TX frame for a peer that has GRO but no XDP
 * program is queued without a NAPI kick (veth_xdp_flush checks the peer's
 * xdp_prog), so an ARP reply waits for the node's next incoming frame. A
 * redirect to the ingress port goes through ndo_xdp_xmit, which flushes.
 */
static __always_inline int ctx_tx_back(struct xdp_md *ctx)
{
	return bpf_redirect(ctx->ingress_ifindex, 0);
}

/*
 * One redirect to every xpan_flood entry but the ingress port; the egress
 * program xpan_flood_egress drops the copies that leave the VLAN. Nothing
 * can fail here synchronously, so *failed stays 0.
 */
static __always_inline int ctx_flood(struct xdp_md *ctx, __u16 vlan,
				     __u32 ingress, __u32 *failed)
{
	(void)ctx;
	(void)vlan;
	(void)ingress;
	*failed = 0;
	return bpf_redirect_map(&xpan_flood, 0,
				BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
}

#else /* XPAN_CTX_TC */

/* From linux/pkt_cls.h, which vmlinux.h does not carry (they are macros). */
#ifndef TC_ACT_OK
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define TC_ACT_STOLEN	4
#define TC_ACT_REDIRECT	7
#endif

#define xpan_ctx	__sk_buff
#define CTX_PASS	TC_ACT_OK
#define CTX_DROP	TC_ACT_SHOT

/*
 * The barrier keeps clang from reusing a ctx+offset address computed on
 * another path (around bpf_skb_pull_data): the verifier only accepts
 * context loads at constant offsets from the unmodified pointer.
 */
static __always_inline void *ctx_data(struct __sk_buff *ctx)
{
	asm volatile("" : "+r"(ctx));
	return (void *)(long)ctx->data;
}

static __always_inline void *ctx_data_end(struct __sk_buff *ctx)
{
	asm volatile("" : "+r"(ctx));
	return (void *)(long)ctx->data_end;
}

static __always_inline __u32 ctx_len(struct __sk_buff *ctx)
{
	return ctx->len;
}

/* At TC ingress skb->ifindex is the device the frame arrived on. */
static __always_inline __u32 ctx_ingress_ifindex(const struct __sk_buff *ctx)
{
	return ctx->ifindex;
}

/*
 * Direct packet access only sees the linear head of an skb. Pull the
 * headers the port logic reads into it when they straddle the head, and
 * no more: a pull past them copies the rest of a cloned skb's head
 * (every TCP data segment is one) for nothing. Costs a few compares when
 * the head holds them (the common case).
 */
static __always_inline void ctx_pull_headers(struct __sk_buff *ctx)
{
	__u32 head = ctx->data_end - ctx->data;
	__u32 want = hdr_len_wanted(ctx_data(ctx), ctx_data_end(ctx));

	if (head >= want || head >= ctx->len)
		return;
	bpf_skb_pull_data(ctx, want < ctx->len ? want : ctx->len);
}

/*
 * The stack strips an 802.1Q/802.1ad tag into skb metadata before TC
 * ingress runs (skb_vlan_untag), so a tagged frame looks untagged here.
 */
static __always_inline bool ctx_vlan_offloaded(const struct __sk_buff *ctx)
{
	return ctx->vlan_present;
}

static __always_inline int ctx_redirect(struct __sk_buff *ctx, __u32 ifindex)
{
	(void)ctx;
	return bpf_redirect(ifindex, 0);
}

static __always_inline int ctx_tx_back(struct __sk_buff *ctx)
{
	return bpf_redirect(ctx->ifindex, 0);
}

/*
 * Clone to each member of the VLAN but the ingress port. A global (not
 * inlined) function: the verifier checks it once instead of once per call
 * site, where the 64-member loop multiplied by each caller's state was
 * beyond the verifier's budget. Returns the number of failed clones.
 */
__noinline int xpan_tc_clone_to_vlan(struct __sk_buff *ctx, __u32 vlan,
				     __u32 ingress)
{
	__u32 key = vlan, i, n, ifindex, nfail = 0;
	struct xpan_vlan *v;

	v = bpf_map_lookup_elem(&xpan_vlans, &key);
	if (!v)
		return 0;
	n = v->count;
	for (i = 0; i < XPAN_VLAN_MAX_MEMBERS; i++) {
		if (i >= n)
			break;
		ifindex = v->ifindex[i];
		if (ifindex == ingress || !ifindex)
			continue;
		/* Branch-free count: a negative errno has the sign bit. */
		nfail += (__u64)bpf_clone_redirect(ctx, ifindex, 0) >> 63;
	}
	return nfail;
}

/*
 * Flood by cloning, then consume the original: TC_ACT_STOLEN frees it
 * without counting a drop anywhere (the frame was delivered, as copies).
 * A VLAN without an xpan_vlans entry has no members.
 */
static __always_inline int ctx_flood(struct __sk_buff *ctx, __u16 vlan,
				     __u32 ingress, __u32 *failed)
{
	*failed = xpan_tc_clone_to_vlan(ctx, vlan, ingress);
	return TC_ACT_STOLEN;
}

#endif /* XPAN_CTX_TC */

#endif /* XPAN_CTX_H */

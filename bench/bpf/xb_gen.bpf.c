// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Traffic generator for live-frame runs (BPF_F_TEST_XDP_LIVE_FRAMES).
 * Live frames recycle their pages without re-initialising them, so every
 * frame is rewritten from the template here: whatever a port program
 * changed in the previous use of a page must not leak into the next frame.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define XB_FRAME_WORDS 8	/* 64-byte template, copied as 8 words */

const volatile __u32 out_ifindex;
const volatile __u64 tmpl[XB_FRAME_WORDS];

SEC("xdp")
int xb_gen(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	__u64 *w = (void *)(long)ctx->data;

	if ((void *)(w + XB_FRAME_WORDS) > data_end)
		return XDP_ABORTED;
#pragma unroll
	for (int i = 0; i < XB_FRAME_WORDS; i++)
		w[i] = tmpl[i];
	return bpf_redirect(out_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

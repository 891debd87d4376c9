// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Login and text key=value handling: iscsi_text_parse() over a data
 * segment, then a whole login conversation through iscsi_login_step()
 * (security stage, CHAP, operational negotiation, the access decision
 * against a LUN map), then every pair again through
 * iscsi_negotiate_key() as a Text request in full feature phase would.
 *
 * Input: a sequence of records, each [flags byte][length, 2 bytes BE]
 * [length bytes of key=value data]; flags is the Login Request's byte 1
 * (T, C, CSG, NSG). A length past the end takes what is left.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_fixture.h"
#include "login.h"
#include "pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lun_map *map;

static void check_pairs(const uint8_t *buf, size_t len,
			const struct iscsi_kv *kv, int n)
{
	const char *b = (const char *)buf;
	int i;

	for (i = 0; i < n; i++) {
		FZ_CHECK(kv[i].key >= b && kv[i].key < b + len);
		FZ_CHECK(kv[i].key_len > 0 &&
			 kv[i].key_len <= ISCSI_TEXT_KEY_MAX);
		FZ_CHECK(kv[i].val == kv[i].key + kv[i].key_len + 1);
		FZ_CHECK(kv[i].val_len <= ISCSI_TEXT_VALUE_MAX);
		FZ_CHECK(kv[i].val + kv[i].val_len <= b + len);
		FZ_CHECK(kv[i].key[kv[i].key_len] == '=');
		FZ_CHECK(!memchr(kv[i].key, '\0', kv[i].key_len));
	}
}

static void check_out(const struct iscsi_text_out *o)
{
	FZ_CHECK(o->len <= o->cap);
	/* every pair in the output is NUL terminated */
	FZ_CHECK(!o->len || o->buf[o->len - 1] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iscsi_kv kv[ISCSI_TEXT_MAX_PAIRS];
	struct iscsi_login lg;
	struct iscsi_params p;
	uint8_t out_buf[8192];
	size_t pos = 0;
	int ret = 0, n, i, steps = 0;

	if (!map)
		map = fz_fixture_init();
	iscsi_login_init(&lg, map, 1);
	iscsi_params_default(&p);
	while (pos + 3 <= size && steps++ < 16) {
		struct iscsi_text_out out = { .buf = out_buf,
					      .cap = sizeof(out_buf) };
		uint8_t flags = data[pos], rflags = 0;
		size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
		uint8_t *seg;

		pos += 3;
		if (len > size - pos)
			len = size - pos;
		/* exact-size copy so ASan catches reads past the segment */
		seg = malloc(len ? len : 1);
		if (!seg)
			return 0;
		memcpy(seg, data + pos, len);
		pos += len;

		n = iscsi_text_parse(seg, len, kv, ISCSI_TEXT_MAX_PAIRS);
		FZ_CHECK(n >= 0 || n == -EPROTO || n == -E2BIG);
		if (n > 0) {
			check_pairs(seg, len, kv, n);
			for (i = 0; i < n; i++) {
				struct iscsi_text_out t = {
					.buf = out_buf, .cap = sizeof(out_buf)
				};

				iscsi_negotiate_key(&p, &kv[i], &t);
				check_out(&t);
			}
		}
		if (ret == 0) {
			ret = iscsi_login_step(&lg, flags, seg, len, &out,
					       &rflags);
			FZ_CHECK(ret >= -1 && ret <= 1);
			check_out(&out);
			FZ_CHECK(strnlen(lg.why, sizeof(lg.why)) <
				 sizeof(lg.why));
			FZ_CHECK(strnlen(lg.initiator, sizeof(lg.initiator)) <
				 sizeof(lg.initiator));
			if (ret == 1) {
				/* full feature phase only for a known node */
				FZ_CHECK(lg.node != NULL);
				FZ_CHECK(lg.params.max_recv_dsl >= 512);
				FZ_CHECK(lg.params.max_xmit_dsl >= 512);
			}
		}
		free(seg);
	}
	return 0;
}

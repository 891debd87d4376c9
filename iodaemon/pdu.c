// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pdu.h"

static uint32_t crc32c_table[256];
static bool crc32c_ready;

static void crc32c_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc32c_table[i] = c;
	}
	crc32c_ready = true;
}

uint32_t iscsi_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!crc32c_ready)
		crc32c_init();
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

uint32_t iscsi_digest(const void *buf, size_t len)
{
	return ~iscsi_crc32c(~0u, buf, len);
}

/* Digests go on the wire little-endian (RFC 7143 11.1 / 13.1). */
static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

long iscsi_pdu_size(const uint8_t *buf, size_t len, bool hdr_digest,
		    bool data_digest, uint32_t max_data)
{
	uint32_t ahs, dsl;
	long total;

	if (len < ISCSI_BHS_LEN)
		return 0;
	ahs = (uint32_t)buf[4] * 4;
	dsl = get_be24(buf + 5);
	if (dsl > max_data)
		return -EMSGSIZE;
	total = ISCSI_BHS_LEN + ahs;
	if (hdr_digest)
		total += ISCSI_DIGEST_LEN;
	if (dsl) {
		total += iscsi_pad4(dsl);
		if (data_digest)
			total += ISCSI_DIGEST_LEN;
	}
	return total;
}

long iscsi_pdu_parse(const uint8_t *buf, size_t len, bool hdr_digest,
		     bool data_digest, uint32_t max_data, struct iscsi_pdu *out)
{
	long total = iscsi_pdu_size(buf, len, hdr_digest, data_digest,
				    max_data);
	size_t hlen, off;

	if (total <= 0)
		return total;
	if ((size_t)total > len)
		return 0;
	memset(out, 0, sizeof(*out));
	out->bhs = buf;
	out->opcode = buf[0] & 0x3f;
	out->immediate = buf[0] & ISCSI_OP_IMMEDIATE;
	out->flags = buf[1];
	out->ahs_len = (uint32_t)buf[4] * 4;
	out->data_len = get_be24(buf + 5);
	out->lun = get_be64(buf + 8);
	out->itt = get_be32(buf + 16);
	out->f20 = get_be32(buf + 20);
	out->cmdsn = get_be32(buf + 24);
	out->expstatsn = get_be32(buf + 28);
	out->total_len = total;
	hlen = ISCSI_BHS_LEN + out->ahs_len;
	if (out->ahs_len) {
		uint32_t alen;

		out->ahs = buf + ISCSI_BHS_LEN;
		/* Each AHS is length(2) type(1) specific(1) + data, padded:
		 * a length that runs past the header segment is malformed. */
		for (off = 0; off < out->ahs_len;) {
			if (out->ahs_len - off < 4)
				return -EPROTO;
			alen = get_be16(out->ahs + off);
			off += iscsi_pad4(alen + 3);
			if (off > out->ahs_len)
				return -EPROTO;
		}
	}
	if (hdr_digest) {
		if (get_le32(buf + hlen) != iscsi_digest(buf, hlen))
			return -EBADMSG;
		hlen += ISCSI_DIGEST_LEN;
	}
	if (out->data_len) {
		out->data = buf + hlen;
		if (data_digest &&
		    get_le32(buf + hlen + iscsi_pad4(out->data_len)) !=
			    iscsi_digest(out->data, iscsi_pad4(out->data_len)))
			return -EBADMSG;
	}
	return total;
}

void iscsi_bhs_init(uint8_t *bhs, uint8_t opcode, uint8_t flags,
		    uint32_t data_len)
{
	memset(bhs, 0, ISCSI_BHS_LEN);
	bhs[0] = opcode;
	bhs[1] = flags;
	put_be24(bhs + 5, data_len);
}

int iscsi_text_parse(const uint8_t *buf, size_t len, struct iscsi_kv *kv,
		     size_t max)
{
	size_t pos = 0, n = 0;

	while (pos < len) {
		const char *s = (const char *)buf + pos;
		const char *end = memchr(s, '\0', len - pos);
		size_t slen = end ? (size_t)(end - s) : len - pos;
		const char *eq;

		if (slen == 0) {
			/* padding NULs after the last pair */
			pos++;
			continue;
		}
		eq = memchr(s, '=', slen);
		if (!eq || eq == s || (size_t)(eq - s) > ISCSI_TEXT_KEY_MAX)
			return -EPROTO;
		if (slen - (eq - s) - 1 > ISCSI_TEXT_VALUE_MAX)
			return -EPROTO;
		if (n >= max)
			return -E2BIG;
		kv[n].key = s;
		kv[n].key_len = eq - s;
		kv[n].val = eq + 1;
		kv[n].val_len = slen - (eq - s) - 1;
		n++;
		pos += slen + 1;
	}
	return n;
}

bool iscsi_kv_is(const struct iscsi_kv *kv, const char *key)
{
	size_t l = strlen(key);

	return kv->key_len == l && !memcmp(kv->key, key, l);
}

int iscsi_text_find_dup(const struct iscsi_kv *kv, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = 0; j < i; j++)
			if (kv[i].key_len == kv[j].key_len &&
			    !memcmp(kv[i].key, kv[j].key, kv[i].key_len))
				return i;
	return -1;
}

void iscsi_text_add(struct iscsi_text_out *t, const char *key,
		    const char *fmt, ...)
{
	va_list ap;
	int n, m;

	if (t->overflow)
		return;
	n = snprintf((char *)t->buf + t->len, t->cap - t->len, "%s=", key);
	if (n < 0 || (size_t)n >= t->cap - t->len)
		goto overflow;
	va_start(ap, fmt);
	m = vsnprintf((char *)t->buf + t->len + n, t->cap - t->len - n, fmt,
		      ap);
	va_end(ap);
	if (m < 0 || (size_t)(n + m) >= t->cap - t->len)
		goto overflow;
	t->len += n + m + 1;	/* keep the NUL */
	return;
overflow:
	t->overflow = true;
}

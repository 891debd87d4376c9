// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * PDU framing: iscsi_pdu_size() and iscsi_pdu_parse() over a byte stream,
 * the way iscsi_conn_input() walks its receive buffer. The first input
 * byte picks the digests and the MaxRecvDataSegmentLength in force; the
 * rest is the stream, copied into a buffer of its exact size so ASan sees
 * any read past it. Besides memory errors the harness checks the
 * contract pdu.h states: a parsed PDU lies inside the buffer, its AHS and
 * data segment inside the PDU, and the size both functions agree on.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "pdu.h"

static const uint32_t max_data_choice[4] = { 8192, 262144, 512,
					     ISCSI_MAX_DSL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool hd, dd;
	uint32_t max;
	uint8_t *buf;
	size_t pos = 0, len;

	if (size < 1)
		return 0;
	hd = data[0] & 1;
	dd = data[0] & 2;
	max = max_data_choice[(data[0] >> 2) & 3];
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);

	while (pos < len) {
		struct iscsi_pdu pdu;
		long sz, n;

		sz = iscsi_pdu_size(buf + pos, len - pos, hd, dd, max);
		n = iscsi_pdu_parse(buf + pos, len - pos, hd, dd, max, &pdu);
		if (len - pos < ISCSI_BHS_LEN) {
			FZ_CHECK(sz == 0 && n == 0);
			break;
		}
		FZ_CHECK(sz != 0);
		if (sz < 0) {
			FZ_CHECK(sz == -EMSGSIZE && n == sz);
			break;
		}
		FZ_CHECK(sz >= ISCSI_BHS_LEN);
		if (n == 0) {
			/* incomplete: only when the PDU really is longer */
			FZ_CHECK((size_t)sz > len - pos);
			break;
		}
		if (n < 0) {
			FZ_CHECK(n == -EPROTO || n == -EBADMSG);
			break;
		}
		FZ_CHECK(n == sz && (size_t)n <= len - pos);
		FZ_CHECK(pdu.bhs == buf + pos);
		FZ_CHECK(pdu.total_len == (size_t)n);
		FZ_CHECK(pdu.data_len <= max);
		FZ_CHECK(pdu.opcode == (buf[pos] & 0x3f));
		if (pdu.ahs_len)
			FZ_CHECK(pdu.ahs == buf + pos + ISCSI_BHS_LEN &&
				 pdu.ahs + pdu.ahs_len <= buf + pos + n);
		if (pdu.data_len) {
			FZ_CHECK(pdu.data > pdu.bhs &&
				 pdu.data + iscsi_pad4(pdu.data_len) +
						 (dd ? ISCSI_DIGEST_LEN : 0) <=
					 buf + pos + n);
			/* touch every byte a handler may read */
			volatile uint8_t x = 0;

			for (uint32_t i = 0; i < pdu.data_len; i++)
				x ^= pdu.data[i];
			(void)x;
		} else {
			FZ_CHECK(pdu.data == NULL);
		}
		pos += n;
	}
	free(buf);
	return 0;
}

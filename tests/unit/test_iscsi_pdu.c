// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* iSCSI PDU framing and text keys: the parser the fuzzer will drive. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "iodaemon/pdu.h"

static uint8_t buf[1024];

static void bhs(uint8_t op, uint8_t ahs_words, uint32_t dsl)
{
	memset(buf, 0, sizeof(buf));
	buf[0] = op;
	buf[1] = 0x81;
	buf[4] = ahs_words;
	put_be24(buf + 5, dsl);
	put_be64(buf + 8, 0x0001000000000000ull);
	put_be32(buf + 16, 0xdeadbeef);
	put_be32(buf + 20, 4096);
	put_be32(buf + 24, 7);
	put_be32(buf + 28, 9);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

Test(pdu, bhs_fields)
{
	struct iscsi_pdu p;

	bhs(ISCSI_OP_SCSI_CMD | ISCSI_OP_IMMEDIATE, 0, 0);
	cr_assert_eq(iscsi_pdu_parse(buf, 48, false, false, 8192, &p), 48);
	cr_assert_eq(p.opcode, ISCSI_OP_SCSI_CMD);
	cr_assert(p.immediate);
	cr_assert_eq(p.flags, 0x81);
	cr_assert_eq(p.lun, 0x0001000000000000ull);
	cr_assert_eq(p.itt, 0xdeadbeef);
	cr_assert_eq(p.f20, 4096);
	cr_assert_eq(p.cmdsn, 7);
	cr_assert_eq(p.expstatsn, 9);
	cr_assert_null(p.data);
}

Test(pdu, incomplete)
{
	struct iscsi_pdu p;

	bhs(ISCSI_OP_SCSI_CMD, 0, 100);
	cr_assert_eq(iscsi_pdu_parse(buf, 47, false, false, 8192, &p), 0);
	cr_assert_eq(iscsi_pdu_parse(buf, 48, false, false, 8192, &p), 0);
	cr_assert_eq(iscsi_pdu_parse(buf, 147, false, false, 8192, &p), 0,
		     "one data byte still missing");
	cr_assert_eq(iscsi_pdu_size(buf, 48, false, false, 8192), 148);
	cr_assert_eq(iscsi_pdu_parse(buf, 148, false, false, 8192, &p), 148);
	cr_assert_eq(iscsi_pdu_size(buf, 48, true, true, 8192), 156,
		     "two digests");
}

Test(pdu, data_padding)
{
	struct iscsi_pdu p;

	bhs(ISCSI_OP_TEXT_REQ, 0, 5);
	memcpy(buf + 48, "a=bcd", 5);
	cr_assert_eq(iscsi_pdu_size(buf, 48, false, false, 8192), 56);
	cr_assert_eq(iscsi_pdu_parse(buf, 55, false, false, 8192, &p), 0);
	cr_assert_eq(iscsi_pdu_parse(buf, 56, false, false, 8192, &p), 56);
	cr_assert_eq(p.data_len, 5);
	cr_assert_eq(p.data, buf + 48);
}

Test(pdu, too_big)
{
	struct iscsi_pdu p;

	bhs(ISCSI_OP_DATA_OUT, 0, 8193);
	cr_assert_eq(iscsi_pdu_parse(buf, sizeof(buf), false, false, 8192, &p),
		     -EMSGSIZE);
}

Test(pdu, ahs)
{
	struct iscsi_pdu p;

	/* one AHS: length 5 (type + 4 bytes... padded to 8) + 4 header */
	bhs(ISCSI_OP_SCSI_CMD, 3, 0);
	put_be16(buf + 48, 9);
	buf[50] = 1;		/* extended CDB */
	cr_assert_eq(iscsi_pdu_parse(buf, 60, false, false, 8192, &p), 60);
	cr_assert_eq(p.ahs_len, 12);
	cr_assert_eq(p.ahs, buf + 48);
	/* an AHS claiming more than the header segment holds */
	put_be16(buf + 48, 40);
	cr_assert_eq(iscsi_pdu_parse(buf, 60, false, false, 8192, &p),
		     -EPROTO);
}

Test(pdu, crc32c)
{
	/* the standard check value of CRC-32C */
	cr_assert_eq(iscsi_digest("123456789", 9), 0xe3069283u);
}

Test(pdu, digests)
{
	struct iscsi_pdu p;

	bhs(ISCSI_OP_NOP_OUT, 0, 4);
	put_le32(buf + 48, iscsi_digest(buf, 48));
	memcpy(buf + 52, "ping", 4);
	put_le32(buf + 56, iscsi_digest(buf + 52, 4));
	cr_assert_eq(iscsi_pdu_parse(buf, 60, true, true, 8192, &p), 60);
	cr_assert_eq(p.data, buf + 52);
	buf[57] ^= 1;
	cr_assert_eq(iscsi_pdu_parse(buf, 60, true, true, 8192, &p), -EBADMSG);
	buf[57] ^= 1;
	buf[20] ^= 1;
	cr_assert_eq(iscsi_pdu_parse(buf, 60, true, true, 8192, &p), -EBADMSG);
}

Test(text, pairs)
{
	static const char t[] = "InitiatorName=iqn.x\0SessionType=Normal\0E=\0";
	struct iscsi_kv kv[8];

	cr_assert_eq(iscsi_text_parse((const uint8_t *)t, sizeof(t) - 1, kv,
				      8), 3);
	cr_assert(iscsi_kv_is(&kv[0], "InitiatorName"));
	cr_assert_eq(kv[0].val_len, 5);
	cr_assert(!memcmp(kv[0].val, "iqn.x", 5));
	cr_assert(iscsi_kv_is(&kv[1], "SessionType"));
	cr_assert_not(iscsi_kv_is(&kv[1], "Session"));
	cr_assert_eq(kv[2].val_len, 0, "empty value");
}

Test(text, unterminated_last_and_padding)
{
	static const char t[] = "A=1\0B=2";
	static const char u[] = "A=1\0\0\0\0";
	struct iscsi_kv kv[8];

	cr_assert_eq(iscsi_text_parse((const uint8_t *)t, 7, kv, 8), 2);
	cr_assert_eq(kv[1].val_len, 1);
	cr_assert_eq(iscsi_text_parse((const uint8_t *)u, 7, kv, 8), 1);
}

Test(text, malformed)
{
	struct iscsi_kv kv[2];
	char longkey[80];

	cr_assert_eq(iscsi_text_parse((const uint8_t *)"novalue\0", 8, kv, 2),
		     -EPROTO);
	cr_assert_eq(iscsi_text_parse((const uint8_t *)"=x\0", 3, kv, 2),
		     -EPROTO);
	memset(longkey, 'k', sizeof(longkey));
	longkey[70] = '=';
	cr_assert_eq(iscsi_text_parse((const uint8_t *)longkey, 72, kv, 2),
		     -EPROTO);
	cr_assert_eq(iscsi_text_parse((const uint8_t *)"a=1\0b=2\0c=3\0", 12,
				      kv, 2),
		     -E2BIG);
}

Test(text, output)
{
	uint8_t b[16];
	struct iscsi_text_out o = { .buf = b, .cap = sizeof(b) };

	iscsi_text_add(&o, "Key", "%d", 42);
	cr_assert_eq(o.len, 7);
	cr_assert(!memcmp(b, "Key=42\0", 7));
	iscsi_text_add(&o, "Longer", "%s", "value");
	cr_assert(o.overflow, "does not fit 16 bytes");
	cr_assert_eq(o.len, 7);
}

Test(pdu, serial_numbers)
{
	cr_assert(sn_lt(1, 2));
	cr_assert_not(sn_lt(2, 1));
	cr_assert(sn_lt(0xfffffff0u, 5), "wraps");
	cr_assert_not(sn_lt(5, 5));
}

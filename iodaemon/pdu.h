/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * iSCSI PDU framing (RFC 7143 section 11): the 48-byte basic header
 * segment, additional header segments, the padded data segment and the
 * optional CRC32C digests, plus the text key=value lists carried by login
 * and text PDUs. Everything here is a pure function over a buffer so it
 * can be unit tested and fuzzed without a socket.
 */
#ifndef XPAN_IOD_PDU_H
#define XPAN_IOD_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISCSI_BHS_LEN		48
#define ISCSI_DIGEST_LEN	4
/* Bigger data segments are refused before any allocation. */
#define ISCSI_MAX_DSL		(1u << 24)

/* Initiator opcodes */
#define ISCSI_OP_NOP_OUT	0x00
#define ISCSI_OP_SCSI_CMD	0x01
#define ISCSI_OP_TMF_REQ	0x02
#define ISCSI_OP_LOGIN_REQ	0x03
#define ISCSI_OP_TEXT_REQ	0x04
#define ISCSI_OP_DATA_OUT	0x05
#define ISCSI_OP_LOGOUT_REQ	0x06
#define ISCSI_OP_SNACK		0x10
/* Target opcodes */
#define ISCSI_OP_NOP_IN		0x20
#define ISCSI_OP_SCSI_RSP	0x21
#define ISCSI_OP_TMF_RSP	0x22
#define ISCSI_OP_LOGIN_RSP	0x23
#define ISCSI_OP_TEXT_RSP	0x24
#define ISCSI_OP_DATA_IN	0x25
#define ISCSI_OP_LOGOUT_RSP	0x26
#define ISCSI_OP_R2T		0x31
#define ISCSI_OP_ASYNC		0x32
#define ISCSI_OP_REJECT		0x3f

#define ISCSI_OP_IMMEDIATE	0x40
#define ISCSI_FLAG_FINAL	0x80
#define ISCSI_FLAG_CONTINUE	0x40	/* text / login */
/* SCSI command byte 1 */
#define ISCSI_CMD_READ		0x40
#define ISCSI_CMD_WRITE		0x20
#define ISCSI_CMD_ATTR_MASK	0x07
/* Data-In byte 1 */
#define ISCSI_DATAIN_ACK	0x40
#define ISCSI_DATAIN_OVERFLOW	0x04
#define ISCSI_DATAIN_UNDERFLOW	0x02
#define ISCSI_DATAIN_STATUS	0x01
/* Login byte 1 */
#define ISCSI_LOGIN_TRANSIT	0x80
#define ISCSI_LOGIN_CONTINUE	0x40
#define ISCSI_LOGIN_CSG(b)	(((b) >> 2) & 3)
#define ISCSI_LOGIN_NSG(b)	((b) & 3)
#define ISCSI_STAGE_SECURITY	0
#define ISCSI_STAGE_OPERATIONAL	1
#define ISCSI_STAGE_FULL	3

/* Reject reasons (RFC 7143 11.17.1) */
#define ISCSI_REJECT_DIGEST	0x02
#define ISCSI_REJECT_SNACK	0x03
#define ISCSI_REJECT_PROTOCOL	0x04
#define ISCSI_REJECT_CMD_NOT_SUPPORTED 0x05
#define ISCSI_REJECT_IMM_CMD	0x06
#define ISCSI_REJECT_TASK_IN_PROGRESS 0x07
#define ISCSI_REJECT_INVALID_DATA_ACK 0x08
#define ISCSI_REJECT_INVALID_FIELD 0x09
#define ISCSI_REJECT_LONG_OP	0x0a
#define ISCSI_REJECT_NEGOTIATION 0x0b

#define ISCSI_RSVD_TAG		0xffffffffu

/* A parsed PDU: pointers into the caller's buffer plus decoded fields. */
struct iscsi_pdu {
	const uint8_t *bhs;
	const uint8_t *ahs;
	const uint8_t *data;
	uint8_t opcode;		/* without the immediate bit */
	bool immediate;
	uint8_t flags;		/* byte 1 */
	uint32_t ahs_len;	/* bytes */
	uint32_t data_len;	/* DataSegmentLength, without padding */
	uint64_t lun;		/* bytes 8..15 as a big-endian number */
	uint32_t itt;		/* bytes 16..19 */
	uint32_t f20;		/* bytes 20..23: TTT / ExpDataXferLen / ... */
	uint32_t cmdsn;		/* bytes 24..27 (StatSN for responses) */
	uint32_t expstatsn;	/* bytes 28..31 */
	size_t total_len;	/* bytes the PDU occupies in the stream */
};

/* Returns the bytes the PDU starting at buf needs in total (header,
 * padding, digests included) once at least the BHS is available, 0 when
 * fewer than 48 bytes are there, -EMSGSIZE when its data segment is larger
 * than max_data. */
long iscsi_pdu_size(const uint8_t *buf, size_t len, bool hdr_digest,
		    bool data_digest, uint32_t max_data);

/*
 * Parses one PDU from buf. Returns the number of bytes it occupies (> 0),
 * 0 when buf does not hold the whole PDU yet, or a negative errno:
 * -EMSGSIZE data segment larger than max_data, -EBADMSG digest mismatch,
 * -EPROTO malformed (e.g. AHS length beyond the PDU).
 */
long iscsi_pdu_parse(const uint8_t *buf, size_t len, bool hdr_digest,
		     bool data_digest, uint32_t max_data,
		     struct iscsi_pdu *out);

/* Data segment padding to a 4-byte boundary. */
static inline uint32_t iscsi_pad4(uint32_t n)
{
	return (n + 3) & ~3u;
}

uint32_t iscsi_crc32c(uint32_t crc, const void *buf, size_t len);
/* The digest value as RFC 7143 defines it (final complement included). */
uint32_t iscsi_digest(const void *buf, size_t len);

static inline uint32_t get_be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static inline uint32_t get_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static inline void put_be16(uint8_t *p, uint32_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void put_be24(uint8_t *p, uint32_t v)
{
	p[0] = v >> 16;
	p[1] = v >> 8;
	p[2] = v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, v);
}

/* Serial number arithmetic (RFC 1982, 32 bits): a < b. */
static inline bool sn_lt(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(a - b) < 0;
}

/* Fills a zeroed BHS with opcode, flags and data segment length. */
void iscsi_bhs_init(uint8_t *bhs, uint8_t opcode, uint8_t flags,
		    uint32_t data_len);

/*
 * Text keys: "key=value" strings, each terminated by NUL. Keys are at
 * most 63 bytes; values at most ISCSI_TEXT_VALUE_MAX bytes.
 */
#define ISCSI_TEXT_KEY_MAX	63
#define ISCSI_TEXT_VALUE_MAX	8192
#define ISCSI_TEXT_MAX_PAIRS	64

struct iscsi_kv {
	const char *key;
	size_t key_len;
	const char *val;
	size_t val_len;
};

/*
 * Splits a text data segment into pairs pointing into buf. A final pair
 * without its NUL is accepted. Returns the number of pairs, or -EPROTO
 * (pair without '=', empty or too long key, too long value) or -E2BIG
 * (more than max pairs).
 */
int iscsi_text_parse(const uint8_t *buf, size_t len, struct iscsi_kv *kv,
		     size_t max);
/* Does kv's key equal key? */
bool iscsi_kv_is(const struct iscsi_kv *kv, const char *key);
/* Index of the first pair whose key an earlier pair already had, or -1. */
int iscsi_text_find_dup(const struct iscsi_kv *kv, int n);

/* Growable key=value output for login and text responses. */
struct iscsi_text_out {
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool overflow;
};

void iscsi_text_add(struct iscsi_text_out *t, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

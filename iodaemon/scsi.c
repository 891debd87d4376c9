// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The command table and dispatch: checks every CDB goes through first. */
#include <stdlib.h>
#include <string.h>

#include "pdu.h"
#include "pr.h"
#include "scsi_internal.h"

void scsi_set_sense(struct scsi_req *r, uint8_t key, uint16_t asc)
{
	r->status = SCSI_STATUS_CHECK_CONDITION;
	sense_build(r->sense, key, asc, false, 0, NULL);
	r->sense_len = SCSI_SENSE_LEN;
	r->io = SCSI_IO_NONE;
}

/* ILLEGAL REQUEST with a pointer to the offending CDB byte and bit. */
bool bad_field(struct scsi_req *r, uint16_t byte, int bit)
{
	struct sense_field f = { .valid = true, .in_cdb = true, .byte = byte,
				 .bit = bit };

	r->status = SCSI_STATUS_CHECK_CONDITION;
	sense_build(r->sense, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB,
		    false, 0, &f);
	r->sense_len = SCSI_SENSE_LEN;
	r->io = SCSI_IO_NONE;
	return true;
}

bool scsi_fail(struct scsi_req *r, uint8_t key, uint16_t asc)
{
	scsi_set_sense(r, key, asc);
	return true;
}

bool scsi_good(struct scsi_req *r)
{
	r->status = SCSI_STATUS_GOOD;
	r->io = SCSI_IO_NONE;
	return true;
}

/* Hands back len bytes of src, cut to the allocation length. */
bool scsi_reply(struct scsi_req *r, const void *src, size_t len,
		uint32_t alloc)
{
	size_t n = len < alloc ? len : alloc;

	r->status = SCSI_STATUS_GOOD;
	r->io = SCSI_IO_NONE;
	if (!n)
		return true;
	r->data = malloc(n);
	if (!r->data)
		return scsi_fail(r, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
	memcpy(r->data, src, n);
	r->data_len = n;
	return true;
}

void rw_decode(const uint8_t *c, struct rw_fields *f)
{
	f->flags = c[1];
	switch (c[0] >> 5) {
	case 0:		/* 6-byte: 21-bit LBA, 0 blocks means 256 */
		f->lba = get_be24(c + 1) & 0x1fffff;
		f->n = c[4] ? c[4] : 256;
		f->flags = 0;
		break;
	case 1:
	case 2:		/* 10-byte */
		f->lba = get_be32(c + 2);
		f->n = get_be16(c + 7);
		break;
	case 5:		/* 12-byte */
		f->lba = get_be32(c + 2);
		f->n = get_be32(c + 6);
		break;
	default:	/* 16-byte */
		f->lba = get_be64(c + 2);
		f->n = get_be32(c + 10);
		break;
	}
}

/* ---- REPORT SUPPORTED OPERATION CODES ---- */

/* One entry per supported command: its CDB usage data (SPC-4 6.35.3),
 * the bits of each CDB byte this device server looks at. */
struct opcode_info {
	uint8_t op;
	uint16_t sa;
	bool has_sa;
	uint8_t len;
	uint8_t usage[16];
};

static const struct opcode_info opcodes[] = {
	{ 0x00, 0, false, 6, { 0x00, 0, 0, 0, 0, 0x00 } },
	{ 0x03, 0, false, 6, { 0x03, 0x01, 0, 0, 0xff, 0x00 } },
	{ 0x08, 0, false, 6, { 0x08, 0x1f, 0xff, 0xff, 0xff, 0x00 } },
	{ 0x0a, 0, false, 6, { 0x0a, 0x1f, 0xff, 0xff, 0xff, 0x00 } },
	{ 0x12, 0, false, 6, { 0x12, 0x01, 0xff, 0xff, 0xff, 0x00 } },
	{ 0x16, 0, false, 6, { 0x16, 0, 0, 0, 0, 0x00 } },
	{ 0x17, 0, false, 6, { 0x17, 0, 0, 0, 0, 0x00 } },
	{ 0x1a, 0, false, 6, { 0x1a, 0x08, 0xff, 0xff, 0xff, 0x00 } },
	{ 0x1b, 0, false, 6, { 0x1b, 0, 0, 0, 0, 0x00 } },
	{ 0x1e, 0, false, 6, { 0x1e, 0, 0, 0, 0, 0x00 } },
	{ 0x25, 0, false, 10, { 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0x00 } },
	{ 0x28, 0, false, 10, { 0x28, 0xfa, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0x00 } },
	{ 0x2a, 0, false, 10, { 0x2a, 0xfa, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0x00 } },
	{ 0x2e, 0, false, 10, { 0x2e, 0xf2, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0x00 } },
	{ 0x2f, 0, false, 10, { 0x2f, 0xf6, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0x00 } },
	{ 0x34, 0, false, 10, { 0x34, 0x02, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0x00 } },
	{ 0x35, 0, false, 10, { 0x35, 0x02, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0x00 } },
	{ 0x37, 0, false, 10, { 0x37, 0, 0x1f, 0, 0, 0, 0, 0xff, 0xff, 0x00 } },
	{ 0x41, 0, false, 10, { 0x41, 0xe8, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0x00 } },
	{ 0x42, 0, false, 10, { 0x42, 0x01, 0, 0, 0, 0, 0, 0xff, 0xff, 0x00 } },
	{ 0x5e, 0x00, true, 10, { 0x5e, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, 0x00 } },
	{ 0x5e, 0x01, true, 10, { 0x5e, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, 0x00 } },
	{ 0x5e, 0x02, true, 10, { 0x5e, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, 0x00 } },
	{ 0x5e, 0x03, true, 10, { 0x5e, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, 0x00 } },
	{ 0x5f, 0x00, true, 10, { 0x5f, 0x1f, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x00 } },
	{ 0x5f, 0x01, true, 10, { 0x5f, 0x1f, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x00 } },
	{ 0x5f, 0x02, true, 10, { 0x5f, 0x1f, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x00 } },
	{ 0x5f, 0x03, true, 10, { 0x5f, 0x1f, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x00 } },
	{ 0x5f, 0x04, true, 10, { 0x5f, 0x1f, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x00 } },
	{ 0x5f, 0x05, true, 10, { 0x5f, 0x1f, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x00 } },
	{ 0x5f, 0x06, true, 10, { 0x5f, 0x1f, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x00 } },
	{ 0x5a, 0, false, 10, { 0x5a, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0x00 } },
	{ 0x88, 0, false, 16, { 0x88, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0x89, 0, false, 16, { 0x89, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0xff, 0, 0x00 } },
	{ 0x8a, 0, false, 16, { 0x8a, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0x8b, 0, false, 16, { 0x8b, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0x8e, 0, false, 16, { 0x8e, 0xf2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0x8f, 0, false, 16, { 0x8f, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0x90, 0, false, 16, { 0x90, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0x91, 0, false, 16, { 0x91, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0x93, 0, false, 16, { 0x93, 0xe9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0x9e, 0x10, true, 16, { 0x9e, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0x9e, 0x12, true, 16, { 0x9e, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0xa0, 0, false, 12, { 0xa0, 0, 0xff, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0xa3, 0x0c, true, 12, { 0xa3, 0x1f, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0xa8, 0, false, 12, { 0xa8, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0xaa, 0, false, 12, { 0xaa, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0xae, 0, false, 12, { 0xae, 0xf2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0xaf, 0, false, 12, { 0xaf, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
	{ 0xb7, 0, false, 12, { 0xb7, 0x1f, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x00 } },
};

#define NOMINAL_TIMEOUT_S	30

static size_t put_timeouts(uint8_t *p)
{
	memset(p, 0, 12);
	put_be16(p, 0x0a);
	put_be32(p + 4, NOMINAL_TIMEOUT_S);
	put_be32(p + 8, NOMINAL_TIMEOUT_S);
	return 12;
}

static bool do_report_opcodes(struct scsi_req *r)
{
	const uint8_t *c = r->cdb;
	bool rctd = c[2] & 0x80;
	int opt = c[2] & 0x07;
	uint8_t op = c[3];
	uint16_t sa = get_be16(c + 4);
	uint32_t alloc = get_be32(c + 6);
	uint8_t b[2048];
	size_t i, p = 4;
	const struct opcode_info *hit = NULL;

	memset(b, 0, sizeof(b));
	if (opt == 0) {
		for (i = 0; i < sizeof(opcodes) / sizeof(opcodes[0]); i++) {
			const struct opcode_info *o = &opcodes[i];

			b[p] = o->op;
			put_be16(b + p + 2, o->sa);
			b[p + 5] = (rctd ? 0x02 : 0) | (o->has_sa ? 0x01 : 0);
			put_be16(b + p + 6, o->len);
			p += 8;
			if (rctd)
				p += put_timeouts(b + p);
		}
		put_be32(b, p - 4);
		return scsi_reply(r, b, p, alloc);
	}
	if (opt > 3)
		return bad_field(r, 2, 2);
	for (i = 0; i < sizeof(opcodes) / sizeof(opcodes[0]); i++) {
		if (opcodes[i].op != op)
			continue;
		if (opcodes[i].has_sa) {
			if (opt == 1)
				return bad_field(r, 2, 2);
			if (opcodes[i].sa == sa)
				hit = &opcodes[i];
		} else {
			if (opt == 2)
				return bad_field(r, 2, 2);
			hit = &opcodes[i];
		}
	}
	if (!hit) {
		b[1] = 0x01;	/* not supported */
		p = 4;
	} else {
		b[1] = (rctd ? 0x80 : 0) | 0x03;	/* supported, standard */
		put_be16(b + 2, hit->len);
		memcpy(b + 4, hit->usage, hit->len);
		b[4] = hit->op;
		if (hit->has_sa)
			b[5] = (b[5] & 0xe0) | (hit->sa & 0x1f);
		p = 4 + hit->len;
		if (rctd)
			p += put_timeouts(b + p);
	}
	return scsi_reply(r, b, p, alloc);
}

/* Commands that work without a medium. */
static bool needs_medium(uint8_t op)
{
	switch (op) {
	case 0x12:	/* INQUIRY */
	case 0xa0:	/* REPORT LUNS */
	case 0x03:	/* REQUEST SENSE */
		return false;
	}
	return true;
}

uint64_t scsi_buffer_need(const uint8_t *cdb)
{
	struct rw_fields f;
	uint64_t blk;

	rw_decode(cdb, &f);
	/* a longer transfer is refused by decode before it allocates */
	blk = (f.n > SCSI_MAX_XFER_BLOCKS ? 0 : f.n) << SCSI_BLOCK_SHIFT;
	switch (cdb[0]) {
	case 0x08: case 0x28: case 0xa8: case 0x88:	/* READ */
	case 0x0a: case 0x2a: case 0xaa: case 0x8a:	/* WRITE */
	case 0x2e: case 0xae: case 0x8e:		/* WRITE AND VERIFY */
		return blk;
	case 0x2f: case 0xaf: case 0x8f:		/* VERIFY: out + read */
	case 0x8b:					/* ORWRITE */
		return 2 * blk;
	case 0x89:	/* COMPARE AND WRITE: 2n out, n read */
		return 3 * ((uint64_t)cdb[13] << SCSI_BLOCK_SHIFT);
	case 0x41: case 0x93:	/* WRITE SAME: one block, one chunk */
		return SCSI_BLOCK_SIZE +
		       ((f.n < SCSI_WS_CHUNK_BLOCKS ? f.n : SCSI_WS_CHUNK_BLOCKS)
			<< SCSI_BLOCK_SHIFT);
	case 0x42:	/* UNMAP: parameter list and ranges */
		return get_be16(cdb + 7) +
		       SCSI_MAX_UNMAP_DESC * sizeof(struct scsi_range);
	case 0x5f:	/* PERSISTENT RESERVE OUT, refused above 4 KiB */
		return 4096;
	}
	return 0;
}

bool scsi_decode(const struct scsi_dev *dev, const struct scsi_lun_list *ll,
		 struct scsi_req *r)
{
	const uint8_t *c = r->cdb;
	uint8_t op = c[0];

	r->status = SCSI_STATUS_GOOD;
	r->io = SCSI_IO_NONE;
	r->dout_len = 0;
	if (op == 0x12)
		return do_inquiry(dev, r);
	if (op == 0xa0)
		return do_report_luns(ll, r);
	if (op == 0x03)
		return do_request_sense(dev, r);
	if (!r->lun_exists)
		return scsi_fail(r, SK_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED);
	if (needs_medium(op) && !dev->present)
		return scsi_fail(r, SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
	if (r->pr && pr_conflict(r->pr, r->nexus ? r->nexus : "", c)) {
		r->status = SCSI_STATUS_RESERVATION_CONFLICT;
		return true;
	}

	switch (op) {
	case 0x00:	/* TEST UNIT READY */
		return scsi_good(r);
	case 0x08: case 0x28: case 0xa8: case 0x88:
		return do_read(dev, r);
	case 0x0a: case 0x2a: case 0xaa: case 0x8a:
		return do_write(dev, r, false);
	case 0x2e: case 0xae: case 0x8e:
		return do_write(dev, r, true);
	case 0x2f: case 0xaf: case 0x8f:
		return do_verify(dev, r);
	case 0x41: case 0x93:
		return do_write_same(dev, r);
	case 0x42:
		return do_unmap(dev, r);
	case 0x89:
		return do_caw(dev, r);
	case 0x8b:
		return do_orwrite(dev, r);
	case 0x5e:
		if (!r->pr)
			break;
		pr_in(r->pr, r);
		return true;
	case 0x5f:
		if (!r->pr)
			break;
		r->dout_len = get_be32(c + 5);
		if (r->dout_len > 4096)
			return scsi_fail(r, SK_ILLEGAL_REQUEST,
					 ASC_PARAMETER_LIST_LENGTH_ERROR);
		r->io = SCSI_IO_PROUT;
		return false;
	case 0xa3:
		if ((c[1] & 0x1f) == 0x0c)
			return do_report_opcodes(r);
		return bad_field(r, 1, 4);
	case 0x35: case 0x91:
		return do_sync_cache(dev, r);
	case 0x34: case 0x90:
		return do_prefetch(dev, r);
	case 0x25:
		return do_read_capacity10(dev, r);
	case 0x9e:
		switch (c[1] & 0x1f) {
		case 0x10:
			return do_read_capacity16(dev, r);
		case 0x12:
			return do_get_lba_status(dev, r);
		}
		return bad_field(r, 1, 4);
	case 0x1a:
		return do_mode_sense(dev, r, false);
	case 0x5a:
		return do_mode_sense(dev, r, true);
	case 0x1b:	/* START STOP UNIT: a fixed disk has nothing to spin */
	case 0x1e:	/* PREVENT ALLOW MEDIUM REMOVAL: not removable */
		return scsi_good(r);
	case 0x37: case 0xb7:
		return do_read_defect(r);
	}
	return scsi_fail(r, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
}

void scsi_req_release(struct scsi_req *r)
{
	free(r->data);
	r->data = NULL;
	free(r->ranges);
	r->ranges = NULL;
}

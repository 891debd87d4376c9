// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* MODE SENSE, READ CAPACITY, REPORT LUNS, ...: answered without backing I/O. */
#include <stdlib.h>
#include <string.h>

#include "pdu.h"
#include "scsi_internal.h"

/* ---- MODE SENSE ---- */

static size_t mode_caching(const struct scsi_dev *dev, uint8_t *p, int pc)
{
	memset(p, 0, 20);
	p[0] = 0x08;
	p[1] = 0x12;
	if (pc != 1 && dev->write_cache)
		p[2] = 0x04;	/* WCE */
	return 20;
}

static size_t mode_control(uint8_t *p, int pc)
{
	memset(p, 0, 12);
	p[0] = 0x0a;
	p[1] = 0x0a;
	if (pc == 1)
		return 12;
	p[2] = 0x02;		/* GLTSD: no log parameters saved */
	p[3] = 0x10;		/* queue algorithm: unrestricted reordering */
	p[5] = 0x40;		/* TAS */
	put_be16(p + 8, 0xffff);
	return 12;
}

static size_t mode_iec(uint8_t *p)
{
	memset(p, 0, 12);
	p[0] = 0x1c;
	p[1] = 0x0a;
	return 12;
}

bool do_mode_sense(const struct scsi_dev *dev, struct scsi_req *r,
		   bool ten)
{
	const uint8_t *c = r->cdb;
	bool dbd = c[1] & 0x08, llbaa = ten && (c[1] & 0x10);
	int pc = c[2] >> 6, page = c[2] & 0x3f, sub = c[3];
	uint32_t alloc = ten ? get_be16(c + 7) : c[4];
	uint8_t b[512];
	size_t hdr = ten ? 8 : 4, p, bdl = 0;

	if (pc == 3)
		return scsi_fail(r, SK_ILLEGAL_REQUEST, ASC_SAVING_PARAMS_UNSUP);
	if (sub && sub != 0xff)		/* no subpages but "all" */
		return bad_field(r, 3, 7);
	memset(b, 0, sizeof(b));
	p = hdr;
	if (!dbd) {
		if (llbaa) {
			put_be64(b + p, dev->nblocks);
			put_be32(b + p + 12, SCSI_BLOCK_SIZE);
			bdl = 16;
		} else {
			put_be24(b + p + 1, dev->nblocks > 0xffffff ?
					  0xffffff : dev->nblocks);
			put_be24(b + p + 5, SCSI_BLOCK_SIZE);
			bdl = 8;
		}
		p += bdl;
	}
	switch (page) {
	case 0x08:
		p += mode_caching(dev, b + p, pc);
		break;
	case 0x0a:
		p += mode_control(b + p, pc);
		break;
	case 0x1c:
		p += mode_iec(b + p);
		break;
	case 0x3f:
		p += mode_caching(dev, b + p, pc);
		p += mode_control(b + p, pc);
		p += mode_iec(b + p);
		break;
	default:
		return bad_field(r, 2, 5);
	}
	if (ten) {
		put_be16(b, p - 2);
		b[3] = (dev->read_only ? 0x80 : 0) | 0x10;	/* WP, DPOFUA */
		b[4] = llbaa && bdl ? 1 : 0;
		put_be16(b + 6, bdl);
	} else {
		b[0] = p - 1;
		b[2] = (dev->read_only ? 0x80 : 0) | 0x10;
		b[3] = bdl;
	}
	return scsi_reply(r, b, p, alloc);
}

/* ---- REPORT LUNS / REQUEST SENSE / READ CAPACITY ---- */

bool do_report_luns(const struct scsi_lun_list *ll, struct scsi_req *r)
{
	const uint8_t *c = r->cdb;
	uint32_t alloc = get_be32(c + 6);
	size_t i, n = ll ? ll->n : 0, len;
	uint8_t *b;
	bool ret;

	if (c[2] != 0 && c[2] != 1 && c[2] != 2)
		return bad_field(r, 2, 7);
	if (alloc < 16)
		return bad_field(r, 6, 7);
	if (c[2] == 1)
		n = 0;		/* no well-known LUs */
	len = 8 + 8 * n;
	b = calloc(1, len);
	if (!b)
		return scsi_fail(r, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
	put_be32(b, 8 * n);
	for (i = 0; i < n; i++) {
		uint16_t l = ll->luns[i];

		if (l < 256) {
			b[8 + 8 * i + 1] = l;
		} else {
			b[8 + 8 * i] = 0x40 | (l >> 8);	/* flat space */
			b[8 + 8 * i + 1] = l & 0xff;
		}
	}
	ret = scsi_reply(r, b, len, alloc);
	free(b);
	return ret;
}

bool do_request_sense(const struct scsi_dev *dev, struct scsi_req *r)
{
	const uint8_t *c = r->cdb;
	uint8_t key = SK_NO_SENSE, b[SCSI_SENSE_LEN];
	uint16_t asc = ASC_NONE;

	if (c[1] & 0xfe)
		return bad_field(r, 1, 7);
	if (!r->lun_exists) {
		key = SK_ILLEGAL_REQUEST;
		asc = ASC_LUN_NOT_SUPPORTED;
	} else if (!dev->present) {
		key = SK_NOT_READY;
		asc = ASC_MEDIUM_NOT_PRESENT;
	}
	if (c[1] & 1) {
		/* descriptor format, no descriptors */
		memset(b, 0, 8);
		b[0] = 0x72;
		b[1] = key;
		b[2] = asc >> 8;
		b[3] = asc & 0xff;
		return scsi_reply(r, b, 8, c[4]);
	}
	sense_build(b, key, asc, false, 0, NULL);
	return scsi_reply(r, b, SCSI_SENSE_LEN, c[4]);
}

bool do_read_capacity10(const struct scsi_dev *dev, struct scsi_req *r)
{
	uint8_t b[8];
	uint64_t last = dev->nblocks ? dev->nblocks - 1 : 0;

	put_be32(b, last > 0xffffffffull ? 0xffffffffu : last);
	put_be32(b + 4, SCSI_BLOCK_SIZE);
	return scsi_reply(r, b, 8, 8);
}

bool do_read_capacity16(const struct scsi_dev *dev, struct scsi_req *r)
{
	uint8_t b[32];

	memset(b, 0, sizeof(b));
	put_be64(b, dev->nblocks ? dev->nblocks - 1 : 0);
	put_be32(b + 8, SCSI_BLOCK_SIZE);
	if (dev->can_unmap)
		b[14] = 0x80 | 0x40;	/* LBPME, LBPRZ */
	return scsi_reply(r, b, sizeof(b), get_be32(r->cdb + 10));
}

bool do_get_lba_status(const struct scsi_dev *dev, struct scsi_req *r)
{
	uint64_t lba = get_be64(r->cdb + 2);

	if (lba >= dev->nblocks)
		return scsi_fail(r, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	if (!dev->can_unmap) {
		scsi_lba_status_done(r, true, dev->nblocks - lba);
		return true;
	}
	r->lba = lba;
	r->nblk = dev->nblocks - lba;
	r->io = SCSI_IO_GET_LBA_STATUS;
	return false;
}

void scsi_lba_status_done(struct scsi_req *r, bool mapped, uint64_t run)
{
	uint8_t b[24];

	memset(b, 0, sizeof(b));
	put_be32(b, 20);
	put_be64(b + 8, r->lba);
	put_be32(b + 16, run > 0xffffffffull ? 0xffffffffu : run);
	b[20] = mapped ? 0 : 1;
	scsi_reply(r, b, sizeof(b), get_be32(r->cdb + 10));
}

bool do_read_defect(struct scsi_req *r)
{
	const uint8_t *c = r->cdb;
	uint8_t b[8];

	memset(b, 0, sizeof(b));
	if (c[0] == 0x37) {
		b[1] = c[2] & 0x1f;	/* echo list format, empty list */
		return scsi_reply(r, b, 4, get_be16(c + 7));
	}
	b[1] = c[1] & 0x1f;
	return scsi_reply(r, b, 8, get_be32(c + 6));
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pdu.h"
#include "pr.h"
#include "scsi.h"

#define VENDOR	"XPAN    "
#define PRODUCT	"xpan-iod disk   "
#define REVISION "0001"

void scsi_set_sense(struct scsi_req *r, uint8_t key, uint16_t asc)
{
	r->status = SCSI_STATUS_CHECK_CONDITION;
	sense_build(r->sense, key, asc, false, 0, NULL);
	r->sense_len = SCSI_SENSE_LEN;
	r->io = SCSI_IO_NONE;
}

/* ILLEGAL REQUEST with a pointer to the offending CDB byte and bit. */
static bool bad_field(struct scsi_req *r, uint16_t byte, int bit)
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

static bool bad_param(struct scsi_req *r, uint16_t byte)
{
	struct sense_field f = { .valid = true, .in_cdb = false, .byte = byte,
				 .bit = -1 };

	r->status = SCSI_STATUS_CHECK_CONDITION;
	sense_build(r->sense, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_PARAM,
		    false, 0, &f);
	r->sense_len = SCSI_SENSE_LEN;
	r->io = SCSI_IO_NONE;
	return true;
}

static bool fail(struct scsi_req *r, uint8_t key, uint16_t asc)
{
	scsi_set_sense(r, key, asc);
	return true;
}

static bool good(struct scsi_req *r)
{
	r->status = SCSI_STATUS_GOOD;
	r->io = SCSI_IO_NONE;
	return true;
}

/* Hands back len bytes of src, cut to the allocation length. */
static bool reply(struct scsi_req *r, const void *src, size_t len,
		  uint32_t alloc)
{
	size_t n = len < alloc ? len : alloc;

	r->status = SCSI_STATUS_GOOD;
	r->io = SCSI_IO_NONE;
	if (!n)
		return true;
	r->data = malloc(n);
	if (!r->data)
		return fail(r, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
	memcpy(r->data, src, n);
	r->data_len = n;
	return true;
}

static bool range_ok(const struct scsi_dev *dev, uint64_t lba, uint64_t n)
{
	return lba <= dev->nblocks && n <= dev->nblocks - lba;
}

static bool check_range(const struct scsi_dev *dev, struct scsi_req *r,
			uint64_t lba, uint64_t n)
{
	if (range_ok(dev, lba, n))
		return true;
	fail(r, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	return false;
}

/* ---- INQUIRY ---- */

static size_t inq_standard(uint8_t *b)
{
	memset(b, 0, 96);
	b[0] = 0x00;		/* direct access block device */
	b[2] = 0x06;		/* SPC-4 */
	b[3] = 0x02 | 0x10;	/* response format 2, HiSup */
	b[4] = 96 - 5;
	b[7] = 0x02;		/* CmdQue */
	memcpy(b + 8, VENDOR, 8);
	memcpy(b + 16, PRODUCT, 16);
	memcpy(b + 32, REVISION, 4);
	/* version descriptors: SAM-5, iSCSI, SPC-4, SBC-3 */
	put_be16(b + 58, 0x00a0);
	put_be16(b + 60, 0x0960);
	put_be16(b + 62, 0x0460);
	put_be16(b + 64, 0x04c0);
	return 96;
}

static const uint8_t vpd_pages[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };

static size_t vpd_device_id(const struct scsi_dev *dev, uint8_t *b)
{
	size_t p = 4, slen = strlen(dev->serial);

	/* NAA locally assigned (type 3) */
	b[p++] = 0x01;
	b[p++] = 0x03;
	b[p++] = 0;
	b[p++] = 8;
	put_be64(b + p, (3ull << 60) | (dev->naa_id & 0x0fffffffffffffffull));
	p += 8;
	/* T10 vendor id: vendor + serial */
	b[p++] = 0x02;
	b[p++] = 0x01;
	b[p++] = 0;
	b[p++] = 8 + slen;
	memcpy(b + p, VENDOR, 8);
	memcpy(b + p + 8, dev->serial, slen);
	p += 8 + slen;
	/* relative target port, iSCSI protocol */
	b[p++] = 0x51;
	b[p++] = 0x80 | 0x10 | 0x04;
	b[p++] = 0;
	b[p++] = 4;
	put_be16(b + p + 2, dev->rel_port ? dev->rel_port : 1);
	p += 4;
	return p;
}

static bool do_inquiry(const struct scsi_dev *dev, struct scsi_req *r)
{
	const uint8_t *c = r->cdb;
	uint32_t alloc = get_be16(c + 3);
	uint8_t b[256];
	size_t len;

	if (c[1] & 0xfe)
		return bad_field(r, 1, c[1] & 0x02 ? 1 : 7);
	memset(b, 0, sizeof(b));
	if (!(c[1] & 1)) {
		if (c[2])
			return bad_field(r, 2, 7);
		len = inq_standard(b);
		if (!r->lun_exists)
			b[0] = 0x7f;	/* qualifier 011b: no LU here */
		return reply(r, b, len, alloc);
	}
	if (!r->lun_exists)
		return fail(r, SK_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED);
	b[1] = c[2];
	switch (c[2]) {
	case 0x00:
		memcpy(b + 4, vpd_pages, sizeof(vpd_pages));
		len = 4 + sizeof(vpd_pages);
		break;
	case 0x80:
		len = strlen(dev->serial);
		memcpy(b + 4, dev->serial, len);
		len += 4;
		break;
	case 0x83:
		len = vpd_device_id(dev, b);
		break;
	case 0xb0:
		len = 64;
		b[5] = SCSI_MAX_CAW_BLOCKS;
		put_be16(b + 6, 1);
		put_be32(b + 8, SCSI_MAX_XFER_BLOCKS);
		put_be32(b + 12, 256);
		if (dev->can_unmap) {
			put_be32(b + 20, 0xffffffffu);
			put_be32(b + 24, SCSI_MAX_UNMAP_DESC);
			put_be32(b + 28, SCSI_UNMAP_GRANULARITY);
			put_be32(b + 32, 0x80000000u);	/* UGAVALID, aligned 0 */
		}
		put_be64(b + 36, SCSI_MAX_WS_BLOCKS);
		break;
	case 0xb1:
		len = 64;
		put_be16(b + 4, 1);	/* non-rotating medium */
		break;
	case 0xb2:
		len = 8;
		if (dev->can_unmap) {
			/* LBPU, LBPWS, LBPWS10, LBPRZ: holes read back zeros */
			b[5] = 0x80 | 0x40 | 0x20 | 0x04;
			b[6] = 0x02;	/* thin provisioned */
		}
		break;
	default:
		return bad_field(r, 2, 7);
	}
	put_be16(b + 2, len - 4);
	return reply(r, b, len, alloc);
}

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

static bool do_mode_sense(const struct scsi_dev *dev, struct scsi_req *r,
			  bool ten)
{
	const uint8_t *c = r->cdb;
	bool dbd = c[1] & 0x08, llbaa = ten && (c[1] & 0x10);
	int pc = c[2] >> 6, page = c[2] & 0x3f, sub = c[3];
	uint32_t alloc = ten ? get_be16(c + 7) : c[4];
	uint8_t b[512];
	size_t hdr = ten ? 8 : 4, p, bdl = 0;

	if (pc == 3)
		return fail(r, SK_ILLEGAL_REQUEST, ASC_SAVING_PARAMS_UNSUP);
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
	return reply(r, b, p, alloc);
}

/* ---- REPORT LUNS / REQUEST SENSE / READ CAPACITY ---- */

static bool do_report_luns(const struct scsi_lun_list *ll, struct scsi_req *r)
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
		return fail(r, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
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
	ret = reply(r, b, len, alloc);
	free(b);
	return ret;
}

static bool do_request_sense(const struct scsi_dev *dev, struct scsi_req *r)
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
		return reply(r, b, 8, c[4]);
	}
	sense_build(b, key, asc, false, 0, NULL);
	return reply(r, b, SCSI_SENSE_LEN, c[4]);
}

static bool do_read_capacity10(const struct scsi_dev *dev, struct scsi_req *r)
{
	uint8_t b[8];
	uint64_t last = dev->nblocks ? dev->nblocks - 1 : 0;

	put_be32(b, last > 0xffffffffull ? 0xffffffffu : last);
	put_be32(b + 4, SCSI_BLOCK_SIZE);
	return reply(r, b, 8, 8);
}

static bool do_read_capacity16(const struct scsi_dev *dev, struct scsi_req *r)
{
	uint8_t b[32];

	memset(b, 0, sizeof(b));
	put_be64(b, dev->nblocks ? dev->nblocks - 1 : 0);
	put_be32(b + 8, SCSI_BLOCK_SIZE);
	if (dev->can_unmap)
		b[14] = 0x80 | 0x40;	/* LBPME, LBPRZ */
	return reply(r, b, sizeof(b), get_be32(r->cdb + 10));
}

static bool do_get_lba_status(const struct scsi_dev *dev, struct scsi_req *r)
{
	uint64_t lba = get_be64(r->cdb + 2);

	if (lba >= dev->nblocks)
		return fail(r, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
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
	reply(r, b, sizeof(b), get_be32(r->cdb + 10));
}

/* ---- READ / WRITE / VERIFY ---- */

struct rw_fields {
	uint64_t lba;
	uint64_t n;
	uint8_t flags;	/* byte 1 */
};

static void rw_decode(const uint8_t *c, struct rw_fields *f)
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

static bool do_read(const struct scsi_dev *dev, struct scsi_req *r)
{
	struct rw_fields f;

	rw_decode(r->cdb, &f);
	if (f.flags & 0xe0)	/* RDPROTECT without protection info */
		return bad_field(r, 1, 7);
	if (!check_range(dev, r, f.lba, f.n))
		return true;
	if (f.n > SCSI_MAX_XFER_BLOCKS)
		return bad_field(r, r->cdb[0] == 0x08 ? 4 : 7, 7);
	if (!f.n)
		return good(r);
	r->lba = f.lba;
	r->nblk = f.n;
	r->io = SCSI_IO_READ;
	return false;
}

static bool write_checks(const struct scsi_dev *dev, struct scsi_req *r,
			 const struct rw_fields *f)
{
	if (f->flags & 0xe0)	/* WRPROTECT */
		return bad_field(r, 1, 7);
	if (!check_range(dev, r, f->lba, f->n))
		return true;
	if (dev->read_only)
		return fail(r, SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
	return false;
}

static bool do_write(const struct scsi_dev *dev, struct scsi_req *r,
		     bool verify)
{
	struct rw_fields f;

	rw_decode(r->cdb, &f);
	if (write_checks(dev, r, &f))
		return true;
	if (f.n > SCSI_MAX_XFER_BLOCKS)
		return bad_field(r, 7, 7);
	if (!f.n)
		return good(r);
	r->lba = f.lba;
	r->nblk = f.n;
	/* Without a write cache every write is durable before status;
	 * WRITE AND VERIFY implies the data reached the medium too. */
	r->fua = verify || (f.flags & 0x08) || !dev->write_cache;
	r->dout_len = f.n << SCSI_BLOCK_SHIFT;
	r->io = SCSI_IO_WRITE;
	return false;
}

static bool do_verify(const struct scsi_dev *dev, struct scsi_req *r)
{
	struct rw_fields f;

	rw_decode(r->cdb, &f);
	if (f.flags & 0xe0)	/* VRPROTECT */
		return bad_field(r, 1, 7);
	r->bytchk = (f.flags >> 1) & 3;
	if (r->bytchk == 2)
		return bad_field(r, 1, 2);
	if (!check_range(dev, r, f.lba, f.n))
		return true;
	if (f.n > SCSI_MAX_XFER_BLOCKS)
		return bad_field(r, 7, 7);
	if (!f.n)
		return good(r);
	r->lba = f.lba;
	r->nblk = f.n;
	r->io = SCSI_IO_VERIFY;
	if (r->bytchk == 1)
		r->dout_len = f.n << SCSI_BLOCK_SHIFT;
	else if (r->bytchk == 3)
		r->dout_len = SCSI_BLOCK_SIZE;
	return false;
}

static bool do_write_same(const struct scsi_dev *dev, struct scsi_req *r)
{
	const uint8_t *c = r->cdb;
	struct rw_fields f;
	bool sixteen = c[0] == 0x93;

	rw_decode(c, &f);
	if (f.flags & 0x10)	/* ANCHOR: not supported (ANC_SUP 0) */
		return bad_field(r, 1, 4);
	if (f.flags & 0x06)	/* PBDATA / LBDATA */
		return bad_field(r, 1, 2);
	if (!sixteen && (f.flags & 0x01))
		return bad_field(r, 1, 0);
	if (write_checks(dev, r, &f))
		return true;
	/* WSNZ=0: 0 blocks means up to the last LBA; either way the
	 * length obeys MAXIMUM WRITE SAME LENGTH of the Block Limits page */
	if (!f.n)
		f.n = dev->nblocks - f.lba;
	if (!f.n)
		return good(r);
	if (f.n > SCSI_MAX_WS_BLOCKS)
		return bad_field(r, sixteen ? 10 : 7, 7);
	r->lba = f.lba;
	r->nblk = f.n;
	r->unmap = (f.flags & 0x08) && dev->can_unmap;
	r->fua = !dev->write_cache;
	r->io = SCSI_IO_WRITE_SAME;
	r->dout_len = (sixteen && (f.flags & 0x01)) ? 0 : SCSI_BLOCK_SIZE;
	return false;
}

static bool do_unmap(const struct scsi_dev *dev, struct scsi_req *r)
{
	const uint8_t *c = r->cdb;

	if (!dev->can_unmap)
		return fail(r, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
	if (c[1] & 0x01)	/* ANCHOR */
		return bad_field(r, 1, 0);
	if (dev->read_only)
		return fail(r, SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
	r->dout_len = get_be16(c + 7);
	if (!r->dout_len)
		return good(r);
	r->io = SCSI_IO_UNMAP;
	return false;
}

static bool do_caw(const struct scsi_dev *dev, struct scsi_req *r)
{
	const uint8_t *c = r->cdb;
	struct rw_fields f = {
		.lba = get_be64(c + 2), .n = c[13], .flags = c[1],
	};

	if (write_checks(dev, r, &f))
		return true;
	/* 0 blocks compares nothing; with data attached it is a length
	 * that did not fit the 8-bit field */
	if (!f.n)
		return r->exp_len ? bad_field(r, 13, 7) : good(r);
	if (f.n > SCSI_MAX_CAW_BLOCKS)
		return bad_field(r, 13, 7);
	r->lba = f.lba;
	r->nblk = f.n;
	r->fua = (f.flags & 0x08) || !dev->write_cache;
	r->dout_len = 2 * (f.n << SCSI_BLOCK_SHIFT);
	r->io = SCSI_IO_CAW;
	return false;
}

static bool do_orwrite(const struct scsi_dev *dev, struct scsi_req *r)
{
	struct rw_fields f;

	rw_decode(r->cdb, &f);
	if (write_checks(dev, r, &f))	/* ORPROTECT is where WRPROTECT is */
		return true;
	if (!f.n)
		return good(r);
	if (f.n > SCSI_MAX_XFER_BLOCKS)
		return bad_field(r, 10, 7);
	r->lba = f.lba;
	r->nblk = f.n;
	r->fua = (f.flags & 0x08) || !dev->write_cache;
	r->dout_len = f.n << SCSI_BLOCK_SHIFT;
	r->orwrite = true;
	r->io = SCSI_IO_CAW;
	return false;
}

/* SYNCHRONIZE CACHE and PRE-FETCH (10/16) lay out LBA and length as
 * READ/WRITE of the same size do. */
static bool do_sync_cache(const struct scsi_dev *dev, struct scsi_req *r)
{
	struct rw_fields f;

	rw_decode(r->cdb, &f);
	if (!check_range(dev, r, f.lba, f.n))
		return true;
	r->io = SCSI_IO_FLUSH;
	return false;
}

static bool do_prefetch(const struct scsi_dev *dev, struct scsi_req *r)
{
	struct rw_fields f;

	rw_decode(r->cdb, &f);
	if (!check_range(dev, r, f.lba, f.n))
		return true;
	/* Nothing to stage: the page cache does read-ahead on its own. */
	return good(r);
}

static bool do_read_defect(struct scsi_req *r)
{
	const uint8_t *c = r->cdb;
	uint8_t b[8];

	memset(b, 0, sizeof(b));
	if (c[0] == 0x37) {
		b[1] = c[2] & 0x1f;	/* echo list format, empty list */
		return reply(r, b, 4, get_be16(c + 7));
	}
	b[1] = c[1] & 0x1f;
	return reply(r, b, 8, get_be32(c + 6));
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
		return reply(r, b, p, alloc);
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
	return reply(r, b, p, alloc);
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
		return fail(r, SK_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED);
	if (needs_medium(op) && !dev->present)
		return fail(r, SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
	if (r->pr && pr_conflict(r->pr, r->nexus ? r->nexus : "", c)) {
		r->status = SCSI_STATUS_RESERVATION_CONFLICT;
		return true;
	}

	switch (op) {
	case 0x00:	/* TEST UNIT READY */
		return good(r);
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
			return fail(r, SK_ILLEGAL_REQUEST,
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
		return good(r);
	case 0x37: case 0xb7:
		return do_read_defect(r);
	}
	return fail(r, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
}

static bool unmap_parse(const struct scsi_dev *dev, struct scsi_req *r,
			const uint8_t *d, uint32_t len)
{
	uint32_t bdl, i, n;

	if (len < 8)
		return fail(r, SK_ILLEGAL_REQUEST,
			    ASC_PARAMETER_LIST_LENGTH_ERROR);
	bdl = get_be16(d + 2);
	if (bdl > len - 8)
		bdl = len - 8;
	n = bdl / 16;
	if (n > SCSI_MAX_UNMAP_DESC)
		return bad_param(r, 2);
	if (!n)
		return good(r);
	r->ranges = calloc(n, sizeof(*r->ranges));
	if (!r->ranges)
		return fail(r, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
	for (i = 0; i < n; i++) {
		const uint8_t *e = d + 8 + 16 * i;

		r->ranges[i].lba = get_be64(e);
		r->ranges[i].nblk = get_be32(e + 8);
		if (!range_ok(dev, r->ranges[i].lba, r->ranges[i].nblk)) {
			free(r->ranges);
			r->ranges = NULL;
			return fail(r, SK_ILLEGAL_REQUEST,
				    ASC_LBA_OUT_OF_RANGE);
		}
	}
	r->nranges = n;
	return false;
}

void scsi_execute(const struct scsi_dev *dev, struct scsi_req *r,
		  const uint8_t *dout, uint32_t dout_len)
{
	switch (r->io) {
	case SCSI_IO_UNMAP:
		unmap_parse(dev, r, dout, dout_len);
		break;
	case SCSI_IO_PROUT:
		pr_out(r->pr, r->nexus ? r->nexus : "", r, dout, dout_len);
		break;
	case SCSI_IO_WRITE_SAME:
		/* with UNMAP set the blocks are deallocated whatever the
		 * Data-Out holds, and read back as zeros (LBPRZ=1) */
		break;
	default:
		break;
	}
}

static uint32_t first_diff(const uint8_t *a, const uint8_t *b, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len && a[i] == b[i]; i++)
		;
	return i;
}

static void miscompare(struct scsi_req *r, uint32_t off)
{
	r->status = SCSI_STATUS_CHECK_CONDITION;
	sense_build(r->sense, SK_MISCOMPARE, ASC_MISCOMPARE_DURING_VERIFY, true,
		    off, NULL);
	r->sense_len = SCSI_SENSE_LEN;
}

bool scsi_complete(const struct scsi_dev *dev, struct scsi_req *r, int res,
		   const uint8_t *dout)
{
	uint32_t len = r->nblk << SCSI_BLOCK_SHIFT, off, i;
	bool reading = r->io == SCSI_IO_READ || r->io == SCSI_IO_VERIFY ||
		       (r->io == SCSI_IO_CAW && !r->bytchk);

	(void)dev;
	if (res < 0) {
		free(r->data);
		r->data = NULL;
		r->data_len = 0;
		if (res == -ENXIO || res == -ENODEV || res == -EBADF)
			scsi_set_sense(r, SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
		else if (res == -ENOSPC)
			scsi_set_sense(r, SK_DATA_PROTECT,
				       ASC_SPACE_ALLOC_FAILED_WP);
		else
			scsi_set_sense(r, SK_MEDIUM_ERROR, reading ?
				       ASC_UNRECOVERED_READ_ERROR :
				       ASC_WRITE_ERROR);
		return false;
	}
	r->status = SCSI_STATUS_GOOD;
	switch (r->io) {
	case SCSI_IO_VERIFY:
		if (r->bytchk == 1) {
			off = first_diff(r->data, dout, len);
			if (off < len)
				miscompare(r, off);
		} else if (r->bytchk == 3) {
			for (i = 0; i < r->nblk; i++) {
				off = first_diff(r->data +
						 (i << SCSI_BLOCK_SHIFT), dout,
						 SCSI_BLOCK_SIZE);
				if (off < SCSI_BLOCK_SIZE) {
					miscompare(r, (i << SCSI_BLOCK_SHIFT) +
						   off);
					break;
				}
			}
		}
		/* VERIFY returns no data */
		free(r->data);
		r->data = NULL;
		r->data_len = 0;
		break;
	case SCSI_IO_CAW:
		if (!r->bytchk && r->orwrite) {
			for (i = 0; i < len; i++)
				r->data[i] |= dout[i];
			r->bytchk = 1;
			r->write_data = true;
			return true;
		}
		if (!r->bytchk) {
			off = first_diff(r->data, dout, len);
			free(r->data);
			r->data = NULL;
			r->data_len = 0;
			if (off < len) {
				miscompare(r, off);
				break;
			}
			/* compare half matched: now the write half */
			r->bytchk = 1;
			return true;
		}
		free(r->data);
		r->data = NULL;
		r->data_len = 0;
		break;
	default:
		break;
	}
	r->io = SCSI_IO_NONE;
	return false;
}

void scsi_req_release(struct scsi_req *r)
{
	free(r->data);
	r->data = NULL;
	free(r->ranges);
	r->ranges = NULL;
}

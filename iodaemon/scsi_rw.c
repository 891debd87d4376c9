// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* READ, WRITE, VERIFY, WRITE SAME, UNMAP, CAW: I/O plans and completion. */
#include <errno.h>
#include <stdlib.h>

#include "pdu.h"
#include "pr.h"
#include "scsi_internal.h"

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

static bool range_ok(const struct scsi_dev *dev, uint64_t lba, uint64_t n)
{
	return lba <= dev->nblocks && n <= dev->nblocks - lba;
}

static bool check_range(const struct scsi_dev *dev, struct scsi_req *r,
			uint64_t lba, uint64_t n)
{
	if (range_ok(dev, lba, n))
		return true;
	scsi_fail(r, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	return false;
}

/* ---- READ / WRITE / VERIFY ---- */

bool do_read(const struct scsi_dev *dev, struct scsi_req *r)
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
		return scsi_good(r);
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
		return scsi_fail(r, SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
	return false;
}

bool do_write(const struct scsi_dev *dev, struct scsi_req *r,
	      bool verify)
{
	struct rw_fields f;

	rw_decode(r->cdb, &f);
	if (write_checks(dev, r, &f))
		return true;
	if (f.n > SCSI_MAX_XFER_BLOCKS)
		return bad_field(r, 7, 7);
	if (!f.n)
		return scsi_good(r);
	r->lba = f.lba;
	r->nblk = f.n;
	/* Without a write cache every write is durable before status;
	 * WRITE AND VERIFY implies the data reached the medium too. */
	r->fua = verify || (f.flags & 0x08) || !dev->write_cache;
	r->dout_len = f.n << SCSI_BLOCK_SHIFT;
	r->io = SCSI_IO_WRITE;
	return false;
}

bool do_verify(const struct scsi_dev *dev, struct scsi_req *r)
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
		return scsi_good(r);
	r->lba = f.lba;
	r->nblk = f.n;
	r->io = SCSI_IO_VERIFY;
	if (r->bytchk == 1)
		r->dout_len = f.n << SCSI_BLOCK_SHIFT;
	else if (r->bytchk == 3)
		r->dout_len = SCSI_BLOCK_SIZE;
	return false;
}

bool do_write_same(const struct scsi_dev *dev, struct scsi_req *r)
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
		return scsi_good(r);
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

bool do_unmap(const struct scsi_dev *dev, struct scsi_req *r)
{
	const uint8_t *c = r->cdb;

	if (!dev->can_unmap)
		return scsi_fail(r, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
	if (c[1] & 0x01)	/* ANCHOR */
		return bad_field(r, 1, 0);
	if (dev->read_only)
		return scsi_fail(r, SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
	r->dout_len = get_be16(c + 7);
	if (!r->dout_len)
		return scsi_good(r);
	r->io = SCSI_IO_UNMAP;
	return false;
}

bool do_caw(const struct scsi_dev *dev, struct scsi_req *r)
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
		return r->exp_len ? bad_field(r, 13, 7) : scsi_good(r);
	if (f.n > SCSI_MAX_CAW_BLOCKS)
		return bad_field(r, 13, 7);
	r->lba = f.lba;
	r->nblk = f.n;
	r->fua = (f.flags & 0x08) || !dev->write_cache;
	r->dout_len = 2 * (f.n << SCSI_BLOCK_SHIFT);
	r->io = SCSI_IO_CAW;
	return false;
}

bool do_orwrite(const struct scsi_dev *dev, struct scsi_req *r)
{
	struct rw_fields f;

	rw_decode(r->cdb, &f);
	if (write_checks(dev, r, &f))	/* ORPROTECT is where WRPROTECT is */
		return true;
	if (!f.n)
		return scsi_good(r);
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
bool do_sync_cache(const struct scsi_dev *dev, struct scsi_req *r)
{
	struct rw_fields f;

	rw_decode(r->cdb, &f);
	if (!check_range(dev, r, f.lba, f.n))
		return true;
	r->io = SCSI_IO_FLUSH;
	return false;
}

bool do_prefetch(const struct scsi_dev *dev, struct scsi_req *r)
{
	struct rw_fields f;

	rw_decode(r->cdb, &f);
	if (!check_range(dev, r, f.lba, f.n))
		return true;
	/* Nothing to stage: the page cache does read-ahead on its own. */
	return scsi_good(r);
}

static bool unmap_parse(const struct scsi_dev *dev, struct scsi_req *r,
			const uint8_t *d, uint32_t len)
{
	uint32_t bdl, i, n;

	if (len < 8)
		return scsi_fail(r, SK_ILLEGAL_REQUEST,
				 ASC_PARAMETER_LIST_LENGTH_ERROR);
	bdl = get_be16(d + 2);
	if (bdl > len - 8)
		bdl = len - 8;
	n = bdl / 16;
	if (n > SCSI_MAX_UNMAP_DESC)
		return bad_param(r, 2);
	if (!n)
		return scsi_good(r);
	r->ranges = calloc(n, sizeof(*r->ranges));
	if (!r->ranges)
		return scsi_fail(r, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
	for (i = 0; i < n; i++) {
		const uint8_t *e = d + 8 + 16 * i;

		r->ranges[i].lba = get_be64(e);
		r->ranges[i].nblk = get_be32(e + 8);
		if (!range_ok(dev, r->ranges[i].lba, r->ranges[i].nblk)) {
			free(r->ranges);
			r->ranges = NULL;
			return scsi_fail(r, SK_ILLEGAL_REQUEST,
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

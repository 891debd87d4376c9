// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The SCSI command layer alone (scsi.h): decode a CDB, execute it with
 * its Data-Out, run the I/O plan against a pretend disk and complete it,
 * as session.c does. Tens of thousands of CDBs a second, against the
 * ~2000 whole connections a second of fuzz_conn, so the handlers' corner
 * cases get explored here. Besides memory errors it checks what the
 * transport relies on: an I/O plan never leaves the LUN, replies fit the
 * sense buffer, data lengths are what was allocated.
 *
 * Input: 16 bytes CDB, 4 bytes expected transfer length (BE), 1 byte of
 * device flags (present, read-only, write cache, can unmap, LUN exists,
 * device size class), 1 byte read result (0 ok, else a negative errno),
 * then the Data-Out bytes (zero-padded to what the command asks for).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "pdu.h"
#include "scsi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Data-Out bigger than this is not gathered (session.c would, up to
 * 8 MiB; the handlers do not care about the size, the fuzzer's speed
 * does). */
#define FZ_DOUT_MAX	(256u << 10)

static const uint64_t nblocks_choice[4] = { 1, 2048, 1ull << 32,
					    (1ull << 48) - 1 };
static const int res_choice[8] = { 0, -EIO, -ENXIO, -ENOSPC, -EBADF,
				   -ENODEV, -EINVAL, 0 };
static const uint16_t lun_ids[] = { 0, 3, 511 };

static void check_plan(const struct scsi_dev *dev, const struct scsi_req *r)
{
	uint32_t i;

	switch (r->io) {
	case SCSI_IO_READ:
	case SCSI_IO_WRITE:
	case SCSI_IO_VERIFY:
	case SCSI_IO_WRITE_SAME:
	case SCSI_IO_CAW:
		FZ_CHECK(r->nblk > 0);
		FZ_CHECK(r->lba < dev->nblocks &&
			 r->nblk <= dev->nblocks - r->lba);
		FZ_CHECK(r->nblk <= SCSI_MAX_XFER_BLOCKS);
		if (r->io != SCSI_IO_READ && r->io != SCSI_IO_VERIFY)
			FZ_CHECK(!dev->read_only);
		break;
	case SCSI_IO_UNMAP:
		FZ_CHECK(!dev->read_only);
		for (i = 0; i < r->nranges; i++)
			FZ_CHECK(r->ranges[i].lba <= dev->nblocks &&
				 r->ranges[i].nblk <=
					 dev->nblocks - r->ranges[i].lba);
		break;
	case SCSI_IO_GET_LBA_STATUS:
		FZ_CHECK(r->lba < dev->nblocks);
		break;
	default:
		break;
	}
}

static void check_answer(const struct scsi_req *r)
{
	FZ_CHECK(r->sense_len <= SCSI_SENSE_LEN);
	if (r->status == SCSI_STATUS_CHECK_CONDITION)
		FZ_CHECK(r->sense_len > 0);
	if (r->data_len) {
		FZ_CHECK(r->data != NULL);
		/* every byte handed to the transport must be readable */
		volatile uint8_t x = 0;

		for (uint32_t i = 0; i < r->data_len; i++)
			x ^= r->data[i];
		(void)x;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scsi_dev dev = { .naa_id = 0x123456789abcdefull,
				.serial = "fuzz0001", .rel_port = 1 };
	struct scsi_lun_list ll = { .luns = lun_ids, .n = 3 };
	struct scsi_req r;
	uint8_t cdb[16], *dout = NULL;
	uint32_t dout_len = 0;
	int res, rounds = 0;
	bool done;

	if (size < 22)
		return 0;
	memcpy(cdb, data, 16);
	dev.present = data[20] & 1;
	dev.read_only = data[20] & 2;
	dev.write_cache = data[20] & 4;
	dev.can_unmap = data[20] & 8;
	dev.nblocks = nblocks_choice[(data[20] >> 5) & 3];
	res = res_choice[data[21] & 7];

	memset(&r, 0, sizeof(r));
	r.cdb = cdb;
	r.cdb_len = 16;
	r.exp_len = get_be32(data + 16);
	r.lun_exists = data[20] & 16;
	r.lun_id = 0;

	done = scsi_decode(&dev, &ll, &r);
	check_answer(&r);
	if (done) {
		FZ_CHECK(r.io == SCSI_IO_NONE);
		goto out;
	}
	check_plan(&dev, &r);
	if (r.dout_len) {
		/* session.c refuses a command whose EDTL differs */
		if (r.dout_len > FZ_DOUT_MAX)
			goto out;
		dout_len = r.dout_len;
		dout = calloc(1, dout_len);
		if (!dout)
			goto out;
		memcpy(dout, data + 22,
		       size - 22 < dout_len ? size - 22 : dout_len);
		scsi_execute(&dev, &r, dout, dout_len);
		check_answer(&r);
		if (r.io == SCSI_IO_NONE)
			goto out;
		check_plan(&dev, &r);
	}
	/* the transport runs the plan; reads bring back a pattern */
	while (r.io != SCSI_IO_NONE && rounds++ < 2) {
		if (r.io == SCSI_IO_GET_LBA_STATUS) {
			scsi_lba_status_done(&r, r.lba & 1, r.nblk);
			check_answer(&r);
			break;
		}
		if (r.io == SCSI_IO_READ || r.io == SCSI_IO_VERIFY ||
		    (r.io == SCSI_IO_CAW && !r.bytchk)) {
			uint64_t len = r.nblk << SCSI_BLOCK_SHIFT;

			if (len > FZ_DOUT_MAX)
				break;
			free(r.data);
			r.data = malloc(len);
			if (!r.data)
				break;
			/* zeros, so compares against zero Data-Out match */
			memset(r.data, 0, len);
			r.data_len = len;
		}
		if (r.io == SCSI_IO_CAW || r.io == SCSI_IO_VERIFY)
			FZ_CHECK(dout != NULL || r.bytchk == 0);
		if (!scsi_complete(&dev, &r, res, dout))
			break;
		/* CAW's (or ORWRITE's) write half stays within the LUN */
		FZ_CHECK(r.io == SCSI_IO_CAW);
		check_plan(&dev, &r);
		res = 0;
	}
	check_answer(&r);
out:
	scsi_req_release(&r);
	free(dout);
	return 0;
}

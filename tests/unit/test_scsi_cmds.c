// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Every SCSI command handler of xpan-iod, good and bad CDBs. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "iodaemon/pdu.h"
#include "iodaemon/scsi.h"

static struct scsi_dev dev;
static uint16_t lun_ids[] = { 0, 1, 300 };
static struct scsi_lun_list ll = { lun_ids, 3 };
static struct scsi_req r;
static uint8_t cdb[16];

static void setup(void)
{
	memset(&dev, 0, sizeof(dev));
	dev.nblocks = 1000;
	dev.present = true;
	dev.can_unmap = true;
	dev.naa_id = 0x123456789abcdefull;
	strcpy(dev.serial, "0011223344556677");
	dev.rel_port = 1;
	memset(cdb, 0, sizeof(cdb));
}

static void teardown(void)
{
	scsi_req_release(&r);
}

TestSuite(scsi, .init = setup, .fini = teardown);

static bool run(void)
{
	scsi_req_release(&r);
	memset(&r, 0, sizeof(r));
	r.cdb = cdb;
	r.cdb_len = 16;
	r.lun_exists = true;
	r.exp_len = 65536;
	return scsi_decode(&dev, &ll, &r);
}

#define expect_sense(key, asc)                                                \
	do {                                                                  \
		cr_assert_eq(r.status, SCSI_STATUS_CHECK_CONDITION,           \
			     "status 0x%x", r.status);                         \
		cr_assert_eq(sense_key(r.sense), (key), "sense key 0x%x",     \
			     sense_key(r.sense));                             \
		cr_assert_eq(sense_asc(r.sense), (asc), "asc/ascq 0x%04x",    \
			     sense_asc(r.sense));                             \
		cr_assert_eq(r.io, SCSI_IO_NONE);                             \
	} while (0)

#define expect_good()                                                         \
	do {                                                                  \
		cr_assert_eq(r.status, SCSI_STATUS_GOOD, "status 0x%x",       \
			     r.status);                                       \
	} while (0)

/* READ(10)/WRITE(10)-style CDB */
static void cdb10(uint8_t op, uint8_t flags, uint32_t lba, uint16_t n)
{
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = op;
	cdb[1] = flags;
	put_be32(cdb + 2, lba);
	put_be16(cdb + 7, n);
}

static void cdb12(uint8_t op, uint8_t flags, uint32_t lba, uint32_t n)
{
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = op;
	cdb[1] = flags;
	put_be32(cdb + 2, lba);
	put_be32(cdb + 6, n);
}

static void cdb16(uint8_t op, uint8_t flags, uint64_t lba, uint32_t n)
{
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = op;
	cdb[1] = flags;
	put_be64(cdb + 2, lba);
	put_be32(cdb + 10, n);
}

Test(scsi, test_unit_ready)
{
	cr_assert(run());
	expect_good();
	dev.present = false;
	run();
	expect_sense(SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
}

Test(scsi, missing_lun)
{
	cdb10(0x28, 0, 0, 1);
	scsi_req_release(&r);
	memset(&r, 0, sizeof(r));
	r.cdb = cdb;
	r.lun_exists = false;
	scsi_decode(&dev, &ll, &r);
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED);
}

Test(scsi, inquiry_standard)
{
	cdb[0] = 0x12;
	put_be16(cdb + 3, 255);
	cr_assert(run());
	expect_good();
	cr_assert_eq(r.data_len, 96);
	cr_assert_eq(r.data[0], 0x00, "direct access device");
	cr_assert_eq(r.data[4], 91, "additional length");
	cr_assert(!memcmp(r.data + 8, "XPAN    ", 8));
	cr_assert_eq(get_be16(r.data + 62), 0x0460, "SPC-4 descriptor");
	/* allocation length cuts the data */
	put_be16(cdb + 3, 5);
	run();
	cr_assert_eq(r.data_len, 5);
	put_be16(cdb + 3, 0);
	run();
	expect_good();
	cr_assert_eq(r.data_len, 0);
}

Test(scsi, inquiry_bad_fields)
{
	cdb[0] = 0x12;
	put_be16(cdb + 3, 255);
	cdb[2] = 0x80;			/* page without EVPD */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	cr_assert_eq(get_be16(r.sense + 16), 2, "field pointer byte 2");
	cdb[2] = 0;
	cdb[1] = 0x02;			/* CMDDT */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	cdb[1] = 0x01;
	cdb[2] = 0xc7;			/* unsupported VPD page */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
}

Test(scsi, inquiry_no_lun)
{
	cdb[0] = 0x12;
	put_be16(cdb + 3, 36);
	scsi_req_release(&r);
	memset(&r, 0, sizeof(r));
	r.cdb = cdb;
	r.lun_exists = false;
	scsi_decode(&dev, &ll, &r);
	expect_good();
	cr_assert_eq(r.data[0], 0x7f, "qualifier 011b, type 1Fh");
}

static const uint8_t *vpd(uint8_t page)
{
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x12;
	cdb[1] = 1;
	cdb[2] = page;
	put_be16(cdb + 3, 255);
	run();
	expect_good();
	cr_assert_eq(r.data[1], page);
	cr_assert_eq(get_be16(r.data + 2) + 4, r.data_len, "page length");
	return r.data;
}

Test(scsi, vpd_pages)
{
	const uint8_t *p;

	p = vpd(0x00);
	cr_assert_eq(r.data_len, 10);
	cr_assert(!memcmp(p + 4, "\x00\x80\x83\xb0\xb1\xb2", 6));
	p = vpd(0x80);
	cr_assert(!memcmp(p + 4, "0011223344556677", 16));
	p = vpd(0x83);
	cr_assert_eq(p[5] & 0x0f, 3, "first designator is NAA");
	cr_assert_eq(p[8] >> 4, 3, "NAA locally assigned");
	p = vpd(0xb0);
	cr_assert_eq(get_be32(p + 8), SCSI_MAX_XFER_BLOCKS);
	cr_assert_eq(p[5], SCSI_MAX_CAW_BLOCKS);
	cr_assert_eq(get_be32(p + 24), SCSI_MAX_UNMAP_DESC);
	p = vpd(0xb1);
	cr_assert_eq(get_be16(p + 4), 1, "non-rotating");
	p = vpd(0xb2);
	cr_assert_eq(p[5] & 0xe4, 0xe4, "LBPU LBPWS LBPWS10 LBPRZ");
	dev.can_unmap = false;
	p = vpd(0xb2);
	cr_assert_eq(p[5], 0);
	p = vpd(0xb0);
	cr_assert_eq(get_be32(p + 20), 0, "no unmap without PUNCH_HOLE");
}

Test(scsi, read_capacity)
{
	cdb[0] = 0x25;
	run();
	expect_good();
	cr_assert_eq(get_be32(r.data), 999);
	cr_assert_eq(get_be32(r.data + 4), 512);
	memset(cdb, 0, 16);
	cdb[0] = 0x9e;
	cdb[1] = 0x10;
	put_be32(cdb + 10, 32);
	run();
	expect_good();
	cr_assert_eq(r.data_len, 32);
	cr_assert_eq(get_be64(r.data), 999);
	cr_assert_eq(r.data[14] & 0xc0, 0xc0, "LBPME LBPRZ");
	put_be32(cdb + 10, 8);
	run();
	cr_assert_eq(r.data_len, 8);
	cdb[1] = 0x1f;			/* unknown service action */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	dev.nblocks = 1ull << 33;
	memset(cdb, 0, 16);
	cdb[0] = 0x25;
	run();
	cr_assert_eq(get_be32(r.data), 0xffffffffu, "use READ CAPACITY(16)");
}

Test(scsi, get_lba_status)
{
	cdb16(0x9e, 0x12, 10, 24);
	cr_assert_not(run());
	cr_assert_eq(r.io, SCSI_IO_GET_LBA_STATUS);
	scsi_lba_status_done(&r, false, 8);
	expect_good();
	cr_assert_eq(get_be64(r.data + 8), 10);
	cr_assert_eq(get_be32(r.data + 16), 8);
	cr_assert_eq(r.data[20], 1, "deallocated");
	cdb16(0x9e, 0x12, 1000, 24);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
}

Test(scsi, read6)
{
	memset(cdb, 0, 16);
	cdb[0] = 0x08;
	put_be24(cdb + 1, 5);
	cdb[4] = 0;			/* 0 means 256 blocks */
	cr_assert_not(run());
	cr_assert_eq(r.io, SCSI_IO_READ);
	cr_assert_eq(r.lba, 5);
	cr_assert_eq(r.nblk, 256);
	put_be24(cdb + 1, 900);
	cdb[4] = 101;
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
}

Test(scsi, read10_12_16)
{
	cdb10(0x28, 0x18, 7, 3);	/* DPO FUA are fine */
	cr_assert_not(run());
	cr_assert_eq(r.io, SCSI_IO_READ);
	cr_assert_eq(r.lba, 7);
	cr_assert_eq(r.nblk, 3);
	cdb12(0xa8, 0, 997, 3);
	cr_assert_not(run());
	cr_assert_eq(r.nblk, 3);
	cdb16(0x88, 0, 999, 1);
	cr_assert_not(run());
	cr_assert_eq(r.lba, 999);
	cdb10(0x28, 0, 1000, 0);	/* 0 blocks at the end: nothing */
	cr_assert(run());
	expect_good();
}

Test(scsi, read_errors)
{
	cdb10(0x28, 0, 999, 2);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	cdb16(0x88, 0, ~0ull, 1);	/* LBA -1 must not wrap */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	cdb16(0x88, 0, 1ull << 63, 1);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	cdb10(0x28, 0x20, 0, 1);	/* RDPROTECT */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	dev.nblocks = 1 << 20;
	cdb12(0xa8, 0, 0, SCSI_MAX_XFER_BLOCKS + 1);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
}

Test(scsi, write_all_sizes)
{
	memset(cdb, 0, 16);
	cdb[0] = 0x0a;
	put_be24(cdb + 1, 1);
	cdb[4] = 2;
	cr_assert_not(run());
	cr_assert_eq(r.io, SCSI_IO_WRITE);
	cr_assert_eq(r.dout_len, 1024);
	cr_assert(r.fua, "WCE=0: every write is durable");
	dev.write_cache = true;
	cdb10(0x2a, 0, 10, 4);
	cr_assert_not(run());
	cr_assert_eq(r.dout_len, 2048);
	cr_assert_not(r.fua);
	cdb10(0x2a, 0x08, 10, 4);
	run();
	cr_assert(r.fua, "FUA honoured");
	cdb12(0xaa, 0, 10, 1);
	cr_assert_not(run());
	cr_assert_eq(r.nblk, 1);
	cdb16(0x8a, 0, 10, 1);
	cr_assert_not(run());
	cr_assert_eq(r.lba, 10);
	cdb16(0x8e, 0, 10, 1);		/* WRITE AND VERIFY */
	cr_assert_not(run());
	cr_assert_eq(r.io, SCSI_IO_WRITE);
	cr_assert(r.fua);
}

Test(scsi, write_errors)
{
	cdb10(0x2a, 0, 1000, 1);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	cdb10(0x2a, 0x40, 0, 1);	/* WRPROTECT */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	dev.read_only = true;
	cdb10(0x2a, 0, 0, 1);
	run();
	expect_sense(SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
	cdb10(0x2e, 0, 0, 1);
	run();
	expect_sense(SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
}

Test(scsi, verify)
{
	uint8_t disk[1024], dout[1024];

	cdb10(0x2f, 0, 0, 2);		/* BYTCHK 0: medium check only */
	cr_assert_not(run());
	cr_assert_eq(r.io, SCSI_IO_VERIFY);
	cr_assert_eq(r.dout_len, 0);
	cdb10(0x2f, 0x02, 0, 2);	/* BYTCHK 1 */
	cr_assert_not(run());
	cr_assert_eq(r.dout_len, 1024);
	memset(disk, 'a', sizeof(disk));
	memset(dout, 'a', sizeof(dout));
	dout[700] = 'b';
	r.data = malloc(1024);
	memcpy(r.data, disk, 1024);
	r.data_len = 1024;
	cr_assert_not(scsi_complete(&dev, &r, 0, dout));
	expect_sense(SK_MISCOMPARE, ASC_MISCOMPARE_DURING_VERIFY);
	cr_assert(r.sense[0] & 0x80, "INFORMATION valid");
	cr_assert_eq(get_be32(r.sense + 3), 700, "offset of the difference");
	cdb12(0xaf, 0x06, 0, 2);	/* BYTCHK 3: one block for all */
	cr_assert_not(run());
	cr_assert_eq(r.dout_len, 512);
	r.data = malloc(1024);
	memcpy(r.data, disk, 1024);
	cr_assert_not(scsi_complete(&dev, &r, 0, dout));
	expect_good();
	cdb16(0x8f, 0x04, 0, 1);	/* BYTCHK 2: reserved */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	cdb16(0x8f, 0x20, 0, 1);	/* VRPROTECT */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	cdb16(0x8f, 0, 999, 2);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
}

Test(scsi, write_same)
{
	uint8_t zero[512] = { 0 }, ones[512];

	memset(ones, 1, sizeof(ones));
	cdb10(0x41, 0x08, 100, 16);	/* UNMAP bit */
	cr_assert_not(run());
	cr_assert_eq(r.io, SCSI_IO_WRITE_SAME);
	cr_assert_eq(r.dout_len, 512);
	scsi_execute(&dev, &r, zero, 512);
	cr_assert(r.unmap, "zeros with UNMAP punch a hole");
	cdb16(0x93, 0x08, 100, 16);
	run();
	scsi_execute(&dev, &r, ones, 512);
	cr_assert(r.unmap, "UNMAP deallocates whatever the data");
	dev.can_unmap = false;
	run();
	scsi_execute(&dev, &r, ones, 512);
	cr_assert_not(r.unmap, "no hole punching: the data is written");
	dev.can_unmap = true;
	dev.nblocks = 1 << 20;
	cdb16(0x93, 0, 0, SCSI_MAX_WS_BLOCKS + 1);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	cdb16(0x93, 0, 0, 0);		/* 0 = the whole LUN: too long too */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	dev.nblocks = 1000;
	cdb16(0x93, 0x01, 100, 16);	/* NDOB */
	run();
	cr_assert_eq(r.dout_len, 0);
	cdb10(0x41, 0, 100, 0);		/* WSNZ=0: to the last LBA */
	cr_assert_not(run());
	cr_assert_eq(r.nblk, 900);
	cdb10(0x41, 0, 1000, 0);	/* ... which is nothing at the end */
	cr_assert(run());
	expect_good();
	cdb10(0x41, 0, 1001, 0);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	cdb10(0x41, 0x10, 100, 1);	/* ANCHOR */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	cdb10(0x41, 0x01, 100, 1);	/* NDOB is not in the 10-byte CDB */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	cdb16(0x93, 0, 995, 6);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	cdb16(0x93, 0x20, 0, 1);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
}

static void unmap_param(uint8_t *p, uint64_t lba, uint32_t n)
{
	memset(p, 0, 24);
	put_be16(p, 22);
	put_be16(p + 2, 16);
	put_be64(p + 8, lba);
	put_be32(p + 16, n);
}

Test(scsi, unmap)
{
	uint8_t p[24];

	cdb10(0x42, 0, 0, 24);
	cr_assert_not(run());
	cr_assert_eq(r.io, SCSI_IO_UNMAP);
	cr_assert_eq(r.dout_len, 24);
	unmap_param(p, 10, 20);
	scsi_execute(&dev, &r, p, 24);
	cr_assert_eq(r.io, SCSI_IO_UNMAP);
	cr_assert_eq(r.nranges, 1);
	cr_assert_eq(r.ranges[0].lba, 10);
	cr_assert_eq(r.ranges[0].nblk, 20);
	run();
	unmap_param(p, 990, 20);
	scsi_execute(&dev, &r, p, 24);
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	run();
	scsi_execute(&dev, &r, p, 4);
	expect_sense(SK_ILLEGAL_REQUEST, ASC_PARAMETER_LIST_LENGTH_ERROR);
	cdb10(0x42, 0, 0, 0);		/* empty list: nothing to do */
	cr_assert(run());
	expect_good();
	cdb10(0x42, 0x01, 0, 24);	/* ANCHOR */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	dev.can_unmap = false;
	cdb10(0x42, 0, 0, 24);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
}

Test(scsi, compare_and_write)
{
	uint8_t dout[2048];

	memset(cdb, 0, 16);
	cdb[0] = 0x89;
	put_be64(cdb + 2, 50);
	cdb[13] = 2;
	cr_assert_not(run());
	cr_assert_eq(r.io, SCSI_IO_CAW);
	cr_assert_eq(r.dout_len, 2048);
	memset(dout, 'A', 1024);
	memset(dout + 1024, 'B', 1024);
	r.data = malloc(1024);
	memset(r.data, 'A', 1024);
	cr_assert(scsi_complete(&dev, &r, 0, dout), "match: write phase next");
	cr_assert_eq(r.io, SCSI_IO_CAW);
	cr_assert_not(scsi_complete(&dev, &r, 0, dout));
	expect_good();
	run();
	r.data = malloc(1024);
	memset(r.data, 'A', 1024);
	r.data[513] = 'x';
	cr_assert_not(scsi_complete(&dev, &r, 0, dout));
	expect_sense(SK_MISCOMPARE, ASC_MISCOMPARE_DURING_VERIFY);
	cr_assert_eq(get_be32(r.sense + 3), 513);
	cdb[13] = 0;			/* 256 wrapped to 0, with data */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	cdb[13] = SCSI_MAX_CAW_BLOCKS + 1;
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	put_be64(cdb + 2, 999);
	cdb[13] = 2;
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
}

Test(scsi, sync_cache_prefetch)
{
	cdb10(0x35, 0, 0, 0);
	cr_assert_not(run());
	cr_assert_eq(r.io, SCSI_IO_FLUSH);
	cdb16(0x91, 0, 10, 10);
	cr_assert_not(run());
	cr_assert_eq(r.io, SCSI_IO_FLUSH);
	cdb16(0x91, 0, 1001, 1);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	cdb10(0x34, 0, 10, 10);
	cr_assert(run());
	expect_good();
	cdb16(0x90, 0, 999, 2);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
}

Test(scsi, mode_sense)
{
	memset(cdb, 0, 16);
	cdb[0] = 0x1a;
	cdb[2] = 0x08;
	cdb[4] = 255;
	run();
	expect_good();
	cr_assert_eq(r.data[3], 8, "block descriptor");
	cr_assert_eq(r.data[0] + 1, r.data_len);
	cr_assert_eq(r.data[12], 0x08, "caching page");
	cr_assert_eq(r.data[14] & 0x04, 0, "WCE=0");
	dev.write_cache = true;
	run();
	cr_assert_eq(r.data[14] & 0x04, 0x04, "WCE=1");
	cdb[1] = 0x08;			/* DBD */
	cdb[2] = 0x0a;
	run();
	cr_assert_eq(r.data[3], 0);
	cr_assert_eq(r.data[4], 0x0a, "control page");
	cr_assert_eq(r.data[6] & 0x04, 0, "D_SENSE=0: fixed sense");
	cdb[2] = 0x3f;
	run();
	cr_assert_eq(r.data_len, 4 + 20 + 12 + 12);
	cdb[2] = 0xc0 | 0x08;		/* saved values */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_SAVING_PARAMS_UNSUP);
	cdb[2] = 0x19;
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	dev.read_only = true;
	cdb[2] = 0x3f;
	cdb[4] = 4;
	run();
	cr_assert_eq(r.data_len, 4, "allocation length");
	cr_assert_eq(r.data[2] & 0x80, 0x80, "WP");
	memset(cdb, 0, 16);
	cdb[0] = 0x5a;
	cdb[1] = 0x10;			/* LLBAA */
	cdb[2] = 0x08;
	put_be16(cdb + 7, 512);
	run();
	expect_good();
	cr_assert_eq(get_be16(r.data + 6), 16, "long block descriptor");
	cr_assert_eq(get_be64(r.data + 8), 1000);
	cr_assert_eq(get_be16(r.data) + 2, r.data_len);
}

Test(scsi, report_luns)
{
	memset(cdb, 0, 16);
	cdb[0] = 0xa0;
	put_be32(cdb + 6, 4096);
	run();
	expect_good();
	cr_assert_eq(get_be32(r.data), 24);
	cr_assert_eq(r.data[8 + 1], 0);
	cr_assert_eq(r.data[16 + 1], 1);
	cr_assert_eq(r.data[24], 0x41, "flat space for LUN 300");
	cr_assert_eq(r.data[25], 300 & 0xff);
	put_be32(cdb + 6, 15);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	put_be32(cdb + 6, 4096);
	cdb[2] = 0xff;
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	cdb[2] = 1;			/* well-known LUs only: none */
	run();
	cr_assert_eq(get_be32(r.data), 0);
}

Test(scsi, request_sense)
{
	memset(cdb, 0, 16);
	cdb[0] = 0x03;
	cdb[4] = 252;
	run();
	expect_good();
	cr_assert_eq(r.data_len, SCSI_SENSE_LEN);
	cr_assert_eq(r.data[0], 0x70);
	cr_assert_eq(sense_key(r.data), SK_NO_SENSE);
	cdb[1] = 1;			/* descriptor format */
	run();
	cr_assert_eq(r.data[0], 0x72);
	cdb[1] = 0;
	dev.present = false;
	run();
	cr_assert_eq(sense_key(r.data), SK_NOT_READY);
	cr_assert_eq(sense_asc(r.data), ASC_MEDIUM_NOT_PRESENT);
	cdb[1] = 0x80;
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
}

Test(scsi, misc_commands)
{
	memset(cdb, 0, 16);
	cdb[0] = 0x1b;			/* START STOP UNIT */
	cr_assert(run());
	expect_good();
	cdb[0] = 0x1e;			/* PREVENT ALLOW */
	cr_assert(run());
	expect_good();
	cdb[0] = 0x37;			/* READ DEFECT DATA(10) */
	put_be16(cdb + 7, 4);
	run();
	expect_good();
	cr_assert_eq(get_be16(r.data + 2), 0, "empty defect list");
	memset(cdb, 0, 16);
	cdb[0] = 0xc5;			/* vendor specific */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
	cdb[0] = 0x48;			/* SANITIZE: not offered */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
}

Test(scsi, io_errors)
{
	cdb10(0x28, 0, 0, 1);
	run();
	r.data = malloc(512);
	scsi_complete(&dev, &r, -EIO, NULL);
	expect_sense(SK_MEDIUM_ERROR, ASC_UNRECOVERED_READ_ERROR);
	cr_assert_null(r.data);
	cdb10(0x2a, 0, 0, 1);
	run();
	scsi_complete(&dev, &r, -EIO, NULL);
	expect_sense(SK_MEDIUM_ERROR, ASC_WRITE_ERROR);
	run();
	scsi_complete(&dev, &r, -ENOSPC, NULL);
	expect_sense(SK_DATA_PROTECT, ASC_SPACE_ALLOC_FAILED_WP);
	run();
	scsi_complete(&dev, &r, -ENXIO, NULL);
	expect_sense(SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
}

Test(scsi, orwrite)
{
	uint8_t dout[512];

	cdb16(0x8b, 0, 20, 1);
	cr_assert_not(run());
	cr_assert_eq(r.io, SCSI_IO_CAW);
	cr_assert(r.orwrite);
	cr_assert_eq(r.dout_len, 512);
	memset(dout, 0x0f, sizeof(dout));
	r.data = malloc(512);
	memset(r.data, 0xf0, 512);
	cr_assert(scsi_complete(&dev, &r, 0, dout), "read phase -> write");
	cr_assert(r.write_data);
	cr_assert_eq(r.data[0], 0xff, "OR of medium and data-out");
	cr_assert_not(scsi_complete(&dev, &r, 0, dout));
	expect_good();
	cr_assert_eq(r.data_len, 0, "no Data-In for ORWRITE");
	cdb16(0x8b, 0x20, 20, 1);	/* ORPROTECT */
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	cdb16(0x8b, 0, 1000, 1);
	run();
	expect_sense(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	cdb16(0x8b, 0, 10, 0);
	cr_assert(run());
	expect_good();
}

static void rsoc(uint8_t opts, uint8_t op, uint16_t sa)
{
	memset(cdb, 0, 16);
	cdb[0] = 0xa3;
	cdb[1] = 0x0c;
	cdb[2] = opts;
	cdb[3] = op;
	put_be16(cdb + 4, sa);
	put_be32(cdb + 6, 4096);
	run();
}

Test(scsi, report_supported_opcodes)
{
	size_t i, n;
	bool saw_read10 = false;

	rsoc(0, 0, 0);
	expect_good();
	n = get_be32(r.data) / 8;
	cr_assert_gt(n, 20);
	for (i = 0; i < n; i++) {
		const uint8_t *d = r.data + 4 + 8 * i;

		if (d[0] == 0x28) {
			saw_read10 = true;
			cr_assert_eq(get_be16(d + 6), 10, "CDB length");
		}
		if (d[0] == 0x9e)
			cr_assert(d[5] & 0x01, "SERVACTV for READ CAPACITY(16)");
	}
	cr_assert(saw_read10);
	rsoc(0x80, 0, 0);		/* RCTD: 20-byte descriptors */
	cr_assert_eq(get_be32(r.data), n * 20);
	rsoc(1, 0x28, 0);
	expect_good();
	cr_assert_eq(r.data[1] & 7, 3, "supported");
	cr_assert_eq(get_be16(r.data + 2), 10);
	cr_assert_eq(r.data[5] & 0x18, 0x18, "DPO and FUA are looked at");
	rsoc(1, 0xc9, 0);
	expect_good();
	cr_assert_eq(r.data[1] & 7, 1, "not supported");
	rsoc(1, 0x9e, 0);		/* needs a service action */
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	rsoc(2, 0x9e, 0x10);
	expect_good();
	cr_assert_eq(r.data[1] & 7, 3);
	rsoc(2, 0x28, 0);		/* has none */
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	rsoc(7, 0, 0);
	expect_sense(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
}

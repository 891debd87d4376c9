// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* INQUIRY and VPD pages: the LU identity, kept apart from its commands. */
#include <string.h>

#include "pdu.h"
#include "scsi_internal.h"

#define VENDOR	"XPAN    "
#define PRODUCT	"xpan-iod disk   "
#define REVISION "0001"

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

bool do_inquiry(const struct scsi_dev *dev, struct scsi_req *r)
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
		return scsi_reply(r, b, len, alloc);
	}
	if (!r->lun_exists)
		return scsi_fail(r, SK_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED);
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
	return scsi_reply(r, b, len, alloc);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <string.h>

#include "pdu.h"
#include "sense.h"

void sense_build(uint8_t *buf, uint8_t key, uint16_t asc_ascq,
		 bool info_valid, uint32_t info, const struct sense_field *fp)
{
	memset(buf, 0, SCSI_SENSE_LEN);
	buf[0] = 0x70 | (info_valid ? 0x80 : 0);
	buf[2] = key & 0x0f;
	if (info_valid)
		put_be32(buf + 3, info);
	buf[7] = SCSI_SENSE_LEN - 8;
	buf[12] = asc_ascq >> 8;
	buf[13] = asc_ascq & 0xff;
	if (fp && fp->valid) {
		buf[15] = 0x80 | (fp->in_cdb ? 0x40 : 0);
		if (fp->bit >= 0)
			buf[15] |= 0x08 | (fp->bit & 7);
		put_be16(buf + 16, fp->byte);
	}
}

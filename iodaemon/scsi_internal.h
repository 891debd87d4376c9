/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the scsi*.c pieces call of each other; nothing else includes it. */
#ifndef XPAN_IOD_SCSI_INTERNAL_H
#define XPAN_IOD_SCSI_INTERNAL_H

#include "scsi.h"

/* scsi.c: answers and CDB decoding */
bool bad_field(struct scsi_req *r, uint16_t byte, int bit);
bool scsi_fail(struct scsi_req *r, uint8_t key, uint16_t asc);
bool scsi_good(struct scsi_req *r);
bool scsi_reply(struct scsi_req *r, const void *src, size_t len, uint32_t alloc);

struct rw_fields {
	uint64_t lba;
	uint64_t n;
	uint8_t flags;	/* byte 1 */
};
void rw_decode(const uint8_t *c, struct rw_fields *f);

/* scsi_inquiry.c */
bool do_inquiry(const struct scsi_dev *dev, struct scsi_req *r);

/* scsi_info.c */
bool do_mode_sense(const struct scsi_dev *dev, struct scsi_req *r, bool ten);
bool do_report_luns(const struct scsi_lun_list *ll, struct scsi_req *r);
bool do_request_sense(const struct scsi_dev *dev, struct scsi_req *r);
bool do_read_capacity10(const struct scsi_dev *dev, struct scsi_req *r);
bool do_read_capacity16(const struct scsi_dev *dev, struct scsi_req *r);
bool do_get_lba_status(const struct scsi_dev *dev, struct scsi_req *r);
bool do_read_defect(struct scsi_req *r);

/* scsi_rw.c */
bool do_read(const struct scsi_dev *dev, struct scsi_req *r);
bool do_write(const struct scsi_dev *dev, struct scsi_req *r, bool verify);
bool do_verify(const struct scsi_dev *dev, struct scsi_req *r);
bool do_write_same(const struct scsi_dev *dev, struct scsi_req *r);
bool do_unmap(const struct scsi_dev *dev, struct scsi_req *r);
bool do_caw(const struct scsi_dev *dev, struct scsi_req *r);
bool do_orwrite(const struct scsi_dev *dev, struct scsi_req *r);
bool do_sync_cache(const struct scsi_dev *dev, struct scsi_req *r);
bool do_prefetch(const struct scsi_dev *dev, struct scsi_req *r);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The SCSI block device (SPC-4 / SBC-3) the target emulates for each LUN.
 * The command layer is pure: scsi_decode() checks a CDB and either
 * answers it at once (INQUIRY, MODE SENSE, errors, ...) or describes the
 * backing-store I/O it needs (an "I/O plan"); the transport runs the plan
 * through io_uring and hands the outcome back to scsi_complete(). Unit
 * tests drive every handler without a socket or a disk.
 */
#ifndef XPAN_IOD_SCSI_H
#define XPAN_IOD_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sense.h"

#define SCSI_BLOCK_SHIFT	9
#define SCSI_BLOCK_SIZE		(1u << SCSI_BLOCK_SHIFT)
/* Largest READ/WRITE in blocks (Block Limits VPD): 8 MiB. */
#define SCSI_MAX_XFER_BLOCKS	16384u
/* WRITE SAME writes its range in pieces of this many blocks (1 MiB) */
#define SCSI_WS_CHUNK_BLOCKS	2048u
#define SCSI_MAX_WS_BLOCKS	SCSI_MAX_XFER_BLOCKS
#define SCSI_MAX_CAW_BLOCKS	128u
#define SCSI_MAX_UNMAP_DESC	256u
/* Unmap granularity: a filesystem page (4 KiB) in blocks. */
#define SCSI_UNMAP_GRANULARITY	8u

/* What the command layer knows about one logical unit. */
struct scsi_dev {
	uint64_t nblocks;
	bool present;		/* false: backing store vanished */
	bool read_only;
	bool can_unmap;		/* backing supports PUNCH_HOLE */
	bool write_cache;	/* WCE reported in the caching page */
	uint64_t naa_id;	/* low 60 bits used in the NAA designator */
	char serial[33];
	uint16_t rel_port;	/* relative target port identifier */
};

enum scsi_io {
	SCSI_IO_NONE,		/* answered: status, sense, data set */
	SCSI_IO_READ,		/* read [lba, lba+nblk) into data */
	SCSI_IO_WRITE,		/* write dout to [lba, lba+nblk) */
	SCSI_IO_FLUSH,		/* fdatasync the backing store */
	SCSI_IO_VERIFY,		/* read, then scsi_complete compares */
	SCSI_IO_WRITE_SAME,	/* replicate one block over the range */
	SCSI_IO_UNMAP,		/* punch ranges[] */
	SCSI_IO_CAW,		/* read, compare, then write */
	SCSI_IO_GET_LBA_STATUS,	/* probe allocation at lba */
	SCSI_IO_PROUT,		/* PERSISTENT RESERVE OUT, once dout is in */
};

struct pr_state;

struct scsi_range {
	uint64_t lba;
	uint64_t nblk;
};

struct scsi_req {
	/* in */
	const uint8_t *cdb;
	size_t cdb_len;
	uint32_t exp_len;	/* iSCSI expected data transfer length */
	bool lun_exists;
	uint64_t lun_id;
	struct pr_state *pr;	/* the LU's persistent reservations */
	const char *nexus;	/* I_T nexus name for them */

	/* what the command needs from the initiator before it can run */
	uint32_t dout_len;

	/* out */
	uint8_t status;
	uint8_t sense[SCSI_SENSE_LEN];
	uint8_t sense_len;
	uint8_t *data;		/* Data-In, malloc()ed, or NULL */
	uint32_t data_len;	/* bytes of data valid (after truncation) */

	/* I/O plan */
	enum scsi_io io;
	uint64_t lba;
	uint64_t nblk;
	bool fua;
	bool unmap;		/* WRITE SAME with UNMAP */
	uint8_t bytchk;		/* VERIFY; CAW/ORWRITE: 1 in the write phase */
	bool orwrite;		/* SCSI_IO_CAW runs ORWRITE: data |= dout */
	bool write_data;	/* write phase writes data, not dout's half */
	struct scsi_range *ranges;	/* UNMAP, malloc()ed */
	uint32_t nranges;
};

/* Lists the LUNs an I_T nexus may see, for REPORT LUNS. */
struct scsi_lun_list {
	const uint16_t *luns;
	size_t n;
};

/*
 * Step 1: check the CDB. Sets dout_len when the command carries data
 * from the initiator (WRITE, UNMAP, ...); the transport gathers that much
 * (or exp_len if less) and calls scsi_execute(). Commands without
 * Data-Out are completed or planned right here (scsi_execute() is called
 * internally). Returns true when the command is complete (io == NONE).
 */
bool scsi_decode(const struct scsi_dev *dev, const struct scsi_lun_list *ll,
		 struct scsi_req *r);

/* Step 2, for commands with Data-Out: dout holds dout_len bytes. */
void scsi_execute(const struct scsi_dev *dev, struct scsi_req *r,
		  const uint8_t *dout, uint32_t dout_len);

/*
 * Step 3: the plan ran. res is 0 or a negative errno from the backing
 * store. For VERIFY and CAW, data holds what was read and dout what the
 * initiator sent; scsi_complete compares and may ask for the write half
 * of CAW by returning true (io stays SCSI_IO_CAW and lba/nblk/dout offset
 * describe the write). Returns false once the command is finished.
 */
bool scsi_complete(const struct scsi_dev *dev, struct scsi_req *r, int res,
		   const uint8_t *dout);

/* GET LBA STATUS answer once the transport probed the backing store:
 * mapped tells whether lba is allocated and run how many blocks share it. */
void scsi_lba_status_done(struct scsi_req *r, bool mapped, uint64_t run);

/*
 * Bytes the command may buffer while it runs (Data-Out, data read from
 * the store, a WRITE SAME chunk), known from the CDB alone: the
 * transport reserves them before it takes the command, so that a
 * session's memory stays within its budget. 0 for the commands that
 * answer with a few bytes.
 */
uint64_t scsi_buffer_need(const uint8_t *cdb);

void scsi_set_sense(struct scsi_req *r, uint8_t key, uint16_t asc);
void scsi_req_release(struct scsi_req *r);

#endif

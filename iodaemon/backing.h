/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Backing-store I/O through one io_uring: every read, write, flush and
 * hole punch of every LUN is submitted here and completes through a
 * callback from the event loop, so many commands are in flight without a
 * thread per command. The ring signals completions on an eventfd that
 * sits in the daemon's epoll set.
 */
#ifndef XPAN_IOD_BACKING_H
#define XPAN_IOD_BACKING_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

struct iod_io;
typedef void (*iod_io_done_fn)(struct iod_io *io, int res);

/* Embedded in the caller's request; res is the CQE result. */
struct iod_io {
	iod_io_done_fn done;
};

struct iod_ring {
	struct io_uring ring;
	int efd;
	unsigned int inflight;
	unsigned int pending;	/* prepared, not yet submitted */
};

int iod_ring_init(struct iod_ring *r, unsigned int entries);
void iod_ring_exit(struct iod_ring *r);

/* Each queues one operation; 0 or -errno. dsync makes a write durable
 * before it completes (RWF_DSYNC: FUA, or WCE=0). */
int iod_ring_read(struct iod_ring *r, int fd, void *buf, uint32_t len,
		  uint64_t off, struct iod_io *io);
int iod_ring_write(struct iod_ring *r, int fd, const void *buf, uint32_t len,
		   uint64_t off, bool dsync, struct iod_io *io);
int iod_ring_fsync(struct iod_ring *r, int fd, struct iod_io *io);
int iod_ring_punch(struct iod_ring *r, int fd, uint64_t off, uint64_t len,
		   struct iod_io *io);

/* Submits what was queued. */
int iod_ring_submit(struct iod_ring *r);
/* Runs the callbacks of finished operations; returns how many. */
int iod_ring_reap(struct iod_ring *r);

#endif

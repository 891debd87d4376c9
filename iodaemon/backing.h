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
#include <sys/socket.h>

struct iod_io;
typedef void (*iod_io_done_fn)(struct iod_io *io, int res);

/* Embedded in the caller's request; res is the CQE result, flags its
 * flags (IORING_CQE_F_MORE: a multishot request stays armed). */
struct iod_io {
	iod_io_done_fn done;
	unsigned int cqe_flags;
	bool untracked;		/* not counted in inflight (the loop's poll) */
};

struct iod_ring {
	struct io_uring ring;
	int efd;		/* completion eventfd; -1 for the loop's ring */
	unsigned int inflight;
	unsigned int pending;	/* prepared, not yet submitted */
};

/* A ring whose completions an epoll set learns from its eventfd (tests
 * and fuzzers drive connections that way). */
int iod_ring_init(struct iod_ring *r, unsigned int entries);
/* The event loop's ring (server.c): no eventfd, the loop waits in
 * io_uring_enter itself (iod_ring_wait); task work deferred to that wait
 * where the kernel has IORING_SETUP_DEFER_TASKRUN (6.1+). */
int iod_ring_init_loop(struct iod_ring *r, unsigned int entries);
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

/* Socket I/O of connections (session_net.c). */
int iod_ring_recv(struct iod_ring *r, int fd, void *buf, size_t len,
		  struct iod_io *io);
int iod_ring_sendmsg(struct iod_ring *r, int fd, const struct msghdr *msg,
		     struct iod_io *io);
/* One poll for POLLIN on fd (the loop's epoll set), not counted in
 * inflight: it stays armed while the loop runs. */
int iod_ring_poll(struct iod_ring *r, int fd, struct iod_io *io);

/* Submits what was queued. */
int iod_ring_submit(struct iod_ring *r);
/* Submits what was queued and waits up to ms for one completion: one
 * io_uring_enter per loop turn. */
int iod_ring_wait(struct iod_ring *r, int ms);
/* Runs the callbacks of finished operations; returns how many. */
int iod_ring_reap(struct iod_ring *r);

#endif

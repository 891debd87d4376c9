// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backing.h"

int iod_ring_init(struct iod_ring *r, unsigned int entries)
{
	int ret;

	r->inflight = 0;
	r->pending = 0;
	ret = io_uring_queue_init(entries, &r->ring, 0);
	if (ret < 0)
		return ret;
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->efd < 0) {
		ret = -errno;
		goto out_queue;
	}
	ret = io_uring_register_eventfd(&r->ring, r->efd);
	if (ret < 0)
		goto out_efd;
	return 0;
out_efd:
	close(r->efd);
out_queue:
	io_uring_queue_exit(&r->ring);
	return ret;
}

void iod_ring_exit(struct iod_ring *r)
{
	io_uring_queue_exit(&r->ring);
	close(r->efd);
}

/* A full submission queue is flushed to the kernel to make room. */
static struct io_uring_sqe *get_sqe(struct iod_ring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

	if (!sqe) {
		iod_ring_submit(r);
		sqe = io_uring_get_sqe(&r->ring);
	}
	if (sqe) {
		r->pending++;
		r->inflight++;
	}
	return sqe;
}

int iod_ring_read(struct iod_ring *r, int fd, void *buf, uint32_t len,
		  uint64_t off, struct iod_io *io)
{
	struct io_uring_sqe *sqe = get_sqe(r);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_read(sqe, fd, buf, len, off);
	io_uring_sqe_set_data(sqe, io);
	return 0;
}

int iod_ring_write(struct iod_ring *r, int fd, const void *buf, uint32_t len,
		   uint64_t off, bool dsync, struct iod_io *io)
{
	struct io_uring_sqe *sqe = get_sqe(r);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_write(sqe, fd, buf, len, off);
	if (dsync)
		sqe->rw_flags = RWF_DSYNC;
	io_uring_sqe_set_data(sqe, io);
	return 0;
}

int iod_ring_fsync(struct iod_ring *r, int fd, struct iod_io *io)
{
	struct io_uring_sqe *sqe = get_sqe(r);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data(sqe, io);
	return 0;
}

int iod_ring_punch(struct iod_ring *r, int fd, uint64_t off, uint64_t len,
		   struct iod_io *io)
{
	struct io_uring_sqe *sqe = get_sqe(r);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_fallocate(sqe, fd,
				FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				off, len);
	io_uring_sqe_set_data(sqe, io);
	return 0;
}

int iod_ring_submit(struct iod_ring *r)
{
	int ret;

	if (!r->pending)
		return 0;
	ret = io_uring_submit(&r->ring);
	if (ret >= 0)
		r->pending = 0;
	return ret;
}

int iod_ring_reap(struct iod_ring *r)
{
	struct io_uring_cqe *cqe;
	uint64_t v;
	int n = 0;

	if (read(r->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	while (io_uring_peek_cqe(&r->ring, &cqe) == 0) {
		struct iod_io *io = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&r->ring, cqe);
		r->inflight--;
		n++;
		if (io && io->done)
			io->done(io, res);
	}
	return n;
}

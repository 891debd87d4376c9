// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <poll.h>
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

int iod_ring_init_loop(struct iod_ring *r, unsigned int entries)
{
	unsigned int flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |
			     IORING_SETUP_SINGLE_ISSUER |
			     IORING_SETUP_DEFER_TASKRUN;
	int ret;

	r->inflight = 0;
	r->pending = 0;
	r->efd = -1;
	ret = io_uring_queue_init(entries, &r->ring, flags);
	if (ret == -EINVAL)	/* kernel before 6.1 */
		ret = io_uring_queue_init(entries, &r->ring, 0);
	return ret < 0 ? ret : 0;
}

void iod_ring_exit(struct iod_ring *r)
{
	io_uring_queue_exit(&r->ring);
	if (r->efd >= 0)
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

int iod_ring_recv(struct iod_ring *r, int fd, void *buf, size_t len,
		  struct iod_io *io)
{
	struct io_uring_sqe *sqe = get_sqe(r);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_recv(sqe, fd, buf, len, 0);
	/* queued right after the input was consumed: the socket is most
	 * likely empty, so wait for data instead of trying first */
	sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
	io_uring_sqe_set_data(sqe, io);
	return 0;
}

int iod_ring_sendmsg(struct iod_ring *r, int fd, const struct msghdr *msg,
		     struct iod_io *io)
{
	struct io_uring_sqe *sqe = get_sqe(r);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_sendmsg(sqe, fd, msg, MSG_NOSIGNAL);
	io_uring_sqe_set_data(sqe, io);
	return 0;
}

int iod_ring_poll(struct iod_ring *r, int fd, struct iod_io *io)
{
	struct io_uring_sqe *sqe = get_sqe(r);

	if (!sqe)
		return -EBUSY;
	r->inflight--;
	io->untracked = true;
	io_uring_prep_poll_add(sqe, fd, POLLIN);
	io_uring_sqe_set_data(sqe, io);
	return 0;
}

int iod_ring_wait(struct iod_ring *r, int ms)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000,
					.tv_nsec = (ms % 1000) * 1000000ll };
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_submit_and_wait_timeout(&r->ring, &cqe, 1,
					       ms < 0 ? NULL : &ts, NULL);
	if (ret >= 0 || ret == -ETIME)
		r->pending = 0;
	return ret == -ETIME || ret == -EINTR ? 0 : ret < 0 ? ret : 0;
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

	if (r->efd >= 0 && read(r->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	while (io_uring_peek_cqe(&r->ring, &cqe) == 0) {
		struct iod_io *io = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		unsigned int flags = cqe->flags;

		io_uring_cqe_seen(&r->ring, cqe);
		/* a multishot request stays in flight while F_MORE is set */
		if (!(flags & IORING_CQE_F_MORE) && !(io && io->untracked))
			r->inflight--;
		n++;
		if (io) {
			io->cqe_flags = flags;
			if (io->done)
				io->done(io, res);
		}
	}
	return n;
}

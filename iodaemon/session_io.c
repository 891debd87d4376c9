// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A task's backing I/O on the server's io_uring. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "session_internal.h"

static uint64_t lun_off(struct iscsi_task *t, uint64_t lba)
{
	return t->lun->offset + (lba << SCSI_BLOCK_SHIFT);
}

static void io_done(struct iod_io *io, int res);

/*
 * Reads of IOD_DIRECT_MIN bytes and more bypass the page cache: the disk
 * fills the buffer that is sent, where a buffered read costs a page
 * cache fill plus a copy of every byte (80 % of xpan-iod's CPU on 1 MiB
 * reads from a cold cache, docs/bench-storage.md). Smaller reads stay
 * buffered, so hot blocks are served from memory. Writes stay buffered
 * (write_cache semantics); a direct read of a range with dirty pages
 * has the kernel write them back first, so it sees every write.
 */
#define IOD_DIRECT_MIN	(64u << 10)
#define IOD_DIRECT_ALIGN	4096u

static bool read_direct(const struct iscsi_task *t)
{
	return t->lun->store->dfd >= 0 && t->io_len >= IOD_DIRECT_MIN &&
	       !((uintptr_t)t->io_buf % IOD_DIRECT_ALIGN) &&
	       !(t->io_off % SCSI_BLOCK_SIZE) &&
	       !(t->io_len % SCSI_BLOCK_SIZE);
}

static int submit_rw(struct iscsi_task *t)
{
	struct iod_ring *r = &t->conn->srv->ring;
	int fd = t->lun->store->fd, ret;

	t->io.done = io_done;
	t->io_direct = false;
	if (t->io_write) {
		ret = iod_ring_write(r, fd, t->io_buf, t->io_len, t->io_off,
				     t->io_dsync, &t->io);
	} else {
		t->io_direct = read_direct(t);
		ret = iod_ring_read(r, t->io_direct ? t->lun->store->dfd : fd,
				    t->io_buf, t->io_len, t->io_off, &t->io);
	}
	if (!ret) {
		t->io_pending++;
		t->conn->refs++;
	}
	return ret;
}

static int start_rw(struct iscsi_task *t, bool write, uint8_t *buf,
		    uint64_t lba, uint64_t nblk, bool dsync)
{
	t->io_write = write;
	t->io_buf = buf;
	t->io_off = lun_off(t, lba);
	t->io_len = nblk << SCSI_BLOCK_SHIFT;
	t->io_dsync = dsync;
	return submit_rw(t);
}

/* WRITE SAME goes out one chunk at a time from one replicated buffer. */
static int ws_next_chunk(struct iscsi_task *t)
{
	uint64_t n = t->ws_end - t->ws_next;

	if (n > SCSI_WS_CHUNK_BLOCKS)
		n = SCSI_WS_CHUNK_BLOCKS;
	t->ws_next += n;
	return start_rw(t, true, t->ws_buf, t->ws_next - n, n, t->req.fua);
}

static void io_finish(struct iscsi_task *t, int res)
{
	const uint8_t *dout = t->dout;

	if (t->aborted) {
		task_respond(t);
		return;
	}
	if (scsi_complete(&t->lun->sdev, &t->req, res, dout)) {
		/* COMPARE AND WRITE matched: write the second half;
		 * ORWRITE: write the ORed blocks */
		uint8_t *src = t->req.write_data ? t->req.data :
				t->dout + (t->req.nblk << SCSI_BLOCK_SHIFT);

		if (start_rw(t, true, src, t->req.lba, t->req.nblk,
			     t->req.fua))
			scsi_set_sense(&t->req, SK_HARDWARE_ERROR,
				       ASC_INTERNAL_TARGET_FAILURE);
		else
			return;
	}
	task_respond(t);
}

static void io_done(struct iod_io *io, int res)
{
	struct iscsi_task *t = (struct iscsi_task *)io;
	struct iscsi_conn *c = t->conn;

	t->io_pending--;
	c->refs--;
	if (res == -EINVAL && t->io_direct && !c->dead && !t->aborted) {
		/* the device wants larger alignment than 512 bytes: that
		 * store reads through the page cache from now on (reads
		 * already in flight on the O_DIRECT fd land here too) */
		if (t->lun->store->dfd >= 0) {
			pr_info("%s: direct read refused (EINVAL), reading it buffered\n",
				t->lun->store->path);
			close(t->lun->store->dfd);
			t->lun->store->dfd = -1;
		}
		if (!submit_rw(t))
			return;
	}
	if (res < 0 && !t->io_err)
		t->io_err = res;
	if (res >= 0 && t->io_len && (uint32_t)res < t->io_len &&
	    !t->io_err && !c->dead && !t->aborted) {
		if (res == 0) {
			t->io_err = -EIO;
		} else {
			/* short transfer: carry on where it stopped */
			t->io_buf += res;
			t->io_off += res;
			t->io_len -= res;
			if (!submit_rw(t))
				return;
			t->io_err = -EIO;
		}
	}
	if (t->io_pending)
		return;
	if (c->dead) {
		task_free(t);
		if (!c->refs)
			conn_destroy(c);
		return;
	}
	res = t->io_err;
	t->io_err = 0;
	if (!res && !t->aborted && t->req.io == SCSI_IO_WRITE_SAME &&
	    t->ws_next < t->ws_end) {
		if (!ws_next_chunk(t))
			return;
		res = -EIO;
	}
	io_finish(t, res);
}

static void lba_status(struct iscsi_task *t)
{
	int fd = t->lun->store->fd;
	off_t off = lun_off(t, t->req.lba), end = lun_off(t, 0) + t->lun->size;
	off_t data, next;
	bool mapped;

	/* Allocation state is metadata: lseek answers without disk I/O. */
	data = lseek(fd, off, SEEK_DATA);
	if (data < 0)
		data = end;		/* ENXIO: only a hole up to EOF */
	mapped = data <= off;
	if (mapped) {
		next = lseek(fd, off, SEEK_HOLE);
		if (next < 0 || next > end)
			next = end;
	} else {
		next = data < end ? data : end;
	}
	if (next <= off)
		next = off + SCSI_BLOCK_SIZE;
	scsi_lba_status_done(&t->req, mapped,
			     ((next - off) + SCSI_BLOCK_SIZE - 1) >>
				     SCSI_BLOCK_SHIFT);
}

void task_start_io(struct iscsi_task *t)
{
	struct scsi_req *r = &t->req;
	struct iod_ring *ring = &t->conn->srv->ring;
	uint32_t i, len, n;
	int ret = 0;

	t->executing = true;
	if (r->io == SCSI_IO_NONE) {
		task_respond(t);
		return;
	}
	t->io.done = io_done;
	switch (r->io) {
	case SCSI_IO_READ:
	case SCSI_IO_VERIFY:
	case SCSI_IO_CAW:
		len = r->nblk << SCSI_BLOCK_SHIFT;
		/* aligned for O_DIRECT where it may be used (read_direct) */
		if (len < IOD_DIRECT_MIN)
			r->data = malloc(len);
		else if (posix_memalign((void **)&r->data, IOD_DIRECT_ALIGN,
					len))
			r->data = NULL;
		if (!r->data) {
			ret = -ENOMEM;
			break;
		}
		r->data_len = len;
		ret = start_rw(t, false, r->data, r->lba, r->nblk, false);
		break;
	case SCSI_IO_WRITE:
		/* only what EDTL let through is written (FCP-4 9.4.2) */
		t->io_write = true;
		t->io_buf = t->dout;
		t->io_off = lun_off(t, r->lba);
		t->io_len = t->dout_want;
		t->io_dsync = r->fua;
		ret = submit_rw(t);
		break;
	case SCSI_IO_FLUSH:
		ret = iod_ring_fsync(ring, t->lun->store->fd, &t->io);
		if (!ret) {
			t->io_len = 0;
			t->io_pending++;
			t->conn->refs++;
		}
		break;
	case SCSI_IO_WRITE_SAME:
		if (r->unmap) {
			t->io_len = 0;
			ret = iod_ring_punch(ring, t->lun->store->fd,
					     lun_off(t, r->lba),
					     r->nblk << SCSI_BLOCK_SHIFT,
					     &t->io);
			if (!ret) {
				t->io_pending++;
				t->conn->refs++;
			}
			break;
		}
		n = r->nblk < SCSI_WS_CHUNK_BLOCKS ? r->nblk :
						     SCSI_WS_CHUNK_BLOCKS;
		t->ws_buf = malloc(n << SCSI_BLOCK_SHIFT);
		if (!t->ws_buf) {
			ret = -ENOMEM;
			break;
		}
		for (i = 0; i < n; i++) {
			if (t->dout)
				memcpy(t->ws_buf + ((size_t)i << SCSI_BLOCK_SHIFT),
				       t->dout, SCSI_BLOCK_SIZE);
			else
				memset(t->ws_buf + ((size_t)i << SCSI_BLOCK_SHIFT),
				       0, SCSI_BLOCK_SIZE);
		}
		t->ws_next = r->lba;
		t->ws_end = r->lba + r->nblk;
		ret = ws_next_chunk(t);
		break;
	case SCSI_IO_UNMAP:
		t->io_len = 0;
		for (i = 0; i < r->nranges && !ret; i++) {
			if (!r->ranges[i].nblk)
				continue;
			ret = iod_ring_punch(ring, t->lun->store->fd,
					     lun_off(t, r->ranges[i].lba),
					     r->ranges[i].nblk <<
						     SCSI_BLOCK_SHIFT,
					     &t->io);
			if (!ret) {
				t->io_pending++;
				t->conn->refs++;
			}
		}
		if (!t->io_pending && !ret) {
			r->io = SCSI_IO_NONE;
			r->status = SCSI_STATUS_GOOD;
			task_respond(t);
			return;
		}
		break;
	case SCSI_IO_GET_LBA_STATUS:
		lba_status(t);
		task_respond(t);
		return;
	default:
		break;
	}
	if (ret && !t->io_pending) {
		scsi_set_sense(r, SK_HARDWARE_ERROR,
			       ASC_INTERNAL_TARGET_FAILURE);
		task_respond(t);
	} else if (ret) {
		t->io_err = ret;
	}
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "session.h"

#define RBUF_MIN	(64u << 10)

static const struct scsi_dev no_dev;

static void task_start_io(struct iscsi_task *t);
static void memq_unlink(struct iscsi_task *t);
static void task_respond(struct iscsi_task *t);
static void task_free(struct iscsi_task *t);
static void rsv6_drop(struct iscsi_conn *c, struct iod_node *n);

/* ---- output ---- */

static void conn_want_out(struct iscsi_conn *c, bool on)
{
	/* a parked connection is not read: its initiator's sends back up
	 * in TCP, and only that initiator waits */
	uint32_t ev = (c->parked ? 0 : EPOLLIN) | (on ? EPOLLOUT : 0);

	if (c->dead)
		return;
	if (ev != c->ep_events) {
		c->ep_events = ev;
		iod_epoll_mod(c->srv, c->fd, ev, &c->ev);
	}
}

static void obuf_free(struct iscsi_conn *c, struct obuf *b)
{
	c->mem -= b->mem;
	free(b->owned);
	free(b);
}

static int conn_flush(struct iscsi_conn *c)
{
	struct iovec iov[64];
	struct obuf *b;
	ssize_t n;
	int cnt;

	while (c->oq_head) {
		for (cnt = 0, b = c->oq_head; b && cnt < 64; b = b->next, cnt++) {
			iov[cnt].iov_base = (uint8_t *)b->ptr + b->off;
			iov[cnt].iov_len = b->len - b->off;
		}
		n = writev(c->fd, iov, cnt);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return -1;
		}
		c->oq_bytes -= n;
		while (n > 0) {
			b = c->oq_head;
			if ((size_t)n >= b->len - b->off) {
				n -= b->len - b->off;
				c->oq_head = b->next;
				obuf_free(c, b);
			} else {
				b->off += n;
				n = 0;
			}
		}
		if (!c->oq_head)
			c->oq_tail = NULL;
	}
	conn_want_out(c, c->oq_head != NULL);
	return 0;
}

/* Inside an epoll batch, output waits for the batch's end. */
static void conn_flush_later(struct iscsi_conn *c)
{
	struct iod_server *s = c->srv;

	if (!s->in_batch) {
		/* a broken socket shows up as EPOLLERR/HUP or a read error */
		conn_flush(c);
		return;
	}
	if (c->flush_queued)
		return;
	c->flush_queued = true;
	c->flush_next = s->flushq;
	s->flushq = c;
}

static void conn_resume(struct iscsi_conn *c);

void iscsi_conn_flush_queued(struct iod_server *s)
{
	struct iscsi_conn *c;

	while ((c = s->flushq)) {
		s->flushq = c->flush_next;
		c->flush_queued = false;
		if (c->dead)
			continue;
		if (conn_flush(c))
			iscsi_conn_close(c);
		else
			conn_resume(c);	/* tasks ended: memory may be free */
	}
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* Queues one PDU: bhs (48 bytes, DSL already set) plus data. */
static int conn_send(struct iscsi_conn *c, const uint8_t *bhs,
		     const void *data, uint32_t dlen)
{
	bool hd = c->full_feature && c->p.header_digest;
	bool dd = c->full_feature && c->p.data_digest && dlen;
	size_t len = ISCSI_BHS_LEN + (hd ? 4 : 0) + iscsi_pad4(dlen) +
		     (dd ? 4 : 0), p;
	struct obuf *b;

	if (c->dead)
		return -1;
	b = malloc(sizeof(*b) + len);
	if (!b)
		return -1;
	b->next = NULL;
	b->len = len;
	b->off = 0;
	b->ptr = b->data;
	b->owned = NULL;
	b->mem = sizeof(*b) + len;
	memcpy(b->data, bhs, ISCSI_BHS_LEN);
	p = ISCSI_BHS_LEN;
	if (hd) {
		put_le32(b->data + p, iscsi_digest(bhs, ISCSI_BHS_LEN));
		p += 4;
	}
	if (dlen) {
		memcpy(b->data + p, data, dlen);
		memset(b->data + p + dlen, 0, iscsi_pad4(dlen) - dlen);
		if (dd)
			put_le32(b->data + p + iscsi_pad4(dlen),
				 iscsi_digest(b->data + p, iscsi_pad4(dlen)));
	}
	if (c->oq_tail)
		c->oq_tail->next = b;
	else
		c->oq_head = b;
	c->oq_tail = b;
	c->oq_bytes += len;
	c->mem += b->mem;
	return 0;
}

/* Queues len bytes of its own (a data digest after a slice). */
static int conn_send_raw(struct iscsi_conn *c, const void *p, size_t len)
{
	struct obuf *b;

	if (c->dead)
		return -1;
	b = malloc(sizeof(*b) + len);
	if (!b)
		return -1;
	b->next = NULL;
	b->len = len;
	b->off = 0;
	b->ptr = b->data;
	b->owned = NULL;
	b->mem = sizeof(*b) + len;
	memcpy(b->data, p, len);
	if (c->oq_tail)
		c->oq_tail->next = b;
	else
		c->oq_head = b;
	c->oq_tail = b;
	c->oq_bytes += len;
	c->mem += b->mem;
	return 0;
}

/* Queues len bytes at ptr without copying them (read data); the buffer
 * is freed with this piece when owned is set, and owned_mem bytes of
 * the session's memory go with it. */
static int conn_send_slice(struct iscsi_conn *c, const uint8_t *ptr,
			   size_t len, void *owned, size_t owned_mem)
{
	struct obuf *b;

	if (c->dead)
		return -1;
	b = malloc(sizeof(*b));
	if (!b)
		return -1;
	b->next = NULL;
	b->len = len;
	b->off = 0;
	b->ptr = ptr;
	b->owned = owned;
	b->mem = sizeof(*b) + owned_mem;
	if (c->oq_tail)
		c->oq_tail->next = b;
	else
		c->oq_head = b;
	c->oq_tail = b;
	c->oq_bytes += len;
	c->mem += b->mem;
	return 0;
}

/* MaxCmdSN moves on only as commands end, so the window bounds the
 * commands in flight; it never falls below ExpCmdSN - 1. */
uint32_t iscsi_conn_max_cmdsn(const struct iscsi_conn *c)
{
	return c->exp_cmdsn + IOD_CMD_WINDOW - 1 - c->window_used;
}

static void put_sn(struct iscsi_conn *c, uint8_t *bhs, bool advance)
{
	put_be32(bhs + 24, c->statsn);
	if (advance)
		c->statsn++;
	put_be32(bhs + 28, c->exp_cmdsn);
	put_be32(bhs + 32, iscsi_conn_max_cmdsn(c));
}

static void send_reject(struct iscsi_conn *c, const uint8_t *bad_bhs,
			uint8_t reason)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	iscsi_bhs_init(bhs, ISCSI_OP_REJECT, ISCSI_FLAG_FINAL, ISCSI_BHS_LEN);
	bhs[2] = reason;
	put_be32(bhs + 16, ISCSI_RSVD_TAG);
	put_sn(c, bhs, true);
	conn_send(c, bhs, bad_bhs, ISCSI_BHS_LEN);
}

/* ---- connection lifetime ---- */

struct iscsi_conn *iscsi_conn_new(struct iod_server *s, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct iscsi_conn *c;
	int one = 1;

	/* callers outside the event loop (tests, fuzzers) never reap */
	if (!s->in_batch)
		iscsi_conn_reap(s);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->rcap = RBUF_MIN;
	c->rbuf = malloc(c->rcap);
	if (!c->rbuf) {
		free(c);
		return NULL;
	}
	c->mem = c->rcap;
	c->srv = s;
	c->fd = fd;
	c->ev.type = IOD_EV_CONN;
	c->ev.ptr = c;
	c->next_ttt = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* a node that died silently (the failover case) loses its session,
	 * and with it RESERVE(6) and its tasks, within about a minute */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &(int){ 30 }, sizeof(int));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &(int){ 10 }, sizeof(int));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &(int){ 3 }, sizeof(int));
	if (!getpeername(fd, (struct sockaddr *)&ss, &sl)) {
		char host[INET6_ADDRSTRLEN] = "?";

		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
			snprintf(c->peer, sizeof(c->peer), "%s:%u", host,
				 ntohs(a->sin_port));
		}
	}
	/* SendTargets answers with the address the initiator reached */
	sl = sizeof(ss);
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		char host[INET6_ADDRSTRLEN] = "";

		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
			snprintf(c->local, sizeof(c->local), "%s:%u", host,
				 ntohs(a->sin_port));
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
			snprintf(c->local, sizeof(c->local), "[%s]:%u", host,
				 ntohs(a->sin6_port));
		}
	}
	iscsi_login_init(&c->login, s->map, s->tpgt);
	iscsi_params_default(&c->p);
	c->ep_events = EPOLLIN;
	if (iod_epoll_add(s, fd, EPOLLIN, &c->ev)) {
		free(c->rbuf);
		free(c);
		return NULL;
	}
	c->next = s->conns;
	s->conns = c;
	return c;
}

static void conn_unlink(struct iscsi_conn *c)
{
	struct iscsi_conn **pp;

	for (pp = &c->srv->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
}

/* Freed at the end of the loop iteration: later events of the same
 * epoll batch may still point at the connection. */
static void conn_destroy(struct iscsi_conn *c)
{
	c->next = c->srv->graveyard;
	c->srv->graveyard = c;
}

void iscsi_conn_reap(struct iod_server *s)
{
	struct iscsi_conn *c;
	struct obuf *b;

	while ((c = s->graveyard)) {
		s->graveyard = c->next;
		while ((b = c->oq_head)) {
			c->oq_head = b->next;
			obuf_free(c, b);
		}
		free(c->ua);
		free(c->rbuf);
		free(c);
	}
}

void iscsi_conn_close(struct iscsi_conn *c)
{
	struct iscsi_task *t, *n;

	if (c->dead)
		return;
	if (c->full_feature)
		pr_info("%s: session of %s (node %s) closed after %llu commands\n",
			c->peer, c->initiator, c->node ? c->node->name : "-",
			(unsigned long long)c->cmds);
	c->dead = true;
	iod_server_conn_gone(c->srv, c);
	rsv6_drop(c, c->node);	/* I_T nexus loss releases RESERVE(6) */
	epoll_ctl(c->srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	conn_unlink(c);
	/* Tasks without I/O in flight go now; the others when the ring
	 * hands them back (the conn lives until then). */
	for (t = c->tasks; t; t = n) {
		n = t->next;
		t->aborted = true;
		if (!t->io_pending)
			task_free(t);
	}
	if (!c->refs)
		conn_destroy(c);
}

/* ---- tasks ---- */

static void task_unlink(struct iscsi_task *t)
{
	struct iscsi_task **pp;

	for (pp = &t->conn->tasks; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
}

/* The command no longer counts against the window (or the immediate
 * bound): called before its response so that the response already
 * announces the slot. */
static void task_release_slot(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;

	if (t->in_window) {
		t->in_window = false;
		c->window_used--;
	}
	if (t->immediate) {
		t->immediate = false;
		c->imm_inflight--;
	}
}

static void task_free(struct iscsi_task *t)
{
	memq_unlink(t);
	task_release_slot(t);
	t->conn->mem -= t->mem;
	task_unlink(t);
	scsi_req_release(&t->req);
	free(t->dout);
	free(t->ws_buf);
	free(t);
}

static struct iscsi_task *task_find(struct iscsi_conn *c, uint32_t itt)
{
	struct iscsi_task *t;

	for (t = c->tasks; t; t = t->next)
		if (t->itt == itt)
			return t;
	return NULL;
}

/* LUN field: single level, peripheral (00b) or flat (01b) addressing. */
static int lun_decode(uint64_t field, uint16_t *lun)
{
	uint8_t method = field >> 62;

	if (field & 0x0000ffffffffffffull)
		return -1;
	if (method == 0 && !((field >> 56) & 0x3f)) {
		*lun = (field >> 48) & 0xff;
		return 0;
	}
	if (method == 1) {
		*lun = (field >> 48) & 0x3fff;
		return 0;
	}
	return -1;
}

static void send_r2ts(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;
	uint8_t bhs[ISCSI_BHS_LEN];
	uint32_t len;

	if (t->r2t_active || t->r2t_next >= t->dout_want)
		return;
	len = t->dout_want - t->r2t_next;
	if (len > c->p.max_burst)
		len = c->p.max_burst;
	t->ttt = c->next_ttt++;
	if (t->ttt == ISCSI_RSVD_TAG)
		t->ttt = c->next_ttt++;
	iscsi_bhs_init(bhs, ISCSI_OP_R2T, ISCSI_FLAG_FINAL, 0);
	put_be64(bhs + 8, t->lun_field);
	put_be32(bhs + 16, t->itt);
	put_be32(bhs + 20, t->ttt);
	put_sn(c, bhs, false);
	put_be32(bhs + 36, t->r2tsn++);
	put_be32(bhs + 40, t->r2t_next);
	put_be32(bhs + 44, len);
	t->datasn++;
	t->seq_datasn = 0;
	t->seq_off = t->r2t_next;
	t->seq_end = t->r2t_next + len;
	t->r2t_active = true;
	t->r2t_next += len;
	conn_send(c, bhs, NULL, 0);
}

/*
 * A command's buffers (read data, Data-Out, a WRITE SAME chunk) come out
 * of the session's budget, storage.session_buffer, less IOD_HEADROOM
 * that stays free for replies. Commands are never refused for it when
 * they can wait: they queue (FIFO) and start as memory frees, so the
 * window bounds what waits and the budget what is buffered.
 */
static bool task_reserve(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;

	if (c->mem + t->mem_need + IOD_HEADROOM > c->srv->cfg->session_buffer)
		return false;
	t->mem += t->mem_need;
	c->mem += t->mem_need;
	t->mem_need = 0;
	return true;
}

static void task_wait_memory(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;

	t->mem_wait = true;
	t->memq_next = NULL;
	if (c->memq_tail)
		c->memq_tail->memq_next = t;
	else
		c->memq_head = t;
	c->memq_tail = t;
	c->mem_waits++;
}

static void memq_unlink(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;
	struct iscsi_task **pp, *prev = NULL;

	if (!t->mem_wait)
		return;
	for (pp = &c->memq_head; *pp; prev = *pp, pp = &(*pp)->memq_next)
		if (*pp == t) {
			*pp = t->memq_next;
			if (c->memq_tail == t)
				c->memq_tail = prev;
			break;
		}
	t->mem_wait = false;
}

/* SAM-5 TASK SET FULL: no room for the data the command brings; it
 * is absorbed and dropped, and the initiator retries the command. */
static void task_set_full(struct iscsi_task *t)
{
	t->conn->task_set_full++;
	pr_debug("%s: no room for ITT 0x%x's data (%llu bytes buffered), TASK SET FULL\n",
		 t->conn->peer, t->itt, (unsigned long long)t->conn->mem);
	scsi_req_release(&t->req);
	t->req.io = SCSI_IO_NONE;
	t->req.status = SCSI_STATUS_TASK_SET_FULL;
	t->req.sense_len = 0;
	t->mem_need = 0;
	t->discard = true;
}

static void task_data_progress(struct iscsi_task *t);

/* Memory was freed: start the commands waiting for it, in order. */
static void conn_run_memq(struct iscsi_conn *c)
{
	struct iscsi_task *t;

	while ((t = c->memq_head) && !c->dead && task_reserve(t)) {
		memq_unlink(t);
		if (t->dout_want && !t->dout) {
			t->dout = malloc(t->dout_len);
			if (!t->dout) {
				scsi_set_sense(&t->req, SK_HARDWARE_ERROR,
					       ASC_INTERNAL_TARGET_FAILURE);
				t->discard = true;
			}
		}
		task_data_progress(t);
		conn_flush_later(c);
	}
}

/* All unsolicited data is in: run the command, or solicit the rest. */
static void task_data_progress(struct iscsi_task *t)
{
	if (t->mem_wait || t->unsol_got < t->unsol_len)
		return;
	if (t->discard) {
		task_respond(t);
		return;
	}
	if (t->dout_got >= t->dout_want) {
		scsi_execute(t->lun ? &t->lun->sdev : &no_dev, &t->req, t->dout,
			     t->dout_want);
		task_start_io(t);
		return;
	}
	send_r2ts(t);
}

static void set_residual(uint8_t *bhs, uint32_t want, uint32_t got)
{
	if (want > got) {
		bhs[1] |= 0x02;		/* underflow */
		put_be32(bhs + 44, want - got);
	} else if (got > want) {
		bhs[1] |= 0x04;		/* overflow */
		put_be32(bhs + 44, got - want);
	}
}

/* Payload of a Data-In: a slice of the read buffer when it needs no
 * padding, a copy otherwise (small replies). Returns the slice queued,
 * or NULL when it copied. */
static struct obuf *data_in_payload(struct iscsi_conn *c, const uint8_t *bhs,
				    const uint8_t *p, uint32_t seg)
{
	struct obuf *slice;
	uint8_t dd[4];

	if (seg % 4) {
		conn_send(c, bhs, p, seg);
		return NULL;
	}
	/* the header alone: conn_send adds its digest, the DSL says seg */
	if (conn_send(c, bhs, NULL, 0) || conn_send_slice(c, p, seg, NULL, 0))
		return NULL;
	slice = c->oq_tail;
	if (c->p.data_digest) {
		put_le32(dd, iscsi_digest(p, seg));
		conn_send_raw(c, dd, sizeof(dd));
	}
	return slice;
}

static void send_data_in(struct iscsi_task *t, uint32_t xfer)
{
	struct iscsi_conn *c = t->conn;
	uint32_t off = 0, seg, burst_left = c->p.max_burst;
	uint8_t bhs[ISCSI_BHS_LEN];
	struct obuf *owner = NULL, *b;

	while (off < xfer) {
		bool last;

		seg = xfer - off;
		if (seg > c->p.max_xmit_dsl)
			seg = c->p.max_xmit_dsl;
		if (seg > burst_left)
			seg = burst_left;
		last = off + seg == xfer;
		burst_left -= seg;
		iscsi_bhs_init(bhs, ISCSI_OP_DATA_IN,
			       (last || !burst_left) ? ISCSI_FLAG_FINAL : 0,
			       seg);
		put_be64(bhs + 8, t->lun_field);
		put_be32(bhs + 16, t->itt);
		put_be32(bhs + 20, ISCSI_RSVD_TAG);
		if (last) {
			/* phase collapse: status rides on the last Data-In */
			bhs[1] |= ISCSI_DATAIN_STATUS;
			bhs[3] = t->req.status;
			set_residual(bhs, t->edtl, t->req.data_len);
			put_sn(c, bhs, true);
		} else {
			put_be32(bhs + 28, c->exp_cmdsn);
			put_be32(bhs + 32, iscsi_conn_max_cmdsn(c));
		}
		put_be32(bhs + 36, t->datasn++);
		put_be32(bhs + 40, off);
		b = data_in_payload(c, bhs, t->req.data + off, seg);
		if (b)
			owner = b;
		if (!burst_left)
			burst_left = c->p.max_burst;
		off += seg;
	}
	/* Output goes out in order: the last slice frees the buffer, after
	 * every earlier slice of it has been sent. */
	if (owner) {
		owner->owned = t->req.data;
		owner->mem += t->req.data_len;
		c->mem += t->req.data_len;
		t->req.data = NULL;
	}
}

static void task_respond(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;
	uint8_t bhs[ISCSI_BHS_LEN], sense[2 + SCSI_SENSE_LEN];
	uint32_t xfer;

	if (t->lun && t->t_start)
		iod_stats_end(&t->lun->stats, iod_now_ns(), t->dir,
			      t->dir == IOD_DIR_WRITE ? t->dout_want :
			      t->req.data_len,
			      t->req.status != SCSI_STATUS_GOOD);
	if (t->aborted || c->dead) {
		task_free(t);
		return;
	}
	task_release_slot(t);
	xfer = t->req.data_len < t->edtl ? t->req.data_len : t->edtl;
	if (t->req.status == SCSI_STATUS_GOOD && xfer) {
		send_data_in(t, xfer);
		task_free(t);
		conn_flush_later(c);
		return;
	}
	iscsi_bhs_init(bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 0);
	bhs[3] = t->req.status;
	put_be32(bhs + 16, t->itt);
	put_sn(c, bhs, true);
	put_be32(bhs + 36, t->datasn);
	if (t->dout_len || t->discard)
		set_residual(bhs, t->edtl, t->dout_len);
	else if (t->req.status == SCSI_STATUS_GOOD)
		set_residual(bhs, t->edtl, t->req.data_len);
	if (t->req.status == SCSI_STATUS_CHECK_CONDITION &&
	    t->req.sense_len) {
		put_be16(sense, t->req.sense_len);
		memcpy(sense + 2, t->req.sense, t->req.sense_len);
		put_be24(bhs + 5, 2 + t->req.sense_len);
		conn_send(c, bhs, sense, 2 + t->req.sense_len);
	} else {
		conn_send(c, bhs, NULL, 0);
	}
	task_free(t);
	conn_flush_later(c);
}

/* ---- backing I/O ---- */

static uint64_t lun_off(struct iscsi_task *t, uint64_t lba)
{
	return t->lun->offset + (lba << SCSI_BLOCK_SHIFT);
}

static void io_done(struct iod_io *io, int res);

static int submit_rw(struct iscsi_task *t)
{
	struct iod_ring *r = &t->conn->srv->ring;
	int fd = t->lun->store->fd, ret;

	t->io.done = io_done;
	if (t->io_write)
		ret = iod_ring_write(r, fd, t->io_buf, t->io_len, t->io_off,
				     t->io_dsync, &t->io);
	else
		ret = iod_ring_read(r, fd, t->io_buf, t->io_len, t->io_off,
				    &t->io);
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

static void task_start_io(struct iscsi_task *t)
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
		r->data = malloc(len);
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

/* ---- PDU handlers ---- */

/*
 * RESERVE(6) / RELEASE(6) (SPC-2): one I_T nexus (here: the connection)
 * holds the LU; others get RESERVATION CONFLICT except for the commands
 * that only describe the device. Returns true when it answered.
 */
static bool rsv6_handle(struct iscsi_conn *c, struct iscsi_task *t)
{
	struct iod_lun *l = t->lun;
	uint8_t op = t->cdb[0];

	if (!l)
		return false;
	if (op == 0x16 || op == 0x17) {
		t->req.status = SCSI_STATUS_GOOD;
		t->req.io = SCSI_IO_NONE;
		if (op == 0x16 && l->rsv6 && l->rsv6 != c)
			t->req.status = SCSI_STATUS_RESERVATION_CONFLICT;
		else if (op == 0x16)
			l->rsv6 = c;
		else if (l->rsv6 == c)
			l->rsv6 = NULL;
		return true;
	}
	if (!l->rsv6 || l->rsv6 == c)
		return false;
	switch (op) {
	case 0x12:	/* INQUIRY */
	case 0xa0:	/* REPORT LUNS */
	case 0x03:	/* REQUEST SENSE */
	case 0x25:	/* READ CAPACITY */
		return false;
	case 0x9e:
		if ((t->cdb[1] & 0x1f) == 0x10)
			return false;
	}
	t->req.status = SCSI_STATUS_RESERVATION_CONFLICT;
	t->req.io = SCSI_IO_NONE;
	return true;
}

static int lun_index(const struct iod_node *n, const struct iod_lun *l)
{
	size_t i;

	for (i = 0; n && i < n->nluns; i++)
		if (n->luns[i] == l)
			return i;
	return -1;
}

/*
 * Unit attention (SAM-5 5.14): reported once to each I_T nexus by the
 * next command other than INQUIRY / REPORT LUNS; REQUEST SENSE returns
 * it as data. Returns true when it answered the command.
 */
static bool ua_report(struct iscsi_conn *c, struct iscsi_task *t)
{
	int i = lun_index(c->node, t->lun);
	uint16_t asc;
	uint8_t op = t->cdb[0];

	if (i < 0 || !c->ua || !c->ua[i] || op == 0x12 || op == 0xa0)
		return false;
	asc = c->ua[i];
	c->ua[i] = 0;
	if (op == 0x03) {
		t->req.data = malloc(SCSI_SENSE_LEN);
		if (!t->req.data)
			return false;
		sense_build(t->req.data, SK_UNIT_ATTENTION, asc, false, 0,
			    NULL);
		t->req.data_len = t->cdb[4] < SCSI_SENSE_LEN ? t->cdb[4] :
							       SCSI_SENSE_LEN;
		t->req.status = SCSI_STATUS_GOOD;
		t->req.io = SCSI_IO_NONE;
		return true;
	}
	scsi_set_sense(&t->req, SK_UNIT_ATTENTION, asc);
	return true;
}

/* Every nexus of the node that sees lun gets a unit attention. */
static void ua_raise(struct iscsi_conn *c, struct iod_lun *lun, uint16_t asc)
{
	struct iscsi_conn *o;
	int i = lun_index(c->node, lun);

	for (o = c->srv->conns; o && i >= 0; o = o->next)
		if (o->full_feature && o->node == c->node && o->ua)
			o->ua[i] = asc;
}

static void rsv6_drop(struct iscsi_conn *c, struct iod_node *n)
{
	size_t i;

	for (i = 0; n && i < n->nluns; i++)
		if (!c || n->luns[i]->rsv6 == c)
			n->luns[i]->rsv6 = NULL;
}

static void handle_scsi_cmd(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	const uint8_t *bhs = pdu->bhs;
	struct iscsi_task *t;
	const struct scsi_dev *dev;
	uint32_t imm = pdu->data_len;
	uint16_t lun = 0;
	bool done;

	if (task_find(c, pdu->itt)) {
		send_reject(c, bhs, ISCSI_REJECT_TASK_IN_PROGRESS);
		return;
	}
	if (pdu->immediate && c->imm_inflight >= IOD_IMM_MAX) {
		/* immediate commands skip the window: bounded apart */
		c->imm_rejected++;
		pr_debug("%s: immediate command ITT 0x%x beyond %u in flight, rejected\n",
			 c->peer, pdu->itt, IOD_IMM_MAX);
		send_reject(c, bhs, ISCSI_REJECT_IMM_CMD);
		return;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		send_reject(c, bhs, ISCSI_REJECT_LONG_OP);
		return;
	}
	/* its buffers are reserved once it is decoded (task_reserve) */
	t->mem = sizeof(*t);
	c->mem += t->mem;
	if (pdu->immediate) {
		t->immediate = true;
		c->imm_inflight++;
	} else {
		t->in_window = true;
		c->window_used++;
	}
	t->conn = c;
	t->itt = pdu->itt;
	t->cmdsn = pdu->cmdsn;
	t->edtl = pdu->f20;
	t->lun_field = pdu->lun;
	memcpy(t->cdb, bhs + 32, 16);
	pr_debug("%s: CDB %02x ITT 0x%x CmdSN %u EDTL %u flags 0x%02x imm %u\n",
		 c->peer, t->cdb[0], t->itt, t->cmdsn, t->edtl, bhs[1], imm);
	t->next = c->tasks;
	c->tasks = t;
	c->cmds++;
	if (!lun_decode(pdu->lun, &lun))
		t->lun = lun_map_lookup(c->node, lun);
	dev = t->lun ? &t->lun->sdev : &no_dev;
	t->req.cdb = t->cdb;
	t->req.cdb_len = 16;
	t->req.exp_len = t->edtl;
	t->req.lun_exists = t->lun != NULL;
	t->req.lun_id = lun;
	t->req.pr = t->lun ? &t->lun->pr : NULL;
	t->req.nexus = c->nexus;

	done = ua_report(c, t) || rsv6_handle(c, t) ||
	       scsi_decode(dev, &(struct scsi_lun_list){
					.luns = c->node ? c->node->lun_ids : NULL,
					.n = c->node ? c->node->nluns : 0 },
			   &t->req);
	if (t->lun && !done) {
		t->t_start = iod_now_ns();
		t->dir = (t->req.io == SCSI_IO_READ) ? IOD_DIR_READ :
			 (t->req.io == SCSI_IO_WRITE ||
			  t->req.io == SCSI_IO_WRITE_SAME ||
			  t->req.io == SCSI_IO_CAW) ? IOD_DIR_WRITE :
						      IOD_DIR_NONE;
		iod_stats_start(&t->lun->stats, t->t_start);
	}

	/* Unsolicited data the initiator will send whatever we answer. */
	if (bhs[1] & ISCSI_CMD_WRITE) {
		t->unsol_len = imm;
		if (!c->p.initial_r2t) {
			uint32_t fb = c->p.first_burst < t->edtl ?
					      c->p.first_burst : t->edtl;

			if (fb > t->unsol_len)
				t->unsol_len = fb;
		}
	} else {
		t->unsol_len = imm;	/* data nobody asked for: absorbed */
	}
	t->unsol_got = imm;
	t->seq_off = imm;
	t->seq_end = t->unsol_len;
	t->mem_need = done ? 0 : scsi_buffer_need(t->cdb);

	if (!done && t->req.dout_len) {
		uint32_t edtl = (bhs[1] & ISCSI_CMD_WRITE) ? t->edtl : 0;

		t->dout_len = t->req.dout_len;
		t->dout_want = edtl < t->dout_len ? edtl : t->dout_len;
		if (edtl != t->dout_len && t->req.io != SCSI_IO_WRITE) {
			/* SPDTL and EDTL disagree on a command that cannot
			 * run on part of its data */
			scsi_req_release(&t->req);
			scsi_set_sense(&t->req, SK_ILLEGAL_REQUEST,
				       ASC_INVALID_FIELD_IN_IU);
			t->discard = true;
		} else if (!t->dout_want) {
			/* a WRITE with EDTL 0 transfers and writes nothing */
			t->req.io = SCSI_IO_NONE;
			t->req.status = SCSI_STATUS_GOOD;
			t->discard = true;
		} else if (!task_reserve(t)) {
			if (t->unsol_len) {
				/* data is on its way and there is no room
				 * for it: the initiator retries later */
				task_set_full(t);
			} else {
				/* solicited only: R2T once there is room */
				task_wait_memory(t);
			}
		} else {
			t->dout = malloc(t->dout_len);
			if (!t->dout) {
				scsi_set_sense(&t->req, SK_HARDWARE_ERROR,
					       ASC_INTERNAL_TARGET_FAILURE);
				t->discard = true;
			} else {
				if (imm > t->dout_want)
					imm = t->dout_want;
				if (imm)
					memcpy(t->dout, pdu->data, imm);
				t->dout_got = imm;
				t->r2t_next = t->unsol_len;
			}
		}
	} else if (done) {
		/* answered already; respond once unsolicited data is in */
		t->discard = true;
	} else if (!task_reserve(t)) {
		task_wait_memory(t);	/* the read runs once there is room */
	}
	task_data_progress(t);
}

static int handle_data_out(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	struct iscsi_task *t = task_find(c, pdu->itt);
	uint32_t datasn = get_be32(pdu->bhs + 36);
	uint32_t off = get_be32(pdu->bhs + 40), len = pdu->data_len;
	bool unsol = pdu->f20 == ISCSI_RSVD_TAG;

	pr_debug("%s: Data-Out ITT 0x%x TTT 0x%x DataSN %u offset %u len %u%s\n",
		 c->peer, pdu->itt, pdu->f20, datasn, off, len,
		 t ? "" : " (no such task)");
	if (!t || t->executing)
		return 0;	/* answered already: late data is dropped */
	if (unsol ? (t->unsol_got >= t->unsol_len) :
		    (!t->r2t_active || pdu->f20 != t->ttt)) {
		/* data nobody asked for: refused, the command goes on */
		pr_info("%s: Data-Out for ITT 0x%x with %s TTT 0x%x, rejected\n",
			c->peer, t->itt, unsol ? "unexpected unsolicited" :
			"unknown", pdu->f20);
		send_reject(c, pdu->bhs, ISCSI_REJECT_PROTOCOL);
		return 0;
	}
	/* ERL 0 has no recovery within a command: the command fails,
	 * the connection stays, later data for it is dropped. */
	if (datasn != t->seq_datasn || off != t->seq_off ||
	    len > t->seq_end - off) {
		pr_info("%s: Data-Out for ITT 0x%x out of sequence (DataSN %u want %u, offset %u want %u): command aborted\n",
			c->peer, t->itt, datasn, t->seq_datasn, off,
			t->seq_off);
		scsi_req_release(&t->req);
		scsi_set_sense(&t->req, SK_ABORTED_COMMAND,
			       ASC_DATA_PHASE_ERROR);
		t->dout_len = 0;
		t->dout_want = 0;
		task_respond(t);
		return 0;
	}
	t->seq_datasn++;
	t->seq_off += len;
	if (!t->discard && t->dout && off < t->dout_want) {
		/* data past EDTL-vs-SPDTL is accepted and dropped */
		uint32_t n = t->dout_want - off < len ? t->dout_want - off : len;

		/* an empty Data-Out has no buffer at all (pdu->data NULL) */
		if (n)
			memcpy(t->dout + off, pdu->data, n);
		t->dout_got += n;
	}
	if (unsol) {
		t->unsol_got += len;
		if ((pdu->flags & ISCSI_FLAG_FINAL) &&
		    t->unsol_got < t->unsol_len)
			t->unsol_len = t->unsol_got;
		if (t->unsol_got >= t->unsol_len) {
			/* solicited sequences continue from here */
			if (t->r2t_next < t->unsol_got)
				t->r2t_next = t->unsol_got;
		}
	} else if (t->seq_off >= t->seq_end) {
		t->r2t_active = false;
	}
	task_data_progress(t);
	return 0;
}

static void handle_nop_out(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	if (pdu->itt == ISCSI_RSVD_TAG)
		return;		/* a reply to our ping, or a one-way ping */
	iscsi_bhs_init(bhs, ISCSI_OP_NOP_IN, ISCSI_FLAG_FINAL, pdu->data_len);
	put_be64(bhs + 8, pdu->lun);
	put_be32(bhs + 16, pdu->itt);
	put_be32(bhs + 20, ISCSI_RSVD_TAG);
	put_sn(c, bhs, true);
	conn_send(c, bhs, pdu->data, pdu->data_len);
}

static void send_targets(struct iscsi_conn *c, const struct iscsi_kv *kv,
			 struct iscsi_text_out *out)
{
	const char *tn = c->srv->map->target;
	size_t tl = strlen(tn);

	/* Only initiators of a node see the target, and only with its
	 * LUNs: a node without LUNs has nothing to discover. */
	if (!c->node || !c->node->nluns)
		return;
	if (!(kv->val_len == 3 && !memcmp(kv->val, "All", 3)) &&
	    !(kv->val_len == tl && !memcmp(kv->val, tn, tl)) &&
	    kv->val_len)
		return;
	iscsi_text_add(out, "TargetName", "%s", tn);
	iscsi_text_add(out, "TargetAddress", "%s,%u", c->local, c->srv->tpgt);
}

static void handle_text(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	struct iscsi_kv kv[ISCSI_TEXT_MAX_PAIRS];
	uint8_t bhs[ISCSI_BHS_LEN], buf[8192];
	struct iscsi_text_out out = { .buf = buf, .cap = sizeof(buf) };
	int n, i;

	if (pdu->flags & ISCSI_FLAG_CONTINUE) {
		send_reject(c, pdu->bhs, ISCSI_REJECT_CMD_NOT_SUPPORTED);
		return;
	}
	n = iscsi_text_parse(pdu->data, pdu->data_len, kv,
			     ISCSI_TEXT_MAX_PAIRS);
	if (n < 0) {
		send_reject(c, pdu->bhs, ISCSI_REJECT_INVALID_FIELD);
		return;
	}
	for (i = 0; i < n; i++) {
		if (iscsi_kv_is(&kv[i], "SendTargets")) {
			send_targets(c, &kv[i], &out);
		} else {
			char key[ISCSI_TEXT_KEY_MAX + 1];

			memcpy(key, kv[i].key, kv[i].key_len);
			key[kv[i].key_len] = '\0';
			iscsi_text_add(&out, key, "NotUnderstood");
		}
	}
	iscsi_bhs_init(bhs, ISCSI_OP_TEXT_RSP, ISCSI_FLAG_FINAL, out.len);
	put_be32(bhs + 16, pdu->itt);
	put_be32(bhs + 20, ISCSI_RSVD_TAG);
	put_sn(c, bhs, true);
	conn_send(c, bhs, buf, out.len);
}

static void handle_logout(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	iscsi_bhs_init(bhs, ISCSI_OP_LOGOUT_RSP, ISCSI_FLAG_FINAL, 0);
	put_be32(bhs + 16, pdu->itt);
	put_sn(c, bhs, true);
	conn_send(c, bhs, NULL, 0);
	c->closing = true;
}

/* Aborts t: silently when it is ours, with TASK ABORTED status (TAS=1)
 * when it belongs to another I_T nexus. */
static void abort_task(struct iscsi_task *t, bool other_nexus)
{
	if (other_nexus && !t->aborted && !t->conn->dead) {
		uint8_t bhs[ISCSI_BHS_LEN];

		iscsi_bhs_init(bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 0);
		bhs[3] = SCSI_STATUS_TASK_ABORTED;
		put_be32(bhs + 16, t->itt);
		put_sn(t->conn, bhs, true);
		conn_send(t->conn, bhs, NULL, 0);
		conn_flush(t->conn);
	}
	t->aborted = true;
	if (!t->io_pending)
		task_free(t);
}

static void abort_lun_tasks(struct iscsi_conn *c, struct iod_lun *lun,
			    uint32_t except_itt)
{
	struct iscsi_conn *o;
	struct iscsi_task *t, *n;

	for (o = c->srv->conns; o; o = o->next) {
		if (!o->full_feature || o->discovery)
			continue;
		for (t = o->tasks; t; t = n) {
			n = t->next;
			if (t->aborted || (lun && t->lun != lun))
				continue;
			if (o == c && t->itt == except_itt)
				continue;
			if (!lun && o->node != c->node)
				continue;
			abort_task(t, o != c);
		}
	}
}

static void handle_tmf(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	uint8_t fn = pdu->flags & 0x7f, resp = 0, bhs[ISCSI_BHS_LEN];
	uint32_t rtt = pdu->f20, refcmdsn = get_be32(pdu->bhs + 32);
	struct iscsi_task *t, *n;
	struct iod_lun *lun = NULL;
	uint16_t l;

	if (!lun_decode(pdu->lun, &l))
		lun = lun_map_lookup(c->node, l);
	switch (fn) {
	case 1:		/* ABORT TASK */
		t = task_find(c, rtt);
		if (t && !t->aborted) {
			abort_task(t, false);
		} else if (!(sn_lt(refcmdsn, pdu->cmdsn) &&
			     !sn_lt(refcmdsn, c->exp_cmdsn - IOD_CMD_WINDOW))) {
			resp = 1;	/* task does not exist */
		}
		break;
	case 2:		/* ABORT TASK SET */
	case 4:		/* CLEAR TASK SET */
		if (!lun) {
			resp = 2;
			break;
		}
		for (t = c->tasks; t; t = n) {
			n = t->next;
			if (t->lun == lun && !t->aborted)
				abort_task(t, false);
		}
		if (fn == 4)
			abort_lun_tasks(c, lun, ISCSI_RSVD_TAG);
		break;
	case 5:		/* LOGICAL UNIT RESET */
		if (!lun) {
			resp = 2;
			break;
		}
		abort_lun_tasks(c, lun, ISCSI_RSVD_TAG);
		lun->rsv6 = NULL;
		ua_raise(c, lun, ASC_BUS_DEVICE_RESET);
		break;
	case 6:		/* TARGET WARM RESET: this node's view */
	case 7:		/* TARGET COLD RESET */
		abort_lun_tasks(c, NULL, ISCSI_RSVD_TAG);
		rsv6_drop(NULL, c->node);
		break;
	case 3:		/* CLEAR ACA: no ACA support */
	default:
		resp = 5;	/* function not supported */
		break;
	}
	iscsi_bhs_init(bhs, ISCSI_OP_TMF_RSP, ISCSI_FLAG_FINAL, 0);
	bhs[2] = resp;
	put_be32(bhs + 16, pdu->itt);
	put_sn(c, bhs, true);
	conn_send(c, bhs, NULL, 0);
	if (fn == 7 && !resp)
		c->closing = true;	/* cold reset drops the I_T nexus */
}

/* Session reinstatement: a new leading login with the same initiator
 * name and ISID replaces the old session (RFC 7143 6.3.5). */
static void reinstate(struct iscsi_conn *c)
{
	struct iscsi_conn *o, *n;

	for (o = c->srv->conns; o; o = n) {
		n = o->next;
		if (o != c && o->full_feature && !o->discovery &&
		    !strcmp(o->initiator, c->initiator) &&
		    !memcmp(o->isid, c->isid, sizeof(c->isid))) {
			pr_info("%s: session of %s reinstated, closing the old one from %s\n",
				c->peer, c->initiator, o->peer);
			iscsi_conn_close(o);
		}
	}
}

static int handle_login(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	const uint8_t *req = pdu->bhs;
	uint8_t bhs[ISCSI_BHS_LEN], buf[8192], rflags = 0;
	struct iscsi_text_out out = { .buf = buf, .cap = sizeof(buf) };
	bool first = !c->login.started;
	int ret;

	if (first) {
		memcpy(c->isid, req + 8, 6);
		c->statsn = pdu->expstatsn;
		c->exp_cmdsn = pdu->cmdsn;
	}
	if (req[3] > 0) {	/* version-min: only 0 exists */
		c->login.status = LOGIN_ST_UNSUPPORTED_VERSION;
		ret = -1;
	} else if (!first && memcmp(c->isid, req + 8, 6)) {
		c->login.status = LOGIN_ST_INITIATOR_ERROR;
		snprintf(c->login.why, sizeof(c->login.why),
			 "ISID changed during login");
		ret = -1;
	} else if (first && get_be16(req + 14)) {
		/* adding a connection to an existing session: MC/S is not
		 * supported (MaxConnections=1) */
		c->login.status = LOGIN_ST_NOT_FOUND + 7;	/* 0x020a */
		snprintf(c->login.why, sizeof(c->login.why),
			 "TSIH %u given but sessions have one connection",
			 get_be16(req + 14));
		ret = -1;
	} else {
		ret = iscsi_login_step(&c->login, pdu->flags, pdu->data,
				       pdu->data_len, &out, &rflags);
	}
	iscsi_bhs_init(bhs, ISCSI_OP_LOGIN_RSP, 0, 0);
	memcpy(bhs + 8, req + 8, 6);
	put_be32(bhs + 16, pdu->itt);
	put_be32(bhs + 24, c->statsn++);
	put_be32(bhs + 28, c->exp_cmdsn);
	put_be32(bhs + 32, iscsi_conn_max_cmdsn(c));
	if (ret < 0) {
		pr_info("%s: login of '%s' refused: %s\n", c->peer,
			c->login.initiator[0] ? c->login.initiator : "?",
			c->login.why);
		bhs[36] = c->login.status >> 8;
		bhs[37] = c->login.status & 0xff;
		conn_send(c, bhs, NULL, 0);
		c->closing = true;
		return 0;
	}
	bhs[1] = rflags;
	put_be24(bhs + 5, out.len);
	if (ret == 1) {
		c->tsih = c->srv->next_tsih++;
		if (!c->srv->next_tsih)
			c->srv->next_tsih = 1;
		put_be16(bhs + 14, c->tsih);
	}
	conn_send(c, bhs, buf, out.len);
	if (ret == 1) {
		c->p = c->login.params;
		c->node = c->login.node;
		c->discovery = c->login.discovery;
		c->ua = calloc(c->node->nluns + 1, sizeof(*c->ua));
		snprintf(c->initiator, sizeof(c->initiator), "%s",
			 c->login.initiator);
		snprintf(c->nexus, sizeof(c->nexus),
			 "%s,i,0x%02x%02x%02x%02x%02x%02x", c->initiator,
			 c->isid[0], c->isid[1], c->isid[2], c->isid[3],
			 c->isid[4], c->isid[5]);
		/* digests start with the first PDU after the login */
		conn_flush(c);
		c->full_feature = true;
		iod_server_login_done(c->srv, c);
		c->srv->sessions_total++;
		if (!c->discovery)
			reinstate(c);
		pr_info("%s: %s session for %s (node %s, %zu LUNs, digests %s/%s)\n",
			c->peer, c->discovery ? "discovery" : "normal",
			c->initiator, c->node->name, c->node->nluns,
			c->p.header_digest ? "CRC32C" : "None",
			c->p.data_digest ? "CRC32C" : "None");
	}
	return 0;
}

/* CmdSN ordering for non-immediate requests: a number outside
 * [ExpCmdSN, MaxCmdSN] (serial arithmetic, RFC 1982) is silently ignored
 * (RFC 7143 4.2.2.1); that includes ExpCmdSN itself while the window is
 * full, since MaxCmdSN is then ExpCmdSN - 1. With one connection per
 * session nothing can arrive early, so inside the window only ExpCmdSN
 * is taken. */
static bool cmdsn_accept(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	uint32_t max = iscsi_conn_max_cmdsn(c);

	if (pdu->immediate)
		return true;
	if (sn_lt(pdu->cmdsn, c->exp_cmdsn) || sn_lt(max, pdu->cmdsn) ||
	    pdu->cmdsn != c->exp_cmdsn) {
		c->cmdsn_ignored++;
		pr_debug("%s: CmdSN %u outside the window [%u, %u], ignored (%llu so far)\n",
			 c->peer, pdu->cmdsn, c->exp_cmdsn, max,
			 (unsigned long long)c->cmdsn_ignored);
		return false;
	}
	c->exp_cmdsn++;
	return true;
}

static int handle_pdu(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	if (!c->full_feature) {
		if (pdu->opcode != ISCSI_OP_LOGIN_REQ) {
			pr_info("%s: opcode 0x%02x before login, closing\n",
				c->peer, pdu->opcode);
			return -1;
		}
		return handle_login(c, pdu);
	}
	if (c->discovery && pdu->opcode != ISCSI_OP_TEXT_REQ &&
	    pdu->opcode != ISCSI_OP_LOGOUT_REQ &&
	    pdu->opcode != ISCSI_OP_NOP_OUT) {
		send_reject(c, pdu->bhs, ISCSI_REJECT_PROTOCOL);
		return 0;
	}
	switch (pdu->opcode) {
	case ISCSI_OP_SCSI_CMD:
		if (cmdsn_accept(c, pdu))
			handle_scsi_cmd(c, pdu);
		break;
	case ISCSI_OP_DATA_OUT:
		return handle_data_out(c, pdu);
	case ISCSI_OP_NOP_OUT:
		if (cmdsn_accept(c, pdu))
			handle_nop_out(c, pdu);
		break;
	case ISCSI_OP_TEXT_REQ:
		if (cmdsn_accept(c, pdu))
			handle_text(c, pdu);
		break;
	case ISCSI_OP_TMF_REQ:
		if (cmdsn_accept(c, pdu))
			handle_tmf(c, pdu);
		break;
	case ISCSI_OP_LOGOUT_REQ:
		if (cmdsn_accept(c, pdu))
			handle_logout(c, pdu);
		break;
	case ISCSI_OP_LOGIN_REQ:
		send_reject(c, pdu->bhs, ISCSI_REJECT_PROTOCOL);
		break;
	case ISCSI_OP_SNACK:	/* ERL 0 */
	default:
		send_reject(c, pdu->bhs, ISCSI_REJECT_CMD_NOT_SUPPORTED);
		break;
	}
	return 0;
}

/* Our MaxRecvDataSegmentLength once declared, 8 KiB before. */
static uint32_t conn_max_dsl(const struct iscsi_conn *c)
{
	uint32_t max = c->full_feature ? c->p.max_recv_dsl : 8192;

	return max < 8192 ? 8192 : max;
}

/*
 * Whether the session's budget (storage.session_buffer) has room for one
 * more reply. Buffers of commands never take the last IOD_HEADROOM
 * (task_reserve), so this stops input only when replies pile up unread:
 * Data-Out for the commands already taken is never held up by them.
 */
static bool conn_admit(const struct iscsi_conn *c)
{
	return c->mem + IOD_REPLY_MAX <= c->srv->cfg->session_buffer;
}

int iscsi_conn_input(struct iscsi_conn *c)
{
	struct iscsi_pdu pdu;
	size_t pos = 0;
	uint32_t max;
	long n;
	int ret = 0;

	c->in_input = true;
	while (!c->closing && !c->dead) {
		bool hd = c->full_feature && c->p.header_digest;
		bool dd = c->full_feature && c->p.data_digest;

		max = conn_max_dsl(c);
		n = iscsi_pdu_parse(c->rbuf + pos, c->rlen - pos, hd, dd, max,
				    &pdu);
		if (n == 0)
			break;
		if (n < 0) {
			pr_info("%s: %s, closing the connection\n", c->peer,
				n == -EBADMSG ? "digest error" :
				n == -EMSGSIZE ? "data segment larger than MaxRecvDataSegmentLength" :
				"malformed PDU");
			if (n != -EBADMSG && c->rlen - pos >= ISCSI_BHS_LEN)
				send_reject(c, c->rbuf + pos,
					    ISCSI_REJECT_PROTOCOL);
			conn_flush(c);
			ret = -1;
			break;
		}
		if (!conn_admit(c)) {
			/* the PDU stays in rbuf; the socket is not read
			 * until tasks end or the initiator reads replies */
			if (!c->parked) {
				c->parked = true;
				c->parked_count++;
				pr_debug("%s: %llu bytes buffered, input paused\n",
					 c->peer, (unsigned long long)c->mem);
			}
			break;
		}
		c->parked = false;
		if (handle_pdu(c, &pdu) || c->dead) {
			ret = -1;
			break;
		}
		pos += n;
	}
	c->in_input = false;
	if (ret)
		return ret;
	if (pos) {
		memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
		c->rlen -= pos;
	}
	conn_want_out(c, c->oq_head != NULL);
	return 0;
}

/* Memory was freed: commands waiting for it start, and input parked
 * at the budget goes on. */
static void conn_resume(struct iscsi_conn *c)
{
	if (c->in_input || c->dead)
		return;
	conn_run_memq(c);
	if (!c->parked || c->dead || c->closing)
		return;
	if (iscsi_conn_input(c)) {
		iscsi_conn_close(c);
		return;
	}
	if (!c->parked)
		conn_want_out(c, c->oq_head != NULL);
}

static int conn_read(struct iscsi_conn *c)
{
	for (;;) {
		long need;
		ssize_t n;

		/* parked: an EPOLLIN of the same batch must not grow rbuf */
		if (c->parked)
			return 0;

		/* grow the buffer to hold the PDU being received, never
		 * beyond what we declared we accept */
		need = iscsi_pdu_size(c->rbuf, c->rlen, true, true,
				      conn_max_dsl(c));
		if (need < 0)
			need = ISCSI_BHS_LEN;
		if ((size_t)need > c->rcap || c->rlen == c->rcap) {
			size_t cap = c->rcap * 2;
			uint8_t *nb;

			while (cap < (size_t)need)
				cap *= 2;
			nb = realloc(c->rbuf, cap);
			if (!nb)
				return -1;
			c->mem += cap - c->rcap;
			c->rbuf = nb;
			c->rcap = cap;
		}
		n = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
		if (n == 0)
			return -1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		c->rlen += n;
		if (iscsi_conn_input(c))
			return -1;
		if (c->closing || c->parked)
			return 0;
	}
}

void iscsi_conn_event(struct iscsi_conn *c, uint32_t events)
{
	if (c->dead)
		return;
	if (events & (EPOLLERR | EPOLLHUP)) {
		iscsi_conn_close(c);
		return;
	}
	if ((events & EPOLLIN) && conn_read(c)) {
		conn_flush(c);
		iscsi_conn_close(c);
		return;
	}
	if (c->dead)
		return;
	if (conn_flush(c)) {
		iscsi_conn_close(c);
		return;
	}
	if (c->closing && !c->oq_head) {
		iscsi_conn_close(c);
		return;
	}
	/* input parked while output was backed up */
	conn_resume(c);
}

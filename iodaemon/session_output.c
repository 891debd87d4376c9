// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The connection's output queue: PDUs queued as they are answered,
 * sent with one writev per connection and epoll batch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>

#include "log.h"
#include "session_internal.h"

void conn_want_out(struct iscsi_conn *c, bool on)
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

void obuf_free(struct iscsi_conn *c, struct obuf *b)
{
	c->mem -= b->mem;
	free(b->owned);
	free(b);
}

int conn_flush(struct iscsi_conn *c)
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
void conn_flush_later(struct iscsi_conn *c)
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

/* Appends a piece with room for own bytes of its own (ptr points
 * there; the caller fills it before anything is flushed), counted in
 * the session's memory. NULL when the connection is gone or memory is
 * short. */
static struct obuf *obuf_queue(struct iscsi_conn *c, size_t len, size_t own)
{
	struct obuf *b;

	if (c->dead)
		return NULL;
	b = malloc(sizeof(*b) + own);
	if (!b)
		return NULL;
	b->next = NULL;
	b->len = len;
	b->off = 0;
	b->ptr = b->data;
	b->owned = NULL;
	b->mem = sizeof(*b) + own;
	if (c->oq_tail)
		c->oq_tail->next = b;
	else
		c->oq_head = b;
	c->oq_tail = b;
	c->mem += b->mem;
	return b;
}

/* Queues one PDU: bhs (48 bytes, DSL already set) plus data. */
int conn_send(struct iscsi_conn *c, const uint8_t *bhs,
	      const void *data, uint32_t dlen)
{
	bool hd = c->full_feature && c->p.header_digest;
	bool dd = c->full_feature && c->p.data_digest && dlen;
	size_t len = ISCSI_BHS_LEN + (hd ? 4 : 0) + iscsi_pad4(dlen) +
		     (dd ? 4 : 0), p;
	struct obuf *b = obuf_queue(c, len, len);

	if (!b)
		return -1;
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
	return 0;
}

/* Queues len bytes of its own (a data digest after a slice). */
static int conn_send_raw(struct iscsi_conn *c, const void *p, size_t len)
{
	struct obuf *b = obuf_queue(c, len, len);

	if (!b)
		return -1;
	memcpy(b->data, p, len);
	return 0;
}

/* Queues len bytes at ptr without copying them (read data): the buffer
 * must outlive the piece; send_data_in hands it to the last slice. */
static int conn_send_slice(struct iscsi_conn *c, const uint8_t *ptr,
			   size_t len)
{
	struct obuf *b = obuf_queue(c, len, 0);

	if (!b)
		return -1;
	b->ptr = ptr;
	return 0;
}

void send_reject(struct iscsi_conn *c, const uint8_t *bad_bhs,
		 uint8_t reason)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	iscsi_bhs_init(bhs, ISCSI_OP_REJECT, ISCSI_FLAG_FINAL, ISCSI_BHS_LEN);
	bhs[2] = reason;
	put_be32(bhs + 16, ISCSI_RSVD_TAG);
	put_sn(c, bhs, true);
	conn_send(c, bhs, bad_bhs, ISCSI_BHS_LEN);
}

/* Payload of a Data-In: a slice of the read buffer when it needs no
 * padding, a copy otherwise (small replies). Returns the slice queued,
 * or NULL when it copied. */
struct obuf *data_in_payload(struct iscsi_conn *c, const uint8_t *bhs,
			     const uint8_t *p, uint32_t seg)
{
	struct obuf *slice;
	uint8_t dd[4];

	if (seg % 4) {
		conn_send(c, bhs, p, seg);
		return NULL;
	}
	/* the header alone: conn_send adds its digest, the DSL says seg */
	if (conn_send(c, bhs, NULL, 0) || conn_send_slice(c, p, seg))
		return NULL;
	slice = c->oq_tail;
	if (c->p.data_digest) {
		put_le32(dd, iscsi_digest(p, seg));
		conn_send_raw(c, dd, sizeof(dd));
	}
	return slice;
}

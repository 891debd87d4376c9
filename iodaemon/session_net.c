// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A connection's socket I/O on the event loop's io_uring (srv->net_ring,
 * the daemon): one recv into the receive buffer and one sendmsg of the
 * output queue in flight per connection, queued next to the backing I/O
 * and submitted with it in the loop's one io_uring_enter per turn, which
 * also waits for and reaps every completion. No epoll registration, no
 * read/writev/epoll_wait per batch (docs/storage.md "Behaviour").
 *
 * Everything that queues a recv or a send runs from a completion or at
 * the end of the loop's batch (iscsi_conn_flush_queued), never in the
 * middle of a PDU handler, so a failure may close the connection there.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "session_internal.h"

#define conn_of(io, member) \
	((struct iscsi_conn *)((char *)(io) - offsetof(struct iscsi_conn, member)))

static void conn_net_unref(struct iscsi_conn *c)
{
	c->refs--;
	if (c->dead && !c->refs)
		conn_destroy(c);
}

static void rx_done(struct iod_io *io, int res)
{
	struct iscsi_conn *c = conn_of(io, rx_io);

	c->rx_inflight = false;
	conn_net_unref(c);
	if (c->dead)
		return;
	if (res == -EAGAIN || res == -EINTR || res == -ENOBUFS) {
		conn_flush_later(c);	/* queues the next recv */
		return;
	}
	if (res <= 0) {
		if (res < 0)
			pr_debug("%s: recv: %s\n", c->peer, strerror(-res));
		iscsi_conn_close(c);
		return;
	}
	c->rlen += res;
	if (iscsi_conn_input(c)) {
		conn_flush(c);		/* a Reject goes out before the close */
		iscsi_conn_close(c);
		return;
	}
	/* output and the next recv at the batch's end */
	conn_flush_later(c);
}

static void tx_done(struct iod_io *io, int res)
{
	struct iscsi_conn *c = conn_of(io, tx_io);

	c->tx_inflight = false;
	conn_net_unref(c);
	if (c->dead)
		return;
	if (res < 0 && res != -EAGAIN && res != -EINTR) {
		pr_debug("%s: send: %s\n", c->peer, strerror(-res));
		iscsi_conn_close(c);
		return;
	}
	if (res > 0)
		obuf_consume(c, res);
	/* the rest, memory freed for waiting commands, parked input: all at
	 * the batch's end */
	conn_flush_later(c);
}

/* Queues a sendmsg of the queue's head unless one is in flight (the
 * queue goes out in order); the completion queues the rest. */
int conn_net_send(struct iscsi_conn *c)
{
	struct obuf *b;
	int cnt;

	if (c->dead || c->tx_inflight || !c->oq_head)
		return 0;
	for (cnt = 0, b = c->oq_head; b && cnt < IOD_TX_IOV;
	     b = b->next, cnt++) {
		c->tx_iov[cnt].iov_base = (uint8_t *)b->ptr + b->off;
		c->tx_iov[cnt].iov_len = b->len - b->off;
	}
	memset(&c->tx_msg, 0, sizeof(c->tx_msg));
	c->tx_msg.msg_iov = c->tx_iov;
	c->tx_msg.msg_iovlen = cnt;
	c->tx_io.done = tx_done;
	if (iod_ring_sendmsg(&c->srv->ring, c->fd, &c->tx_msg, &c->tx_io))
		return -1;
	c->tx_inflight = true;
	c->refs++;
	return 0;
}

/* At the batch's end: the next recv, unless input is parked (the
 * session's memory is full: TCP pushes back on the initiator) or one is
 * queued; a closing connection goes once its output is out. */
void conn_net_recv(struct iscsi_conn *c)
{
	if (c->dead || c->rx_inflight)
		return;
	if (c->closing) {
		if (!c->oq_head && !c->tx_inflight)
			iscsi_conn_close(c);
		return;
	}
	if (c->parked)
		return;
	if (conn_rbuf_room(c)) {
		pr_warn("%s: out of memory for the receive buffer, closing\n",
			c->peer);
		iscsi_conn_close(c);
		return;
	}
	c->rx_io.done = rx_done;
	if (iod_ring_recv(&c->srv->ring, c->fd, c->rbuf + c->rlen,
			  c->rcap - c->rlen, &c->rx_io)) {
		iscsi_conn_close(c);
		return;
	}
	c->rx_inflight = true;
	c->refs++;
}

/* A new connection: its first recv, queued at the batch's end (accept
 * must not see it closed). */
void conn_net_start(struct iscsi_conn *c)
{
	conn_flush_later(c);
}

/*
 * Before close(fd): queued requests name the descriptor by number, so
 * they are submitted now (a later submit could hit a new connection
 * given the same number), and shutdown() ends a recv waiting for data
 * (it holds the socket open otherwise) and a send waiting for room.
 * Their completions drop the references that keep c alive.
 */
void conn_net_close(struct iscsi_conn *c)
{
	if (c->srv->ring.pending)
		iod_ring_submit(&c->srv->ring);
	if (c->rx_inflight || c->tx_inflight)
		shutdown(c->fd, SHUT_RDWR);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One connection's life: accepted, read and parsed into PDUs, closed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "session_internal.h"

#define RBUF_MIN	(64u << 10)

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
void conn_destroy(struct iscsi_conn *c)
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

/* Our MaxRecvDataSegmentLength once declared, 8 KiB before. */
static uint32_t conn_max_dsl(const struct iscsi_conn *c)
{
	uint32_t max = c->full_feature ? c->p.max_recv_dsl : 8192;

	return max < 8192 ? 8192 : max;
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

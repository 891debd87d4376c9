// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * API connections without blocking the event loop. Each client gets a
 * slot: its request line is read as bytes arrive, the request runs once
 * the line is complete, and the answer is written as the socket takes it.
 * A client that sends slowly, never finishes its line or never reads its
 * answer holds only its slot, for at most XPAN_API_READ_TIMEOUT_MS per
 * phase, and never the loop: link events are still handled at once. At
 * most API_MAX_CONNS clients are served at a time; further ones wait in
 * the listen backlog.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "apiserver.h"
#include "ctrld.h"
#include "log.h"

struct api_conn {
	int fd;				/* -1: free slot */
	bool writing;			/* the answer is being sent */
	long long deadline;		/* ms, CLOCK_MONOTONIC, of this phase */
	size_t have;			/* request bytes read */
	char req[XPAN_API_MAX_REQ];
	char *out;			/* the whole answer */
	size_t out_len, out_off;
};

long long ctrld_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int apiconn_init(struct ctrld *c)
{
	c->conns = calloc(API_MAX_CONNS, sizeof(*c->conns));
	if (!c->conns)
		return -ENOMEM;
	for (int i = 0; i < API_MAX_CONNS; i++)
		c->conns[i].fd = -1;
	return 0;
}

static void conn_close(struct api_conn *k)
{
	if (k->fd >= 0)
		close(k->fd);
	free(k->out);
	k->fd = -1;
	k->out = NULL;
	k->writing = false;
	k->have = k->out_len = k->out_off = 0;
}

void apiconn_close_all(struct ctrld *c)
{
	if (!c->conns)
		return;
	for (int i = 0; i < API_MAX_CONNS; i++)
		conn_close(&c->conns[i]);
	free(c->conns);
	c->conns = NULL;
}

/* Queue the answer formatted into k->out (err: it could not be); the
 * connection turns to writing it. */
static void conn_queue(struct api_conn *k, int err)
{
	if (err) {
		conn_close(k);
		return;
	}
	k->out_off = 0;
	k->writing = true;
	k->deadline = ctrld_now_ms() + XPAN_API_READ_TIMEOUT_MS;
}

/* A request refused before it was complete: too_long or timeout, in
 * the form its first bytes chose (lib/apiserver.h). */
static void conn_refuse(struct api_conn *k, const char *code, const char *msg)
{
	conn_queue(k, xpan_api_serve_error(k->req, k->have, code, msg, &k->out,
					   &k->out_len));
}

static void conn_run(struct ctrld *c, struct api_conn *k, size_t len)
{
	k->req[len] = '\0';
	conn_queue(k, ctrld_api_serve(c, k->req, len, &k->out, &k->out_len));
}

/* Reads what is there; runs the request once its line is complete. */
static void conn_read(struct ctrld *c, struct api_conn *k)
{
	size_t cap = sizeof(k->req);
	char *nl;
	ssize_t n;

	n = recv(k->fd, k->req + k->have, cap - k->have, MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0) {
		conn_close(k);
		return;
	}
	if (n == 0) {
		/* EOF ends a request too. */
		if (k->have >= cap) {
			conn_refuse(k, XPAN_API_E_TOO_LONG,
				    XPAN_API_MSG_TOO_LONG);
			return;
		}
		conn_run(c, k, k->have);
		return;
	}
	nl = memchr(k->req + k->have, '\n', (size_t)n);
	k->have += (size_t)n;
	if (nl) {
		conn_run(c, k, (size_t)(nl - k->req));
		return;
	}
	/* Room for the NUL: a full buffer without '\n' is too long. */
	if (k->have >= cap)
		conn_refuse(k, XPAN_API_E_TOO_LONG, XPAN_API_MSG_TOO_LONG);
}

static void conn_write(struct api_conn *k)
{
	ssize_t n = send(k->fd, k->out + k->out_off, k->out_len - k->out_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		conn_close(k);
		return;
	}
	k->out_off += (size_t)n;
	if (k->out_off == k->out_len)
		conn_close(k);
}

bool apiconn_can_accept(const struct ctrld *c)
{
	for (int i = 0; i < API_MAX_CONNS; i++)
		if (c->conns[i].fd < 0)
			return true;
	return false;
}

void apiconn_accept(struct ctrld *c)
{
	for (int i = 0; i < API_MAX_CONNS; i++) {
		struct api_conn *k = &c->conns[i];

		if (k->fd >= 0)
			continue;
		k->fd = accept4(c->listen_fd, NULL, NULL,
				SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (k->fd < 0)
			return;
		k->have = 0;
		k->deadline = ctrld_now_ms() + XPAN_API_READ_TIMEOUT_MS;
	}
}

int apiconn_pollfds(const struct ctrld *c, struct pollfd *pfd, int *slot)
{
	int n = 0;

	for (int i = 0; i < API_MAX_CONNS; i++) {
		const struct api_conn *k = &c->conns[i];

		if (k->fd < 0)
			continue;
		pfd[n].fd = k->fd;
		pfd[n].events = k->writing ? POLLOUT : POLLIN;
		pfd[n].revents = 0;
		slot[n++] = i;
	}
	return n;
}

void apiconn_io(struct ctrld *c, const struct pollfd *pfd, const int *slot,
		int n)
{
	for (int j = 0; j < n; j++) {
		struct api_conn *k = &c->conns[slot[j]];

		if (!pfd[j].revents || k->fd != pfd[j].fd)
			continue;
		if (k->writing)
			conn_write(k);
		else
			conn_read(c, k);
		/* A request that ran may have its answer ready to go. */
		if (k->fd >= 0 && k->writing)
			conn_write(k);
	}
}

long long apiconn_expire(struct ctrld *c, long long now)
{
	long long next = now + XPAN_API_READ_TIMEOUT_MS;

	for (int i = 0; i < API_MAX_CONNS; i++) {
		struct api_conn *k = &c->conns[i];

		if (k->fd < 0)
			continue;
		if (now >= k->deadline) {
			if (k->writing) {
				/* Never reads its answer: give up on it. */
				conn_close(k);
				continue;
			}
			conn_refuse(k, XPAN_API_E_TIMEOUT,
				    XPAN_API_MSG_TIMEOUT);
			conn_write(k);
			if (k->fd < 0)
				continue;
		}
		if (k->deadline < next)
			next = k->deadline;
	}
	return next;
}

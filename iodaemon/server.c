// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "pool.h"
#include "server.h"
#include "session.h"

int iod_epoll_add(struct iod_server *s, int fd, uint32_t events,
		  struct iod_ev *ev)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e);
}

int iod_epoll_mod(struct iod_server *s, int fd, uint32_t events,
		  struct iod_ev *ev)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	return epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &e);
}

/* "host:port", "[v6]:port" or "host" (port 3260). */
static int open_portal(const char *portal, char *err, size_t errlen)
{
	char host[128], *port = "3260", *colon;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV },
			*ai, *a;
	int fd = -1, one = 1, ret;

	snprintf(host, sizeof(host), "%s", portal);
	if (host[0] == '[') {
		char *end = strchr(host, ']');

		if (!end) {
			snprintf(err, errlen, "portal '%s': missing ']'",
				 portal);
			return -1;
		}
		*end = '\0';
		if (end[1] == ':')
			port = end + 2;
		memmove(host, host + 1, strlen(host));
	} else if ((colon = strrchr(host, ':'))) {
		*colon = '\0';
		port = colon + 1;
	}
	ret = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (ret) {
		snprintf(err, errlen,
			 "portal '%s': %s (want ADDRESS:PORT, e.g. 0.0.0.0:3260)",
			 portal, gai_strerror(ret));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family,
			    a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, a->ai_addr, a->ai_addrlen) && !listen(fd, 64))
			break;
		snprintf(err, errlen, "portal %s: %s%s", portal,
			 strerror(errno),
			 errno == EADDRINUSE ?
				 " (another target listens there: stop it or pick another with -p / storage.portal)" :
				 "");
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int iod_server_init(struct iod_server *s, struct iod_config *cfg,
		    struct lun_map *map, const char *ctl_path, char *err,
		    size_t errlen)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->map = map;
	s->tpgt = 1;
	s->next_tsih = 1;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -1;
	}
	ret = iod_ring_init(&s->ring, 256);
	if (ret) {
		snprintf(err, errlen,
			 "io_uring setup failed: %s (kernel without io_uring, or io_uring_disabled sysctl set)",
			 strerror(-ret));
		goto out_ep;
	}
	s->ring_ev.type = IOD_EV_RING;
	if (iod_epoll_add(s, s->ring.efd, EPOLLIN, &s->ring_ev)) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		goto out_ring;
	}
	s->lfd = open_portal(cfg->portal, err, errlen);
	if (s->lfd < 0)
		goto out_ring;
	s->listen_ev.type = IOD_EV_LISTEN;
	if (iod_epoll_add(s, s->lfd, EPOLLIN, &s->listen_ev)) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		goto out_listen;
	}
	if (ctl_path && ctl_path[0]) {
		s->ctl = iod_ctl_open(s, ctl_path, err, errlen);
		if (!s->ctl)
			goto out_listen;
	}
	pool_scan(map, NULL);
	s->last_scan_ns = iod_now_ns();
	return 0;
out_listen:
	close(s->lfd);
out_ring:
	iod_ring_exit(&s->ring);
out_ep:
	close(s->epfd);
	return -1;
}

static void accept_all(struct iod_server *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				pr_warn("accept: %s (raise the open file limit)\n",
					strerror(errno));
			return;
		}
		if (!iscsi_conn_new(s, fd))
			close(fd);
	}
}

int iod_server_run(struct iod_server *s)
{
	struct epoll_event evs[64];
	int n, i;

	while (!s->stop) {
		iod_ring_submit(&s->ring);
		n = epoll_wait(s->epfd, evs, 64, 1000);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_warn("epoll_wait: %s\n", strerror(errno));
			return -1;
		}
		s->in_batch = true;
		for (i = 0; i < n; i++) {
			struct iod_ev *ev = evs[i].data.ptr;

			switch (ev->type) {
			case IOD_EV_LISTEN:
				accept_all(s);
				break;
			case IOD_EV_RING:
				iod_ring_reap(&s->ring);
				break;
			case IOD_EV_CONN:
				iscsi_conn_event(ev->ptr, evs[i].events);
				break;
			case IOD_EV_CTL:
				iod_ctl_event(s->ctl, ev, evs[i].events);
				break;
			case IOD_EV_CTL_CLIENT:
				iod_ctl_event(s->ctl, ev, evs[i].events);
				break;
			}
		}
		s->in_batch = false;
		iscsi_conn_flush_queued(s);
		iscsi_conn_reap(s);
		if (s->cfg->rescan_sec &&
		    iod_now_ns() - s->last_scan_ns >
			    (uint64_t)s->cfg->rescan_sec * 1000000000ull) {
			pool_scan(s->map, NULL);
			s->last_scan_ns = iod_now_ns();
		}
	}
	return 0;
}

void iod_server_fini(struct iod_server *s)
{
	while (s->conns)
		iscsi_conn_close(s->conns);
	/* let in-flight I/O come back so tasks are freed */
	while (s->ring.inflight) {
		struct io_uring_cqe *cqe;

		iod_ring_submit(&s->ring);
		if (io_uring_wait_cqe(&s->ring.ring, &cqe))
			break;
		iod_ring_reap(&s->ring);
	}
	iscsi_conn_reap(s);
	iod_ctl_close(s->ctl);
	close(s->lfd);
	iod_ring_exit(&s->ring);
	close(s->epfd);
}

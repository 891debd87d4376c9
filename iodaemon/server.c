// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
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
#include "storage_net.h"

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

/* "host:port", "[v6]:port" or "host" (port 3260). freebind_ip: the
 * storage network's portal address (network order), 0 when off. */
static int open_portal(const char *portal, uint32_t freebind_ip, char *err,
		       size_t errlen)
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
		/* storage.portal on the storage network's portal address: bound
		 * before xpan-ctrld adds it, as storage_net.c's listener is */
		if (a->ai_family == AF_INET && freebind_ip &&
		    ((struct sockaddr_in *)a->ai_addr)->sin_addr.s_addr ==
			    freebind_ip)
			setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one,
				   sizeof(one));
		if (!bind(fd, a->ai_addr, a->ai_addrlen) && !listen(fd, 1024))
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
	/* Read buffers (up to 16 MiB per command) come from the heap and go
	 * back to it: served by mmap, every command paid for mapping,
	 * faulting in and zeroing its pages again (40 % of the CPU of a
	 * 1 MiB read). Up to 64 MiB freed at the top of the heap stay. */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	s->cfg = cfg;
	s->map = map;
	s->tpgt = 1;
	s->next_tsih = 1;
	conn_limits_init(&s->limits, cfg->storage.max_connections,
			 cfg->storage.max_connections_per_source);
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
	s->lfd = open_portal(cfg->storage.portal,
			     cfg->storage.net.enabled ?
				     cfg->storage.net.portal_ip : 0,
			     err, errlen);
	if (s->lfd < 0)
		goto out_ring;
	s->listen_ev.type = IOD_EV_LISTEN;
	if (iod_epoll_add(s, s->lfd, EPOLLIN, &s->listen_ev)) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		goto out_listen;
	}
	if (iod_storage_net_init(s, err, errlen))
		goto out_listen;
	if (ctl_path && ctl_path[0]) {
		s->ctl = iod_ctl_open(s, ctl_path, err, errlen);
		if (!s->ctl)
			goto out_snet;
	}
	pool_scan(map, NULL);
	s->last_scan_ns = iod_now_ns();
	return 0;
out_snet:
	iod_storage_net_fini(s);
out_listen:
	close(s->lfd);
out_ring:
	iod_ring_exit(&s->ring);
out_ep:
	close(s->epfd);
	return -1;
}

/* At most one refusal message per second; the rest are counted. */
#define REFUSE_LOG_NS	1000000000ull

static void log_refusal(struct iod_server *s,
			const struct sockaddr_storage *ss, const char *fmt,
			unsigned int limit)
{
	uint64_t now = iod_now_ns();
	char peer[INET6_ADDRSTRLEN] = "?";

	if (now - s->last_refuse_log_ns < REFUSE_LOG_NS &&
	    s->last_refuse_log_ns) {
		s->refuse_log_suppressed++;
		return;
	}
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
			  peer, sizeof(peer));
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)ss)->sin6_addr,
			  peer, sizeof(peer));
	pr_warn(fmt, peer, limit);
	if (s->refuse_log_suppressed)
		pr_warn("(%llu more connection refusals not logged in the last second)\n",
			(unsigned long long)s->refuse_log_suppressed);
	s->refuse_log_suppressed = 0;
	s->last_refuse_log_ns = now;
}

static void login_list_add(struct iod_server *s, struct iscsi_conn *c)
{
	c->login_prev = s->login_tail;
	c->login_next = NULL;
	if (s->login_tail)
		s->login_tail->login_next = c;
	else
		s->login_head = c;
	s->login_tail = c;
	c->on_login_list = true;
}

static void login_list_del(struct iod_server *s, struct iscsi_conn *c)
{
	if (!c->on_login_list)
		return;
	if (c->login_prev)
		c->login_prev->login_next = c->login_next;
	else
		s->login_head = c->login_next;
	if (c->login_next)
		c->login_next->login_prev = c->login_prev;
	else
		s->login_tail = c->login_prev;
	c->on_login_list = false;
}

void iod_server_login_done(struct iod_server *s, struct iscsi_conn *c)
{
	login_list_del(s, c);
}

void iod_server_conn_gone(struct iod_server *s, struct iscsi_conn *c)
{
	login_list_del(s, c);
	if (c->counted) {
		conn_limits_release(&s->limits, c->src);
		c->counted = false;
	}
}

int iod_server_expire_logins(struct iod_server *s, uint64_t now)
{
	uint64_t limit = (uint64_t)s->cfg->storage.login_timeout_sec *
			 1000000000ull;
	struct iscsi_conn *c;

	while ((c = s->login_head)) {
		/* accepted after now was read: not due */
		if (c->accepted_ns >= now || now - c->accepted_ns < limit)
			return (c->accepted_ns + limit - now) / 1000000 + 1;
		s->login_timeouts++;
		pr_debug("%s: no login within %u s, closing\n", c->peer,
			 s->cfg->storage.login_timeout_sec);
		iscsi_conn_close(c);	/* unlinks it */
	}
	return -1;
}

bool iod_accept_must_pause(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS ||
	       err == ENOMEM;
}

/* storage.portal's listener, and the storage network's when it has one
 * (storage_net.c); both share the connection limits. */
static void listeners_arm(struct iod_server *s, uint32_t events)
{
	iod_epoll_mod(s, s->lfd, events, &s->listen_ev);
	if (iod_storage_net_lfd(s) >= 0)
		iod_epoll_mod(s, iod_storage_net_lfd(s), events,
			      &s->snet->listen_ev);
}

static void accept_pause(struct iod_server *s, int err)
{
	s->accept_pauses++;
	s->accept_paused = true;
	s->accept_resume_ns = iod_now_ns() + IOD_ACCEPT_PAUSE_NS;
	listeners_arm(s, 0);
	if (s->accept_pauses == 1 || !(s->accept_pauses % 100))
		pr_warn("accept: %s, accepting paused for 100 ms (%llu times so far; raise the open file limit or lower storage.max_connections)\n",
			strerror(err), (unsigned long long)s->accept_pauses);
}

static void accept_one(struct iod_server *s, int fd,
		       const struct sockaddr_storage *ss)
{
	struct iscsi_conn *c;
	uint8_t key[16];

	conn_limits_key((const struct sockaddr *)ss, key);
	switch (conn_limits_admit(&s->limits, key)) {
	case CONN_ADMIT_OK:
		break;
	case CONN_ADMIT_TOTAL:
		s->refused_total++;
		log_refusal(s, ss, "%s: connection refused: storage.max_connections (%u) reached (xpan storage conns shows who holds them; raise the limit if they are all wanted)\n",
			    s->limits.max_total);
		close(fd);
		return;
	case CONN_ADMIT_SOURCE:
		s->refused_source++;
		log_refusal(s, ss, "%s: connection refused: storage.max_connections_per_source (%u) reached for this address (raise it if one host needs that many sessions)\n",
			    s->limits.max_per_src);
		close(fd);
		return;
	case CONN_ADMIT_NOMEM:
		close(fd);
		return;
	}
	c = iscsi_conn_new(s, fd);
	if (!c) {
		conn_limits_release(&s->limits, key);
		close(fd);
		return;
	}
	memcpy(c->src, key, sizeof(key));
	c->counted = true;
	c->accepted_ns = iod_now_ns();
	login_list_add(s, c);
	iod_storage_net_accepted(s, c, ss);
}

static void accept_from(struct iod_server *s, int lfd)
{
	while (!s->accept_paused) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (iod_accept_must_pause(errno))
				accept_pause(s, errno);
			return;
		}
		accept_one(s, fd, &ss);
	}
}

static void accept_all(struct iod_server *s)
{
	accept_from(s, s->lfd);
	if (iod_storage_net_lfd(s) >= 0)
		accept_from(s, iod_storage_net_lfd(s));
}

/* epoll_wait's timeout: the next login deadline or accept resumption,
 * at most a second (pool rescans). */
static int loop_timeout(struct iod_server *s)
{
	uint64_t now = iod_now_ns();
	int ms = 1000, t;

	if (s->accept_paused && now >= s->accept_resume_ns) {
		s->accept_paused = false;
		listeners_arm(s, EPOLLIN);
		accept_all(s);		/* may pause again */
		now = iod_now_ns();
	}
	if (s->accept_paused) {
		t = (s->accept_resume_ns - now) / 1000000 + 1;
		if (t < ms)
			ms = t;
	}
	t = iod_server_expire_logins(s, now);
	if (t >= 0 && t < ms)
		ms = t;
	t = iod_ctl_expire(s->ctl, now);
	if (t >= 0 && t < ms)
		ms = t;
	return ms;
}

int iod_server_run(struct iod_server *s)
{
	struct epoll_event evs[64];
	int n, i;

	while (!s->stop) {
		int ms = loop_timeout(s);

		/* closed by the login timeout: free them now */
		iscsi_conn_reap(s);
		iod_ring_submit(&s->ring);
		n = epoll_wait(s->epfd, evs, 64, ms);
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
		if (s->cfg->storage.rescan_sec &&
		    iod_now_ns() - s->last_scan_ns >
			    s->cfg->storage.rescan_sec * 1000000000ull) {
			pool_scan(s->map, NULL);
			s->last_scan_ns = iod_now_ns();
		}
		iod_storage_net_tick(s, iod_now_ns());
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
	iod_storage_net_fini(s);
	close(s->lfd);
	iod_ring_exit(&s->ring);
	close(s->epfd);
	conn_limits_fini(&s->limits);
}

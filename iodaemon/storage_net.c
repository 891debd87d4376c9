// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The storage network's side of xpan-iod: its listener, and identity by
 * path (peer_identity.c) at login and for the sessions already open.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "jsonw.h"
#include "log.h"
#include "session.h"
#include "storage_net.h"

/* At most one "cannot read storage_addrs" from the timer per minute. */
#define ERR_LOG_NS	(60ull * 1000000000)

static void sockname(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";

	snprintf(buf, len, "?");
	if (getsockname(fd, (struct sockaddr *)&ss, &sl))
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a->sin6_port));
	}
}

/* storage.portal's listener already takes connections to portal_ip:port:
 * the same address, or a wildcard (IPv4, or dual-stack IPv6) on the
 * port. Binding the portal again would fail (EADDRINUSE) or split one
 * port over two sockets for nothing. */
static bool main_covers(int lfd, const struct xpan_cfg_storage_net *net)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int v6only = 0;
	socklen_t ol = sizeof(v6only);

	if (lfd < 0 || getsockname(lfd, (struct sockaddr *)&ss, &sl))
		return false;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;

		return ntohs(a->sin_port) == net->port &&
		       (a->sin_addr.s_addr == htonl(INADDR_ANY) ||
			a->sin_addr.s_addr == net->portal_ip);
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;

		if (ntohs(a->sin6_port) != net->port)
			return false;
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
			return !memcmp(&a->sin6_addr.s6_addr[12],
				       &net->portal_ip, 4);
		getsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &ol);
		return IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr) && !v6only;
	}
	return false;
}

static int open_portal_ip(const struct xpan_cfg_storage_net *net, char *err,
			  size_t errlen)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(net->port),
		.sin_addr.s_addr = net->portal_ip,
	};
	char ip[INET_ADDRSTRLEN];
	int fd, one = 1;

	inet_ntop(AF_INET, &net->portal_ip, ip, sizeof(ip));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "storage network portal %s:%u: %s", ip,
			 net->port, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/*
	 * xpan-ctrld puts portal_ip on the host end of the storage veth pair
	 * (storage.network.host_port), maybe only after xpan-iod started,
	 * and may recreate it. IP_FREEBIND binds to the address whether or
	 * not it is there yet; the socket takes connections as soon as it
	 * is, with no restart and no retry loop here.
	 */
	if (setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1024)) {
		snprintf(err, errlen, "storage network portal %s:%u: %s%s", ip,
			 net->port, strerror(errno),
			 errno == EADDRINUSE ?
				 " (another xpan-iod or target listens there: stop it, or give this one another storage.network.port, or set storage.network: off)" :
				 "");
		close(fd);
		return -1;
	}
	return fd;
}

int iod_storage_net_init(struct iod_server *s, char *err, size_t errlen)
{
	const struct xpan_cfg_storage_net *net = &s->cfg->storage.net;
	struct iod_storage_net *sn;
	char main_addr[INET6_ADDRSTRLEN + 8], ip[INET_ADDRSTRLEN];
	char sub[INET_ADDRSTRLEN], owner[64], dberr[512];

	sockname(s->lfd, main_addr, sizeof(main_addr));
	if (!net->enabled) {
		pr_info("listening on %s (storage.portal); storage network off\n",
			main_addr);
		return 0;
	}
	sn = calloc(1, sizeof(*sn));
	if (!sn) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sn->lfd = -1;
	sn->listen_ev.type = IOD_EV_LISTEN;
	sn->listen_ev.ptr = sn;
	iod_owner_db_init(&sn->owners, s->cfg->state);
	inet_ntop(AF_INET, &net->portal_ip, ip, sizeof(ip));
	inet_ntop(AF_INET, &net->subnet, sub, sizeof(sub));
	if (!main_covers(s->lfd, net)) {
		sn->lfd = open_portal_ip(net, err, errlen);
		if (sn->lfd < 0)
			goto fail;
		if (iod_epoll_add(s, sn->lfd, EPOLLIN, &sn->listen_ev)) {
			snprintf(err, errlen, "epoll: %s", strerror(errno));
			goto fail;
		}
		pr_info("listening on %s (storage.portal) and %s:%u (storage network %s/%u)\n",
			main_addr, ip, net->port, sub, net->prefix);
	} else {
		pr_info("listening on %s (storage.portal, also the storage network's portal %s:%u, %s/%u)\n",
			main_addr, ip, net->port, sub, net->prefix);
	}
	/* Say now, not at the first refused login, when ctrld's table
	 * cannot be read; logins from the subnet are refused until it can. */
	if (iod_owner_lookup(&sn->owners, net->portal_ip, owner, sizeof(owner),
			     dberr, sizeof(dberr)) < 0)
		pr_warn("storage network: %s; logins from %s/%u are refused until it can be read\n",
			dberr, sub, net->prefix);
	sn->last_check_ns = iod_now_ns();
	s->snet = sn;
	return 0;
fail:
	if (sn->lfd >= 0)
		close(sn->lfd);
	free(sn);
	return -1;
}

void iod_storage_net_fini(struct iod_server *s)
{
	struct iod_storage_net *sn = s->snet;

	if (!sn)
		return;
	if (sn->lfd >= 0)
		close(sn->lfd);
	iod_owner_db_close(&sn->owners);
	free(sn);
	s->snet = NULL;
}

int iod_storage_net_lfd(const struct iod_server *s)
{
	return s->snet ? s->snet->lfd : -1;
}

/* The login hook (struct iscsi_login.authorize): the initiator name
 * selected lg->node; from a storage address that node must hold it. */
static int authorize(struct iscsi_login *lg, void *ctx)
{
	struct iscsi_conn *c = ctx;
	struct iod_storage_net *sn = c->srv->snet;
	char owner[64], err[256], ip[INET_ADDRSTRLEN];
	int rc;

	if (!sn || !c->storage_ip)
		return 0;
	inet_ntop(AF_INET, &c->storage_ip, ip, sizeof(ip));
	rc = iod_owner_lookup(&sn->owners, c->storage_ip, owner, sizeof(owner),
			      err, sizeof(err));
	if (rc < 0) {
		/* fail closed: the initiator retries (status class 3) */
		sn->refused++;
		lg->status = LOGIN_ST_UNAVAILABLE;
		snprintf(lg->why, sizeof(lg->why),
			 "from storage address %s, whose node cannot be looked up: %s",
			 ip, err);
		return -1;
	}
	switch (iod_peer_decide(&c->srv->cfg->storage.net, c->storage_ip,
				rc ? owner : NULL, lg->node->name)) {
	case IOD_PEER_ANY:
	case IOD_PEER_OWNER:
		return 0;
	case IOD_PEER_NO_OWNER:
		snprintf(lg->why, sizeof(lg->why),
			 "storage address %s belongs to no node (xpan-ctrld gave it to nobody), so no login from it",
			 ip);
		break;
	case IOD_PEER_OTHER:
		snprintf(lg->why, sizeof(lg->why),
			 "storage address %s belongs to node %s, not to node %s (over the storage network a node logs in with its own initiator names only)",
			 ip, owner, lg->node->name);
		break;
	}
	sn->refused++;
	/* RFC 7143 11.13.5: 0x0202 authorization failure, "the initiator
	 * is not allowed access to the given target" */
	lg->status = LOGIN_ST_FORBIDDEN;
	return -1;
}

void iod_storage_net_accepted(struct iod_server *s, struct iscsi_conn *c,
			      const struct sockaddr_storage *ss)
{
	if (!s->snet)
		return;
	c->storage_ip = iod_peer_storage_ip(&s->cfg->storage.net,
					    (const struct sockaddr *)ss);
	if (!c->storage_ip)
		return;
	c->login.authorize = authorize;
	c->login.authorize_ctx = c;
}

int iod_storage_net_refresh(struct iod_server *s, unsigned int *checked,
			    char *err, size_t errlen)
{
	struct iod_storage_net *sn = s->snet;
	struct iscsi_conn *c, *n;
	char owner[64], ip[INET_ADDRSTRLEN], lerr[256];
	int closed = 0, rc;

	*checked = 0;
	if (!sn)
		return 0;
	sn->last_check_ns = iod_now_ns();
	for (c = s->conns; c; c = n) {
		/* a session whose name chose no node has nothing to lose */
		struct iod_node *node = c->full_feature ? c->node :
							  c->login.node;

		n = c->next;
		if (c->dead || c->closing || !c->storage_ip || !node)
			continue;
		(*checked)++;
		rc = iod_owner_lookup(&sn->owners, c->storage_ip, owner,
				      sizeof(owner), lerr, sizeof(lerr));
		if (rc < 0) {
			snprintf(err, errlen,
				 "cannot read the storage addresses: %s (%d sessions closed before)",
				 lerr, closed);
			return -1;
		}
		if (iod_peer_decide(&s->cfg->storage.net, c->storage_ip,
				    rc ? owner : NULL, node->name) ==
		    IOD_PEER_OWNER)
			continue;
		inet_ntop(AF_INET, &c->storage_ip, ip, sizeof(ip));
		pr_info("%s: storage address %s is no longer node %s's (now held by %s%s): closing the %s of %s\n",
			c->peer, ip, node->name, rc ? "node " : "",
			rc ? owner : "no node",
			c->full_feature ? "session" : "login",
			c->full_feature ? c->initiator : c->login.initiator);
		iscsi_conn_close(c);
		sn->closed++;
		closed++;
	}
	return closed;
}

void iod_storage_net_tick(struct iod_server *s, uint64_t now)
{
	struct iod_storage_net *sn = s->snet;
	unsigned int checked;
	char err[512];

	if (!sn || now - sn->last_check_ns < IOD_SNET_RECHECK_NS)
		return;
	if (iod_storage_net_refresh(s, &checked, err, sizeof(err)) < 0 &&
	    (!sn->last_err_log_ns || now - sn->last_err_log_ns >= ERR_LOG_NS)) {
		pr_warn("storage network recheck: %s\n", err);
		sn->last_err_log_ns = now;
	}
}

int iod_storage_net_ctl_refresh(struct iod_server *s, FILE *out, bool json,
				char *err, size_t errlen)
{
	unsigned int checked = 0;
	struct jsonw *jw;
	int closed = 0;

	/* off: nothing to do, and not an error for ctrld's refresh */
	if (s->snet) {
		closed = iod_storage_net_refresh(s, &checked, err, errlen);
		if (closed < 0)
			return -1;
	}
	if (!json) {
		fprintf(out, "%d session%s closed (%u from the storage network checked%s)\n",
			closed, closed == 1 ? "" : "s", checked,
			s->snet ? "" : "; the storage network is off");
		return 0;
	}
	jw = jsonw_new(out, false);
	jsonw_start_object(jw);
	jsonw_bool_field(jw, "network", s->snet != NULL);
	jsonw_uint_field(jw, "closed", closed);
	jsonw_uint_field(jw, "checked", checked);
	jsonw_uint_field(jw, "closed_total", s->snet ? s->snet->closed : 0);
	jsonw_uint_field(jw, "refused_logins", s->snet ? s->snet->refused : 0);
	jsonw_end_object(jw);
	jsonw_destroy(&jw);
	return 0;
}

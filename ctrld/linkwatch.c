// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port changes by netlink events: ctrld joins RTNLGRP_LINK and reacts to
 * RTM_NEWLINK/RTM_DELLINK of configured ports (created, removed, renamed,
 * up/down, carrier) instead of polling. The socket is non-blocking and in
 * the event loop's poll set; it is drained on every iteration, before an
 * API client is served, so clients cannot delay a port event.
 */
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "ctrld.h"
#include "log.h"

/* Room for a burst of events (many ports created at once). */
#define LINKWATCH_RCVBUF (4 << 20)

struct watch_ctx {
	struct ctrld *c;
	enum link_change change;
};

/*
 * What an event of this link means for ctrld: a configured port that
 * appeared, vanished or was renamed (its ifindex is not the one applied)
 * needs a full apply; one that only changed state (up, carrier) needs the
 * maps looked at, which is cheap: a node flapping its link cannot make
 * ctrld reconfigure every node each time.
 */
static enum link_change classify(const struct ctrld *c, bool del, int ifindex,
				 const char *name)
{
	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		bool by_index = c->rt && c->rt[i].ifindex == ifindex;
		bool by_name = name && strcmp(c->cfg.nodes[i].port, name) == 0;

		if (!by_index && !by_name)
			continue;
		if (del || !by_index || !by_name)
			return LINK_PORTS;
		return LINK_STATE;
	}
	return LINK_NONE;
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct watch_ctx *w = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct ifinfomsg *ifi;
	struct nlattr *a;
	enum link_change change;
	char name[IF_NAMESIZE] = "";

	if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
		return NL_OK;
	if (!nlmsg_valid_hdr(h, sizeof(*ifi)))
		return NL_OK;
	ifi = nlmsg_data(h);
	a = nlmsg_find_attr(h, sizeof(*ifi), IFLA_IFNAME);
	if (a)
		nla_strlcpy(name, a, sizeof(name));
	change = classify(w->c, h->nlmsg_type == RTM_DELLINK, ifi->ifi_index,
			  a ? name : NULL);
	if (change != LINK_NONE)
		pr_debug("link event: %s %s (ifindex %d, flags 0x%x)\n",
			 h->nlmsg_type == RTM_NEWLINK ? "new" : "del",
			 name, ifi->ifi_index, ifi->ifi_flags);
	if (change > w->change)
		w->change = change;
	return NL_OK;
}

int linkwatch_open(struct ctrld *c, char *err, size_t errlen)
{
	struct nl_sock *sk = nl_socket_alloc();
	int ret;

	if (!sk) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Events carry no sequence numbers of ours. */
	nl_socket_disable_seq_check(sk);
	ret = nl_connect(sk, NETLINK_ROUTE);
	if (!ret)
		ret = nl_socket_add_membership(sk, RTNLGRP_LINK);
	if (!ret)
		ret = nl_socket_set_nonblocking(sk);
	if (!ret)
		ret = nl_socket_set_buffer_size(sk, LINKWATCH_RCVBUF, 0);
	if (ret) {
		snprintf(err, errlen, "cannot subscribe to link events (RTNLGRP_LINK): %s",
			 nl_geterror(ret));
		nl_socket_free(sk);
		return -1;
	}
	c->link_nl = sk;
	return 0;
}

int linkwatch_fd(const struct ctrld *c)
{
	return c->link_nl ? nl_socket_get_fd(c->link_nl) : -1;
}

enum link_change linkwatch_read(struct ctrld *c)
{
	struct watch_ctx w = { .c = c, .change = LINK_NONE };
	struct nl_cb *cb;
	int ret;

	if (!c->link_nl)
		return LINK_NONE;
	nl_socket_modify_cb(c->link_nl, NL_CB_VALID, NL_CB_CUSTOM, on_msg, &w);
	cb = nl_socket_get_cb(c->link_nl);
	for (;;) {
		/* Messages handled; 0 once the socket is drained (EAGAIN). */
		ret = nl_recvmsgs_report(c->link_nl, cb);
		if (ret > 0)
			continue;
		if (ret == 0 || ret == -NLE_AGAIN)
			break;
		/*
		 * Overrun (ENOBUFS) or a damaged message: events were lost,
		 * so the ports must be looked at anyway.
		 */
		pr_warn("link events: %s; checking every port\n",
			nl_geterror(ret));
		w.change = LINK_PORTS;
		if (ret != -NLE_NOMEM && ret != -NLE_MSG_OVERFLOW)
			break;
	}
	nl_cb_put(cb);
	return w.change;
}

void linkwatch_close(struct ctrld *c)
{
	if (c->link_nl)
		nl_socket_free(c->link_nl);
	c->link_nl = NULL;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "apiserver.h"
#include "ctl.h"
#include "jsonw.h"
#include "log.h"
#include "pool.h"
#include "session.h"
#include "stats.h"
#include "storage_net.h"

/*
 * A client has XPAN_API_READ_TIMEOUT_MS from accept to send its one
 * request of at most XPAN_API_MAX_REQ bytes, as with xpan-ctrld. The
 * event loop must not block on it, so the request is peeked at until it
 * is complete (newline, EOF, or too long) and only then read; lib/
 * apiserver.c parses and answers it (docs/api.md).
 */
struct ctl_client {
	struct iod_ev ev;
	struct iod_ctl *ctl;
	struct ctl_client *next;
	int fd;
	bool draining;		/* answered: discarding input until EOF */
	uint64_t deadline_ns;
};

struct iod_ctl {
	struct iod_server *srv;
	struct iod_ev ev;
	int fd;
	char path[108];
	struct ctl_client *clients;
	unsigned int nclients;
	uint64_t refused;	/* beyond IOD_CTL_MAX_CLIENTS */
	uint64_t resume_ns;	/* out of descriptors: accepting paused */
};

struct iod_ctl *iod_ctl_open(struct iod_server *s, const char *path,
			     char *err, size_t errlen)
{
	struct iod_ctl *ctl;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctl->srv = s;
	ctl->ev.type = IOD_EV_CTL;
	ctl->ev.ptr = ctl;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	/* lib/api.c: 0600 socket, stale one replaced, live one refused */
	ctl->fd = xpan_api_listen(path, err, errlen);
	if (ctl->fd < 0)
		goto out_free;
	if (iod_epoll_add(s, ctl->fd, EPOLLIN, &ctl->ev)) {
		snprintf(err, errlen, "control socket %s: %s", path,
			 strerror(errno));
		goto out_close;
	}
	return ctl;
out_close:
	close(ctl->fd);
	unlink(path);
out_free:
	free(ctl);
	return NULL;
}

static void client_free(struct ctl_client *cl);

void iod_ctl_close(struct iod_ctl *ctl)
{
	if (!ctl)
		return;
	while (ctl->clients)
		client_free(ctl->clients);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}

static void stats_json(struct jsonw *jw, const struct iod_stats *st,
		       uint64_t now)
{
	jsonw_uint_field(jw, "ops", st->ops);
	jsonw_uint_field(jw, "bytes", st->bytes);
	jsonw_uint_field(jw, "reads", st->reads);
	jsonw_uint_field(jw, "writes", st->writes);
	jsonw_uint_field(jw, "read_bytes", st->read_bytes);
	jsonw_uint_field(jw, "write_bytes", st->write_bytes);
	jsonw_uint_field(jw, "errors", st->errors);
	jsonw_uint_field(jw, "busy_ns", iod_stats_busy(st, now));
}

static int do_stats(void *ctx, const struct xpan_api_req *req, FILE *out,
		    struct xpan_api_err *err)
{
	struct iod_server *s = ctx;
	struct lun_map *m = s->map;
	uint64_t now = iod_now_ns();
	struct jsonw *jw = jsonw_new(out, false);
	size_t i, j;

	(void)req;
	(void)err;
	jsonw_start_object(jw);
	jsonw_name(jw, "nodes");
	jsonw_start_array(jw);
	for (i = 0; i < m->nnodes; i++) {
		struct iod_node *n = &m->nodes[i];
		struct iod_stats sum = { 0 };

		for (j = 0; j < n->nluns; j++)
			iod_stats_add(&sum, &n->luns[j]->stats, now);
		jsonw_start_object(jw);
		jsonw_string_field(jw, "node", n->name);
		stats_json(jw, &sum, now);
		jsonw_name(jw, "luns");
		jsonw_start_array(jw);
		for (j = 0; j < n->nluns; j++) {
			jsonw_start_object(jw);
			jsonw_uint_field(jw, "lun", n->luns[j]->lun);
			stats_json(jw, &n->luns[j]->stats, now);
			jsonw_end_object(jw);
		}
		jsonw_end_array(jw);
		jsonw_end_object(jw);
	}
	jsonw_end_array(jw);
	jsonw_end_object(jw);
	jsonw_destroy(&jw);
	return 0;
}

static int do_luns(void *ctx, const struct xpan_api_req *req, FILE *out,
		   struct xpan_api_err *err)
{
	struct iod_server *s = ctx;
	struct lun_map *m = s->map;
	struct jsonw *jw = jsonw_new(out, false);
	size_t i, k;

	(void)req;
	(void)err;
	jsonw_start_object(jw);
	jsonw_string_field(jw, "target", m->target);
	jsonw_name(jw, "luns");
	jsonw_start_array(jw);
	for (i = 0; i < m->nluns; i++) {
		struct iod_lun *l = &m->luns[i];

		jsonw_start_object(jw);
		jsonw_string_field(jw, "node", l->node->name);
		jsonw_uint_field(jw, "lun", l->lun);
		jsonw_string_field(jw, "backing", l->store->path);
		jsonw_uint_field(jw, "offset", l->offset);
		jsonw_uint_field(jw, "size", l->size);
		jsonw_bool_field(jw, "shared", l->shared);
		jsonw_bool_field(jw, "readonly", l->sdev.read_only);
		jsonw_bool_field(jw, "present", l->sdev.present);
		jsonw_name(jw, "initiators");
		jsonw_start_array(jw);
		for (k = 0; k < l->node->ninitiators; k++)
			jsonw_string(jw, l->node->initiators[k]);
		jsonw_end_array(jw);
		jsonw_end_object(jw);
	}
	jsonw_end_array(jw);
	jsonw_end_object(jw);
	jsonw_destroy(&jw);
	return 0;
}

static int do_pool(void *ctx, const struct xpan_api_req *req, FILE *out,
		   struct xpan_api_err *err)
{
	struct iod_server *s = ctx;
	struct lun_map *m = s->map;
	struct jsonw *jw = jsonw_new(out, false);
	size_t i;

	(void)req;
	(void)err;
	jsonw_start_object(jw);
	jsonw_name(jw, "stores");
	jsonw_start_array(jw);
	for (i = 0; i < m->nstores; i++) {
		struct iod_store *st = m->stores[i];
		const char *state = !st->present ? "missing" :
				    st->nluns ? "assigned" : "free";

		jsonw_start_object(jw);
		jsonw_string_field(jw, "path", st->path);
		jsonw_uint_field(jw, "size", st->size);
		jsonw_string_field(jw, "state", state);
		jsonw_uint_field(jw, "luns", st->nluns);
		jsonw_end_object(jw);
	}
	jsonw_end_array(jw);
	jsonw_end_object(jw);
	jsonw_destroy(&jw);
	return 0;
}

/* Connections and what the limits did (docs/storage.md "Limits"). */
static int do_conns(void *ctx, const struct xpan_api_req *req, FILE *out,
		    struct xpan_api_err *err)
{
	struct iod_server *s = ctx;
	const struct xpan_cfg_storage *cfg = &s->cfg->storage;
	struct iscsi_conn *c;
	struct jsonw *jw = jsonw_new(out, false);
	unsigned int n = 0;

	(void)req;
	(void)err;
	for (c = s->conns; c; c = c->next)
		n++;
	jsonw_start_object(jw);
	jsonw_uint_field(jw, "connections", n);
	jsonw_uint_field(jw, "max_connections", cfg->max_connections);
	jsonw_uint_field(jw, "max_connections_per_source",
			 cfg->max_connections_per_source);
	jsonw_uint_field(jw, "login_timeout", cfg->login_timeout_sec);
	jsonw_uint_field(jw, "session_buffer", cfg->session_buffer);
	jsonw_uint_field(jw, "refused_total", s->refused_total);
	jsonw_uint_field(jw, "refused_source", s->refused_source);
	jsonw_uint_field(jw, "login_timeouts", s->login_timeouts);
	jsonw_uint_field(jw, "accept_pauses", s->accept_pauses);
	jsonw_name(jw, "sessions");
	jsonw_start_array(jw);
	for (c = s->conns; c; c = c->next) {
		const char *state = !c->full_feature ? "login" :
				    c->discovery ? "discovery" : "normal";
		unsigned int waiting = 0;
		char sip[INET_ADDRSTRLEN];
		struct iscsi_task *t;

		for (t = c->memq_head; t; t = t->memq_next)
			waiting++;
		jsonw_start_object(jw);
		jsonw_string_field(jw, "peer", c->peer);
		jsonw_string_field(jw, "initiator", c->initiator);
		jsonw_string_field(jw, "state", state);
		jsonw_uint_field(jw, "buffered", c->mem);
		jsonw_uint_field(jw, "in_flight", c->window_used);
		jsonw_uint_field(jw, "cmdsn_ignored", c->cmdsn_ignored);
		jsonw_uint_field(jw, "immediate_rejected", c->imm_rejected);
		jsonw_uint_field(jw, "paused", c->parked_count);
		jsonw_bool_field(jw, "parked", c->parked);
		jsonw_uint_field(jw, "waiting_for_memory", waiting);
		jsonw_uint_field(jw, "task_set_full", c->task_set_full);
		/* the node the storage network says it is, by its address */
		if (c->storage_ip)
			inet_ntop(AF_INET, &c->storage_ip, sip, sizeof(sip));
		jsonw_string_field(jw, "storage_ip", c->storage_ip ? sip : "");
		jsonw_string_field(jw, "node", c->full_feature && c->node ?
				   c->node->name : "");
		jsonw_end_object(jw);
	}
	jsonw_end_array(jw);
	jsonw_end_object(jw);
	jsonw_destroy(&jw);
	return 0;
}

enum { MOVE_NODE, MOVE_INITIATOR };

static const struct xpan_api_arg move_args[] = {
	[MOVE_NODE] = { .name = "node", .type = XPAN_API_STRING,
			.required = true },
	[MOVE_INITIATOR] = { .name = "initiator", .type = XPAN_API_STRING,
			     .required = true },
	{ .name = NULL },
};

static int do_move(void *ctx, const struct xpan_api_req *req, FILE *out,
		   struct xpan_api_err *err)
{
	struct iod_server *s = ctx;
	const char *node = xpan_api_str(req, MOVE_NODE);
	const char *initiator = xpan_api_str(req, MOVE_INITIATOR);
	struct iscsi_conn *c, *n;
	struct jsonw *jw;
	int dropped = 0;

	if (lun_map_move(s->map, node, initiator, err->msg, sizeof(err->msg)))
		return -1;
	/* Sessions whose name no longer selects their node lose access
	 * now, not at their next login. */
	for (c = s->conns; c; c = n) {
		n = c->next;
		if (c->full_feature && c->node &&
		    !iod_node_has_initiator(c->node, c->initiator)) {
			pr_info("move: closing session of %s (node %s)\n",
				c->initiator, c->node->name);
			iscsi_conn_close(c);
			dropped++;
		}
	}
	jw = jsonw_new(out, false);
	jsonw_start_object(jw);
	jsonw_string_field(jw, "node", node);
	jsonw_string_field(jw, "initiator", initiator);
	jsonw_uint_field(jw, "closed", dropped);
	jsonw_end_object(jw);
	jsonw_destroy(&jw);
	return 0;
}

/* pool_scan's report (a line per change) as {changes, report: [...]}. */
static int do_rescan(void *ctx, const struct xpan_api_req *req, FILE *out,
		     struct xpan_api_err *err)
{
	struct iod_server *s = ctx;
	char *report = NULL, *line, *save = NULL;
	size_t len = 0;
	struct jsonw *jw;
	FILE *f;
	int n;

	(void)req;
	f = open_memstream(&report, &len);
	if (!f) {
		xpan_api_fail(err, XPAN_API_E_INTERNAL, "out of memory");
		return -1;
	}
	n = pool_scan(s->map, f);
	fclose(f);
	jw = jsonw_new(out, false);
	jsonw_start_object(jw);
	jsonw_int_field(jw, "changes", n);
	jsonw_name(jw, "report");
	jsonw_start_array(jw);
	for (line = strtok_r(report, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		jsonw_string(jw, line);
	jsonw_end_array(jw);
	jsonw_end_object(jw);
	jsonw_destroy(&jw);
	free(report);
	return 0;
}

static int do_refresh(void *ctx, const struct xpan_api_req *req, FILE *out,
		      struct xpan_api_err *err)
{
	(void)req;
	return iod_storage_net_ctl_refresh(ctx, out, true, err->msg,
					   sizeof(err->msg));
}

static int do_help(void *ctx, const struct xpan_api_req *req, FILE *out,
		   struct xpan_api_err *err);

static const struct xpan_api_verb iod_verbs[] = {
	{ .name = "storage stats", .run = do_stats },
	{ .name = "storage luns", .run = do_luns },
	{ .name = "storage pool", .run = do_pool },
	{ .name = "storage conns", .run = do_conns },
	{ .name = "storage move", .args = move_args, .run = do_move },
	{ .name = "storage rescan", .run = do_rescan },
	{ .name = "storage refresh", .run = do_refresh },
	{ .name = "storage help", .run = do_help },
	{ .name = NULL },
};

/* The verbs this daemon answers: {"verbs": [name...]}. */
static int do_help(void *ctx, const struct xpan_api_req *req, FILE *out,
		   struct xpan_api_err *err)
{
	(void)ctx;
	(void)req;
	(void)err;
	return xpan_api_help(iod_verbs, out);
}

int iod_ctl_serve(struct iod_server *s, const char *req, size_t len,
		  char **out, size_t *outlen)
{
	/* a line may leave "storage" out: "stats -j" */
	const struct xpan_api_server srv = {
		.verbs = iod_verbs, .ctx = s, .legacy_prefix = "storage",
	};

	return xpan_api_serve(&srv, req, len, out, outlen);
}

int iod_ctl_exec(struct iod_server *s, const char *line, FILE *out,
		 char *err, size_t errlen)
{
	char *reply = NULL;
	size_t len = 0;

	if (iod_ctl_serve(s, line, strlen(line), &reply, &len)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (len >= 6 && !strncmp(reply, "error ", 6)) {
		snprintf(err, errlen, "%.*s", (int)(len - 7), reply + 6);
		free(reply);
		return -1;
	}
	if (len >= 3 && !strncmp(reply, "ok\n", 3))
		fwrite(reply + 3, 1, len - 3, out);
	else
		fwrite(reply, 1, len, out);
	free(reply);
	return 0;
}

static void client_free(struct ctl_client *cl)
{
	struct ctl_client **pp;

	for (pp = &cl->ctl->clients; *pp; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	cl->ctl->nclients--;
	epoll_ctl(cl->ctl->srv->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	free(cl);
}

static void set_blocking(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0)
		fcntl(fd, F_SETFL, on ? flags & ~O_NONBLOCK : flags | O_NONBLOCK);
}

/* Answers and half-closes; what the client still sends is read and
 * dropped until it closes, so that closing never resets the connection
 * before the client read the answer. */
static void client_send(struct ctl_client *cl, int ret, char *reply,
			size_t len)
{
	/* Replies are small: lib/api.c sends them blocking, with a
	 * timeout, so a client that never reads cannot hold the loop. */
	if (!ret) {
		set_blocking(cl->fd, true);
		xpan_api_send(cl->fd, reply, len);
		set_blocking(cl->fd, false);
		free(reply);
	}
	shutdown(cl->fd, SHUT_WR);
	cl->draining = true;
}

/* Refused before the request was complete (too_long, timeout), in the
 * form its first bytes chose. */
static void client_refuse(struct ctl_client *cl, const char *buf, size_t have,
			  const char *code, const char *msg)
{
	char *reply = NULL;
	size_t len = 0;
	int ret = xpan_api_serve_error(buf, have, code, msg, &reply, &len);

	client_send(cl, ret, reply, len);
}

static void client_accept(struct iod_ctl *ctl)
{
	struct ctl_client *cl;
	int fd;

	fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (iod_accept_must_pause(errno)) {
			ctl->resume_ns = iod_now_ns() + IOD_ACCEPT_PAUSE_NS;
			iod_epoll_mod(ctl->srv, ctl->fd, 0, &ctl->ev);
		}
		return;
	}
	if (ctl->nclients >= IOD_CTL_MAX_CLIENTS) {
		if (!ctl->refused++ || !(ctl->refused % 100))
			pr_warn("control socket: more than %u clients at once, refused (%llu so far; 'ss -xp' shows which processes hold it open)\n",
				IOD_CTL_MAX_CLIENTS,
				(unsigned long long)ctl->refused);
		close(fd);
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		close(fd);
		return;
	}
	cl->ev.type = IOD_EV_CTL_CLIENT;
	cl->ev.ptr = cl;
	cl->ctl = ctl;
	cl->fd = fd;
	cl->deadline_ns = iod_now_ns() +
			  XPAN_API_READ_TIMEOUT_MS * 1000000ull;
	/* edge-triggered: a partial line peeked at stays in the socket
	 * without waking the loop again until more arrives */
	if (iod_epoll_add(ctl->srv, fd, EPOLLIN | EPOLLRDHUP | EPOLLET,
			  &cl->ev)) {
		close(fd);
		free(cl);
		return;
	}
	cl->next = ctl->clients;
	ctl->clients = cl;
	ctl->nclients++;
}

static void client_drain(struct ctl_client *cl)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(cl->fd, buf, sizeof(buf))) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		client_free(cl);
}

static void client_input(struct ctl_client *cl, uint32_t events)
{
	char buf[XPAN_API_MAX_REQ + 1], *reply = NULL, *nl;
	bool eof = events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);
	size_t len, rlen = 0;
	ssize_t n;
	int ret;

	if (cl->draining) {
		client_drain(cl);
		return;
	}
	n = recv(cl->fd, buf, XPAN_API_MAX_REQ, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR) && !eof)
		return;
	if (n <= 0) {
		client_free(cl);	/* gone without a request */
		return;
	}
	nl = memchr(buf, '\n', n);
	if (!nl && n < XPAN_API_MAX_REQ && !eof)
		return;			/* not complete yet */
	if (!nl && n >= XPAN_API_MAX_REQ) {
		client_refuse(cl, buf, n, XPAN_API_E_TOO_LONG,
			      XPAN_API_MSG_TOO_LONG);
		client_drain(cl);
		return;
	}
	/* complete: the request and its newline leave the socket */
	len = nl ? (size_t)(nl - buf) : (size_t)n;
	if (recv(cl->fd, buf, len + (nl ? 1 : 0), MSG_DONTWAIT) !=
	    (ssize_t)(len + (nl ? 1 : 0))) {
		client_free(cl);
		return;
	}
	buf[len] = '\0';
	ret = iod_ctl_serve(cl->ctl->srv, buf, len, &reply, &rlen);
	client_send(cl, ret, reply, rlen);
	client_drain(cl);
}

void iod_ctl_event(struct iod_ctl *ctl, struct iod_ev *ev, uint32_t events)
{
	if (ev->type == IOD_EV_CTL)
		client_accept(ctl);
	else
		client_input(ev->ptr, events);
}

int iod_ctl_expire(struct iod_ctl *ctl, uint64_t now)
{
	struct ctl_client *cl, *n;
	int ms = -1, t;

	if (!ctl)
		return -1;
	if (ctl->resume_ns) {
		if (now >= ctl->resume_ns) {
			ctl->resume_ns = 0;
			iod_epoll_mod(ctl->srv, ctl->fd, EPOLLIN, &ctl->ev);
		} else {
			ms = (ctl->resume_ns - now) / 1000000 + 1;
		}
	}
	for (cl = ctl->clients; cl; cl = n) {
		n = cl->next;
		if (now >= cl->deadline_ns) {
			char buf[4096];

			if (!cl->draining) {
				char part[XPAN_API_MAX_REQ];
				ssize_t have = recv(cl->fd, part, sizeof(part),
						    MSG_PEEK | MSG_DONTWAIT);

				client_refuse(cl, part, have > 0 ? have : 0,
					      XPAN_API_E_TIMEOUT,
					      XPAN_API_MSG_TIMEOUT);
			}
			/* unread input would turn the close into a reset
			 * that can discard the answer */
			while (read(cl->fd, buf, sizeof(buf)) > 0)
				;
			client_free(cl);
			continue;
		}
		t = (cl->deadline_ns - now) / 1000000 + 1;
		if (ms < 0 || t < ms)
			ms = t;
	}
	return ms;
}

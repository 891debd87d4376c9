// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "ctl.h"
#include "jsonw.h"
#include "log.h"
#include "pool.h"
#include "session.h"
#include "stats.h"
#include "storage_net.h"

/*
 * A client has XPAN_API_READ_TIMEOUT_MS from accept to send its one
 * request line of at most XPAN_API_MAX_REQ bytes, as with xpan-ctrld.
 * The event loop must not block on it, so the line is peeked at until it
 * is complete (newline, EOF, or too long) and only then read with
 * lib/api.c's reader, which then never waits.
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

static void stats_text(FILE *out, const char *node, const char *lun,
		       const struct iod_stats *st, uint64_t now)
{
	fprintf(out, "%-12s %-5s %10llu %14llu %10llu %10llu %8llu %12.3f\n",
		node, lun, (unsigned long long)st->ops,
		(unsigned long long)st->bytes, (unsigned long long)st->reads,
		(unsigned long long)st->writes, (unsigned long long)st->errors,
		iod_stats_busy(st, now) / 1e9);
}

static void do_stats(struct lun_map *m, FILE *out, bool json)
{
	uint64_t now = iod_now_ns();
	struct jsonw *jw = NULL;
	size_t i, j;

	if (json) {
		jw = jsonw_new(out, false);
		jsonw_start_object(jw);
		jsonw_name(jw, "nodes");
		jsonw_start_array(jw);
	} else {
		fprintf(out, "%-12s %-5s %10s %14s %10s %10s %8s %12s\n",
			"NODE", "LUN", "OPS", "BYTES", "READS", "WRITES",
			"ERRORS", "BUSY_S");
	}
	for (i = 0; i < m->nnodes; i++) {
		struct iod_node *n = &m->nodes[i];
		struct iod_stats sum = { 0 };

		for (j = 0; j < n->nluns; j++)
			iod_stats_add(&sum, &n->luns[j]->stats, now);
		if (json) {
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
			continue;
		}
		for (j = 0; j < n->nluns; j++) {
			char l[8];

			snprintf(l, sizeof(l), "%u", n->luns[j]->lun);
			stats_text(out, n->name, l, &n->luns[j]->stats, now);
		}
		stats_text(out, n->name, "all", &sum, now);
	}
	if (json) {
		jsonw_end_array(jw);
		jsonw_end_object(jw);
		jsonw_destroy(&jw);
	}
}

static void do_luns(struct iod_server *s, FILE *out, bool json)
{
	struct lun_map *m = s->map;
	struct jsonw *jw = NULL;
	size_t i, k;

	if (json) {
		jw = jsonw_new(out, false);
		jsonw_start_object(jw);
		jsonw_string_field(jw, "target", m->target);
		jsonw_name(jw, "luns");
		jsonw_start_array(jw);
	} else {
		fprintf(out, "target %s\n", m->target);
		fprintf(out, "%-12s %-5s %-40s %12s %12s %-6s %-7s %s\n",
			"NODE", "LUN", "BACKING", "OFFSET", "SIZE", "SHARED",
			"STATE", "INITIATORS");
	}
	for (i = 0; i < m->nluns; i++) {
		struct iod_lun *l = &m->luns[i];

		if (json) {
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
			continue;
		}
		fprintf(out, "%-12s %-5u %-40s %12llu %12llu %-6s %-7s ",
			l->node->name, l->lun, l->store->path,
			(unsigned long long)l->offset,
			(unsigned long long)l->size, l->shared ? "yes" : "no",
			l->sdev.present ? "ok" : "missing");
		for (k = 0; k < l->node->ninitiators; k++)
			fprintf(out, "%s%s", k ? "," : "",
				l->node->initiators[k]);
		fputc('\n', out);
	}
	if (json) {
		jsonw_end_array(jw);
		jsonw_end_object(jw);
		jsonw_destroy(&jw);
	}
}

static void do_pool(struct lun_map *m, FILE *out, bool json)
{
	struct jsonw *jw = NULL;
	size_t i;

	if (json) {
		jw = jsonw_new(out, false);
		jsonw_start_object(jw);
		jsonw_name(jw, "stores");
		jsonw_start_array(jw);
	} else {
		fprintf(out, "%-48s %14s %-8s %s\n", "STORE", "SIZE", "STATE",
			"LUNS");
	}
	for (i = 0; i < m->nstores; i++) {
		struct iod_store *st = m->stores[i];
		const char *state = !st->present ? "missing" :
				    st->nluns ? "assigned" : "free";

		if (json) {
			jsonw_start_object(jw);
			jsonw_string_field(jw, "path", st->path);
			jsonw_uint_field(jw, "size", st->size);
			jsonw_string_field(jw, "state", state);
			jsonw_uint_field(jw, "luns", st->nluns);
			jsonw_end_object(jw);
		} else {
			fprintf(out, "%-48s %14llu %-8s %u\n", st->path,
				(unsigned long long)st->size, state,
				st->nluns);
		}
	}
	if (json) {
		jsonw_end_array(jw);
		jsonw_end_object(jw);
		jsonw_destroy(&jw);
	}
}

/* Connections and what the limits did (docs/storage.md "Limits"). */
static void do_conns(struct iod_server *s, FILE *out, bool json)
{
	const struct xpan_cfg_storage *cfg = &s->cfg->storage;
	struct iscsi_conn *c;
	struct jsonw *jw = NULL;
	unsigned int n = 0;

	for (c = s->conns; c; c = c->next)
		n++;
	if (json) {
		jw = jsonw_new(out, false);
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
	} else {
		fprintf(out, "connections %u (max %u, %u per source), refused %llu at the total and %llu per source, %llu login timeouts (%u s), %llu accept pauses\n",
			n, cfg->max_connections,
			cfg->max_connections_per_source,
			(unsigned long long)s->refused_total,
			(unsigned long long)s->refused_source,
			(unsigned long long)s->login_timeouts,
			cfg->login_timeout_sec,
			(unsigned long long)s->accept_pauses);
		fprintf(out, "%-22s %-40s %-9s %12s %6s %6s %10s %8s %6s %6s\n",
			"PEER", "INITIATOR", "STATE", "BUFFERED", "INFL",
			"MWAIT", "IGNORED", "IMM_REJ", "TSF", "PAUSED");
	}
	for (c = s->conns; c; c = c->next) {
		const char *state = !c->full_feature ? "login" :
				    c->discovery ? "discovery" : "normal";
		unsigned int waiting = 0;
		struct iscsi_task *t;

		for (t = c->memq_head; t; t = t->memq_next)
			waiting++;

		if (json) {
			jsonw_start_object(jw);
			jsonw_string_field(jw, "peer", c->peer);
			jsonw_string_field(jw, "initiator", c->initiator);
			jsonw_string_field(jw, "state", state);
			jsonw_uint_field(jw, "buffered", c->mem);
			jsonw_uint_field(jw, "in_flight", c->window_used);
			jsonw_uint_field(jw, "cmdsn_ignored", c->cmdsn_ignored);
			jsonw_uint_field(jw, "immediate_rejected",
					 c->imm_rejected);
			jsonw_uint_field(jw, "paused", c->parked_count);
			jsonw_bool_field(jw, "parked", c->parked);
			jsonw_uint_field(jw, "waiting_for_memory", waiting);
			jsonw_uint_field(jw, "task_set_full", c->task_set_full);
			jsonw_end_object(jw);
			continue;
		}
		fprintf(out, "%-22s %-40s %-9s %12llu %6u %6u %10llu %8llu %6llu %6llu\n",
			c->peer, c->initiator[0] ? c->initiator : "-", state,
			(unsigned long long)c->mem, c->window_used, waiting,
			(unsigned long long)c->cmdsn_ignored,
			(unsigned long long)c->imm_rejected,
			(unsigned long long)c->task_set_full,
			(unsigned long long)c->parked_count);
	}
	if (json) {
		jsonw_end_array(jw);
		jsonw_end_object(jw);
		jsonw_destroy(&jw);
	}
}

static int do_move(struct iod_server *s, const char *node,
		   const char *initiator, FILE *out, char *err, size_t errlen)
{
	struct iscsi_conn *c, *n;
	int dropped = 0;

	if (lun_map_move(s->map, node, initiator, err, errlen))
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
	fprintf(out, "node %s now served to %s (%d sessions closed)\n", node,
		initiator, dropped);
	return 0;
}

int iod_ctl_exec(struct iod_server *s, const char *line, FILE *out,
		 char *err, size_t errlen)
{
	char buf[XPAN_API_MAX_REQ], *argv[8], *save, *tok;
	int argc = 0, a = 0;
	bool json = false;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " \t\r\n", &save); tok && argc < 8;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (!strcmp(tok, "-j"))
			json = true;
		else
			argv[argc++] = tok;
	}
	if (argc && !strcmp(argv[0], "storage"))
		a = 1;
	if (a >= argc) {
		snprintf(err, errlen,
			 "empty request; verbs: storage stats|luns|pool|conns [-j], storage move <node> <initiator>, storage rescan, storage refresh [-j]");
		return -1;
	}
	if (!strcmp(argv[a], "stats") && argc == a + 1) {
		do_stats(s->map, out, json);
		return 0;
	}
	if (!strcmp(argv[a], "luns") && argc == a + 1) {
		do_luns(s, out, json);
		return 0;
	}
	if (!strcmp(argv[a], "conns") && argc == a + 1) {
		do_conns(s, out, json);
		return 0;
	}
	if (!strcmp(argv[a], "pool") && argc == a + 1) {
		do_pool(s->map, out, json);
		return 0;
	}
	if (!strcmp(argv[a], "rescan") && argc == a + 1) {
		int n = pool_scan(s->map, out);

		fprintf(out, "%d change%s\n", n, n == 1 ? "" : "s");
		return 0;
	}
	if (!strcmp(argv[a], "refresh") && argc == a + 1)
		return iod_storage_net_ctl_refresh(s, out, json, err, errlen);
	if (!strcmp(argv[a], "move")) {
		if (argc != a + 3) {
			snprintf(err, errlen,
				 "usage: storage move <node> <initiator-iqn>");
			return -1;
		}
		return do_move(s, argv[a + 1], argv[a + 2], out, err, errlen);
	}
	snprintf(err, errlen,
		 "unknown request '%s'; verbs: storage stats|luns|pool|conns [-j], storage move <node> <initiator>, storage rescan, storage refresh [-j]",
		 line);
	return -1;
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
static void client_reply(struct ctl_client *cl, bool ok, const char *body,
			 size_t len)
{
	/* Replies are small: lib/api.c sends them blocking, with a
	 * timeout, so a client that never reads cannot hold the loop. */
	set_blocking(cl->fd, true);
	xpan_api_reply(cl->fd, ok, body, len);
	set_blocking(cl->fd, false);
	shutdown(cl->fd, SHUT_WR);
	cl->draining = true;
}

static void client_answer(struct ctl_client *cl, const char *req)
{
	char err[512], *body = NULL;
	size_t blen = 0;
	FILE *out = open_memstream(&body, &blen);

	if (!out) {
		client_reply(cl, false, "out of memory", 13);
		return;
	}
	if (iod_ctl_exec(cl->ctl->srv, req, out, err, sizeof(err))) {
		fclose(out);
		client_reply(cl, false, err, strlen(err));
	} else {
		fclose(out);
		client_reply(cl, true, body, blen);
	}
	free(body);
}

static void client_error(struct ctl_client *cl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void client_error(struct ctl_client *cl, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	client_reply(cl, false, msg, strlen(msg));
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
	char buf[XPAN_API_MAX_REQ + 1];
	bool eof = events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);
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
	if (!memchr(buf, '\n', n) && n < XPAN_API_MAX_REQ && !eof)
		return;			/* not complete yet */
	/* complete, too long or ended: the reader returns at once */
	ret = xpan_api_read_request(cl->fd, buf, sizeof(buf), 100);
	switch (ret) {
	case 0:
		client_answer(cl, buf);
		break;
	case -E2BIG:
		client_error(cl, "request longer than %d bytes, refused",
			     XPAN_API_MAX_REQ);
		break;
	case -EINVAL:
		client_error(cl, "malformed request: send one line of text");
		break;
	case -ETIMEDOUT:
		client_error(cl, "no request line within %d ms",
			     XPAN_API_READ_TIMEOUT_MS);
		break;
	default:
		client_free(cl);
		return;
	}
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

			if (!cl->draining)
				client_error(cl, "no request line within %d ms",
					     XPAN_API_READ_TIMEOUT_MS);
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

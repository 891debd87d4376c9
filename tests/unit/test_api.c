// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "api.h"
#include "apiprint.h"
#include "apiserver.h"
#include "ctrld/ctrld.h"
#include "macalloc.h"

static char dir[64];
static char sock[96];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xpan-t-api-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "temp dir");
	snprintf(sock, sizeof(sock), "%s/run/ctl.sock", dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0, "remove %s", dir);
}

TestSuite(api, .init = setup, .fini = teardown);

/* One server turn: what a daemon does per connection. */
struct turn {
	int lfd;
	int read_ret;		/* xpan_api_read_request's result */
	char req[XPAN_API_MAX_REQ];
	int timeout_ms;
};

/*
 * The listening socket is non-blocking (the daemon accepts from its event
 * loop), so a server thread that runs before the client has connected must
 * wait for it rather than take EAGAIN and leave the client hanging.
 */
static int accept_wait(int lfd)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };

	if (poll(&pfd, 1, 10000) != 1)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

static void *serve_one(void *arg)
{
	struct turn *t = arg;
	char *argv[8];
	int cfd, argc;

	cfd = accept_wait(t->lfd);
	if (cfd < 0)
		return NULL;
	t->read_ret = xpan_api_read_request(cfd, t->req, sizeof(t->req),
					    t->timeout_ms);
	if (t->read_ret == -E2BIG) {
		xpan_api_reply_error(cfd, "request longer than %d bytes",
				     XPAN_API_MAX_REQ);
	} else if (t->read_ret) {
		xpan_api_reply_error(cfd, "malformed request: %s",
				     strerror(-t->read_ret));
	} else {
		char copy[XPAN_API_MAX_REQ];

		strcpy(copy, t->req);
		argc = xpan_api_split(copy, argv, 8);
		if (argc == 2 && strcmp(argv[0], "echo") == 0) {
			char body[XPAN_API_MAX_REQ + 16];
			int n = snprintf(body, sizeof(body), "%s\nline2\n", argv[1]);

			xpan_api_reply(cfd, true, body, n);
		} else if (argc == 1 && strcmp(argv[0], "empty") == 0) {
			xpan_api_reply(cfd, true, NULL, 0);
		} else if (argc < 0) {
			xpan_api_reply_error(cfd, "too many arguments");
		} else {
			xpan_api_reply_error(cfd, "unknown verb '%s'\nsecond line",
					     argc ? argv[0] : "");
		}
	}
	close(cfd);
	return NULL;
}

/* Run one client request against a one-turn server thread. */
static int roundtrip(int lfd, struct turn *t, const char *req, char **body,
		     char *err, size_t errlen)
{
	pthread_t th;
	size_t len = 0;
	FILE *out;
	int ret;

	memset(t, 0, sizeof(*t));
	t->lfd = lfd;
	t->timeout_ms = XPAN_API_READ_TIMEOUT_MS;
	cr_assert_eq(pthread_create(&th, NULL, serve_one, t), 0);
	*body = NULL;
	out = open_memstream(body, &len);
	ret = xpan_api_call(sock, req, out, err, errlen);
	fclose(out);
	pthread_join(th, NULL);
	return ret;
}

static int listen_ok(void)
{
	char err[256] = "";
	int fd = xpan_api_listen(sock, err, sizeof(err));

	cr_assert_geq(fd, 0, "listen: %s", err);
	return fd;
}

Test(api, ok_with_body)
{
	int lfd = listen_ok();
	struct turn t;
	char err[256], *body;

	cr_assert_eq(roundtrip(lfd, &t, "echo hello", &body, err, sizeof(err)), 0);
	cr_assert_eq(t.read_ret, 0);
	cr_assert_str_eq(t.req, "echo hello", "newline stripped");
	cr_assert_str_eq(body, "hello\nline2\n", "body only, no status line");
	free(body);

	cr_assert_eq(roundtrip(lfd, &t, "empty", &body, err, sizeof(err)), 0);
	cr_assert_str_eq(body, "");
	free(body);
	close(lfd);
}

Test(api, error_line_and_unknown_verb)
{
	int lfd = listen_ok();
	struct turn t;
	char err[256], *body;

	cr_assert_eq(roundtrip(lfd, &t, "frobnicate now", &body, err,
			       sizeof(err)), 1);
	cr_assert_str_eq(err, "unknown verb 'frobnicate' second line",
			 "one line, newline flattened: %s", err);
	cr_assert_str_eq(body, "");
	free(body);
	close(lfd);
}

Test(api, oversized_request_rejected)
{
	int lfd = listen_ok();
	char *big = malloc(XPAN_API_MAX_REQ * 4);
	struct turn t;
	int ret;
	char err[256], *body;

	memset(big, 'a', XPAN_API_MAX_REQ * 4 - 1);
	big[XPAN_API_MAX_REQ * 4 - 1] = '\0';
	ret = roundtrip(lfd, &t, big, &body, err, sizeof(err));
	cr_assert_eq(ret, 1, "ret %d", ret);
	cr_assert_eq(t.read_ret, -E2BIG);
	cr_assert(strstr(err, "longer than"), "%s", err);
	free(body);

	/* Exactly at the cap: XPAN_API_MAX_REQ bytes including the newline. */
	memcpy(big, "echo ", 5);
	big[XPAN_API_MAX_REQ - 1] = '\0';
	cr_assert_eq(roundtrip(lfd, &t, big, &body, err, sizeof(err)), 0,
		     "a request of the maximum size passes: %s", err);
	cr_assert_eq(strlen(t.req), XPAN_API_MAX_REQ - 1);
	free(body);

	/* One byte more is refused. */
	memset(big, 'a', XPAN_API_MAX_REQ);
	big[XPAN_API_MAX_REQ] = '\0';
	cr_assert_eq(roundtrip(lfd, &t, big, &body, err, sizeof(err)), 1);
	cr_assert_eq(t.read_ret, -E2BIG);
	free(body);
	free(big);
	close(lfd);
}

Test(api, malformed_requests)
{
	int lfd = listen_ok();
	struct turn t;
	char err[256], *body;

	cr_assert_eq(roundtrip(lfd, &t, "", &body, err, sizeof(err)), 1);
	cr_assert_eq(t.read_ret, -EINVAL, "empty line");
	free(body);
	cr_assert_eq(roundtrip(lfd, &t, "stat\x01us", &body, err, sizeof(err)), 1);
	cr_assert_eq(t.read_ret, -EINVAL, "control byte");
	free(body);
	cr_assert_eq(roundtrip(lfd, &t, "a b c d e f g h i j", &body, err,
			       sizeof(err)), 1);
	cr_assert_str_eq(err, "too many arguments");
	free(body);
	close(lfd);
}

/* A client that connects and says nothing must not hold the server. */
Test(api, silent_client_times_out)
{
	int lfd = listen_ok(), cfd;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct turn t = { .lfd = lfd, .timeout_ms = 50 };
	pthread_t th;
	char buf[64];
	ssize_t n;

	strcpy(sa.sun_path, sock);
	cfd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(pthread_create(&th, NULL, serve_one, &t), 0);
	pthread_join(th, NULL);
	cr_assert_eq(t.read_ret, -ETIMEDOUT);
	n = read(cfd, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert(strncmp(buf, "error ", 6) == 0, "got '%s'", buf);
	close(cfd);
	close(lfd);
}

Test(api, listen_socket_rules)
{
	char err[256] = "";
	struct stat st;
	int lfd, fd2, flags;

	lfd = listen_ok();
	cr_assert_eq(stat(sock, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
	flags = fcntl(lfd, F_GETFD);
	cr_assert(flags & FD_CLOEXEC, "listening fd is CLOEXEC");

	/* A live server is not displaced. */
	fd2 = xpan_api_listen(sock, err, sizeof(err));
	cr_assert_lt(fd2, 0);
	cr_assert(strstr(err, "in use"), "%s", err);

	/* A stale socket (server gone, file left) is replaced. */
	close(lfd);
	cr_assert_eq(stat(sock, &st), 0, "file left behind");
	lfd = xpan_api_listen(sock, err, sizeof(err));
	cr_assert_geq(lfd, 0, "stale socket replaced: %s", err);
	close(lfd);
	unlink(sock);

	/* A regular file is never removed. */
	fclose(fopen(sock, "w"));
	cr_assert_lt(xpan_api_listen(sock, err, sizeof(err)), 0);
	cr_assert(strstr(err, "not a socket"), "%s", err);
}

Test(api, client_cannot_connect)
{
	char err[64];
	char path[192];

	snprintf(path, sizeof(path), "%s/none.sock", dir);
	cr_assert_eq(xpan_api_call(path, "status", NULL, err, sizeof(err)),
		     -ENOENT);
}

/*
 * xpan-ctrld's verbs over the same server path, without root: nodes whose
 * ports do not exist on this host show as port-missing, and no dataplane
 * is touched (reload of a bad file fails before anything is applied).
 */
static const char ctrld_cfg[] =
	"platform: { serial: 258, state: /nonexistent }\n"
	"vlans:\n"
	"  - { name: red, id: 10 }\n"
	"  - { name: blue, id: 20 }\n"
	"nodes:\n"
	"  - { name: n1, port: xpan-t-none1, vlan: red, ips: [10.0.0.1/24, 10.0.1.1/24] }\n"
	"  - { name: node-two, port: xpan-t-none2, vlan: red, datapath: xdp }\n"
	"  - { name: n3, port: xpan-t-none3, netns: n3, vlan: blue, ips: [10.0.0.1/24] }\n";

struct ctrld_turn {
	struct ctrld *c;
	int lfd;
};

/* ctrld's request handling (ctrld_api_serve) behind a blocking reader. */
static void *serve_ctrld(void *arg)
{
	struct ctrld_turn *t = arg;
	char req[XPAN_API_MAX_REQ + 1], *body = NULL;
	size_t len = 0;
	int cfd;

	cfd = accept_wait(t->lfd);
	if (cfd < 0)
		return NULL;
	if (xpan_api_read_request(cfd, req, sizeof(req), 2000) == 0 &&
	    ctrld_api_serve(t->c, req, strlen(req), &body, &len) == 0) {
		(void)!write(cfd, body, len);
		free(body);
	}
	close(cfd);
	return NULL;
}

/* The same request in the JSON form, through xpan_api_request. */
static int ctrld_request(struct ctrld *c, int lfd, const char *verb,
			 json_t **result, struct xpan_api_err *err)
{
	struct ctrld_turn t = { .c = c, .lfd = lfd };
	pthread_t th;
	int ret;

	cr_assert_eq(pthread_create(&th, NULL, serve_ctrld, &t), 0);
	ret = xpan_api_request(sock, verb, NULL, 5000, result, err);
	pthread_join(th, NULL);
	return ret;
}

static int ctrld_call(struct ctrld *c, int lfd, const char *req, char **body,
		      char *err, size_t errlen)
{
	struct ctrld_turn t = { .c = c, .lfd = lfd };
	pthread_t th;
	size_t len;
	FILE *out;
	int ret;

	cr_assert_eq(pthread_create(&th, NULL, serve_ctrld, &t), 0);
	out = open_memstream(body, &len);
	ret = xpan_api_call(sock, req, out, err, errlen);
	fclose(out);
	pthread_join(th, NULL);
	return ret;
}

Test(api, ctrld_verbs)
{
	struct ctrld c = { .lock_fd = -1, .listen_fd = -1, .sig_fd = -1 };
	char path[192], err[1024], *body, *line2, *l;
	char statedir[192];
	int lfd = listen_ok();
	FILE *f;

	snprintf(path, sizeof(path), "%s/xpan.yaml", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(ctrld_cfg, f);
	fclose(f);
	snprintf(c.cfg_path, sizeof(c.cfg_path), "%s", path);
	snprintf(c.sock_path, sizeof(c.sock_path), "%s", sock);
	cr_assert_eq(xpan_config_load(path, &c.cfg, err, sizeof(err)), 0, "%s", err);
	snprintf(statedir, sizeof(statedir), "%s/state", dir);
	cr_assert_eq(xpan_state_open(statedir, &c.st, err, sizeof(err)), 0, "%s", err);
	c.rt = calloc(c.cfg.n_nodes, sizeof(*c.rt));
	for (size_t i = 0; i < c.cfg.n_nodes; i++)
		cr_assert_eq(xpan_mac_assign(c.st, c.cfg.nodes[i].name, c.cfg.serial,
					     &c.rt[i].mac, err, sizeof(err)), 0);

	cr_assert_eq(ctrld_call(&c, lfd, "show nodes -j", &body, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert(strstr(body, "{\"name\":\"n1\",\"mac\":\"02:01:02:00:00:01\","
			 "\"port\":\"xpan-t-none1\",\"vlan\":\"red\","
			 "\"ips\":[\"10.0.0.1/24\",\"10.0.1.1/24\"],"
			 "\"state\":\"port-missing\""), "%s", body);
	cr_assert(strstr(body, "\"name\":\"node-two\",\"mac\":\"02:01:02:00:00:02\""),
		  "%s", body);
	cr_assert(strstr(body, "\"ips\":[],"), "node without IPs: %s", body);
	free(body);

	/* Text: a header and one row per node, columns aligned. */
	cr_assert_eq(ctrld_call(&c, lfd, "show nodes", &body, err, sizeof(err)), 0);
	cr_assert(strncmp(body, "NAME      MAC  ", 15) == 0, "%s", body);
	line2 = strchr(body, '\n') + 1;
	cr_assert(strncmp(line2, "n1        02:01:02:00:00:01  xpan-t-none1", 41) == 0,
		  "%s", body);
	l = strstr(body, "node-two  02:01:02:00:00:02  xpan-t-none2  red");
	cr_assert_not_null(l, "%s", body);
	free(body);

	cr_assert_eq(ctrld_call(&c, lfd, "show vlans -j", &body, err, sizeof(err)), 0);
	cr_assert_str_eq(body, "[{\"name\":\"red\",\"id\":10,\"members\":[\"n1\",\"node-two\"]},"
			 "{\"name\":\"blue\",\"id\":20,\"members\":[\"n3\"]}]\n");
	free(body);
	cr_assert_eq(ctrld_call(&c, lfd, "show vlans", &body, err, sizeof(err)), 0);
	cr_assert_str_eq(body, "NAME  ID  MEMBERS\nred   10  n1,node-two\nblue  20  n3\n");
	free(body);

	cr_assert_eq(ctrld_call(&c, lfd, "-j status", &body, err, sizeof(err)), 0);
	cr_assert(strstr(body, "\"serial\":258"), "%s", body);
	cr_assert(strstr(body, "\"nodes\":3,\"vlans\":2"), "%s", body);
	cr_assert(strstr(body, "\"ports_present\":0"), "%s", body);
	free(body);

	/* The JSON form: the same data, printed by xpan's printer. */
	{
		struct xpan_api_err e;
		json_t *res;
		char *text = NULL;
		size_t tlen;
		FILE *tf;

		cr_assert_eq(ctrld_request(&c, lfd, "show vlans", &res, &e), 0,
			     "%s", e.msg);
		tf = open_memstream(&text, &tlen);
		cr_assert_eq(xpan_api_print("show vlans", res, tf), 0);
		fclose(tf);
		cr_assert_str_eq(text, "NAME  ID  MEMBERS\nred   10  n1,node-two\nblue  20  n3\n");
		free(text);
		json_decref(res);
		cr_assert_eq(ctrld_request(&c, lfd, "status", &res, &e), 0);
		cr_assert_eq(json_integer_value(json_object_get(res, "serial")), 258);
		json_decref(res);
		cr_assert_eq(ctrld_request(&c, lfd, "show ports", &res, &e), 1);
		cr_assert_str_eq(e.code, XPAN_API_E_UNKNOWN_VERB);
		cr_assert(strstr(e.msg, "verbs: status | show nodes | show vlans | reload | help"),
			  "%s", e.msg);
	}

	cr_assert_eq(ctrld_call(&c, lfd, "show ports", &body, err, sizeof(err)), 1);
	cr_assert(strstr(err, "unknown request 'show ports'"), "%s", err);
	free(body);
	cr_assert_eq(ctrld_call(&c, lfd, "frob", &body, err, sizeof(err)), 1);
	cr_assert(strstr(err, "unknown request 'frob'"), "%s", err);
	free(body);

	/* A broken file on reload: FILE:LINE error, running config kept. */
	f = fopen(path, "w");
	fputs("platform: { serial: 1 }\nnodes:\n  - { name: x, port: p, vlan: nope }\n", f);
	fclose(f);
	cr_assert_eq(ctrld_call(&c, lfd, "reload", &body, err, sizeof(err)), 1);
	{
		char loc[256];

		snprintf(loc, sizeof(loc), "%s:3:", path);
		cr_assert(strstr(err, loc) && strstr(err, "unknown vlan"), "%s", err);
	}
	cr_assert_eq(c.cfg.n_nodes, 3);
	cr_assert_eq(c.cfg.serial, 258);
	free(body);

	xpan_state_close(c.st);
	xpan_config_free(&c.cfg);
	free(c.rt);
	close(lfd);
}

/*
 * ctrld's own connection code (apiconn.c, non-blocking, as in the event
 * loop) with bad clients: an unknown verb, bad JSON, wrong members, an
 * over-long request and one that stalls half-way each get an error
 * object, the good one in between its answer at once, and nothing
 * changes.
 */
struct rawc {
	int fd;
	char buf[8192];
	size_t len;
	bool done;
	long long done_ms;
};

static void rawc_open(struct rawc *r, const char *data, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(r, 0, sizeof(*r));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	r->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(r->fd, 0);
	cr_assert_eq(connect(r->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(send(r->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL),
		     (ssize_t)len);
}

static void rawc_poll(struct rawc *r)
{
	ssize_t n;

	while (!r->done) {
		n = recv(r->fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len,
			 MSG_DONTWAIT);
		if (n > 0) {
			r->len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return;
		r->done = true;		/* EOF (or reset after the answer) */
		r->done_ms = ctrld_now_ms();
		r->buf[r->len] = '\0';
		close(r->fd);
	}
}

static void serve_until(struct ctrld *c, struct rawc *rc, int n, int max_ms)
{
	long long end = ctrld_now_ms() + max_ms;

	for (;;) {
		struct pollfd pfd[1 + API_MAX_CONNS];
		int slot[API_MAX_CONNS], nconn, all = 1;

		for (int i = 0; i < n; i++) {
			rawc_poll(&rc[i]);
			all &= rc[i].done;
		}
		if (all || ctrld_now_ms() > end)
			return;
		apiconn_expire(c, ctrld_now_ms());
		pfd[0].fd = apiconn_can_accept(c) ? c->listen_fd : -1;
		pfd[0].events = POLLIN;
		nconn = apiconn_pollfds(c, pfd + 1, slot);
		if (poll(pfd, 1 + nconn, 20) <= 0)
			continue;
		apiconn_io(c, pfd + 1, slot, nconn);
		if (pfd[0].revents)
			apiconn_accept(c);
	}
}

static void code_is(const struct rawc *r, const char *code)
{
	json_t *root = json_loads(r->buf, 0, NULL);
	const char *got;

	cr_assert_not_null(root, "an error object: %s", r->buf);
	cr_assert(json_is_false(json_object_get(root, "ok")), "%s", r->buf);
	got = json_string_value(json_object_get(json_object_get(root, "error"), "code"));
	cr_assert(got && !strcmp(got, code), "want %s: %s", code, r->buf);
	json_decref(root);
}

Test(api, ctrld_connections_refuse_bad_requests)
{
	struct ctrld c = { .lock_fd = -1, .listen_fd = -1, .sig_fd = -1 };
	char path[192], err[1024], statedir[192], big[5000];
	struct rawc rc[7];
	long long t0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/xpan.yaml", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(ctrld_cfg, f);
	fclose(f);
	snprintf(c.cfg_path, sizeof(c.cfg_path), "%s", path);
	snprintf(c.sock_path, sizeof(c.sock_path), "%s", sock);
	cr_assert_eq(xpan_config_load(path, &c.cfg, err, sizeof(err)), 0, "%s", err);
	snprintf(statedir, sizeof(statedir), "%s/state", dir);
	cr_assert_eq(xpan_state_open(statedir, &c.st, err, sizeof(err)), 0, "%s", err);
	c.rt = calloc(c.cfg.n_nodes, sizeof(*c.rt));
	c.listen_fd = xpan_api_listen(sock, err, sizeof(err));
	cr_assert_geq(c.listen_fd, 0, "%s", err);
	cr_assert_eq(apiconn_init(&c), 0);

	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"verb\":\"reload\"", 16);
	t0 = ctrld_now_ms();
	rawc_open(&rc[0], "{\"verb\":\"sta", 12);		/* stalls */
	rawc_open(&rc[1], "{\"verb\":\"show clusters\"}\n", 25);
	rawc_open(&rc[2], "{\"verb\":\"reload\",\"x\":1}\n", 24);
	rawc_open(&rc[3], "{\"verb\":\"reload\"\n", 17);
	rawc_open(&rc[4], big, sizeof(big));
	rawc_open(&rc[5], "{\"verb\":\"show vlans\"}\n", 22);
	rawc_open(&rc[6], "reload\x01\n", 8);
	serve_until(&c, rc, 7, 6000);
	for (int i = 0; i < 7; i++)
		cr_assert(rc[i].done, "client %d answered", i);
	code_is(&rc[1], XPAN_API_E_UNKNOWN_VERB);
	code_is(&rc[2], XPAN_API_E_BAD_REQUEST);
	code_is(&rc[3], XPAN_API_E_BAD_REQUEST);
	code_is(&rc[4], XPAN_API_E_TOO_LONG);
	cr_assert(!strncmp(rc[5].buf, "{\"ok\":true,\"result\":[{\"name\":\"red\"", 34),
		  "%s", rc[5].buf);
	cr_assert_str_eq(rc[6].buf, "error malformed request: send one line of text\n");
	for (int i = 1; i < 7; i++)
		cr_assert_lt(rc[i].done_ms - t0, 1000,
			     "client %d not held up by the slow one", i);
	code_is(&rc[0], XPAN_API_E_TIMEOUT);
	cr_assert_geq(rc[0].done_ms - t0, XPAN_API_READ_TIMEOUT_MS - 50);
	cr_assert(strstr(rc[0].buf, "no request line within 2000 ms"), "%s", rc[0].buf);
	/* nothing ran: no reload happened */
	cr_assert_eq(c.cfg.serial, 258);
	cr_assert_eq(c.cfg.n_nodes, 3);

	apiconn_close_all(&c);
	close(c.listen_fd);
	xpan_state_close(c.st);
	xpan_config_free(&c.cfg);
	free(c.rt);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The control socket's verbs, run without a socket. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api.h"
#include "iodaemon/ctl.h"
#include "iodaemon/session.h"

static char dir[64];
static struct iod_config cfg;
static struct lun_map map;
static struct iod_server srv;
static char *body;
static size_t blen;
static char err[512];

static void mkfile(const char *name, long size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(ftruncate(fileno(f), size), 0);
	fclose(f);
}

static void setup(void)
{
	static const char *fmt =
		"nodes:\n  - name: n1\n  - name: n2\n"
		"storage:\n  pool: [%s]\n  luns:\n"
		"    - { node: n1, lun: 0, backing: a.img, size: 1M }\n"
		"    - { node: n2, lun: 5, backing: a.img, offset: 1M }\n";
	char doc[512];

	strcpy(dir, "/tmp/iodctl.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	mkfile("a.img", 4 << 20);
	snprintf(doc, sizeof(doc), fmt, dir);
	cr_assert_eq(iod_config_parse(&cfg, "t.yaml", doc, strlen(doc), err,
				      sizeof(err)), 0, "%s", err);
	cr_assert_eq(lun_map_build(&map, &cfg, err, sizeof(err)), 0, "%s", err);
	memset(&srv, 0, sizeof(srv));
	srv.cfg = &cfg;
	srv.map = &map;
}

static void teardown(void)
{
	char cmd[128];

	free(body);
	body = NULL;
	lun_map_free(&map);
	iod_config_free(&cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(ctl, .init = setup, .fini = teardown);

static int exec(const char *line)
{
	FILE *f;
	int ret;

	free(body);
	body = NULL;
	f = open_memstream(&body, &blen);
	cr_assert_not_null(f);
	ret = iod_ctl_exec(&srv, line, f, err, sizeof(err));
	fclose(f);
	return ret;
}

Test(ctl, luns_and_stats)
{
	cr_assert_eq(exec("storage luns -j"), 0);
	cr_assert(strstr(body, "\"node\":\"n2\",\"lun\":5"), "%s", body);
	cr_assert(strstr(body, "\"offset\":1048576,\"size\":3145728"), "%s",
		  body);
	map.luns[1].stats.ops = 7;
	map.luns[1].stats.reads = 7;
	map.luns[1].stats.bytes = 3584;
	cr_assert_eq(exec("storage stats -j"), 0);
	cr_assert(strstr(body, "{\"node\":\"n2\",\"ops\":7,\"bytes\":3584,\"reads\":7"),
		  "%s", body);
	cr_assert_eq(exec("stats"), 0, "the storage prefix is optional");
	cr_assert(strstr(body, "NODE"), "text table");
}

Test(ctl, pool_and_rescan)
{
	cr_assert_eq(exec("storage pool -j"), 0);
	cr_assert(strstr(body, "\"state\":\"assigned\",\"luns\":2"), "%s", body);
	mkfile("b.img", 1 << 20);
	cr_assert_eq(exec("storage rescan"), 0);
	cr_assert(strstr(body, "added "), "%s", body);
	cr_assert(strstr(body, "1 change"), "%s", body);
	cr_assert_eq(exec("storage pool"), 0);
	cr_assert(strstr(body, "free"), "%s", body);
}

Test(ctl, move)
{
	cr_assert_eq(exec("storage move n2 iqn.2026-11.io.xpan:spare"), 0, "%s",
		     err);
	cr_assert_str_eq(lun_map_node_by_initiator(&map,
						   "iqn.2026-11.io.xpan:spare")->name,
			 "n2");
	cr_assert_null(lun_map_node_by_initiator(&map, "iqn.2026-11.io.xpan:n2"));
	cr_assert_eq(exec("storage move n2"), -1);
	cr_assert(strstr(err, "usage"), "%s", err);
	cr_assert_eq(exec("storage move n9 iqn.2026-11.io.xpan:x"), -1);
	cr_assert_eq(exec("storage frobnicate"), -1);
	cr_assert(strstr(err, "unknown request"), "%s", err);
	cr_assert_eq(exec(""), -1);
}

/* ---- the socket: size cap and time limit, as strict as xpan-ctrld ---- */

static struct iod_ctl *ctl;
static char sock[96];

static void open_ctl(void)
{
	snprintf(sock, sizeof(sock), "%s/iod.sock", dir);
	srv.epfd = epoll_create1(EPOLL_CLOEXEC);
	cr_assert_geq(srv.epfd, 0);
	ctl = iod_ctl_open(&srv, sock, err, sizeof(err));
	cr_assert_not_null(ctl, "%s", err);
	srv.ctl = ctl;
}

static void close_ctl(void)
{
	iod_ctl_close(ctl);
	close(srv.epfd);
}

static int connect_ctl(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Runs the daemon's side of the socket once. */
static void dispatch(void)
{
	struct epoll_event evs[8];
	int n, i;

	n = epoll_wait(srv.epfd, evs, 8, 0);
	for (i = 0; i < n; i++)
		iod_ctl_event(ctl, evs[i].data.ptr, evs[i].events);
}

/* Everything the daemon answers, up to its EOF. */
static char *answer(int fd)
{
	static char out[8192];
	size_t len = 0;
	unsigned int spins = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		dispatch();
		if (poll(&p, 1, 10) <= 0) {
			cr_assert_lt(++spins, 1000, "no answer");
			continue;
		}
		n = read(fd, out + len, sizeof(out) - 1 - len);
		cr_assert_geq(n, 0);
		if (!n)
			break;
		len += n;
	}
	out[len] = '\0';
	return out;
}

static char *request(const char *req, size_t len)
{
	int fd = connect_ctl();
	char *out;

	cr_assert_eq(write(fd, req, len), (ssize_t)len);
	out = answer(fd);
	close(fd);
	dispatch();
	return out;
}

Test(ctl, over_long_request_refused_whole)
{
	static const char mv[] = "storage move n2 iqn.2026-11.io.xpan:spare";
	char req[XPAN_API_MAX_REQ + 64], *out;

	open_ctl();
	/* cut at the cap, this would be a valid move: it must not run */
	memset(req, ' ', sizeof(req));
	memcpy(req, mv, strlen(mv));
	memcpy(req + XPAN_API_MAX_REQ + 10, "junk\n", 5);
	out = request(req, XPAN_API_MAX_REQ + 15);
	cr_assert(!strncmp(out, "error request longer than 4096 bytes", 36),
		  "%s", out);
	cr_assert_not_null(lun_map_node_by_initiator(&map,
						     "iqn.2026-11.io.xpan:n2"),
			   "nothing executed");
	cr_assert_null(lun_map_node_by_initiator(&map,
						 "iqn.2026-11.io.xpan:spare"));
	/* no newline at all */
	memset(req, 'a', sizeof(req));
	out = request(req, sizeof(req));
	cr_assert(!strncmp(out, "error request longer", 20), "%s", out);
	/* the longest request that fits runs */
	memset(req, ' ', sizeof(req));
	memcpy(req, mv, strlen(mv));
	req[XPAN_API_MAX_REQ - 1] = '\n';
	out = request(req, XPAN_API_MAX_REQ);
	cr_assert(!strncmp(out, "ok\n", 3), "%s", out);
	cr_assert_not_null(lun_map_node_by_initiator(&map,
						     "iqn.2026-11.io.xpan:spare"));
	close_ctl();
}

Test(ctl, request_within_time_limit)
{
	char *out;
	int fd;

	open_ctl();
	out = request("storage conns -j\n", 17);
	cr_assert(strstr(out, "\"connections\":0"), "%s", out);
	cr_assert(strstr(out, "\"max_connections_per_source\":64"), "%s", out);
	/* half a line, then silence: answered with an error at the limit */
	fd = connect_ctl();
	cr_assert_eq(write(fd, "storage st", 10), 10);
	dispatch();
	cr_assert_eq(iod_ctl_expire(ctl, iod_now_ns()) > 0, 1,
		     "waiting for the rest");
	iod_ctl_expire(ctl, iod_now_ns() +
				 (XPAN_API_READ_TIMEOUT_MS + 1) * 1000000ull);
	out = answer(fd);
	cr_assert(strstr(out, "error no request line within 2000 ms"), "%s",
		  out);
	close(fd);
	cr_assert_eq(iod_ctl_expire(ctl, iod_now_ns()), -1, "client freed");
	close_ctl();
}

/* The JSON form through the daemon's own connection code: results, and
 * error objects for what is malformed, unknown, too long or too slow,
 * with nothing changed. */
static void error_is(const char *out, const char *code, const char *msg)
{
	json_t *r = json_loads(out, 0, NULL);
	json_t *e = json_object_get(r, "error");

	cr_assert_not_null(r, "one JSON object: %s", out);
	cr_assert(json_is_false(json_object_get(r, "ok")), "%s", out);
	cr_assert_str_eq(json_string_value(json_object_get(e, "code")), code,
			 "%s", out);
	cr_assert(strstr(json_string_value(json_object_get(e, "message")), msg),
		  "%s", out);
	json_decref(r);
}

#define REQ(s) request(s, strlen(s))

Test(ctl, json_requests)
{
	char big[XPAN_API_MAX_REQ + 64], *out;
	int fd;

	open_ctl();
	out = REQ("{\"verb\":\"storage luns\"}\n");
	cr_assert(!strncmp(out, "{\"ok\":true,\"result\":{\"target\":", 30), "%s", out);
	cr_assert(strstr(out, "\"node\":\"n2\",\"lun\":5"), "%s", out);
	error_is(REQ("{\"verb\":\"storage frob\"}\n"), "unknown_verb",
		 "unknown verb 'storage frob'; verbs: storage stats | storage luns");
	error_is(REQ("{\"verb\":\"storage move\",\"args\":{\"node\":\"n2\"}}\n"),
		 "bad_request", "needs argument 'initiator'");
	error_is(REQ("{\"verb\":\"storage move\",\"args\":{\"node\":\"n2\",\"initiator\":5}}\n"),
		 "bad_request", "must be a string");
	error_is(REQ("{\"verb\":\"storage move\",\"args\":{\"node\":\"n2\",\"initiator\":\"iqn.2026-11.io.xpan:spare\",\"force\":true}}\n"),
		 "bad_request", "storage move has no argument 'force'");
	error_is(REQ("{\"verb\":\"storage move\",\"args\":{\"node\":\"n2\",\"initiator\":\"iqn.2026-11.io.xpan:spare\"}\n"),
		 "bad_request", "not JSON");
	error_is(REQ("{\"verb\":\"storage move\",\"args\":{\"node\":\"n9\",\"initiator\":\"iqn.2026-11.io.xpan:x\"}}\n"),
		 "failed", "n9");
	/* cut at the cap this is a valid move; whole it is too long */
	memset(big, ' ', sizeof(big));
	strcpy(big, "{\"verb\":\"storage move\",\"args\":{\"node\":\"n2\",\"initiator\":\"iqn.2026-11.io.xpan:spare\"}}");
	big[strlen(big)] = ' ';
	big[sizeof(big) - 1] = '\n';
	error_is(request(big, sizeof(big)), "too_long",
		 "request longer than 4096 bytes");
	cr_assert_null(lun_map_node_by_initiator(&map, "iqn.2026-11.io.xpan:spare"),
		       "nothing changed");
	/* half a request, then silence */
	fd = connect_ctl();
	cr_assert_eq(write(fd, "{\"verb\":\"sto", 12), 12);
	dispatch();
	iod_ctl_expire(ctl, iod_now_ns() +
				 (XPAN_API_READ_TIMEOUT_MS + 1) * 1000000ull);
	error_is(answer(fd), "timeout", "no request line within 2000 ms");
	close(fd);
	/* and the move itself */
	out = REQ("{\"verb\":\"storage move\",\"args\":{\"node\":\"n2\",\"initiator\":\"iqn.2026-11.io.xpan:spare\"}}\n");
	cr_assert_str_eq(out, "{\"ok\":true,\"result\":{\"node\":\"n2\",\"initiator\":\"iqn.2026-11.io.xpan:spare\",\"closed\":0}}\n");
	cr_assert_not_null(lun_map_node_by_initiator(&map, "iqn.2026-11.io.xpan:spare"));
	close_ctl();
}

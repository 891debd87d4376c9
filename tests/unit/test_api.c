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

#include "api.h"

static char dir[64];
static char sock[128];

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

static void *serve_one(void *arg)
{
	struct turn *t = arg;
	struct pollfd pfd = { .fd = t->lfd, .events = POLLIN };
	char *argv[8];
	int cfd, argc;

	if (poll(&pfd, 1, -1) != 1)
		return NULL;
	cfd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC);
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

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "api.h"
#include "apiserver.h"
#include "state.h"

/* Longest first line a client accepts ("error <message>"). */
#define API_MAX_STATUS 8192
/* A reload may reconcile many namespaces; a client waits this long. */
#define API_CLIENT_TIMEOUT_S 60

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

static void set_timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int xpan_api_call(const char *sock_path, const char *req, FILE *out,
		  char *err, size_t errlen)
{
	return xpan_api_call_ms(sock_path, req, out, err, errlen,
				API_CLIENT_TIMEOUT_S * 1000);
}

int xpan_api_call_ms(const char *sock_path, const char *req, FILE *out,
		     char *err, size_t errlen, int timeout_ms)
{
	char status[API_MAX_STATUS];
	size_t have = 0;
	struct sockaddr_un sa;
	bool got_status = false;
	int fd, ret;

	if (err && errlen)
		err[0] = '\0';
	ret = fill_addr(&sa, sock_path);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	set_timeouts(fd, timeout_ms);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		goto out_close;
	}
	/*
	 * A server that rejects an oversized request closes before reading
	 * it all; its answer is still queued for us, so a failed write is
	 * not the end.
	 */
	if (write_all(fd, req, strlen(req)) == 0)
		write_all(fd, "\n", 1);
	shutdown(fd, SHUT_WR);

	for (;;) {
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf));
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		/*
		 * A server that closed with part of our request unread makes
		 * the kernel report a reset once its answer is consumed.
		 */
		if (n < 0 && errno == ECONNRESET && got_status)
			break;
		if (n < 0) {
			ret = -errno;
			goto out_close;
		}
		if (n == 0)
			break;
		if (got_status) {
			if (out)
				fwrite(buf, 1, n, out);
			continue;
		}
		if (have + n >= sizeof(status)) {
			ret = -EPROTO;
			goto out_close;
		}
		memcpy(status + have, buf, n);
		have += n;
		status[have] = '\0';
		nl = memchr(status, '\n', have);
		if (!nl)
			continue;
		got_status = true;
		*nl = '\0';
		if (out && have > (size_t)(nl + 1 - status))
			fwrite(nl + 1, 1, have - (nl + 1 - status), out);
	}
	if (!got_status) {
		ret = -EPROTO;
		goto out_close;
	}
	if (strcmp(status, "ok") == 0) {
		ret = 0;
	} else if (strncmp(status, "error", 5) == 0) {
		const char *m = status + 5;

		while (*m == ' ')
			m++;
		if (err && errlen)
			snprintf(err, errlen, "%s", *m ? m : "unspecified error");
		ret = 1;
	} else {
		ret = -EPROTO;
	}
out_close:
	close(fd);
	return ret;
}

/* Replies are whole tables; one bigger than this is not one of ours. */
#define API_MAX_REPLY (64u << 20)

static int read_reply(int fd, char **out, size_t *outlen)
{
	size_t have = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t n;

		if (cap - have < 4096) {
			char *nb;

			cap = cap ? cap * 2 : 16384;
			if (cap > API_MAX_REPLY + 4096) {
				free(buf);
				return -EPROTO;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = read(fd, buf + have, cap - have - 1);
		if (n < 0 && errno == EINTR)
			continue;
		/* a server that closed with part of our request unread */
		if (n < 0 && errno == ECONNRESET && have)
			break;
		if (n < 0) {
			int ret = -errno;

			free(buf);
			return ret;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	if (!buf)
		buf = malloc(1);
	if (!buf)
		return -ENOMEM;
	buf[have] = '\0';
	*out = buf;
	*outlen = have;
	return 0;
}

static int set_err(struct xpan_api_err *err, const char *code,
		   const char *msg)
{
	if (err) {
		err->code = code;
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
	}
	return 1;
}

/* What came back: {"ok": true, "result": ...} or {"ok": false, "error":
 * {"code": ..., "message": ...}}. */
static int parse_reply(const char *buf, size_t len, json_t **result,
		       struct xpan_api_err *err)
{
	static const char *const codes[] = {
		XPAN_API_E_BAD_REQUEST, XPAN_API_E_UNKNOWN_VERB,
		XPAN_API_E_TOO_LONG, XPAN_API_E_TIMEOUT, XPAN_API_E_FAILED,
		XPAN_API_E_INTERNAL,
	};
	json_t *root, *ok, *e;
	const char *code, *msg;
	int ret = -EPROTO;

	/* A daemon of the previous release answers a line: "error <msg>". */
	if (len > 6 && !strncmp(buf, "error ", 6)) {
		char msg[XPAN_API_MAX_MSG];

		snprintf(msg, sizeof(msg), "%.*s", (int)strcspn(buf + 6, "\n"),
			 buf + 6);
		return set_err(err, XPAN_API_E_FAILED, msg);
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	ok = json_object_get(root, "ok");
	if (!json_is_boolean(ok))
		goto out;
	if (json_is_true(ok)) {
		*result = json_incref(json_object_get(root, "result"));
		if (!*result)
			*result = json_null();
		ret = 0;
		goto out;
	}
	e = json_object_get(root, "error");
	code = json_string_value(json_object_get(e, "code"));
	msg = json_string_value(json_object_get(e, "message"));
	if (!code || !msg)
		goto out;
	/* the code as one of ours: err outlives the parsed reply */
	ret = set_err(err, XPAN_API_E_FAILED, msg);
	for (size_t i = 0; err && i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(code, codes[i]))
			err->code = codes[i];
out:
	json_decref(root);
	return ret;
}

int xpan_api_request(const char *sock_path, const char *verb, json_t *args,
		     int timeout_ms, json_t **result, struct xpan_api_err *err)
{
	struct sockaddr_un sa;
	json_t *req;
	char *line, *reply = NULL;
	size_t len, rlen = 0;
	int fd, ret;

	*result = NULL;
	if (err) {
		err->code = XPAN_API_E_FAILED;
		err->msg[0] = '\0';
	}
	ret = fill_addr(&sa, sock_path);
	if (ret)
		return ret;
	req = json_pack("{s:s}", "verb", verb);
	if (!req)
		return -ENOMEM;
	if (args && json_object_set(req, "args", args)) {
		json_decref(req);
		return -ENOMEM;
	}
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!line)
		return -ENOMEM;
	len = strlen(line);
	if (len + 1 > XPAN_API_MAX_REQ) {
		free(line);
		return -E2BIG;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	set_timeouts(fd, timeout_ms > 0 ? timeout_ms :
				      API_CLIENT_TIMEOUT_S * 1000);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		goto out;
	}
	line[len] = '\n';	/* json_dumps' NUL: sent as the newline */
	/* an answer queued before our write failed is still read */
	write_all(fd, line, len + 1);
	shutdown(fd, SHUT_WR);
	ret = read_reply(fd, &reply, &rlen);
	if (!ret)
		ret = parse_reply(reply, rlen, result, err);
	free(reply);
out:
	if (fd >= 0)
		close(fd);
	free(line);
	return ret;
}

static int parent_dir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	int ret;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	ret = xpan_mkdirs(dir, 0755);
	if (ret) {
		snprintf(err, errlen, "cannot create %s: %s", dir,
			 strerror(-ret));
		return -1;
	}
	return 0;
}

/* A socket file with no listener left behind by a crash is replaced. */
static int clear_stale(const char *path, const struct sockaddr_un *sa,
		       char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st))
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen,
			 "%s exists and is not a socket; remove it or choose another --socket",
			 path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen,
			 "%s is in use by another running server; stop it or choose another --socket",
			 path);
		return -1;
	}
	if (unlink(path) && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale socket %s: %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int xpan_api_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, rc;

	if (fill_addr(&sa, path)) {
		snprintf(err, errlen, "socket path %s is too long (max %zu)",
			 path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	if (parent_dir(path, err, errlen) || clear_stale(path, &sa, err, errlen))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* Only root may talk to the daemon: the socket is born 0600. */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc) {
		snprintf(err, errlen, "cannot bind %s: %s", path,
			 strerror(errno));
		goto out_close;
	}
	if (listen(fd, 16)) {
		snprintf(err, errlen, "cannot listen on %s: %s", path,
			 strerror(errno));
		unlink(path);
		goto out_close;
	}
	return fd;

out_close:
	close(fd);
	return -1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int check_line(char *buf, size_t len)
{
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t')
			return -EINVAL;
	return 0;
}

int xpan_api_read_request(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t cap = len < XPAN_API_MAX_REQ ? len : XPAN_API_MAX_REQ;
	long long deadline = now_ms() + timeout_ms;
	size_t have = 0;

	if (cap < 2)
		return -EINVAL;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		char *nl;
		ssize_t n;
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		/* Leave room for the NUL: a full cap without '\n' is too long. */
		n = recv(fd, buf + have, cap - have, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			buf[have] = '\0';
			if (memchr(buf, '\0', have))
				return -EINVAL;
			return check_line(buf, have);
		}
		nl = memchr(buf + have, '\n', n);
		have += n;
		if (nl) {
			size_t line = nl - buf;

			*nl = '\0';
			if (memchr(buf, '\0', line))
				return -EINVAL;
			return check_line(buf, line);
		}
		if (have >= cap)
			return -E2BIG;
	}
}

int xpan_api_split(char *req, char **argv, int max)
{
	int argc = 0;
	char *save = NULL;

	for (char *w = strtok_r(req, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (argc == max)
			return -E2BIG;
		argv[argc++] = w;
	}
	return argc;
}

static int send_formatted(int fd, int err, char *buf, size_t len)
{
	int ret;

	if (err)
		return err;
	ret = write_all(fd, buf, len);
	free(buf);
	return ret;
}

int xpan_api_reply(int fd, bool ok, const char *body, size_t len)
{
	char *buf;
	size_t n;
	int ret;

	set_timeouts(fd, XPAN_API_READ_TIMEOUT_MS);
	if (ok) {
		/* The body as it is, without a copy. */
		ret = write_all(fd, "ok\n", 3);
		if (!ret && body && len)
			ret = write_all(fd, body, len);
		return ret;
	}
	ret = xpan_api_format_reply(false, body, len, &buf, &n);
	return send_formatted(fd, ret, buf, n);
}

int xpan_api_send(int fd, const char *buf, size_t len)
{
	set_timeouts(fd, XPAN_API_READ_TIMEOUT_MS);
	return write_all(fd, buf, len);
}

int xpan_api_reply_error(int fd, const char *fmt, ...)
{
	char *buf;
	size_t n;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = xpan_api_vformat_error(&buf, &n, fmt, ap);
	va_end(ap);
	set_timeouts(fd, XPAN_API_READ_TIMEOUT_MS);
	return send_formatted(fd, ret, buf, n);
}

int xpan_api_check_line(char *buf, size_t len)
{
	return check_line(buf, len);
}

int xpan_api_format_reply(bool ok, const char *body, size_t len, char **out,
			  size_t *outlen)
{
	char *buf;

	if (!body)
		len = 0;
	buf = malloc(len + 8);
	if (!buf)
		return -ENOMEM;
	if (ok) {
		memcpy(buf, "ok\n", 3);
		if (len)
			memcpy(buf + 3, body, len);
		buf[len + 3] = '\0';
		*out = buf;
		*outlen = len + 3;
		return 0;
	}
	memcpy(buf, "error ", 6);
	/* The message is one line: a newline in it would split the status. */
	for (size_t i = 0; i < len; i++)
		buf[6 + i] = body[i] == '\n' ? ' ' : body[i];
	while (len && buf[6 + len - 1] == ' ')
		len--;
	buf[6 + len] = '\n';
	buf[7 + len] = '\0';	/* not sent; for callers that print it */
	*out = buf;
	*outlen = len + 7;
	return 0;
}

int xpan_api_vformat_error(char **out, size_t *outlen, const char *fmt,
			   va_list ap)
{
	char msg[API_MAX_STATUS - 16];
	int n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	return xpan_api_format_reply(false, msg, (size_t)n, out, outlen);
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ctrld control API on a Unix stream socket (default
 * /run/xpan/ctrld.sock). One request per connection:
 *
 *   request:  one line of text, at most XPAN_API_MAX_REQ bytes with the
 *             '\n': a verb and space-separated arguments, e.g.
 *               "status" | "show nodes" | "show vlans" | "reload"
 *             A trailing argument "-j" asks for JSON instead of text.
 *   response: first line "ok" or "error <message>", then the body (a text
 *             table, or one JSON document with -j) until the server closes.
 *
 * Status and errors are always in the first line so scripts need not parse
 * the body to know whether the request worked.
 */
#ifndef XPAN_API_H
#define XPAN_API_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define XPAN_DEFAULT_SOCKET "/run/xpan/ctrld.sock"
#define XPAN_API_MAX_REQ 4096

/*
 * Client: send req (without '\n'), copy the body to out. Returns 0 when the
 * server said "ok", 1 when it said "error" (message copied to err), -errno
 * when it could not be reached.
 */
int xpan_api_call(const char *sock_path, const char *req, FILE *out,
		  char *err, size_t errlen);
/* The same, waiting at most timeout_ms per send and per read (a daemon
 * calling another one must not hang on it). */
int xpan_api_call_ms(const char *sock_path, const char *req, FILE *out,
		     char *err, size_t errlen, int timeout_ms);

/*
 * The JSON protocol (docs/api.md): sends {"verb": verb, "args": args}
 * (args borrowed, NULL for none) and waits at most timeout_ms per send and
 * per read (<= 0: a minute). Returns 0 with the result in *result (the
 * caller json_decref()s it), 1 when the daemon answered with an error
 * (its code and message copied to err), -E2BIG when the request is over
 * XPAN_API_MAX_REQ bytes, -EPROTO when the answer is not one, or another
 * -errno when the daemon could not be reached.
 */
struct json_t;
struct xpan_api_err;
int xpan_api_request(const char *sock_path, const char *verb,
		     struct json_t *args, int timeout_ms,
		     struct json_t **result, struct xpan_api_err *err);

/*
 * Server side, shared by xpan-ctrld and xpan-iod. A server polls the
 * listening fd, accepts one connection (accept4 with SOCK_CLOEXEC), reads
 * one request with xpan_api_read_request, answers with xpan_api_reply and
 * closes: one request per connection.
 */

/* How long a server waits for a client's request line. */
#define XPAN_API_READ_TIMEOUT_MS 2000

/*
 * Bind and listen on path (parent directories created 0755; the socket
 * itself is 0600 through a tight umask). A stale socket nobody listens
 * on is replaced; a live one is an error. Returns a CLOEXEC, non-blocking
 * fd, or -1 with a message in err.
 */
int xpan_api_listen(const char *path, char *err, size_t errlen);

/*
 * Read one request line from a connected client into buf (without the
 * '
', NUL-terminated), waiting at most timeout_ms in total. EOF ends a
 * request too. Returns 0, -E2BIG when no newline came within
 * XPAN_API_MAX_REQ bytes, -EINVAL for an empty line or one with control
 * bytes, -ETIMEDOUT, or another -errno.
 */
int xpan_api_read_request(int fd, char *buf, size_t len, int timeout_ms);

/*
 * Split a request in place into at most max words (spaces and tabs).
 * Returns the count, or -E2BIG when there are more than max.
 */
int xpan_api_split(char *req, char **argv, int max);

/*
 * Send "ok\n" + body (body may be NULL) and, when ok is false, instead
 * "error <body>\n". Writes that block longer than the read timeout give
 * up, so a client that never reads cannot stall the server. 0 or -errno.
 */
int xpan_api_reply(int fd, bool ok, const char *body, size_t len);
/* Send len bytes as they are, with the same timeout. 0 or -errno. */
int xpan_api_send(int fd, const char *buf, size_t len);
int xpan_api_reply_error(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * For servers that read requests without blocking (xpan-ctrld, which must
 * keep handling link events while clients are slow).
 *
 * Validates a request line in place (a trailing '\r' is removed): 0, or
 * -EINVAL for an empty line or one with control bytes. What
 * xpan_api_read_request checks once it has the line.
 */
int xpan_api_check_line(char *buf, size_t len);
/*
 * The bytes xpan_api_reply would send, malloc'd into *out (the caller
 * frees it) with their count in *outlen. 0 or -ENOMEM.
 */
int xpan_api_format_reply(bool ok, const char *body, size_t len, char **out,
			  size_t *outlen);
/* The same for "error <printf of fmt>\n". 0, -EINVAL or -ENOMEM. */
int xpan_api_vformat_error(char **out, size_t *outlen, const char *fmt,
			   va_list ap);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The request side of the daemons' API (docs/api.md), shared by
 * xpan-ctrld and xpan-iod: a table of verbs, each with a schema of typed
 * arguments and a handler that writes one JSON value; requests parsed
 * and checked against the table; replies and error objects formatted.
 * The connection code of each daemon only frames: it collects one
 * complete request (up to '\n', at most XPAN_API_MAX_REQ bytes, within
 * XPAN_API_READ_TIMEOUT_MS), hands it to xpan_api_serve() and writes
 * what comes back.
 *
 * Two request forms reach the same table:
 *   {"verb": "show nodes", "args": {...}}      -> {"ok": true, "result": ...}
 *   show nodes -j     (the line protocol of the previous release, kept
 *                      for one release: "ok\n" + the same JSON, or the
 *                      text xpan prints without -j; "error <msg>\n")
 * A request whose first non-blank byte is '{' is JSON, anything else is
 * a line.
 */
#ifndef XPAN_APISERVER_H
#define XPAN_APISERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "api.h"

/* Stable error codes (docs/api.md): clients may branch on them. */
#define XPAN_API_E_BAD_REQUEST	"bad_request"	/* not JSON, wrong shape, bad args */
#define XPAN_API_E_UNKNOWN_VERB	"unknown_verb"
#define XPAN_API_E_TOO_LONG	"too_long"	/* over XPAN_API_MAX_REQ bytes */
#define XPAN_API_E_TIMEOUT	"timeout"	/* no complete request in time */
#define XPAN_API_E_FAILED	"failed"	/* the verb ran and failed */
#define XPAN_API_E_INTERNAL	"internal"	/* out of memory, a bug */

#define XPAN_API_MAX_ARGS 8
#define XPAN_API_MAX_MSG 512

enum xpan_api_type {
	XPAN_API_STRING = 1,
	XPAN_API_BOOL,
	XPAN_API_UINT,
};

/* One argument of a verb; a schema is an array ended by name NULL. In
 * the line form, words after the verb fill the arguments in order. */
struct xpan_api_arg {
	const char *name;
	enum xpan_api_type type;
	bool required;
};

struct xpan_api_err {
	const char *code;		/* one of XPAN_API_E_* */
	char msg[XPAN_API_MAX_MSG];
};

union xpan_api_value {
	const char *s;			/* NUL-free, points into the request */
	bool b;
	uint64_t u;
};

/* A request checked against its verb's schema: arguments by index. */
struct xpan_api_req {
	const struct xpan_api_verb *verb;
	bool legacy;			/* came as a line of words */
	bool legacy_json;		/* ... with -j */
	bool set[XPAN_API_MAX_ARGS];
	union xpan_api_value v[XPAN_API_MAX_ARGS];
	size_t used;
	char store[XPAN_API_MAX_REQ + XPAN_API_MAX_ARGS];
};

/*
 * Writes exactly one JSON value (lib/jsonw.h on out is the usual way) and
 * returns 0, or returns -1 with err filled (xpan_api_fail; the code is
 * "failed" unless set). What was written before a failure is dropped.
 */
typedef int (*xpan_api_fn)(void *ctx, const struct xpan_api_req *req,
			   FILE *out, struct xpan_api_err *err);

struct xpan_api_verb {
	const char *name;		/* words separated by one space */
	const struct xpan_api_arg *args; /* NULL: none */
	xpan_api_fn run;
};

struct xpan_api_server {
	const struct xpan_api_verb *verbs; /* ended by name NULL */
	void *ctx;			/* the handlers' first argument */
	/* Line form only: a first word that may be left out ("storage"). */
	const char *legacy_prefix;
};

/* The result of a daemon's help verb: {"verbs": [name...]} of the table. */
int xpan_api_help(const struct xpan_api_verb *verbs, FILE *out);

void xpan_api_fail(struct xpan_api_err *err, const char *code,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static inline const char *xpan_api_str(const struct xpan_api_req *r, int i)
{
	return r->set[i] ? r->v[i].s : NULL;
}

/* Whether a request that begins with these bytes is JSON (also when
 * nothing but blanks came yet: JSON is the default). */
bool xpan_api_is_json(const char *buf, size_t len);

/*
 * Parse a complete request (its bytes before the '\n') into req. 0, or -1
 * with err: bad_request or unknown_verb. Nothing runs.
 */
int xpan_api_parse(const struct xpan_api_server *s, const char *buf,
		   size_t len, struct xpan_api_req *req,
		   struct xpan_api_err *err);

/*
 * Parse, run and answer one complete request: the reply's bytes are
 * malloc'd into *out (the caller frees them). Always a reply, an error
 * object when the request was refused; -ENOMEM only when not even that
 * could be formatted.
 */
int xpan_api_serve(const struct xpan_api_server *s, const char *buf,
		   size_t len, char **out, size_t *outlen);

/*
 * The reply for a request refused before it was complete (too_long,
 * timeout), in the form its first bytes (buf, have) ask for.
 */
int xpan_api_serve_error(const char *buf, size_t have, const char *code,
			 const char *msg, char **out, size_t *outlen);

/* The messages of the framing errors, the same for both daemons. */
#define XPAN_API_MSG_TOO_LONG "request longer than 4096 bytes"
#define XPAN_API_MSG_TIMEOUT "no request line within 2000 ms"

#endif

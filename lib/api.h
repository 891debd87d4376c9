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

#endif

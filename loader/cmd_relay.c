// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Commands answered by a daemon: xpan show nodes|vlans and xpan reload
 * (xpan-ctrld), xpan storage ... (xpan-iod). Both speak the line protocol
 * of lib/api.h, so each command is one request whose body is printed as
 * it comes.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "commands.h"
#include "log.h"

struct daemon {
	const char *name;
	const char *hint;	/* how to get it running */
};

static const struct daemon ctrld = {
	"xpan-ctrld", "is it running? start it with 'xpan-ctrld -c CONFIG' or pass --socket PATH",
};
static const struct daemon iod = {
	"xpan-iod", "is it running? start it with 'xpan-iod -c CONFIG' or pass --iod-socket PATH",
};

static int relay(const struct daemon *d, const char *sock, const char *req)
{
	char err[1024] = "";
	int rc;

	fflush(stdout);
	rc = xpan_api_call(sock, req, stdout, err, sizeof(err));
	fflush(stdout);
	if (rc == 0)
		return XPAN_EXIT_OK;
	if (rc == 1) {
		pr_warn("%s: %s\n", d->name, err[0] ? err : "request failed");
		return XPAN_EXIT_FAIL;
	}
	pr_warn("cannot reach %s at %s: %s - %s\n", d->name, sock,
		strerror(rc < 0 ? -rc : rc), d->hint);
	return XPAN_EXIT_FAIL;
}

static const char *ctrld_sock(const struct xpan_opts *o)
{
	return o->socket ? o->socket : XPAN_DEFAULT_SOCKET;
}

static const char *iod_sock(const struct xpan_opts *o)
{
	return o->iod_socket ? o->iod_socket : XPAN_IOD_DEFAULT_SOCKET;
}

int do_show_nodes(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return relay(&ctrld, ctrld_sock(o), o->json ? "show nodes -j" : "show nodes");
}

int do_show_vlans(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return relay(&ctrld, ctrld_sock(o), o->json ? "show vlans -j" : "show vlans");
}

int do_reload(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return relay(&ctrld, ctrld_sock(o), "reload");
}

int do_storage_stats(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return relay(&iod, iod_sock(o), o->json ? "storage stats -j" : "storage stats");
}

int do_storage_luns(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return relay(&iod, iod_sock(o), o->json ? "storage luns -j" : "storage luns");
}

/* The protocol separates arguments by spaces and ends requests at '\n'. */
static bool is_word(const char *s)
{
	return s[0] && !strpbrk(s, " \t\r\n");
}

int do_storage_move(const struct xpan_opts *o, int argc, char **argv)
{
	char req[XPAN_API_MAX_REQ];
	int n;

	if (argc != 2 || !is_word(argv[0]) || !is_word(argv[1])) {
		pr_warn("storage move: NODE and INITIATOR must be single words without spaces\n");
		return XPAN_EXIT_USAGE;
	}
	n = snprintf(req, sizeof(req), "storage move %s %s", argv[0], argv[1]);
	if (n < 0 || (size_t)n >= sizeof(req) - 1) {
		pr_warn("storage move: arguments too long (the request is limited to %d bytes)\n",
			XPAN_API_MAX_REQ);
		return XPAN_EXIT_USAGE;
	}
	return relay(&iod, iod_sock(o), req);
}

int do_storage_conns(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return relay(&iod, iod_sock(o), o->json ? "storage conns -j" : "storage conns");
}

int do_storage_rescan(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return relay(&iod, iod_sock(o), "storage rescan");
}

int do_storage_refresh(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return relay(&iod, iod_sock(o), o->json ? "storage refresh -j" : "storage refresh");
}

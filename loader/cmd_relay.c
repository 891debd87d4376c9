// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Commands answered by a daemon: xpan show nodes|vlans and xpan reload
 * (xpan-ctrld), xpan storage ... (xpan-iod). Each is one request of the
 * daemons' API (docs/api.md); its result is printed as JSON with -j, else
 * as the text of lib/apiprint.c.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "apiprint.h"
#include "apiserver.h"
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

/* The JSON as -j printed it when the daemons wrote it: compact, one
 * line, members in their order. */
static void print_json(const json_t *result)
{
	json_dumpf(result, stdout, JSON_COMPACT | JSON_ENCODE_ANY);
	fputc('\n', stdout);
}

/* One request; the result printed. args is consumed (may be NULL). */
static int ask(const struct daemon *d, const char *sock, const char *verb,
	       json_t *args, bool json)
{
	struct xpan_api_err err;
	json_t *result = NULL;
	int rc;

	rc = xpan_api_request(sock, verb, args, 0, &result, &err);
	json_decref(args);
	if (rc == 0) {
		if (json || xpan_api_print(verb, result, stdout) == -ENOENT)
			print_json(result);
		json_decref(result);
		fflush(stdout);
		return XPAN_EXIT_OK;
	}
	if (rc == 1) {
		pr_warn("%s: %s\n", d->name, err.msg[0] ? err.msg : "request failed");
		return XPAN_EXIT_FAIL;
	}
	if (rc == -E2BIG) {
		pr_warn("%s: arguments too long (a request is limited to %d bytes)\n",
			verb, XPAN_API_MAX_REQ);
		return XPAN_EXIT_USAGE;
	}
	if (rc == -EPROTO) {
		pr_warn("%s at %s answered something that is not an API reply - is it a different program, or of an older release?\n",
			d->name, sock);
		return XPAN_EXIT_FAIL;
	}
	pr_warn("cannot reach %s at %s: %s - %s\n", d->name, sock,
		strerror(-rc), d->hint);
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
	return ask(&ctrld, ctrld_sock(o), "show nodes", NULL, o->json);
}

int do_show_vlans(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ask(&ctrld, ctrld_sock(o), "show vlans", NULL, o->json);
}

int do_reload(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ask(&ctrld, ctrld_sock(o), "reload", NULL, false);
}

int do_storage_stats(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ask(&iod, iod_sock(o), "storage stats", NULL, o->json);
}

int do_storage_luns(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ask(&iod, iod_sock(o), "storage luns", NULL, o->json);
}

/* Node names and iSCSI names have no blanks: a blank is a quoting
 * mistake, said before anything is asked. */
static bool is_word(const char *s)
{
	return s[0] && !strpbrk(s, " \t\r\n");
}

int do_storage_move(const struct xpan_opts *o, int argc, char **argv)
{
	json_t *args;

	if (argc != 2 || !is_word(argv[0]) || !is_word(argv[1])) {
		pr_warn("storage move: NODE and INITIATOR must be single words without spaces\n");
		return XPAN_EXIT_USAGE;
	}
	args = json_pack("{s:s,s:s}", "node", argv[0], "initiator", argv[1]);
	if (!args) {
		pr_warn("storage move: NODE and INITIATOR must be UTF-8 text\n");
		return XPAN_EXIT_USAGE;
	}
	return ask(&iod, iod_sock(o), "storage move", args, false);
}

int do_storage_conns(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ask(&iod, iod_sock(o), "storage conns", NULL, o->json);
}

int do_storage_rescan(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ask(&iod, iod_sock(o), "storage rescan", NULL, false);
}

int do_storage_refresh(const struct xpan_opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ask(&iod, iod_sock(o), "storage refresh", NULL, o->json);
}

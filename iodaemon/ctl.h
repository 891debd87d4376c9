/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xpan-iod's control socket, with the daemons' API (docs/api.md,
 * lib/apiserver.h). Verbs: storage stats [-j],
 * storage luns [-j], storage pool [-j], storage conns [-j] (connections
 * and the limits' counters), storage move <node> <initiator>,
 * storage rescan, storage refresh [-j] (sessions follow the owners of
 * the storage addresses, storage_net.h).
 */
#ifndef XPAN_IOD_CTL_H
#define XPAN_IOD_CTL_H

#include <stdio.h>

#include "server.h"

#define IOD_DEFAULT_CTL_SOCKET "/run/xpan/iod.sock"
/* Control clients served at once; more are closed at accept. */
#define IOD_CTL_MAX_CLIENTS	16u

struct iod_ctl;

struct iod_ctl *iod_ctl_open(struct iod_server *s, const char *path,
			     char *err, size_t errlen);
void iod_ctl_close(struct iod_ctl *ctl);
void iod_ctl_event(struct iod_ctl *ctl, struct iod_ev *ev, uint32_t events);
/* Answers clients whose request did not come within the time limit and
 * closes them; returns milliseconds until the next deadline, -1: none. */
int iod_ctl_expire(struct iod_ctl *ctl, uint64_t now);

/* One complete request (docs/api.md) to the reply's bytes, malloc'd
 * into *out. 0, or -ENOMEM. */
int iod_ctl_serve(struct iod_server *s, const char *req, size_t len,
		  char **out, size_t *outlen);
/* Runs one request line of the previous release's form; writes the body
 * to out. 0 ok, -1 error with the message in err. For unit tests. */
int iod_ctl_exec(struct iod_server *s, const char *line, FILE *out,
		 char *err, size_t errlen);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The daemon's single event loop: one epoll set holding the iSCSI portal,
 * every connection, the io_uring completion eventfd and the control
 * socket. Nothing blocks in it and no thread is started per command.
 */
#ifndef XPAN_IOD_SERVER_H
#define XPAN_IOD_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "backing.h"
#include "conn_limits.h"
#include "lun_map.h"

enum iod_ev_type {
	IOD_EV_LISTEN,
	IOD_EV_CONN,
	IOD_EV_RING,
	IOD_EV_CTL,
	IOD_EV_CTL_CLIENT,
};

/* epoll_event.data.ptr points at one of these. */
struct iod_ev {
	enum iod_ev_type type;
	void *ptr;
};

struct iscsi_conn;
struct iod_ctl;

struct iod_server {
	struct iod_config *cfg;
	struct lun_map *map;
	struct iod_ring ring;
	int epfd;
	int lfd;
	struct iod_ev listen_ev;
	struct iod_ev ring_ev;
	struct iod_ctl *ctl;
	uint16_t tpgt;
	uint16_t next_tsih;
	struct iscsi_conn *conns;
	struct iscsi_conn *graveyard;	/* closed, freed after the batch */
	bool in_batch;			/* dispatching an epoll batch */
	struct iscsi_conn *flushq;	/* output waiting for the batch end */
	uint64_t last_scan_ns;
	volatile int stop;
	uint64_t sessions_total;

	/* connection limits (docs/storage.md "Limits") */
	struct conn_limits limits;
	struct iscsi_conn *login_head;	/* not logged in yet, oldest first */
	struct iscsi_conn *login_tail;
	bool accept_paused;		/* out of file descriptors */
	uint64_t accept_resume_ns;
	uint64_t refused_total;		/* at max_connections */
	uint64_t refused_source;	/* at max_connections_per_source */
	uint64_t login_timeouts;
	uint64_t accept_pauses;
	uint64_t last_refuse_log_ns;
	uint64_t refuse_log_suppressed;
};

/* A connection counted at accept has gone (iscsi_conn_close). */
void iod_server_conn_gone(struct iod_server *s, struct iscsi_conn *c);
/* Its login completed: no login timeout any more. */
void iod_server_login_done(struct iod_server *s, struct iscsi_conn *c);
/* Closes connections whose login outlived storage.login_timeout; returns
 * the milliseconds until the next one would (-1: none waiting). */
int iod_server_expire_logins(struct iod_server *s, uint64_t now);

int iod_server_init(struct iod_server *s, struct iod_config *cfg,
		    struct lun_map *map, const char *ctl_path, char *err,
		    size_t errlen);
/* Runs until stop is set (signal). */
int iod_server_run(struct iod_server *s);
void iod_server_fini(struct iod_server *s);

/* Pause of a listener whose accept failed for want of descriptors or
 * memory (iod_accept_must_pause): the pending connection stays in the
 * backlog, and the loop does not spin on it. */
#define IOD_ACCEPT_PAUSE_NS	(100ull * 1000000)
bool iod_accept_must_pause(int err);

/* epoll registration helpers shared with session and ctl code */
int iod_epoll_add(struct iod_server *s, int fd, uint32_t events,
		  struct iod_ev *ev);
int iod_epoll_mod(struct iod_server *s, int fd, uint32_t events,
		  struct iod_ev *ev);

#endif

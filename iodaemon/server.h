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
};

int iod_server_init(struct iod_server *s, struct iod_config *cfg,
		    struct lun_map *map, const char *ctl_path, char *err,
		    size_t errlen);
/* Runs until stop is set (signal). */
int iod_server_run(struct iod_server *s);
void iod_server_fini(struct iod_server *s);

/* epoll registration helpers shared with session and ctl code */
int iod_epoll_add(struct iod_server *s, int fd, uint32_t events,
		  struct iod_ev *ev);
int iod_epoll_mod(struct iod_server *s, int fd, uint32_t events,
		  struct iod_ev *ev);

#endif

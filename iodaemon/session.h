/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One iSCSI connection (= one session: MaxConnections is 1): login, then
 * the full feature phase. SCSI commands become tasks: the seed's CMD /
 * BUF / TRAN / STAT exchange is SCSI Command, R2T, Data-Out and SCSI
 * Response here. A task's backing I/O runs on the server's io_uring.
 */
#ifndef XPAN_IOD_SESSION_H
#define XPAN_IOD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backing.h"
#include "login.h"
#include "scsi.h"
#include "server.h"

/* Commands an initiator may have queued (CmdSN window). */
#define IOD_CMD_WINDOW	128u
/* Stop reading from a connection whose replies pile up beyond this. */
#define IOD_OUTQ_MAX	(32u << 20)

struct obuf {
	struct obuf *next;
	size_t len;
	size_t off;
	uint8_t data[];
};

struct iscsi_task {
	struct iod_io io;		/* ring completion */
	struct iscsi_task *next;
	struct iscsi_conn *conn;
	struct iod_lun *lun;
	uint64_t lun_field;		/* as sent, for replies */
	uint32_t itt;
	uint32_t cmdsn;
	uint32_t edtl;			/* expected data transfer length */
	uint8_t cdb[16];
	struct scsi_req req;

	uint8_t *dout;			/* gathered Data-Out */
	uint32_t dout_len;		/* bytes the CDB implies (SPDTL) */
	uint32_t dout_want;		/* bytes to gather: min(EDTL, SPDTL) */
	uint32_t dout_got;
	bool discard;			/* absorbing data of a failed command */
	uint32_t unsol_len;		/* unsolicited bytes to expect */
	uint32_t unsol_got;
	uint32_t seq_datasn;		/* next DataSN in the current sequence */
	uint32_t seq_off;		/* next buffer offset expected */
	uint32_t seq_end;		/* end of the current sequence */
	bool r2t_active;
	uint32_t r2t_next;		/* next offset to solicit */
	uint32_t r2tsn;
	uint32_t ttt;
	uint32_t datasn;		/* Data-In / R2T count */

	bool executing;
	bool aborted;
	int io_pending;
	int io_err;
	uint64_t io_off;		/* short-I/O continuation */
	uint8_t *io_buf;
	uint32_t io_len;
	bool io_write;
	bool io_dsync;
	uint8_t *ws_buf;		/* one WRITE SAME chunk, replicated */
	uint64_t ws_next;		/* next LBA to write */
	uint64_t ws_end;
	uint64_t t_start;
	int dir;			/* IOD_DIR_* for stats */
};

struct iscsi_conn {
	struct iod_server *srv;
	struct iscsi_conn *next;
	struct iod_ev ev;
	int fd;
	bool closing;			/* close once output is flushed */
	bool dead;			/* socket gone, tasks draining */
	unsigned int refs;		/* tasks with I/O in flight */
	uint8_t *rbuf;
	size_t rlen;
	size_t rcap;
	struct obuf *oq_head;
	struct obuf *oq_tail;
	size_t oq_bytes;
	uint32_t ep_events;

	bool full_feature;
	struct iscsi_login login;
	struct iscsi_params p;
	struct iod_node *node;
	char initiator[IOD_NAME_MAX];
	char nexus[IOD_NAME_MAX + 24];	/* initiator port: name,i,0xISID */
	char peer[64];
	char local[64];
	bool discovery;
	uint8_t isid[6];
	uint16_t tsih;
	uint32_t statsn;
	uint32_t exp_cmdsn;
	struct iscsi_task *tasks;
	uint16_t *ua;			/* pending unit attention per LUN */
	bool flush_queued;		/* on the server's flush list */
	struct iscsi_conn *flush_next;
	uint32_t next_ttt;
	uint64_t cmds;
};

/* A new TCP connection from the portal. */
struct iscsi_conn *iscsi_conn_new(struct iod_server *s, int fd);
/* Socket readable / writable / error. */
void iscsi_conn_event(struct iscsi_conn *c, uint32_t events);
/* Drops the connection (tasks with I/O in flight finish first). */
void iscsi_conn_close(struct iscsi_conn *c);
/* Frees connections closed since the last call; the event loop calls it
 * once per iteration. */
void iscsi_conn_reap(struct iod_server *s);
/* Sends what the batch queued: one writev per connection and batch
 * instead of one per response. */
void iscsi_conn_flush_queued(struct iod_server *s);

/*
 * Feeds bytes received on the connection (tests can call this with a
 * socketpair). Returns -1 when the connection must be closed.
 */
int iscsi_conn_input(struct iscsi_conn *c);

#endif

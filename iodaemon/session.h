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

/* Non-immediate commands a session may have in flight: the CmdSN
 * window is [ExpCmdSN, ExpCmdSN + IOD_CMD_WINDOW - 1 - in flight]. */
#define IOD_CMD_WINDOW	128u
/* Immediate SCSI commands in flight; more are rejected (reason 0x06). */
#define IOD_IMM_MAX	16u
/* Largest reply to one PDU that is not read data (a NOP-In echo). */
#define IOD_REPLY_MAX	(IOD_MAX_RECV_DSL + 4096u)
/* Part of storage.session_buffer that command buffers never take: it
 * holds the receive buffer's growth and replies, so input stops only
 * when replies pile up unread, never while commands wait for Data-Out. */
#define IOD_HEADROOM	(2u << 20)

/* One piece of output: bytes of its own, or a slice of a buffer (read
 * data) that it frees when owned is set. */
struct obuf {
	struct obuf *next;
	size_t len;
	size_t off;
	const uint8_t *ptr;
	void *owned;
	size_t mem;			/* accounted in the session's memory */
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
	bool io_direct;			/* this read went to the O_DIRECT fd */
	uint8_t *ws_buf;		/* one WRITE SAME chunk, replicated */
	uint64_t ws_next;		/* next LBA to write */
	uint64_t ws_end;
	uint64_t t_start;
	int dir;			/* IOD_DIR_* for stats */
	uint64_t mem;			/* reserved from the session budget */
	uint64_t mem_need;		/* buffers still to reserve */
	bool mem_wait;			/* queued until memory frees */
	struct iscsi_task *memq_next;
	bool immediate;			/* counted in imm_inflight */
	bool in_window;			/* holds a CmdSN window slot */
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
	uint32_t ep_events;
	/* memory buffered for the session (receive buffer, reservations of
	 * tasks, output queue), kept within storage.session_buffer */
	uint64_t mem;
	bool parked;			/* input stopped until memory frees */
	bool in_input;			/* parsing: no re-entry from a flush */
	uint32_t window_used;		/* non-immediate commands in flight */
	uint32_t imm_inflight;
	uint64_t cmdsn_ignored;		/* outside the window, dropped */
	uint64_t imm_rejected;
	uint64_t parked_count;		/* times input stopped at the budget */
	struct iscsi_task *memq_head;	/* commands waiting for memory */
	struct iscsi_task *memq_tail;
	uint64_t task_set_full;		/* refused: no room for their data */
	/* connection limits (server.c): set when accept counted it */
	bool counted;
	uint8_t src[16];		/* remote address, v4-mapped */
	uint64_t accepted_ns;		/* login must end by + login_timeout */
	struct iscsi_conn *login_prev, *login_next;
	bool on_login_list;
	/* peer's storage address (network order) when it came from the
	 * storage network (storage_net.c), else 0 */
	uint32_t storage_ip;

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

/* MaxCmdSN the session announces now. */
uint32_t iscsi_conn_max_cmdsn(const struct iscsi_conn *c);

#endif

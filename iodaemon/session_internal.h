/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the pieces of a session (session*.c) call of each other; nothing
 * outside them includes this. The pieces share struct iscsi_conn and
 * struct iscsi_task (session.h).
 */
#ifndef XPAN_IOD_SESSION_INTERNAL_H
#define XPAN_IOD_SESSION_INTERNAL_H

#include "session.h"

/* The device of a command whose LUN the node does not see. */
extern const struct scsi_dev no_dev;

/* session.c: connection lifetime */
void conn_destroy(struct iscsi_conn *c);

/* session_output.c: output queue */
void conn_want_out(struct iscsi_conn *c, bool on);
void obuf_free(struct iscsi_conn *c, struct obuf *b);
int conn_flush(struct iscsi_conn *c);
void conn_flush_later(struct iscsi_conn *c);
int conn_send(struct iscsi_conn *c, const uint8_t *bhs,
	      const void *data, uint32_t dlen);
void send_reject(struct iscsi_conn *c, const uint8_t *bad_bhs,
		 uint8_t reason);
struct obuf *data_in_payload(struct iscsi_conn *c, const uint8_t *bhs,
			     const uint8_t *p, uint32_t seg);

/* session_window.c: CmdSN window and sequence numbers of replies */
void put_sn(struct iscsi_conn *c, uint8_t *bhs, bool advance);
void task_release_slot(struct iscsi_task *t);
bool cmdsn_accept(struct iscsi_conn *c, const struct iscsi_pdu *pdu);

/* session_memory.c: memory budget, commands waiting for memory */
bool task_reserve(struct iscsi_task *t);
void task_wait_memory(struct iscsi_task *t);
void memq_unlink(struct iscsi_task *t);
void task_set_full(struct iscsi_task *t);
bool conn_admit(const struct iscsi_conn *c);
void conn_resume(struct iscsi_conn *c);

/* session_task.c: tasks, Data-In and SCSI Response */
void task_free(struct iscsi_task *t);
struct iscsi_task *task_find(struct iscsi_conn *c, uint32_t itt);
int lun_decode(uint64_t field, uint16_t *lun);
void task_respond(struct iscsi_task *t);

/* session_dataout.c: Data-Out and R2T */
void send_r2ts(struct iscsi_task *t);
void task_data_progress(struct iscsi_task *t);
int handle_data_out(struct iscsi_conn *c, const struct iscsi_pdu *pdu);

/* session_io.c: backing I/O */
void task_start_io(struct iscsi_task *t);

/* session_nexus.c: RESERVE(6) and unit attentions */
bool rsv6_handle(struct iscsi_conn *c, struct iscsi_task *t);
bool ua_report(struct iscsi_conn *c, struct iscsi_task *t);
void ua_raise(struct iscsi_conn *c, struct iod_lun *lun, uint16_t asc);
void rsv6_drop(struct iscsi_conn *c, struct iod_node *n);

/* session_scsi.c, session_tmf.c, session_pdu.c: PDU handlers */
void handle_scsi_cmd(struct iscsi_conn *c, const struct iscsi_pdu *pdu);
void handle_tmf(struct iscsi_conn *c, const struct iscsi_pdu *pdu);
int handle_pdu(struct iscsi_conn *c, const struct iscsi_pdu *pdu);

#endif

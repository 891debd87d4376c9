// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Tasks (SCSI commands in flight) and their end: Data-In or SCSI Response. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "session_internal.h"

static void task_unlink(struct iscsi_task *t)
{
	struct iscsi_task **pp;

	for (pp = &t->conn->tasks; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
}

void task_free(struct iscsi_task *t)
{
	memq_unlink(t);
	task_release_slot(t);
	t->conn->mem -= t->mem;
	task_unlink(t);
	scsi_req_release(&t->req);
	free(t->dout);
	free(t->ws_buf);
	free(t);
}

struct iscsi_task *task_find(struct iscsi_conn *c, uint32_t itt)
{
	struct iscsi_task *t;

	for (t = c->tasks; t; t = t->next)
		if (t->itt == itt)
			return t;
	return NULL;
}

/* LUN field: single level, peripheral (00b) or flat (01b) addressing. */
int lun_decode(uint64_t field, uint16_t *lun)
{
	uint8_t method = field >> 62;

	if (field & 0x0000ffffffffffffull)
		return -1;
	if (method == 0 && !((field >> 56) & 0x3f)) {
		*lun = (field >> 48) & 0xff;
		return 0;
	}
	if (method == 1) {
		*lun = (field >> 48) & 0x3fff;
		return 0;
	}
	return -1;
}

static void set_residual(uint8_t *bhs, uint32_t want, uint32_t got)
{
	if (want > got) {
		bhs[1] |= 0x02;		/* underflow */
		put_be32(bhs + 44, want - got);
	} else if (got > want) {
		bhs[1] |= 0x04;		/* overflow */
		put_be32(bhs + 44, got - want);
	}
}

static void send_data_in(struct iscsi_task *t, uint32_t xfer)
{
	struct iscsi_conn *c = t->conn;
	uint32_t off = 0, seg, burst_left = c->p.max_burst;
	uint8_t bhs[ISCSI_BHS_LEN];
	struct obuf *owner = NULL, *b;

	while (off < xfer) {
		bool last;

		seg = xfer - off;
		if (seg > c->p.max_xmit_dsl)
			seg = c->p.max_xmit_dsl;
		if (seg > burst_left)
			seg = burst_left;
		last = off + seg == xfer;
		burst_left -= seg;
		iscsi_bhs_init(bhs, ISCSI_OP_DATA_IN,
			       (last || !burst_left) ? ISCSI_FLAG_FINAL : 0,
			       seg);
		put_be64(bhs + 8, t->lun_field);
		put_be32(bhs + 16, t->itt);
		put_be32(bhs + 20, ISCSI_RSVD_TAG);
		if (last) {
			/* phase collapse: status rides on the last Data-In */
			bhs[1] |= ISCSI_DATAIN_STATUS;
			bhs[3] = t->req.status;
			set_residual(bhs, t->edtl, t->req.data_len);
			put_sn(c, bhs, true);
		} else {
			put_be32(bhs + 28, c->exp_cmdsn);
			put_be32(bhs + 32, iscsi_conn_max_cmdsn(c));
		}
		put_be32(bhs + 36, t->datasn++);
		put_be32(bhs + 40, off);
		b = data_in_payload(c, bhs, t->req.data + off, seg);
		if (b)
			owner = b;
		if (!burst_left)
			burst_left = c->p.max_burst;
		off += seg;
	}
	/* Output goes out in order: the last slice frees the buffer, after
	 * every earlier slice of it has been sent. */
	if (owner) {
		owner->owned = t->req.data;
		owner->mem += t->req.data_len;
		c->mem += t->req.data_len;
		t->req.data = NULL;
	}
}

void task_respond(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;
	uint8_t bhs[ISCSI_BHS_LEN], sense[2 + SCSI_SENSE_LEN];
	uint32_t xfer;

	if (t->lun && t->t_start)
		iod_stats_end(&t->lun->stats, iod_now_ns(), t->dir,
			      t->dir == IOD_DIR_WRITE ? t->dout_want :
			      t->req.data_len,
			      t->req.status != SCSI_STATUS_GOOD);
	if (t->aborted || c->dead) {
		task_free(t);
		return;
	}
	task_release_slot(t);
	xfer = t->req.data_len < t->edtl ? t->req.data_len : t->edtl;
	if (t->req.status == SCSI_STATUS_GOOD && xfer) {
		send_data_in(t, xfer);
		task_free(t);
		conn_flush_later(c);
		return;
	}
	iscsi_bhs_init(bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 0);
	bhs[3] = t->req.status;
	put_be32(bhs + 16, t->itt);
	put_sn(c, bhs, true);
	put_be32(bhs + 36, t->datasn);
	if (t->dout_len || t->discard)
		set_residual(bhs, t->edtl, t->dout_len);
	else if (t->req.status == SCSI_STATUS_GOOD)
		set_residual(bhs, t->edtl, t->req.data_len);
	if (t->req.status == SCSI_STATUS_CHECK_CONDITION &&
	    t->req.sense_len) {
		put_be16(sense, t->req.sense_len);
		memcpy(sense + 2, t->req.sense, t->req.sense_len);
		put_be24(bhs + 5, 2 + t->req.sense_len);
		conn_send(c, bhs, sense, 2 + t->req.sense_len);
	} else {
		conn_send(c, bhs, NULL, 0);
	}
	task_free(t);
	conn_flush_later(c);
}

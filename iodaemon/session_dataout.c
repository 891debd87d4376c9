// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Data-Out and R2T: gathering a write command's data, unsolicited or
 * solicited, before it runs.
 */
#include <string.h>

#include "log.h"
#include "session_internal.h"

void send_r2ts(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;
	uint8_t bhs[ISCSI_BHS_LEN];
	uint32_t len;

	if (t->r2t_active || t->r2t_next >= t->dout_want)
		return;
	len = t->dout_want - t->r2t_next;
	if (len > c->p.max_burst)
		len = c->p.max_burst;
	t->ttt = c->next_ttt++;
	if (t->ttt == ISCSI_RSVD_TAG)
		t->ttt = c->next_ttt++;
	iscsi_bhs_init(bhs, ISCSI_OP_R2T, ISCSI_FLAG_FINAL, 0);
	put_be64(bhs + 8, t->lun_field);
	put_be32(bhs + 16, t->itt);
	put_be32(bhs + 20, t->ttt);
	put_sn(c, bhs, false);
	put_be32(bhs + 36, t->r2tsn++);
	put_be32(bhs + 40, t->r2t_next);
	put_be32(bhs + 44, len);
	t->datasn++;
	t->seq_datasn = 0;
	t->seq_off = t->r2t_next;
	t->seq_end = t->r2t_next + len;
	t->r2t_active = true;
	t->r2t_next += len;
	conn_send(c, bhs, NULL, 0);
}

/* All unsolicited data is in: run the command, or solicit the rest. */
void task_data_progress(struct iscsi_task *t)
{
	if (t->mem_wait || t->unsol_got < t->unsol_len)
		return;
	if (t->discard) {
		task_respond(t);
		return;
	}
	if (t->dout_got >= t->dout_want) {
		scsi_execute(t->lun ? &t->lun->sdev : &no_dev, &t->req, t->dout,
			     t->dout_want);
		task_start_io(t);
		return;
	}
	send_r2ts(t);
}

int handle_data_out(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	struct iscsi_task *t = task_find(c, pdu->itt);
	uint32_t datasn = get_be32(pdu->bhs + 36);
	uint32_t off = get_be32(pdu->bhs + 40), len = pdu->data_len;
	bool unsol = pdu->f20 == ISCSI_RSVD_TAG;

	pr_debug("%s: Data-Out ITT 0x%x TTT 0x%x DataSN %u offset %u len %u%s\n",
		 c->peer, pdu->itt, pdu->f20, datasn, off, len,
		 t ? "" : " (no such task)");
	if (!t || t->executing)
		return 0;	/* answered already: late data is dropped */
	if (unsol ? (t->unsol_got >= t->unsol_len) :
		    (!t->r2t_active || pdu->f20 != t->ttt)) {
		/* data nobody asked for: refused, the command goes on */
		pr_info("%s: Data-Out for ITT 0x%x with %s TTT 0x%x, rejected\n",
			c->peer, t->itt, unsol ? "unexpected unsolicited" :
			"unknown", pdu->f20);
		send_reject(c, pdu->bhs, ISCSI_REJECT_PROTOCOL);
		return 0;
	}
	/* ERL 0 has no recovery within a command: the command fails,
	 * the connection stays, later data for it is dropped. */
	if (datasn != t->seq_datasn || off != t->seq_off ||
	    len > t->seq_end - off) {
		pr_info("%s: Data-Out for ITT 0x%x out of sequence (DataSN %u want %u, offset %u want %u): command aborted\n",
			c->peer, t->itt, datasn, t->seq_datasn, off,
			t->seq_off);
		scsi_req_release(&t->req);
		scsi_set_sense(&t->req, SK_ABORTED_COMMAND,
			       ASC_DATA_PHASE_ERROR);
		t->dout_len = 0;
		t->dout_want = 0;
		task_respond(t);
		return 0;
	}
	t->seq_datasn++;
	t->seq_off += len;
	if (!t->discard && t->dout && off < t->dout_want) {
		/* data past EDTL-vs-SPDTL is accepted and dropped */
		uint32_t n = t->dout_want - off < len ? t->dout_want - off : len;

		/* an empty Data-Out has no buffer at all (pdu->data NULL) */
		if (n)
			memcpy(t->dout + off, pdu->data, n);
		t->dout_got += n;
	}
	if (unsol) {
		t->unsol_got += len;
		if ((pdu->flags & ISCSI_FLAG_FINAL) &&
		    t->unsol_got < t->unsol_len)
			t->unsol_len = t->unsol_got;
		if (t->unsol_got >= t->unsol_len) {
			/* solicited sequences continue from here */
			if (t->r2t_next < t->unsol_got)
				t->r2t_next = t->unsol_got;
		}
	} else if (t->seq_off >= t->seq_end) {
		t->r2t_active = false;
	}
	task_data_progress(t);
	return 0;
}

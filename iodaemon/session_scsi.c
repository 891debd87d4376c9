// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* SCSI Command PDUs become tasks. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "session_internal.h"

const struct scsi_dev no_dev;

void handle_scsi_cmd(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	const uint8_t *bhs = pdu->bhs;
	struct iscsi_task *t;
	const struct scsi_dev *dev;
	uint32_t imm = pdu->data_len;
	uint16_t lun = 0;
	bool done;

	if (task_find(c, pdu->itt)) {
		send_reject(c, bhs, ISCSI_REJECT_TASK_IN_PROGRESS);
		return;
	}
	if (pdu->immediate && c->imm_inflight >= IOD_IMM_MAX) {
		/* immediate commands skip the window: bounded apart */
		c->imm_rejected++;
		pr_debug("%s: immediate command ITT 0x%x beyond %u in flight, rejected\n",
			 c->peer, pdu->itt, IOD_IMM_MAX);
		send_reject(c, bhs, ISCSI_REJECT_IMM_CMD);
		return;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		send_reject(c, bhs, ISCSI_REJECT_LONG_OP);
		return;
	}
	/* its buffers are reserved once it is decoded (task_reserve) */
	t->mem = sizeof(*t);
	c->mem += t->mem;
	if (pdu->immediate) {
		t->immediate = true;
		c->imm_inflight++;
	} else {
		t->in_window = true;
		c->window_used++;
	}
	t->conn = c;
	t->itt = pdu->itt;
	t->cmdsn = pdu->cmdsn;
	t->edtl = pdu->f20;
	t->lun_field = pdu->lun;
	memcpy(t->cdb, bhs + 32, 16);
	pr_debug("%s: CDB %02x ITT 0x%x CmdSN %u EDTL %u flags 0x%02x imm %u\n",
		 c->peer, t->cdb[0], t->itt, t->cmdsn, t->edtl, bhs[1], imm);
	t->next = c->tasks;
	c->tasks = t;
	c->cmds++;
	if (!lun_decode(pdu->lun, &lun))
		t->lun = lun_map_lookup(c->node, lun);
	dev = t->lun ? &t->lun->sdev : &no_dev;
	t->req.cdb = t->cdb;
	t->req.cdb_len = 16;
	t->req.exp_len = t->edtl;
	t->req.lun_exists = t->lun != NULL;
	t->req.lun_id = lun;
	t->req.pr = t->lun ? &t->lun->pr : NULL;
	t->req.nexus = c->nexus;

	done = ua_report(c, t) || rsv6_handle(c, t) ||
	       scsi_decode(dev, &(struct scsi_lun_list){
					.luns = c->node ? c->node->lun_ids : NULL,
					.n = c->node ? c->node->nluns : 0 },
			   &t->req);
	if (t->lun && !done) {
		t->t_start = iod_now_ns();
		t->dir = (t->req.io == SCSI_IO_READ) ? IOD_DIR_READ :
			 (t->req.io == SCSI_IO_WRITE ||
			  t->req.io == SCSI_IO_WRITE_SAME ||
			  t->req.io == SCSI_IO_CAW) ? IOD_DIR_WRITE :
						      IOD_DIR_NONE;
		iod_stats_start(&t->lun->stats, t->t_start);
	}

	/* Unsolicited data the initiator will send whatever we answer. */
	if (bhs[1] & ISCSI_CMD_WRITE) {
		t->unsol_len = imm;
		if (!c->p.initial_r2t) {
			uint32_t fb = c->p.first_burst < t->edtl ?
					      c->p.first_burst : t->edtl;

			if (fb > t->unsol_len)
				t->unsol_len = fb;
		}
	} else {
		t->unsol_len = imm;	/* data nobody asked for: absorbed */
	}
	t->unsol_got = imm;
	t->seq_off = imm;
	t->seq_end = t->unsol_len;
	t->mem_need = done ? 0 : scsi_buffer_need(t->cdb);

	if (!done && t->req.dout_len) {
		uint32_t edtl = (bhs[1] & ISCSI_CMD_WRITE) ? t->edtl : 0;

		t->dout_len = t->req.dout_len;
		t->dout_want = edtl < t->dout_len ? edtl : t->dout_len;
		if (edtl != t->dout_len && t->req.io != SCSI_IO_WRITE) {
			/* SPDTL and EDTL disagree on a command that cannot
			 * run on part of its data */
			scsi_req_release(&t->req);
			scsi_set_sense(&t->req, SK_ILLEGAL_REQUEST,
				       ASC_INVALID_FIELD_IN_IU);
			t->discard = true;
		} else if (!t->dout_want) {
			/* a WRITE with EDTL 0 transfers and writes nothing */
			t->req.io = SCSI_IO_NONE;
			t->req.status = SCSI_STATUS_GOOD;
			t->discard = true;
		} else if (!task_reserve(t)) {
			if (t->unsol_len) {
				/* data is on its way and there is no room
				 * for it: the initiator retries later */
				task_set_full(t);
			} else {
				/* solicited only: R2T once there is room */
				task_wait_memory(t);
			}
		} else {
			t->dout = malloc(t->dout_len);
			if (!t->dout) {
				scsi_set_sense(&t->req, SK_HARDWARE_ERROR,
					       ASC_INTERNAL_TARGET_FAILURE);
				t->discard = true;
			} else {
				if (imm > t->dout_want)
					imm = t->dout_want;
				if (imm)
					memcpy(t->dout, pdu->data, imm);
				t->dout_got = imm;
				t->r2t_next = t->unsol_len;
			}
		}
	} else if (done) {
		/* answered already; respond once unsolicited data is in */
		t->discard = true;
	} else if (!task_reserve(t)) {
		task_wait_memory(t);	/* the read runs once there is room */
	}
	task_data_progress(t);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Task management functions: aborts and resets. */
#include "log.h"
#include "session_internal.h"

/* Aborts t: silently when it is ours, with TASK ABORTED status (TAS=1)
 * when it belongs to another I_T nexus. */
static void abort_task(struct iscsi_task *t, bool other_nexus)
{
	if (other_nexus && !t->aborted && !t->conn->dead) {
		uint8_t bhs[ISCSI_BHS_LEN];

		iscsi_bhs_init(bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 0);
		bhs[3] = SCSI_STATUS_TASK_ABORTED;
		put_be32(bhs + 16, t->itt);
		put_sn(t->conn, bhs, true);
		conn_send(t->conn, bhs, NULL, 0);
		conn_flush(t->conn);
	}
	t->aborted = true;
	if (!t->io_pending)
		task_free(t);
}

static void abort_lun_tasks(struct iscsi_conn *c, struct iod_lun *lun,
			    uint32_t except_itt)
{
	struct iscsi_conn *o;
	struct iscsi_task *t, *n;

	for (o = c->srv->conns; o; o = o->next) {
		if (!o->full_feature || o->discovery)
			continue;
		for (t = o->tasks; t; t = n) {
			n = t->next;
			if (t->aborted || (lun && t->lun != lun))
				continue;
			if (o == c && t->itt == except_itt)
				continue;
			if (!lun && o->node != c->node)
				continue;
			abort_task(t, o != c);
		}
	}
}

void handle_tmf(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	uint8_t fn = pdu->flags & 0x7f, resp = 0, bhs[ISCSI_BHS_LEN];
	uint32_t rtt = pdu->f20, refcmdsn = get_be32(pdu->bhs + 32);
	struct iscsi_task *t, *n;
	struct iod_lun *lun = NULL;
	uint16_t l;

	if (!lun_decode(pdu->lun, &l))
		lun = lun_map_lookup(c->node, l);
	switch (fn) {
	case 1:		/* ABORT TASK */
		t = task_find(c, rtt);
		if (t && !t->aborted) {
			abort_task(t, false);
		} else if (!(sn_lt(refcmdsn, pdu->cmdsn) &&
			     !sn_lt(refcmdsn, c->exp_cmdsn - IOD_CMD_WINDOW))) {
			resp = 1;	/* task does not exist */
		}
		break;
	case 2:		/* ABORT TASK SET */
	case 4:		/* CLEAR TASK SET */
		if (!lun) {
			resp = 2;
			break;
		}
		for (t = c->tasks; t; t = n) {
			n = t->next;
			if (t->lun == lun && !t->aborted)
				abort_task(t, false);
		}
		if (fn == 4)
			abort_lun_tasks(c, lun, ISCSI_RSVD_TAG);
		break;
	case 5:		/* LOGICAL UNIT RESET */
		if (!lun) {
			resp = 2;
			break;
		}
		abort_lun_tasks(c, lun, ISCSI_RSVD_TAG);
		lun->rsv6 = NULL;
		ua_raise(c, lun, ASC_BUS_DEVICE_RESET);
		break;
	case 6:		/* TARGET WARM RESET: this node's view */
	case 7:		/* TARGET COLD RESET */
		abort_lun_tasks(c, NULL, ISCSI_RSVD_TAG);
		rsv6_drop(NULL, c->node);
		break;
	case 3:		/* CLEAR ACA: no ACA support */
	default:
		resp = 5;	/* function not supported */
		break;
	}
	iscsi_bhs_init(bhs, ISCSI_OP_TMF_RSP, ISCSI_FLAG_FINAL, 0);
	bhs[2] = resp;
	put_be32(bhs + 16, pdu->itt);
	put_sn(c, bhs, true);
	conn_send(c, bhs, NULL, 0);
	if (fn == 7 && !resp)
		c->closing = true;	/* cold reset drops the I_T nexus */
}

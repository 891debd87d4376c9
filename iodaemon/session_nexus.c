// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* State per I_T nexus: RESERVE(6) / RELEASE(6) and unit attentions. */
#include <stdlib.h>

#include "log.h"
#include "session_internal.h"

/*
 * RESERVE(6) / RELEASE(6) (SPC-2): one I_T nexus (here: the connection)
 * holds the LU; others get RESERVATION CONFLICT except for the commands
 * that only describe the device. Returns true when it answered.
 */
bool rsv6_handle(struct iscsi_conn *c, struct iscsi_task *t)
{
	struct iod_lun *l = t->lun;
	uint8_t op = t->cdb[0];

	if (!l)
		return false;
	if (op == 0x16 || op == 0x17) {
		t->req.status = SCSI_STATUS_GOOD;
		t->req.io = SCSI_IO_NONE;
		if (op == 0x16 && l->rsv6 && l->rsv6 != c)
			t->req.status = SCSI_STATUS_RESERVATION_CONFLICT;
		else if (op == 0x16)
			l->rsv6 = c;
		else if (l->rsv6 == c)
			l->rsv6 = NULL;
		return true;
	}
	if (!l->rsv6 || l->rsv6 == c)
		return false;
	switch (op) {
	case 0x12:	/* INQUIRY */
	case 0xa0:	/* REPORT LUNS */
	case 0x03:	/* REQUEST SENSE */
	case 0x25:	/* READ CAPACITY */
		return false;
	case 0x9e:
		if ((t->cdb[1] & 0x1f) == 0x10)
			return false;
	}
	t->req.status = SCSI_STATUS_RESERVATION_CONFLICT;
	t->req.io = SCSI_IO_NONE;
	return true;
}

static int lun_index(const struct iod_node *n, const struct iod_lun *l)
{
	size_t i;

	for (i = 0; n && i < n->nluns; i++)
		if (n->luns[i] == l)
			return i;
	return -1;
}

/*
 * Unit attention (SAM-5 5.14): reported once to each I_T nexus by the
 * next command other than INQUIRY / REPORT LUNS; REQUEST SENSE returns
 * it as data. Returns true when it answered the command.
 */
bool ua_report(struct iscsi_conn *c, struct iscsi_task *t)
{
	int i = lun_index(c->node, t->lun);
	uint16_t asc;
	uint8_t op = t->cdb[0];

	if (i < 0 || !c->ua || !c->ua[i] || op == 0x12 || op == 0xa0)
		return false;
	asc = c->ua[i];
	c->ua[i] = 0;
	if (op == 0x03) {
		t->req.data = malloc(SCSI_SENSE_LEN);
		if (!t->req.data)
			return false;
		sense_build(t->req.data, SK_UNIT_ATTENTION, asc, false, 0,
			    NULL);
		t->req.data_len = t->cdb[4] < SCSI_SENSE_LEN ? t->cdb[4] :
							       SCSI_SENSE_LEN;
		t->req.status = SCSI_STATUS_GOOD;
		t->req.io = SCSI_IO_NONE;
		return true;
	}
	scsi_set_sense(&t->req, SK_UNIT_ATTENTION, asc);
	return true;
}

/* Every nexus of the node that sees lun gets a unit attention. */
void ua_raise(struct iscsi_conn *c, struct iod_lun *lun, uint16_t asc)
{
	struct iscsi_conn *o;
	int i = lun_index(c->node, lun);

	for (o = c->srv->conns; o && i >= 0; o = o->next)
		if (o->full_feature && o->node == c->node && o->ua)
			o->ua[i] = asc;
}

void rsv6_drop(struct iscsi_conn *c, struct iod_node *n)
{
	size_t i;

	for (i = 0; n && i < n->nluns; i++)
		if (!c || n->luns[i]->rsv6 == c)
			n->luns[i]->rsv6 = NULL;
}

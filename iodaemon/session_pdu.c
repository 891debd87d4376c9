// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* PDU dispatch, and the PDUs that are not SCSI: login, text, NOP, logout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "session_internal.h"

static void handle_nop_out(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	if (pdu->itt == ISCSI_RSVD_TAG)
		return;		/* a reply to our ping, or a one-way ping */
	iscsi_bhs_init(bhs, ISCSI_OP_NOP_IN, ISCSI_FLAG_FINAL, pdu->data_len);
	put_be64(bhs + 8, pdu->lun);
	put_be32(bhs + 16, pdu->itt);
	put_be32(bhs + 20, ISCSI_RSVD_TAG);
	put_sn(c, bhs, true);
	conn_send(c, bhs, pdu->data, pdu->data_len);
}

static void send_targets(struct iscsi_conn *c, const struct iscsi_kv *kv,
			 struct iscsi_text_out *out)
{
	const char *tn = c->srv->map->target;
	size_t tl = strlen(tn);

	/* Only initiators of a node see the target, and only with its
	 * LUNs: a node without LUNs has nothing to discover. */
	if (!c->node || !c->node->nluns)
		return;
	if (!(kv->val_len == 3 && !memcmp(kv->val, "All", 3)) &&
	    !(kv->val_len == tl && !memcmp(kv->val, tn, tl)) &&
	    kv->val_len)
		return;
	iscsi_text_add(out, "TargetName", "%s", tn);
	iscsi_text_add(out, "TargetAddress", "%s,%u", c->local, c->srv->tpgt);
}

static void handle_text(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	struct iscsi_kv kv[ISCSI_TEXT_MAX_PAIRS];
	uint8_t bhs[ISCSI_BHS_LEN], buf[8192];
	struct iscsi_text_out out = { .buf = buf, .cap = sizeof(buf) };
	int n, i;

	if (pdu->flags & ISCSI_FLAG_CONTINUE) {
		send_reject(c, pdu->bhs, ISCSI_REJECT_CMD_NOT_SUPPORTED);
		return;
	}
	n = iscsi_text_parse(pdu->data, pdu->data_len, kv,
			     ISCSI_TEXT_MAX_PAIRS);
	if (n < 0) {
		send_reject(c, pdu->bhs, ISCSI_REJECT_INVALID_FIELD);
		return;
	}
	for (i = 0; i < n; i++) {
		if (iscsi_kv_is(&kv[i], "SendTargets")) {
			send_targets(c, &kv[i], &out);
		} else {
			char key[ISCSI_TEXT_KEY_MAX + 1];

			memcpy(key, kv[i].key, kv[i].key_len);
			key[kv[i].key_len] = '\0';
			iscsi_text_add(&out, key, "NotUnderstood");
		}
	}
	iscsi_bhs_init(bhs, ISCSI_OP_TEXT_RSP, ISCSI_FLAG_FINAL, out.len);
	put_be32(bhs + 16, pdu->itt);
	put_be32(bhs + 20, ISCSI_RSVD_TAG);
	put_sn(c, bhs, true);
	conn_send(c, bhs, buf, out.len);
}

static void handle_logout(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	iscsi_bhs_init(bhs, ISCSI_OP_LOGOUT_RSP, ISCSI_FLAG_FINAL, 0);
	put_be32(bhs + 16, pdu->itt);
	put_sn(c, bhs, true);
	conn_send(c, bhs, NULL, 0);
	c->closing = true;
}

/* Session reinstatement: a new leading login with the same initiator
 * name and ISID replaces the old session (RFC 7143 6.3.5). */
static void reinstate(struct iscsi_conn *c)
{
	struct iscsi_conn *o, *n;

	for (o = c->srv->conns; o; o = n) {
		n = o->next;
		if (o != c && o->full_feature && !o->discovery &&
		    !strcmp(o->initiator, c->initiator) &&
		    !memcmp(o->isid, c->isid, sizeof(c->isid))) {
			pr_info("%s: session of %s reinstated, closing the old one from %s\n",
				c->peer, c->initiator, o->peer);
			iscsi_conn_close(o);
		}
	}
}

static int handle_login(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	const uint8_t *req = pdu->bhs;
	uint8_t bhs[ISCSI_BHS_LEN], buf[8192], rflags = 0;
	struct iscsi_text_out out = { .buf = buf, .cap = sizeof(buf) };
	bool first = !c->login.started;
	int ret;

	if (first) {
		memcpy(c->isid, req + 8, 6);
		c->statsn = pdu->expstatsn;
		c->exp_cmdsn = pdu->cmdsn;
	}
	if (req[3] > 0) {	/* version-min: only 0 exists */
		c->login.status = LOGIN_ST_UNSUPPORTED_VERSION;
		ret = -1;
	} else if (!first && memcmp(c->isid, req + 8, 6)) {
		c->login.status = LOGIN_ST_INITIATOR_ERROR;
		snprintf(c->login.why, sizeof(c->login.why),
			 "ISID changed during login");
		ret = -1;
	} else if (first && get_be16(req + 14)) {
		/* adding a connection to an existing session: MC/S is not
		 * supported (MaxConnections=1) */
		c->login.status = LOGIN_ST_NOT_FOUND + 7;	/* 0x020a */
		snprintf(c->login.why, sizeof(c->login.why),
			 "TSIH %u given but sessions have one connection",
			 get_be16(req + 14));
		ret = -1;
	} else {
		ret = iscsi_login_step(&c->login, pdu->flags, pdu->data,
				       pdu->data_len, &out, &rflags);
	}
	iscsi_bhs_init(bhs, ISCSI_OP_LOGIN_RSP, 0, 0);
	memcpy(bhs + 8, req + 8, 6);
	put_be32(bhs + 16, pdu->itt);
	put_be32(bhs + 24, c->statsn++);
	put_be32(bhs + 28, c->exp_cmdsn);
	put_be32(bhs + 32, iscsi_conn_max_cmdsn(c));
	if (ret < 0) {
		pr_info("%s: login of '%s' refused: %s\n", c->peer,
			c->login.initiator[0] ? c->login.initiator : "?",
			c->login.why);
		bhs[36] = c->login.status >> 8;
		bhs[37] = c->login.status & 0xff;
		conn_send(c, bhs, NULL, 0);
		c->closing = true;
		return 0;
	}
	bhs[1] = rflags;
	put_be24(bhs + 5, out.len);
	if (ret == 1) {
		c->tsih = c->srv->next_tsih++;
		if (!c->srv->next_tsih)
			c->srv->next_tsih = 1;
		put_be16(bhs + 14, c->tsih);
	}
	conn_send(c, bhs, buf, out.len);
	if (ret == 1) {
		c->p = c->login.params;
		c->node = c->login.node;
		c->discovery = c->login.discovery;
		c->ua = calloc(c->node->nluns + 1, sizeof(*c->ua));
		snprintf(c->initiator, sizeof(c->initiator), "%s",
			 c->login.initiator);
		snprintf(c->nexus, sizeof(c->nexus),
			 "%s,i,0x%02x%02x%02x%02x%02x%02x", c->initiator,
			 c->isid[0], c->isid[1], c->isid[2], c->isid[3],
			 c->isid[4], c->isid[5]);
		/* digests start with the first PDU after the login */
		conn_flush(c);
		c->full_feature = true;
		iod_server_login_done(c->srv, c);
		c->srv->sessions_total++;
		if (!c->discovery)
			reinstate(c);
		pr_info("%s: %s session for %s (node %s, %zu LUNs, digests %s/%s)\n",
			c->peer, c->discovery ? "discovery" : "normal",
			c->initiator, c->node->name, c->node->nluns,
			c->p.header_digest ? "CRC32C" : "None",
			c->p.data_digest ? "CRC32C" : "None");
	}
	return 0;
}

int handle_pdu(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	if (!c->full_feature) {
		if (pdu->opcode != ISCSI_OP_LOGIN_REQ) {
			pr_info("%s: opcode 0x%02x before login, closing\n",
				c->peer, pdu->opcode);
			return -1;
		}
		return handle_login(c, pdu);
	}
	if (c->discovery && pdu->opcode != ISCSI_OP_TEXT_REQ &&
	    pdu->opcode != ISCSI_OP_LOGOUT_REQ &&
	    pdu->opcode != ISCSI_OP_NOP_OUT) {
		send_reject(c, pdu->bhs, ISCSI_REJECT_PROTOCOL);
		return 0;
	}
	switch (pdu->opcode) {
	case ISCSI_OP_SCSI_CMD:
		if (cmdsn_accept(c, pdu))
			handle_scsi_cmd(c, pdu);
		break;
	case ISCSI_OP_DATA_OUT:
		return handle_data_out(c, pdu);
	case ISCSI_OP_NOP_OUT:
		if (cmdsn_accept(c, pdu))
			handle_nop_out(c, pdu);
		break;
	case ISCSI_OP_TEXT_REQ:
		if (cmdsn_accept(c, pdu))
			handle_text(c, pdu);
		break;
	case ISCSI_OP_TMF_REQ:
		if (cmdsn_accept(c, pdu))
			handle_tmf(c, pdu);
		break;
	case ISCSI_OP_LOGOUT_REQ:
		if (cmdsn_accept(c, pdu))
			handle_logout(c, pdu);
		break;
	case ISCSI_OP_LOGIN_REQ:
		send_reject(c, pdu->bhs, ISCSI_REJECT_PROTOCOL);
		break;
	case ISCSI_OP_SNACK:	/* ERL 0 */
	default:
		send_reject(c, pdu->bhs, ISCSI_REJECT_CMD_NOT_SUPPORTED);
		break;
	}
	return 0;
}

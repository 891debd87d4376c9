// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Sequence numbers: the CmdSN window that bounds the commands in flight,
 * and the StatSN / ExpCmdSN / MaxCmdSN every reply carries.
 */
#include "log.h"
#include "session_internal.h"

/* MaxCmdSN moves on only as commands end, so the window bounds the
 * commands in flight; it never falls below ExpCmdSN - 1. */
uint32_t iscsi_conn_max_cmdsn(const struct iscsi_conn *c)
{
	return c->exp_cmdsn + IOD_CMD_WINDOW - 1 - c->window_used;
}

void put_sn(struct iscsi_conn *c, uint8_t *bhs, bool advance)
{
	put_be32(bhs + 24, c->statsn);
	if (advance)
		c->statsn++;
	put_be32(bhs + 28, c->exp_cmdsn);
	put_be32(bhs + 32, iscsi_conn_max_cmdsn(c));
}

/* The command no longer counts against the window (or the immediate
 * bound): called before its response so that the response already
 * announces the slot. */
void task_release_slot(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;

	if (t->in_window) {
		t->in_window = false;
		c->window_used--;
	}
	if (t->immediate) {
		t->immediate = false;
		c->imm_inflight--;
	}
}

/* CmdSN ordering for non-immediate requests: a number outside
 * [ExpCmdSN, MaxCmdSN] (serial arithmetic, RFC 1982) is silently ignored
 * (RFC 7143 4.2.2.1); that includes ExpCmdSN itself while the window is
 * full, since MaxCmdSN is then ExpCmdSN - 1. With one connection per
 * session nothing can arrive early, so inside the window only ExpCmdSN
 * is taken. */
bool cmdsn_accept(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	uint32_t max = iscsi_conn_max_cmdsn(c);

	if (pdu->immediate)
		return true;
	if (sn_lt(pdu->cmdsn, c->exp_cmdsn) || sn_lt(max, pdu->cmdsn) ||
	    pdu->cmdsn != c->exp_cmdsn) {
		c->cmdsn_ignored++;
		pr_debug("%s: CmdSN %u outside the window [%u, %u], ignored (%llu so far)\n",
			 c->peer, pdu->cmdsn, c->exp_cmdsn, max,
			 (unsigned long long)c->cmdsn_ignored);
		return false;
	}
	c->exp_cmdsn++;
	return true;
}

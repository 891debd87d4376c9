// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The session's memory budget (storage.session_buffer) and the queue of
 * commands waiting for room in it.
 */
#include <stdlib.h>

#include "log.h"
#include "session_internal.h"

/*
 * A command's buffers (read data, Data-Out, a WRITE SAME chunk) come out
 * of the session's budget, storage.session_buffer, less IOD_HEADROOM
 * that stays free for replies. Commands are never refused for it when
 * they can wait: they queue (FIFO) and start as memory frees, so the
 * window bounds what waits and the budget what is buffered.
 */
bool task_reserve(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;

	if (c->mem + t->mem_need + IOD_HEADROOM >
	    c->srv->cfg->storage.session_buffer)
		return false;
	t->mem += t->mem_need;
	c->mem += t->mem_need;
	t->mem_need = 0;
	return true;
}

void task_wait_memory(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;

	t->mem_wait = true;
	t->memq_next = NULL;
	if (c->memq_tail)
		c->memq_tail->memq_next = t;
	else
		c->memq_head = t;
	c->memq_tail = t;
}

void memq_unlink(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;
	struct iscsi_task **pp, *prev = NULL;

	if (!t->mem_wait)
		return;
	for (pp = &c->memq_head; *pp; prev = *pp, pp = &(*pp)->memq_next)
		if (*pp == t) {
			*pp = t->memq_next;
			if (c->memq_tail == t)
				c->memq_tail = prev;
			break;
		}
	t->mem_wait = false;
}

/* SAM-5 TASK SET FULL: no room for the data the command brings; it
 * is absorbed and dropped, and the initiator retries the command. */
void task_set_full(struct iscsi_task *t)
{
	t->conn->task_set_full++;
	pr_debug("%s: no room for ITT 0x%x's data (%llu bytes buffered), TASK SET FULL\n",
		 t->conn->peer, t->itt, (unsigned long long)t->conn->mem);
	scsi_req_release(&t->req);
	t->req.io = SCSI_IO_NONE;
	t->req.status = SCSI_STATUS_TASK_SET_FULL;
	t->req.sense_len = 0;
	t->mem_need = 0;
	t->discard = true;
}

/* Memory was freed: start the commands waiting for it, in order. */
static void conn_run_memq(struct iscsi_conn *c)
{
	struct iscsi_task *t;

	while ((t = c->memq_head) && !c->dead && task_reserve(t)) {
		memq_unlink(t);
		if (t->dout_want && !t->dout) {
			t->dout = malloc(t->dout_len);
			if (!t->dout) {
				scsi_set_sense(&t->req, SK_HARDWARE_ERROR,
					       ASC_INTERNAL_TARGET_FAILURE);
				t->discard = true;
			}
		}
		task_data_progress(t);
		conn_flush_later(c);
	}
}

/*
 * Whether the session's budget (storage.session_buffer) has room for one
 * more reply. Buffers of commands never take the last IOD_HEADROOM
 * (task_reserve), so this stops input only when replies pile up unread:
 * Data-Out for the commands already taken is never held up by them.
 */
bool conn_admit(const struct iscsi_conn *c)
{
	return c->mem + IOD_REPLY_MAX <= c->srv->cfg->storage.session_buffer;
}

/* Memory was freed: commands waiting for it start, and input parked
 * at the budget goes on. */
void conn_resume(struct iscsi_conn *c)
{
	if (c->in_input || c->dead)
		return;
	conn_run_memq(c);
	if (!c->parked || c->dead || c->closing)
		return;
	if (iscsi_conn_input(c)) {
		iscsi_conn_close(c);
		return;
	}
	if (!c->parked)
		conn_want_out(c, c->oq_head != NULL);
}

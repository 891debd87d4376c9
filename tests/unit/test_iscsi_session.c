// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A connection driven over a socketpair: login, commands through the
 * io_uring, and malformed input, which must get a reject, a CHECK
 * CONDITION or a closed connection, never a crash.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "iodaemon/session.h"

static char dir[64];
static struct iod_config cfg;
static struct lun_map map;
static struct iod_server srv;
static struct iscsi_conn *conn;
static int peer;
static uint32_t cmdsn, itt = 1;

static void setup(void)
{
	static const char *fmt =
		"nodes:\n  - name: n1\n"
		"storage:\n  pool: [%s]\n  luns:\n"
		"    - { node: n1, lun: 0, backing: a.img }\n";
	char doc[512], path[128], err[512];
	struct timeval tv = { .tv_sec = 10 };
	int sv[2];
	FILE *f;

	strcpy(dir, "/tmp/iodsess.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.img", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(ftruncate(fileno(f), 4 << 20), 0);
	fprintf(f, "hello");
	fclose(f);
	snprintf(doc, sizeof(doc), fmt, dir);
	cr_assert_eq(iod_config_parse(&cfg, "t.yaml", doc, strlen(doc), err,
				      sizeof(err)), 0, "%s", err);
	cr_assert_eq(lun_map_build(&map, &cfg, err, sizeof(err)), 0, "%s", err);
	memset(&srv, 0, sizeof(srv));
	srv.cfg = &cfg;
	srv.map = &map;
	srv.tpgt = 1;
	srv.next_tsih = 1;
	srv.epfd = epoll_create1(EPOLL_CLOEXEC);
	cr_assert_geq(srv.epfd, 0);
	cr_assert_eq(iod_ring_init(&srv.ring, 16), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	/* a hung target fails the test instead of hanging it */
	setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	conn = iscsi_conn_new(&srv, sv[0]);
	cr_assert_not_null(conn);
	peer = sv[1];
	cmdsn = 1;
}

static void teardown(void)
{
	char path[128];

	while (srv.conns)
		iscsi_conn_close(srv.conns);
	iscsi_conn_reap(&srv);
	iod_ring_exit(&srv.ring);
	close(srv.epfd);
	close(peer);
	lun_map_free(&map);
	iod_config_free(&cfg);
	snprintf(path, sizeof(path), "%s/a.img", dir);
	unlink(path);
	rmdir(dir);
}

TestSuite(session, .init = setup, .fini = teardown);

/* Lets the connection read what the peer sent and finish its I/O. */
static void pump(void)
{
	struct io_uring_cqe *cqe;

	if (!srv.conns)
		return;
	iscsi_conn_event(conn, EPOLLIN);
	while (srv.ring.inflight) {
		iod_ring_submit(&srv.ring);
		cr_assert_eq(io_uring_wait_cqe(&srv.ring.ring, &cqe), 0);
		iod_ring_reap(&srv.ring);
	}
	if (srv.conns)
		iscsi_conn_event(conn, EPOLLOUT);
}

static void send_pdu(uint8_t *bhs, const void *data, uint32_t len)
{
	static const uint8_t pad[4];

	put_be24(bhs + 5, len);
	cr_assert_eq(write(peer, bhs, 48), 48);
	if (len) {
		cr_assert_eq(write(peer, data, len), (ssize_t)len);
		if (iscsi_pad4(len) != len)
			cr_assert_eq(write(peer, pad, iscsi_pad4(len) - len),
				     (ssize_t)(iscsi_pad4(len) - len));
	}
	pump();
}

/* Reads one PDU; returns its data length, -1 on EOF. */
static int recv_pdu(uint8_t *bhs, uint8_t *data, size_t cap)
{
	uint32_t len, got = 0;
	ssize_t n;

	while (got < 48) {
		n = read(peer, bhs + got, 48 - got);
		if (n <= 0)
			return -1;
		got += n;
	}
	len = get_be24(bhs + 5);
	cr_assert_leq(iscsi_pad4(len), cap);
	for (got = 0; got < iscsi_pad4(len); got += n) {
		n = read(peer, data + got, iscsi_pad4(len) - got);
		cr_assert_gt(n, 0);
	}
	return len;
}

static void login_keys(const char *keys, size_t len)
{
	uint8_t bhs[48] = { ISCSI_OP_LOGIN_REQ | ISCSI_OP_IMMEDIATE,
			    ISCSI_LOGIN_TRANSIT | 1 << 2 | 3 }, data[8192];

	bhs[8] = 0x40;			/* ISID */
	put_be32(bhs + 16, itt++);
	put_be32(bhs + 24, cmdsn);
	send_pdu(bhs, keys, len);
	cr_assert_geq(recv_pdu(bhs, data, sizeof(data)), 0);
	cr_assert_eq(bhs[0], ISCSI_OP_LOGIN_RSP);
	cr_assert_eq(bhs[36], 0, "login status class %u detail %u", bhs[36],
		     bhs[37]);
	cr_assert_neq(get_be16(bhs + 14), 0, "TSIH assigned");
	cr_assert(conn->full_feature);
}

static void login(void)
{
	static const char keys[] =
		"InitiatorName=iqn.2026-11.io.xpan:n1\0"
		"TargetName=iqn.2026-11.io.xpan:storage\0"
		"HeaderDigest=None\0DataDigest=None\0";

	login_keys(keys, sizeof(keys) - 1);
}

static uint32_t get_le32_test(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void scsi_cmd(uint8_t flags, uint64_t lun, uint32_t edtl,
		     const uint8_t *cdb, const void *imm, uint32_t len)
{
	uint8_t bhs[48] = { ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | flags };

	put_be64(bhs + 8, lun);
	put_be32(bhs + 16, itt++);
	put_be32(bhs + 20, edtl);
	put_be32(bhs + 24, cmdsn++);
	memcpy(bhs + 32, cdb, 16);
	send_pdu(bhs, imm, len);
}

Test(session, read_and_write_through_the_ring)
{
	uint8_t cdb[16] = { 0x28 }, bhs[48], data[8192], blk[512];

	login();
	put_be16(cdb + 7, 1);
	scsi_cmd(ISCSI_CMD_READ, 0, 512, cdb, NULL, 0);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 512);
	cr_assert_eq(bhs[0], ISCSI_OP_DATA_IN);
	cr_assert(bhs[1] & ISCSI_DATAIN_STATUS, "status phase-collapsed");
	cr_assert_eq(bhs[3], SCSI_STATUS_GOOD);
	cr_assert(!memcmp(data, "hello", 5), "data from the backing file");

	memset(blk, 'w', sizeof(blk));
	cdb[0] = 0x2a;
	scsi_cmd(ISCSI_CMD_WRITE, 0, 512, cdb, blk, 512);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 0);
	cr_assert_eq(bhs[0], ISCSI_OP_SCSI_RSP);
	cr_assert_eq(bhs[3], SCSI_STATUS_GOOD);
	cdb[0] = 0x28;
	scsi_cmd(ISCSI_CMD_READ, 0, 512, cdb, NULL, 0);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 512);
	cr_assert(!memcmp(data, blk, 512));
	cr_assert_eq(map.luns[0].stats.writes, 1);
	cr_assert_eq(map.luns[0].stats.reads, 2);
}

Test(session, check_conditions)
{
	uint8_t cdb[16] = { 0x28 }, bhs[48], data[8192];

	login();
	put_be16(cdb + 7, 1);
	scsi_cmd(ISCSI_CMD_READ, 0x0005000000000000ull, 512, cdb, NULL, 0);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 2 + SCSI_SENSE_LEN);
	cr_assert_eq(bhs[3], SCSI_STATUS_CHECK_CONDITION);
	cr_assert_eq(sense_asc(data + 2), ASC_LUN_NOT_SUPPORTED);
	put_be32(cdb + 2, 9000);	/* beyond 4 MiB */
	scsi_cmd(ISCSI_CMD_READ, 0, 512, cdb, NULL, 0);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 2 + SCSI_SENSE_LEN);
	cr_assert_eq(sense_key(data + 2), SK_ILLEGAL_REQUEST);
	cr_assert_eq(sense_asc(data + 2), ASC_LBA_OUT_OF_RANGE);
	cr_assert(bhs[1] & 0x02, "nothing sent: underflow");
	cr_assert_eq(get_be32(bhs + 44), 512);
}

Test(session, nop_and_reject)
{
	uint8_t bhs[48] = { ISCSI_OP_NOP_OUT | ISCSI_OP_IMMEDIATE,
			    ISCSI_FLAG_FINAL }, data[64];

	login();
	put_be32(bhs + 16, 77);
	put_be32(bhs + 20, ISCSI_RSVD_TAG);
	put_be32(bhs + 24, cmdsn);
	send_pdu(bhs, "ping", 4);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 4);
	cr_assert_eq(bhs[0], ISCSI_OP_NOP_IN);
	cr_assert_eq(get_be32(bhs + 16), 77);
	cr_assert(!memcmp(data, "ping", 4));

	memset(bhs, 0, sizeof(bhs));
	bhs[0] = 0x1c;			/* no such opcode */
	bhs[1] = 0x80;
	send_pdu(bhs, NULL, 0);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 48);
	cr_assert_eq(bhs[0], ISCSI_OP_REJECT);
	cr_assert_eq(bhs[2], ISCSI_REJECT_CMD_NOT_SUPPORTED);
	cr_assert_eq(data[0], 0x1c, "rejected header echoed");

	/* Data-Out for a task that does not exist is dropped quietly */
	memset(bhs, 0, sizeof(bhs));
	bhs[0] = ISCSI_OP_DATA_OUT;
	bhs[1] = 0x80;
	put_be32(bhs + 16, 999);
	send_pdu(bhs, "xxxx", 4);
	cr_assert_not_null(srv.conns, "connection still up");
}

Test(session, garbage_before_login_closes)
{
	uint8_t bhs[48] = { ISCSI_OP_SCSI_CMD }, data[64];

	send_pdu(bhs, NULL, 0);
	cr_assert_null(srv.conns, "connection dropped");
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), -1);
}

Test(session, oversized_segment_closes)
{
	uint8_t bhs[48] = { ISCSI_OP_TEXT_REQ, 0x80 }, data[64];

	login();
	put_be24(bhs + 5, 1u << 23);	/* more than we declared */
	cr_assert_eq(write(peer, bhs, 48), 48);
	pump();
	cr_assert_null(srv.conns);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 48, "reject first");
	cr_assert_eq(bhs[0], ISCSI_OP_REJECT);
}

Test(session, bad_login_refused)
{
	static const char keys[] = "InitiatorName=iqn.2026-11.io.xpan:evil\0"
				   "TargetName=iqn.2026-11.io.xpan:storage\0";
	uint8_t bhs[48] = { ISCSI_OP_LOGIN_REQ | ISCSI_OP_IMMEDIATE,
			    ISCSI_LOGIN_TRANSIT | 1 << 2 | 3 }, data[256];

	send_pdu(bhs, keys, sizeof(keys) - 1);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 0);
	cr_assert_eq(bhs[36], 2, "initiator error class");
	cr_assert_eq(bhs[37], 2, "authorization failure");
	cr_assert_null(srv.conns);
}

static unsigned int simple_status(const uint8_t *cdb, uint8_t flags)
{
	uint8_t bhs[48], data[8192];

	scsi_cmd(flags, 0, flags ? 255 : 0, cdb, NULL, 0);
	cr_assert_geq(recv_pdu(bhs, data, sizeof(data)), 0);
	return bhs[0] == ISCSI_OP_DATA_IN ? bhs[3] :
	       bhs[3] == SCSI_STATUS_CHECK_CONDITION ? 0x100 | sense_key(data + 2) :
							bhs[3];
}

Test(session, reserve6_and_lun_reset_unit_attention)
{
	uint8_t tur[16] = { 0 }, rsv[16] = { 0x16 }, rel[16] = { 0x17 };
	uint8_t inq[16] = { 0x12, 0, 0, 0, 36 };
	uint8_t bhs[48] = { ISCSI_OP_TMF_REQ | ISCSI_OP_IMMEDIATE, 0x80 | 5 };
	uint8_t data[64];
	struct iod_lun *l = &map.luns[0];
	unsigned int st;

	login();
	cr_assert_eq(simple_status(rsv, 0), SCSI_STATUS_GOOD);
	cr_assert_eq(l->rsv6, conn, "held by this nexus");
	/* another nexus: conflict, except for INQUIRY */
	l->rsv6 = (void *)&map;
	cr_assert_eq(simple_status(tur, 0), SCSI_STATUS_RESERVATION_CONFLICT);
	cr_assert_eq(simple_status(inq, ISCSI_CMD_READ), SCSI_STATUS_GOOD);
	cr_assert_eq(simple_status(rel, 0), SCSI_STATUS_GOOD,
		     "RELEASE by a non-holder is a no-op");
	cr_assert_eq(l->rsv6, (void *)&map);
	l->rsv6 = conn;
	cr_assert_eq(simple_status(rel, 0), SCSI_STATUS_GOOD);
	cr_assert_null(l->rsv6);

	/* LOGICAL UNIT RESET: function complete, then one unit attention */
	put_be64(bhs + 8, 0);
	put_be32(bhs + 16, itt++);
	put_be32(bhs + 24, cmdsn);
	cr_assert_eq(simple_status(rsv, 0), SCSI_STATUS_GOOD);
	send_pdu(bhs, NULL, 0);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 0);
	cr_assert_eq(bhs[0], ISCSI_OP_TMF_RSP);
	cr_assert_eq(bhs[2], 0, "function complete");
	cr_assert_null(l->rsv6, "reset drops RESERVE(6)");
	cr_assert_eq(simple_status(inq, ISCSI_CMD_READ), SCSI_STATUS_GOOD,
		     "INQUIRY does not consume the unit attention");
	st = simple_status(tur, 0);
	cr_assert_eq(st, 0x100 | SK_UNIT_ATTENTION, "got 0x%x", st);
	cr_assert_eq(simple_status(tur, 0), SCSI_STATUS_GOOD, "reported once");
}

Test(session, write_same_in_chunks)
{
	uint8_t ws[16] = { 0x93 }, rd[16] = { 0x88 }, blk[512], bhs[48];
	static uint8_t data[8192];

	login();
	memset(blk, 'x', sizeof(blk));
	put_be64(ws + 2, 100);
	put_be32(ws + 10, 5000);	/* more than one 2048-block chunk */
	scsi_cmd(ISCSI_CMD_WRITE, 0, 512, ws, blk, 512);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 0);
	cr_assert_eq(bhs[3], SCSI_STATUS_GOOD);
	put_be64(rd + 2, 5099);		/* the last block written */
	put_be32(rd + 10, 2);
	scsi_cmd(ISCSI_CMD_READ, 0, 1024, rd, NULL, 0);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 1024);
	cr_assert(!memcmp(data, blk, 512));
	cr_assert_eq(data[512], 0, "nothing past the range");
}

/* ---- CmdSN window and the session's memory budget (issue 6) ---- */

/* A WRITE of one block without data: it stays in flight (waiting for
 * the Data-Out its R2T asks for) and holds a window slot. */
static void write_cmd(uint32_t sn, bool immediate, uint32_t task)
{
	uint8_t bhs[48] = { ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE };
	uint8_t cdb[16] = { 0x2a };

	if (immediate)
		bhs[0] |= ISCSI_OP_IMMEDIATE;
	put_be16(cdb + 7, 1);
	put_be32(bhs + 16, task);
	put_be32(bhs + 20, 512);
	put_be32(bhs + 24, sn);
	memcpy(bhs + 32, cdb, 16);
	send_pdu(bhs, NULL, 0);
}

static struct iscsi_task *task_find_public(uint32_t task)
{
	struct iscsi_task *t;

	for (t = conn->tasks; t; t = t->next)
		if (t->itt == task)
			return t;
	return NULL;
}

/* The sentinel: an immediate NOP-Out, answered whatever the window. */
static void expect_nop_next(uint32_t task)
{
	uint8_t bhs[48] = { ISCSI_OP_NOP_OUT | ISCSI_OP_IMMEDIATE,
			    ISCSI_FLAG_FINAL }, data[64];

	put_be32(bhs + 16, task);
	put_be32(bhs + 20, ISCSI_RSVD_TAG);
	put_be32(bhs + 24, cmdsn);
	send_pdu(bhs, NULL, 0);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 0);
	cr_assert_eq(bhs[0], ISCSI_OP_NOP_IN,
		     "nothing before the sentinel, got opcode 0x%02x", bhs[0]);
	cr_assert_eq(get_be32(bhs + 16), task);
}

static void expect_r2t(uint32_t task, uint32_t *maxcmdsn)
{
	uint8_t bhs[48], data[64];

	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 0);
	cr_assert_eq(bhs[0], ISCSI_OP_R2T, "opcode 0x%02x", bhs[0]);
	cr_assert_eq(get_be32(bhs + 16), task);
	*maxcmdsn = get_be32(bhs + 32);
}

static void data_out(uint32_t task, uint32_t ttt)
{
	uint8_t bhs[48] = { ISCSI_OP_DATA_OUT, ISCSI_FLAG_FINAL }, blk[512];

	memset(blk, 'd', sizeof(blk));
	put_be32(bhs + 16, task);
	put_be32(bhs + 20, ttt);
	send_pdu(bhs, blk, sizeof(blk));
}

static void window_full_then_one_more(uint32_t first_sn)
{
	uint8_t bhs[48], data[64];
	uint32_t max = 0, i, ttt;

	cmdsn = first_sn;
	login();
	for (i = 0; i < IOD_CMD_WINDOW; i++) {
		write_cmd(cmdsn++, false, 1000 + i);
		expect_r2t(1000 + i, &max);
	}
	cr_assert_eq(conn->window_used, IOD_CMD_WINDOW);
	cr_assert_eq(max, cmdsn - 1, "window full: MaxCmdSN = ExpCmdSN - 1");
	/* the next CmdSN is ExpCmdSN, but past MaxCmdSN: ignored */
	write_cmd(cmdsn, false, 5000);
	expect_nop_next(77);
	cr_assert_eq(conn->cmdsn_ignored, 1);
	cr_assert_null(task_find_public(5000));
	/* far ahead and behind: ignored as well */
	write_cmd(cmdsn + 1000, false, 5001);
	write_cmd(cmdsn - 1, false, 5002);
	expect_nop_next(78);
	cr_assert_eq(conn->cmdsn_ignored, 3);
	/* one command ends: its response opens the window by one */
	ttt = conn->tasks->ttt;
	i = conn->tasks->itt;
	data_out(i, ttt);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 0);
	cr_assert_eq(bhs[0], ISCSI_OP_SCSI_RSP);
	cr_assert_eq(get_be32(bhs + 32), cmdsn, "MaxCmdSN advanced to %u, got %u",
		     cmdsn, get_be32(bhs + 32));
	write_cmd(cmdsn++, false, 5003);
	expect_r2t(5003, &max);
	cr_assert_eq(max, cmdsn - 1);
	cr_assert_eq(conn->cmdsn_ignored, 3);
}

Test(session, cmdsn_window_bounds_commands_in_flight)
{
	window_full_then_one_more(1);
}

Test(session, cmdsn_window_in_serial_arithmetic)
{
	window_full_then_one_more(0xffffffc0u);	/* wraps through 0 */
}

Test(session, immediate_commands_bounded)
{
	uint8_t bhs[48], data[64];
	uint32_t max, i;

	login();
	for (i = 0; i < IOD_IMM_MAX; i++) {
		write_cmd(cmdsn, true, 2000 + i);
		expect_r2t(2000 + i, &max);
	}
	cr_assert_eq(conn->imm_inflight, IOD_IMM_MAX);
	cr_assert_eq(conn->window_used, 0, "immediate: no window slot");
	write_cmd(cmdsn, true, 3000);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 48);
	cr_assert_eq(bhs[0], ISCSI_OP_REJECT);
	cr_assert_eq(bhs[2], ISCSI_REJECT_IMM_CMD);
	cr_assert_eq(conn->imm_rejected, 1);
	cr_assert_null(task_find_public(3000));
	/* one ends, the next immediate one is taken */
	data_out(2000, task_find_public(2000)->ttt);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 0);
	cr_assert_eq(bhs[0], ISCSI_OP_SCSI_RSP);
	write_cmd(cmdsn, true, 3001);
	expect_r2t(3001, &max);
}

/* Reads the peer's side until want READs have their status (NOP-Ins on
 * the way are counted in *nops); the session's memory never passes its
 * budget meanwhile. */
static uint64_t drain_reads(unsigned int want, unsigned int *nops)
{
	static uint8_t buf[1 << 20];
	size_t have = 0, pos;
	unsigned int done = 0, idle = 0;
	uint64_t peak = 0;

	while (done < want) {
		ssize_t n = recv(peer, buf + have, sizeof(buf) - have,
				 MSG_DONTWAIT);

		if (n > 0)
			have += n;
		for (pos = 0; have - pos >= 48;) {
			uint8_t *p = buf + pos;
			uint32_t len = iscsi_pad4(get_be24(p + 5));

			if (have - pos < 48 + len)
				break;
			pos += 48 + len;
			if (p[0] == ISCSI_OP_NOP_IN) {
				(*nops)++;
				continue;
			}
			cr_assert_eq(p[0], ISCSI_OP_DATA_IN, "opcode 0x%02x", p[0]);
			if (!get_be32(p + 40))
				cr_assert(!memcmp(p + 48, "hello", 5),
					  "data of the read");
			if (p[1] & ISCSI_DATAIN_STATUS) {
				cr_assert_eq(p[3], SCSI_STATUS_GOOD);
				done++;
			}
		}
		memmove(buf, buf + pos, have - pos);
		have -= pos;
		if (conn->mem > peak)
			peak = conn->mem;
		cr_assert_leq(conn->mem, cfg.storage.session_buffer);
		if (n <= 0) {
			pump();
			cr_assert_lt(++idle, 1000000, "no progress");
		}
	}
	return peak;
}

static unsigned int tasks_holding_buffers(void)
{
	struct iscsi_task *t;
	unsigned int n = 0;

	for (t = conn->tasks; t; t = t->next)
		n += !t->mem_wait;
	return n;
}

Test(session, memory_bounded_when_replies_are_not_read)
{
	uint8_t bhs[48] = { ISCSI_OP_SCSI_CMD,
			    ISCSI_FLAG_FINAL | ISCSI_CMD_READ };
	uint8_t cdb[16] = { 0x88 };
	static uint8_t ping[200 << 10];
	unsigned int i, nops = 0, pings = 0;
	uint64_t peak;

	cfg.storage.session_buffer = IOD_MIN_SESSION_BUFFER;
	login();
	put_be32(cdb + 10, 8192);		/* 4 MiB: the whole LUN */
	put_be32(bhs + 20, 4u << 20);
	memcpy(bhs + 32, cdb, 16);
	/* 20 reads, replies never read: 80 MiB if nothing held back */
	for (i = 0; i < 20; i++) {
		put_be32(bhs + 16, 100 + i);
		put_be32(bhs + 24, cmdsn++);
		send_pdu(bhs, NULL, 0);
		cr_assert_leq(conn->mem, cfg.storage.session_buffer,
			      "%llu bytes buffered",
			      (unsigned long long)conn->mem);
	}
	pump();
	cr_assert_lt(tasks_holding_buffers(), 8, "%u reads buffered at once",
		     tasks_holding_buffers());
	cr_assert_not_null(conn->memq_head, "the others wait for memory");
	cr_assert_eq(conn->cmdsn_ignored, 0, "all 20 taken, none refused");
	cr_assert_eq(conn->exp_cmdsn, cmdsn);
	cr_assert(!conn->parked, "input still read: Data-Out could follow");
	/* replies that pile up unread stop input: 200 KiB pings */
	memset(bhs, 0, sizeof(bhs));
	bhs[0] = ISCSI_OP_NOP_OUT | ISCSI_OP_IMMEDIATE;
	bhs[1] = ISCSI_FLAG_FINAL;
	put_be32(bhs + 20, ISCSI_RSVD_TAG);
	while (!conn->parked) {
		cr_assert_lt(pings, 60, "input never stopped");
		put_be32(bhs + 16, 500 + pings++);
		put_be32(bhs + 24, cmdsn);
		send_pdu(bhs, ping, sizeof(ping));
		cr_assert_leq(conn->mem, cfg.storage.session_buffer);
	}
	cr_assert_eq(conn->ep_events & EPOLLIN, 0, "socket no longer read");
	cr_assert_geq(conn->parked_count, 1);
	/* the initiator reads again: everything completes */
	peak = drain_reads(20, &nops);
	cr_assert_leq(peak, cfg.storage.session_buffer);
	while (nops < pings) {
		uint8_t b[48];
		static uint8_t d[200 << 10];

		pump();
		cr_assert_eq(recv_pdu(b, d, sizeof(d)), (int)sizeof(ping));
		cr_assert_eq(b[0], ISCSI_OP_NOP_IN);
		nops++;
	}
	cr_assert(!conn->parked);
	cr_assert_eq(conn->window_used, 0);
	cr_assert_null(conn->memq_head);
}

/* WRITE(16) of 4 MiB at block lba, Data-Out solicited only. */
static void write4m(uint32_t task, uint64_t lba, const void *imm, uint32_t len)
{
	uint8_t bhs[48] = { ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE };
	uint8_t cdb[16] = { 0x8a };

	put_be64(cdb + 2, lba);
	put_be32(cdb + 10, 8192);
	put_be32(bhs + 16, task);
	put_be32(bhs + 20, 4u << 20);
	put_be32(bhs + 24, cmdsn++);
	memcpy(bhs + 32, cdb, 16);
	send_pdu(bhs, imm, len);
}

Test(session, writes_wait_for_memory_and_data_out_still_flows)
{
	static const char keys[] =
		"InitiatorName=iqn.2026-11.io.xpan:n1\0"
		"TargetName=iqn.2026-11.io.xpan:storage\0"
		"HeaderDigest=None\0DataDigest=None\0"
		"MaxBurstLength=65536\0FirstBurstLength=65536\0";
	static uint8_t chunk[65536];
	uint8_t bhs[48], data[64];
	uint32_t max, off, ttt, granted = 0, i;

	cfg.storage.session_buffer = IOD_MIN_SESSION_BUFFER;
	login_keys(keys, sizeof(keys) - 1);
	cr_assert_eq(conn->p.max_burst, 65536);
	for (i = 0; i < 10; i++)
		write4m(700 + i, 0, NULL, 0);
	/* R2Ts for those with room, in order; the sentinel ends them */
	for (;;) {
		uint8_t nop[48] = { ISCSI_OP_NOP_OUT | ISCSI_OP_IMMEDIATE,
				    ISCSI_FLAG_FINAL };

		if (granted == 0) {
			put_be32(nop + 16, 99);
			put_be32(nop + 20, ISCSI_RSVD_TAG);
			put_be32(nop + 24, cmdsn);
			send_pdu(nop, NULL, 0);
		}
		cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 0);
		if (bhs[0] == ISCSI_OP_NOP_IN)
			break;
		cr_assert_eq(bhs[0], ISCSI_OP_R2T);
		cr_assert_eq(get_be32(bhs + 16), 700 + granted++);
	}
	cr_assert_geq(granted, 1);
	cr_assert_lt(granted, 10, "all 10 x 4 MiB buffered within 32 MiB");
	cr_assert_not_null(conn->memq_head);
	cr_assert_leq(conn->mem, cfg.storage.session_buffer);
	/* a command that brings data along finds no room: TASK SET FULL */
	write4m(800, 0, chunk, 512);
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 0);
	cr_assert_eq(bhs[0], ISCSI_OP_SCSI_RSP);
	cr_assert_eq(get_be32(bhs + 16), 800);
	cr_assert_eq(bhs[3], SCSI_STATUS_TASK_SET_FULL);
	cr_assert_eq(conn->task_set_full, 1);
	/* Data-Out for the first write flows although others wait */
	ttt = task_find_public(700)->ttt;
	for (off = 0; off < (4u << 20); off += sizeof(chunk)) {
		uint8_t d[48] = { ISCSI_OP_DATA_OUT, ISCSI_FLAG_FINAL };

		put_be32(d + 16, 700);
		put_be32(d + 20, ttt);
		put_be32(d + 40, off);
		send_pdu(d, chunk, sizeof(chunk));
		if (off + sizeof(chunk) < (4u << 20)) {
			expect_r2t(700, &max);
			ttt = task_find_public(700)->ttt;
		}
	}
	cr_assert_eq(recv_pdu(bhs, data, sizeof(data)), 0);
	cr_assert_eq(bhs[0], ISCSI_OP_SCSI_RSP);
	cr_assert_eq(get_be32(bhs + 16), 700);
	cr_assert_eq(bhs[3], SCSI_STATUS_GOOD);
	/* its memory went to the next one waiting */
	expect_r2t(700 + granted, &max);
	cr_assert_leq(conn->mem, cfg.storage.session_buffer);
}

/* Read data goes out without a copy; its data digest still covers it. */
Test(session, data_digest_on_read_data)
{
	static const char keys[] =
		"InitiatorName=iqn.2026-11.io.xpan:n1\0"
		"TargetName=iqn.2026-11.io.xpan:storage\0"
		"HeaderDigest=None\0DataDigest=CRC32C\0"
		"MaxRecvDataSegmentLength=1024\0";
	uint8_t cdb[16] = { 0x28 }, bhs[48], data[1024 + 4];
	uint32_t off, got;
	ssize_t n;

	login_keys(keys, sizeof(keys) - 1);
	cr_assert(conn->p.data_digest);
	put_be16(cdb + 7, 4);			/* 2 KiB: two Data-In */
	scsi_cmd(ISCSI_CMD_READ, 0, 2048, cdb, NULL, 0);
	for (off = 0; off < 2048; off += 1024) {
		for (got = 0; got < 48; got += n)
			cr_assert_gt(n = read(peer, bhs + got, 48 - got), 0);
		cr_assert_eq(bhs[0], ISCSI_OP_DATA_IN);
		cr_assert_eq(get_be24(bhs + 5), 1024);
		cr_assert_eq(get_be32(bhs + 40), off);
		for (got = 0; got < sizeof(data); got += n)
			cr_assert_gt(n = read(peer, data + got,
					      sizeof(data) - got), 0);
		cr_assert_eq(get_le32_test(data + 1024),
			     iscsi_digest(data, 1024), "data digest");
		if (!off)
			cr_assert(!memcmp(data, "hello", 5));
	}
	cr_assert(bhs[1] & ISCSI_DATAIN_STATUS);
}

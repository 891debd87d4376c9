// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A whole iSCSI connection: the input is the byte stream an initiator
 * sends. It goes through a socketpair into a real struct iscsi_conn on a
 * server with a real io_uring and LUN map (fuzz_fixture.h: a 1 MiB temp
 * file behind three LUNs), so login, the full feature phase, every SCSI
 * command handler, R2T / Data-Out and task management run as in the
 * daemon; only the epoll loop is replaced by direct calls. Replies are
 * read back and checked for sane framing.
 *
 * The first input byte b sets the slice size, (b + 1) * 16 bytes: the
 * stream after it is fed in such slices, so PDUs arrive split the way TCP
 * splits them, and backing I/O completes between slices (the seeds use
 * 48, one BHS, so a command's I/O is done before a later Logout is read).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_fixture.h"
#include "pdu.h"
#include "pr.h"
#include "server.h"
#include "session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct iod_server srv;
static bool ready, verbose;

static void server_setup(void)
{
	struct lun_map *map = fz_fixture_init();
	int ret;

	memset(&srv, 0, sizeof(srv));
	srv.cfg = &fz_fx.cfg;
	srv.map = map;
	srv.tpgt = 1;
	srv.next_tsih = 1;
	srv.lfd = -1;
	srv.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv.epfd < 0)
		fz_die("epoll_create1", strerror(errno));
	ret = iod_ring_init(&srv.ring, 64);
	if (ret)
		fz_die("io_uring", strerror(-ret));
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	ready = true;
}

/* Runs every queued backing I/O to completion, including I/O that a
 * completion queues (short-transfer continuations, CAW's write half). */
static void ring_drain(void)
{
	struct io_uring_cqe *cqe;

	iod_ring_submit(&srv.ring);
	while (srv.ring.inflight) {
		if (io_uring_wait_cqe(&srv.ring.ring, &cqe))
			break;
		iod_ring_reap(&srv.ring);
		iod_ring_submit(&srv.ring);
	}
}

static bool conn_alive(struct iscsi_conn *c)
{
	struct iscsi_conn *o;

	for (o = srv.conns; o; o = o->next)
		if (o == c)
			return true;
	return false;
}

/* What the target sent must be whole PDUs with target opcodes. */
struct reply_check {
	uint8_t buf[ISCSI_BHS_LEN];
	size_t have;		/* header bytes collected */
	size_t skip;		/* rest of the current PDU to skip */
	bool hd, dd;		/* digests in force */
	struct iscsi_conn *c;
};

static void check_replies(struct reply_check *rc, const uint8_t *p,
			  size_t n)
{
	while (n) {
		size_t take;

		if (rc->skip) {
			take = n < rc->skip ? n : rc->skip;
			rc->skip -= take;
			p += take;
			n -= take;
			continue;
		}
		take = ISCSI_BHS_LEN - rc->have;
		if (take > n)
			take = n;
		memcpy(rc->buf + rc->have, p, take);
		rc->have += take;
		p += take;
		n -= take;
		if (rc->have < ISCSI_BHS_LEN)
			break;
		rc->have = 0;
		if (verbose)
			fprintf(stderr, "reply op 0x%02x flags 0x%02x b2 0x%02x b3 0x%02x dsl %u itt 0x%x b36 0x%02x%02x\n",
				rc->buf[0], rc->buf[1], rc->buf[2], rc->buf[3],
				get_be24(rc->buf + 5), get_be32(rc->buf + 16),
				rc->buf[36], rc->buf[37]);
		FZ_CHECK((rc->buf[0] & 0x3f) >= ISCSI_OP_NOP_IN);
		FZ_CHECK(rc->buf[4] == 0);	/* we never send AHS */
		rc->skip = (rc->hd ? ISCSI_DIGEST_LEN : 0);
		if (get_be24(rc->buf + 5))
			rc->skip += iscsi_pad4(get_be24(rc->buf + 5)) +
				    (rc->dd ? ISCSI_DIGEST_LEN : 0);
		/* The final login response goes out without digests, what
		 * follows with those negotiated. Closed connections are only
		 * freed by iscsi_conn_reap(), so c is still readable here. */
		if ((rc->buf[0] & 0x3f) == ISCSI_OP_LOGIN_RSP &&
		    (rc->buf[1] & ISCSI_LOGIN_TRANSIT) &&
		    ISCSI_LOGIN_NSG(rc->buf[1]) == ISCSI_STAGE_FULL &&
		    rc->c->full_feature) {
			rc->hd = rc->c->p.header_digest;
			rc->dd = rc->c->p.data_digest;
		}
	}
}

static void drain_peer(int fd, struct reply_check *rc)
{
	uint8_t buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		check_replies(rc, buf, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct reply_check rc;
	struct iscsi_conn *c;
	size_t pos = 1, slice, i;
	int sv[2], stalls = 0;

	if (!ready)
		server_setup();
	if (size < 1)
		return 0;
	slice = ((size_t)data[0] + 1) * 16;
	/* same disk contents for every input, so a crash reproduces alone:
	 * truncating to 0 and back zeroes the file without writing it */
	if (truncate(fz_fx.disk, 0) || truncate(fz_fx.disk, FZ_DISK_SIZE))
		fz_die(fz_fx.disk, strerror(errno));
	/* persistent reservations outlive a session (as SPC wants): drop
	 * them too, or an input's outcome depends on the ones before */
	for (i = 0; i < srv.map->nluns; i++)
		pr_free(&srv.map->luns[i].pr);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv))
		return 0;
	c = iscsi_conn_new(&srv, sv[0]);
	if (!c) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	memset(&rc, 0, sizeof(rc));
	rc.c = c;
	while (pos < size && conn_alive(c) && stalls < 3) {
		size_t chunk = size - pos > slice ? slice : size - pos;
		ssize_t n = write(sv[1], data + pos, chunk);

		if (n < 0 && errno != EAGAIN)
			break;
		/* a target that stops reading (output backed up) and does
		 * not recover after its replies were drained ends the run */
		stalls = n > 0 ? 0 : stalls + 1;
		if (n > 0)
			pos += n;
		iscsi_conn_event(c, EPOLLIN | EPOLLOUT);
		ring_drain();
		drain_peer(sv[1], &rc);
	}
	if (conn_alive(c)) {
		/* what is left in the socket, then flush and hang up */
		iscsi_conn_event(c, EPOLLIN | EPOLLOUT);
		ring_drain();
		drain_peer(sv[1], &rc);
	}
	if (conn_alive(c))
		iscsi_conn_close(c);
	ring_drain();
	drain_peer(sv[1], &rc);
	close(sv[1]);
	/* the event loop frees closed connections at the end of each
	 * iteration; so does this one, once per input */
	iscsi_conn_reap(&srv);
	FZ_CHECK(srv.conns == NULL);
	FZ_CHECK(srv.graveyard == NULL);
	FZ_CHECK(srv.ring.inflight == 0);
	return 0;
}

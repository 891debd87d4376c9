// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macalloc.h"
#include "state.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xpan-t-macalloc-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "temp dir");
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0, "remove %s", dir);
}

TestSuite(macalloc, .init = setup, .fini = teardown);

static struct xpan_state *open_state(void)
{
	struct xpan_state *st = NULL;
	char err[512] = "";

	cr_assert_eq(xpan_state_open(dir, &st, err, sizeof(err)), 0, "open: %s",
		     err);
	return st;
}

static void assign(struct xpan_state *st, const char *node, uint16_t serial,
		   struct xpan_assignment *a)
{
	char err[512] = "";

	cr_assert_eq(xpan_mac_assign(st, node, serial, a, err, sizeof(err)), 0,
		     "assign %s: %s", node, err);
}

static const char *mac_of(const struct xpan_assignment *a)
{
	static char buf[4][XPAN_MAC_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return xpan_mac_str(a->mac, buf[i], sizeof(buf[i]));
}

Test(macalloc, format)
{
	static const struct {
		uint16_t serial;
		uint32_t counter;
		const char *want;
	} cases[] = {
		{ 7, 1, "02:00:07:00:00:01" },
		{ 0, 0, "02:00:00:00:00:00" },
		{ 0x1234, 0xabcdef, "02:12:34:ab:cd:ef" },
		{ 65535, 0xffffff, "02:ff:ff:ff:ff:ff" },
		{ 256, 0x010203, "02:01:00:01:02:03" },
	};
	char buf[XPAN_MAC_STRLEN];
	uint8_t mac[6], back[6];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		xpan_mac_make(cases[i].serial, cases[i].counter, mac);
		cr_assert_str_eq(xpan_mac_str(mac, buf, sizeof(buf)),
				 cases[i].want);
		cr_assert_eq(mac[0] & 0x03, 0x02,
			     "locally administered, unicast");
		cr_assert_eq(xpan_mac_parse(cases[i].want, back), 0);
		cr_assert_arr_eq(back, mac, 6);
	}
	cr_assert_neq(xpan_mac_parse("02:00:07:00:00", back), 0);
	cr_assert_neq(xpan_mac_parse("02:00:07:00:00:0g", back), 0);
	cr_assert_neq(xpan_mac_parse("02:00:07:00:00:01:", back), 0);
}

Test(macalloc, sequence_and_idempotent)
{
	struct xpan_state *st = open_state();
	struct xpan_assignment a, b, c, again;
	uint32_t next;

	assign(st, "n1", 7, &a);
	assign(st, "n2", 7, &b);
	assign(st, "n3", 0x0102, &c);
	cr_assert_str_eq(mac_of(&a), "02:00:07:00:00:01");
	cr_assert_str_eq(mac_of(&b), "02:00:07:00:00:02");
	cr_assert_str_eq(mac_of(&c), "02:01:02:00:00:03");
	assign(st, "n1", 7, &again);
	cr_assert_str_eq(mac_of(&again), mac_of(&a), "same node, same MAC");
	cr_assert_eq(again.id, a.id);
	cr_assert_eq(xpan_mac_next_counter(st, &next), 0);
	cr_assert_eq(next, 4, "asking again allocates nothing");
	xpan_state_close(st);
}

Test(macalloc, survives_reopen)
{
	struct xpan_state *st = open_state();
	struct xpan_assignment a, b, a2, n;

	assign(st, "n1", 7, &a);
	assign(st, "n2", 7, &b);
	xpan_state_close(st);

	st = open_state();
	assign(st, "n1", 7, &a2);
	cr_assert_str_eq(mac_of(&a2), mac_of(&a), "MAC kept across restart");
	assign(st, "n9", 7, &n);
	cr_assert_str_eq(mac_of(&n), "02:00:07:00:00:03", "counter kept");
	xpan_state_close(st);
}

Test(macalloc, serial_change_keeps_existing)
{
	struct xpan_state *st = open_state();
	struct xpan_assignment a, a2, b;

	assign(st, "n1", 7, &a);
	xpan_state_close(st);
	st = open_state();
	assign(st, "n1", 8, &a2);
	cr_assert_str_eq(mac_of(&a2), "02:00:07:00:00:01",
			 "an assigned MAC keeps its serial bytes");
	assign(st, "n2", 8, &b);
	cr_assert_str_eq(mac_of(&b), "02:00:08:00:00:02",
			 "new MACs use the new serial, counter continues");
	xpan_state_close(st);
}

Test(macalloc, remove_and_readd_gets_new_mac)
{
	struct xpan_state *st = open_state();
	struct xpan_assignment a, b, a2, tmp;
	struct xpan_assignment *rows;
	const char *keep[] = { "n2" };
	char err[512];
	size_t n;

	assign(st, "n1", 7, &a);
	assign(st, "n2", 7, &b);
	cr_assert_eq(xpan_mac_release_others(st, keep, 1, err, sizeof(err)), 1,
		     "n1 released: %s", err);
	cr_assert_eq(xpan_mac_lookup(st, "n1", &tmp), -ENOENT);
	cr_assert_eq(xpan_mac_lookup(st, "n2", &tmp), 0);
	xpan_state_close(st);

	st = open_state();
	assign(st, "n1", 7, &a2);
	cr_assert_str_neq(mac_of(&a2), mac_of(&a), "a returning node gets a new MAC");
	cr_assert_str_neq(mac_of(&a2), mac_of(&b));
	cr_assert_str_eq(mac_of(&a2), "02:00:07:00:00:03");

	/* The old assignment stays as history. */
	cr_assert_eq(xpan_state_list(st, true, &rows, &n, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(rows[0].node, "n1");
	cr_assert_neq(rows[0].released_at, 0);
	cr_assert_eq(rows[2].released_at, 0);
	free(rows);

	cr_assert_eq(xpan_mac_release(st, "n1"), 0);
	cr_assert_eq(xpan_mac_release(st, "n1"), -ENOENT, "already released");
	xpan_state_close(st);
}

/* Stop the child without waiting forever if the test itself failed. */
static void kill_child(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/*
 * A daemon killed with SIGKILL in the middle of allocating: everything it
 * reported (i.e. after its commit returned) must still be assigned after a
 * reopen, and later allocations must never repeat a MAC.
 */
Test(macalloc, kill9_during_allocation)
{
	enum { WANT = 40, MAX = 100000 };
	struct reported {
		char node[16];
		char mac[XPAN_MAC_STRLEN];
	} rep[WANT];
	struct xpan_assignment *rows;
	struct xpan_state *st;
	char err[512];
	int pfd[2];
	size_t n;
	pid_t pid;

	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	cr_assert_geq(pid, 0, "fork");
	if (pid == 0) {
		struct xpan_state *cst;
		struct xpan_assignment a;

		close(pfd[0]);
		if (xpan_state_open(dir, &cst, err, sizeof(err)))
			_exit(2);
		for (int i = 0; i < MAX; i++) {
			struct reported r;

			snprintf(r.node, sizeof(r.node), "k%d", i);
			if (xpan_mac_assign(cst, r.node, 7, &a, err, sizeof(err)))
				_exit(3);
			xpan_mac_str(a.mac, r.mac, sizeof(r.mac));
			if (write(pfd[1], &r, sizeof(r)) != sizeof(r))
				_exit(4);
		}
		_exit(0);
	}
	close(pfd[1]);
	for (int i = 0; i < WANT; i++) {
		ssize_t got = read(pfd[0], &rep[i], sizeof(rep[i]));

		if (got != sizeof(rep[i]))
			kill_child(pid);
		cr_assert_eq(got, sizeof(rep[i]), "child reported %d MACs", i);
	}
	/* The child is still allocating (it writes into the pipe) when hit. */
	kill_child(pid);
	close(pfd[0]);

	st = open_state();
	for (int i = 0; i < WANT; i++) {
		struct xpan_assignment a;
		char buf[XPAN_MAC_STRLEN];

		cr_assert_eq(xpan_mac_lookup(st, rep[i].node, &a), 0,
			     "%s still assigned", rep[i].node);
		cr_assert_str_eq(xpan_mac_str(a.mac, buf, sizeof(buf)),
				 rep[i].mac, "%s kept its MAC", rep[i].node);
	}
	for (int i = 0; i < 50; i++) {
		struct xpan_assignment a;
		char name[24];

		snprintf(name, sizeof(name), "after%d", i);
		assign(st, name, 7, &a);
	}
	/* Every MAC ever handed out, before and after the kill, is unique. */
	cr_assert_eq(xpan_state_list(st, true, &rows, &n, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_geq(n, WANT + 50);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			cr_assert(memcmp(rows[i].mac, rows[j].mac, 6) != 0,
				  "MAC of %s repeated for %s", rows[i].node,
				  rows[j].node);
	free(rows);
	xpan_state_close(st);
}

Test(macalloc, exhaustion_is_a_clear_error)
{
	struct xpan_state *st = open_state();
	struct xpan_assignment a;
	char err[512] = "";
	char sql[128];

	snprintf(sql, sizeof(sql),
		 "UPDATE mac_counter SET next = %u WHERE id = 1;",
		 XPAN_MAC_COUNTER_MAX);
	cr_assert_eq(xpan_state_exec(st, sql, err, sizeof(err)), 0, "%s", err);
	assign(st, "last", 7, &a);
	cr_assert_str_eq(mac_of(&a), "02:00:07:ff:ff:ff");
	cr_assert_eq(xpan_mac_assign(st, "one-too-many", 7, &a, err, sizeof(err)),
		     -ENOSPC);
	cr_assert(strstr(err, "exhausted"), "message: %s", err);
	cr_assert(strstr(err, "one-too-many"), "names the node: %s", err);
	/* The failed attempt left nothing behind; the held MAC is intact. */
	cr_assert_eq(xpan_mac_lookup(st, "one-too-many", &a), -ENOENT);
	cr_assert_eq(xpan_mac_lookup(st, "last", &a), 0);
	xpan_state_close(st);

	st = open_state();
	cr_assert_eq(xpan_mac_assign(st, "again", 7, &a, err, sizeof(err)),
		     -ENOSPC, "still exhausted after a restart");
	xpan_state_close(st);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macalloc.h"
#include "state.h"

static char dir[64];
static char sub[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xpan-t-state-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "temp dir");
	/* A state dir that does not exist yet, two levels down. */
	snprintf(sub, sizeof(sub), "%s/var/xpan", dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0, "remove %s", dir);
}

TestSuite(state, .init = setup, .fini = teardown);

static int count_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int n = -1;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK,
		     "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

Test(state, schema_created)
{
	struct xpan_state *st;
	char err[512] = "", path[256];
	struct stat sb;
	sqlite3 *db;

	cr_assert_eq(xpan_state_open(sub, &st, err, sizeof(err)), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/xpan.db", sub);
	cr_assert_str_eq(xpan_state_file(st), path);
	cr_assert_eq(stat(path, &sb), 0, "database file created");
	db = xpan_state_db(st);
	cr_assert_eq(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE"
			       " type = 'table' AND name IN"
			       " ('meta', 'mac_counter', 'mac_assignments')"), 3);
	cr_assert_eq(count_rows(db, "SELECT next FROM mac_counter"), 1);
	cr_assert_eq(xpan_state_schema_version(st), XPAN_STATE_SCHEMA);
	cr_assert_eq(count_rows(db, "PRAGMA synchronous"), 2, "synchronous=FULL");
	xpan_state_close(st);
}

Test(state, reopen_keeps_rows)
{
	struct xpan_state *st;
	struct xpan_assignment a, *rows;
	char err[512] = "";
	size_t n;

	cr_assert_eq(xpan_state_open(sub, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(xpan_mac_assign(st, "n1", 7, &a, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(xpan_mac_assign(st, "n2", 7, &a, err, sizeof(err)), 0, "%s", err);
	xpan_state_close(st);

	cr_assert_eq(xpan_state_open(sub, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(xpan_state_schema_version(st), XPAN_STATE_SCHEMA);
	cr_assert_eq(xpan_state_list(st, false, &rows, &n, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(rows[0].node, "n1");
	cr_assert_str_eq(rows[1].node, "n2");
	cr_assert_eq(rows[1].counter, 2);
	cr_assert_eq(rows[1].serial, 7);
	cr_assert_eq(rows[1].mac[5], 2);
	cr_assert_gt(rows[1].id, rows[0].id);
	cr_assert_eq(rows[0].released_at, 0);
	cr_assert_gt(rows[0].assigned_at, 0);
	free(rows);
	xpan_state_close(st);
}

Test(state, listing_history_vs_held)
{
	struct xpan_state *st;
	struct xpan_assignment a, *rows;
	char err[512] = "";
	size_t n;

	cr_assert_eq(xpan_state_open(sub, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(xpan_state_list(st, true, &rows, &n, err, sizeof(err)), 0);
	cr_assert_eq(n, 0, "empty at first");
	free(rows);
	for (int i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "n%d", i);
		cr_assert_eq(xpan_mac_assign(st, name, 1, &a, err, sizeof(err)), 0);
	}
	cr_assert_eq(xpan_mac_release(st, "n1"), 0);
	cr_assert_eq(xpan_state_list(st, false, &rows, &n, err, sizeof(err)), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(rows[0].node, "n0");
	cr_assert_str_eq(rows[1].node, "n2");
	free(rows);
	cr_assert_eq(xpan_state_list(st, true, &rows, &n, err, sizeof(err)), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(rows[1].node, "n1");
	cr_assert_gt(rows[1].released_at, 0);
	free(rows);
	xpan_state_close(st);
}

Test(state, unknown_schema_version_refused)
{
	struct xpan_state *st;
	char err[512] = "";

	cr_assert_eq(xpan_state_open(sub, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(xpan_state_exec(st, "UPDATE meta SET value = '99'"
				     " WHERE key = 'schema_version';",
				     err, sizeof(err)), 0, "%s", err);
	xpan_state_close(st);
	cr_assert_neq(xpan_state_open(sub, &st, err, sizeof(err)), 0);
	cr_assert(strstr(err, "schema version 99"), "%s", err);
}

Test(state, not_a_database)
{
	struct xpan_state *st;
	char err[512] = "", path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/xpan.db", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("this is not sqlite, but long enough to look like a header......"
	      "................................................................",
	      f);
	fclose(f);
	cr_assert_neq(xpan_state_open(dir, &st, err, sizeof(err)), 0);
	cr_assert(strstr(err, path), "names the file: %s", err);
}

Test(state, one_lock_holder)
{
	char err[512] = "";
	int fd, fd2, status;
	pid_t pid;

	fd = xpan_state_lock(sub, err, sizeof(err));
	cr_assert_geq(fd, 0, "%s", err);
	/* flock is per open file: a second open in another process conflicts. */
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char e[512] = "", want[32];

		fd2 = xpan_state_lock(sub, e, sizeof(e));
		snprintf(want, sizeof(want), "pid %d", (int)getppid());
		_exit(fd2 < 0 && strstr(e, "already uses state dir") &&
		      strstr(e, want) ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "second locker refused with the holder's pid");
	close(fd);

	fd2 = xpan_state_lock(sub, err, sizeof(err));
	cr_assert_geq(fd2, 0, "free again after close: %s", err);
	close(fd2);
}

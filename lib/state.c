// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macalloc.h"
#include "state.h"

struct xpan_state {
	sqlite3 *db;
	char file[PATH_MAX];
};

/*
 * Counter and assignments. UNIQUE on mac and counter makes a repeat
 * impossible even if the counter row were ever damaged: the insert fails
 * instead of handing out a MAC twice.
 */
static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta ("
	" key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS mac_counter ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" next INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO mac_counter (id, next) VALUES (1, 1);"
	"CREATE TABLE IF NOT EXISTS mac_assignments ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" node TEXT NOT NULL,"
	" mac TEXT NOT NULL UNIQUE,"
	" serial INTEGER NOT NULL,"
	" counter INTEGER NOT NULL UNIQUE,"
	" assigned_at INTEGER NOT NULL,"
	" released_at INTEGER);"
	"CREATE UNIQUE INDEX IF NOT EXISTS mac_assignments_held"
	" ON mac_assignments (node) WHERE released_at IS NULL;"
	/*
	 * Storage addresses (storage_addr.h): one row per node that has
	 * one; the row goes when the node leaves the config. A table added
	 * to version 1 rather than a version 2: older daemons ignore it, so
	 * a downgrade keeps working.
	 */
	"CREATE TABLE IF NOT EXISTS storage_addrs ("
	" node TEXT PRIMARY KEY,"
	" ip INTEGER NOT NULL UNIQUE,"
	" assigned_at INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');";

int xpan_mkdirs(const char *path, unsigned int mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int xpan_state_exec(struct xpan_state *st, const char *sql, char *err,
		    size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", st->file,
			 msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int xpan_state_open(const char *dir, struct xpan_state **out, char *err,
		    size_t errlen)
{
	struct xpan_state *st;
	int ret;

	ret = xpan_mkdirs(dir, 0750);
	if (ret) {
		snprintf(err, errlen, "cannot create state dir %s: %s", dir,
			 strerror(-ret));
		return -1;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((size_t)snprintf(st->file, sizeof(st->file), "%s/%s", dir,
			     XPAN_STATE_DB) >= sizeof(st->file)) {
		snprintf(err, errlen, "state dir path %s is too long", dir);
		goto out_free;
	}
	if (sqlite3_open_v2(st->file, &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", st->file,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto out_close;
	}
	/* Readers (the CLI) may hold the db briefly; wait rather than fail. */
	sqlite3_busy_timeout(st->db, 5000);
	if (xpan_state_exec(st, "PRAGMA journal_mode=WAL;"
			    "PRAGMA synchronous=FULL;", err, errlen) ||
	    xpan_state_exec(st, "BEGIN IMMEDIATE;", err, errlen))
		goto out_close;
	if (xpan_state_exec(st, schema_sql, err, errlen)) {
		sqlite3_exec(st->db, "ROLLBACK;", NULL, NULL, NULL);
		goto out_close;
	}
	if (xpan_state_exec(st, "COMMIT;", err, errlen))
		goto out_close;
	if (xpan_state_schema_version(st) != XPAN_STATE_SCHEMA) {
		snprintf(err, errlen,
			 "%s has schema version %d, this xpan-ctrld knows %d",
			 st->file, xpan_state_schema_version(st),
			 XPAN_STATE_SCHEMA);
		goto out_close;
	}
	*out = st;
	return 0;

out_close:
	sqlite3_close(st->db);
out_free:
	free(st);
	return -1;
}

void xpan_state_close(struct xpan_state *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st);
}

sqlite3 *xpan_state_db(struct xpan_state *st)
{
	return st->db;
}

const char *xpan_state_file(const struct xpan_state *st)
{
	return st->file;
}

int xpan_state_schema_version(struct xpan_state *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT value FROM meta WHERE key = 'schema_version'",
			       -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

int xpan_state_list(struct xpan_state *st, bool history,
		    struct xpan_assignment **out, size_t *n, char *err,
		    size_t errlen)
{
	const char *sql = history ?
		"SELECT id, node, serial, counter, assigned_at, released_at"
		" FROM mac_assignments ORDER BY id" :
		"SELECT id, node, serial, counter, assigned_at, released_at"
		" FROM mac_assignments WHERE released_at IS NULL ORDER BY id";
	struct xpan_assignment *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", st->file, sqlite3_errmsg(st->db));
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct xpan_assignment *a;
		const unsigned char *name;

		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				snprintf(err, errlen, "out of memory");
				goto out_free;
			}
			v = nv;
		}
		a = &v[cnt++];
		memset(a, 0, sizeof(*a));
		a->id = sqlite3_column_int64(s, 0);
		name = sqlite3_column_text(s, 1);
		snprintf(a->node, sizeof(a->node), "%s",
			 name ? (const char *)name : "");
		a->serial = (uint16_t)sqlite3_column_int(s, 2);
		a->counter = (uint32_t)sqlite3_column_int64(s, 3);
		a->assigned_at = sqlite3_column_int64(s, 4);
		a->released_at = sqlite3_column_int64(s, 5);
		xpan_mac_make(a->serial, a->counter, a->mac);
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", st->file, sqlite3_errmsg(st->db));
		goto out_free;
	}
	sqlite3_finalize(s);
	*out = v;
	*n = cnt;
	return 0;

out_free:
	free(v);
	sqlite3_finalize(s);
	return -1;
}

int xpan_state_lock(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX], pid[32];
	ssize_t len;
	int fd, ret;

	ret = xpan_mkdirs(dir, 0750);
	if (ret) {
		snprintf(err, errlen, "cannot create state dir %s: %s", dir,
			 strerror(-ret));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, XPAN_STATE_LOCK);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open lock file %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		len = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[len > 0 ? len : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (e == EWOULDBLOCK)
			snprintf(err, errlen,
				 "another xpan-ctrld (pid %s) already uses state dir %s; stop it first",
				 pid[0] ? pid : "?", dir);
		else
			snprintf(err, errlen, "cannot lock %s: %s", path,
				 strerror(e));
		close(fd);
		return -1;
	}
	/* The pid is only for the message above; the flock is the lock. */
	len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, len, 0) != len) {
		/* a missing pid only makes that message less helpful */
	}
	return fd;
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ctrld's persistent state: one SQLite database, <state dir>/xpan.db, in
 * WAL mode with synchronous=FULL so a committed transaction survives a
 * crash or kill -9. It holds the virtual MAC counter and every MAC
 * assignment ever made (released ones stay as history so a MAC is never
 * handed out twice). The allocation logic lives in macalloc.h; this file
 * owns opening, the schema, listing and the one-daemon-per-dir lock.
 */
#ifndef XPAN_STATE_H
#define XPAN_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#define XPAN_STATE_DB		"xpan.db"
#define XPAN_STATE_LOCK		"ctrld.lock"
#define XPAN_STATE_SCHEMA	1

struct xpan_state;

/* One row of mac_assignments. */
struct xpan_assignment {
	int64_t id;			/* row id, also xpan_port.node_id */
	char node[32];
	uint8_t mac[6];
	uint16_t serial;		/* serial the MAC was made with */
	uint32_t counter;
	int64_t assigned_at;		/* unix seconds */
	int64_t released_at;		/* 0 while the node holds it */
};

/*
 * Open (creating dir, database and schema when missing) <dir>/xpan.db.
 * 0, or -1 with a message naming the file and the reason in err.
 */
int xpan_state_open(const char *dir, struct xpan_state **out, char *err,
		    size_t errlen);
void xpan_state_close(struct xpan_state *st);
sqlite3 *xpan_state_db(struct xpan_state *st);
const char *xpan_state_file(const struct xpan_state *st);
/* schema_version from the meta table, or -1. */
int xpan_state_schema_version(struct xpan_state *st);

/*
 * Rows of mac_assignments, oldest first; with history false only those
 * still held. *out is malloc'ed (free() it). 0 or -1 with err.
 */
int xpan_state_list(struct xpan_state *st, bool history,
		    struct xpan_assignment **out, size_t *n, char *err,
		    size_t errlen);

/* Run sql (no results) and put sqlite's message in err on failure. */
int xpan_state_exec(struct xpan_state *st, const char *sql, char *err,
		    size_t errlen);

/*
 * Take <dir>/ctrld.lock with flock so only one daemon uses a state dir.
 * Creates dir. Returns the held fd (close it to release), or -1 with a
 * message (naming the pid of the holder when it is another daemon).
 */
int xpan_state_lock(const char *dir, char *err, size_t errlen);

/* mkdir -p with mode for the directories created. 0 or -errno. */
int xpan_mkdirs(const char *path, unsigned int mode);

#endif

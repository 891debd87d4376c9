// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "macalloc.h"

void xpan_mac_make(uint16_t serial, uint32_t counter, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = serial >> 8;
	mac[2] = serial & 0xff;
	mac[3] = (counter >> 16) & 0xff;
	mac[4] = (counter >> 8) & 0xff;
	mac[5] = counter & 0xff;
}

char *xpan_mac_str(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int xpan_mac_parse(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (hi < 0 || lo < 0)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < 5 && *s++ != ':')
			return -1;
	}
	return *s ? -1 : 0;
}

static int db_err(struct xpan_state *st, char *err, size_t errlen,
		  const char *what)
{
	snprintf(err, errlen, "%s: %s: %s", xpan_state_file(st), what,
		 sqlite3_errmsg(xpan_state_db(st)));
	return -EIO;
}

static void rollback(struct xpan_state *st)
{
	sqlite3_exec(xpan_state_db(st), "ROLLBACK;", NULL, NULL, NULL);
}

int xpan_mac_lookup(struct xpan_state *st, const char *node,
		    struct xpan_assignment *out)
{
	sqlite3_stmt *s;
	int rc, ret = -ENOENT;

	if (sqlite3_prepare_v2(xpan_state_db(st),
			       "SELECT id, serial, counter, assigned_at"
			       " FROM mac_assignments"
			       " WHERE node = ?1 AND released_at IS NULL",
			       -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(s, 1, node, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->id = sqlite3_column_int64(s, 0);
		snprintf(out->node, sizeof(out->node), "%s", node);
		out->serial = (uint16_t)sqlite3_column_int(s, 1);
		out->counter = (uint32_t)sqlite3_column_int64(s, 2);
		out->assigned_at = sqlite3_column_int64(s, 3);
		xpan_mac_make(out->serial, out->counter, out->mac);
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = -EIO;
	}
	sqlite3_finalize(s);
	return ret;
}

int xpan_mac_next_counter(struct xpan_state *st, uint32_t *next)
{
	sqlite3_stmt *s;
	int ret = -EIO;

	if (sqlite3_prepare_v2(xpan_state_db(st),
			       "SELECT next FROM mac_counter WHERE id = 1", -1,
			       &s, NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(s) == SQLITE_ROW) {
		sqlite3_int64 v = sqlite3_column_int64(s, 0);

		*next = v < XPAN_MAC_COUNTER_FIRST ? XPAN_MAC_COUNTER_FIRST :
			v > (sqlite3_int64)XPAN_MAC_COUNTER_MAX + 1 ?
			XPAN_MAC_COUNTER_MAX + 1 : (uint32_t)v;
		ret = 0;
	}
	sqlite3_finalize(s);
	return ret;
}

/*
 * Counter bump and assignment row commit together (one IMMEDIATE
 * transaction, synchronous=FULL): after a crash either both are on disk or
 * neither is, so a reported MAC is always still assigned and the counter
 * is always past it.
 */
static int allocate(struct xpan_state *st, const char *node, uint16_t serial,
		    struct xpan_assignment *out, char *err, size_t errlen)
{
	sqlite3 *db = xpan_state_db(st);
	char macs[XPAN_MAC_STRLEN];
	uint32_t counter;
	sqlite3_stmt *s;
	int rc;

	if (xpan_mac_next_counter(st, &counter))
		return db_err(st, err, errlen, "reading the MAC counter");
	if (counter > XPAN_MAC_COUNTER_MAX) {
		snprintf(err, errlen,
			 "virtual MAC counter exhausted: all %u MACs of %s were handed out; "
			 "no MAC for node '%s' (start a fresh state dir with a new platform serial)",
			 XPAN_MAC_COUNTER_MAX, xpan_state_file(st), node);
		return -ENOSPC;
	}
	if (sqlite3_exec(db, "UPDATE mac_counter SET next = next + 1 WHERE id = 1;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return db_err(st, err, errlen, "advancing the MAC counter");

	memset(out, 0, sizeof(*out));
	snprintf(out->node, sizeof(out->node), "%s", node);
	out->serial = serial;
	out->counter = counter;
	out->assigned_at = time(NULL);
	xpan_mac_make(serial, counter, out->mac);
	xpan_mac_str(out->mac, macs, sizeof(macs));

	if (sqlite3_prepare_v2(db,
			       "INSERT INTO mac_assignments"
			       " (node, mac, serial, counter, assigned_at)"
			       " VALUES (?1, ?2, ?3, ?4, ?5)",
			       -1, &s, NULL) != SQLITE_OK)
		return db_err(st, err, errlen, "recording the assignment");
	sqlite3_bind_text(s, 1, node, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, macs, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, serial);
	sqlite3_bind_int64(s, 4, counter);
	sqlite3_bind_int64(s, 5, out->assigned_at);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_err(st, err, errlen, "recording the assignment");
	out->id = sqlite3_last_insert_rowid(db);
	return 0;
}

int xpan_mac_assign(struct xpan_state *st, const char *node, uint16_t serial,
		    struct xpan_assignment *out, char *err, size_t errlen)
{
	sqlite3 *db = xpan_state_db(st);
	int ret;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE;", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(st, err, errlen, "starting a transaction");
	ret = xpan_mac_lookup(st, node, out);
	if (ret == -ENOENT)
		ret = allocate(st, node, serial, out, err, errlen);
	else if (ret)
		db_err(st, err, errlen, "looking up the node's MAC");
	if (ret) {
		rollback(st);
		return ret;
	}
	if (sqlite3_exec(db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK) {
		ret = db_err(st, err, errlen, "committing the assignment");
		rollback(st);
		return ret;
	}
	return 0;
}

int xpan_mac_release(struct xpan_state *st, const char *node)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(xpan_state_db(st),
			       "UPDATE mac_assignments SET released_at = ?2"
			       " WHERE node = ?1 AND released_at IS NULL",
			       -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(s, 1, node, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, time(NULL));
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return -EIO;
	return sqlite3_changes(xpan_state_db(st)) ? 0 : -ENOENT;
}

int xpan_mac_release_others(struct xpan_state *st, const char *const *keep,
			    size_t n_keep, char *err, size_t errlen)
{
	struct xpan_assignment *held;
	size_t n;
	int released = 0;

	if (xpan_state_list(st, false, &held, &n, err, errlen))
		return -EIO;
	if (sqlite3_exec(xpan_state_db(st), "BEGIN IMMEDIATE;", NULL, NULL,
			 NULL) != SQLITE_OK) {
		free(held);
		return db_err(st, err, errlen, "starting a transaction");
	}
	for (size_t i = 0; i < n; i++) {
		bool wanted = false;

		for (size_t k = 0; k < n_keep && !wanted; k++)
			wanted = strcmp(keep[k], held[i].node) == 0;
		if (wanted)
			continue;
		if (xpan_mac_release(st, held[i].node) == -EIO) {
			db_err(st, err, errlen, "releasing a MAC");
			rollback(st);
			free(held);
			return -EIO;
		}
		released++;
	}
	free(held);
	if (sqlite3_exec(xpan_state_db(st), "COMMIT;", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		db_err(st, err, errlen, "committing releases");
		rollback(st);
		return -EIO;
	}
	return released;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage_addr.h"

struct row {
	char node[XPAN_CFG_NAME_MAX];
	uint32_t ip;			/* host order */
	bool keep;
};

static int db_fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s: %s", sqlite3_db_filename(db, "main"),
		 what, sqlite3_errmsg(db));
	return -1;
}

static int load_rows(sqlite3 *db, struct row **out, size_t *n, char *err,
		     size_t errlen)
{
	struct row *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT node, ip FROM storage_addrs", -1,
			       &s, NULL) != SQLITE_OK)
		return db_fail(db, "reading storage_addrs", err, errlen);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(s, 0);

		if (cnt == cap) {
			cap = cap ? cap * 2 : 32;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			v = nv;
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		snprintf(v[cnt].node, sizeof(v[cnt].node), "%s",
			 name ? (const char *)name : "");
		v[cnt].ip = (uint32_t)sqlite3_column_int64(s, 1);
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		db_fail(db, "reading storage_addrs", err, errlen);
		goto fail;
	}
	sqlite3_finalize(s);
	*out = v;
	*n = cnt;
	return 0;
fail:
	sqlite3_finalize(s);
	free(v);
	return -1;
}

static struct row *row_of(struct row *rows, size_t n, const char *node)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].node, node))
			return &rows[i];
	return NULL;
}

static bool ip_used(const struct row *rows, size_t n, uint32_t ip,
		    const struct row *self)
{
	for (size_t i = 0; i < n; i++)
		if (&rows[i] != self && rows[i].node[0] && rows[i].ip == ip)
			return true;
	return false;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Lowest host address of the subnet that is neither the portal nor held. */
static uint32_t lowest_free(const struct xpan_cfg_storage_net *net,
			    const struct row *rows, size_t n)
{
	uint32_t mask = ntohl(xpan_storage_net_mask(net));
	uint32_t first = ntohl(net->subnet) + 1;
	uint32_t last = (ntohl(net->subnet) | ~mask) - 1;
	uint32_t *used, ip, found = 0;
	size_t k = 0, u = 0;

	used = malloc((n + 1) * sizeof(*used));
	if (!used)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (rows[i].node[0])
			used[k++] = rows[i].ip;
	used[k++] = ntohl(net->portal_ip);
	qsort(used, k, sizeof(*used), cmp_u32);
	for (ip = first; ip <= last; ip++) {
		while (u < k && used[u] < ip)
			u++;
		if (u < k && used[u] == ip)
			continue;
		found = ip;
		break;
	}
	free(used);
	return found;
}

static int write_rows(sqlite3 *db, const struct row *rows, size_t n,
		      char *err, size_t errlen)
{
	sqlite3_stmt *s;

	if (sqlite3_exec(db, "DELETE FROM storage_addrs", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return db_fail(db, "rewriting storage_addrs", err, errlen);
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO storage_addrs (node, ip, assigned_at)"
			       " VALUES (?1, ?2, ?3)", -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, "rewriting storage_addrs", err, errlen);
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].keep)
			continue;
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, rows[i].node, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, rows[i].ip);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)time(NULL));
		if (sqlite3_step(s) != SQLITE_DONE) {
			db_fail(db, "writing storage_addrs", err, errlen);
			sqlite3_finalize(s);
			return -1;
		}
	}
	sqlite3_finalize(s);
	return 0;
}

/*
 * Decide every node's address over the rows in memory: statics first
 * (they may take an allocated address from another node), then the
 * allocated ones keep theirs or get the lowest free.
 */
static int decide(const struct xpan_config *cfg, struct row **rowsp,
		  size_t *np, char *err, size_t errlen)
{
	const struct xpan_cfg_storage_net *net = &cfg->storage.net;
	struct row *rows = *rowsp, *r, *nv;
	size_t n = *np, i;

	/* Room for a new row per node, so pointers stay valid below. */
	nv = realloc(rows, (n + cfg->n_nodes + 1) * sizeof(*rows));
	if (!nv) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*rowsp = rows = nv;
	for (i = 0; i < n; i++)
		rows[i].keep = xpan_config_node(cfg, rows[i].node) != NULL;
	/* Forgotten rows free their address for the decisions below. */
	for (i = 0; i < n; i++)
		if (!rows[i].keep)
			rows[i].node[0] = '\0';
	for (i = 0; i < cfg->n_nodes; i++) {
		const struct xpan_cfg_node *c = &cfg->nodes[i];

		if (!c->storage_ip)
			continue;
		for (size_t j = 0; j < n; j++)
			if (rows[j].node[0] && rows[j].ip == ntohl(c->storage_ip) &&
			    strcmp(rows[j].node, c->name))
				rows[j].ip = 0;	/* reallocated below */
		r = row_of(rows, n, c->name);
		if (!r) {
			r = &rows[n++];
			memset(r, 0, sizeof(*r));
			snprintf(r->node, sizeof(r->node), "%s", c->name);
		}
		r->ip = ntohl(c->storage_ip);
		r->keep = true;
	}
	for (i = 0; i < cfg->n_nodes; i++) {
		const struct xpan_cfg_node *c = &cfg->nodes[i];

		if (c->storage_ip)
			continue;
		r = row_of(rows, n, c->name);
		if (r && r->ip && xpan_storage_net_host(net, htonl(r->ip)) &&
		    r->ip != ntohl(net->portal_ip) && !ip_used(rows, n, r->ip, r))
			continue;
		if (!r) {
			r = &rows[n++];
			memset(r, 0, sizeof(*r));
			snprintf(r->node, sizeof(r->node), "%s", c->name);
		}
		r->ip = 0;
		r->ip = lowest_free(net, rows, n);
		if (!r->ip) {
			char sub[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &net->subnet, sub, sizeof(sub));
			snprintf(err, errlen,
				 "%s:%d: node '%s': no free address left in the storage subnet %s/%u; widen storage.network.subnet",
				 cfg->path, c->line, c->name, sub, net->prefix);
			*np = n;
			return -1;
		}
		r->keep = true;
	}
	*np = n;
	return 0;
}

int xpan_saddr_sync(struct xpan_state *st, const struct xpan_config *cfg,
		    uint32_t *out, char *err, size_t errlen)
{
	sqlite3 *db = xpan_state_db(st);
	struct row *rows = NULL, *r;
	size_t n = 0, i;

	for (i = 0; i < cfg->n_nodes; i++)
		out[i] = 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "starting a transaction", err, errlen);
	if (load_rows(db, &rows, &n, err, errlen))
		goto rollback;
	if (cfg->storage.net.enabled) {
		if (decide(cfg, &rows, &n, err, errlen))
			goto rollback;
	} else {
		/* Off: nobody needs one now, but a node keeps its address
		 * for when the network comes back. */
		for (i = 0; i < n; i++)
			rows[i].keep = xpan_config_node(cfg, rows[i].node) != NULL;
	}
	if (write_rows(db, rows, n, err, errlen))
		goto rollback;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(db, "committing storage addresses", err, errlen);
		goto rollback;
	}
	for (i = 0; cfg->storage.net.enabled && i < cfg->n_nodes; i++) {
		r = row_of(rows, n, cfg->nodes[i].name);
		out[i] = r ? htonl(r->ip) : 0;
	}
	free(rows);
	return 0;
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	free(rows);
	return -1;
}

int xpan_saddr_owner(sqlite3 *db, uint32_t ip, char *node, size_t len,
		     char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(db, "SELECT node FROM storage_addrs WHERE ip = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, "reading storage_addrs", err, errlen);
	sqlite3_bind_int64(s, 1, ntohl(ip));
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(s, 0);

		snprintf(node, len, "%s", name ? (const char *)name : "");
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, "reading storage_addrs", err, errlen);
	}
	sqlite3_finalize(s);
	return ret;
}

sqlite3 *xpan_saddr_open_ro(const char *state_dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/%s", state_dir, XPAN_STATE_DB);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	/* ctrld commits briefly; wait for it rather than refuse a login. */
	sqlite3_busy_timeout(db, 2000);
	return db;
}

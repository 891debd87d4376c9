// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The storage half of the config file (config_storage.h): the iSCSI keys
 * of a node and the storage: section. Called by lib/config.c's parser, so
 * these keys get the same checks as the rest (no key twice, no unknown
 * key) for xpan-ctrld and xpan-iod alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "config_storage.h"

/* Like xpan_cfg_get_str() but the message does not repeat the value: it
 * may be a CHAP secret. */
static int copy_str(struct ydoc *d, yaml_node_t *n, char *dst, size_t cap,
		    const char *what, char *err, size_t errlen)
{
	const char *s;

	if (ydoc_str(d, n, &s, what, err, errlen))
		return -1;
	if (strlen(s) >= cap)
		return ydoc_err(d, n, err, errlen,
				"%s is too long (at most %zu bytes)", what,
				cap - 1);
	strcpy(dst, s);
	return 0;
}

int xpan_cfg_parse_iscsi(struct ydoc *d, yaml_node_t *n, const char *node,
			 struct xpan_cfg_iscsi *nc, char *err, size_t errlen)
{
	yaml_node_t *v;
	size_t i;

	/* Collecting, bad initiators leave none and chap is still read. */
	v = ydoc_get(d, n, "initiators");
	if (v) {
		if ((!ydoc_is_seq(v) || !ydoc_seq_len(v)) &&
		    ydoc_soft_err(d, v, err, errlen,
				  "initiators must be a non-empty list of iSCSI names, e.g. [%s%s]",
				  XPAN_ISCSI_INITIATOR_PREFIX, node))
			return -1;
		if (ydoc_seq_len(v) > XPAN_ISCSI_MAX_INITIATORS) {
			if (ydoc_soft_err(d, v, err, errlen,
					  "at most %d initiators per node",
					  XPAN_ISCSI_MAX_INITIATORS))
				return -1;
		} else {
			for (i = 0; i < ydoc_seq_len(v); i++) {
				if (!copy_str(d, ydoc_seq_at(d, v, i),
					      nc->initiators[nc->ninitiators],
					      XPAN_ISCSI_NAME_MAX,
					      "initiator name", err, errlen))
					nc->ninitiators++;
				else if (!ydoc_collecting(d))
					return -1;
			}
		}
	} else {
		snprintf(nc->initiators[0], XPAN_ISCSI_NAME_MAX, "%s%s",
			 XPAN_ISCSI_INITIATOR_PREFIX, node);
		nc->ninitiators = 1;
	}
	v = ydoc_get(d, n, "chap");
	if (v) {
		static const char *const keys[] = { "user", "secret", NULL };
		yaml_node_t *u, *s;

		/* chap is the node's last key: an error here ends it. */
		if (!ydoc_is_map(v))
			return ydoc_err(d, v, err, errlen,
					"chap must be { user: NAME, secret: SECRET }");
		if (xpan_cfg_check_map(d, v, keys, "chap", err, errlen))
			return -1;
		u = ydoc_get(d, v, "user");
		s = ydoc_get(d, v, "secret");
		if (!u || !s)
			return ydoc_err(d, v, err, errlen,
					"chap needs both 'user' and 'secret'");
		if (copy_str(d, u, nc->chap_user, sizeof(nc->chap_user),
			     "chap user", err, errlen) ||
		    copy_str(d, s, nc->chap_secret, sizeof(nc->chap_secret),
			     "chap secret", err, errlen))
			return -1;
		if (strlen(nc->chap_secret) < XPAN_ISCSI_SECRET_MIN)
			return ydoc_err(d, s, err, errlen,
					"chap secret must be at least %d characters (RFC 7143 12.1.3)",
					XPAN_ISCSI_SECRET_MIN);
		nc->has_chap = true;
	}
	return 0;
}

static int parse_lun(struct ydoc *d, yaml_node_t *n, struct xpan_cfg_lun *lc,
		     char *err, size_t errlen)
{
	static const char *const keys[] = { "node", "lun", "backing", "offset",
					    "size", "shared", "readonly",
					    NULL };
	yaml_node_t *v;
	uint64_t u;

	if (!ydoc_is_map(n))
		return ydoc_err(d, n, err, errlen,
				"a LUN must be { node: N, lun: 0, backing: FILE, ... }");
	if (xpan_cfg_check_map(d, n, keys, "storage.luns entry", err, errlen))
		return -1;
	lc->line = ydoc_line(n);
	v = ydoc_get(d, n, "node");
	if (!v)
		return ydoc_err(d, n, err, errlen, "LUN without 'node'");
	if (copy_str(d, v, lc->node, sizeof(lc->node), "node", err, errlen))
		return -1;
	v = ydoc_get(d, n, "lun");
	if (!v)
		return ydoc_err(d, n, err, errlen, "LUN without 'lun' number");
	if (ydoc_u64(d, v, XPAN_STORAGE_MAX_LUN, &u, "lun", err, errlen))
		return -1;
	lc->lun = u;
	v = ydoc_get(d, n, "backing");
	if (!v)
		return ydoc_err(d, n, err, errlen,
				"LUN without 'backing' (a file in the pool or a block device)");
	if (copy_str(d, v, lc->backing, sizeof(lc->backing), "backing", err,
		     errlen))
		return -1;
	v = ydoc_get(d, n, "offset");
	if (v && ydoc_size(d, v, &lc->offset, "offset", err, errlen))
		return -1;
	v = ydoc_get(d, n, "size");
	if (v && ydoc_size(d, v, &lc->size, "size", err, errlen))
		return -1;
	if (lc->offset % 512 || lc->size % 512)
		return ydoc_err(d, n, err, errlen,
				"offset and size must be multiples of 512 (the block size)");
	if (v && !lc->size)
		return ydoc_err(d, v, err, errlen,
				"size must not be 0 (leave it out to use the store up to its end)");
	v = ydoc_get(d, n, "shared");
	if (v && ydoc_bool(d, v, &lc->shared, "shared", err, errlen))
		return -1;
	v = ydoc_get(d, n, "readonly");
	if (v && ydoc_bool(d, v, &lc->read_only, "readonly", err, errlen))
		return -1;
	return 0;
}

/* A count in [1, max] when v is given; zero gets the message why_not_0. */
static int get_count(struct ydoc *d, yaml_node_t *v, const char *what,
		     uint64_t max, const char *why_not_0, unsigned int *dst,
		     char *err, size_t errlen)
{
	uint64_t u;

	if (!v)
		return 0;
	if (ydoc_u64(d, v, max, &u, what, err, errlen))
		return -1;
	if (!u)
		return ydoc_err(d, v, err, errlen, "%s", why_not_0);
	*dst = u;
	return 0;
}

/* The per-session and per-connection bounds (docs/storage.md "Limits"). */
static int parse_limits(struct xpan_cfg_storage *c, struct ydoc *d,
			yaml_node_t *s, char *err, size_t errlen)
{
	yaml_node_t *v, *per;
	uint64_t u;
	int bad;

	v = ydoc_get(d, s, "session_buffer");
	if (v) {
		if (ydoc_size(d, v, &u, "session_buffer", err, errlen)) {
			if (!ydoc_collecting(d))
				return -1;
		} else if (u < XPAN_STORAGE_MIN_SESSION_BUFFER ||
			   u > XPAN_STORAGE_MAX_SESSION_BUFFER) {
			if (ydoc_soft_err(d, v, err, errlen,
					  "session_buffer must be between 32M and 16G (it bounds the memory of one session; 32M holds the largest commands), got '%s'",
					  ydoc_scalar(v)))
				return -1;
		} else {
			c->session_buffer = u;
		}
	}
	if (get_count(d, ydoc_get(d, s, "login_timeout"),
		      "login_timeout (seconds)", XPAN_STORAGE_MAX_LOGIN_TIMEOUT,
		      "login_timeout must be at least 1 second (a login cannot be allowed forever)",
		      &c->login_timeout_sec, err, errlen) &&
	    !ydoc_collecting(d))
		return -1;
	v = ydoc_get(d, s, "max_connections");
	bad = get_count(d, v, "max_connections",
			XPAN_STORAGE_MAX_MAX_CONNECTIONS,
			"max_connections must be at least 1",
			&c->max_connections, err, errlen);
	if (bad && !ydoc_collecting(d))
		return -1;
	per = ydoc_get(d, s, "max_connections_per_source");
	bad |= get_count(d, per, "max_connections_per_source",
			 XPAN_STORAGE_MAX_MAX_CONNECTIONS,
			 "max_connections_per_source must be at least 1",
			 &c->max_connections_per_source, err, errlen);
	if (bad && !ydoc_collecting(d))
		return -1;
	/* Only when both were read: a default against a bad value says
	 * nothing. */
	if (!bad && c->max_connections_per_source > c->max_connections)
		return ydoc_err(d, per ? per : v, err, errlen,
				"max_connections_per_source (%u) is larger than max_connections (%u); lower it or raise max_connections",
				c->max_connections_per_source,
				c->max_connections);
	return 0;
}

void xpan_cfg_storage_defaults(struct xpan_cfg_storage *c)
{
	snprintf(c->target, sizeof(c->target), "%s",
		 XPAN_STORAGE_DEFAULT_TARGET);
	snprintf(c->portal, sizeof(c->portal), "%s",
		 XPAN_STORAGE_DEFAULT_PORTAL);
	c->rescan_sec = XPAN_STORAGE_DEFAULT_RESCAN;
	c->session_buffer = XPAN_STORAGE_DEFAULT_SESSION_BUFFER;
	c->login_timeout_sec = XPAN_STORAGE_DEFAULT_LOGIN_TIMEOUT;
	c->max_connections = XPAN_STORAGE_DEFAULT_MAX_CONNECTIONS;
	c->max_connections_per_source = XPAN_STORAGE_DEFAULT_MAX_CONN_PER_SOURCE;
	xpan_cfg_storage_net_defaults(&c->net);
}

int xpan_cfg_parse_storage(struct ydoc *d, yaml_node_t *s,
			   struct xpan_cfg_storage *c, char *err, size_t errlen)
{
	static const char *const keys[] = { "target", "portal", "pool", "luns",
					    "rescan", "write_cache",
					    "session_buffer", "login_timeout",
					    "max_connections",
					    "max_connections_per_source",
					    "network", NULL };
	yaml_node_t *v;
	size_t i;
	uint64_t u;

	xpan_cfg_storage_defaults(c);
	/* Collecting, a bad key leaves its default and the next is read. */
	if (xpan_cfg_check_map(d, s, keys, "storage", err, errlen))
		return -1;
	v = ydoc_get(d, s, "target");
	if (v && copy_str(d, v, c->target, sizeof(c->target), "target", err,
			  errlen) &&
	    !ydoc_collecting(d))
		return -1;
	if (strncmp(c->target, "iqn.", 4) && strncmp(c->target, "eui.", 4) &&
	    strncmp(c->target, "naa.", 4) &&
	    ydoc_soft_err(d, v, err, errlen,
			  "target '%s' is not an iSCSI name (iqn.YYYY-MM.domain:name)",
			  c->target))
		return -1;
	v = ydoc_get(d, s, "portal");
	if (v && copy_str(d, v, c->portal, sizeof(c->portal), "portal", err,
			  errlen) &&
	    !ydoc_collecting(d))
		return -1;
	v = ydoc_get(d, s, "rescan");
	if (v) {
		if (!ydoc_u64(d, v, XPAN_STORAGE_MAX_RESCAN, &u,
			      "rescan (seconds)", err, errlen))
			c->rescan_sec = u;
		else if (!ydoc_collecting(d))
			return -1;
	}
	v = ydoc_get(d, s, "write_cache");
	if (v && ydoc_bool(d, v, &c->write_cache, "write_cache", err,
			   errlen) &&
	    !ydoc_collecting(d))
		return -1;
	if (parse_limits(c, d, s, err, errlen) && !ydoc_collecting(d))
		return -1;
	if (xpan_cfg_parse_storage_net(d, s, &c->net, err, errlen) &&
	    !ydoc_collecting(d))
		return -1;
	v = ydoc_get(d, s, "pool");
	if (v && !ydoc_is_seq(v)) {
		if (ydoc_soft_err(d, v, err, errlen,
				  "pool must be a list of directories or block devices"))
			return -1;
	} else if (v) {
		c->npool = ydoc_seq_len(v);
		c->pool = calloc(c->npool + 1, sizeof(*c->pool));
		if (!c->pool)
			return ydoc_err(d, v, err, errlen, "out of memory");
		for (i = 0; i < c->npool; i++) {
			const char *p;

			if (ydoc_str(d, ydoc_seq_at(d, v, i), &p, "pool entry",
				     err, errlen)) {
				if (!ydoc_collecting(d))
					return -1;
				p = "";
			}
			c->pool[i] = strdup(p);
			if (!c->pool[i])
				return ydoc_err(d, v, err, errlen,
						"out of memory");
		}
	}
	v = ydoc_get(d, s, "luns");
	if (v) {
		if (!ydoc_is_seq(v))
			return ydoc_err(d, v, err, errlen,
					"luns must be a list of { node, lun, backing, offset, size, shared }");
		c->luns = calloc(ydoc_seq_len(v) + 1, sizeof(*c->luns));
		if (!c->luns)
			return ydoc_err(d, v, err, errlen, "out of memory");
		/* Collecting, a LUN entry ends at its first error and is
		 * left out of the checks across sections. */
		for (i = 0; i < ydoc_seq_len(v); i++) {
			struct xpan_cfg_lun *lc = &c->luns[c->nluns];

			if (!parse_lun(d, ydoc_seq_at(d, v, i), lc, err,
				       errlen)) {
				c->nluns++;
				continue;
			}
			if (!ydoc_collecting(d))
				return -1;
			memset(lc, 0, sizeof(*lc));
		}
	}
	return 0;
}

int xpan_cfg_check_storage(struct ydoc *d, const struct xpan_config *cfg,
			   char *err, size_t errlen)
{
	const struct xpan_cfg_storage *c = &cfg->storage;
	size_t i, j, k, l;

	for (i = 0; i < c->nluns; i++) {
		const struct xpan_cfg_lun *a = &c->luns[i];

		if (!xpan_config_node(cfg, a->node) &&
		    ydoc_soft_err_line(d, a->line, err, errlen,
				       "LUN for node '%s', which is not in nodes: (add the node or correct the name)",
				       a->node))
			return -1;
		for (j = 0; j < i; j++)
			if (!strcmp(c->luns[j].node, a->node) &&
			    c->luns[j].lun == a->lun &&
			    ydoc_soft_err_line(d, a->line, err, errlen,
					       "node '%s' has LUN %u twice (also line %d)",
					       a->node, a->lun,
					       c->luns[j].line))
				return -1;
	}
	/* One initiator name selects one node's view. */
	for (i = 0; i < cfg->n_nodes; i++) {
		const struct xpan_cfg_iscsi *a = &cfg->nodes[i].iscsi;

		for (k = 0; k < a->ninitiators; k++)
			for (j = 0; j <= i; j++) {
				const struct xpan_cfg_iscsi *b = &cfg->nodes[j].iscsi;

				/* Collecting, two nodes of one name were
				 * refused already; their default initiators
				 * say nothing new. */
				if (j != i && !strcmp(cfg->nodes[i].name,
						      cfg->nodes[j].name))
					continue;

				for (l = 0; l < (j == i ? k : b->ninitiators); l++)
					if (!strcmp(a->initiators[k],
						    b->initiators[l]) &&
					    ydoc_soft_err_line(d, cfg->nodes[i].line,
							       err, errlen,
							       "initiator '%s' is listed for both node '%s' and node '%s'",
							       a->initiators[k],
							       cfg->nodes[j].name,
							       cfg->nodes[i].name))
						return -1;
			}
	}
	return 0;
}

void xpan_cfg_storage_free(struct xpan_cfg_storage *c)
{
	size_t i;

	for (i = 0; i < c->npool; i++)
		free(c->pool[i]);
	free(c->pool);
	free(c->luns);
	memset(c, 0, sizeof(*c));
}

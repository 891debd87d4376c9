// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The verbs' text. Layouts are those the daemons printed before the JSON
 * API (scripts grep them): xpan-ctrld's tables fit their columns and
 * separate them by two blanks, xpan-iod's have fixed widths and one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apiprint.h"

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static unsigned long long num(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return (unsigned long long)json_integer_value(v);
	if (json_is_real(v))
		return (unsigned long long)json_real_value(v);
	return 0;
}

static bool yes(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* A malloc'd cell (NULL: out of memory). */
static char *cell_text(const struct xpan_col *c, const json_t *row)
{
	char buf[256] = "", *s = NULL;
	size_t len = 0;
	json_t *v;
	FILE *f;

	switch (c->kind) {
	case XPAN_COL_STR:
		s = strdup(str(row, c->key));
		break;
	case XPAN_COL_UINT:
		snprintf(buf, sizeof(buf), "%llu", num(row, c->key));
		s = strdup(buf);
		break;
	case XPAN_COL_YESNO:
		s = strdup(yes(row, c->key) ? "yes" : "no");
		break;
	case XPAN_COL_FN:
		c->fn(row, buf, sizeof(buf));
		s = strdup(buf);
		break;
	case XPAN_COL_LIST:
		f = open_memstream(&s, &len);
		if (!f)
			return NULL;
		v = json_object_get(row, c->key);
		for (size_t i = 0; i < json_array_size(v); i++) {
			const char *e = json_string_value(json_array_get(v, i));

			fprintf(f, "%s%s", i ? "," : "", e ? e : "");
		}
		if (fclose(f)) {
			free(s);
			return NULL;
		}
		break;
	}
	if (s && !s[0] && c->dash) {
		free(s);
		s = strdup("-");
	}
	return s;
}

void xpan_print_table(FILE *out, const struct xpan_table *t,
		      const json_t *rows)
{
	size_t ncols = 0, nrows = json_array_size(rows), r, i;
	size_t *w;
	char **cells;

	while (t->cols[ncols].head)
		ncols++;
	w = calloc(ncols, sizeof(*w));
	cells = calloc((nrows + 1) * ncols, sizeof(*cells));
	if (!w || !cells)
		goto out;
	for (i = 0; i < ncols; i++) {
		cells[i] = strdup(t->cols[i].head);
		w[i] = (size_t)t->cols[i].width;
	}
	for (r = 0; r < nrows; r++)
		for (i = 0; i < ncols; i++)
			cells[(r + 1) * ncols + i] =
				cell_text(&t->cols[i], json_array_get(rows, r));
	if (t->fit)
		for (r = 0; r <= nrows; r++)
			for (i = 0; i < ncols; i++) {
				const char *s = cells[r * ncols + i];

				if (s && strlen(s) > w[i])
					w[i] = strlen(s);
			}
	for (r = 0; r <= nrows; r++) {
		for (i = 0; i < ncols; i++) {
			const struct xpan_col *c = &t->cols[i];
			const char *s = cells[r * ncols + i];

			if (!s)
				s = "";
			if (i)
				fputs(t->sep, out);
			if (i == ncols - 1 && !c->right)
				fputs(s, out);
			else
				fprintf(out, c->right ? "%*s" : "%-*s",
					(int)w[i], s);
		}
		fputc('\n', out);
	}
out:
	if (cells)
		for (i = 0; i < (nrows + 1) * ncols; i++)
			free(cells[i]);
	free(cells);
	free(w);
}

/* ---- xpan-ctrld ---- */

static int print_status(const json_t *r, FILE *out)
{
	const json_t *sn = json_object_get(r, "storage_network");

	fprintf(out,
		"pid:       %llu\n"
		"config:    %s\n"
		"socket:    %s\n"
		"state:     %s\n"
		"bpffs:     %s\n"
		"serial:    %llu\n"
		"attached:  %s (%llu of %llu existing ports)\n"
		"nodes:     %llu\n"
		"vlans:     %llu\n",
		num(r, "pid"), str(r, "config"), str(r, "socket"),
		str(r, "state"), str(r, "bpffs"), num(r, "serial"),
		yes(r, "attached") ? "yes" : "no", num(r, "ports_attached"),
		num(r, "ports_present"), num(r, "nodes"), num(r, "vlans"));
	if (!yes(sn, "enabled")) {
		fprintf(out, "storage:   off\n");
		return 0;
	}
	fprintf(out, "storage:   %s, portal %s:%llu on %s (%s)%s%s\n",
		str(sn, "subnet"), str(sn, "portal_ip"), num(sn, "port"),
		str(sn, "host_port"), yes(sn, "up") ? "up" : "not set up",
		str(sn, "note")[0] ? ": " : "", str(sn, "note"));
	return 0;
}

static int print_nodes(const json_t *r, FILE *out)
{
	static const struct xpan_col cols[] = {
		{ .head = "NAME", .key = "name" },
		{ .head = "MAC", .key = "mac" },
		{ .head = "PORT", .key = "port" },
		{ .head = "VLAN", .key = "vlan" },
		{ .head = "IPS", .key = "ips", .kind = XPAN_COL_LIST, .dash = true },
		{ .head = "STORAGE_IP", .key = "storage_ip", .dash = true },
		{ .head = "STATE", .key = "state" },
		{ .head = "DATAPATH", .key = "datapath" },
		{ .head = "NETNS", .key = "netns", .dash = true },
		{ .head = NULL },
	};
	static const struct xpan_table t = { cols, "  ", true };

	xpan_print_table(out, &t, r);
	return 0;
}

static int print_vlans(const json_t *r, FILE *out)
{
	static const struct xpan_col cols[] = {
		{ .head = "NAME", .key = "name" },
		{ .head = "ID", .key = "id", .kind = XPAN_COL_UINT },
		{ .head = "MEMBERS", .key = "members", .kind = XPAN_COL_LIST, .dash = true },
		{ .head = NULL },
	};
	static const struct xpan_table t = { cols, "  ", true };

	xpan_print_table(out, &t, r);
	return 0;
}

static int print_reload(const json_t *r, FILE *out)
{
	fprintf(out, "reloaded %s: %llu nodes, %llu vlans\n", str(r, "config"),
		num(r, "nodes"), num(r, "vlans"));
	return 0;
}

/* ---- xpan-iod ---- */

static void busy_s(const json_t *row, char *buf, size_t len)
{
	snprintf(buf, len, "%.3f", num(row, "busy_ns") / 1e9);
}

static int print_stats(const json_t *r, FILE *out)
{
	static const struct xpan_col cols[] = {
		{ .head = "NODE", .key = "node", .width = 12 },
		{ .head = "LUN", .key = "lun", .width = 5 },
		{ .head = "OPS", .key = "ops", .kind = XPAN_COL_UINT, .width = 10, .right = true },
		{ .head = "BYTES", .key = "bytes", .kind = XPAN_COL_UINT, .width = 14, .right = true },
		{ .head = "READS", .key = "reads", .kind = XPAN_COL_UINT, .width = 10, .right = true },
		{ .head = "WRITES", .key = "writes", .kind = XPAN_COL_UINT, .width = 10, .right = true },
		{ .head = "ERRORS", .key = "errors", .kind = XPAN_COL_UINT, .width = 8, .right = true },
		{ .head = "BUSY_S", .key = NULL, .kind = XPAN_COL_FN, .width = 12, .right = true, .fn = busy_s },
		{ .head = NULL },
	};
	static const struct xpan_table t = { cols, " ", false };
	static const char *const keys[] = { "ops", "bytes", "reads", "writes",
					    "errors", "busy_ns" };
	const json_t *nodes = json_object_get(r, "nodes");
	json_t *rows = json_array();

	/* a row per LUN, then the node's sum as LUN "all" */
	for (size_t i = 0; rows && i < json_array_size(nodes); i++) {
		const json_t *n = json_array_get(nodes, i);
		const json_t *luns = json_object_get(n, "luns");

		for (size_t j = 0; j <= json_array_size(luns); j++) {
			bool all = j == json_array_size(luns);
			const json_t *src = all ? n : json_array_get(luns, j);
			json_t *row = json_object();
			char lun[24];

			if (!row)
				break;
			if (all)
				snprintf(lun, sizeof(lun), "all");
			else
				snprintf(lun, sizeof(lun), "%llu",
					 num(src, "lun"));
			json_object_set_new(row, "node",
					    json_string(str(n, "node")));
			json_object_set_new(row, "lun", json_string(lun));
			for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
				json_object_set(row, keys[k],
						json_object_get(src, keys[k]));
			json_array_append_new(rows, row);
		}
	}
	xpan_print_table(out, &t, rows);
	json_decref(rows);
	return 0;
}

static void lun_state(const json_t *row, char *buf, size_t len)
{
	snprintf(buf, len, "%s", yes(row, "present") ? "ok" : "missing");
}

static int print_luns(const json_t *r, FILE *out)
{
	static const struct xpan_col cols[] = {
		{ .head = "NODE", .key = "node", .width = 12 },
		{ .head = "LUN", .key = "lun", .kind = XPAN_COL_UINT, .width = 5 },
		{ .head = "BACKING", .key = "backing", .width = 40 },
		{ .head = "OFFSET", .key = "offset", .kind = XPAN_COL_UINT, .width = 12, .right = true },
		{ .head = "SIZE", .key = "size", .kind = XPAN_COL_UINT, .width = 12, .right = true },
		{ .head = "SHARED", .key = "shared", .kind = XPAN_COL_YESNO, .width = 6 },
		{ .head = "STATE", .key = NULL, .kind = XPAN_COL_FN, .width = 7, .fn = lun_state },
		{ .head = "INITIATORS", .key = "initiators", .kind = XPAN_COL_LIST },
		{ .head = NULL },
	};
	static const struct xpan_table t = { cols, " ", false };

	fprintf(out, "target %s\n", str(r, "target"));
	xpan_print_table(out, &t, json_object_get(r, "luns"));
	return 0;
}

static int print_pool(const json_t *r, FILE *out)
{
	static const struct xpan_col cols[] = {
		{ .head = "STORE", .key = "path", .width = 48 },
		{ .head = "SIZE", .key = "size", .kind = XPAN_COL_UINT, .width = 14, .right = true },
		{ .head = "STATE", .key = "state", .width = 8 },
		{ .head = "LUNS", .key = "luns", .kind = XPAN_COL_UINT },
		{ .head = NULL },
	};
	static const struct xpan_table t = { cols, " ", false };

	xpan_print_table(out, &t, json_object_get(r, "stores"));
	return 0;
}

static int print_conns(const json_t *r, FILE *out)
{
	static const struct xpan_col cols[] = {
		{ .head = "PEER", .key = "peer", .width = 22 },
		{ .head = "INITIATOR", .key = "initiator", .width = 40, .dash = true },
		{ .head = "STATE", .key = "state", .width = 9 },
		{ .head = "BUFFERED", .key = "buffered", .kind = XPAN_COL_UINT, .width = 12, .right = true },
		{ .head = "INFL", .key = "in_flight", .kind = XPAN_COL_UINT, .width = 6, .right = true },
		{ .head = "MWAIT", .key = "waiting_for_memory", .kind = XPAN_COL_UINT, .width = 6, .right = true },
		{ .head = "IGNORED", .key = "cmdsn_ignored", .kind = XPAN_COL_UINT, .width = 10, .right = true },
		{ .head = "IMM_REJ", .key = "immediate_rejected", .kind = XPAN_COL_UINT, .width = 8, .right = true },
		{ .head = "TSF", .key = "task_set_full", .kind = XPAN_COL_UINT, .width = 6, .right = true },
		{ .head = "PAUSED", .key = "paused", .kind = XPAN_COL_UINT, .width = 6, .right = true },
		{ .head = NULL },
	};
	static const struct xpan_table t = { cols, " ", false };

	fprintf(out, "connections %llu (max %llu, %llu per source), refused %llu at the total and %llu per source, %llu login timeouts (%llu s), %llu accept pauses\n",
		num(r, "connections"), num(r, "max_connections"),
		num(r, "max_connections_per_source"), num(r, "refused_total"),
		num(r, "refused_source"), num(r, "login_timeouts"),
		num(r, "login_timeout"), num(r, "accept_pauses"));
	xpan_print_table(out, &t, json_object_get(r, "sessions"));
	return 0;
}

static int print_move(const json_t *r, FILE *out)
{
	fprintf(out, "node %s now served to %s (%llu sessions closed)\n",
		str(r, "node"), str(r, "initiator"), num(r, "closed"));
	return 0;
}

static int print_rescan(const json_t *r, FILE *out)
{
	const json_t *report = json_object_get(r, "report");
	unsigned long long n = num(r, "changes");

	for (size_t i = 0; i < json_array_size(report); i++) {
		const char *l = json_string_value(json_array_get(report, i));

		fprintf(out, "%s\n", l ? l : "");
	}
	fprintf(out, "%llu change%s\n", n, n == 1 ? "" : "s");
	return 0;
}

static int print_refresh(const json_t *r, FILE *out)
{
	unsigned long long closed = num(r, "closed");

	fprintf(out, "%llu session%s closed (%llu from the storage network checked%s)\n",
		closed, closed == 1 ? "" : "s", num(r, "checked"),
		yes(r, "network") ? "" : "; the storage network is off");
	return 0;
}

static const struct {
	const char *verb;
	int (*print)(const json_t *result, FILE *out);
} printers[] = {
	{ "status", print_status },
	{ "show nodes", print_nodes },
	{ "show vlans", print_vlans },
	{ "reload", print_reload },
	{ "storage stats", print_stats },
	{ "storage luns", print_luns },
	{ "storage pool", print_pool },
	{ "storage conns", print_conns },
	{ "storage move", print_move },
	{ "storage rescan", print_rescan },
	{ "storage refresh", print_refresh },
};

bool xpan_api_has_printer(const char *verb)
{
	for (size_t i = 0; i < sizeof(printers) / sizeof(printers[0]); i++)
		if (!strcmp(printers[i].verb, verb))
			return true;
	return false;
}

int xpan_api_print(const char *verb, const json_t *result, FILE *out)
{
	for (size_t i = 0; i < sizeof(printers) / sizeof(printers[0]); i++)
		if (!strcmp(printers[i].verb, verb))
			return printers[i].print(result, out);
	return -ENOENT;
}

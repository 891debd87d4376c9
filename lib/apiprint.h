/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Text for people from the daemons' JSON results (docs/api.md): one
 * printer per verb, all built on one table printer. `xpan` prints every
 * daemon command through it; the daemons use it only to answer the line
 * requests of the previous release without -j, so those keep their text.
 * A new verb gets its text here, next to the others, as a table spec.
 */
#ifndef XPAN_APIPRINT_H
#define XPAN_APIPRINT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

enum xpan_col_kind {
	XPAN_COL_STR,		/* a string member ("" when missing) */
	XPAN_COL_UINT,		/* an integer member */
	XPAN_COL_YESNO,		/* a boolean member: yes / no */
	XPAN_COL_LIST,		/* an array of strings, joined by ',' */
	XPAN_COL_FN,		/* fn(row) says */
};

struct xpan_col {
	const char *head;
	const char *key;	/* member of the row object */
	enum xpan_col_kind kind;
	int width;		/* at least this wide (printf's %-Ns) */
	bool right;		/* right-aligned (numbers) */
	bool dash;		/* an empty cell prints as "-" */
	/* XPAN_COL_FN: writes the cell of row into buf */
	void (*fn)(const json_t *row, char *buf, size_t len);
};

struct xpan_table {
	const struct xpan_col *cols;	/* ended by head NULL */
	const char *sep;		/* between columns */
	bool fit;			/* widen columns to their widest cell */
};

/*
 * A header line, then one line per object of rows (a JSON array). The
 * last column is not padded unless right-aligned, so lines carry no
 * trailing blanks of their own.
 */
void xpan_print_table(FILE *out, const struct xpan_table *t,
		      const json_t *rows);

bool xpan_api_has_printer(const char *verb);
/* The text of verb's result. 0, or -ENOENT: no printer for verb. */
int xpan_api_print(const char *verb, const json_t *result, FILE *out);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every error of a config file, for xpan-ctrld --check: the parser records
 * each refusal here and goes on to the next key, list entry or section
 * where that makes sense, instead of stopping at the first. The daemons'
 * normal readers pass no sink and stop at the first error as before.
 */
#ifndef XPAN_CONFIG_ERRORS_H
#define XPAN_CONFIG_ERRORS_H

#include <stddef.h>

#define XPAN_CFG_ERRORS_MAX	100	/* kept; the rest are only counted */
#define XPAN_CFG_ERROR_LEN	1024

struct xpan_cfg_error {
	int line;			/* 0 when the error has no line */
	char text[XPAN_CFG_ERROR_LEN];	/* "FILE:LINE: what" */
};

struct xpan_cfg_errors {
	size_t n;			/* kept in e[] */
	size_t total;			/* found: n plus those past the cap */
	struct xpan_cfg_error e[XPAN_CFG_ERRORS_MAX];
};

/* Records one "FILE:LINE: what" message (line for the file order). */
void xpan_cfg_errors_add(struct xpan_cfg_errors *errs, int line,
			 const char *msg);
/* Orders the kept errors by line, stable (cross-section checks run last). */
void xpan_cfg_errors_sort(struct xpan_cfg_errors *errs);

#endif

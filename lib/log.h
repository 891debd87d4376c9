/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Leveled logging to stderr; -v raises the level. libbpf's chatter is
 * routed here at debug level. */
#ifndef XPAN_LOG_H
#define XPAN_LOG_H

enum xpan_log_level {
	XPAN_LOG_WARN = 0,
	XPAN_LOG_INFO = 1,
	XPAN_LOG_DEBUG = 2,
};

void xpan_log_set_level(enum xpan_log_level lvl);
enum xpan_log_level xpan_log_get_level(void);
/* Prefix every line with "prog: " (e.g. "xpan-ctrld"). */
void xpan_log_set_prog(const char *prog);
/* Route libbpf and libxdp messages through this log (debug level). */
void xpan_log_hook_libbpf(void);

void xpan_log(enum xpan_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_warn(...)  xpan_log(XPAN_LOG_WARN, __VA_ARGS__)
#define pr_info(...)  xpan_log(XPAN_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) xpan_log(XPAN_LOG_DEBUG, __VA_ARGS__)

#endif

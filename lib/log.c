// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

static enum xpan_log_level cur_level = XPAN_LOG_INFO;
static const char *prog_name = "xpan";

void xpan_log_set_level(enum xpan_log_level lvl)
{
	cur_level = lvl;
}

enum xpan_log_level xpan_log_get_level(void)
{
	return cur_level;
}

void xpan_log_set_prog(const char *prog)
{
	prog_name = prog;
}

static void vlog(enum xpan_log_level lvl, const char *fmt, va_list ap)
{
	if (lvl > cur_level)
		return;
	fprintf(stderr, "%s: ", prog_name);
	vfprintf(stderr, fmt, ap);
}

void xpan_log(enum xpan_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(lvl, fmt, ap);
	va_end(ap);
}

/* libbpf's warnings are mostly expected probes (e.g. the XDP dispatcher
 * being refused), so all of it is debug output here. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	vlog(XPAN_LOG_DEBUG, fmt, ap);
	return 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	vlog(XPAN_LOG_DEBUG, fmt, ap);
	return 0;
}

void xpan_log_hook_libbpf(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

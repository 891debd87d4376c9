// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xpan: the operator's command-line tool (see docs/cli.md). */
#include <stdio.h>

#include "cli.h"
#include "log.h"

int main(int argc, char **argv)
{
	xpan_log_set_prog("xpan");
	xpan_log_hook_libbpf();
	return xpan_cli_main(argc, argv, stdout, stderr);
}

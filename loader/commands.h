/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One function per xpan subcommand; each returns an XPAN_EXIT_* code. */
#ifndef XPAN_LOADER_COMMANDS_H
#define XPAN_LOADER_COMMANDS_H

#include "cli.h"

int do_load(const struct xpan_opts *o, int argc, char **argv);
int do_unload(const struct xpan_opts *o, int argc, char **argv);
int do_status(const struct xpan_opts *o, int argc, char **argv);
int do_show_ports(const struct xpan_opts *o, int argc, char **argv);
int do_show_stats(const struct xpan_opts *o, int argc, char **argv);
int do_show_macs(const struct xpan_opts *o, int argc, char **argv);
int do_show_bindings(const struct xpan_opts *o, int argc, char **argv);
int do_show_storage(const struct xpan_opts *o, int argc, char **argv);
int do_show_nodes(const struct xpan_opts *o, int argc, char **argv);
int do_show_vlans(const struct xpan_opts *o, int argc, char **argv);
int do_reload(const struct xpan_opts *o, int argc, char **argv);
int do_storage_stats(const struct xpan_opts *o, int argc, char **argv);
int do_storage_luns(const struct xpan_opts *o, int argc, char **argv);
int do_storage_conns(const struct xpan_opts *o, int argc, char **argv);
int do_storage_move(const struct xpan_opts *o, int argc, char **argv);
int do_storage_rescan(const struct xpan_opts *o, int argc, char **argv);
int do_storage_refresh(const struct xpan_opts *o, int argc, char **argv);

#endif

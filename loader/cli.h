/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The xpan command line: commands and their options are declared as
 * tables (one entry per option, with its help text), and one parser turns
 * argv into a struct xpan_opts plus positional arguments for the
 * command's do_* function. Help is generated from the same tables, so
 * every command and command group has --help.
 */
#ifndef XPAN_LOADER_CLI_H
#define XPAN_LOADER_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifndef XPAN_IOD_DEFAULT_SOCKET
#define XPAN_IOD_DEFAULT_SOCKET "/run/xpan/iod.sock"
#endif

#define XPAN_EXIT_OK	0
#define XPAN_EXIT_FAIL	1
#define XPAN_EXIT_USAGE	2

/* Every option any command takes; a command's table says which apply. */
struct xpan_opts {
	bool json;
	bool pretty;
	bool all;
	int verbose;
	const char *config;
	const char *bpffs;
	const char *socket;
	const char *iod_socket;
};

enum xpan_opt_type {
	XPAN_OPT_FLAG,		/* bool, set to true */
	XPAN_OPT_COUNT,		/* int, incremented */
	XPAN_OPT_STRING,	/* const char *, the argument */
};

struct xpan_opt {
	const char *name;	/* long name, without "--" */
	char short_name;	/* 0 for none */
	enum xpan_opt_type type;
	size_t offset;		/* into struct xpan_opts */
	const char *metavar;	/* argument name in help, for strings */
	const char *help;
};

struct xpan_cmd {
	const char *name;
	const char *args;	/* positional arguments in the usage line */
	int min_args, max_args;
	const char *summary;	/* one line, in the parent's command list */
	const char *doc;	/* paragraph under the usage line, or NULL */
	const struct xpan_opt *opts;	/* terminated by a NULL name */
	/* Runs the command; returns an XPAN_EXIT_* code. */
	int (*run)(const struct xpan_opts *o, int argc, char **argv);
	/* A command group: NULL-name-terminated subcommands, no run. */
	const struct xpan_cmd *sub;
};

/* The top-level command table (commands.c). */
extern const struct xpan_cmd xpan_root_cmd;

/*
 * Parses argv (argv[0] = program name) against the command tables and
 * runs the command. Help goes to out, usage errors to err. Returns the
 * exit code.
 */
int xpan_cli_main(int argc, char **argv, FILE *out, FILE *err);

/*
 * Parse step alone, for tests: finds the command, fills o and the
 * positional arguments (pointers into argv). Returns -1 when it is ready
 * to run (*cmd set), else the exit code (help printed: 0, usage error: 2).
 */
int xpan_cli_parse(int argc, char **argv, FILE *out, FILE *err,
		   const struct xpan_cmd **cmd, struct xpan_opts *o,
		   int *pargc, char ***pargv);

/* The bpffs directory the command works on: --bpffs, else -c CONFIG's
 * platform.bpffs, else the default. NULL after printing an error. */
const char *xpan_opts_bpffs(const struct xpan_opts *o);

#endif

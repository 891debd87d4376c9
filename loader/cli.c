// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Argument parsing and help for the command tables of cli.h. */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "dataplane.h"
#include "log.h"

#ifndef XPAN_VERSION
#define XPAN_VERSION "0.1"
#endif

/* Options every command takes in addition to its own table. */
static const struct xpan_opt common_opts[] = {
	{ .name = "verbose", .short_name = 'v', .type = XPAN_OPT_COUNT,
	  .offset = offsetof(struct xpan_opts, verbose),
	  .help = "more messages (twice: debug, including libbpf's)" },
	{ .name = "help", .short_name = 'h', .type = XPAN_OPT_FLAG,
	  .help = "show this help" },
	{ .name = NULL },
};

#define MAX_OPTS 32

/* Usage line "xpan show ports" for the command path. */
static void print_path(FILE *f, const struct xpan_cmd **path, int depth)
{
	for (int i = 0; i < depth; i++)
		fprintf(f, "%s%s", i ? " " : "", path[i]->name);
}

static void print_opt_table(FILE *f, const struct xpan_opt *t)
{
	char left[64];

	for (size_t i = 0; t[i].name; i++) {
		int n = 0;

		if (t[i].short_name)
			n = snprintf(left, sizeof(left), "-%c, ", t[i].short_name);
		else
			n = snprintf(left, sizeof(left), "    ");
		snprintf(left + n, sizeof(left) - n, "--%s%s%s", t[i].name,
			 t[i].metavar ? " " : "",
			 t[i].metavar ? t[i].metavar : "");
		if (strlen(left) > 24)
			fprintf(f, "  %s\n  %-24s  %s\n", left, "", t[i].help);
		else
			fprintf(f, "  %-24s  %s\n", left, t[i].help);
	}
}

static void print_help(FILE *f, const struct xpan_cmd **path, int depth)
{
	const struct xpan_cmd *c = path[depth - 1];

	fprintf(f, "Usage: ");
	print_path(f, path, depth);
	if (c->sub)
		fprintf(f, "%s COMMAND [options]\n", depth == 1 ? " [options]" : "");
	else
		fprintf(f, " [options]%s%s\n", c->args ? " " : "",
			c->args ? c->args : "");
	fprintf(f, "\n%c%s.\n", toupper((unsigned char)c->summary[0]),
		c->summary + 1);
	if (c->doc)
		fprintf(f, "%s\n", c->doc);
	if (c->sub) {
		fprintf(f, "\nCommands:\n");
		for (const struct xpan_cmd *s = c->sub; s->name; s++)
			fprintf(f, "  %-10s  %s\n", s->name, s->summary);
	}
	fprintf(f, "\nOptions:\n");
	if (c->opts)
		print_opt_table(f, c->opts);
	print_opt_table(f, common_opts);
	if (depth == 1)
		fprintf(f, "  -V, --version             print the version\n");
	if (c->sub) {
		fprintf(f, "\nRun '");
		print_path(f, path, depth);
		fprintf(f, " COMMAND --help' for a command's options.\n");
	}
	if (depth == 1)
		fprintf(f, "\nExit codes: 0 ok, 1 failure, 2 usage error.\n");
}

static void usage_hint(FILE *f, const struct xpan_cmd **path, int depth)
{
	fprintf(f, "Run '");
	print_path(f, path, depth);
	fprintf(f, " --help' for usage.\n");
}

static const struct xpan_opt *find_opt(const struct xpan_opt *t, int val,
				       size_t n)
{
	for (size_t i = 0; i < n && t[i].name; i++)
		if (t[i].short_name == val || (int)(256 + i) == val)
			return &t[i];
	return NULL;
}

/*
 * Parses the options of one command (getopt_long built from its table
 * plus the common options). Returns -1 to go on, else an exit code.
 */
static int parse_opts(int argc, char **argv, FILE *out, FILE *err,
		      const struct xpan_cmd **path, int depth,
		      struct xpan_opts *o)
{
	const struct xpan_cmd *c = path[depth - 1];
	struct xpan_opt all[MAX_OPTS + 1];
	struct option lopts[MAX_OPTS + 2];
	char sopts[MAX_OPTS * 2 + 3];
	size_t n = 0, ns = 0;
	bool help = false;
	int ch;

	/* "+": stop at the first non-option, so a group's subcommand keeps
	 * its own options; ":" reports a missing argument as ':'. */
	if (c->sub)
		sopts[ns++] = '+';
	sopts[ns++] = ':';
	for (const struct xpan_opt *t = c->opts; t && t->name && n < MAX_OPTS; t++)
		all[n++] = *t;
	for (const struct xpan_opt *t = common_opts; t->name && n < MAX_OPTS; t++)
		all[n++] = *t;
	all[n].name = NULL;
	if (depth == 1 && n < MAX_OPTS) {
		all[n++] = (struct xpan_opt){ .name = "version", .short_name = 'V',
					      .type = XPAN_OPT_FLAG, .offset = 0 };
		all[n].name = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		lopts[i] = (struct option){
			.name = all[i].name,
			.has_arg = all[i].type == XPAN_OPT_STRING ? required_argument :
								    no_argument,
			.val = all[i].short_name ? all[i].short_name : (int)(256 + i),
		};
		if (all[i].short_name) {
			sopts[ns++] = all[i].short_name;
			if (all[i].type == XPAN_OPT_STRING)
				sopts[ns++] = ':';
		}
	}
	lopts[n] = (struct option){ 0 };
	sopts[ns] = '\0';

	optind = 0;	/* full reset: argv changes between calls */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		const struct xpan_opt *opt;

		if (ch == '?' || ch == ':') {
			const char *what = argv[optind - 1];

			if (ch == ':')
				fprintf(err, "xpan: option '%s' needs an argument\n", what);
			else if (optopt)
				fprintf(err, "xpan: unknown option '-%c'\n", optopt);
			else
				fprintf(err, "xpan: unknown option '%s'\n", what);
			usage_hint(err, path, depth);
			return XPAN_EXIT_USAGE;
		}
		opt = find_opt(all, ch, n);
		if (!opt)
			continue;
		if (!strcmp(opt->name, "help")) {
			help = true;
		} else if (!strcmp(opt->name, "version")) {
			fprintf(out, "xpan %s\n", XPAN_VERSION);
			return XPAN_EXIT_OK;
		} else if (opt->type == XPAN_OPT_FLAG) {
			*(bool *)((char *)o + opt->offset) = true;
		} else if (opt->type == XPAN_OPT_COUNT) {
			(*(int *)((char *)o + opt->offset))++;
		} else {
			*(const char **)((char *)o + opt->offset) = optarg;
		}
	}
	if (help) {
		print_help(out, path, depth);
		return XPAN_EXIT_OK;
	}
	return -1;
}

int xpan_cli_parse(int argc, char **argv, FILE *out, FILE *err,
		   const struct xpan_cmd **cmd, struct xpan_opts *o,
		   int *pargc, char ***pargv)
{
	const struct xpan_cmd *path[4] = { &xpan_root_cmd };
	int depth = 1, rc;

	memset(o, 0, sizeof(*o));
	for (;;) {
		const struct xpan_cmd *c = path[depth - 1];
		const struct xpan_cmd *s;

		rc = parse_opts(argc, argv, out, err, path, depth, o);
		if (rc >= 0)
			return rc;
		argc -= optind;
		argv += optind;
		if (!c->sub)
			break;
		if (argc < 1) {
			fprintf(err, "xpan: ");
			print_path(err, path, depth);
			fprintf(err, ": missing command\n");
			usage_hint(err, path, depth);
			return XPAN_EXIT_USAGE;
		}
		for (s = c->sub; s->name; s++)
			if (!strcmp(s->name, argv[0]))
				break;
		if (!s->name) {
			fprintf(err, "xpan: unknown command '");
			if (depth > 1) {
				print_path(err, path + 1, depth - 1);
				fputc(' ', err);
			}
			fprintf(err, "%s'\n", argv[0]);
			usage_hint(err, path, depth);
			return XPAN_EXIT_USAGE;
		}
		if (depth >= (int)(sizeof(path) / sizeof(path[0])))
			return XPAN_EXIT_USAGE;
		path[depth++] = s;
		/* argv[0] is the command name, as getopt expects. */
	}
	if (argc < path[depth - 1]->min_args || argc > path[depth - 1]->max_args) {
		fprintf(err, "xpan: ");
		print_path(err, path + 1, depth - 1);
		if (path[depth - 1]->args)
			fprintf(err, ": expects %s\n", path[depth - 1]->args);
		else
			fprintf(err, ": unexpected argument '%s'\n", argv[0]);
		usage_hint(err, path, depth);
		return XPAN_EXIT_USAGE;
	}
	if (o->pretty)
		o->json = true;
	*cmd = path[depth - 1];
	*pargc = argc;
	*pargv = argv;
	return -1;
}

int xpan_cli_main(int argc, char **argv, FILE *out, FILE *err)
{
	const struct xpan_cmd *cmd;
	struct xpan_opts o;
	char **args;
	int nargs, rc;

	rc = xpan_cli_parse(argc, argv, out, err, &cmd, &o, &nargs, &args);
	if (rc >= 0)
		return rc;
	xpan_log_set_level(o.verbose >= 2 ? XPAN_LOG_DEBUG :
			   o.verbose ? XPAN_LOG_INFO : XPAN_LOG_WARN);
	return cmd->run(&o, nargs, args);
}

const char *xpan_opts_bpffs(const struct xpan_opts *o)
{
	static char from_cfg[XPAN_CFG_PATH_MAX];
	struct xpan_config cfg = { 0 };
	char msg[512];

	if (o->bpffs)
		return o->bpffs;
	if (!o->config)
		return XPAN_DEFAULT_BPFFS;
	if (xpan_config_load(o->config, &cfg, msg, sizeof(msg))) {
		pr_warn("%s - fix the config or pass --bpffs DIR\n", msg);
		return NULL;
	}
	snprintf(from_cfg, sizeof(from_cfg), "%s",
		 cfg.bpffs[0] ? cfg.bpffs : XPAN_DEFAULT_BPFFS);
	xpan_config_free(&cfg);
	return from_cfg;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The xpan CLI without root: argument parsing and help through the parser
 * (in process), exit codes and messages through build/xpan (a subprocess),
 * and the drop reason names the CLI prints.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/xpan_shared.h"
#include "drop_names.h"
#include "loader/cli.h"
#include "loader/output.h"

#define XPAN_BIN "build/xpan"

struct parsed {
	int rc;
	char *out;
	char *err;
	const struct xpan_cmd *cmd;
	struct xpan_opts o;
	int argc;
	char **argv;
	char *words[16];
	char buf[512];
};

/* Parse a command line given as one string (split on spaces). */
static void parse(struct parsed *p, const char *line)
{
	size_t olen = 0, elen = 0;
	FILE *out, *err;
	int n = 0;

	memset(p, 0, sizeof(*p));
	snprintf(p->buf, sizeof(p->buf), "xpan %s", line);
	for (char *t = strtok(p->buf, " "); t && n < 15; t = strtok(NULL, " "))
		p->words[n++] = t;
	out = open_memstream(&p->out, &olen);
	err = open_memstream(&p->err, &elen);
	cr_assert(out && err);
	p->rc = xpan_cli_parse(n, p->words, out, err, &p->cmd, &p->o, &p->argc,
			       &p->argv);
	fclose(out);
	fclose(err);
}

static void parsed_free(struct parsed *p)
{
	free(p->out);
	free(p->err);
}

/* Every command and group, by walking the same tables the parser uses. */
static void check_help(const char *path, const struct xpan_cmd *c)
{
	char line[128], usage[160];
	struct parsed p;

	snprintf(line, sizeof(line), "%s%s--help", path, path[0] ? " " : "");
	parse(&p, line);
	cr_assert_eq(p.rc, XPAN_EXIT_OK, "'xpan %s' exits %d", line, p.rc);
	snprintf(usage, sizeof(usage), "Usage: xpan%s%s", path[0] ? " " : "", path);
	cr_assert(strstr(p.out, usage), "'xpan %s' prints '%s', got:\n%s", line,
		  usage, p.out);
	cr_assert(strstr(p.out, "--help"), "help of '%s' lists --help", path);
	cr_assert_str_empty(p.err, "help of '%s' writes nothing to stderr", path);
	parsed_free(&p);

	for (const struct xpan_cmd *s = c->sub; s && s->name; s++) {
		char sub[128];

		snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? " " : "", s->name);
		check_help(sub, s);
	}
}

Test(cli, help_for_every_command)
{
	check_help("", &xpan_root_cmd);
}

Test(cli, contract_commands_exist)
{
	static const char *const cmds[] = {
		"load", "unload", "status", "reload", "show nodes", "show vlans",
		"show ports", "show stats", "storage stats", "storage luns",
		"storage move", "storage rescan", "storage refresh",
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char line[64];
		struct parsed p;

		snprintf(line, sizeof(line), "%s -h", cmds[i]);
		parse(&p, line);
		cr_assert_eq(p.rc, 0, "'xpan %s' is a command", line);
		cr_assert(strstr(p.out, cmds[i]), "help mentions '%s'", cmds[i]);
		parsed_free(&p);
	}
}

Test(cli, short_help_and_help_lists_subcommands)
{
	struct parsed p;

	parse(&p, "show -h");
	cr_assert_eq(p.rc, 0);
	cr_assert(strstr(p.out, "nodes") && strstr(p.out, "vlans") &&
		  strstr(p.out, "ports") && strstr(p.out, "stats"),
		  "show help lists its commands:\n%s", p.out);
	parsed_free(&p);
}

Test(cli, unknown_command_is_usage_error)
{
	struct parsed p;

	parse(&p, "bogus");
	cr_assert_eq(p.rc, XPAN_EXIT_USAGE);
	cr_assert(strstr(p.err, "unknown command 'bogus'"), "got: %s", p.err);
	cr_assert(strstr(p.err, "xpan --help"), "points at --help: %s", p.err);
	parsed_free(&p);
}

Test(cli, unknown_subcommand_is_usage_error)
{
	struct parsed p;

	parse(&p, "show bogus");
	cr_assert_eq(p.rc, XPAN_EXIT_USAGE);
	cr_assert(strstr(p.err, "unknown command 'show bogus'"), "got: %s", p.err);
	parsed_free(&p);

	parse(&p, "storage bogus -j");
	cr_assert_eq(p.rc, XPAN_EXIT_USAGE);
	parsed_free(&p);
}

Test(cli, missing_command_is_usage_error)
{
	struct parsed p;

	parse(&p, "");
	cr_assert_eq(p.rc, XPAN_EXIT_USAGE);
	cr_assert(strstr(p.err, "missing command"), "got: %s", p.err);
	parsed_free(&p);

	parse(&p, "show");
	cr_assert_eq(p.rc, XPAN_EXIT_USAGE);
	cr_assert(strstr(p.err, "xpan show: missing command"), "got: %s", p.err);
	parsed_free(&p);
}

Test(cli, unknown_and_incomplete_options)
{
	struct parsed p;

	parse(&p, "show ports --bogus");
	cr_assert_eq(p.rc, XPAN_EXIT_USAGE);
	cr_assert(strstr(p.err, "unknown option '--bogus'"), "got: %s", p.err);
	parsed_free(&p);

	parse(&p, "show ports -x");
	cr_assert_eq(p.rc, XPAN_EXIT_USAGE);
	cr_assert(strstr(p.err, "'-x'"), "got: %s", p.err);
	parsed_free(&p);

	parse(&p, "show ports --bpffs");
	cr_assert_eq(p.rc, XPAN_EXIT_USAGE);
	cr_assert(strstr(p.err, "needs an argument"), "got: %s", p.err);
	parsed_free(&p);

	/* An option of another command is not accepted here. */
	parse(&p, "reload -j");
	cr_assert_eq(p.rc, XPAN_EXIT_USAGE);
	parsed_free(&p);
	parse(&p, "unload --socket /x");
	cr_assert_eq(p.rc, XPAN_EXIT_USAGE);
	parsed_free(&p);
}

Test(cli, options_are_parsed)
{
	struct parsed p;

	parse(&p, "show stats -j --bpffs /sys/fs/bpf/xpan-t-x");
	cr_assert_eq(p.rc, -1, "ready to run, err: %s", p.err);
	cr_assert_str_eq(p.cmd->name, "stats");
	cr_assert(p.o.json);
	cr_assert_str_eq(p.o.bpffs, "/sys/fs/bpf/xpan-t-x");
	cr_assert_eq(p.argc, 0);
	parsed_free(&p);

	parse(&p, "-v show nodes --socket /tmp/s.sock -v");
	cr_assert_eq(p.rc, -1, "err: %s", p.err);
	cr_assert_str_eq(p.cmd->name, "nodes");
	cr_assert_eq(p.o.verbose, 2, "-v before and after the command count");
	cr_assert_not(p.o.json);
	cr_assert_str_eq(p.o.socket, "/tmp/s.sock");
	parsed_free(&p);

	parse(&p, "status -p");
	cr_assert_eq(p.rc, -1);
	cr_assert(p.o.json, "--pretty implies --json");
	parsed_free(&p);

	parse(&p, "load -c /etc/xpan.yaml");
	cr_assert_eq(p.rc, -1);
	cr_assert_str_eq(p.cmd->name, "load");
	cr_assert_str_eq(p.o.config, "/etc/xpan.yaml");
	cr_assert_null(p.o.bpffs);
	parsed_free(&p);
}

Test(cli, positional_arguments)
{
	struct parsed p;

	parse(&p, "storage move n1 iqn.2026-11.io.xpan:spare -S /tmp/iod.sock");
	cr_assert_eq(p.rc, -1, "err: %s", p.err);
	cr_assert_str_eq(p.cmd->name, "move");
	cr_assert_eq(p.argc, 2);
	cr_assert_str_eq(p.argv[0], "n1");
	cr_assert_str_eq(p.argv[1], "iqn.2026-11.io.xpan:spare");
	cr_assert_str_eq(p.o.iod_socket, "/tmp/iod.sock");
	parsed_free(&p);

	parse(&p, "storage move n1");
	cr_assert_eq(p.rc, XPAN_EXIT_USAGE);
	cr_assert(strstr(p.err, "NODE INITIATOR"), "got: %s", p.err);
	parsed_free(&p);

	parse(&p, "show ports extra");
	cr_assert_eq(p.rc, XPAN_EXIT_USAGE);
	cr_assert(strstr(p.err, "unexpected argument 'extra'"), "got: %s", p.err);
	parsed_free(&p);
}

Test(cli, version)
{
	struct parsed p;

	parse(&p, "-V");
	cr_assert_eq(p.rc, 0);
	cr_assert(!strncmp(p.out, "xpan ", 5), "got: %s", p.out);
	parsed_free(&p);
}

/* ---- the binary ---- */

struct run {
	int status;
	char out[8192];
	char err[8192];
};

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	unlink(path);
}

/* Run build/xpan with args (shell words), capture exit code and output. */
static void run_xpan(struct run *r, const char *args)
{
	char cmd[1024], out[] = "/tmp/xpan-t-cli-out-XXXXXX",
			   err[] = "/tmp/xpan-t-cli-err-XXXXXX";
	int fo = mkstemp(out), fe = mkstemp(err), st;

	cr_assert(fo >= 0 && fe >= 0);
	close(fo);
	close(fe);
	cr_assert_eq(access(XPAN_BIN, X_OK), 0,
		     "%s missing - run 'make' before the unit tests", XPAN_BIN);
	snprintf(cmd, sizeof(cmd), "%s %s >%s 2>%s", XPAN_BIN, args, out, err);
	st = system(cmd);
	cr_assert(WIFEXITED(st), "'%s' did not exit normally", cmd);
	r->status = WEXITSTATUS(st);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

Test(xpan_bin, exit_codes)
{
	struct run r;

	run_xpan(&r, "--help");
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "Exit codes"), "got: %s", r.out);

	run_xpan(&r, "show --help");
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "Usage: xpan show"), "got: %s", r.out);

	run_xpan(&r, "frobnicate");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "unknown command 'frobnicate'"), "got: %s", r.err);

	run_xpan(&r, "show bogus");
	cr_assert_eq(r.status, 2);
	cr_assert_str_empty(r.out);
}

Test(xpan_bin, failures_say_what_and_how_to_fix)
{
	struct run r;

	/* Not loaded: exit 1 with the object, errno text and a fix. */
	run_xpan(&r, "show ports --bpffs /nonexistent/xpan-t-cli");
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "/nonexistent/xpan-t-cli/xpan_ports"), "got: %s", r.err);
	cr_assert(strstr(r.err, "No such file or directory"), "got: %s", r.err);
	cr_assert(strstr(r.err, "xpan load"), "got: %s", r.err);

	run_xpan(&r, "show nodes --socket /nonexistent/xpan-t-cli.sock");
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "xpan-ctrld"), "got: %s", r.err);

	run_xpan(&r, "status -j --socket /nonexistent/c.sock --bpffs /nonexistent/d");
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.out, "\"ok\":false"), "JSON verdict, got: %s", r.out);

	run_xpan(&r, "storage move 'n 1' iqn.x --iod-socket /nonexistent/i.sock");
	cr_assert_eq(r.status, 2, "a word with a space cannot go into the line protocol");
}

/* ---- drop reason names ---- */

Test(drop_names, every_reason_named_and_unique)
{
	for (unsigned int r = 0; r < XPAN_DROP_MAX; r++) {
		const char *n = xpan_drop_name(r);

		cr_assert_not_null(n, "drop reason %u has no name in lib/drop_names.c", r);
		cr_assert_not_null(xpan_drop_desc(r));
		cr_assert_eq(xpan_drop_from_name(n), (int)r, "%s maps back", n);
		for (unsigned int q = 0; q < r; q++)
			cr_assert_str_neq(n, xpan_drop_name(q));
	}
	cr_assert_null(xpan_drop_name(XPAN_DROP_MAX));
	cr_assert_eq(xpan_drop_from_name("bogus"), -1);
}

Test(drop_names, label_falls_back_to_number)
{
	char buf[32], want[32];

	cr_assert_str_eq(xpan_drop_label(XPAN_DROP_SPOOFED_SRC, buf, sizeof(buf)),
			 "spoofed_src");
	snprintf(want, sizeof(want), "reason_%u", XPAN_DROP_MAX + 3);
	cr_assert_str_eq(xpan_drop_label(XPAN_DROP_MAX + 3, buf, sizeof(buf)),
			 want);
}

/* ---- one call site, two formats ---- */

static char *render_row(bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct out o;

	cr_assert_eq(out_open(&o, f, json, false), 0);
	out_text(&o, "%-6s%s\n", "NAME", "FLAGS");
	out_arr_start(&o, NULL);
	out_obj_start(&o, NULL);
	out_str(&o, "name", "%-6s", "a\"b");
	out_uint(&o, "vlan", NULL, 10);
	out_arr_start(&o, "flags");
	out_elem_str(&o, "%s", "enabled");
	out_arr_end(&o);
	out_bool(&o, "ok", " %s\n", true);
	out_obj_end(&o);
	out_arr_end(&o);
	out_close(&o);
	fclose(f);
	return buf;
}

Test(output, text_and_json_from_the_same_calls)
{
	char *text = render_row(false), *json = render_row(true);

	cr_assert_str_eq(text, "NAME  FLAGS\na\"b   enabled yes\n");
	cr_assert_str_eq(json,
			 "[{\"name\":\"a\\\"b\",\"vlan\":10,\"flags\":[\"enabled\"],\"ok\":true}]\n");
	free(text);
	free(json);
}

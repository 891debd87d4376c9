// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <criterion/criterion.h>
#include <string.h>

#include "yamldoc.h"

static const char doc_text[] =
	"platform:\n"
	"  serial: 7\n"
	"  big: 70000\n"
	"sizes: [4096, 512M, 1G, 2GiB, 3x]\n"
	"flags: { on: yes, off: false, bad: maybe }\n"
	"typo: 1\n";

static struct ydoc d;
static char err[256];

static void load(void)
{
	cr_assert_eq(ydoc_load_string(&d, "t.yaml", doc_text, strlen(doc_text),
				      err, sizeof(err)), 0, "load: %s", err);
}

static void unload(void)
{
	ydoc_free(&d);
}

TestSuite(yamldoc, .init = load, .fini = unload);

Test(yamldoc, lookup_and_numbers)
{
	yaml_node_t *plat = ydoc_get(&d, ydoc_root(&d), "platform");
	uint64_t v = 0;

	cr_assert(ydoc_is_map(plat), "platform is a mapping");
	cr_assert_eq(ydoc_u64(&d, ydoc_get(&d, plat, "serial"), 65535, &v, "serial",
			      err, sizeof(err)), 0, "serial parses");
	cr_assert_eq(v, 7, "serial value");
	cr_assert_eq(ydoc_u64(&d, ydoc_get(&d, plat, "big"), 65535, &v, "serial",
			      err, sizeof(err)), -1, "range check");
	cr_assert(strstr(err, "t.yaml:3:") != NULL, "error names file:line, got %s", err);
	cr_assert(strstr(err, "out of range") != NULL, "error says why, got %s", err);
	cr_assert_null(ydoc_get(&d, plat, "absent"), "absent key");
}

Test(yamldoc, sizes)
{
	yaml_node_t *s = ydoc_get(&d, ydoc_root(&d), "sizes");
	uint64_t want[] = { 4096, 512ULL << 20, 1ULL << 30, 2ULL << 30 };
	uint64_t v;

	cr_assert_eq(ydoc_seq_len(s), 5, "five sizes");
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(ydoc_size(&d, ydoc_seq_at(&d, s, i), &v, "size", err,
				       sizeof(err)), 0, "size %zu: %s", i, err);
		cr_assert_eq(v, want[i], "size %zu value", i);
	}
	cr_assert_eq(ydoc_size(&d, ydoc_seq_at(&d, s, 4), &v, "size", err,
			       sizeof(err)), -1, "3x is not a size");
	cr_assert(strstr(err, "t.yaml:4:") != NULL, "located: %s", err);
}

Test(yamldoc, bools)
{
	yaml_node_t *f = ydoc_get(&d, ydoc_root(&d), "flags");
	bool b = false;

	cr_assert_eq(ydoc_bool(&d, ydoc_get(&d, f, "on"), &b, "on", err, sizeof(err)), 0);
	cr_assert(b, "yes is true");
	cr_assert_eq(ydoc_bool(&d, ydoc_get(&d, f, "off"), &b, "off", err, sizeof(err)), 0);
	cr_assert(!b, "false is false");
	cr_assert_eq(ydoc_bool(&d, ydoc_get(&d, f, "bad"), &b, "bad", err, sizeof(err)), -1,
		     "maybe is rejected");
}

Test(yamldoc, unknown_keys)
{
	static const char *const allowed[] = { "platform", "sizes", "flags", NULL };

	cr_assert_eq(ydoc_check_keys(&d, ydoc_root(&d), allowed, "the top level",
				     err, sizeof(err)), -1, "typo is reported");
	cr_assert(strstr(err, "t.yaml:6: unknown key 'typo'") != NULL, "message: %s", err);
}

Test(yamldoc_errors, bad_yaml_has_line)
{
	static const char bad[] = "a: 1\nb: [1, 2\nc: 3\n";
	struct ydoc bd;

	cr_assert_eq(ydoc_load_string(&bd, "bad.yaml", bad, strlen(bad), err,
				      sizeof(err)), -1, "unterminated flow sequence");
	cr_assert(strstr(err, "bad.yaml:") != NULL, "names the file: %s", err);
	cr_assert(strstr(err, "bad.yaml:0:") == NULL, "line is 1-based: %s", err);
}

Test(yamldoc_errors, missing_file)
{
	struct ydoc md;

	cr_assert_eq(ydoc_load(&md, "/nonexistent/x.yaml", err, sizeof(err)), -1);
	cr_assert(strstr(err, "cannot open") != NULL, "says what: %s", err);
}

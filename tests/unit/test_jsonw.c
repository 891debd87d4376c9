// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

/* Render with a writer into a heap string the test frees. */
static char *render(void (*fn)(struct jsonw *), bool pretty)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jsonw *jw = jsonw_new(f, pretty);

	fn(jw);
	jsonw_destroy(&jw);
	fclose(f);
	return buf;
}

static void nested(struct jsonw *jw)
{
	jsonw_start_array(jw);
	jsonw_start_object(jw);
	jsonw_string_field(jw, "name", "n1");
	jsonw_uint_field(jw, "vlan", 10);
	jsonw_name(jw, "ips");
	jsonw_start_array(jw);
	jsonw_string(jw, "10.0.0.1/24");
	jsonw_string(jw, "10.0.0.2/24");
	jsonw_end_array(jw);
	jsonw_bool_field(jw, "up", true);
	jsonw_end_object(jw);
	jsonw_start_object(jw);
	jsonw_int_field(jw, "neg", -3);
	jsonw_name(jw, "none");
	jsonw_null(jw);
	jsonw_end_object(jw);
	jsonw_end_array(jw);
}

Test(jsonw, compact_nested)
{
	char *s = render(nested, false);

	cr_assert_str_eq(s,
		"[{\"name\":\"n1\",\"vlan\":10,\"ips\":[\"10.0.0.1/24\",\"10.0.0.2/24\"],"
		"\"up\":true},{\"neg\":-3,\"none\":null}]\n",
		"compact rendering of nested containers");
	free(s);
}

Test(jsonw, pretty_has_same_tokens)
{
	char *p = render(nested, true), *c = render(nested, false);
	char *q = p, *out = p;

	/* strip whitespace outside strings (there are no spaces in strings here) */
	for (; *q; q++)
		if (*q != ' ' && *q != '\n')
			*out++ = *q;
	*out = '\0';
	c[strlen(c) - 1] = '\0';
	cr_assert_str_eq(p, c, "pretty output differs only in whitespace");
	free(p);
	free(c);
}

static void escapes(struct jsonw *jw)
{
	jsonw_string(jw, "a\"b\\c\nd\x01");
}

Test(jsonw, escaping)
{
	char *s = render(escapes, false);

	cr_assert_str_eq(s, "\"a\\\"b\\\\c\\nd\\u0001\"\n", "control chars and quotes escaped");
	free(s);
}

static void empties(struct jsonw *jw)
{
	jsonw_start_object(jw);
	jsonw_name(jw, "a");
	jsonw_start_array(jw);
	jsonw_end_array(jw);
	jsonw_name(jw, "o");
	jsonw_start_object(jw);
	jsonw_end_object(jw);
	jsonw_end_object(jw);
}

Test(jsonw, empty_containers)
{
	char *s = render(empties, true);

	cr_assert_str_eq(s, "{\n  \"a\": [],\n  \"o\": {}\n}\n", "empty containers stay on one line");
	free(s);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <inttypes.h>
#include <stdlib.h>

#include "jsonw.h"

#define JSONW_MAX_DEPTH 32

struct jsonw {
	FILE *f;
	bool pretty;
	int depth;
	/* whether the container at each depth already holds an element */
	bool has_elem[JSONW_MAX_DEPTH];
	/* a name was just written, so the next value needs no separator */
	bool after_name;
};

struct jsonw *jsonw_new(FILE *f, bool pretty)
{
	struct jsonw *jw = calloc(1, sizeof(*jw));

	if (!jw)
		return NULL;
	jw->f = f;
	jw->pretty = pretty;
	return jw;
}

void jsonw_destroy(struct jsonw **jw)
{
	if (!*jw)
		return;
	fputc('\n', (*jw)->f);
	free(*jw);
	*jw = NULL;
}

static void indent(struct jsonw *jw)
{
	if (!jw->pretty)
		return;
	fputc('\n', jw->f);
	for (int i = 0; i < jw->depth; i++)
		fputs("  ", jw->f);
}

/* Separator and indentation before a value or a name. */
static void begin_elem(struct jsonw *jw)
{
	if (jw->after_name) {
		jw->after_name = false;
		return;
	}
	if (jw->depth > 0) {
		if (jw->has_elem[jw->depth])
			fputc(',', jw->f);
		jw->has_elem[jw->depth] = true;
		indent(jw);
	}
}

static void open_container(struct jsonw *jw, char c)
{
	begin_elem(jw);
	fputc(c, jw->f);
	if (jw->depth < JSONW_MAX_DEPTH - 1)
		jw->depth++;
	jw->has_elem[jw->depth] = false;
}

static void close_container(struct jsonw *jw, char c)
{
	bool had = jw->has_elem[jw->depth];

	if (jw->depth > 0)
		jw->depth--;
	if (had)
		indent(jw);
	fputc(c, jw->f);
}

void jsonw_start_object(struct jsonw *jw) { open_container(jw, '{'); }
void jsonw_end_object(struct jsonw *jw) { close_container(jw, '}'); }
void jsonw_start_array(struct jsonw *jw) { open_container(jw, '['); }
void jsonw_end_array(struct jsonw *jw) { close_container(jw, ']'); }

static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void jsonw_name(struct jsonw *jw, const char *name)
{
	begin_elem(jw);
	put_quoted(jw->f, name);
	fputs(jw->pretty ? ": " : ":", jw->f);
	jw->after_name = true;
}

void jsonw_string(struct jsonw *jw, const char *s)
{
	begin_elem(jw);
	if (s)
		put_quoted(jw->f, s);
	else
		fputs("null", jw->f);
}

void jsonw_raw(struct jsonw *jw, const char *json)
{
	begin_elem(jw);
	fputs(json ? json : "null", jw->f);
}

void jsonw_uint(struct jsonw *jw, uint64_t v)
{
	begin_elem(jw);
	fprintf(jw->f, "%" PRIu64, v);
}

void jsonw_int(struct jsonw *jw, int64_t v)
{
	begin_elem(jw);
	fprintf(jw->f, "%" PRId64, v);
}

void jsonw_float(struct jsonw *jw, double v)
{
	begin_elem(jw);
	fprintf(jw->f, "%.6g", v);
}

void jsonw_bool(struct jsonw *jw, bool v)
{
	begin_elem(jw);
	fputs(v ? "true" : "false", jw->f);
}

void jsonw_null(struct jsonw *jw)
{
	begin_elem(jw);
	fputs("null", jw->f);
}

void jsonw_string_field(struct jsonw *jw, const char *n, const char *s)
{
	jsonw_name(jw, n);
	jsonw_string(jw, s);
}

void jsonw_uint_field(struct jsonw *jw, const char *n, uint64_t v)
{
	jsonw_name(jw, n);
	jsonw_uint(jw, v);
}

void jsonw_int_field(struct jsonw *jw, const char *n, int64_t v)
{
	jsonw_name(jw, n);
	jsonw_int(jw, v);
}

void jsonw_float_field(struct jsonw *jw, const char *n, double v)
{
	jsonw_name(jw, n);
	jsonw_float(jw, v);
}

void jsonw_bool_field(struct jsonw *jw, const char *n, bool v)
{
	jsonw_name(jw, n);
	jsonw_bool(jw, v);
}

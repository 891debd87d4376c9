// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>

#include "output.h"

int out_open(struct out *o, FILE *f, bool json, bool pretty)
{
	o->f = f;
	o->jw = NULL;
	if (!json)
		return 0;
	o->jw = jsonw_new(f, pretty);
	return o->jw ? 0 : -ENOMEM;
}

void out_close(struct out *o)
{
	if (o->jw)
		jsonw_destroy(&o->jw);
	fflush(o->f);
}

void out_text(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->jw)
		return;
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
}

static void json_key(struct out *o, const char *key)
{
	if (key)
		jsonw_name(o->jw, key);
}

void out_obj_start(struct out *o, const char *key)
{
	if (!o->jw)
		return;
	json_key(o, key);
	jsonw_start_object(o->jw);
}

void out_obj_end(struct out *o)
{
	if (o->jw)
		jsonw_end_object(o->jw);
}

void out_arr_start(struct out *o, const char *key)
{
	if (!o->jw)
		return;
	json_key(o, key);
	jsonw_start_array(o->jw);
}

void out_arr_end(struct out *o)
{
	if (o->jw)
		jsonw_end_array(o->jw);
}

/* The format strings are the callers' literals, checked there by the
 * compiler through the typed wrappers below. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

void out_str(struct out *o, const char *key, const char *fmt, const char *v)
{
	if (o->jw) {
		if (!key)
			return;
		jsonw_name(o->jw, key);
		jsonw_string(o->jw, v);
	} else if (fmt) {
		fprintf(o->f, fmt, v);
	}
}

void out_uint(struct out *o, const char *key, const char *fmt, uint64_t v)
{
	if (o->jw) {
		if (!key)
			return;
		jsonw_name(o->jw, key);
		jsonw_uint(o->jw, v);
	} else if (fmt) {
		fprintf(o->f, fmt, v);
	}
}

void out_bool(struct out *o, const char *key, const char *fmt, bool v)
{
	if (o->jw) {
		if (!key)
			return;
		jsonw_name(o->jw, key);
		jsonw_bool(o->jw, v);
	} else if (fmt) {
		fprintf(o->f, fmt, v ? "yes" : "no");
	}
}

void out_elem_str(struct out *o, const char *fmt, const char *v)
{
	if (o->jw)
		jsonw_string(o->jw, v);
	else if (fmt)
		fprintf(o->f, fmt, v);
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small streaming JSON writer: commas, quoting and escaping are handled
 * here so callers only say what they mean. Output is compact unless
 * pretty is set.
 */
#ifndef XPAN_JSONW_H
#define XPAN_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct jsonw;

struct jsonw *jsonw_new(FILE *f, bool pretty);
/* Ends the output with a newline and frees the writer. */
void jsonw_destroy(struct jsonw **jw);

void jsonw_start_object(struct jsonw *jw);
void jsonw_end_object(struct jsonw *jw);
void jsonw_start_array(struct jsonw *jw);
void jsonw_end_array(struct jsonw *jw);
/* Key of the next value inside an object. */
void jsonw_name(struct jsonw *jw, const char *name);

/* A value already serialized (one whole JSON value), written as it is. */
void jsonw_raw(struct jsonw *jw, const char *json);
void jsonw_string(struct jsonw *jw, const char *s);
void jsonw_uint(struct jsonw *jw, uint64_t v);
void jsonw_int(struct jsonw *jw, int64_t v);
void jsonw_float(struct jsonw *jw, double v);
void jsonw_bool(struct jsonw *jw, bool v);
void jsonw_null(struct jsonw *jw);

/* name + value in one call */
void jsonw_string_field(struct jsonw *jw, const char *name, const char *s);
void jsonw_uint_field(struct jsonw *jw, const char *name, uint64_t v);
void jsonw_int_field(struct jsonw *jw, const char *name, int64_t v);
void jsonw_float_field(struct jsonw *jw, const char *name, double v);
void jsonw_bool_field(struct jsonw *jw, const char *name, bool v);

#endif

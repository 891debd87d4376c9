/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One call prints a value as text and as JSON (as iproute2's
 * print_string/print_uint): the key is used in JSON mode, the printf
 * format in text mode, and either may be NULL to print in one mode only.
 */
#ifndef XPAN_LOADER_OUTPUT_H
#define XPAN_LOADER_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "jsonw.h"

struct out {
	FILE *f;
	struct jsonw *jw;	/* NULL in text mode */
};

/* 0, or -ENOMEM. */
int out_open(struct out *o, FILE *f, bool json, bool pretty);
/* Terminates the JSON document. */
void out_close(struct out *o);

static inline bool out_is_json(const struct out *o)
{
	return o->jw != NULL;
}

/* Text mode only. */
void out_text(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* JSON containers (no text output); key NULL inside arrays. */
void out_obj_start(struct out *o, const char *key);
void out_obj_end(struct out *o);
void out_arr_start(struct out *o, const char *key);
void out_arr_end(struct out *o);

void out_str(struct out *o, const char *key, const char *fmt, const char *v);
void out_uint(struct out *o, const char *key, const char *fmt, uint64_t v);
/* An element of a JSON array; in text mode fmt as usual. */
void out_elem_str(struct out *o, const char *fmt, const char *v);
void out_bool(struct out *o, const char *key, const char *fmt, bool v);

#endif

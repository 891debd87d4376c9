/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Helpers over libyaml's document API for reading xpan's config file: look
 * up keys, walk sequences and mappings, convert scalars, and format errors
 * as "FILE:LINE: what is wrong" so every config error names its place.
 * Both xpan-ctrld and xpan-iod read the same file through these.
 */
#ifndef XPAN_YAMLDOC_H
#define XPAN_YAMLDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "config_errors.h"

struct ydoc {
	yaml_document_t doc;
	char path[256];
	bool loaded;
	/* Set: every error is recorded here and checks go on (--check). */
	struct xpan_cfg_errors *errs;
};

/* Parse path. 0 on success; -1 with "FILE:LINE: ..." in err. */
int ydoc_load(struct ydoc *d, const char *path, char *err, size_t errlen);
/* Parse an in-memory buffer (tests); name is used in messages. */
int ydoc_load_string(struct ydoc *d, const char *name, const char *buf,
		     size_t len, char *err, size_t errlen);
void ydoc_free(struct ydoc *d);

/* NULL when the document is empty. */
yaml_node_t *ydoc_root(struct ydoc *d);
/* 1-based source line of a node. */
int ydoc_line(const yaml_node_t *n);

bool ydoc_is_map(const yaml_node_t *n);
bool ydoc_is_seq(const yaml_node_t *n);
/* The scalar's text, or NULL when n is not a scalar. */
const char *ydoc_scalar(const yaml_node_t *n);

/* Value for key in a mapping; NULL when absent or map is not a mapping. */
yaml_node_t *ydoc_get(struct ydoc *d, yaml_node_t *map, const char *key);

size_t ydoc_seq_len(const yaml_node_t *seq);
yaml_node_t *ydoc_seq_at(struct ydoc *d, yaml_node_t *seq, size_t i);
size_t ydoc_map_len(const yaml_node_t *map);
yaml_node_t *ydoc_map_key(struct ydoc *d, yaml_node_t *map, size_t i);
yaml_node_t *ydoc_map_val(struct ydoc *d, yaml_node_t *map, size_t i);

/*
 * Checks that every key of map is in the NULL-terminated allowed list;
 * an unknown key (a typo, usually) is an error naming the key and its line.
 */
int ydoc_check_keys(struct ydoc *d, yaml_node_t *map, const char *const *allowed,
		    const char *what, char *err, size_t errlen);

/* Scalar conversions; each returns 0, or -1 with a located message. */
int ydoc_u64(struct ydoc *d, yaml_node_t *n, uint64_t max, uint64_t *out,
	     const char *what, char *err, size_t errlen);
/* Sizes: plain bytes or with suffix K/M/G/T (powers of 1024, "1G", "512M"). */
int ydoc_size(struct ydoc *d, yaml_node_t *n, uint64_t *out, const char *what,
	      char *err, size_t errlen);
int ydoc_bool(struct ydoc *d, yaml_node_t *n, bool *out, const char *what,
	      char *err, size_t errlen);
/* Non-empty scalar string. */
int ydoc_str(struct ydoc *d, yaml_node_t *n, const char **out,
	     const char *what, char *err, size_t errlen);

/* Format "FILE:LINE: msg" into err (line from n; n may be NULL). */
int ydoc_err(struct ydoc *d, const yaml_node_t *n, char *err, size_t errlen,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ydoc_soft_err() with an explicit line (0: none), for checks across
 * nodes and sections. */
int ydoc_soft_err_line(struct ydoc *d, int line, char *err, size_t errlen,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* True when errors are being collected: after a failed check the caller
 * goes on with the next independent one instead of returning. */
static inline bool ydoc_collecting(const struct ydoc *d)
{
	return d->errs != NULL;
}
/*
 * A refusal the caller can go past: records it like ydoc_err(), then -1
 * when stopping at the first error, 0 when collecting, so
 * "if (bad && ydoc_soft_err(...)) return -1;" moves on to the next check.
 */
int ydoc_soft_err(struct ydoc *d, const yaml_node_t *n, char *err,
		  size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Parse a size string like "1G" outside a document. 0 or -1. */
int xpan_parse_size(const char *s, uint64_t *out);

#endif

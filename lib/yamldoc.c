// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "yamldoc.h"

static int parse_with(struct ydoc *d, yaml_parser_t *p, char *err,
		      size_t errlen)
{
	if (!yaml_parser_load(p, &d->doc)) {
		snprintf(err, errlen, "%s:%zu: %s%s%s", d->path,
			 p->problem_mark.line + 1,
			 p->problem ? p->problem : "invalid YAML",
			 p->context ? " " : "", p->context ? p->context : "");
		yaml_parser_delete(p);
		return -1;
	}
	yaml_parser_delete(p);
	d->loaded = true;
	return 0;
}

int ydoc_load(struct ydoc *d, const char *path, char *err, size_t errlen)
{
	yaml_parser_t p;
	FILE *f;
	int ret;

	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "%s", path);
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return -1;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	ret = parse_with(d, &p, err, errlen);
	fclose(f);
	return ret;
}

int ydoc_load_string(struct ydoc *d, const char *name, const char *buf,
		     size_t len, char *err, size_t errlen)
{
	yaml_parser_t p;

	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "%s", name);
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	return parse_with(d, &p, err, errlen);
}

void ydoc_free(struct ydoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = false;
}

yaml_node_t *ydoc_root(struct ydoc *d)
{
	return d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;
}

int ydoc_line(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.line + 1 : 0;
}

bool ydoc_is_map(const yaml_node_t *n)
{
	return n && n->type == YAML_MAPPING_NODE;
}

bool ydoc_is_seq(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE;
}

const char *ydoc_scalar(const yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

size_t ydoc_map_len(const yaml_node_t *map)
{
	if (!ydoc_is_map(map))
		return 0;
	return map->data.mapping.pairs.top - map->data.mapping.pairs.start;
}

yaml_node_t *ydoc_map_key(struct ydoc *d, yaml_node_t *map, size_t i)
{
	if (i >= ydoc_map_len(map))
		return NULL;
	return yaml_document_get_node(&d->doc,
				      map->data.mapping.pairs.start[i].key);
}

yaml_node_t *ydoc_map_val(struct ydoc *d, yaml_node_t *map, size_t i)
{
	if (i >= ydoc_map_len(map))
		return NULL;
	return yaml_document_get_node(&d->doc,
				      map->data.mapping.pairs.start[i].value);
}

yaml_node_t *ydoc_get(struct ydoc *d, yaml_node_t *map, const char *key)
{
	size_t n = ydoc_map_len(map);

	for (size_t i = 0; i < n; i++) {
		const char *k = ydoc_scalar(ydoc_map_key(d, map, i));

		if (k && strcmp(k, key) == 0)
			return ydoc_map_val(d, map, i);
	}
	return NULL;
}

size_t ydoc_seq_len(const yaml_node_t *seq)
{
	if (!ydoc_is_seq(seq))
		return 0;
	return seq->data.sequence.items.top - seq->data.sequence.items.start;
}

yaml_node_t *ydoc_seq_at(struct ydoc *d, yaml_node_t *seq, size_t i)
{
	if (i >= ydoc_seq_len(seq))
		return NULL;
	return yaml_document_get_node(&d->doc,
				      seq->data.sequence.items.start[i]);
}

void xpan_cfg_errors_add(struct xpan_cfg_errors *errs, int line,
			 const char *msg)
{
	errs->total++;
	if (errs->n >= XPAN_CFG_ERRORS_MAX)
		return;
	errs->e[errs->n].line = line;
	snprintf(errs->e[errs->n].text, sizeof(errs->e[0].text), "%s", msg);
	errs->n++;
}

void xpan_cfg_errors_sort(struct xpan_cfg_errors *errs)
{
	/* Insertion sort: stable, and at most XPAN_CFG_ERRORS_MAX entries. */
	for (size_t i = 1; i < errs->n; i++) {
		size_t j = i;

		while (j > 0 && errs->e[j - 1].line > errs->e[i].line)
			j--;
		if (j < i) {
			struct xpan_cfg_error tmp = errs->e[i];

			memmove(&errs->e[j + 1], &errs->e[j],
				(i - j) * sizeof(errs->e[0]));
			errs->e[j] = tmp;
		}
	}
}

static int verr(struct ydoc *d, int line, char *err, size_t errlen,
		const char *fmt, va_list ap)
{
	int off;

	if (line)
		off = snprintf(err, errlen, "%s:%d: ", d->path, line);
	else
		off = snprintf(err, errlen, "%s: ", d->path);
	if (off >= 0 && (size_t)off < errlen)
		vsnprintf(err + off, errlen - off, fmt, ap);
	if (d->errs)
		xpan_cfg_errors_add(d->errs, line, err);
	return -1;
}

int ydoc_err(struct ydoc *d, const yaml_node_t *n, char *err, size_t errlen,
	     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(d, n ? ydoc_line(n) : 0, err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int ydoc_soft_err_line(struct ydoc *d, int line, char *err, size_t errlen,
		       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(d, line, err, errlen, fmt, ap);
	va_end(ap);
	return ydoc_collecting(d) ? 0 : -1;
}

int ydoc_soft_err(struct ydoc *d, const yaml_node_t *n, char *err,
		  size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(d, n ? ydoc_line(n) : 0, err, errlen, fmt, ap);
	va_end(ap);
	return ydoc_collecting(d) ? 0 : -1;
}

int ydoc_check_keys(struct ydoc *d, yaml_node_t *map, const char *const *allowed,
		    const char *what, char *err, size_t errlen)
{
	size_t n = ydoc_map_len(map);

	for (size_t i = 0; i < n; i++) {
		yaml_node_t *kn = ydoc_map_key(d, map, i);
		const char *k = ydoc_scalar(kn);
		bool ok = false;

		for (const char *const *a = allowed; k && *a; a++)
			if (strcmp(*a, k) == 0)
				ok = true;
		if (!ok && ydoc_soft_err(d, kn, err, errlen,
					 "unknown key '%s' in %s",
					 k ? k : "?", what))
			return -1;
	}
	return 0;
}

int ydoc_str(struct ydoc *d, yaml_node_t *n, const char **out,
	     const char *what, char *err, size_t errlen)
{
	const char *s = ydoc_scalar(n);

	if (!s || !*s)
		return ydoc_err(d, n, err, errlen, "%s must be a non-empty string",
				what);
	*out = s;
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int ydoc_u64(struct ydoc *d, yaml_node_t *n, uint64_t max, uint64_t *out,
	     const char *what, char *err, size_t errlen)
{
	const char *s = ydoc_scalar(n);
	uint64_t v;

	if (parse_u64(s, &v))
		return ydoc_err(d, n, err, errlen,
				"%s must be a number, got '%s'", what,
				s ? s : "(not a scalar)");
	if (v > max)
		return ydoc_err(d, n, err, errlen,
				"%s %llu is out of range (0..%llu)", what,
				(unsigned long long)v, (unsigned long long)max);
	*out = v;
	return 0;
}

int xpan_parse_size(const char *s, uint64_t *out)
{
	char buf[64];
	size_t len;
	unsigned shift = 0;
	uint64_t v;

	if (!s)
		return -1;
	len = strlen(s);
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len + 1);
	/* accept "1G", "1GB", "1GiB" */
	if (len > 2 && strcasecmp(buf + len - 2, "iB") == 0)
		buf[len -= 2] = '\0';
	else if (len > 1 && toupper((unsigned char)buf[len - 1]) == 'B' &&
		 !isdigit((unsigned char)buf[len - 2]))
		buf[--len] = '\0';
	switch (toupper((unsigned char)buf[len - 1])) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	}
	if (shift)
		buf[--len] = '\0';
	if (parse_u64(buf, &v))
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

int ydoc_size(struct ydoc *d, yaml_node_t *n, uint64_t *out, const char *what,
	      char *err, size_t errlen)
{
	const char *s = ydoc_scalar(n);

	if (xpan_parse_size(s, out))
		return ydoc_err(d, n, err, errlen,
				"%s must be a size like 4096, 512M or 1G, got '%s'",
				what, s ? s : "(not a scalar)");
	return 0;
}

int ydoc_bool(struct ydoc *d, yaml_node_t *n, bool *out, const char *what,
	      char *err, size_t errlen)
{
	const char *s = ydoc_scalar(n);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))) {
		*out = true;
		return 0;
	}
	if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))) {
		*out = false;
		return 0;
	}
	return ydoc_err(d, n, err, errlen, "%s must be true or false, got '%s'",
			what, s ? s : "(not a scalar)");
}

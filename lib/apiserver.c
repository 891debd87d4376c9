// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "apiprint.h"
#include "apiserver.h"
#include "jsonw.h"

_Static_assert(XPAN_API_MAX_REQ == 4096, "XPAN_API_MSG_TOO_LONG says 4096");
_Static_assert(XPAN_API_READ_TIMEOUT_MS == 2000, "XPAN_API_MSG_TIMEOUT says 2000");

#define MAX_WORDS 16

void xpan_api_fail(struct xpan_api_err *err, const char *code,
		   const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

bool xpan_api_is_json(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == ' ' || buf[i] == '\t')
			continue;
		return buf[i] == '{';
	}
	return true;
}

/* "verbs: a | b c | d", for messages that tell what would work. */
static void verb_list(const struct xpan_api_server *s, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (const struct xpan_api_verb *v = s->verbs; v->name && off < len; v++)
		off += snprintf(buf + off, len - off, "%s%s",
				off ? " | " : "verbs: ", v->name);
}

static const struct xpan_api_verb *find_verb(const struct xpan_api_server *s,
					     const char *name)
{
	for (const struct xpan_api_verb *v = s->verbs; v->name; v++)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

static int nargs(const struct xpan_api_verb *v)
{
	int n = 0;

	while (v->args && v->args[n].name && n < XPAN_API_MAX_ARGS)
		n++;
	return n;
}

static const char *type_name(enum xpan_api_type t)
{
	return t == XPAN_API_STRING ? "a string" :
	       t == XPAN_API_BOOL ? "true or false" : "a non-negative integer";
}

/* Copies s (len bytes, no NUL inside) into the request's own store. */
static const char *keep(struct xpan_api_req *req, const char *s, size_t len)
{
	char *p;

	if (req->used + len + 1 > sizeof(req->store))
		return NULL;
	p = req->store + req->used;
	memcpy(p, s, len);
	p[len] = '\0';
	req->used += len + 1;
	return p;
}

/* "usage: storage move <node> <initiator>" ([name] when optional) */
static void usage(const struct xpan_api_verb *v, char *buf, size_t len)
{
	size_t off = snprintf(buf, len, "usage: %s", v->name);

	for (int i = 0; i < nargs(v) && off < len; i++)
		off += snprintf(buf + off, len - off,
				v->args[i].required ? " <%s>" : " [%s]",
				v->args[i].name);
}

static int check_required(const struct xpan_api_req *req,
			  struct xpan_api_err *err)
{
	const struct xpan_api_verb *v = req->verb;
	char u[256];

	for (int i = 0; i < nargs(v); i++)
		if (v->args[i].required && !req->set[i]) {
			usage(v, u, sizeof(u));
			xpan_api_fail(err, XPAN_API_E_BAD_REQUEST,
				      "%s needs argument '%s' (%s); %s",
				      v->name, v->args[i].name,
				      type_name(v->args[i].type), u);
			return -1;
		}
	return 0;
}

static int json_arg(struct xpan_api_req *req, int i, json_t *val,
		    struct xpan_api_err *err)
{
	const struct xpan_api_arg *a = &req->verb->args[i];

	switch (a->type) {
	case XPAN_API_STRING:
		if (!json_is_string(val))
			break;
		if (strlen(json_string_value(val)) != json_string_length(val)) {
			xpan_api_fail(err, XPAN_API_E_BAD_REQUEST,
				      "argument '%s' of %s contains a NUL byte",
				      a->name, req->verb->name);
			return -1;
		}
		req->v[i].s = keep(req, json_string_value(val),
				   json_string_length(val));
		if (!req->v[i].s)
			break;
		req->set[i] = true;
		return 0;
	case XPAN_API_BOOL:
		if (!json_is_boolean(val))
			break;
		req->v[i].b = json_is_true(val);
		req->set[i] = true;
		return 0;
	case XPAN_API_UINT:
		if (!json_is_integer(val) || json_integer_value(val) < 0)
			break;
		req->v[i].u = (uint64_t)json_integer_value(val);
		req->set[i] = true;
		return 0;
	}
	xpan_api_fail(err, XPAN_API_E_BAD_REQUEST,
		      "argument '%s' of %s must be %s", a->name,
		      req->verb->name, type_name(a->type));
	return -1;
}

static int parse_json(const struct xpan_api_server *s, const char *buf,
		      size_t len, struct xpan_api_req *req,
		      struct xpan_api_err *err)
{
	char verbs[1024];
	json_error_t jerr;
	json_t *root, *verb = NULL, *args = NULL, *val;
	const char *key;
	int ret = -1;

	/* No NUL in names or values: jansson refuses \u0000 by default. */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		xpan_api_fail(err, XPAN_API_E_BAD_REQUEST,
			      "not JSON (%s at byte %d): send one object on one line, {\"verb\": ..., \"args\": {...}}",
			      jerr.text, jerr.position);
		return -1;
	}
	if (!json_is_object(root)) {
		xpan_api_fail(err, XPAN_API_E_BAD_REQUEST,
			      "a request is a JSON object, {\"verb\": ..., \"args\": {...}}");
		goto out;
	}
	json_object_foreach(root, key, val) {
		if (!strcmp(key, "verb")) {
			verb = val;
		} else if (!strcmp(key, "args")) {
			args = val;
		} else {
			xpan_api_fail(err, XPAN_API_E_BAD_REQUEST,
				      "unknown member '%.64s' in the request (only verb and args)",
				      key);
			goto out;
		}
	}
	if (!json_is_string(verb)) {
		xpan_api_fail(err, XPAN_API_E_BAD_REQUEST,
			      "the request needs \"verb\", a string");
		goto out;
	}
	req->verb = find_verb(s, json_string_value(verb));
	if (!req->verb) {
		verb_list(s, verbs, sizeof(verbs));
		xpan_api_fail(err, XPAN_API_E_UNKNOWN_VERB,
			      "unknown verb '%.64s'; %s",
			      json_string_value(verb), verbs);
		goto out;
	}
	if (args && !json_is_object(args) && !json_is_null(args)) {
		xpan_api_fail(err, XPAN_API_E_BAD_REQUEST,
			      "\"args\" must be an object");
		goto out;
	}
	if (json_is_object(args)) {
		json_object_foreach(args, key, val) {
			int i, n = nargs(req->verb);

			for (i = 0; i < n; i++)
				if (!strcmp(req->verb->args[i].name, key))
					break;
			if (i == n) {
				xpan_api_fail(err, XPAN_API_E_BAD_REQUEST,
					      "%s has no argument '%.64s'",
					      req->verb->name, key);
				goto out;
			}
			if (json_arg(req, i, val, err))
				goto out;
		}
	}
	ret = check_required(req, err);
out:
	json_decref(root);
	return ret;
}

/* The line form: words, "-j" anywhere; the longest verb whose words
 * begin the request wins, the words after it fill its arguments. */
static int parse_line(const struct xpan_api_server *s, const char *buf,
		      size_t len, struct xpan_api_req *req,
		      struct xpan_api_err *err)
{
	char line[XPAN_API_MAX_REQ + 1], verbs[1024], *w[MAX_WORDS + 1];
	const struct xpan_api_verb *best = NULL;
	int n = 0, nw = 0, best_words = 0, last = 0, i;

	req->legacy = true;
	verb_list(s, verbs, sizeof(verbs));
	if (len > XPAN_API_MAX_REQ)
		len = XPAN_API_MAX_REQ;
	memcpy(line, buf, len);
	line[len] = '\0';
	if (xpan_api_check_line(line, len) || memchr(buf, '\0', len)) {
		xpan_api_fail(err, XPAN_API_E_BAD_REQUEST,
			      "malformed request: send one line of text");
		return -1;
	}
	n = xpan_api_split(line, w + 1, MAX_WORDS);
	if (n < 0) {
		xpan_api_fail(err, XPAN_API_E_BAD_REQUEST,
			      "too many words in request; %s", verbs);
		return -1;
	}
	/* -j asks for JSON; the rest is the verb and its arguments. */
	for (i = 1; i <= n; i++) {
		if (!strcmp(w[i], "-j") || !strcmp(w[i], "--json"))
			req->legacy_json = true;
		else
			w[++nw] = w[i];
	}
	if (nw == 0) {
		xpan_api_fail(err, XPAN_API_E_BAD_REQUEST, "empty request; %s",
			      verbs);
		return -1;
	}
	/* w[0]: room for the prefix a line may leave out */
	w[0] = (char *)s->legacy_prefix;
	for (int from = 1; from >= 0; from--) {
		if (from == 0 && (!s->legacy_prefix ||
				  !strcmp(w[1], s->legacy_prefix)))
			break;
		for (const struct xpan_api_verb *v = s->verbs; v->name; v++) {
			const char *p = v->name;
			int k = from;

			while (k <= nw) {
				size_t l = strlen(w[k]);

				if (strncmp(p, w[k], l) || (p[l] && p[l] != ' '))
					break;
				p += l;
				k++;
				if (!*p)
					break;
				p++;
			}
			if (!*p && k - from > best_words) {
				best = v;
				best_words = k - from;
				last = k - 1;	/* w[last]: its last word */
			}
		}
		if (best)
			break;
	}
	if (!best) {
		xpan_api_fail(err, XPAN_API_E_UNKNOWN_VERB,
			      "unknown request '%.64s%s%.64s'; %s", w[1],
			      nw > 1 ? " " : "", nw > 1 ? w[2] : "", verbs);
		return -1;
	}
	req->verb = best;
	for (i = last + 1; i <= nw; i++) {
		int a = i - last - 1;

		if (a >= nargs(best)) {
			char u[256];

			usage(best, u, sizeof(u));
			xpan_api_fail(err, XPAN_API_E_BAD_REQUEST,
				      "too many arguments for %s; %s",
				      best->name, u);
			return -1;
		}
		if (best->args[a].type == XPAN_API_STRING) {
			req->v[a].s = keep(req, w[i], strlen(w[i]));
		} else {
			char *end;

			errno = 0;
			req->v[a].u = strtoull(w[i], &end, 10);
			req->v[a].b = !strcmp(w[i], "true");
			if (best->args[a].type == XPAN_API_UINT &&
			    (errno || *end || w[i][0] == '-')) {
				xpan_api_fail(err, XPAN_API_E_BAD_REQUEST,
					      "argument '%s' of %s must be a non-negative integer",
					      best->args[a].name, best->name);
				return -1;
			}
		}
		req->set[a] = true;
	}
	return check_required(req, err);
}

static bool blank(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t')
			return false;
	return true;
}

int xpan_api_parse(const struct xpan_api_server *s, const char *buf,
		   size_t len, struct xpan_api_req *req,
		   struct xpan_api_err *err)
{
	memset(req, 0, offsetof(struct xpan_api_req, store));
	err->code = XPAN_API_E_BAD_REQUEST;
	err->msg[0] = '\0';
	if (len > XPAN_API_MAX_REQ) {
		xpan_api_fail(err, XPAN_API_E_TOO_LONG, XPAN_API_MSG_TOO_LONG);
		return -1;
	}
	/* a blank line is the line form's "empty request" */
	if (xpan_api_is_json(buf, len) && !blank(buf, len))
		return parse_json(s, buf, len, req, err);
	return parse_line(s, buf, len, req, err);
}

/* ---- replies ---- */

/* jansson's messages quote the bytes near a parse error, which need
 * not be UTF-8: a reply must stay valid JSON all the same. */
static void ascii_unless_utf8(char *msg)
{
	json_t *s = json_string(msg);

	if (s) {
		json_decref(s);
		return;
	}
	for (; *msg; msg++)
		if ((unsigned char)*msg >= 0x80)
			*msg = '?';
}

static int format_error(bool legacy, const struct xpan_api_err *in,
			char **out, size_t *outlen)
{
	struct xpan_api_err e = *in, *err = &e;

	struct jsonw *jw;
	bool made;
	FILE *f;

	if (legacy)
		return xpan_api_format_reply(false, err->msg, strlen(err->msg),
					     out, outlen);
	ascii_unless_utf8(e.msg);
	*out = NULL;
	f = open_memstream(out, outlen);
	if (!f)
		return -ENOMEM;
	jw = jsonw_new(f, false);
	made = jw != NULL;
	if (jw) {
		jsonw_start_object(jw);
		jsonw_bool_field(jw, "ok", false);
		jsonw_name(jw, "error");
		jsonw_start_object(jw);
		jsonw_string_field(jw, "code", err->code ? err->code :
					       XPAN_API_E_FAILED);
		jsonw_string_field(jw, "message", err->msg);
		jsonw_end_object(jw);
		jsonw_end_object(jw);
		jsonw_destroy(&jw);
	}
	if (fclose(f) || !made) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int xpan_api_serve_error(const char *buf, size_t have, const char *code,
			 const char *msg, char **out, size_t *outlen)
{
	struct xpan_api_err err = { .code = code };

	snprintf(err.msg, sizeof(err.msg), "%s", msg);
	return format_error(!xpan_api_is_json(buf, have), &err, out, outlen);
}

/* Length of the UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * Names a peer chose (an iSCSI initiator's) reach results as they came
 * and need not be UTF-8, which JSON is: each byte of an invalid sequence
 * becomes '?'. Bytes >= 0x80 are only ever inside strings, so the
 * document's shape stays.
 */
static void utf8_scrub(char *buf, size_t len)
{
	unsigned char *p = (unsigned char *)buf;

	for (size_t i = 0; i < len;) {
		size_t l = utf8_len(p + i, len - i);

		if (l) {
			i += l;
		} else {
			p[i++] = '?';
		}
	}
}

/* The result as the reply's bytes; body is the handler's JSON value. */
static int format_result(const struct xpan_api_req *req, char *body,
			 size_t blen, char **out, size_t *outlen)
{
	struct xpan_api_err err = { .code = XPAN_API_E_INTERNAL };
	json_error_t jerr;
	json_t *result;
	FILE *f;
	int ret = 0;

	while (blen && (body[blen - 1] == '\n' || body[blen - 1] == ' '))
		blen--;
	utf8_scrub(body, blen);
	/* A handler's output that is not one JSON value is a bug: said so
	 * rather than sent on. */
	result = json_loadb(blen ? body : "null", blen ? blen : 4,
			    JSON_DECODE_ANY, &jerr);
	if (!result) {
		xpan_api_fail(&err, XPAN_API_E_INTERNAL,
			      "%s produced no valid JSON (%s); please report this",
			      req->verb->name, jerr.text);
		return format_error(req->legacy, &err, out, outlen);
	}
	*out = NULL;
	f = open_memstream(out, outlen);
	if (!f) {
		json_decref(result);
		return -ENOMEM;
	}
	if (!blen) {
		body = (char *)"null";
		blen = 4;
	}
	if (!req->legacy) {
		fputs("{\"ok\":true,\"result\":", f);
		fwrite(body, 1, blen, f);
		fputs("}\n", f);
	} else {
		fputs("ok\n", f);
		/* without -j: the text xpan prints, where there is one */
		if (req->legacy_json || !xpan_api_has_printer(req->verb->name)) {
			fwrite(body, 1, blen, f);
			fputc('\n', f);
		} else {
			xpan_api_print(req->verb->name, result, f);
		}
	}
	json_decref(result);
	if (fclose(f)) {
		free(*out);
		*out = NULL;
		ret = -ENOMEM;
	}
	return ret;
}

int xpan_api_serve(const struct xpan_api_server *s, const char *buf,
		   size_t len, char **out, size_t *outlen)
{
	struct xpan_api_req req;
	struct xpan_api_err err;
	char *body = NULL;
	size_t blen = 0;
	FILE *f;
	int ret;

	if (xpan_api_parse(s, buf, len, &req, &err))
		return format_error(req.legacy, &err, out, outlen);
	f = open_memstream(&body, &blen);
	if (!f)
		return -ENOMEM;
	err.code = XPAN_API_E_FAILED;
	err.msg[0] = '\0';
	ret = req.verb->run(s->ctx, &req, f, &err);
	if (fclose(f)) {
		free(body);
		return -ENOMEM;
	}
	if (ret) {
		if (!err.msg[0])
			snprintf(err.msg, sizeof(err.msg), "%s failed",
				 req.verb->name);
		ret = format_error(req.legacy, &err, out, outlen);
	} else {
		ret = format_result(&req, body, blen, out, outlen);
	}
	free(body);
	return ret;
}

int xpan_api_help(const struct xpan_api_verb *verbs, FILE *out)
{
	struct jsonw *jw = jsonw_new(out, false);

	if (!jw)
		return -1;
	jsonw_start_object(jw);
	jsonw_name(jw, "verbs");
	jsonw_start_array(jw);
	for (const struct xpan_api_verb *v = verbs; v->name; v++)
		jsonw_string(jw, v->name);
	jsonw_end_array(jw);
	jsonw_end_object(jw);
	jsonw_destroy(&jw);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemons' API request parser (lib/apiserver.c): one request as a
 * connection hands it over (its bytes before the '\n', at most
 * XPAN_API_MAX_REQ, anything at all in them) through xpan_api_parse()
 * and xpan_api_serve(), against a verb table with every argument type,
 * a prefix the line form may leave out, a verb that fails and one with a
 * printer (the line form's text). Whatever comes in, the answer is one
 * reply in the form the request's first bytes chose: a JSON object with
 * "ok" (and an error object with a known code) or a status line; a
 * parsed request matches its verb's schema.
 *
 * Input: the request's bytes, cut at the first '\n' as a daemon would.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver.h"
#include "fuzz_check.h"
#include "jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int echo_run(void *ctx, const struct xpan_api_req *req, FILE *out,
		    struct xpan_api_err *err)
{
	struct jsonw *jw = jsonw_new(out, false);

	(void)ctx;
	(void)err;
	jsonw_start_object(jw);
	jsonw_string_field(jw, "name", xpan_api_str(req, 0));
	jsonw_string_field(jw, "other", xpan_api_str(req, 3));
	if (req->set[1])
		jsonw_bool_field(jw, "flag", req->v[1].b);
	if (req->set[2])
		jsonw_uint_field(jw, "n", req->v[2].u);
	jsonw_end_object(jw);
	jsonw_destroy(&jw);
	return 0;
}

static int fail_run(void *ctx, const struct xpan_api_req *req, FILE *out,
		    struct xpan_api_err *err)
{
	(void)ctx;
	(void)out;
	xpan_api_fail(err, XPAN_API_E_FAILED, "refused %s", req->verb->name);
	return -1;
}

static int move_run(void *ctx, const struct xpan_api_req *req, FILE *out,
		    struct xpan_api_err *err)
{
	struct jsonw *jw = jsonw_new(out, false);

	(void)ctx;
	(void)err;
	jsonw_start_object(jw);
	jsonw_string_field(jw, "node", xpan_api_str(req, 0));
	jsonw_string_field(jw, "initiator", xpan_api_str(req, 1));
	jsonw_uint_field(jw, "closed", 0);
	jsonw_end_object(jw);
	jsonw_destroy(&jw);
	return 0;
}

static const struct xpan_api_arg echo_args[] = {
	{ .name = "name", .type = XPAN_API_STRING, .required = true },
	{ .name = "flag", .type = XPAN_API_BOOL },
	{ .name = "n", .type = XPAN_API_UINT },
	{ .name = "other", .type = XPAN_API_STRING },
	{ .name = NULL },
};

static const struct xpan_api_arg move_args[] = {
	{ .name = "node", .type = XPAN_API_STRING, .required = true },
	{ .name = "initiator", .type = XPAN_API_STRING, .required = true },
	{ .name = NULL },
};

static const struct xpan_api_verb verbs[] = {
	{ .name = "storage echo", .args = echo_args, .run = echo_run },
	{ .name = "storage move", .args = move_args, .run = move_run },
	{ .name = "storage fail", .run = fail_run },
	{ .name = "status", .run = fail_run },
	{ .name = NULL },
};

static const struct xpan_api_server srv = {
	.verbs = verbs,
	.legacy_prefix = "storage",
};

static bool known_code(const char *c)
{
	static const char *const codes[] = {
		XPAN_API_E_BAD_REQUEST, XPAN_API_E_UNKNOWN_VERB,
		XPAN_API_E_TOO_LONG, XPAN_API_E_FAILED,
	};

	for (size_t i = 0; c && i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(c, codes[i]))
			return true;
	return false;
}

static void check_req(const struct xpan_api_req *req)
{
	const struct xpan_api_verb *v = req->verb;

	FZ_CHECK(v >= verbs && v < verbs + 4);
	for (int i = 0; v->args && v->args[i].name; i++) {
		if (v->args[i].required)
			FZ_CHECK(req->set[i]);
		if (req->set[i] && v->args[i].type == XPAN_API_STRING) {
			const char *s = req->v[i].s;

			FZ_CHECK(s >= req->store &&
				 s < req->store + sizeof(req->store));
			FZ_CHECK(memchr(s, '\0', req->store +
					sizeof(req->store) - s));
		}
	}
	FZ_CHECK(req->used <= sizeof(req->store));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	struct xpan_api_req *req;
	struct xpan_api_err err;
	size_t len = nl ? (size_t)(nl - data) : size, outlen = 0;
	char *buf, *out = NULL;
	bool json;

	if (len > XPAN_API_MAX_REQ)
		len = XPAN_API_MAX_REQ;
	/* exact size and NUL-terminated, as the daemons hand it over */
	buf = malloc(len + 1);
	req = malloc(sizeof(*req));
	if (!buf || !req)
		goto out;
	memcpy(buf, data, len);
	buf[len] = '\0';
	json = buf[strspn(buf, " \t")] == '{';

	if (xpan_api_parse(&srv, buf, len, req, &err) == 0) {
		check_req(req);
		FZ_CHECK(req->legacy == !json);
	} else {
		FZ_CHECK(known_code(err.code));
		FZ_CHECK(strnlen(err.msg, sizeof(err.msg)) < sizeof(err.msg));
	}

	FZ_CHECK(xpan_api_serve(&srv, buf, len, &out, &outlen) == 0);
	FZ_CHECK(out && outlen > 0 && out[outlen - 1] == '\n');
	if (json) {
		json_t *r = json_loadb(out, outlen, 0, NULL);
		json_t *ok = json_object_get(r, "ok"), *e;

		FZ_CHECK(json_is_boolean(ok));
		if (json_is_false(ok)) {
			e = json_object_get(r, "error");
			FZ_CHECK(known_code(json_string_value(json_object_get(e, "code"))));
			FZ_CHECK(json_is_string(json_object_get(e, "message")));
		} else {
			FZ_CHECK(json_object_get(r, "result"));
		}
		json_decref(r);
	} else {
		FZ_CHECK(!strncmp(out, "ok\n", 3) || !strncmp(out, "error ", 6));
		/* a status line is one line */
		if (out[0] == 'e')
			FZ_CHECK(memchr(out, '\n', outlen) == out + outlen - 1);
	}
out:
	free(out);
	free(req);
	free(buf);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lib/apiserver: the verb table, both request forms, error objects, and
 * lib/api.c's JSON client against it over a real socket. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "apiprint.h"
#include "apiserver.h"
#include "jsonw.h"

static int ran;

static int echo_run(void *ctx, const struct xpan_api_req *req, FILE *out,
		    struct xpan_api_err *err)
{
	struct jsonw *jw = jsonw_new(out, false);

	(void)ctx;
	(void)err;
	ran++;
	jsonw_start_object(jw);
	jsonw_string_field(jw, "name", xpan_api_str(req, 0));
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
	(void)req;
	ran++;
	fputs("{\"half\":", out);	/* dropped: the verb failed */
	xpan_api_fail(err, XPAN_API_E_FAILED, "no node '%s'", "x");
	return -1;
}

static int broken_run(void *ctx, const struct xpan_api_req *req, FILE *out,
		      struct xpan_api_err *err)
{
	(void)ctx;
	(void)req;
	(void)err;
	fputs("{\"oops\":", out);
	return 0;
}

static int reload_run(void *ctx, const struct xpan_api_req *req, FILE *out,
		      struct xpan_api_err *err)
{
	(void)ctx;
	(void)req;
	(void)err;
	ran++;
	fputs("{\"reloaded\":true,\"nodes\":3,\"vlans\":2,\"config\":\"/etc/x.yaml\"}\n",
	      out);
	return 0;
}

static int peer_run(void *ctx, const struct xpan_api_req *req, FILE *out,
		    struct xpan_api_err *err)
{
	(void)ctx;
	(void)req;
	(void)err;
	/* a name as an initiator sent it: not UTF-8 */
	fputs("{\"initiator\":\"iqn.\xff\xc3\xa9x\xe0\x80\"}\n", out);
	return 0;
}

static const struct xpan_api_arg echo_args[] = {
	{ .name = "name", .type = XPAN_API_STRING, .required = true },
	{ .name = "flag", .type = XPAN_API_BOOL },
	{ .name = "n", .type = XPAN_API_UINT },
	{ .name = NULL },
};

static const struct xpan_api_verb verbs[] = {
	{ .name = "storage echo", .args = echo_args, .run = echo_run },
	{ .name = "storage fail", .run = fail_run },
	{ .name = "storage broken", .run = broken_run },
	{ .name = "reload", .run = reload_run },
	{ .name = "storage peer", .run = peer_run },
	{ .name = NULL },
};

static const struct xpan_api_server srv = {
	.verbs = verbs,
	.legacy_prefix = "storage",
};

static char *reply;
static size_t rlen;

static const char *serve(const char *req)
{
	free(reply);
	reply = NULL;
	cr_assert_eq(xpan_api_serve(&srv, req, strlen(req), &reply, &rlen), 0);
	cr_assert_eq(strlen(reply), rlen, "%s: %zu %zu [%s]", req, strlen(reply), rlen, reply);
	cr_assert_eq(reply[rlen - 1], '\n', "replies end with a newline: %s",
		     reply);
	return reply;
}

/* The error object of a JSON reply: code, with the message in msg. */
static const char *error_code(const char *r, char *msg, size_t len)
{
	static char code[64];
	json_t *root = json_loads(r, 0, NULL);

	cr_assert_not_null(root, "reply is JSON: %s", r);
	cr_assert(json_is_false(json_object_get(root, "ok")), "%s", r);
	snprintf(code, sizeof(code), "%s",
		 json_string_value(json_object_get(json_object_get(root, "error"), "code")));
	snprintf(msg, len, "%s",
		 json_string_value(json_object_get(json_object_get(root, "error"), "message")));
	json_decref(root);
	return code;
}

static void teardown(void)
{
	free(reply);
	reply = NULL;
}

TestSuite(apiserver, .fini = teardown);

Test(apiserver, json_request_and_typed_args)
{
	cr_assert_str_eq(serve("{\"verb\":\"storage echo\",\"args\":{\"name\":\"n1\",\"flag\":true,\"n\":7}}"),
			 "{\"ok\":true,\"result\":{\"name\":\"n1\",\"flag\":true,\"n\":7}}\n");
	cr_assert_str_eq(serve(" {\"args\":{\"name\":\"a b\"}, \"verb\":\"storage echo\"}"),
			 "{\"ok\":true,\"result\":{\"name\":\"a b\"}}\n");
	cr_assert_str_eq(serve("{\"verb\":\"reload\",\"args\":null}"),
			 "{\"ok\":true,\"result\":{\"reloaded\":true,\"nodes\":3,\"vlans\":2,\"config\":\"/etc/x.yaml\"}}\n");
}

Test(apiserver, bad_requests_change_nothing)
{
	static const struct {
		const char *req, *code, *msg;
	} bad[] = {
		{ "{", "bad_request", "not JSON" },
		{ "{\"verb\":\"reload\"} x", "bad_request", "not JSON" },
		{ "{\"verb\":\"reload\",\"verb\":\"reload\"}", "bad_request", "not JSON" },
		{ "{}", "bad_request", "needs \"verb\"" },
		{ "{\"verb\":7}", "bad_request", "needs \"verb\"" },
		{ "{\"verb\":\"reload\",\"x\":1}", "bad_request", "unknown member 'x'" },
		{ "{\"verb\":\"reload\",\"args\":[]}", "bad_request", "must be an object" },
		{ "{\"verb\":\"reload\",\"args\":{\"a\":1}}", "bad_request", "reload has no argument 'a'" },
		{ "{\"verb\":\"storage echo\"}", "bad_request", "needs argument 'name'" },
		{ "{\"verb\":\"storage echo\",\"args\":{\"name\":1}}", "bad_request", "'name' of storage echo must be a string" },
		{ "{\"verb\":\"storage echo\",\"args\":{\"name\":\"a\\u0000b\"}}", "bad_request", "not JSON" },
		{ "{\"verb\":\"storage echo\",\"args\":{\"name\":\"a\",\"n\":-1}}", "bad_request", "non-negative integer" },
		{ "{\"verb\":\"storage echo\",\"args\":{\"name\":\"a\",\"flag\":1}}", "bad_request", "true or false" },
		{ "{\"verb\":\"show clusters\"}", "unknown_verb", "unknown verb 'show clusters'; verbs: storage echo | storage fail | storage broken | reload | storage peer" },
	};
	char msg[512];

	ran = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *code = error_code(serve(bad[i].req), msg, sizeof(msg));

		cr_assert_str_eq(code, bad[i].code, "%s: %s", bad[i].req, reply);
		cr_assert(strstr(msg, bad[i].msg), "%s: %s", bad[i].req, msg);
	}
	cr_assert_eq(ran, 0, "no handler ran");
}

Test(apiserver, verb_failure_is_an_error_object)
{
	char msg[512];

	cr_assert_str_eq(error_code(serve("{\"verb\":\"storage fail\"}"), msg,
				    sizeof(msg)), "failed");
	cr_assert_str_eq(msg, "no node 'x'");
	cr_assert_str_eq(error_code(serve("{\"verb\":\"storage broken\"}"), msg,
				    sizeof(msg)), "internal");
	cr_assert(strstr(msg, "storage broken produced no valid JSON"), "%s", msg);
}

Test(apiserver, results_stay_utf8)
{
	cr_assert_str_eq(serve("{\"verb\":\"storage peer\"}"),
			 "{\"ok\":true,\"result\":{\"initiator\":\"iqn.?\xc3\xa9x??\"}}\n");
}

Test(apiserver, too_long)
{
	char big[XPAN_API_MAX_REQ + 2], msg[512];

	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"verb\":\"reload\"}", 17);
	big[sizeof(big) - 1] = '\0';
	cr_assert_str_eq(error_code(serve(big), msg, sizeof(msg)), "too_long");
	cr_assert_str_eq(msg, "request longer than 4096 bytes");
}

Test(apiserver, framing_errors_in_the_clients_form)
{
	char msg[512];

	cr_assert_eq(xpan_api_serve_error("{\"ver", 5, XPAN_API_E_TIMEOUT,
					  XPAN_API_MSG_TIMEOUT, &reply, &rlen), 0);
	cr_assert_str_eq(error_code(reply, msg, sizeof(msg)), "timeout");
	cr_assert_str_eq(msg, "no request line within 2000 ms");
	free(reply);
	cr_assert_eq(xpan_api_serve_error("", 0, XPAN_API_E_TIMEOUT,
					  XPAN_API_MSG_TIMEOUT, &reply, &rlen), 0);
	cr_assert_eq(reply[0], '{', "nothing sent: JSON, the default");
	free(reply);
	cr_assert_eq(xpan_api_serve_error("show no", 7, XPAN_API_E_TIMEOUT,
					  XPAN_API_MSG_TIMEOUT, &reply, &rlen), 0);
	cr_assert_str_eq(reply, "error no request line within 2000 ms\n");
}

Test(apiserver, line_requests_of_the_previous_release)
{
	ran = 0;
	cr_assert_str_eq(serve("storage echo n1 -j"), "ok\n{\"name\":\"n1\"}\n");
	cr_assert_str_eq(serve("echo n2 -j"), "ok\n{\"name\":\"n2\"}\n",
			 "the prefix may be left out");
	cr_assert_str_eq(serve("reload -j"),
			 "ok\n{\"reloaded\":true,\"nodes\":3,\"vlans\":2,\"config\":\"/etc/x.yaml\"}\n");
	cr_assert_str_eq(serve("reload"),
			 "ok\nreloaded /etc/x.yaml: 3 nodes, 2 vlans\n",
			 "without -j: the text xpan prints");
	cr_assert_str_eq(serve("storage echo n1"), "ok\n{\"name\":\"n1\"}\n",
			 "no printer: JSON");
	cr_assert_eq(ran, 5);
	cr_assert_str_eq(serve("storage fail"), "error no node 'x'\n");
	cr_assert_str_eq(serve("storage echo"),
			 "error storage echo needs argument 'name' (a string); usage: storage echo <name> [flag] [n]\n");
	cr_assert_str_eq(serve("storage echo a true 1 x"),
			 "error too many arguments for storage echo; usage: storage echo <name> [flag] [n]\n");
	cr_assert_str_eq(serve("storage echo a true x"),
			 "error argument 'n' of storage echo must be a non-negative integer\n");
	cr_assert_str_eq(serve("frob"),
			 "error unknown request 'frob'; verbs: storage echo | storage fail | storage broken | reload | storage peer\n");
	cr_assert(strstr(serve("storage"), "error unknown request 'storage'; verbs: ") == reply,
		  "%s", reply);
	cr_assert(strstr(serve("  \t"), "error empty request; verbs: ") == reply,
		  "%s", reply);
	cr_assert_str_eq(serve("reload\x01"),
			 "error malformed request: send one line of text\n");
	cr_assert_eq(ran, 6, "only storage fail ran");
}

Test(apiserver, table_printer)
{
	static const struct xpan_col fit[] = {
		{ .head = "NAME", .key = "name" },
		{ .head = "N", .key = "n", .kind = XPAN_COL_UINT, .right = true },
		{ .head = "IPS", .key = "ips", .kind = XPAN_COL_LIST, .dash = true },
		{ .head = NULL },
	};
	static const struct xpan_col fixed[] = {
		{ .head = "NAME", .key = "name", .width = 6 },
		{ .head = "OK", .key = "ok", .kind = XPAN_COL_YESNO, .width = 3 },
		{ .head = "N", .key = "n", .kind = XPAN_COL_UINT, .width = 4, .right = true },
		{ .head = NULL },
	};
	const struct xpan_table tf = { fit, "  ", true }, tx = { fixed, " ", false };
	json_t *rows = json_loads("[{\"name\":\"alpha\",\"n\":1,\"ips\":[\"a\",\"b\"],\"ok\":true},"
				  "{\"name\":\"b\",\"n\":1234,\"ips\":[]}]", 0, NULL);
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(rows);
	xpan_print_table(f, &tf, rows);
	xpan_print_table(f, &tx, rows);
	fclose(f);
	cr_assert_str_eq(buf,
			 "NAME      N  IPS\n"
			 "alpha     1  a,b\n"
			 "b      1234  -\n"
			 "NAME   OK     N\n"
			 "alpha  yes    1\n"
			 "b      no  1234\n");
	free(buf);
	json_decref(rows);
}

/* ---- the JSON client against the server over a socket ---- */

static char dir[64], sock[96];

static void *serve_one(void *arg)
{
	int lfd = *(int *)arg, cfd;
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	char buf[XPAN_API_MAX_REQ + 1], *out;
	size_t outlen;
	int ret;

	if (poll(&pfd, 1, 10000) != 1)
		return NULL;
	cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		return NULL;
	ret = xpan_api_read_request(cfd, buf, sizeof(buf), 2000);
	if (ret == 0)
		ret = xpan_api_serve(&srv, buf, strlen(buf), &out, &outlen);
	else
		ret = xpan_api_serve_error(buf, 0, XPAN_API_E_TOO_LONG,
					   XPAN_API_MSG_TOO_LONG, &out, &outlen);
	if (ret == 0) {
		(void)!write(cfd, out, outlen);
		free(out);
	}
	close(cfd);
	return NULL;
}

static int call(const char *verb, json_t *args, json_t **result,
		struct xpan_api_err *err)
{
	char e[256];
	pthread_t th;
	int lfd = xpan_api_listen(sock, e, sizeof(e)), ret;

	cr_assert_geq(lfd, 0, "%s", e);
	pthread_create(&th, NULL, serve_one, &lfd);
	ret = xpan_api_request(sock, verb, args, 5000, result, err);
	pthread_join(th, NULL);
	close(lfd);
	unlink(sock);
	return ret;
}

static void sock_setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xpan-t-apisrv-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
}

static void sock_teardown(void)
{
	unlink(sock);
	rmdir(dir);
}

Test(apiserver, client_round_trip, .init = sock_setup, .fini = sock_teardown)
{
	struct xpan_api_err err;
	json_t *res, *args = json_pack("{s:s,s:b}", "name", "n\"1", "flag", 0);
	char *big;

	cr_assert_eq(call("storage echo", args, &res, &err), 0, "%s", err.msg);
	cr_assert_str_eq(json_string_value(json_object_get(res, "name")), "n\"1");
	cr_assert(json_is_false(json_object_get(res, "flag")));
	json_decref(res);
	json_decref(args);

	cr_assert_eq(call("storage fail", NULL, &res, &err), 1);
	cr_assert_str_eq(err.code, XPAN_API_E_FAILED);
	cr_assert_str_eq(err.msg, "no node 'x'");
	cr_assert_null(res);
	cr_assert_eq(call("show clusters", NULL, &res, &err), 1);
	cr_assert_str_eq(err.code, XPAN_API_E_UNKNOWN_VERB);

	/* a request over the cap is not sent */
	big = malloc(XPAN_API_MAX_REQ + 1);
	memset(big, 'a', XPAN_API_MAX_REQ);
	big[XPAN_API_MAX_REQ] = '\0';
	args = json_pack("{s:s}", "name", big);
	cr_assert_eq(xpan_api_request(sock, "storage echo", args, 1000, &res,
				      &err), -E2BIG);
	json_decref(args);
	free(big);
	cr_assert_eq(xpan_api_request(sock, "reload", NULL, 1000, &res, &err),
		     -ENOENT, "nobody listens");
}

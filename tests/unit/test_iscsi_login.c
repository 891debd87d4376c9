// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Login: stages, key negotiation, access control and CHAP. */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iodaemon/login.h"

static char dir[64];
static struct lun_map map;
static struct iscsi_login lg;
static uint8_t obuf[8192];
static struct iscsi_text_out out;
static uint8_t rflags;

static void setup(void)
{
	static const char *doc_fmt =
		"nodes:\n"
		"  - name: n1\n"
		"  - name: n2\n"
		"    chap: { user: n2user, secret: \"secret-of-n2!\" }\n"
		"storage:\n"
		"  pool: [%s]\n"
		"  luns:\n"
		"    - { node: n1, lun: 0, backing: a.img }\n";
	struct iod_config c;
	char doc[512], path[128], err[512];
	FILE *f;

	strcpy(dir, "/tmp/iodlogin.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.img", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(ftruncate(fileno(f), 1 << 20), 0);
	fclose(f);
	snprintf(doc, sizeof(doc), doc_fmt, dir);
	cr_assert_eq(iod_config_parse(&c, "t.yaml", doc, strlen(doc), err,
				      sizeof(err)), 0, "%s", err);
	cr_assert_eq(lun_map_build(&map, &c, err, sizeof(err)), 0, "%s", err);
	iod_config_free(&c);
	iscsi_login_init(&lg, &map, 1);
}

static void teardown(void)
{
	char path[128];

	lun_map_free(&map);
	snprintf(path, sizeof(path), "%s/a.img", dir);
	unlink(path);
	rmdir(dir);
}

TestSuite(login, .init = setup, .fini = teardown);

/* keys given as "k=v\n..." */
static int step(uint8_t flags, const char *keys)
{
	char k[2048];
	size_t i, n = strlen(keys);

	memcpy(k, keys, n);
	for (i = 0; i < n; i++)
		if (k[i] == '\n')
			k[i] = '\0';
	memset(&out, 0, sizeof(out));
	out.buf = obuf;
	out.cap = sizeof(obuf);
	return iscsi_login_step(&lg, flags, (const uint8_t *)k, n, &out,
				&rflags);
}

/* The value of key in the last response, or NULL. */
static const char *resp(const char *key)
{
	static char v[256];
	size_t pos = 0, kl = strlen(key);

	while (pos < out.len) {
		const char *s = (const char *)obuf + pos;

		if (!strncmp(s, key, kl) && s[kl] == '=') {
			snprintf(v, sizeof(v), "%s", s + kl + 1);
			return v;
		}
		pos += strlen(s) + 1;
	}
	return NULL;
}

#define SEC_TO_OP	(ISCSI_LOGIN_TRANSIT | 0 << 2 | 1)
#define OP_TO_FF	(ISCSI_LOGIN_TRANSIT | 1 << 2 | 3)

Test(login, normal_two_stages)
{
	cr_assert_eq(step(SEC_TO_OP,
			  "InitiatorName=iqn.2026-11.io.xpan:n1\n"
			  "SessionType=Normal\n"
			  "TargetName=iqn.2026-11.io.xpan:storage\n"
			  "AuthMethod=CHAP,None\n"),
		     0, "%s", lg.why);
	cr_assert_str_eq(resp("AuthMethod"), "None");
	cr_assert_str_eq(resp("TargetPortalGroupTag"), "1");
	cr_assert_eq(rflags, SEC_TO_OP);
	cr_assert_eq(step(OP_TO_FF,
			  "HeaderDigest=CRC32C,None\n"
			  "DataDigest=None\n"
			  "MaxRecvDataSegmentLength=65536\n"
			  "MaxBurstLength=16777215\n"
			  "FirstBurstLength=1048576\n"
			  "ImmediateData=Yes\n"
			  "InitialR2T=No\n"
			  "MaxOutstandingR2T=8\n"
			  "ErrorRecoveryLevel=2\n"
			  "MaxConnections=4\n"
			  "X-com.example.Foo=1\n"),
		     1, "%s", lg.why);
	cr_assert_eq(rflags, OP_TO_FF);
	cr_assert_str_eq(resp("HeaderDigest"), "CRC32C");
	cr_assert(lg.params.header_digest);
	cr_assert_str_eq(resp("DataDigest"), "None");
	cr_assert_eq(lg.params.max_xmit_dsl, 65536);
	cr_assert_str_eq(resp("MaxBurstLength"), "16776192");
	cr_assert_str_eq(resp("FirstBurstLength"), "262144");
	cr_assert_str_eq(resp("ErrorRecoveryLevel"), "0");
	cr_assert_str_eq(resp("MaxConnections"), "1");
	cr_assert_str_eq(resp("MaxOutstandingR2T"), "1");
	cr_assert_str_eq(resp("InitialR2T"), "No");
	cr_assert_str_eq(resp("X-com.example.Foo"), "NotUnderstood");
	cr_assert_not_null(resp("MaxRecvDataSegmentLength"));
	cr_assert_eq(lg.node, lun_map_node_by_name(&map, "n1"));
}

Test(login, straight_to_operational_and_bad_values)
{
	cr_assert_eq(step(OP_TO_FF & ~ISCSI_LOGIN_TRANSIT,
			  "InitiatorName=iqn.2026-11.io.xpan:n1\n"
			  "TargetName=iqn.2026-11.io.xpan:storage\n"
			  "MaxBurstLength=999999999\n"
			  "ImmediateData=maybe\n"),
		     0);
	cr_assert_str_eq(resp("MaxBurstLength"), "Reject");
	cr_assert_str_eq(resp("ImmediateData"), "Reject");
	cr_assert_eq(step(OP_TO_FF, ""), 1);
}

Test(login, discovery)
{
	cr_assert_eq(step(ISCSI_LOGIN_TRANSIT | 1 << 2 | 3,
			  "InitiatorName=iqn.2026-11.io.xpan:n1\n"
			  "SessionType=Discovery\n"),
		     1);
	cr_assert(lg.discovery);
	cr_assert_null(resp("TargetPortalGroupTag"));
}

Test(login, refusals)
{
	cr_assert_eq(step(SEC_TO_OP, "InitiatorName=iqn.2026-11.io.xpan:nobody\n"
				     "TargetName=iqn.2026-11.io.xpan:storage\n"),
		     -1);
	cr_assert_eq(lg.status, LOGIN_ST_FORBIDDEN);
	iscsi_login_init(&lg, &map, 1);
	cr_assert_eq(step(SEC_TO_OP, "InitiatorName=iqn.2026-11.io.xpan:n1\n"
				     "TargetName=iqn.2026-11.io.xpan:other\n"),
		     -1);
	cr_assert_eq(lg.status, LOGIN_ST_NOT_FOUND);
	iscsi_login_init(&lg, &map, 1);
	cr_assert_eq(step(SEC_TO_OP, "TargetName=iqn.2026-11.io.xpan:storage\n"),
		     -1);
	cr_assert_eq(lg.status, LOGIN_ST_MISSING_PARAM);
	iscsi_login_init(&lg, &map, 1);
	cr_assert_eq(step(SEC_TO_OP, "InitiatorName=iqn.2026-11.io.xpan:n1\n"
				     "TargetName=iqn.2026-11.io.xpan:storage\n"
				     "SessionType=Weird\n"),
		     -1);
	cr_assert_eq(lg.status, LOGIN_ST_SESSION_TYPE);
	iscsi_login_init(&lg, &map, 1);
	cr_assert_eq(step(SEC_TO_OP, "InitiatorName\n"), -1, "no '='");
	cr_assert_eq(lg.status, LOGIN_ST_INITIATOR_ERROR);
	iscsi_login_init(&lg, &map, 1);
	cr_assert_eq(step(ISCSI_LOGIN_TRANSIT | 1 << 2 | 0,
			  "InitiatorName=iqn.2026-11.io.xpan:n1\n"),
		     -1, "going back a stage");
	iscsi_login_init(&lg, &map, 1);
	cr_assert_eq(step(SEC_TO_OP | ISCSI_LOGIN_CONTINUE,
			  "InitiatorName=iqn.2026-11.io.xpan:n1\n"),
		     -1);
}

static void chap_md5(uint8_t id, const char *secret, const uint8_t *chal,
		     size_t clen, char *hex)
{
	uint8_t md[16];
	unsigned int l;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int i;

	EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
	EVP_DigestUpdate(ctx, &id, 1);
	EVP_DigestUpdate(ctx, secret, strlen(secret));
	EVP_DigestUpdate(ctx, chal, clen);
	EVP_DigestFinal_ex(ctx, md, &l);
	EVP_MD_CTX_free(ctx);
	strcpy(hex, "0x");
	for (i = 0; i < 16; i++)
		sprintf(hex + 2 + 2 * i, "%02x", md[i]);
}

static void chap_to_challenge(void)
{
	cr_assert_eq(step(0 << 2, "InitiatorName=iqn.2026-11.io.xpan:n2\n"
				  "TargetName=iqn.2026-11.io.xpan:storage\n"
				  "AuthMethod=None,CHAP\n"),
		     0, "%s", lg.why);
	cr_assert_str_eq(resp("AuthMethod"), "CHAP");
	cr_assert_eq(step(0, "CHAP_A=7,5\n"), 0, "%s", lg.why);
	cr_assert_str_eq(resp("CHAP_A"), "5");
	cr_assert_not_null(resp("CHAP_C"));
}

Test(login, chap_good)
{
	char hex[40], keys[256];

	chap_to_challenge();
	chap_md5(lg.chap_id, "secret-of-n2!", lg.chap_challenge, 16, hex);
	snprintf(keys, sizeof(keys), "CHAP_N=n2user\nCHAP_R=%s\n", hex);
	cr_assert_eq(step(SEC_TO_OP, keys), 0, "%s", lg.why);
	cr_assert_eq(rflags, SEC_TO_OP, "authenticated: may leave security");
	cr_assert_eq(step(OP_TO_FF, ""), 1);
}

Test(login, chap_bad)
{
	char hex[40], keys[256];

	chap_to_challenge();
	chap_md5(lg.chap_id, "wrong secret", lg.chap_challenge, 16, hex);
	snprintf(keys, sizeof(keys), "CHAP_N=n2user\nCHAP_R=%s\n", hex);
	cr_assert_eq(step(SEC_TO_OP, keys), -1);
	cr_assert_eq(lg.status, LOGIN_ST_AUTH_FAILED);
}

Test(login, chap_required)
{
	cr_assert_eq(step(OP_TO_FF, "InitiatorName=iqn.2026-11.io.xpan:n2\n"
				    "TargetName=iqn.2026-11.io.xpan:storage\n"),
		     -1, "skipping the security stage");
	cr_assert_eq(lg.status, LOGIN_ST_AUTH_FAILED);
	iscsi_login_init(&lg, &map, 1);
	cr_assert_eq(step(SEC_TO_OP, "InitiatorName=iqn.2026-11.io.xpan:n2\n"
				     "TargetName=iqn.2026-11.io.xpan:storage\n"
				     "AuthMethod=None\n"),
		     -1);
	cr_assert_eq(lg.status, LOGIN_ST_AUTH_FAILED);
}

Test(login, repeated_key_is_an_initiator_error)
{
	cr_assert_eq(step(SEC_TO_OP, "InitiatorName=iqn.2026-11.io.xpan:n1\n"
				     "TargetName=iqn.2026-11.io.xpan:storage\n"
				     "DataDigest=CRC32C\n"
				     "DataDigest=None\n"),
		     -1, "DataDigest offered twice");
	cr_assert_eq(lg.status, LOGIN_ST_INITIATOR_ERROR, "login reject status");
	cr_assert(strstr(lg.why, "DataDigest") != NULL, "reason names the key: %s", lg.why);
}

/* The authorize hook (storage_net.c binds a storage address to its node)
 * is asked once, on the leading request, with the node the name chose. */
static int hook_calls;
static const char *hook_allow;

static int hook(struct iscsi_login *l, void *ctx)
{
	cr_assert_eq(ctx, &hook_calls);
	hook_calls++;
	if (!strcmp(l->node->name, hook_allow))
		return 0;
	l->status = LOGIN_ST_FORBIDDEN;
	snprintf(l->why, sizeof(l->why), "not from %s's address", hook_allow);
	return -1;
}

Test(login, authorize_hook)
{
	hook_calls = 0;
	hook_allow = "n1";
	lg.authorize = hook;
	lg.authorize_ctx = &hook_calls;
	cr_assert_eq(step(SEC_TO_OP,
			  "InitiatorName=iqn.2026-11.io.xpan:n1\n"
			  "TargetName=iqn.2026-11.io.xpan:storage\n"
			  "AuthMethod=None\n"), 0, "%s", lg.why);
	cr_assert_eq(step(OP_TO_FF, "HeaderDigest=None\n"), 1, "%s", lg.why);
	cr_assert_eq(hook_calls, 1, "asked once per login, not per request");

	iscsi_login_init(&lg, &map, 1);
	hook_calls = 0;
	lg.authorize = hook;
	lg.authorize_ctx = &hook_calls;
	cr_assert_eq(step(SEC_TO_OP,
			  "InitiatorName=iqn.2026-11.io.xpan:n2\n"
			  "TargetName=iqn.2026-11.io.xpan:storage\n"
			  "AuthMethod=CHAP\n"), -1);
	cr_assert_eq(lg.status, LOGIN_ST_FORBIDDEN);
	cr_assert_str_eq(lg.why, "not from n1's address");
	cr_assert_null(resp("CHAP_A"), "refused before CHAP starts");

	/* an unknown name is refused before the hook is asked */
	iscsi_login_init(&lg, &map, 1);
	hook_calls = 0;
	lg.authorize = hook;
	lg.authorize_ctx = &hook_calls;
	cr_assert_eq(step(SEC_TO_OP,
			  "InitiatorName=iqn.2026-11.io.xpan:nobody\n"
			  "TargetName=iqn.2026-11.io.xpan:storage\n"), -1);
	cr_assert_eq(hook_calls, 0);
}

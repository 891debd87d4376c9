// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "login.h"

void iscsi_params_default(struct iscsi_params *p)
{
	/* RFC 7143 defaults: what holds when a key is never negotiated */
	memset(p, 0, sizeof(*p));
	p->max_xmit_dsl = 8192;
	p->max_recv_dsl = 8192;
	p->max_burst = 262144;
	p->first_burst = 65536;
	p->immediate_data = true;
	p->initial_r2t = true;
	p->max_outstanding_r2t = 1;
	p->data_pdu_in_order = true;
	p->data_seq_in_order = true;
}

void iscsi_login_init(struct iscsi_login *lg, struct lun_map *map,
		      uint16_t tpgt)
{
	memset(lg, 0, sizeof(*lg));
	lg->map = map;
	lg->tpgt = tpgt;
	lg->stage = -1;
	iscsi_params_default(&lg->params);
}

static int fail(struct iscsi_login *lg, uint16_t status, const char *fmt,
		const char *arg)
{
	lg->status = status;
	snprintf(lg->why, sizeof(lg->why), fmt, arg ? arg : "");
	return -1;
}

/* Copies a value into a NUL-terminated string; false when too long. */
static bool val_str(const struct iscsi_kv *kv, char *dst, size_t cap)
{
	if (kv->val_len >= cap)
		return false;
	memcpy(dst, kv->val, kv->val_len);
	dst[kv->val_len] = '\0';
	return true;
}

static bool val_in_list(const struct iscsi_kv *kv, const char *want)
{
	char buf[256], *save, *tok;

	if (!val_str(kv, buf, sizeof(buf)))
		return false;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, want))
			return true;
	return false;
}

static int val_num(const struct iscsi_kv *kv, uint32_t lo, uint32_t hi,
		   uint32_t *out)
{
	char buf[32], *end;
	unsigned long v;

	if (!val_str(kv, buf, sizeof(buf)) || !buf[0])
		return -1;
	errno = 0;
	v = strtoul(buf, &end, 0);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int val_bool(const struct iscsi_kv *kv, bool *out)
{
	if (kv->val_len == 3 && !memcmp(kv->val, "Yes", 3))
		*out = true;
	else if (kv->val_len == 2 && !memcmp(kv->val, "No", 2))
		*out = false;
	else
		return -1;
	return 0;
}

static void add_key(struct iscsi_text_out *out, const struct iscsi_kv *kv,
		    const char *val)
{
	char key[ISCSI_TEXT_KEY_MAX + 1];

	memcpy(key, kv->key, kv->key_len);
	key[kv->key_len] = '\0';
	iscsi_text_add(out, key, "%s", val);
}

static void add_num(struct iscsi_text_out *out, const struct iscsi_kv *kv,
		    uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", v);
	add_key(out, kv, buf);
}

int iscsi_negotiate_key(struct iscsi_params *p, const struct iscsi_kv *kv,
			struct iscsi_text_out *out)
{
	uint32_t v;
	bool b;

	if (iscsi_kv_is(kv, "HeaderDigest") || iscsi_kv_is(kv, "DataDigest")) {
		char buf[256], *save, *tok;
		bool *dst = iscsi_kv_is(kv, "HeaderDigest") ?
				    &p->header_digest : &p->data_digest;

		/* The initiator's list is in its order of preference. */
		if (val_str(kv, buf, sizeof(buf)))
			for (tok = strtok_r(buf, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (!strcmp(tok, "None") ||
				    !strcmp(tok, "CRC32C")) {
					*dst = !strcmp(tok, "CRC32C");
					add_key(out, kv, tok);
					return 0;
				}
			}
		add_key(out, kv, "Reject");
		return 0;
	}
	if (iscsi_kv_is(kv, "MaxRecvDataSegmentLength")) {
		/* declarative: what the initiator can receive */
		if (val_num(kv, 512, 16777215, &v))
			add_key(out, kv, "Reject");
		else
			p->max_xmit_dsl = v;
		return 0;
	}
	if (iscsi_kv_is(kv, "MaxBurstLength") ||
	    iscsi_kv_is(kv, "FirstBurstLength")) {
		bool first = iscsi_kv_is(kv, "FirstBurstLength");

		if (val_num(kv, 512, 16777215, &v)) {
			add_key(out, kv, "Reject");
			return 0;
		}
		if (first) {
			v = v < IOD_FIRST_BURST ? v : IOD_FIRST_BURST;
			p->first_burst = v;
		} else {
			v = v < IOD_MAX_BURST ? v : IOD_MAX_BURST;
			p->max_burst = v;
		}
		add_num(out, kv, v);
		return 0;
	}
	if (iscsi_kv_is(kv, "ImmediateData") ||
	    iscsi_kv_is(kv, "DataPDUInOrder") ||
	    iscsi_kv_is(kv, "DataSequenceInOrder") ||
	    iscsi_kv_is(kv, "InitialR2T") || iscsi_kv_is(kv, "IFMarker") ||
	    iscsi_kv_is(kv, "OFMarker")) {
		if (val_bool(kv, &b)) {
			add_key(out, kv, "Reject");
			return 0;
		}
		if (iscsi_kv_is(kv, "ImmediateData")) {
			p->immediate_data = b;	/* AND with our Yes */
		} else if (iscsi_kv_is(kv, "InitialR2T")) {
			p->initial_r2t = b;	/* OR with our No */
		} else if (iscsi_kv_is(kv, "IFMarker") ||
			   iscsi_kv_is(kv, "OFMarker")) {
			b = false;		/* markers: not supported */
		} else {
			/* OR with our Yes: data always in order */
			b = true;
			if (iscsi_kv_is(kv, "DataPDUInOrder"))
				p->data_pdu_in_order = true;
			else
				p->data_seq_in_order = true;
		}
		add_key(out, kv, b ? "Yes" : "No");
		return 0;
	}
	if (iscsi_kv_is(kv, "MaxOutstandingR2T")) {
		if (val_num(kv, 1, 65535, &v)) {
			add_key(out, kv, "Reject");
			return 0;
		}
		p->max_outstanding_r2t = v < IOD_MAX_R2T ? v : IOD_MAX_R2T;
		add_num(out, kv, p->max_outstanding_r2t);
		return 0;
	}
	if (iscsi_kv_is(kv, "ErrorRecoveryLevel")) {
		if (val_num(kv, 0, 2, &v))
			add_key(out, kv, "Reject");
		else
			add_num(out, kv, 0);	/* min(.., 0) */
		p->erl = 0;
		return 0;
	}
	if (iscsi_kv_is(kv, "MaxConnections")) {
		if (val_num(kv, 1, 65535, &v))
			add_key(out, kv, "Reject");
		else
			add_num(out, kv, 1);
		return 0;
	}
	if (iscsi_kv_is(kv, "DefaultTime2Wait")) {
		if (val_num(kv, 0, 3600, &v))
			add_key(out, kv, "Reject");
		else
			add_num(out, kv, v > 2 ? v : 2);	/* max */
		return 0;
	}
	if (iscsi_kv_is(kv, "DefaultTime2Retain")) {
		if (val_num(kv, 0, 3600, &v))
			add_key(out, kv, "Reject");
		else
			add_num(out, kv, 0);	/* min; ERL 0 keeps nothing */
		return 0;
	}
	if (iscsi_kv_is(kv, "IFMarkInt") || iscsi_kv_is(kv, "OFMarkInt")) {
		add_key(out, kv, "Irrelevant");
		return 0;
	}
	if (iscsi_kv_is(kv, "InitiatorAlias"))
		return 0;
	return 1;
}

static void hex(char *dst, const uint8_t *src, size_t n)
{
	size_t i;

	dst[0] = '0';
	dst[1] = 'x';
	for (i = 0; i < n; i++)
		sprintf(dst + 2 + 2 * i, "%02x", src[i]);
}

static int unhex(const struct iscsi_kv *kv, uint8_t *dst, size_t cap)
{
	size_t i, n;
	char c;
	int v;

	if (kv->val_len < 3 || kv->val[0] != '0' ||
	    (kv->val[1] != 'x' && kv->val[1] != 'X'))
		return -1;
	n = kv->val_len - 2;
	if (n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n; i++) {
		c = kv->val[2 + i];
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		if (i % 2)
			dst[i / 2] |= v;
		else
			dst[i / 2] = v << 4;
	}
	return n / 2;
}

static int chap_check(struct iscsi_login *lg, const char *user,
		      const uint8_t *resp, int rlen)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if (strcmp(user, lg->node->chap_user) || rlen != 16)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) &&
	     EVP_DigestUpdate(ctx, &lg->chap_id, 1) &&
	     EVP_DigestUpdate(ctx, lg->node->chap_secret,
			      strlen(lg->node->chap_secret)) &&
	     EVP_DigestUpdate(ctx, lg->chap_challenge,
			      sizeof(lg->chap_challenge)) &&
	     EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (!ok || mdlen != 16)
		return -1;
	return memcmp(md, resp, 16) ? -1 : 0;
}

/* Security-stage keys; 1 when kv is not one of them. */
static int security_key(struct iscsi_login *lg, const struct iscsi_kv *kv,
			struct iscsi_text_out *out, char *chap_n,
			uint8_t *chap_r, int *chap_rlen)
{
	if (iscsi_kv_is(kv, "AuthMethod")) {
		lg->auth_method_seen = true;
		if (lg->chap == CHAP_WANT_METHOD) {
			if (!val_in_list(kv, "CHAP"))
				return fail(lg, LOGIN_ST_AUTH_FAILED,
					    "node needs CHAP, initiator offered %s",
					    "no CHAP");
			lg->chap = CHAP_WANT_A;
			add_key(out, kv, "CHAP");
		} else if (lg->chap == CHAP_NONE) {
			if (!val_in_list(kv, "None"))
				return fail(lg, LOGIN_ST_AUTH_FAILED,
					    "initiator insists on authentication but the node has no chap secret%s",
					    NULL);
			add_key(out, kv, "None");
		}
		return 0;
	}
	if (iscsi_kv_is(kv, "CHAP_A")) {
		char chal[2 + 2 * sizeof(lg->chap_challenge) + 1];

		if (lg->chap != CHAP_WANT_A)
			return fail(lg, LOGIN_ST_INITIATOR_ERROR,
				    "CHAP_A out of sequence%s", NULL);
		if (!val_in_list(kv, "5"))
			return fail(lg, LOGIN_ST_AUTH_FAILED,
				    "CHAP without MD5 (CHAP_A=5)%s", NULL);
		if (getrandom(lg->chap_challenge, sizeof(lg->chap_challenge),
			      0) != sizeof(lg->chap_challenge) ||
		    getrandom(&lg->chap_id, 1, 0) != 1)
			return fail(lg, LOGIN_ST_TARGET_ERROR,
				    "no randomness for the CHAP challenge%s",
				    NULL);
		hex(chal, lg->chap_challenge, sizeof(lg->chap_challenge));
		iscsi_text_add(out, "CHAP_A", "5");
		iscsi_text_add(out, "CHAP_I", "%u", lg->chap_id);
		iscsi_text_add(out, "CHAP_C", "%s", chal);
		lg->chap = CHAP_WANT_R;
		return 0;
	}
	if (iscsi_kv_is(kv, "CHAP_N")) {
		if (!val_str(kv, chap_n, IOD_NAME_MAX))
			return fail(lg, LOGIN_ST_AUTH_FAILED,
				    "CHAP_N too long%s", NULL);
		return 0;
	}
	if (iscsi_kv_is(kv, "CHAP_R")) {
		*chap_rlen = unhex(kv, chap_r, 64);
		if (*chap_rlen < 0)
			return fail(lg, LOGIN_ST_AUTH_FAILED,
				    "CHAP_R is not 0x<hex>%s", NULL);
		return 0;
	}
	if (iscsi_kv_is(kv, "CHAP_I") || iscsi_kv_is(kv, "CHAP_C"))
		return fail(lg, LOGIN_ST_AUTH_FAILED,
			    "mutual CHAP is not supported%s", NULL);
	return 1;
}

int iscsi_login_step(struct iscsi_login *lg, uint8_t flags,
		     const uint8_t *data, uint32_t len,
		     struct iscsi_text_out *out, uint8_t *rsp_flags)
{
	struct iscsi_kv kv[ISCSI_TEXT_MAX_PAIRS];
	char chap_n[IOD_NAME_MAX] = "";
	uint8_t chap_r[64];
	int chap_rlen = -1, n, i, ret;
	int csg = ISCSI_LOGIN_CSG(flags), nsg = ISCSI_LOGIN_NSG(flags);
	bool transit = flags & ISCSI_LOGIN_TRANSIT, first = !lg->started;
	char type[32] = "Normal";

	if (flags & ISCSI_LOGIN_CONTINUE)
		return fail(lg, LOGIN_ST_INITIATOR_ERROR,
			    "login text split over several PDUs is not supported%s",
			    NULL);
	if (csg == 2 || csg == ISCSI_STAGE_FULL)
		return fail(lg, LOGIN_ST_INITIATOR_ERROR,
			    "login request in an invalid stage%s", NULL);
	if (transit && (nsg <= csg || nsg == 2))
		return fail(lg, LOGIN_ST_INITIATOR_ERROR,
			    "invalid next stage%s", NULL);
	if (lg->started && csg != lg->stage)
		return fail(lg, LOGIN_ST_INITIATOR_ERROR,
			    "login stage out of sequence%s", NULL);
	n = iscsi_text_parse(data, len, kv, ISCSI_TEXT_MAX_PAIRS);
	if (n < 0)
		return fail(lg, LOGIN_ST_INITIATOR_ERROR,
			    "malformed login keys%s", NULL);
	/*
	 * A key offered twice would get two answers and leave initiator and
	 * target believing different values (digests: lost framing); RFC 7143
	 * section 6.2 makes it an initiator error.
	 */
	i = iscsi_text_find_dup(kv, n);
	if (i >= 0) {
		char key[ISCSI_TEXT_KEY_MAX + 1];

		snprintf(key, sizeof(key), "%.*s", (int)kv[i].key_len, kv[i].key);
		return fail(lg, LOGIN_ST_INITIATOR_ERROR,
			    "key %s sent twice in one login request", key);
	}
	lg->started = true;
	lg->stage = csg;

	for (i = 0; i < n; i++) {
		if (iscsi_kv_is(&kv[i], "InitiatorName")) {
			if (!val_str(&kv[i], lg->initiator,
				     sizeof(lg->initiator)) || !kv[i].val_len)
				return fail(lg, LOGIN_ST_INITIATOR_ERROR,
					    "bad InitiatorName%s", NULL);
		} else if (iscsi_kv_is(&kv[i], "SessionType")) {
			if (!val_str(&kv[i], type, sizeof(type)) ||
			    (strcmp(type, "Normal") &&
			     strcmp(type, "Discovery")))
				return fail(lg, LOGIN_ST_SESSION_TYPE,
					    "unknown SessionType%s", NULL);
		} else if (iscsi_kv_is(&kv[i], "TargetName")) {
			if (!val_str(&kv[i], lg->target, sizeof(lg->target)))
				return fail(lg, LOGIN_ST_NOT_FOUND,
					    "TargetName too long%s", NULL);
		}
	}
	if (first) {
		if (!lg->initiator[0])
			return fail(lg, LOGIN_ST_MISSING_PARAM,
				    "login without InitiatorName%s", NULL);
		lg->discovery = !strcmp(type, "Discovery");
		if (!lg->discovery && !lg->target[0])
			return fail(lg, LOGIN_ST_MISSING_PARAM,
				    "normal session without TargetName%s",
				    NULL);
		if (!lg->discovery && strcmp(lg->target, lg->map->target))
			return fail(lg, LOGIN_ST_NOT_FOUND,
				    "no target named %s here", lg->target);
		lg->node = lun_map_node_by_initiator(lg->map, lg->initiator);
		if (!lg->node)
			return fail(lg, LOGIN_ST_FORBIDDEN,
				    "initiator %s belongs to no node (add it to the node's initiators:)",
				    lg->initiator);
		if (lg->authorize && lg->authorize(lg, lg->authorize_ctx))
			return -1;
		lg->chap = lg->node->has_chap ? CHAP_WANT_METHOD : CHAP_NONE;
	}
	if (csg == ISCSI_STAGE_OPERATIONAL && lg->chap != CHAP_NONE &&
	    lg->chap != CHAP_DONE)
		return fail(lg, LOGIN_ST_AUTH_FAILED,
			    "node %s needs CHAP but the initiator skipped the security stage",
			    lg->node->name);

	for (i = 0; i < n; i++) {
		if (iscsi_kv_is(&kv[i], "InitiatorName") ||
		    iscsi_kv_is(&kv[i], "SessionType") ||
		    iscsi_kv_is(&kv[i], "TargetName"))
			continue;
		if (csg == ISCSI_STAGE_SECURITY) {
			ret = security_key(lg, &kv[i], out, chap_n, chap_r,
					   &chap_rlen);
			if (ret < 0)
				return -1;
			if (!ret)
				continue;
		}
		if (iscsi_negotiate_key(&lg->params, &kv[i], out))
			add_key(out, &kv[i], "NotUnderstood");
	}
	if (chap_rlen >= 0 || chap_n[0]) {
		if (lg->chap != CHAP_WANT_R || chap_rlen < 0 || !chap_n[0])
			return fail(lg, LOGIN_ST_AUTH_FAILED,
				    "CHAP response out of sequence%s", NULL);
		if (chap_check(lg, chap_n, chap_r, chap_rlen))
			return fail(lg, LOGIN_ST_AUTH_FAILED,
				    "CHAP response for %s does not match",
				    lg->initiator);
		lg->chap = CHAP_DONE;
	}
	if (first && !lg->discovery && !lg->sent_tpgt) {
		iscsi_text_add(out, "TargetPortalGroupTag", "%u", lg->tpgt);
		lg->sent_tpgt = true;
	}
	if (!lg->sent_mrdsl && (csg == ISCSI_STAGE_OPERATIONAL ||
				(transit && nsg == ISCSI_STAGE_FULL))) {
		lg->params.max_recv_dsl = IOD_MAX_RECV_DSL;
		iscsi_text_add(out, "MaxRecvDataSegmentLength", "%u",
			       IOD_MAX_RECV_DSL);
		lg->sent_mrdsl = true;
	}
	if (out->overflow)
		return fail(lg, LOGIN_ST_TARGET_ERROR,
			    "login response too long%s", NULL);
	if (lg->params.first_burst > lg->params.max_burst)
		lg->params.first_burst = lg->params.max_burst;

	/* The security stage is left only once authentication is done. */
	if (transit && csg == ISCSI_STAGE_SECURITY && lg->chap != CHAP_NONE &&
	    lg->chap != CHAP_DONE) {
		if (lg->chap == CHAP_WANT_METHOD)
			return fail(lg, LOGIN_ST_AUTH_FAILED,
				    "node %s needs CHAP but it was not offered",
				    lg->node->name);
		transit = false;
	}
	if (!transit) {
		*rsp_flags = csg << 2 | csg;
		return 0;
	}
	*rsp_flags = ISCSI_LOGIN_TRANSIT | csg << 2 | nsg;
	lg->stage = nsg;
	return nsg == ISCSI_STAGE_FULL ? 1 : 0;
}

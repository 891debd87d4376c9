/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * iSCSI login (RFC 7143 sections 6 and 13): the security stage (AuthMethod
 * None or CHAP with MD5), the operational stage's key negotiation, and
 * the access decision: an initiator name must belong to a configured node.
 * One call per Login Request; no I/O, so it is unit tested directly.
 */
#ifndef XPAN_IOD_LOGIN_H
#define XPAN_IOD_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "iod_config.h"
#include "lun_map.h"
#include "pdu.h"

/* What this target offers. */
#define IOD_MAX_RECV_DSL	262144u
#define IOD_MAX_BURST		16776192u	/* 2^24 - 1024: the key's range ends at 2^24 - 1 */
#define IOD_FIRST_BURST		262144u
#define IOD_MAX_R2T		1u	/* one R2T sequence at a time per task */

/* Operational parameters in force after login. */
struct iscsi_params {
	bool header_digest;
	bool data_digest;
	uint32_t max_xmit_dsl;	/* the initiator's MaxRecvDataSegmentLength */
	uint32_t max_recv_dsl;	/* ours */
	uint32_t max_burst;
	uint32_t first_burst;
	bool immediate_data;
	bool initial_r2t;
	uint32_t max_outstanding_r2t;
	bool data_pdu_in_order;
	bool data_seq_in_order;
	uint32_t erl;
};

void iscsi_params_default(struct iscsi_params *p);

/* Login status class << 8 | detail (RFC 7143 11.13.5) */
#define LOGIN_ST_INITIATOR_ERROR	0x0200
#define LOGIN_ST_AUTH_FAILED		0x0201
#define LOGIN_ST_FORBIDDEN		0x0202
#define LOGIN_ST_NOT_FOUND		0x0203
#define LOGIN_ST_UNSUPPORTED_VERSION	0x0205
#define LOGIN_ST_MISSING_PARAM		0x0207
#define LOGIN_ST_SESSION_TYPE		0x020b
#define LOGIN_ST_TARGET_ERROR		0x0300
#define LOGIN_ST_UNAVAILABLE		0x0301

enum chap_state {
	CHAP_NONE,		/* no CHAP for this node */
	CHAP_WANT_METHOD,	/* node needs CHAP, AuthMethod not agreed */
	CHAP_WANT_A,		/* AuthMethod=CHAP agreed, waiting CHAP_A */
	CHAP_WANT_R,		/* challenge sent */
	CHAP_DONE,
};

struct iscsi_login {
	struct lun_map *map;
	uint16_t tpgt;
	int stage;		/* the stage the next request must be in */
	bool started;
	bool discovery;
	char initiator[IOD_NAME_MAX];
	char target[IOD_NAME_MAX];
	struct iod_node *node;
	enum chap_state chap;
	uint8_t chap_id;
	uint8_t chap_challenge[16];
	bool auth_method_seen;
	bool sent_tpgt;
	bool sent_mrdsl;
	struct iscsi_params params;
	uint16_t status;	/* failure reason when a step returns -1 */
	char why[512];		/* log text for a failure */
	/*
	 * Asked once, on the leading request, whether node may log in here:
	 * 0 yes, -1 no with status and why set. NULL: every node may (the
	 * rules of the initiator name and CHAP alone). storage_net.c binds a
	 * connection from the storage network to its address's node.
	 */
	int (*authorize)(struct iscsi_login *lg, void *ctx);
	void *authorize_ctx;
};

void iscsi_login_init(struct iscsi_login *lg, struct lun_map *map,
		      uint16_t tpgt);

/*
 * One Login Request: flags is its byte 1, data its key=value segment.
 * Writes the response keys to out and the response's byte 1 (T, CSG,
 * NSG) to rsp_flags. Returns 0 to keep logging in, 1 when the session
 * enters full feature phase, -1 on failure (lg->status, lg->why set).
 */
int iscsi_login_step(struct iscsi_login *lg, uint8_t flags,
		     const uint8_t *data, uint32_t len,
		     struct iscsi_text_out *out, uint8_t *rsp_flags);

/*
 * Negotiates one operational key into p, writing the answer to out.
 * Returns 0, or 1 when the key is not one this target knows (the caller
 * answers NotUnderstood). Used by login and by Text requests.
 */
int iscsi_negotiate_key(struct iscsi_params *p, const struct iscsi_kv *kv,
			struct iscsi_text_out *out);

#endif

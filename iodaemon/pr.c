// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdu.h"
#include "pr.h"

static struct pr_reg *find(const struct pr_state *pr, const char *nexus)
{
	unsigned int i;

	for (i = 0; i < pr->nregs; i++)
		if (!strcmp(pr->regs[i].nexus, nexus))
			return &pr->regs[i];
	return NULL;
}

static bool all_registrants(enum pr_type t)
{
	return t == PR_WE_AR || t == PR_EA_AR;
}

static bool is_holder(const struct pr_state *pr, const char *nexus)
{
	if (pr->type == PR_NONE)
		return false;
	if (all_registrants(pr->type))
		return find(pr, nexus) != NULL;
	return !strcmp(pr->holder, nexus);
}

static bool exclusive_access(enum pr_type t)
{
	return t == PR_EA || t == PR_EA_RO || t == PR_EA_AR;
}

bool pr_conflict(const struct pr_state *pr, const char *nexus,
		 const uint8_t *cdb)
{
	bool reads_medium;

	if (!pr || pr->type == PR_NONE || is_holder(pr, nexus))
		return false;
	/* registrants-only and all-registrants types admit registrants */
	if (pr->type != PR_WE && pr->type != PR_EA && find(pr, nexus))
		return false;
	switch (cdb[0]) {
	case 0x00:	/* TEST UNIT READY */
	case 0x03:	/* REQUEST SENSE */
	case 0x12:	/* INQUIRY */
	case 0x25:	/* READ CAPACITY(10) */
	case 0x5e:	/* PERSISTENT RESERVE IN */
	case 0x5f:	/* PERSISTENT RESERVE OUT: checked inside */
	case 0xa0:	/* REPORT LUNS */
	case 0xa3:	/* REPORT SUPPORTED OPERATION CODES */
		return false;
	case 0x9e:	/* READ CAPACITY(16) yes, GET LBA STATUS reads */
		if ((cdb[1] & 0x1f) == 0x10)
			return false;
		reads_medium = true;
		break;
	case 0x08: case 0x28: case 0xa8: case 0x88:	/* READ */
	case 0x2f: case 0xaf: case 0x8f:		/* VERIFY */
	case 0x34: case 0x90:				/* PRE-FETCH */
	case 0x1a: case 0x5a:				/* MODE SENSE */
	case 0x37: case 0xb7:				/* READ DEFECT DATA */
		reads_medium = true;
		break;
	default:	/* writes and everything else */
		reads_medium = false;
		break;
	}
	return !reads_medium || exclusive_access(pr->type);
}

static void conflict(struct scsi_req *r)
{
	r->status = SCSI_STATUS_RESERVATION_CONFLICT;
	r->sense_len = 0;
	r->io = SCSI_IO_NONE;
}

static void set_data(struct scsi_req *r, const uint8_t *b, size_t len,
		     uint32_t alloc)
{
	size_t n = len < alloc ? len : alloc;

	r->status = SCSI_STATUS_GOOD;
	r->io = SCSI_IO_NONE;
	if (!n)
		return;
	r->data = malloc(n);
	if (!r->data) {
		scsi_set_sense(r, SK_HARDWARE_ERROR,
			       ASC_INTERNAL_TARGET_FAILURE);
		return;
	}
	memcpy(r->data, b, n);
	r->data_len = n;
}

static void invalid_cdb(struct scsi_req *r)
{
	scsi_set_sense(r, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
}

/* iSCSI TransportID, format 01b: "name,i,0x<isid>", NUL padded to 4 */
static size_t transport_id(uint8_t *p, const char *nexus)
{
	size_t n = strlen(nexus) + 1, padded = (n + 3) & ~3u;

	memset(p, 0, 4 + padded);
	p[0] = 0x40 | 0x05;
	put_be16(p + 2, padded);
	memcpy(p + 4, nexus, n - 1);
	return 4 + padded;
}

void pr_in(const struct pr_state *pr, struct scsi_req *r)
{
	uint32_t alloc = get_be16(r->cdb + 7);
	size_t len, i, p;
	uint8_t *b;

	len = 8 + (size_t)pr->nregs * (24 + 4 + PR_NEXUS_MAX + 4) + 16;
	b = calloc(1, len);
	if (!b) {
		scsi_set_sense(r, SK_HARDWARE_ERROR,
			       ASC_INTERNAL_TARGET_FAILURE);
		return;
	}
	put_be32(b, pr->generation);
	p = 8;
	switch (r->cdb[1] & 0x1f) {
	case 0:		/* READ KEYS */
		for (i = 0; i < pr->nregs; i++, p += 8)
			put_be64(b + p, pr->regs[i].key);
		put_be32(b + 4, p - 8);
		break;
	case 1:		/* READ RESERVATION */
		if (pr->type != PR_NONE) {
			const struct pr_reg *h = find(pr, pr->holder);

			if (!all_registrants(pr->type) && h)
				put_be64(b + 8, h->key);
			b[21] = pr->type;
			p += 16;
		}
		put_be32(b + 4, p - 8);
		break;
	case 2:		/* REPORT CAPABILITIES */
		memset(b, 0, 8);
		put_be16(b, 8);
		b[2] = 0x10;		/* CRH: RESERVE(6) vs PR handled */
		b[3] = 0x80;		/* TMV: the type mask is valid */
		b[4] = 0x80 | 0x40 | 0x20 | 0x08 | 0x02;
		b[5] = 0x01;
		p = 8;
		break;
	case 3:		/* READ FULL STATUS */
		for (i = 0; i < pr->nregs; i++) {
			const struct pr_reg *g = &pr->regs[i];
			size_t tl;

			put_be64(b + p, g->key);
			if (is_holder(pr, g->nexus)) {
				b[p + 12] = 0x01;
				b[p + 13] = pr->type;
			}
			put_be16(b + p + 18, 1);
			tl = transport_id(b + p + 24, g->nexus);
			put_be32(b + p + 20, tl);
			p += 24 + tl;
		}
		put_be32(b + 4, p - 8);
		break;
	default:
		free(b);
		invalid_cdb(r);
		return;
	}
	set_data(r, b, p, alloc);
	free(b);
}

static void unregister(struct pr_state *pr, struct pr_reg *g)
{
	bool holder = !all_registrants(pr->type) &&
		      !strcmp(pr->holder, g->nexus);
	unsigned int i = g - pr->regs;

	memmove(&pr->regs[i], &pr->regs[i + 1],
		(pr->nregs - i - 1) * sizeof(*pr->regs));
	pr->nregs--;
	/* the holder leaving, or the last registrant of an all-registrants
	 * reservation, ends the reservation */
	if (holder || (all_registrants(pr->type) && !pr->nregs)) {
		pr->type = PR_NONE;
		pr->holder[0] = '\0';
	}
}

static bool add_reg(struct pr_state *pr, const char *nexus, uint64_t key)
{
	struct pr_reg *n = realloc(pr->regs, (pr->nregs + 1) * sizeof(*n));

	if (!n)
		return false;
	pr->regs = n;
	snprintf(n[pr->nregs].nexus, PR_NEXUS_MAX, "%s", nexus);
	n[pr->nregs].key = key;
	pr->nregs++;
	return true;
}

static bool valid_type(int t)
{
	return t == PR_WE || t == PR_EA || t == PR_WE_RO || t == PR_EA_RO ||
	       t == PR_WE_AR || t == PR_EA_AR;
}

void pr_out(struct pr_state *pr, const char *nexus, struct scsi_req *r,
	    const uint8_t *param, uint32_t len)
{
	int sa = r->cdb[1] & 0x1f, type = r->cdb[2] & 0x0f;
	int scope = r->cdb[2] >> 4;
	uint64_t key, sakey;
	struct pr_reg *me;
	unsigned int i;

	r->status = SCSI_STATUS_GOOD;
	r->io = SCSI_IO_NONE;
	if (len != 24) {
		scsi_set_sense(r, SK_ILLEGAL_REQUEST,
			       ASC_PARAMETER_LIST_LENGTH_ERROR);
		return;
	}
	key = get_be64(param);
	sakey = get_be64(param + 8);
	if (param[20] & (0x08 | 0x04 | 0x01)) {
		/* SPEC_I_PT, ALL_TG_PT, APTPL: not offered */
		scsi_set_sense(r, SK_ILLEGAL_REQUEST,
			       ASC_INVALID_FIELD_IN_PARAM);
		return;
	}
	me = find(pr, nexus);
	switch (sa) {
	case 0:		/* REGISTER */
	case 6:		/* REGISTER AND IGNORE EXISTING KEY */
		if (!me) {
			if (sa == 0 && key) {
				conflict(r);
				return;
			}
			if (!sakey)
				return;
			if (!add_reg(pr, nexus, sakey)) {
				scsi_set_sense(r, SK_HARDWARE_ERROR,
					       ASC_INTERNAL_TARGET_FAILURE);
				return;
			}
		} else {
			if (sa == 0 && key != me->key) {
				conflict(r);
				return;
			}
			if (sakey)
				me->key = sakey;
			else
				unregister(pr, me);
		}
		pr->generation++;
		return;
	case 1:		/* RESERVE */
	case 2:		/* RELEASE */
	case 3:		/* CLEAR */
	case 4:		/* PREEMPT */
	case 5:		/* PREEMPT AND ABORT */
		break;
	default:	/* REGISTER AND MOVE and beyond */
		invalid_cdb(r);
		return;
	}
	if (!me || me->key != key) {
		conflict(r);
		return;
	}
	if (sa == 1 || sa == 4 || sa == 5) {
		if (scope || !valid_type(type)) {
			invalid_cdb(r);
			return;
		}
	}
	switch (sa) {
	case 1:
		if (pr->type == PR_NONE) {
			pr->type = type;
			snprintf(pr->holder, sizeof(pr->holder), "%s", nexus);
		} else if (!is_holder(pr, nexus) || (int)pr->type != type) {
			conflict(r);
		}
		return;
	case 2:
		if (pr->type == PR_NONE || !is_holder(pr, nexus))
			return;
		if ((int)pr->type != type) {
			scsi_set_sense(r, SK_ILLEGAL_REQUEST, 0x2604);
			return;
		}
		pr->type = PR_NONE;
		pr->holder[0] = '\0';
		return;
	case 3:
		free(pr->regs);
		pr->regs = NULL;
		pr->nregs = 0;
		pr->type = PR_NONE;
		pr->holder[0] = '\0';
		pr->generation++;
		return;
	default: {	/* PREEMPT (AND ABORT) */
		bool took = false;
		char self[PR_NEXUS_MAX];

		snprintf(self, sizeof(self), "%s", nexus);
		if (pr->type != PR_NONE && all_registrants(pr->type) &&
		    !sakey) {
			/* removes every other registrant, takes over */
			for (i = 0; i < pr->nregs;)
				if (strcmp(pr->regs[i].nexus, self))
					memmove(&pr->regs[i], &pr->regs[i + 1],
						(--pr->nregs - i) *
							sizeof(*pr->regs));
				else
					i++;
			took = true;
		} else {
			const struct pr_reg *h = pr->type != PR_NONE &&
						 !all_registrants(pr->type) ?
						 find(pr, pr->holder) : NULL;

			if (!sakey) {
				scsi_set_sense(r, SK_ILLEGAL_REQUEST,
					       ASC_INVALID_FIELD_IN_PARAM);
				return;
			}
			took = h && h->key == sakey;
			for (i = 0; i < pr->nregs;)
				if (pr->regs[i].key == sakey &&
				    strcmp(pr->regs[i].nexus, self))
					memmove(&pr->regs[i], &pr->regs[i + 1],
						(--pr->nregs - i) *
							sizeof(*pr->regs));
				else
					i++;
		}
		if (took) {
			pr->type = type;
			snprintf(pr->holder, sizeof(pr->holder), "%s", self);
		}
		pr->generation++;
		return;
	}
	}
}

void pr_free(struct pr_state *pr)
{
	free(pr->regs);
	memset(pr, 0, sizeof(*pr));
}

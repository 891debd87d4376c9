/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SCSI persistent reservations (SPC-4 5.13): registrations of I_T nexuses
 * with keys, one reservation of the six types, PERSISTENT RESERVE IN/OUT
 * and the conflict rules other commands obey. State lives in memory per
 * LUN (APTPL is not offered: a restart clears it). An I_T nexus is named
 * by its iSCSI initiator port, "iqn...,i,0x<ISID>".
 */
#ifndef XPAN_IOD_PR_H
#define XPAN_IOD_PR_H

#include <stdbool.h>
#include <stdint.h>

#include "scsi.h"

#define PR_NEXUS_MAX	256

enum pr_type {
	PR_NONE = 0,
	PR_WE = 1,		/* write exclusive */
	PR_EA = 3,		/* exclusive access */
	PR_WE_RO = 5,		/* ... registrants only */
	PR_EA_RO = 6,
	PR_WE_AR = 7,		/* ... all registrants */
	PR_EA_AR = 8,
};

struct pr_reg {
	char nexus[PR_NEXUS_MAX];
	uint64_t key;
};

struct pr_state {
	uint32_t generation;
	struct pr_reg *regs;
	unsigned int nregs;
	enum pr_type type;
	char holder[PR_NEXUS_MAX];	/* for types other than *_AR */
};

/* RESERVATION CONFLICT for this command from nexus? */
bool pr_conflict(const struct pr_state *pr, const char *nexus,
		 const uint8_t *cdb);
/* PERSISTENT RESERVE IN: fills r (data or sense). */
void pr_in(const struct pr_state *pr, struct scsi_req *r);
/* PERSISTENT RESERVE OUT with its parameter list. */
void pr_out(struct pr_state *pr, const char *nexus, struct scsi_req *r,
	    const uint8_t *param, uint32_t len);
void pr_free(struct pr_state *pr);

#endif

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Persistent reservations: registration, the six types, conflicts. */
#include <criterion/criterion.h>
#include <string.h>

#include "iodaemon/pdu.h"
#include "iodaemon/pr.h"

static struct pr_state pr;
static struct scsi_req r;
static uint8_t cdb[16];
static const char *A = "iqn.a,i,0x400000000001";
static const char *B = "iqn.b,i,0x400000000002";

static void fini(void)
{
	scsi_req_release(&r);
	pr_free(&pr);
}

TestSuite(pr, .fini = fini);

static uint8_t out(const char *nexus, int sa, int type, uint64_t key,
		   uint64_t sakey)
{
	uint8_t p[24] = { 0 };

	scsi_req_release(&r);
	memset(&r, 0, sizeof(r));
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x5f;
	cdb[1] = sa;
	cdb[2] = type;
	put_be32(cdb + 5, 24);
	r.cdb = cdb;
	put_be64(p, key);
	put_be64(p + 8, sakey);
	pr_out(&pr, nexus, &r, p, sizeof(p));
	return r.status;
}

static void in(int sa)
{
	scsi_req_release(&r);
	memset(&r, 0, sizeof(r));
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x5e;
	cdb[1] = sa;
	put_be16(cdb + 7, 4096);
	r.cdb = cdb;
	pr_in(&pr, &r);
}

static bool conflicts(const char *nexus, uint8_t op)
{
	uint8_t c[16] = { op };

	return pr_conflict(&pr, nexus, c);
}

Test(pr, register_and_read_keys)
{
	cr_assert_eq(out(A, 0, 0, 0, 0x1111), SCSI_STATUS_GOOD);
	cr_assert_eq(out(B, 0, 0, 0, 0x2222), SCSI_STATUS_GOOD);
	cr_assert_eq(out(A, 0, 0, 0x9999, 0x3333),
		     SCSI_STATUS_RESERVATION_CONFLICT, "wrong old key");
	cr_assert_eq(out(A, 6, 0, 0, 0x3333), SCSI_STATUS_GOOD,
		     "register and ignore existing key");
	in(0);
	cr_assert_eq(r.status, SCSI_STATUS_GOOD);
	cr_assert_eq(get_be32(r.data), 3, "generation");
	cr_assert_eq(get_be32(r.data + 4), 16);
	cr_assert_eq(get_be64(r.data + 8), 0x3333);
	cr_assert_eq(get_be64(r.data + 16), 0x2222);
	cr_assert_eq(out(B, 0, 0, 0x2222, 0), SCSI_STATUS_GOOD, "unregister");
	in(0);
	cr_assert_eq(get_be32(r.data + 4), 8);
}

Test(pr, write_exclusive)
{
	out(A, 0, 0, 0, 0xa);
	out(B, 0, 0, 0, 0xb);
	cr_assert_eq(out(A, 1, PR_WE, 0xa, 0), SCSI_STATUS_GOOD);
	cr_assert_eq(out(B, 1, PR_WE, 0xb, 0), SCSI_STATUS_RESERVATION_CONFLICT);
	cr_assert_not(conflicts(A, 0x2a));
	cr_assert(conflicts(B, 0x2a), "others may not write");
	cr_assert_not(conflicts(B, 0x28), "but may read");
	cr_assert_not(conflicts(B, 0x12));
	in(1);
	cr_assert_eq(get_be32(r.data + 4), 16);
	cr_assert_eq(get_be64(r.data + 8), 0xa);
	cr_assert_eq(r.data[21], PR_WE);
	cr_assert_eq(out(A, 2, PR_EA, 0xa, 0), SCSI_STATUS_CHECK_CONDITION,
		     "release with the wrong type");
	cr_assert_eq(out(A, 2, PR_WE, 0xa, 0), SCSI_STATUS_GOOD);
	cr_assert_not(conflicts(B, 0x2a));
}

Test(pr, exclusive_access_and_registrants)
{
	out(A, 0, 0, 0, 0xa);
	out(B, 0, 0, 0, 0xb);
	out(A, 1, PR_EA, 0xa, 0);
	cr_assert(conflicts(B, 0x28), "EA: no reads either");
	cr_assert_not(conflicts(B, 0x25), "READ CAPACITY is allowed");
	out(A, 2, PR_EA, 0xa, 0);
	out(A, 1, PR_EA_RO, 0xa, 0);
	cr_assert_not(conflicts(B, 0x2a), "registrants only: B registered");
	cr_assert(conflicts("iqn.c,i,0x1", 0x28));
	out(A, 2, PR_EA_RO, 0xa, 0);
	out(A, 1, PR_WE_AR, 0xa, 0);
	cr_assert_not(conflicts(B, 0x2a));
	cr_assert(conflicts("iqn.c,i,0x1", 0x2a));
	cr_assert_not(conflicts("iqn.c,i,0x1", 0x28));
}

Test(pr, preempt_and_clear)
{
	out(A, 0, 0, 0, 0xa);
	out(B, 0, 0, 0, 0xb);
	out(A, 1, PR_WE, 0xa, 0);
	cr_assert_eq(out(B, 4, PR_EA, 0xb, 0xa), SCSI_STATUS_GOOD);
	in(1);
	cr_assert_eq(get_be64(r.data + 8), 0xb, "B holds it now");
	cr_assert_eq(r.data[21], PR_EA);
	in(0);
	cr_assert_eq(get_be32(r.data + 4), 8, "A's registration is gone");
	cr_assert_eq(out(A, 3, 0, 0xa, 0), SCSI_STATUS_RESERVATION_CONFLICT);
	cr_assert_eq(out(B, 3, 0, 0xb, 0), SCSI_STATUS_GOOD);
	in(1);
	cr_assert_eq(get_be32(r.data + 4), 0, "cleared");
}

Test(pr, capabilities_and_errors)
{
	uint8_t p[8] = { 0 };

	in(2);
	cr_assert_eq(r.status, SCSI_STATUS_GOOD);
	cr_assert_eq(get_be16(r.data), 8);
	cr_assert(r.data[4] & 0x02, "WRITE EXCLUSIVE offered");
	in(9);
	cr_assert_eq(r.status, SCSI_STATUS_CHECK_CONDITION);
	cr_assert_eq(out(A, 1, PR_WE, 0, 0), SCSI_STATUS_RESERVATION_CONFLICT,
		     "reserve without registering");
	out(A, 0, 0, 0, 0xa);
	cr_assert_eq(out(A, 1, 2, 0xa, 0), SCSI_STATUS_CHECK_CONDITION,
		     "type 2 does not exist");
	cr_assert_eq(out(A, 7, 0, 0xa, 0), SCSI_STATUS_CHECK_CONDITION,
		     "REGISTER AND MOVE not offered");
	scsi_req_release(&r);
	memset(&r, 0, sizeof(r));
	cdb[0] = 0x5f;
	r.cdb = cdb;
	pr_out(&pr, A, &r, p, sizeof(p));
	cr_assert_eq(sense_asc(r.sense), ASC_PARAMETER_LIST_LENGTH_ERROR);
	in(3);				/* READ FULL STATUS */
	cr_assert_eq(r.status, SCSI_STATUS_GOOD);
	cr_assert_eq(get_be64(r.data + 8), 0xa);
	cr_assert_eq(r.data[8 + 24], 0x45, "iSCSI TransportID");
	cr_assert(!memcmp(r.data + 8 + 28, A, strlen(A)));
}

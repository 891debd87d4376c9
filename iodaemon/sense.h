/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SCSI status codes, sense keys and additional sense codes the target
 * reports, and the builder for fixed-format sense data (SPC-4 4.5.3).
 */
#ifndef XPAN_IOD_SENSE_H
#define XPAN_IOD_SENSE_H

#include <stdbool.h>
#include <stdint.h>

#define SCSI_STATUS_GOOD		0x00
#define SCSI_STATUS_CHECK_CONDITION	0x02
#define SCSI_STATUS_CONDITION_MET	0x04
#define SCSI_STATUS_BUSY		0x08
#define SCSI_STATUS_RESERVATION_CONFLICT 0x18
#define SCSI_STATUS_TASK_SET_FULL	0x28
#define SCSI_STATUS_TASK_ABORTED	0x40

#define SK_NO_SENSE		0x0
#define SK_NOT_READY		0x2
#define SK_MEDIUM_ERROR		0x3
#define SK_HARDWARE_ERROR	0x4
#define SK_ILLEGAL_REQUEST	0x5
#define SK_UNIT_ATTENTION	0x6
#define SK_DATA_PROTECT		0x7
#define SK_ABORTED_COMMAND	0xb
#define SK_MISCOMPARE		0xe

/* ASC << 8 | ASCQ */
#define ASC_NONE			0x0000
#define ASC_WRITE_ERROR			0x0c00
#define ASC_UNRECOVERED_READ_ERROR	0x1100
#define ASC_MISCOMPARE_DURING_VERIFY	0x1d00
#define ASC_PARAMETER_LIST_LENGTH_ERROR	0x1a00
#define ASC_INVALID_FIELD_IN_IU		0x0e03
#define ASC_INVALID_OPCODE		0x2000
#define ASC_LBA_OUT_OF_RANGE		0x2100
#define ASC_INVALID_FIELD_IN_CDB	0x2400
#define ASC_LUN_NOT_SUPPORTED		0x2500
#define ASC_INVALID_FIELD_IN_PARAM	0x2600
#define ASC_WRITE_PROTECTED		0x2700
#define ASC_SPACE_ALLOC_FAILED_WP	0x2707
#define ASC_POWER_ON_RESET		0x2900
#define ASC_BUS_DEVICE_RESET		0x2903
#define ASC_NEXUS_LOSS			0x2907
#define ASC_REPORTED_LUNS_CHANGED	0x3f0e
#define ASC_SAVING_PARAMS_UNSUP		0x3900
#define ASC_MEDIUM_NOT_PRESENT		0x3a00
#define ASC_INTERNAL_TARGET_FAILURE	0x4400
#define ASC_DATA_PHASE_ERROR		0x4b00
#define ASC_COMMANDS_CLEARED_BY_DEVICE_SERVER 0x2f02

#define SCSI_SENSE_LEN	18

/* Sense key specific field pointer: which CDB (or parameter) byte and
 * bit was wrong, or none. */
struct sense_field {
	bool valid;
	bool in_cdb;
	uint16_t byte;
	int8_t bit;	/* -1: no bit pointer */
};

/*
 * Writes fixed-format sense into buf (SCSI_SENSE_LEN bytes). info, when
 * info_valid, goes to the INFORMATION field (e.g. the miscompare offset).
 */
void sense_build(uint8_t *buf, uint8_t key, uint16_t asc_ascq,
		 bool info_valid, uint32_t info, const struct sense_field *fp);

static inline uint8_t sense_key(const uint8_t *buf)
{
	return buf[2] & 0x0f;
}

static inline uint16_t sense_asc(const uint8_t *buf)
{
	return (uint16_t)buf[12] << 8 | buf[13];
}

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-LUN I/O statistics, the seed's list: operations, bytes, reads,
 * writes and the time I/O was in progress (wall time with at least one
 * command outstanding, as /proc/diskstats' io_ticks).
 */
#ifndef XPAN_IOD_STATS_H
#define XPAN_IOD_STATS_H

#include <stdbool.h>
#include <stdint.h>

struct iod_stats {
	uint64_t ops;
	uint64_t bytes;
	uint64_t reads;
	uint64_t writes;
	uint64_t read_bytes;
	uint64_t write_bytes;
	uint64_t errors;
	uint64_t busy_ns;
	/* accounting state */
	uint32_t inflight;
	uint64_t busy_since;
};

uint64_t iod_now_ns(void);
/* A command started / finished on the LUN. */
void iod_stats_start(struct iod_stats *s, uint64_t now);
void iod_stats_end(struct iod_stats *s, uint64_t now, int dir,
		   uint64_t bytes, bool error);
/* busy time including a period still open at now */
uint64_t iod_stats_busy(const struct iod_stats *s, uint64_t now);
void iod_stats_add(struct iod_stats *sum, const struct iod_stats *s,
		   uint64_t now);

#define IOD_DIR_NONE	0
#define IOD_DIR_READ	1
#define IOD_DIR_WRITE	2

#endif

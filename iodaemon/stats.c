// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <time.h>

#include "stats.h"

uint64_t iod_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void iod_stats_start(struct iod_stats *s, uint64_t now)
{
	if (!s->inflight++)
		s->busy_since = now;
}

void iod_stats_end(struct iod_stats *s, uint64_t now, int dir,
		   uint64_t bytes, bool error)
{
	if (s->inflight && !--s->inflight)
		s->busy_ns += now - s->busy_since;
	s->ops++;
	s->bytes += bytes;
	if (dir == IOD_DIR_READ) {
		s->reads++;
		s->read_bytes += bytes;
	} else if (dir == IOD_DIR_WRITE) {
		s->writes++;
		s->write_bytes += bytes;
	}
	if (error)
		s->errors++;
}

uint64_t iod_stats_busy(const struct iod_stats *s, uint64_t now)
{
	return s->busy_ns + (s->inflight ? now - s->busy_since : 0);
}

void iod_stats_add(struct iod_stats *sum, const struct iod_stats *s,
		   uint64_t now)
{
	sum->ops += s->ops;
	sum->bytes += s->bytes;
	sum->reads += s->reads;
	sum->writes += s->writes;
	sum->read_bytes += s->read_bytes;
	sum->write_bytes += s->write_bytes;
	sum->errors += s->errors;
	sum->busy_ns += iod_stats_busy(s, now);
}

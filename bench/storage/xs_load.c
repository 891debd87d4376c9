// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xs-load: an iSCSI load generator for the storage bench. fio has no
 * libiscsi engine in Debian and iscsi-perf only reads, so this drives
 * READ16 / WRITE16 through libiscsi's asynchronous API on one connection
 * with a fixed queue depth, random or sequential, and prints IOPS and
 * throughput. The same binary measures every target, so client cost is
 * the same on both sides of a ratio.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

struct load {
	struct iscsi_context *iscsi;
	int lun;
	bool write;
	bool random;
	uint32_t bs;		/* bytes per command */
	uint32_t blksz;		/* logical block size of the LUN */
	uint64_t nslots;	/* bs-sized slots in the region */
	uint64_t next_seq;
	uint64_t rng;
	unsigned char *wbuf;
	uint64_t deadline_ns;
	bool stop;
	unsigned int inflight;
	uint64_t done;
	uint64_t errors;
	char first_error[256];
	uint64_t lat_sum_ns;
};

struct slot {
	struct load *ld;
	uint64_t t0;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t next_rand(struct load *ld)
{
	/* xorshift64*: cheap, and the same sequence for every target */
	ld->rng ^= ld->rng >> 12;
	ld->rng ^= ld->rng << 25;
	ld->rng ^= ld->rng >> 27;
	return ld->rng * 2685821657736338717ull;
}

static void issue(struct load *ld, struct slot *s);

static void done_cb(struct iscsi_context *iscsi, int status,
		    void *command_data, void *private_data)
{
	struct slot *s = private_data;
	struct load *ld = s->ld;
	struct scsi_task *task = command_data;

	(void)iscsi;
	ld->inflight--;
	if (status != SCSI_STATUS_GOOD) {
		ld->errors++;
		if (!ld->first_error[0])
			snprintf(ld->first_error, sizeof(ld->first_error),
				 "%s", iscsi_get_error(ld->iscsi));
	} else {
		ld->done++;
		ld->lat_sum_ns += now_ns() - s->t0;
	}
	if (task)
		scsi_free_scsi_task(task);
	if (!ld->stop && now_ns() >= ld->deadline_ns)
		ld->stop = true;
	if (!ld->stop)
		issue(ld, s);
}

static void issue(struct load *ld, struct slot *s)
{
	uint64_t slot, lba;
	struct scsi_task *t;

	if (ld->random) {
		slot = next_rand(ld) % ld->nslots;
	} else {
		slot = ld->next_seq++;
		if (ld->next_seq >= ld->nslots)
			ld->next_seq = 0;
	}
	lba = slot * (ld->bs / ld->blksz);
	s->t0 = now_ns();
	if (ld->write)
		t = iscsi_write16_task(ld->iscsi, ld->lun, lba, ld->wbuf,
				       ld->bs, ld->blksz, 0, 0, 0, 0, 0,
				       done_cb, s);
	else
		t = iscsi_read16_task(ld->iscsi, ld->lun, lba, ld->bs,
				      ld->blksz, 0, 0, 0, 0, 0, done_cb, s);
	if (!t) {
		fprintf(stderr, "xs-load: cannot queue a command: %s\n",
			iscsi_get_error(ld->iscsi));
		ld->errors++;
		ld->stop = true;
		return;
	}
	ld->inflight++;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xs-load [options] iscsi://HOST:PORT/TARGET-IQN/LUN\n"
		"Drives one iSCSI connection with READ16/WRITE16 at a fixed queue depth\n"
		"and prints the achieved rate.\n"
		"  -i, --initiator NAME  initiator name (default iqn.2026-11.io.xpan:bench)\n"
		"  -w, --rw MODE         randread | randwrite | read | write (default randread)\n"
		"  -b, --bs BYTES        bytes per command, multiple of the block size (default 4096)\n"
		"  -q, --qd N            commands in flight (default 32)\n"
		"  -t, --time SECONDS    run time (default 10)\n"
		"  -s, --size BYTES      region of the LUN used from LBA 0 (default: whole LUN)\n"
		"  -j, --json            print one JSON object instead of text\n"
		"  -h, --help            this text\n"
		"Exit status 0 when every command succeeded, 1 otherwise.\n");
}

static long long parse_num(const char *s, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s || v <= 0) {
		fprintf(stderr, "xs-load: %s '%s' is not a positive number\n",
			what, s);
		exit(2);
	}
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end) {
		fprintf(stderr, "xs-load: %s '%s': unknown suffix (use K, M or G)\n",
			what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "initiator", required_argument, NULL, 'i' },
		{ "rw", required_argument, NULL, 'w' },
		{ "bs", required_argument, NULL, 'b' },
		{ "qd", required_argument, NULL, 'q' },
		{ "time", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *initiator = "iqn.2026-11.io.xpan:bench", *mode = "randread";
	struct load ld = { .bs = 4096, .rng = 0x9e3779b97f4a7c15ull };
	unsigned int qd = 32, secs = 10, i;
	uint64_t size = 0, lun_bytes, t0, el;
	struct scsi_readcapacity16 *rc;
	struct iscsi_url *url;
	struct scsi_task *task;
	struct slot *slots;
	bool json = false;
	double s, iops, mbs;
	int c, ret = 1;

	while ((c = getopt_long(argc, argv, "i:w:b:q:t:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': initiator = optarg; break;
		case 'w': mode = optarg; break;
		case 'b': ld.bs = parse_num(optarg, "--bs"); break;
		case 'q': qd = parse_num(optarg, "--qd"); break;
		case 't': secs = parse_num(optarg, "--time"); break;
		case 's': size = parse_num(optarg, "--size"); break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(mode, "randread")) {
		ld.random = true;
	} else if (!strcmp(mode, "randwrite")) {
		ld.random = ld.write = true;
	} else if (!strcmp(mode, "write")) {
		ld.write = true;
	} else if (strcmp(mode, "read")) {
		fprintf(stderr, "xs-load: --rw '%s': use randread, randwrite, read or write\n",
			mode);
		return 2;
	}

	ld.iscsi = iscsi_create_context(initiator);
	if (!ld.iscsi) {
		fprintf(stderr, "xs-load: cannot create an iSCSI context\n");
		return 1;
	}
	url = iscsi_parse_full_url(ld.iscsi, argv[optind]);
	if (!url) {
		fprintf(stderr, "xs-load: bad URL '%s': %s\n", argv[optind],
			iscsi_get_error(ld.iscsi));
		goto out_destroy;
	}
	iscsi_set_targetname(ld.iscsi, url->target);
	iscsi_set_session_type(ld.iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(ld.iscsi, ISCSI_HEADER_DIGEST_NONE);
	ld.lun = url->lun;
	if (iscsi_full_connect_sync(ld.iscsi, url->portal, url->lun)) {
		fprintf(stderr, "xs-load: login to %s at %s failed: %s\n",
			url->target, url->portal, iscsi_get_error(ld.iscsi));
		goto out_url;
	}
	task = iscsi_readcapacity16_sync(ld.iscsi, ld.lun);
	if (!task || task->status != SCSI_STATUS_GOOD ||
	    !(rc = scsi_datain_unmarshall(task))) {
		fprintf(stderr, "xs-load: READ CAPACITY(16) failed: %s\n",
			iscsi_get_error(ld.iscsi));
		goto out_logout;
	}
	ld.blksz = rc->block_length;
	lun_bytes = (rc->returned_lba + 1) * (uint64_t)rc->block_length;
	scsi_free_scsi_task(task);
	if (!ld.blksz || ld.bs % ld.blksz) {
		fprintf(stderr, "xs-load: --bs %u is not a multiple of the block size %u\n",
			ld.bs, ld.blksz);
		goto out_logout;
	}
	if (!size || size > lun_bytes)
		size = lun_bytes;
	ld.nslots = size / ld.bs;
	if (!ld.nslots) {
		fprintf(stderr, "xs-load: the LUN (%" PRIu64 " bytes) is smaller than --bs\n",
			lun_bytes);
		goto out_logout;
	}
	ld.wbuf = malloc(ld.bs);
	slots = calloc(qd, sizeof(*slots));
	if (!ld.wbuf || !slots) {
		fprintf(stderr, "xs-load: out of memory\n");
		goto out_logout;
	}
	for (i = 0; i < ld.bs; i++)
		ld.wbuf[i] = (unsigned char)(i * 7 + 1);

	t0 = now_ns();
	ld.deadline_ns = t0 + (uint64_t)secs * 1000000000ull;
	for (i = 0; i < qd && !ld.stop; i++) {
		slots[i].ld = &ld;
		issue(&ld, &slots[i]);
	}
	while (ld.inflight) {
		struct pollfd pfd = {
			.fd = iscsi_get_fd(ld.iscsi),
			.events = iscsi_which_events(ld.iscsi),
		};

		if (poll(&pfd, 1, 1000) < 0) {
			if (errno == EINTR)
				continue;
			perror("xs-load: poll");
			break;
		}
		if (iscsi_service(ld.iscsi, pfd.revents) < 0) {
			fprintf(stderr, "xs-load: connection failed: %s\n",
				iscsi_get_error(ld.iscsi));
			break;
		}
		if (now_ns() > ld.deadline_ns + 10000000000ull) {
			fprintf(stderr, "xs-load: %u commands still in flight 10 s after the end\n",
				ld.inflight);
			break;
		}
	}
	el = now_ns() - t0;
	s = el / 1e9;
	iops = ld.done / s;
	mbs = ld.done * (double)ld.bs / s / 1048576.0;
	if (json)
		printf("{\"rw\":\"%s\",\"bs\":%u,\"qd\":%u,\"seconds\":%.3f,\"ops\":%" PRIu64
		       ",\"errors\":%" PRIu64 ",\"iops\":%.0f,\"mib_s\":%.1f,\"lat_us\":%.1f}\n",
		       mode, ld.bs, qd, s, ld.done, ld.errors, iops, mbs,
		       ld.done ? ld.lat_sum_ns / 1e3 / ld.done : 0.0);
	else
		printf("%s bs=%u qd=%u: %" PRIu64 " ops in %.2f s, %.0f IOPS, %.1f MiB/s, avg latency %.1f us, %" PRIu64 " errors\n",
		       mode, ld.bs, qd, ld.done, s, iops, mbs,
		       ld.done ? ld.lat_sum_ns / 1e3 / ld.done : 0.0, ld.errors);
	if (ld.errors)
		fprintf(stderr, "xs-load: first error: %s\n",
			ld.first_error[0] ? ld.first_error : "?");
	ret = (ld.errors || ld.inflight || !ld.done) ? 1 : 0;
	free(slots);
	free(ld.wbuf);
out_logout:
	if (ret == 0 || iscsi_is_logged_in(ld.iscsi))
		iscsi_logout_sync(ld.iscsi);
out_url:
	iscsi_destroy_url(url);
out_destroy:
	iscsi_destroy_context(ld.iscsi);
	return ret;
}

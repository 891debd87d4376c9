// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Initiator-side helper for the storage scenarios, built on libiscsi:
 *   iod_rw URL INITIATOR roundtrip NBLOCKS   write patterns, read back, compare
 *   iod_rw URL INITIATOR stream LOG          write 4 KiB blocks at new LBAs
 *          until the target goes away, logging each ACKNOWLEDGED write
 *   iod_rw URL INITIATOR check LOG           verify every logged block
 * URL is iscsi://HOST:PORT/TARGET/LUN. Exit 0 when everything matched.
 * IOD_RW_DIGEST=crc32c in the environment requires CRC32C header digests.
 */
#include <errno.h>
#include <fcntl.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BS 512
#define CHUNK 8		/* blocks per stream write */

static struct iscsi_context *iscsi;
static struct iscsi_url *url;

static void fill(uint8_t *buf, size_t nblk, uint64_t lba, uint64_t seq)
{
	size_t i, j;

	for (i = 0; i < nblk; i++)
		for (j = 0; j < BS; j += 16) {
			uint64_t a = lba + i, b = seq ^ (j * 0x9e3779b97f4a7c15ull);

			memcpy(buf + i * BS + j, &a, 8);
			memcpy(buf + i * BS + j + 8, &b, 8);
		}
}

static int do_write(uint64_t lba, uint8_t *buf, size_t nblk, int fua)
{
	struct scsi_task *t;
	int ok;

	t = iscsi_write16_sync(iscsi, url->lun, lba, buf, nblk * BS, BS, 0, 0,
			       fua, 0, 0);
	ok = t && t->status == SCSI_STATUS_GOOD;
	if (t)
		scsi_free_scsi_task(t);
	return ok ? 0 : -1;
}

static int do_read(uint64_t lba, uint8_t *buf, size_t nblk)
{
	struct scsi_task *t;
	int ok;

	t = iscsi_read16_sync(iscsi, url->lun, lba, nblk * BS, BS, 0, 0, 0, 0,
			      0);
	ok = t && t->status == SCSI_STATUS_GOOD &&
	     t->datain.size == (int)(nblk * BS);
	if (ok)
		memcpy(buf, t->datain.data, nblk * BS);
	if (t)
		scsi_free_scsi_task(t);
	return ok ? 0 : -1;
}

static uint64_t capacity(void)
{
	struct scsi_task *t = iscsi_readcapacity16_sync(iscsi, url->lun);
	struct scsi_readcapacity16 *rc;
	uint64_t n = 0;

	if (t && t->status == SCSI_STATUS_GOOD) {
		rc = scsi_datain_unmarshall(t);
		if (rc)
			n = rc->returned_lba + 1;
	} else {
		fprintf(stderr, "READ CAPACITY(16) failed: %s\n",
			iscsi_get_error(iscsi));
	}
	if (t)
		scsi_free_scsi_task(t);
	return n;
}

/* 1..256 blocks, and every 16th transfer 4 MiB: several bursts, R2Ts
 * and Data-In sequences for one command */
static size_t rt_len(uint64_t seq)
{
	return seq % 16 == 0 ? 8192 : 1 + (seq * 37) % 256;
}

static int roundtrip(uint64_t want)
{
	uint64_t nblocks = capacity(), lba, seq = 1;
	uint8_t *w = malloc(8192 * BS), *r = malloc(8192 * BS);
	size_t n;

	if (!w || !r || !nblocks)
		return 2;
	if (want > nblocks)
		want = nblocks;
	/* varied sizes: single blocks up to 128 KiB, scatter over the LUN */
	for (lba = 0; lba < want; lba += n, seq++) {
		n = rt_len(seq);
		if (lba + n > want)
			n = want - lba;
		fill(w, n, lba, seq);
		if (do_write(lba, w, n, seq % 3 == 0)) {
			fprintf(stderr, "write lba %llu x%zu failed: %s\n",
				(unsigned long long)lba, n,
				iscsi_get_error(iscsi));
			return 1;
		}
	}
	for (lba = 0, seq = 1; lba < want; lba += n, seq++) {
		n = rt_len(seq);
		if (lba + n > want)
			n = want - lba;
		fill(w, n, lba, seq);
		if (do_read(lba, r, n) || memcmp(w, r, n * BS)) {
			fprintf(stderr, "lba %llu x%zu did not read back\n",
				(unsigned long long)lba, n);
			return 1;
		}
	}
	printf("roundtrip: %llu blocks written and verified\n",
	       (unsigned long long)want);
	return 0;
}

static int stream(const char *log)
{
	uint64_t nblocks = capacity(), lba, seq;
	uint8_t buf[CHUNK * BS];
	char line[64];
	int fd;

	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd < 0 || !nblocks)
		return 2;
	for (seq = 1, lba = 0; lba + CHUNK <= nblocks; seq++, lba += CHUNK) {
		fill(buf, CHUNK, lba, seq);
		if (do_write(lba, buf, CHUNK, 0))
			break;
		/* only now is the write acknowledged: log it */
		snprintf(line, sizeof(line), "%llu %llu\n",
			 (unsigned long long)lba, (unsigned long long)seq);
		if (write(fd, line, strlen(line)) < 0)
			return 2;
	}
	close(fd);
	printf("stream: %llu writes acknowledged\n",
	       (unsigned long long)seq - 1);
	return 0;
}

static int check(const char *log)
{
	unsigned long long lba, seq;
	uint8_t w[CHUNK * BS], r[CHUNK * BS];
	unsigned long n = 0, bad = 0;
	FILE *f = fopen(log, "r");

	if (!f)
		return 2;
	while (fscanf(f, "%llu %llu", &lba, &seq) == 2) {
		fill(w, CHUNK, lba, seq);
		if (do_read(lba, r, CHUNK) || memcmp(w, r, sizeof(w))) {
			if (bad++ < 5)
				fprintf(stderr, "acknowledged write at lba %llu (seq %llu) is lost\n",
					lba, seq);
		}
		n++;
	}
	fclose(f);
	printf("check: %lu acknowledged writes, %lu lost\n", n, bad);
	return bad || !n ? 1 : 0;
}

int main(int argc, char **argv)
{
	int ret;

	if (argc != 5) {
		fprintf(stderr,
			"usage: %s iscsi://HOST:PORT/TARGET/LUN INITIATOR roundtrip NBLOCKS|stream LOG|check LOG\n",
			argv[0]);
		return 2;
	}
	iscsi = iscsi_create_context(argv[2]);
	if (!iscsi)
		return 2;
	url = iscsi_parse_full_url(iscsi, argv[1]);
	if (!url) {
		fprintf(stderr, "bad URL %s: %s\n", argv[1],
			iscsi_get_error(iscsi));
		return 2;
	}
	iscsi_set_targetname(iscsi, url->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	/* IOD_RW_DIGEST=crc32c insists on header digests */
	iscsi_set_header_digest(iscsi,
				getenv("IOD_RW_DIGEST") &&
						!strcmp(getenv("IOD_RW_DIGEST"),
							"crc32c") ?
					ISCSI_HEADER_DIGEST_CRC32C :
					ISCSI_HEADER_DIGEST_NONE_CRC32C);
	if (iscsi_full_connect_sync(iscsi, url->portal, url->lun)) {
		fprintf(stderr, "login to %s failed: %s\n", argv[1],
			iscsi_get_error(iscsi));
		return 2;
	}
	/* a stream must end when the target dies, not reconnect */
	iscsi_set_noautoreconnect(iscsi, 1);
	iscsi_set_timeout(iscsi, 10);
	if (!strcmp(argv[3], "roundtrip"))
		ret = roundtrip(strtoull(argv[4], NULL, 0));
	else if (!strcmp(argv[3], "stream"))
		ret = stream(argv[4]);
	else if (!strcmp(argv[3], "check"))
		ret = check(argv[4]);
	else
		ret = 2;
	/* stream ends with the target gone: no logout then */
	if (strcmp(argv[3], "stream"))
		iscsi_logout_sync(iscsi);
	iscsi_destroy_url(url);
	iscsi_destroy_context(iscsi);
	return ret;
}

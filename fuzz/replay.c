// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Replays inputs through a harness without libFuzzer: main() reads each
 * file named on the command line and calls LLVMFuzzerTestOneInput() once
 * with its bytes, in order, in this one process. Built with gcc and
 * ASan+UBSan against the unit tests' sanitized objects (fuzz/module.mk),
 * so `make test` replays fuzz/crashes/ without clang's fuzzer runtime and
 * without recompiling the daemon. A sanitizer report or a broken
 * invariant (FZ_CHECK aborts) ends the process with a non-zero status.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs are small (libFuzzer's -max_len is 16 KiB at most here); a
 * bigger file is not a reproducer of these harnesses. */
#define REPLAY_MAX_INPUT (1u << 20)

static int replay(const char *path)
{
	uint8_t *buf;
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: cannot open %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	buf = malloc(REPLAY_MAX_INPUT + 1);
	if (!buf) {
		fclose(f);
		fprintf(stderr, "replay: out of memory\n");
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT + 1, f);
	if (ferror(f) || n > REPLAY_MAX_INPUT) {
		fprintf(stderr, "replay: %s: %s\n", path,
			ferror(f) ? "read error" : "larger than 1 MiB");
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s INPUT...\n"
			"Runs each INPUT through the harness once; exit 0 when "
			"none made it report.\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (replay(argv[i]))
			return 1;
	fprintf(stderr, "replay: %d inputs, no report\n", argc - 1);
	return 0;
}

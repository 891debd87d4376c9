/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Invariant checks for the harnesses: a contract the code under test
 * breaks aborts, and libFuzzer keeps the input as a crash. */
#ifndef XPAN_FUZZ_CHECK_H
#define XPAN_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

/* A broken invariant: libFuzzer saves the input as a crash. */
#define FZ_CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#endif

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Maglev table builder: shares follow the weights, weight 0 drains,
 * the table does not depend on the list's order, and removing one of 10
 * backends moves at most 1/10 + 1% of 100,000 synthetic flows (the
 * service clusters issue's bound; the moved share is printed).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"

#define M XPAN_MAGLEV_SIZE
#define FLOWS 100000

static uint32_t *tab(void)
{
	uint32_t *t = malloc(M * sizeof(*t));

	cr_assert_not_null(t);
	return t;
}

/* A flow's slot: the 5-tuple's hash, as the dataplane would take it. */
static uint32_t flow_slot(uint32_t f)
{
	uint64_t x = f * 0x9e3779b97f4a7c15ull;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return (uint32_t)(x % M);
}

static void count(const uint32_t *t, size_t n, uint32_t *cnt)
{
	memset(cnt, 0, n * sizeof(*cnt));
	for (uint32_t s = 0; s < M; s++) {
		cr_assert_lt(t[s], n, "slot %u unfilled", s);
		cnt[t[s]]++;
	}
}

Test(maglev, equal_weights_share_equally)
{
	static const char *const names[] = { "n1", "n2", "n3", "n4", "n5" };
	struct xpan_maglev_backend b[5];
	uint32_t *t = tab(), cnt[5];

	for (int i = 0; i < 5; i++)
		b[i] = (struct xpan_maglev_backend){ names[i], 1 };
	cr_assert_eq(xpan_maglev_build(b, 5, M, t), 0);
	count(t, 5, cnt);
	for (int i = 0; i < 5; i++)
		cr_assert(cnt[i] == M / 5 || cnt[i] == M / 5 + 1,
			  "%s holds %u slots of %u", names[i], cnt[i], M);
	free(t);
}

Test(maglev, weights_and_drain)
{
	struct xpan_maglev_backend b[] = {
		{ "n1", 1 }, { "n2", 1 }, { "n3", 2 }, { "n4", 0 },
	};
	uint32_t *t = tab(), cnt[4];

	cr_assert_eq(xpan_maglev_build(b, 4, M, t), 0);
	count(t, 4, cnt);
	cr_assert_eq(cnt[3], 0, "weight 0 holds no slot");
	/* 1:1:2 of 65537 = 16384.25 : 16384.25 : 32768.5 */
	cr_assert(cnt[0] >= 16383 && cnt[0] <= 16386, "n1: %u", cnt[0]);
	cr_assert(cnt[1] >= 16383 && cnt[1] <= 16386, "n2: %u", cnt[1]);
	cr_assert(cnt[2] >= 32766 && cnt[2] <= 32770, "n3: %u", cnt[2]);
	free(t);
}

Test(maglev, order_of_the_list_does_not_matter)
{
	struct xpan_maglev_backend a[] = { { "web-a", 1 }, { "web-b", 3 }, { "web-c", 1 } };
	struct xpan_maglev_backend r[] = { { "web-c", 1 }, { "web-a", 1 }, { "web-b", 3 } };
	static const uint32_t map[] = { 2, 0, 1 };	/* r's index -> a's */
	uint32_t *ta = tab(), *tr = tab();

	cr_assert_eq(xpan_maglev_build(a, 3, M, ta), 0);
	cr_assert_eq(xpan_maglev_build(r, 3, M, tr), 0);
	for (uint32_t s = 0; s < M; s++)
		cr_assert_eq(map[tr[s]], ta[s], "slot %u", s);
	free(ta);
	free(tr);
}

Test(maglev, removing_one_of_ten_moves_at_most_a_tenth_plus_one_percent)
{
	struct xpan_maglev_backend b[10], c[9];
	char names[10][16];
	uint32_t *t = tab(), *u = tab(), moved = 0, lost = 0;

	for (int i = 0; i < 10; i++) {
		snprintf(names[i], sizeof(names[i]), "n%d", i + 1);
		b[i] = (struct xpan_maglev_backend){ names[i], 1 };
	}
	/* n4 goes: c[] is b[] without index 3 */
	for (int i = 0, j = 0; i < 10; i++)
		if (i != 3)
			c[j++] = b[i];
	cr_assert_eq(xpan_maglev_build(b, 10, M, t), 0);
	cr_assert_eq(xpan_maglev_build(c, 9, M, u), 0);
	for (uint32_t f = 0; f < FLOWS; f++) {
		uint32_t s = flow_slot(f);
		const char *before = b[t[s]].key, *after = c[u[s]].key;

		if (strcmp(before, after))
			moved++;
		if (!strcmp(before, "n4"))
			lost++;
	}
	printf("maglev: removing 1 of 10 backends moved %u of %u flows (%.2f %%; "
	       "%.2f %% were on the removed one)\n", moved, FLOWS,
	       100.0 * moved / FLOWS, 100.0 * lost / FLOWS);
	cr_assert_leq(moved, FLOWS / 10 + FLOWS / 100,
		      "moved %u flows, bound %u", moved, FLOWS / 10 + FLOWS / 100);
	cr_assert_geq(moved, lost, "every flow of the removed backend moved");
	free(t);
	free(u);
}

Test(maglev, refusals_and_no_weight)
{
	struct xpan_maglev_backend dup[] = { { "n1", 1 }, { "n1", 1 } };
	struct xpan_maglev_backend none[] = { { "n1", 0 }, { "n2", 0 } };
	struct xpan_maglev_backend nokey[] = { { NULL, 1 } };
	uint32_t *t = tab();

	cr_assert_eq(xpan_maglev_build(dup, 2, M, t), -EINVAL);
	cr_assert_eq(xpan_maglev_build(nokey, 1, M, t), -EINVAL);
	cr_assert_eq(xpan_maglev_build(none, 2, 65536, t), -EINVAL, "not prime");
	cr_assert_eq(xpan_maglev_build(none, 2, M, t), 0);
	for (uint32_t s = 0; s < M; s++)
		cr_assert_eq(t[s], XPAN_MAGLEV_NONE);
	free(t);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Connection caps of the portal: in all and per remote address. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>

#include "iodaemon/conn_limits.h"

static void key4(const char *ip, uint8_t key[16])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7) };

	cr_assert_eq(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	conn_limits_key((struct sockaddr *)&a, key);
}

Test(limits, per_source_and_total)
{
	struct conn_limits l;
	uint8_t a[16], b[16], c[16];
	unsigned int i;

	conn_limits_init(&l, 100, 64);
	key4("127.0.0.1", a);
	key4("127.0.0.2", b);
	for (i = 0; i < 64; i++)
		cr_assert_eq(conn_limits_admit(&l, a), CONN_ADMIT_OK);
	cr_assert_eq(conn_limits_admit(&l, a), CONN_ADMIT_SOURCE,
		     "the 65th from one address");
	cr_assert_eq(conn_limits_count(&l, a), 64);
	for (i = 0; i < 36; i++)
		cr_assert_eq(conn_limits_admit(&l, b), CONN_ADMIT_OK);
	key4("10.0.0.1", c);
	cr_assert_eq(conn_limits_admit(&l, c), CONN_ADMIT_TOTAL);
	cr_assert_eq(l.total, 100);
	conn_limits_release(&l, a);
	cr_assert_eq(conn_limits_admit(&l, c), CONN_ADMIT_OK,
		     "a slot freed by another source");
	cr_assert_eq(conn_limits_admit(&l, a), CONN_ADMIT_TOTAL);
	for (i = 0; i < 36; i++)
		conn_limits_release(&l, b);
	cr_assert_eq(conn_limits_count(&l, b), 0, "entry gone at zero");
	conn_limits_release(&l, b);	/* unknown: ignored */
	cr_assert_eq(l.total, 64);
	conn_limits_fini(&l);
	cr_assert_eq(l.total, 0);
}

Test(limits, keys)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	uint8_t k4[16], k6[16], mapped[16];

	key4("192.0.2.7", k4);
	cr_assert_eq(inet_pton(AF_INET6, "::ffff:192.0.2.7", &a6.sin6_addr), 1);
	conn_limits_key((struct sockaddr *)&a6, mapped);
	cr_assert(!memcmp(k4, mapped, 16),
		  "an IPv4 peer and its v4-mapped form are one source");
	cr_assert_eq(inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr), 1);
	conn_limits_key((struct sockaddr *)&a6, k6);
	cr_assert(memcmp(k4, k6, 16));
	/* ports do not matter */
	{
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(9999) };
		uint8_t k[16];

		inet_pton(AF_INET, "192.0.2.7", &a.sin_addr);
		conn_limits_key((struct sockaddr *)&a, k);
		cr_assert(!memcmp(k, k4, 16));
	}
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "conn_limits.h"

struct conn_src {
	struct conn_src *next;
	uint8_t key[16];
	unsigned int n;
};

void conn_limits_init(struct conn_limits *l, unsigned int max_total,
		      unsigned int max_per_src)
{
	memset(l, 0, sizeof(*l));
	l->max_total = max_total;
	l->max_per_src = max_per_src;
}

void conn_limits_fini(struct conn_limits *l)
{
	struct conn_src *s;
	unsigned int i;

	for (i = 0; i < CONN_LIMITS_BUCKETS; i++)
		while ((s = l->buckets[i])) {
			l->buckets[i] = s->next;
			free(s);
		}
	l->total = 0;
}

void conn_limits_key(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)sa;

		key[10] = 0xff;
		key[11] = 0xff;
		memcpy(key + 12, &a->sin_addr, 4);
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)sa;

		memcpy(key, &a->sin6_addr, 16);
	}
}

/* FNV-1a: the key is chosen by remote hosts, but a bucket's chain is
 * bounded by max_connections anyway. */
static unsigned int bucket(const uint8_t key[16])
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % CONN_LIMITS_BUCKETS;
}

static struct conn_src **find(struct conn_limits *l, const uint8_t key[16])
{
	struct conn_src **pp;

	for (pp = &l->buckets[bucket(key)]; *pp; pp = &(*pp)->next)
		if (!memcmp((*pp)->key, key, 16))
			break;
	return pp;
}

enum conn_admit conn_limits_admit(struct conn_limits *l, const uint8_t key[16])
{
	struct conn_src **pp, *s;

	if (l->total >= l->max_total)
		return CONN_ADMIT_TOTAL;
	pp = find(l, key);
	s = *pp;
	if (s && s->n >= l->max_per_src)
		return CONN_ADMIT_SOURCE;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return CONN_ADMIT_NOMEM;
		memcpy(s->key, key, 16);
		*pp = s;
	}
	s->n++;
	l->total++;
	return CONN_ADMIT_OK;
}

void conn_limits_release(struct conn_limits *l, const uint8_t key[16])
{
	struct conn_src **pp = find(l, key), *s = *pp;

	if (!s)
		return;
	l->total--;
	if (--s->n)
		return;
	*pp = s->next;
	free(s);
}

unsigned int conn_limits_count(const struct conn_limits *l,
			       const uint8_t key[16])
{
	struct conn_src **pp = find((struct conn_limits *)l, key);

	return *pp ? (*pp)->n : 0;
}

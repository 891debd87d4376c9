/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * How many iSCSI connections the portal holds, in all and per remote
 * address (storage.max_connections, storage.max_connections_per_source):
 * one host opening sockets cannot take every slot from the others.
 */
#ifndef XPAN_IOD_CONN_LIMITS_H
#define XPAN_IOD_CONN_LIMITS_H

#include <stdint.h>
#include <sys/socket.h>

#define CONN_LIMITS_BUCKETS	1024u

struct conn_src;

struct conn_limits {
	unsigned int max_total;
	unsigned int max_per_src;
	unsigned int total;
	struct conn_src *buckets[CONN_LIMITS_BUCKETS];
};

enum conn_admit {
	CONN_ADMIT_OK,
	CONN_ADMIT_TOTAL,	/* max_connections reached */
	CONN_ADMIT_SOURCE,	/* max_connections_per_source reached */
	CONN_ADMIT_NOMEM,
};

void conn_limits_init(struct conn_limits *l, unsigned int max_total,
		      unsigned int max_per_src);
void conn_limits_fini(struct conn_limits *l);
/* An address as 16 bytes (IPv4 v4-mapped); other families map to one key. */
void conn_limits_key(const struct sockaddr *sa, uint8_t key[16]);
/* Counts a new connection from key, or says which cap refuses it. */
enum conn_admit conn_limits_admit(struct conn_limits *l, const uint8_t key[16]);
/* The connection from key has gone. */
void conn_limits_release(struct conn_limits *l, const uint8_t key[16]);
/* Connections from key now. */
unsigned int conn_limits_count(const struct conn_limits *l,
			       const uint8_t key[16]);

#endif

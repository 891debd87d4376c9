// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Identity by path: who a storage-network peer may log in as, and where
 * xpan-iod reads it (xpan-ctrld's storage_addrs, read-only). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "iodaemon/ctl.h"
#include "iodaemon/peer_identity.h"
#include "iodaemon/session.h"
#include "iodaemon/storage_net.h"
#include "state.h"

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1, "%s", s);
	return a.s_addr;
}

/* 100.127.0.0/24, portal 100.127.0.1, like the scenario's */
static struct xpan_cfg_storage_net net24(void)
{
	struct xpan_cfg_storage_net n = {
		.enabled = true,
		.prefix = 24,
		.port = 3260,
	};

	n.subnet = ip4("100.127.0.0");
	n.portal_ip = ip4("100.127.0.1");
	return n;
}

Test(peer_identity, decide)
{
	struct xpan_cfg_storage_net n = net24();

	cr_assert_eq(iod_peer_decide(&n, ip4("100.127.0.2"), "n1", "n1"),
		     IOD_PEER_OWNER, "own address, own name");
	cr_assert_eq(iod_peer_decide(&n, ip4("100.127.0.2"), "n1", "n2"),
		     IOD_PEER_OTHER, "a valid name of another node");
	cr_assert_eq(iod_peer_decide(&n, ip4("100.127.0.9"), NULL, "n1"),
		     IOD_PEER_NO_OWNER, "an address nobody holds");
	cr_assert_eq(iod_peer_decide(&n, ip4("100.127.0.9"), "", "n1"),
		     IOD_PEER_NO_OWNER);
	/* the subnet's network and broadcast addresses are nobody's */
	cr_assert_eq(iod_peer_decide(&n, ip4("100.127.0.0"), NULL, "n1"),
		     IOD_PEER_NO_OWNER);
	cr_assert_eq(iod_peer_decide(&n, ip4("100.127.0.255"), NULL, "n1"),
		     IOD_PEER_NO_OWNER);
	/* outside the subnet, and the portal itself (the host): names */
	cr_assert_eq(iod_peer_decide(&n, ip4("127.0.0.1"), NULL, "n2"),
		     IOD_PEER_ANY);
	cr_assert_eq(iod_peer_decide(&n, ip4("100.127.1.2"), "n1", "n2"),
		     IOD_PEER_ANY, "next /24: outside");
	cr_assert_eq(iod_peer_decide(&n, ip4("100.127.0.1"), NULL, "n2"),
		     IOD_PEER_ANY, "the portal address itself");
	cr_assert_eq(iod_peer_decide(&n, 0, NULL, "n2"), IOD_PEER_ANY);
	n.enabled = false;
	cr_assert_eq(iod_peer_decide(&n, ip4("100.127.0.2"), "n1", "n2"),
		     IOD_PEER_ANY, "network off: today's rules");
}

Test(peer_identity, wider_subnet)
{
	struct xpan_cfg_storage_net n = net24();

	n.subnet = ip4("100.64.0.0");
	n.prefix = 16;
	n.portal_ip = ip4("100.64.0.1");
	cr_assert(iod_peer_on_storage_net(&n, ip4("100.64.200.7")));
	cr_assert(!iod_peer_on_storage_net(&n, ip4("100.65.0.7")));
	cr_assert(!iod_peer_on_storage_net(&n, ip4("100.64.0.1")));
}

Test(peer_identity, peer_address_families)
{
	struct xpan_cfg_storage_net n = net24();
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	struct sockaddr sa = { .sa_family = AF_UNIX };

	a4.sin_addr.s_addr = ip4("100.127.0.7");
	cr_assert_eq(iod_peer_storage_ip(&n, (struct sockaddr *)&a4),
		     ip4("100.127.0.7"));
	a4.sin_addr.s_addr = ip4("127.0.0.1");
	cr_assert_eq(iod_peer_storage_ip(&n, (struct sockaddr *)&a4), 0);
	a4.sin_addr.s_addr = ip4("100.127.0.1");
	cr_assert_eq(iod_peer_storage_ip(&n, (struct sockaddr *)&a4), 0,
		     "the portal is not a node");
	/* a dual-stack storage.portal: v4-mapped IPv6 */
	cr_assert_eq(inet_pton(AF_INET6, "::ffff:100.127.0.7", &a6.sin6_addr),
		     1);
	cr_assert_eq(iod_peer_storage_ip(&n, (struct sockaddr *)&a6),
		     ip4("100.127.0.7"));
	cr_assert_eq(inet_pton(AF_INET6, "2001:db8::7", &a6.sin6_addr), 1);
	cr_assert_eq(iod_peer_storage_ip(&n, (struct sockaddr *)&a6), 0);
	cr_assert_eq(iod_peer_storage_ip(&n, &sa), 0);
	a4.sin_addr.s_addr = ip4("100.127.0.7");
	n.enabled = false;
	cr_assert_eq(iod_peer_storage_ip(&n, (struct sockaddr *)&a4), 0);
}

static char dir[64];

static void mkstate(void)
{
	strcpy(dir, "/tmp/iodpeer.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void rmstate(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* The database as xpan-ctrld makes it (lib/state.c), with rows. */
static void write_rows(const char *sql)
{
	struct xpan_state *st;
	char err[512];

	cr_assert_eq(xpan_state_open(dir, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(xpan_state_exec(st, sql, err, sizeof(err)), 0, "%s", err);
	xpan_state_close(st);
}

#define ROW(node, ip)	"INSERT OR REPLACE INTO storage_addrs VALUES ('" node "', " ip ", 0);"
/* host byte order in the table: 100.127.0.2 = 0x647f0002 */
#define IP_2	"1686044674"
#define IP_3	"1686044675"

Test(peer_identity, owner_lookup, .init = mkstate, .fini = rmstate)
{
	struct iod_owner_db o;
	char node[64], err[512];

	iod_owner_db_init(&o, dir);
	cr_assert_eq(iod_owner_lookup(&o, ip4("100.127.0.2"), node,
				      sizeof(node), err, sizeof(err)), -1,
		     "no database yet");
	cr_assert(strstr(err, "xpan.db does not exist"), "%s", err);

	write_rows(ROW("n1", IP_2) ROW("n2", IP_3));
	cr_assert_eq(iod_owner_lookup(&o, ip4("100.127.0.2"), node,
				      sizeof(node), err, sizeof(err)), 1, "%s",
		     err);
	cr_assert_str_eq(node, "n1");
	cr_assert_eq(iod_owner_lookup(&o, ip4("100.127.0.3"), node,
				      sizeof(node), err, sizeof(err)), 1);
	cr_assert_str_eq(node, "n2");
	cr_assert_eq(iod_owner_lookup(&o, ip4("100.127.0.9"), node,
				      sizeof(node), err, sizeof(err)), 0);
	cr_assert_str_empty(node);

	/* a move is seen on the handle kept open */
	write_rows("DELETE FROM storage_addrs;" ROW("n2", IP_2));
	cr_assert_eq(iod_owner_lookup(&o, ip4("100.127.0.2"), node,
				      sizeof(node), err, sizeof(err)), 1);
	cr_assert_str_eq(node, "n2");
	cr_assert_eq(iod_owner_lookup(&o, ip4("100.127.0.3"), node,
				      sizeof(node), err, sizeof(err)), 0);
	iod_owner_db_close(&o);
}

Test(peer_identity, replaced_database, .init = mkstate, .fini = rmstate)
{
	struct iod_owner_db o;
	char node[64], err[512], path[128];

	write_rows(ROW("n1", IP_2));
	iod_owner_db_init(&o, dir);
	cr_assert_eq(iod_owner_lookup(&o, ip4("100.127.0.2"), node,
				      sizeof(node), err, sizeof(err)), 1);
	cr_assert_str_eq(node, "n1");
	/* state wiped and made anew: the old handle would still say n1 */
	snprintf(path, sizeof(path), "%s/xpan.db", dir);
	unlink(path);
	strcat(path, "-wal");
	unlink(path);
	strcpy(path + strlen(path) - 4, "-shm");
	unlink(path);
	write_rows(ROW("n2", IP_2));
	cr_assert_eq(iod_owner_lookup(&o, ip4("100.127.0.2"), node,
				      sizeof(node), err, sizeof(err)), 1, "%s",
		     err);
	cr_assert_str_eq(node, "n2", "the new file is read");
	iod_owner_db_close(&o);
}

/* ---- wired into a server: accept, login and storage refresh ---- */

static struct iod_config cfg;
static struct lun_map map;
static struct iod_server srv;
static int peers[8];
static int npeers;

static void srv_setup(void)
{
	static const char *fmt =
		"platform: { state: %s }\n"
		"nodes:\n  - name: n1\n  - name: n2\n"
		"storage:\n  pool: [%s]\n"
		"  network: { subnet: 100.127.0.0/24, portal_ip: 100.127.0.1 }\n"
		"  luns:\n"
		"    - { node: n1, lun: 0, backing: a.img, size: 1M }\n"
		"    - { node: n2, lun: 0, backing: a.img, offset: 1M }\n";
	char doc[512], path[128], err[512];
	FILE *f;

	mkstate();
	snprintf(path, sizeof(path), "%s/a.img", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(ftruncate(fileno(f), 4 << 20), 0);
	fclose(f);
	snprintf(doc, sizeof(doc), fmt, dir, dir);
	cr_assert_eq(iod_config_parse(&cfg, "t.yaml", doc, strlen(doc), err,
				      sizeof(err)), 0, "%s", err);
	cr_assert(cfg.storage.net.enabled);
	cr_assert_str_eq(cfg.state, dir, "platform.state reaches xpan-iod");
	cr_assert_eq(lun_map_build(&map, &cfg, err, sizeof(err)), 0, "%s", err);
	memset(&srv, 0, sizeof(srv));
	srv.cfg = &cfg;
	srv.map = &map;
	srv.tpgt = 1;
	srv.next_tsih = 1;
	srv.epfd = epoll_create1(EPOLL_CLOEXEC);
	cr_assert_geq(srv.epfd, 0);
	/* what iod_storage_net_init sets up, without its listener */
	srv.snet = calloc(1, sizeof(*srv.snet));
	cr_assert_not_null(srv.snet);
	srv.snet->lfd = -1;
	iod_owner_db_init(&srv.snet->owners, dir);
	npeers = 0;
}

static void srv_teardown(void)
{
	while (srv.conns)
		iscsi_conn_close(srv.conns);
	iscsi_conn_reap(&srv);
	iod_storage_net_fini(&srv);
	close(srv.epfd);
	while (npeers)
		close(peers[--npeers]);
	lun_map_free(&map);
	iod_config_free(&cfg);
	rmstate();
}

/* A connection "accepted" from ip (a socketpair stands for the TCP
 * socket; the address is what accept4 would have said). */
static struct iscsi_conn *accept_from(const char *ip)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;
	struct iscsi_conn *c;
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	c = iscsi_conn_new(&srv, sv[0]);
	cr_assert_not_null(c);
	peers[npeers++] = sv[1];
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = ip4(ip);
	iod_storage_net_accepted(&srv, c, &ss);
	return c;
}

/* One login request straight to full feature; a refusal closes the
 * connection, as handle_login does once the reject is out. */
static int login_as(struct iscsi_conn *c, const char *name)
{
	char keys[256];
	uint8_t obuf[2048], rflags;
	struct iscsi_text_out out = { .buf = obuf, .cap = sizeof(obuf) };
	int n, i, ret;

	n = snprintf(keys, sizeof(keys),
		     "InitiatorName=iqn.2026-11.io.xpan:%s\n"
		     "TargetName=iqn.2026-11.io.xpan:storage\n", name);
	for (i = 0; i < n; i++)
		if (keys[i] == '\n')
			keys[i] = '\0';
	ret = iscsi_login_step(&c->login, ISCSI_LOGIN_TRANSIT | 1 << 2 | 3,
			       (const uint8_t *)keys, n, &out, &rflags);
	if (ret < 0)
		c->closing = true;
	return ret;
}

/* what handle_login does once the login is complete */
static void full_feature(struct iscsi_conn *c)
{
	c->full_feature = true;
	c->node = c->login.node;
	snprintf(c->initiator, sizeof(c->initiator), "%s", c->login.initiator);
}

static bool alive(struct iscsi_conn *c)
{
	for (struct iscsi_conn *o = srv.conns; o; o = o->next)
		if (o == c)
			return true;
	return false;
}

static char *refresh(void)
{
	static char *body;
	size_t len;
	char err[512];
	FILE *f;

	free(body);
	f = open_memstream(&body, &len);
	cr_assert_eq(iod_ctl_exec(&srv, "storage refresh -j", f, err,
				  sizeof(err)), 0, "%s", err);
	fclose(f);
	return body;
}

Test(peer_identity, login_and_refresh, .init = srv_setup,
     .fini = srv_teardown)
{
	struct iscsi_conn *own, *stolen, *nobody, *lo, *n2;
	char *body;

	write_rows(ROW("n1", IP_2) ROW("n2", IP_3));
	own = accept_from("100.127.0.2");
	cr_assert_eq(own->storage_ip, ip4("100.127.0.2"));
	cr_assert_eq(login_as(own, "n1"), 1, "%s", own->login.why);
	full_feature(own);

	stolen = accept_from("100.127.0.2");
	cr_assert_eq(login_as(stolen, "n2"), -1, "n2's name from n1's address");
	cr_assert_eq(stolen->login.status, LOGIN_ST_FORBIDDEN);
	cr_assert(strstr(stolen->login.why,
			 "storage address 100.127.0.2 belongs to node n1, not to node n2"),
		  "%s", stolen->login.why);

	nobody = accept_from("100.127.0.9");
	cr_assert_eq(login_as(nobody, "n1"), -1);
	cr_assert_eq(nobody->login.status, LOGIN_ST_FORBIDDEN);
	cr_assert(strstr(nobody->login.why, "100.127.0.9 belongs to no node"),
		  "%s", nobody->login.why);

	lo = accept_from("127.0.0.1");
	cr_assert_eq(lo->storage_ip, 0);
	cr_assert_eq(login_as(lo, "n2"), 1, "loopback: today's rules");
	full_feature(lo);
	n2 = accept_from("100.127.0.3");
	cr_assert_eq(login_as(n2, "n2"), 1, "%s", n2->login.why);
	full_feature(n2);

	body = refresh();
	cr_assert(strstr(body, "\"closed\":0,\"checked\":2"), "%s", body);
	/* n1's address moves to n2, n2's goes to nobody */
	write_rows("DELETE FROM storage_addrs;" ROW("n2", IP_2));
	body = refresh();
	cr_assert(strstr(body, "\"closed\":2,\"checked\":2"), "%s", body);
	cr_assert(!alive(own) && !alive(n2), "sessions whose address left");
	cr_assert(alive(lo), "the loopback session stays");

	/* no refresh: the tick does it once its period is over */
	write_rows("DELETE FROM storage_addrs;" ROW("n1", IP_2));
	own = accept_from("100.127.0.2");
	cr_assert_eq(login_as(own, "n1"), 1, "%s", own->login.why);
	full_feature(own);
	write_rows("DELETE FROM storage_addrs;");
	iod_storage_net_tick(&srv, srv.snet->last_check_ns + 1);
	cr_assert(alive(own), "not before the period");
	iod_storage_net_tick(&srv, srv.snet->last_check_ns + IOD_SNET_RECHECK_NS);
	cr_assert(!alive(own), "closed by the recheck");
}

Test(peer_identity, unreadable_table_refuses, .init = srv_setup,
     .fini = srv_teardown)
{
	struct iscsi_conn *c = accept_from("100.127.0.2");
	char err[512];
	FILE *f = fopen("/dev/null", "w");

	cr_assert_eq(login_as(c, "n1"), -1, "no database: fail closed");
	cr_assert_eq(c->login.status, LOGIN_ST_UNAVAILABLE);
	cr_assert(strstr(c->login.why, "does not exist"), "%s", c->login.why);
	/* a session that somehow exists is kept: unknown is not "moved" */
	c->closing = false;
	c->full_feature = true;
	c->node = lun_map_node_by_name(&map, "n1");
	cr_assert_eq(iod_ctl_exec(&srv, "storage refresh", f, err, sizeof(err)),
		     -1);
	cr_assert(strstr(err, "cannot read the storage addresses"), "%s", err);
	cr_assert(alive(c));
	fclose(f);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xpan-ctrld: reads the config, keeps MAC assignments in SQLite, loads and
 * reconciles the pinned dataplane and serves the control API. Runs in the
 * foreground; the dataplane keeps forwarding whenever it is not running.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "api.h"
#include "ctrld.h"
#include "dataplane.h"
#include "log.h"

/* Exit codes: documented in --help. */
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

/*
 * Ports are followed through link events; this slow check only catches
 * what an event could not tell (a port renamed onto a configured name
 * while the socket overran, say).
 */
#define PORT_CHECK_MS 30000
/* A reconcile with failed updates is tried again after this long. */
#define RETRY_MS 3000
/* Aging runs every learn_timeout/4, within these bounds. */
#define AGE_MIN_MS 250
#define AGE_MAX_MS 30000
/* xpan-iod's default control socket (iodaemon/ctl.h). */
#define IOD_SOCKET_DEFAULT "/run/xpan/iod.sock"

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "socket", required_argument, NULL, 's' },
	{ "iod-socket", required_argument, NULL, 'I' },
	{ "check", no_argument, NULL, 'C' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *const opt_help[] = {
	"-c, --config FILE   config file (YAML, see docs/config.md); required",
	"-s, --socket PATH   API socket (default " XPAN_DEFAULT_SOCKET ")",
	"    --iod-socket PATH  xpan-iod's control socket, told when storage addresses change",
	"                    (default " IOD_SOCKET_DEFAULT "; '' for none)",
	"    --check         validate the config (syntax and this host), print problems, exit",
	"-f, --foreground    accepted for compatibility: ctrld always runs in the foreground",
	"-v, --verbose       debug logging (map changes, API requests, libbpf)",
	"-h, --help          this text",
	NULL,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xpan-ctrld -c FILE [--socket PATH] [--iod-socket PATH] [-v] [--check]\n"
		"\n"
		"The xpan control daemon: assigns virtual MACs (kept in <state>/xpan.db),\n"
		"loads the dataplane when it is not loaded, reconciles its maps with the\n"
		"config, configures nodes that have a netns, and serves the API (status,\n"
		"show nodes, show vlans, reload) on a Unix socket. SIGHUP reloads the\n"
		"config; SIGTERM/SIGINT exit and leave the dataplane attached.\n"
		"\nOptions:\n");
	for (const char *const *h = opt_help; *h; h++)
		fprintf(f, "  %s\n", *h);
	fprintf(f,
		"\nExit status: 0 clean shutdown or valid config (--check); 1 invalid\n"
		"config or a start-up failure (message says what and where); 2 bad usage.\n");
}

static int setup_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Returns true when the daemon should exit. */
static bool handle_signal(struct ctrld *c)
{
	struct signalfd_siginfo si;
	char err[1024];

	while (read(c->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			pr_info("SIGHUP: reloading %s\n", c->cfg_path);
			if (ctrld_reload(c, err, sizeof(err)))
				pr_warn("reload failed, keeping the running state: %s\n",
					err);
			continue;
		}
		pr_info("%s: exiting; the dataplane stays attached and pinned\n",
			strsignal(si.ssi_signo));
		return true;
	}
	return false;
}

static long long age_interval_ms(const struct ctrld *c)
{
	long long ms = (long long)c->cfg.learn_timeout * 1000 / 4;

	return ms < AGE_MIN_MS ? AGE_MIN_MS : ms > AGE_MAX_MS ? AGE_MAX_MS : ms;
}

static void reapply(struct ctrld *c, const char *why)
{
	long long t0 = ctrld_now_ms();
	char err[1024];

	pr_info("%s: reconciling\n", why);
	if (ctrld_apply(c, err, sizeof(err)))
		pr_warn("reconcile failed: %s\n", err);
	pr_debug("reconcile took %lld ms\n", ctrld_now_ms() - t0);
}

/*
 * One poll set: link events, signals, the API listener and its clients.
 * Link events are drained on every iteration before any client is
 * served; clients are served without blocking (apiconn.c), so a slow or
 * hammering client cannot delay a port change. Timers (aging, retry, slow
 * port check, client deadlines) give the poll timeout.
 */
static int event_loop(struct ctrld *c)
{
	struct pollfd pfd[3 + API_MAX_CONNS];
	int slot[API_MAX_CONNS];
	long long next_age = ctrld_now_ms() + age_interval_ms(c);
	long long next_check = ctrld_now_ms() + PORT_CHECK_MS;
	long long next_retry = ctrld_now_ms() + RETRY_MS;

	for (;;) {
		long long now = ctrld_now_ms(), due;
		struct learn_sweep ls;
		enum link_change change;
		int rc, nconn;

		due = apiconn_expire(c, now);
		if (next_age < due)
			due = next_age;
		if (next_check < due)
			due = next_check;
		if (c->failures && next_retry < due)
			due = next_retry;
		pfd[0] = (struct pollfd){ .fd = linkwatch_fd(c), .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = c->sig_fd, .events = POLLIN };
		/* A full house leaves new clients in the listen backlog. */
		pfd[2] = (struct pollfd){
			.fd = apiconn_can_accept(c) ? c->listen_fd : -1,
			.events = POLLIN,
		};
		nconn = apiconn_pollfds(c, pfd + 3, slot);
		rc = poll(pfd, 3 + nconn, due > now ? (int)(due - now) : 0);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			pr_warn("poll: %s\n", strerror(errno));
			return EXIT_RUNTIME;
		}
		/* Drained even when poll did not flag it: cheap, never blocks. */
		change = linkwatch_read(c);
		if (change != LINK_NONE)
			c->link_events++;
		switch (change) {
		case LINK_PORTS:
			reapply(c, "link event on a node port");
			next_retry = ctrld_now_ms() + RETRY_MS;
			break;
		case LINK_STATE:
			pr_debug("link state of a node port changed: reconciling the maps\n");
			reconcile_maps(c);
			break;
		case LINK_NONE:
			break;
		}
		if (pfd[1].revents & POLLIN && handle_signal(c))
			return 0;
		apiconn_io(c, pfd + 3, slot, nconn);
		if (pfd[2].revents & POLLIN)
			apiconn_accept(c);
		now = ctrld_now_ms();
		if (now >= next_check) {
			if (ctrld_ports_changed(c))
				reapply(c, "node ports changed");
			next_check = now + PORT_CHECK_MS;
		}
		if (c->failures && now >= next_retry) {
			reapply(c, "retrying failed updates");
			next_retry = ctrld_now_ms() + RETRY_MS;
		}
		if (now >= next_age) {
			learned_sweep(c, true, &ls);
			if (ls.aged || ls.stale)
				pr_info("learned addresses: %d aged out, %d stale removed\n",
					ls.aged, ls.stale);
			next_age = ctrld_now_ms() + age_interval_ms(c);
		}
		if (!c->failures)
			next_retry = ctrld_now_ms() + RETRY_MS;
	}
}

/*
 * --check: every error of the file, then of this host (ports, namespaces),
 * one "FILE:LINE: what" a line, so one run shows all there is to fix.
 */
static int check_config(struct ctrld *c)
{
	struct xpan_cfg_errors *errs = calloc(1, sizeof(*errs));

	if (!errs) {
		fprintf(stderr, "xpan-ctrld: out of memory\n");
		return EXIT_RUNTIME;
	}
	if (!xpan_config_check_all(c->cfg_path, XPAN_CFG_NETWORK, true,
				   &c->cfg, errs)) {
		printf("%s: ok (serial %u, %zu vlans, %zu nodes)\n", c->cfg_path,
		       c->cfg.serial, c->cfg.n_vlans, c->cfg.n_nodes);
		free(errs);
		return 0;
	}
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->e[i].text);
	if (errs->total > errs->n)
		fprintf(stderr, "... and %zu more\n", errs->total - errs->n);
	fprintf(stderr, "%s: %zu error%s\n", c->cfg_path, errs->total,
		errs->total == 1 ? "" : "s");
	free(errs);
	return EXIT_RUNTIME;
}

static int start(struct ctrld *c)
{
	char err[1024];
	int ret;

	if (c->check_only)
		return check_config(c);
	if (xpan_config_load(c->cfg_path, &c->cfg, err, sizeof(err)) ||
	    xpan_config_validate_system(&c->cfg, err, sizeof(err))) {
		pr_warn("%s\n", err);
		return EXIT_RUNTIME;
	}
	pr_info("starting: config %s, serial %u, %zu vlans, %zu nodes, state %s, bpffs %s\n",
		c->cfg_path, c->cfg.serial, c->cfg.n_vlans, c->cfg.n_nodes,
		c->cfg.state, c->cfg.bpffs);

	c->lock_fd = xpan_state_lock(c->cfg.state, err, sizeof(err));
	if (c->lock_fd < 0) {
		pr_warn("%s\n", err);
		return EXIT_RUNTIME;
	}
	ret = xpan_dp_prepare_bpffs(c->cfg.bpffs);
	if (ret) {
		pr_warn("cannot prepare bpffs %s: %s (is bpffs mountable here? try: mount -t bpf bpf /sys/fs/bpf)\n",
			c->cfg.bpffs, strerror(-ret));
		return EXIT_RUNTIME;
	}
	/* Before anything under bpffs changes: one daemon per platform. */
	c->pin_lock_fd = pinlock_take(c->cfg.bpffs, err, sizeof(err));
	if (c->pin_lock_fd < 0) {
		pr_warn("%s\n", err);
		return EXIT_RUNTIME;
	}
	if (xpan_state_open(c->cfg.state, &c->st, err, sizeof(err))) {
		pr_warn("%s\n", err);
		return EXIT_RUNTIME;
	}
	/* Subscribed before the first apply: no port change falls between. */
	if (linkwatch_open(c, err, sizeof(err))) {
		pr_warn("%s\n", err);
		return EXIT_RUNTIME;
	}
	ret = xpan_dp_open(c->cfg.bpffs, true, &c->dp);
	if (ret) {
		pr_warn("cannot load or open the dataplane under %s: %s\n",
			c->cfg.bpffs, strerror(-ret));
		return EXIT_RUNTIME;
	}
	c->ports_map_id = xpan_dp_map_id(xpan_dp_maps(c->dp)->ports);
	/* Quota given back by atomic decrements, racing the dataplane's. */
	c->port_rt = xpan_dp_port_rt(c->dp);
	if (!c->port_rt)
		return EXIT_RUNTIME;
	c->rt = node_rt_alloc(c->cfg.n_nodes);
	if (!c->rt) {
		pr_warn("out of memory\n");
		return EXIT_RUNTIME;
	}
	if (ctrld_apply(c, err, sizeof(err))) {
		pr_warn("%s\n", err);
		return EXIT_RUNTIME;
	}
	if (apiconn_init(c)) {
		pr_warn("out of memory\n");
		return EXIT_RUNTIME;
	}
	c->listen_fd = xpan_api_listen(c->sock_path, err, sizeof(err));
	if (c->listen_fd < 0) {
		pr_warn("%s\n", err);
		return EXIT_RUNTIME;
	}
	pr_info("ready: serving the API on %s (pid %d)\n", c->sock_path,
		(int)getpid());
	return event_loop(c);
}

static void cleanup(struct ctrld *c)
{
	apiconn_close_all(c);
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		unlink(c->sock_path);
	}
	if (c->sig_fd >= 0)
		close(c->sig_fd);
	linkwatch_close(c);
	/* Closing our fds leaves programs attached and maps pinned. */
	if (c->dp)
		xpan_dp_close(c->dp);
	xpan_state_close(c->st);
	if (c->pin_lock_fd >= 0)
		close(c->pin_lock_fd);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	xpan_config_free(&c->cfg);
	free(c->rt);
}

int main(int argc, char **argv)
{
	struct ctrld c = { .lock_fd = -1, .pin_lock_fd = -1, .listen_fd = -1,
			   .sig_fd = -1 };
	const char *cfg = NULL, *sock = XPAN_DEFAULT_SOCKET;
	const char *iod_sock = IOD_SOCKET_DEFAULT;
	int verbose = 0, opt, ret;

	xpan_log_set_prog("xpan-ctrld");
	while ((opt = getopt_long(argc, argv, "c:s:fvh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cfg = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'I':
			iod_sock = optarg;
			break;
		case 'C':
			c.check_only = true;
			break;
		case 'f':
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xpan-ctrld: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!cfg) {
		fprintf(stderr, "xpan-ctrld: --config FILE is required\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strlen(cfg) >= sizeof(c.cfg_path) ||
	    strlen(sock) >= sizeof(c.sock_path) ||
	    strlen(iod_sock) >= sizeof(c.iod_sock)) {
		fprintf(stderr, "xpan-ctrld: config or socket path too long\n");
		return EXIT_USAGE;
	}
	strcpy(c.cfg_path, cfg);
	strcpy(c.sock_path, sock);
	strcpy(c.iod_sock, iod_sock);
	xpan_log_set_level(verbose ? XPAN_LOG_DEBUG : XPAN_LOG_INFO);
	xpan_log_hook_libbpf();
	/* Log lines must reach a file promptly when stderr is redirected. */
	setvbuf(stderr, NULL, _IOLBF, 0);

	c.sig_fd = setup_signals();
	if (c.sig_fd < 0) {
		fprintf(stderr, "xpan-ctrld: signalfd: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	ret = start(&c);
	cleanup(&c);
	return ret;
}

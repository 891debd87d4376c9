// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xpan-iod: the storage daemon (iSCSI target over per-node LUN maps). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "iod_config.h"
#include "log.h"
#include "lun_map.h"
#include "server.h"

static struct iod_server server;

static void on_signal(int sig)
{
	(void)sig;
	server.stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xpan-iod -c FILE [options]\n"
		"iSCSI target serving each node its own virtual disks (LUN windows of\n"
		"backing files or block devices in the storage pool).\n\n"
		"  -c, --config FILE      xpan config file (nodes: and storage: sections)\n"
		"  -p, --portal ADDR:PORT listen here instead of storage.portal\n"
		"                         (default %s)\n"
		"  -s, --ctl-socket PATH  control socket (default %s; '' for none)\n"
		"  -n, --check            check the config and backing stores, then exit\n"
		"  -v, --verbose          more log output (twice for debug)\n"
		"  -h, --help             this text\n\n"
		"Control socket verbs (see docs/storage.md): storage stats [-j],\n"
		"storage luns [-j], storage pool [-j], storage move <node> <initiator>,\n"
		"storage rescan.\n",
		IOD_DEFAULT_PORTAL, IOD_DEFAULT_CTL_SOCKET);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "portal", required_argument, NULL, 'p' },
		{ "ctl-socket", required_argument, NULL, 's' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL, *portal = NULL;
	const char *ctl = IOD_DEFAULT_CTL_SOCKET;
	struct iod_config cfg;
	struct lun_map map;
	struct sigaction sa;
	bool check = false;
	char err[1024];
	int o, verbose = 0, ret;

	xpan_log_set_prog("xpan-iod");
	while ((o = getopt_long(argc, argv, "c:p:s:nvh", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'p':
			portal = optarg;
			break;
		case 's':
			ctl = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xpan-iod: unexpected argument '%s' (try --help)\n",
			argv[optind]);
		return 2;
	}
	if (!cfg_path) {
		fprintf(stderr, "xpan-iod: no config file: give -c FILE (try --help)\n");
		return 2;
	}
	xpan_log_set_level(verbose >= 2 ? XPAN_LOG_DEBUG : XPAN_LOG_INFO);
	if (iod_config_load(&cfg, cfg_path, err, sizeof(err))) {
		fprintf(stderr, "xpan-iod: %s\n", err);
		return 1;
	}
	if (portal)
		snprintf(cfg.storage.portal, sizeof(cfg.storage.portal), "%s",
			 portal);
	if (lun_map_build(&map, &cfg, err, sizeof(err))) {
		fprintf(stderr, "xpan-iod: %s\n", err);
		iod_config_free(&cfg);
		return 1;
	}
	if (check) {
		printf("%s: %zu nodes, %zu LUNs, %zu backing stores: ok\n",
		       cfg_path, map.nnodes, map.nluns, map.nstores);
		lun_map_free(&map);
		iod_config_free(&cfg);
		return 0;
	}
	if (iod_server_init(&server, &cfg, &map, ctl, err, sizeof(err))) {
		fprintf(stderr, "xpan-iod: %s\n", err);
		lun_map_free(&map);
		iod_config_free(&cfg);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pr_info("serving %s on %s: %zu nodes, %zu LUNs%s%s\n",
		cfg.storage.target, cfg.storage.portal, map.nnodes, map.nluns,
		ctl[0] ? ", control " : "", ctl);
	ret = iod_server_run(&server);
	pr_info("shutting down\n");
	iod_server_fini(&server);
	lun_map_free(&map);
	iod_config_free(&cfg);
	return ret ? 1 : 0;
}

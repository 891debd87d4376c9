/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xpan-ctrld's state in memory and the functions the daemon's files share:
 * apply (MACs, maps, node interfaces), the map reconciler, node interface
 * setup inside namespaces, and the API verbs.
 */
#ifndef XPAN_CTRLD_H
#define XPAN_CTRLD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#include "config.h"
#include "state.h"

/* What ctrld knows about one configured node at run time. */
struct node_rt {
	struct xpan_assignment mac;	/* held MAC; mac.id is the node_id */
	int ifindex;			/* host port, 0 when it is missing */
	char note[320];			/* last problem configuring the node */
};

struct ctrld {
	char cfg_path[PATH_MAX];
	char sock_path[108];
	struct xpan_config cfg;
	struct node_rt *rt;		/* parallel to cfg.nodes */
	struct xpan_state *st;
	struct xpan_dp *dp;
	__u32 ports_map_id;		/* our xpan_ports, to tell instances apart */
	int lock_fd;
	int listen_fd;
	int sig_fd;
	bool check_only;
};

/*
 * Bring cfg/rt into effect: assign MACs (releasing nodes no longer
 * configured), reconcile the maps, attach programs, set up node
 * interfaces. Problems with single nodes are logged and noted, not fatal;
 * -1 with err only when the state database or dataplane fails.
 */
int ctrld_apply(struct ctrld *c, char *err, size_t errlen);

/*
 * Parse and validate the config file again and apply it. A bad file
 * leaves everything as it was. 0 or -1 with "FILE:LINE: ..." in err.
 */
int ctrld_reload(struct ctrld *c, char *err, size_t errlen);

/* True when a port's ifindex differs from what the last apply saw. */
bool ctrld_ports_changed(const struct ctrld *c);

/* reconcile.c: make the maps match cfg/rt; never clears a map wholesale. */
int reconcile_maps(struct ctrld *c, char *err, size_t errlen);
/*
 * Is this dataplane instance's xpan_port_in (the one using our xpan_ports)
 * attached on the hook the datapath names?
 */
bool port_attached(const struct ctrld *c, int ifindex, int datapath);

/* nodenet.c */
int nodenet_prepare_port(const char *port, char *err, size_t errlen);
int nodenet_configure(const struct xpan_cfg_node *n, const uint8_t mac[6],
		      bool want_gro, char *err, size_t errlen);

/* commands.c: run one API request, body into out. 0 ok, -1 with err. */
int ctrld_command(struct ctrld *c, char *req, FILE *out, char *err,
		  size_t errlen);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between the parts of the config reader (lib/config.c: platform,
 * vlans, nodes; lib/config_storage.c: iSCSI identities and storage:), so
 * every section is checked by the same rules: no key given twice, no
 * unknown key, "FILE:LINE: what is wrong" for every refusal. Not for use
 * outside lib/config*.c.
 */
#ifndef XPAN_CONFIG_INTERNAL_H
#define XPAN_CONFIG_INTERNAL_H

#include "config.h"
#include "yamldoc.h"

/*
 * n is a mapping without a repeated key and with keys from allowed only
 * (what names it in messages). 0 or -1 with err.
 */
int xpan_cfg_check_map(struct ydoc *d, yaml_node_t *n,
		       const char *const *allowed, const char *what,
		       char *err, size_t errlen);
/* A non-empty string scalar copied into buf, refused when it does not fit. */
int xpan_cfg_get_str(struct ydoc *d, yaml_node_t *n, char *buf, size_t len,
		     const char *what, char *err, size_t errlen);

/* Sets the storage defaults (the file has no storage: section). */
void xpan_cfg_storage_defaults(struct xpan_cfg_storage *st);
/* nodes[].initiators and nodes[].chap of the node mapping m. */
int xpan_cfg_parse_iscsi(struct ydoc *d, yaml_node_t *m, const char *node,
			 struct xpan_cfg_iscsi *out, char *err, size_t errlen);
/* The storage: mapping s into st (defaults first). */
int xpan_cfg_parse_storage(struct ydoc *d, yaml_node_t *s,
			   struct xpan_cfg_storage *st, char *err,
			   size_t errlen);
/* Rules across sections: LUNs name known nodes, once per (node, LUN);
 * an initiator name belongs to one node. */
int xpan_cfg_check_storage(struct ydoc *d, const struct xpan_config *cfg,
			   char *err, size_t errlen);

/* config_storage_net.c: storage.network (s is the storage: mapping). */
int xpan_cfg_parse_storage_net(struct ydoc *d, yaml_node_t *s,
			       struct xpan_cfg_storage_net *net, char *err,
			       size_t errlen);
void xpan_cfg_storage_net_defaults(struct xpan_cfg_storage_net *net);
/* nodes[].storage_ip of the node mapping m. */
int xpan_cfg_parse_node_storage_ip(struct ydoc *d, yaml_node_t *m,
				   struct xpan_cfg_node *node, char *err,
				   size_t errlen);
/* Storage addresses inside the subnet, unique, not the portal's; VLAN
 * addresses outside the subnet. */
int xpan_cfg_check_storage_net(struct ydoc *d, const struct xpan_config *cfg,
			       char *err, size_t errlen);

#endif

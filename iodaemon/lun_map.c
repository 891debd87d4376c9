// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lun_map.h"

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

struct iod_store *lun_map_find_store(struct lun_map *m, const char *path)
{
	size_t i;

	for (i = 0; i < m->nstores; i++)
		if (!strcmp(m->stores[i]->path, path))
			return m->stores[i];
	return NULL;
}

struct iod_store *lun_map_add_store(struct lun_map *m, const char *path)
{
	struct iod_store **ns, *s;

	s = calloc(1, sizeof(*s));
	ns = realloc(m->stores, (m->nstores + 1) * sizeof(*ns));
	if (!s || !ns) {
		free(s);
		if (ns)
			m->stores = ns;
		return NULL;
	}
	m->stores = ns;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->fd = -1;
	s->dfd = -1;
	m->stores[m->nstores++] = s;
	return s;
}

/* The same inode again (not the path: it may have been replaced in
 * between), opened O_DIRECT for large reads (session_io.c); -1 where the
 * file system has no direct I/O (tmpfs on older kernels, some FUSE). */
static int store_open_direct(int fd)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
}

int iod_store_open(struct iod_store *s, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	fd = open(s->path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open backing store %s: %s",
			 s->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "cannot stat %s: %s", s->path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISBLK(st.st_mode)) {
		uint64_t sz;

		if (ioctl(fd, BLKGETSIZE64, &sz)) {
			snprintf(err, errlen, "cannot size block device %s: %s",
				 s->path, strerror(errno));
			close(fd);
			return -1;
		}
		s->size = sz;
		s->blockdev = true;
		s->dev = st.st_rdev;
		s->ino = 0;
		s->can_unmap = false;
	} else if (S_ISREG(st.st_mode)) {
		s->size = st.st_size;
		s->blockdev = false;
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		/* Punching past the end changes nothing, but tells whether
		 * the file system can deallocate at all. */
		s->can_unmap = !fallocate(fd, FALLOC_FL_PUNCH_HOLE |
					  FALLOC_FL_KEEP_SIZE,
					  st.st_size + 4096, 4096);
	} else {
		snprintf(err, errlen,
			 "backing store %s is neither a regular file nor a block device",
			 s->path);
		close(fd);
		return -1;
	}
	iod_store_close(s);
	s->fd = fd;
	s->dfd = store_open_direct(fd);
	s->present = true;
	return 0;
}

void iod_store_close(struct iod_store *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->dfd >= 0)
		close(s->dfd);
	s->fd = -1;
	s->dfd = -1;
}

void lun_map_store_state(struct lun_map *m, struct iod_store *s, bool present)
{
	size_t i;

	s->present = present;
	for (i = 0; i < m->nluns; i++)
		if (m->luns[i].store == s)
			m->luns[i].sdev.present = present;
}

/* A relative backing name is looked up in the pool's directories. */
static int resolve_backing(struct lun_map *m, const char *name, char *out,
			   size_t outlen)
{
	struct stat st;
	size_t i;

	if (name[0] == '/') {
		snprintf(out, outlen, "%s", name);
		return stat(out, &st) ? -1 : 0;
	}
	for (i = 0; i < m->npool; i++) {
		if (stat(m->pool[i], &st) || !S_ISDIR(st.st_mode))
			continue;
		if (snprintf(out, outlen, "%s/%s", m->pool[i], name) >=
		    (int)outlen)
			continue;
		if (!stat(out, &st))
			return 0;
	}
	return -1;
}

static int cmp_lun(const void *a, const void *b)
{
	const struct iod_lun *x = *(struct iod_lun *const *)a;
	const struct iod_lun *y = *(struct iod_lun *const *)b;

	return (int)x->lun - (int)y->lun;
}

int lun_map_build(struct lun_map *m, const struct iod_config *c, char *err,
		  size_t errlen)
{
	char path[IOD_PATH_MAX], msg[512];
	size_t i, j;

	memset(m, 0, sizeof(*m));
	snprintf(m->target, sizeof(m->target), "%s", c->storage.target);
	m->npool = c->storage.npool;
	m->pool = calloc(c->storage.npool + 1, sizeof(*m->pool));
	m->nodes = calloc(c->nnodes + 1, sizeof(*m->nodes));
	m->luns = calloc(c->storage.nluns + 1, sizeof(*m->luns));
	if (!m->pool || !m->nodes || !m->luns)
		goto oom;
	for (i = 0; i < c->storage.npool; i++) {
		m->pool[i] = strdup(c->storage.pool[i]);
		if (!m->pool[i])
			goto oom;
	}
	m->nnodes = c->nnodes;
	for (i = 0; i < c->nnodes; i++) {
		struct iod_node *n = &m->nodes[i];

		snprintf(n->name, sizeof(n->name), "%s", c->nodes[i].name);
		memcpy(n->initiators, c->nodes[i].iscsi.initiators,
		       sizeof(n->initiators));
		n->ninitiators = c->nodes[i].iscsi.ninitiators;
		n->has_chap = c->nodes[i].iscsi.has_chap;
		memcpy(n->chap_user, c->nodes[i].iscsi.chap_user,
		       sizeof(n->chap_user));
		memcpy(n->chap_secret, c->nodes[i].iscsi.chap_secret,
		       sizeof(n->chap_secret));
	}
	for (i = 0; i < c->storage.nluns; i++) {
		const struct xpan_cfg_lun *lc = &c->storage.luns[i];
		struct iod_lun *l = &m->luns[i];
		struct iod_store *s;
		uint64_t h;

		if (resolve_backing(m, lc->backing, path, sizeof(path))) {
			snprintf(err, errlen,
				 "%s:%d: backing store '%s' not found%s (put it in a pool directory or give an absolute path)",
				 c->path, lc->line, lc->backing,
				 m->npool ? " in the pool" : "");
			goto fail;
		}
		s = lun_map_find_store(m, path);
		if (!s) {
			s = lun_map_add_store(m, path);
			if (!s)
				goto oom;
			if (iod_store_open(s, msg, sizeof(msg))) {
				snprintf(err, errlen, "%s:%d: %s", c->path,
					 lc->line, msg);
				goto fail;
			}
		}
		l->store = s;
		l->lun = lc->lun;
		l->offset = lc->offset;
		l->shared = lc->shared;
		if (lc->offset >= s->size ||
		    (lc->size && lc->size > s->size - lc->offset)) {
			snprintf(err, errlen,
				 "%s:%d: LUN window offset %llu size %llu runs past the end of %s (%llu bytes)",
				 c->path, lc->line,
				 (unsigned long long)lc->offset,
				 (unsigned long long)lc->size, s->path,
				 (unsigned long long)s->size);
			goto fail;
		}
		l->size = lc->size ? lc->size :
				     (s->size - lc->offset) & ~511ull;
		if (l->size < 512) {
			snprintf(err, errlen,
				 "%s:%d: LUN window on %s is smaller than one 512-byte block",
				 c->path, lc->line, s->path);
			goto fail;
		}
		for (j = 0; j < i; j++) {
			struct iod_lun *o = &m->luns[j];

			if (o->store != s || o->offset >= l->offset + l->size ||
			    l->offset >= o->offset + o->size)
				continue;
			if (o->shared && l->shared)
				continue;
			snprintf(err, errlen,
				 "%s:%d: LUN window overlaps the one at line %d on %s; mark both 'shared: true' if that is meant",
				 c->path, lc->line, c->storage.luns[j].line,
				 s->path);
			goto fail;
		}
		s->nluns++;
		l->node = lun_map_node_by_name(m, lc->node);
		h = fnv1a(0xcbf29ce484222325ull, c->storage.target);
		h = fnv1a(h, lc->node);
		h ^= lc->lun;
		h *= 0x100000001b3ull;
		l->sdev.nblocks = l->size >> SCSI_BLOCK_SHIFT;
		l->sdev.present = true;
		l->sdev.read_only = lc->read_only;
		l->sdev.can_unmap = s->can_unmap;
		l->sdev.write_cache = c->storage.write_cache;
		l->sdev.naa_id = h;
		l->sdev.rel_port = 1;
		snprintf(l->sdev.serial, sizeof(l->sdev.serial), "%016llx",
			 (unsigned long long)h);
	}
	m->nluns = c->storage.nluns;
	for (i = 0; i < m->nnodes; i++) {
		struct iod_node *n = &m->nodes[i];

		for (j = 0; j < m->nluns; j++)
			if (m->luns[j].node == n)
				n->nluns++;
		n->luns = calloc(n->nluns + 1, sizeof(*n->luns));
		n->lun_ids = calloc(n->nluns + 1, sizeof(*n->lun_ids));
		if (!n->luns || !n->lun_ids)
			goto oom;
		n->nluns = 0;
		for (j = 0; j < m->nluns; j++)
			if (m->luns[j].node == n)
				n->luns[n->nluns++] = &m->luns[j];
		qsort(n->luns, n->nluns, sizeof(*n->luns), cmp_lun);
		for (j = 0; j < n->nluns; j++)
			n->lun_ids[j] = n->luns[j]->lun;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	m->nluns = c->storage.nluns;
	lun_map_free(m);
	return -1;
}

void lun_map_free(struct lun_map *m)
{
	size_t i;

	for (i = 0; i < m->nstores; i++) {
		iod_store_close(m->stores[i]);
		free(m->stores[i]);
	}
	free(m->stores);
	for (i = 0; m->luns && i < m->nluns; i++)
		pr_free(&m->luns[i].pr);
	for (i = 0; m->pool && i < m->npool; i++)
		free(m->pool[i]);
	free(m->pool);
	for (i = 0; m->nodes && i < m->nnodes; i++) {
		free(m->nodes[i].luns);
		free(m->nodes[i].lun_ids);
	}
	free(m->nodes);
	free(m->luns);
	memset(m, 0, sizeof(*m));
}

bool iod_node_has_initiator(const struct iod_node *n, const char *initiator)
{
	size_t i;

	for (i = 0; i < n->ninitiators; i++)
		if (!strcmp(n->initiators[i], initiator))
			return true;
	return false;
}

struct iod_node *lun_map_node_by_initiator(struct lun_map *m,
					   const char *initiator)
{
	size_t i;

	for (i = 0; i < m->nnodes; i++)
		if (iod_node_has_initiator(&m->nodes[i], initiator))
			return &m->nodes[i];
	return NULL;
}

struct iod_node *lun_map_node_by_name(struct lun_map *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nnodes; i++)
		if (!strcmp(m->nodes[i].name, name))
			return &m->nodes[i];
	return NULL;
}

struct iod_lun *lun_map_lookup(struct iod_node *n, uint16_t lun)
{
	size_t lo = 0, hi = n ? n->nluns : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (n->lun_ids[mid] == lun)
			return n->luns[mid];
		if (n->lun_ids[mid] < lun)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int lun_map_move(struct lun_map *m, const char *node, const char *initiator,
		 char *err, size_t errlen)
{
	struct iod_node *n = lun_map_node_by_name(m, node), *o;
	size_t i, j;

	if (!n) {
		snprintf(err, errlen, "no node '%s' in the config", node);
		return -1;
	}
	if (strlen(initiator) >= IOD_NAME_MAX || strlen(initiator) < 5 ||
	    (strncmp(initiator, "iqn.", 4) && strncmp(initiator, "eui.", 4) &&
	     strncmp(initiator, "naa.", 4))) {
		snprintf(err, errlen,
			 "'%s' is not an iSCSI name (iqn.YYYY-MM.domain:name)",
			 initiator);
		return -1;
	}
	/* The name leaves whichever node had it, so that it selects
	 * exactly one view. */
	for (i = 0; i < m->nnodes; i++) {
		o = &m->nodes[i];
		if (o == n)
			continue;
		for (j = 0; j < o->ninitiators; j++) {
			if (strcmp(o->initiators[j], initiator))
				continue;
			memmove(o->initiators[j], o->initiators[j + 1],
				(o->ninitiators - j - 1) * IOD_NAME_MAX);
			o->ninitiators--;
			j--;
		}
	}
	snprintf(n->initiators[0], IOD_NAME_MAX, "%s", initiator);
	n->ninitiators = 1;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pool.h"

static void note(FILE *report, const char *fmt, const char *a, const char *b)
{
	if (report)
		fprintf(report, fmt, a, b);
}

static uint64_t probe_size(const char *path, const struct stat *st)
{
	uint64_t sz = 0;
	int fd;

	if (S_ISREG(st->st_mode))
		return st->st_size;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (ioctl(fd, BLKGETSIZE64, &sz))
		sz = 0;
	close(fd);
	return sz;
}

static bool same_identity(const struct iod_store *s, const struct stat *st)
{
	if (s->blockdev)
		return S_ISBLK(st->st_mode) && st->st_rdev == s->dev;
	return S_ISREG(st->st_mode) && st->st_dev == s->dev &&
	       st->st_ino == s->ino;
}

static const char *users(struct lun_map *m, struct iod_store *s, char *buf,
			 size_t len)
{
	size_t i, p = 0;

	buf[0] = '\0';
	for (i = 0; i < m->nluns && p < len; i++)
		if (m->luns[i].store == s)
			p += snprintf(buf + p, len - p, "%s%s LUN %u",
				      p ? ", " : "", m->luns[i].node->name,
				      m->luns[i].lun);
	return buf;
}

static int candidate(struct lun_map *m, const char *path, bool *seen,
		     FILE *report)
{
	struct iod_store *s;
	struct stat st;
	size_t i;

	if (stat(path, &st) || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)))
		return 0;
	for (i = 0; i < m->nstores; i++)
		if (!strcmp(m->stores[i]->path, path)) {
			seen[i] = true;
			m->stores[i]->in_pool = true;
			return 0;
		}
	s = lun_map_add_store(m, path);
	if (!s)
		return 0;
	s->in_pool = true;
	s->present = true;
	s->blockdev = S_ISBLK(st.st_mode);
	s->dev = s->blockdev ? st.st_rdev : st.st_dev;
	s->ino = s->blockdev ? 0 : st.st_ino;
	s->size = probe_size(path, &st);
	note(report, "added %s to the free pool%s\n", path, "");
	pr_info("pool: new backing store %s (%llu bytes)\n", path,
		(unsigned long long)s->size);
	return 1;
}

int pool_scan(struct lun_map *m, FILE *report)
{
	size_t i, nold = m->nstores;
	bool *seen;
	int changes = 0;
	char who[256];

	seen = calloc(nold + 1, sizeof(*seen));
	if (!seen)
		return 0;
	for (i = 0; i < m->npool; i++) {
		struct stat st;
		struct dirent *de;
		DIR *d;

		if (stat(m->pool[i], &st))
			continue;
		if (!S_ISDIR(st.st_mode)) {
			changes += candidate(m, m->pool[i], seen, report);
			continue;
		}
		d = opendir(m->pool[i]);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			char path[IOD_PATH_MAX];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", m->pool[i],
				 de->d_name);
			changes += candidate(m, path, seen, report);
		}
		closedir(d);
	}
	/* Assigned stores are checked by path whether or not they are in
	 * the pool: a replaced file is as gone as a deleted one. */
	for (i = 0; i < nold; i++) {
		struct iod_store *s = m->stores[i];
		struct stat st;
		bool there = !stat(s->path, &st) && same_identity(s, &st);

		if (!s->nluns)
			continue;
		if (s->present && !there) {
			lun_map_store_state(m, s, false);
			pr_warn("pool: backing store %s vanished; %s now fail with MEDIUM NOT PRESENT\n",
				s->path, users(m, s, who, sizeof(who)));
			note(report, "error: %s vanished (used by %s)\n",
			     s->path, who);
			changes++;
		} else if (!s->present && !stat(s->path, &st)) {
			char err[256];

			if (!iod_store_open(s, err, sizeof(err))) {
				size_t j;
				bool fits = true;

				for (j = 0; j < m->nluns; j++)
					if (m->luns[j].store == s &&
					    m->luns[j].offset + m->luns[j].size >
						    s->size)
						fits = false;
				if (fits) {
					lun_map_store_state(m, s, true);
					pr_info("pool: backing store %s is back\n",
						s->path);
					note(report, "returned %s%s\n", s->path,
					     "");
					changes++;
				} else {
					s->present = false;
				}
			}
		}
	}
	/* Free stores that vanished leave the pool. */
	for (i = nold; i-- > 0;) {
		struct iod_store *s = m->stores[i];

		if (s->nluns || seen[i] || !s->in_pool)
			continue;
		note(report, "removed %s from the free pool%s\n", s->path, "");
		pr_info("pool: free backing store %s is gone\n", s->path);
		iod_store_close(s);
		free(s);
		memmove(&m->stores[i], &m->stores[i + 1],
			(m->nstores - i - 1) * sizeof(*m->stores));
		m->nstores--;
		changes++;
	}
	free(seen);
	return changes;
}

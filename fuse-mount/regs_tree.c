// SPDX-License-Identifier: MIT
/*
 * regs_tree.c - the regs/ tree's names (regs_tree.h): inode numbers,
 * lookup and forget, attributes and modes, listings, and the lines info
 * shows about a function's descriptions.
 *
 * Modes follow the description, and so does open() (regs_file.c), which
 * refuses what the mode does not allow even to root: a read-only
 * register's file is r--, a write-only one's -w-, and root's DAC override
 * cannot write the one or read the other.  A field is writable only if
 * its register can be read back for the read-modify-write (or the field
 * is the whole register).  Sizes are 0, as in /proc: a read returns the
 * text, however long.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "regs_tree.h"

#define AP_REGS_TIMEOUT	60.0	/* descriptions never change */

uint64_t ap_regs_node_ino(const struct ap_entry *e, uint32_t id)
{
	return AP_REGS_INO_BIT | (uint64_t)e->index << 32 | id;
}

/* The node of @e's @dev with id @id into @out. */
static int node_of(struct ap_entry *e, const struct ap_regs_dev *dev,
		   uint32_t id, struct ap_regs_node *out)
{
	const struct ap_regs_id *w;

	memset(out, 0, sizeof(*out));
	out->entry = e;
	out->dev = dev;
	out->ino = ap_regs_node_ino(e, id);
	if (id < 2) {
		out->kind = id ? AP_REGS_LIST : AP_REGS_DIR;
		return 0;
	}
	if (id == AP_REGS_CHECK_ID) {
		out->kind = AP_REGS_CHECK;
		return 0;
	}
	if (id - 2 >= dev->n_ids)
		return -ENOENT;
	w = &dev->ids[id - 2];
	out->kind = w->kind;
	out->block = dev->blks[w->blk].b;
	if (w->kind != AP_REGS_BLOCK)
		out->reg = &out->block->regs[w->reg];
	if (w->kind == AP_REGS_FIELD)
		out->field = &out->reg->fields[w->field];
	return 0;
}

/* The function behind a directory inode and its descriptions. */
static int fn_of(struct ap_fs *fs, uint64_t ino, struct ap_entry **e,
		 const struct ap_regs_dev **dev)
{
	struct ap_node n;
	int ret = ap_tree_node(fs->tree, ino, &n);

	if (ret < 0)
		return ret;
	if (n.kind != AP_NODE_DIR)
		return -ENOENT;
	*e = n.entry;
	*dev = ap_regs_find_dev(n.entry->func.vendor_id,
				n.entry->func.device_id);
	return *dev ? 0 : -ENOENT;
}

int ap_regs_node(struct ap_fs *fs, uint64_t ino, struct ap_regs_node *out)
{
	const struct ap_regs_dev *dev;
	struct ap_entry *e;
	int ret;

	if (!ap_regs_ino(ino))
		return -ENOENT;
	ret = fn_of(fs, ap_tree_entry_ino((ino >> 32) & 0x3fffffff), &e, &dev);
	return ret ? ret : node_of(e, dev, (uint32_t)ino, out);
}

uint64_t ap_regs_forget_ino(uint64_t ino)
{
	return ap_regs_ino(ino) ? ap_tree_entry_ino((ino >> 32) & 0x3fffffff)
				: ino;
}

unsigned int ap_regs_rights(const struct ap_regs_node *n)
{
	unsigned int r = n->reg->access & (REGS_READ | REGS_WRITE);

	if (n->kind != AP_REGS_FIELD)
		return r;
	if (!(r & REGS_READ) && n->field->width < n->reg->width)
		r &= ~REGS_WRITE;	/* no read-modify-write possible */
	return r & n->field->access;
}

static void regs_stat(struct ap_fs *fs, const struct ap_regs_node *n,
		      struct stat *st)
{
	unsigned int r;

	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_atim = st->st_mtim = st->st_ctim = fs->mtime;
	st->st_blksize = 4096;
	st->st_nlink = 1;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	switch (n->kind) {
	case AP_REGS_DIR:
	case AP_REGS_BLOCK:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		st->st_uid = 0;
		st->st_gid = 0;
		break;
	case AP_REGS_LIST:
		st->st_mode = S_IFREG | (0444 & ~fs->umask);
		break;
	case AP_REGS_CHECK:
		/* A check accesses nothing: whoever may use the mount may
		 * ask, on a read-only mount too (writes are answered EROFS). */
		st->st_mode = S_IFREG | (0666 & ~fs->umask);
		break;
	case AP_REGS_REG:
	case AP_REGS_FIELD:
		r = ap_regs_rights(n);
		st->st_mode = S_IFREG | (((r & REGS_READ ? 0444 : 0) |
					  (r & REGS_WRITE && !fs->ro ? 0222 : 0)) &
					 ~fs->umask);
		break;
	}
}

/* Answer a lookup of @n, counting it as a lookup of its function. */
static void reply_entry(fuse_req_t req, struct ap_fs *fs,
			const struct ap_regs_node *n)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	regs_stat(fs, n, &e.attr);
	e.ino = n->ino;
	e.generation = n->entry->generation;
	e.attr_timeout = e.entry_timeout = AP_REGS_TIMEOUT;
	ap_tree_ref(fs->tree, n->entry);
	if (fuse_reply_entry(req, &e) < 0)
		ap_tree_forget(fs->tree, ap_regs_forget_ino(n->ino), 1);
}

int ap_regs_block_index(const struct ap_regs_dev *dev, const char *name)
{
	size_t lo = 0, hi = dev->n_blks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, dev->blks[mid].b->name);

		if (!c)
			return mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* @name in regs/ or in a block directory: its node id, or -errno. */
static int64_t child_id(const struct ap_regs_node *dir, const char *name)
{
	const struct ap_regs_blk *bk;
	const struct regs_register *r;
	const struct regs_field *f;
	int k;

	if (dir->kind == AP_REGS_DIR) {
		if (!strcmp(name, ".check"))
			return AP_REGS_CHECK_ID;
		k = ap_regs_block_index(dir->dev, name);
		return k < 0 ? -ENOENT : (int64_t)dir->dev->blks[k].id;
	}
	if (dir->kind != AP_REGS_BLOCK)
		return -ENOTDIR;
	if (regs_lookup(dir->block, name, &r, &f))
		return -ENOENT;
	k = ap_regs_block_index(dir->dev, dir->block->name);
	bk = &dir->dev->blks[k];
	return bk->reg_id[r - dir->block->regs] + (f ? 1 + (f - r->fields) : 0);
}

bool ap_regs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ap_fs *fs = ap_fs_of(req);
	const struct ap_regs_dev *dev;
	struct ap_regs_node dir, n;
	struct fuse_entry_param neg;
	struct ap_entry *e;
	int64_t id;
	int ret;

	if (!ap_regs_ino(parent)) {
		bool list = !strcmp(name, "registers");

		if ((!list && strcmp(name, "regs")) ||
		    fn_of(fs, parent, &e, &dev))
			return false;
		node_of(e, dev, list, &n);
		reply_entry(req, fs, &n);
		return true;
	}
	ret = ap_regs_node(fs, parent, &dir);
	id = ret ? ret : child_id(&dir, name);
	if (id == -ENOENT) {
		/* A negative entry: the names never change. */
		memset(&neg, 0, sizeof(neg));
		neg.entry_timeout = AP_REGS_TIMEOUT;
		fuse_reply_entry(req, &neg);
	} else if (id < 0) {
		fuse_reply_err(req, -id);
	} else {
		node_of(dir.entry, dir.dev, id, &n);
		reply_entry(req, fs, &n);
	}
	return true;
}

bool ap_regs_getattr(fuse_req_t req, fuse_ino_t ino)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_regs_node n;
	struct stat st;
	int ret;

	if (!ap_regs_ino(ino))
		return false;
	ret = ap_regs_node(fs, ino, &n);
	if (ret) {
		fuse_reply_err(req, -ret);
		return true;
	}
	regs_stat(fs, &n, &st);
	fuse_reply_attr(req, &st, AP_REGS_TIMEOUT);
	return true;
}

/* O_TRUNC (echo > file) is accepted and ignored, as on BAR files. */
bool ap_regs_setattr(fuse_req_t req, fuse_ino_t ino, int to_set)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_regs_node n;
	struct stat st;
	int ret;

	if (!ap_regs_ino(ino))
		return false;
	ret = ap_regs_node(fs, ino, &n);
	if (!ret && (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID |
			       FUSE_SET_ATTR_GID)))
		ret = -EPERM;
	if (!ret && (to_set & FUSE_SET_ATTR_SIZE) &&
	    (n.kind == AP_REGS_DIR || n.kind == AP_REGS_BLOCK))
		ret = -EISDIR;
	if (ret) {
		fuse_reply_err(req, -ret);
		return true;
	}
	regs_stat(fs, &n, &st);
	fuse_reply_attr(req, &st, AP_REGS_TIMEOUT);
	return true;
}

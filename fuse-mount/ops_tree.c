// SPDX-License-Identifier: MIT
/*
 * ops_tree.c - the FUSE operations on the tree: lookup and forget,
 * attributes, links and directory listings.
 *
 * They read the tree and nothing else: no lookup or listing ever scans the
 * bus (the hot-plug thread keeps the tree current and tells the kernel,
 * hotplug.c), so entries and attributes carry real timeouts, and a missing
 * name is cached by the kernel as missing until an event says otherwise.
 * Lookup counts are kept per function (ap_tree_lookup/ap_tree_forget), so
 * a removed function's entry is freed once the kernel forgets it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aperturefs.h"
#include "own.h"
#include "regs_tree.h"

/* How long the kernel may trust a name, or attributes.  Hot-plug
 * invalidates names at once, so these only bound a missed event. */
#define AP_ENTRY_TIMEOUT	60.0
#define AP_ATTR_TIMEOUT		60.0

/* The transfer size st_blksize advertises for BAR files (cp, cat, dd). */
#define AP_BAR_BLKSIZE		(1u << 20)

int ap_stat(struct ap_fs *fs, const struct ap_node *node, struct stat *st)
{
	const struct ap_bar *bar;
	char *text;
	ssize_t n;

	memset(st, 0, sizeof(*st));
	st->st_ino = node->ino;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_atim = st->st_mtim = st->st_ctim = fs->mtime;
	st->st_blksize = 4096;
	st->st_nlink = 1;
	switch (node->kind) {
	case AP_NODE_ROOT:
	case AP_NODE_BYID:
	case AP_NODE_DIR:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		st->st_uid = 0;
		st->st_gid = 0;
		break;
	case AP_NODE_LINK:
		st->st_mode = S_IFLNK | 0777;
		st->st_size = strlen(node->entry->func.slot) + 3;
		break;
	case AP_NODE_BAR:
		bar = &node->entry->func.bars[node->bar];
		st->st_mode = S_IFREG | (0666 & ~fs->umask);
		if (fs->ro)
			st->st_mode &= ~0222;
		st->st_size = bar->size;
		st->st_blksize = bar->size < AP_BAR_BLKSIZE && bar->size ?
					 bar->size : AP_BAR_BLKSIZE;
		break;
	case AP_NODE_INFO:
		st->st_mode = S_IFREG | 0444;
		n = ap_fs_info(fs, node->entry, &text);
		if (n < 0)
			return n;
		free(text);
		st->st_size = n;
		break;
	case AP_NODE_CONFIG:
		st->st_mode = S_IFREG | (0444 & ~fs->umask);
		n = fs->be->ops->config_size(fs->be, &node->entry->func);
		if (n < 0)
			return n;
		st->st_size = n;
		break;
	}
	st->st_blocks = (st->st_size + 511) / 512;
	return 0;
}

/* info's size follows the driver and the module: never cached. */
static double ap_attr_timeout(const struct ap_node *node)
{
	return node->kind == AP_NODE_INFO ? 0.0 : AP_ATTR_TIMEOUT;
}

void ap_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct fuse_entry_param e;
	struct ap_node node;
	int ret;

	if (ap_regs_lookup(req, parent, name) ||
	    ap_own_lookup(req, parent, name))
		return;
	memset(&e, 0, sizeof(e));
	ret = ap_tree_lookup(fs->tree, parent, name, &node);
	if (ret == -ENOENT) {
		/* A negative entry: cached until hot-plug says otherwise. */
		e.entry_timeout = AP_ENTRY_TIMEOUT;
		fuse_reply_entry(req, &e);
		return;
	}
	if (ret < 0) {
		fuse_reply_err(req, -ret);
		return;
	}
	ret = ap_stat(fs, &node, &e.attr);
	e.ino = node.ino;
	e.generation = node.generation;
	e.attr_timeout = ap_attr_timeout(&node);
	e.entry_timeout = AP_ENTRY_TIMEOUT;
	if (ret < 0 || fuse_reply_entry(req, &e) < 0) {
		/* The kernel did not take the reference after all. */
		ap_tree_forget(fs->tree, node.ino, 1);
		if (ret < 0)
			fuse_reply_err(req, -ret);
	}
}

void ap_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	ap_tree_forget(ap_fs_of(req)->tree,
		       ap_own_forget_ino(ap_regs_forget_ino(ino)), nlookup);
	fuse_reply_none(req);
}

void ap_forget_multi(fuse_req_t req, size_t count,
		     struct fuse_forget_data *forgets)
{
	struct ap_fs *fs = ap_fs_of(req);

	for (size_t i = 0; i < count; i++)
		ap_tree_forget(fs->tree,
			       ap_own_forget_ino(ap_regs_forget_ino(
				       forgets[i].ino)),
			       forgets[i].nlookup);
	fuse_reply_none(req);
}

void ap_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_node node;
	struct stat st;
	int ret;

	if (ap_regs_getattr(req, ino) || ap_own_getattr(req, ino))
		return;
	ret = ap_tree_node(fs->tree, ino, &node);
	if (!ret)
		ret = ap_stat(fs, &node, &st);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, ap_attr_timeout(&node));
}

/*
 * Size changes (O_TRUNC, truncate) and time updates are accepted and
 * ignored, as a block device ignores them: a BAR's size never changes.
 * Ownership and mode are set by mount options only.
 */
void ap_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		int to_set, struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_node node;
	struct stat st;
	int ret;

	if (ap_regs_setattr(req, ino, to_set) ||
	    ap_own_setattr(req, ino, attr, to_set, fi))
		return;
	ret = ap_tree_node(fs->tree, ino, &node);
	if (!ret && (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID |
			       FUSE_SET_ATTR_GID)))
		ret = -EPERM;
	if (!ret && (to_set & FUSE_SET_ATTR_SIZE) &&
	    node.kind != AP_NODE_BAR)
		ret = node.kind == AP_NODE_INFO || node.kind == AP_NODE_CONFIG ?
			      -EACCES : -EISDIR;
	if (!ret)
		ret = ap_stat(fs, &node, &st);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, ap_attr_timeout(&node));
}

void ap_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct ap_fs *fs = ap_fs_of(req);
	char buf[64];
	int ret;

	ret = ap_tree_readlink(fs->tree, ino, buf, sizeof(buf));
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_readlink(req, buf);
}

/* The directory listing as of opendir (fi->fh of a directory). */
struct ap_dir {
	struct ap_dirent *v;	/* entries (names, inode numbers, kinds) */
	size_t n;		/* how many */
};

void ap_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_dir *d;
	ssize_t n;

	if (ap_regs_opendir(req, ino, fi) || ap_own_opendir(req, ino, fi))
		return;
	d = calloc(1, sizeof(*d));
	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = ap_tree_list(fs->tree, ino, &d->v);
	n = ap_regs_list_fn(fs, ino, &d->v, n);
	n = ap_own_list_fn(fs, ino, &d->v, n);
	if (n < 0) {
		free(d);
		fuse_reply_err(req, -n);
		return;
	}
	d->n = n;
	fi->fh = (uintptr_t)d;
	fi->cache_readdir = 0;
	if (fuse_reply_open(req, fi) < 0) {
		free(d->v);
		free(d);
	}
}

static mode_t ap_dirent_type(enum ap_node_kind kind)
{
	switch (kind) {
	case AP_NODE_LINK:
		return S_IFLNK;
	case AP_NODE_BAR:
	case AP_NODE_INFO:
	case AP_NODE_CONFIG:
		return S_IFREG;
	default:
		return S_IFDIR;
	}
}

void ap_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi)
{
	struct ap_dir *d = (struct ap_dir *)(uintptr_t)fi->fh;
	size_t used = 0;
	struct stat st;
	char *buf;

	if (ap_regs_readdir(req, ino, size, off, fi) ||
	    ap_own_readdir(req, ino, size, off, fi))
		return;
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (size_t i = off; i < d->n; i++) {
		size_t len;

		memset(&st, 0, sizeof(st));
		st.st_ino = d->v[i].node.ino;
		st.st_mode = ap_dirent_type(d->v[i].node.kind);
		len = fuse_add_direntry(req, buf + used, size - used,
					d->v[i].name, &st, i + 1);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

void ap_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ap_dir *d = (struct ap_dir *)(uintptr_t)fi->fh;

	if (ap_regs_releasedir(req, ino, fi) ||
	    ap_own_releasedir(req, ino, fi))
		return;
	free(d->v);
	free(d);
	fuse_reply_err(req, 0);
}

/*
 * Extended attributes: only regs/.check has any (a check asked on a
 * read-only mount, regs_check.c).  Everything else answers ENODATA, never
 * ENOSYS, which would make the kernel stop asking for the whole mount.
 */
void ap_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 size_t size)
{
	if (ap_regs_getxattr(req, ino, name, size))
		return;
	fuse_reply_err(req, ENODATA);
}

// SPDX-License-Identifier: MIT
/*
 * ops.c - the FUSE low-level operations of aperturefs.
 *
 * BAR files are opened with direct_io: every read and write reaches
 * ap_read/ap_write with its exact offset and size and goes to the module
 * descriptor of that BAR (one per BAR, shared by every open file on it),
 * never through the page cache.  With FUSE passthrough (libfuse 3.17+,
 * Linux 6.9+) that descriptor is also registered as the file's backing
 * file: -o passthrough=all sends read, write and mmap straight to it,
 * passthrough=mmap only mmap.
 *
 * Hot-plug: listing the root or by-id rescans the bus; a lookup of a name
 * that is not there (or whose function went away) rescans too.  Opening a
 * file checks that its function's sysfs directory still exists; reads and
 * writes of an open BAR file rely on the module, which answers ENODEV once
 * the device is removed, so a removed device never gives stale data.
 *
 * info and config are opened direct_io as well, so that their size in
 * stat() never limits what read() returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aperturefs.h"
#include "compat.h"

/* What an open file holds (fi->fh). */
struct ap_file {
	struct ap_node node;	/* what was opened */
	int fd;			/* BAR: shared module descriptor */
	char *text;		/* INFO: the text as of open */
	size_t len;		/* INFO: its length */
};

/* The directory listing as of opendir (fi->fh of a directory). */
struct ap_dir {
	struct ap_dirent *v;	/* entries */
	size_t n;		/* how many */
};

static struct ap_fs *ap_fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

int ap_fs_rescan(struct ap_fs *fs)
{
	struct ap_func *funcs = NULL;
	ssize_t n;
	int ret;

	pthread_mutex_lock(&fs->scan_lock);
	n = ap_pci_scan(fs->pci, fs->filters, &funcs);
	if (n < 0) {
		fuse_log(FUSE_LOG_ERR, "aperturefs: PCI rescan failed: %s%s%s\n",
			 strerror(-n), *ap_pci_error(fs->pci) ? ": " : "",
			 ap_pci_error(fs->pci));
		ret = n;
	} else {
		ret = ap_tree_update(fs->tree, funcs, n);
		free(funcs);
	}
	pthread_mutex_unlock(&fs->scan_lock);
	return ret < 0 ? ret : 0;
}

/* Ask the module about every BAR of @e, for info. */
static void ap_fs_bar_status(struct ap_fs *fs, struct ap_entry *e,
			     struct ap_bar_status *st)
{
	for (int b = 0; b < AP_NR_BARS; b++) {
		memset(&st[b], 0, sizeof(st[b]));
		if (!ap_func_has_bar(&e->func, b))
			continue;
		st[b].err = ap_module_bar(fs->ctl, &e->func, b, fs->open_flags,
					  false, &st[b].desc);
		if (e->func.bars[b].flags & APERTURE_IO_BAR_IO)
			st[b].mmap_no = "I/O-port BAR";
		else
			st[b].mmap_no = fs->mmap_no;
	}
}

/* The attributes of @node: the helper behind getattr, lookup and setattr. */
static int ap_stat(struct ap_fs *fs, const struct ap_node *node,
		   struct stat *st)
{
	struct ap_bar_status bs[AP_NR_BARS];
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
		st->st_mode = S_IFREG | (0666 & ~fs->umask);
		if (fs->ro)
			st->st_mode &= ~0222;
		st->st_size = node->entry->func.bars[node->bar].size;
		break;
	case AP_NODE_INFO:
		st->st_mode = S_IFREG | 0444;
		ap_fs_bar_status(fs, node->entry, bs);
		n = ap_info_format(&node->entry->func, bs, &text);
		if (n < 0)
			return n;
		free(text);
		st->st_size = n;
		break;
	case AP_NODE_CONFIG:
		st->st_mode = S_IFREG | (0444 & ~fs->umask);
		n = ap_config_size(fs->tree, node->entry);
		if (n < 0)
			return n;
		st->st_size = n;
		break;
	}
	st->st_blocks = (st->st_size + 511) / 512;
	return 0;
}

/* Entry and attribute timeouts: the root's children follow hot-plug. */
static double ap_timeout(const struct ap_node *node)
{
	switch (node->kind) {
	case AP_NODE_DIR:
	case AP_NODE_LINK:
		return 0.0;
	case AP_NODE_INFO:
		return 0.0;
	default:
		return 1.0;
	}
}

/* "dddd:bb:dd.f": worth a rescan when it is not in the tree. */
static bool ap_is_slot_name(const char *name)
{
	unsigned int d, b, s, f;
	char c;

	return sscanf(name, "%4x:%2x:%2x.%1x%c", &d, &b, &s, &f, &c) == 4;
}

static void ap_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct fuse_entry_param e;
	struct ap_node node;
	int ret;

	ret = ap_tree_lookup(fs->tree, parent, name, &node);
	if (!ret && node.entry && !ap_entry_alive(fs->tree, node.entry))
		ret = -ENOENT;
	if (ret == -ENOENT && (parent == AP_INO_BYID ||
			       (parent == AP_INO_ROOT && ap_is_slot_name(name)))) {
		ap_fs_rescan(fs);
		ret = ap_tree_lookup(fs->tree, parent, name, &node);
	}
	if (!ret) {
		memset(&e, 0, sizeof(e));
		ret = ap_stat(fs, &node, &e.attr);
		e.ino = node.ino;
		e.generation = 1;
		e.attr_timeout = ap_timeout(&node);
		e.entry_timeout = ap_timeout(&node);
	}
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_entry(req, &e);
}

static void ap_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_node node;
	struct stat st;
	int ret;

	ret = ap_tree_node(fs->tree, ino, &node);
	if (!ret)
		ret = ap_stat(fs, &node, &st);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, ap_timeout(&node));
}

/*
 * Size changes (O_TRUNC, truncate) and time updates are accepted and
 * ignored, as a block device ignores them: a BAR's size never changes.
 * Ownership and mode are set by mount options only.
 */
static void ap_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_node node;
	struct stat st;
	int ret;

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
		fuse_reply_attr(req, &st, ap_timeout(&node));
}

static void ap_readlink(fuse_req_t req, fuse_ino_t ino)
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

static void ap_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_dir *d;
	ssize_t n;

	if (ino == AP_INO_ROOT || ino == AP_INO_BYID)
		ap_fs_rescan(fs);
	d = calloc(1, sizeof(*d));
	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = ap_tree_list(fs->tree, ino, &d->v);
	if (n < 0) {
		free(d);
		fuse_reply_err(req, -n);
		return;
	}
	d->n = n;
	fi->fh = (uintptr_t)d;
	fi->cache_readdir = 0;
	fuse_reply_open(req, fi);
}

static void ap_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct ap_dir *d = (struct ap_dir *)(uintptr_t)fi->fh;
	char *buf;
	size_t used = 0;
	struct stat st;

	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (size_t i = off; i < d->n; i++) {
		size_t len;

		memset(&st, 0, sizeof(st));
		st.st_ino = d->v[i].node.ino;
		st.st_mode = d->v[i].node.kind == AP_NODE_LINK ? S_IFLNK :
			     d->v[i].node.kind == AP_NODE_BAR ||
					     d->v[i].node.kind == AP_NODE_INFO ||
					     d->v[i].node.kind == AP_NODE_CONFIG ?
			     S_IFREG : S_IFDIR;
		len = fuse_add_direntry(req, buf + used, size - used,
					d->v[i].name, &st, i + 1);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void ap_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct ap_dir *d = (struct ap_dir *)(uintptr_t)fi->fh;

	free(d->v);
	free(d);
	fuse_reply_err(req, 0);
}

/*
 * Register the BAR's module descriptor as the backing file of its inode
 * (one backing id per inode, shared by its open files).  Returns the id,
 * or 0 if passthrough is not in force or the kernel refused (logged).
 */
static int ap_open_backing(fuse_req_t req, struct ap_fs *fs,
			   struct ap_entry *e, int bar)
{
	struct ap_bar_handle *h = &e->bars[bar];
	int id;

	if (!fs->pt_active || (e->func.bars[bar].flags & APERTURE_IO_BAR_IO))
		return 0;
	pthread_mutex_lock(&h->lock);
	if (!h->backing_id) {
		id = ap_compat_backing_open(req, h->fd);
		if (id <= 0)
			fuse_log(FUSE_LOG_ERR,
				 "aperturefs: %s bar%d: the kernel refused the "
				 "module descriptor as backing file (%s); "
				 "read/write go through the daemon, mmap is "
				 "unavailable\n",
				 e->func.slot, bar, strerror(errno));
		else
			h->backing_id = id;
	}
	id = h->backing_id;
	pthread_mutex_unlock(&h->lock);
	return id;
}

static void ap_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_file *f;
	int ret, acc = fi->flags & O_ACCMODE, id;

	f = calloc(1, sizeof(*f));
	if (!f) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	f->fd = -1;
	ret = ap_tree_node(fs->tree, ino, &f->node);
	if (ret < 0)
		goto err_free;
	if (f->node.entry && !ap_entry_alive(fs->tree, f->node.entry)) {
		ret = -ENODEV;
		goto err_free;
	}
	fi->direct_io = 1;
	fi->keep_cache = 0;
	switch (f->node.kind) {
	case AP_NODE_BAR:
		if (fs->ro && acc != O_RDONLY) {
			ret = -EROFS;
			goto err_free;
		}
		ret = ap_bar_get(&f->node.entry->bars[f->node.bar], fs->ctl,
				 &f->node.entry->func, f->node.bar,
				 fs->open_flags |
					 (fs->ro ? APERTURE_IO_OPEN_RDONLY : 0));
		if (ret < 0) {
			fuse_log(FUSE_LOG_WARNING,
				 "aperturefs: %s bar%d: the module refused to "
				 "open it: %s\n",
				 f->node.entry->func.slot, f->node.bar,
				 strerror(-ret));
			goto err_free;
		}
		f->fd = ret;
		id = ap_open_backing(req, fs, f->node.entry, f->node.bar);
		if (id > 0) {
			ap_compat_set_backing(fi, id);
			if (fs->passthrough == AP_PASSTHROUGH_ALL)
				fi->direct_io = 0;
		}
		break;
	case AP_NODE_INFO: {
		struct ap_bar_status bs[AP_NR_BARS];
		ssize_t n;

		if (acc != O_RDONLY) {
			ret = -EACCES;
			goto err_free;
		}
		ap_fs_bar_status(fs, f->node.entry, bs);
		n = ap_info_format(&f->node.entry->func, bs, &f->text);
		if (n < 0) {
			ret = n;
			goto err_free;
		}
		f->len = n;
		break;
	}
	case AP_NODE_CONFIG:
		if (acc != O_RDONLY) {
			ret = -EACCES;
			goto err_free;
		}
		break;
	default:
		ret = -EISDIR;
		goto err_free;
	}
	fi->fh = (uintptr_t)f;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		/* The opener was interrupted: undo what open did. */
		if (f->node.kind == AP_NODE_BAR) {
			int bid = 0;

			if (ap_bar_put(&f->node.entry->bars[f->node.bar],
				       &bid) && bid > 0)
				ap_compat_backing_close(req, bid);
		}
		free(f->text);
		free(f);
	}
	return;

err_free:
	free(f);
	fuse_reply_err(req, -ret);
}

/*
 * The buffer a worker thread serves reads from: grown to the largest
 * read it has served and kept until the thread exits, so that a read
 * neither mallocs nor faults in fresh, zeroed pages each time (perf showed
 * both in a 1 MiB read: a buffer that size is above glibc's mmap
 * threshold).
 *
 * Replies are not spliced from the module descriptor (fuse_reply_data()
 * with FUSE_CAP_SPLICE_WRITE), although the module supports splice:
 * measured on 7.3, a spliced 1 MiB read took 2.0-2.5 ms against 1.4-1.5
 * ms this way.  FUSE copies a direct_io reply into the reader's pages
 * either way; splice trades pinning the daemon's pages for allocating and
 * zeroing fresh pipe pages (init_on_alloc) and freeing them again.
 */
struct ap_rbuf {
	char *mem;		/* the buffer */
	size_t size;		/* its size */
};

static pthread_key_t ap_rbuf_key;
static pthread_once_t ap_rbuf_once = PTHREAD_ONCE_INIT;

static void ap_rbuf_free(void *arg)
{
	struct ap_rbuf *b = arg;

	free(b->mem);
	free(b);
}

static void ap_rbuf_key_init(void)
{
	if (pthread_key_create(&ap_rbuf_key, ap_rbuf_free))
		abort();
}

/* This thread's read buffer, at least size bytes; NULL if out of memory. */
static char *ap_rbuf_get(size_t size)
{
	struct ap_rbuf *b;
	char *mem;

	pthread_once(&ap_rbuf_once, ap_rbuf_key_init);
	b = pthread_getspecific(ap_rbuf_key);
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b || pthread_setspecific(ap_rbuf_key, b)) {
			free(b);
			return NULL;
		}
	}
	if (b->size < size) {
		mem = realloc(b->mem, size);
		if (!mem)
			return NULL;
		b->mem = mem;
		b->size = size;
	}
	return b->mem;
}

/*
 * The module answers ENODEV once a function is hot-removed (its bus
 * notifier marks the BAR dead), so reads and writes trust it and do not
 * probe sysfs each time: that probe cost more than the access itself.
 * Only on ENODEV is the tree told, so the function leaves the listing.
 */
static void ap_note_enodev(struct ap_fs *fs, struct ap_entry *e, ssize_t n)
{
	if (n == -ENODEV)
		ap_entry_alive(fs->tree, e);
}

static void ap_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_file *f = (struct ap_file *)(uintptr_t)fi->fh;
	struct ap_entry *e = f->node.entry;
	ssize_t n;
	char *buf;

	if (f->node.kind == AP_NODE_INFO) {
		if ((size_t)off >= f->len)
			fuse_reply_buf(req, NULL, 0);
		else
			fuse_reply_buf(req, f->text + off,
				       size < f->len - off ? size :
							     f->len - off);
		return;
	}
	buf = ap_rbuf_get(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (f->node.kind == AP_NODE_CONFIG)
		n = ap_config_read(fs->tree, e, buf, size, off);
	else
		n = ap_bar_pread(f->fd, e->func.bars[f->node.bar].size, buf,
				 size, off);
	ap_note_enodev(fs, e, n);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_buf(req, buf, n);
}

static void ap_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_file *f = (struct ap_file *)(uintptr_t)fi->fh;
	struct ap_entry *e = f->node.entry;
	ssize_t n;

	if (f->node.kind != AP_NODE_BAR) {
		fuse_reply_err(req, EBADF);
		return;
	}
	n = ap_bar_pwrite(f->fd, e->func.bars[f->node.bar].size, buf, size,
			  off);
	ap_note_enodev(fs, e, n);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_write(req, n);
}

static void ap_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static void ap_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static void ap_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct ap_file *f = (struct ap_file *)(uintptr_t)fi->fh;
	int id = 0;

	if (f->node.kind == AP_NODE_BAR &&
	    ap_bar_put(&f->node.entry->bars[f->node.bar], &id) && id > 0)
		ap_compat_backing_close(req, id);
	free(f->text);
	free(f);
	fuse_reply_err(req, 0);
}

/* Decide whether mmap of BAR files can work, and say why not once. */
static void ap_init(void *userdata, struct fuse_conn_info *conn)
{
	struct ap_fs *fs = userdata;
	const char *why = fs->mmap_no;
	/* main() said a reason known before mounting, unless the mount
	 * is passthrough=off: then it is said here, once. */
	bool said = why != NULL && fs->passthrough != AP_PASSTHROUGH_OFF;

	if (!why && fs->passthrough == AP_PASSTHROUGH_OFF)
		why = "mounted with -o passthrough=off";
	if (!why) {
		if (ap_compat_init_passthrough(conn))
			fs->pt_active = true;
		else
			why = "the kernel offers no FUSE passthrough "
			      "(needs Linux 6.9 or later)";
	}
	if (why) {
		snprintf(fs->mmap_no_buf, sizeof(fs->mmap_no_buf),
			 "shared mmap gives ENODEV: %s", why);
		fs->mmap_no = fs->mmap_no_buf;
		if (!said)
			fuse_log(FUSE_LOG_NOTICE, "aperturefs: %s\n",
				 fs->mmap_no);
	} else {
		fuse_log(FUSE_LOG_INFO,
			 "aperturefs: FUSE passthrough on (passthrough=%s)\n",
			 ap_passthrough_name(fs->passthrough));
	}
}

const struct fuse_lowlevel_ops ap_ops = {
	.init = ap_init,
	.lookup = ap_lookup,
	.getattr = ap_getattr,
	.setattr = ap_setattr,
	.readlink = ap_readlink,
	.open = ap_open,
	.read = ap_read,
	.write = ap_write,
	.flush = ap_flush,
	.release = ap_release,
	.fsync = ap_fsync,
	.opendir = ap_opendir,
	.readdir = ap_readdir,
	.releasedir = ap_releasedir,
};

// SPDX-License-Identifier: MIT
/*
 * ops_file.c - the FUSE operations on files: open, read, write, release,
 * init, and the operations table.
 *
 * BAR files are opened with direct_io: every read and write reaches
 * ap_read/ap_write with its exact offset and size and goes to the backend
 * descriptor of that BAR (one per BAR, shared by every open file on it),
 * never through the page cache.  With FUSE passthrough (libfuse 3.17+,
 * Linux 6.9+) that descriptor is also registered as the file's backing
 * file: -o passthrough=all sends read, write and mmap straight to it,
 * passthrough=mmap only mmap.  A fake machine's memory does not bound
 * writes or know removal as the module does, so there read and write stay
 * on the daemon and only mmap is passed (backend rw_passthrough).
 *
 * A removed function: the backend answers -ENODEV on its open descriptors
 * (the module's bus notifier marks the BAR dead), and the tree is told, so
 * the function leaves the listing even before the hot-plug event arrives.
 *
 * Nothing is served for the kernel's page cache: a read the kernel makes
 * to fill it (splice, sendfile and copy_file_range from a direct_io file
 * on Linux 6.5+, MAP_PRIVATE mappings) is refused with EINVAL, so that no
 * caller ever gets bytes the device has since changed (ap_refuse_cache_read).
 *
 * There is no flush and no fsync: nothing is buffered, so the kernel gets
 * ENOSYS once and stops asking (no round trip at every close).
 *
 * info and config are opened direct_io as well, so that their size in
 * stat() never limits what read() returns.  info is made at open time,
 * with the driver bound at that moment.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aperturefs.h"
#include "compat.h"
#include "own.h"
#include "regs_tree.h"

/* What an open file holds (fi->fh). */
struct ap_file {
	struct ap_node node;	/* what was opened */
	int fd;			/* BAR: shared backend descriptor */
	char *text;		/* INFO: the text as of open */
	size_t len;		/* INFO: its length */
};

void ap_fs_bar_status(struct ap_fs *fs, struct ap_entry *e,
		      struct ap_bar_status *st)
{
	for (int b = 0; b < AP_NR_BARS; b++) {
		memset(&st[b], 0, sizeof(st[b]));
		if (!ap_func_has_bar(&e->func, b))
			continue;
		st[b].err = fs->be->ops->bar(fs->be, &e->func, b,
					     fs->open_flags, false,
					     &st[b].desc);
		if (e->func.bars[b].flags & APERTURE_IO_BAR_IO)
			st[b].mmap_no = "I/O-port BAR";
		else
			st[b].mmap_no = fs->mmap_no;
	}
}

ssize_t ap_fs_info(struct ap_fs *fs, struct ap_entry *e, char **text)
{
	struct ap_bar_status bs[AP_NR_BARS];
	struct ap_func *f;
	ssize_t n;

	/* A copy: the entry's description is immutable, the driver not. */
	f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	*f = e->func;
	n = fs->be->ops->driver(fs->be, f, f->driver, sizeof(f->driver));
	if (!n) {
		ap_fs_bar_status(fs, e, bs);
		n = ap_info_format(f, bs, text);
		/* Ownership before registers: a refused register write
		 * stays info's last line. */
		n = ap_own_info(fs, e, f->driver, text, n);
		n = ap_regs_info(fs, e, text, n);
	}
	free(f);
	return n;
}

/*
 * Register the BAR's descriptor as the backing file of its inode (one
 * backing id per inode, shared by its open files).  Returns the id, or 0
 * if passthrough is not in force or the kernel refused (logged).
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

/* Drop what ap_open_bar() took. */
static void ap_close_bar(fuse_req_t req, struct ap_file *f)
{
	int id = 0;

	if (ap_bar_put(&f->node.entry->bars[f->node.bar], &id) && id > 0)
		ap_compat_backing_close(req, id);
}

static int ap_open_bar(fuse_req_t req, struct ap_fs *fs, struct ap_file *f,
		       struct fuse_file_info *fi)
{
	struct ap_entry *e = f->node.entry;
	int ret, id;

	if (fs->ro && (fi->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	ret = ap_bar_get(&e->bars[f->node.bar], fs->be, &e->func, f->node.bar,
			 fs->open_flags | (fs->ro ? APERTURE_IO_OPEN_RDONLY : 0));
	if (ret < 0) {
		fuse_log(FUSE_LOG_WARNING,
			 "aperturefs: %s bar%d: the %s backend refused to "
			 "open it: %s\n", e->func.slot, f->node.bar,
			 fs->be->ops->name, strerror(-ret));
		if (ret == -ENODEV)
			ap_fs_note_gone(fs, e);
		return ret;
	}
	f->fd = ret;
	id = ap_open_backing(req, fs, e, f->node.bar);
	if (id > 0) {
		ap_compat_set_backing(fi, id);
		if (fs->passthrough == AP_PASSTHROUGH_ALL &&
		    fs->be->ops->rw_passthrough)
			fi->direct_io = 0;
	}
	return 0;
}

static int ap_open_info(struct ap_fs *fs, struct ap_file *f,
			struct fuse_file_info *fi)
{
	ssize_t n;

	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	n = ap_fs_info(fs, f->node.entry, &f->text);
	if (n < 0)
		return n;
	f->len = n;
	return 0;
}

static void ap_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_file *f;
	int ret;

	if (ap_regs_open(req, ino, fi) || ap_own_open(req, ino, fi))
		return;
	f = calloc(1, sizeof(*f));
	if (!f) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	f->fd = -1;
	ret = ap_tree_node(fs->tree, ino, &f->node);
	if (ret < 0)
		goto err_free;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->noflush = 1;
	switch (f->node.kind) {
	case AP_NODE_BAR:
		ret = ap_open_bar(req, fs, f, fi);
		break;
	case AP_NODE_INFO:
		ret = ap_open_info(fs, f, fi);
		break;
	case AP_NODE_CONFIG:
		ret = (fi->flags & O_ACCMODE) != O_RDONLY ? -EACCES : 0;
		break;
	default:
		ret = -EISDIR;
		break;
	}
	if (ret < 0)
		goto err_free;
	ap_tree_hold(fs->tree, f->node.entry);
	fi->fh = (uintptr_t)f;
	if (fuse_reply_open(req, fi) < 0) {
		/* The opener went away (interrupted): undo the open. */
		if (f->node.kind == AP_NODE_BAR)
			ap_close_bar(req, f);
		ap_tree_release(fs->tree, f->node.entry);
		free(f->text);
		free(f);
	}
	return;

err_free:
	free(f->text);
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
 *
 * Nor are writes spliced into the module descriptor (write_buf with
 * FUSE_CAP_SPLICE_READ): libfuse then receives every request through its
 * pipe, one more system call each.  Measured on 7.3 (TCG, one vCPU,
 * aperture-bench --quick, the same guest, two rounds, without -> with):
 * 4 B writes 170-174 -> 221-222 us, 4 KiB writes 17.9-20.2 -> 13.6-15.3
 * MB/s, 1 MiB writes 362-426 -> 385-415 MB/s (no gain), 4 B reads
 * 191-195 -> 202-212 us.
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

/* ENODEV from the backend: the function left; the listing follows. */
static void ap_note_enodev(struct ap_fs *fs, struct ap_entry *e, ssize_t n)
{
	if (n == -ENODEV)
		ap_fs_note_gone(fs, e);
}

/*
 * A read that would fill the kernel's page cache rather than a caller's
 * buffer.  The kernel sends FUSE_READ without the caller's lock owner
 * only from read_folio and readahead (fs/fuse/file.c: fuse_do_readfolio,
 * fuse_send_readpages); a direct read always carries one
 * (fuse_direct_io: owner = current->files).  Every file here is opened
 * direct_io, yet since Linux 6.5 splice from a direct_io file, and so
 * sendfile and copy_file_range's fallback, reads through the page cache
 * (fuse_splice_read -> filemap_splice_read; 6.1 read through read_iter),
 * as MAP_PRIVATE mappings always did.  Nothing invalidates those pages
 * when the device, a module descriptor or a mapping changes the BAR, and
 * invalidating them after each such read would still leave a window in
 * which a later splice finds the old page.  So these reads are refused:
 * no page of a file of the mount ever becomes up to date, the call gets
 * EINVAL (splice(2): the file system does not support splicing; 7.3
 * reports the failed page-cache read as EIO), and a MAP_PRIVATE mapping
 * SIGBUS.  Said once in the log.
 */
static bool ap_refuse_cache_read(fuse_req_t req, fuse_ino_t ino,
				 struct fuse_file_info *fi)
{
	static bool said;
	const struct ap_file *f = (const struct ap_file *)(uintptr_t)fi->fh;
	char what[64];

	if (fi->lock_owner)
		return false;
	if (!__atomic_exchange_n(&said, true, __ATOMIC_RELAXED)) {
		if (ap_regs_ino(ino))
			snprintf(what, sizeof(what), "a register file");
		else if (ap_own_ino(ino))
			snprintf(what, sizeof(what), "a dma/ or irq/ file");
		else if (f->node.kind == AP_NODE_BAR)
			snprintf(what, sizeof(what), "%s bar%d",
				 f->node.entry->func.slot, f->node.bar);
		else
			snprintf(what, sizeof(what), "%s %s",
				 f->node.entry->func.slot,
				 f->node.kind == AP_NODE_INFO ? "info" :
								"config");
		fuse_log(FUSE_LOG_NOTICE,
			 "aperturefs: %s: refused a read for the kernel's page "
			 "cache (EINVAL), which would keep the bytes past the "
			 "call: splice, sendfile and copy_file_range from a "
			 "file of the mount need passthrough or a file opened "
			 "with O_DIRECT on this kernel, and MAP_PRIVATE "
			 "mappings are not served (said once)\n", what);
	}
	fuse_reply_err(req, EINVAL);
	return true;
}

static void ap_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_file *f = (struct ap_file *)(uintptr_t)fi->fh;
	struct ap_entry *e = f->node.entry;
	ssize_t n;
	char *buf;

	if (ap_refuse_cache_read(req, ino, fi))
		return;
	if (ap_regs_read(req, ino, size, off, fi) ||
	    ap_own_read(req, ino, size, off, fi))
		return;
	if (f->node.kind == AP_NODE_INFO) {
		/*
		 * From this thread's buffer, not the file's text: once the
		 * reply is written the reader may close, and its release
		 * (another thread) frees the text while writev() returns;
		 * AddressSanitizer checks a writev's buffers after the call,
		 * and saw that as a use after free.
		 */
		n = (size_t)off >= f->len ? 0 :
		    (ssize_t)(size < f->len - off ? size : f->len - off);
		buf = ap_rbuf_get(n ? n : 1);
		if (!buf) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		memcpy(buf, f->text + (n ? off : 0), n);
		fuse_reply_buf(req, buf, n);
		return;
	}
	buf = ap_rbuf_get(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (f->node.kind == AP_NODE_CONFIG)
		n = fs->be->ops->config_read(fs->be, &e->func, buf, size, off);
	else
		n = ap_bar_pread(fs->be, f->fd, e->func.bars[f->node.bar].size,
				 buf, size, off);
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

	if (ap_regs_write(req, ino, buf, size, off, fi) ||
	    ap_own_write(req, ino, buf, size, off, fi))
		return;
	if (f->node.kind != AP_NODE_BAR) {
		fuse_reply_err(req, EBADF);
		return;
	}
	n = ap_bar_pwrite(fs->be, f->fd, e->func.bars[f->node.bar].size, buf,
			  size, off);
	ap_note_enodev(fs, e, n);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_write(req, n);
}

static void ap_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_file *f = (struct ap_file *)(uintptr_t)fi->fh;

	if (ap_regs_release(req, ino, fi) || ap_own_release(req, ino, fi))
		return;
	if (f->node.kind == AP_NODE_BAR)
		ap_close_bar(req, f);
	ap_tree_release(fs->tree, f->node.entry);
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

	/* Interrupts stay on: a blocked read of an irq/ file is answered
	 * EINTR when its reader gets a signal (own_irq.c). */
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

/* Files are created in dma/ only (buffers); elsewhere EPERM, as mknod. */
static void ap_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	if (!ap_own_create(req, parent, name, mode, fi))
		fuse_reply_err(req, EPERM);
}

/* Buffers in dma/ are removed; nothing else is. */
static void ap_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	if (!ap_own_unlink(req, parent, name))
		fuse_reply_err(req, EPERM);
}

const struct fuse_lowlevel_ops ap_ops = {
	.init = ap_init,
	.lookup = ap_lookup,
	.forget = ap_forget,
	.forget_multi = ap_forget_multi,
	.getattr = ap_getattr,
	.setattr = ap_setattr,
	.readlink = ap_readlink,
	.open = ap_open,
	.read = ap_read,
	.write = ap_write,
	.release = ap_release,
	.create = ap_create,
	.unlink = ap_unlink,
	.poll = ap_own_poll,
	.opendir = ap_opendir,
	.readdir = ap_readdir,
	.releasedir = ap_releasedir,
	.getxattr = ap_getxattr,
};

// SPDX-License-Identifier: MIT
/*
 * regs_file.c - what register files hold: open, read, write, release of
 * regs/<BLOCK>/<REGISTER>[.<FIELD>] and registers.
 *
 * A register file has its own backend descriptor, opened with the
 * register's width (APERTURE_IO_WIDTH_8..64), so that a read or a write
 * is exactly one access of that width at the register's offset.  A read
 * at offset 0 reads the device; reads further on serve the same text (so
 * `cat` is one access).  Several threads may read and write one open
 * file at once (FUSE hands each request to a worker): its text is made,
 * replaced and copied out under the file's own lock.  A write is the
 * whole value in one write():
 * parsed (regs_parse_value), then one access for a register, or a
 * read-modify-write of its register for a field; a value that does not
 * fit is EINVAL and nothing is written.  Writes to one register are
 * serialised in the daemon (a lock per register, hashed); a writer
 * outside the daemon, or the device, can still come in between the read
 * and the write of a field.
 *
 * `registers` reads every readable register once, in BAR and offset
 * order, when read at offset 0; a register whose read has side effects is
 * listed as skipped and never read.
 *
 * A 64-bit register where the backend has no 8-byte access (a 32-bit
 * kernel, whose readq is two 32-bit reads; I/O ports) is EOPNOTSUPP, and
 * `unsupported` in `registers`: never two accesses, which a register that
 * latches or clears on a read would see as two, and whose halves could
 * come from two different values.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regs_tree.h"

#define AP_REGS_LOCKS	64

/* Serialises the writes of registers whose hash meets here. */
static pthread_mutex_t ap_regs_locks[AP_REGS_LOCKS] = {
	[0 ... AP_REGS_LOCKS - 1] = PTHREAD_MUTEX_INITIALIZER
};

/* An open register file (fi->fh). */
struct ap_regs_file {
	struct ap_regs_node n;		/* what was opened */
	int fd;				/* REG, FIELD: descriptor at the
					 * register's width; else -1 */
	pthread_mutex_t lock;		/* protects text and len */
	char *text;			/* what the last read made */
	size_t len;			/* its length */
};

static uint32_t width_flag(unsigned int bytes)
{
	switch (bytes) {
	case 1: return APERTURE_IO_WIDTH_8;
	case 2: return APERTURE_IO_WIDTH_16;
	case 4: return APERTURE_IO_WIDTH_32;
	default: return APERTURE_IO_WIDTH_64;
	}
}

/* A descriptor of @r's BAR that makes accesses of @r's width. */
static int open_reg(struct ap_fs *fs, struct ap_entry *e,
		    const struct regs_block *b, const struct regs_register *r)
{
	struct aperture_io_bar desc;
	uint32_t flags = (fs->open_flags & ~APERTURE_IO_WIDTH_MASK) |
			 width_flag(regs_access_bytes(r)) |
			 (fs->ro ? APERTURE_IO_OPEN_RDONLY : 0);
	int ret;

	if (!ap_func_has_bar(&e->func, b->bar)) {
		fuse_log(FUSE_LOG_WARNING, "aperturefs: %s regs/%s/%s: the "
			 "function has no bar%d\n", e->func.slot, b->name,
			 r->name, b->bar);
		return -ENXIO;
	}
	ret = fs->be->ops->bar(fs->be, &e->func, b->bar, flags, true, &desc);
	if (ret == -EINVAL && regs_access_bytes(r) == 8) {
		fuse_log(FUSE_LOG_WARNING, "aperturefs: %s regs/%s/%s: a "
			 "64-bit register, and the %s backend has no 8-byte "
			 "access to bar%d (a 32-bit kernel, or I/O ports): "
			 "not split in two\n", e->func.slot, b->name, r->name,
			 fs->be->ops->name, b->bar);
		return -EOPNOTSUPP;
	}
	if (ret < 0) {
		fuse_log(FUSE_LOG_WARNING, "aperturefs: %s bar%d: the %s "
			 "backend refused to open it: %s\n", e->func.slot,
			 b->bar, fs->be->ops->name, strerror(-ret));
		if (ret == -ENODEV)
			ap_fs_note_gone(fs, e);
		return ret;
	}
	return desc.fd;
}

/* One access of @r through @fd: read into *@val, or write *@val. */
static int access_reg(struct ap_fs *fs, struct ap_entry *e, int fd,
		      const struct regs_block *b, const struct regs_register *r,
		      bool write, uint64_t *val)
{
	unsigned int bytes = regs_access_bytes(r);
	uint64_t off = b->base + r->offset;
	union { uint8_t b; uint16_t h; uint32_t w; uint64_t q; } u = { 0 };
	ssize_t n;

	if (off % bytes || off + bytes > e->func.bars[b->bar].size) {
		fuse_log(FUSE_LOG_WARNING, "aperturefs: %s regs/%s/%s: "
			 "%u bytes at 0x%llx are %s bar%d\n", e->func.slot,
			 b->name, r->name, bytes, (unsigned long long)off,
			 off % bytes ? "not aligned in" : "outside", b->bar);
		return -EIO;
	}
	if (write) {
		u.q = *val;		/* little-endian host: low bytes first */
		n = fs->be->ops->pwrite(fs->be, fd, &u, bytes, off);
	} else {
		n = fs->be->ops->pread(fs->be, fd, &u, bytes, off);
	}
	if (n == -ENODEV)
		ap_fs_note_gone(fs, e);
	if (n < 0)
		return n;
	if ((size_t)n != bytes)
		return -EIO;
	if (!write)
		*val = bytes == 1 ? u.b : bytes == 2 ? u.h :
		       bytes == 4 ? u.w : u.q;
	return 0;
}

static pthread_mutex_t *reg_lock(const struct ap_entry *e,
				 const struct regs_register *r)
{
	uintptr_t h = (uintptr_t)e * 31 + (uintptr_t)r;

	return &ap_regs_locks[(h >> 4) % AP_REGS_LOCKS];
}

/* The text of `registers` now (f->lock held). */
static int make_listing(struct ap_fs *fs, struct ap_regs_file *f)
{
	const struct ap_regs_dev *dev = f->n.dev;
	int fds[AP_NR_BARS][4];
	char *buf = NULL, line[4096];
	size_t size = 0;
	int ret = 0;
	FILE *out;

	memset(fds, -1, sizeof(fds));
	out = open_memstream(&buf, &size);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < dev->n_list && !ret; i++) {
		const struct regs_block *b = dev->lb[i];
		const struct regs_register *r = dev->lr[i];
		int *fd = &fds[b->bar][__builtin_ctz(regs_access_bytes(r))];
		uint64_t v;

		if (!(r->access & REGS_READ))
			continue;
		if (r->read_action) {
			regs_format_line(b, r, NULL, "skipped", line,
					 sizeof(line));
			fputs(line, out);
			continue;
		}
		if (*fd < 0)
			*fd = open_reg(fs, f->n.entry, b, r);
		ret = *fd < 0 ? *fd : access_reg(fs, f->n.entry, *fd, b, r,
						 false, &v);
		/* One register the BAR cannot give does not hide the rest;
		 * a function that is gone ends the listing. */
		if (ret && ret != -ENODEV && ret != -ENOMEM) {
			regs_format_line(b, r, NULL, ret == -EOPNOTSUPP ?
					 "unsupported" : "unreadable", line,
					 sizeof(line));
			ret = 0;
		} else if (!ret) {
			regs_format_line(b, r, &v, NULL, line, sizeof(line));
		}
		if (!ret)
			fputs(line, out);
	}
	for (int i = 0; i < AP_NR_BARS; i++)
		for (int j = 0; j < 4; j++)
			if (fds[i][j] >= 0)
				close(fds[i][j]);
	if (fclose(out) || ret) {
		free(buf);
		return ret ? ret : -ENOMEM;
	}
	free(f->text);
	f->text = buf;
	f->len = size;
	return 0;
}

/* The text of a register or field file now: one read of the register
 * (f->lock held). */
static int make_value(struct ap_fs *fs, struct ap_regs_file *f)
{
	char num[REGS_VALUE_LEN];
	uint64_t v;
	int ret;

	ret = access_reg(fs, f->n.entry, f->fd, f->n.block, f->n.reg, false,
			 &v);
	if (ret)
		return ret;
	if (f->n.kind == AP_REGS_FIELD)
		regs_format_field(f->n.field, v, num, sizeof(num));
	else
		regs_format_register(f->n.reg, v, num, sizeof(num));
	free(f->text);
	f->len = asprintf(&f->text, "%s\n", num);
	if ((ssize_t)f->len < 0) {
		f->text = NULL;
		f->len = 0;
		return -ENOMEM;
	}
	return 0;
}

/* What open(2) may do here, for root as for anyone: the description. */
static int check_open(struct ap_fs *fs, const struct ap_regs_node *n,
		      int flags)
{
	unsigned int want = 0;

	if (n->kind == AP_REGS_DIR || n->kind == AP_REGS_BLOCK)
		return -EISDIR;
	if ((flags & O_ACCMODE) != O_WRONLY)
		want |= REGS_READ;
	if ((flags & O_ACCMODE) != O_RDONLY)
		want |= REGS_WRITE;
	if (n->kind == AP_REGS_LIST)
		return want & REGS_WRITE ? -EACCES : 0;
	if (n->kind == AP_REGS_CHECK)
		return 0;	/* the mount's mode; nothing is accessed */
	if (want & ~ap_regs_rights(n))
		return -EACCES;
	if ((want & REGS_WRITE) && fs->ro)
		return -EROFS;
	return 0;
}

bool ap_regs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_regs_file *f;
	int ret;

	if (!ap_regs_ino(ino))
		return false;
	f = calloc(1, sizeof(*f));
	if (!f) {
		fuse_reply_err(req, ENOMEM);
		return true;
	}
	f->fd = -1;
	pthread_mutex_init(&f->lock, NULL);
	ret = ap_regs_node(fs, ino, &f->n);
	if (!ret)
		ret = check_open(fs, &f->n, fi->flags);
	if (!ret && f->n.kind != AP_REGS_LIST && f->n.kind != AP_REGS_CHECK) {
		f->fd = open_reg(fs, f->n.entry, f->n.block, f->n.reg);
		ret = f->fd < 0 ? f->fd : 0;
	}
	if (ret) {
		pthread_mutex_destroy(&f->lock);
		free(f);
		fuse_reply_err(req, -ret);
		return true;
	}
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->noflush = 1;
	fi->fh = (uintptr_t)f;
	ap_tree_hold(fs->tree, f->n.entry);
	if (fuse_reply_open(req, fi) < 0) {
		ap_tree_release(fs->tree, f->n.entry);
		if (f->fd >= 0)
			close(f->fd);
		pthread_mutex_destroy(&f->lock);
		free(f);
	}
	return true;
}

bool ap_regs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		  struct fuse_file_info *fi)
{
	struct ap_regs_file *f = (struct ap_regs_file *)(uintptr_t)fi->fh;
	struct ap_fs *fs = ap_fs_of(req);
	char *part = NULL;
	size_t len = 0;
	int ret = 0;

	if (!ap_regs_ino(ino))
		return false;
	/*
	 * The part asked for is copied out under the lock and replied from
	 * the copy: once the reply is in, the caller may close the file,
	 * and its release free @f, before this thread goes on.
	 */
	pthread_mutex_lock(&f->lock);
	if (f->n.kind == AP_REGS_CHECK)
		;			/* the answer to the last request */
	else if (off == 0 || !f->text)
		ret = f->n.kind == AP_REGS_LIST ? make_listing(fs, f)
						: make_value(fs, f);
	if (!ret && (size_t)off < f->len) {
		len = size < f->len - off ? size : f->len - off;
		part = malloc(len);
		if (part)
			memcpy(part, f->text + off, len);
		else
			ret = -ENOMEM;
	}
	pthread_mutex_unlock(&f->lock);
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_buf(req, part, len);
	free(part);
	return true;
}

/* Writes @text to the register or field of @f. */
static int write_value(struct ap_fs *fs, struct ap_regs_file *f,
		       const char *text, size_t len)
{
	const struct ap_regs_node *n = &f->n;
	pthread_mutex_t *lock;
	uint64_t v, old;
	char msg[1024];
	int ret;

	ret = ap_regs_write_ok(n, text, len, &v, msg, sizeof(msg));
	if (ret) {
		fuse_log(FUSE_LOG_WARNING, "aperturefs: %s %s: nothing "
			 "written\n", n->entry->func.slot, msg);
		ap_regs_note_refusal(n->entry, msg);
		return ret;
	}
	lock = reg_lock(n->entry, n->reg);
	pthread_mutex_lock(lock);
	if (n->field && !regs_field_covers(n->reg, n->field)) {
		ret = access_reg(fs, n->entry, f->fd, n->block, n->reg, false,
				 &old);
		v = regs_field_merge(n->reg, n->field, old, v);
	} else if (n->field) {
		v = regs_field_set(n->field, 0, v);
	}
	if (!ret)
		ret = access_reg(fs, n->entry, f->fd, n->block, n->reg, true,
				 &v);
	pthread_mutex_unlock(lock);
	return ret;
}

/* A request to regs/.check: its answer becomes the file's text. */
static int write_check(struct ap_fs *fs, struct ap_regs_file *f,
		       const char *text, size_t len)
{
	char *answer = NULL;
	int ret = ap_regs_check(fs, &f->n, text, len, &answer);

	pthread_mutex_lock(&f->lock);
	free(f->text);
	f->text = answer;
	f->len = answer ? strlen(answer) : 0;
	pthread_mutex_unlock(&f->lock);
	return ret;
}

bool ap_regs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		   size_t size, off_t off, struct fuse_file_info *fi)
{
	struct ap_regs_file *f = (struct ap_regs_file *)(uintptr_t)fi->fh;
	int ret;

	if (!ap_regs_ino(ino))
		return false;
	if (f->n.kind == AP_REGS_CHECK) {
		ret = size > 1024 ? -EINVAL
				  : write_check(ap_fs_of(req), f, buf, size);
		goto reply;
	}
	if (f->n.kind == AP_REGS_LIST)
		ret = -EBADF;
	else if (size > 128)
		ret = -EINVAL;
	else
		ret = write_value(ap_fs_of(req), f, buf, size);
	/* The next read at any offset reads the device again. */
	pthread_mutex_lock(&f->lock);
	free(f->text);
	f->text = NULL;
	f->len = 0;
	pthread_mutex_unlock(&f->lock);
reply:
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_write(req, size);
	return true;
}

bool ap_regs_release(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi)
{
	struct ap_regs_file *f = (struct ap_regs_file *)(uintptr_t)fi->fh;

	if (!ap_regs_ino(ino))
		return false;
	if (f->fd >= 0)
		close(f->fd);
	ap_tree_release(ap_fs_of(req)->tree, f->n.entry);
	free(f->text);
	pthread_mutex_destroy(&f->lock);
	free(f);
	fuse_reply_err(req, 0);
	return true;
}

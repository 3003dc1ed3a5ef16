// SPDX-License-Identifier: MIT
/*
 * own_file.c - the files of an owned function's dma/ and irq/ (own.h):
 * open, read, write and release of the text files (dma/mask, dma/master,
 * dma/NAME.addr, irq/mode) and of buffers; vectors are own_irq.c's.
 *
 * A text file's content is made at open, as info's is; a write is parsed
 * whole and done at once (one echo, one call), its errors named in the
 * log.  A buffer is read and written through its backend descriptor by
 * the daemon (direct_io, bounded by its size: reads past the end give 0,
 * writes ENOSPC), and mapped through FUSE passthrough of that descriptor
 * where the mount has passthrough, as BAR files are; a file opened before
 * the buffer had a size (the create of `truncate -s`) cannot be mapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "own.h"

void ap_irq_mode_text(uint32_t type, uint32_t count, char *buf, size_t len)
{
	switch (type) {
	case APERTURE_IO_IRQ_INTX:
		snprintf(buf, len, "intx");
		break;
	case APERTURE_IO_IRQ_MSI:
		snprintf(buf, len, "msi %u", count);
		break;
	case APERTURE_IO_IRQ_MSIX:
		snprintf(buf, len, "msix %u", count);
		break;
	default:
		snprintf(buf, len, "off");
		break;
	}
}

/* The text of @f's file now (locked): 0 or -errno. */
static int ap_own_text(struct ap_fs *fs, struct ap_own_file *f)
{
	struct aperture_io_func fi;
	char buf[64];
	int ret = 0;

	switch (f->n.kind) {
	case AP_OWN_MASK:
	case AP_OWN_MASTER:
		ret = ap_backend_func_info(fs->be, &f->n.own->func, &fi);
		snprintf(buf, sizeof(buf), "%u\n", f->n.kind == AP_OWN_MASK ?
			 fi.dma_bits : fi.master);
		break;
	case AP_OWN_MODE:
		ap_irq_mode_text(f->n.own->irq_type, f->n.own->nvec, buf,
				 sizeof(buf) - 1);
		strcat(buf, "\n");
		break;
	default:
		snprintf(buf, sizeof(buf), "0x%llx\n",
			 (unsigned long long)f->n.buf->addr);
		break;
	}
	if (ret)
		return ret;
	f->text = strdup(buf);
	f->len = strlen(buf);
	return f->text ? 0 : -ENOMEM;
}

/* A buffer's backing file for passthrough, once per buffer (locked). */
static void ap_own_backing(fuse_req_t req, struct ap_fs *fs,
			   struct ap_own_file *f, struct fuse_file_info *fi)
{
	struct ap_dmabuf *b = f->n.buf;

	if (!fs->pt_active || b->fd < 0)
		return;
	if (!b->backing_id) {
		b->backing_id = ap_compat_backing_open(req, b->fd);
		if (b->backing_id <= 0) {
			fuse_log(FUSE_LOG_ERR, "aperturefs: %s dma/%s: the "
				 "kernel refused the buffer as backing file "
				 "(%s); mmap is unavailable\n",
				 f->n.own->func.slot, b->name, strerror(errno));
			b->backing_id = 0;
			return;
		}
	}
	ap_compat_set_backing(fi, b->backing_id);
	if (fs->passthrough == AP_PASSTHROUGH_ALL &&
	    fs->be->ops->rw_passthrough)
		fi->direct_io = 0;
}

/* Drop what an open of @f took on its buffer or vector. */
static void ap_own_close(fuse_req_t req, struct ap_own_file *f)
{
	pthread_mutex_lock(&ap_own_lock);
	if (f->n.kind == AP_OWN_BUF) {
		f->n.buf->nopen--;
		ap_dmabuf_put(req, f->n.buf);
	} else if (f->n.kind == AP_OWN_VEC) {
		ap_vec_release(f);
	}
	pthread_mutex_unlock(&ap_own_lock);
}

bool ap_own_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	bool wr = (fi->flags & O_ACCMODE) != O_RDONLY;
	struct ap_own_file *f;
	int ret;

	if (!ap_own_ino(ino))
		return false;
	f = calloc(1, sizeof(*f));
	if (!f) {
		fuse_reply_err(req, ENOMEM);
		return true;
	}
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->noflush = 1;
	pthread_mutex_lock(&ap_own_lock);
	ret = ap_own_node(fs, ino, &f->n);
	if (!ret && wr && fs->ro)
		ret = -EROFS;
	if (!ret) {
		switch (f->n.kind) {
		case AP_OWN_DMA:
		case AP_OWN_IRQ:
			ret = -EISDIR;
			break;
		case AP_OWN_BUF:
			f->n.buf->nopen++;
			ap_own_backing(req, fs, f, fi);
			break;
		case AP_OWN_VEC:
			f->n.vec->refs++;
			f->vnext = f->n.vec->files;
			f->n.vec->files = f;
			fi->nonseekable = 1;
			break;
		case AP_OWN_ADDR:
			ret = wr ? -EACCES : ap_own_text(fs, f);
			break;
		default:
			ret = ap_own_text(fs, f);
			break;
		}
	}
	if (!ret)
		ap_tree_hold(fs->tree, f->n.entry);
	pthread_mutex_unlock(&ap_own_lock);
	if (ret) {
		free(f->text);
		free(f);
		fuse_reply_err(req, -ret);
		return true;
	}
	fi->fh = (uintptr_t)f;
	if (fuse_reply_open(req, fi) < 0) {
		/* The opener went away (interrupted): undo the open. */
		ap_own_close(req, f);
		ap_tree_release(fs->tree, f->n.entry);
		free(f->text);
		free(f);
	}
	return true;
}

bool ap_own_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		 struct fuse_file_info *fi)
{
	struct ap_own_file *f = (struct ap_own_file *)(uintptr_t)fi->fh;
	struct ap_dmabuf *b = f->n.buf;
	ssize_t n;
	char *buf;

	if (!ap_own_ino(ino))
		return false;
	if (f->n.kind == AP_OWN_VEC) {
		ap_vec_read(req, f, size, fi);
		return true;
	}
	/* A copy: the reader's close may free the text while the reply is
	 * being written (see ap_read() of info). */
	buf = malloc(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return true;
	}
	if (f->n.kind != AP_OWN_BUF) {
		n = (size_t)off >= f->len ? 0 :
		    (ssize_t)(size < f->len - off ? size : f->len - off);
		memcpy(buf, f->text + (n ? off : 0), n);
	} else {
		n = b->fd < 0 ? 0 : ap_bar_pread(NULL, b->fd, b->size, buf,
						 size, off);
	}
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
	return true;
}

/* An unsigned decimal number, the whole of @s but spaces: true if so. */
static bool ap_own_number(const char *s, unsigned long max,
			  unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	while (*end == ' ' || *end == '\n' || *end == '\t')
		end++;
	return !errno && !*end && *out <= max;
}

/* "off", "intx", "msi [N]", "msix [N]" into a type and a count. */
static bool ap_own_parse_mode(const char *s, uint32_t *type, uint32_t *count)
{
	static const char *const names[] = { "off", "intx", "msi", "msix" };
	unsigned long n = 1;
	size_t len = strcspn(s, " \t\n");

	for (uint32_t t = 0; t < 4; t++) {
		if (len != strlen(names[t]) || strncmp(s, names[t], len))
			continue;
		s += len;
		s += strspn(s, " \t");
		if (*s && *s != '\n' &&
		    !ap_own_number(s, AP_OWN_MAX_VECS, &n))
			return false;
		if (t == APERTURE_IO_IRQ_NONE && (*s && *s != '\n'))
			return false;
		*type = t;
		*count = t == APERTURE_IO_IRQ_NONE ? 0 : n;
		return true;
	}
	return false;
}

/* A write to dma/mask, dma/master or irq/mode (locked): 0 or -errno. */
static int ap_own_set(struct ap_fs *fs, struct ap_own_file *f,
		      const char *text)
{
	struct aperture_io_func fi;
	unsigned long cmd, v;
	uint32_t type, count;
	const char *what;
	int ret;

	if (f->n.kind == AP_OWN_MODE) {
		what = "irq/mode";
		if (!ap_own_parse_mode(text, &type, &count))
			goto err_syntax;
		return ap_own_set_mode(fs, f->n.own, type, count);
	}
	what = f->n.kind == AP_OWN_MASK ? "dma/mask" : "dma/master";
	if (!ap_own_number(text, f->n.kind == AP_OWN_MASK ? 64 : 1, &v))
		goto err_syntax;
	memset(&fi, 0, sizeof(fi));
	fi.value = v;
	cmd = f->n.kind == AP_OWN_MASK ? APERTURE_IO_SET_DMA_MASK :
					 APERTURE_IO_SET_MASTER;
	ret = ap_backend_own(fs->be, &f->n.own->func, cmd, &fi, sizeof(fi));
	if (ret < 0)
		fuse_log(FUSE_LOG_WARNING, "aperturefs: %s %s: %lu refused: "
			 "%s\n", f->n.own->func.slot, what, v, strerror(-ret));
	return ret;

err_syntax:
	fuse_log(FUSE_LOG_NOTICE, "aperturefs: %s %s: '%s' is not %s (EINVAL)\n",
		 f->n.own->func.slot, what, text,
		 f->n.kind == AP_OWN_MODE ? "off, intx, msi N or msix N" :
		 f->n.kind == AP_OWN_MASK ? "a width in bits, 12 to 64" :
					    "0 or 1");
	return -EINVAL;
}

bool ap_own_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		  size_t size, off_t off, struct fuse_file_info *fi)
{
	struct ap_own_file *f = (struct ap_own_file *)(uintptr_t)fi->fh;
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_dmabuf *b = f->n.buf;
	char text[64];
	ssize_t n;

	if (!ap_own_ino(ino))
		return false;
	switch (f->n.kind) {
	case AP_OWN_VEC:
		ap_vec_write(req, f, buf, size);
		return true;
	case AP_OWN_BUF:
		n = b->fd < 0 ? -ENOSPC : ap_bar_pwrite(NULL, b->fd, b->size,
							buf, size, off);
		break;
	case AP_OWN_ADDR:
		n = -EBADF;
		break;
	default:
		if (size >= sizeof(text)) {
			n = -EINVAL;
			break;
		}
		memcpy(text, buf, size);
		text[size] = 0;
		text[strcspn(text, "\n")] = 0;
		pthread_mutex_lock(&ap_own_lock);
		n = ap_own_set(fs, f, text);
		pthread_mutex_unlock(&ap_own_lock);
		if (!n)
			n = size;
		break;
	}
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_write(req, n);
	return true;
}

bool ap_own_release(fuse_req_t req, fuse_ino_t ino,
		    struct fuse_file_info *fi)
{
	struct ap_own_file *f = (struct ap_own_file *)(uintptr_t)fi->fh;

	if (!ap_own_ino(ino))
		return false;
	ap_own_close(req, f);
	ap_tree_release(ap_fs_of(req)->tree, f->n.entry);
	free(f->text);
	free(f);
	fuse_reply_err(req, 0);
	return true;
}

// SPDX-License-Identifier: MIT
/*
 * own_buf.c - DMA buffers in dma/ (own.h): made by create, allocated by
 * the first size they are given (DMA_ALLOC), removed by unlink, freed
 * with their last open file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "own.h"

/*
 * A buffer's size is set once: a size given to an empty buffer allocates
 * it (DMA_ALLOC); the same size again, or 0 (O_TRUNC of a shell's
 * redirection) changes nothing; another size is EBUSY (remove and make
 * it again).  Other files ignore sizes, as BAR files do.
 */
static int ap_own_resize(struct ap_fs *fs, struct ap_own_node *n,
			 uint64_t size)
{
	struct aperture_io_dma d;
	struct ap_dmabuf *b = n->buf;
	int ret;

	if (n->kind == AP_OWN_DMA || n->kind == AP_OWN_IRQ)
		return -EISDIR;
	if (n->kind != AP_OWN_BUF || !size || size == b->size)
		return 0;
	if (b->size) {
		fuse_log(FUSE_LOG_NOTICE, "aperturefs: %s dma/%s: cannot "
			 "resize a buffer of %llu bytes to %llu (EBUSY): "
			 "remove it and make it again\n", n->own->func.slot,
			 b->name, (unsigned long long)b->size,
			 (unsigned long long)size);
		return -EBUSY;
	}
	memset(&d, 0, sizeof(d));
	d.size = size;
	ret = ap_backend_own(fs->be, &n->own->func, APERTURE_IO_DMA_ALLOC, &d,
			     sizeof(d));
	if (ret < 0) {
		fuse_log(FUSE_LOG_WARNING, "aperturefs: %s dma/%s: cannot "
			 "allocate %llu bytes: %s\n", n->own->func.slot,
			 b->name, (unsigned long long)size, strerror(-ret));
		return ret;
	}
	b->fd = d.fd;
	b->size = d.size;
	b->addr = d.dma_addr;
	return 0;
}

bool ap_own_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		    int to_set, struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_own_node n;
	struct stat st;
	int ret;

	if (!ap_own_ino(ino))
		return false;
	pthread_mutex_lock(&ap_own_lock);
	ret = ap_own_node(fs, ino, &n);
	if (!ret && (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID |
			       FUSE_SET_ATTR_GID)))
		ret = -EPERM;
	if (!ret && (to_set & FUSE_SET_ATTR_SIZE))
		ret = fs->ro ? -EROFS : ap_own_resize(fs, &n, attr->st_size);
	if (!ret)
		ap_own_stat(fs, &n, &st);
	pthread_mutex_unlock(&ap_own_lock);
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, 0.0);
	return true;
}

/* Is @name a name a new buffer may take? */
static bool ap_buf_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len < 256 && strcmp(name, "mask") && strcmp(name, "master") &&
	       (len < 5 || strcmp(name + len - 5, ".addr"));
}

bool ap_own_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		   mode_t mode, struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct fuse_entry_param e;
	struct ap_own_file *f;
	struct ap_own_node d;
	struct ap_dmabuf *b;
	int ret;

	if (!ap_own_ino(parent))
		return false;
	pthread_mutex_lock(&ap_own_lock);
	ret = ap_own_node(fs, parent, &d);
	if (!ret && d.kind != AP_OWN_DMA)
		ret = -EACCES;
	else if (!ret && fs->ro)
		ret = -EROFS;
	else if (!ret && (!ap_buf_name_ok(name) ||
			  ap_buf_by_name(d.own, name)))
		ret = -EEXIST;
	b = ret ? NULL : calloc(1, sizeof(*b));
	f = b ? calloc(1, sizeof(*f)) : NULL;
	if (!ret && !f) {
		free(b);
		ret = -ENOMEM;
	}
	if (ret) {
		pthread_mutex_unlock(&ap_own_lock);
		fuse_reply_err(req, -ret);
		return true;
	}
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->fd = -1;
	b->serial = d.own->serial++;
	b->nopen = 1;
	b->next = d.own->bufs;
	d.own->bufs = b;
	f->n = d;
	f->n.kind = AP_OWN_BUF;
	f->n.buf = b;
	f->n.ino = ap_own_node_ino(d.own, AP_OWN_ID_BUF + 2 * b->serial);
	memset(&e, 0, sizeof(e));
	ap_own_stat(fs, &f->n, &e.attr);
	e.ino = f->n.ino;
	e.generation = d.entry->generation;
	ap_tree_ref(fs->tree, d.entry);
	ap_tree_hold(fs->tree, d.entry);
	fi->direct_io = 1;
	fi->fh = (uintptr_t)f;
	if (fuse_reply_create(req, &e, fi) < 0) {
		ap_tree_forget(fs->tree, ap_own_forget_ino(e.ino), 1);
		ap_tree_release(fs->tree, d.entry);
		b->nopen--;
		free(f);
	}
	pthread_mutex_unlock(&ap_own_lock);
	return true;
}

bool ap_own_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_dmabuf **p;
	struct ap_own_node d;
	int64_t id;
	int ret;

	if (!ap_own_ino(parent))
		return false;
	pthread_mutex_lock(&ap_own_lock);
	ret = ap_own_node(fs, parent, &d);
	id = ret ? ret : ap_own_child(&d, name);
	if (id >= 0 && id < AP_OWN_ID_BUF)
		id = -EPERM;	/* mask, master, mode, vectors */
	else if (id >= 0 && (id - AP_OWN_ID_BUF) % 2)
		id = -EPERM;	/* NAME.addr goes with NAME */
	if (id >= 0) {
		for (p = &d.own->bufs; strcmp((*p)->name, name);
		     p = &(*p)->next)
			;
		struct ap_dmabuf *b = *p;

		*p = b->next;
		b->removed = true;
		ap_dmabuf_put(req, b);
	}
	pthread_mutex_unlock(&ap_own_lock);
	fuse_reply_err(req, id < 0 ? -id : 0);
	return true;
}

// SPDX-License-Identifier: MIT
/*
 * own_tree.c - the names of an owned function's dma/ and irq/ (own.h):
 * what the daemon keeps per owned function, inode numbers, lookup,
 * attributes, listings, buffers made by create and removed by unlink,
 * and the lines info shows.
 *
 * Whether a function is owned is the backend's answer (FUNC_INFO) at each
 * lookup, listing and info: a function released behind the daemon's back
 * loses dma/ and irq/ at the next one, its buffers are closed as their
 * files close and its vectors read ENODEV.  Names and attributes are not
 * cached by the kernel (timeouts 0): buffers come and go, sizes change.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"
#include "own.h"

pthread_mutex_t ap_own_lock = PTHREAD_MUTEX_INITIALIZER;

/* Every owned function the daemon keeps something of. */
static struct ap_own *ap_owns;

uint64_t ap_own_node_ino(const struct ap_own *o, uint32_t id)
{
	return AP_OWN_INO_BIT | (uint64_t)o->index << 32 | id;
}

uint64_t ap_own_forget_ino(uint64_t ino)
{
	return ap_own_ino(ino) ? ap_tree_entry_ino((ino >> 32) & 0x1fffffff)
			       : ino;
}

void ap_dmabuf_put(fuse_req_t req, struct ap_dmabuf *b)
{
	if (b->nopen || !b->removed)
		return;
	if (b->backing_id > 0 && req)
		ap_compat_backing_close(req, b->backing_id);
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

/* Forget everything of @o (released, or gone): buffers close with their
 * last file, vectors read ENODEV. */
static void ap_own_drop(fuse_req_t req, struct ap_own *o)
{
	struct ap_own **p;

	for (p = &ap_owns; *p && *p != o; p = &(*p)->next)
		;
	if (*p)
		*p = o->next;
	ap_own_kill_vecs(o);
	while (o->bufs) {
		struct ap_dmabuf *b = o->bufs;

		o->bufs = b->next;
		b->removed = true;
		ap_dmabuf_put(req, b);
	}
	free(o);
}

void ap_own_drop_all(void)
{
	while (ap_owns)
		ap_own_drop(NULL, ap_owns);
}

/*
 * What the daemon keeps of @e if the backend says it is owned (locked):
 * made at the first look, dropped once it is not owned.  NULL: not owned.
 */
static struct ap_own *ap_own_of(struct ap_fs *fs, struct ap_entry *e)
{
	struct aperture_io_func fi;
	struct ap_own *o;
	bool owned;

	owned = !__atomic_load_n(&e->gone, __ATOMIC_RELAXED) &&
		!ap_backend_func_info(fs->be, &e->func, &fi) && fi.owned;
	for (o = ap_owns; o; o = o->next)
		if (o->index == e->index)
			break;
	if (o && (!owned || o->generation != e->generation)) {
		fuse_log(FUSE_LOG_INFO, "aperturefs: %s: no longer owned by "
			 "aperture_io: dma/ and irq/ are gone\n", o->func.slot);
		ap_own_drop(NULL, o);
		o = NULL;
	}
	if (o || !owned)
		return o;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->index = e->index;
	o->generation = e->generation;
	o->func = e->func;
	o->irq_type = fi.irq_type;
	o->next = ap_owns;
	ap_owns = o;
	/* Vectors enabled before this daemon looked (another mount, an
	 * earlier run) are shown again. */
	if (fi.irq_type != APERTURE_IO_IRQ_NONE)
		ap_own_show_vecs(fs, o, fi.irq_type, fi.irq_count);
	return o;
}

static struct ap_dmabuf *ap_buf_by_serial(struct ap_own *o, uint32_t s)
{
	struct ap_dmabuf *b;

	for (b = o->bufs; b && b->serial != s; b = b->next)
		;
	return b;
}

struct ap_dmabuf *ap_buf_by_name(struct ap_own *o, const char *name)
{
	struct ap_dmabuf *b;

	for (b = o->bufs; b && strcmp(b->name, name); b = b->next)
		;
	return b;
}

/* The owned function behind directory inode @dir, or NULL (locked). */
struct ap_own *ap_own_fn(struct ap_fs *fs, uint64_t dir,
				 struct ap_entry **e)
{
	struct ap_node n;

	if (ap_tree_node(fs->tree, dir, &n) || n.kind != AP_NODE_DIR)
		return NULL;
	*e = n.entry;
	return ap_own_of(fs, n.entry);
}

int ap_own_node(struct ap_fs *fs, uint64_t ino, struct ap_own_node *out)
{
	uint32_t id = (uint32_t)ino;
	struct ap_entry *e;
	struct ap_own *o;

	memset(out, 0, sizeof(*out));
	if (!ap_own_ino(ino))
		return -ENOENT;
	o = ap_own_fn(fs, ap_own_forget_ino(ino), &e);
	if (!o)
		return -ENOENT;
	out->ino = ino;
	out->entry = e;
	out->own = o;
	switch (id) {
	case AP_OWN_ID_DMA:
		out->kind = AP_OWN_DMA;
		return 0;
	case AP_OWN_ID_IRQ:
		out->kind = AP_OWN_IRQ;
		return 0;
	case AP_OWN_ID_MASK:
		out->kind = AP_OWN_MASK;
		return 0;
	case AP_OWN_ID_MASTER:
		out->kind = AP_OWN_MASTER;
		return 0;
	case AP_OWN_ID_MODE:
		out->kind = AP_OWN_MODE;
		return 0;
	}
	if (id >= AP_OWN_ID_VEC && id < AP_OWN_ID_VEC + o->nvec) {
		out->kind = AP_OWN_VEC;
		out->vec = o->vecs[id - AP_OWN_ID_VEC];
		return 0;
	}
	if (id >= AP_OWN_ID_BUF) {
		out->buf = ap_buf_by_serial(o, (id - AP_OWN_ID_BUF) / 2);
		out->kind = (id - AP_OWN_ID_BUF) % 2 ? AP_OWN_ADDR : AP_OWN_BUF;
		if (out->buf && (out->kind == AP_OWN_BUF || out->buf->size))
			return 0;
	}
	return -ENOENT;
}

void ap_own_stat(struct ap_fs *fs, const struct ap_own_node *n,
		 struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_atim = st->st_mtim = st->st_ctim = fs->mtime;
	st->st_blksize = 4096;
	st->st_nlink = 1;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	switch (n->kind) {
	case AP_OWN_DMA:
	case AP_OWN_IRQ:
		/* Writable by the mount's owner: buffers are made here. */
		st->st_mode = S_IFDIR | (n->kind == AP_OWN_DMA && !fs->ro ?
					 0775 & ~(fs->umask & 0022) : 0755);
		st->st_nlink = 2;
		break;
	case AP_OWN_ADDR:
		st->st_mode = S_IFREG | (0444 & ~fs->umask);
		break;
	case AP_OWN_BUF:
		st->st_size = n->buf->size;
		/* fall through */
	default:
		st->st_mode = S_IFREG | (0666 & ~fs->umask);
		if (fs->ro)
			st->st_mode &= ~0222;
		break;
	}
	st->st_blocks = (st->st_size + 511) / 512;
}

/* Answer a lookup of @n, counting it as a lookup of its function. */
void ap_own_reply_entry(fuse_req_t req, struct ap_fs *fs,
			       const struct ap_own_node *n)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	ap_own_stat(fs, n, &e.attr);
	e.ino = n->ino;
	e.generation = n->entry->generation;
	ap_tree_ref(fs->tree, n->entry);
	if (fuse_reply_entry(req, &e) < 0)
		ap_tree_forget(fs->tree, ap_own_forget_ino(n->ino), 1);
}

/* @name in dir @d: its node id, or -ENOENT (locked). */
int64_t ap_own_child(const struct ap_own_node *d, const char *name)
{
	const char *dot = strrchr(name, '.');
	struct ap_dmabuf *b;
	char vn[16];

	if (d->kind == AP_OWN_IRQ) {
		if (!strcmp(name, "mode"))
			return AP_OWN_ID_MODE;
		for (uint32_t v = 0; v < d->own->nvec; v++) {
			ap_vec_name(d->own->irq_type, v, vn, sizeof(vn));
			if (!strcmp(name, vn))
				return AP_OWN_ID_VEC + v;
		}
		return -ENOENT;
	}
	if (d->kind != AP_OWN_DMA)
		return -ENOTDIR;
	if (!strcmp(name, "mask"))
		return AP_OWN_ID_MASK;
	if (!strcmp(name, "master"))
		return AP_OWN_ID_MASTER;
	b = ap_buf_by_name(d->own, name);
	if (b)
		return AP_OWN_ID_BUF + 2 * (int64_t)b->serial;
	if (dot && !strcmp(dot, ".addr")) {
		char base[256];

		snprintf(base, sizeof(base), "%.*s", (int)(dot - name), name);
		b = ap_buf_by_name(d->own, base);
		if (b && b->size)
			return AP_OWN_ID_BUF + 2 * (int64_t)b->serial + 1;
	}
	return -ENOENT;
}

bool ap_own_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_own_node d, n;
	struct fuse_entry_param neg;
	struct ap_entry *e = NULL;
	struct ap_own *o;
	int64_t id;
	int ret;

	if (!ap_own_ino(parent) && strcmp(name, "dma") && strcmp(name, "irq"))
		return false;
	pthread_mutex_lock(&ap_own_lock);
	if (!ap_own_ino(parent)) {
		o = ap_own_fn(fs, parent, &e);
		if (!o) {
			pthread_mutex_unlock(&ap_own_lock);
			/* Not owned now: a negative entry the kernel does not
			 * keep, so that dma/ shows at the next look after an
			 * own (the tree's own would last 60 s). */
			if (!e)
				return false;
			memset(&neg, 0, sizeof(neg));
			fuse_reply_entry(req, &neg);
			return true;
		}
		ret = ap_own_node(fs, ap_own_node_ino(o, strcmp(name, "dma") ?
						      AP_OWN_ID_IRQ :
						      AP_OWN_ID_DMA), &n);
		id = ret;
	} else {
		ret = ap_own_node(fs, parent, &d);
		id = ret ? ret : ap_own_child(&d, name);
		if (id >= 0)
			id = ap_own_node(fs, ap_own_node_ino(d.own, id), &n);
	}
	if (id == -ENOENT) {
		memset(&neg, 0, sizeof(neg));
		fuse_reply_entry(req, &neg);
	} else if (id < 0) {
		fuse_reply_err(req, -id);
	} else {
		ap_own_reply_entry(req, fs, &n);
	}
	pthread_mutex_unlock(&ap_own_lock);
	return true;
}

bool ap_own_getattr(fuse_req_t req, fuse_ino_t ino)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_own_node n;
	struct stat st;
	int ret;

	if (!ap_own_ino(ino))
		return false;
	pthread_mutex_lock(&ap_own_lock);
	ret = ap_own_node(fs, ino, &n);
	if (!ret)
		ap_own_stat(fs, &n, &st);
	pthread_mutex_unlock(&ap_own_lock);
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, 0.0);
	return true;
}

// SPDX-License-Identifier: MIT
/*
 * own_dir.c - listings of an owned function (own.h): "dma" and "irq" in
 * its directory, the contents of dma/ and irq/, and the lines info shows
 * about ownership, DMA and interrupts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "own.h"

/* A listing of dma/ or irq/ as of opendir (fi->fh). */
struct ap_own_dir {
	char (*names)[256];		/* names */
	uint64_t *inos;			/* their inodes */
	mode_t *types;			/* and d_types */
	size_t n;			/* how many */
};

static void ap_dir_add(struct ap_own_dir *d, const char *name, uint64_t ino,
		       mode_t type)
{
	snprintf(d->names[d->n], sizeof(d->names[0]), "%s", name);
	d->inos[d->n] = ino;
	d->types[d->n++] = type;
}

bool ap_own_opendir(fuse_req_t req, fuse_ino_t ino,
		    struct fuse_file_info *fi)
{
	struct ap_fs *fs = ap_fs_of(req);
	struct ap_own_node n;
	struct ap_own_dir *d;
	struct ap_dmabuf *b;
	size_t max;
	char vn[16];
	int ret;

	if (!ap_own_ino(ino))
		return false;
	pthread_mutex_lock(&ap_own_lock);
	ret = ap_own_node(fs, ino, &n);
	if (!ret && n.kind != AP_OWN_DMA && n.kind != AP_OWN_IRQ)
		ret = -ENOTDIR;
	d = ret ? NULL : calloc(1, sizeof(*d));
	if (d) {
		max = 5 + n.own->nvec;
		for (b = n.own->bufs; b; b = b->next)
			max += 2;
		d->names = calloc(max, sizeof(*d->names));
		d->inos = calloc(max, sizeof(*d->inos));
		d->types = calloc(max, sizeof(*d->types));
	}
	if (!ret && (!d || !d->names || !d->inos || !d->types))
		ret = -ENOMEM;
	if (!ret) {
		ap_dir_add(d, ".", ino, S_IFDIR);
		ap_dir_add(d, "..", ap_own_forget_ino(ino), S_IFDIR);
		if (n.kind == AP_OWN_IRQ) {
			ap_dir_add(d, "mode",
				   ap_own_node_ino(n.own, AP_OWN_ID_MODE),
				   S_IFREG);
			for (uint32_t v = 0; v < n.own->nvec; v++) {
				ap_vec_name(n.own->irq_type, v, vn, sizeof(vn));
				ap_dir_add(d, vn, ap_own_node_ino(n.own,
						  AP_OWN_ID_VEC + v), S_IFREG);
			}
		} else {
			ap_dir_add(d, "mask", ap_own_node_ino(n.own,
				   AP_OWN_ID_MASK), S_IFREG);
			ap_dir_add(d, "master", ap_own_node_ino(n.own,
				   AP_OWN_ID_MASTER), S_IFREG);
			for (b = n.own->bufs; b; b = b->next) {
				uint64_t i = ap_own_node_ino(n.own,
					AP_OWN_ID_BUF + 2 * b->serial);
				char an[264];

				ap_dir_add(d, b->name, i, S_IFREG);
				snprintf(an, sizeof(an), "%s.addr", b->name);
				if (b->size && strlen(an) < 256)
					ap_dir_add(d, an, i + 1, S_IFREG);
			}
		}
	}
	pthread_mutex_unlock(&ap_own_lock);
	if (ret) {
		if (d) {
			free(d->names);
			free(d->inos);
			free(d->types);
		}
		free(d);
		fuse_reply_err(req, -ret);
		return true;
	}
	fi->fh = (uintptr_t)d;
	fi->cache_readdir = 0;
	fuse_reply_open(req, fi);
	return true;
}

bool ap_own_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct ap_own_dir *d = (struct ap_own_dir *)(uintptr_t)fi->fh;
	size_t used = 0;
	struct stat st;
	char *buf;

	if (!ap_own_ino(ino))
		return false;
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return true;
	}
	for (size_t i = off; i < d->n; i++) {
		size_t len;

		memset(&st, 0, sizeof(st));
		st.st_ino = d->inos[i];
		st.st_mode = d->types[i];
		len = fuse_add_direntry(req, buf + used, size - used,
					d->names[i], &st, i + 1);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
	return true;
}

bool ap_own_releasedir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct ap_own_dir *d = (struct ap_own_dir *)(uintptr_t)fi->fh;

	if (!ap_own_ino(ino))
		return false;
	free(d->names);
	free(d->inos);
	free(d->types);
	free(d);
	fuse_reply_err(req, 0);
	return true;
}

ssize_t ap_own_list_fn(struct ap_fs *fs, fuse_ino_t ino,
		       struct ap_dirent **v, ssize_t n)
{
	struct ap_dirent *nv;
	struct ap_entry *e;
	struct ap_own *o;

	if (n < 0 || ap_own_ino(ino))
		return n;
	pthread_mutex_lock(&ap_own_lock);
	o = ap_own_fn(fs, ino, &e);
	if (!o) {
		pthread_mutex_unlock(&ap_own_lock);
		return n;
	}
	nv = realloc(*v, (n + 2) * sizeof(*nv));
	if (nv) {
		*v = nv;
		for (int i = 0; i < 2; i++) {
			snprintf(nv[n + i].name, sizeof(nv[0].name), "%s",
				 i ? "irq" : "dma");
			memset(&nv[n + i].node, 0, sizeof(nv[0].node));
			nv[n + i].node.kind = AP_NODE_DIR;
			nv[n + i].node.entry = e;
			nv[n + i].node.ino = ap_own_node_ino(o, i ?
							     AP_OWN_ID_IRQ :
							     AP_OWN_ID_DMA);
		}
	}
	pthread_mutex_unlock(&ap_own_lock);
	return nv ? n + 2 : -ENOMEM;
}

static const char *ap_iommu_name(uint32_t t)
{
	switch (t) {
	case APERTURE_IO_IOMMU_NONE:
		return "none";
	case APERTURE_IO_IOMMU_DMA:
		return "dma";
	case APERTURE_IO_IOMMU_IDENTITY:
		return "identity";
	default:
		return "other";
	}
}

ssize_t ap_own_info(struct ap_fs *fs, const struct ap_entry *e,
		    const char *driver, char **text, ssize_t len)
{
	struct aperture_io_func fi;
	struct ap_dmabuf *b;
	char *buf = NULL, mode[32];
	size_t size = 0, nb = 0;
	uint64_t bytes = 0;
	struct ap_own *o;
	int ret;
	FILE *f;

	if (len < 0)
		return len;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	fwrite(*text, 1, len, f);
	ret = ap_backend_func_info(fs->be, &e->func, &fi);
	fprintf(f, "owner: %s\n", !ret && fi.owned ? "aperture_io" :
		*driver ? driver : "none");
	if (!ret && fi.owned) {
		ap_irq_mode_text(fi.irq_type, fi.irq_count, mode, sizeof(mode));
		fprintf(f, "dma.master: %s\n", fi.master ? "on" : "off");
		fprintf(f, "dma.mask: %u\n", fi.dma_bits);
		fprintf(f, "dma.iommu: %s\n", ap_iommu_name(fi.iommu));
		fprintf(f, "dma.allocated: %u buffers, %llu bytes (limit %llu)\n",
			fi.dma_buffers, (unsigned long long)fi.dma_bytes,
			(unsigned long long)fi.dma_limit);
		pthread_mutex_lock(&ap_own_lock);
		o = ap_own_fn(fs, ap_tree_entry_ino(e->index),
			      &(struct ap_entry *){ NULL });
		for (b = o ? o->bufs : NULL; b; b = b->next) {
			nb++;
			bytes += b->size;
		}
		fprintf(f, "dma.buffers: %zu (%llu bytes)\n", nb,
			(unsigned long long)bytes);
		for (b = o ? o->bufs : NULL; b; b = b->next)
			fprintf(f, "dma.buffer: %s %llu bytes at 0x%llx\n",
				b->name, (unsigned long long)b->size,
				(unsigned long long)b->addr);
		pthread_mutex_unlock(&ap_own_lock);
		fprintf(f, "irq.mode: %s\n", mode);
		fprintf(f, "irq.possible:%s%s%s\n",
			fi.irq_max & 1 ? " intx" : "",
			fi.irq_max & 2 ? " msi" : "",
			fi.irq_max & 4 ? " msix" : "");
	}
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	free(*text);
	*text = buf;
	return size;
}

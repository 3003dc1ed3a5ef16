// SPDX-License-Identifier: MIT
/*
 * regs_dir.c - listings of the regs/ tree (regs/ holds the blocks by
 * name, and .check; a block holds its registers in offset order, each
 * followed by its fields as REGISTER.FIELD), the two names a function's
 * directory gains, and the lines its info file gains:
 *
 *   regs: yes | no (WHY)
 *   regs.bar<N>: FILE (B blocks, R registers, F fields)
 *   regs.error: FILE:LINE: PROBLEM
 *   regs.refused: regs/BLOCK/NAME: 'TEXT': WHY      (the last refused write)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "regs_tree.h"

/* One name of a listing, made when readdir asks for it. */
struct ap_regs_dent {
	const char *name;		/* block or register name */
	const char *field;		/* field name, or NULL */
	uint64_t ino;			/* its inode */
	bool dir;			/* a directory */
};

/* A directory listing as of opendir. */
struct ap_regs_dir {
	struct ap_regs_dent *v;		/* the names */
	size_t n, cap;			/* in use, allocated */
};

static int dent_add(struct ap_regs_dir *d, const char *name,
		    const char *field, uint64_t ino, bool dir)
{
	struct ap_regs_dent *v;

	if (d->n == d->cap) {
		v = realloc(d->v, (d->cap ? 2 * d->cap : 16) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = d->cap ? 2 * d->cap : 16;
	}
	d->v[d->n++] = (struct ap_regs_dent){ name, field, ino, dir };
	return 0;
}

static int list(const struct ap_regs_node *n, struct ap_regs_dir *d)
{
	const struct ap_regs_dev *dev = n->dev;
	const struct ap_regs_blk *bk = NULL;
	int ret;

	ret = dent_add(d, ".", NULL, n->ino, true);
	if (!ret)
		ret = dent_add(d, "..", NULL, n->ino, true);
	if (n->kind == AP_REGS_DIR) {
		uint64_t check = ap_regs_node_ino(n->entry, AP_REGS_CHECK_ID);

		if (!ret)
			ret = dent_add(d, ".check", NULL, check, false);
		for (size_t k = 0; !ret && k < dev->n_blks; k++)
			ret = dent_add(d, dev->blks[k].b->name, NULL,
				       ap_regs_node_ino(n->entry,
							dev->blks[k].id), true);
		return ret;
	}
	for (size_t k = 0; k < dev->n_blks; k++)
		if (dev->blks[k].b == n->block)
			bk = &dev->blks[k];
	for (size_t j = 0; !ret && j < n->block->n_regs; j++) {
		const struct regs_register *r = &n->block->regs[j];
		uint32_t id = bk->reg_id[j];

		ret = dent_add(d, r->name, NULL,
			       ap_regs_node_ino(n->entry, id), false);
		for (size_t f = 0; !ret && f < r->n_fields; f++)
			ret = dent_add(d, r->name, r->fields[f].name,
				       ap_regs_node_ino(n->entry, id + 1 + f),
				       false);
	}
	return ret;
}

bool ap_regs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ap_regs_dir *d;
	struct ap_regs_node n;
	int ret;

	if (!ap_regs_ino(ino))
		return false;
	ret = ap_regs_node(ap_fs_of(req), ino, &n);
	if (!ret && n.kind != AP_REGS_DIR && n.kind != AP_REGS_BLOCK)
		ret = -ENOTDIR;
	d = ret ? NULL : calloc(1, sizeof(*d));
	if (!ret && !d)
		ret = -ENOMEM;
	if (!ret)
		ret = list(&n, d);
	if (ret) {
		if (d)
			free(d->v);
		free(d);
		fuse_reply_err(req, -ret);
		return true;
	}
	fi->fh = (uintptr_t)d;
	if (fuse_reply_open(req, fi) < 0) {
		free(d->v);
		free(d);
	}
	return true;
}

bool ap_regs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct ap_regs_dir *d = (struct ap_regs_dir *)(uintptr_t)fi->fh;
	char name[512];
	size_t used = 0;
	struct stat st;
	char *buf;

	if (!ap_regs_ino(ino))
		return false;
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return true;
	}
	for (size_t i = off; i < d->n; i++) {
		const struct ap_regs_dent *de = &d->v[i];
		size_t len;

		if (de->field)
			snprintf(name, sizeof(name), "%s.%s", de->name,
				 de->field);
		else
			snprintf(name, sizeof(name), "%s", de->name);
		memset(&st, 0, sizeof(st));
		st.st_ino = de->ino;
		st.st_mode = de->dir ? S_IFDIR : S_IFREG;
		len = fuse_add_direntry(req, buf + used, size - used, name,
					&st, i + 1);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
	return true;
}

bool ap_regs_releasedir(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct ap_regs_dir *d = (struct ap_regs_dir *)(uintptr_t)fi->fh;

	if (!ap_regs_ino(ino))
		return false;
	free(d->v);
	free(d);
	fuse_reply_err(req, 0);
	return true;
}

ssize_t ap_regs_list_fn(struct ap_fs *fs, fuse_ino_t ino,
			struct ap_dirent **v, ssize_t n)
{
	struct ap_dirent *nv;
	struct ap_node node;

	if (n < 0 || ap_tree_node(fs->tree, ino, &node) ||
	    node.kind != AP_NODE_DIR ||
	    !ap_regs_find_dev(node.entry->func.vendor_id,
			      node.entry->func.device_id))
		return n;
	nv = realloc(*v, (n + 2) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	/* The kinds give readdir its d_type: a directory, a file. */
	snprintf(nv[n].name, sizeof(nv[n].name), "regs");
	nv[n].node = node;
	nv[n].node.ino = ap_regs_node_ino(node.entry, 0);
	snprintf(nv[n + 1].name, sizeof(nv[n + 1].name), "registers");
	nv[n + 1].node = node;
	nv[n + 1].node.kind = AP_NODE_INFO;
	nv[n + 1].node.ino = ap_regs_node_ino(node.entry, 1);
	return n + 2;
}

ssize_t ap_regs_info(struct ap_fs *fs, const struct ap_entry *e, char **text,
		     ssize_t len)
{
	const struct regs_set *set = ap_regs_set();
	const struct regs_bound *bd;
	char *buf = NULL, msg[600];
	size_t size = 0;
	bool any = false;
	FILE *f;

	if (len < 0 || !set)
		return len;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	fwrite(*text, 1, len, f);
	for (size_t i = 0; (bd = regs_set_get(set, e->func.vendor_id,
					       e->func.device_id, i)); i++)
		any |= bd->desc != NULL;
	bd = regs_set_get(set, e->func.vendor_id, e->func.device_id, 0);
	if (any)
		fprintf(f, "regs: yes\n");
	else if (bd)
		fprintf(f, "regs: no (its description does not load)\n");
	else
		fprintf(f, "regs: no (no description named %04x:%04x.svd or "
			".xml, -barN before the dot for BAR N)\n",
			e->func.vendor_id, e->func.device_id);
	for (size_t i = 0; (bd = regs_set_get(set, e->func.vendor_id,
					       e->func.device_id, i)); i++) {
		if (bd->desc) {
			fprintf(f, "regs.bar%d: %s (%zu blocks, %zu registers, "
				"%zu fields)\n", bd->bar, bd->path,
				bd->desc->n_blocks, bd->desc->n_registers,
				bd->desc->n_fields);
			continue;
		}
		regs_error_format(&bd->err, msg, sizeof(msg));
		fprintf(f, "regs.error: %s\n", msg);
	}
	if (ap_regs_last_refusal(e, msg, sizeof(msg)))
		fprintf(f, "regs.refused: %s\n", msg);
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	free(*text);
	*text = buf;
	return size;
}

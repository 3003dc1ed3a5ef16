// SPDX-License-Identifier: MIT
/*
 * regs_load.c - the descriptions a mount finds (-o regs=, then
 * /etc/aperturefs/regs, then the installed ones), merged per
 * vendor:device with node numbers and listing order for regs_tree.c, and
 * the writes refused per function, for info.
 *
 * The descriptions are loaded once, before mounting, and never change:
 * nothing here needs a lock but the table of refused writes.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "regs_bind.h"
#include "regs_tree.h"

#ifndef APERTURE_REGS_DATADIR
#define APERTURE_REGS_DATADIR "/usr/share/aperturefs/regs"
#endif
#define AP_REGS_ETC	"/etc/aperturefs/regs"

/* A refused write, for the function's info. */
struct ap_regs_refusal {
	char slot[AP_SLOT_LEN];		/* the function */
	char msg[256];			/* what and why */
};

static struct {
	char **paths;			/* -o regs=, in order */
	size_t n_paths;
	struct regs_set *set;		/* every description found */
	struct ap_regs_dev *devs;	/* per vendor:device with a model */
	size_t n_devs;
	pthread_mutex_t lock;		/* protects refusals */
	struct ap_regs_refusal *refusals;
	size_t n_refusals;
} ap_regs = { .lock = PTHREAD_MUTEX_INITIALIZER };

int ap_regs_opt(const char *path)
{
	char **p = realloc(ap_regs.paths, (ap_regs.n_paths + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	ap_regs.paths = p;
	p[ap_regs.n_paths] = strdup(path);
	if (!p[ap_regs.n_paths])
		return -ENOMEM;
	ap_regs.n_paths++;
	return 0;
}

/* ---- building the devices ---------------------------------------- */

static int blk_cmp(const void *a, const void *b)
{
	const struct ap_regs_blk *x = a, *y = b;

	return strcmp(x->b->name, y->b->name);
}

/* One line of the listing while it is sorted. */
struct list_item {
	const struct regs_block *b;
	const struct regs_register *r;
};

static int list_cmp(const void *pa, const void *pb)
{
	const struct list_item *x = pa, *y = pb;
	uint64_t a = x->b->base + x->r->offset;
	uint64_t b = y->b->base + y->r->offset;

	if (x->b->bar != y->b->bar)
		return x->b->bar - y->b->bar;
	if (a != b)
		return a < b ? -1 : 1;
	return strcmp(x->r->name, y->r->name);
}

/* Listing order: BAR, address, name (a sort in n log n: a description of
 * 200,000 registers took 50 s to sort by insertion). */
static int list_sort(struct ap_regs_dev *d)
{
	struct list_item *v = calloc(d->n_list + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_list; i++)
		v[i] = (struct list_item){ d->lb[i], d->lr[i] };
	qsort(v, d->n_list, sizeof(*v), list_cmp);
	for (size_t i = 0; i < d->n_list; i++) {
		d->lb[i] = v[i].b;
		d->lr[i] = v[i].r;
	}
	free(v);
	return 0;
}

/* Adds @desc's blocks to @d (a block name seen already is skipped). */
static int dev_add(struct ap_regs_dev *d, const struct regs_bound *bd)
{
	const struct regs_desc *desc = bd->desc;

	for (size_t i = 0; i < desc->n_blocks; i++) {
		const struct regs_block *b = &desc->blocks[i];
		struct ap_regs_blk *nb;
		bool dup = false;

		for (size_t k = 0; k < d->n_blks; k++)
			dup |= !strcmp(d->blks[k].b->name, b->name);
		if (dup) {
			fuse_log(FUSE_LOG_ERR, "aperturefs: %s:%d: block %s is "
				 "in another description of %04x:%04x too: "
				 "left out\n", bd->path, b->line, b->name,
				 d->vendor, d->device);
			continue;
		}
		nb = realloc(d->blks, (d->n_blks + 1) * sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		d->blks = nb;
		d->blks[d->n_blks++] = (struct ap_regs_blk){ .b = b };
	}
	return 0;
}

/* Node ids and the listing, once every block is in. */
static int dev_index(struct ap_regs_dev *d)
{
	size_t n = 0, l = 0;

	if (d->n_blks)		/* never qsort(NULL, 0) */
		qsort(d->blks, d->n_blks, sizeof(*d->blks), blk_cmp);
	for (size_t k = 0; k < d->n_blks; k++) {
		n++;
		for (size_t j = 0; j < d->blks[k].b->n_regs; j++)
			n += 1 + d->blks[k].b->regs[j].n_fields;
		l += d->blks[k].b->n_regs;
	}
	if (n + 2 > 0xffffffffu)
		return -EOVERFLOW;
	d->ids = calloc(n + 1, sizeof(*d->ids));
	d->lb = calloc(l + 1, sizeof(*d->lb));
	d->lr = calloc(l + 1, sizeof(*d->lr));
	if (!d->ids || !d->lb || !d->lr)
		return -ENOMEM;
	for (size_t k = 0; k < d->n_blks; k++) {
		struct ap_regs_blk *bk = &d->blks[k];

		bk->reg_id = calloc(bk->b->n_regs + 1, sizeof(*bk->reg_id));
		if (!bk->reg_id)
			return -ENOMEM;
		bk->id = d->n_ids + 2;
		d->ids[d->n_ids++] = (struct ap_regs_id){ AP_REGS_BLOCK, k,
							  0, 0 };
		for (size_t j = 0; j < bk->b->n_regs; j++) {
			const struct regs_register *r = &bk->b->regs[j];

			bk->reg_id[j] = d->n_ids + 2;
			d->ids[d->n_ids++] = (struct ap_regs_id){ AP_REGS_REG,
								  k, j, 0 };
			for (size_t f = 0; f < r->n_fields; f++)
				d->ids[d->n_ids++] = (struct ap_regs_id){
					AP_REGS_FIELD, k, j, f };
			d->lb[d->n_list] = bk->b;
			d->lr[d->n_list++] = r;
		}
	}
	return list_sort(d);
}

struct ap_regs_dev *ap_regs_find_dev(uint16_t vendor, uint16_t device)
{
	for (size_t i = 0; i < ap_regs.n_devs; i++)
		if (ap_regs.devs[i].vendor == vendor &&
		    ap_regs.devs[i].device == device)
			return &ap_regs.devs[i];
	return NULL;
}

static int build_devs(void)
{
	for (size_t i = 0; i < ap_regs.set->n; i++) {
		const struct regs_bound *bd = &ap_regs.set->v[i];
		struct ap_regs_dev *d;

		if (!bd->desc)
			continue;
		d = ap_regs_find_dev(bd->vendor, bd->device);
		if (!d) {
			d = realloc(ap_regs.devs,
				    (ap_regs.n_devs + 1) * sizeof(*d));
			if (!d)
				return -ENOMEM;
			ap_regs.devs = d;
			d = &ap_regs.devs[ap_regs.n_devs++];
			*d = (struct ap_regs_dev){ .vendor = bd->vendor,
						   .device = bd->device };
		}
		if (dev_add(d, bd))
			return -ENOMEM;
	}
	for (size_t i = 0; i < ap_regs.n_devs; i++)
		if (dev_index(&ap_regs.devs[i]))
			return -ENOMEM;
	return 0;
}

/* A place of -o regs=: a directory to search or a file named. */
static void add_place(const char *path, bool named)
{
	struct regs_error err;
	char msg[600];
	struct stat st;
	int ret;

	if (named && stat(path, &st))
		ap_die("-o regs=%s: %s", path, strerror(errno));
	if (!named || S_ISDIR(st.st_mode)) {
		ret = regs_set_add_dir(ap_regs.set, path);
		if (ret < 0 && named)
			ap_die("-o regs=%s: %s", path, strerror(-ret));
		return;
	}
	ret = regs_set_add_file(ap_regs.set, path, &err);
	if (ret == -ENOMEM)
		ap_die("out of memory");
	if (ret < 0) {
		regs_error_format(&err, msg, sizeof(msg));
		ap_die("%s", msg);
	}
}

void ap_regs_start(struct ap_fs *fs)
{
	char msg[600];

	ap_regs.set = regs_set_new();
	if (!ap_regs.set)
		ap_die("out of memory");
	for (size_t i = 0; i < ap_regs.n_paths; i++)
		add_place(ap_regs.paths[i], true);
	if (!ap_regs.n_paths)
		add_place(AP_REGS_ETC, false);
	add_place(APERTURE_REGS_DATADIR, false);
	for (size_t i = 0; i < ap_regs.set->n; i++) {
		const struct regs_bound *bd = &ap_regs.set->v[i];

		if (bd->desc) {
			fuse_log(FUSE_LOG_INFO, "aperturefs: regs: %s: "
				 "%04x:%04x bar%d, %zu registers\n", bd->path,
				 bd->vendor, bd->device, bd->bar,
				 bd->desc->n_registers);
			continue;
		}
		regs_error_format(&bd->err, msg, sizeof(msg));
		fuse_log(FUSE_LOG_ERR, "aperturefs: %s (%04x:%04x gets no "
			 "regs/ from it)\n", msg, bd->vendor, bd->device);
	}
	if (build_devs())
		ap_die("out of memory");
	/* Give back what the parse's XML trees took (measured with
	 * STM32H7A3x.svd: RSS 30 MB before, see README). */
	malloc_trim(0);
}

void ap_regs_stop(void)
{
	for (size_t i = 0; i < ap_regs.n_devs; i++) {
		struct ap_regs_dev *d = &ap_regs.devs[i];

		for (size_t k = 0; k < d->n_blks; k++)
			free(d->blks[k].reg_id);
		free(d->blks);
		free(d->ids);
		free(d->lb);
		free(d->lr);
	}
	free(ap_regs.devs);
	regs_set_free(ap_regs.set);
	for (size_t i = 0; i < ap_regs.n_paths; i++)
		free(ap_regs.paths[i]);
	free(ap_regs.paths);
	free(ap_regs.refusals);
}


const struct regs_set *ap_regs_set(void)
{
	return ap_regs.set;
}

void ap_regs_note_refusal(const struct ap_entry *e, const char *msg)
{
	struct ap_regs_refusal *r = NULL;

	pthread_mutex_lock(&ap_regs.lock);
	for (size_t i = 0; i < ap_regs.n_refusals; i++)
		if (!strcmp(ap_regs.refusals[i].slot, e->func.slot))
			r = &ap_regs.refusals[i];
	if (!r) {
		r = realloc(ap_regs.refusals,
			    (ap_regs.n_refusals + 1) * sizeof(*r));
		if (r) {
			ap_regs.refusals = r;
			r = &r[ap_regs.n_refusals++];
			snprintf(r->slot, sizeof(r->slot), "%s", e->func.slot);
		}
	}
	if (r)
		snprintf(r->msg, sizeof(r->msg), "%s", msg);
	pthread_mutex_unlock(&ap_regs.lock);
}

bool ap_regs_last_refusal(const struct ap_entry *e, char *buf, size_t len)
{
	bool found = false;

	pthread_mutex_lock(&ap_regs.lock);
	for (size_t i = 0; i < ap_regs.n_refusals; i++)
		if (!strcmp(ap_regs.refusals[i].slot, e->func.slot)) {
			snprintf(buf, len, "%s", ap_regs.refusals[i].msg);
			found = true;
		}
	pthread_mutex_unlock(&ap_regs.lock);
	return found;
}

// SPDX-License-Identifier: MIT
/*
 * tree.c - the tree aperturefs shows, and its inode numbers.
 *
 *   /                      AP_INO_ROOT
 *   by-id/                 AP_INO_BYID
 *   by-id/vvvv:dddd[-N]    a symlink to ../<slot> (-2, -3 ... where ids repeat)
 *   <slot>/                one directory per function with a BAR
 *   <slot>/barN            one file per implemented BAR
 *   <slot>/info            what the function and its BARs are
 *   <slot>/config          config space, read-only
 *
 * Inode numbers are fixed by an entry's slot: AP_INO_FIRST + 16 * index +
 * one of the AP_OFF_* offsets below.  A function that disappears is marked
 * gone and its inodes answer -ENODEV; its entry is freed once the kernel
 * has forgotten every lookup of its inodes and no file on it is open
 * (libfuse's passthrough_hp keeps the same counts), and only then can its
 * slot, and so its inode numbers, be reused: the kernel no longer knows
 * them.  Generations still tell a reused slot apart.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aperture.h"

#define AP_INO_FIRST	16	/* first inode of entry 0 */
#define AP_INO_PER	16	/* inodes reserved per entry */

/* Per-entry inode offsets. */
enum {
	AP_OFF_DIR = 0,
	AP_OFF_BAR0 = 1,	/* .. AP_OFF_BAR0 + 5 */
	AP_OFF_INFO = 7,
	AP_OFF_CONFIG = 8,
	AP_OFF_LINK = 9,
};

struct ap_tree {
	pthread_mutex_t lock;		/* protects everything below and
					 * every entry's byid, nlookup, nopen */
	struct ap_entry **entries;	/* by slot, NULL = free slot */
	size_t n;			/* slots in use or free, [0, n) */
	size_t cap;			/* slots allocated */
	size_t live;			/* entries allocated */
	uint64_t generation;		/* last generation handed out */
};

struct ap_tree *ap_tree_new(void)
{
	struct ap_tree *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

static void ap_entry_free(struct ap_entry *e)
{
	for (int b = 0; b < AP_NR_BARS; b++) {
		if (e->bars[b].fd >= 0)
			close(e->bars[b].fd);
		pthread_mutex_destroy(&e->bars[b].lock);
	}
	free(e);
}

void ap_tree_free(struct ap_tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		if (t->entries[i])
			ap_entry_free(t->entries[i]);
	free(t->entries);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static bool ap_entry_is_gone(const struct ap_entry *e)
{
	return __atomic_load_n(&e->gone, __ATOMIC_ACQUIRE);
}

static void ap_entry_mark_gone(struct ap_entry *e)
{
	__atomic_store_n(&e->gone, true, __ATOMIC_RELEASE);
}

/* Same function, same BARs: the entry still stands for it. */
static bool ap_func_same(const struct ap_func *a, const struct ap_func *b)
{
	return !strcmp(a->slot, b->slot) && a->vendor_id == b->vendor_id &&
	       a->device_id == b->device_id && a->class_id == b->class_id &&
	       !memcmp(a->bars, b->bars, sizeof(a->bars));
}

static struct ap_entry *ap_tree_add(struct ap_tree *t, const struct ap_func *f)
{
	struct ap_entry *e, **tmp;
	size_t slot;

	for (slot = 0; slot < t->n && t->entries[slot]; slot++)
		;
	if (slot == t->n && t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 32;

		tmp = realloc(t->entries, cap * sizeof(*tmp));
		if (!tmp)
			return NULL;
		t->entries = tmp;
		t->cap = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->func = *f;
	e->index = slot;
	e->generation = ++t->generation;
	for (int b = 0; b < AP_NR_BARS; b++)
		ap_bar_handle_init(&e->bars[b]);
	t->entries[slot] = e;
	if (slot == t->n)
		t->n++;
	t->live++;
	return e;
}

/* Free @e if it is gone and nothing holds it; called locked. */
static void ap_tree_reap(struct ap_tree *t, struct ap_entry *e)
{
	if (!ap_entry_is_gone(e) || e->nlookup || e->nopen)
		return;
	t->entries[e->index] = NULL;
	while (t->n && !t->entries[t->n - 1])
		t->n--;
	t->live--;
	ap_entry_free(e);
}

static int ap_entry_slot_cmp(const void *a, const void *b)
{
	const struct ap_entry *x = *(struct ap_entry *const *)a;
	const struct ap_entry *y = *(struct ap_entry *const *)b;

	return strcmp(x->func.slot, y->func.slot);
}

/* Give every live entry its by-id name, in slot order. */
static int ap_tree_name_ids(struct ap_tree *t)
{
	struct ap_entry **live;
	size_t n = 0;

	live = malloc((t->n + 1) * sizeof(*live));
	if (!live)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		if (!t->entries[i])
			continue;
		t->entries[i]->byid[0] = 0;
		if (!ap_entry_is_gone(t->entries[i]))
			live[n++] = t->entries[i];
	}
	qsort(live, n, sizeof(*live), ap_entry_slot_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct ap_func *f = &live[i]->func;
		unsigned int same = 0;

		for (size_t j = 0; j < i; j++)
			if (live[j]->func.vendor_id == f->vendor_id &&
			    live[j]->func.device_id == f->device_id)
				same++;
		if (same)
			snprintf(live[i]->byid, sizeof(live[i]->byid),
				 "%04x:%04x-%u", f->vendor_id, f->device_id,
				 same + 1);
		else
			snprintf(live[i]->byid, sizeof(live[i]->byid),
				 "%04x:%04x", f->vendor_id, f->device_id);
	}
	free(live);
	return 0;
}

int ap_tree_update(struct ap_tree *t, const struct ap_func *funcs, size_t n)
{
	int changes = 0, ret;
	bool *seen;

	seen = calloc(n + 1, sizeof(*seen));
	if (!seen)
		return -ENOMEM;
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->n; i++) {
		struct ap_entry *e = t->entries[i];
		bool found = false;

		if (!e || ap_entry_is_gone(e))
			continue;
		for (size_t j = 0; j < n; j++) {
			if (!seen[j] && ap_func_same(&e->func, &funcs[j])) {
				seen[j] = found = true;
				break;
			}
		}
		if (!found) {
			ap_entry_mark_gone(e);
			ap_tree_reap(t, e);
			changes++;
		}
	}
	for (size_t j = 0; j < n; j++) {
		if (seen[j])
			continue;
		if (!ap_tree_add(t, &funcs[j])) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		changes++;
	}
	ret = ap_tree_name_ids(t);
	if (!ret)
		ret = changes;
out_unlock:
	pthread_mutex_unlock(&t->lock);
	free(seen);
	return ret;
}

static void ap_node_set(struct ap_node *out, enum ap_node_kind kind,
			struct ap_entry *e, unsigned int off, int bar)
{
	out->kind = kind;
	out->entry = e;
	out->bar = bar;
	out->generation = e ? e->generation : 0;
	out->ino = e ? AP_INO_FIRST + (uint64_t)AP_INO_PER * e->index + off :
		       (kind == AP_NODE_ROOT ? AP_INO_ROOT : AP_INO_BYID);
}

/* Node at offset @off of @e, or -ENOENT; called with the lock held. */
static int ap_entry_node(struct ap_entry *e, unsigned int off,
			 struct ap_node *out)
{
	if (off == AP_OFF_DIR) {
		ap_node_set(out, AP_NODE_DIR, e, off, -1);
	} else if (off >= AP_OFF_BAR0 && off < AP_OFF_BAR0 + AP_NR_BARS) {
		if (!ap_func_has_bar(&e->func, off - AP_OFF_BAR0))
			return -ENOENT;
		ap_node_set(out, AP_NODE_BAR, e, off, off - AP_OFF_BAR0);
	} else if (off == AP_OFF_INFO) {
		ap_node_set(out, AP_NODE_INFO, e, off, -1);
	} else if (off == AP_OFF_CONFIG) {
		ap_node_set(out, AP_NODE_CONFIG, e, off, -1);
	} else if (off == AP_OFF_LINK) {
		if (!e->byid[0])
			return -ENOENT;
		ap_node_set(out, AP_NODE_LINK, e, off, -1);
	} else {
		return -ENOENT;
	}
	return 0;
}

int ap_tree_node(struct ap_tree *t, uint64_t ino, struct ap_node *out)
{
	uint64_t idx;
	int ret;

	if (ino == AP_INO_ROOT || ino == AP_INO_BYID) {
		ap_node_set(out, ino == AP_INO_ROOT ? AP_NODE_ROOT :
						      AP_NODE_BYID,
			    NULL, 0, -1);
		return 0;
	}
	if (ino < AP_INO_FIRST)
		return -ENOENT;
	idx = (ino - AP_INO_FIRST) / AP_INO_PER;
	pthread_mutex_lock(&t->lock);
	if (idx >= t->n || !t->entries[idx]) {
		ret = -ENOENT;
		goto out_unlock;
	}
	ret = ap_entry_node(t->entries[idx],
			    (ino - AP_INO_FIRST) % AP_INO_PER, out);
	if (!ret && ap_entry_is_gone(t->entries[idx]))
		ret = -ENODEV;
out_unlock:
	pthread_mutex_unlock(&t->lock);
	return ret;
}

/* Count one lookup of @node's entry (the kernel now holds the inode). */
static void ap_tree_count(struct ap_tree *t, const struct ap_node *node)
{
	if (!node->entry)
		return;
	pthread_mutex_lock(&t->lock);
	node->entry->nlookup++;
	pthread_mutex_unlock(&t->lock);
}

int ap_tree_lookup(struct ap_tree *t, uint64_t parent, const char *name,
		   struct ap_node *out)
{
	struct ap_node dir;
	int ret;

	ret = ap_tree_node(t, parent, &dir);
	if (ret < 0)
		return ret == -ENODEV ? -ENOENT : ret;
	if (dir.kind == AP_NODE_ROOT && !strcmp(name, "by-id")) {
		ap_node_set(out, AP_NODE_BYID, NULL, 0, -1);
		return 0;
	}
	if (dir.kind == AP_NODE_DIR) {
		unsigned int b;
		char c;

		if (!strcmp(name, "info"))
			ret = ap_entry_node(dir.entry, AP_OFF_INFO, out);
		else if (!strcmp(name, "config"))
			ret = ap_entry_node(dir.entry, AP_OFF_CONFIG, out);
		else if (sscanf(name, "bar%u%c", &b, &c) == 1 &&
			 b < AP_NR_BARS && strlen(name) == 4)
			ret = ap_entry_node(dir.entry, AP_OFF_BAR0 + b, out);
		else
			ret = -ENOENT;
		if (!ret)
			ap_tree_count(t, out);
		return ret;
	}
	if (dir.kind != AP_NODE_ROOT && dir.kind != AP_NODE_BYID)
		return -ENOTDIR;

	ret = -ENOENT;
	pthread_mutex_lock(&t->lock);
	for (size_t i = t->n; i-- > 0;) {
		struct ap_entry *e = t->entries[i];

		if (!e || ap_entry_is_gone(e))
			continue;
		if (dir.kind == AP_NODE_ROOT && !strcmp(e->func.slot, name)) {
			ret = ap_entry_node(e, AP_OFF_DIR, out);
			break;
		}
		if (dir.kind == AP_NODE_BYID && !strcmp(e->byid, name)) {
			ret = ap_entry_node(e, AP_OFF_LINK, out);
			break;
		}
	}
	if (!ret && out->entry)
		out->entry->nlookup++;
	pthread_mutex_unlock(&t->lock);
	return ret;
}

void ap_tree_forget(struct ap_tree *t, uint64_t ino, uint64_t n)
{
	uint64_t idx = (ino - AP_INO_FIRST) / AP_INO_PER;
	struct ap_entry *e;

	if (ino < AP_INO_FIRST)
		return;
	pthread_mutex_lock(&t->lock);
	e = idx < t->n ? t->entries[idx] : NULL;
	if (e) {
		e->nlookup = e->nlookup > n ? e->nlookup - n : 0;
		ap_tree_reap(t, e);
	}
	pthread_mutex_unlock(&t->lock);
}

void ap_tree_ref(struct ap_tree *t, struct ap_entry *e)
{
	pthread_mutex_lock(&t->lock);
	e->nlookup++;
	pthread_mutex_unlock(&t->lock);
}

uint64_t ap_tree_entry_ino(unsigned int index)
{
	return AP_INO_FIRST + (uint64_t)AP_INO_PER * index + AP_OFF_DIR;
}

void ap_tree_hold(struct ap_tree *t, struct ap_entry *e)
{
	pthread_mutex_lock(&t->lock);
	e->nopen++;
	pthread_mutex_unlock(&t->lock);
}

void ap_tree_release(struct ap_tree *t, struct ap_entry *e)
{
	pthread_mutex_lock(&t->lock);
	if (e->nopen)
		e->nopen--;
	ap_tree_reap(t, e);
	pthread_mutex_unlock(&t->lock);
}

size_t ap_tree_entries(struct ap_tree *t)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	n = t->live;
	pthread_mutex_unlock(&t->lock);
	return n;
}

/* Append one entry to a growing listing. */
static int ap_list_add(struct ap_dirent **v, size_t *n, size_t *cap,
		       const char *name, const struct ap_node *node)
{
	struct ap_dirent *tmp;

	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		tmp = realloc(*v, *cap * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		*v = tmp;
	}
	snprintf((*v)[*n].name, sizeof((*v)[*n].name), "%s", name);
	(*v)[*n].node = *node;
	(*n)++;
	return 0;
}

ssize_t ap_tree_list(struct ap_tree *t, uint64_t dir, struct ap_dirent **out)
{
	struct ap_dirent *v = NULL;
	size_t n = 0, cap = 0;
	struct ap_node d, node, parent;
	char name[8];
	int ret;

	ret = ap_tree_node(t, dir, &d);
	if (ret < 0)
		return ret;
	if (d.kind != AP_NODE_ROOT && d.kind != AP_NODE_BYID &&
	    d.kind != AP_NODE_DIR)
		return -ENOTDIR;
	ap_node_set(&parent, AP_NODE_ROOT, NULL, 0, -1);

	pthread_mutex_lock(&t->lock);
	ret = ap_list_add(&v, &n, &cap, ".", &d);
	if (!ret)
		ret = ap_list_add(&v, &n, &cap, "..", &parent);
	if (ret)
		goto out_unlock;
	if (d.kind == AP_NODE_DIR) {
		struct ap_entry *e = d.entry;

		for (int b = 0; b < AP_NR_BARS && !ret; b++) {
			if (ap_entry_node(e, AP_OFF_BAR0 + b, &node))
				continue;
			snprintf(name, sizeof(name), "bar%d", b);
			ret = ap_list_add(&v, &n, &cap, name, &node);
		}
		ap_entry_node(e, AP_OFF_CONFIG, &node);
		if (!ret)
			ret = ap_list_add(&v, &n, &cap, "config", &node);
		ap_entry_node(e, AP_OFF_INFO, &node);
		if (!ret)
			ret = ap_list_add(&v, &n, &cap, "info", &node);
		goto out_unlock;
	}
	if (d.kind == AP_NODE_ROOT) {
		ap_node_set(&node, AP_NODE_BYID, NULL, 0, -1);
		ret = ap_list_add(&v, &n, &cap, "by-id", &node);
	}
	for (size_t i = 0; i < t->n && !ret; i++) {
		struct ap_entry *e = t->entries[i];

		if (!e || ap_entry_is_gone(e))
			continue;
		if (d.kind == AP_NODE_ROOT) {
			ap_entry_node(e, AP_OFF_DIR, &node);
			ret = ap_list_add(&v, &n, &cap, e->func.slot, &node);
		} else if (!ap_entry_node(e, AP_OFF_LINK, &node)) {
			ret = ap_list_add(&v, &n, &cap, e->byid, &node);
		}
	}
out_unlock:
	pthread_mutex_unlock(&t->lock);
	if (ret) {
		free(v);
		return ret;
	}
	*out = v;
	return n;
}

int ap_tree_readlink(struct ap_tree *t, uint64_t ino, char *buf, size_t len)
{
	struct ap_node node;
	int ret;

	ret = ap_tree_node(t, ino, &node);
	if (ret < 0)
		return ret;
	if (node.kind != AP_NODE_LINK)
		return -EINVAL;
	snprintf(buf, len, "../%s", node.entry->func.slot);
	return 0;
}

bool ap_tree_mark_gone(struct ap_tree *t, struct ap_entry *e)
{
	bool marked = false;

	pthread_mutex_lock(&t->lock);
	if (!ap_entry_is_gone(e)) {
		ap_entry_mark_gone(e);
		ap_tree_name_ids(t);
		marked = true;
	}
	pthread_mutex_unlock(&t->lock);
	return marked;
}

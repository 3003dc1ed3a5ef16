// SPDX-License-Identifier: MIT
/*
 * regs_param.c - IP-XACT parameters by parameterId or <name>, for the
 * expressions of regs_ipxact.c.
 *
 * The document's <parameter> and <moduleParameter> elements are indexed
 * once, at the first lookup, in a hash of their ids and names; a key
 * that two parameters share names the first in document order (depth
 * first, not inside a parameter), as a walk of the tree per lookup did.
 * Each parameter then keeps its value once computed, so that a chain of
 * parameters each naming the one before several times costs one
 * evaluation per parameter rather than a number exponential in its
 * length (16 parameters naming the one before 8 times took minutes).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "regs_internal.h"

/* The index: parameters in document order and a hash of their keys. */
struct regs_params {
	struct regs_param *v;		/* the parameters */
	size_t n, cap;
	struct { char *key; size_t param; } *keys; /* ids and names */
	size_t n_keys, cap_keys;
	size_t *tab;			/* key index + 1, 0 empty */
	size_t tab_size;		/* a power of two */
};

static size_t hash(const char *s, size_t len)
{
	size_t h = 14695981039346656037ull;

	while (len--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int add_key(struct regs_params *p, char *key)
{
	if (!key)
		return 0;
	if (p->n_keys == p->cap_keys) {
		size_t cap = p->cap_keys ? 2 * p->cap_keys : 64;
		void *t = realloc(p->keys, cap * sizeof(*p->keys));

		if (!t) {
			free(key);
			return -ENOMEM;
		}
		p->keys = t;
		p->cap_keys = cap;
	}
	p->keys[p->n_keys].key = key;
	p->keys[p->n_keys++].param = p->n - 1;
	return 0;
}

/* Depth first, as the lookup has always searched. */
static int collect(struct regs_params *p, const xmlNode *scope)
{
	const xmlNode *k;
	int ret = 0;

	for (k = scope->children; k && !ret; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (!regs_is(k, "parameter") && !regs_is(k, "moduleParameter")) {
			ret = collect(p, k);
			continue;
		}
		if (p->n == p->cap) {
			size_t cap = p->cap ? 2 * p->cap : 64;
			void *t = realloc(p->v, cap * sizeof(*p->v));

			if (!t)
				return -ENOMEM;
			p->v = t;
			p->cap = cap;
		}
		p->v[p->n++] = (struct regs_param){ .node = k };
		ret = add_key(p, regs_attr(k, "parameterId"));
		if (!ret)
			ret = add_key(p, regs_child_text(k, "name"));
	}
	return ret;
}

static size_t *slot(const struct regs_params *p, const char *name, size_t len)
{
	size_t i = hash(name, len) & (p->tab_size - 1);

	for (;; i = (i + 1) & (p->tab_size - 1)) {
		size_t *s = &p->tab[i];
		const char *key;

		if (!*s)
			return s;
		key = p->keys[*s - 1].key;
		if (strlen(key) == len && !memcmp(key, name, len))
			return s;
	}
}

static int build(struct regs_ctx *c)
{
	struct regs_params *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	c->params_index = p;
	ret = collect(p, xmlDocGetRootElement(c->doc));
	if (ret)
		return ret;
	for (p->tab_size = 64; p->tab_size < 2 * p->n_keys; p->tab_size *= 2)
		;
	p->tab = calloc(p->tab_size, sizeof(*p->tab));
	if (!p->tab)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_keys; i++) {
		size_t *s = slot(p, p->keys[i].key, strlen(p->keys[i].key));

		if (!*s)		/* the first of a key wins */
			*s = i + 1;
	}
	return 0;
}

struct regs_param *regs_param_find(struct regs_ctx *c, const char *name,
				   size_t len, int *err)
{
	struct regs_params *p;
	size_t *s;

	*err = 0;
	if (!c->params_index && (*err = build(c)))
		return NULL;
	p = c->params_index;
	s = slot(p, name, len);
	if (!*s) {
		*err = -ENOENT;
		return NULL;
	}
	return &p->v[p->keys[*s - 1].param];
}

void regs_params_free(struct regs_params *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_keys; i++)
		free(p->keys[i].key);
	free(p->keys);
	free(p->tab);
	free(p->v);
	free(p);
}

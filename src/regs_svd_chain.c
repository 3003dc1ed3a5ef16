// SPDX-License-Identifier: MIT
/*
 * regs_svd_chain.c - the SVD parser's view of the XML: derivation chains
 * (an element that says derivedFrom takes what it does not say itself from
 * the element it names, which may derive in turn), lookups by name,
 * inherited register properties, and array (dim) names.
 *
 * Derivation is resolved on the XML: a derived element is read as a chain
 * of elements (itself, its base, its base's base ...), each property taken
 * from the first element of the chain that has it, and its children
 * (registers, fields) are the union of the chain's, nearer ones replacing
 * those of the same name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regs_svd.h"

/* ---- finding things by name ------------------------------------- */

/* True if @n has a <name> child whose text is @len bytes at @name. */
static bool named(const xmlNode *n, const char *name, size_t len)
{
	char *t = regs_child_text(n, "name");
	bool ok = t && strlen(t) == len && !strncmp(t, name, len);

	free(t);
	return ok;
}

/* Depth-first: the first element @elem below @scope named @name. */
static const xmlNode *find_named(const xmlNode *scope, const char *elem,
				 const char *name, size_t len)
{
	const xmlNode *k, *r;

	for (k = scope->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (regs_is(k, elem) && named(k, name, len))
			return k;
		if (regs_is(k, "enumeratedValue") || regs_is(k, "name") ||
		    regs_is(k, "description"))
			continue;
		r = find_named(k, elem, name, len);
		if (r)
			return r;
	}
	return NULL;
}

static const xmlNode *ancestor(const xmlNode *n, const char *elem)
{
	for (; n; n = n->parent)
		if (regs_is(n, elem))
			return n;
	return NULL;
}

/*
 * The element @n derives from: @path is "NAME" (searched from @n's parent
 * outwards: its register, peripheral, device) or a dotted path from the
 * device ("PERIPHERAL.REGISTER.FIELD", clusters in between).
 */
static const xmlNode *find_base(const xmlNode *n, const char *path)
{
	const char *elem = (const char *)n->name;
	const xmlNode *scope = n->parent, *dev = ancestor(n, "device"), *r;
	const char *dot = strrchr(path, '.'), *p, *q;

	if (regs_is(n, "peripheral")) {
		r = find_named(regs_child(dev, "peripherals"), elem, path,
			       strlen(path));
		return r != n ? r : NULL;
	}
	if (dot && !regs_is(n, "enumeratedValues")) {
		scope = dev;
		for (p = path; (q = strchr(p, '.')); p = q + 1) {
			scope = find_named(scope, "peripheral", p, q - p) ?:
				find_named(scope, "cluster", p, q - p) ?:
				find_named(scope, "register", p, q - p);
			if (!scope)
				return NULL;
		}
		return find_named(scope, elem, p, strlen(p));
	}
	p = dot ? dot + 1 : path;
	for (; scope; scope = scope->parent) {
		r = find_named(scope, elem, p, strlen(p));
		if (r && r != n)
			return r;
		if (scope == dev)
			break;
	}
	return NULL;
}

int svd_chain(struct regs_ctx *c, const xmlNode *n, struct chain *ch)
{
	char *from;

	ch->len = 0;
	while (n) {
		if (ch->len == CHAIN_MAX)
			return regs_fail(c, ch->n[0], "<%s> derives from itself "
					 "or through more than %d elements",
					 (const char *)ch->n[0]->name, CHAIN_MAX);
		ch->n[ch->len++] = n;
		from = regs_attr(n, "derivedFrom");
		if (!from)
			break;
		n = find_base(n, from);
		if (!n) {
			regs_fail(c, ch->n[ch->len - 1], "derivedFrom '%s' names "
				  "no %s", from,
				  (const char *)ch->n[0]->name);
			free(from);
			return -EINVAL;
		}
		free(from);
	}
	return 0;
}

/* The first child @name of the chain's elements, NULL if none has it. */
const xmlNode *svd_get(const struct chain *ch, const char *name)
{
	int i;

	for (i = 0; i < ch->len; i++) {
		const xmlNode *k = regs_child(ch->n[i], name);

		if (k)
			return k;
	}
	return NULL;
}

char *svd_get_text(const struct chain *ch, const char *name)
{
	const xmlNode *k = svd_get(ch, name);

	return k ? regs_text(k) : NULL;
}

/* A number property of the chain; 1 if absent, 0 if read, -EINVAL. */
int svd_get_num(struct regs_ctx *c, const struct chain *ch,
		   const char *name, uint64_t *v)
{
	const xmlNode *k = svd_get(ch, name);
	uint64_t mask;
	char *t;
	int ret;

	if (!k)
		return 1;
	t = regs_text(k);
	ret = t ? regs_svd_number(t, v, &mask) : -ENOMEM;
	if (ret || mask != ~0ull)
		ret = regs_fail(c, k, "<%s> '%s' is not a number", name, t);
	free(t);
	return ret;
}

/*
 * The children @elem... of the chain's @group child (<registers>,
 * <fields>), base first; one of the same name replaces an earlier one.
 */
int svd_children(struct regs_ctx *c, const struct chain *ch,
		    const char *group, const char *elem, const char *elem2,
		    struct list *l)
{
	int i;

	l->n = NULL;
	l->len = 0;
	for (i = ch->len - 1; i >= 0; i--) {
		const xmlNode *g = group ? regs_child(ch->n[i], group) : ch->n[i];
		const xmlNode *k;

		for (k = g ? g->children : NULL; k; k = k->next) {
			char *name;
			size_t j;

			if (!regs_is(k, elem) && !(elem2 && regs_is(k, elem2)))
				continue;
			/* Within one element a repeated name is an error
			 * that regs_finish() reports: no replacing there. */
			name = ch->len > 1 ? regs_child_text(k, "name") : NULL;
			for (j = name ? 0 : l->len; j < l->len; j++)
				if (named(l->n[j], name, strlen(name)))
					break;
			free(name);
			if (j == l->len) {
				const xmlNode **p = realloc(l->n, (l->len + 1) *
							    sizeof(*p));
				if (!p)
					return regs_fail(c, k, "out of memory");
				l->n = p;
				l->len++;
			}
			l->n[j] = k;
		}
	}
	return 0;
}

/* ---- properties, names and arrays -------------------------------- */

int svd_props(struct regs_ctx *c, const struct chain *ch,
		      struct props *p)
{
	const xmlNode *k;
	uint64_t v;
	int ret;

	ret = svd_get_num(c, ch, "size", &v);
	if (ret < 0)
		return ret;
	if (!ret) {
		if (v < 1 || v > 64)
			return regs_fail(c, svd_get(ch, "size"), "<size> %llu is not "
					 "1..64 bits", (unsigned long long)v);
		p->size = v;
	}
	k = svd_get(ch, "access");
	if (k) {
		char *t = regs_text(k);

		ret = regs_parse_access(t, &p->access);
		if (ret)
			regs_fail(c, k, "unknown <access> '%s'", t);
		free(t);
		if (ret)
			return ret;
	}
	ret = svd_get_num(c, ch, "resetValue", &p->reset);
	if (ret < 0)
		return ret;
	if (!ret)
		p->has_reset = true;
	ret = svd_get_num(c, ch, "resetMask", &p->reset_mask);
	return ret < 0 ? ret : 0;
}

int svd_dim(struct regs_ctx *c, const struct chain *ch,
		    struct dim *d)
{
	uint64_t v;
	int ret;

	d->n = 1;
	d->incr = 0;
	d->index = NULL;
	d->array = false;
	ret = svd_get_num(c, ch, "dim", &v);
	if (ret)
		return ret < 0 ? ret : 0;
	if (v < 1 || v > DIM_MAX)
		return regs_fail(c, svd_get(ch, "dim"), "<dim> %llu is not 1..%d",
				 (unsigned long long)v, DIM_MAX);
	d->n = v;
	d->array = true;
	ret = svd_get_num(c, ch, "dimIncrement", &d->incr);
	if (ret)
		return ret < 0 ? ret : regs_fail(c, svd_get(ch, "dim"),
						 "<dim> without <dimIncrement>");
	d->index = svd_get_text(ch, "dimIndex");
	return 0;
}

/*
 * Index @i of an array as text: from dimIndex ("A,B,C" or "3-6") or the
 * number.  Returns 0, or -EINVAL if dimIndex has fewer entries.
 */
static int dim_index(const struct dim *d, unsigned int i, char *buf,
		     size_t len)
{
	const char *p = d->index, *q;
	unsigned int k, a, b;

	if (!p) {
		snprintf(buf, len, "%u", i);
		return 0;
	}
	if (sscanf(p, "%u-%u", &a, &b) == 2 && !strchr(p, ',')) {
		if (a + i > b)
			return -EINVAL;
		snprintf(buf, len, "%u", a + i);
		return 0;
	}
	for (k = 0; k < i; k++) {
		p = strchr(p, ',');
		if (!p)
			return -EINVAL;
		p++;
	}
	q = strchr(p, ',');
	k = q ? (unsigned int)(q - p) : strlen(p);
	snprintf(buf, len, "%.*s", (int)k, p);
	return 0;
}

/* @prefix + @pattern with "[%s]" or "%s" replaced by index @i. */
int svd_name(struct regs_ctx *c, const xmlNode *n,
			const char *prefix, const char *pattern,
			const struct dim *d, unsigned int i, char **out)
{
	char idx[64];
	const char *s = strstr(pattern, "[%s]");
	int skip = 4;

	if (!s) {
		s = strstr(pattern, "%s");
		skip = 2;
	}
	if (!d->array && s)
		return regs_fail(c, n, "'%s' has %%s in its name but no <dim>",
				 pattern);
	if (!d->array) {
		if (asprintf(out, "%s%s", prefix, pattern) < 0)
			return regs_fail(c, n, "out of memory");
		return 0;
	}
	if (!s)
		return regs_fail(c, n, "array '%s' has no %%s in its name",
				 pattern);
	if (dim_index(d, i, idx, sizeof(idx)))
		return regs_fail(c, n, "<dimIndex> of '%s' has fewer than %u "
				 "entries", pattern, d->n);
	if (asprintf(out, "%s%.*s%s%s", prefix, (int)(s - pattern), pattern,
		     idx, s + skip) < 0)
		return regs_fail(c, n, "out of memory");
	return 0;
}


// SPDX-License-Identifier: MIT
/*
 * regs_svd.c - CMSIS-SVD into the register model: the walk over device,
 * peripherals, clusters, registers, fields and enumerated values.
 *
 * What real files use: register properties (size, access, resetValue,
 * resetMask) inherited device -> peripheral -> cluster -> register, and a
 * field's access from its register; derivedFrom on every level
 * (regs_svd_chain.c); dim/dimIncrement/dimIndex arrays of peripherals,
 * clusters, registers and fields ("%s" and "[%s]" in names); nested
 * clusters (register R inside cluster C is "C_R"); fields by bitOffset +
 * bitWidth, lsb + msb, or bitRange "[msb:lsb]"; readAction and
 * modifiedWriteValues on registers and fields (a field without its own
 * takes its register's); enumerated values with usage, don't-care bits and
 * isDefault.  Unknown elements are ignored, as the schema allows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regs_svd.h"

static uint64_t mask_of(unsigned int bits)
{
	return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

static int take_name(struct regs_ctx *c, const struct chain *ch,
		     const char *what, char **out)
{
	*out = svd_get_text(ch, "name");
	if (!*out || !**out) {
		free(*out);
		return regs_fail(c, ch->n[0], "%s without a <name>", what);
	}
	return 0;
}

/* ---- enumerated values ------------------------------------------- */

static int usage_of(struct regs_ctx *c, const struct chain *ch,
		    unsigned int *usage)
{
	char *t = svd_get_text(ch, "usage");
	int ret = 0;

	*usage = REGS_USE_READ | REGS_USE_WRITE;
	if (!t || !strcmp(t, "read-write"))
		;
	else if (!strcmp(t, "read"))
		*usage = REGS_USE_READ;
	else if (!strcmp(t, "write"))
		*usage = REGS_USE_WRITE;
	else
		ret = regs_fail(c, svd_get(ch, "usage"), "unknown <usage> '%s'",
				t);
	free(t);
	return ret;
}

static int add_enum(struct regs_ctx *c, struct regs_field *f,
		    const xmlNode *n, unsigned int usage)
{
	struct regs_enum *e = regs_add_enum(c, f);
	char *t;
	int ret = 0;

	if (!e)
		return -ENOMEM;
	e->name = regs_child_text(n, "name");
	e->description = regs_child_text(n, "description") ?: regs_strdup("");
	e->usage = usage;
	if (!e->name || !*e->name)
		return regs_fail(c, n, "<enumeratedValue> without a <name>");
	t = regs_child_text(n, "isDefault");
	if (t && !strcmp(t, "true")) {
		free(t);
		return 0;		/* value 0, mask 0: matches anything */
	}
	free(t);
	t = regs_child_text(n, "value");
	if (!t)
		return regs_fail(c, n, "<enumeratedValue> %s has no <value>",
				 e->name);
	if (regs_svd_number(t, &e->value, &e->mask))
		ret = regs_fail(c, regs_child(n, "value"), "<value> '%s' of %s "
				"is not a number", t, e->name);
	e->mask &= mask_of(f->width);
	free(t);
	return ret;
}

/* Every <enumeratedValues> of the field (nearest element that has one). */
static int add_enums(struct regs_ctx *c, struct regs_field *f,
		     const struct chain *fch)
{
	const xmlNode *ev = svd_get(fch, "enumeratedValues"), *k;
	struct chain ech;
	unsigned int usage;
	int i, ret;

	for (; ev; ev = regs_next_same(ev)) {
		ret = svd_chain(c, ev, &ech);
		if (!ret)
			ret = usage_of(c, &ech, &usage);
		if (ret)
			return ret;
		/* The values of the first element of the chain that has any. */
		for (i = 0; i < ech.len; i++)
			if (regs_child(ech.n[i], "enumeratedValue"))
				break;
		for (k = i < ech.len ? ech.n[i]->children : NULL; k; k = k->next) {
			if (!regs_is(k, "enumeratedValue"))
				continue;
			ret = add_enum(c, f, k, usage);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* ---- fields ------------------------------------------------------ */

/* The chain's <modifiedWriteValues>, else @dflt. */
static int write_effect(struct regs_ctx *c, const struct chain *ch,
			enum regs_write_effect dflt,
			enum regs_write_effect *out)
{
	const xmlNode *n = svd_get(ch, "modifiedWriteValues");
	char *t;
	int ret = 0;

	*out = dflt;
	if (!n)
		return 0;
	t = regs_text(n);
	if (!t)
		return regs_fail(c, n, "out of memory");
	if (regs_parse_write_effect(t, out))
		ret = regs_fail(c, n, "unknown <modifiedWriteValues> '%s'", t);
	free(t);
	return ret;
}

static int bit_range(struct regs_ctx *c, const struct chain *ch,
		     const char *name, unsigned int *lsb, unsigned int *width)
{
	uint64_t a, b;
	char *t;
	int ret;

	ret = svd_get_num(c, ch, "bitOffset", &a);
	if (ret <= 0) {
		if (ret < 0)
			return ret;
		ret = svd_get_num(c, ch, "bitWidth", &b);
		if (ret)
			return ret < 0 ? ret : regs_fail(c, ch->n[0], "field %s: "
					"<bitOffset> without <bitWidth>", name);
		goto check;
	}
	ret = svd_get_num(c, ch, "lsb", &a);
	if (ret <= 0) {
		if (ret < 0 || (ret = svd_get_num(c, ch, "msb", &b)) < 0)
			return ret;
		if (ret || b < a)
			return regs_fail(c, ch->n[0], "field %s: <lsb> without "
					 "an <msb> at or above it", name);
		b = b - a + 1;
		goto check;
	}
	t = svd_get_text(ch, "bitRange");
	if (!t)
		return regs_fail(c, ch->n[0], "field %s has no bit position "
				 "(bitOffset, lsb/msb or bitRange)", name);
	{
		unsigned int m, l;
		char end;

		ret = sscanf(t, "[%u:%u%c", &m, &l, &end);
		if (ret != 3 || end != ']' || m < l) {
			regs_fail(c, svd_get(ch, "bitRange"), "field %s: "
				  "<bitRange> '%s' is not [msb:lsb]", name, t);
			free(t);
			return -EINVAL;
		}
		a = l;
		b = m - l + 1;
	}
	free(t);
check:
	if (b < 1 || a + b > 64)
		return regs_fail(c, ch->n[0], "field %s: bits %llu..%llu are "
				 "not inside 0..63", name,
				 (unsigned long long)(a + b - 1),
				 (unsigned long long)a);
	*lsb = a;
	*width = b;
	return 0;
}

static int add_field(struct regs_ctx *c, struct regs_register *r,
		     const xmlNode *n)
{
	struct regs_field *f;
	struct props p = { .access = r->access };
	enum regs_write_effect we;
	struct chain ch;
	struct dim d = { .n = 0, .index = NULL };
	unsigned int i, lsb = 0, width = 0;
	char *pattern = NULL;
	int ret;

	ret = svd_chain(c, n, &ch);
	if (!ret)
		ret = take_name(c, &ch, "<field>", &pattern);
	if (!ret)
		ret = bit_range(c, &ch, pattern, &lsb, &width);
	if (!ret)
		ret = svd_props(c, &ch, &p);
	if (!ret)
		ret = svd_dim(c, &ch, &d);
	/* A field without its own takes its register's (as svd2rust). */
	if (!ret)
		ret = write_effect(c, &ch, r->write_effect, &we);
	for (i = 0; !ret && i < d.n; i++) {
		f = regs_add_field(c, r);
		if (!f) {
			ret = -ENOMEM;
			break;
		}
		f->line = xmlGetLineNo(n);
		f->lsb = lsb + i * d.incr;
		f->width = width;
		f->access = p.access;
		f->read_action = svd_get(&ch, "readAction") != NULL;
		f->write_effect = we;
		f->description = svd_get_text(&ch, "description") ?:
				 regs_strdup("");
		ret = svd_name(c, n, "", pattern, &d, i, &f->name);
		if (!ret && f->lsb + f->width > 64)
			ret = regs_fail(c, n, "field array %s runs past bit 63",
					pattern);
		if (!ret)
			ret = add_enums(c, f, &ch);
	}
	free(d.index);
	free(pattern);
	return ret;
}

/* ---- registers and clusters -------------------------------------- */

static int add_list(struct regs_ctx *c, struct regs_block *b,
		    const struct list *l, const char *prefix, uint64_t base,
		    const struct props *inh);

/* What registers and clusters share: chain, name, props, offset, dim. */
struct element {
	struct chain ch;
	char *pattern;
	struct props p;
	uint64_t offset;
	struct dim d;
};

static int element(struct regs_ctx *c, const xmlNode *n, const char *what,
		   const struct props *inh, struct element *e)
{
	int ret;

	e->pattern = NULL;
	e->d.index = NULL;
	e->p = *inh;
	ret = svd_chain(c, n, &e->ch);
	if (!ret)
		ret = take_name(c, &e->ch, what, &e->pattern);
	if (!ret)
		ret = svd_props(c, &e->ch, &e->p);
	if (!ret) {
		ret = svd_get_num(c, &e->ch, "addressOffset", &e->offset);
		if (ret > 0)
			ret = regs_fail(c, n, "%s %s has no <addressOffset>",
					what, e->pattern);
	}
	if (!ret)
		ret = svd_dim(c, &e->ch, &e->d);
	return ret;
}

static void element_free(struct element *e)
{
	free(e->pattern);
	free(e->d.index);
}

static int add_register(struct regs_ctx *c, struct regs_block *b,
			const xmlNode *n, const char *prefix, uint64_t base,
			const struct props *inh)
{
	struct element e;
	struct list fl = { NULL, 0 };
	struct regs_register *r;
	enum regs_write_effect we = REGS_WR_PLAIN;
	unsigned int i;
	size_t j;
	int ret;

	ret = element(c, n, "<register>", inh, &e);
	if (!ret)
		ret = svd_children(c, &e.ch, "fields", "field", NULL, &fl);
	if (!ret)
		ret = write_effect(c, &e.ch, REGS_WR_PLAIN, &we);
	for (i = 0; !ret && i < e.d.n; i++) {
		r = regs_add_register(c, b);
		if (!r) {
			ret = -ENOMEM;
			break;
		}
		r->line = xmlGetLineNo(n);
		r->offset = base + e.offset + i * e.d.incr;
		r->width = e.p.size;
		r->access = e.p.access;
		r->read_action = svd_get(&e.ch, "readAction") != NULL;
		r->write_effect = we;
		r->has_reset = e.p.has_reset;
		r->reset_mask = e.p.reset_mask & mask_of(r->width);
		r->reset = e.p.reset & r->reset_mask;
		r->description = svd_get_text(&e.ch, "description") ?:
				 regs_strdup("");
		ret = svd_name(c, n, prefix, e.pattern, &e.d, i, &r->name);
		for (j = 0; !ret && j < fl.len; j++)
			ret = add_field(c, r, fl.n[j]);
	}
	free(fl.n);
	element_free(&e);
	return ret;
}

static int add_cluster(struct regs_ctx *c, struct regs_block *b,
		       const xmlNode *n, const char *prefix, uint64_t base,
		       const struct props *inh)
{
	struct element e;
	struct list l = { NULL, 0 };
	unsigned int i;
	char *name, *sub;
	int ret;

	ret = element(c, n, "<cluster>", inh, &e);
	if (!ret)
		ret = svd_children(c, &e.ch, NULL, "register", "cluster", &l);
	for (i = 0; !ret && i < e.d.n; i++) {
		ret = svd_name(c, n, prefix, e.pattern, &e.d, i, &name);
		if (ret)
			break;
		/* The cluster's registers are named "<CLUSTER>_<REGISTER>". */
		if (asprintf(&sub, "%s_", name) < 0)
			sub = NULL;
		free(name);
		ret = sub ? add_list(c, b, &l, sub,
				     base + e.offset + i * e.d.incr, &e.p)
			  : regs_fail(c, n, "out of memory");
		free(sub);
	}
	free(l.n);
	element_free(&e);
	return ret;
}

static int add_list(struct regs_ctx *c, struct regs_block *b,
		    const struct list *l, const char *prefix, uint64_t base,
		    const struct props *inh)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < l->len; i++)
		ret = (regs_is(l->n[i], "cluster") ? add_cluster : add_register)
			(c, b, l->n[i], prefix, base, inh);
	return ret;
}

/* ---- peripherals and the device ---------------------------------- */

static int add_peripheral(struct regs_ctx *c, const xmlNode *n,
			  const struct props *dev)
{
	struct props p = *dev;
	struct list l = { NULL, 0 };
	struct regs_block *b;
	struct chain ch;
	struct dim d = { .index = NULL };
	uint64_t base;
	char *pattern = NULL;
	unsigned int i;
	int ret;

	ret = svd_chain(c, n, &ch);
	if (!ret)
		ret = take_name(c, &ch, "<peripheral>", &pattern);
	if (!ret)
		ret = svd_props(c, &ch, &p);
	if (!ret) {
		ret = svd_get_num(c, &ch, "baseAddress", &base);
		if (ret > 0)
			ret = regs_fail(c, n, "peripheral %s has no "
					"<baseAddress>", pattern);
	}
	if (!ret)
		ret = svd_dim(c, &ch, &d);
	if (!ret)
		ret = svd_children(c, &ch, "registers", "register", "cluster",
				   &l);
	for (i = 0; !ret && i < d.n; i++) {
		b = regs_add_block(c);
		if (!b) {
			ret = -ENOMEM;
			break;
		}
		b->line = xmlGetLineNo(n);
		b->base = base + i * d.incr;
		b->description = svd_get_text(&ch, "description") ?:
				 regs_strdup("");
		ret = svd_name(c, n, "", pattern, &d, i, &b->name);
		if (!ret)
			ret = add_list(c, b, &l, "", 0, &p);
	}
	free(l.n);
	free(d.index);
	free(pattern);
	return ret;
}

int regs_parse_svd(struct regs_ctx *c, const xmlNode *root)
{
	struct props p = {
		.size = 32,
		.access = REGS_READ | REGS_WRITE,
		.reset_mask = ~0ull,
	};
	struct chain ch = { .n = { root }, .len = 1 };
	const xmlNode *k, *ps;
	int ret;

	c->d->name = regs_child_text(root, "name") ?: regs_strdup("");
	ret = svd_props(c, &ch, &p);
	if (ret)
		return ret;
	ps = regs_child(root, "peripherals");
	if (!ps)
		return regs_fail(c, root, "<device> without <peripherals>");
	for (k = ps->children; k; k = k->next) {
		if (!regs_is(k, "peripheral"))
			continue;
		ret = add_peripheral(c, k, &p);
		if (ret)
			return ret;
	}
	return 0;
}

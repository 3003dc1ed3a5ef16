// SPDX-License-Identifier: MIT
/*
 * regs_ipxact.c - IP-XACT (IEEE 1685-2009, -2014, -2022 and SPIRIT 1.5)
 * into the register model.
 *
 * Blocks are the address blocks of every memoryMap and of every address
 * space's localMemoryMap, also inside banks (serial banks place their
 * blocks one after the other, parallel ones at the bank's address).
 * Registers come with their register files (register R in register file F
 * is "F_R"), arrays (<dim>, several of them for more dimensions, or the
 * 2022 <array> with <stride>; element i of R is "R<i>", of a 2-D array
 * "R<i>_<j>"; kactus2 writes <dim>0</dim> for "no array" and so does this
 * parser), access (its own, the 2022 accessPolicies, else the register's,
 * block's), readAction (field-level; the register is then read-sensitive),
 * modifiedWriteValue (field-level, or in the 2022 fieldAccessPolicy),
 * enumerated values with their usage, and reset values (a register's
 * <reset> in 1685-2009 and SPIRIT, field <resets> from 1685-2014 on).
 *
 * Every number is evaluated as an expression (regs_expr.c), so plain
 * numbers of the old formats and the SystemVerilog expressions of the new
 * ones, with parameters looked up by parameterId or name, both work.
 * Addresses are scaled from addressUnitBits to bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regs_internal.h"

#define DEPTH_MAX 16		/* parameter references inside parameters */
#define DIMS_MAX 4		/* dimensions of one array */
#define ELEMS_MAX 65536		/* elements of one array */

/* ---- values ------------------------------------------------------ */

static int eval(struct regs_ctx *c, const xmlNode *n, uint64_t *v);

/* A parameter's value, computed once (regs_param.c keeps it). */
static int param(void *arg, const char *name, size_t len, uint64_t *v)
{
	struct regs_ctx *c = arg;
	struct regs_param *p;
	const xmlNode *value;
	int ret;

	p = regs_param_find(c, name, len, &ret);
	if (!p)
		return ret;
	switch (p->state) {
	case REGS_PARAM_DONE:
		*v = p->value;
		return p->ret;
	case REGS_PARAM_BUSY:		/* it names itself */
		return -ELOOP;
	case REGS_PARAM_NEW:
		break;
	}
	value = regs_child(p->node, "value");
	if (!value)
		return -ENOENT;
	if (c->depth >= DEPTH_MAX)
		return -ELOOP;
	p->state = REGS_PARAM_BUSY;
	c->depth++;
	ret = eval(c, value, &p->value);
	c->depth--;
	p->state = REGS_PARAM_DONE;
	p->ret = ret;
	*v = p->value;
	return ret;
}

/* The value of element @n: a number or an expression. */
static int eval(struct regs_ctx *c, const xmlNode *n, uint64_t *v)
{
	const char *why;
	char *t = regs_text(n);
	int ret;

	if (!t)
		return regs_fail(c, n, "out of memory");
	ret = regs_expr_eval(t, param, c, v, &why);
	/* A hostile expression may be megabytes long: its start will do. */
	if (ret && c->depth == 0)
		regs_fail(c, n, "<%s> '%.40s%s': %s", (const char *)n->name, t,
			  strlen(t) > 40 ? "..." : "", why);
	free(t);
	return ret;
}

/* Child @name of @n evaluated: 1 if absent, 0 if read, or -EINVAL. */
static int num(struct regs_ctx *c, const xmlNode *n, const char *name,
	       uint64_t *v)
{
	const xmlNode *k = regs_child(n, name);

	return k ? eval(c, k, v) : 1;
}

/* Addresses in addressUnitBits units as bytes. */
static uint64_t bytes(struct regs_ctx *c, uint64_t units)
{
	return units * c->aub / 8;
}

/*
 * @n's access: its own <access>, or the 2022 accessPolicies/fieldAccess-
 * Policies one; *@access unchanged if none.
 */
static int access_of(struct regs_ctx *c, const xmlNode *n,
		     unsigned int *access)
{
	const xmlNode *k = regs_child(n, "access");
	char *t;
	int ret;

	if (!k)
		k = regs_child(regs_child(regs_child(n, "accessPolicies"),
					  "accessPolicy"), "access");
	if (!k)
		k = regs_child(regs_child(regs_child(n, "fieldAccessPolicies"),
					  "fieldAccessPolicy"), "access");
	if (!k)
		return 0;
	t = regs_text(k);
	ret = regs_parse_access(t, access);
	if (ret)
		regs_fail(c, k, "unknown <access> '%s'", t);
	free(t);
	return ret;
}

static char *description(const xmlNode *n)
{
	return regs_child_text(n, "description") ?: regs_strdup("");
}

static int name_of(struct regs_ctx *c, const xmlNode *n, char **out)
{
	*out = regs_child_text(n, "name");
	if (!*out || !**out) {
		free(*out);
		return regs_fail(c, n, "<%s> without a <name>",
				 (const char *)n->name);
	}
	return 0;
}

/* ---- arrays ------------------------------------------------------ */

struct dims {
	unsigned int n;			/* dimensions, 0 if not an array */
	uint64_t len[DIMS_MAX];		/* elements per dimension */
	uint64_t stride;		/* bytes between elements (last dim) */
	uint64_t count;			/* elements in all */
};

/*
 * @n's <dim>s (1685-2009 to -2014) or <array> (-2022); @stride is the
 * default distance of consecutive elements in bytes.
 */
static int dims_of(struct regs_ctx *c, const xmlNode *n, uint64_t stride,
		   struct dims *d)
{
	const xmlNode *arr = regs_child(n, "array"), *k;
	uint64_t v;
	int ret;

	d->n = 0;
	d->count = 1;
	d->stride = stride;
	k = regs_child(arr ? arr : n, "dim");
	for (; k; k = regs_next_same(k)) {
		ret = eval(c, k, &v);
		if (ret)
			return ret;
		if (v == 0)		/* kactus2: "no array" */
			continue;
		if (d->n == DIMS_MAX || v > ELEMS_MAX ||
		    d->count * v > ELEMS_MAX)
			return regs_fail(c, k, "array too large (at most %d "
					 "dimensions, %d elements)", DIMS_MAX,
					 ELEMS_MAX);
		d->len[d->n++] = v;
		d->count *= v;
	}
	if (arr && regs_child(arr, "stride")) {
		ret = num(c, arr, "stride", &v);
		if (ret)
			return ret;
		d->stride = bytes(c, v);
	}
	return 0;
}

/* Name and byte offset of element @i (row-major) of @base at @off. */
static int element(struct regs_ctx *c, const xmlNode *n, const char *prefix,
		   const char *base, const struct dims *d, uint64_t i,
		   char **name)
{
	char idx[64] = "";
	size_t len = 0;
	uint64_t rest = i, div = d->count;
	unsigned int k;

	for (k = 0; k < d->n; k++) {
		div /= d->len[k];
		len += snprintf(idx + len, sizeof(idx) - len, "%s%llu",
				k ? "_" : "", (unsigned long long)(rest / div));
		rest %= div;
	}
	if (asprintf(name, "%s%s%s", prefix, base, idx) < 0)
		return regs_fail(c, n, "out of memory");
	return 0;
}

/* ---- fields ------------------------------------------------------ */

static int add_enums(struct regs_ctx *c, struct regs_field *f,
		     const xmlNode *n)
{
	const xmlNode *k = regs_child(regs_child(n, "enumeratedValues"),
				      "enumeratedValue");
	int ret;

	for (; k; k = regs_next_same(k)) {
		struct regs_enum *e = regs_add_enum(c, f);
		char *u;

		if (!e)
			return -ENOMEM;
		ret = name_of(c, k, &e->name);
		if (!ret)
			ret = num(c, k, "value", &e->value);
		if (ret > 0)
			ret = regs_fail(c, k, "<enumeratedValue> %s has no "
					"<value>", e->name);
		if (ret)
			return ret;
		e->description = description(k);
		e->mask = f->width >= 64 ? ~0ull : (1ull << f->width) - 1;
		u = regs_attr(k, "usage");
		e->usage = REGS_USE_READ | REGS_USE_WRITE;
		if (u && !strcmp(u, "read"))
			e->usage = REGS_USE_READ;
		else if (u && !strcmp(u, "write"))
			e->usage = REGS_USE_WRITE;
		free(u);
	}
	return 0;
}

/* The field's reset value, if it has one (-2014 and -2022). */
static int field_reset(struct regs_ctx *c, struct regs_register *r,
		       const struct regs_field *f, const xmlNode *n)
{
	const xmlNode *rs = regs_child(regs_child(n, "resets"), "reset");
	uint64_t v, m = ~0ull, fm;
	int ret;

	if (!rs)
		return 0;
	ret = num(c, rs, "value", &v);
	if (ret > 0)
		return 0;
	if (!ret)
		ret = num(c, rs, "mask", &m);
	if (ret < 0)
		return ret;
	fm = (f->width >= 64 ? ~0ull : (1ull << f->width) - 1) << f->lsb;
	r->reset = (r->reset & ~fm) | ((v << f->lsb) & fm);
	r->reset_mask = (r->reset_mask & ~fm) | ((m << f->lsb) & fm);
	r->has_reset = true;
	return 0;
}

static int add_field(struct regs_ctx *c, struct regs_register *r,
		     const xmlNode *n)
{
	const xmlNode *policy = regs_child(regs_child(n, "fieldAccessPolicies"),
					   "fieldAccessPolicy"), *mwv;
	struct regs_field *f;
	uint64_t off, width;
	int ret;

	f = regs_add_field(c, r);
	if (!f)
		return -ENOMEM;
	f->line = xmlGetLineNo(n);
	f->access = r->access;
	f->description = description(n);
	ret = name_of(c, n, &f->name);
	if (!ret && (ret = num(c, n, "bitOffset", &off)) > 0)
		ret = regs_fail(c, n, "field %s has no <bitOffset>", f->name);
	if (!ret && (ret = num(c, n, "bitWidth", &width)) > 0)
		ret = regs_fail(c, n, "field %s has no <bitWidth>", f->name);
	if (!ret && (width < 1 || off + width > 64))
		ret = regs_fail(c, n, "field %s: bits %llu..%llu are not "
				"inside 0..63", f->name,
				(unsigned long long)(off + width - 1),
				(unsigned long long)off);
	if (ret)
		return ret;
	f->lsb = off;
	f->width = width;
	ret = access_of(c, n, &f->access);
	if (ret)
		return ret;
	f->read_action = regs_child(n, "readAction") ||
		regs_child(policy, "readAction");
	mwv = regs_child(n, "modifiedWriteValue") ?:
	      regs_child(policy, "modifiedWriteValue");
	if (mwv) {
		char *t = regs_text(mwv);

		if (!t)
			return regs_fail(c, mwv, "out of memory");
		if (regs_parse_write_effect(t, &f->write_effect))
			ret = regs_fail(c, mwv, "field %s: unknown "
					"<modifiedWriteValue> '%s'", f->name,
					t);
		free(t);
		if (ret)
			return ret;
	}
	ret = add_enums(c, f, n);
	return ret ? ret : field_reset(c, r, f, n);
}

/* ---- registers and register files -------------------------------- */

static int add_children(struct regs_ctx *c, struct regs_block *b,
			const xmlNode *n, const char *prefix, uint64_t base,
			unsigned int access);

static int add_register(struct regs_ctx *c, struct regs_block *b,
			const xmlNode *n, const char *prefix, uint64_t base,
			unsigned int access)
{
	const xmlNode *k, *rs = regs_child(n, "reset");
	uint64_t off, size, i;
	struct dims d;
	char *name;
	int ret;

	ret = name_of(c, n, &name);
	if (!ret && (ret = num(c, n, "addressOffset", &off)) > 0)
		ret = regs_fail(c, n, "register %s has no <addressOffset>",
				name);
	if (!ret && (ret = num(c, n, "size", &size)) > 0)
		ret = regs_fail(c, n, "register %s has no <size>", name);
	if (!ret && (size < 1 || size > 64))
		ret = regs_fail(c, n, "register %s: <size> %llu is not 1..64 "
				"bits", name, (unsigned long long)size);
	if (!ret)
		ret = access_of(c, n, &access);
	if (!ret)
		ret = dims_of(c, n, (size + 7) / 8, &d);
	for (i = 0; !ret && i < d.count; i++) {
		struct regs_register *r = regs_add_register(c, b);

		if (!r) {
			ret = -ENOMEM;
			break;
		}
		r->line = xmlGetLineNo(n);
		r->offset = base + bytes(c, off) + i * d.stride;
		r->width = size;
		r->access = access;
		r->description = description(n);
		ret = element(c, n, prefix, name, &d, i, &r->name);
		/* 1685-2009 and SPIRIT: the register's own reset. */
		if (!ret && rs && (ret = num(c, rs, "value", &r->reset)) <= 0) {
			r->reset_mask = size >= 64 ? ~0ull : (1ull << size) - 1;
			if (!ret)
				ret = num(c, rs, "mask", &r->reset_mask);
			ret = ret > 0 ? 0 : ret;
			r->has_reset = !ret;
		}
		for (k = regs_child(n, "field"); !ret && k; k = regs_next_same(k))
			ret = add_field(c, r, k);
	}
	free(name);
	return ret;
}

static int add_register_file(struct regs_ctx *c, struct regs_block *b,
			     const xmlNode *n, const char *prefix,
			     uint64_t base, unsigned int access)
{
	uint64_t off, range = 0, i;
	struct dims d;
	char *name, *sub, *elem;
	int ret;

	ret = name_of(c, n, &name);
	if (!ret && (ret = num(c, n, "addressOffset", &off)) > 0)
		ret = regs_fail(c, n, "register file %s has no "
				"<addressOffset>", name);
	if (!ret && (ret = num(c, n, "range", &range)) > 0)
		ret = 0;
	if (!ret)
		ret = dims_of(c, n, bytes(c, range), &d);
	for (i = 0; !ret && i < d.count; i++) {
		ret = element(c, n, prefix, name, &d, i, &elem);
		if (ret)
			break;
		/* Its registers are named "<FILE>_<REGISTER>". */
		ret = asprintf(&sub, "%s_", elem);
		free(elem);
		if (ret < 0) {
			ret = regs_fail(c, n, "out of memory");
			break;
		}
		ret = add_children(c, b, n, sub, base + bytes(c, off) +
				   i * d.stride, access);
		free(sub);
	}
	free(name);
	return ret;
}

static int add_children(struct regs_ctx *c, struct regs_block *b,
			const xmlNode *n, const char *prefix, uint64_t base,
			unsigned int access)
{
	const xmlNode *k;
	int ret = 0;

	for (k = n->children; !ret && k; k = k->next) {
		if (regs_is(k, "register"))
			ret = add_register(c, b, k, prefix, base, access);
		else if (regs_is(k, "registerFile"))
			ret = add_register_file(c, b, k, prefix, base, access);
	}
	return ret;
}

/* ---- blocks, banks, maps ----------------------------------------- */

/*
 * One address block at @base (bytes) when it has no baseAddress of its
 * own (inside a bank); *@end gets the byte after it.
 */
static int add_block(struct regs_ctx *c, const xmlNode *n, uint64_t base,
		     uint64_t *end)
{
	unsigned int access = REGS_READ | REGS_WRITE;
	struct regs_block *b;
	uint64_t v, range = 0;
	int ret;

	ret = num(c, n, "baseAddress", &v);
	if (ret < 0)
		return ret;
	if (!ret)
		base = bytes(c, v);
	ret = num(c, n, "range", &range);
	if (ret < 0)
		return ret;
	*end = base + bytes(c, range);
	ret = access_of(c, n, &access);
	if (ret)
		return ret;
	b = regs_add_block(c);
	if (!b)
		return -ENOMEM;
	b->line = xmlGetLineNo(n);
	b->base = base;
	b->description = description(n);
	ret = name_of(c, n, &b->name);
	return ret ? ret : add_children(c, b, n, "", 0, access);
}

static int add_map(struct regs_ctx *c, const xmlNode *n, uint64_t base,
		   bool serial, uint64_t *end)
{
	const xmlNode *k;
	uint64_t v, e;
	int ret = 0;

	*end = base;
	for (k = n->children; !ret && k; k = k->next) {
		if (regs_is(k, "addressBlock")) {
			ret = add_block(c, k, serial ? *end : base, &e);
		} else if (regs_is(k, "bank")) {
			char *align = regs_attr(k, "bankAlignment");
			bool ser = align && !strcmp(align, "serial");

			free(align);
			ret = num(c, k, "baseAddress", &v);
			if (ret < 0)
				break;
			ret = add_map(c, k, ret ? (serial ? *end : base)
						: bytes(c, v), ser, &e);
		} else {
			continue;
		}
		if (e > *end)
			*end = e;
	}
	return ret;
}

/* A memoryMap or localMemoryMap with its addressUnitBits. */
static int add_memory_map(struct regs_ctx *c, const xmlNode *n)
{
	uint64_t aub = 8, end;
	int ret;

	ret = num(c, n, "addressUnitBits", &aub);
	if (ret < 0)
		return ret;
	if (aub < 8 || aub % 8)
		return regs_fail(c, regs_child(n, "addressUnitBits"),
				 "addressUnitBits %llu is not a multiple of 8",
				 (unsigned long long)aub);
	c->aub = aub;
	return add_map(c, n, 0, false, &end);
}

int regs_parse_ipxact(struct regs_ctx *c, const xmlNode *root)
{
	const xmlNode *k;
	int ret = 0;

	c->d->name = regs_child_text(root, "name") ?: regs_strdup("");
	for (k = regs_child(regs_child(root, "memoryMaps"), "memoryMap");
	     !ret && k; k = regs_next_same(k))
		ret = add_memory_map(c, k);
	for (k = regs_child(regs_child(root, "addressSpaces"), "addressSpace");
	     !ret && k; k = regs_next_same(k))
		if (regs_child(k, "localMemoryMap"))
			ret = add_memory_map(c, regs_child(k, "localMemoryMap"));
	return ret;
}

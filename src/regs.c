// SPDX-License-Identifier: MIT
/*
 * regs.c - the register description model: building, checking and
 * indexing it, and freeing it.  Reading a file into it is in
 * regs_read.c, lookups are in regs_lookup.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regs_internal.h"

/* ---- errors ------------------------------------------------------ */

static void set_error(struct regs_error *err, const char *file, int line,
		      const char *fmt, va_list ap)
{
	if (!err)
		return;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	vsnprintf(err->problem, sizeof(err->problem), fmt, ap);
}

void regs_error_at(struct regs_error *err, const char *file, int line,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(err, file, line, fmt, ap);
	va_end(ap);
}

int regs_fail(struct regs_ctx *c, const xmlNode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(c->err, c->d->file, n ? (int)xmlGetLineNo(n) : 0, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int regs_error_format(const struct regs_error *err, char *buf, size_t len)
{
	if (err->line > 0)
		return snprintf(buf, len, "%s:%d: %s", err->file, err->line,
				err->problem);
	return snprintf(buf, len, "%s: %s", err->file, err->problem);
}

/* ---- building ---------------------------------------------------- */

char *regs_strdup(const char *s)
{
	return strdup(s ? s : "");
}

/*
 * Makes room for element @n of an array of @size-byte elements that grows
 * by doubling (capacity: the next power of two above @n - 1).
 */
static void *grow(void *arr, size_t n, size_t size)
{
	void *p;

	if (n && (n & (n - 1)))
		return arr;
	p = realloc(arr, (n ? 2 * n : 1) * size);
	if (!p)
		return NULL;
	memset((char *)p + n * size, 0, (n ? n : 1) * size);
	return p;
}

#define ADD(c, arr, n)							\
	({								\
		__typeof__(arr) p_ = grow((arr), (n), sizeof(*(arr)));	\
		if (!p_) {						\
			regs_fail((c), NULL, "out of memory");		\
		} else {						\
			(arr) = p_;					\
			p_ = &(arr)[(n)++];				\
		}							\
		p_;							\
	})

struct regs_block *regs_add_block(struct regs_ctx *c)
{
	return ADD(c, c->d->blocks, c->d->n_blocks);
}

struct regs_register *regs_add_register(struct regs_ctx *c,
					struct regs_block *b)
{
	return ADD(c, b->regs, b->n_regs);
}

struct regs_field *regs_add_field(struct regs_ctx *c, struct regs_register *r)
{
	return ADD(c, r->fields, r->n_fields);
}

struct regs_enum *regs_add_enum(struct regs_ctx *c, struct regs_field *f)
{
	return ADD(c, f->enums, f->n_enums);
}

/* ---- freeing ----------------------------------------------------- */

static void free_field(struct regs_field *f)
{
	size_t i;

	for (i = 0; i < f->n_enums; i++) {
		free(f->enums[i].name);
		free(f->enums[i].description);
	}
	free(f->enums);
	free(f->name);
	free(f->description);
}

static void free_register(struct regs_register *r)
{
	size_t i;

	for (i = 0; i < r->n_fields; i++)
		free_field(&r->fields[i]);
	free(r->fields);
	free(r->name);
	free(r->description);
}

void regs_free(struct regs_desc *d)
{
	size_t i, j;

	if (!d)
		return;
	for (i = 0; i < d->n_blocks; i++) {
		struct regs_block *b = &d->blocks[i];

		for (j = 0; j < b->n_regs; j++)
			free_register(&b->regs[j]);
		free(b->regs);
		free(b->by_name);
		free(b->name);
		free(b->description);
	}
	free(d->blocks);
	free(d->by_name);
	free(d->name);
	free(d->file);
	free(d);
}

/* ---- checking and indexing --------------------------------------- */

/* qsort() of an array that may be empty and NULL (qsort(NULL, 0) is
 * undefined behaviour, and UBSAN says so). */
static void sort(void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *))
{
	if (n)
		qsort(base, n, size, cmp);
}

static int cmp_field(const void *a, const void *b)
{
	const struct regs_field *x = a, *y = b;

	return x->lsb < y->lsb ? -1 : x->lsb > y->lsb;
}

static int cmp_reg(const void *a, const void *b)
{
	const struct regs_register *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_reg_name(const void *a, const void *b)
{
	const struct regs_register *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int cmp_block_name(const void *a, const void *b)
{
	const struct regs_block *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* A description's error at @line of the file being finished. */
#define FAIL_AT(c, line, ...)						\
	(regs_error_at((c)->err, (c)->d->file, (line), __VA_ARGS__), -EINVAL)

/* A name becomes a file name, and '.' separates a register's fields. */
static bool name_ok(const char *s)
{
	return *s && !strpbrk(s, "/. \t\n");
}

static int check_register(struct regs_ctx *c, const struct regs_block *b,
			  struct regs_register *r)
{
	size_t i, j;

	if (!name_ok(r->name))
		return FAIL_AT(c, r->line, "register name '%s' in block %s is "
			       "empty or has '.', '/' or a blank", r->name,
			       b->name);

	sort(r->fields, r->n_fields, sizeof(*r->fields), cmp_field);
	for (i = 0; i < r->n_fields; i++) {
		struct regs_field *f = &r->fields[i];
		uint64_t fmask = f->width >= 64 ? ~0ull : (1ull << f->width) - 1;

		if (!name_ok(f->name))
			return FAIL_AT(c, f->line, "field name '%s' in %s.%s is "
				       "empty or has '.', '/' or a blank",
				       f->name, b->name, r->name);
		if (f->lsb + f->width > r->width)
			return FAIL_AT(c, f->line, "field %s.%s.%s (bits %u..%u) "
				       "lies outside its %u-bit register",
				       b->name, r->name, f->name,
				       f->lsb + f->width - 1, f->lsb, r->width);
		for (j = 0; j < i; j++)
			if (!strcmp(r->fields[j].name, f->name))
				return FAIL_AT(c, f->line, "field %s.%s.%s is "
					       "defined twice (also line %d)",
					       b->name, r->name, f->name,
					       r->fields[j].line);
		for (j = 0; j < f->n_enums; j++)
			if (f->enums[j].value & ~fmask)
				return FAIL_AT(c, f->line, "value %s (%#llx) of "
					       "field %s.%s.%s does not fit in "
					       "%u bit%s", f->enums[j].name,
					       (unsigned long long)f->enums[j].value,
					       b->name, r->name, f->name,
					       f->width, f->width > 1 ? "s" : "");
		if (f->read_action)
			r->read_action = true;
		c->d->n_fields++;
	}
	return 0;
}

int regs_finish(struct regs_ctx *c)
{
	struct regs_desc *d = c->d;
	size_t i, j;
	int ret;

	for (i = 0; i < d->n_blocks; i++) {
		struct regs_block *b = &d->blocks[i];

		if (!name_ok(b->name))
			return FAIL_AT(c, b->line, "block name '%s' is empty or "
				       "has '.', '/' or a blank", b->name);
		sort(b->regs, b->n_regs, sizeof(*b->regs), cmp_reg);
		b->by_name = malloc((b->n_regs + 1) * sizeof(*b->by_name));
		if (!b->by_name)
			return regs_fail(c, NULL, "out of memory");
		for (j = 0; j < b->n_regs; j++) {
			ret = check_register(c, b, &b->regs[j]);
			if (ret)
				return ret;
			b->by_name[j] = &b->regs[j];
		}
		qsort(b->by_name, b->n_regs, sizeof(*b->by_name), cmp_reg_name);
		for (j = 1; j < b->n_regs; j++)
			if (!strcmp(b->by_name[j]->name, b->by_name[j - 1]->name))
				return FAIL_AT(c, b->by_name[j]->line,
					       "register %s.%s is defined twice "
					       "(also line %d)", b->name,
					       b->by_name[j]->name,
					       b->by_name[j - 1]->line);
		d->n_registers += b->n_regs;
	}
	d->by_name = malloc((d->n_blocks + 1) * sizeof(*d->by_name));
	if (!d->by_name)
		return regs_fail(c, NULL, "out of memory");
	for (i = 0; i < d->n_blocks; i++)
		d->by_name[i] = &d->blocks[i];
	qsort(d->by_name, d->n_blocks, sizeof(*d->by_name), cmp_block_name);
	for (i = 1; i < d->n_blocks; i++)
		if (!strcmp(d->by_name[i]->name, d->by_name[i - 1]->name))
			return FAIL_AT(c, d->by_name[i]->line, "block %s is "
				       "defined twice (also line %d)",
				       d->by_name[i]->name,
				       d->by_name[i - 1]->line);
	return 0;
}

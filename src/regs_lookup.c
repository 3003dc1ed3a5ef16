// SPDX-License-Identifier: MIT
/*
 * regs_lookup.c - finding blocks, registers and fields by name in a loaded
 * description (binary searches over the indexes regs_finish() built; a
 * register's fields are few and searched in order), and what a register
 * allows.
 */
#include <errno.h>
#include <string.h>

#include "regs.h"

const struct regs_block *regs_find_block(const struct regs_desc *d,
					 const char *name)
{
	size_t lo = 0, hi = d->n_blocks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, d->by_name[mid]->name);

		if (!c)
			return d->by_name[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* strcmp of @len bytes at @s (not terminated) against the string @t. */
static int cmp_len(const char *s, size_t len, const char *t)
{
	int c = strncmp(s, t, len);

	if (c)
		return c;
	return t[len] ? -1 : 0;
}

const struct regs_register *regs_find_register(const struct regs_block *b,
					       const char *name, size_t len)
{
	size_t lo = 0, hi = b->n_regs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp_len(name, len, b->by_name[mid]->name);

		if (!c)
			return b->by_name[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct regs_field *regs_find_field(const struct regs_register *r,
					 const char *name)
{
	size_t i;

	for (i = 0; i < r->n_fields; i++)
		if (!strcmp(r->fields[i].name, name))
			return &r->fields[i];
	return NULL;
}

int regs_lookup(const struct regs_block *b, const char *name,
		const struct regs_register **reg,
		const struct regs_field **field)
{
	const char *dot = strchr(name, '.');

	*field = NULL;
	*reg = regs_find_register(b, name, dot ? (size_t)(dot - name)
					       : strlen(name));
	if (!*reg)
		return -ENOENT;
	if (dot) {
		*field = regs_find_field(*reg, dot + 1);
		if (!*field)
			return -ENOENT;
	}
	return 0;
}

unsigned int regs_access_bytes(const struct regs_register *r)
{
	if (r->width <= 8)
		return 1;
	if (r->width <= 16)
		return 2;
	if (r->width <= 32)
		return 4;
	return 8;
}

bool regs_register_listable(const struct regs_register *r)
{
	return (r->access & REGS_READ) && !r->read_action;
}

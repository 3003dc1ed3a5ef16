/* SPDX-License-Identifier: MIT */
/*
 * regs_svd.h - the SVD parser's two halves: regs_svd_chain.c (derivation,
 * properties, arrays on the XML) and regs_svd.c (the walk that builds the
 * model).  Not for clients.
 */
#ifndef APERTURE_REGS_SVD_H
#define APERTURE_REGS_SVD_H

#include "regs_internal.h"

#define CHAIN_MAX 8		/* derivations followed before a loop is assumed */
#define DIM_MAX 65536		/* elements of one array */

/* Register properties that children inherit. */
struct props {
	unsigned int size;		/* bits */
	unsigned int access;		/* REGS_* */
	uint64_t reset, reset_mask;	/* resetValue, resetMask */
	bool has_reset;			/* resetValue was given */
};

/* An element and the elements it derives from, nearest first. */
struct chain {
	const xmlNode *n[CHAIN_MAX];
	int len;
};

/* A list of elements (a chain's children by name), malloc'd. */
struct list {
	const xmlNode **n;
	size_t len;
};

/* One array: its element count, address increment and index names. */
struct dim {
	bool array;			/* <dim> was given */
	unsigned int n;			/* elements, 1 if not an array */
	uint64_t incr;			/* dimIncrement */
	char *index;			/* dimIndex text (malloc'd), NULL: 0..n-1 */
};

/* @n and what it derives from; -EINVAL if a base is missing or loops. */
int svd_chain(struct regs_ctx *c, const xmlNode *n, struct chain *ch);

/* The first child @name of the chain's elements, NULL if none has it. */
const xmlNode *svd_get(const struct chain *ch, const char *name);

/* Its trimmed text, malloc'd; NULL if absent. */
char *svd_get_text(const struct chain *ch, const char *name);

/* A number property of the chain: 1 if absent, 0 if read, -EINVAL. */
int svd_get_num(struct regs_ctx *c, const struct chain *ch,
		const char *name, uint64_t *v);

/*
 * The children @elem (or @elem2) of the chain's @group child (NULL: of
 * the elements themselves), base first; one of the same name replaces an
 * earlier one.  Free l->n.
 */
int svd_children(struct regs_ctx *c, const struct chain *ch,
		 const char *group, const char *elem, const char *elem2,
		 struct list *l);

/* Overrides @p with the chain's size, access, resetValue, resetMask. */
int svd_props(struct regs_ctx *c, const struct chain *ch, struct props *p);

/* The chain's dim, dimIncrement, dimIndex (n = 1 without dim). */
int svd_dim(struct regs_ctx *c, const struct chain *ch, struct dim *d);

/* @prefix + @pattern with "[%s]" or "%s" replaced by index @i of @d. */
int svd_name(struct regs_ctx *c, const xmlNode *n, const char *prefix,
	     const char *pattern, const struct dim *d, unsigned int i,
	     char **out);

#endif /* APERTURE_REGS_SVD_H */

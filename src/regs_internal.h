/* SPDX-License-Identifier: MIT */
/*
 * regs_internal.h - what the description parsers share (not for clients).
 *
 * A parse builds a struct regs_desc through the regs_add_*() helpers
 * below, then regs_finish() sorts, checks and indexes it.  Arrays grow by
 * doubling, so a pointer returned by regs_add_*() stays valid only until
 * the next addition to the same array: a parser adds a register and then
 * its fields before it adds the next register.
 */
#ifndef APERTURE_REGS_INTERNAL_H
#define APERTURE_REGS_INTERNAL_H

#include <libxml/tree.h>

#include "regs.h"

/* One parse in progress. */
struct regs_ctx {
	struct regs_desc *d;		/* what is being built */
	struct regs_error *err;		/* where a failure is described */
	xmlDoc *doc;			/* the parsed document */
	const char *ns;			/* IP-XACT: namespace of the root */
	unsigned int aub;		/* IP-XACT: addressUnitBits of the map */
	const xmlNode *params;		/* IP-XACT: first parameter lookup scope */
	int depth;			/* IP-XACT: expression recursion depth */
	struct regs_params *params_index; /* IP-XACT: parameters by key,
					 * made at the first lookup */
};

/* --- IP-XACT parameters (regs_param.c) ---------------------------- */

/* One parameter and, once evaluated, its value. */
struct regs_param {
	const xmlNode *node;		/* its element */
	enum { REGS_PARAM_NEW, REGS_PARAM_BUSY, REGS_PARAM_DONE } state;
	int ret;			/* DONE: 0, or what failed (-errno) */
	uint64_t value;			/* DONE and ret 0: the value */
};

/* The parameter whose parameterId or <name> is @name (@len bytes); NULL
 * and *@err -ENOENT if none, -ENOMEM. */
struct regs_param *regs_param_find(struct regs_ctx *c, const char *name,
				   size_t len, int *err);

void regs_params_free(struct regs_params *p);

/* Records "problem at @line of @file" in @err (which may be NULL). */
void regs_error_at(struct regs_error *err, const char *file, int line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Records "problem at @n's line" in the context; returns -EINVAL. */
int regs_fail(struct regs_ctx *c, const xmlNode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends a zeroed element; NULL (and the context's error) on -ENOMEM. */
struct regs_block *regs_add_block(struct regs_ctx *c);
struct regs_register *regs_add_register(struct regs_ctx *c,
					struct regs_block *b);
struct regs_field *regs_add_field(struct regs_ctx *c,
				  struct regs_register *r);
struct regs_enum *regs_add_enum(struct regs_ctx *c, struct regs_field *f);

/* A copy of @s (NULL gives ""); NULL on -ENOMEM. */
char *regs_strdup(const char *s);

/* Sorts, checks (widths, names, bit ranges) and indexes the model. */
int regs_finish(struct regs_ctx *c);

/* --- XML helpers (regs_xml.c) ------------------------------------ */

/* True if @n is an element named @name (local name, any namespace). */
bool regs_is(const xmlNode *n, const char *name);

/* The first child element of @n named @name, NULL if none. */
xmlNode *regs_child(const xmlNode *n, const char *name);

/* The next sibling element after @n named like @n, NULL if none. */
xmlNode *regs_next_same(const xmlNode *n);

/*
 * The text of @n's first child element @name with blanks trimmed, in a
 * malloc'd string, NULL if there is no such element.
 */
char *regs_child_text(const xmlNode *n, const char *name);

/* The trimmed text of element @n itself (malloc'd, never NULL but OOM). */
char *regs_text(const xmlNode *n);

/* The value of attribute @name of @n (any namespace), malloc'd or NULL. */
char *regs_attr(const xmlNode *n, const char *name);

/*
 * An access string of either format ("read-only", "read-write",
 * "write-only", "writeOnce", "read-writeOnce") as REGS_* bits; -EINVAL
 * if unknown.  Case is ignored: real files write "read-writeonce".
 */
int regs_parse_access(const char *s, unsigned int *access);

/* --- Numbers (regs_expr.c) --------------------------------------- */

/*
 * An SVD number: decimal, 0x hex, or #binary (x for a don't-care bit),
 * with an optional k/M/G/T multiplier for plain numbers.  *@mask gets the
 * bits that are not don't-care (all ones if none).  -EINVAL if malformed.
 */
int regs_svd_number(const char *s, uint64_t *value, uint64_t *mask);

/* Looks up an IP-XACT parameter by id or name; 0 and *@value, or -errno. */
typedef int (*regs_param_fn)(void *arg, const char *name, size_t len,
			     uint64_t *value);

/*
 * Evaluates an IP-XACT value: a SystemVerilog constant expression
 * (numbers 'h1f, 8'd3, 0x1f, 42; parameters; + - * / % ** << >> & | ^ ~
 * ! ?: comparisons, parentheses, $pow(), $clog2()).  Returns 0 and
 * *@value, or -EINVAL with *@why.
 */
int regs_expr_eval(const char *s, regs_param_fn param, void *arg,
		   uint64_t *value, const char **why);

/* --- The two parsers --------------------------------------------- */

int regs_parse_svd(struct regs_ctx *c, const xmlNode *root);
int regs_parse_ipxact(struct regs_ctx *c, const xmlNode *root);

#endif /* APERTURE_REGS_INTERNAL_H */

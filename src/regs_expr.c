// SPDX-License-Identifier: MIT
/*
 * regs_expr.c - numbers as the descriptions write them.
 *
 * SVD: scaledNonNegativeInteger (42, 0x2a, #101010, with k/M/G/T) and
 * enumerated values with don't-care bits (#1x0).
 *
 * IP-XACT: 1685-2009 and SPIRIT 1.5 write the same kind of numbers;
 * 1685-2014 and -2022 write SystemVerilog constant expressions that may
 * name parameters ("'h40", "DATA_BYTES*7", "('h0) / $pow(2,24) % $pow(2,8)").
 * A recursive-descent evaluator with SystemVerilog's precedence computes
 * them in 64-bit unsigned arithmetic; parameters are looked up through a
 * callback (which may evaluate further expressions).  The text comes from
 * strangers: nesting (parentheses, prefix operators, "**" and "?:"
 * chains) is limited to EXPR_DEPTH_MAX, and powers take log2 steps.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "regs_internal.h"

/* Nesting an expression may have: far more than a person writes, far
 * less than a thread's stack holds (each level is a dozen frames). */
#define EXPR_DEPTH_MAX	256

/* k, M, G, T multipliers of scaledNonNegativeInteger (1024-based). */
static int scale(const char *s, uint64_t *v)
{
	static const char units[] = "kmgt";
	const char *u;

	if (!*s)
		return 0;
	u = strchr(units, tolower((unsigned char)*s));
	if (!u || s[1])
		return -EINVAL;
	*v <<= 10 * (u - units + 1);
	return 0;
}

int regs_svd_number(const char *s, uint64_t *value, uint64_t *mask)
{
	uint64_t v = 0, m = 0;
	int base = 10, digits = 0;

	*mask = ~0ull;
	if (*s == '+')
		s++;
	if (*s == '#') {
		for (s++; *s == '0' || *s == '1' || *s == 'x' || *s == 'X'; s++) {
			if (++digits > 64)
				return -EINVAL;
			v = v << 1 | (*s == '1');
			m = m << 1 | (*s == '0' || *s == '1');
		}
		if (!digits || *s)
			return -EINVAL;
		*value = v;
		*mask = m;
		return 0;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; isxdigit((unsigned char)*s); s++) {
		int d = isdigit((unsigned char)*s) ? *s - '0'
						  : tolower((unsigned char)*s) - 'a' + 10;

		if (d >= base)
			break;
		if (v > (~0ull - d) / base)
			return -EINVAL;
		v = v * base + d;
		digits++;
	}
	if (!digits || scale(s, &v))
		return -EINVAL;
	*value = v;
	return 0;
}

/* ---- IP-XACT expressions ----------------------------------------- */

struct expr {
	const char *p;			/* next character */
	regs_param_fn param;		/* parameter lookup */
	void *arg;			/* its argument */
	const char *why;		/* first problem, NULL if none */
	int depth;			/* nesting now */
};

static uint64_t cond(struct expr *e);

static void skip(struct expr *e)
{
	while (isspace((unsigned char)*e->p))
		e->p++;
}

static bool eat(struct expr *e, const char *op)
{
	size_t n = strlen(op);

	skip(e);
	if (strncmp(e->p, op, n))
		return false;
	/* "<" must not eat "<<", "*" not "**", "&" not "&&" and so on. */
	if (n == 1 && strchr("<>*&|=", op[0]) && e->p[1] == op[0])
		return false;
	if (n == 1 && (op[0] == '<' || op[0] == '>' || op[0] == '!') &&
	    e->p[1] == '=')
		return false;
	e->p += n;
	return true;
}

static uint64_t fail(struct expr *e, const char *why)
{
	if (!e->why)
		e->why = why;
	return 0;
}

/* One level deeper: false (and the expression fails) past the limit;
 * every true is paired with a leave(). */
static bool enter(struct expr *e)
{
	if (e->depth >= EXPR_DEPTH_MAX) {
		fail(e, "nested too deeply (more than 256 levels)");
		return false;
	}
	e->depth++;
	return true;
}

static void leave(struct expr *e)
{
	e->depth--;
}

static int digit(char ch, int base)
{
	int d;

	if (isdigit((unsigned char)ch))
		d = ch - '0';
	else if (isalpha((unsigned char)ch))
		d = tolower((unsigned char)ch) - 'a' + 10;
	else
		return -1;
	return d < base ? d : -1;
}

/* Digits of @base (with '_' separators); x/z/? count as 0. */
static uint64_t digits(struct expr *e, int base)
{
	uint64_t v = 0;
	int n = 0, d;

	for (;; e->p++) {
		char ch = *e->p;

		if (ch == '_')
			continue;
		if (base != 10 && ch && strchr("xXzZ?", ch))
			d = 0;
		else if ((d = digit(ch, base)) < 0)
			break;
		if (v > (~0ull - d) / base)
			return fail(e, "number too large");
		v = v * base + d;
		n++;
	}
	if (!n)
		return fail(e, "digits expected");
	return v;
}

static uint64_t based(struct expr *e)
{
	int base;

	e->p++;				/* the quote */
	if (*e->p == 's' || *e->p == 'S')
		e->p++;
	switch (tolower((unsigned char)*e->p)) {
	case 'h': base = 16; break;
	case 'd': base = 10; break;
	case 'o': base = 8; break;
	case 'b': base = 2; break;
	default: return fail(e, "bad based number");
	}
	e->p++;
	return digits(e, base);
}

static uint64_t number(struct expr *e)
{
	uint64_t v;

	if (e->p[0] == '0' && (e->p[1] == 'x' || e->p[1] == 'X')) {
		e->p += 2;
		return digits(e, 16);
	}
	v = digits(e, 10);
	skip(e);
	if (*e->p == '\'')		/* a size: 8'hff */
		return based(e);
	if (*e->p && strchr("kKmMgGtT", *e->p) &&
	    !isalnum((unsigned char)e->p[1]) && e->p[1] != '_') {
		char s[2] = { *e->p++, 0 };

		scale(s, &v);
	}
	return v;
}

/* b ** x modulo 2^64, by squaring: 64 steps at most. */
static uint64_t ipow(uint64_t b, uint64_t x)
{
	uint64_t r = 1;

	for (; x; x >>= 1, b *= b)
		if (x & 1)
			r *= b;
	return r;
}

static uint64_t function(struct expr *e)
{
	const char *name = e->p;
	uint64_t a, b = 0, r;
	size_t n;

	while (isalnum((unsigned char)*e->p) || *e->p == '_' || *e->p == '$')
		e->p++;
	n = e->p - name;
	if (!eat(e, "("))
		return fail(e, "'(' expected after a function");
	a = cond(e);
	if (eat(e, ","))
		b = cond(e);
	if (!eat(e, ")"))
		return fail(e, "')' expected");
	if (n == 4 && !strncmp(name, "$pow", 4))
		return ipow(a, b);
	if (n == 6 && !strncmp(name, "$clog2", 6)) {
		for (r = 0; r < 64 && (1ull << r) < a; r++)
			;
		return r;
	}
	return fail(e, "unknown function");
}

static uint64_t primary(struct expr *e)
{
	uint64_t v;

	skip(e);
	if (eat(e, "(")) {
		v = cond(e);
		if (!eat(e, ")"))
			return fail(e, "')' expected");
		return v;
	}
	if (*e->p == '\'')
		return based(e);
	if (isdigit((unsigned char)*e->p))
		return number(e);
	if (*e->p == '$')
		return function(e);
	if (isalpha((unsigned char)*e->p) || *e->p == '_') {
		const char *name = e->p;

		while (isalnum((unsigned char)*e->p) || *e->p == '_')
			e->p++;
		if (!strncmp(name, "true", e->p - name) && e->p - name == 4)
			return 1;
		if (!strncmp(name, "false", e->p - name) && e->p - name == 5)
			return 0;
		if (!e->param || e->param(e->arg, name, e->p - name, &v))
			return fail(e, "unknown parameter");
		return v;
	}
	return fail(e, "a number or a parameter expected");
}

static uint64_t unary(struct expr *e)
{
	uint64_t v;
	char op;

	skip(e);
	op = *e->p;
	if (!op || !strchr("-+~!", op) || !eat(e, (char[2]){ op, 0 }))
		return primary(e);
	if (!enter(e))
		return 0;
	v = unary(e);
	leave(e);
	switch (op) {
	case '-': return -v;
	case '~': return ~v;
	case '!': return !v;
	}
	return v;
}

static uint64_t power(struct expr *e)
{
	uint64_t v = unary(e);

	if (eat(e, "**") && enter(e)) {
		v = ipow(v, power(e));
		leave(e);
	}
	return v;
}

/*
 * Binary operators by SystemVerilog precedence, loosest last; each level
 * is one row: its operators and the level below it.
 */
enum { L_MUL, L_ADD, L_SHIFT, L_REL, L_EQ, L_AND, L_XOR, L_OR, L_LAND,
       L_LOR, L_TOP = L_LOR };

static const char *const ops[][5] = {
	[L_MUL] = { "*", "/", "%" },
	[L_ADD] = { "+", "-" },
	[L_SHIFT] = { "<<", ">>" },
	[L_REL] = { "<=", ">=", "<", ">" },
	[L_EQ] = { "==", "!=" },
	[L_AND] = { "&" },
	[L_XOR] = { "^" },
	[L_OR] = { "|" },
	[L_LAND] = { "&&" },
	[L_LOR] = { "||" },
};

static uint64_t apply(struct expr *e, const char *op, uint64_t a, uint64_t b)
{
	switch (op[0] << 8 | op[1]) {
	case '*' << 8: return a * b;
	case '/' << 8: return b ? a / b : fail(e, "division by zero");
	case '%' << 8: return b ? a % b : fail(e, "division by zero");
	case '+' << 8: return a + b;
	case '-' << 8: return a - b;
	case '<' << 8 | '<': return b < 64 ? a << b : 0;
	case '>' << 8 | '>': return b < 64 ? a >> b : 0;
	case '<' << 8 | '=': return a <= b;
	case '>' << 8 | '=': return a >= b;
	case '<' << 8: return a < b;
	case '>' << 8: return a > b;
	case '=' << 8 | '=': return a == b;
	case '!' << 8 | '=': return a != b;
	case '&' << 8: return a & b;
	case '^' << 8: return a ^ b;
	case '|' << 8: return a | b;
	case '&' << 8 | '&': return a && b;
	case '|' << 8 | '|': return a || b;
	}
	return fail(e, "unknown operator");
}

static uint64_t binary(struct expr *e, int level)
{
	uint64_t v = level ? binary(e, level - 1) : power(e);
	size_t i;

again:
	for (i = 0; i < 5 && ops[level][i]; i++)
		if (eat(e, ops[level][i])) {
			uint64_t r = level ? binary(e, level - 1) : power(e);

			v = apply(e, ops[level][i], v, r);
			goto again;
		}
	return v;
}

static uint64_t cond(struct expr *e)
{
	uint64_t c, a, b;

	if (e->why || !enter(e))
		return 0;
	c = binary(e, L_TOP);
	if (eat(e, "?")) {
		a = cond(e);
		if (!eat(e, ":"))
			a = fail(e, "':' expected");
		b = cond(e);
		c = c ? a : b;
	}
	leave(e);
	return c;
}

int regs_expr_eval(const char *s, regs_param_fn param, void *arg,
		   uint64_t *value, const char **why)
{
	struct expr e = { .p = s, .param = param, .arg = arg };
	uint64_t v;

	v = cond(&e);
	skip(&e);
	if (!e.why && *e.p)
		e.why = "unexpected text";
	if (e.why) {
		*why = e.why;
		return -EINVAL;
	}
	*value = v;
	return 0;
}

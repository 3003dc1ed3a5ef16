// SPDX-License-Identifier: MIT
/*
 * regs_value.c - register and field values as text, both ways: the one
 * place that formats what a register file shows, parses what is written
 * to it (numbers by the one rule of aperture_number.h, as the command
 * reads them), and writes a line of the `registers` listing.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aperture_number.h"
#include "regs.h"

static uint64_t mask_of(unsigned int bits)
{
	return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

int regs_format_register(const struct regs_register *r, uint64_t value,
			 char *buf, size_t len)
{
	int digits = (r->width + 3) / 4;

	return snprintf(buf, len, "0x%0*" PRIx64, digits,
			value & mask_of(r->width));
}

uint64_t regs_field_get(const struct regs_field *f, uint64_t regval)
{
	return (regval >> f->lsb) & mask_of(f->width);
}

uint64_t regs_field_set(const struct regs_field *f, uint64_t regval,
			uint64_t value)
{
	uint64_t m = mask_of(f->width) << f->lsb;

	return (regval & ~m) | ((value << f->lsb) & m);
}

int regs_format_field(const struct regs_field *f, uint64_t regval, char *buf,
		      size_t len)
{
	return snprintf(buf, len, "%" PRIu64, regs_field_get(f, regval));
}

const char *regs_enum_name(const struct regs_field *f, uint64_t value)
{
	const struct regs_enum *dflt = NULL;
	size_t i;

	for (i = 0; i < f->n_enums; i++) {
		const struct regs_enum *e = &f->enums[i];

		if (!(e->usage & REGS_USE_READ))
			continue;
		if (!e->mask) {
			dflt = dflt ? dflt : e;
			continue;
		}
		if ((value & e->mask) == (e->value & e->mask))
			return e->name;
	}
	return dflt ? dflt->name : NULL;
}

/*
 * The enumerated name @s (@len bytes) of @f for @usage; -EINVAL if none,
 * -EDOM if it matches a set of values (don't-care bits, the default).
 */
static int enum_value(const struct regs_field *f, const char *s, size_t len,
		      unsigned int usage, uint64_t *value)
{
	uint64_t all = f->width >= 64 ? ~0ull : (1ull << f->width) - 1;
	size_t i;

	for (i = 0; i < f->n_enums; i++) {
		const struct regs_enum *e = &f->enums[i];

		if (!(e->usage & usage) || strlen(e->name) != len ||
		    strncmp(e->name, s, len))
			continue;
		if (usage == REGS_USE_READ && e->mask != all)
			return -EDOM;
		if (!e->mask)
			continue;	/* a default is never written */
		*value = e->value;
		return 0;
	}
	return -EINVAL;
}

static int parse(const struct regs_register *r, const struct regs_field *f,
		 const char *text, size_t len, unsigned int usage,
		 uint64_t *value, char *why, size_t whylen)
{
	const char *s = text, *end = text + len, *p;
	unsigned int width = f ? f->width : r->width;
	char num[80];
	uint64_t v;
	int ret;

	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	if (s == end) {
		snprintf(why, whylen, "empty value");
		return -EINVAL;
	}
	if (*s == '-') {
		snprintf(why, whylen, "negative value");
		return -EINVAL;
	}
	if (f && !isdigit((unsigned char)*s)) {
		ret = enum_value(f, s, end - s, usage, value);
		if (ret == -EDOM)
			snprintf(why, whylen, "value name %.*s stands for more "
				 "than one value", (int)(end - s), s);
		else if (ret)
			snprintf(why, whylen, "unknown value name");
		return ret ? -EINVAL : 0;
	}
	/* One number rule (aperture_number.h) for the daemon and the
	 * command; longer text is no number that fits anyway. */
	snprintf(num, sizeof(num), "%.*s", (int)(end - s), s);
	p = num;
	ret = (size_t)(end - s) < sizeof(num) ? aperture_number(&p, "", &v)
					       : -EINVAL;
	if (ret == -EDOM) {
		p = num + strspn(num, "0");
		snprintf(why, whylen, "a leading 0 is not octal here: write "
			 "0x%.20s for hex or %.20s for decimal", p, p);
		return -EINVAL;
	}
	if (ret) {
		snprintf(why, whylen, ret == -ERANGE ? "does not fit in 64 bits"
						     : "not a number");
		return -EINVAL;
	}
	if (v & ~mask_of(width)) {
		snprintf(why, whylen, "does not fit in %u bit%s", width,
			 width == 1 ? "" : "s");
		return -EINVAL;
	}
	*value = v;
	return 0;
}

int regs_parse_value(const struct regs_register *r,
		     const struct regs_field *f, const char *text, size_t len,
		     uint64_t *value, char *why, size_t whylen)
{
	return parse(r, f, text, len, REGS_USE_WRITE, value, why, whylen);
}

int regs_parse_match(const struct regs_register *r,
		     const struct regs_field *f, const char *text, size_t len,
		     uint64_t *value, char *why, size_t whylen)
{
	return parse(r, f, text, len, REGS_USE_READ, value, why, whylen);
}

int regs_format_line(const struct regs_block *b,
		     const struct regs_register *r, const uint64_t *value,
		     const char *absent, char *buf, size_t len)
{
	char num[REGS_VALUE_LEN];
	size_t n = 0, i;
	int k;

#define PUT(...)							\
	do {								\
		k = snprintf(buf + (n < len ? n : len),		\
			     n < len ? len - n : 0, __VA_ARGS__);	\
		n += k > 0 ? (size_t)k : 0;				\
	} while (0)

	PUT("bar%d 0x%08" PRIx64 " %s %s", b->bar, b->base + r->offset,
	    b->name, r->name);
	if (!value) {
		PUT(" %s\n", absent ? absent : "skipped");
		return (int)n;
	}
	regs_format_register(r, *value, num, sizeof(num));
	PUT(" %s", num);
	for (i = 0; i < r->n_fields; i++) {
		const struct regs_field *f = &r->fields[i];
		uint64_t v = regs_field_get(f, *value);
		const char *e = regs_enum_name(f, v);

		if (!(f->access & REGS_READ))
			continue;
		PUT(" %s=%" PRIu64, f->name, v);
		if (e)
			PUT("(%s)", e);
	}
	PUT("\n");
#undef PUT
	return (int)n;
}

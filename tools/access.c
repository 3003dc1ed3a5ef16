// SPDX-License-Identifier: MIT
/*
 * access.c - the aperture command's ACCESS grammar, setpci's with a
 * range form from memtool:
 *
 *	OFFSET[.W]               read
 *	OFFSET[.W]=VALUE         write
 *	OFFSET[.W]=VALUE:MASK    read-modify-write of the bits in MASK
 *	OFFSET+LENGTH[.W]        read a range, printed as memtool md does
 *	BLOCK.REGISTER[.FIELD][=VALUE]   by name, from the mount's descriptions
 *
 * W is b, w, l or q (8/16/32/64 bits; l when absent).  Numbers follow C
 * and the shell: 0x1f is hex, 31 decimal, and a leading 0 (010) is
 * refused rather than guessed (octal in C and printf, decimal in setpci's
 * neighbours).  The rule is the same for offsets, lengths, values, masks,
 * named values and waits.  Offsets must be aligned to the width and
 * values fit in it.  No I/O here.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apc.h"
#include "aperture_number.h"

int apc_number(const char **s, const char *stops, uint64_t *v)
{
	return aperture_number(s, stops, v);
}

/*
 * The message for apc_number()'s @ret on the number at @at of @word,
 * which is the @what ("value", "mask").
 */
static int apc_number_err(const char *word, const char *what,
			  const char *at, const char *stops, int ret,
			  char *err, size_t errlen)
{
	int n = (int)strcspn(at, stops);

	if (ret == -EDOM) {
		int z = (int)strspn(at, "0");

		z = z < n ? z : n - 1;	/* "00" is 0 */
		snprintf(err, errlen, "'%s': %s '%.*s': a leading 0 is not "
			 "octal here: write 0x%.*s for hex or %.*s for "
			 "decimal", word, what, n, at, n - z, at + z, n - z,
			 at + z);
	}
	else if (ret == -ERANGE)
		snprintf(err, errlen, "'%s': %s '%.*s' does not fit in 64 "
			 "bits", word, what, n, at);
	else
		snprintf(err, errlen, "'%s': %s '%.*s' is not a number "
			 "(0x1f hex, 31 decimal)", word, what, n, at);
	return -EINVAL;
}

static unsigned int apc_width_of(char c)
{
	switch (c) {
	case 'b': return 1;
	case 'w': return 2;
	case 'l': return 4;
	case 'q': return 8;
	default: return 0;
	}
}

char apc_width_letter(unsigned int width)
{
	return width == 1 ? 'b' : width == 2 ? 'w' : width == 8 ? 'q' : 'l';
}

int apc_parse_bar(const char *word)
{
	if (!strncmp(word, "bar", 3) && word[3] >= '0' && word[3] <= '5' &&
	    !word[4])
		return word[3] - '0';
	return -1;
}

#define APC_ERR(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

/* A C identifier of @p, its length (0 if none). */
static size_t apc_ident(const char *p)
{
	size_t n = 0;

	if (!isalpha((unsigned char)*p) && *p != '_')
		return 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

/*
 * BLOCK.REGISTER[.FIELD][=VALUE]: 0, -ENOENT (no message) if @word is no
 * name, -EINVAL with a message if its value is neither a number nor a
 * value name.
 */
static int apc_parse_named(const char *word, struct apc_access *a,
			   char *err, size_t errlen)
{
	const char *p = word, *v;
	size_t n;
	int parts = 0, ret;

	memset(a, 0, sizeof(*a));
	a->bar = -1;
	while ((n = apc_ident(p))) {
		p += n;
		parts++;
		if (*p != '.')
			break;
		p++;
	}
	if (parts < 2 || parts > 3 || (*p && *p != '=') ||
	    (size_t)(p - word) >= sizeof(a->name))
		return -ENOENT;
	snprintf(a->name, sizeof(a->name), "%.*s", (int)(p - word), word);
	a->kind = APC_NAMED_READ;
	if (!*p)
		return 0;
	v = ++p;
	a->kind = APC_NAMED_WRITE;
	if (!*v)
		return APC_ERR("'%s': give a value after '='", word);
	if (strlen(v) >= sizeof(a->text))
		return APC_ERR("'%s': the value is too long", word);
	snprintf(a->text, sizeof(a->text), "%s", v);
	/* A value name (an enumerated value of the field), or a number. */
	if (apc_ident(v) == strlen(v)) {
		a->is_name = true;
		return 0;
	}
	ret = apc_number(&p, "", &a->val);
	if (ret)
		return apc_number_err(word, "value", v, "", ret, err, errlen);
	return 0;
}

#define APC_NUM(what, stops, dst)					\
	do {								\
		const char *at_ = p;					\
		int r_ = apc_number(&p, stops, dst);			\
									\
		if (r_)							\
			return apc_number_err(word, what, at_, stops, r_, \
					      err, errlen);		\
	} while (0)

static int apc_parse_offset(const char *word, int bar, struct apc_access *a,
			    char *err, size_t errlen)
{
	const char *p = word;
	uint64_t wmax;
	int ret;

	memset(a, 0, sizeof(*a));
	a->bar = bar;
	a->kind = APC_READ;
	a->width = 4;
	ret = apc_number(&p, "+.=", &a->off);
	if (ret == -EINVAL)
		return APC_ERR("'%s': expected OFFSET[.W][=VALUE[:MASK]], "
			       "OFFSET+LENGTH[.W] or "
			       "BLOCK.REGISTER[.FIELD][=VALUE]", word);
	if (ret)
		return apc_number_err(word, "offset", word, "+.=", ret, err,
				      errlen);
	if (*p == '+') {
		p++;
		a->kind = APC_RANGE;
		APC_NUM("length", ".=", &a->len);
		if (!a->len)
			return APC_ERR("'%s': the length after '+' must be "
				       "above 0", word);
	}
	if (*p == '.') {
		a->width = apc_width_of(p[1]);
		if (!a->width || (p[2] && p[2] != '='))
			return APC_ERR("'%s': the width is .b, .w, .l or .q",
				       word);
		p += 2;
	}
	if (*p == '=') {
		if (a->kind == APC_RANGE)
			return APC_ERR("'%s': a range cannot be written", word);
		p++;
		a->kind = APC_WRITE;
		APC_NUM("value", ":", &a->val);
		a->mask = ~0ull;
		if (*p == ':') {
			p++;
			a->kind = APC_UPDATE;
			APC_NUM("mask", "", &a->mask);
		}
	}
	if (*p)
		return APC_ERR("'%s': unexpected '%s'", word, p);
	if (a->bar < 0)
		return APC_ERR("'%s': no BAR given before it (bar0 ... bar5)",
			       word);
	if (a->off & (a->width - 1))
		return APC_ERR("'%s': offset 0x%" PRIx64 " is not aligned to "
			       "the width (%u bytes)", word, a->off, a->width);
	if (a->kind == APC_RANGE && (a->len & (a->width - 1)))
		return APC_ERR("'%s': length 0x%" PRIx64 " is not a multiple "
			       "of the width (%u bytes)", word, a->len,
			       a->width);
	wmax = a->width == 8 ? ~0ull : (1ull << (8 * a->width)) - 1;
	if (a->kind == APC_WRITE || a->kind == APC_UPDATE) {
		if (a->val & ~wmax)
			return APC_ERR("'%s': value 0x%" PRIx64 " does not "
				       "fit in .%c", word, a->val,
				       apc_width_letter(a->width));
		if (a->kind == APC_UPDATE && (a->mask & ~wmax))
			return APC_ERR("'%s': mask 0x%" PRIx64 " does not fit "
				       "in .%c", word, a->mask,
				       apc_width_letter(a->width));
		a->mask &= wmax;
	}
	return 0;
}

/* The offset forms first (0x20.b is an offset), then names. */
int apc_parse(const char *word, int bar, struct apc_access *a, char *err,
	      size_t errlen)
{
	char oerr[256];
	int ret = apc_parse_offset(word, bar, a, oerr, sizeof(oerr));

	if (ret)
		ret = apc_parse_named(word, a, err, errlen);
	if (ret == -ENOENT) {
		snprintf(err, errlen, "%s", oerr);
		ret = -EINVAL;
	}
	return ret;
}

long apc_parse_timeout(const char *word)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(word, &end);
	if (errno || end == word || v < 0 || !isdigit((unsigned char)*word))
		return -EINVAL;
	if (!strcmp(end, "ms"))
		;
	else if (!strcmp(end, "s"))
		v *= 1000;
	else
		return -EINVAL;
	if (v > 24 * 3600 * 1000.0)
		return -EINVAL;
	return (long)(v + 0.5);
}

void apc_describe(const struct apc_access *a, char *buf, size_t len)
{
	if (a->kind == APC_NAMED_READ || a->kind == APC_NAMED_WRITE)
		snprintf(buf, len, "%s", a->name);
	else if (a->kind == APC_RANGE)
		snprintf(buf, len, "bar%d 0x%" PRIx64 "+0x%" PRIx64 ".%c",
			 a->bar, a->off, a->len, apc_width_letter(a->width));
	else
		snprintf(buf, len, "bar%d 0x%" PRIx64 ".%c", a->bar, a->off,
			 apc_width_letter(a->width));
}

void apc_print_dry(FILE *f, const char *slot, const struct apc_access *a)
{
	int d = 2 * a->width;
	char what[64];

	apc_describe(a, what, sizeof(what));
	switch (a->kind) {
	case APC_READ:
	case APC_RANGE:
		fprintf(f, "would read %s %s\n", slot, what);
		break;
	case APC_WRITE:
		fprintf(f, "would write %s %s = 0x%0*" PRIx64 "\n", slot, what,
			d, a->val);
		break;
	case APC_UPDATE:
		fprintf(f, "would read %s %s, then write it with the bits "
			"0x%0*" PRIx64 " set to 0x%0*" PRIx64 "\n", slot, what,
			d, a->mask, d, a->val & a->mask);
		break;
	case APC_NAMED_READ:
		fprintf(f, "would read %s %s\n", slot, what);
		break;
	case APC_NAMED_WRITE:
		fprintf(f, "would write %s %s = %s\n", slot, what, a->text);
		break;
	}
}

void apc_print_dry_wait(FILE *f, const char *slot,
			const struct apc_access *a, long timeout_ms)
{
	int d = 2 * a->width;
	char what[64];

	apc_describe(a, what, sizeof(what));
	if (a->kind == APC_NAMED_WRITE)
		fprintf(f, "would wait up to %ld ms until %s %s reads %s\n",
			timeout_ms, slot, what, a->text);
	else
		fprintf(f, "would wait up to %ld ms until %s %s has 0x%0*"
			PRIx64 " under mask 0x%0*" PRIx64 "\n", timeout_ms,
			slot, what, d, a->val & a->mask, d, a->mask);
}

void apc_print_range(FILE *f, const struct apc_access *a,
		     const unsigned char *buf)
{
	unsigned int w = a->width, per = 16 / w;

	for (uint64_t i = 0; i < a->len; i += 16) {
		uint64_t n = a->len - i < 16 ? a->len - i : 16;

		fprintf(f, "%08" PRIx64 ":", a->off + i);
		for (unsigned int u = 0; u < per; u++) {
			uint64_t v = 0;

			if (u * w >= n) {
				fprintf(f, " %*s", 2 * w, "");
				continue;
			}
			for (unsigned int k = w; k--;)
				v = v << 8 | buf[i + u * w + k];
			fprintf(f, " %0*" PRIx64, 2 * w, v);
		}
		fputs("  ", f);
		for (uint64_t k = 0; k < n; k++)
			fputc(isprint(buf[i + k]) ? buf[i + k] : '.', f);
		fputc('\n', f);
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * aperture_number.h - the one number rule of aperturefs, for every value,
 * offset, length, mask and wait: 0x1f (or 0X1F) is hex, 31 is decimal, and
 * a leading 0 before a digit (010) is refused rather than guessed (octal
 * in C and printf, decimal in setpci's neighbours).  No sign, no blanks.
 *
 * Shared by the aperture command (tools/access.c) and the daemon's
 * register files (src/regs_value.c), so that `aperture edu.X=010` and
 * `echo 010 > regs/edu/X` refuse the same text.  Header only: the command
 * links libaperture, the daemon src/; neither carries the other's code.
 */
#ifndef APERTURE_NUMBER_H
#define APERTURE_NUMBER_H

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

/*
 * The number at *@s, which ends at the string's end or at one of @stops.
 * Returns 0, *@v and *@s past it; -EDOM for a leading 0 before a digit,
 * -ERANGE above 64 bits, -EINVAL if there is no number there (or it is
 * followed by anything but a stop).  *@s and *@v are left as they were
 * on failure.
 */
static inline int aperture_number(const char **s, const char *stops,
				  uint64_t *v)
{
	const char *p = *s;
	unsigned int base = 10;
	uint64_t x = 0;
	int digits = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && isdigit((unsigned char)p[1])) {
		return -EDOM;
	}
	for (; base == 16 ? isxdigit((unsigned char)*p) :
			    isdigit((unsigned char)*p); p++, digits++) {
		unsigned int d = isdigit((unsigned char)*p) ? *p - '0' :
				 tolower((unsigned char)*p) - 'a' + 10;

		/* x * base + d > UINT64_MAX, without a wider type (i386). */
		if (x > (UINT64_MAX - d) / base)
			return -ERANGE;
		x = x * base + d;
	}
	if (!digits || (*p && !strchr(stops, *p)))
		return -EINVAL;
	*v = x;
	*s = p;
	return 0;
}

#endif /* APERTURE_NUMBER_H */

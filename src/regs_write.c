// SPDX-License-Identifier: MIT
/*
 * regs_write.c - what writing one field puts in its register, and when
 * it must not be done at all.
 *
 * A field that is not the whole register is written by reading the
 * register, replacing the field and writing the register back.  On a real
 * card that write reaches every field: a pending bit that is cleared by
 * writing 1 (oneToClear) and reads 1 would be cleared by writing EN.  So
 * every other field with a write side effect gets its neutral value
 * instead of the value read:
 *
 *   oneToClear, oneToSet, oneToToggle       0
 *   zeroToClear, zeroToSet, zeroToToggle    all ones
 *   modify                                  the value read (a write may
 *                                           change it, whatever is written)
 *
 * Fields that are cleared or set by every write (clear, set) have no
 * neutral value: a field write beside one is refused (-EPERM), and so is
 * a field write in a register whose read has a side effect (readAction),
 * since the read half of the read-modify-write would consume the event.
 * Writing the whole register through its own file is always allowed:
 * then the user chooses every bit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "regs.h"

static const char *const effect_names[] = {
	[REGS_WR_PLAIN] = "none",
	[REGS_WR_ONE_TO_CLEAR] = "oneToClear",
	[REGS_WR_ONE_TO_SET] = "oneToSet",
	[REGS_WR_ONE_TO_TOGGLE] = "oneToToggle",
	[REGS_WR_ZERO_TO_CLEAR] = "zeroToClear",
	[REGS_WR_ZERO_TO_SET] = "zeroToSet",
	[REGS_WR_ZERO_TO_TOGGLE] = "zeroToToggle",
	[REGS_WR_CLEAR] = "clear",
	[REGS_WR_SET] = "set",
	[REGS_WR_MODIFY] = "modify",
};

const char *regs_write_effect_name(enum regs_write_effect e)
{
	return (unsigned int)e < sizeof(effect_names) / sizeof(*effect_names)
		? effect_names[e] : "?";
}

int regs_parse_write_effect(const char *s, enum regs_write_effect *e)
{
	unsigned int i;

	for (i = REGS_WR_ONE_TO_CLEAR; i <= REGS_WR_MODIFY; i++)
		if (!strcmp(s, effect_names[i])) {
			*e = i;
			return 0;
		}
	return -EINVAL;
}

static uint64_t field_mask(const struct regs_field *f)
{
	return (f->width >= 64 ? ~0ull : (1ull << f->width) - 1) << f->lsb;
}

bool regs_field_covers(const struct regs_register *r,
		       const struct regs_field *f)
{
	return f->lsb == 0 && f->width >= r->width;
}

int regs_field_write_check(const struct regs_register *r,
			   const struct regs_field *f, char *why,
			   size_t whylen)
{
	size_t i;

	if (regs_field_covers(r, f))
		return 0;
	if (r->read_action) {
		const struct regs_field *by = NULL;

		for (i = 0; i < r->n_fields && !by; i++)
			if (r->fields[i].read_action)
				by = &r->fields[i];
		if (by)
			snprintf(why, whylen, "reading %s has a side effect "
				 "(readAction of field %s): write the whole "
				 "register", r->name, by->name);
		else
			snprintf(why, whylen, "reading %s has a side effect "
				 "(readAction): write the whole register",
				 r->name);
		return -EPERM;
	}
	for (i = 0; i < r->n_fields; i++) {
		const struct regs_field *o = &r->fields[i];

		if (o == f || !(o->access & REGS_WRITE) ||
		    (o->write_effect != REGS_WR_CLEAR &&
		     o->write_effect != REGS_WR_SET))
			continue;
		snprintf(why, whylen, "every write of %s %ss field %s "
			 "(modifiedWriteValues %s): write the whole register",
			 r->name, o->write_effect == REGS_WR_CLEAR ? "clear"
								   : "set",
			 o->name, regs_write_effect_name(o->write_effect));
		return -EPERM;
	}
	return 0;
}

uint64_t regs_field_merge(const struct regs_register *r,
			  const struct regs_field *f, uint64_t old,
			  uint64_t value)
{
	uint64_t v = old;
	size_t i;

	for (i = 0; i < r->n_fields; i++) {
		const struct regs_field *o = &r->fields[i];
		uint64_t m = field_mask(o);

		if (o == f || !(o->access & REGS_WRITE))
			continue;
		switch (o->write_effect) {
		case REGS_WR_ONE_TO_CLEAR:
		case REGS_WR_ONE_TO_SET:
		case REGS_WR_ONE_TO_TOGGLE:
			v &= ~m;
			break;
		case REGS_WR_ZERO_TO_CLEAR:
		case REGS_WR_ZERO_TO_SET:
		case REGS_WR_ZERO_TO_TOGGLE:
			v |= m;
			break;
		default:
			break;
		}
	}
	return regs_field_set(f, v, value);
}

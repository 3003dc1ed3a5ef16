/* SPDX-License-Identifier: MIT */
/*
 * regs.h - register descriptions: one model, two parsers, one formatter.
 *
 * Read this header as the manual.  A description (CMSIS-SVD, or IP-XACT in
 * the IEEE 1685-2009, -2014 and -2022 namespaces and SPIRIT 1.5) is parsed
 * once, with libxml2, into a struct regs_desc: blocks (an SVD peripheral,
 * an IP-XACT address block), each with its registers in offset order, each
 * register with its fields and their enumerated values.  Arrays, clusters,
 * register files and every kind of derivation are expanded while parsing:
 * the model holds plain registers with final names, offsets and widths.
 *
 * Names in the model: an array element is the array's name with the index
 * in place of "%s" ("CH[%s]" becomes "CH0"); a register inside an SVD
 * cluster or an IP-XACT register file is "<CLUSTER>_<REGISTER>".  No name
 * contains '/' or '.', so "<REGISTER>.<FIELD>" is unambiguous.
 *
 * Offsets: a block's base is where it starts inside its BAR (the SVD
 * baseAddress, the IP-XACT baseAddress in bytes); a register's offset is
 * relative to its block.  Which BAR a block is in is the binding's choice
 * (regs_bind.c); the parsers set it to 0.
 *
 * Values: regs_format_*() and regs_parse_*() are the only places that turn
 * register and field values into text and back; the daemon, the command
 * and the library all use them.
 *
 * Conventions: functions return 0 or a negative errno and never print.
 * A description is immutable once loaded and may be read from any number
 * of threads.
 */
#ifndef APERTURE_REGS_H
#define APERTURE_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* The model                                                          */
/* ------------------------------------------------------------------ */

/* Access rights: a set of these bits. */
#define REGS_READ	0x1u	/* reads are allowed */
#define REGS_WRITE	0x2u	/* writes are allowed */
#define REGS_ONCE	0x4u	/* only the first write after reset counts */

/* Where an enumerated value applies (SVD usage, IP-XACT usage). */
#define REGS_USE_READ	0x1u	/* names a value that reads return */
#define REGS_USE_WRITE	0x2u	/* names a value that may be written */

/*
 * What a write does to a field besides storing the value (SVD
 * modifiedWriteValues, IP-XACT modifiedWriteValue).  Writing one field is
 * a read-modify-write of its register; regs_field_merge() gives every
 * other field with a write side effect its neutral value there.
 */
enum regs_write_effect {
	REGS_WR_PLAIN,			/* the value written is stored */
	REGS_WR_ONE_TO_CLEAR,		/* a 1 clears the bit, 0 is neutral */
	REGS_WR_ONE_TO_SET,		/* a 1 sets the bit, 0 is neutral */
	REGS_WR_ONE_TO_TOGGLE,		/* a 1 inverts the bit, 0 is neutral */
	REGS_WR_ZERO_TO_CLEAR,		/* a 0 clears the bit, 1 is neutral */
	REGS_WR_ZERO_TO_SET,		/* a 0 sets the bit, 1 is neutral */
	REGS_WR_ZERO_TO_TOGGLE,		/* a 0 inverts the bit, 1 is neutral */
	REGS_WR_CLEAR,			/* every write clears it: no neutral */
	REGS_WR_SET,			/* every write sets it: no neutral */
	REGS_WR_MODIFY,			/* a write may change it: the value
					 * read is written back */
};

enum regs_format {
	REGS_FORMAT_SVD,		/* CMSIS-SVD */
	REGS_FORMAT_IPXACT,		/* IEEE 1685 / SPIRIT */
};

/* One named value of a field. */
struct regs_enum {
	char *name;			/* "Enabled" */
	char *description;		/* free text, "" if none */
	uint64_t value;			/* the value, don't-care bits 0 */
	uint64_t mask;			/* bits that matter (SVD "#1x0"); all
					 * bits of the field for a plain value,
					 * 0 for the default (isDefault) */
	unsigned int usage;		/* REGS_USE_* */
};

/* One field: a bit range of a register. */
struct regs_field {
	char *name;			/* "IRQ_ENABLE" */
	char *description;		/* free text, "" if none */
	unsigned int lsb;		/* lowest bit */
	unsigned int width;		/* bits, 1..64 */
	unsigned int access;		/* REGS_READ | REGS_WRITE | REGS_ONCE */
	bool read_action;		/* reading it has a side effect */
	enum regs_write_effect write_effect; /* what a write does to it
					 * (SVD: the register's if it has
					 * none of its own) */
	size_t n_enums;			/* entries of @enums */
	struct regs_enum *enums;	/* enumerated values, file order */
	int line;			/* line of its definition */
};

/* One register. */
struct regs_register {
	char *name;			/* "STATUS", "CH0_EEP" */
	char *description;		/* free text, "" if none */
	uint64_t offset;		/* bytes from the block's base */
	unsigned int width;		/* bits as described, 1..64 */
	unsigned int access;		/* REGS_READ | REGS_WRITE | REGS_ONCE */
	bool read_action;		/* a read has a side effect (its own
					 * readAction or one of a field's) */
	enum regs_write_effect write_effect; /* SVD modifiedWriteValues of
					 * the register (its fields' default) */
	bool has_reset;			/* @reset is known */
	uint64_t reset;			/* value after reset */
	uint64_t reset_mask;		/* bits of @reset that are defined */
	size_t n_fields;		/* entries of @fields */
	struct regs_field *fields;	/* ascending lsb */
	int line;			/* line of its definition */
};

/* One block: an SVD peripheral or an IP-XACT address block. */
struct regs_block {
	char *name;			/* "edu", "dispi", "GPIOA" */
	char *description;		/* free text, "" if none */
	int bar;			/* BAR it lives in (binding), 0..5 */
	uint64_t base;			/* bytes from the start of the BAR */
	size_t n_regs;			/* entries of @regs */
	struct regs_register *regs;	/* ascending offset, then name */
	struct regs_register **by_name;	/* @regs sorted by name (lookups) */
	int line;			/* line of its definition */
};

/* A whole description. */
struct regs_desc {
	char *file;			/* the file's path as given */
	char *name;			/* device or component name, "" if none */
	enum regs_format format;	/* what it was parsed from */
	size_t n_blocks;		/* entries of @blocks */
	struct regs_block *blocks;	/* file order */
	struct regs_block **by_name;	/* @blocks sorted by name */
	size_t n_registers;		/* registers of all blocks */
	size_t n_fields;		/* fields of all registers */
};

/* Why a description did not load: "FILE:LINE: PROBLEM", LINE 0 if none. */
struct regs_error {
	char file[256];			/* the path given, truncated */
	int line;			/* line of the problem, 0 if unknown */
	char problem[256];		/* what is wrong, no trailing newline */
};

/* ------------------------------------------------------------------ */
/* Loading                                                            */
/* ------------------------------------------------------------------ */

/* The largest description loaded (64 MiB); larger ones are -EFBIG. */
#define REGS_FILE_MAX	(64u << 20)

/*
 * Parses the description in @path; the format is recognised by its root
 * element.  Returns 0 and *@out, or -EINVAL (does not parse, or declares
 * an XML entity, which is never expanded: @err says where and why),
 * -EFBIG (more than REGS_FILE_MAX bytes), -ENOENT and other errnos of
 * open(2) and read(2), or -ENOMEM.  @err may be NULL.
 */
int regs_load_file(const char *path, struct regs_desc **out,
		   struct regs_error *err);

/*
 * As regs_load_file(), from @len bytes at @buf; @name stands for the file
 * in the model and in messages.
 */
int regs_load_memory(const char *buf, size_t len, const char *name,
		     struct regs_desc **out, struct regs_error *err);

/* Frees a description (NULL is fine). */
void regs_free(struct regs_desc *d);

/* "FILE:LINE: PROBLEM" (or "FILE: PROBLEM" without a line) into @buf. */
int regs_error_format(const struct regs_error *err, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Lookups (binary search: O(log n) string compares)                  */
/* ------------------------------------------------------------------ */

/* The block named @name, NULL if none. */
const struct regs_block *regs_find_block(const struct regs_desc *d,
					 const char *name);

/* The register of @b named @name (@len bytes), NULL if none. */
const struct regs_register *regs_find_register(const struct regs_block *b,
					       const char *name, size_t len);

/* The field of @r named @name, NULL if none. */
const struct regs_field *regs_find_field(const struct regs_register *r,
					 const char *name);

/*
 * A file name inside a block's directory: "REGISTER" or
 * "REGISTER.FIELD".  Returns 0 with *@reg and *@field (NULL for a
 * register), or -ENOENT.
 */
int regs_lookup(const struct regs_block *b, const char *name,
		const struct regs_register **reg,
		const struct regs_field **field);

/* Bytes of the one access that reads or writes @r: 1, 2, 4 or 8. */
unsigned int regs_access_bytes(const struct regs_register *r);

/* True if reading @r has no side effect and is allowed. */
bool regs_register_listable(const struct regs_register *r);

/* ------------------------------------------------------------------ */
/* Values as text                                                     */
/* ------------------------------------------------------------------ */

/* Longest text any regs_format_value() produces, with its NUL. */
#define REGS_VALUE_LEN	24

/*
 * A register's value as its file shows it: "0x" and hex digits, zero
 * padded to the register's width ("0x010000ed" for 32 bits), no newline.
 */
int regs_format_register(const struct regs_register *r, uint64_t value,
			 char *buf, size_t len);

/* A field's value (taken out of its register's @regval) in decimal. */
int regs_format_field(const struct regs_field *f, uint64_t regval,
		      char *buf, size_t len);

/* The value of field @f inside register value @regval. */
uint64_t regs_field_get(const struct regs_field *f, uint64_t regval);

/* @regval with field @f replaced by @value (which must fit). */
uint64_t regs_field_set(const struct regs_field *f, uint64_t regval,
			uint64_t value);

/*
 * The enumerated name of @value for reading field @f, NULL if none
 * matches.
 */
const char *regs_enum_name(const struct regs_field *f, uint64_t value);

/*
 * Parses text written to a register (@f NULL) or a field: a number by
 * the one rule of aperture_number.h (0x1f hex, 31 decimal, a leading 0
 * refused), or for a field one of its enumerated names (write usage);
 * one trailing newline and surrounding blanks are ignored.  Returns 0
 * with *@value, or -EINVAL with what is wrong in @why ("not a number",
 * "does not fit in 8 bits", "negative value", "unknown value name",
 * "empty value", "a leading 0 is not octal here: write 0x10 for hex or
 * 10 for decimal"; REGS_WHY_LEN bytes are enough).
 */
#define REGS_WHY_LEN	128
int regs_parse_value(const struct regs_register *r,
		     const struct regs_field *f, const char *text, size_t len,
		     uint64_t *value, char *why, size_t whylen);

/*
 * As regs_parse_value(), for a value a read is compared with (a wait):
 * names are those of read usage; a name with don't-care bits, or the
 * default name, is -EINVAL ("value name X stands for more than one
 * value").
 */
int regs_parse_match(const struct regs_register *r,
		     const struct regs_field *f, const char *text, size_t len,
		     uint64_t *value, char *why, size_t whylen);

/* ------------------------------------------------------------------ */
/* Writing a field (regs_write.c)                                     */
/* ------------------------------------------------------------------ */

/* The name of @e as the descriptions spell it ("oneToClear"). */
const char *regs_write_effect_name(enum regs_write_effect e);

/* @s ("oneToClear", ...) as a REGS_WR_*; -EINVAL if unknown. */
int regs_parse_write_effect(const char *s, enum regs_write_effect *e);

/* True if @f is the whole of @r: written with no read. */
bool regs_field_covers(const struct regs_register *r,
		       const struct regs_field *f);

/*
 * Whether writing field @f (a read-modify-write of @r unless @f covers
 * it) is safe: 0, or -EPERM with the reason in @why, naming the field
 * that forbids it: reading @r has a side effect (a field's or the
 * register's readAction: the read would consume the event), or another
 * field is cleared or set by every write (modifiedWriteValues clear or
 * set: no value leaves it as it is).
 */
int regs_field_write_check(const struct regs_register *r,
			   const struct regs_field *f, char *why,
			   size_t whylen);

/*
 * The value to write to @r to put @value in field @f when @r reads
 * @old: @old, with @f replaced, and every other field with a write side
 * effect set to its neutral value (0 for the oneTo* kinds, all ones for
 * the zeroTo* kinds; modify keeps the value read).
 */
uint64_t regs_field_merge(const struct regs_register *r,
			  const struct regs_field *f, uint64_t old,
			  uint64_t value);

/*
 * One line of a `registers` listing, newline included:
 *
 *   bar<N> 0x<OFFSET> <BLOCK> <REGISTER> 0x<VALUE>[ <FIELD>=<DEC>[(<ENUM>)]]...
 *   bar<N> 0x<OFFSET> <BLOCK> <REGISTER> <ABSENT>
 *
 * OFFSET is the register's offset in its BAR, 8 hex digits at least;
 * VALUE as regs_format_register(); readable fields in ascending bit
 * order, an enumerated name where one matches.  With @value NULL the
 * line ends in @absent instead ("skipped": a read would have side
 * effects; "unreadable": the access failed).  Returns the length
 * (snprintf-like: may exceed @len, output truncated).
 */
int regs_format_line(const struct regs_block *b,
		     const struct regs_register *r, const uint64_t *value,
		     const char *absent, char *buf, size_t len);

#endif /* APERTURE_REGS_H */

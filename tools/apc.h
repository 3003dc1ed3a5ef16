/* SPDX-License-Identifier: MIT */
/*
 * apc.h - the aperture command's parts: the ACCESS grammar
 * (tools/access.c, pure, unit-tested) and what runs and prints an access
 * (tools/run.c).  tools/aperture.c is main.
 */
#ifndef APERTURE_APC_H
#define APERTURE_APC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aperture/aperture.h"

/* Exit statuses. */
#define AP_EXIT_OK	0
#define AP_EXIT_ACCESS	1	/* an access (or the mount) failed */
#define AP_EXIT_SYNTAX	2	/* bad command line */
#define AP_EXIT_TIMEOUT	124	/* a wait timed out (as timeout(1)) */

enum apc_kind {
	APC_READ,		/* OFF[.W] */
	APC_WRITE,		/* OFF[.W]=VALUE */
	APC_UPDATE,		/* OFF[.W]=VALUE:MASK, read-modify-write */
	APC_RANGE,		/* OFF+LEN[.W] */
	APC_NAMED_READ,		/* BLOCK.REGISTER[.FIELD] */
	APC_NAMED_WRITE,	/* BLOCK.REGISTER[.FIELD]=VALUE */
};

/* One parsed ACCESS word. */
struct apc_access {
	enum apc_kind kind;
	int bar;		/* BAR the last barN word chose */
	uint64_t off;		/* byte offset in the BAR */
	uint64_t len;		/* APC_RANGE: bytes */
	unsigned int width;	/* 1, 2, 4 or 8 */
	uint64_t val;		/* APC_WRITE, APC_UPDATE */
	uint64_t mask;		/* APC_UPDATE; all ones for APC_WRITE */
	char name[128];		/* APC_NAMED_*: BLOCK.REGISTER[.FIELD] */
	char text[64];		/* APC_NAMED_WRITE: the value as given */
	bool is_name;		/* APC_NAMED_WRITE: text is a value name */
};

/* The command's name in its messages (basename of argv[0]). */
extern const char *apc_prog;

/* Output modes. */
enum apc_mode {
	APC_NORMAL,		/* 0x-prefixed values, ranges as memtool md */
	APC_QUIET,		/* nothing on stdout */
	APC_RAW,		/* the bytes read, little endian, binary */
};

/* The command line of the commands that name a function. */
struct apc_opts {
	const char *slot;	/* -s */
	const char *id;		/* -d */
	const char *mount;	/* -m */
	bool dry;		/* -n */
	enum apc_mode mode;	/* -q, -r */
	long timeout_ms;	/* -t, wait only */
	bool wait;		/* the wait subcommand */
	bool trace;		/* the trace subcommand */
	bool dump;		/* the dump subcommand */
	bool wait_irq;		/* the wait-irq subcommand */
};

/* A syntax error: the message on stderr, AP_EXIT_SYNTAX. */
int apc_syntax(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open the one function @o names; messages on failure, an exit status. */
int apc_open(const struct apc_opts *o, struct aperture **ap);

/* aperture own|release BDF (tools/own.c): an exit status. */
int apc_own(int argc, char **argv, bool release);

/* aperture wait-irq's VECTOR words after the options (tools/own.c). */
int apc_wait_irq(struct apc_opts *o, int argc, char **argv);


/*
 * Parse one ACCESS word (not barN) with @bar the BAR in effect: an offset
 * form, else a name.  0, or -EINVAL with a message for the user in @err.
 */
int apc_parse(const char *word, int bar, struct apc_access *a, char *err,
	      size_t errlen);

/*
 * A number of @s up to one of @stops (or the end): 0x hex or decimal; a
 * leading 0 before a digit is -EDOM (no octal guess), more than 64 bits
 * -ERANGE, no number -EINVAL.  Advances *@s past it.
 */
int apc_number(const char **s, const char *stops, uint64_t *v);

/* "barN" -> N, or -1 if @word is no BAR word. */
int apc_parse_bar(const char *word);

/* A duration with its unit, "2s", "500ms", "1.5s", in ms; -EINVAL. */
long apc_parse_timeout(const char *word);

/* The letter of a width: b w l q. */
char apc_width_letter(unsigned int width);

/* "bar0 0x20.l" (or "bar0 0x0+0x40.l") into @buf. */
void apc_describe(const struct apc_access *a, char *buf, size_t len);

/* What -n prints for @a on @slot, one line on @f. */
void apc_print_dry(FILE *f, const char *slot, const struct apc_access *a);

/* What -n prints for a wait on @a. */
void apc_print_dry_wait(FILE *f, const char *slot,
			const struct apc_access *a, long timeout_ms);

/*
 * A range as memtool md prints it: per 16 bytes "OFFSET: W W W W  ascii".
 * @buf holds @a->len bytes read from @a->off.
 */
void apc_print_range(FILE *f, const struct apc_access *a,
		     const unsigned char *buf);

/*
 * Check @a against the function before anything is done: the BAR or
 * register exists, the range is inside the BAR, the file may be read or
 * written as @a (or a wait, if @wait) needs; for a name, the daemon's
 * regs/.check also says whether the value fits the field or names one of
 * its values, and whether the write or wait is safe (EPERM: a read with
 * a side effect, another field set or cleared).  A named wait's value is
 * then a->val, value names translated.  No device access.  Prints the
 * reason on @err; returns an AP_EXIT_* status.
 */
int apc_check(struct aperture *ap, struct apc_access *a, bool wait,
	      FILE *err);

/*
 * Do @a on @ap and print its result in @mode; messages go to @err.
 * Returns an AP_EXIT_* status.
 */
int apc_run(struct aperture *ap, const struct apc_access *a,
	    enum apc_mode mode, FILE *out, FILE *err);

/* The wait: poll @a (APC_WRITE/APC_UPDATE form: value and mask). */
int apc_wait(struct aperture *ap, const struct apc_access *a,
	     long timeout_ms, FILE *err);

/*
 * One line of tracefs text with an aperture_io event, as `aperture trace`
 * prints it, into @out; -EINVAL if it is no such line (tools/trace.c).
 */
int apc_trace_format(const char *line, char *out, size_t len);

/*
 * Trace the accesses to @ap's function (NULL: every function, named from
 * the descriptions of mount @mount, NULL for the first one) while @cmd
 * runs (or, if it is NULL or empty, until SIGINT), printing one line per
 * event on @out.  Returns the command's exit status, or an AP_EXIT_*
 * status.
 */
int apc_trace(struct aperture *ap, const char *mount, char **cmd, FILE *out);

#endif /* APERTURE_APC_H */

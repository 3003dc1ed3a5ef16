/* SPDX-License-Identifier: MIT */
/*
 * regs_bind.h - which register description applies to which PCI function
 * and BAR.
 *
 * The binding is the file's name: "VVVV:DDDD.svd" or "VVVV:DDDD.xml"
 * describes BAR0 of every function with that vendor and device ID,
 * "VVVV:DDDD-barN.svd|.xml" BAR N (hex IDs, lower or upper case).  The
 * offsets in the file (SVD baseAddress + addressOffset, IP-XACT
 * baseAddress + addressOffset) are offsets in that BAR.  A device with
 * registers in several BARs has one file per BAR; their block names must
 * differ.
 *
 * A set is filled from places in order (the mount's -o regs=, then
 * /etc/aperturefs/regs, then the descriptions installed with aperturefs);
 * the first file of a binding wins, later ones of the same binding are
 * not read.  Files of other names in a directory are ignored.
 *
 * Functions return 0 or a negative errno and never print.
 */
#ifndef APERTURE_REGS_BIND_H
#define APERTURE_REGS_BIND_H

#include <stdbool.h>
#include <stdint.h>

#include "regs.h"

/* One description file and what became of it. */
struct regs_bound {
	uint16_t vendor;		/* PCI vendor ID it applies to */
	uint16_t device;		/* PCI device ID */
	int bar;			/* BAR its offsets are in, 0..5 */
	char *path;			/* the file */
	struct regs_desc *desc;		/* the model; NULL if it did not load */
	struct regs_error err;		/* why not, when @desc is NULL */
};

/* Every description found, in the order found. */
struct regs_set {
	struct regs_bound *v;		/* the files */
	size_t n;			/* how many */
};

/*
 * The binding of file name @name (no folder): 0 with vendor, device and
 * BAR, or -EINVAL if @name is not "VVVV:DDDD[-barN].svd|.xml".
 */
int regs_bind_parse_name(const char *name, uint16_t *vendor,
			 uint16_t *device, int *bar);

/* A new empty set; NULL if out of memory. */
struct regs_set *regs_set_new(void);
void regs_set_free(struct regs_set *s);

/*
 * Adds the file @path, named as above.  Returns 1 if its binding was
 * already in the set (the file is not read), 0 if it loaded, or -errno:
 * -EINVAL with @err filled if its name is not a binding or it does not
 * parse (the file is then in the set with that error), -ENOMEM.
 */
int regs_set_add_file(struct regs_set *s, const char *path,
		      struct regs_error *err);

/*
 * Adds every file of directory @dir named as a binding, in name order;
 * one that does not parse is kept with its error (see regs_bound.err).
 * A missing directory adds nothing and returns 0; other errors of
 * opendir(3) are returned.
 */
int regs_set_add_dir(struct regs_set *s, const char *dir);

/*
 * The @i-th file of the set for @vendor:@device (i = 0, 1, ...), loaded
 * or not; NULL after the last.
 */
const struct regs_bound *regs_set_get(const struct regs_set *s,
				      uint16_t vendor, uint16_t device,
				      size_t i);

#endif /* APERTURE_REGS_BIND_H */

/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what libaperture's files share and do not export: the
 * layout of struct aperture and the helpers between lib/open.c,
 * lib/access.c, lib/io.c, lib/map.c and lib/regs.c.  The version script
 * (lib/libaperture.map) exports aperture_* only.
 */
#ifndef APERTURE_LIB_INTERNAL_H
#define APERTURE_LIB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "aperture/aperture.h"

/* Longest aperture_last_error() message, with its NUL. */
#define APL_ERR_MAX	320

/* Widths a mapping serves in one load or store (8 on 64-bit only). */
#if UINTPTR_MAX > 0xffffffffu
#define APL_IO_WIDTHS	0x116u	/* bits 1, 2, 4, 8 */
#else
#define APL_IO_WIDTHS	0x016u	/* bits 1, 2, 4 */
#endif

/* How register accesses of a BAR go, once decided (apl_io_decide()). */
enum apl_io {
	APL_IO_UNDECIDED,	/* no register access yet */
	APL_IO_FILE,		/* pread/pwrite of the BAR file */
	APL_IO_MAP,		/* loads and stores on io */
};

/* One BAR file of a function, opened on first use. */
struct aperture_bar {
	int fd;			/* the BAR file, -1 until opened */
	int wr_err;		/* 0, or -errno why fd is read-only */
	uint64_t size;		/* its size (st_size) once opened */
	void *map;		/* aperture_map()'s mapping, or NULL */
	size_t map_len;		/* its length */
	enum apl_io io_how;	/* how register accesses go */
	volatile unsigned char *io; /* APL_IO_MAP: the device, size bytes */
	unsigned int io_widths;	/* widths io serves: bit 1, 2, 4, 8 */
};

struct aperture {
	char mount[APERTURE_PATH_MAX];	/* the mount point */
	char slot[APERTURE_SLOT_MAX];	/* "dddd:bb:dd.f" (or 5 digits) */
	int access;			/* APERTURE_ACCESS_* */
	struct aperture_bar bars[APERTURE_NR_BARS];
	char err[APL_ERR_MAX];		/* aperture_last_error() */
};

/*
 * Whether @path may be accessed as @mode (R_OK, W_OK, 0) says: 0,
 * -ENOENT, -EACCES (no such bit for anyone, or for the caller).
 */
int apl_access(const char *path, int mode);

/* Open BAR @bar's file if it is not open yet; 0 or -errno. */
int apl_bar_get(struct aperture *ap, int bar, struct aperture_bar **out);

/*
 * Note why a call on @ap failed: "<slot> " and @fmt's text go to
 * ap->err (aperture_last_error()).  Returns @ret, a -errno.
 */
int apl_fail(struct aperture *ap, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Decide how register accesses of @b go (b->io_how), mapping it if so. */
void apl_io_decide(struct aperture *ap, struct aperture_bar *b);

/* Drop @b's register mapping, if any; the next access decides again. */
void apl_io_drop(struct aperture_bar *b);

/*
 * Whether the mapping at @addr is I/O memory (VM_IO and VM_PFNMAP: "io"
 * and "pf" in its VmFlags in /proc/self/smaps), the module's mapping of
 * the BAR, and not page cache.  false when in doubt.
 */
bool apl_maps_io(const void *addr);

/* Pauses of a poll: 10 us doubling to 10 ms, cut at the deadline. */
struct apl_poll {
	uint64_t deadline;	/* CLOCK_MONOTONIC, ns */
	uint64_t pause;		/* the next pause, ns */
};

void apl_poll_start(struct apl_poll *p, unsigned int timeout_ms);
/* Whether the deadline has passed (read once more, then give up). */
bool apl_poll_late(const struct apl_poll *p);
void apl_poll_pause(struct apl_poll *p);

#endif /* APERTURE_LIB_INTERNAL_H */

/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * aperture_split.h - how one read or write of a BAR is cut into device
 * accesses.
 *
 * Pure logic shared by the kernel module (kmod/aperture_io.c), which runs
 * it on every transfer, and the host unit tests (tests/unit/check_split.c),
 * which run it exhaustively.  No allocation, no I/O, no errno: the module
 * maps a false aperture_split_write_ok() to EINVAL itself.
 *
 * The rules (issue 3, "Widths"):
 *  - NATURAL (auto width on a prefetchable BAR): each piece is the widest
 *    naturally aligned access (8/4/2/1 bytes, at most max_width) that fits
 *    in what is left.  With bulk set, an 8-aligned run of at least
 *    APERTURE_SPLIT_BULK_MIN bytes is one bulk piece (width 0), which the
 *    module copies with a fast string copy: the BAR is memory, so any
 *    width is right there.
 *  - REG32 (auto width on a register BAR): reads are whole aligned dwords,
 *    of which the caller keeps the part asked for; writes go out at their
 *    own natural width (4, else 2 or 1), never as a read-modify-write.
 *  - FIXED (one width W): reads are W-wide aligned accesses covering the
 *    range; a write must start on a W boundary and be a multiple of W.
 *
 * Every access is naturally aligned and at most 8 bytes wide, so no access
 * crosses an 8-byte (and so no page) boundary: a caller may cut a transfer
 * into chunks ending on 8-byte boundaries without changing the accesses.
 *
 * Compiles in the kernel and in user space with -std=c99 -pedantic.
 */
#ifndef APERTURE_SPLIT_H
#define APERTURE_SPLIT_H

#include <linux/types.h>

/* How accesses are cut (struct aperture_split.mode). */
#define APERTURE_SPLIT_NATURAL	0u	/* widest naturally aligned */
#define APERTURE_SPLIT_REG32	1u	/* register rules, see above */
#define APERTURE_SPLIT_FIXED	2u	/* one width for every access */

/* Shortest run worth a bulk piece, in bytes. */
#define APERTURE_SPLIT_BULK_MIN	64u

/* The access policy of one descriptor. */
struct aperture_split {
	__u32 mode;		/* APERTURE_SPLIT_* */
	__u32 width;		/* FIXED: the width; NATURAL: the widest (1-8) */
	__u32 bulk;		/* NATURAL: nonzero allows bulk pieces */
};

/* One device access, or one bulk copy. */
struct aperture_piece {
	__u64 addr;		/* BAR offset of the access (aligned to width) */
	__u32 width;		/* 1, 2, 4 or 8 bytes; 0: bulk copy of len bytes */
	__u32 skip;		/* bytes of the access before the caller's data */
	__u32 len;		/* bytes of the caller's data the piece carries */
};

/* The widest of 8/4/2/1 not above max, aligned at off, at most count. */
static inline __u32 aperture_split_natural(__u64 off, __u64 count, __u32 max)
{
	__u32 w;

	for (w = 8; w > 1; w >>= 1)
		if (w <= max && (off & (w - 1)) == 0 && count >= w)
			break;
	return w;
}

/*
 * Whether a write of count bytes at off is allowed at all: only FIXED
 * refuses, when off or count is not a multiple of the width.
 */
static inline int aperture_split_write_ok(const struct aperture_split *s,
					  __u64 off, __u64 count)
{
	if (s->mode != APERTURE_SPLIT_FIXED)
		return 1;
	return (off & (s->width - 1)) == 0 && (count & (s->width - 1)) == 0;
}

/*
 * The next piece of a transfer of count (> 0) bytes at BAR offset off.
 * The caller handles p->len bytes and calls again with off + p->len and
 * count - p->len.  For a write, aperture_split_write_ok() must hold.
 */
static inline void aperture_split_next(const struct aperture_split *s,
				       __u64 off, __u64 count, int write,
				       struct aperture_piece *p)
{
	__u32 w;

	switch (s->mode) {
	case APERTURE_SPLIT_REG32:
		if (write) {
			w = aperture_split_natural(off, count, 4);
			break;
		}
		p->addr = off & ~(__u64)3;
		p->width = 4;
		p->skip = (__u32)(off & 3);
		p->len = 4 - p->skip;
		if (p->len > count)
			p->len = (__u32)count;
		return;
	case APERTURE_SPLIT_FIXED:
		w = s->width;
		p->addr = off & ~(__u64)(w - 1);
		p->width = w;
		p->skip = (__u32)(off - p->addr);
		p->len = w - p->skip;
		if (p->len > count)
			p->len = (__u32)count;
		return;
	default:
		if (s->bulk && (off & 7) == 0 &&
		    count >= APERTURE_SPLIT_BULK_MIN) {
			p->addr = off;
			p->width = 0;
			p->skip = 0;
			/* Pieces stay small: callers work one page at a time. */
			p->len = (__u32)((count > 0x40000000u ?
					  0x40000000u : count) & ~(__u64)7);
			return;
		}
		w = aperture_split_natural(off, count, s->width);
		break;
	}
	p->addr = off;
	p->width = w;
	p->skip = 0;
	p->len = w;
}

#endif /* APERTURE_SPLIT_H */

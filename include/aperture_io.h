/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * aperture_io.h - the ABI of /dev/aperture_io, shared by the kernel module
 * and user space.
 *
 * The control node /dev/aperture_io opens one BAR of one PCI function and
 * hands back a descriptor for it.  That descriptor is a regular file of the
 * module's own pseudo file system: read/write/pread/pwrite/readv/O_DIRECT
 * reach the BAR one page window at a time, lseek stays inside the BAR, and
 * mmap(MAP_SHARED) maps the BAR pages themselves.
 *
 * Every structure has fixed-size fields, starts with argsz (the caller's
 * sizeof) so that it can grow (the ioctl numbers carry no size), and has
 * its size pinned below.  This header
 * compiles in the kernel and in user space (-std=c99 -pedantic).
 */
#ifndef APERTURE_IO_H
#define APERTURE_IO_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* ------------------------------------------------------------------ */
/* Version                                                             */
/* ------------------------------------------------------------------ */

/* Bumped on any incompatible change; reported by every info call. */
#define APERTURE_IO_ABI_VERSION		1

/* The control node, relative to /dev. */
#define APERTURE_IO_NODE		"aperture_io"

/* ------------------------------------------------------------------ */
/* Open flags (struct aperture_io_bar.flags, in)                       */
/* ------------------------------------------------------------------ */

/*
 * Access width.  AUTO: on a prefetchable BAR each piece is split into the
 * widest naturally aligned accesses (8/4/2/1 bytes); on a register BAR
 * (not prefetchable, or I/O) accesses are 32-bit.  A fixed width W reads
 * any range with W-wide accesses that cover it; a write must start on a W
 * boundary and be a multiple of W (else EINVAL).
 */
#define APERTURE_IO_WIDTH_MASK		0x0000000fu
#define APERTURE_IO_WIDTH_AUTO		0x0u
#define APERTURE_IO_WIDTH_8		0x1u
#define APERTURE_IO_WIDTH_16		0x2u
#define APERTURE_IO_WIDTH_32		0x3u
#define APERTURE_IO_WIDTH_64		0x4u

/*
 * Memory type of the kernel windows and of mmap.  AUTO: write-combining
 * for a prefetchable memory BAR, uncached otherwise, or uncached when
 * another mapping of the range (a driver's window) already holds it
 * uncached; memtype (out) says which.  One BAR has one memory type at a
 * time (x86 PAT refuses a mix): an open that asks for another type than
 * the one in force gets EBUSY.
 */
#define APERTURE_IO_MEMTYPE_MASK	0x00000030u
#define APERTURE_IO_MEMTYPE_AUTO	0x00u
#define APERTURE_IO_MEMTYPE_UC		0x10u
#define APERTURE_IO_MEMTYPE_WC		0x20u

/* Open the descriptor read-only (writes give EBADF). */
#define APERTURE_IO_OPEN_RDONLY		0x00000100u

/* Every flag bit defined above; others are EINVAL. */
#define APERTURE_IO_FLAGS_ALL		(APERTURE_IO_WIDTH_MASK | \
					 APERTURE_IO_MEMTYPE_MASK | \
					 APERTURE_IO_OPEN_RDONLY)

/* ------------------------------------------------------------------ */
/* BAR properties (struct aperture_io_bar.bar_flags, out)              */
/* ------------------------------------------------------------------ */

#define APERTURE_IO_BAR_MEM		0x1u	/* memory BAR */
#define APERTURE_IO_BAR_IO		0x2u	/* I/O-port BAR (no mmap) */
#define APERTURE_IO_BAR_64		0x4u	/* 64-bit memory BAR */
#define APERTURE_IO_BAR_PREFETCH	0x8u	/* prefetchable */

/* ------------------------------------------------------------------ */
/* Device state (struct aperture_io_bar.state, out)                    */
/* ------------------------------------------------------------------ */

/*
 * The state as the call saw it.  A module older than this field leaves
 * it 0 (it was reserved1): only with STATE_VALID set do the other bits
 * mean anything.
 */
#define APERTURE_IO_STATE_VALID		0x1u	/* state is reported */
#define APERTURE_IO_STATE_DECODING	0x2u	/* the function decodes the
						 * BAR (PCI_COMMAND MEMORY
						 * or IO); off: accesses
						 * are EIO */

/* ------------------------------------------------------------------ */
/* The one argument structure                                          */
/* ------------------------------------------------------------------ */

/*
 * Names one BAR of one function and describes it.  "in" fields are read
 * by the call, "out" fields written; reserved fields must be zero.
 */
struct aperture_io_bar {
	__u32 argsz;		/* in: sizeof(struct aperture_io_bar) */
	__u32 abi_version;	/* out: APERTURE_IO_ABI_VERSION */
	__u32 domain;		/* in: PCI domain (segment) */
	__u8 bus;		/* in: bus number */
	__u8 devfn;		/* in: (slot << 3) | function */
	__u8 bar;		/* in: BAR index, 0..5 */
	__u8 reserved0;		/* in: must be 0 */
	__u32 flags;		/* in: APERTURE_IO_WIDTH_*, _MEMTYPE_*, _OPEN_* */
	__s32 fd;		/* out: new descriptor (OPEN), else -1 */
	__u64 start;		/* out: CPU physical address (as lspci shows) */
	__u64 size;		/* out: BAR size in bytes */
	__u32 bar_flags;	/* out: APERTURE_IO_BAR_* */
	__u32 memtype;		/* out: APERTURE_IO_MEMTYPE_UC/WC, 0 for I/O */
	__u32 width;		/* out: APERTURE_IO_WIDTH_* that accesses use */
	__u32 state;		/* out: APERTURE_IO_STATE_* */
};

/* Layout is ABI: the same on every architecture and compiler. */
typedef char aperture_io_bar_size_is_56
	[sizeof(struct aperture_io_bar) == 56 ? 1 : -1];

/* ------------------------------------------------------------------ */
/* ioctls                                                              */
/* ------------------------------------------------------------------ */

#define APERTURE_IO_TYPE		0xA7

/*
 * The numbers carry no size and no direction (_IO, as VFIO's do): argsz
 * says how large the caller's structure is, so that it can grow without
 * a new number.  The module also accepts the numbers of its first
 * versions (_V1 below, which had the 56-byte structure's size in them),
 * and the library falls back to them when a module older than the new
 * numbers answers ENOTTY.
 */

/*
 * On /dev/aperture_io: open the BAR named by domain/bus/devfn/bar with
 * flags; fills every out field, fd included (O_CLOEXEC).  Needs
 * CAP_SYS_RAWIO.  Errors: EPERM (capability, lockdown), ENODEV (no such
 * function, BAR not implemented), EINVAL (bad flags, bar > 5, argsz,
 * write-combining on a BAR that is not prefetchable or shares a page),
 * EBUSY (region marked exclusive, conflicting memory type).
 */
#define APERTURE_IO_OPEN	_IO(APERTURE_IO_TYPE, 0x00)

/*
 * On /dev/aperture_io: describe the BAR as OPEN would, without opening it
 * (fd is -1).  On a BAR descriptor: describe that descriptor's BAR (the in
 * fields but argsz are ignored).  state says whether the function
 * decodes the BAR now.
 */
#define APERTURE_IO_INFO	_IO(APERTURE_IO_TYPE, 0x01)

/* The same calls under their first numbers (0xc038a700, 0xc038a701). */
#define APERTURE_IO_OPEN_V1	_IOWR(APERTURE_IO_TYPE, 0x00, struct aperture_io_bar)
#define APERTURE_IO_INFO_V1	_IOWR(APERTURE_IO_TYPE, 0x01, struct aperture_io_bar)

#endif /* APERTURE_IO_H */

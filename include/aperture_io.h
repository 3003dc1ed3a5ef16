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
/* Owned functions: DMA buffers and interrupts                         */
/* ------------------------------------------------------------------ */

/*
 * A function is owned when aperture_io is its PCI driver.  The module
 * registers a PCI driver named "aperture_io" with no ID table, so it binds
 * only where user space asked for it through sysfs (driver_override, then
 * drivers_probe), as vfio-pci and uio_pci_generic are bound; unbinding
 * releases it.  While owned, the calls below work on it; on a function
 * that is not owned they fail with EACCES.  Release (unbind), removal and
 * rmmod turn bus mastering off, free the vectors, then the buffers.
 */

/* IOMMU domain of a function (struct aperture_io_func.iommu, out). */
#define APERTURE_IO_IOMMU_NONE		0u	/* no IOMMU: bus = physical */
#define APERTURE_IO_IOMMU_DMA		1u	/* translated (DMA API domain) */
#define APERTURE_IO_IOMMU_IDENTITY	2u	/* IOMMU in passthrough */
#define APERTURE_IO_IOMMU_OTHER		3u	/* blocked, or unmanaged */

/* Interrupt types (struct aperture_io_func.irq_type, aperture_io_irq.type). */
#define APERTURE_IO_IRQ_NONE		0u
#define APERTURE_IO_IRQ_INTX		1u
#define APERTURE_IO_IRQ_MSI		2u
#define APERTURE_IO_IRQ_MSIX		3u

/* One function and what it owns; every field but the "in" ones is out. */
struct aperture_io_func {
	__u32 argsz;		/* in: sizeof(struct aperture_io_func) */
	__u32 abi_version;	/* out: APERTURE_IO_ABI_VERSION */
	__u32 domain;		/* in: PCI domain (segment) */
	__u8 bus;		/* in: bus number */
	__u8 devfn;		/* in: (slot << 3) | function */
	__u16 reserved0;	/* in: must be 0 */
	__u32 value;		/* in: SET_MASTER 0/1, SET_DMA_MASK bits */
	__u32 owned;		/* out: 1 if aperture_io is its driver */
	__u32 master;		/* out: 1 if bus mastering is on */
	__u32 dma_bits;		/* out: width of the DMA mask in force */
	__u32 iommu;		/* out: APERTURE_IO_IOMMU_* */
	__u32 irq_type;		/* out: APERTURE_IO_IRQ_* enabled */
	__u32 irq_count;	/* out: vectors enabled (INTx: 1) */
	__u32 irq_max;		/* out: bits: 1 INTx, 2 MSI, 4 MSI-X possible */
	__u32 dma_buffers;	/* out: buffers allocated now */
	__u32 reserved1;	/* must be 0 */
	__u64 dma_bytes;	/* out: bytes allocated now */
	__u64 dma_limit;	/* out: the per-function limit in bytes */
};

typedef char aperture_io_func_size_is_72
	[sizeof(struct aperture_io_func) == 72 ? 1 : -1];

/* A DMA buffer (APERTURE_IO_DMA_ALLOC, APERTURE_IO_DMA_INFO). */
struct aperture_io_dma {
	__u32 argsz;		/* in: sizeof(struct aperture_io_dma) */
	__u32 abi_version;	/* out: APERTURE_IO_ABI_VERSION */
	__u32 domain;		/* in: PCI domain (segment) */
	__u8 bus;		/* in: bus number */
	__u8 devfn;		/* in: (slot << 3) | function */
	__u16 reserved0;	/* in: must be 0 */
	__u32 flags;		/* in: must be 0 */
	__s32 fd;		/* out: the buffer's descriptor (O_CLOEXEC) */
	__u64 size;		/* in: bytes wanted; out: bytes (page multiple) */
	__u64 dma_addr;		/* out: the address the device must use */
};

typedef char aperture_io_dma_size_is_40
	[sizeof(struct aperture_io_dma) == 40 ? 1 : -1];

/* Interrupts (APERTURE_IO_IRQ_SET, APERTURE_IO_IRQ_OPEN). */
struct aperture_io_irq {
	__u32 argsz;		/* in: sizeof(struct aperture_io_irq) */
	__u32 abi_version;	/* out: APERTURE_IO_ABI_VERSION */
	__u32 domain;		/* in: PCI domain (segment) */
	__u8 bus;		/* in: bus number */
	__u8 devfn;		/* in: (slot << 3) | function */
	__u16 reserved0;	/* in: must be 0 */
	__u32 type;		/* in: APERTURE_IO_IRQ_* */
	__u32 count;		/* in: SET: vectors wanted; out: enabled */
	__u32 vector;		/* in: OPEN: which vector, 0-based */
	__s32 fd;		/* out: OPEN: the vector's descriptor */
};

typedef char aperture_io_irq_size_is_32
	[sizeof(struct aperture_io_irq) == 32 ? 1 : -1];

/* What a write of 8 bytes to a vector's descriptor does. */
#define APERTURE_IO_IRQ_UNMASK		0u
#define APERTURE_IO_IRQ_MASK		1u

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

/*
 * On /dev/aperture_io, for owned functions (EACCES otherwise; ENODEV: no
 * such function).  FUNC_INFO works on any function and needs no
 * capability; the others need CAP_SYS_RAWIO.
 *
 * FUNC_INFO: fill struct aperture_io_func.
 * SET_MASTER: bus mastering on (value 1) or off (0).  Without an IOMMU
 *   translating the function's DMA, turning it on is EPERM unless the
 *   module parameter allow_unsafe_noiommu_dma is set (then the kernel is
 *   tainted, as VFIO's no-IOMMU mode does).
 * SET_DMA_MASK: value is the mask's width in bits (e.g. 28 for edu);
 *   EIO if the platform cannot honour it.  Buffers already allocated keep
 *   their address; later ones use the new mask.
 * DMA_ALLOC: a coherent buffer of size bytes (rounded up to pages), its
 *   descriptor in fd: read/write/pread/pwrite/lseek/mmap(MAP_SHARED) reach
 *   the buffer, and DMA_INFO on it refills the structure.  ENOSPC past the
 *   per-function or total limit (module parameters dma_max_function and
 *   dma_max_total), EPERM without an IOMMU as SET_MASTER.  The memory
 *   returns to the kernel only when the last descriptor and mapping are
 *   gone and, without an IOMMU, bus mastering is off (until then it waits
 *   on the function and counts against its limit).
 * IRQ_SET: enable count vectors of type (NONE disables all); any open
 *   vector descriptor of the old setting then reads ENODEV.  EINVAL if the
 *   function cannot do that type or that many.  MSI and MSI-X are memory
 *   writes of the function: they arrive only while bus mastering is on.
 * IRQ_OPEN: a descriptor on one vector: read of 8 bytes blocks until an
 *   interrupt arrived since the last read and returns how many (a __u64,
 *   then reset to 0, as an eventfd); O_NONBLOCK gives EAGAIN; poll() says
 *   POLLIN.  INTx is masked (PCI_COMMAND_INTX_DISABLE) when it fires;
 *   writing APERTURE_IO_IRQ_UNMASK (8 bytes) unmasks it,
 *   APERTURE_IO_IRQ_MASK masks a vector.  ENODEV once the vector, the
 *   ownership or the function is gone.
 */
#define APERTURE_IO_FUNC_INFO		_IO(APERTURE_IO_TYPE, 0x10)
#define APERTURE_IO_SET_MASTER		_IO(APERTURE_IO_TYPE, 0x11)
#define APERTURE_IO_SET_DMA_MASK	_IO(APERTURE_IO_TYPE, 0x12)
#define APERTURE_IO_DMA_ALLOC		_IO(APERTURE_IO_TYPE, 0x13)
#define APERTURE_IO_DMA_INFO		_IO(APERTURE_IO_TYPE, 0x14)
#define APERTURE_IO_IRQ_SET		_IO(APERTURE_IO_TYPE, 0x15)
#define APERTURE_IO_IRQ_OPEN		_IO(APERTURE_IO_TYPE, 0x16)

#endif /* APERTURE_IO_H */

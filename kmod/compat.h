/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every kernel-version difference aperture_io.ko meets, in one
 * place.  Supported: 6.1 (Debian 12), 6.12 (Debian 12 backports, Debian
 * 13) and 7.x (Debian 13 backports).
 */
#ifndef APERTURE_COMPAT_H
#define APERTURE_COMPAT_H

#include <linux/version.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/uio.h>

/* 6.12 moved the unaligned accessors out of asm/. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.3 made vma->vm_flags read-only behind vm_flags_set(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void aperture_vm_flags_set(struct vm_area_struct *vma,
					 unsigned long flags)
{
	vma->vm_flags |= flags;
}
#else
#define aperture_vm_flags_set(vma, flags) vm_flags_set(vma, flags)
#endif

/*
 * f_mode bits a file from alloc_file_pseudo() lacks and an ordinary open
 * would have: pread/pwrite (else ESPIPE), lseek (6.1 checks FMODE_LSEEK;
 * later kernels dropped the bit) and O_DIRECT (FUSE passthrough opens of
 * the backing file fail without it).
 */
#ifdef FMODE_LSEEK
#define APERTURE_FMODE_LSEEK FMODE_LSEEK
#else
#define APERTURE_FMODE_LSEEK 0
#endif
#define APERTURE_FMODE_PSEUDO (FMODE_PREAD | FMODE_PWRITE | \
			       APERTURE_FMODE_LSEEK | FMODE_CAN_ODIRECT)

/* 6.3 replaced the user_namespace argument of inode operations. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define aperture_idmap user_namespace
#else
#define aperture_idmap mnt_idmap
#endif

/* 6.6 hid the inode time stamps behind accessors. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
static inline void aperture_inode_init_ts(struct inode *inode)
{
	inode->i_atime = inode->i_mtime = inode->i_ctime = current_time(inode);
}
#else
#define aperture_inode_init_ts(inode) simple_inode_init_ts(inode)
#endif

/* 6.4 renamed iov_iter.iov to __iov behind iter_iov(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define aperture_iter_iov(i) ((i)->iov)
#else
#define aperture_iter_iov(i) iter_iov(i)
#endif

/*
 * splice(2) and sendfile(2) from a descriptor: 6.5 replaced
 * generic_file_splice_read() (an ITER_PIPE read) by copy_splice_read()
 * (a read into fresh pages, then handed to the pipe).  Both end in
 * read_iter.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#define aperture_splice_read generic_file_splice_read
#else
#define aperture_splice_read copy_splice_read
#endif

/*
 * Whether a vma has a page table entry at addr (the page was touched):
 * follow_pfnmap_start() since 6.12, follow_pte() on the mm before.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
static inline bool aperture_pte_present(struct vm_area_struct *vma,
					unsigned long addr)
{
	struct follow_pfnmap_args args = { .vma = vma, .address = addr };

	if (follow_pfnmap_start(&args))
		return false;
	follow_pfnmap_end(&args);
	return true;
}
#else
static inline bool aperture_pte_present(struct vm_area_struct *vma,
					unsigned long addr)
{
	spinlock_t *ptl;
	pte_t *ptep;

	if (follow_pte(vma->vm_mm, addr, &ptep, &ptl))
		return false;
	__acquire(ptl);		/* follow_pte() returned it locked */
	pte_unmap_unlock(ptep, ptl);
	return true;
}
#endif

/*
 * 64-bit MMIO for the bulk copies of prefetchable memory.  32-bit kernels
 * have no __raw_readq/__raw_writeq: there each goes out as two 32-bit
 * accesses, low half first, which is right on memory, where any width is.
 */
#ifdef CONFIG_64BIT
#define aperture_raw_readq(a) __raw_readq(a)
#define aperture_raw_writeq(v, a) __raw_writeq(v, a)
#else
static inline u64 aperture_raw_readq(const volatile void __iomem *a)
{
	u32 lo = __raw_readl(a);

	return lo | (u64)__raw_readl(a + 4) << 32;
}

static inline void aperture_raw_writeq(u64 v, volatile void __iomem *a)
{
	__raw_writel((u32)v, a);
	__raw_writel((u32)(v >> 32), a + 4);
}
#endif

/*
 * Whether a kernel window is write-combining in fact.  On x86, PAT gives
 * ioremap_wc() or ioremap() of a range that something else already maps
 * (a sysfs resourceN or resourceN_wc mapping, a driver's window) that
 * other mapping's type instead of the one asked for, silently
 * (memtype_reserve() adopts the existing type).  Other architectures have
 * no such tracking: the type asked for is the type in force.
 */
#ifdef CONFIG_X86
#include <linux/pci.h>
#include <asm/pgtable.h>

/*
 * Whether memory types are tracked at all: without PAT (a CPU without it,
 * or one Linux does not trust with it, such as Intel family 6 before
 * model 15, or "nopat") there are no write-combining pages, every window
 * is UC- whatever was asked, and nothing can impose another type.  The
 * PTE bits of UC- are then the ones pgprot_writecombine() gives, so the
 * checks below would take every uncached window for a write-combining one.
 */
#define aperture_memtypes_tracked() arch_can_pci_mmap_wc()

static inline bool aperture_prot_is_wc(unsigned long flags)
{
	unsigned long mask = _PAGE_PWT | _PAGE_PCD;

	return (flags & mask) ==
		(pgprot_val(pgprot_writecombine(__pgprot(0))) & mask);
}

static inline bool aperture_kmap_is_wc(const volatile void __iomem *addr)
{
	unsigned int level;
	pte_t *pte = lookup_address((unsigned long)addr, &level);

	return pte && aperture_prot_is_wc(pte_flags(*pte));
}

#ifdef CONFIG_HAVE_ATOMIC_IOMAP
/* 32-bit highmem: windows are made per access with the reserved prot. */
#define aperture_io_mapping_is_wc(m) aperture_prot_is_wc(pgprot_val((m)->prot))
#else
#define aperture_io_mapping_is_wc(m) aperture_kmap_is_wc((m)->iomem)
#endif
#else
#define aperture_memtypes_tracked() false
#define aperture_kmap_is_wc(addr) false
#define aperture_io_mapping_is_wc(m) true
#endif

/*
 * A fixed 64-bit access width needs an 8-byte MMIO instruction, which a
 * 32-bit x86 kernel does not have: readq/writeq there are two 32-bit
 * accesses (io-64-nonatomic-lo-hi.h), which a register sees as two.
 */
#define APERTURE_HAVE_MMIO64 IS_ENABLED(CONFIG_64BIT)

/*
 * copy_to_iter() that stops exactly at the first byte it cannot store.
 * x86-32's copy_to_user() (CONFIG_X86_INTEL_USERCOPY, on Intel CPUs)
 * copies 64-byte blocks when source and destination are aligned
 * differently and, on a fault, counts the whole block as not copied; the
 * bytes before the fault then go one by one.
 */
static inline size_t aperture_copy_to_iter(const void *src, size_t len,
					   struct iov_iter *iter)
{
	size_t done = copy_to_iter(src, len, iter);

	while (done < len && copy_to_iter(src + done, 1, iter) == 1)
		done++;
	return done;
}

#endif /* APERTURE_COMPAT_H */

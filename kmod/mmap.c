// SPDX-License-Identifier: GPL-2.0
/*
 * mmap.c - mmap(MAP_SHARED) of a memory BAR: the BAR pages themselves, in
 * the memory type of the kernel windows of that BAR, inserted one page at
 * a time when they are first touched (as VFIO does).
 *
 * Why no mapping outlives its device, race-free:
 *  - ->mmap installs no page table entry: it only checks the request and
 *    sets the vma up.  The kernel links the vma into the descriptor
 *    inode's address_space (i_mmap) after ->mmap returns.
 *  - A page table entry is only ever created by aperture_vm_fault(), with
 *    bar->lock held for reading and bar->dead seen false.
 *  - A kill (kill.c) sets bar->dead with bar->lock held for writing, so
 *    when it has the lock no fault is between its check and its insert,
 *    and after it no fault inserts anything: a touch is SIGBUS (so is a
 *    touch while the device does not decode, see aperture_bar_decodes()).
 *    Then it
 *    calls unmap_mapping_range() on the address_space of every handle's
 *    inode, which zaps every entry of every vma linked there, whenever
 *    and through whichever file (the descriptor, a re-open through
 *    /proc/PID/fd/N, FUSE passthrough's backing file) it was mapped.
 *  - A vma that is linked only after that zap has no entries (faults
 *    after the kill insert none), so there is nothing for it to keep.
 *  - A handle opened while the kill runs is either linked before the kill
 *    takes bar->handles_lock, or sees bar->dead and fails (ctl.c).
 * The memory type: the kernel window (io_mapping_create_wc or ioremap)
 * reserves the BAR's range in that type for as long as the BAR lives, and
 * on x86 vmf_insert_pfn_prot() takes the type of that reservation, which
 * is also the type vm_page_prot asks for.  The uncached type is
 * pgprot_device(), as the kernel's own pci_mmap_resource_range() gives
 * sysfs resourceN: on arm64 Device-nGnRE, the type of ioremap() (the
 * kernel window), where pgprot_noncached() is the stricter nGnRnE; on x86
 * and the others the two are one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/security.h>

#include "aperture.h"
#include "compat.h"
#include "trace.h"

/* A touch of a page not yet mapped: map it, unless the BAR is dead. */
static vm_fault_t aperture_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct aperture_handle *h = vma->vm_private_data;
	struct aperture_bar *bar = h->bar;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	down_read(&bar->lock);
	if (!aperture_bar_usable(bar) && !aperture_bar_decodes(bar))
		ret = vmf_insert_pfn_prot(vma, vmf->address,
					  (bar->start >> PAGE_SHIFT) +
					  vmf->pgoff,
					  vma->vm_page_prot);
	up_read(&bar->lock);
	return ret;
}

/*
 * Another process's view of the mapping (ptrace, /proc/PID/mem): through
 * the kernel windows, cut as read and write are (xfer.c).  As
 * generic_access_phys(), only where the page has its page table entry
 * (a page not touched yet, or zapped by a kill, is an error: EIO to the
 * reader), and writes only where the mapping is writable.
 */
static int aperture_vm_access(struct vm_area_struct *vma, unsigned long addr,
			      void *buf, int len, int write)
{
	struct aperture_handle *h = vma->vm_private_data;
	u64 off = ((u64)vma->vm_pgoff << PAGE_SHIFT) + (addr - vma->vm_start);

	write &= FOLL_WRITE;
	if (write && !(vma->vm_flags & VM_WRITE))
		return -EINVAL;
	if (!aperture_pte_present(vma, addr & PAGE_MASK))
		return -EINVAL;
	return aperture_bar_access(h, off, buf, len, write);
}

static const struct vm_operations_struct aperture_vm_ops = {
	.fault = aperture_vm_fault,
	.access = aperture_vm_access,
};

static int aperture_bar_do_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct aperture_handle *h = file->private_data;
	struct aperture_bar *bar = h->bar;
	unsigned long pages = vma_pages(vma);
	u64 bar_pages = (bar->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	int err;

	/*
	 * MAP_SHARED only.  VM_MAYSHARE, not VM_SHARED: a shared mapping of a
	 * file open read-only has VM_SHARED cleared and must still map.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (bar->kind == APERTURE_KIND_IO)
		return -ENODEV;
	/* As sysfs resourceN: no new mapping once locked down. */
	if (security_locked_down(LOCKDOWN_PCI_ACCESS)) {
		ap_warn(bar->pdev, bar->index, "kernel is locked down, refusing mmap\n");
		return -EPERM;
	}
	/*
	 * The rest of a page a BAR shares can hold other functions'
	 * registers: a BAR smaller than a page is read and written only.
	 */
	if (bar->size < PAGE_SIZE || (bar->start & ~PAGE_MASK)) {
		ap_info(bar->pdev, bar->index,
			"%llu bytes, smaller than a page: mapping it would expose its neighbours, refusing mmap (use read/write)\n",
			bar->size);
		return -EINVAL;
	}
	if (vma->vm_pgoff >= bar_pages || pages > bar_pages - vma->vm_pgoff)
		return -EINVAL;

	if (bar->memtype == APERTURE_IO_MEMTYPE_WC)
		vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);
	else
		vma->vm_page_prot = pgprot_device(vma->vm_page_prot);
	aperture_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND |
			      VM_DONTDUMP);
	vma->vm_ops = &aperture_vm_ops;
	vma->vm_private_data = h;

	down_read(&bar->lock);
	err = aperture_bar_usable(bar) ?: aperture_bar_decodes(bar);
	up_read(&bar->lock);
	return err;
}

/* Every mmap, and every refused one, is traced. */
int aperture_bar_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct aperture_handle *h = file->private_data;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 len = vma->vm_end - vma->vm_start;
	int err = aperture_bar_do_mmap(file, vma);

	if (err)
		trace_aperture_io_refuse(h->bar->pdev, h->bar->index,
					 APERTURE_TRACE_MMAP, off, len, err);
	else
		trace_aperture_io_mmap(h->bar->pdev, h->bar->index, off, len,
				       0);
	return err;
}

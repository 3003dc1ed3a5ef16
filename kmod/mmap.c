// SPDX-License-Identifier: GPL-2.0
/*
 * mmap.c - mmap(MAP_SHARED) of a memory BAR: the BAR pages themselves,
 * mapped with io_remap_pfn_range in the memory type of the kernel windows
 * of that BAR.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>

#include "aperture.h"
#include "compat.h"
#include "trace.h"

/* A touch of a revoked mapping: the pages are gone with the device. */
static vm_fault_t aperture_vm_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct aperture_vm_ops = {
	.fault = aperture_vm_fault,
#ifdef CONFIG_HAVE_IOREMAP_PROT
	.access = generic_access_phys,
#endif
};

static int aperture_bar_do_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct aperture_handle *h = file->private_data;
	struct aperture_bar *bar = h->bar;
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long pages = len >> PAGE_SHIFT;
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
	/* A BAR smaller than a page must at least start one. */
	if (bar->start & ~PAGE_MASK)
		return -EINVAL;
	if (vma->vm_pgoff >= bar_pages || pages > bar_pages - vma->vm_pgoff)
		return -EINVAL;

	if (bar->memtype == APERTURE_IO_MEMTYPE_WC)
		vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);
	else
		vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	aperture_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND |
			      VM_DONTDUMP);
	vma->vm_ops = &aperture_vm_ops;

	down_read(&bar->lock);
	if (bar->dead) {
		err = -ENODEV;
		goto out_unlock;
	}
	err = io_remap_pfn_range(vma, vma->vm_start,
				 (bar->start >> PAGE_SHIFT) + vma->vm_pgoff,
				 len, vma->vm_page_prot);
out_unlock:
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

// SPDX-License-Identifier: GPL-2.0
/*
 * ctl.c - the control node /dev/aperture_io: APERTURE_IO_INFO describes a
 * BAR, APERTURE_IO_OPEN checks the caller and the BAR against the access
 * policy and hands back a descriptor (desc.c) on the BAR's state (bar.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/module.h>
#include <linux/security.h>
#include <linux/slab.h>

#include "aperture.h"
#include "trace.h"
#include "compat.h"

/* The access policy and reported width for open flags on a BAR. */
static void aperture_policy(u32 flags, u32 bar_flags, u32 memtype,
			    struct aperture_split *split, u32 *width)
{
	u32 w = flags & APERTURE_IO_WIDTH_MASK;

	split->bulk = 0;
	if (w != APERTURE_IO_WIDTH_AUTO) {
		split->mode = APERTURE_SPLIT_FIXED;
		split->width = 1u << (w - 1);
		*width = w;
	} else if (bar_flags & APERTURE_IO_BAR_PREFETCH) {
		split->mode = APERTURE_SPLIT_NATURAL;
		split->width = 8;
		split->bulk = 1;
		*width = APERTURE_IO_WIDTH_AUTO;
	} else if (bar_flags & APERTURE_IO_BAR_IO) {
		/* Ports: each access at the width asked for, up to 32 bits. */
		split->mode = APERTURE_SPLIT_NATURAL;
		split->width = 4;
		*width = APERTURE_IO_WIDTH_AUTO;
	} else {
		split->mode = APERTURE_SPLIT_REG32;
		split->width = 4;
		*width = APERTURE_IO_WIDTH_32;
	}
}

/* Links h into bar's handles, unless bar died meanwhile: -ENODEV. */
static int aperture_handle_link(struct aperture_bar *bar,
				struct aperture_handle *h)
{
	int err;

	/*
	 * Under bar->lock: a kill either ran before (dead is set) or runs
	 * after, and then finds h on the list.
	 */
	down_read(&bar->lock);
	err = bar->dead ? -ENODEV : 0;
	if (!err) {
		mutex_lock(&bar->handles_lock);
		list_add(&h->node, &bar->handles);
		mutex_unlock(&bar->handles_lock);
	}
	up_read(&bar->lock);
	return err;
}

/*
 * Creates a handle on bar for the open flags of arg, its inode and its
 * file, and reserves a descriptor for it: *filep and the descriptor, not
 * yet installed (aperture_open_finish() does that).
 */
static int aperture_open_fd(struct aperture_bar *bar,
			    const struct aperture_io_bar *arg,
			    struct file **filep)
{
	bool rdonly = arg->flags & APERTURE_IO_OPEN_RDONLY;
	struct aperture_handle *h;
	struct inode *inode;
	struct file *file;
	char name[48];
	int err, fd;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	kref_init(&h->files);
	mutex_init(&h->bounce_lock);
	INIT_LIST_HEAD(&h->node);
	h->rdonly = rdonly;
	aperture_policy(arg->flags, bar->bar_flags, bar->memtype, &h->split,
			&h->width);

	err = aperture_fs_pin();
	if (err)
		goto err_free_handle;
	inode = aperture_fs_new_inode();
	if (!inode) {
		err = -ENOMEM;
		goto err_release_fs;
	}
	/* From here the inode owns h: evicting it frees h. */
	kref_get(&bar->kref);
	h->bar = bar;
	h->inode = inode;
	inode->i_ino = get_next_ino();
	inode->i_mode = S_IFREG | 0600;
	inode->i_uid = current_fsuid();
	inode->i_gid = current_fsgid();
	inode->i_op = &aperture_bar_iops;
	inode->i_fop = &aperture_bar_fops;
	inode->i_private = h;
	i_size_write(inode, bar->size);
	aperture_inode_init_ts(inode);
	err = aperture_handle_link(bar, h);
	if (err)
		goto err_put_inode;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto err_put_inode;
	}
	snprintf(name, sizeof(name), "aperture:%s:bar%u",
		 pci_name(bar->pdev), bar->index);
	file = aperture_fs_file(inode, name, rdonly ? O_RDONLY : O_RDWR);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto err_put_fd;
	}
	/*
	 * The file now owns the inode and the first reference on h->files
	 * (so the fs pin); its last fput drops a module reference it never
	 * took: take it.
	 */
	__module_get(THIS_MODULE);
	file->f_mode |= APERTURE_FMODE_PSEUDO;
	file->private_data = h;
	*filep = file;
	return fd;

err_put_fd:
	put_unused_fd(fd);
err_put_inode:
	iput(inode);	/* frees h */
	aperture_fs_unpin();
	return err;

err_release_fs:
	aperture_fs_unpin();
err_free_handle:
	kfree(h);
	return err;
}

/*
 * Writes arg (fd included) back to uarg, then makes the descriptor live;
 * on a failed copy drops both.  Called with no lock held: the copy can
 * fault into user space for as long as that takes (userfaultfd), and must
 * not stall the device's removal or a driver's bind meanwhile.
 */
static int aperture_open_finish(struct aperture_bar *bar,
				struct aperture_io_bar *arg, void __user *uarg,
				struct file *file, int fd)
{
	struct aperture_handle *h = file->private_data;

	aperture_fill(arg, bar->start, bar->size, bar->bar_flags, bar->memtype,
		      h->width, aperture_state(bar->pdev, bar->bar_flags));
	arg->fd = fd;
	if (aperture_arg_put(uarg, arg)) {
		fput(file);
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;
}

/*
 * APERTURE_IO_OPEN (open) and APERTURE_IO_INFO on the control node: checks
 * arg, finds the function and its BAR, and either describes it in arg or
 * opens a descriptor on it (written back to uarg).
 */
static long aperture_ctl_open(struct aperture_io_bar *arg, void __user *uarg,
			      bool open)
{
	u32 width = arg->flags & APERTURE_IO_WIDTH_MASK;
	u32 want = arg->flags & APERTURE_IO_MEMTYPE_MASK;
	u32 bar_flags, memtype, reported;
	struct aperture_split split;
	struct aperture_bar *bar;
	struct pci_dev *pdev;
	struct file *file = NULL;
	u64 start, size;
	long ret;
	int fd;

	if (arg->bar > 5 || arg->reserved0 ||
	    (arg->flags & ~APERTURE_IO_FLAGS_ALL) ||
	    width > APERTURE_IO_WIDTH_64 ||
	    want == APERTURE_IO_MEMTYPE_MASK)
		return -EINVAL;

	pdev = pci_get_domain_bus_and_slot(arg->domain, arg->bus, arg->devfn);
	if (!pdev) {
		pr_info_ratelimited("%04x:%02x:%02x.%u: no such PCI function\n",
				    arg->domain, arg->bus, PCI_SLOT(arg->devfn),
				    PCI_FUNC(arg->devfn));
		return -ENODEV;
	}
	if (open && !capable(CAP_SYS_RAWIO)) {
		ap_info(pdev, arg->bar, "opening needs CAP_SYS_RAWIO, refusing\n");
		ret = -EPERM;
		goto out_put_pdev;
	}
	ret = aperture_bar_describe(pdev, arg->bar, &start, &size, &bar_flags);
	if (ret) {
		ap_info(pdev, arg->bar, "not implemented, refusing\n");
		goto out_put_pdev;
	}
	if ((bar_flags & APERTURE_IO_BAR_IO) &&
	    (want || width == APERTURE_IO_WIDTH_64)) {
		ap_info(pdev, arg->bar,
			"I/O ports have no memory type and no 64-bit access, refusing\n");
		ret = -EINVAL;
		goto out_put_pdev;
	}

	if (width == APERTURE_IO_WIDTH_64 && !APERTURE_HAVE_MMIO64) {
		ap_info(pdev, arg->bar,
			"a 32-bit kernel has no 64-bit MMIO access, refusing\n");
		ret = -EINVAL;
		goto out_put_pdev;
	}

	/*
	 * Write-combining allows speculative and merged reads, which a
	 * read-to-clear register cannot take: only prefetchable BARs (as
	 * sysfs offers resourceN_wc only for those).
	 */
	if (want == APERTURE_IO_MEMTYPE_WC &&
	    !(bar_flags & APERTURE_IO_BAR_PREFETCH)) {
		ap_info(pdev, arg->bar,
			"write-combining is only for prefetchable BARs, refusing: use uncached\n");
		ret = -EINVAL;
		goto out_put_pdev;
	}
	if (want == APERTURE_IO_MEMTYPE_WC &&
	    aperture_bar_subpage(start, size)) {
		ap_info(pdev, arg->bar,
			"%llu bytes at %#llx share a page with other BARs: write-combining refused, use uncached\n",
			size, start);
		ret = -EINVAL;
		goto out_put_pdev;
	}

	if (!open) {
		mutex_lock(&aperture_lock);
		bar = aperture_bar_find(pdev, arg->bar);
		memtype = bar ? bar->memtype :
			aperture_memtype_default(bar_flags, start, size, want);
		mutex_unlock(&aperture_lock);
		ret = 0;
		if (want && memtype != want)
			ret = -EBUSY;
		aperture_policy(arg->flags, bar_flags, memtype, &split,
				&reported);
		aperture_fill(arg, start, size, bar_flags, memtype, reported,
			      aperture_state(pdev, bar_flags));
		goto out_put_pdev;
	}

	ret = security_locked_down(LOCKDOWN_PCI_ACCESS);
	if (ret) {
		ap_warn(pdev, arg->bar, "kernel is locked down, refusing\n");
		goto out_put_pdev;
	}
	/* No driver binds (and revokes) between the check and the open. */
	device_lock(&pdev->dev);
	ret = aperture_claim_check(pdev, arg->bar, bar_flags, start, size);
	if (ret)
		goto out_unlock_dev;
	bar = aperture_bar_get(pdev, arg->bar, want);
	if (IS_ERR(bar)) {
		ret = PTR_ERR(bar);
		goto out_unlock_dev;
	}
	fd = aperture_open_fd(bar, arg, &file);
	device_unlock(&pdev->dev);
	/*
	 * A driver binding now kills the BAR and the new descriptor with
	 * it (ENODEV), as it would a second later.
	 */
	ret = fd < 0 ? fd : aperture_open_finish(bar, arg, uarg, file, fd);
	aperture_bar_put(bar);
	goto out_put_pdev;

out_unlock_dev:
	device_unlock(&pdev->dev);
out_put_pdev:
	if (open && ret >= 0)
		trace_aperture_io_open(pdev, arg->bar, arg->fd);
	else if (open)
		trace_aperture_io_refuse(pdev, arg->bar, APERTURE_TRACE_OPEN,
					 0, 0, ret);
	pci_dev_put(pdev);
	return ret;
}

/*
 * APERTURE_IO_OPEN and APERTURE_IO_INFO, and the numbers of the first
 * modules (_V1: the structure's size in the number), which argsz has
 * replaced; the calls on owned functions are own.c's, dma.c's and
 * irq.c's.
 */
static long aperture_ctl_ioctl(struct file *file, unsigned int cmd,
			       unsigned long uarg)
{
	struct aperture_io_bar arg;
	bool open;
	long ret;

	switch (cmd) {
	case APERTURE_IO_FUNC_INFO:
	case APERTURE_IO_SET_MASTER:
	case APERTURE_IO_SET_DMA_MASK:
		return aperture_own_ioctl(cmd, (void __user *)uarg);
	case APERTURE_IO_DMA_ALLOC:
		return aperture_dma_alloc_ioctl((void __user *)uarg);
	case APERTURE_IO_IRQ_SET:
		return aperture_irq_set_ioctl((void __user *)uarg);
	case APERTURE_IO_IRQ_OPEN:
		return aperture_irq_open_ioctl((void __user *)uarg);
	case APERTURE_IO_OPEN:
	case APERTURE_IO_OPEN_V1:
		open = true;
		break;
	case APERTURE_IO_INFO:
	case APERTURE_IO_INFO_V1:
		open = false;
		break;
	default:
		return -ENOTTY;
	}
	ret = aperture_arg_get(&arg, (void __user *)uarg);
	if (ret)
		return ret;
	ret = aperture_ctl_open(&arg, (void __user *)uarg, open);
	if (ret || open)
		return ret;
	return aperture_arg_put((void __user *)uarg, &arg);
}

const struct file_operations aperture_ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = aperture_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

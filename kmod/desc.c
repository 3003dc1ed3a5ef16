// SPDX-License-Identifier: GPL-2.0
/*
 * desc.c - the BAR descriptor APERTURE_IO_OPEN hands out: a regular file
 * of the module's pseudo file system (so that FUSE can take it as a
 * passthrough backing file).  Its open (by path, as FUSE passthrough and
 * /proc/PID/fd/N do), release, llseek inside the BAR and APERTURE_IO_INFO.
 * The data path is xfer.c's, mmap is mmap.c's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "aperture.h"
#include "compat.h"

/* Fills the out fields of arg for a BAR (live state or description). */
void aperture_fill(struct aperture_io_bar *arg, u64 start, u64 size,
		   u32 bar_flags, u32 memtype, u32 width, u32 state)
{
	arg->abi_version = APERTURE_IO_ABI_VERSION;
	arg->fd = -1;
	arg->start = start;
	arg->size = size;
	arg->bar_flags = bar_flags;
	arg->memtype = memtype;
	arg->width = width;
	arg->state = state;
}

/*
 * Copies in an ioctl argument of size bytes: argsz (its first field) at
 * least ours, at most a page; bytes past ours must be zero.
 */
int aperture_uarg_get(void *arg, size_t size, void __user *uarg)
{
	u32 argsz;
	int err;

	if (get_user(argsz, (u32 __user *)uarg))
		return -EFAULT;
	if (argsz < size || argsz > PAGE_SIZE)
		return -EINVAL;
	err = copy_struct_from_user(arg, size, uarg, argsz);
	return err == -E2BIG ? -EINVAL : err;
}

int aperture_uarg_put(void __user *uarg, const void *arg, size_t size)
{
	return copy_to_user(uarg, arg, size) ? -EFAULT : 0;
}

int aperture_arg_get(struct aperture_io_bar *arg, void __user *uarg)
{
	return aperture_uarg_get(arg, sizeof(*arg), uarg);
}

int aperture_arg_put(void __user *uarg, const struct aperture_io_bar *arg)
{
	return aperture_uarg_put(uarg, arg, sizeof(*arg));
}

/*
 * The last file of a handle is closing: unpin the pseudo fs.  The closing
 * file still holds the mount, so the superblock (and with it the module,
 * its fs owner) stays until that file's final fput has evicted the inode.
 */
static void aperture_files_release(struct kref *kref)
{
	aperture_fs_unpin();
}

/* Frees a handle with its inode: see aperture_evict_inode(). */
void aperture_handle_free(struct aperture_handle *h)
{
	struct aperture_bar *bar = h->bar;

	mutex_lock(&bar->handles_lock);
	list_del(&h->node);
	mutex_unlock(&bar->handles_lock);
	aperture_bar_put(bar);
	kfree(h->bounce);
	mutex_destroy(&h->bounce_lock);
	kfree(h);
}

/*
 * The position stays within [0, size].  The whole BAR is data, as a file
 * of the mount says too: SEEK_DATA answers the offset, SEEK_HOLE the end,
 * both ENXIO at or past the end (fixed_size_llseek says EINVAL to both).
 */
static loff_t aperture_bar_llseek(struct file *file, loff_t offset,
				  int whence)
{
	struct aperture_handle *h = file->private_data;

	return generic_file_llseek_size(file, offset, whence, h->bar->size,
					h->bar->size);
}

static long aperture_bar_ioctl(struct file *file, unsigned int cmd,
			       unsigned long uarg)
{
	struct aperture_handle *h = file->private_data;
	struct aperture_bar *bar = h->bar;
	struct aperture_io_bar arg;
	int err;

	if (cmd != APERTURE_IO_INFO && cmd != APERTURE_IO_INFO_V1)
		return -ENOTTY;
	err = aperture_arg_get(&arg, (void __user *)uarg);
	if (err)
		return err;
	if (READ_ONCE(bar->dead))
		return -ENODEV;
	arg.domain = pci_domain_nr(bar->pdev->bus);
	arg.bus = bar->pdev->bus->number;
	arg.devfn = bar->pdev->devfn;
	arg.bar = bar->index;
	aperture_fill(&arg, bar->start, bar->size, bar->bar_flags,
		      bar->memtype, h->width,
		      aperture_state(bar->pdev, bar->bar_flags));
	return aperture_arg_put((void __user *)uarg, &arg);
}

/*
 * What an open of the inode by path must pass: no write access on a
 * read-only descriptor, CAP_SYS_RAWIO (of the opener's credentials, which
 * for FUSE passthrough are the daemon's) and no lockdown, as at
 * APERTURE_IO_OPEN.
 */
static int aperture_reopen_check(struct aperture_handle *h, struct file *file)
{
	struct pci_dev *pdev = h->bar->pdev;
	unsigned int index = h->bar->index;

	if (h->rdonly && (file->f_mode & FMODE_WRITE)) {
		ap_info(pdev, index, "re-open for writing of a read-only descriptor, refusing\n");
		return -EACCES;
	}
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_RAWIO)) {
		ap_info(pdev, index, "re-open needs CAP_SYS_RAWIO, refusing\n");
		return -EPERM;
	}
	if (security_locked_down(LOCKDOWN_PCI_ACCESS)) {
		ap_warn(pdev, index, "kernel is locked down, refusing re-open\n");
		return -EPERM;
	}
	return 0;
}

/* A descriptor's size, mode and owner never change. */
static int aperture_bar_setattr(struct aperture_idmap *idmap,
				struct dentry *dentry, struct iattr *attr)
{
	return -EPERM;
}

/*
 * Open of the inode by path, as FUSE passthrough does (backing_file_open
 * through inode->i_fop): the handle is in i_private and alive, since the
 * file being re-opened holds it.
 */
static int aperture_bar_open(struct inode *inode, struct file *file)
{
	struct aperture_handle *h = inode->i_private;
	int err;

	/* Every file closed already: the handle is on its way out. */
	if (!h || !kref_get_unless_zero(&h->files))
		return -ENODEV;
	/* A re-open gains nothing the descriptor did not have. */
	err = aperture_reopen_check(h, file);
	if (err) {
		kref_put(&h->files, aperture_files_release);
		return err;
	}
	file->private_data = h;
	file->f_mode |= FMODE_CAN_ODIRECT;
	return 0;
}

static int aperture_bar_release_file(struct inode *inode, struct file *file)
{
	struct aperture_handle *h = file->private_data;

	kref_put(&h->files, aperture_files_release);
	return 0;
}

const struct inode_operations aperture_bar_iops = {
	.setattr = aperture_bar_setattr,
};

const struct file_operations aperture_bar_fops = {
	.owner = THIS_MODULE,
	.open = aperture_bar_open,
	.release = aperture_bar_release_file,
	.llseek = aperture_bar_llseek,
	.read_iter = aperture_bar_read_iter,
	.write_iter = aperture_bar_write_iter,
	.splice_read = aperture_splice_read,
	.splice_write = iter_file_splice_write,
	.mmap = aperture_bar_mmap,
	.unlocked_ioctl = aperture_bar_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

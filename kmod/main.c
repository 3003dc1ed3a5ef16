// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - aperture_io.ko: PCI BAR apertures as ordinary files.
 *
 * The control node /dev/aperture_io (misc device, 0600, ctl.c) opens one
 * BAR of one PCI function and hands back a descriptor for it
 * (APERTURE_IO_OPEN in include/aperture_io.h).  The descriptor (desc.c) is
 * a regular file of the module's own pseudo file system, defined here, so
 * that FUSE can take it as a passthrough backing file.  Per BAR one
 * refcounted state (bar.c) holds the kernel windows and is killed (kill.c)
 * when its function goes away; the data path is xfer.c, mappings mmap.c.
 *
 * The module binds to no function by itself: it works beside the PCI
 * core, like sysfs resource files.  Its PCI driver "aperture_io" (own.c)
 * has no ID table and binds only where user space asks for it through
 * driver_override: such an owned function gets DMA buffers (dma.c) and
 * interrupts (irq.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>

#include "aperture.h"
#include "compat.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static_assert(sizeof(struct aperture_io_bar) == 56);

/* The pseudo file system, mounted while any handle exists. */
static struct vfsmount *aperture_mnt;
static int aperture_mnt_count;
static struct file_system_type aperture_fs_type;

/* Pins the pseudo fs for one more handle. */
int aperture_fs_pin(void)
{
	return simple_pin_fs(&aperture_fs_type, &aperture_mnt,
			     &aperture_mnt_count);
}

void aperture_fs_unpin(void)
{
	simple_release_fs(&aperture_mnt, &aperture_mnt_count);
}

/* A fresh inode of the pinned pseudo fs, or NULL. */
struct inode *aperture_fs_new_inode(void)
{
	return new_inode(aperture_mnt->mnt_sb);
}

/* A file on inode named name, opened with flags (O_RDONLY or O_RDWR). */
struct file *aperture_fs_file(struct inode *inode, const char *name,
			      int flags)
{
	return alloc_file_pseudo(inode, aperture_mnt, name, flags,
				 &aperture_bar_fops);
}

/*
 * A descriptor (DMA buffer, vector) on a fresh inode of the pinned fs:
 * reserves a descriptor number and makes its file with fops, private
 * and fmode (added to the file's mode) in *filep, not yet installed.  The
 * file's last fput drops a module reference it never took: it is taken
 * here.  On failure the caller still owns the inode.
 */
int aperture_fs_new_fd(struct inode *inode, const char *name, int flags,
		       const struct file_operations *fops, void *private,
		       fmode_t fmode, struct file **filep)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = alloc_file_pseudo(inode, aperture_mnt, name, flags, fops);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	__module_get(THIS_MODULE);
	file->f_mode |= fmode;
	file->private_data = private;
	*filep = file;
	return fd;
}

/*
 * An inode of the pseudo fs is going: free its handle.  Runs in the final
 * dput of a file's __fput, after the file dropped its module reference but
 * before it drops the mount, whose superblock holds the module.
 */
static void aperture_evict_inode(struct inode *inode)
{
	struct aperture_handle *h = inode->i_private;

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (inode->i_fop == &aperture_dma_fops)
		aperture_dma_evict(inode);
	else if (inode->i_fop == &aperture_irq_fops)
		aperture_irq_evict(inode);
	else if (h)
		aperture_handle_free(h);
}

static const struct super_operations aperture_sops = {
	.statfs = simple_statfs,
	.evict_inode = aperture_evict_inode,
};

static int aperture_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, APERTURE_FS_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->ops = &aperture_sops;
	return 0;
}

/*
 * Mounted (simple_pin_fs) only while a handle exists, so that the
 * superblock's reference on the module keeps it loaded until the last
 * descriptor's final fput is through with it.
 */
static struct file_system_type aperture_fs_type = {
	.owner = THIS_MODULE,
	.name = "aperture_io",
	.init_fs_context = aperture_init_fs_context,
	.kill_sb = kill_anon_super,
};

static struct miscdevice aperture_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = APERTURE_IO_NODE,
	.fops = &aperture_ctl_fops,
	.mode = 0600,
};

static int __init aperture_init(void)
{
	int err;

	aperture_policy_init();
	err = aperture_notifier_register();
	if (err)
		return err;
	err = misc_register(&aperture_miscdev);
	if (err)
		goto err_unregister_notifier;
	/* No ID table: binds only where driver_override asks for it. */
	err = pci_register_driver(&aperture_pci_driver);
	if (err)
		goto err_deregister_misc;
	return 0;

err_deregister_misc:
	misc_deregister(&aperture_miscdev);
err_unregister_notifier:
	aperture_notifier_unregister();
	return err;
}

static void __exit aperture_exit(void)
{
	/* Releases every owned function (remove) first. */
	pci_unregister_driver(&aperture_pci_driver);
	misc_deregister(&aperture_miscdev);
	aperture_notifier_unregister();
}

module_init(aperture_init);
module_exit(aperture_exit);

MODULE_DESCRIPTION("PCI BAR apertures as ordinary files");
MODULE_LICENSE("GPL");

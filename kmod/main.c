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
 * The module never binds a driver: it works beside the PCI core, like
 * sysfs resource files.
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
 * An inode of the pseudo fs is going: free its handle.  Runs in the final
 * dput of a file's __fput, after the file dropped its module reference but
 * before it drops the mount, whose superblock holds the module.
 */
static void aperture_evict_inode(struct inode *inode)
{
	struct aperture_handle *h = inode->i_private;

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (h)
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
	return 0;

err_unregister_notifier:
	aperture_notifier_unregister();
	return err;
}

static void __exit aperture_exit(void)
{
	misc_deregister(&aperture_miscdev);
	aperture_notifier_unregister();
}

module_init(aperture_init);
module_exit(aperture_exit);

MODULE_DESCRIPTION("PCI BAR apertures as ordinary files");
MODULE_LICENSE("GPL");

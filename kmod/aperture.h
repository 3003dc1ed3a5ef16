/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aperture.h - what the files of aperture_io.ko share: the per-BAR state,
 * the per-descriptor handle, and each file's entry points.
 *
 *   main.c  module init and exit, the pseudo file system
 *   ctl.c   the control node /dev/aperture_io and its ioctls
 *   bar.c   per-BAR state, its kernel windows and the access gate
 *   kill.c  what ends a BAR's state: removal, a move, a driver's claim
 *   policy.c  strict devmem: whose BAR it is
 *   desc.c  the BAR descriptor: open, release, llseek, ioctl, setattr
 *   xfer.c  the data path: read_iter and write_iter
 *   mmap.c  mmap and its page faults
 *
 * Lock order: aperture_lock, then bar->lock, then bar->handles_lock.
 */
#ifndef APERTURE_H
#define APERTURE_H

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>

#include "aperture_io.h"
#include "aperture_split.h"

/*
 * Refusals and events, one line each naming the device and the BAR; the
 * device prefix is the bus's ("pci 0000:00:04.0:") when no driver is bound,
 * so the line names this module itself.  Rate-limited: user space can ask
 * for refusals in a loop.
 */
#define ap_info(pdev, bar, fmt, ...) \
	pci_info_ratelimited(pdev, KBUILD_MODNAME ": BAR %u: " fmt, bar, \
			     ##__VA_ARGS__)
#define ap_warn(pdev, bar, fmt, ...) \
	dev_warn_ratelimited(&(pdev)->dev, KBUILD_MODNAME ": BAR %u: " fmt, \
			     bar, ##__VA_ARGS__)

#define APERTURE_FS_MAGIC	0x41504552	/* "APER" */
#define APERTURE_BOUNCE_STACK	256		/* on-stack bounce buffer */

/* How the kernel reaches a BAR. */
enum aperture_kind {
	APERTURE_KIND_WC,	/* memory, io_mapping, write-combining */
	APERTURE_KIND_UC,	/* memory, ioremap, uncached */
	APERTURE_KIND_IO,	/* I/O ports, ioport_map */
};

/* One BAR of one function, shared by every descriptor opened on it. */
struct aperture_bar {
	struct kref kref;		/* one per handle, one per lookup */
	struct list_head node;		/* in aperture_bars; empty once dead */
	struct pci_dev *pdev;		/* the function, referenced */
	unsigned int index;		/* BAR number, 0..5 */
	u64 start;			/* CPU physical address or port */
	u64 size;			/* bytes */
	u32 bar_flags;			/* APERTURE_IO_BAR_* */
	u32 memtype;			/* APERTURE_IO_MEMTYPE_UC/WC, 0 for I/O */
	enum aperture_kind kind;	/* which of the windows below */

	/*
	 * Readers are accesses (one page window each), page faults and
	 * opens; the writer is the kill.  dead is set under it for writing.
	 */
	struct rw_semaphore lock;
	bool dead;			/* device removed: ENODEV, SIGBUS */
	struct io_mapping *wc;		/* KIND_WC */
	void __iomem *base;		/* KIND_UC: whole BAR; KIND_IO: ports */

	unsigned long logged;		/* bit n: said why n (bar.c's
					 * enum aperture_why) already */

	struct mutex handles_lock;	/* protects handles */
	struct list_head handles;	/* aperture_handle.node */
};

/*
 * One APERTURE_IO_OPEN: the pseudo-fs inode behind the descriptor and its
 * access policy.  It lives exactly as long as its inode (freed when the
 * inode is evicted), so that an open by path, as FUSE passthrough does,
 * always finds it in i_private.  Every file opened on the inode holds a
 * reference on files; the last one's release unpins the pseudo fs.
 */
struct aperture_handle {
	struct kref files;		/* one per open file */
	struct aperture_bar *bar;	/* referenced */
	struct inode *inode;		/* the inode that owns this handle */
	struct list_head node;		/* in bar->handles */
	struct aperture_split split;	/* how accesses are cut */
	u32 width;			/* APERTURE_IO_WIDTH_* reported */
	bool rdonly;			/* opened with APERTURE_IO_OPEN_RDONLY */

	/*
	 * Protects bounce.  Taken with mutex_trylock() only: a transfer
	 * that finds it busy bounces through a buffer on its stack, so
	 * that concurrent transfers on one descriptor never wait.
	 */
	struct mutex bounce_lock;
	u8 *bounce;			/* PAGE_SIZE + 8 bytes, or NULL */
};

/* main.c: the pseudo file system */
int aperture_fs_pin(void);
void aperture_fs_unpin(void);
struct inode *aperture_fs_new_inode(void);
struct file *aperture_fs_file(struct inode *inode, const char *name,
			      int flags);

/* ctl.c: the control node */
extern const struct file_operations aperture_ctl_fops;

/* bar.c: per-BAR state */
extern struct mutex aperture_lock;
extern struct list_head aperture_bars;	/* aperture_bar.node; aperture_lock */
void aperture_bar_unmap(struct aperture_bar *bar);
int aperture_bar_describe(struct pci_dev *pdev, unsigned int index,
			  u64 *start, u64 *size, u32 *bar_flags);
bool aperture_bar_subpage(u64 start, u64 size);
u32 aperture_memtype_default(u32 bar_flags, u64 start, u64 size, u32 want);
struct aperture_bar *aperture_bar_find(struct pci_dev *pdev,
				       unsigned int index);
struct aperture_bar *aperture_bar_get(struct pci_dev *pdev,
				      unsigned int index, u32 want);
void aperture_bar_put(struct aperture_bar *bar);
u32 aperture_state(struct pci_dev *pdev, u32 bar_flags);
int aperture_bar_usable(struct aperture_bar *bar);
int aperture_bar_decodes(struct aperture_bar *bar);
int aperture_bar_begin(struct aperture_bar *bar);
void aperture_bar_end(struct aperture_bar *bar);

/* kill.c: the end of a BAR's state */
bool aperture_bar_moved(struct aperture_bar *bar);
bool aperture_dev_dying(struct pci_dev *pdev);
void aperture_bar_kill(struct aperture_bar *bar, const char *why);
void aperture_poll_start(void);
void aperture_poll_now(void);
int aperture_notifier_register(void);
void aperture_notifier_unregister(void);

/* policy.c: strict devmem */
bool aperture_strict(void);
void aperture_policy_init(void);
bool aperture_bar_claimed(struct aperture_bar *bar);
int aperture_claim_check(struct pci_dev *pdev, unsigned int index,
			 u32 bar_flags, u64 start, u64 size);

/* desc.c: the BAR descriptor */
extern const struct file_operations aperture_bar_fops;
extern const struct inode_operations aperture_bar_iops;
void aperture_handle_free(struct aperture_handle *h);
void aperture_fill(struct aperture_io_bar *arg, u64 start, u64 size,
		   u32 bar_flags, u32 memtype, u32 width, u32 state);
int aperture_arg_get(struct aperture_io_bar *arg, void __user *uarg);
int aperture_arg_put(void __user *uarg, const struct aperture_io_bar *arg);

/* xfer.c: the data path */
ssize_t aperture_bar_read_iter(struct kiocb *iocb, struct iov_iter *iter);
ssize_t aperture_bar_write_iter(struct kiocb *iocb, struct iov_iter *iter);
int aperture_bar_access(struct aperture_handle *h, u64 off, void *buf,
			int len, bool write);

/* mmap.c: mappings */
int aperture_bar_mmap(struct file *file, struct vm_area_struct *vma);

#endif /* APERTURE_H */

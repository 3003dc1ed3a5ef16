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
 *   own.c   owned functions: the PCI driver "aperture_io" (probe, remove,
 *           reset, AER), FUNC_INFO, SET_MASTER, SET_DMA_MASK
 *   dma.c   DMA buffers of owned functions and their descriptors
 *   irq.c   interrupts of owned functions and their vector descriptors
 *
 * Lock order: aperture_lock, then bar->lock, then bar->handles_lock;
 * own->lock, then buf->lock (dma.c) or vec->lock (irq.c);
 * aperture_own_lock (a spinlock) innermost.
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

struct aperture_vec;

/*
 * A function aperture_io owns (is the PCI driver of), from probe to
 * remove, and as long as a buffer or a vector of it is referenced.
 */
struct aperture_own {
	struct kref kref;		/* drvdata, each buffer, each vector */
	struct pci_dev *pdev;		/* referenced */
	struct list_head node;		/* in the owned list; aperture_own_lock */
	int blocks;			/* resets and errors in progress:
					 * BAR accesses EIO; aperture_own_lock */
	bool err_blocked;		/* one of blocks is an AER episode */

	struct mutex lock;		/* protects everything below */
	bool gone;			/* released (remove ran): ENODEV */
	bool master;			/* bus mastering turned on by us */
	struct pci_saved_state *found;	/* config space as probe found it */

	struct list_head bufs;		/* aperture_dma.node, freed or not */
	unsigned int nbufs;		/* buffers on bufs */
	u64 bytes;			/* their bytes, counted in the limit */

	u32 irq_type;			/* APERTURE_IO_IRQ_* enabled */
	u32 irq_count;			/* vectors enabled */
	struct aperture_vec **vecs;	/* irq_count of them, referenced */
};

/* main.c: the pseudo file system */
int aperture_fs_pin(void);
void aperture_fs_unpin(void);
struct inode *aperture_fs_new_inode(void);
struct file *aperture_fs_file(struct inode *inode, const char *name,
			      int flags);
int aperture_fs_new_fd(struct inode *inode, const char *name, int flags,
		       const struct file_operations *fops, void *private,
		       fmode_t fmode, struct file **filep);

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
int aperture_uarg_get(void *arg, size_t size, void __user *uarg);
int aperture_uarg_put(void __user *uarg, const void *arg, size_t size);

/* xfer.c: the data path */
ssize_t aperture_bar_read_iter(struct kiocb *iocb, struct iov_iter *iter);
ssize_t aperture_bar_write_iter(struct kiocb *iocb, struct iov_iter *iter);
int aperture_bar_access(struct aperture_handle *h, u64 off, void *buf,
			int len, bool write);

/* mmap.c: mappings */
int aperture_bar_mmap(struct file *file, struct vm_area_struct *vma);

/* kill.c: zap every user mapping of pdev's BARs (they fault back) */
void aperture_zap_dev(struct pci_dev *pdev);

/* own.c: owned functions */
extern struct pci_driver aperture_pci_driver;
bool aperture_owns(struct pci_dev *pdev);
bool aperture_own_blocked(struct pci_dev *pdev);
bool aperture_own_translated(struct pci_dev *pdev);
int aperture_own_dma_allowed(struct aperture_own *own, const char *what);
struct aperture_own *aperture_own_find(u32 domain, u8 bus, u8 devfn,
				       u16 reserved0, bool rawio);
void aperture_own_put(struct aperture_own *own);
long aperture_own_ioctl(unsigned int cmd, void __user *uarg);

/* dma.c: DMA buffers */
extern const struct file_operations aperture_dma_fops;
u64 aperture_dma_limit_function(void);
long aperture_dma_alloc_ioctl(void __user *uarg);
void aperture_dma_evict(struct inode *inode);
void aperture_dma_reap(struct aperture_own *own);
void aperture_dma_release_all(struct aperture_own *own);

/* irq.c: interrupts */
extern const struct file_operations aperture_irq_fops;
long aperture_irq_set_ioctl(void __user *uarg);
long aperture_irq_open_ioctl(void __user *uarg);
void aperture_irq_evict(struct inode *inode);
void aperture_irq_teardown(struct aperture_own *own);

#endif /* APERTURE_H */

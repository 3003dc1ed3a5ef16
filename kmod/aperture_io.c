// SPDX-License-Identifier: GPL-2.0
/*
 * aperture_io.c - PCI BAR apertures as ordinary files.
 *
 * The control node /dev/aperture_io (misc device, 0600) opens one BAR of
 * one PCI function and hands back a descriptor for it (APERTURE_IO_OPEN in
 * include/aperture_io.h).  The descriptor is a regular file of the
 * module's own pseudo file system, so that FUSE can take it as a
 * passthrough backing file:
 *  - read_iter/write_iter walk the range one page window at a time, with
 *    the accesses include/aperture_split.h chooses: on a prefetchable BAR
 *    straight between the window and user memory, with page faults
 *    disabled while a window is held; otherwise through a bounce buffer;
 *  - llseek stays inside the BAR;
 *  - mmap(MAP_SHARED) maps the BAR pages with io_remap_pfn_range, in the
 *    memory type of the kernel windows of that BAR.
 *
 * Per BAR, one refcounted struct aperture_bar holds the kernel windows:
 * an io_mapping for write-combining BARs, one uncached ioremap for
 * register BARs, an ioport_map cookie for I/O BARs.  Every descriptor of
 * that BAR shares it.
 *
 * The module never binds a driver: it works beside whatever driver is
 * bound, like sysfs resource files.  A PCI bus notifier kills the BARs of
 * a device that goes away: later accesses fail with ENODEV and user
 * mappings are zapped, so a touch is SIGBUS.
 *
 * Caveat: a mapping being set up while its device is being removed can
 * escape the zap (mmap links the vma only after ->mmap returns); it then
 * points at an address range nothing decodes any more.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/io-mapping.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/pseudo_fs.h>
#include <linux/rwsem.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "aperture_io.h"
#include "aperture_split.h"
#include "compat.h"

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
#define APERTURE_BOUNCE_MAX	(64 * 1024)	/* a handle's bounce buffer */
#define APERTURE_BOUNCE_STACK	256		/* on-stack buffer */
#define APERTURE_FAULT_IN	(1024 * 1024)	/* user pages faulted in at once */

static_assert(sizeof(struct aperture_io_bar) == 56);
static_assert(APERTURE_BOUNCE_MAX % PAGE_SIZE == 0);

/* ------------------------------------------------------------------ */
/* State                                                               */
/* ------------------------------------------------------------------ */

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

	/* Readers are accesses and mmap; the writer is removal. */
	struct rw_semaphore lock;
	bool dead;			/* device removed: ENODEV */
	struct io_mapping *wc;		/* KIND_WC */
	void __iomem *base;		/* KIND_UC: whole BAR; KIND_IO: ports */

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

	/*
	 * Protects bounce.  Taken with mutex_trylock() only: a transfer
	 * that finds it busy bounces through a buffer on its stack, so
	 * that concurrent transfers on one descriptor never wait.
	 */
	struct mutex bounce_lock;
	u8 *bounce;			/* APERTURE_BOUNCE_MAX + 8, or NULL */
};

/* Protects aperture_bars and every bar->node. */
static DEFINE_MUTEX(aperture_lock);
static LIST_HEAD(aperture_bars);

/* The pseudo file system, mounted while any handle exists. */
static struct vfsmount *aperture_mnt;
static int aperture_mnt_count;

static struct file_system_type aperture_fs_type;
static const struct file_operations aperture_bar_fops;
static const struct vm_operations_struct aperture_vm_ops;

/* ------------------------------------------------------------------ */
/* BAR state                                                           */
/* ------------------------------------------------------------------ */

/* Drops the kernel windows; called once, with bar->lock held or unshared. */
static void aperture_bar_unmap(struct aperture_bar *bar)
{
	switch (bar->kind) {
	case APERTURE_KIND_WC:
		if (bar->wc)
			io_mapping_free(bar->wc);
		bar->wc = NULL;
		break;
	case APERTURE_KIND_UC:
		if (bar->base)
			iounmap(bar->base);
		bar->base = NULL;
		break;
	case APERTURE_KIND_IO:
		if (bar->base)
			ioport_unmap(bar->base);
		bar->base = NULL;
		break;
	}
}

/*
 * kref release, called with aperture_lock held (kref_put_mutex), which it
 * drops.
 */
static void aperture_bar_release(struct kref *kref)
{
	struct aperture_bar *bar = container_of(kref, struct aperture_bar,
						kref);

	list_del_init(&bar->node);
	mutex_unlock(&aperture_lock);
	aperture_bar_unmap(bar);
	pci_dev_put(bar->pdev);
	kfree(bar);
}

static void aperture_bar_put(struct aperture_bar *bar)
{
	kref_put_mutex(&bar->kref, aperture_bar_release, &aperture_lock);
}

/* What an open with these flags would report, before any state exists. */
static int aperture_bar_describe(struct pci_dev *pdev, unsigned int index,
				 u64 *start, u64 *size, u32 *bar_flags)
{
	struct resource *res = &pdev->resource[index];
	unsigned long flags = pci_resource_flags(pdev, index);

	if (!pci_resource_len(pdev, index) ||
	    !(flags & (IORESOURCE_MEM | IORESOURCE_IO)) ||
	    (flags & (IORESOURCE_UNSET | IORESOURCE_DISABLED)) ||
	    !res->parent)
		return -ENODEV;
	*start = pci_resource_start(pdev, index);
	*size = pci_resource_len(pdev, index);
	if (flags & IORESOURCE_IO) {
		*bar_flags = APERTURE_IO_BAR_IO;
	} else {
		*bar_flags = APERTURE_IO_BAR_MEM;
		if (flags & IORESOURCE_MEM_64)
			*bar_flags |= APERTURE_IO_BAR_64;
		if (flags & IORESOURCE_PREFETCH)
			*bar_flags |= APERTURE_IO_BAR_PREFETCH;
	}
	return 0;
}

/* The memory type an open asking for want gets on a fresh BAR. */
static u32 aperture_memtype_default(u32 bar_flags, u32 want)
{
	if (bar_flags & APERTURE_IO_BAR_IO)
		return 0;
	if (want)
		return want;
	return (bar_flags & APERTURE_IO_BAR_PREFETCH) ?
		APERTURE_IO_MEMTYPE_WC : APERTURE_IO_MEMTYPE_UC;
}

/* The live state of a BAR, or NULL; called with aperture_lock held. */
static struct aperture_bar *aperture_bar_find(struct pci_dev *pdev,
					      unsigned int index)
{
	struct aperture_bar *bar;

	lockdep_assert_held(&aperture_lock);
	list_for_each_entry(bar, &aperture_bars, node)
		if (bar->pdev == pdev && bar->index == index)
			return bar;
	return NULL;
}

/* Maps a fresh BAR's kernel windows. */
static int aperture_bar_map(struct aperture_bar *bar)
{
	switch (bar->kind) {
	case APERTURE_KIND_WC:
		bar->wc = io_mapping_create_wc(bar->start, bar->size);
		return bar->wc ? 0 : -ENOMEM;
	case APERTURE_KIND_UC:
		bar->base = ioremap(bar->start, bar->size);
		return bar->base ? 0 : -ENOMEM;
	case APERTURE_KIND_IO:
		bar->base = ioport_map(bar->start, bar->size);
		return bar->base ? 0 : -ENOMEM;
	}
	return -EINVAL;
}

/*
 * The shared state of BAR index of pdev, created on first use, with a
 * reference for the caller.  want is the memory type asked for (0: any);
 * a live BAR in another memory type is EBUSY.
 */
static struct aperture_bar *aperture_bar_get(struct pci_dev *pdev,
					     unsigned int index, u32 want)
{
	struct aperture_bar *bar;
	int err;

	mutex_lock(&aperture_lock);
	/* A device past BUS_NOTIFY_DEL_DEVICE must not get new state. */
	if (!device_is_registered(&pdev->dev)) {
		err = -ENODEV;
		goto out_unlock;
	}
	bar = aperture_bar_find(pdev, index);
	if (bar) {
		if (want && bar->memtype != want) {
			ap_info(pdev, index,
				"open %s, refusing %s: close its other descriptors first\n",
				bar->memtype == APERTURE_IO_MEMTYPE_WC ? "write-combining" : "uncached",
				want == APERTURE_IO_MEMTYPE_WC ? "write-combining" : "uncached");
			err = -EBUSY;
			goto out_unlock;
		}
		kref_get(&bar->kref);
		mutex_unlock(&aperture_lock);
		return bar;
	}

	bar = kzalloc(sizeof(*bar), GFP_KERNEL);
	if (!bar) {
		err = -ENOMEM;
		goto out_unlock;
	}
	kref_init(&bar->kref);
	init_rwsem(&bar->lock);
	mutex_init(&bar->handles_lock);
	INIT_LIST_HEAD(&bar->handles);
	bar->index = index;
	err = aperture_bar_describe(pdev, index, &bar->start, &bar->size,
				    &bar->bar_flags);
	if (err)
		goto err_free_bar;
	bar->memtype = aperture_memtype_default(bar->bar_flags, want);
	if (bar->bar_flags & APERTURE_IO_BAR_IO)
		bar->kind = APERTURE_KIND_IO;
	else if (bar->memtype == APERTURE_IO_MEMTYPE_WC)
		bar->kind = APERTURE_KIND_WC;
	else
		bar->kind = APERTURE_KIND_UC;
	err = aperture_bar_map(bar);
	if (err)
		goto err_free_bar;
	bar->pdev = pci_dev_get(pdev);
	list_add(&bar->node, &aperture_bars);
	mutex_unlock(&aperture_lock);
	return bar;

err_free_bar:
	kfree(bar);
out_unlock:
	mutex_unlock(&aperture_lock);
	return ERR_PTR(err);
}

/*
 * The device of bar is going away: fail every later access with ENODEV,
 * drop the kernel windows and revoke the user mappings.
 */
static void aperture_bar_kill(struct aperture_bar *bar)
{
	struct aperture_handle *h;

	down_write(&bar->lock);
	bar->dead = true;
	aperture_bar_unmap(bar);
	up_write(&bar->lock);

	mutex_lock(&bar->handles_lock);
	list_for_each_entry(h, &bar->handles, node)
		unmap_mapping_range(h->inode->i_mapping, 0, 0, 1);
	mutex_unlock(&bar->handles_lock);
	pci_info(bar->pdev, KBUILD_MODNAME ": BAR %u: device removed, its descriptors now fail with ENODEV\n",
		 bar->index);
}

/* Bus notifier: kills the BARs of a function that is being removed. */
static int aperture_pci_notify(struct notifier_block *nb,
			       unsigned long action, void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	struct aperture_bar *bar, *next;
	LIST_HEAD(doomed);

	if (action != BUS_NOTIFY_DEL_DEVICE &&
	    action != BUS_NOTIFY_REMOVED_DEVICE)
		return NOTIFY_DONE;

	mutex_lock(&aperture_lock);
	list_for_each_entry_safe(bar, next, &aperture_bars, node) {
		if (bar->pdev != pdev)
			continue;
		kref_get(&bar->kref);
		list_move(&bar->node, &doomed);
	}
	mutex_unlock(&aperture_lock);

	list_for_each_entry_safe(bar, next, &doomed, node) {
		mutex_lock(&aperture_lock);
		list_del_init(&bar->node);
		mutex_unlock(&aperture_lock);
		aperture_bar_kill(bar);
		aperture_bar_put(bar);
	}
	return NOTIFY_OK;
}

static struct notifier_block aperture_pci_nb = {
	.notifier_call = aperture_pci_notify,
};

/* ------------------------------------------------------------------ */
/* Device access                                                       */
/* ------------------------------------------------------------------ */

/* The kernel window of the page at page_off; bar->lock held, live. */
static void __iomem *aperture_window_map(struct aperture_bar *bar,
					 u64 page_off)
{
	if (bar->kind == APERTURE_KIND_WC)
		return io_mapping_map_local_wc(bar->wc, page_off);
	return bar->base + page_off;
}

static void aperture_window_unmap(struct aperture_bar *bar,
				  void __iomem *win)
{
	if (bar->kind == APERTURE_KIND_WC)
		io_mapping_unmap_local(win);
}

/* One read access of width bytes, its bytes in BAR order at buf. */
static void aperture_read_one(const struct aperture_bar *bar,
			      const void __iomem *a, unsigned int width,
			      u8 *buf)
{
	if (bar->kind == APERTURE_KIND_IO) {
		switch (width) {
		case 1:
			*buf = ioread8(a);
			return;
		case 2:
			put_unaligned_le16(ioread16(a), buf);
			return;
		default:
			put_unaligned_le32(ioread32(a), buf);
			return;
		}
	}
	switch (width) {
	case 1:
		*buf = readb(a);
		return;
	case 2:
		put_unaligned_le16(readw(a), buf);
		return;
	case 4:
		put_unaligned_le32(readl(a), buf);
		return;
	default:
		put_unaligned_le64(readq(a), buf);
		return;
	}
}

/* One write access of width bytes, taken in BAR order from buf. */
static void aperture_write_one(const struct aperture_bar *bar,
			       void __iomem *a, unsigned int width,
			       const u8 *buf)
{
	if (bar->kind == APERTURE_KIND_IO) {
		switch (width) {
		case 1:
			iowrite8(*buf, a);
			return;
		case 2:
			iowrite16(get_unaligned_le16(buf), a);
			return;
		default:
			iowrite32(get_unaligned_le32(buf), a);
			return;
		}
	}
	switch (width) {
	case 1:
		writeb(*buf, a);
		return;
	case 2:
		writew(get_unaligned_le16(buf), a);
		return;
	case 4:
		writel(get_unaligned_le32(buf), a);
		return;
	default:
		writeq(get_unaligned_le64(buf), a);
		return;
	}
}

/*
 * Bulk copies for prefetchable memory, where any width is right: 64-bit
 * accesses, eight per round, between an 8-aligned buffer and an 8-aligned
 * BAR offset, len a multiple of 8.  Neither memcpy_fromio() (32-bit "rep
 * movs") nor a byte string copy: each device access moves 8 bytes, which
 * is what bounds a copy from device memory, and under emulation a string
 * instruction costs one round trip per element.
 */
static void aperture_bulk_fromio(u64 *dst, const void __iomem *src,
				 size_t len)
{
	const u64 __iomem *s = src;

	for (; len >= 64; len -= 64, s += 8, dst += 8) {
		dst[0] = aperture_raw_readq(s + 0);
		dst[1] = aperture_raw_readq(s + 1);
		dst[2] = aperture_raw_readq(s + 2);
		dst[3] = aperture_raw_readq(s + 3);
		dst[4] = aperture_raw_readq(s + 4);
		dst[5] = aperture_raw_readq(s + 5);
		dst[6] = aperture_raw_readq(s + 6);
		dst[7] = aperture_raw_readq(s + 7);
	}
	for (; len; len -= 8)
		*dst++ = aperture_raw_readq(s++);
	rmb();
}

static void aperture_bulk_toio(void __iomem *dst, const u64 *src,
			       size_t len)
{
	u64 __iomem *d = dst;

	wmb();
	for (; len >= 64; len -= 64, d += 8, src += 8) {
		aperture_raw_writeq(src[0], d + 0);
		aperture_raw_writeq(src[1], d + 1);
		aperture_raw_writeq(src[2], d + 2);
		aperture_raw_writeq(src[3], d + 3);
		aperture_raw_writeq(src[4], d + 4);
		aperture_raw_writeq(src[5], d + 5);
		aperture_raw_writeq(src[6], d + 6);
		aperture_raw_writeq(src[7], d + 7);
	}
	for (; len; len -= 8)
		aperture_raw_writeq(*src++, d++);
	wmb();
}

/*
 * Moves len bytes between buf and the BAR at off, all inside the page
 * window win maps (win is the page at off & PAGE_MASK).
 */
static void aperture_window_xfer(const struct aperture_bar *bar,
				 const struct aperture_split *split,
				 void __iomem *win, u64 off, u8 *buf,
				 size_t len, bool write)
{
	u64 page = off & PAGE_MASK;
	struct aperture_piece p;
	u8 tmp[8];

	while (len) {
		aperture_split_next(split, off, len, write, &p);
		if (!p.width) {
			/* buf is 8-aligned here: see aperture_bar_rw(). */
			if (write)
				aperture_bulk_toio(win + (p.addr - page),
						   (const u64 *)buf, p.len);
			else
				aperture_bulk_fromio((u64 *)buf,
						     win + (p.addr - page),
						     p.len);
		} else if (write) {
			aperture_write_one(bar, win + (p.addr - page), p.width,
					   buf);
		} else if (!p.skip && p.len == p.width) {
			aperture_read_one(bar, win + (p.addr - page), p.width,
					  buf);
		} else {
			aperture_read_one(bar, win + (p.addr - page), p.width,
					  tmp);
			memcpy(buf, tmp + p.skip, p.len);
		}
		off += p.len;
		buf += p.len;
		len -= p.len;
	}
}

/*
 * Moves len bytes between buf and the BAR at off, one page window at a
 * time.  Takes bar->lock for reading: -ENODEV once the device is gone.
 */
static int aperture_bar_xfer(struct aperture_bar *bar,
			     const struct aperture_split *split, u64 off,
			     u8 *buf, size_t len, bool write)
{
	void __iomem *win;
	size_t n;

	if (down_read_killable(&bar->lock))
		return -EINTR;
	if (bar->dead) {
		up_read(&bar->lock);
		return -ENODEV;
	}
	while (len) {
		n = min_t(u64, len, PAGE_SIZE - (off & ~PAGE_MASK));
		win = aperture_window_map(bar, off & PAGE_MASK);
		aperture_window_xfer(bar, split, win, off, buf, n, write);
		aperture_window_unmap(bar, win);
		off += n;
		buf += n;
		len -= n;
	}
	up_read(&bar->lock);
	return 0;
}

/* ------------------------------------------------------------------ */
/* User copies                                                         */
/* ------------------------------------------------------------------ */

/*
 * The bounce buffer to and from user memory.  copy_to_iter() and
 * copy_from_iter() end in "rep movsb" on CPUs with ERMS, which hardware
 * runs well but an emulator (QEMU TCG, where this module is tested and
 * where many bring-up labs first meet a device model) runs one byte per
 * round trip: five times slower than the device copy itself.  For plain
 * user buffers (read, pread, readv and FUSE passthrough all pass one)
 * these copy with 8-byte moves instead; anything else, or a fault, goes
 * the generic way, which also counts the bytes exactly.
 */

/* The current segment of a user-backed iter; its length in *len. */
static void __user *aperture_iter_seg(const struct iov_iter *iter,
				      size_t *len)
{
	const struct iovec *iov;

	if (iter_is_ubuf(iter)) {
		*len = iov_iter_count(iter);
		return iter->ubuf + iter->iov_offset;
	}
	iov = aperture_iter_iov(iter);
	*len = min(iov_iter_count(iter), iov->iov_len - iter->iov_offset);
	return iov->iov_base + iter->iov_offset;
}

static size_t aperture_copy_to_user(const u8 *src, size_t len,
				    struct iov_iter *iter)
{
	size_t done = 0, seg, n;
	void __user *u;

	while (done < len && user_backed_iter(iter)) {
		u = aperture_iter_seg(iter, &seg);
		n = min(seg, len - done);
		if (!n || !user_access_begin(u, n))
			break;
		unsafe_copy_to_user(u, src + done, n, efault);
		user_access_end();
		iov_iter_advance(iter, n);
		done += n;
	}
	return done + aperture_copy_to_iter(src + done, len - done, iter);

efault:
	user_access_end();
	return done + aperture_copy_to_iter(src + done, len - done, iter);
}

static size_t aperture_copy_from_user(u8 *dst, size_t len,
				      struct iov_iter *iter)
{
	size_t done = 0, seg, n, i;
	void __user *u;
	u64 q;
	u8 b;

	while (done < len && user_backed_iter(iter)) {
		u = aperture_iter_seg(iter, &seg);
		n = min(seg, len - done);
		if (!n || !user_access_begin(u, n))
			break;
		for (i = 0; i + 8 <= n; i += 8) {
			unsafe_get_user(q, (u64 __user *)(u + i), efault);
			put_unaligned(q, (u64 *)(dst + done + i));
		}
		for (; i < n; i++) {
			unsafe_get_user(b, (u8 __user *)(u + i), efault);
			dst[done + i] = b;
		}
		user_access_end();
		iov_iter_advance(iter, n);
		done += n;
	}
	return done + copy_from_iter(dst + done, len - done, iter);

efault:
	user_access_end();
	return done + copy_from_iter(dst + done, len - done, iter);
}

/* ------------------------------------------------------------------ */
/* The direct path: prefetchable BARs                                  */
/* ------------------------------------------------------------------ */

/*
 * On a BAR that allows bulk pieces (prefetchable memory, auto width) a
 * transfer to or from user memory skips the bounce buffer: each bulk
 * piece moves straight between the window and the user's pages, one
 * 8-byte device access and one 8-byte user access per 8 bytes, so that
 * the data is copied once instead of twice.
 *
 * The rule that no user page fault is taken while a window is held still
 * holds: page faults are disabled around the copy, so a user page that is
 * not present ends the pass early, and the caller faults it in with no
 * window and no lock held (as filemap_read() does) and goes on.  A page
 * that cannot be faulted in that way (a PFN mapping, say) is left to the
 * bounce path, which takes the fault outside the window and counts the
 * bytes exactly.
 */

/* Bulk read: 8-aligned BAR memory to user memory; bytes moved. */
static size_t aperture_bulk_to_user(u64 __user *dst, const void __iomem *src,
				    size_t len)
{
	const u64 __iomem *s = src;
	size_t done = 0;

	if (!user_access_begin(dst, len))
		return 0;
	for (; len - done >= 64; done += 64, s += 8, dst += 8) {
		unsafe_put_user(aperture_raw_readq(s + 0), dst + 0, efault);
		unsafe_put_user(aperture_raw_readq(s + 1), dst + 1, efault);
		unsafe_put_user(aperture_raw_readq(s + 2), dst + 2, efault);
		unsafe_put_user(aperture_raw_readq(s + 3), dst + 3, efault);
		unsafe_put_user(aperture_raw_readq(s + 4), dst + 4, efault);
		unsafe_put_user(aperture_raw_readq(s + 5), dst + 5, efault);
		unsafe_put_user(aperture_raw_readq(s + 6), dst + 6, efault);
		unsafe_put_user(aperture_raw_readq(s + 7), dst + 7, efault);
	}
	for (; done < len; done += 8)
		unsafe_put_user(aperture_raw_readq(s++), dst++, efault);
efault:
	user_access_end();
	rmb();
	return done;
}

/* Bulk write: user memory to 8-aligned BAR memory; bytes moved. */
static size_t aperture_bulk_from_user(void __iomem *dst,
				      const u64 __user *src, size_t len)
{
	u64 __iomem *d = dst;
	size_t done = 0;
	u64 q0, q1, q2, q3;

	if (!user_access_begin(src, len))
		return 0;
	wmb();
	for (; len - done >= 32; done += 32, d += 4, src += 4) {
		unsafe_get_user(q0, src + 0, efault);
		unsafe_get_user(q1, src + 1, efault);
		unsafe_get_user(q2, src + 2, efault);
		unsafe_get_user(q3, src + 3, efault);
		aperture_raw_writeq(q0, d + 0);
		aperture_raw_writeq(q1, d + 1);
		aperture_raw_writeq(q2, d + 2);
		aperture_raw_writeq(q3, d + 3);
	}
	for (; done < len; done += 8) {
		unsafe_get_user(q0, src++, efault);
		aperture_raw_writeq(q0, d++);
	}
efault:
	user_access_end();
	wmb();
	return done;
}

/*
 * Moves len bytes between user memory at u and the BAR at off, all inside
 * the page window win, with page faults disabled.  Returns the bytes
 * moved: fewer than len when a user page was not there.
 */
static size_t aperture_window_user(const struct aperture_bar *bar,
				   const struct aperture_split *split,
				   void __iomem *win, u64 off, char __user *u,
				   size_t len, bool write)
{
	u64 page = off & PAGE_MASK;
	struct aperture_piece p;
	size_t done = 0, n;
	void __iomem *a;
	u8 tmp[8];

	while (done < len) {
		aperture_split_next(split, off + done, len - done, write, &p);
		a = win + (p.addr - page);
		n = p.len;
		if (!p.width) {
			if (write)
				n = aperture_bulk_from_user(a,
					(const u64 __user *)(u + done), p.len);
			else
				n = aperture_bulk_to_user(
					(u64 __user *)(u + done), a, p.len);
		} else if (write) {
			if (copy_from_user_nofault(tmp, u + done, p.len))
				break;
			aperture_write_one(bar, a, p.width, tmp);
		} else {
			aperture_read_one(bar, a, p.width, tmp);
			if (copy_to_user_nofault(u + done, tmp + p.skip, p.len))
				break;
		}
		done += n;
		if (n < p.len)
			break;
	}
	return done;
}

/*
 * One pass of the direct path: moves up to len bytes between the user
 * memory of iter (user-backed) and the BAR at off, one page window at a
 * time, and advances iter by what it moved.  Returns that, which is short
 * when a user page was missing (or a segment empty), or -ENODEV/-EINTR.
 */
static ssize_t aperture_bar_user(struct aperture_bar *bar,
				 const struct aperture_split *split, u64 off,
				 struct iov_iter *iter, size_t len, bool write)
{
	size_t done = 0, seg, n, moved;
	void __iomem *win;
	char __user *u;

	if (down_read_killable(&bar->lock))
		return -EINTR;
	if (bar->dead) {
		up_read(&bar->lock);
		return -ENODEV;
	}
	pagefault_disable();
	while (done < len) {
		u = aperture_iter_seg(iter, &seg);
		n = min3(seg, len - done,
			 (size_t)(PAGE_SIZE - ((off + done) & ~PAGE_MASK)));
		if (!n)
			break;
		win = aperture_window_map(bar, (off + done) & PAGE_MASK);
		moved = aperture_window_user(bar, split, win, off + done, u, n,
					     write);
		aperture_window_unmap(bar, win);
		iov_iter_advance(iter, moved);
		done += moved;
		if (moved < n)
			break;
	}
	pagefault_enable();
	up_read(&bar->lock);
	return done;
}

/*
 * Moves len bytes between kernel memory (a bvec, kvec or pipe iter, which
 * takes no page fault) and the BAR at off, all inside the page window
 * win.  Bulk pieces are plain copies: the BAR is memory, so any width is
 * right there.  Returns the bytes moved: fewer than len only when iter
 * takes no more.
 */
static size_t aperture_window_kern(const struct aperture_bar *bar,
				   const struct aperture_split *split,
				   void __iomem *win, u64 off,
				   struct iov_iter *iter, size_t len,
				   bool write)
{
	u64 page = off & PAGE_MASK;
	struct aperture_piece p;
	size_t done = 0, n;
	void __iomem *a;
	u8 tmp[8];

	while (done < len) {
		aperture_split_next(split, off + done, len - done, write, &p);
		a = win + (p.addr - page);
		if (!p.width && write) {
			n = copy_from_iter((void __force *)a, p.len, iter);
			wmb();
		} else if (!p.width) {
			n = copy_to_iter((const void __force *)a, p.len, iter);
		} else if (write) {
			n = copy_from_iter(tmp, p.len, iter);
			if (n < p.len) {
				iov_iter_revert(iter, n);
				break;
			}
			aperture_write_one(bar, a, p.width, tmp);
		} else {
			aperture_read_one(bar, a, p.width, tmp);
			n = copy_to_iter(tmp + p.skip, p.len, iter);
		}
		done += n;
		if (n < p.len)
			break;
	}
	return done;
}

/*
 * The direct path for kernel memory (splice, kernel_read): moves up to
 * len bytes between iter and the BAR at off, one page window at a time.
 * Returns the bytes moved or -ENODEV/-EINTR.
 */
static ssize_t aperture_bar_kern(struct aperture_bar *bar,
				 const struct aperture_split *split, u64 off,
				 struct iov_iter *iter, size_t len, bool write)
{
	size_t done = 0, n, moved;
	void __iomem *win;

	if (down_read_killable(&bar->lock))
		return -EINTR;
	if (bar->dead) {
		up_read(&bar->lock);
		return -ENODEV;
	}
	while (done < len) {
		n = min_t(size_t, len - done,
			  PAGE_SIZE - ((off + done) & ~PAGE_MASK));
		win = aperture_window_map(bar, (off + done) & PAGE_MASK);
		moved = aperture_window_kern(bar, split, win, off + done, iter,
					     n, write);
		aperture_window_unmap(bar, win);
		done += moved;
		if (moved < n)
			break;
	}
	up_read(&bar->lock);
	return done;
}

/*
 * The direct path of a transfer of count bytes at pos: passes of
 * aperture_bar_user(), with the user pages faulted in between passes.
 * Returns the bytes done; *err is -ENODEV/-EINTR if the BAR said so, else
 * 0, and whatever is left (a fault that faulting-in could not fix) is the
 * bounce path's.
 */
static size_t aperture_rw_direct(struct aperture_handle *h, u64 pos,
				 size_t count, struct iov_iter *iter,
				 bool write, int *err)
{
	size_t done = 0, want;
	int stalls = 0;
	ssize_t n;

	*err = 0;
	while (done < count) {
		n = aperture_bar_user(h->bar, &h->split, pos + done, iter,
				      count - done, write);
		if (n < 0) {
			*err = n;
			break;
		}
		done += n;
		if (done == count)
			break;
		/* Two passes in a row without progress: not a missing page. */
		stalls = n ? 0 : stalls + 1;
		if (stalls > 1)
			break;
		want = min_t(size_t, count - done, APERTURE_FAULT_IN);
		if (write ? fault_in_iov_iter_readable(iter, want) == want :
			    fault_in_iov_iter_writeable(iter, want) == want)
			break;
		if (fatal_signal_pending(current)) {
			*err = -EINTR;
			break;
		}
	}
	return done;
}

/* ------------------------------------------------------------------ */
/* The BAR descriptor                                                  */
/* ------------------------------------------------------------------ */

/*
 * The last file of a handle is closing: unpin the pseudo fs.  The closing
 * file still holds the mount, so the superblock (and with it the module,
 * its fs owner) stays until that file's final fput has evicted the inode.
 */
static void aperture_files_release(struct kref *kref)
{
	simple_release_fs(&aperture_mnt, &aperture_mnt_count);
}

/* Frees a handle with its inode: see aperture_evict_inode(). */
static void aperture_handle_free(struct aperture_handle *h)
{
	struct aperture_bar *bar = h->bar;

	mutex_lock(&bar->handles_lock);
	list_del(&h->node);
	mutex_unlock(&bar->handles_lock);
	aperture_bar_put(bar);
	kvfree(h->bounce);
	mutex_destroy(&h->bounce_lock);
	kfree(h);
}

/*
 * The bounce buffer of a transfer: the handle's own (allocated on first
 * use, kept until the handle goes) when count needs more than the stack
 * buffer and no other transfer holds it, else stack.  *cap is its size.
 */
static u8 *aperture_bounce_get(struct aperture_handle *h, size_t count,
			       u8 *stack, size_t *cap)
{
	*cap = APERTURE_BOUNCE_STACK;
	if (count <= APERTURE_BOUNCE_STACK || !mutex_trylock(&h->bounce_lock))
		return stack;
	if (!h->bounce)
		h->bounce = kvmalloc(APERTURE_BOUNCE_MAX + 8, GFP_KERNEL);
	if (!h->bounce) {
		mutex_unlock(&h->bounce_lock);
		return stack;
	}
	*cap = APERTURE_BOUNCE_MAX;
	return h->bounce;
}

static void aperture_bounce_put(struct aperture_handle *h, u8 *bounce)
{
	if (bounce == h->bounce)
		mutex_unlock(&h->bounce_lock);
}

/*
 * read_iter and write_iter: clamp to the BAR, then move the data, on a
 * prefetchable BAR with user memory straight (the direct path above),
 * else through a bounce buffer in chunks that end on 8-byte boundaries
 * (so no access is cut in two and no user page fault happens while a
 * window is held).  Each chunk sits in the bounce buffer at the same
 * offset modulo 8 as in the BAR, so that bulk pieces are aligned on both
 * sides.
 */
static ssize_t aperture_bar_rw(struct kiocb *iocb, struct iov_iter *iter,
			       bool write)
{
	struct aperture_handle *h = iocb->ki_filp->private_data;
	struct aperture_bar *bar = h->bar;
	u8 stackbuf[APERTURE_BOUNCE_STACK + 8] __aligned(8);
	size_t count = iov_iter_count(iter);
	size_t done = 0, cap, chunk, moved;
	loff_t pos = iocb->ki_pos;
	ssize_t ret = 0;
	u8 *bounce, *buf;
	int err;
	u64 end;

	if (pos < 0)
		return -EINVAL;
	if (READ_ONCE(bar->dead))
		return -ENODEV;
	if (!count)
		return 0;
	if (write && !aperture_split_write_ok(&h->split, pos, count))
		return -EINVAL;
	if ((u64)pos >= bar->size)
		return write ? -ENOSPC : 0;
	count = min_t(u64, count, bar->size - pos);

	if (h->split.bulk && !user_backed_iter(iter)) {
		ret = aperture_bar_kern(bar, &h->split, pos, iter, count, write);
		if (ret > 0)
			iocb->ki_pos = pos + ret;
		return ret;
	}
	if (h->split.bulk) {
		done = aperture_rw_direct(h, pos, count, iter, write, &err);
		if (done == count || err) {
			iocb->ki_pos = pos + done;
			return done ? done : err;
		}
	}

	bounce = aperture_bounce_get(h, count - done, stackbuf, &cap);
	while (done < count) {
		chunk = min(count - done, cap);
		end = pos + done + chunk;
		if (done + chunk < count)
			chunk -= end & 7;
		buf = bounce + ((pos + done) & 7);
		if (write) {
			moved = aperture_copy_from_user(buf, chunk, iter);
			if (moved < chunk) {
				size_t whole = moved;

				if (h->split.mode == APERTURE_SPLIT_FIXED)
					whole &= ~(size_t)(h->split.width - 1);
				iov_iter_revert(iter, moved - whole);
				chunk = whole;
				ret = -EFAULT;
				if (!chunk)
					break;
			}
		}
		ret = aperture_bar_xfer(bar, &h->split, pos + done, buf,
					chunk, write) ?: ret;
		if (ret == -ENODEV || ret == -EINTR)
			break;
		if (!write) {
			moved = aperture_copy_to_user(buf, chunk, iter);
			if (moved < chunk) {
				done += moved;
				ret = -EFAULT;
				break;
			}
		}
		done += chunk;
		if (ret)
			break;
	}
	aperture_bounce_put(h, bounce);

	iocb->ki_pos = pos + done;
	return done ? done : ret;
}

static ssize_t aperture_bar_read_iter(struct kiocb *iocb,
				      struct iov_iter *iter)
{
	return aperture_bar_rw(iocb, iter, false);
}

static ssize_t aperture_bar_write_iter(struct kiocb *iocb,
				       struct iov_iter *iter)
{
	return aperture_bar_rw(iocb, iter, true);
}

static loff_t aperture_bar_llseek(struct file *file, loff_t offset,
				  int whence)
{
	struct aperture_handle *h = file->private_data;

	return fixed_size_llseek(file, offset, whence, h->bar->size);
}

/* A touch of a revoked mapping: the pages are gone with the device. */
static vm_fault_t aperture_vm_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static int aperture_bar_mmap(struct file *file, struct vm_area_struct *vma)
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

/* Fills the out fields of arg for a BAR (live state or description). */
static void aperture_fill(struct aperture_io_bar *arg, u64 start, u64 size,
			  u32 bar_flags, u32 memtype, u32 width)
{
	arg->abi_version = APERTURE_IO_ABI_VERSION;
	arg->fd = -1;
	arg->start = start;
	arg->size = size;
	arg->bar_flags = bar_flags;
	arg->memtype = memtype;
	arg->width = width;
	arg->reserved1 = 0;
}

/* Copies in an ioctl argument: argsz at least ours, and sane. */
static int aperture_arg_get(struct aperture_io_bar *arg, void __user *uarg)
{
	u32 argsz;
	int err;

	if (get_user(argsz, (u32 __user *)uarg))
		return -EFAULT;
	if (argsz < sizeof(*arg) || argsz > PAGE_SIZE)
		return -EINVAL;
	err = copy_struct_from_user(arg, sizeof(*arg), uarg, argsz);
	return err == -E2BIG ? -EINVAL : err;
}

static int aperture_arg_put(void __user *uarg,
			    const struct aperture_io_bar *arg)
{
	return copy_to_user(uarg, arg, sizeof(*arg)) ? -EFAULT : 0;
}

static long aperture_bar_ioctl(struct file *file, unsigned int cmd,
			       unsigned long uarg)
{
	struct aperture_handle *h = file->private_data;
	struct aperture_bar *bar = h->bar;
	struct aperture_io_bar arg;
	int err;

	if (cmd != APERTURE_IO_INFO)
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
		      bar->memtype, h->width);
	return aperture_arg_put((void __user *)uarg, &arg);
}

/*
 * Open of the inode by path, as FUSE passthrough does (backing_file_open
 * through inode->i_fop): the handle is in i_private and alive, since the
 * file being re-opened holds it.
 */
static int aperture_bar_open(struct inode *inode, struct file *file)
{
	struct aperture_handle *h = inode->i_private;

	/* Every file closed already: the handle is on its way out. */
	if (!h || !kref_get_unless_zero(&h->files))
		return -ENODEV;
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

/* ------------------------------------------------------------------ */
/* The control node                                                    */
/* ------------------------------------------------------------------ */

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
	} else {
		split->mode = APERTURE_SPLIT_REG32;
		split->width = 4;
		*width = APERTURE_IO_WIDTH_32;
	}
}

/* walk_iomem_res_desc() callback: any hit is an exclusive region. */
static int aperture_exclusive_hit(struct resource *res, void *arg)
{
	return 1;
}

/* Whether the kernel marked part of a memory BAR exclusive. */
static bool aperture_bar_exclusive(u64 start, u64 size)
{
	return walk_iomem_res_desc(IORES_DESC_NONE,
				   IORESOURCE_MEM | IORESOURCE_EXCLUSIVE,
				   start, start + size - 1, NULL,
				   aperture_exclusive_hit) > 0;
}

/*
 * Creates a handle on bar for the open flags of arg, its inode and its
 * descriptor; writes arg back to uarg before the descriptor goes live.
 */
static long aperture_open_fd(struct aperture_bar *bar,
			     struct aperture_io_bar *arg, void __user *uarg)
{
	bool rdonly = arg->flags & APERTURE_IO_OPEN_RDONLY;
	struct aperture_handle *h;
	struct inode *inode;
	struct file *file;
	char name[48];
	long err;
	int fd;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	kref_init(&h->files);
	mutex_init(&h->bounce_lock);
	aperture_policy(arg->flags, bar->bar_flags, bar->memtype, &h->split,
			&h->width);

	err = simple_pin_fs(&aperture_fs_type, &aperture_mnt,
			    &aperture_mnt_count);
	if (err)
		goto err_free_handle;
	inode = new_inode(aperture_mnt->mnt_sb);
	if (!inode) {
		err = -ENOMEM;
		goto err_release_fs;
	}
	/* From here the inode owns h: evicting it frees h. */
	kref_get(&bar->kref);
	h->bar = bar;
	h->inode = inode;
	mutex_lock(&bar->handles_lock);
	list_add(&h->node, &bar->handles);
	mutex_unlock(&bar->handles_lock);
	inode->i_ino = get_next_ino();
	inode->i_mode = S_IFREG | 0600;
	inode->i_uid = current_fsuid();
	inode->i_gid = current_fsgid();
	inode->i_fop = &aperture_bar_fops;
	inode->i_private = h;
	i_size_write(inode, bar->size);
	aperture_inode_init_ts(inode);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto err_put_inode;
	}
	snprintf(name, sizeof(name), "aperture:%s:bar%u",
		 pci_name(bar->pdev), bar->index);
	file = alloc_file_pseudo(inode, aperture_mnt, name,
				 rdonly ? O_RDONLY : O_RDWR,
				 &aperture_bar_fops);
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

	aperture_fill(arg, bar->start, bar->size, bar->bar_flags, bar->memtype,
		      h->width);
	arg->fd = fd;
	err = aperture_arg_put(uarg, arg);
	if (err) {
		fput(file);
		put_unused_fd(fd);
		return err;
	}
	fd_install(fd, file);
	return 0;

err_put_fd:
	put_unused_fd(fd);
err_put_inode:
	iput(inode);	/* frees h */
	simple_release_fs(&aperture_mnt, &aperture_mnt_count);
	return err;

err_release_fs:
	simple_release_fs(&aperture_mnt, &aperture_mnt_count);
err_free_handle:
	kfree(h);
	return err;
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
	u64 start, size;
	long ret;

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

	if (!open) {
		mutex_lock(&aperture_lock);
		bar = aperture_bar_find(pdev, arg->bar);
		memtype = bar ? bar->memtype :
			aperture_memtype_default(bar_flags, want);
		mutex_unlock(&aperture_lock);
		ret = 0;
		if (want && memtype != want)
			ret = -EBUSY;
		aperture_policy(arg->flags, bar_flags, memtype, &split,
				&reported);
		aperture_fill(arg, start, size, bar_flags, memtype, reported);
		goto out_put_pdev;
	}

	ret = security_locked_down(LOCKDOWN_PCI_ACCESS);
	if (ret) {
		ap_warn(pdev, arg->bar, "kernel is locked down, refusing\n");
		goto out_put_pdev;
	}
	if (size > APERTURE_WINDOWS_MAX) {
		ap_info(pdev, arg->bar,
			"a 32-bit kernel cannot map a BAR of 4 GiB or more, refusing\n");
		ret = -EFBIG;
		goto out_put_pdev;
	}
	if ((bar_flags & APERTURE_IO_BAR_MEM) &&
	    aperture_bar_exclusive(start, size)) {
		ap_warn(pdev, arg->bar,
			"a driver holds it exclusively, refusing: unbind that driver first\n");
		ret = -EBUSY;
		goto out_put_pdev;
	}

	bar = aperture_bar_get(pdev, arg->bar, want);
	if (IS_ERR(bar)) {
		ret = PTR_ERR(bar);
		goto out_put_pdev;
	}
	ret = aperture_open_fd(bar, arg, uarg);
	aperture_bar_put(bar);
out_put_pdev:
	pci_dev_put(pdev);
	return ret;
}

static long aperture_ctl_ioctl(struct file *file, unsigned int cmd,
			       unsigned long uarg)
{
	struct aperture_io_bar arg;
	long ret;

	if (cmd != APERTURE_IO_OPEN && cmd != APERTURE_IO_INFO)
		return -ENOTTY;
	ret = aperture_arg_get(&arg, (void __user *)uarg);
	if (ret)
		return ret;
	ret = aperture_ctl_open(&arg, (void __user *)uarg,
				cmd == APERTURE_IO_OPEN);
	if (ret || cmd == APERTURE_IO_OPEN)
		return ret;
	return aperture_arg_put((void __user *)uarg, &arg);
}

/* ------------------------------------------------------------------ */
/* Module                                                              */
/* ------------------------------------------------------------------ */

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

static const struct vm_operations_struct aperture_vm_ops = {
	.fault = aperture_vm_fault,
#ifdef CONFIG_HAVE_IOREMAP_PROT
	.access = generic_access_phys,
#endif
};

static const struct file_operations aperture_bar_fops = {
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

static const struct file_operations aperture_ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = aperture_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
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

	err = bus_register_notifier(&pci_bus_type, &aperture_pci_nb);
	if (err)
		return err;
	err = misc_register(&aperture_miscdev);
	if (err)
		goto err_unregister_notifier;
	return 0;

err_unregister_notifier:
	bus_unregister_notifier(&pci_bus_type, &aperture_pci_nb);
	return err;
}

static void __exit aperture_exit(void)
{
	misc_deregister(&aperture_miscdev);
	bus_unregister_notifier(&pci_bus_type, &aperture_pci_nb);
}

module_init(aperture_init);
module_exit(aperture_exit);

MODULE_DESCRIPTION("PCI BAR apertures as ordinary files");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * xfer.c - the data path: read_iter and write_iter of a BAR descriptor.
 *
 * One page walker and one piece loop.  aperture_bar_rw() walks the range
 * one chunk at a time, each chunk inside one page window and ending on an
 * 8-byte boundary (so that no access, at most 8 bytes and naturally
 * aligned, is cut in two).  A chunk goes through a bounce buffer: user
 * memory is copied in or out with copy_from_iter()/copy_to_iter() with no
 * lock held (so hardened usercopy and KASAN see every copy, and a user
 * page fault never happens under a window), and the device side of the
 * chunk is one aperture_window_xfer(): bar->lock held for reading, one
 * window mapped, the pieces include/aperture_split.h chooses.  Between
 * chunks the walker yields and stops on a fatal signal with what it did.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/io-mapping.h>
#include <linux/io.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "aperture.h"
#include "compat.h"
#include "trace.h"

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
 * Bulk copies of prefetchable memory, where any width is right: 64-bit
 * accesses between an 8-aligned kernel buffer and an 8-aligned BAR
 * offset, len a multiple of 8.  Not memcpy_fromio(), whose x86 string
 * copy moves 4 bytes per device access: on a real bus every access is a
 * transaction, and a read of device memory costs its round trip whatever
 * its width, so 8-byte accesses halve the cost of a bulk read.
 */
static void aperture_bulk_fromio(u64 *dst, const void __iomem *src,
				 size_t len)
{
	const u64 __iomem *s = src;

	for (; len; len -= 8)
		*dst++ = aperture_raw_readq(s++);
	rmb();
}

static void aperture_bulk_toio(void __iomem *dst, const u64 *src,
			       size_t len)
{
	u64 __iomem *d = dst;

	wmb();
	for (; len; len -= 8)
		aperture_raw_writeq(*src++, d++);
	wmb();
}

/*
 * The device side of one chunk: moves len bytes between buf and the BAR
 * at off, all inside the page at off & PAGE_MASK, with bar->lock held for
 * reading and that one window mapped.  -ENODEV once the BAR is dead,
 * -EINTR on a fatal signal while waiting for the lock.
 */
static int aperture_window_xfer(struct aperture_bar *bar,
				const struct aperture_split *split, u64 off,
				u8 *buf, size_t len, bool write)
{
	u64 page = off & PAGE_MASK;
	struct aperture_piece p;
	void __iomem *win, *a;
	u8 tmp[8];
	int err;

	err = aperture_bar_begin(bar);
	if (err)
		return err;
	if (bar->kind == APERTURE_KIND_WC)
		win = io_mapping_map_local_wc(bar->wc, page);
	else
		win = bar->base + page;
	while (len) {
		aperture_split_next(split, off, len, write, &p);
		a = win + (p.addr - page);
		if (!p.width) {
			/* buf is 8-aligned here: see aperture_bar_rw(). */
			if (write)
				aperture_bulk_toio(a, (const u64 *)buf, p.len);
			else
				aperture_bulk_fromio((u64 *)buf, a, p.len);
		} else if (write) {
			aperture_write_one(bar, a, p.width, buf);
		} else if (!p.skip && p.len == p.width) {
			aperture_read_one(bar, a, p.width, buf);
		} else {
			aperture_read_one(bar, a, p.width, tmp);
			memcpy(buf, tmp + p.skip, p.len);
		}
		off += p.len;
		buf += p.len;
		len -= p.len;
	}
	if (bar->kind == APERTURE_KIND_WC)
		io_mapping_unmap_local(win);
	aperture_bar_end(bar);
	return 0;
}

/*
 * The bounce buffer of a transfer: the handle's page (allocated on first
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
		h->bounce = kmalloc(PAGE_SIZE + 8, GFP_KERNEL);
	if (!h->bounce) {
		mutex_unlock(&h->bounce_lock);
		return stack;
	}
	*cap = PAGE_SIZE;
	return h->bounce;
}

static void aperture_bounce_put(struct aperture_handle *h, u8 *bounce)
{
	if (bounce == h->bounce)
		mutex_unlock(&h->bounce_lock);
}

/*
 * read_iter and write_iter: clamp to the BAR, then walk it chunk by chunk.
 * Each chunk sits in the bounce buffer at the same offset modulo 8 as in
 * the BAR, so that bulk pieces are aligned on both sides.  Returns the
 * bytes done, or the error if none were: EFAULT, ENODEV (device gone),
 * EINTR (fatal signal).
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
	u8 *bounce, *buf, val[8] = { 0 };	/* val: a small transfer's bytes */
	ssize_t ret = 0;
	u64 off, end;
	int err;

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
	/* Config space is read once per transfer, not per window. */
	err = aperture_bar_decodes(bar);
	if (err)
		return err;

	bounce = aperture_bounce_get(h, count, stackbuf, &cap);
	while (done < count) {
		off = (u64)pos + done;
		chunk = min_t(u64, count - done,
			      min_t(u64, cap, PAGE_SIZE - (off & ~PAGE_MASK)));
		end = off + chunk;
		if (done + chunk < count)
			chunk -= end & 7;
		buf = bounce + (off & 7);
		if (write) {
			moved = copy_from_iter(buf, chunk, iter);
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
		err = aperture_window_xfer(bar, &h->split, off, buf, chunk,
					   write);
		if (err) {
			if (write)
				iov_iter_revert(iter, chunk);
			ret = err;
			break;
		}
		if (count <= sizeof(val))
			memcpy(val + done, buf, chunk);
		if (!write) {
			moved = aperture_copy_to_iter(buf, chunk, iter);
			if (moved < chunk) {
				done += moved;
				ret = -EFAULT;
				break;
			}
		}
		done += chunk;
		if (ret || done == count)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	aperture_bounce_put(h, bounce);

	iocb->ki_pos = pos + done;
	if (done && write)
		trace_aperture_io_write(bar->pdev, bar->index, pos, done,
					get_unaligned_le64(val));
	else if (done)
		trace_aperture_io_read(bar->pdev, bar->index, pos, done,
				       get_unaligned_le64(val));
	return done ? done : ret;
}

/*
 * ->access of a mapping (ptrace, /proc/PID/mem, so gdb): len bytes at BAR
 * offset off, between buf and the kernel windows, cut exactly as the
 * handle's read and write are.  Not generic_access_phys(): its
 * memcpy_fromio()/memcpy_toio() go a byte at a time up to an 8-byte
 * boundary and 8 bytes at a time after it (arm64, and the generic ones),
 * widths a register need not take: a 4-byte read of edu's first register
 * was four byte reads, a synchronous external abort on arm64.  Returns
 * the bytes done, or the error if none were.
 */
int aperture_bar_access(struct aperture_handle *h, u64 off, void *buf,
			int len, bool write)
{
	struct aperture_bar *bar = h->bar;
	u8 bounce[APERTURE_BOUNCE_STACK + 8] __aligned(8);
	size_t count, done = 0, chunk;
	u64 o, end;
	u8 *b;
	int err;

	if (len <= 0 || off >= bar->size)
		return -EINVAL;
	count = min_t(u64, len, bar->size - off);
	if (write && !aperture_split_write_ok(&h->split, off, count))
		return -EINVAL;
	err = aperture_bar_decodes(bar);
	if (err)
		return err;
	while (done < count) {
		o = off + done;
		chunk = min_t(u64, count - done,
			      min_t(u64, APERTURE_BOUNCE_STACK,
				    PAGE_SIZE - (o & ~PAGE_MASK)));
		end = o + chunk;
		if (done + chunk < count)
			chunk -= end & 7;
		b = bounce + (o & 7);
		if (write)
			memcpy(b, buf + done, chunk);
		err = aperture_window_xfer(bar, &h->split, o, b, chunk, write);
		if (err)
			return done ? done : err;
		if (!write)
			memcpy(buf + done, b, chunk);
		done += chunk;
	}
	return done;
}

/* A transfer that did nothing and failed is a refusal: traced. */
static ssize_t aperture_bar_rw_traced(struct kiocb *iocb,
				      struct iov_iter *iter, bool write)
{
	struct aperture_handle *h = iocb->ki_filp->private_data;
	size_t count = iov_iter_count(iter);
	loff_t pos = iocb->ki_pos;
	ssize_t ret = aperture_bar_rw(iocb, iter, write);

	if (ret < 0)
		trace_aperture_io_refuse(h->bar->pdev, h->bar->index,
					 write ? APERTURE_TRACE_WRITE :
						 APERTURE_TRACE_READ,
					 pos, count, ret);
	return ret;
}

ssize_t aperture_bar_read_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	return aperture_bar_rw_traced(iocb, iter, false);
}

ssize_t aperture_bar_write_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	return aperture_bar_rw_traced(iocb, iter, true);
}

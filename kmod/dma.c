// SPDX-License-Identifier: GPL-2.0
/*
 * dma.c - DMA buffers of owned functions (APERTURE_IO_DMA_ALLOC): memory
 * from the owned device's own DMA API (dma_alloc_coherent(), so that the
 * address handed out is the one the device must use, through an IOMMU or
 * not), each behind a regular file of the module's pseudo fs with read,
 * write, llseek, mmap(MAP_SHARED) and APERTURE_IO_DMA_INFO.
 *
 * Lifetime: the memory stays while any file of the buffer is open (a
 * mapping holds its file).  When the last one closes, it returns to the
 * kernel if an IOMMU translates the function's DMA (the unmap takes the
 * device's access away) or bus mastering is off; otherwise it waits on
 * the function, counted against its limit, until mastering goes off or
 * the function is released.  A release (remove) frees every buffer at
 * once, after bus mastering is off: their descriptors then fail with
 * ENODEV and their mappings are zapped (SIGBUS).
 *
 * Mappings insert the buffer's pages one at a time when touched (as
 * mmap.c does for BARs), never at mmap time: the kernel links a new vma
 * into the inode's mapping only after ->mmap returns, so pages inserted
 * there could escape the zap of a release running meanwhile, and reach
 * freed memory.  A fault checks buf->dead under buf->lock.
 *
 * Limits (module parameters): dma_max_function bytes per function,
 * dma_max_total bytes in all; ENOSPC past them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include "aperture.h"
#include "compat.h"

static unsigned long long dma_max_function = 64ull << 20;
module_param(dma_max_function, ullong, 0644);
MODULE_PARM_DESC(dma_max_function,
		 "bytes of DMA buffers one owned function may hold (default 64 MiB)");

static unsigned long long dma_max_total = 256ull << 20;
module_param(dma_max_total, ullong, 0644);
MODULE_PARM_DESC(dma_max_total,
		 "bytes of DMA buffers all owned functions may hold (default 256 MiB)");

/* Bytes on every function's list (aperture_own.bytes summed). */
static atomic64_t aperture_dma_total = ATOMIC64_INIT(0);

u64 aperture_dma_limit_function(void)
{
	return READ_ONCE(dma_max_function);
}

/* One buffer. */
struct aperture_dma {
	struct kref ref;		/* the inode, the function's list */
	struct kref files;		/* one per open file */
	struct aperture_own *own;	/* referenced */
	struct list_head node;		/* own->bufs while counted; own->lock */
	struct inode *inode;		/* NULL once evicted; own->lock */
	bool unused;			/* every file closed; own->lock */

	/* Readers: copies and faults; writer: the release's kill. */
	struct rw_semaphore lock;
	bool dead;			/* released: ENODEV, SIGBUS */

	void *cpu;			/* kernel address; NULL once freed */
	dma_addr_t addr;		/* the device's address */
	size_t size;			/* bytes, a page multiple */
};

static void aperture_dma_free(struct kref *kref)
{
	struct aperture_dma *buf = container_of(kref, struct aperture_dma,
						ref);

	aperture_own_put(buf->own);
	kfree(buf);
}

/*
 * Returns buf's memory to the kernel and takes it off its function's
 * list; own->lock held, no file of buf left or buf dead.
 */
static void aperture_dma_give_back(struct aperture_dma *buf)
{
	struct aperture_own *own = buf->own;

	lockdep_assert_held(&own->lock);
	dma_free_coherent(&own->pdev->dev, buf->size, buf->cpu, buf->addr);
	buf->cpu = NULL;
	list_del_init(&buf->node);
	own->nbufs--;
	own->bytes -= buf->size;
	atomic64_sub(buf->size, &aperture_dma_total);
	kref_put(&buf->ref, aperture_dma_free);
}

/*
 * Frees the unused buffers of own that may go now: with an IOMMU
 * translating the function's DMA, or with bus mastering off.  own->lock
 * held.
 */
void aperture_dma_reap(struct aperture_own *own)
{
	struct aperture_dma *buf, *next;
	u16 cmd = PCI_COMMAND_MASTER;

	lockdep_assert_held(&own->lock);
	pci_read_config_word(own->pdev, PCI_COMMAND, &cmd);
	if (!aperture_own_translated(own->pdev) &&
	    (own->master || PCI_POSSIBLE_ERROR(cmd) ||
	     (cmd & PCI_COMMAND_MASTER)))
		return;
	list_for_each_entry_safe(buf, next, &own->bufs, node)
		if (buf->unused)
			aperture_dma_give_back(buf);
}

/*
 * The function is released, bus mastering off: every buffer goes now.
 * Live ones are killed first (descriptors ENODEV, mappings zapped).
 * own->lock held.
 */
void aperture_dma_release_all(struct aperture_own *own)
{
	struct aperture_dma *buf, *next;

	lockdep_assert_held(&own->lock);
	list_for_each_entry_safe(buf, next, &own->bufs, node) {
		down_write(&buf->lock);
		buf->dead = true;
		up_write(&buf->lock);
		if (buf->inode)
			unmap_mapping_range(buf->inode->i_mapping, 0, 0, 1);
		aperture_dma_give_back(buf);
	}
}

/* The last file of buf closed: its memory may go. */
static void aperture_dma_files_release(struct kref *kref)
{
	struct aperture_dma *buf = container_of(kref, struct aperture_dma,
						files);
	struct aperture_own *own = buf->own;

	mutex_lock(&own->lock);
	buf->unused = true;
	if (buf->cpu)
		aperture_dma_reap(own);
	mutex_unlock(&own->lock);
	aperture_fs_unpin();
}

/* The inode of buf is evicted (main.c): it no longer names buf. */
void aperture_dma_evict(struct inode *inode)
{
	struct aperture_dma *buf = inode->i_private;

	if (!buf)
		return;
	mutex_lock(&buf->own->lock);
	buf->inode = NULL;
	mutex_unlock(&buf->own->lock);
	kref_put(&buf->ref, aperture_dma_free);
}

/*
 * Copies between the buffer and iter at *pos, a page at a time through a
 * bounce page, so that no user page fault (a mapping of this very buffer,
 * userfaultfd) happens under buf->lock.
 */
static ssize_t aperture_dma_rw(struct kiocb *iocb, struct iov_iter *iter,
			       bool write)
{
	struct aperture_dma *buf = iocb->ki_filp->private_data;
	loff_t pos = iocb->ki_pos;
	size_t done = 0, n, got;
	void *bounce;
	int err = 0;

	if (pos < 0)
		return -EINVAL;
	if (pos >= buf->size || !iov_iter_count(iter))
		return READ_ONCE(buf->dead) ? -ENODEV : 0;
	bounce = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	while (iov_iter_count(iter) && pos < buf->size) {
		n = min_t(size_t, iov_iter_count(iter), buf->size - pos);
		n = min_t(size_t, n, PAGE_SIZE);
		if (write) {
			got = copy_from_iter(bounce, n, iter);
			if (!got) {
				err = -EFAULT;
				break;
			}
			n = got;
		}
		down_read(&buf->lock);
		if (buf->dead) {
			up_read(&buf->lock);
			err = -ENODEV;
			if (write)
				iov_iter_revert(iter, n);
			break;
		}
		if (write)
			memcpy(buf->cpu + pos, bounce, n);
		else
			memcpy(bounce, buf->cpu + pos, n);
		up_read(&buf->lock);
		if (!write) {
			got = aperture_copy_to_iter(bounce, n, iter);
			if (!got) {
				err = -EFAULT;
				break;
			}
			n = got;
		}
		pos += n;
		done += n;
		if (fatal_signal_pending(current))
			break;
	}
	kfree(bounce);
	iocb->ki_pos = pos;
	return done ? done : err;
}

static ssize_t aperture_dma_read_iter(struct kiocb *iocb,
				      struct iov_iter *iter)
{
	return aperture_dma_rw(iocb, iter, false);
}

static ssize_t aperture_dma_write_iter(struct kiocb *iocb,
				       struct iov_iter *iter)
{
	return aperture_dma_rw(iocb, iter, true);
}

static loff_t aperture_dma_llseek(struct file *file, loff_t offset,
				  int whence)
{
	struct aperture_dma *buf = file->private_data;

	return generic_file_llseek_size(file, offset, whence, buf->size,
					buf->size);
}

/* A touch of a page not yet mapped: map it, unless the buffer is dead. */
static vm_fault_t aperture_dma_fault(struct vm_fault *vmf)
{
	struct aperture_dma *buf = vmf->vma->vm_private_data;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	unsigned long pfn;
	void *addr;

	down_read(&buf->lock);
	if (!buf->dead && vmf->pgoff < buf->size >> PAGE_SHIFT) {
		addr = buf->cpu + (vmf->pgoff << PAGE_SHIFT);
		pfn = is_vmalloc_addr(addr) ? vmalloc_to_pfn(addr) :
			page_to_pfn(virt_to_page(addr));
		ret = vmf_insert_pfn(vmf->vma, vmf->address, pfn);
	}
	up_read(&buf->lock);
	return ret;
}

static const struct vm_operations_struct aperture_dma_vm_ops = {
	.fault = aperture_dma_fault,
};

static int aperture_dma_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct aperture_dma *buf = file->private_data;
	struct device *dev = &buf->own->pdev->dev;
	unsigned long pages = vma_pages(vma);
	unsigned long buf_pages = buf->size >> PAGE_SHIFT;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff >= buf_pages || pages > buf_pages - vma->vm_pgoff)
		return -EINVAL;
	/* Pages of a device that does not snoop would need its memory type. */
	if (!dev_is_dma_coherent(dev)) {
		dev_info_ratelimited(dev, KBUILD_MODNAME ": DMA buffer: the device is not cache-coherent, refusing mmap (use read/write)\n");
		return -EINVAL;
	}
	if (READ_ONCE(buf->dead))
		return -ENODEV;
	aperture_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND |
			      VM_DONTDUMP);
	vma->vm_ops = &aperture_dma_vm_ops;
	vma->vm_private_data = buf;
	return 0;
}

/* Fills arg for buf (domain/bus/devfn included). */
static void aperture_dma_fill(struct aperture_io_dma *arg,
			      struct aperture_dma *buf)
{
	struct pci_dev *pdev = buf->own->pdev;

	arg->abi_version = APERTURE_IO_ABI_VERSION;
	arg->domain = pci_domain_nr(pdev->bus);
	arg->bus = pdev->bus->number;
	arg->devfn = pdev->devfn;
	arg->fd = -1;
	arg->size = buf->size;
	arg->dma_addr = buf->addr;
}

/* APERTURE_IO_DMA_INFO on a buffer's descriptor. */
static long aperture_dma_ioctl(struct file *file, unsigned int cmd,
			       unsigned long uarg)
{
	struct aperture_dma *buf = file->private_data;
	struct aperture_io_dma arg;
	long err;

	if (cmd != APERTURE_IO_DMA_INFO)
		return -ENOTTY;
	err = aperture_uarg_get(&arg, sizeof(arg), (void __user *)uarg);
	if (err)
		return err;
	if (READ_ONCE(buf->dead))
		return -ENODEV;
	aperture_dma_fill(&arg, buf);
	return aperture_uarg_put((void __user *)uarg, &arg, sizeof(arg));
}

/* Open by path (/proc/PID/fd/N, FUSE passthrough): as the descriptor. */
static int aperture_dma_open(struct inode *inode, struct file *file)
{
	struct aperture_dma *buf = inode->i_private;

	if (!buf || !kref_get_unless_zero(&buf->files))
		return -ENODEV;
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_RAWIO)) {
		kref_put(&buf->files, aperture_dma_files_release);
		return -EPERM;
	}
	file->private_data = buf;
	return 0;
}

static int aperture_dma_release_file(struct inode *inode, struct file *file)
{
	struct aperture_dma *buf = file->private_data;

	kref_put(&buf->files, aperture_dma_files_release);
	return 0;
}

const struct file_operations aperture_dma_fops = {
	.owner = THIS_MODULE,
	.open = aperture_dma_open,
	.release = aperture_dma_release_file,
	.llseek = aperture_dma_llseek,
	.read_iter = aperture_dma_read_iter,
	.write_iter = aperture_dma_write_iter,
	.mmap = aperture_dma_mmap,
	.unlocked_ioctl = aperture_dma_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/*
 * Allocates size bytes for own and counts them; own->lock held.  -ENOSPC
 * past a limit, said with the function and the limit.
 */
static int aperture_dma_get_mem(struct aperture_own *own,
				struct aperture_dma *buf)
{
	struct pci_dev *pdev = own->pdev;
	u64 fmax = READ_ONCE(dma_max_function);
	u64 tmax = READ_ONCE(dma_max_total);

	if (own->bytes + buf->size > fmax) {
		pci_info_ratelimited(pdev, KBUILD_MODNAME ": DMA buffer of %zu bytes refused: this function holds %llu of its limit of %llu (module parameter dma_max_function)\n",
				     buf->size, own->bytes, fmax);
		return -ENOSPC;
	}
	if (atomic64_add_return(buf->size, &aperture_dma_total) > tmax) {
		atomic64_sub(buf->size, &aperture_dma_total);
		pci_info_ratelimited(pdev, KBUILD_MODNAME ": DMA buffer of %zu bytes refused: owned functions hold %lld of the limit of %llu (module parameter dma_max_total)\n",
				     buf->size,
				     (long long)atomic64_read(&aperture_dma_total),
				     tmax);
		return -ENOSPC;
	}
	buf->cpu = dma_alloc_coherent(&pdev->dev, buf->size, &buf->addr,
				      GFP_KERNEL);
	if (!buf->cpu) {
		atomic64_sub(buf->size, &aperture_dma_total);
		pci_info_ratelimited(pdev, KBUILD_MODNAME ": no DMA memory for %zu bytes under the function's DMA mask\n",
				     buf->size);
		return -ENOMEM;
	}
	list_add_tail(&buf->node, &own->bufs);
	kref_get(&buf->ref);	/* the list's */
	own->nbufs++;
	own->bytes += buf->size;
	return 0;
}

/* A fresh inode for buf, which it then owns (evicting it puts buf). */
static struct inode *aperture_dma_inode(struct aperture_dma *buf)
{
	struct inode *inode = aperture_fs_new_inode();

	if (!inode)
		return NULL;
	inode->i_ino = get_next_ino();
	inode->i_mode = S_IFREG | 0600;
	inode->i_uid = current_fsuid();
	inode->i_gid = current_fsgid();
	inode->i_fop = &aperture_dma_fops;
	inode->i_private = buf;
	i_size_write(inode, buf->size);
	aperture_inode_init_ts(inode);
	return inode;
}

/* APERTURE_IO_DMA_ALLOC on the control node. */
long aperture_dma_alloc_ioctl(void __user *uarg)
{
	struct aperture_io_dma arg;
	struct aperture_own *own;
	struct aperture_dma *buf;
	struct inode *inode;
	struct file *file;
	char name[48];
	long err;
	int fd;

	err = aperture_uarg_get(&arg, sizeof(arg), uarg);
	if (err)
		return err;
	if (arg.flags || !arg.size || arg.size > SIZE_MAX - PAGE_SIZE)
		return -EINVAL;
	own = aperture_own_find(arg.domain, arg.bus, arg.devfn, arg.reserved0,
				true);
	if (IS_ERR(own))
		return PTR_ERR(own);
	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf) {
		aperture_own_put(own);
		return -ENOMEM;
	}
	kref_init(&buf->ref);		/* the inode's, or ours until then */
	kref_init(&buf->files);		/* the first file's */
	init_rwsem(&buf->lock);
	INIT_LIST_HEAD(&buf->node);
	buf->own = own;			/* takes our reference */
	buf->size = PAGE_ALIGN(arg.size);

	mutex_lock(&own->lock);
	err = own->gone ? -ENODEV : aperture_own_dma_allowed(own, "DMA buffer");
	if (!err)
		err = aperture_dma_get_mem(own, buf);
	mutex_unlock(&own->lock);
	if (err) {
		kref_put(&buf->ref, aperture_dma_free);
		return err;
	}

	err = aperture_fs_pin();
	if (err)
		goto err_unused;
	inode = aperture_dma_inode(buf);
	if (!inode) {
		err = -ENOMEM;
		goto err_unpin;
	}
	buf->inode = inode;
	snprintf(name, sizeof(name), "aperture:%s:dma", pci_name(own->pdev));
	fd = aperture_fs_new_fd(inode, name, O_RDWR, &aperture_dma_fops, buf,
				APERTURE_FMODE_PSEUDO, &file);
	if (fd < 0) {
		err = fd;
		/* The last "file" closes: the memory goes, then the inode. */
		kref_put(&buf->files, aperture_dma_files_release);
		iput(inode);
		return err;
	}
	aperture_dma_fill(&arg, buf);
	arg.fd = fd;
	if (aperture_uarg_put(uarg, &arg, sizeof(arg))) {
		fput(file);
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;

err_unpin:
	aperture_fs_unpin();
err_unused:
	mutex_lock(&own->lock);
	buf->unused = true;
	if (buf->cpu)
		aperture_dma_reap(own);
	mutex_unlock(&own->lock);
	kref_put(&buf->ref, aperture_dma_free);
	return err;
}

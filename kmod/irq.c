// SPDX-License-Identifier: GPL-2.0
/*
 * irq.c - interrupts of owned functions: APERTURE_IO_IRQ_SET enables INTx,
 * MSI or MSI-X vectors, APERTURE_IO_IRQ_OPEN hands out a descriptor on
 * one of them (a file of the module's pseudo fs) with eventfd semantics:
 * a read of 8 bytes blocks until an interrupt arrived since the last
 * read and returns how many, O_NONBLOCK gives EAGAIN, poll says POLLIN; a
 * write of 8 bytes masks (APERTURE_IO_IRQ_MASK) or unmasks
 * (APERTURE_IO_IRQ_UNMASK) the vector.
 *
 * INTx is masked at the function when it fires (PCI_COMMAND_INTX_DISABLE,
 * pci_check_and_mask_intx(), as uio_pci_generic and VFIO do), so that a
 * level-triggered line the user has not yet acknowledged at the device
 * does not storm; the user unmasks it with a write.  An unmask that finds
 * the interrupt still pending leaves it masked and counts it again, as
 * VFIO does.  MSI and MSI-X vectors are masked with disable_irq().
 *
 * Lifetime: a vector (struct aperture_vec) is referenced by its
 * function's table and by each descriptor's inode; a new IRQ_SET, a
 * release or a removal kills it (readers woken, then ENODEV) and frees
 * its interrupt, and the memory goes with the last reference, so that a
 * reader asleep in read() never meets freed memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "aperture.h"
#include "compat.h"

/* One vector of an owned function. */
struct aperture_vec {
	struct kref ref;		/* the table's, each inode's */
	struct aperture_own *own;	/* referenced */
	u32 type;			/* APERTURE_IO_IRQ_* */
	unsigned int index;		/* 0-based within the setting */
	int irq;			/* Linux interrupt number */
	bool requested;			/* request_irq() done; own->lock */
	bool masked;			/* by the user (MSI: disable_irq());
					 * own->lock */
	char name[40];			/* for /proc/interrupts */

	spinlock_t lock;		/* protects count and dead */
	u64 count;			/* interrupts since the last read */
	bool dead;			/* setting gone: ENODEV */
	wait_queue_head_t wait;		/* readers and pollers */
};

/* One IRQ_OPEN: the inode's private data. */
struct aperture_vfile {
	struct kref files;		/* one per open file */
	struct aperture_vec *vec;	/* referenced */
};

static void aperture_vec_free(struct kref *kref)
{
	struct aperture_vec *vec = container_of(kref, struct aperture_vec,
						ref);

	aperture_own_put(vec->own);
	kfree(vec);
}

/* Counts one interrupt and wakes the readers. */
static void aperture_vec_count(struct aperture_vec *vec)
{
	unsigned long flags;

	spin_lock_irqsave(&vec->lock, flags);
	vec->count++;
	spin_unlock_irqrestore(&vec->lock, flags);
	wake_up_interruptible_poll(&vec->wait, EPOLLIN | EPOLLRDNORM);
}

/* INTx, shared: ours only if the function says so; then mask it there. */
static irqreturn_t aperture_intx_handler(int irq, void *data)
{
	struct aperture_vec *vec = data;

	if (!pci_check_and_mask_intx(vec->own->pdev))
		return IRQ_NONE;
	aperture_vec_count(vec);
	return IRQ_HANDLED;
}

static irqreturn_t aperture_msi_handler(int irq, void *data)
{
	aperture_vec_count(data);
	return IRQ_HANDLED;
}

/*
 * Kills and frees the vectors of own (readers get ENODEV), and its MSI or
 * MSI-X setting; INTx is left masked.  own->lock held.
 */
void aperture_irq_teardown(struct aperture_own *own)
{
	struct pci_dev *pdev = own->pdev;
	struct aperture_vec *vec;
	unsigned long flags;
	unsigned int i;

	lockdep_assert_held(&own->lock);
	for (i = 0; i < own->irq_count; i++) {
		vec = own->vecs[i];
		if (vec->requested) {
			if (vec->masked && vec->type != APERTURE_IO_IRQ_INTX)
				enable_irq(vec->irq);
			free_irq(vec->irq, vec);
		}
		spin_lock_irqsave(&vec->lock, flags);
		vec->dead = true;
		spin_unlock_irqrestore(&vec->lock, flags);
		wake_up_interruptible_poll(&vec->wait, EPOLLIN | EPOLLERR);
		kref_put(&vec->ref, aperture_vec_free);
	}
	/* Freeing MSI turns INTx back on: mask it at the function. */
	if (own->irq_type == APERTURE_IO_IRQ_MSI ||
	    own->irq_type == APERTURE_IO_IRQ_MSIX)
		pci_free_irq_vectors(pdev);
	if (own->irq_type != APERTURE_IO_IRQ_NONE)
		pci_intx(pdev, 0);
	kfree(own->vecs);
	own->vecs = NULL;
	own->irq_count = 0;
	own->irq_type = APERTURE_IO_IRQ_NONE;
}

/* Makes and requests count vectors of type; own->lock held, none before. */
static int aperture_irq_setup(struct aperture_own *own, u32 type, u32 count)
{
	static const char *const names[] = { "", "intx", "msi", "msix" };
	struct pci_dev *pdev = own->pdev;
	struct aperture_vec *vec;
	unsigned int i;
	int err, n;

	if (type == APERTURE_IO_IRQ_INTX) {
		if (count != 1 || !pdev->irq || !pdev->pin ||
		    !pci_intx_mask_supported(pdev))
			return -EINVAL;
	} else {
		n = type == APERTURE_IO_IRQ_MSI ? pci_msi_vec_count(pdev) :
			pci_msix_vec_count(pdev);
		if (count < 1 || n < 0 || count > (u32)n)
			return -EINVAL;
		n = pci_alloc_irq_vectors(pdev, count, count,
					  type == APERTURE_IO_IRQ_MSI ?
					  PCI_IRQ_MSI : PCI_IRQ_MSIX);
		if (n < 0)
			return n;
	}
	own->vecs = kcalloc(count, sizeof(*own->vecs), GFP_KERNEL);
	if (!own->vecs) {
		err = -ENOMEM;
		goto err_free_vectors;
	}
	own->irq_type = type;
	for (i = 0; i < count; i++) {
		vec = kzalloc(sizeof(*vec), GFP_KERNEL);
		if (!vec) {
			err = -ENOMEM;
			goto err_teardown;
		}
		kref_init(&vec->ref);
		kref_get(&own->kref);
		vec->own = own;
		vec->type = type;
		vec->index = i;
		spin_lock_init(&vec->lock);
		init_waitqueue_head(&vec->wait);
		snprintf(vec->name, sizeof(vec->name), "aperture_io:%s:%s%u",
			 pci_name(pdev), names[type], i);
		own->vecs[i] = vec;
		own->irq_count = i + 1;
		if (type == APERTURE_IO_IRQ_INTX) {
			vec->irq = pdev->irq;
			/* Masked until it is ours, then open at the function. */
			pci_intx(pdev, 0);
			err = request_irq(vec->irq, aperture_intx_handler,
					  IRQF_SHARED, vec->name, vec);
			if (!err)
				pci_intx(pdev, 1);
		} else {
			vec->irq = pci_irq_vector(pdev, i);
			err = request_irq(vec->irq, aperture_msi_handler, 0,
					  vec->name, vec);
		}
		if (err)
			goto err_teardown;
		vec->requested = true;
	}
	return 0;

err_teardown:
	aperture_irq_teardown(own);
	return err;
err_free_vectors:
	if (type != APERTURE_IO_IRQ_INTX)
		pci_free_irq_vectors(pdev);
	return err;
}

/* APERTURE_IO_IRQ_SET on the control node. */
long aperture_irq_set_ioctl(void __user *uarg)
{
	struct aperture_io_irq arg;
	struct aperture_own *own;
	long err;

	err = aperture_uarg_get(&arg, sizeof(arg), uarg);
	if (err)
		return err;
	if (arg.type > APERTURE_IO_IRQ_MSIX || arg.vector)
		return -EINVAL;
	own = aperture_own_find(arg.domain, arg.bus, arg.devfn, arg.reserved0,
				true);
	if (IS_ERR(own))
		return PTR_ERR(own);
	mutex_lock(&own->lock);
	if (own->gone) {
		err = -ENODEV;
	} else {
		aperture_irq_teardown(own);
		err = arg.type == APERTURE_IO_IRQ_NONE ? 0 :
			aperture_irq_setup(own, arg.type, arg.count);
		if (err)
			pci_info_ratelimited(own->pdev, KBUILD_MODNAME ": %u interrupt vectors of type %u refused (%ld)\n",
					     arg.count, arg.type, err);
	}
	arg.abi_version = APERTURE_IO_ABI_VERSION;
	arg.count = own->irq_count;
	arg.fd = -1;
	mutex_unlock(&own->lock);
	aperture_own_put(own);
	if (err)
		return err;
	return aperture_uarg_put(uarg, &arg, sizeof(arg));
}

/* The last file of a vector closed. */
static void aperture_vec_files_release(struct kref *kref)
{
	aperture_fs_unpin();
}

void aperture_irq_evict(struct inode *inode)
{
	struct aperture_vfile *vf = inode->i_private;

	if (!vf)
		return;
	kref_put(&vf->vec->ref, aperture_vec_free);
	kfree(vf);
}

/* Takes the count, or says why not: -EAGAIN none yet, -ENODEV dead. */
static int aperture_vec_take(struct aperture_vec *vec, u64 *count)
{
	unsigned long flags;
	int err = -EAGAIN;

	spin_lock_irqsave(&vec->lock, flags);
	if (vec->dead) {
		err = -ENODEV;
	} else if (vec->count) {
		*count = vec->count;
		vec->count = 0;
		err = 0;
	}
	spin_unlock_irqrestore(&vec->lock, flags);
	return err;
}

static ssize_t aperture_irq_read(struct file *file, char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	struct aperture_vec *vec = file->private_data;
	u64 count = 0;
	int err;

	if (len < sizeof(count))
		return -EINVAL;
	for (;;) {
		err = aperture_vec_take(vec, &count);
		if (err != -EAGAIN || (file->f_flags & O_NONBLOCK))
			break;
		if (wait_event_interruptible(vec->wait,
					     READ_ONCE(vec->count) ||
					     READ_ONCE(vec->dead)))
			return -ERESTARTSYS;
	}
	if (err)
		return err;
	if (put_user(count, (u64 __user *)ubuf))
		return -EFAULT;
	return sizeof(count);
}

/* Unmasks an INTx vector; own->lock held. */
static void aperture_intx_unmask(struct aperture_vec *vec)
{
	struct pci_dev *pdev = vec->own->pdev;

	if (pci_check_and_unmask_intx(pdev))
		return;
	/* Still pending: it stays masked and counts again (VFIO's rule). */
	if (pci_intx_mask_supported(pdev))
		aperture_vec_count(vec);
}

static ssize_t aperture_irq_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	struct aperture_vec *vec = file->private_data;
	struct aperture_own *own = vec->own;
	u64 what;
	int err = 0;

	if (len != sizeof(what))
		return -EINVAL;
	if (get_user(what, (const u64 __user *)ubuf))
		return -EFAULT;
	if (what != APERTURE_IO_IRQ_UNMASK && what != APERTURE_IO_IRQ_MASK)
		return -EINVAL;
	mutex_lock(&own->lock);
	if (READ_ONCE(vec->dead) || !vec->requested) {
		err = -ENODEV;
	} else if (vec->type == APERTURE_IO_IRQ_INTX) {
		if (what == APERTURE_IO_IRQ_MASK)
			pci_intx(own->pdev, 0);
		else
			aperture_intx_unmask(vec);
	} else if (what == APERTURE_IO_IRQ_MASK && !vec->masked) {
		disable_irq(vec->irq);
		vec->masked = true;
	} else if (what == APERTURE_IO_IRQ_UNMASK && vec->masked) {
		enable_irq(vec->irq);
		vec->masked = false;
	}
	mutex_unlock(&own->lock);
	return err ? err : sizeof(what);
}

static __poll_t aperture_irq_poll(struct file *file, poll_table *wait)
{
	struct aperture_vec *vec = file->private_data;
	__poll_t mask = 0;
	unsigned long flags;

	poll_wait(file, &vec->wait, wait);
	spin_lock_irqsave(&vec->lock, flags);
	if (vec->count)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (vec->dead)
		mask |= EPOLLERR | EPOLLHUP;
	spin_unlock_irqrestore(&vec->lock, flags);
	return mask;
}

/* Open by path (/proc/PID/fd/N, FUSE passthrough): as the descriptor. */
static int aperture_irq_open(struct inode *inode, struct file *file)
{
	struct aperture_vfile *vf = inode->i_private;

	if (!vf || !kref_get_unless_zero(&vf->files))
		return -ENODEV;
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_RAWIO)) {
		kref_put(&vf->files, aperture_vec_files_release);
		return -EPERM;
	}
	file->private_data = vf->vec;
	return stream_open(inode, file);
}

static int aperture_irq_release(struct inode *inode, struct file *file)
{
	struct aperture_vfile *vf = inode->i_private;

	kref_put(&vf->files, aperture_vec_files_release);
	return 0;
}

const struct file_operations aperture_irq_fops = {
	.owner = THIS_MODULE,
	.open = aperture_irq_open,
	.release = aperture_irq_release,
	.read = aperture_irq_read,
	.write = aperture_irq_write,
	.poll = aperture_irq_poll,
};

/* A descriptor on vec, not yet installed; vec referenced by its inode. */
static int aperture_irq_fd(struct aperture_vec *vec, struct file **filep)
{
	struct aperture_vfile *vf;
	struct inode *inode;
	char name[64];
	int err, fd;

	vf = kzalloc(sizeof(*vf), GFP_KERNEL);
	if (!vf)
		return -ENOMEM;
	err = aperture_fs_pin();
	if (err) {
		kfree(vf);
		return err;
	}
	inode = aperture_fs_new_inode();
	if (!inode) {
		aperture_fs_unpin();
		kfree(vf);
		return -ENOMEM;
	}
	kref_get(&vec->ref);
	kref_init(&vf->files);
	vf->vec = vec;
	inode->i_ino = get_next_ino();
	inode->i_mode = S_IFREG | 0600;
	inode->i_uid = current_fsuid();
	inode->i_gid = current_fsgid();
	inode->i_fop = &aperture_irq_fops;
	inode->i_private = vf;
	aperture_inode_init_ts(inode);
	snprintf(name, sizeof(name), "%s", vec->name);
	fd = aperture_fs_new_fd(inode, name, O_RDWR, &aperture_irq_fops, vec,
				FMODE_STREAM, filep);
	if (fd < 0) {
		iput(inode);	/* puts vec, frees vf */
		aperture_fs_unpin();
	}
	return fd;
}

/* APERTURE_IO_IRQ_OPEN on the control node. */
long aperture_irq_open_ioctl(void __user *uarg)
{
	struct aperture_io_irq arg;
	struct aperture_own *own;
	struct aperture_vec *vec = NULL;
	struct file *file;
	long err;
	int fd;

	err = aperture_uarg_get(&arg, sizeof(arg), uarg);
	if (err)
		return err;
	own = aperture_own_find(arg.domain, arg.bus, arg.devfn, arg.reserved0,
				true);
	if (IS_ERR(own))
		return PTR_ERR(own);
	mutex_lock(&own->lock);
	if (own->gone)
		err = -ENODEV;
	else if (arg.type != own->irq_type || arg.vector >= own->irq_count)
		err = -EINVAL;
	else
		vec = own->vecs[arg.vector];
	if (vec)
		kref_get(&vec->ref);
	mutex_unlock(&own->lock);
	aperture_own_put(own);
	if (err)
		return err;

	fd = aperture_irq_fd(vec, &file);
	kref_put(&vec->ref, aperture_vec_free);
	if (fd < 0)
		return fd;
	arg.abi_version = APERTURE_IO_ABI_VERSION;
	arg.count = 1;
	arg.fd = fd;
	if (aperture_uarg_put(uarg, &arg, sizeof(arg))) {
		fput(file);
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;
}

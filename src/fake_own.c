// SPDX-License-Identifier: MIT
/*
 * fake_own.c - an owned function of the fake machine: the calls of
 * aperture_io.h's "Owned functions" answered as the module answers them,
 * so that the daemon's dma/ and irq/ files are tested on any host.
 *
 * A function is owned when the description says driver=aperture_io.  It
 * can do INTx, and MSI and MSI-X up to msi=N and msix=N vectors.
 *   - Buffers are memfds with made-up bus addresses from 0x100000 up,
 *     below the DMA mask (ENOMEM past it); nothing moves data by DMA.
 *   - A vector is a FIFO beside the description, "SLOT.intx",
 *     "SLOT.msi0", "SLOT.msix3" (made at IRQ_OPEN): a test raises
 *     interrupts by writing lines to it, each a count ("1\n", "3\n"; a
 *     line without a number is one).  A write of APERTURE_IO_IRQ_MASK or
 *     _UNMASK to the vector leaves "masked\n" or "unmasked\n" in
 *     "SLOT.VECTOR.mask" for the test to read.
 * Called with the fake backend's lock held.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"

#define AP_FAKE_DMA_LIMIT	(64ull << 20)	/* per buffer, as a limit */
#define AP_FAKE_PAGE		4096ull

static bool ap_fake_owned(const struct ap_fake_func *f)
{
	return !strcmp(f->driver, "aperture_io");
}

static void ap_fake_func_info(struct ap_fake_func *f,
			      struct aperture_io_func *fi)
{
	const struct ap_fake_own *o = &f->own;

	fi->abi_version = APERTURE_IO_ABI_VERSION;
	fi->owned = ap_fake_owned(f);
	if (!fi->owned)
		return;
	fi->master = o->master;
	fi->dma_bits = o->dma_bits;
	fi->iommu = APERTURE_IO_IOMMU_DMA;	/* made-up addresses */
	fi->irq_type = o->irq_type;
	fi->irq_count = o->irq_count;
	fi->irq_max = 1 | (o->msi_max ? 2 : 0) | (o->msix_max ? 4 : 0);
	fi->dma_limit = AP_FAKE_DMA_LIMIT;
}

static int ap_fake_dma_alloc(struct ap_fake_func *f,
			     struct aperture_io_dma *d)
{
	struct ap_fake_own *o = &f->own;
	uint64_t size = (d->size + AP_FAKE_PAGE - 1) & ~(AP_FAKE_PAGE - 1);
	uint64_t end = o->dma_bits >= 64 ? ~0ull : 1ull << o->dma_bits;
	int fd;

	if (!d->size || d->flags)
		return -EINVAL;
	if (size > AP_FAKE_DMA_LIMIT || size < d->size)
		return -ENOSPC;
	if (o->next_dma + size > end)
		return -ENOMEM;
	fd = memfd_create("aperturefs-fake-dma", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) < 0) {
		close(fd);
		return -ENOMEM;
	}
	d->abi_version = APERTURE_IO_ABI_VERSION;
	d->fd = fd;
	d->size = size;
	d->dma_addr = o->next_dma;
	o->next_dma += size;
	return 0;
}

static int ap_fake_irq_set(struct ap_fake_func *f, struct aperture_io_irq *q)
{
	struct ap_fake_own *o = &f->own;
	unsigned int max;

	switch (q->type) {
	case APERTURE_IO_IRQ_NONE:
		max = 0;
		q->count = 0;
		break;
	case APERTURE_IO_IRQ_INTX:
		max = 1;
		break;
	case APERTURE_IO_IRQ_MSI:
		max = o->msi_max;
		break;
	case APERTURE_IO_IRQ_MSIX:
		max = o->msix_max;
		break;
	default:
		return -EINVAL;
	}
	if (q->type != APERTURE_IO_IRQ_NONE && (!q->count || q->count > max))
		return -EINVAL;
	o->irq_type = q->type;
	o->irq_count = q->count;
	return 0;
}

static int ap_fake_irq_open(struct ap_fake_func *f, const char *dir,
			    struct aperture_io_irq *q)
{
	static const char *const kind[] = { "", "intx", "msi", "msix" };
	struct ap_fake_own *o = &f->own;
	char path[PATH_MAX];
	int fd;

	/* The module's rule: the type in force, a vector it has. */
	if (q->type != o->irq_type || q->vector >= o->irq_count)
		return -EINVAL;
	if (o->irq_type == APERTURE_IO_IRQ_INTX)
		snprintf(path, sizeof(path), "%s/%s.intx", dir, f->slot);
	else
		snprintf(path, sizeof(path), "%s/%s.%s%u", dir, f->slot,
			 kind[o->irq_type], q->vector);
	if (mkfifo(path, 0600) < 0 && errno != EEXIST)
		return -errno;
	/* Read and write: the FIFO never reads end-of-file. */
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	q->fd = fd;
	return 0;
}

int ap_fake_own_call(struct ap_fake_func *f, const char *dir,
		     unsigned long cmd, void *arg)
{
	struct aperture_io_func *fi = arg;

	if (cmd == APERTURE_IO_FUNC_INFO) {
		ap_fake_func_info(f, fi);
		return 0;
	}
	if (!ap_fake_owned(f))
		return -EACCES;
	switch (cmd) {
	case APERTURE_IO_SET_MASTER:
		if (fi->value > 1)
			return -EINVAL;
		f->own.master = fi->value;
		return 0;
	case APERTURE_IO_SET_DMA_MASK:
		if (fi->value < 12 || fi->value > 64)
			return -EIO;
		f->own.dma_bits = fi->value;
		return 0;
	case APERTURE_IO_DMA_ALLOC:
		return ap_fake_dma_alloc(f, arg);
	case APERTURE_IO_IRQ_SET:
		return ap_fake_irq_set(f, arg);
	case APERTURE_IO_IRQ_OPEN:
		return ap_fake_irq_open(f, dir, arg);
	default:
		return -ENOTTY;
	}
}

int ap_fake_irq_read(int fd, uint64_t *count)
{
	char buf[4096];
	bool any = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = 0;
		any = true;
		for (char *line = buf, *nl; *line; line = nl + 1) {
			unsigned long long v;

			nl = strchr(line, '\n');
			if (!nl)
				nl = line + strlen(line) - 1;
			v = strtoull(line, NULL, 10);
			*count += v ? v : 1;
		}
	}
	if (n < 0 && errno != EAGAIN)
		return -errno;
	return any;
}

int ap_fake_irq_write(int fd, uint64_t value)
{
	char link[64], path[PATH_MAX];
	ssize_t n;
	int mfd;

	if (value > APERTURE_IO_IRQ_MASK)
		return -EINVAL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 8);
	if (n < 0)
		return -errno;
	strcpy(path + n, ".mask");
	mfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (mfd < 0)
		return -errno;
	n = value ? write(mfd, "masked\n", 7) : write(mfd, "unmasked\n", 9);
	close(mfd);
	return n < 0 ? -EIO : 0;
}

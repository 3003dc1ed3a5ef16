// SPDX-License-Identifier: MIT
/*
 * module.c - the client of /dev/aperture_io, and the shared per-BAR
 * descriptor (of any backend) with its bounded pread/pwrite.
 *
 * The module's descriptors are regular files: pread/pwrite at any offset
 * reach the BAR.  Bounds are checked here as well, so that the daemon
 * answers past-the-end accesses the same way whatever the module does.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backend.h"

int ap_module_open(void)
{
	int fd = open("/dev/" APERTURE_IO_NODE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int ap_module_bar(int ctl, const struct ap_func *f, int bar, uint32_t flags,
		  bool open, struct aperture_io_bar *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	out->argsz = sizeof(*out);
	out->domain = f->domain;
	out->bus = f->bus;
	out->devfn = (f->dev << 3) | f->func;
	out->bar = bar;
	out->flags = flags;
	out->fd = -1;
	ret = ioctl(ctl, open ? APERTURE_IO_OPEN : APERTURE_IO_INFO, out);
	/* A module older than the sizeless numbers knows only its first. */
	if (ret < 0 && errno == ENOTTY)
		ret = ioctl(ctl, open ? APERTURE_IO_OPEN_V1 :
			    APERTURE_IO_INFO_V1, out);
	if (ret < 0)
		return -errno;
	if (!open)
		out->fd = -1;
	return 0;
}

void ap_bar_handle_init(struct ap_bar_handle *h)
{
	pthread_mutex_init(&h->lock, NULL);
	h->fd = -1;
	h->users = 0;
	h->backing_id = 0;
	memset(&h->desc, 0, sizeof(h->desc));
}

int ap_bar_get(struct ap_bar_handle *h, struct ap_backend *be,
	       const struct ap_func *f, int bar, uint32_t flags)
{
	int ret;

	pthread_mutex_lock(&h->lock);
	if (h->fd < 0) {
		ret = be->ops->bar(be, f, bar, flags, true, &h->desc);
		if (ret < 0)
			goto out_unlock;
		h->fd = h->desc.fd;
	}
	h->users++;
	ret = h->fd;
out_unlock:
	pthread_mutex_unlock(&h->lock);
	return ret;
}

bool ap_bar_put(struct ap_bar_handle *h, int *backing_id)
{
	bool last = false;

	pthread_mutex_lock(&h->lock);
	if (h->users && !--h->users) {
		last = true;
		if (backing_id)
			*backing_id = h->backing_id;
		h->backing_id = 0;
		close(h->fd);
		h->fd = -1;
	}
	pthread_mutex_unlock(&h->lock);
	return last;
}

ssize_t ap_bar_pread(struct ap_backend *be, int fd, uint64_t size, void *buf,
		     size_t len, uint64_t off)
{
	ssize_t n;

	if (off >= size)
		return 0;
	if (len > size - off)
		len = size - off;
	if (be)
		return be->ops->pread(be, fd, buf, len, off);
	n = pread(fd, buf, len, off);
	return n < 0 ? -errno : n;
}

ssize_t ap_bar_pwrite(struct ap_backend *be, int fd, uint64_t size,
		      const void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	if (!len)
		return 0;
	if (off >= size)
		return -ENOSPC;
	if (len > size - off)
		len = size - off;
	if (be)
		return be->ops->pwrite(be, fd, buf, len, off);
	n = pwrite(fd, buf, len, off);
	return n < 0 ? -errno : n;
}

const char *ap_errno_name(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case EROFS: return "EROFS";
	case ENOTTY: return "ENOTTY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EFAULT: return "EFAULT";
	case EAGAIN: return "EAGAIN";
	default: return "E?";
	}
}

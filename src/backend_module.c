// SPDX-License-Identifier: MIT
/*
 * backend_module.c - the real machine: functions found by libpci in sysfs,
 * config space and drivers read from sysfs, BARs opened through the
 * aperture_io module's control node, hot-plug seen on the kernel's uevent
 * socket.
 *
 * Nothing here keeps a descriptor per function: config and driver are
 * looked up by slot under one directory descriptor of the sysfs root, so a
 * removed function leaves nothing behind.
 *
 * Caveat: the uevent socket may overflow (ENOBUFS) under an event storm;
 * that is treated as "rescan", which is always safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"

struct ap_module_be {
	struct ap_backend be;	/* first: the common part */
	struct ap_pci *pci;	/* libpci over sysfs */
	int ctl;		/* /dev/aperture_io */
	int root;		/* O_PATH of the sysfs devices directory */
	int uevent;		/* kernel uevent socket, or -1 */
};

static struct ap_module_be *ap_mb(struct ap_backend *be)
{
	return (struct ap_module_be *)be;
}

static ssize_t ap_mb_scan(struct ap_backend *be,
			  const struct ap_filter_list *filters,
			  struct ap_func **out)
{
	return ap_pci_scan(ap_mb(be)->pci, filters, out);
}

static int ap_mb_bar(struct ap_backend *be, const struct ap_func *f, int bar,
		     uint32_t flags, bool open, struct aperture_io_bar *out)
{
	return ap_module_bar(ap_mb(be)->ctl, f, bar, flags, open, out);
}

static ssize_t ap_mb_pread(struct ap_backend *be, int fd, void *buf,
			   size_t len, uint64_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	return n < 0 ? -errno : n;
}

static ssize_t ap_mb_pwrite(struct ap_backend *be, int fd, const void *buf,
			    size_t len, uint64_t off)
{
	ssize_t n = pwrite(fd, buf, len, off);

	return n < 0 ? -errno : n;
}

/* "<slot>/<file>" under the sysfs root; a vanished function is -ENODEV. */
static int ap_mb_path(const struct ap_func *f, const char *file, char *buf,
		      size_t len)
{
	snprintf(buf, len, "%s/%s", f->slot, file);
	return 0;
}

static ssize_t ap_mb_config_size(struct ap_backend *be,
				 const struct ap_func *f)
{
	char path[64];
	struct stat st;

	ap_mb_path(f, "config", path, sizeof(path));
	if (fstatat(ap_mb(be)->root, path, &st, 0) < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	return st.st_size;
}

static ssize_t ap_mb_config_read(struct ap_backend *be,
				 const struct ap_func *f, void *buf,
				 size_t len, uint64_t off)
{
	char path[64];
	ssize_t n;
	int fd;

	ap_mb_path(f, "config", path, sizeof(path));
	fd = openat(ap_mb(be)->root, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	n = pread(fd, buf, len, off);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

static int ap_mb_driver(struct ap_backend *be, const struct ap_func *f,
			char *buf, size_t len)
{
	char path[64], link[256];
	struct stat st;
	const char *base;
	ssize_t n;

	ap_mb_path(f, "driver", path, sizeof(path));
	n = readlinkat(ap_mb(be)->root, path, link, sizeof(link) - 1);
	if (n < 0) {
		buf[0] = 0;
		/* No driver link: unbound, or the function is gone. */
		if (fstatat(ap_mb(be)->root, f->slot, &st, 0) < 0)
			return -ENODEV;
		return 0;
	}
	link[n] = 0;
	base = strrchr(link, '/');
	snprintf(buf, len, "%s", base ? base + 1 : link);
	return 0;
}

static int ap_mb_own(struct ap_backend *be, const struct ap_func *f,
		     unsigned long cmd, void *arg)
{
	return ioctl(ap_mb(be)->ctl, cmd, arg) < 0 ? -errno : 0;
}

static int ap_mb_irq_read(struct ap_backend *be, int fd, uint64_t *count)
{
	uint64_t n;
	ssize_t got = read(fd, &n, sizeof(n));

	if (got < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (got != sizeof(n))
		return -EIO;
	*count += n;
	return 1;
}

static int ap_mb_irq_write(struct ap_backend *be, int fd, uint64_t value)
{
	ssize_t n = write(fd, &value, sizeof(value));

	if (n < 0)
		return -errno;
	return n == sizeof(value) ? 0 : -EIO;
}

static int ap_mb_event_fd(struct ap_backend *be)
{
	return ap_mb(be)->uevent;
}

/* One uevent: "ACTION@DEVPATH\0KEY=VALUE\0...".  A PCI add/remove? */
static bool ap_mb_uevent_is_pci(const char *msg, size_t len)
{
	bool pci = false, change = false;

	for (size_t i = 0; i < len; i += strlen(msg + i) + 1) {
		const char *kv = msg + i;

		if (!strcmp(kv, "SUBSYSTEM=pci"))
			pci = true;
		else if (!strcmp(kv, "ACTION=add") ||
			 !strcmp(kv, "ACTION=remove"))
			change = true;
	}
	return pci && change;
}

static int ap_mb_event(struct ap_backend *be)
{
	char msg[8192];
	int due = 0;
	ssize_t n;

	for (;;) {
		n = recv(ap_mb(be)->uevent, msg, sizeof(msg) - 1,
			 MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {
				due = 1; /* lost events: rescan */
				continue;
			}
			break;
		}
		msg[n] = 0;
		if (ap_mb_uevent_is_pci(msg, n))
			due = 1;
	}
	return due;
}

static void ap_mb_free(struct ap_backend *be)
{
	struct ap_module_be *mb = ap_mb(be);

	ap_pci_close(mb->pci);
	if (mb->ctl >= 0)
		close(mb->ctl);
	if (mb->root >= 0)
		close(mb->root);
	if (mb->uevent >= 0)
		close(mb->uevent);
	free(mb);
}

static const struct ap_backend_ops ap_module_ops;

/* The kernel's uevent socket (kernel events only, not udev's), or -1. */
static int ap_mb_uevent_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1, /* the kernel's own multicast group */
	};
	int fd, size = 1 << 20;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

struct ap_backend *ap_backend_module(int ctl, const char *sysfs_root)
{
	struct ap_module_be *mb;
	int err;

	mb = calloc(1, sizeof(*mb));
	if (!mb)
		return NULL;
	mb->be.ops = &ap_module_ops;
	mb->ctl = ctl;
	mb->uevent = -1;
	mb->root = open(sysfs_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (mb->root < 0)
		goto err_free;
	mb->pci = ap_pci_open(NULL);
	if (!mb->pci)
		goto err_free;
	mb->uevent = ap_mb_uevent_open();
	return &mb->be;

err_free:
	err = errno;
	mb->ctl = -1;	/* the caller still owns it on failure */
	ap_mb_free(&mb->be);
	errno = err;
	return NULL;
}

static const struct ap_backend_ops ap_module_ops = {
	.name = "module",
	.rw_passthrough = true,
	.scan = ap_mb_scan,
	.bar = ap_mb_bar,
	.pread = ap_mb_pread,
	.pwrite = ap_mb_pwrite,
	.config_size = ap_mb_config_size,
	.config_read = ap_mb_config_read,
	.driver = ap_mb_driver,
	.own = ap_mb_own,
	.irq_read = ap_mb_irq_read,
	.irq_write = ap_mb_irq_write,
	.event_fd = ap_mb_event_fd,
	.event = ap_mb_event,
	.free = ap_mb_free,
};

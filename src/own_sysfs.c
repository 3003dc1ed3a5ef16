// SPDX-License-Identifier: MIT
/*
 * own_sysfs.c - owning a PCI function through sysfs, as vfio-pci and
 * uio_pci_generic are bound (docs/dma-irq.md), for `aperture own` and
 * aperturefs -o own=: "aperture_io" into the function's driver_override,
 * its address into drivers_probe, then its driver link must name
 * aperture_io; releasing writes the address into aperture_io's unbind and
 * clears driver_override.  A function with another driver is never
 * touched.  @root is the sysfs mount ("/sys", or a tree of a test's own).
 * Returns -errno and never prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "own_sysfs.h"

int ap_sysfs_bdf(const char *w, char *buf, size_t len)
{
	unsigned int dom = 0, bus, dev, fn;
	char tail;

	if (strspn(w, "0123456789abcdefABCDEF:.") != strlen(w))
		return -EINVAL;
	if (sscanf(w, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) != 4 &&
	    (dom = 0, sscanf(w, "%x:%x.%x%c", &bus, &dev, &fn, &tail) != 3))
		return -EINVAL;
	if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(buf, len, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

/* Write @text to @root/@rel: 0 or -errno. */
static int ap_sysfs_put(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int ap_sysfs_driver(const char *root, const char *bdf, char *buf,
		    size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root, bdf);
	if (access(path, F_OK))
		return -ENOENT;
	strncat(path, "/driver", sizeof(path) - strlen(path) - 1);
	n = readlink(path, link, sizeof(link) - 1);
	buf[0] = 0;
	if (n < 0)
		return 0;
	link[n] = 0;
	base = strrchr(link, '/');
	snprintf(buf, len, "%.63s", base ? base + 1 : link);
	return 0;
}

/*
 * Wait up to 2 s for @bdf's driver to be @want ("" for none): probing
 * is synchronous for most drivers, but a driver may probe asynchronously
 * (PROBE_PREFER_ASYNCHRONOUS).  The driver then into @now.
 */
static bool ap_sysfs_driver_is(const char *root, const char *bdf,
			       const char *want, char *now, size_t len)
{
	for (int i = 0; i < 200; i++) {
		if (ap_sysfs_driver(root, bdf, now, len))
			return false;
		if (!strcmp(now, want))
			return true;
		usleep(10000);
	}
	return false;
}

int ap_sysfs_own(const char *root, const char *bdf, char *drv, size_t len,
		 const char **file)
{
	static char over[128];
	int ret;

	*file = NULL;
	ret = ap_sysfs_driver(root, bdf, drv, len);
	if (ret)
		return ret;
	if (!strcmp(drv, AP_SYSFS_DRIVER))
		return 1;
	if (*drv)
		return -EBUSY;
	snprintf(over, sizeof(over), "bus/pci/devices/%s/driver_override",
		 bdf);
	ret = ap_sysfs_put(root, over, AP_SYSFS_DRIVER);
	if (ret) {
		*file = over;
		return ret;
	}
	/* drivers_probe's own answer says little: the link says it all. */
	ap_sysfs_put(root, "bus/pci/drivers_probe", bdf);
	if (ap_sysfs_driver_is(root, bdf, AP_SYSFS_DRIVER, drv, len))
		return 0;
	ap_sysfs_put(root, over, "\n");
	return -ENXIO;
}

int ap_sysfs_release(const char *root, const char *bdf, char *drv,
		     size_t len, const char **file)
{
	static char over[128];
	int ret;

	*file = NULL;
	ret = ap_sysfs_driver(root, bdf, drv, len);
	if (ret)
		return ret;
	if (*drv && strcmp(drv, AP_SYSFS_DRIVER))
		return -EBUSY;
	if (*drv) {
		ret = ap_sysfs_put(root, "bus/pci/drivers/" AP_SYSFS_DRIVER
				   "/unbind", bdf);
		if (ret) {
			*file = "bus/pci/drivers/" AP_SYSFS_DRIVER "/unbind";
			return ret;
		}
	}
	snprintf(over, sizeof(over), "bus/pci/devices/%s/driver_override",
		 bdf);
	ret = ap_sysfs_put(root, over, "\n");
	if (ret) {
		*file = over;
		return ret;
	}
	if (!ap_sysfs_driver_is(root, bdf, "", drv, len) && *drv)
		return -EIO;
	return 0;
}

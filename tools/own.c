// SPDX-License-Identifier: MIT
/*
 * own.c - the aperture command's owned functions (docs/dma-irq.md):
 *
 *	aperture own BDF        bind BDF to aperture_io (root)
 *	aperture release BDF    unbind it again, leave it as found (root)
 *	aperture wait-irq [-s SLOT] [-d ID] [-m MOUNT] [-t TIMEOUT] [DEV] VECTOR
 *
 * own binds as vfio-pci and uio_pci_generic are bound: "aperture_io" into
 * the function's driver_override, the address into drivers_probe, then
 * the driver link must name aperture_io (else the override is undone).
 * A function with a driver is refused, naming it: owning never takes a
 * device from its driver.  release writes the address into aperture_io's
 * unbind and clears driver_override, so nothing binds it again by
 * itself.  Both work on sysfs, not the mount: APERTURE_SYSFS (default
 * /sys) moves them, for tests.  wait-irq waits through the mount
 * (aperture_irq_wait()), prints the count and exits 0, or 124 on timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apc.h"

static const char *apc_sysfs(void)
{
	const char *s = getenv("APERTURE_SYSFS");

	return s && *s ? s : "/sys";
}

/* "dddd:bb:dd.f" or "bb:dd.f" into its sysfs name; false if not one. */
static bool apc_bdf(const char *w, char *buf, size_t len)
{
	unsigned int dom = 0, bus, dev, fn;
	char tail;

	if (strspn(w, "0123456789abcdefABCDEF:.") != strlen(w))
		return false;
	if (sscanf(w, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) != 4 &&
	    (dom = 0, sscanf(w, "%x:%x.%x%c", &bus, &dev, &fn, &tail) != 3))
		return false;
	if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return false;
	snprintf(buf, len, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return true;
}

/* Write @text to sysfs file @rel: 0 or -errno. */
static int apc_put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", apc_sysfs(), rel);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The driver bound to @bdf into @buf ("" if none): 0 or -ENOENT. */
static int apc_driver(const char *bdf, char *buf, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", apc_sysfs(),
		 bdf);
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
static bool apc_driver_is(const char *bdf, const char *want, char *now,
			  size_t len)
{
	for (int i = 0; i < 200; i++) {
		if (apc_driver(bdf, now, len))
			return false;
		if (!strcmp(now, want))
			return true;
		usleep(10000);
	}
	return false;
}

static int apc_denied(const char *cmd, const char *bdf, const char *file,
		      int err)
{
	fprintf(stderr, "%s: %s: %s: cannot write %s: %s%s\n", apc_prog, cmd,
		bdf, file, strerror(-err), err == -EACCES || err == -EPERM ?
		" (run it as root)" : "");
	return AP_EXIT_ACCESS;
}

static int apc_do_own(const char *bdf, const char *drv)
{
	char file[128], now[64];
	int ret;

	if (!strcmp(drv, "aperture_io"))
		return AP_EXIT_OK;
	if (*drv) {
		fprintf(stderr, "%s: own: %s is driven by %s: aperture_io "
			"takes no function from its driver (unbind it "
			"first: echo %s > /sys/bus/pci/drivers/%s/unbind)\n",
			apc_prog, bdf, drv, bdf, drv);
		return AP_EXIT_ACCESS;
	}
	snprintf(file, sizeof(file), "bus/pci/devices/%s/driver_override",
		 bdf);
	ret = apc_put(file, "aperture_io");
	if (ret)
		return apc_denied("own", bdf, file, ret);
	/* drivers_probe's own answer says little: the link says it all. */
	apc_put("bus/pci/drivers_probe", bdf);
	if (apc_driver_is(bdf, "aperture_io", now, sizeof(now)))
		return AP_EXIT_OK;
	apc_put(file, "\n");
	fprintf(stderr, "%s: own: %s: aperture_io did not bind it%s%s (is "
		"the aperture_io module loaded, and does it own functions? "
		"dmesg may say why)\n", apc_prog, bdf, *now ? "; it is "
		"driven by " : "", now);
	return AP_EXIT_ACCESS;
}

static int apc_do_release(const char *bdf, const char *drv)
{
	char file[128], now[64];
	int ret;

	if (*drv && strcmp(drv, "aperture_io")) {
		fprintf(stderr, "%s: release: %s is driven by %s, not "
			"aperture_io: nothing to release\n", apc_prog, bdf,
			drv);
		return AP_EXIT_ACCESS;
	}
	if (*drv) {
		ret = apc_put("bus/pci/drivers/aperture_io/unbind", bdf);
		if (ret)
			return apc_denied("release", bdf,
					  "bus/pci/drivers/aperture_io/unbind",
					  ret);
	}
	snprintf(file, sizeof(file), "bus/pci/devices/%s/driver_override",
		 bdf);
	ret = apc_put(file, "\n");
	if (ret)
		return apc_denied("release", bdf, file, ret);
	if (!apc_driver_is(bdf, "", now, sizeof(now)) && *now) {
		fprintf(stderr, "%s: release: %s is still driven by %s\n",
			apc_prog, bdf, now);
		return AP_EXIT_ACCESS;
	}
	return AP_EXIT_OK;
}

int apc_own(int argc, char **argv, bool release)
{
	const char *cmd = release ? "release" : "own";
	char bdf[32], drv[64];

	if (argc != 2)
		return apc_syntax("%s takes one function: %s %s BDF "
				  "(0000:00:04.0)", cmd, apc_prog, cmd);
	if (!apc_bdf(argv[1], bdf, sizeof(bdf)))
		return apc_syntax("%s: '%s' is not a PCI address "
				  "(DDDD:BB:DD.F or BB:DD.F)", cmd, argv[1]);
	if (apc_driver(bdf, drv, sizeof(drv))) {
		fprintf(stderr, "%s: %s: no PCI function %s (%s/bus/pci/"
			"devices/%s)\n", apc_prog, cmd, bdf, apc_sysfs(), bdf);
		return AP_EXIT_ACCESS;
	}
	return release ? apc_do_release(bdf, drv) : apc_do_own(bdf, drv);
}

/* intx, msiN, msixN */
static bool apc_vector_ok(const char *v)
{
	const char *d;

	if (!strcmp(v, "intx"))
		return true;
	if (!strncmp(v, "msix", 4))
		d = v + 4;
	else if (!strncmp(v, "msi", 3))
		d = v + 3;
	else
		return false;
	return *d && strlen(d) <= 4 && strspn(d, "0123456789") == strlen(d) &&
	       (d[0] != '0' || !d[1]);
}

int apc_wait_irq(struct apc_opts *o, int argc, char **argv)
{
	const char *vec = argc ? argv[argc - 1] : NULL;
	struct aperture *ap;
	uint64_t count = 0;
	int ret;

	if (argc < 1 || argc > 2)
		return apc_syntax("wait-irq takes a VECTOR, after the function "
				  "(-s SLOT, -d ID, or its slot first)");
	if (argc == 2) {
		if (o->slot || o->id)
			return apc_syntax("wait-irq: '%s': the function is "
					  "named by -s/-d already", argv[0]);
		if (strchr(argv[0], '.'))
			o->slot = argv[0];
		else
			o->id = argv[0];
	}
	if (!apc_vector_ok(vec))
		return apc_syntax("wait-irq: '%s' is not a vector (intx, msiN, "
				  "msixN)", vec);
	if (!o->slot && !o->id)
		return apc_syntax("name a function with -s SLOT or -d ID");
	ret = apc_open(o, &ap);
	if (ret)
		return ret;
	ret = aperture_irq_wait(ap, vec, o->timeout_ms, &count);
	if (!ret)
		printf("%llu\n", (unsigned long long)count);
	else
		fprintf(stderr, "%s: wait-irq: %s\n", apc_prog,
			aperture_last_error(ap));
	aperture_close(ap);
	if (fflush(stdout))
		return AP_EXIT_ACCESS;
	return !ret ? AP_EXIT_OK : ret == -ETIMEDOUT ? AP_EXIT_TIMEOUT :
						       AP_EXIT_ACCESS;
}

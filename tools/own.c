// SPDX-License-Identifier: MIT
/*
 * own.c - the aperture command's owned functions (docs/dma-irq.md):
 *
 *	aperture own BDF        bind BDF to aperture_io (root)
 *	aperture release BDF    unbind it again, leave it as found (root)
 *	aperture wait-irq [-s SLOT] [-d ID] [-m MOUNT] [-t TIMEOUT] [DEV] VECTOR
 *
 * own and release are src/own_sysfs.c's (shared with aperturefs -o own=)
 * with messages: a function with a driver is refused, naming it; owning
 * never takes a device from its driver.  Both work on sysfs, not the
 * mount: APERTURE_SYSFS (default /sys) moves them, for tests.  wait-irq waits through the mount
 * (aperture_irq_wait()), prints the count and exits 0, or 124 on timeout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apc.h"
#include "own_sysfs.h"

static const char *apc_sysfs(void)
{
	const char *s = getenv("APERTURE_SYSFS");

	return s && *s ? s : "/sys";
}

static int apc_denied(const char *cmd, const char *bdf, const char *file,
		      int err)
{
	fprintf(stderr, "%s: %s: %s: cannot write %s: %s%s\n", apc_prog, cmd,
		bdf, file, strerror(-err), err == -EACCES || err == -EPERM ?
		" (run it as root)" : "");
	return AP_EXIT_ACCESS;
}

int apc_own(int argc, char **argv, bool release)
{
	const char *cmd = release ? "release" : "own", *file;
	char bdf[32], drv[64];
	int ret;

	if (argc != 2)
		return apc_syntax("%s takes one function: %s %s BDF "
				  "(0000:00:04.0)", cmd, apc_prog, cmd);
	if (ap_sysfs_bdf(argv[1], bdf, sizeof(bdf)))
		return apc_syntax("%s: '%s' is not a PCI address "
				  "(DDDD:BB:DD.F or BB:DD.F)", cmd, argv[1]);
	ret = release ? ap_sysfs_release(apc_sysfs(), bdf, drv, sizeof(drv),
					 &file) :
			ap_sysfs_own(apc_sysfs(), bdf, drv, sizeof(drv), &file);
	if (ret >= 0)
		return AP_EXIT_OK;
	if (ret == -ENOENT)
		fprintf(stderr, "%s: %s: no PCI function %s (%s/bus/pci/"
			"devices/%s)\n", apc_prog, cmd, bdf, apc_sysfs(), bdf);
	else if (ret == -EBUSY && !release)
		fprintf(stderr, "%s: own: %s is driven by %s: aperture_io "
			"takes no function from its driver (unbind it "
			"first: echo %s > /sys/bus/pci/drivers/%s/unbind)\n",
			apc_prog, bdf, drv, bdf, drv);
	else if (ret == -EBUSY)
		fprintf(stderr, "%s: release: %s is driven by %s, not "
			"aperture_io: nothing to release\n", apc_prog, bdf,
			drv);
	else if (ret == -ENXIO)
		fprintf(stderr, "%s: own: %s: aperture_io did not bind it%s%s "
			"(is the aperture_io module loaded, and does it own "
			"functions? dmesg may say why)\n", apc_prog, bdf,
			*drv ? "; it is driven by " : "", drv);
	else if (ret == -EIO && !file)
		fprintf(stderr, "%s: release: %s is still driven by %s\n",
			apc_prog, bdf, drv);
	else
		return apc_denied(cmd, bdf, file ? file : "sysfs", ret);
	return AP_EXIT_ACCESS;
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

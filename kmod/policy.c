// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - whose BAR it is: the strict-devmem rule of the kernel the
 * module runs on, applied the way sysfs resourceN and /dev/mem apply it.
 *
 *  - A region a driver holds exclusively (IORESOURCE_EXCLUSIVE, as
 *    pci_request_region_exclusive() makes) is refused, always.
 *  - Under CONFIG_IO_STRICT_DEVMEM (Debian's kernels), unless the kernel
 *    runs with iomem=relaxed: a BAR of a function with a driver bound, or
 *    with a busy region (a driver's request_mem_region()) inside it, is
 *    refused with EBUSY naming the driver, and a driver binding later
 *    kills the open descriptors and mappings (kill.c), as does a region
 *    claimed later without a driver (within a second: the poll).
 *  - A function aperture_io owns (own.c) counts as one with no driver:
 *    its owner is the user of these descriptors.
 *  - The module parameter beside_drivers=1 allows access beside a bound
 *    driver (lab use), logged once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "aperture.h"

static bool beside_drivers;
module_param(beside_drivers, bool, 0644);
MODULE_PARM_DESC(beside_drivers,
		 "open BARs that a driver has claimed (default: refuse them, as sysfs resourceN does under CONFIG_IO_STRICT_DEVMEM)");

/* iomem=relaxed on the kernel command line (read at load). */
static bool iomem_relaxed;

/* The opt-in has been used and said so. */
static unsigned long beside_logged;

/* Whether a driver's claim on a BAR shuts aperture_io out. */
bool aperture_strict(void)
{
	return IS_ENABLED(CONFIG_IO_STRICT_DEVMEM) && !iomem_relaxed &&
	       !READ_ONCE(beside_drivers);
}

/*
 * Whether a kernel command line leaves devmem relaxed, as the kernel's
 * own early parameter strict_iomem() decides: each iomem= in turn sets
 * relaxed if its value holds "relaxed" and strict if it holds "strict",
 * so the last one wins; parameters stop at "--" (the rest is init's).
 * Words are split at white space (quoting is not followed).
 */
static bool aperture_cmdline_relaxed(char *line)
{
	bool relaxed = false;
	char *word;

	while ((word = strsep(&line, " \t\n"))) {
		if (!strcmp(word, "--"))
			break;
		if (strncmp(word, "iomem=", 6))
			continue;
		if (strstr(word + 6, "relaxed"))
			relaxed = true;
		if (strstr(word + 6, "strict"))
			relaxed = false;
	}
	return relaxed;
}

/*
 * Reads iomem= from /proc/cmdline: the kernel keeps its own flag
 * (strict_iomem_checks) private.  Unreadable: strict.
 */
void aperture_policy_init(void)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	char *buf;

	buf = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return;
	f = filp_open("/proc/cmdline", O_RDONLY, 0);
	if (!IS_ERR(f)) {
		n = kernel_read(f, buf, PAGE_SIZE - 1, &pos);
		filp_close(f, NULL);
		if (n > 0)
			iomem_relaxed = aperture_cmdline_relaxed(buf);
	}
	kfree(buf);
	if (iomem_relaxed)
		pr_info("iomem=relaxed: BARs that drivers claimed can be opened\n");
}

/* walk_iomem_res_desc() callback: any hit counts. */
static int aperture_hit(struct resource *res, void *arg)
{
	return 1;
}

/* Whether a resource with all of flags lies in a memory BAR's range. */
static bool aperture_region_has(u64 start, u64 size, unsigned long flags)
{
	return walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_MEM | flags,
				   start, start + size - 1, NULL,
				   aperture_hit) > 0;
}

/*
 * Whether a memory BAR's range has been claimed since its open, so that
 * the open would be refused now (exclusively, or busy under strict
 * devmem): as the kernel's revoke_iomem() revokes /dev/mem and sysfs
 * resourceN mappings of a range a driver requests, the poll (kill.c)
 * then kills the BAR.  I/O BARs are never revoked, as by the kernel.
 */
bool aperture_bar_claimed(struct aperture_bar *bar)
{
	if (!(bar->bar_flags & APERTURE_IO_BAR_MEM))
		return false;
	return aperture_region_has(bar->start, bar->size,
				   IORESOURCE_EXCLUSIVE) ||
	       (IS_ENABLED(CONFIG_IO_STRICT_DEVMEM) && aperture_strict() &&
		aperture_region_has(bar->start, bar->size, IORESOURCE_BUSY));
}

/*
 * Whether BAR index of pdev may be opened now: 0, or -EBUSY with one log
 * line naming who holds it.  Called with the device lock held, so that no
 * driver binds between this check and the BAR state's creation.
 */
int aperture_claim_check(struct pci_dev *pdev, unsigned int index,
			 u32 bar_flags, u64 start, u64 size)
{
	struct device_driver *drv = aperture_owns(pdev) ? NULL :
		pdev->dev.driver;
	bool mem = bar_flags & APERTURE_IO_BAR_MEM;
	const char *who = drv ? drv->name : NULL;

	if (mem && aperture_region_has(start, size, IORESOURCE_EXCLUSIVE)) {
		ap_warn(pdev, index,
			"%s holds it exclusively, refusing: unbind that driver first\n",
			who ?: "a driver");
		return -EBUSY;
	}
	if (!who && mem && aperture_region_has(start, size, IORESOURCE_BUSY))
		who = "a driver (its region is busy)";
	if (!who || !IS_ENABLED(CONFIG_IO_STRICT_DEVMEM))
		return 0;
	if (aperture_strict()) {
		ap_warn(pdev, index,
			"claimed by %s, refusing (strict devmem): unbind it, or load aperture_io with beside_drivers=1\n",
			who);
		return -EBUSY;
	}
	if (!test_and_set_bit(0, &beside_logged))
		ap_warn(pdev, index, "opened beside %s (%s)\n", who,
			iomem_relaxed ? "iomem=relaxed" : "beside_drivers=1");
	return 0;
}

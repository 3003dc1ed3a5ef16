// SPDX-License-Identifier: GPL-2.0
/*
 * aperture_claim.c - test helper for check_module_exclusive and
 * check_module_strict: claims one physical memory range busy and
 * exclusive, as a driver does with pci_request_region_exclusive(), or
 * (exclusive=0) only busy, as pci_request_region() does, so that the
 * suites can see aperture_io refuse that region (EBUSY) and accept it
 * again once released.
 *
 *   insmod aperture_claim.ko start=0xfea00000 size=0x100000 [exclusive=0]
 *
 * Built beside aperture_io.ko by tests/vm/build; only ever loaded in test
 * guests.
 */
#include <linux/ioport.h>
#include <linux/module.h>

static unsigned long start;
module_param(start, ulong, 0444);
MODULE_PARM_DESC(start, "physical address of the range to claim");

static unsigned long size;
module_param(size, ulong, 0444);
MODULE_PARM_DESC(size, "size of the range to claim, in bytes");

static bool exclusive = true;
module_param(exclusive, bool, 0444);
MODULE_PARM_DESC(exclusive, "claim it exclusively (default) or only busy");

static int __init aperture_claim_init(void)
{
	if (!size || start + size - 1 < start)
		return -EINVAL;
	if (exclusive ?
	    !request_mem_region_exclusive(start, size, "aperture_claim") :
	    !request_mem_region(start, size, "aperture_claim"))
		return -EBUSY;
	return 0;
}

static void __exit aperture_claim_exit(void)
{
	release_mem_region(start, size);
}

module_init(aperture_claim_init);
module_exit(aperture_claim_exit);
MODULE_DESCRIPTION("aperturefs test helper: claim a memory range exclusively");
MODULE_LICENSE("GPL");

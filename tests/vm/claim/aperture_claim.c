// SPDX-License-Identifier: GPL-2.0
/*
 * aperture_claim.c - test helper for check_module_exclusive: claims one
 * physical memory range busy and exclusive, as a driver does with
 * pci_request_region_exclusive(), so that the suite can see aperture_io
 * refuse that region (EBUSY) and accept it again once released.
 *
 *   insmod aperture_claim.ko start=0xfea00000 size=0x100000
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

static int __init aperture_claim_init(void)
{
	if (!size || start + size - 1 < start)
		return -EINVAL;
	if (!request_mem_region_exclusive(start, size, "aperture_claim"))
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

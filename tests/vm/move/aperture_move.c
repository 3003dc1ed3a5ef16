// SPDX-License-Identifier: GPL-2.0
/*
 * aperture_move.c - test helper for check_module_state: moves one BAR of
 * one function elsewhere in its bridge window while the function stays,
 * the way sysfs resourceN_resize (and a driver's pci_resize_resource())
 * reassigns BARs: under the device lock and with decoding off, release
 * the BAR, then assign it again.  The old range is held by a placeholder
 * while the BAR is assigned, so the new address always differs.  QEMU's
 * devices have no resizable BAR capability; this is the same reassignment
 * without the size change.
 *
 *   insmod aperture_move.ko slot=0000:00:04.0 bar=0
 *
 * The work is done at load; the module then only waits to be removed.
 * Built beside aperture_io.ko by tests/vm/build; only ever loaded in test
 * guests.
 */
#include <linux/ioport.h>
#include <linux/module.h>
#include <linux/pci.h>

static char *slot;
module_param(slot, charp, 0444);
MODULE_PARM_DESC(slot, "the function, as domain:bus:device.function");

static int bar;
module_param(bar, int, 0444);
MODULE_PARM_DESC(bar, "the BAR to move, 0..5");

/* Releases BAR index of pdev and assigns it again, away from where it was. */
static int aperture_move_bar(struct pci_dev *pdev, int index)
{
	struct resource *res = &pdev->resource[index];
	struct resource hole = {
		.name = "aperture_move placeholder",
		.start = res->start,
		.end = res->end,
		.flags = res->flags & IORESOURCE_TYPE_BITS,
	};
	struct resource *parent = res->parent;
	u16 cmd;
	int err;

	if (!parent || !resource_size(res))
		return -ENODEV;
	device_lock(&pdev->dev);
	if (pdev->dev.driver) {
		err = -EBUSY;
		goto out_unlock;
	}
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	pci_write_config_word(pdev, PCI_COMMAND,
			      cmd & ~(PCI_COMMAND_MEMORY | PCI_COMMAND_IO));
	pci_release_resource(pdev, index);
	err = request_resource(parent, &hole);
	if (!err) {
		err = pci_assign_resource(pdev, index);
		release_resource(&hole);
	}
	pci_write_config_word(pdev, PCI_COMMAND, cmd);
out_unlock:
	device_unlock(&pdev->dev);
	return err;
}

static int __init aperture_move_init(void)
{
	unsigned int domain, busnr, dev, fn;
	struct pci_dev *pdev;
	int err;

	if (!slot || sscanf(slot, "%x:%x:%x.%x", &domain, &busnr, &dev,
			    &fn) != 4 || bar < 0 || bar >= PCI_STD_NUM_BARS)
		return -EINVAL;
	pdev = pci_get_domain_bus_and_slot(domain, busnr, PCI_DEVFN(dev, fn));
	if (!pdev)
		return -ENODEV;
	err = aperture_move_bar(pdev, bar);
	pci_dev_put(pdev);
	return err;
}

static void __exit aperture_move_exit(void)
{
}

module_init(aperture_move_init);
module_exit(aperture_move_exit);
MODULE_DESCRIPTION("aperturefs test helper: move a BAR elsewhere");
MODULE_LICENSE("GPL");

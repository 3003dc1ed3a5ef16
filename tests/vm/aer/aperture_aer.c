// SPDX-License-Identifier: GPL-2.0
/*
 * aperture_aer.c - test helper for check_module_aer: a PCI driver that
 * binds only where driver_override names it, requests no regions, and
 * holds AER recovery in its error_detected() callback (the device's
 * channel frozen, pci_channel_offline() true) until the suite writes
 * its release parameter, or for at most 20 s.  It saves the device's
 * config space at probe and restores it after the reset recovery makes.
 * Each callback logs one line, "aperture_aer: <callback>", that the suite
 * waits for.
 *
 *   insmod aperture_aer.ko
 *   echo aperture_aer > /sys/bus/pci/devices/0000:01:00.0/driver_override
 *   echo 0000:01:00.0 > /sys/bus/pci/drivers_probe
 *   ... an uncorrectable fatal error reaches 0000:01:00.0 ...
 *   echo 1 > /sys/module/aperture_aer/parameters/release
 *
 * Built beside aperture_io.ko by tests/vm/build; only ever loaded in test
 * guests.
 */
#include <linux/completion.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>

/* How long error_detected() holds recovery at most. */
#define AER_HOLD_MS 20000

/* Completed by a write of the release parameter. */
static DECLARE_COMPLETION(aer_release);

static int aer_release_set(const char *val, const struct kernel_param *kp)
{
	complete(&aer_release);
	return 0;
}

static const struct kernel_param_ops aer_release_ops = {
	.set = aer_release_set,
};
module_param_cb(release, &aer_release_ops, NULL, 0200);
MODULE_PARM_DESC(release, "write anything: let a held AER recovery go on");

/*
 * Saves the config space for aer_slot_reset().  The log line says whether
 * the device reports fatal errors (Device Control): the PCI core turns
 * that on where the OS owns AER, and without it no error reaches us.
 */
static int aer_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	u16 devctl = 0;

	pcie_capability_read_word(pdev, PCI_EXP_DEVCTL, &devctl);
	pci_save_state(pdev);
	pci_info(pdev, "aperture_aer: probe (error reporting %s)\n",
		 devctl & PCI_EXP_DEVCTL_FERE ? "on" : "off");
	return 0;
}

static void aer_remove(struct pci_dev *pdev)
{
	pci_info(pdev, "aperture_aer: remove\n");
}

static pci_ers_result_t aer_error_detected(struct pci_dev *pdev,
					   pci_channel_state_t state)
{
	unsigned long left;

	reinit_completion(&aer_release);
	pci_info(pdev, "aperture_aer: error_detected (state %u, channel %s)\n",
		 (__force unsigned int)state,
		 pci_channel_offline(pdev) ? "offline" : "online");
	if (state == pci_channel_io_perm_failure)
		return PCI_ERS_RESULT_DISCONNECT;
	left = wait_for_completion_timeout(&aer_release,
					   msecs_to_jiffies(AER_HOLD_MS));
	pci_info(pdev, "aperture_aer: %s\n",
		 left ? "released" : "not released in 20 s, going on");
	return PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t aer_slot_reset(struct pci_dev *pdev)
{
	pci_restore_state(pdev);
	pci_save_state(pdev);
	pci_info(pdev, "aperture_aer: slot_reset\n");
	return PCI_ERS_RESULT_RECOVERED;
}

static void aer_resume(struct pci_dev *pdev)
{
	pci_info(pdev, "aperture_aer: resume\n");
}

static const struct pci_error_handlers aer_err_handler = {
	.error_detected = aer_error_detected,
	.slot_reset = aer_slot_reset,
	.resume = aer_resume,
};

static struct pci_driver aer_driver = {
	.name = "aperture_aer",
	/* No id_table: it binds only where driver_override names it. */
	.probe = aer_probe,
	.remove = aer_remove,
	.err_handler = &aer_err_handler,
};
module_pci_driver(aer_driver);

MODULE_DESCRIPTION("aperturefs test helper: hold AER recovery of a device");
MODULE_LICENSE("GPL");

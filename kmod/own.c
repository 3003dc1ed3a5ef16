// SPDX-License-Identifier: GPL-2.0
/*
 * own.c - owned functions: the PCI driver "aperture_io", and the calls
 * that describe an owned function and switch its bus mastering and DMA
 * mask (APERTURE_IO_FUNC_INFO, _SET_MASTER, _SET_DMA_MASK).
 *
 * The driver has no ID table: it binds only where user space asked for
 * it (sysfs driver_override, then drivers_probe), as vfio-pci and
 * uio_pci_generic are bound, and never kills the BAR state the module
 * keeps for the function (kill.c): the descriptors and mappings the user
 * had go on working.  probe enables the function (decoding, D0) with bus
 * mastering off; remove (unbind, removal, rmmod) turns bus mastering off,
 * frees the vectors (irq.c), then the buffers (dma.c), and restores the
 * config space probe found (bus mastering off).
 *
 * Resets and error recovery follow VFIO's memory_lock rule: before the
 * function stops decoding, every user mapping of its BARs is zapped and
 * accesses are refused (EIO, SIGBUS) until it decodes again; the
 * mappings fault back in afterwards.
 *
 * Caveat: DMA without an IOMMU that translates the function's addresses
 * can write anywhere in RAM; it is refused unless the module parameter
 * allow_unsafe_noiommu_dma is set, which taints the kernel.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "aperture.h"

static bool allow_unsafe_noiommu_dma;
module_param(allow_unsafe_noiommu_dma, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_noiommu_dma,
		 "let owned functions do DMA without an IOMMU translating it (taints the kernel; a device can then write anywhere in RAM)");

/* The owned functions; aperture_own_lock protects the list and blocks. */
static LIST_HEAD(aperture_owned);
static DEFINE_SPINLOCK(aperture_own_lock);

/* Whether aperture_io is pdev's driver now. */
bool aperture_owns(struct pci_dev *pdev)
{
	return READ_ONCE(pdev->dev.driver) == &aperture_pci_driver.driver;
}

/* The owned entry of pdev, or NULL; aperture_own_lock held. */
static struct aperture_own *aperture_own_lookup(struct pci_dev *pdev)
{
	struct aperture_own *own;

	list_for_each_entry(own, &aperture_owned, node)
		if (own->pdev == pdev)
			return own;
	return NULL;
}

/*
 * Whether pdev is owned and in a reset or an error recovery: its BARs
 * must not be reached.  Called on every access (bar.c), under bar->lock.
 */
bool aperture_own_blocked(struct pci_dev *pdev)
{
	struct aperture_own *own;
	bool blocked;

	if (list_empty_careful(&aperture_owned))
		return false;
	spin_lock(&aperture_own_lock);
	own = aperture_own_lookup(pdev);
	blocked = own && own->blocks;
	spin_unlock(&aperture_own_lock);
	return blocked;
}

/*
 * Blocks the BARs of own's function (accesses EIO, faults SIGBUS) and
 * zaps their user mappings; aperture_own_unblock() lets them fault back.
 */
static void aperture_own_block(struct aperture_own *own)
{
	spin_lock(&aperture_own_lock);
	own->blocks++;
	spin_unlock(&aperture_own_lock);
	aperture_zap_dev(own->pdev);
}

static void aperture_own_unblock(struct aperture_own *own)
{
	spin_lock(&aperture_own_lock);
	if (own->blocks)
		own->blocks--;
	spin_unlock(&aperture_own_lock);
}

static void aperture_own_release(struct kref *kref)
{
	struct aperture_own *own = container_of(kref, struct aperture_own,
						kref);

	pci_dev_put(own->pdev);
	mutex_destroy(&own->lock);
	kfree(own);
}

void aperture_own_put(struct aperture_own *own)
{
	kref_put(&own->kref, aperture_own_release);
}

/* The IOMMU domain of pdev as APERTURE_IO_IOMMU_*. */
static u32 aperture_iommu_type(struct pci_dev *pdev)
{
	struct iommu_domain *d = iommu_get_domain_for_dev(&pdev->dev);

	if (!d)
		return APERTURE_IO_IOMMU_NONE;
	if (d->type == IOMMU_DOMAIN_IDENTITY)
		return APERTURE_IO_IOMMU_IDENTITY;
	if (iommu_is_dma_domain(d))
		return APERTURE_IO_IOMMU_DMA;
	return APERTURE_IO_IOMMU_OTHER;
}

/* Whether an IOMMU translates (and so confines) pdev's DMA. */
bool aperture_own_translated(struct pci_dev *pdev)
{
	return aperture_iommu_type(pdev) == APERTURE_IO_IOMMU_DMA;
}

/*
 * Whether own's function may do DMA (what: the call, for the log): 0, or
 * -EPERM without an IOMMU translating it unless allow_unsafe_noiommu_dma
 * is set (then the kernel is tainted, once).
 */
int aperture_own_dma_allowed(struct aperture_own *own, const char *what)
{
	static unsigned long tainted;

	if (aperture_own_translated(own->pdev))
		return 0;
	if (!READ_ONCE(allow_unsafe_noiommu_dma)) {
		pci_info_ratelimited(own->pdev, KBUILD_MODNAME ": %s refused: no IOMMU translates this function's DMA, so it could write anywhere in RAM (boot with intel_iommu=on or amd_iommu=on, or load aperture_io with allow_unsafe_noiommu_dma=1 at your own risk)\n",
				     what);
		return -EPERM;
	}
	if (!test_and_set_bit(0, &tainted)) {
		pci_warn(own->pdev, KBUILD_MODNAME ": %s without an IOMMU (allow_unsafe_noiommu_dma=1): tainting the kernel\n",
			 what);
		add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	}
	return 0;
}

/*
 * The owned entry of a function named by the ABI, referenced, with its
 * lock NOT held; ERR_PTR(-ENODEV) if there is no such function,
 * -EACCES if aperture_io does not own it, -EPERM without CAP_SYS_RAWIO
 * (rawio), -EINVAL on a reserved field.
 */
struct aperture_own *aperture_own_find(u32 domain, u8 bus, u8 devfn,
				       u16 reserved0, bool rawio)
{
	struct aperture_own *own;
	struct pci_dev *pdev;

	if (reserved0)
		return ERR_PTR(-EINVAL);
	if (rawio && !capable(CAP_SYS_RAWIO))
		return ERR_PTR(-EPERM);
	pdev = pci_get_domain_bus_and_slot(domain, bus, devfn);
	if (!pdev)
		return ERR_PTR(-ENODEV);
	spin_lock(&aperture_own_lock);
	own = aperture_own_lookup(pdev);
	if (own)
		kref_get(&own->kref);
	spin_unlock(&aperture_own_lock);
	if (!own)
		pci_info_ratelimited(pdev, KBUILD_MODNAME ": not owned (bind it to aperture_io through driver_override first), refusing\n");
	pci_dev_put(pdev);
	return own ?: ERR_PTR(-EACCES);
}

/* Fills the out fields of arg for pdev; own: its owned entry or NULL. */
static void aperture_func_fill(struct aperture_io_func *arg,
			       struct pci_dev *pdev, struct aperture_own *own,
			       u64 limit)
{
	u16 cmd = 0;

	arg->abi_version = APERTURE_IO_ABI_VERSION;
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	arg->owned = own != NULL;
	arg->master = !PCI_POSSIBLE_ERROR(cmd) && (cmd & PCI_COMMAND_MASTER);
	arg->dma_bits = pdev->dev.dma_mask && *pdev->dev.dma_mask ?
		fls64(*pdev->dev.dma_mask) : 0;
	arg->iommu = aperture_iommu_type(pdev);
	arg->irq_max = (pdev->irq && pdev->pin ? 1 : 0) |
		       (pdev->msi_cap ? 2 : 0) | (pdev->msix_cap ? 4 : 0);
	arg->dma_limit = limit;
	if (!own)
		return;
	arg->irq_type = own->irq_type;
	arg->irq_count = own->irq_count;
	arg->dma_buffers = own->nbufs;
	arg->dma_bytes = own->bytes;
}

/* APERTURE_IO_FUNC_INFO: any function, no capability needed. */
static long aperture_func_info(struct aperture_io_func *arg)
{
	struct aperture_own *own;
	struct pci_dev *pdev;

	if (arg->reserved0 || arg->reserved1)
		return -EINVAL;
	pdev = pci_get_domain_bus_and_slot(arg->domain, arg->bus, arg->devfn);
	if (!pdev)
		return -ENODEV;
	spin_lock(&aperture_own_lock);
	own = aperture_own_lookup(pdev);
	if (own)
		kref_get(&own->kref);
	spin_unlock(&aperture_own_lock);
	if (own) {
		mutex_lock(&own->lock);
		aperture_func_fill(arg, pdev, own->gone ? NULL : own,
				   aperture_dma_limit_function());
		mutex_unlock(&own->lock);
		aperture_own_put(own);
	} else {
		aperture_func_fill(arg, pdev, NULL,
				   aperture_dma_limit_function());
	}
	pci_dev_put(pdev);
	return 0;
}

/* APERTURE_IO_SET_MASTER and APERTURE_IO_SET_DMA_MASK. */
static long aperture_func_set(unsigned int cmd, struct aperture_io_func *arg)
{
	struct aperture_own *own;
	struct pci_dev *pdev;
	long ret = 0;

	if (arg->reserved1)
		return -EINVAL;
	own = aperture_own_find(arg->domain, arg->bus, arg->devfn,
				arg->reserved0, true);
	if (IS_ERR(own))
		return PTR_ERR(own);
	pdev = own->pdev;
	mutex_lock(&own->lock);
	if (own->gone) {
		ret = -ENODEV;
	} else if (cmd == APERTURE_IO_SET_MASTER) {
		if (arg->value > 1) {
			ret = -EINVAL;
		} else if (arg->value) {
			ret = aperture_own_dma_allowed(own, "bus mastering");
			if (!ret)
				pci_set_master(pdev);
		} else {
			pci_clear_master(pdev);
			/* Buffers waiting for mastering to go off go now. */
			own->master = false;
			aperture_dma_reap(own);
		}
		if (!ret && arg->value)
			own->master = true;
	} else {
		if (arg->value < 1 || arg->value > 64)
			ret = -EINVAL;
		else
			ret = dma_set_mask_and_coherent(&pdev->dev,
							DMA_BIT_MASK(arg->value));
		if (ret && ret != -EINVAL)
			ret = -EIO;
		if (ret)
			pci_info_ratelimited(pdev, KBUILD_MODNAME ": a %u-bit DMA mask refused (%ld)\n",
					     arg->value, ret);
	}
	if (!ret)
		aperture_func_fill(arg, pdev, own, aperture_dma_limit_function());
	mutex_unlock(&own->lock);
	aperture_own_put(own);
	return ret;
}

/* The calls on a function (ctl.c): copy in, do, copy out, no lock held. */
long aperture_own_ioctl(unsigned int cmd, void __user *uarg)
{
	struct aperture_io_func arg;
	long ret;

	ret = aperture_uarg_get(&arg, sizeof(arg), uarg);
	if (ret)
		return ret;
	if (cmd == APERTURE_IO_FUNC_INFO)
		ret = aperture_func_info(&arg);
	else
		ret = aperture_func_set(cmd, &arg);
	if (ret)
		return ret;
	return aperture_uarg_put(uarg, &arg, sizeof(arg));
}

/*
 * Takes the function over: enables it (D0, decoding) with bus mastering
 * off, and keeps the config space it found, to restore at release.
 */
static int aperture_own_probe(struct pci_dev *pdev,
			      const struct pci_device_id *id)
{
	struct aperture_own *own;
	int err;

	own = kzalloc(sizeof(*own), GFP_KERNEL);
	if (!own)
		return -ENOMEM;
	kref_init(&own->kref);
	mutex_init(&own->lock);
	INIT_LIST_HEAD(&own->bufs);
	own->pdev = pci_dev_get(pdev);

	/*
	 * The state as found, with bus mastering off: the release restores
	 * it after the buffers are gone, and must not let the function
	 * reach them (or anything) again.
	 */
	pci_save_state(pdev);
	pdev->saved_config_space[PCI_COMMAND / 4] &= ~PCI_COMMAND_MASTER;
	own->found = pci_store_saved_state(pdev);
	if (!own->found) {
		err = -ENOMEM;
		goto err_put_own;
	}
	err = pci_enable_device(pdev);
	if (err) {
		pci_warn(pdev, KBUILD_MODNAME ": cannot enable the function (%d), not taking it\n",
			 err);
		goto err_free_state;
	}
	pci_clear_master(pdev);
	pci_set_drvdata(pdev, own);
	spin_lock(&aperture_own_lock);
	list_add(&own->node, &aperture_owned);
	spin_unlock(&aperture_own_lock);
	pci_info(pdev, KBUILD_MODNAME ": owned (IOMMU: %s): DMA buffers and interrupts available, bus mastering off\n",
		 aperture_own_translated(pdev) ? "translating" :
		 "none, DMA refused unless allow_unsafe_noiommu_dma=1");
	return 0;

err_free_state:
	pci_load_and_free_saved_state(pdev, &own->found);
err_put_own:
	aperture_own_put(own);
	return err;
}

/*
 * Lets the function go (unbind, removal, rmmod): bus mastering off, the
 * vectors freed (their readers get ENODEV), then the buffers (their
 * descriptors ENODEV, their mappings SIGBUS), then the config space as
 * found.  Decoding may go off with the restore: mappings of the BARs are
 * zapped around it, to fault back in if it stays on.
 */
static void aperture_own_remove(struct pci_dev *pdev)
{
	struct aperture_own *own = pci_get_drvdata(pdev);

	mutex_lock(&own->lock);
	pci_clear_master(pdev);
	own->master = false;
	own->gone = true;
	aperture_irq_teardown(own);
	aperture_dma_release_all(own);
	mutex_unlock(&own->lock);

	aperture_own_block(own);
	pci_disable_device(pdev);
	pci_load_and_free_saved_state(pdev, &own->found);
	pci_restore_state(pdev);
	aperture_own_unblock(own);

	spin_lock(&aperture_own_lock);
	list_del(&own->node);
	spin_unlock(&aperture_own_lock);
	pci_set_drvdata(pdev, NULL);
	pci_info(pdev, KBUILD_MODNAME ": released, bus mastering off, its state restored\n");
	aperture_own_put(own);
}

/* A function reset (sysfs reset, a bus reset) is coming: block and zap. */
static void aperture_own_reset_prepare(struct pci_dev *pdev)
{
	aperture_own_block(pci_get_drvdata(pdev));
}

static void aperture_own_reset_done(struct pci_dev *pdev)
{
	aperture_own_unblock(pci_get_drvdata(pdev));
}

/* AER: no access and no mapping until the function has recovered. */
static pci_ers_result_t aperture_own_error_detected(struct pci_dev *pdev,
						    pci_channel_state_t state)
{
	struct aperture_own *own = pci_get_drvdata(pdev);
	bool first;

	spin_lock(&aperture_own_lock);
	first = !own->err_blocked;
	own->err_blocked = true;
	spin_unlock(&aperture_own_lock);
	if (first)
		aperture_own_block(own);
	if (state == pci_channel_io_perm_failure)
		return PCI_ERS_RESULT_DISCONNECT;
	return state == pci_channel_io_frozen ? PCI_ERS_RESULT_NEED_RESET :
		PCI_ERS_RESULT_CAN_RECOVER;
}

static pci_ers_result_t aperture_own_slot_reset(struct pci_dev *pdev)
{
	pci_restore_state(pdev);
	return PCI_ERS_RESULT_RECOVERED;
}

static void aperture_own_resume(struct pci_dev *pdev)
{
	struct aperture_own *own = pci_get_drvdata(pdev);
	bool was;

	spin_lock(&aperture_own_lock);
	was = own->err_blocked;
	own->err_blocked = false;
	spin_unlock(&aperture_own_lock);
	if (was)
		aperture_own_unblock(own);
}

static const struct pci_error_handlers aperture_own_err = {
	.error_detected = aperture_own_error_detected,
	.slot_reset = aperture_own_slot_reset,
	.resume = aperture_own_resume,
	.reset_prepare = aperture_own_reset_prepare,
	.reset_done = aperture_own_reset_done,
};

/* No id_table: only driver_override binds it (pci_match_device()). */
struct pci_driver aperture_pci_driver = {
	.name = KBUILD_MODNAME,
	.probe = aperture_own_probe,
	.remove = aperture_own_remove,
	.err_handler = &aperture_own_err,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * bar.c - the state of one BAR, shared by every descriptor opened on it:
 * its kernel windows (an io_mapping for write-combining BARs, one uncached
 * ioremap for register BARs, an ioport_map cookie for I/O BARs) in the
 * memory type asked for or in force, the handles opened on it, and the
 * gate every access, fault and open passes (aperture_bar_begin()).  What
 * ends a BAR's state (removal, a move, a driver's claim) is kill.c's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io-mapping.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>

#include "aperture.h"
#include "compat.h"

/* Protects aperture_bars and every bar->node. */
DEFINE_MUTEX(aperture_lock);
LIST_HEAD(aperture_bars);

/* Drops the kernel windows; called once, with bar->lock held or unshared. */
void aperture_bar_unmap(struct aperture_bar *bar)
{
	switch (bar->kind) {
	case APERTURE_KIND_WC:
		if (bar->wc)
			io_mapping_free(bar->wc);
		bar->wc = NULL;
		break;
	case APERTURE_KIND_UC:
		if (bar->base)
			iounmap(bar->base);
		bar->base = NULL;
		break;
	case APERTURE_KIND_IO:
		if (bar->base)
			ioport_unmap(bar->base);
		bar->base = NULL;
		break;
	}
}

/*
 * kref release, called with aperture_lock held (kref_put_mutex), which it
 * drops.
 */
static void aperture_bar_release(struct kref *kref)
{
	struct aperture_bar *bar = container_of(kref, struct aperture_bar,
						kref);

	list_del_init(&bar->node);
	mutex_unlock(&aperture_lock);
	aperture_bar_unmap(bar);
	pm_runtime_put(&bar->pdev->dev);
	pci_dev_put(bar->pdev);
	kfree(bar);
}

void aperture_bar_put(struct aperture_bar *bar)
{
	kref_put_mutex(&bar->kref, aperture_bar_release, &aperture_lock);
}

/* What an open would find, before any state exists. */
int aperture_bar_describe(struct pci_dev *pdev, unsigned int index,
			  u64 *start, u64 *size, u32 *bar_flags)
{
	struct resource *res = &pdev->resource[index];
	unsigned long flags = pci_resource_flags(pdev, index);

	if (!pci_resource_len(pdev, index) ||
	    !(flags & (IORESOURCE_MEM | IORESOURCE_IO)) ||
	    (flags & (IORESOURCE_UNSET | IORESOURCE_DISABLED)) ||
	    !res->parent)
		return -ENODEV;
	*start = pci_resource_start(pdev, index);
	*size = pci_resource_len(pdev, index);
	if (flags & IORESOURCE_IO) {
		*bar_flags = APERTURE_IO_BAR_IO;
	} else {
		*bar_flags = APERTURE_IO_BAR_MEM;
		if (flags & IORESOURCE_MEM_64)
			*bar_flags |= APERTURE_IO_BAR_64;
		if (flags & IORESOURCE_PREFETCH)
			*bar_flags |= APERTURE_IO_BAR_PREFETCH;
	}
	return 0;
}

/* The memory type an open asking for want gets on a fresh BAR. */
u32 aperture_memtype_default(u32 bar_flags, u32 want)
{
	if (bar_flags & APERTURE_IO_BAR_IO)
		return 0;
	if (want)
		return want;
	return (bar_flags & APERTURE_IO_BAR_PREFETCH) ?
		APERTURE_IO_MEMTYPE_WC : APERTURE_IO_MEMTYPE_UC;
}

/* The live state of a BAR, or NULL; called with aperture_lock held. */
struct aperture_bar *aperture_bar_find(struct pci_dev *pdev,
				       unsigned int index)
{
	struct aperture_bar *bar;

	lockdep_assert_held(&aperture_lock);
	list_for_each_entry(bar, &aperture_bars, node)
		if (bar->pdev == pdev && bar->index == index)
			return bar;
	return NULL;
}

/*
 * Whether the kernel windows got the memory type asked for: -EBUSY if
 * another mapping of the range imposed its own (see compat.h); nothing to
 * check where memory types are not tracked (no PAT).
 */
static int aperture_bar_type_check(struct aperture_bar *bar,
				   struct pci_dev *pdev)
{
	bool want_wc = bar->kind == APERTURE_KIND_WC, wc;

	if (bar->kind == APERTURE_KIND_IO || !aperture_memtypes_tracked())
		return 0;
	wc = want_wc ? aperture_io_mapping_is_wc(bar->wc) :
		aperture_kmap_is_wc(bar->base);
	if (wc == want_wc)
		return 0;
	ap_info(pdev, bar->index,
		"another mapping of its range is %s, refusing %s: unmap it first (sysfs resource%u%s?)\n",
		wc ? "write-combining" : "not write-combining",
		want_wc ? "write-combining" : "uncached", bar->index,
		wc ? "_wc" : "");
	return -EBUSY;
}


/* Maps a fresh BAR's kernel windows in bar->kind. */
static int aperture_bar_map(struct aperture_bar *bar)
{
	/* ioremap() and io_mapping take an unsigned long size. */
	if (bar->size > ULONG_MAX)
		return -EFBIG;
	switch (bar->kind) {
	case APERTURE_KIND_WC:
		bar->wc = io_mapping_create_wc(bar->start, bar->size);
		return bar->wc ? 0 : -ENOMEM;
	case APERTURE_KIND_UC:
		bar->base = ioremap(bar->start, bar->size);
		return bar->base ? 0 : -ENOMEM;
	case APERTURE_KIND_IO:
		bar->base = ioport_map(bar->start, bar->size);
		return bar->base ? 0 : -ENOMEM;
	}
	return -EINVAL;
}

/*
 * Maps a fresh BAR in the type asked for (want) or, when the caller left
 * the type to the module, in the one already in force.  A driver's own
 * uncached window of a prefetchable BAR (bochs-drm's ioremap() of the
 * VGA framebuffer on 6.1) imposes uncached on every later mapping of the
 * range: an automatic open then gets uncached, says so, and reports it,
 * rather than EBUSY that only unbinding the driver would cure.  Uncached
 * is right for any memory BAR; the reverse (write-combining forced on an
 * automatic uncached open) is refused, since only the BAR's own flags
 * may choose write-combining.
 */
static int aperture_bar_map_typed(struct aperture_bar *bar,
				  struct pci_dev *pdev, u32 want)
{
	int err = aperture_bar_map(bar);

	if (err)
		return err;
	if (bar->kind != APERTURE_KIND_WC || want ||
	    aperture_io_mapping_is_wc(bar->wc))
		return aperture_bar_type_check(bar, pdev);
	aperture_bar_unmap(bar);
	bar->kind = APERTURE_KIND_UC;
	bar->memtype = APERTURE_IO_MEMTYPE_UC;
	err = aperture_bar_map(bar);
	if (err)
		return err;
	ap_info(pdev, bar->index,
		"another mapping of its range is not write-combining: opened uncached\n");
	return aperture_bar_type_check(bar, pdev);
}

/*
 * The shared state of BAR index of pdev, created on first use, with a
 * reference for the caller.  want is the memory type asked for (0: any);
 * a live BAR in another memory type is EBUSY.
 */
struct aperture_bar *aperture_bar_get(struct pci_dev *pdev,
				      unsigned int index, u32 want)
{
	struct aperture_bar *bar;
	int err;

	mutex_lock(&aperture_lock);
	/*
	 * A function being removed (from BUS_NOTIFY_DEL_DEVICE on, kill.c)
	 * or gone must not get new state: no notifier would kill it.
	 */
	if (aperture_dev_dying(pdev) || !device_is_registered(&pdev->dev)) {
		err = -ENODEV;
		goto out_unlock;
	}
	bar = aperture_bar_find(pdev, index);
	if (bar && aperture_bar_moved(bar)) {
		/* Its handles hold it; aperture_lock keeps it from release. */
		list_del_init(&bar->node);
		aperture_bar_kill(bar, "moved or resized");
		bar = NULL;
	}
	if (bar) {
		if (want && bar->memtype != want) {
			ap_info(pdev, index,
				"open %s, refusing %s: close its other descriptors first\n",
				bar->memtype == APERTURE_IO_MEMTYPE_WC ? "write-combining" : "uncached",
				want == APERTURE_IO_MEMTYPE_WC ? "write-combining" : "uncached");
			err = -EBUSY;
			goto out_unlock;
		}
		kref_get(&bar->kref);
		mutex_unlock(&aperture_lock);
		return bar;
	}

	bar = kzalloc(sizeof(*bar), GFP_KERNEL);
	if (!bar) {
		err = -ENOMEM;
		goto out_unlock;
	}
	kref_init(&bar->kref);
	init_rwsem(&bar->lock);
	mutex_init(&bar->handles_lock);
	INIT_LIST_HEAD(&bar->handles);
	bar->index = index;
	err = aperture_bar_describe(pdev, index, &bar->start, &bar->size,
				    &bar->bar_flags);
	if (err)
		goto err_free_bar;
	bar->memtype = aperture_memtype_default(bar->bar_flags, want);
	if (bar->bar_flags & APERTURE_IO_BAR_IO)
		bar->kind = APERTURE_KIND_IO;
	else if (bar->memtype == APERTURE_IO_MEMTYPE_WC)
		bar->kind = APERTURE_KIND_WC;
	else
		bar->kind = APERTURE_KIND_UC;
	/*
	 * The device stays resumed while any descriptor or mapping of the
	 * BAR exists (the state lives exactly that long), as VFIO keeps it
	 * around its accesses.
	 */
	err = pm_runtime_resume_and_get(&pdev->dev);
	if (err < 0) {
		ap_info(pdev, index, "cannot resume the device (%d), refusing\n",
			err);
		goto err_free_bar;
	}
	err = aperture_bar_map_typed(bar, pdev, want);
	if (err == -EBUSY)
		goto err_unmap_bar;
	if (err == -EFBIG)
		ap_info(pdev, index, "%llu bytes, too large to map on this kernel, refusing\n",
			bar->size);
	else if (err)
		ap_info(pdev, index, "cannot map its %llu bytes (%d), refusing\n",
			bar->size, err);
	if (err)
		goto err_unmap_bar;
	bar->pdev = pci_dev_get(pdev);
	list_add(&bar->node, &aperture_bars);
	aperture_poll_start();
	mutex_unlock(&aperture_lock);
	return bar;

err_unmap_bar:
	aperture_bar_unmap(bar);
	pm_runtime_put(&pdev->dev);
err_free_bar:
	kfree(bar);
out_unlock:
	mutex_unlock(&aperture_lock);
	return ERR_PTR(err);
}

/* The PCI_COMMAND bit that makes a BAR of these flags decode. */
static u16 aperture_decode_bit(u32 bar_flags)
{
	return bar_flags & APERTURE_IO_BAR_IO ? PCI_COMMAND_IO :
		PCI_COMMAND_MEMORY;
}

/* APERTURE_IO_STATE_* of a BAR of pdev, as INFO and OPEN report it. */
u32 aperture_state(struct pci_dev *pdev, u32 bar_flags)
{
	u16 cmd = 0;

	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	return APERTURE_IO_STATE_VALID |
	       (cmd & aperture_decode_bit(bar_flags) ?
		APERTURE_IO_STATE_DECODING : 0);
}

/*
 * Whether the device answers at the BAR now; bar->lock held.  -ENODEV
 * once the BAR is dead; -EIO while its channel is offline (AER recovery)
 * or its decoding (PCI_COMMAND_MEMORY or _IO) is off, where reads would
 * give nothing the device said.  Says once how to enable decoding.
 */
int aperture_bar_usable(struct aperture_bar *bar)
{
	struct pci_dev *pdev = bar->pdev;
	u16 bit = aperture_decode_bit(bar->bar_flags);
	u16 cmd = 0;

	if (bar->dead)
		return -ENODEV;
	if (aperture_bar_moved(bar)) {
		/* Killed (and its mappings zapped) by the poll, now. */
		aperture_poll_now();
		return -ENODEV;
	}
	if (pci_channel_offline(pdev))
		return -EIO;
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (cmd & bit) {
		if (test_bit(APERTURE_LOGGED_DECODING, &bar->logged))
			clear_bit(APERTURE_LOGGED_DECODING, &bar->logged);
		return 0;
	}
	if (!test_and_set_bit(APERTURE_LOGGED_DECODING, &bar->logged))
		pci_info(pdev, KBUILD_MODNAME ": BAR %u: %s decoding is off, refusing accesses with EIO: enable it with 'setpci -s %s COMMAND=%x:%x' (or bind its driver)\n",
			 bar->index, bit == PCI_COMMAND_IO ? "I/O" : "memory",
			 pci_name(pdev), bit, bit);
	return -EIO;
}

/*
 * Starts an access of one page window: takes bar->lock for reading.
 * -EINTR on a fatal signal, else what aperture_bar_usable() says.
 */
int aperture_bar_begin(struct aperture_bar *bar)
{
	int err;

	if (down_read_killable(&bar->lock))
		return -EINTR;
	err = aperture_bar_usable(bar);
	if (err)
		up_read(&bar->lock);
	return err;
}

void aperture_bar_end(struct aperture_bar *bar)
{
	up_read(&bar->lock);
}

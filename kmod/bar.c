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

/*
 * Whether a memory BAR shares its pages with other BARs: smaller than a
 * page, or not on a page boundary.  Such a BAR never gets a
 * write-combining window: x86 PAT keeps one memory type per page, so a
 * write-combining window would impose its type on the neighbours'
 * registers (and make a driver's uncached ioremap() of them fail), and a
 * 32-bit HIGHMEM io_mapping maps whole pages, dropping the BAR's offset
 * in its page (io_mapping_map_local_wc() maps PHYS_PFN(base + offset)).
 */
bool aperture_bar_subpage(u64 start, u64 size)
{
	return (start | size) & ~PAGE_MASK;
}

/*
 * The memory type an open asking for want gets on a fresh BAR: uncached
 * where the BAR shares a page (whatever its flags), else write-combining
 * for a prefetchable BAR.
 */
u32 aperture_memtype_default(u32 bar_flags, u64 start, u64 size, u32 want)
{
	if (bar_flags & APERTURE_IO_BAR_IO)
		return 0;
	if (want)
		return want;
	return (bar_flags & APERTURE_IO_BAR_PREFETCH) &&
	       !aperture_bar_subpage(start, size) ?
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
	bar->memtype = aperture_memtype_default(bar->bar_flags, bar->start,
						bar->size, want);
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

/* Why a function does not decode a BAR now (aperture_decoding()). */
enum aperture_why {
	APERTURE_DECODES,	/* it does */
	APERTURE_NO_CONFIG,	/* its config space does not answer */
	APERTURE_LOW_POWER,	/* D3hot or deeper */
	APERTURE_DECODE_OFF,	/* PCI_COMMAND_MEMORY (or _IO) is off */
};

/* D3hot or D3cold (not PCI_UNKNOWN, not PCI_POWER_ERROR). */
static bool aperture_low_power(pci_power_t state)
{
	int s = (__force int)state;

	return s >= (__force int)PCI_D3hot && s <= (__force int)PCI_D3cold;
}

/*
 * Whether pdev decodes a BAR of bar_flags now, as VFIO's
 * __vfio_pci_memory_enabled() decides it, but from the device itself
 * (nothing here sees config writes, setpci's included): a config read
 * that fails or gives all ones (a device gone, in D3cold, behind a link
 * that is down) is no answer; D3hot or deeper, whether the kernel put it
 * there (current_state) or PMCSR says so, does not decode; an SR-IOV
 * virtual function's memory enable bit is hard-wired to 0 (its PF's
 * SR-IOV control has the real one: no_command_memory).  *cmd and *state
 * are what was read, for the log.  Two config reads at most: callers
 * make them once per transfer, fault or mmap, never per window.
 */
static enum aperture_why aperture_decoding(struct pci_dev *pdev,
					   u32 bar_flags, u16 *cmd,
					   pci_power_t *state)
{
	u16 bit = aperture_decode_bit(bar_flags), pmcsr;

	*cmd = 0;
	*state = READ_ONCE(pdev->current_state);
	if (aperture_low_power(*state))
		return APERTURE_LOW_POWER;
	if (pci_read_config_word(pdev, PCI_COMMAND, cmd) ||
	    PCI_POSSIBLE_ERROR(*cmd))
		return APERTURE_NO_CONFIG;
	if (pdev->pm_cap) {
		if (pci_read_config_word(pdev, pdev->pm_cap + PCI_PM_CTRL,
					 &pmcsr) || PCI_POSSIBLE_ERROR(pmcsr))
			return APERTURE_NO_CONFIG;
		*state = (__force pci_power_t)(pmcsr & PCI_PM_CTRL_STATE_MASK);
		if (aperture_low_power(*state))
			return APERTURE_LOW_POWER;
	}
	if (bit == PCI_COMMAND_MEMORY && pdev->no_command_memory)
		return APERTURE_DECODES;
	return *cmd & bit ? APERTURE_DECODES : APERTURE_DECODE_OFF;
}

/* APERTURE_IO_STATE_* of a BAR of pdev, as INFO and OPEN report it. */
u32 aperture_state(struct pci_dev *pdev, u32 bar_flags)
{
	pci_power_t state;
	u16 cmd;

	return APERTURE_IO_STATE_VALID |
	       (aperture_decoding(pdev, bar_flags, &cmd, &state) ==
		APERTURE_DECODES ? APERTURE_IO_STATE_DECODING : 0);
}

/*
 * Whether the BAR's state lets accesses through; bar->lock held.  Only
 * what costs no device access: -ENODEV once the BAR is dead or moved,
 * -EIO while its channel is offline (AER recovery) or, owned, while it is
 * reset or recovers (own.c).  Whether the device
 * decodes is aperture_bar_decodes()'s.
 */
int aperture_bar_usable(struct aperture_bar *bar)
{
	if (bar->dead)
		return -ENODEV;
	if (aperture_bar_moved(bar)) {
		/* Killed (and its mappings zapped) by the poll, now. */
		aperture_poll_now();
		return -ENODEV;
	}
	if (pci_channel_offline(bar->pdev))
		return -EIO;
	/* An owned function in a reset or an error recovery. */
	if (aperture_own_blocked(bar->pdev))
		return -EIO;
	return 0;
}

/*
 * Whether the device decodes the BAR now (aperture_decoding()): 0, or
 * -EIO, where reads would give nothing the device said.  Says once per
 * episode why, and how to make it decode.
 */
int aperture_bar_decodes(struct aperture_bar *bar)
{
	struct pci_dev *pdev = bar->pdev;
	u16 bit = aperture_decode_bit(bar->bar_flags);
	enum aperture_why why;
	pci_power_t state;
	u16 cmd;

	why = aperture_decoding(pdev, bar->bar_flags, &cmd, &state);
	if (why == APERTURE_DECODES) {
		if (READ_ONCE(bar->logged))
			WRITE_ONCE(bar->logged, 0);
		return 0;
	}
	if (test_and_set_bit(why, &bar->logged))
		return -EIO;
	switch (why) {
	case APERTURE_NO_CONFIG:
		pci_info(pdev, KBUILD_MODNAME ": BAR %u: its config space does not answer (PCI_COMMAND reads %#06x): gone, in D3cold or behind a link that is down, refusing accesses with EIO\n",
			 bar->index, cmd);
		break;
	case APERTURE_LOW_POWER:
		pci_info(pdev, KBUILD_MODNAME ": BAR %u: the function is in %s, refusing accesses with EIO: bring it to D0 (its driver, or 'setpci -s %s CAP_PM+4.w=0:3')\n",
			 bar->index, pci_power_name(state), pci_name(pdev));
		break;
	default:
		pci_info(pdev, KBUILD_MODNAME ": BAR %u: %s decoding is off, refusing accesses with EIO: enable it with 'setpci -s %s COMMAND=%x:%x' (or bind its driver)\n",
			 bar->index, bit == PCI_COMMAND_IO ? "I/O" : "memory",
			 pci_name(pdev), bit, bit);
		break;
	}
	return -EIO;
}

/*
 * Starts an access of one page window: takes bar->lock for reading.
 * -EINTR on a fatal signal, else what aperture_bar_usable() says (the
 * transfer asked aperture_bar_decodes() once before its first window).
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

// SPDX-License-Identifier: GPL-2.0
/*
 * kill.c - what ends a BAR's state: its function's removal, a driver
 * binding to it under strict devmem (the PCI bus notifier), a move or
 * resize of the BAR, and a region claim on its range by code that binds
 * no driver (the poll).
 *
 * A kill sets bar->dead under bar->lock held for writing, so that once it
 * returns no access, fault or open holds a window of the BAR or can take
 * one; it then drops the windows and zaps every user mapping of every
 * handle (see mmap.c for why that is all of them).
 *
 * A BAR can also move or change size while its function stays (sysfs
 * resourceN_resize, a driver's pci_resize_resource(), a reassignment of
 * its bridge window): the kernel announces that to nobody.  So the BAR's
 * resource is compared with the state's address and size on every open,
 * access, mmap and page fault, and once a second while any state lives;
 * a moved BAR is killed as a removed one is, and the next open maps it
 * where it is now.  Caveat: a mapping whose pages were all touched before
 * the move can reach the old range until the next look (at most a second,
 * or the next access of the BAR).
 *
 * A request_mem_region() on a BAR's range announces itself to nobody
 * either (the kernel's revoke_iomem() zaps only /dev/mem's and sysfs
 * resourceN's shared mapping): the same poll kills, within a second, a
 * BAR whose range has been claimed as the open would now refuse it
 * (policy.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "aperture.h"

/*
 * Functions being removed.  device_del() calls BUS_NOTIFY_REMOVED_DEVICE
 * before it unregisters the device (kobject_del() after the uevent), so
 * an open between the two would find the function registered and create
 * state that no notifier kills, on a device about to vanish (reads of
 * nothing, as zeros).  From BUS_NOTIFY_DEL_DEVICE on, each such function
 * is listed here, with a reference so that its address cannot name a new
 * function, until it is seen unregistered; aperture_bar_get() refuses
 * them.  aperture_lock protects the list.
 */
struct aperture_dying {
	struct list_head node;
	struct pci_dev *pdev;
};
static LIST_HEAD(aperture_dying);

/*
 * Whether pdev is being removed (NULL: none); forgets the functions that
 * are unregistered by now.  aperture_lock held.
 */
bool aperture_dev_dying(struct pci_dev *pdev)
{
	struct aperture_dying *d, *next;
	bool dying = false;

	list_for_each_entry_safe(d, next, &aperture_dying, node) {
		if (!device_is_registered(&d->pdev->dev)) {
			list_del(&d->node);
			pci_dev_put(d->pdev);
			kfree(d);
		} else if (d->pdev == pdev) {
			dying = true;
		}
	}
	return dying;
}

/* Lists pdev as being removed (BUS_NOTIFY_DEL_DEVICE). */
static void aperture_dev_dies(struct pci_dev *pdev)
{
	struct aperture_dying *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d) {
		pci_warn(pdev, KBUILD_MODNAME ": no memory to note the removal; an open racing it may outlive it\n");
		return;
	}
	d->pdev = pci_dev_get(pdev);
	mutex_lock(&aperture_lock);
	list_add(&d->node, &aperture_dying);
	mutex_unlock(&aperture_lock);
}

/* Looks for moved BARs while any state lives (aperture_poll()). */
static void aperture_poll(struct work_struct *work);
static DECLARE_DELAYED_WORK(aperture_poll_work, aperture_poll);
#define APERTURE_POLL_DELAY	HZ
#define APERTURE_POLL_DELAY	HZ

/*
 * Whether BAR's resource is no longer where its state maps it: released,
 * unassigned, moved or resized.  Read without the PCI core's locks: a
 * reassignment in progress reads as moved, which it is.
 */
bool aperture_bar_moved(struct aperture_bar *bar)
{
	struct resource *res = &bar->pdev->resource[bar->index];

	return !READ_ONCE(res->parent) ||
	       (READ_ONCE(res->flags) & IORESOURCE_UNSET) ||
	       READ_ONCE(res->start) != bar->start ||
	       resource_size(res) != bar->size;
}

/* Starts the poll, if it is not queued already: new state lives. */
void aperture_poll_start(void)
{
	queue_delayed_work(system_wq, &aperture_poll_work, APERTURE_POLL_DELAY);
}

/* Runs the poll now: an access found its BAR moved. */
void aperture_poll_now(void)
{
	mod_delayed_work(system_wq, &aperture_poll_work, 0);
}

/*
 * The device of bar is going away: fail every later access with ENODEV,
 * drop the kernel windows and revoke the user mappings.
 */
void aperture_bar_kill(struct aperture_bar *bar, const char *why)
{
	struct aperture_handle *h;

	down_write(&bar->lock);
	bar->dead = true;
	aperture_bar_unmap(bar);
	up_write(&bar->lock);

	mutex_lock(&bar->handles_lock);
	list_for_each_entry(h, &bar->handles, node)
		unmap_mapping_range(h->inode->i_mapping, 0, 0, 1);
	mutex_unlock(&bar->handles_lock);
	pci_info(bar->pdev, KBUILD_MODNAME ": BAR %u: %s, its descriptors now fail with ENODEV\n",
		 bar->index, why);
}

/*
 * Zaps every user mapping of every live BAR of pdev without killing it:
 * the next touch faults, and maps again if the BAR is usable then (a
 * reset or an error recovery of an owned function in progress makes it
 * SIGBUS, see aperture_own_blocked()).  Taking each bar->lock for writing
 * first waits out the faults and accesses that began before the caller
 * blocked the function.
 */
void aperture_zap_dev(struct pci_dev *pdev)
{
	struct aperture_handle *h;
	struct aperture_bar *bar;

	mutex_lock(&aperture_lock);
	list_for_each_entry(bar, &aperture_bars, node) {
		if (bar->pdev != pdev)
			continue;
		down_write(&bar->lock);
		up_write(&bar->lock);
		mutex_lock(&bar->handles_lock);
		list_for_each_entry(h, &bar->handles, node)
			unmap_mapping_range(h->inode->i_mapping, 0, 0, 1);
		mutex_unlock(&bar->handles_lock);
	}
	mutex_unlock(&aperture_lock);
}

/* Kills the BARs on doomed, each taken off aperture_bars with a reference. */
static void aperture_kill_list(struct list_head *doomed, const char *why)
{
	struct aperture_bar *bar, *next;

	list_for_each_entry_safe(bar, next, doomed, node) {
		mutex_lock(&aperture_lock);
		list_del_init(&bar->node);
		mutex_unlock(&aperture_lock);
		aperture_bar_kill(bar, why);
		aperture_bar_put(bar);
	}
}

/* Kills every live BAR of pdev. */
static void aperture_kill_dev(struct pci_dev *pdev, const char *why)
{
	struct aperture_bar *bar, *next;
	LIST_HEAD(doomed);

	mutex_lock(&aperture_lock);
	list_for_each_entry_safe(bar, next, &aperture_bars, node) {
		if (bar->pdev != pdev)
			continue;
		kref_get(&bar->kref);
		list_move(&bar->node, &doomed);
	}
	mutex_unlock(&aperture_lock);
	aperture_kill_list(&doomed, why);
}

/*
 * Kills the BARs that moved and those whose range a driver has claimed
 * since (aperture_bar_claimed()), and looks again in a second while any
 * state lives (see the head of this file).
 */
static void aperture_poll(struct work_struct *work)
{
	struct aperture_bar *bar, *next;
	LIST_HEAD(moved);
	LIST_HEAD(claimed);

	mutex_lock(&aperture_lock);
	aperture_dev_dying(NULL);
	list_for_each_entry_safe(bar, next, &aperture_bars, node) {
		if (aperture_bar_moved(bar)) {
			kref_get(&bar->kref);
			list_move(&bar->node, &moved);
		} else if (aperture_bar_claimed(bar)) {
			kref_get(&bar->kref);
			list_move(&bar->node, &claimed);
		}
	}
	if (!list_empty(&aperture_bars))
		queue_delayed_work(system_wq, &aperture_poll_work,
				   APERTURE_POLL_DELAY);
	mutex_unlock(&aperture_lock);
	aperture_kill_list(&moved, "moved or resized");
	aperture_kill_list(&claimed,
			   "a driver claimed its range (strict devmem)");
}

/*
 * Bus notifier: kills the BARs of a function that is being removed, and
 * under strict devmem those of a function a driver is binding to.
 */
static int aperture_pci_notify(struct notifier_block *nb,
			       unsigned long action, void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);

	switch (action) {
	case BUS_NOTIFY_DEL_DEVICE:
		aperture_dev_dies(pdev);
		fallthrough;
	case BUS_NOTIFY_REMOVED_DEVICE:
		aperture_kill_dev(pdev, "device removed");
		return NOTIFY_OK;
	case BUS_NOTIFY_BIND_DRIVER:
		/*
		 * Strict devmem: a driver claiming the device revokes us;
		 * aperture_io itself taking it (ownership) does not: the
		 * descriptors the user had go on working.
		 */
		if (aperture_strict() && !aperture_owns(pdev))
			aperture_kill_dev(pdev, "a driver is binding (strict devmem)");
		return NOTIFY_OK;
	}
	return NOTIFY_DONE;
}

static struct notifier_block aperture_pci_nb = {
	.notifier_call = aperture_pci_notify,
};

int aperture_notifier_register(void)
{
	return bus_register_notifier(&pci_bus_type, &aperture_pci_nb);
}

void aperture_notifier_unregister(void)
{
	struct aperture_dying *d, *next;

	bus_unregister_notifier(&pci_bus_type, &aperture_pci_nb);
	cancel_delayed_work_sync(&aperture_poll_work);
	list_for_each_entry_safe(d, next, &aperture_dying, node) {
		list_del(&d->node);
		pci_dev_put(d->pdev);
		kfree(d);
	}
}

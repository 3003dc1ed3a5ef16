// SPDX-License-Identifier: GPL-2.0
/*
 * aperture_crash.c - test helper for tests/vm/proof: makes the kernel fail
 * on request, so that the harness can show it reports each failure.
 *
 *   insmod aperture_crash.ko action=oops       # fails while loading
 *   insmod aperture_crash.ko
 *   echo warn >/sys/module/aperture_crash/parameters/action
 *
 * Actions: warn (a WARN splat), oops (NULL dereference; the guests boot
 * with oops=panic), hang (blocks uninterruptibly for good), block (blocks
 * uninterruptibly for @secs seconds, long enough for the hung-task
 * detector when its timeout is set lower), spin (busy for @secs seconds
 * with preemption off: a soft lockup when watchdog_thresh is low), stall
 * (the same inside an RCU read-side critical section while a grace period
 * waits: an RCU CPU stall report once rcupdate's rcu_cpu_stall_timeout,
 * set low, has passed; @secs below the soft lockup's 20 s), nomem
 * (atomic allocations until one fails: "page allocation failure").
 *
 * Built beside aperture_io.ko by tests/vm/build; only ever loaded in test
 * guests.
 */
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>

static unsigned int secs = 8;
module_param(secs, uint, 0644);
MODULE_PARM_DESC(secs, "how long block, spin and stall last, in seconds");

static int crash_nomem(void)
{
	LIST_HEAD(held);
	struct page *page, *next;
	unsigned long n = 0;

	/*
	 * 4 MiB at a time without reclaim, until the allocator gives up.
	 * GFP_NOWAIT carries __GFP_NOWARN since 6.12.y (Debian's 6.12 and
	 * 7.3 kernels): the failure would go unreported.
	 */
	while ((page = alloc_pages(GFP_NOWAIT & ~__GFP_NOWARN, 10))) {
		list_add(&page->lru, &held);
		n++;
	}
	list_for_each_entry_safe(page, next, &held, lru) {
		list_del(&page->lru);
		__free_pages(page, 10);
	}
	pr_info("aperture_crash: %lu blocks of 4 MiB before the failure\n", n);
	return 0;
}

/*
 * Spin @secs seconds in an RCU read-side critical section with preemption
 * off, having started a grace period, which cannot end meanwhile: the
 * stall detector reports this CPU.  The grace period before it ends first
 * (synchronize_rcu()), so that the stalled one starts after the test
 * lowered rcu_cpu_stall_timeout and keeps that timeout.  Not call_rcu():
 * a lazy callback (CONFIG_RCU_LAZY) may start no grace period for 10 s.
 */
static void crash_stall(void)
{
	unsigned long end, gp;

	synchronize_rcu();
	end = jiffies + secs * HZ;
	rcu_read_lock();
	preempt_disable();
	gp = start_poll_synchronize_rcu();
	while (time_before(jiffies, end))
		cpu_relax();
	preempt_enable();
	rcu_read_unlock();
	cond_synchronize_rcu(gp);
	pr_info("aperture_crash: the stalled grace period ended\n");
}

static int crash_do(const char *what)
{
	unsigned long end;

	if (sysfs_streq(what, "warn")) {
		WARN(1, "aperture_crash: warning on request\n");
	} else if (sysfs_streq(what, "oops")) {
		/* A NULL dereference the compiler cannot see through. */
		int *volatile p = NULL;

		*p = 1;
	} else if (sysfs_streq(what, "hang")) {
		for (;;)
			schedule_timeout_uninterruptible(HZ);
	} else if (sysfs_streq(what, "block")) {
		schedule_timeout_uninterruptible(secs * HZ);
	} else if (sysfs_streq(what, "spin")) {
		end = jiffies + secs * HZ;
		preempt_disable();
		while (time_before(jiffies, end))
			cpu_relax();
		preempt_enable();
	} else if (sysfs_streq(what, "stall")) {
		crash_stall();
	} else if (sysfs_streq(what, "nomem")) {
		return crash_nomem();
	} else if (!sysfs_streq(what, "none")) {
		return -EINVAL;
	}
	return 0;
}

static int crash_set(const char *val, const struct kernel_param *kp)
{
	return crash_do(val);
}

static const struct kernel_param_ops crash_ops = {
	.set = crash_set,
};

module_param_cb(action, &crash_ops, NULL, 0200);
MODULE_PARM_DESC(action,
		 "warn, oops, hang, block, spin, stall or nomem: done now");

static int __init aperture_crash_init(void)
{
	return 0;
}

static void __exit aperture_crash_exit(void)
{
}

module_init(aperture_crash_init);
module_exit(aperture_crash_exit);
MODULE_DESCRIPTION("aperturefs test helper: fail the kernel on request");
MODULE_LICENSE("GPL");

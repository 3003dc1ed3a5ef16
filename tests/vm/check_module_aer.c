/*
 * check_module_aer.c - while a device's PCI channel is offline (AER
 * recovery of a fatal error), a BAR's accesses, new mappings and faults
 * fail (EIO, SIGBUS), and they work again once recovery is over.
 *
 * The device: a virtio-net behind its own PCIe root port (this suite's
 * line in tests/vm/suites).  QEMU 7.2's e1000e has an AER capability but
 * its Device Control error-reporting bits are read-only zero, so it never
 * signals an error; virtio-pci with aer=on has both.  The root port runs
 * at 5 GT/s (x-speed=5): at its default 16 GT/s it says it reports Data
 * Link Layer Link Active, which then stays clear after the recovery's
 * secondary bus reset, so the kernel gives the reset up ("Data Link Layer
 * Link Active not set in 100 msec" on 7.3, "1000 msec" on 6.1) and
 * recovery fails; at 5 GT/s it waits a fixed time instead.
 *
 * Recovery without a driver is over in microseconds, so the helper driver
 * aperture_aer.ko ($APERTURE_AER_KO, tests/vm/aer) binds the function
 * (driver_override; it requests no regions) and holds recovery in its
 * error_detected() until the test writes its release parameter.
 * aperture_io opens beside it with beside_drivers=1.  QMP's
 * human-monitor-command runs pcie_aer_inject_error (a malformed TLP,
 * fatal by default severity), through tests/vm/qmp.
 *
 *   tests/vm/run --no-mount --qemu '-device pcie-root-port,id=rpa,
 *       chassis=2,slot=2,x-speed=5 -device virtio-net-pci,id=aernic,
 *       bus=rpa,aer=on,romfile=,mac=52:54:00:ae:50:09'
 *       -- '$B/tests/vm/check_module_aer'
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aperture_io.h"
#include "module_util.h"

/* A modern (disable-legacy) virtio-net. */
#define VIRTIO_NET_ID	0x1af41041u
/* Its modern BAR: common config, ISR, device config, notify; a page each. */
#define MODERN_BAR	4
#define MODERN_SIZE	0x4000
#define COMMON_CFG	0x0000
#define DEVICE_CFG	0x2000
/* The device config's first word: mac=52:54:00:ae:50:09, little-endian. */
#define MAC_WORD	0xae005452u

#define BESIDE "/sys/module/aperture_io/parameters/beside_drivers"
#define RELEASE "/sys/module/aperture_aer/parameters/release"

/* Waits up to 10 s for the kernel log to have count lines with needle. */
static void wait_klog(const char *needle, int count)
{
	for (int i = 0; i < 100 && mu_klog_count(needle) < count; i++)
		usleep(100 * 1000);
	ck_assert_msg(mu_klog_count(needle) == count,
		      "kernel log: %d lines with '%s' in 10 s, not %d",
		      mu_klog_count(needle), needle, count);
}

/* Binds aperture_aer to d, in place of whatever driver it has. */
static void bind_helper(const struct mu_dev *d)
{
	const char *ko = getenv("APERTURE_AER_KO");
	const char *sys = "/sys/bus/pci/devices";
	char drv[160], link[256];
	ssize_t n;

	ck_assert_msg(ko, "APERTURE_AER_KO is not set");
	snprintf(drv, sizeof(drv), "%s/%s/driver", sys, d->name);
	if (access(drv, F_OK) == 0)
		ck_assert_int_eq(mu_sh("echo %s > %s/unbind", d->name, drv), 0);
	ck_assert_int_eq(mu_sh("insmod %s", ko), 0);
	ck_assert_int_eq(mu_sh("echo aperture_aer > %s/%s/driver_override", sys,
			    d->name), 0);
	ck_assert_int_eq(mu_sh("echo %s > /sys/bus/pci/drivers_probe", d->name),
			 0);
	n = readlink(drv, link, sizeof(link) - 1);
	ck_assert_int_gt(n, 0);
	link[n] = 0;
	ck_assert_str_eq(strrchr(link, '/'), "/aperture_aer");
}

/* A fresh mapping of the first page of fd: 0 or the errno. */
static int try_mmap(int fd)
{
	void *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED)
		return errno;
	munmap(m, 4096);
	return 0;
}

START_TEST(offline_channel_is_eio)
{
	struct mu_dev d;
	struct aperture_io_bar a;
	volatile uint32_t *map;
	uint32_t v = 0;
	char line[512];
	int fd;

	memset(&d, 0, sizeof(d));
	ck_assert_msg(mu_find_nth(VIRTIO_NET_ID, 1, 0, &d),
		      "no virtio-net behind a root port in this guest");
	bind_helper(&d);
	ck_assert_int_eq(mu_sh("echo 1 > " BESIDE), 0);

	/* Healthy: the device config holds the MAC of the command line. */
	fd = mu_open(&d, MODERN_BAR, 0, &a);
	ck_assert_uint_ge(a.size, MODERN_SIZE);
	ck_assert_uint_eq(mu_rd32(fd, DEVICE_CFG), MAC_WORD);
	map = mmap(NULL, MODERN_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert(map != MAP_FAILED);
	/* This process maps the device config page; common config not. */
	ck_assert_uint_eq(map[DEVICE_CFG / 4], MAC_WORD);

	ck_assert_int_eq(mu_sh("\"$APERTURE_SRC\"/tests/vm/qmp "
			    "'{\"execute\":\"human-monitor-command\","
			    "\"arguments\":{\"command-line\":"
			    "\"pcie_aer_inject_error aernic MALF_TLP\"}}' "
			    ">/dev/null"), 0);
	/* state 2: pci_channel_io_frozen, held there by the helper. */
	wait_klog("aperture_aer: error_detected (state 2, channel offline)",
		  1);

	/* Offline: reads, writes, faults of new pages and new mappings. */
	errno = 0;
	ck_assert_int_eq(pread(fd, &v, 4, DEVICE_CFG), -1);
	ck_assert_int_eq(errno, EIO);
	errno = 0;
	ck_assert_int_eq(pwrite(fd, &v, 4, COMMON_CFG), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_int_eq(mu_in_child(mu_touch_child,
				     (void *)&map[COMMON_CFG / 4]),
			 128 + SIGBUS);
	ck_assert_int_eq(try_mmap(fd), EIO);
	/*
	 * A page mapped before stays mapped and reads the device: nothing
	 * zaps mappings on an error (neither do VFIO, whose error_detected
	 * only signals user space, nor sysfs resourceN), and QEMU's device
	 * answers until the recovery resets it.
	 */
	ck_assert_uint_eq(map[DEVICE_CFG / 4], MAC_WORD);

	/* Recovery goes on: reset, restored, resumed. */
	ck_assert_int_eq(mu_sh("echo 1 > " RELEASE), 0);
	wait_klog("aperture_aer: resume", 1);
	ck_assert_uint_eq(mu_rd32(fd, DEVICE_CFG), MAC_WORD);
	ck_assert_int_eq(mu_in_child(mu_touch_child,
				     (void *)&map[COMMON_CFG / 4]), 0);
	ck_assert_uint_eq(map[DEVICE_CFG / 4], MAC_WORD);
	ck_assert_int_eq(try_mmap(fd), 0);
	munmap((void *)map, MODERN_SIZE);
	close(fd);

	/* Only the AER lines: no warning, no oops. */
	ck_assert_msg(!mu_klog_bad(line, sizeof(line)), "kernel log: %s", line);
	ck_assert_int_eq(mu_sh("echo 0 > " BESIDE), 0);
}
END_TEST

Suite *module_aer_suite(void);

Suite *module_aer_suite(void)
{
	Suite *s = suite_create("module_aer");
	TCase *tc;

	tc = tcase_create("aer");
	tcase_add_test(tc, offline_channel_is_eio);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_module_strict.c - strict devmem, as the guest kernel applies it to
 * sysfs resourceN: a BAR a driver has claimed is refused with EBUSY
 * naming the driver, a driver binding later kills open descriptors and
 * mappings, and the module parameter beside_drivers=1 opens it anyway
 * (logged once), except beside a driver that holds its regions exclusively.
 * The drivers: the test helper aperture_claim.ko ($APERTURE_CLAIM_KO, a
 * busy region), bochs-drm on the VGA and e1000e on an e1000e NIC at 00:07.0
 * (tests/vm/suites adds it), from the guest kernel's own module tree.
 *
 *   tests/vm/run --no-mount -- '$B/tests/vm/check_module_strict'
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aperture_io.h"
#include "module_util.h"

#define PARAM "/sys/module/aperture_io/parameters/beside_drivers"
#define E1000E_ID 0x808610d3u

/* mmap of sysfs resource<bar> of d: 0 or the errno. */
static int sysfs_mmap(const struct mu_dev *d, int bar)
{
	char path[160];
	void *m;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d",
		 d->name, bar);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		err = errno;
	else
		munmap(m, 4096);
	close(fd);
	return err;
}

static void touch(void *arg)
{
	volatile uint32_t *p = arg;

	(void)*p;
	_exit(0);
}

START_TEST(busy_region)
{
	const char *claim = getenv("APERTURE_CLAIM_KO");
	struct mu_dev edu = mu_find(EDU_ID);
	const char *refused = "claimed by a driver (its region is busy), refusing (strict devmem)";
	const char *beside = "opened beside";
	struct aperture_io_bar a;
	int fd, before;

	ck_assert_msg(claim, "APERTURE_CLAIM_KO is not set");
	fd = mu_open(&edu, 0, 0, &a);
	close(fd);
	ck_assert_int_eq(sysfs_mmap(&edu, 0), 0);

	/* A busy (not exclusive) claim, as pci_request_region() makes. */
	ck_assert_int_eq(mu_sh("insmod %s start=0x%llx size=0x%llx exclusive=0",
			    claim, (unsigned long long)a.start,
			    (unsigned long long)a.size), 0);
	before = mu_klog_count(refused);
	ck_assert_int_eq(mu_try_open(&edu, 0, 0, NULL), -EBUSY);
	ck_assert_int_eq(mu_klog_count(refused), before + 1);
	/* sysfs resource0 says no as well. */
	ck_assert_int_eq(sysfs_mmap(&edu, 0), EINVAL);

	/* The opt-in: opens beside it, said once. */
	ck_assert_int_eq(mu_sh("echo 1 > " PARAM), 0);
	before = mu_klog_count(beside);
	fd = mu_open(&edu, 0, 0, NULL);
	ck_assert_uint_eq(mu_rd32(fd, 0), 0x010000ed);
	close(fd);
	fd = mu_open(&edu, 0, 0, NULL);
	close(fd);
	ck_assert_int_eq(mu_klog_count(beside), before + 1);
	ck_assert_int_eq(mu_sh("echo 0 > " PARAM), 0);
	ck_assert_int_eq(mu_try_open(&edu, 0, 0, NULL), -EBUSY);

	ck_assert_int_eq(mu_sh("rmmod aperture_claim"), 0);
	fd = mu_open(&edu, 0, 0, NULL);
	ck_assert_uint_eq(mu_rd32(fd, 0), 0x010000ed);
	close(fd);
}
END_TEST

START_TEST(driver_bind_revokes)
{
	struct mu_dev vga = mu_find(VGA_ID);
	char drv[160];
	uint32_t v;
	void *map;
	int fd, fd2;

	fd = mu_open(&vga, 0, 0, NULL);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(map != MAP_FAILED);
	ck_assert_int_eq(mu_in_child(touch, map), 0);
	ck_assert_int_eq(sysfs_mmap(&vga, 0), 0);

	/* bochs-drm binds: our descriptor and mapping are revoked. */
	ck_assert_int_eq(mu_sh("modprobe bochs"), 0);
	snprintf(drv, sizeof(drv), "/sys/bus/pci/devices/%s/driver", vga.name);
	ck_assert_int_eq(access(drv, F_OK), 0);
	ck_assert_int_eq(mu_in_child(touch, map), 128 + SIGBUS);
	errno = 0;
	ck_assert_int_eq(pread(fd, &v, 4, 0), -1);
	ck_assert_int_eq(errno, ENODEV);
	/* New opens: EBUSY, naming the driver; sysfs refuses too. */
	ck_assert_int_eq(mu_try_open(&vga, 0, 0, NULL), -EBUSY);
	ck_assert_int_gt(mu_klog_count("claimed by bochs-drm, refusing"), 0);
	ck_assert_int_eq(sysfs_mmap(&vga, 0), EINVAL);

	/*
	 * The opt-in opens beside the driver, in the type the driver's own
	 * window holds (bochs-drm maps the framebuffer uncached on 6.1 and
	 * 6.12, write-combining on later kernels), never EBUSY.
	 */
	ck_assert_int_eq(mu_sh("echo 1 > " PARAM), 0);
	fd2 = mu_open(&vga, 0, 0, NULL);
	ck_assert_int_eq(pread(fd2, &v, 4, 0), 4);
	close(fd2);
	ck_assert_int_eq(mu_sh("echo 0 > " PARAM), 0);

	/* Unbound: opens again. */
	ck_assert_int_eq(mu_sh("echo %s > /sys/bus/pci/drivers/bochs-drm/unbind",
			    vga.name), 0);
	fd2 = mu_open(&vga, 0, 0, NULL);
	ck_assert_int_eq(pread(fd2, &v, 4, 0), 4);
	close(fd2);
	munmap(map, 4096);
	close(fd);
}
END_TEST

/*
 * e1000e requests its memory BARs exclusively (as its probe's
 * pci_request_selected_regions_exclusive()): binding revokes us, and then
 * not even the opt-in opens them, as sysfs resource0 refuses a mapping.
 */
START_TEST(exclusive_driver)
{
	struct mu_dev nic = mu_find(E1000E_ID);
	const char *refused = "e1000e holds it exclusively, refusing";
	char drv[160];
	uint32_t v;
	void *map;
	int fd, before;

	snprintf(drv, sizeof(drv), "/sys/bus/pci/devices/%s/driver", nic.name);
	ck_assert_msg(access(drv, F_OK) != 0, "%s has a driver already",
		      nic.name);
	fd = mu_open(&nic, 0, 0, NULL);
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert(map != MAP_FAILED);
	ck_assert_int_eq(mu_in_child(touch, map), 0);
	ck_assert_int_eq(sysfs_mmap(&nic, 0), 0);

	ck_assert_int_eq(mu_sh("modprobe e1000e"), 0);
	ck_assert_int_eq(access(drv, F_OK), 0);
	ck_assert_int_eq(mu_in_child(touch, map), 128 + SIGBUS);
	errno = 0;
	ck_assert_int_eq(pread(fd, &v, 4, 0), -1);
	ck_assert_int_eq(errno, ENODEV);
	before = mu_klog_count(refused);
	ck_assert_int_eq(mu_try_open(&nic, 0, 0, NULL), -EBUSY);
	ck_assert_int_eq(mu_klog_count(refused), before + 1);
	ck_assert_int_eq(sysfs_mmap(&nic, 0), EINVAL);
	/* The opt-in does not reach past an exclusive claim. */
	ck_assert_int_eq(mu_sh("echo 1 > " PARAM), 0);
	ck_assert_int_eq(mu_try_open(&nic, 0, 0, NULL), -EBUSY);
	ck_assert_int_eq(mu_sh("echo 0 > " PARAM), 0);

	ck_assert_int_eq(mu_sh("echo %s > /sys/bus/pci/drivers/e1000e/unbind",
			    nic.name), 0);
	munmap(map, 4096);
	close(fd);
	fd = mu_open(&nic, 0, 0, NULL);
	ck_assert_int_eq(pread(fd, &v, 4, 0), 4);
	close(fd);
}
END_TEST

START_TEST(klog_clean)
{
	char line[512];

	ck_assert_msg(!mu_klog_bad(line, sizeof(line)), "kernel log: %s", line);
}
END_TEST

Suite *module_strict_suite(void);

Suite *module_strict_suite(void)
{
	Suite *s = suite_create("module_strict");
	TCase *tc;

	tc = tcase_create("strict");
	tcase_add_test(tc, busy_region);
	tcase_add_test(tc, driver_bind_revokes);
	tcase_add_test(tc, exclusive_driver);
	tcase_add_test(tc, klog_clean);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

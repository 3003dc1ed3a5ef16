/*
 * check_module_vf.c - an SR-IOV virtual function's BAR reads and writes:
 * its PCI_COMMAND memory enable bit is hard-wired to 0 (the PF's SR-IOV
 * control has the real one; the kernel marks the VF no_command_memory),
 * so a module that asks that bit refuses every access with EIO.  The VF
 * is one of QEMU's nvme (behind its own root port, tests/vm/suites),
 * enabled through the kernel's nvme driver on the PF, with the VF's own
 * driver probe turned off.
 *
 *   tests/vm/run --no-mount --qemu '(tests/vm/suites)' --
 *       '$B/tests/vm/check_module_vf'
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aperture_io.h"
#include "module_util.h"
#include "hotplug_util.h"

#define NVME_ID		0x1b360010u

/* Writes s to attr of d in sysfs; fails the test if it cannot. */
static void sysfs_put(const struct mu_dev *d, const char *attr, const char *s)
{
	char path[192];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", d->name,
		 attr);
	ck_assert_msg(!hu_write_file(path, s), "echo %s > %s: %s", s, path,
		      strerror(errno));
}

/* The first VF of pf (virtfn0), waited for up to 30 s. */
static struct mu_dev first_vf(const struct mu_dev *pf)
{
	char link[192], target[PATH_MAX];
	double deadline = mu_now() + 30;
	unsigned int dom, bus, slot, fn;
	struct mu_dev vf;
	const char *name;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/virtfn0",
		 pf->name);
	while ((n = readlink(link, target, sizeof(target) - 1)) < 0) {
		ck_assert_msg(mu_now() < deadline, "no %s after 30 s", link);
		usleep(50000);
	}
	target[n] = 0;
	name = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	memset(&vf, 0, sizeof(vf));
	ck_assert_int_eq(sscanf(name, "%x:%x:%x.%x", &dom, &bus, &slot, &fn),
			 4);
	snprintf(vf.name, sizeof(vf.name), "%.63s", name);
	vf.domain = dom;
	vf.bus = (uint8_t)bus;
	vf.devfn = (uint8_t)(slot << 3 | fn);
	return vf;
}

START_TEST(vf_bar_works)
{
	struct mu_dev pf = mu_find(NVME_ID), vf;
	struct aperture_io_bar a;
	char drv[192];
	double deadline;
	uint32_t v = 0;
	int fd;

	ck_assert_int_eq(mu_sh("modprobe nvme"), 0);
	snprintf(drv, sizeof(drv), "/sys/bus/pci/devices/%s/driver", pf.name);
	for (deadline = mu_now() + 30; access(drv, F_OK); usleep(50000))
		ck_assert_msg(mu_now() < deadline, "nvme did not bind %s",
			      pf.name);
	sysfs_put(&pf, "sriov_drivers_autoprobe", "0");
	sysfs_put(&pf, "sriov_numvfs", "1");
	vf = first_vf(&pf);
	hu_wait_added(&vf);

	/* Hard-wired to 0, whatever the PF's SR-IOV control says. */
	ck_assert_uint_eq(mu_cfg_read(&vf, 4, 2) & 2, 0);
	fd = mu_open(&vf, 0, 0, &a);
	ck_assert_uint_eq(a.state, APERTURE_IO_STATE_VALID |
			  APERTURE_IO_STATE_DECODING);
	errno = 0;
	ck_assert_msg(pread(fd, &v, 4, 0x1c) == 4, "pread %s BAR 0: %s",
		      vf.name, strerror(errno));	/* CSTS */
	ck_assert_msg(pread(fd, &v, 4, 0x08) == 4, "pread %s BAR 0: %s",
		      vf.name, strerror(errno));	/* VS */
	close(fd);
	sysfs_put(&pf, "sriov_numvfs", "0");
}
END_TEST

START_TEST(klog_clean)
{
	char line[512];

	ck_assert_msg(!mu_klog_bad(line, sizeof(line)), "kernel log: %s", line);
}
END_TEST

Suite *module_vf_suite(void);

Suite *module_vf_suite(void)
{
	Suite *s = suite_create("module_vf");
	TCase *tc;

	tc = tcase_create("vf");
	tcase_add_test(tc, vf_bar_works);
	tcase_add_test(tc, klog_clean);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

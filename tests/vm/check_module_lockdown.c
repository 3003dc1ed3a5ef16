/*
 * check_module_lockdown.c - a locked-down kernel refuses new BAR opens
 * with EPERM, in a guest of tests/vm/run of its own: lockdown cannot be
 * lifted, so this suite locks the guest's kernel ("integrity", which
 * covers LOCKDOWN_PCI_ACCESS) and must run last in it.
 *
 *   tests/vm/run --no-mount -- '$B/tests/vm/check_module_lockdown'
 *
 * A descriptor opened before lockdown keeps reading and writing, as an
 * open /dev/mem does, but cannot be mapped or re-opened any more (sysfs
 * checks lockdown at mmap too).  If the kernel has no lockdown
 * LSM the test says so and passes (it checks nothing there).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "aperture_io.h"
#include "module_util.h"

#define LOCKDOWN "/sys/kernel/security/lockdown"

START_TEST(lockdown_refuses_open)
{
	struct mu_dev edu = mu_find(EDU_ID);
	struct aperture_io_bar a;
	char state[128] = { 0 }, path[64];
	int fd, lk, ctl;
	ssize_t n;

	if (access(LOCKDOWN, F_OK) != 0)
		mount("securityfs", "/sys/kernel/security", "securityfs", 0,
		      NULL);
	lk = open(LOCKDOWN, O_RDWR);
	if (lk < 0) {
		fprintf(stderr, "no %s (%s): lockdown not checked\n", LOCKDOWN,
			strerror(errno));
		return;
	}
	n = read(lk, state, sizeof(state) - 1);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(strstr(state, "[none]"), "already locked down: %s", state);

	fd = mu_open(&edu, 0, 0, NULL);
	ck_assert_int_eq(pwrite(lk, "integrity", 9, 0), 9);
	close(lk);

	ck_assert_int_eq(mu_try_open(&edu, 0, 0, NULL), -EPERM);
	/* INFO only describes: still answered. */
	ctl = mu_ctl();
	a = mu_arg(&edu, 0, 0);
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_INFO, &a), 0);
	close(ctl);
	/* The descriptor opened before keeps working. */
	ck_assert_uint_eq(mu_rd32(fd, 0), 0x010000ed);
	/* No new mapping of it, as sysfs resourceN, and no re-open. */
	errno = 0;
	ck_assert(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	ck_assert_int_eq(errno, EPERM);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	errno = 0;
	ck_assert_int_eq(open(path, O_RDONLY), -1);
	ck_assert_int_eq(errno, EPERM);
	close(fd);
}
END_TEST

Suite *module_lockdown_suite(void);

Suite *module_lockdown_suite(void)
{
	Suite *s = suite_create("module_lockdown");
	TCase *tc = tcase_create("lockdown");

	tcase_add_test(tc, lockdown_refuses_open);
	suite_add_tcase(s, tc);
	return s;
}

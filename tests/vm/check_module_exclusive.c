/*
 * check_module_exclusive.c - a BAR that a driver holds exclusively is
 * refused with EBUSY and one log line naming the device and BAR, and is
 * accepted again once the driver lets go.  The "driver" is the test helper
 * aperture_claim.ko ($APERTURE_CLAIM_KO), which claims edu's BAR0 the way
 * pci_request_region_exclusive() does.
 */
#include <check.h>
#include <errno.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "aperture_io.h"
#include "module_util.h"

Suite *module_exclusive_suite(void);

START_TEST(exclusive_region_refused)
{
	const char *claim = getenv("APERTURE_CLAIM_KO");
	struct mu_dev edu = mu_find(EDU_ID);
	struct aperture_io_bar a;
	int ctl, fd;

	ck_assert_msg(claim, "APERTURE_CLAIM_KO is not set");
	ctl = mu_ctl();
	a = mu_arg(&edu, 0, 0);
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_INFO, &a), 0);
	ck_assert_uint_eq(a.size, 1 << 20);

	/* Free: opens. */
	fd = mu_open(&edu, 0, 0, NULL);
	ck_assert_uint_eq(mu_rd32(fd, 0), 0x010000ed);
	close(fd);

	/* Held exclusively: EBUSY, and the kernel log says who and why. */
	/* (Not in the log before: the log is never cleared.) */
	ck_assert_int_ne(mu_sh("dmesg | grep -q '%s: aperture_io: BAR 0: .*exclusive'",
			    edu.name),
			 0);
	ck_assert_int_eq(mu_sh("insmod %s start=0x%llx size=0x%llx", claim,
			    (unsigned long long)a.start,
			    (unsigned long long)a.size),
			 0);
	ck_assert_int_eq(mu_try_open(&edu, 0, 0, NULL), -EBUSY);
	ck_assert_int_eq(mu_sh("dmesg | grep -q '%s: aperture_io: BAR 0: .*exclusive'",
			    edu.name),
			 0);

	/* Released: opens again and reads the device. */
	ck_assert_int_eq(mu_sh("rmmod aperture_claim"), 0);
	fd = mu_open(&edu, 0, 0, NULL);
	ck_assert_uint_eq(mu_rd32(fd, 0), 0x010000ed);
	close(fd);
	close(ctl);
}
END_TEST

Suite *module_exclusive_suite(void)
{
	Suite *s = suite_create("module_exclusive");
	TCase *tc = tcase_create("exclusive");

	tcase_add_test(tc, exclusive_region_refused);
	suite_add_tcase(s, tc);
	return s;
}

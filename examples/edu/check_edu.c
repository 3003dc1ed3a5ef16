// SPDX-License-Identifier: MIT
/*
 * check_edu.c - a device test a user writes with Check and libaperture:
 * QEMU's edu device (1234:11e8) through an aperturefs mount.
 *
 *	identity   BAR0 0x00 reads 0x010000ed (edu version 1.0)
 *	liveness   BAR0 0x04 reads back the inverse of what was written
 *	factorial  write n to 0x08, wait until STATUS (0x20) bit 0
 *	           "computing" clears, read n! from 0x08
 *
 * The mount is the first aperturefs mount unless APERTURE_MOUNT names
 * one; the device is the first edu (by-id 1234:11e8) unless APERTURE_EDU
 * names a slot.  Build: cc check_edu.c $(pkg-config --cflags --libs
 * aperture check).  The test cases are "identity" and "behaviour": on a
 * fake machine (aperturefs --fake, plain memory that cannot compute) run
 * CK_RUN_CASE=identity with the identity register put in the BAR file.
 */
#include <check.h>
#include <stdlib.h>

#include <aperture/aperture-check.h>

#define EDU_ID		0x00	/* identification, 0xRRrr00ed */
#define EDU_LIVENESS	0x04	/* reads the inverse of what was written */
#define EDU_FACT	0x08	/* factorial: write n, read n! */
#define EDU_STATUS	0x20	/* bit 0: computing */
#define EDU_COMPUTING	0x1

static struct aperture *edu;

static void edu_open(void)
{
	const char *dev = getenv("APERTURE_EDU");

	ck_assert_aperture_open(getenv("APERTURE_MOUNT"),
				dev ? dev : "1234:11e8", &edu);
}

static void edu_close(void)
{
	aperture_close(edu);
	edu = NULL;
}

START_TEST(identity)
{
	ck_assert_aperture_eq(edu, 0, EDU_ID, 4, 0x010000ed);
}
END_TEST

START_TEST(liveness)
{
	static const uint32_t v[] = { 0x12345678, 0, 0xffffffff };

	for (unsigned int i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_aperture_write(edu, 0, EDU_LIVENESS, 4, v[i]);
		ck_assert_aperture_eq(edu, 0, EDU_LIVENESS, 4,
				      (uint32_t)~v[i]);
	}
}
END_TEST

START_TEST(factorial)
{
	ck_assert_aperture_write(edu, 0, EDU_FACT, 4, 10);
	ck_assert_aperture_wait(edu, 0, EDU_STATUS, 4, EDU_COMPUTING, 0,
				2000);
	ck_assert_aperture_eq(edu, 0, EDU_FACT, 4, 3628800);
}
END_TEST

static Suite *edu_suite(void)
{
	Suite *s = suite_create("edu");
	TCase *tc = tcase_create("identity");

	tcase_add_checked_fixture(tc, edu_open, edu_close);
	tcase_add_test(tc, identity);
	suite_add_tcase(s, tc);
	tc = tcase_create("behaviour");
	tcase_add_checked_fixture(tc, edu_open, edu_close);
	tcase_add_test(tc, liveness);
	tcase_add_test(tc, factorial);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(edu_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

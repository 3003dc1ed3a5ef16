/*
 * check_main.c - the one Check runner behind every suite binary.
 *
 * Each tests/<kind>/check_<thing>.c exports Suite *<thing>_suite(void); the
 * Makefile compiles it with this file and -DSUITE=<thing>_suite, and links
 * it with -Wl,--wrap=_tcase_add_test so that this file counts the tests
 * the suite declares, and prints "Declared: N tests" after Check's summary
 * (tests/run-checks fails a suite that ran fewer; run by hand, Check's
 * CK_RUN_CASE and friends still select tests).  Exit status: 0 all
 * passed, 1 something failed, 77 the suite cannot run here (a guest suite
 * outside a guest with aperture_io loaded).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "aperture_io.h"

Suite *SUITE(void);

/* Tests declared, loop tests counted once per iteration. */
static int declared;

void __real__tcase_add_test(TCase *tc, const TTest *ttest, int sig,
			    int allowed_exit_value, int start, int end);
void __wrap__tcase_add_test(TCase *tc, const TTest *ttest, int sig,
			    int allowed_exit_value, int start, int end);

void __wrap__tcase_add_test(TCase *tc, const TTest *ttest, int sig,
			    int allowed_exit_value, int start, int end)
{
	if (end > start)
		declared += end - start;
	__real__tcase_add_test(tc, ttest, sig, allowed_exit_value, start, end);
}

int main(void)
{
	SRunner *sr;
	int failed, ran;

#ifdef VM_SUITE
	if (access("/dev/" APERTURE_IO_NODE, F_OK) != 0) {
		fprintf(stderr, "SKIP: /dev/%s is absent: run this suite in a "
			"guest (tests/vm/run) with aperture_io loaded\n",
			APERTURE_IO_NODE);
		return 77;
	}
#endif
	sr = srunner_create(SUITE());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	ran = srunner_ntests_run(sr);
	srunner_free(sr);
	/* tests/run-checks compares the two. */
	printf("Declared: %d tests\n", declared);
	if (ran != declared)
		printf("check_main: ran %d of %d tests declared (CK_RUN_CASE, "
		       "CK_RUN_SUITE, CK_EXCLUDE_TAGS or CK_INCLUDE_TAGS set?)\n",
		       ran, declared);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * check_main.c - the one Check runner behind every suite binary.
 *
 * Each tests/<kind>/check_<thing>.c exports Suite *<thing>_suite(void); the
 * Makefile compiles it with this file and -DSUITE=<thing>_suite.  Exit
 * status: 0 all passed, 1 something failed, 77 the suite cannot run here
 * (a guest suite outside a guest with aperture_io loaded).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "aperture_io.h"

Suite *SUITE(void);

int main(void)
{
	SRunner *sr;
	int failed;

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
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * regs-gen.c - writes a hostile or large register description to stdout
 * (tests/tools/regs_gen.h says which), for tests/bench/regs-bench and
 * tests/bench/regs-mount.
 *
 *   regs-gen KIND N >FILE
 */
#include <stdio.h>
#include <stdlib.h>

#include "regs_gen.h"

int main(int argc, char **argv)
{
	if (argc != 3 || regs_gen(stdout, argv[1], atol(argv[2]))) {
		fprintf(stderr, "usage: regs-gen entity|laughs|parens|params|"
			"svd N >FILE\n");
		return 2;
	}
	return fflush(stdout) ? 1 : 0;
}

/*
 * check_abi.c - the ABI headers in include/ as user space sees them.
 *
 * "layout" pins struct aperture_io_bar, the ioctl numbers (today's, with
 * no size in them, and the first ones, which the module still accepts)
 * and the flag values (changing any of them breaks the daemon against an
 * older module).
 * "strict" compiles every header in include/ on its own, and all of them
 * together, with -std=c99 -pedantic -Werror, as a program including them
 * would (libevdev's test does the same); the compiler is $CC or cc, the
 * headers are found from $APERTURE_SRC or the current folder (the repo
 * root, where `make` and tests/run-checks run the unit suites).
 */
#include <check.h>
#include <glob.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "aperture_io.h"
#include "aperture_split.h"

START_TEST(layout)
{
	ck_assert_uint_eq(sizeof(struct aperture_io_bar), 56);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, argsz), 0);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, abi_version), 4);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, domain), 8);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, bus), 12);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, devfn), 13);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, bar), 14);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, reserved0), 15);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, flags), 16);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, fd), 20);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, start), 24);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, size), 32);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, bar_flags), 40);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, memtype), 44);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, width), 48);
	ck_assert_uint_eq(offsetof(struct aperture_io_bar, state), 52);

	/*
	 * _IO(0xA7, n): no size in the number, argsz says it, so that the
	 * structure can grow without new numbers (as VFIO's ioctls).
	 */
	ck_assert_uint_eq(APERTURE_IO_OPEN, 0xa700u);
	ck_assert_uint_eq(APERTURE_IO_INFO, 0xa701u);
	ck_assert_uint_eq(_IOC_SIZE(APERTURE_IO_OPEN), 0);
	ck_assert_uint_eq(_IOC_DIR(APERTURE_IO_INFO), _IOC_NONE);
	/* The first numbers, _IOWR(0xA7, n, 56 bytes), stay accepted. */
	ck_assert_uint_eq(APERTURE_IO_OPEN_V1, 0xc038a700u);
	ck_assert_uint_eq(APERTURE_IO_INFO_V1, 0xc038a701u);
	ck_assert_uint_eq(_IOC_SIZE(APERTURE_IO_OPEN_V1), 56);
	ck_assert_uint_eq(APERTURE_IO_ABI_VERSION, 1);
}
END_TEST

START_TEST(flag_values)
{
	/* Widths are log2(bytes) + 1: the module relies on it. */
	ck_assert_uint_eq(APERTURE_IO_WIDTH_8, 1);
	ck_assert_uint_eq(APERTURE_IO_WIDTH_16, 2);
	ck_assert_uint_eq(APERTURE_IO_WIDTH_32, 3);
	ck_assert_uint_eq(APERTURE_IO_WIDTH_64, 4);
	ck_assert_uint_eq(APERTURE_IO_MEMTYPE_UC, 0x10);
	ck_assert_uint_eq(APERTURE_IO_MEMTYPE_WC, 0x20);
	ck_assert_uint_eq(APERTURE_IO_OPEN_RDONLY, 0x100);
	ck_assert_uint_eq(APERTURE_IO_FLAGS_ALL, 0x13f);
	/* No two fields share a bit. */
	ck_assert_uint_eq(APERTURE_IO_WIDTH_MASK & APERTURE_IO_MEMTYPE_MASK, 0);
	ck_assert_uint_eq((APERTURE_IO_WIDTH_MASK | APERTURE_IO_MEMTYPE_MASK) &
			  APERTURE_IO_OPEN_RDONLY, 0);
	ck_assert_uint_eq(APERTURE_IO_BAR_MEM | APERTURE_IO_BAR_IO |
			  APERTURE_IO_BAR_64 | APERTURE_IO_BAR_PREFETCH, 0xf);
	ck_assert_uint_eq(sizeof(struct aperture_piece), 24);
}
END_TEST

/* The folder holding the ABI headers, or NULL. */
static const char *include_dir(char *buf, size_t len)
{
	const char *src = getenv("APERTURE_SRC");

	if (src && *src) {
		snprintf(buf, len, "%s/include", src);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	snprintf(buf, len, "include");
	if (access("include/aperture_io.h", R_OK) == 0)
		return buf;
	return NULL;
}

/* Compiles text with the strict flags; returns the shell status. */
static int compile_strict(const char *inc, const char *text)
{
	const char *cc = getenv("CC");
	char cmd[4096];
	FILE *p;

	if (!cc || !*cc)
		cc = "cc";
	snprintf(cmd, sizeof(cmd),
		 "%s -std=c99 -pedantic -Werror -Wall -Wextra "
		 "-Wstrict-prototypes "
		 "-I'%s' -fsyntax-only -x c -", cc, inc);
	p = popen(cmd, "w");
	ck_assert_msg(p != NULL, "cannot run %s", cc);
	fputs(text, p);
	return pclose(p);
}

START_TEST(strict_c99)
{
	char dir[4096], pattern[4200], text[8192];
	const char *inc = include_dir(dir, sizeof(dir));
	size_t i, used = 0;
	glob_t g;

	ck_assert_msg(inc != NULL,
		      "include/ not found: run from the repo root or set APERTURE_SRC");
	snprintf(pattern, sizeof(pattern), "%s/*.h", inc);
	ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
	ck_assert_uint_gt(g.gl_pathc, 1);
	for (i = 0; i < g.gl_pathc; i++) {
		const char *name = strrchr(g.gl_pathv[i], '/') + 1;
		char one[512];

		/* Each header stands alone, and twice is harmless. */
		snprintf(one, sizeof(one),
			 "#include \"%s\"\n#include \"%s\"\n"
			 "int main(void) { return 0; }\n", name, name);
		ck_assert_msg(compile_strict(inc, one) == 0,
			      "%s does not compile with -std=c99 -pedantic -Werror",
			      name);
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "#include \"%s\"\n", name);
	}
	globfree(&g);
	snprintf(text + used, sizeof(text) - used,
		 "int main(void) { return 0; }\n");
	ck_assert_msg(compile_strict(inc, text) == 0,
		      "include/*.h together do not compile strictly");
}
END_TEST

Suite *abi_suite(void);

Suite *abi_suite(void)
{
	Suite *s = suite_create("abi");
	TCase *tc;

	tc = tcase_create("layout");
	tcase_add_test(tc, layout);
	tcase_add_test(tc, flag_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("strict");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, strict_c99);
	suite_add_tcase(s, tc);
	return s;
}

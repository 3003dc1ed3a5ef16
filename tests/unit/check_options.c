/*
 * check_options.c - the option values aperturefs accepts (-o width=,
 * memtype=, passthrough=, umask=, uid=, gid=) and the bounds of the BAR
 * data path (past-the-end reads and writes), on a plain file.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aperture.h"

START_TEST(widths)
{
	uint32_t f = 99;

	ck_assert_int_eq(ap_parse_width("auto", &f), 0);
	ck_assert_uint_eq(f, APERTURE_IO_WIDTH_AUTO);
	ck_assert_int_eq(ap_parse_width("8", &f), 0);
	ck_assert_uint_eq(f, APERTURE_IO_WIDTH_8);
	ck_assert_int_eq(ap_parse_width("16", &f), 0);
	ck_assert_uint_eq(f, APERTURE_IO_WIDTH_16);
	ck_assert_int_eq(ap_parse_width("32", &f), 0);
	ck_assert_uint_eq(f, APERTURE_IO_WIDTH_32);
	ck_assert_int_eq(ap_parse_width("64", &f), 0);
	ck_assert_uint_eq(f, APERTURE_IO_WIDTH_64);
	ck_assert_int_eq(ap_parse_width("12", &f), -EINVAL);
	ck_assert_int_eq(ap_parse_width("", &f), -EINVAL);
	ck_assert_uint_eq(f, APERTURE_IO_WIDTH_64);
	ck_assert_str_eq(ap_width_name(APERTURE_IO_WIDTH_16), "16");
	ck_assert_str_eq(ap_width_name(APERTURE_IO_MEMTYPE_WC), "auto");
}
END_TEST

START_TEST(memtypes)
{
	uint32_t f;

	ck_assert_int_eq(ap_parse_memtype("uc", &f), 0);
	ck_assert_uint_eq(f, APERTURE_IO_MEMTYPE_UC);
	ck_assert_int_eq(ap_parse_memtype("wc", &f), 0);
	ck_assert_uint_eq(f, APERTURE_IO_MEMTYPE_WC);
	ck_assert_int_eq(ap_parse_memtype("auto", &f), 0);
	ck_assert_uint_eq(f, APERTURE_IO_MEMTYPE_AUTO);
	ck_assert_int_eq(ap_parse_memtype("wb", &f), -EINVAL);
	ck_assert_str_eq(ap_memtype_name(APERTURE_IO_MEMTYPE_WC |
					 APERTURE_IO_WIDTH_8),
			 "wc");
}
END_TEST

START_TEST(passthrough_modes)
{
	enum ap_passthrough p = AP_PASSTHROUGH_OFF;

	ck_assert_int_eq(ap_parse_passthrough("all", &p), 0);
	ck_assert_int_eq(p, AP_PASSTHROUGH_ALL);
	ck_assert_int_eq(ap_parse_passthrough("mmap", &p), 0);
	ck_assert_int_eq(p, AP_PASSTHROUGH_MMAP);
	ck_assert_int_eq(ap_parse_passthrough("off", &p), 0);
	ck_assert_int_eq(p, AP_PASSTHROUGH_OFF);
	ck_assert_int_eq(ap_parse_passthrough("on", &p), -EINVAL);
	ck_assert_str_eq(ap_passthrough_name(AP_PASSTHROUGH_MMAP), "mmap");
}
END_TEST

START_TEST(umasks)
{
	mode_t m = 0;

	ck_assert_int_eq(ap_parse_umask("0177", &m), 0);
	ck_assert_uint_eq(m, 0177);
	ck_assert_int_eq(ap_parse_umask("22", &m), 0);
	ck_assert_uint_eq(m, 022);
	ck_assert_int_eq(ap_parse_umask("0", &m), 0);
	ck_assert_uint_eq(m, 0);
	ck_assert_int_eq(ap_parse_umask("0778", &m), -EINVAL);
	ck_assert_int_eq(ap_parse_umask("1777", &m), -EINVAL);
	ck_assert_int_eq(ap_parse_umask("", &m), -EINVAL);
	ck_assert_int_eq(ap_parse_umask("-1", &m), -EINVAL);
	ck_assert_uint_eq(m, 0);
}
END_TEST

START_TEST(users_and_groups)
{
	uid_t u = 7;
	gid_t g = 7;

	ck_assert_int_eq(ap_parse_uid("1000", &u), 0);
	ck_assert_uint_eq(u, 1000);
	ck_assert_int_eq(ap_parse_uid("root", &u), 0);
	ck_assert_uint_eq(u, 0);
	ck_assert_int_eq(ap_parse_uid("no-such-user-here", &u), -ENOENT);
	ck_assert_int_eq(ap_parse_uid("", &u), -EINVAL);
	ck_assert_int_eq(ap_parse_uid("99999999999", &u), -EINVAL);
	ck_assert_int_eq(ap_parse_gid("0", &g), 0);
	ck_assert_uint_eq(g, 0);
	ck_assert_int_eq(ap_parse_gid("root", &g), 0);
	ck_assert_int_eq(ap_parse_gid("no-such-group-here", &g), -ENOENT);
}
END_TEST

/* The bounded data path, on a 64-byte temporary file standing in a BAR. */
START_TEST(bar_bounds)
{
	char path[] = "/tmp/check_options.XXXXXX", buf[128];
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(write(fd, buf, 64), 64);

	ck_assert_int_eq(ap_bar_pread(NULL, fd, 64, buf, 16, 0), 16);
	ck_assert_int_eq(ap_bar_pread(NULL, fd, 64, buf, 16, 56), 8);
	ck_assert_int_eq(ap_bar_pread(NULL, fd, 64, buf, 16, 64), 0);
	ck_assert_int_eq(ap_bar_pread(NULL, fd, 64, buf, 16, 1000), 0);
	ck_assert_int_eq(ap_bar_pwrite(NULL, fd, 64, "abcd", 4, 60), 4);
	ck_assert_int_eq(ap_bar_pwrite(NULL, fd, 64, "abcd", 4, 62), 2);
	ck_assert_int_eq(ap_bar_pwrite(NULL, fd, 64, "abcd", 4, 64), -ENOSPC);
	ck_assert_int_eq(ap_bar_pwrite(NULL, fd, 64, "abcd", 0, 64), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_END), 64);
	ck_assert_int_eq(ap_bar_pread(NULL, fd, 64, buf, 4, 60), 4);
	ck_assert_int_eq(memcmp(buf, "abab", 4), 0);
	ck_assert_int_eq(ap_bar_pread(NULL, -1, 64, buf, 4, 0), -EBADF);
	close(fd);
}
END_TEST

START_TEST(errno_names)
{
	ck_assert_str_eq(ap_errno_name(-EBUSY), "EBUSY");
	ck_assert_str_eq(ap_errno_name(EPERM), "EPERM");
	ck_assert_str_eq(ap_errno_name(-9999), "E?");
}
END_TEST

Suite *options_suite(void);

Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc;

	tc = tcase_create("values");
	tcase_add_test(tc, widths);
	tcase_add_test(tc, memtypes);
	tcase_add_test(tc, passthrough_modes);
	tcase_add_test(tc, umasks);
	tcase_add_test(tc, users_and_groups);
	suite_add_tcase(s, tc);

	tc = tcase_create("bounds");
	tcase_add_test(tc, bar_bounds);
	tcase_add_test(tc, errno_names);
	suite_add_tcase(s, tc);
	return s;
}

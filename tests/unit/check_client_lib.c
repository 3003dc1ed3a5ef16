/*
 * check_client_lib.c - libaperture on a tree laid out as a mount, made of
 * plain files (tests/unit/client_util.h): naming functions by slot and by
 * vendor:device, reads and writes of each width with their bytes, bounds
 * and alignment, read-modify-write, waits that match and time out with
 * the last value, info lines, and the Check helpers' failure messages.
 * The same calls on real devices are in tests/vm/check_aperture.c.
 */
#include <dlfcn.h>
#include <signal.h>
#include <time.h>

#include <aperture/aperture-check.h>

#include "client_util.h"

static struct aperture *ap;

static void lib_setup(void)
{
	ct_setup();
	ck_assert_int_eq(aperture_open(ct_dir, "00:04.0", &ap), 0);
}

static void lib_teardown(void)
{
	aperture_close(ap);
	ap = NULL;
	ct_teardown();
}

/* ---- naming ----------------------------------------------------------- */

START_TEST(open_by_slot_and_id)
{
	static const struct {
		const char *dev;
		const char *slot;	/* NULL: refused with @err */
		int err;
	} cases[] = {
		{ "00:04.0", CT_EDU, 0 },
		{ "0000:00:04.0", CT_EDU, 0 },
		{ "00:04.0", CT_EDU, 0 },
		{ "1234:11e8", CT_EDU, 0 },
		{ "1234:11E8", CT_EDU, 0 },
		{ "1234:11e8-2", CT_EDU2, 0 },
		{ "1234:11e8-3", NULL, -ENOENT },
		{ "10000:01:00.0", NULL, -ENOENT },
		{ "100000:01:00.0", NULL, -ENOENT },	/* libpci takes it */
		{ "00:09.0", NULL, -ENOENT },
		{ "8086:1234", NULL, -ENOENT },
		{ "00:04", NULL, -EINVAL },
		/* lspci's syntax, through libpci's filter. */
		{ "0:4.0", CT_EDU, 0 },
		{ "04.0", CT_EDU, 0 },
		{ "-s 00:04", CT_EDU, 0 },
		{ "-s 00:07", CT_EDU2, 0 },
		{ "-d 1234:11e8", NULL, -ENOTUNIQ },
		{ "-d 1234:", NULL, -ENOTUNIQ },
		{ "-s 00:", NULL, -ENOTUNIQ },
		{ "-d 8086:", NULL, -ENOENT },
		{ "-s 1234:11e8", NULL, -EINVAL },
		{ "00:20.0", NULL, -EINVAL },
		{ "00:04.8", NULL, -EINVAL },
		{ "1234:11e8-0", NULL, -EINVAL },
		{ "1234:11e8x", NULL, -EINVAL },
		{ "xyz", NULL, -EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct aperture *a = NULL;
		int ret = aperture_open(ct_dir, cases[i].dev, &a);

		ck_assert_msg(ret == cases[i].err, "%s: %d, not %d",
			      cases[i].dev, ret, cases[i].err);
		if (cases[i].slot)
			ck_assert_str_eq(aperture_slot(a), cases[i].slot);
		aperture_close(a);
	}
	ck_assert_str_eq(aperture_mount(ap), ct_dir);
}
END_TEST

START_TEST(match_as_lspci)
{
	char slots[4][APERTURE_SLOT_MAX];
	const char *why = NULL;

	ck_assert_int_eq(aperture_match(ct_dir, "00:", "1234:", slots, 4,
					NULL), 2);
	ck_assert_str_eq(slots[0], CT_EDU);
	ck_assert_str_eq(slots[1], CT_EDU2);
	ck_assert_int_eq(aperture_match(ct_dir, NULL, "::00ff", slots, 1,
					NULL), 2);
	ck_assert_str_eq(slots[0], CT_EDU);
	ck_assert_int_eq(aperture_match(ct_dir, "7", NULL, slots, 4, NULL), 1);
	ck_assert_str_eq(slots[0], CT_EDU2);
	ck_assert_int_eq(aperture_match(ct_dir, NULL, "1234:11e9", slots, 4,
					NULL), 0);
	ck_assert_int_eq(aperture_match(ct_dir, "00:20", NULL, slots, 4,
					&why), -EINVAL);
	ck_assert_str_eq(why, "Invalid slot number");
	ck_assert_int_eq(aperture_match("/nonexistent", "4", NULL, slots, 4,
					NULL), -ENOENT);
}
END_TEST

START_TEST(versions)
{
	ck_assert_uint_eq(aperture_version(), APERTURE_LIB_VERSION);
	ck_assert_uint_ge(APERTURE_LIB_VERSION, 0x000200);
}
END_TEST

START_TEST(bar_and_reg_access_checks)
{
	char path[600];

	ck_assert_int_eq(aperture_bar_access(ap, 0, R_OK | W_OK), 0);
	ck_assert_int_eq(aperture_bar_access(ap, 1, R_OK), -ENOENT);
	ck_assert_int_eq(aperture_bar_access(ap, 6, R_OK), -EINVAL);
	/* No write bit for anyone: refused, even to root. */
	snprintf(path, sizeof(path), "%s/%s/bar0", ct_dir, CT_EDU);
	ck_assert_int_eq(chmod(path, 0444), 0);
	ck_assert_int_eq(aperture_bar_access(ap, 0, W_OK), -EACCES);
	ck_assert_int_eq(aperture_bar_access(ap, 0, R_OK), 0);
	ck_assert_int_eq(aperture_reg_access(ap, "edu.IDENT", R_OK), -ENOENT);
	ck_assert_int_eq(aperture_reg_access(ap, "edu", R_OK), -EINVAL);
}
END_TEST

START_TEST(bar_size_and_info)
{
	uint64_t size = 0;
	char buf[128];

	ck_assert_int_eq(aperture_bar_size(ap, 0, &size), 0);
	ck_assert_uint_eq(size, 1 << 20);
	ck_assert_int_eq(aperture_bar_size(ap, 1, &size), -ENOENT);
	ck_assert_int_eq(aperture_bar_size(ap, 6, &size), -EINVAL);
	ck_assert_int_eq(aperture_info(ap, "slot", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, CT_EDU);
	ck_assert_int_eq(aperture_info(ap, "bar0.mmap", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "no (a test tree: no passthrough)");
	/* A key is a whole key: "bar0" is not "bar0.size". */
	ck_assert_int_eq(aperture_info(ap, "bar0", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(aperture_info(ap, "slot", buf, 4), -ENAMETOOLONG);
	ck_assert_str_eq(aperture_errno_name(-ENOENT), "ENOENT");
	ck_assert_str_eq(aperture_errno_name(ETIMEDOUT), "ETIMEDOUT");
}
END_TEST

/* ---- access ----------------------------------------------------------- */

START_TEST(read_each_width)
{
	uint8_t b;
	uint16_t w;
	uint32_t l;
	uint64_t q;

	ck_assert_int_eq(aperture_read8(ap, 0, 0x0, &b), 0);
	ck_assert_uint_eq(b, 0xed);
	ck_assert_int_eq(aperture_read16(ap, 0, 0x2, &w), 0);
	ck_assert_uint_eq(w, 0x0100);
	ck_assert_int_eq(aperture_read32(ap, 0, 0x0, &l), 0);
	ck_assert_uint_eq(l, 0x010000ed);
	ck_assert_int_eq(aperture_read64(ap, 0, 0x0, &q), 0);
	ck_assert_uint_eq(q, 0x12345678010000edull);
}
END_TEST

START_TEST(write_each_width_little_endian)
{
	unsigned char got[16];
	static const unsigned char want[16] = {
		0xaa, 0x00, 0xcc, 0xbb, 0x44, 0x33, 0x22, 0x11,
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
	};

	ck_assert_int_eq(aperture_write8(ap, 0, 0x100, 0xaa), 0);
	ck_assert_int_eq(aperture_write8(ap, 0, 0x101, 0x00), 0);
	ck_assert_int_eq(aperture_write16(ap, 0, 0x102, 0xbbcc), 0);
	ck_assert_int_eq(aperture_write32(ap, 0, 0x104, 0x11223344), 0);
	ck_assert_int_eq(aperture_write64(ap, 0, 0x108,
					  0x1122334455667788ull), 0);
	ct_bar_bytes(CT_EDU, 0x100, got, sizeof(got));
	ck_assert_mem_eq(got, want, sizeof(want));
}
END_TEST

START_TEST(bounds_and_alignment)
{
	uint64_t v = 0x5a;

	ck_assert_int_eq(aperture_read(ap, 0, 0xffffc, 4, &v), 0);
	ck_assert_int_eq(aperture_read(ap, 0, 0x100000, 4, &v), -ERANGE);
	ck_assert_int_eq(aperture_read(ap, 0, 0xffffc, 8, &v), -EINVAL);
	ck_assert_int_eq(aperture_read(ap, 0, 0xffff8, 8, &v), 0);
	ck_assert_int_eq(aperture_read(ap, 0, ~0ull & ~7ull, 8, &v), -ERANGE);
	ck_assert_int_eq(aperture_write(ap, 0, 0x100000, 1, 0), -ERANGE);
	ck_assert_int_eq(aperture_read(ap, 0, 0x2, 4, &v), -EINVAL);
	ck_assert_int_eq(aperture_read(ap, 0, 0x0, 3, &v), -EINVAL);
	ck_assert_int_eq(aperture_read(ap, 0, 0x0, 16, &v), -EINVAL);
	ck_assert_int_eq(aperture_read(ap, 0, 0x0, 0, &v), -EINVAL);
	ck_assert_int_eq(aperture_read(ap, 2, 0x0, 4, &v), -ENOENT);
	ck_assert_int_eq(aperture_read(ap, -1, 0x0, 4, &v), -EINVAL);
	ck_assert_int_eq(aperture_pread(ap, 0, 0xffff0, (char[32]){ 0 }, 32),
			 -ERANGE);
	ck_assert_int_eq(aperture_pread(ap, 0, 0x10, (char[4]){ 0 }, 4), 4);
}
END_TEST

START_TEST(update_keeps_other_bits)
{
	uint64_t old = 0, v = 0;

	ck_assert_int_eq(aperture_write32(ap, 0, 0x40, 0xf0f0f0f0), 0);
	ck_assert_int_eq(aperture_update(ap, 0, 0x40, 4, 0x0000ff0f,
					 0x0000ffff, &old), 0);
	ck_assert_uint_eq(old, 0xf0f0f0f0);
	ck_assert_int_eq(aperture_read(ap, 0, 0x40, 4, &v), 0);
	ck_assert_uint_eq(v, 0xf0f0ff0f);
}
END_TEST

/* ---- waits -------------------------------------------------------------- */

START_TEST(wait_matches_at_once)
{
	uint64_t last = 0;

	/* STATUS 0x20 is 0x1: bit 0 set matches at once. */
	ck_assert_int_eq(aperture_wait(ap, 0, 0x20, 4, 0x1, 0x1, 0, &last), 0);
	ck_assert_uint_eq(last, 0x1);
}
END_TEST

START_TEST(wait_times_out_with_last_value)
{
	struct timespec t0, t1;
	uint64_t last = 0;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(aperture_wait(ap, 0, 0x20, 4, 0x1, 0x0, 100, &last),
			 -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_uint_eq(last, 0x1);
	ns = (t1.tv_sec - t0.tv_sec) * 1000000000ll + t1.tv_nsec - t0.tv_nsec;
	/* It waited its time (no upper bound: this is not a timing test). */
	ck_assert_int_ge(ns, 100000000ll);
}
END_TEST

START_TEST(wait_sees_a_change)
{
	uint64_t last = 0;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct aperture *a;

		usleep(50000);
		if (aperture_open(ct_dir, "00:04.0", &a) ||
		    aperture_write32(a, 0, 0x20, 0x80))
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(aperture_wait(ap, 0, 0x20, 4, 0x1, 0x0, 3000, &last),
			 0);
	ck_assert_uint_eq(last, 0x80);
	waitpid(pid, NULL, 0);
}
END_TEST

/* ---- mapping ------------------------------------------------------------ */

START_TEST(map_plain_file_and_why_not)
{
	volatile void *p = NULL;
	size_t len = 0;
	char why[128] = "";

	/* A plain file maps: the first word is the identity register. */
	ck_assert_int_eq(aperture_map(ap, 0, &p, &len, why, sizeof(why)), 0);
	ck_assert_uint_eq(len, 1 << 20);
	ck_assert_uint_eq(*(volatile uint32_t *)p, 0x010000ed);
	ck_assert_int_eq(aperture_unmap(ap, 0), 0);
	ck_assert_int_eq(aperture_unmap(ap, 0), -ENOENT);
	/* No bar2: the errno, and why from info (none: strerror). */
	ck_assert_int_eq(aperture_map(ap, 2, &p, &len, why, sizeof(why)),
			 -ENOENT);
	ck_assert_str_eq(why, "No such file or directory");
}
END_TEST

/* ---- Check helpers' failure messages ------------------------------------ */

START_TEST(check_messages)
{
	char msg[256];

	ck_assert_int_eq(aperture_check_eq(ap, 0, 0x0, 4, 0x010000ed, msg,
					   sizeof(msg)), 0);
	ck_assert_int_eq(aperture_check_eq(ap, 0, 0x0, 4, 0x010000ee, msg,
					   sizeof(msg)), 1);
	ck_assert_str_eq(msg, CT_EDU " bar0 0x0.l: expected 0x010000ee, "
			 "got 0x010000ed");
	ck_assert_int_eq(aperture_check_eq(ap, 0, 0x2, 2, 0x1, msg,
					   sizeof(msg)), 1);
	ck_assert_str_eq(msg, CT_EDU " bar0 0x2.w: expected 0x0001, "
			 "got 0x0100");
	ck_assert_int_eq(aperture_check_eq(ap, 0, 0x100000, 4, 0, msg,
					   sizeof(msg)), -ERANGE);
	ck_assert_str_eq(msg, CT_EDU " bar0 0x100000.l: read failed: "
			 "Numerical result out of range (ERANGE)");
	ck_assert_int_eq(aperture_check_wait(ap, 0, 0x20, 4, 0x1, 0x0, 10, msg,
					     sizeof(msg)), -ETIMEDOUT);
	ck_assert_str_eq(msg, CT_EDU " bar0 0x20.l: expected 0x00000000 under "
			 "mask 0x00000001 within 10 ms, last value 0x00000001");
}
END_TEST

/* Tests that must fail, run by a nested runner below. */
START_TEST(helper_eq_fails)
{
	ck_assert_aperture_eq(ap, 0, 0x0, 4, 0x010000ee);
}
END_TEST

START_TEST(helper_wait_fails)
{
	ck_assert_aperture_wait(ap, 0, 0x20, 4, 0x1, 0x0, 10);
}
END_TEST

START_TEST(helper_write_fails)
{
	ck_assert_aperture_write(ap, 0, 0x100000, 4, 0);
}
END_TEST

/* The message a nested runner records for @test, which must fail. */
static char *nested_failure(const TTest *test)
{
	Suite *s = suite_create("nested");
	TCase *tc = tcase_create("nested");
	SRunner *sr;
	TestResult **r;
	char *msg;

	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_SILENT);
	ck_assert_int_eq(srunner_ntests_failed(sr), 1);
	r = srunner_failures(sr);
	msg = strdup(tr_msg(r[0]));
	free(r);
	srunner_free(sr);
	return msg;
}

START_TEST(check_assert_fails_with_message)
{
	char *m;

	m = nested_failure(helper_eq_fails);
	ck_assert_str_eq(m, CT_EDU " bar0 0x0.l: expected 0x010000ee, got "
			 "0x010000ed");
	free(m);
	m = nested_failure(helper_wait_fails);
	ck_assert_str_eq(m, CT_EDU " bar0 0x20.l: expected 0x00000000 under "
			 "mask 0x00000001 within 10 ms, last value 0x00000001");
	free(m);
	m = nested_failure(helper_write_fails);
	ck_assert_str_eq(m, CT_EDU " bar0 0x100000.l: write failed: "
			 "Numerical result out of range (ERANGE)");
	free(m);
}
END_TEST

/* The shared library exports the API and nothing of lib/internal.h. */
START_TEST(exports_only_the_api)
{
	char self[512], path[600];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	void *h;

	ck_assert_int_gt(n, 0);
	self[n] = 0;
	snprintf(path, sizeof(path), "%s/../../lib/libaperture.so.0",
		 dirname(self));
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg(h, "%s", dlerror());
	ck_assert_ptr_nonnull(dlsym(h, "aperture_open"));
	ck_assert_ptr_nonnull(dlsym(h, "aperture_wait"));
	ck_assert_ptr_nonnull(dlvsym(h, "aperture_read", "LIBAPERTURE_0"));
	ck_assert_ptr_null(dlsym(h, "apl_bar_get"));
	ck_assert_ptr_null(dlsym(h, "apl_reg_path"));
	dlclose(h);
}
END_TEST

Suite *client_lib_suite(void);

Suite *client_lib_suite(void)
{
	Suite *s = suite_create("client_lib");
	TCase *tc;

	tc = tcase_create("naming");
	tcase_add_checked_fixture(tc, lib_setup, lib_teardown);
	tcase_add_test(tc, open_by_slot_and_id);
	tcase_add_test(tc, match_as_lspci);
	tcase_add_test(tc, versions);
	tcase_add_test(tc, bar_and_reg_access_checks);
	tcase_add_test(tc, bar_size_and_info);
	suite_add_tcase(s, tc);

	tc = tcase_create("access");
	tcase_add_checked_fixture(tc, lib_setup, lib_teardown);
	tcase_add_test(tc, read_each_width);
	tcase_add_test(tc, write_each_width_little_endian);
	tcase_add_test(tc, bounds_and_alignment);
	tcase_add_test(tc, update_keeps_other_bits);
	suite_add_tcase(s, tc);

	tc = tcase_create("waits");
	tcase_add_checked_fixture(tc, lib_setup, lib_teardown);
	tcase_add_test(tc, wait_matches_at_once);
	tcase_add_test(tc, wait_times_out_with_last_value);
	tcase_add_test(tc, wait_sees_a_change);
	suite_add_tcase(s, tc);

	tc = tcase_create("mapping");
	tcase_add_checked_fixture(tc, lib_setup, lib_teardown);
	tcase_add_test(tc, map_plain_file_and_why_not);
	suite_add_tcase(s, tc);

	tc = tcase_create("exports");
	tcase_add_test(tc, exports_only_the_api);
	suite_add_tcase(s, tc);

	tc = tcase_create("check_helpers");
	tcase_add_checked_fixture(tc, lib_setup, lib_teardown);
	tcase_add_test(tc, check_messages);
	tcase_add_test(tc, check_assert_fails_with_message);
	suite_add_tcase(s, tc);
	return s;
}

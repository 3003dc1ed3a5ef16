/*
 * check_client_fake.c - the aperture command, libaperture and the example
 * suite on this host against a mounted fake machine (aperturefs --fake,
 * tests/unit/fake_mount.h): the same daemon code the guests run, with BARs
 * backed by files that this suite reads to see what was written.  Fake
 * BARs are memory: they do not compute, so only the identity test of the
 * example runs here (its behaviour tests run in the guests).
 */
#include <aperture/aperture.h>

#include "client_util.h"
#include "fake_mount.h"

static const char *machine =
	"function 00:04.0 1234:11e8 class=00ff rev=10 driver=edu\n"
	"bar0 mem 1M file=edu.img\n"
	"function 00:05.0 1af4:1110 class=0500 rev=01\n"
	"bar0 mem 256\n"
	"bar2 mem64 prefetch 1M file=ivshmem.img\n";

static struct fk m;

static void fake_setup(void)
{
	char fake[PATH_MAX + 8], img[PATH_MAX + 16];
	const char *argv[] = { fake, "-f", m.mnt, NULL };

	fk_prepare(&m, machine);
	/* edu's identity register, as the device has it. */
	snprintf(img, sizeof(img), "%s/edu.img", m.dir);
	ct_write(img, "\xed\0\0\x01", 4, 1 << 20);
	snprintf(fake, sizeof(fake), "--fake=%s", m.desc);
	ck_assert_int_eq(fk_run(&m, argv), 0);
	snprintf(ct_dir, sizeof(ct_dir), "%s", m.dir);
}

static void fake_teardown(void)
{
	fk_umount(&m);
}

/* Bytes of a BAR's backing file. */
static void img_bytes(const char *name, off_t off, void *buf, size_t len)
{
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", m.dir, name);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

START_TEST(cmd_on_fake_mount)
{
	unsigned char b[8];

	ct_expect(0, "0x010000ed\n", "", "-m %s -s 00:04.0 bar0 0x0.l", m.mnt);
	ct_expect(0, "0x010000ed\n", "", "-m %s -d 1234:11e8 bar0 0x0.l",
		  m.mnt);
	ct_expect(0, "0x1122334455667788\n0x5566\n", "",
		  "-m %s -d 1af4:1110 bar2 0x8.q=0x1122334455667788 0x8.q 0xa.w",
		  m.mnt);
	img_bytes("ivshmem.img", 8, b, 8);
	ck_assert_mem_eq(b, "\x88\x77\x66\x55\x44\x33\x22\x11", 8);
	ct_expect(0, "0x11223344556677ff\n", "",
		  "-m %s -s 00:05.0 bar2 0x8.q=0xff:0xff 0x8.q", m.mnt);
	ct_expect(0, "00000000: 010000ed 00000000                    ........\n", "",
		  "-m %s -s 00:04.0 bar0 0x0+8", m.mnt);
	/* Dry run: the backing file is unchanged. */
	ct_expect(0, "would write 0000:00:05.0 bar2 0x8.q = 0x0000000000000000\n",
		  "", "-n -m %s -s 00:05.0 bar2 0x8.q=0", m.mnt);
	img_bytes("ivshmem.img", 8, b, 8);
	ck_assert_mem_eq(b, "\xff\x77\x66\x55\x44\x33\x22\x11", 8);
	ct_expect(124, "",
		  "aperture: 0000:00:04.0 bar0 0x0.l: timed out after 20 ms "
		  "waiting for 0x00000000 under mask 0xffffffff; last value "
		  "0x010000ed\n",
		  "wait -m %s -s 00:04.0 -t 20ms bar0 0x0.l=0", m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:05.0 bar0 0x100.l: read: Numerical result "
		  "out of range (ERANGE): bar0 is 0x100 bytes\n",
		  "-m %s -s 00:05.0 bar0 0x100.l", m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:05.0 bar1 0x0.l: read: No such file or "
		  "directory (ENOENT): the function has no bar1\n",
		  "-m %s -s 00:05.0 bar1 0x0.l", m.mnt);
}
END_TEST

/* A bad later word: nothing of the line reaches the BAR's backing file. */
START_TEST(cmd_checks_all_words_first)
{
	unsigned char b[8];

	ct_expect(1, "",
		  "aperture: 0000:00:04.0 bar0 0x100000.l: read: Numerical "
		  "result out of range (ERANGE): bar0 is 0x100000 bytes\n",
		  "-m %s -s 00:04.0 bar0 0x4=0xAB 0x100000", m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:05.0 bar1 0x0.l: read: No such file or "
		  "directory (ENOENT): the function has no bar1\n",
		  "-m %s -s 5 bar2 0x8.q=0x1122334455667788 bar1 0", m.mnt);
	img_bytes("edu.img", 0, b, 8);
	ck_assert_mem_eq(b, "\xed\0\0\x01\0\0\0\0", 8);
	img_bytes("ivshmem.img", 8, b, 8);
	ck_assert_mem_eq(b, "\0\0\0\0\0\0\0\0", 8);
	/* The same line, fixed, does it all. */
	ct_expect(0, "0x00000000\n0x000000ab\n", "",
		  "-m %s -s 00:04.0 bar0 0x4=0xAB 0xffffc 0x4", m.mnt);
	img_bytes("edu.img", 4, b, 1);
	ck_assert_uint_eq(b[0], 0xab);
}
END_TEST

START_TEST(lib_on_fake_mount)
{
	struct aperture *ap;
	volatile void *p;
	char why[256], info[256];
	uint64_t v = 0;
	size_t len;
	int ret;

	ck_assert_int_eq(aperture_open(m.mnt, "1af4:1110", &ap), 0);
	ck_assert_str_eq(aperture_slot(ap), "0000:00:05.0");
	ck_assert_int_eq(aperture_write(ap, 2, 0x100, 4, 0xcafef00d), 0);
	ck_assert_int_eq(aperture_read(ap, 2, 0x100, 2, &v), 0);
	ck_assert_uint_eq(v, 0xf00d);
	ck_assert_int_eq(aperture_wait(ap, 2, 0x100, 4, 0xffff0000,
				       0xcafe0000, 10, &v), 0);
	ck_assert_uint_eq(v, 0xcafef00d);
	ck_assert_int_eq(aperture_wait(ap, 2, 0x100, 4, ~0u, 0, 10, &v),
			 -ETIMEDOUT);
	ck_assert_uint_eq(v, 0xcafef00d);
	/* mmap as info says: a mapping of the BAR, or its reason. */
	ck_assert_int_eq(aperture_info(ap, "bar2.mmap", info, sizeof(info)), 0);
	ret = aperture_map(ap, 2, &p, &len, why, sizeof(why));
	if (!strcmp(info, "yes")) {
		ck_assert_msg(ret == 0, "map: %d (%s)", ret, why);
		ck_assert_uint_eq(((volatile uint32_t *)p)[0x40], 0xcafef00d);
	} else {
		ck_assert_int_lt(ret, 0);
		ck_assert_msg(!strncmp(info, "no (", 4), "%s", info);
		ck_assert_uint_eq(strlen(why), strlen(info) - 5);
		ck_assert_int_eq(strncmp(why, info + 4, strlen(why)), 0);
	}
	aperture_close(ap);
}
END_TEST

/* The example, as a user built it from the staged install. */
START_TEST(example_identity_on_fake)
{
	char cmd[PATH_MAX * 4], self[PATH_MAX], *out = NULL, *err = NULL;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t len = 0;
	FILE *p, *o;
	int c, st;

	ck_assert_int_gt(n, 0);
	self[n] = 0;
	/* $(B)/tests/unit/x -> $(B) */
	for (int i = 0; i < 3; i++)
		*strrchr(self, '/') = 0;
	snprintf(cmd, sizeof(cmd), "CK_RUN_CASE=identity APERTURE_MOUNT=%s "
		 "LD_LIBRARY_PATH=%s/stage/usr/lib %s/examples/edu/check_edu "
		 "2>&1", m.mnt, self, self);
	o = open_memstream(&out, &len);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while ((c = fgetc(p)) != EOF)
		fputc(c, o);
	st = pclose(p);
	fclose(o);
	ck_assert_msg(WIFEXITED(st) && !WEXITSTATUS(st), "%s", out);
	ck_assert_str_eq(out, "Running suite(s): edu\n"
			 "100%: Checks: 1, Failures: 0, Errors: 0\n");
	free(out);
	(void)err;
}
END_TEST

Suite *client_fake_suite(void);

Suite *client_fake_suite(void)
{
	Suite *s = suite_create("client_fake");
	TCase *tc = tcase_create("fake");

	tcase_add_checked_fixture(tc, fake_setup, fake_teardown);
	tcase_add_test(tc, cmd_on_fake_mount);
	tcase_add_test(tc, cmd_checks_all_words_first);
	tcase_add_test(tc, lib_on_fake_mount);
	tcase_add_test(tc, example_identity_on_fake);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

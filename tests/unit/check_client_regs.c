/*
 * check_client_regs.c - registers by name in the aperture command and
 * libaperture, on this host against a fake machine mounted with the
 * shipped descriptions (-o regs=regs/): named reads and writes with the
 * daemon's own formatting and refusals, waits, dry run, dump (the
 * registers file) and diff with exit statuses, the register names in the
 * library and the Check helpers' failure messages.  Fake BARs are files:
 * what a write did is read back from them.
 */
#include <aperture/aperture-check.h>

#include "client_util.h"
#include "fake_mount.h"

static const char *machine =
	"function 00:04.0 1234:11e8 class=00ff\n"
	"bar0 mem 1M file=edu.bin\n"
	"function 00:02.0 1234:1111 class=0300\n"
	"bar0 mem prefetch 16M\n"
	"bar2 mem 4K file=vga.bin\n"
	"function 00:06.0 8086:1234 class=00ff\n"
	"bar0 mem 4K\n";

static struct fk m;

static void regs_setup(void)
{
	char fake[PATH_MAX + 8], img[PATH_MAX + 16], opts[PATH_MAX + 16];
	const char *argv[] = { fake, "-f", "-o", opts, m.mnt, NULL };

	fk_prepare(&m, machine);
	snprintf(img, sizeof(img), "%s/edu.bin", m.dir);
	ct_write(img, "\xed\0\0\x01", 4, 1 << 20);
	snprintf(fake, sizeof(fake), "--fake=%s", m.desc);
	snprintf(opts, sizeof(opts), "regs=%s/regs", CLIENT_SRCDIR);
	ck_assert_int_eq(fk_run(&m, argv), 0);
	snprintf(ct_dir, sizeof(ct_dir), "%s", m.dir);
}

static void regs_teardown(void)
{
	fk_umount(&m);
}

static uint32_t edu32(off_t off)
{
	char path[PATH_MAX + 16];
	uint32_t v = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/edu.bin", m.dir);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 4, off), 4);
	close(fd);
	return v;
}

#define EDU "-m %s -s 00:04.0"

START_TEST(cmd_named)
{
	ct_expect(0, "0x010000ed\n1\n237\n", "",
		  EDU " edu.IDENT edu.IDENT.MAJOR edu.IDENT.MAGIC", m.mnt);
	ct_expect(0, "0x00000080\n1\n", "",
		  EDU " edu.STATUS.IRQ_ENABLE=1 edu.STATUS edu.STATUS.IRQ_ENABLE",
		  m.mnt);
	ck_assert_uint_eq(edu32(0x20), 0x80);
	/* Named and offset words mix, in order. */
	ct_expect(0, "0x12345678\n0x12345678\n", "",
		  EDU " edu.LIVENESS=0x12345678 bar0 0x4.l edu.LIVENESS", m.mnt);
	/* 16 bits of the VGA's DISPI block, and an enumerated name. */
	ct_expect(0, "0x0280\n", "",
		  "-m %s -d 1234:1111 dispi.XRES=640 dispi.XRES", m.mnt);
	ct_expect(0, "1\n", "",
		  EDU " edu.DMA_CMD.DIRECTION=EDU_TO_RAM edu.DMA_CMD.DIRECTION",
		  m.mnt);
	ck_assert_uint_eq(edu32(0x98), 2);
}
END_TEST

START_TEST(cmd_named_errors)
{
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 edu.STATUS.IRQ_ENABLE: write: Invalid "
		  "argument (EINVAL): regs/edu/STATUS.IRQ_ENABLE: '2': does not "
		  "fit in 1 bit\n", EDU " edu.STATUS.IRQ_ENABLE=2", m.mnt);
	ck_assert_uint_eq(edu32(0x20), 0);
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 edu.NOPE: read: No such file or "
		  "directory (ENOENT): no such register in the descriptions of "
		  "the mount (aperturefs -o regs=DIR)\n", EDU " edu.NOPE", m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 edu.IDENT: write: Permission denied "
		  "(EACCES): the register is read-only\n", EDU " edu.IDENT=1",
		  m.mnt);
	/* A dry run names what it would do and does nothing. */
	ct_expect(0, "would write 0000:00:04.0 edu.STATUS.IRQ_ENABLE = 1\n"
		  "would read 0000:00:04.0 edu.IDENT\n", "",
		  "-n " EDU " edu.STATUS.IRQ_ENABLE=1 edu.IDENT", m.mnt);
	ck_assert_uint_eq(edu32(0x20), 0);
}
END_TEST

/*
 * Every named word is checked before any is done, -n included, and a
 * named value follows the command's one number rule.
 */
START_TEST(cmd_named_checked_first)
{
	ct_expect(0, "", "", EDU " edu.LIVENESS=0x11 bar0 0x8=0x22", m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 edu.NOPE: write: No such file or "
		  "directory (ENOENT): no such register in the descriptions of "
		  "the mount (aperturefs -o regs=DIR)\n",
		  EDU " edu.LIVENESS=5 edu.NOPE=1", m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 edu.IDENT: write: Permission denied "
		  "(EACCES): the register is read-only\n",
		  EDU " bar0 0x8=5 edu.LIVENESS=5 edu.IDENT=1", m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 edu.IRQ_ACK: read: Permission denied "
		  "(EACCES): the register is write-only\n",
		  EDU " edu.LIVENESS=5 edu.IRQ_ACK", m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 edu.NOPE: write: No such file or "
		  "directory (ENOENT): no such register in the descriptions of "
		  "the mount (aperturefs -o regs=DIR)\n",
		  "-n " EDU " edu.LIVENESS=5 edu.NOPE=1", m.mnt);
	ct_expect(2, "",
		  "aperture: 'edu.FACTORIAL=010': value '010': a leading 0 is "
		  "not octal here: write 0x10 for hex or 10 for decimal "
		  "(aperture -h for usage)\n",
		  EDU " edu.LIVENESS=5 edu.FACTORIAL=010", m.mnt);
	ck_assert_uint_eq(edu32(0x4), 0x11);
	ck_assert_uint_eq(edu32(0x8), 0x22);
	/* One rule: 10 is ten by name and by offset alike. */
	ct_expect(0, "0x0000000a\n0x0000000a\n", "",
		  EDU " edu.LIVENESS=10 bar0 0x8=10 0x4 0x8", m.mnt);
	/* -r: a register's bytes in its width. */
	ct_expect(0, "\x0a", "", "-r " EDU " bar0 0x4.b", m.mnt);
	{
		char *o, *e;

		ck_assert_int_eq(ct_run(&o, &e, "-r " EDU " edu.LIVENESS "
					"edu.IDENT", m.mnt), 0);
		ck_assert_mem_eq(o, "\x0a\0\0\0\xed\0\0\x01", 8);
		ck_assert_str_eq(e, "");
		free(o);
		free(e);
	}
}
END_TEST

START_TEST(cmd_named_wait)
{
	ct_expect(0, "", "", "wait " EDU " edu.IDENT=0x010000ed", m.mnt);
	ct_expect(0, "", "", "wait " EDU " edu.STATUS.COMPUTING=0 --timeout 2s",
		  m.mnt);
	ct_expect(124, "",
		  "aperture: 0000:00:04.0 edu.IDENT.MAJOR: timed out after 20 ms "
		  "waiting for 2; last value 1\n",
		  "wait " EDU " -t 20ms edu.IDENT.MAJOR=2", m.mnt);
	ct_expect(124, "",
		  "aperture: 0000:00:04.0 edu.IDENT: timed out after 20 ms "
		  "waiting for 0; last value 0x10000ed\n",
		  "wait " EDU " -t 20ms edu.IDENT=0", m.mnt);
	ct_expect(0, "would wait up to 1000 ms until 0000:00:04.0 "
		  "edu.STATUS.COMPUTING reads 0\n", "",
		  "wait -n " EDU " edu.STATUS.COMPUTING=0", m.mnt);
}
END_TEST

START_TEST(cmd_dump_diff)
{
	char before[PATH_MAX + 16], after[PATH_MAX + 16], path[PATH_MAX * 2];
	char *want;

	snprintf(before, sizeof(before), "%s/before.txt", m.dir);
	snprintf(after, sizeof(after), "%s/after.txt", m.dir);
	/* dump is the registers file, byte for byte. */
	snprintf(path, sizeof(path), "%s/0000:00:04.0/registers", m.mnt);
	want = fk_slurp(path);
	ck_assert_ptr_nonnull(want);
	ck_assert_str_eq(want,
		"bar0 0x00000000 edu IDENT 0x010000ed MAGIC=237 MINOR=0 MAJOR=1\n"
		"bar0 0x00000004 edu LIVENESS 0x00000000\n"
		"bar0 0x00000008 edu FACTORIAL 0x00000000\n"
		"bar0 0x00000020 edu STATUS 0x00000000 COMPUTING=0 IRQ_ENABLE=0\n"
		"bar0 0x00000024 edu IRQ_STATUS 0x00000000\n"
		"bar0 0x00000080 edu DMA_SRC 0x0000000000000000\n"
		"bar0 0x00000088 edu DMA_DST 0x0000000000000000\n"
		"bar0 0x00000090 edu DMA_COUNT 0x0000000000000000\n"
		"bar0 0x00000098 edu DMA_CMD 0x0000000000000000 START=0 "
		"DIRECTION=0(RAM_TO_EDU) IRQ=0\n");
	ct_expect(0, want, "", "dump " EDU, m.mnt);
	ct_expect(0, "", "", "dump " EDU " > %s", m.mnt, before);
	ct_expect(0, "", "", EDU " edu.STATUS.IRQ_ENABLE=1 edu.LIVENESS=0xcafe "
		  "edu.DMA_CMD.DIRECTION=1", m.mnt);
	ct_expect(0, "", "", "dump " EDU " > %s", m.mnt, after);
	ct_expect(1,
		  "edu.LIVENESS 0x00000000 -> 0x0000cafe\n"
		  "edu.STATUS 0x00000000 -> 0x00000080: IRQ_ENABLE 0 -> 1\n"
		  "edu.DMA_CMD 0x0000000000000000 -> 0x0000000000000002: "
		  "DIRECTION 0(RAM_TO_EDU) -> 1(EDU_TO_RAM)\n", "",
		  "diff %s %s", before, after);
	ct_expect(0, "", "", "diff %s %s", before, before);
	snprintf(path, sizeof(path), "aperture: diff: %s: not a registers "
		 "listing (aperture dump makes one)\n", m.desc);
	ct_expect(2, "", path, "diff %s %s", before, m.desc);
	ct_expect(2, "", "aperture: diff takes two files: aperture diff BEFORE "
		  "AFTER (aperture -h for usage)\n", "diff %s", before);
	free(want);
	/* A function without a description has no registers to dump. */
	ct_expect(1, "", "aperture: 0000:00:06.0: registers: No such file or "
		  "directory (ENOENT): the mount has no description of this "
		  "function (aperturefs -o regs=DIR)\n",
		  "dump -m %s -s 00:06.0", m.mnt);
}
END_TEST

START_TEST(lib_named_and_check_messages)
{
	struct aperture *ap;
	char *a, *b, *d, msg[256], text[64];
	uint64_t v = 0;

	ck_assert_int_eq(aperture_open(m.mnt, "1234:11e8", &ap), 0);
	ck_assert_int_eq(aperture_reg_read(ap, "edu.IDENT", &v), 0);
	ck_assert_uint_eq(v, 0x010000ed);
	ck_assert_int_eq(aperture_reg_read_text(ap, "edu.IDENT", text,
						sizeof(text)), 0);
	ck_assert_str_eq(text, "0x010000ed");
	ck_assert_int_eq(aperture_snapshot(ap, &a), 0);
	ck_assert_int_eq(aperture_reg_write(ap, "edu.STATUS.IRQ_ENABLE", 1), 0);
	ck_assert_uint_eq(edu32(0x20), 0x80);
	ck_assert_int_eq(aperture_reg_write(ap, "edu.STATUS.IRQ_ENABLE", 2),
			 -EINVAL);
	ck_assert_int_eq(aperture_reg_write_text(ap, "edu.DMA_CMD.DIRECTION",
						 "EDU_TO_RAM"), 0);
	ck_assert_int_eq(aperture_reg_read(ap, "edu.NOPE", &v), -ENOENT);
	ck_assert_int_eq(aperture_reg_read(ap, "edu", &v), -EINVAL);
	ck_assert_int_eq(aperture_reg_read(ap, "edu.STATUS.X.Y", &v), -EINVAL);
	ck_assert_int_eq(aperture_reg_write(ap, "edu.IDENT", 1), -EACCES);
	ck_assert_int_eq(aperture_reg_wait(ap, "edu.STATUS.IRQ_ENABLE", 1, 0,
					   &v), 0);
	ck_assert_int_eq(aperture_reg_wait(ap, "edu.STATUS.IRQ_ENABLE", 0, 10,
					   &v), -ETIMEDOUT);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(aperture_snapshot(ap, &b), 0);
	ck_assert_int_eq(aperture_diff(a, b, &d), 2);
	ck_assert_str_eq(d, "edu.STATUS 0x00000000 -> 0x00000080: IRQ_ENABLE "
			 "0 -> 1\nedu.DMA_CMD 0x0000000000000000 -> "
			 "0x0000000000000002: DIRECTION 0(RAM_TO_EDU) -> "
			 "1(EDU_TO_RAM)\n");
	free(d);
	ck_assert_int_eq(aperture_diff(a, "not a listing\n", &d), -EINVAL);
	/* Check helpers: the messages name device, register, both values. */
	ck_assert_int_eq(aperture_check_reg_eq(ap, "edu.STATUS.IRQ_ENABLE", 1,
					       msg, sizeof(msg)), 0);
	ck_assert_int_eq(aperture_check_reg_eq(ap, "edu.STATUS.IRQ_ENABLE", 0,
					       msg, sizeof(msg)), 1);
	ck_assert_str_eq(msg, "0000:00:04.0 edu.STATUS.IRQ_ENABLE: expected 0, "
			 "got 1");
	ck_assert_int_eq(aperture_check_reg_eq(ap, "edu.IDENT", 0x010000ee,
					       msg, sizeof(msg)), 1);
	ck_assert_str_eq(msg, "0000:00:04.0 edu.IDENT: expected 0x010000ee, "
			 "got 0x010000ed");
	ck_assert_int_eq(aperture_check_reg_wait(ap, "edu.STATUS.IRQ_ENABLE",
						 0, 10, msg, sizeof(msg)),
			 -ETIMEDOUT);
	ck_assert_str_eq(msg, "0000:00:04.0 edu.STATUS.IRQ_ENABLE: expected 0 "
			 "within 10 ms, last value 1");
	ck_assert_int_eq(aperture_check_reg_eq(ap, "edu.NOPE", 0, msg,
					       sizeof(msg)), -ENOENT);
	ck_assert_str_eq(msg, "0000:00:04.0 edu.NOPE: read failed: No such "
			 "file or directory (ENOENT)");
	free(a);
	free(b);
	aperture_close(ap);
}
END_TEST

Suite *client_regs_suite(void);

Suite *client_regs_suite(void)
{
	Suite *s = suite_create("client_regs");
	TCase *tc = tcase_create("named");

	tcase_add_checked_fixture(tc, regs_setup, regs_teardown);
	tcase_add_test(tc, cmd_named);
	tcase_add_test(tc, cmd_named_errors);
	tcase_add_test(tc, cmd_named_checked_first);
	tcase_add_test(tc, cmd_named_wait);
	tcase_add_test(tc, cmd_dump_diff);
	tcase_add_test(tc, lib_named_and_check_messages);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_regs_fs.c - registers by name through a mounted fake machine
 * (--fake, no module, no PCI device): the regs/ tree and `registers`,
 * values read from and written into the BAR (a file here, so the bytes
 * the device would see are read back from it), field read-modify-write,
 * refused values that write nothing, the access rules for root, modes,
 * the binding by file name, and what happens to descriptions that do not
 * parse (named: the mount stops; found in a directory: logged, and info
 * says why).  The shipped descriptions of regs/ are used.
 */
#include <check.h>
#include <stdint.h>

#include "fake_mount.h"

#ifndef APERTURE_REGS_SRC
#define APERTURE_REGS_SRC "regs"
#endif

static const char machine[] =
	"function 00:04.0 1234:11e8 class=00ff\n"
	"bar0 mem 1M file=edu.bin\n"
	"function 00:02.0 1234:1111 class=0300\n"
	"bar0 mem prefetch 16M\n"
	"bar2 mem 4K file=vga.bin\n"
	"function 00:05.0 1af4:1110 class=0500\n"
	"bar0 mem 256 file=ivshmem.bin\n"
	"function 00:06.0 1b36:0005 class=00ff\n"
	"bar0 mem 4K\n";

static struct fk m;

static void mount_shipped(void)
{
	fk_mount(&m, machine, "regs=" APERTURE_REGS_SRC);
}

static void teardown(void)
{
	fk_umount(&m);
}

#define EDU "0000:00:04.0/regs/edu/"

/* The bytes at @off of BAR file @name of the work folder. */
static void bar_bytes(const char *name, off_t off, void *buf, size_t len)
{
	char path[PATH_MAX * 2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", m.dir, name);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

static void bar_put(const char *name, off_t off, const void *buf, size_t len)
{
	char path[PATH_MAX * 2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", m.dir, name);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

static uint32_t bar32(const char *name, off_t off)
{
	uint32_t v;

	bar_bytes(name, off, &v, 4);
	return v;
}

/* write(2) of @text to @rel in one call: 0 or errno. */
static int put(const char *rel, const char *text)
{
	return fk_put(&m, rel, text);
}

static void expect(const char *rel, const char *want)
{
	char *got = fk_slurp(FK_PATH(&m, "%s", rel));

	ck_assert_msg(got, "%s: %s", rel, strerror(errno));
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(tree)
{
	struct stat st;

	mount_shipped();
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:04.0/regs"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:04.0/registers"), &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(stat(FK_PATH(&m, EDU "STATUS.IRQ_ENABLE"), &st), 0);
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:02.0/regs/dispi/XRES"), &st), 0);
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:05.0/regs/ivshmem/DOORBELL.PEER"),
			      &st), 0);
	ck_assert_int_eq(stat(FK_PATH(&m, EDU "NOPE"), &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(stat(FK_PATH(&m, EDU "STATUS.NOPE"), &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* The listing of the function and of a block, in offset order. */
	{
		char cmd[PATH_MAX * 5], *out;

		snprintf(cmd, sizeof(cmd), "ls -f %s/0000:00:04.0 | sort | tr '\\n' ' ' >%s/ls1;"
			 "ls -f %s/" EDU " | head -n 8 | tr '\\n' ' ' >%s/ls2",
			 m.mnt, m.dir, m.mnt, m.dir);
		ck_assert_int_eq(system(cmd), 0);
		out = fk_slurp(FK_PATH(&m, "../ls1"));
		ck_assert_str_eq(out, ". .. bar0 config info registers regs ");
		free(out);
		out = fk_slurp(FK_PATH(&m, "../ls2"));
		ck_assert_str_eq(out, ". .. IDENT IDENT.MAGIC IDENT.MINOR "
				 "IDENT.MAJOR LIVENESS FACTORIAL ");
		free(out);
	}
}
END_TEST

START_TEST(values)
{
	const uint8_t ident[4] = { 0xed, 0x00, 0x00, 0x01 };
	const uint16_t y = 480;

	mount_shipped();
	bar_put("edu.bin", 0, ident, 4);
	expect(EDU "IDENT", "0x010000ed\n");
	expect(EDU "IDENT.MAGIC", "237\n");
	expect(EDU "IDENT.MAJOR", "1\n");
	bar_put("vga.bin", 0x504, &y, 2);
	expect("0000:00:02.0/regs/dispi/YRES", "0x01e0\n");
	expect(EDU "DMA_SRC", "0x0000000000000000\n");
}
END_TEST

START_TEST(writes)
{
	mount_shipped();
	ck_assert_int_eq(put(EDU "LIVENESS", "0x12345678\n"), 0);
	ck_assert_uint_eq(bar32("edu.bin", 4), 0x12345678);
	ck_assert_int_eq(put(EDU "FACTORIAL", "10"), 0);
	ck_assert_uint_eq(bar32("edu.bin", 8), 10);
	/* 16 bits: exactly two bytes, the neighbours untouched. */
	bar_put("vga.bin", 0x500, "\xaa\xaa\xaa\xaa\xaa\xaa", 6);
	ck_assert_int_eq(put("0000:00:02.0/regs/dispi/XRES", "640\n"), 0);
	{
		uint8_t b[6];

		bar_bytes("vga.bin", 0x500, b, 6);
		ck_assert_mem_eq(b, "\xaa\xaa\x80\x02\xaa\xaa", 6);
	}
	/* 64 bits, and an enumerated name. */
	ck_assert_int_eq(put(EDU "DMA_SRC", "0x123456789abcdef0"), 0);
	ck_assert_uint_eq(bar32("edu.bin", 0x80), 0x9abcdef0);
	ck_assert_uint_eq(bar32("edu.bin", 0x84), 0x12345678);
	ck_assert_int_eq(put(EDU "DMA_CMD.DIRECTION", "EDU_TO_RAM\n"), 0);
	ck_assert_uint_eq(bar32("edu.bin", 0x98), 2);
}
END_TEST

START_TEST(field_rmw)
{
	const uint32_t status = 0x12345601;

	mount_shipped();
	bar_put("edu.bin", 0x20, &status, 4);
	ck_assert_int_eq(put(EDU "STATUS.IRQ_ENABLE", "1\n"), 0);
	ck_assert_uint_eq(bar32("edu.bin", 0x20), 0x12345681);
	expect(EDU "STATUS.IRQ_ENABLE", "1\n");
	expect(EDU "STATUS.COMPUTING", "1\n");
	ck_assert_int_eq(put(EDU "STATUS.IRQ_ENABLE", "0"), 0);
	ck_assert_uint_eq(bar32("edu.bin", 0x20), 0x12345601);
}
END_TEST

START_TEST(refused_values)
{
	mount_shipped();
	ck_assert_int_eq(put(EDU "LIVENESS", "0x0badcafe"), 0);
	ck_assert_int_eq(put(EDU "LIVENESS", "0x100000000"), EINVAL);
	ck_assert_int_eq(put(EDU "LIVENESS", "-1"), EINVAL);
	ck_assert_int_eq(put(EDU "LIVENESS", "twelve"), EINVAL);
	ck_assert_int_eq(put(EDU "STATUS.IRQ_ENABLE", "2"), EINVAL);
	ck_assert_int_eq(put(EDU "DMA_CMD.DIRECTION", "SIDEWAYS"), EINVAL);
	ck_assert_uint_eq(bar32("edu.bin", 4), 0x0badcafe);	/* untouched */
	ck_assert_uint_eq(bar32("edu.bin", 0x20), 0);
	ck_assert_uint_eq(bar32("edu.bin", 0x98), 0);
	/* The log and info name the last one. */
	ck_assert_int_eq(fk_log_count(&m, "0000:00:04.0 regs/edu/LIVENESS: "
				      "'twelve': not a number: nothing written"), 1);
	{
		char *info = fk_slurp(FK_PATH(&m, "0000:00:04.0/info"));

		ck_assert_ptr_nonnull(strstr(info, "\nregs.refused: "
			"regs/edu/DMA_CMD.DIRECTION: 'SIDEWAYS': unknown value name\n"));
		free(info);
	}
}
END_TEST

START_TEST(access_rules)
{
	struct stat st;
	int fd;

	mount_shipped();
	ck_assert_int_eq(geteuid(), 0);	/* this test is about root */
	/* Read-only: no write even for root, whatever its DAC override. */
	ck_assert_int_eq(put(EDU "IDENT", "1"), EACCES);
	ck_assert_int_eq(put(EDU "STATUS.COMPUTING", "1"), EACCES);
	/* Write-only: no read. */
	fd = open(FK_PATH(&m, EDU "IRQ_RAISE"), O_RDONLY);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(errno, EACCES);
	fd = open(FK_PATH(&m, EDU "IRQ_RAISE"), O_RDWR);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(put(EDU "IRQ_RAISE", "1"), 0);
	ck_assert_uint_eq(bar32("edu.bin", 0x60), 1);
	/* registers is read-only; a directory is not a file. */
	ck_assert_int_eq(put("0000:00:04.0/registers", "1"), EACCES);
	/* The modes say it (umask 0177 by default). */
	ck_assert_int_eq(stat(FK_PATH(&m, EDU "IDENT"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0400);
	ck_assert_int_eq(stat(FK_PATH(&m, EDU "IRQ_RAISE"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0200);
	ck_assert_int_eq(stat(FK_PATH(&m, EDU "LIVENESS"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(stat(FK_PATH(&m, EDU "STATUS.COMPUTING"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0400);
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:04.0/registers"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0400);
}
END_TEST

START_TEST(modes_follow_options)
{
	struct stat st;

	fk_mount(&m, machine, "regs=" APERTURE_REGS_SRC ",umask=0111,ro");
	ck_assert_int_eq(stat(FK_PATH(&m, EDU "LIVENESS"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0444);
	ck_assert_int_eq(put(EDU "LIVENESS", "1"), EROFS);
}
END_TEST

START_TEST(listing)
{
	const uint32_t ident = 0x010000ed, status = 0x81;

	mount_shipped();
	bar_put("edu.bin", 0, &ident, 4);
	bar_put("edu.bin", 0x20, &status, 4);
	/* Write-only registers are not there; fields decoded. */
	expect("0000:00:04.0/registers",
	       "bar0 0x00000000 edu IDENT 0x010000ed MAGIC=237 MINOR=0 MAJOR=1\n"
	       "bar0 0x00000004 edu LIVENESS 0x00000000\n"
	       "bar0 0x00000008 edu FACTORIAL 0x00000000\n"
	       "bar0 0x00000020 edu STATUS 0x00000081 COMPUTING=1 IRQ_ENABLE=1\n"
	       "bar0 0x00000024 edu IRQ_STATUS 0x00000000\n"
	       "bar0 0x00000080 edu DMA_SRC 0x0000000000000000\n"
	       "bar0 0x00000088 edu DMA_DST 0x0000000000000000\n"
	       "bar0 0x00000090 edu DMA_COUNT 0x0000000000000000\n"
	       "bar0 0x00000098 edu DMA_CMD 0x0000000000000000 START=0 "
	       "DIRECTION=0(RAM_TO_EDU) IRQ=0\n");
	/* Read-sensitive registers are listed as skipped. */
	expect("0000:00:05.0/registers",
	       "bar0 0x00000000 ivshmem INTRMASK 0x00000000\n"
	       "bar0 0x00000004 ivshmem INTRSTATUS skipped\n"
	       "bar0 0x00000008 ivshmem IVPOSITION 0x00000000\n");
	/* BAR2, and its two blocks merged in offset order. */
	{
		char *l = fk_slurp(FK_PATH(&m, "0000:00:02.0/registers"));

		ck_assert(!strncmp(l, "bar2 0x00000400 vga ATTR_INDEX 0x00\n"
				   "bar2 0x0000041a vga INPUT_STATUS_1 skipped\n"
				   "bar2 0x00000500 dispi ID 0x0000\n", 99));
		free(l);
	}
}
END_TEST

/*
 * A 64-bit register where the backend has no 8-byte access (I/O ports
 * here, a 32-bit kernel in the i386 world): EOPNOTSUPP, `unsupported`, one
 * log line naming it; the 32-bit registers around it work.
 */
START_TEST(no_8_byte_access)
{
	static const char io_machine[] =
		"function 00:04.0 1234:11e8 class=00ff\n"
		"bar0 io 256\n";
	char *log;
	int fd;

	fk_mount(&m, io_machine, "regs=" APERTURE_REGS_SRC);
	errno = 0;
	fd = open(FK_PATH(&m, EDU "DMA_SRC"), O_RDONLY);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);
	ck_assert_int_eq(put(EDU "DMA_SRC", "1"), EOPNOTSUPP);
	ck_assert_int_eq(put(EDU "LIVENESS", "0x12345678"), 0);
	expect(EDU "LIVENESS", "0x12345678\n");
	expect("0000:00:04.0/registers",
	       "bar0 0x00000000 edu IDENT 0x00000000 MAGIC=0 MINOR=0 MAJOR=0\n"
	       "bar0 0x00000004 edu LIVENESS 0x12345678\n"
	       "bar0 0x00000008 edu FACTORIAL 0x00000000\n"
	       "bar0 0x00000020 edu STATUS 0x00000000 COMPUTING=0 IRQ_ENABLE=0\n"
	       "bar0 0x00000024 edu IRQ_STATUS 0x00000000\n"
	       "bar0 0x00000080 edu DMA_SRC unsupported\n"
	       "bar0 0x00000088 edu DMA_DST unsupported\n"
	       "bar0 0x00000090 edu DMA_COUNT unsupported\n"
	       "bar0 0x00000098 edu DMA_CMD unsupported\n");
	log = fk_slurp(m.log);
	ck_assert_msg(log && strstr(log, "aperturefs: 0000:00:04.0 regs/edu/"
				    "DMA_SRC: a 64-bit register, and the fake "
				    "backend has no 8-byte access to bar0 (a "
				    "32-bit kernel, or I/O ports): not split "
				    "in two\n"), "%s", log);
	free(log);
}
END_TEST

START_TEST(info_lines)
{
	char *info;

	mount_shipped();
	info = fk_slurp(FK_PATH(&m, "0000:00:02.0/info"));
	ck_assert_ptr_nonnull(strstr(info, "\nregs: yes\nregs.bar2: "
		APERTURE_REGS_SRC "/1234:1111-bar2.xml (2 blocks, 12 registers, "
		"6 fields)\n"));
	free(info);
}
END_TEST

/* A folder of descriptions for the bad-description tests. */
static void write_regs(const char *name, const char *text)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/regs", m.dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/regs/%s", m.dir, name);
	fk_write(path, text);
}

static const char bad_svd[] =
	"<device><peripherals>\n"
	"<peripheral><name>P</name></peripheral>\n"
	"</peripherals></device>\n";

START_TEST(named_file_does_not_parse)
{
	char fake[PATH_MAX + 8], opt[PATH_MAX * 2], want[PATH_MAX * 3];
	const char *argv[6] = { fake, "-f", "-o", opt, m.mnt, NULL };
	char *log;

	fk_prepare(&m, machine);
	write_regs("1234:11e8.svd", bad_svd);
	snprintf(fake, sizeof(fake), "--fake=%s", m.desc);
	snprintf(opt, sizeof(opt), "regs=%s/regs/1234:11e8.svd", m.dir);
	ck_assert_int_eq(fk_run(&m, argv), 1);
	ck_assert(!fk_mounted(m.mnt));
	log = fk_slurp(m.log);
	snprintf(want, sizeof(want), "aperturefs: %s/regs/1234:11e8.svd:2: "
		 "peripheral P has no <baseAddress>\n", m.dir);
	ck_assert_str_eq(log, want);
	free(log);
}
END_TEST

START_TEST(found_file_does_not_parse)
{
	char opt[PATH_MAX * 2], want[PATH_MAX * 3], *info;
	struct stat st;

	fk_prepare(&m, machine);
	write_regs("1234:11e8.svd", bad_svd);
	write_regs("1af4:1110-bar2.xml", "<x/>\n");	/* another, bound to BAR2 */
	write_regs("README", "not a description\n");
	snprintf(opt, sizeof(opt), "regs=%s/regs", m.dir);
	{
		char fake[PATH_MAX + 8];
		const char *argv[6] = { fake, "-f", "-o", opt, m.mnt, NULL };

		snprintf(fake, sizeof(fake), "--fake=%s", m.desc);
		ck_assert_int_eq(fk_run(&m, argv), 0);
	}
	snprintf(want, sizeof(want), "aperturefs: %s/regs/1234:11e8.svd:2: "
		 "peripheral P has no <baseAddress> (1234:11e8 gets no regs/ "
		 "from it)\n", m.dir);
	ck_assert_int_eq(fk_log_count(&m, want), 1);
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:04.0/regs"), &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	info = fk_slurp(FK_PATH(&m, "0000:00:04.0/info"));
	snprintf(want, sizeof(want), "\nregs: no (its description does not "
		 "load)\nregs.error: %s/regs/1234:11e8.svd:2: peripheral P has "
		 "no <baseAddress>\n", m.dir);
	ck_assert_ptr_nonnull(strstr(info, want));
	free(info);
	/* Without any description: info says what name it looks for. */
	info = fk_slurp(FK_PATH(&m, "0000:00:06.0/info"));
	ck_assert_ptr_nonnull(strstr(info, "\nregs: no (no description named "
				     "1b36:0005.svd or .xml, -barN before the "
				     "dot for BAR N)\n"));
	free(info);
}
END_TEST

START_TEST(missing_place)
{
	char fake[PATH_MAX + 8];
	const char *argv[6] = { fake, "-f", "-o", "regs=/nonexistent/regs",
				m.mnt, NULL };
	char *log;

	fk_prepare(&m, machine);
	snprintf(fake, sizeof(fake), "--fake=%s", m.desc);
	ck_assert_int_eq(fk_run(&m, argv), 1);
	log = fk_slurp(m.log);
	ck_assert_str_eq(log, "aperturefs: -o regs=/nonexistent/regs: No such "
			 "file or directory\n");
	free(log);
}
END_TEST

/* The first place wins: a description in -o regs= before the shipped. */
START_TEST(binding_order)
{
	char opt[PATH_MAX * 2];

	fk_prepare(&m, machine);
	write_regs("1234:11e8-bar0.svd",
		   "<device><peripherals><peripheral><name>mine</name>"
		   "<baseAddress>0x100</baseAddress><registers><register>"
		   "<name>R</name><addressOffset>4</addressOffset><size>8</size>"
		   "</register></registers></peripheral></peripherals></device>\n");
	snprintf(opt, sizeof(opt), "regs=%s/regs,regs=%s", m.dir,
		 APERTURE_REGS_SRC);
	{
		char fake[PATH_MAX + 8];
		const char *argv[6] = { fake, "-f", "-o", opt, m.mnt, NULL };

		snprintf(fake, sizeof(fake), "--fake=%s", m.desc);
		ck_assert_int_eq(fk_run(&m, argv), 0);
	}
	expect("0000:00:04.0/registers", "bar0 0x00000104 mine R 0x00\n");
	ck_assert_int_eq(put("0000:00:04.0/regs/mine/R", "0x5a"), 0);
	{
		uint8_t b;

		bar_bytes("edu.bin", 0x104, &b, 1);
		ck_assert_uint_eq(b, 0x5a);
	}
}
END_TEST

Suite *regs_fs_suite(void);

Suite *regs_fs_suite(void)
{
	Suite *s = suite_create("regs_fs");
	TCase *tc = tcase_create("fake");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tree);
	tcase_add_test(tc, values);
	tcase_add_test(tc, writes);
	tcase_add_test(tc, field_rmw);
	tcase_add_test(tc, refused_values);
	tcase_add_test(tc, access_rules);
	tcase_add_test(tc, modes_follow_options);
	tcase_add_test(tc, listing);
	tcase_add_test(tc, no_8_byte_access);
	tcase_add_test(tc, info_lines);
	tcase_add_test(tc, named_file_does_not_parse);
	tcase_add_test(tc, found_file_does_not_parse);
	tcase_add_test(tc, missing_place);
	tcase_add_test(tc, binding_order);
	suite_add_tcase(s, tc);
	return s;
}

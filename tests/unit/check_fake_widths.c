/*
 * check_fake_widths.c - the accesses the daemon passes on to a BAR, each
 * with its offset and size, as the BAR's backend sees them: on a fake
 * machine every access a BAR file, a register file or the aperture
 * command asks for is one pread/pwrite of the BAR's backing file, which
 * an LD_PRELOAD shim in the daemon logs (tests/unit/iolog.c).  On real
 * hardware these are what the module is asked for (its tracepoints,
 * `aperture trace`, show the same in guests).  What must hold, for
 * arm64's Device memory as for any register:
 *   - a register file reads and writes its register in one access of
 *     the register's width at its offset: 8 bits (the VGA's ATTR_INDEX),
 *     16 (Bochs DISPI), 32 (edu), 64 (edu's DMA registers); a field
 *     write is one read and one write of its register;
 *   - `registers` reads each readable register once, at its width;
 *   - the aperture command makes one access per value, of the width
 *     asked, and a range as accesses of its width.
 */
#include <libgen.h>

#include "fake_mount.h"

#ifndef APERTURE_REGS_SRC
#define APERTURE_REGS_SRC "regs"
#endif

static const char machine[] =
	"function 00:04.0 1234:11e8 class=00ff\n"
	"bar0 mem 1M file=edu.bin\n"
	"function 00:02.0 1234:1111 class=0300\n"
	"bar0 mem prefetch 16M\n"
	"bar2 mem 4K file=vga.bin\n";

static struct fk m;
static char iolog[PATH_MAX];

/* $(B)/tests/unit/@name, beside this suite. */
static const char *beside(const char *name)
{
	static char path[PATH_MAX + 64];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ck_assert_int_gt(n, 0);
	self[n] = 0;
	snprintf(path, sizeof(path), "%s/%s", dirname(self), name);
	return path;
}

/* Mount with the shim in the daemon, logging the two BARs' files. */
static void setup(void)
{
	const char *asan = getenv("ASAN_OPTIONS");
	char opts[1024];

	snprintf(iolog, sizeof(iolog), "/tmp/aperture-iolog.%d", getpid());
	unlink(iolog);
	setenv("LD_PRELOAD", beside("iolog.so"), 1);
	setenv("APERTURE_IOLOG", iolog, 1);
	setenv("APERTURE_IOLOG_MATCH", ".bin", 1);
	/* An AddressSanitizer build wants its runtime first: the shim is. */
	snprintf(opts, sizeof(opts), "%s%sverify_asan_link_order=0",
		 asan ? asan : "", asan && *asan ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
	fk_mount(&m, machine, "regs=" APERTURE_REGS_SRC);
	unsetenv("LD_PRELOAD");
	/* The mount's own accesses (none expected) are not the tests'. */
	unlink(iolog);
}

static void teardown(void)
{
	fk_umount(&m);
	unlink(iolog);
}

/* The log since the last call (and empty it). */
static char *taken(void)
{
	char *s = fk_slurp(iolog);

	unlink(iolog);
	return s ? s : strdup("");
}

#define expect_log(want)                                                   \
	do {                                                               \
		char *got_ = taken();                                      \
		ck_assert_str_eq(got_, want);                              \
		free(got_);                                                \
	} while (0)

/* The exit status of `sh -c @fmt...`. */
static int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#define sh(...) ck_assert_int_eq(run(__VA_ARGS__), 0)

#define EDU	"0000:00:04.0/regs/edu/"
#define VGA	"0000:00:02.0/regs/"

START_TEST(register_files_are_one_access_of_their_width)
{
	sh("cat %s/" EDU "IDENT >/dev/null", m.mnt);
	expect_log("edu.bin read 0x0+4\n");
	sh("echo 0x1234 > %s/" EDU "LIVENESS", m.mnt);
	expect_log("edu.bin write 0x4+4\n");
	sh("echo 0x123456789 > %s/" EDU "DMA_SRC", m.mnt);
	expect_log("edu.bin write 0x80+8\n");
	sh("cat %s/" EDU "DMA_SRC >/dev/null", m.mnt);
	expect_log("edu.bin read 0x80+8\n");
	sh("echo 640 > %s/" VGA "dispi/XRES", m.mnt);
	expect_log("vga.bin write 0x502+2\n");
	sh("cat %s/" VGA "dispi/XRES >/dev/null", m.mnt);
	expect_log("vga.bin read 0x502+2\n");
	sh("cat %s/" VGA "vga/ATTR_INDEX >/dev/null", m.mnt);
	expect_log("vga.bin read 0x400+1\n");
	/* A field: one read and one write of its register. */
	sh("echo 1 > %s/" EDU "STATUS.IRQ_ENABLE", m.mnt);
	expect_log("edu.bin read 0x20+4\nedu.bin write 0x20+4\n");
	/* Reads at other offsets of an open file serve its text. */
	sh("dd if=%s/" EDU "IDENT bs=1 count=3 skip=2 status=none "
	   ">/dev/null", m.mnt);
	expect_log("edu.bin read 0x0+4\n");
}
END_TEST

START_TEST(registers_reads_each_once_at_its_width)
{
	sh("cat %s/0000:00:04.0/registers >/dev/null", m.mnt);
	expect_log("edu.bin read 0x0+4\n"
		   "edu.bin read 0x4+4\n"
		   "edu.bin read 0x8+4\n"
		   "edu.bin read 0x20+4\n"
		   "edu.bin read 0x24+4\n"
		   "edu.bin read 0x80+8\n"
		   "edu.bin read 0x88+8\n"
		   "edu.bin read 0x90+8\n"
		   "edu.bin read 0x98+8\n");
}
END_TEST

START_TEST(the_command_asks_for_its_widths)
{
	const char *ap = beside("../../aperture");

	sh("%s -m %s -s 00:04.0 bar0 0x3.b 0x2.w 0x0.q 0x8.l=5 "
	   "0x20.l=0x80:0x80 >/dev/null", ap, m.mnt);
	expect_log("edu.bin read 0x3+1\n"
		   "edu.bin read 0x2+2\n"
		   "edu.bin read 0x0+8\n"
		   "edu.bin write 0x8+4\n"
		   "edu.bin read 0x20+4\n"
		   "edu.bin write 0x20+4\n");
	sh("%s -m %s -s 00:04.0 bar0 0x10+8.w 0x80+0x10.q >/dev/null", ap,
	   m.mnt);
	expect_log("edu.bin read 0x10+2\n"
		   "edu.bin read 0x12+2\n"
		   "edu.bin read 0x14+2\n"
		   "edu.bin read 0x16+2\n"
		   "edu.bin read 0x80+8\n"
		   "edu.bin read 0x88+8\n");
	/* Refused words make no access at all. */
	ck_assert_int_eq(run("%s -m %s -s 00:04.0 bar0 0x4.l 0x2.l "
			     "2>/dev/null", ap, m.mnt), 2);
	expect_log("");
}
END_TEST

Suite *fake_widths_suite(void);

Suite *fake_widths_suite(void)
{
	Suite *s = suite_create("fake_widths");
	TCase *tc = tcase_create("widths");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, register_files_are_one_access_of_their_width);
	tcase_add_test(tc, registers_reads_each_once_at_its_width);
	tcase_add_test(tc, the_command_asks_for_its_widths);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_holdout.c - issue 23's holdout: a register BAR (edu's BAR0)
 * reached through every interface with unaligned, narrow and oversized
 * requests, which must give only clean errors (an exact errno and
 * message) or exact accesses, never a fault: pread/pwrite of the BAR file
 * of the mount, the module's descriptor (auto and fixed 32-bit width), a
 * mapping of the descriptor and of the BAR file (FUSE passthrough, where
 * the world has it), libaperture's calls, the aperture command and the
 * register files.  And the control: a plain unaligned 4-byte load on the
 * mapping faults (SIGBUS, BUS_ADRALN) where QEMU enforces Device memory
 * alignment (arm64 under QEMU 10) and reads on x86.
 *
 * How an exact access shows without a trace of device accesses (the
 * module's tracepoints give each request, not its pieces): edu answers
 * only 4-byte accesses below 0x80, an 8-byte read there with all-ones
 * and a write of another size not at all, and on arm64 (QEMU 10) a 1- or
 * 2-byte access is an external abort (SIGBUS in user space, a panic in
 * the kernel).  So a value read right, or a LIVENESS write that took, is
 * a 4-byte access at an aligned offset.  For the same reason nothing here
 * writes fewer than 4 bytes to edu through a path that would pass them on
 * at their own width (the module's register rule writes each piece at
 * its natural width): those requests go to a mount of fixed width 32,
 * where they are refused.
 *
 *   tests/vm/run --kernel 6.1 -- '$B/tests/vm/check_holdout'
 */
#include <aperture/aperture.h>
#include <setjmp.h>
#include <sys/utsname.h>

#include "fs_util.h"
#include "module_util.h"

#define EDU_BAR0	FS_MNT "/" FS_EDU "/bar0"
#define AP		"$B/aperture"
#define EDU		"-s 00:04.0"
#define W32		"/tmp/ap-holdout-w32"
#define RM		"/tmp/ap-holdout-regs"
#define TRACEFS		"mountpoint -q /sys/kernel/tracing || "		\
			"mount -t tracefs tracefs /sys/kernel/tracing; "

/* edu's identity, and LIVENESS after 0x12345678 was written. */
#define IDENT		0x010000edu
#define ALIVE		0xedcba987u

static void need_mount(void)
{
	if (!fs_mounted(FS_MNT))
		ck_abort_msg(FS_MNT " is not mounted (run without --no-mount)");
}

/* Whether this CPU is one where QEMU 10 faults unaligned Device loads. */
static bool arm64(void)
{
	struct utsname u;

	ck_assert_int_eq(uname(&u), 0);
	return !strcmp(u.machine, "aarch64");
}

/* Sets LIVENESS to 0x12345678 (it reads back inverted) by a 4-byte write. */
static void set_alive(int fd)
{
	uint32_t v = 0x12345678u;

	ck_assert_int_eq(pwrite(fd, &v, 4, 4), 4);
}

/* @len bytes at @off of @fd must be the little-endian @want bytes. */
static void expect_bytes(int fd, off_t off, size_t len, uint64_t want)
{
	unsigned char buf[8], w[8];

	memset(buf, 0xaa, sizeof(buf));
	for (int i = 0; i < 8; i++)
		w[i] = (unsigned char)(want >> (8 * i));
	ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
	ck_assert_msg(!memcmp(buf, w, len), "%zu bytes at 0x%llx: "
		      "%02x %02x %02x %02x %02x %02x %02x %02x", len,
		      (long long)off, buf[0], buf[1], buf[2], buf[3], buf[4],
		      buf[5], buf[6], buf[7]);
}

/* Run a command line (stderr merged) and expect @status and @want. */
#define hx_expect(status, want, ...)                                         \
	do {                                                                 \
		int st_;                                                     \
		char *out_ = fs_sh(&st_, __VA_ARGS__);                       \
		ck_assert_msg(st_ == (status), "exit %d, not %d; output:\n%s", \
			      st_, (status), out_);                          \
		ck_assert_str_eq(out_, want);                                \
		free(out_);                                                  \
	} while (0)

/*
 * Reads that are narrower, unaligned or wider than edu's 4-byte
 * registers, on a descriptor of the register rule (the mount's BAR file or
 * the module's descriptor at auto width): whole aligned dwords, of which
 * the part asked is kept; an 8-byte read is two of them (it would give
 * all-ones as one access).
 */
static void reg_rule_reads(int fd)
{
	set_alive(fd);
	expect_bytes(fd, 3, 1, 0x01);
	expect_bytes(fd, 1, 2, 0x0000);
	expect_bytes(fd, 2, 4, 0xa9870100u);
	expect_bytes(fd, 1, 6, 0xcba987010000ull);
	expect_bytes(fd, 0, 8, (uint64_t)ALIVE << 32 | IDENT);
	/* A read across the end is short, at the end empty. */
	expect_bytes(fd, 0xffffc, 4, 0xffffffffu);
	ck_assert_int_eq(pread(fd, (char[8]){ 0 }, 8, 0xffffc), 4);
	ck_assert_int_eq(pread(fd, (char[8]){ 0 }, 8, 0x100000), 0);
}

/*
 * An 8-byte write at 0 through the register rule: two 4-byte writes
 * (IDENT ignores its own; as one 8-byte access edu would take neither).
 */
static void reg_rule_write_pair(int fd)
{
	uint32_t two[2] = { 0xdeadbeefu, 0x00ff00ffu };

	ck_assert_int_eq(pwrite(fd, two, 8, 0), 8);
	expect_bytes(fd, 0, 8, (uint64_t)0xff00ff00u << 32 | IDENT);
	set_alive(fd);
}

/* ---- the BAR file of the mount ---------------------------------------- */

START_TEST(bar_file)
{
	int fd;

	need_mount();
	fd = open(EDU_BAR0, O_RDWR);
	ck_assert_msg(fd >= 0, "open %s: %s", EDU_BAR0, strerror(errno));
	reg_rule_reads(fd);
	reg_rule_write_pair(fd);
	/* Past the end a write is ENOSPC, whatever its size. */
	errno = 0;
	ck_assert_int_eq(pwrite(fd, "12345678", 8, 0x100000), -1);
	ck_assert_int_eq(errno, ENOSPC);
	close(fd);
}
END_TEST

/* A mount of fixed width 32 refuses what is not whole aligned dwords. */
START_TEST(bar_file_width32)
{
	struct fs_mount m;
	uint32_t v = 0x12345678u;
	int fd;

	need_mount();
	fs_mount(&m, W32, "width=32");
	fd = open(W32 "/" FS_EDU "/bar0", O_RDWR);
	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < 3; i++) {
		static const struct { off_t off; size_t len; } bad[] = {
			{ 2, 4 }, { 4, 2 }, { 5, 1 },
		};

		errno = 0;
		ck_assert_int_eq(pwrite(fd, &v, bad[i].len, bad[i].off), -1);
		ck_assert_msg(errno == EINVAL, "%zu bytes at %lld: %s",
			      bad[i].len, (long long)bad[i].off,
			      strerror(errno));
	}
	/* Reads: the covering dwords. */
	reg_rule_reads(fd);
	reg_rule_write_pair(fd);
	close(fd);
	fs_umount(&m);
}
END_TEST

/* ---- the module's descriptor ------------------------------------------ */

START_TEST(module_descriptor)
{
	struct mu_dev edu = mu_find(EDU_ID);
	uint32_t v = 1;
	int fd;

	fd = mu_open(&edu, 0, APERTURE_IO_WIDTH_AUTO, NULL);
	reg_rule_reads(fd);
	reg_rule_write_pair(fd);
	close(fd);
	fd = mu_open(&edu, 0, APERTURE_IO_WIDTH_32, NULL);
	reg_rule_reads(fd);
	reg_rule_write_pair(fd);
	errno = 0;
	ck_assert_int_eq(pwrite(fd, &v, 4, 2), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(pwrite(fd, &v, 2, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
}
END_TEST

/* ---- mappings: exact loads work, a plain unaligned load faults --------- */

static sigjmp_buf hx_jmp;
static volatile sig_atomic_t hx_code;

static void hx_bus(int sig, siginfo_t *si, void *uc)
{
	hx_code = si->si_code;
	siglongjmp(hx_jmp, 1);
}

/*
 * Exact loads and stores on a mapping of edu's BAR0, then one plain
 * unaligned 4-byte load: SIGBUS with BUS_ADRALN on arm64, a value on x86.
 */
static void on_mapping(volatile unsigned char *map)
{
	struct sigaction sa = { .sa_sigaction = hx_bus,
				.sa_flags = SA_SIGINFO }, old;
	volatile uint32_t *r = (volatile uint32_t *)map;
	uint32_t got = 0;

	ck_assert_uint_eq(r[0], IDENT);
	r[1] = 0x12345678u;
	ck_assert_uint_eq(r[1], ALIVE);
#if UINTPTR_MAX > 0xffffffffu
	/* 8 bytes at 0x80 (DMA_SRC) take one 8-byte access (a 32-bit CPU
	 * makes two, of which edu keeps the first alone). */
	*(volatile uint64_t *)(map + 0x80) = 0x0123456789abcdefull;
	ck_assert_uint_eq(*(volatile uint64_t *)(map + 0x80),
			  0x0123456789abcdefull);
	*(volatile uint64_t *)(map + 0x80) = 0;
#endif

	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGBUS, &sa, &old), 0);
	hx_code = 0;
	if (!sigsetjmp(hx_jmp, 1))
		got = *(volatile uint32_t *)(map + 1);
	sigaction(SIGBUS, &old, NULL);
	if (arm64())
		ck_assert_msg(hx_code == BUS_ADRALN, "an unaligned 4-byte "
			      "load on Device memory gave %s (code %d)",
			      hx_code ? "SIGBUS" : "no fault", hx_code);
	else
		ck_assert_msg(hx_code == 0, "an unaligned 4-byte load "
			      "faulted on x86 (SIGBUS code %d)", hx_code);
	(void)got;
}

START_TEST(mapping_of_the_descriptor)
{
	struct mu_dev edu = mu_find(EDU_ID);
	void *p;
	int fd;

	fd = mu_open(&edu, 0, APERTURE_IO_WIDTH_AUTO, NULL);
	p = mmap(NULL, 0x100000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_msg(p != MAP_FAILED, "mmap: %s", strerror(errno));
	on_mapping(p);
	munmap(p, 0x100000);
	close(fd);
}
END_TEST

/* Through the mount: FUSE passthrough maps the descriptor; else ENODEV. */
START_TEST(mapping_of_the_bar_file)
{
	char v[128], *info;
	void *p;
	int fd;

	need_mount();
	info = fs_slurp(FS_MNT "/" FS_EDU "/info", 1 << 16, NULL);
	ck_assert(fs_info_get(info, "bar0.mmap", v, sizeof(v)));
	free(info);
	fd = open(EDU_BAR0, O_RDWR);
	ck_assert_int_ge(fd, 0);
	p = mmap(NULL, 0x100000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (strcmp(v, "yes")) {
		ck_assert_msg(p == MAP_FAILED && errno == ENODEV,
			      "bar0.mmap: %s, and mmap gave %s", v,
			      p == MAP_FAILED ? strerror(errno) : "a mapping");
		close(fd);
		return;
	}
	ck_assert_msg(p != MAP_FAILED, "mmap: %s", strerror(errno));
	on_mapping(p);
	munmap(p, 0x100000);
	close(fd);
}
END_TEST

/* ---- libaperture ------------------------------------------------------ */

#define ck_lib_err(call, err, msg)                                        \
	do {                                                              \
		ck_assert_int_eq((call), (err));                          \
		ck_assert_str_eq(aperture_last_error(ap), (msg));         \
	} while (0)

/* Every call of the library on edu's BAR0, with @how. */
static void lib_calls(int how)
{
	struct aperture *ap;
	unsigned char buf[8];
	volatile void *map;
	uint64_t v = 0;
	size_t len;

	need_mount();
	ck_assert_int_eq(aperture_open(NULL, "00:04.0", &ap), 0);
	ck_assert_int_eq(aperture_set_access(ap, how), 0);
	ck_assert_int_eq(aperture_write(ap, 0, 0x4, 4, 0x12345678u), 0);
	ck_assert_int_eq(aperture_read(ap, 0, 0x0, 4, &v), 0);
	ck_assert_uint_eq(v, IDENT);
	ck_assert_int_eq(aperture_read(ap, 0, 0x4, 4, &v), 0);
	ck_assert_uint_eq(v, ALIVE);
	/* Narrow and wide values of a 32-bit register BAR: the file's
	 * register rule (a dword picked; two dwords). */
	ck_assert_int_eq(aperture_read(ap, 0, 0x3, 1, &v), 0);
	ck_assert_uint_eq(v, 0x01);
	ck_assert_int_eq(aperture_read(ap, 0, 0x2, 2, &v), 0);
	ck_assert_uint_eq(v, 0x0100);
	ck_assert_int_eq(aperture_read(ap, 0, 0x0, 8, &v), 0);
	ck_assert_uint_eq(v, (uint64_t)ALIVE << 32 | IDENT);
	ck_assert_int_eq(aperture_update(ap, 0, 0x4, 4, 0, 0xffff0000u, &v),
			 0);
	ck_assert_uint_eq(v, ALIVE);
	ck_assert_int_eq(aperture_read(ap, 0, 0x4, 4, &v), 0);
	ck_assert_uint_eq(v, 0xffff5678u);
	/* Unaligned values are refused, never split. */
	ck_lib_err(aperture_read(ap, 0, 0x2, 4, &v), -EINVAL,
		   "0000:00:04.0 bar0 0x2.l: read: not aligned to its width "
		   "(never split)");
	ck_lib_err(aperture_write(ap, 0, 0x4, 8, 0), -EINVAL,
		   "0000:00:04.0 bar0 0x4.q: write: not aligned to its width "
		   "(never split)");
	ck_lib_err(aperture_read(ap, 0, 0x1, 2, &v), -EINVAL,
		   "0000:00:04.0 bar0 0x1.w: read: not aligned to its width "
		   "(never split)");
	ck_lib_err(aperture_wait(ap, 0, 0x6, 4, 1, 1, 10, &v), -EINVAL,
		   "0000:00:04.0 bar0 0x6.l: read: not aligned to its width "
		   "(never split)");
	ck_lib_err(aperture_read(ap, 0, 0x0, 3, &v), -EINVAL,
		   "0000:00:04.0 bar0 0x0: read: width 3: 1, 2, 4 or 8 bytes");
	ck_lib_err(aperture_read(ap, 0, 0x0, 16, &v), -EINVAL,
		   "0000:00:04.0 bar0 0x0: read: width 16: 1, 2, 4 or 8 bytes");
	ck_lib_err(aperture_read(ap, 0, 0xffffc, 8, &v), -EINVAL,
		   "0000:00:04.0 bar0 0xffffc.q: read: not aligned to its "
		   "width (never split)");
	ck_lib_err(aperture_read(ap, 0, 0x100000, 4, &v), -ERANGE,
		   "0000:00:04.0 bar0 0x100000.l: read: past the end of bar0 "
		   "(0x100000 bytes)");
	/* Ranges: the file's rule, at any offset and length. */
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(aperture_pread(ap, 0, 0x1, buf, 6), 6);
	ck_assert_mem_eq(buf, "\x00\x00\x01\x78\x56\xff", 6);
	ck_lib_err(aperture_pread(ap, 0, 0xffffc, buf, 8), -ERANGE,
		   "0000:00:04.0 bar0 0xffffc+0x8: read: past the end of bar0 "
		   "(0x100000 bytes)");
	/* The mapping handed out is the BAR where the mount maps it. */
	if (!aperture_map(ap, 0, &map, &len, NULL, 0)) {
		ck_assert_uint_eq(len, 0x100000);
		ck_assert_uint_eq(*(volatile uint32_t *)map, IDENT);
	}
	aperture_close(ap);
}

START_TEST(library_auto)
{
	lib_calls(APERTURE_ACCESS_AUTO);
}
END_TEST

START_TEST(library_file)
{
	lib_calls(APERTURE_ACCESS_FILE);
}
END_TEST

/* ---- the aperture command ---------------------------------------------- */

START_TEST(command)
{
	need_mount();
	fs_expect("0x010000ed\n0xedcba987\n",
		  AP " " EDU " bar0 0x4.l=0x12345678 0x0.l 0x4.l");
	/* Narrow and wide: the file's register rule, exact values. */
	fs_expect("0x01\n0x0100\n0xedcba987010000ed\n",
		  AP " " EDU " bar0 0x3.b 0x2.w 0x0.q");
	fs_expect("00000001: 00 00 01 87 a9 cb                                "
		  "......\n", AP " " EDU " bar0 0x1+6.b");
	fs_expect("00000000: edcba987010000ed                   ........\n",
		  AP " " EDU " bar0 0x0+0x8.q");
	/* Unaligned words are syntax errors, before any access. */
	hx_expect(2, "aperture: '0x2.l': offset 0x2 is not aligned to the "
		  "width (4 bytes) (aperture -h for usage)\n",
		  AP " " EDU " bar0 0x4.l=0 0x2.l 2>&1");
	hx_expect(2, "aperture: '0x4.q=0': offset 0x4 is not aligned to the "
		  "width (8 bytes) (aperture -h for usage)\n",
		  AP " " EDU " bar0 0x4.q=0 2>&1");
	hx_expect(2, "aperture: '0x0+6.l': length 0x6 is not a multiple of "
		  "the width (4 bytes) (aperture -h for usage)\n",
		  AP " " EDU " bar0 0x0+6.l 2>&1");
	/* A range past the end: refused before the first word is done. */
	hx_expect(1, "aperture: 0000:00:04.0 bar0 0xffffc+0x8.l: read: "
		  "Numerical result out of range (ERANGE): bar0 is 0x100000 "
		  "bytes\n",
		  AP " " EDU " bar0 0xffff8.q 0xffffc+8 2>&1");
	/* LIVENESS was not written by the refused lines. */
	fs_expect("0xedcba987\n", AP " " EDU " bar0 0x4.l");
}
END_TEST

/* ---- the register files ------------------------------------------------ */

START_TEST(register_files)
{
	const char *src = getenv("APERTURE_SRC");
	char buf[32];
	struct fs_mount m;
	int fd;

	need_mount();
	ck_assert_msg(src, "APERTURE_SRC is not set (run in tests/vm/run)");
	fs_mount(&m, RM, fs_path("regs=%s/regs", src));
	/* A value written at any offset of the file is one register write;
	 * a read anywhere serves the text of one register read. */
	fd = open(RM "/" FS_EDU "/regs/edu/LIVENESS", O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "0x12345678", 10, 3), 10);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(pread(fd, buf, 3, 5), 3);
	ck_assert_str_eq(buf, "ba9");
	errno = 0;
	ck_assert_int_eq(pwrite(fd, "0x100000000", 11, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
	/* Each register file access is one access of its width, as the
	 * module's trace shows: 4 bytes for LIVENESS, 8 for DMA_SRC, which
	 * a 32-bit kernel (no 8-byte access) refuses, never in halves. */
	if (mu_kernel_is_32bit()) {
		errno = 0;
		fd = open(RM "/" FS_EDU "/regs/edu/DMA_SRC", O_RDONLY);
		ck_assert_int_eq(fd < 0 ? -1 : read(fd, buf, sizeof(buf)), -1);
		ck_assert_msg(errno == EOPNOTSUPP, "DMA_SRC: %s",
			      strerror(errno));
		if (fd >= 0)
			close(fd);
		hx_expect(0, "read 0000:00:04.0 bar0 0x4.l -> 0xedcba987 "
			  "edu.LIVENESS\n",
			  TRACEFS AP " trace -m " RM " " EDU " -- sh -c 'cat "
			  RM "/" FS_EDU "/regs/edu/LIVENESS >/dev/null' "
			  "| grep -v '^open '; exit 0");
		fs_umount(&m);
		return;
	}
	hx_expect(0,
		  "read 0000:00:04.0 bar0 0x4.l -> 0xedcba987 edu.LIVENESS\n"
		  "write 0000:00:04.0 bar0 0x80.q=0x0000000012345678 "
		  "edu.DMA_SRC\n"
		  "read 0000:00:04.0 bar0 0x80.q -> 0x0000000012345678 "
		  "edu.DMA_SRC\n"
		  "write 0000:00:04.0 bar0 0x80.q=0x0000000000000000 "
		  "edu.DMA_SRC\n",
		  TRACEFS AP " trace -m " RM " " EDU " -- sh -c 'cat "
		  RM "/" FS_EDU "/regs/edu/LIVENESS >/dev/null; "
		  "echo 0x12345678 > " RM "/" FS_EDU "/regs/edu/DMA_SRC; "
		  "cat " RM "/" FS_EDU "/regs/edu/DMA_SRC >/dev/null; "
		  "echo 0 > " RM "/" FS_EDU "/regs/edu/DMA_SRC' "
		  "| grep -v '^open '; exit 0");
	fs_umount(&m);
}
END_TEST

Suite *holdout_suite(void);

Suite *holdout_suite(void)
{
	Suite *s = suite_create("holdout");
	TCase *tc;

	tc = tcase_create("files");
	tcase_add_test(tc, bar_file);
	tcase_add_test(tc, bar_file_width32);
	tcase_add_test(tc, module_descriptor);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("mappings");
	tcase_add_test(tc, mapping_of_the_descriptor);
	tcase_add_test(tc, mapping_of_the_bar_file);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("clients");
	tcase_add_test(tc, library_auto);
	tcase_add_test(tc, library_file);
	tcase_add_test(tc, command);
	tcase_add_test(tc, register_files);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

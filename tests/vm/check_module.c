/*
 * check_module.c - aperture_io through its ABI, in a guest of tests/vm/run
 * (each kernel): what a user sees of the test devices' BARs.
 *
 *   edu        identity, liveness, factorial (register semantics)
 *   widths     auto 32-bit on registers, fixed widths, unaligned writes
 *   ivshmem    1 MiB both ways against the host's file, by pread/pwrite
 *              and through a mapping, a live change through a held one
 *   klog       no oops or warning in the kernel log afterwards
 *
 * The ends of a BAR, the VGA, I/O ports and refusals are in
 * check_module_ends.c.
 *
 * Run: tests/vm/run --no-mount -- '$B/tests/vm/check_module'
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "aperture_io.h"
#include "module_util.h"

#define MIB (1u << 20)

/* ------------------------------------------------------------------ */
/* edu: register semantics                                             */
/* ------------------------------------------------------------------ */

START_TEST(edu_identity)
{
	struct mu_dev edu = mu_find(EDU_ID);
	struct aperture_io_bar a;
	int fd = mu_open(&edu, 0, 0, &a);

	ck_assert_uint_eq(mu_rd32(fd, 0x00), 0x010000ed);
	ck_assert_uint_eq(a.abi_version, APERTURE_IO_ABI_VERSION);
	ck_assert_uint_eq(a.size, MIB);
	ck_assert_uint_eq(a.bar_flags, APERTURE_IO_BAR_MEM);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_UC);
	ck_assert_uint_eq(a.width, APERTURE_IO_WIDTH_32);
	ck_assert_uint_ne(a.start, 0);
	close(fd);
}
END_TEST

START_TEST(edu_liveness)
{
	struct mu_dev edu = mu_find(EDU_ID);
	int fd = mu_open(&edu, 0, 0, NULL);
	static const uint32_t vals[] = { 0, 0x12345678, 0xffffffff, 0xa5a5a5a5 };
	unsigned int i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		mu_wr32(fd, 0x04, vals[i]);
		ck_assert_uint_eq(mu_rd32(fd, 0x04), ~vals[i]);
	}
	close(fd);
}
END_TEST

START_TEST(edu_factorial)
{
	struct mu_dev edu = mu_find(EDU_ID);
	int fd = mu_open(&edu, 0, 0, NULL);
	double deadline;

	mu_wr32(fd, 0x08, 10);
	deadline = mu_now() + 5;
	while (mu_rd32(fd, 0x20) & 1) {
		ck_assert_msg(mu_now() < deadline, "edu factorial never done");
		usleep(1000);
	}
	ck_assert_uint_eq(mu_rd32(fd, 0x08), 3628800);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */
/* widths                                                              */
/* ------------------------------------------------------------------ */

START_TEST(widths_auto_any_byte)
{
	struct mu_dev edu = mu_find(EDU_ID);
	int fd = mu_open(&edu, 0, 0, NULL);
	static const uint8_t id[4] = { 0xed, 0x00, 0x00, 0x01 };
	uint8_t b[8];
	unsigned int off, len;

	/* Every part of the identity register, from a 32-bit read. */
	for (off = 0; off < 4; off++)
		for (len = 1; off + len <= 4; len++) {
			memset(b, 0x5a, sizeof(b));
			ck_assert_int_eq(pread(fd, b, len, off), len);
			ck_assert_msg(!memcmp(b, id + off, len),
				      "%u bytes at %u wrong", len, off);
		}
	/* Across two registers: identity and liveness. */
	mu_wr32(fd, 0x04, 0x0f0f0f0f);
	ck_assert_int_eq(pread(fd, b, 4, 2), 4);
	ck_assert_uint_eq(b[0], 0x00);
	ck_assert_uint_eq(b[1], 0x01);
	ck_assert_uint_eq(b[2], 0xf0);
	ck_assert_uint_eq(b[3], 0xf0);
	close(fd);
}
END_TEST

START_TEST(widths_fixed)
{
	struct mu_dev edu = mu_find(EDU_ID);
	struct aperture_io_bar a;
	uint64_t q;
	uint8_t b;
	int fd;

	/*
	 * edu answers only 4-byte accesses below 0x80 (8-byte ones with
	 * all-ones, 1-byte ones with 0 or all-ones, by QEMU version): so the
	 * widths that reach it are the ones asked for, not a dword.  On
	 * arm64 the refused 1-byte access is an external abort (see
	 * mu_arch_arm64()): there the narrow widths are read from ivshmem's
	 * registers, which take any width (QEMU widens them to the register
	 * at the address given: so at the register's own address), INTRMASK
	 * a byte and a half-word.
	 */
	if (mu_arch_arm64()) {
		struct mu_dev shm = mu_find(IVSHMEM_ID);
		uint16_t h;

		fd = mu_open(&shm, 0, 0, NULL);
		mu_wr32(fd, 0x00, 0x12345678);
		close(fd);
		fd = mu_open(&shm, 0, APERTURE_IO_WIDTH_8, &a);
		ck_assert_uint_eq(a.width, APERTURE_IO_WIDTH_8);
		ck_assert_int_eq(pread(fd, &b, 1, 0), 1);
		ck_assert_uint_eq(b, 0x78);
		close(fd);
		fd = mu_open(&shm, 0, APERTURE_IO_WIDTH_16, &a);
		ck_assert_uint_eq(a.width, APERTURE_IO_WIDTH_16);
		ck_assert_int_eq(pread(fd, &h, 2, 0), 2);
		ck_assert_uint_eq(h, 0x5678);
		close(fd);
	} else {
		fd = mu_open(&edu, 0, APERTURE_IO_WIDTH_8, &a);
		ck_assert_uint_eq(a.width, APERTURE_IO_WIDTH_8);
		ck_assert_int_eq(pread(fd, &b, 1, 0), 1);
		ck_assert_msg(b == 0x00 || b == 0xff,
			      "byte read of edu gave %#x", b);
		close(fd);
	}

	/*
	 * A 32-bit kernel has no 8-byte MMIO access: a fixed 64-bit width
	 * is refused rather than split into two 32-bit accesses.
	 */
	if (mu_kernel_is_32bit()) {
		ck_assert_int_eq(mu_try_open(&edu, 0, APERTURE_IO_WIDTH_64, NULL),
				 -EINVAL);
	} else {
		fd = mu_open(&edu, 0, APERTURE_IO_WIDTH_64, &a);
		ck_assert_uint_eq(a.width, APERTURE_IO_WIDTH_64);
		ck_assert_int_eq(pread(fd, &q, 8, 0), 8);
		ck_assert_uint_eq(q, ~0ull);
		close(fd);
	}

	fd = mu_open(&edu, 0, APERTURE_IO_WIDTH_32, &a);
	ck_assert_uint_eq(a.width, APERTURE_IO_WIDTH_32);
	ck_assert_int_eq(pread(fd, &b, 1, 3), 1);
	ck_assert_uint_eq(b, 0x01);
	mu_wr32(fd, 0x04, 0x11223344);
	ck_assert_uint_eq(mu_rd32(fd, 0x04), ~0x11223344u);
	close(fd);
}
END_TEST

START_TEST(widths_unaligned_writes)
{
	struct mu_dev edu = mu_find(EDU_ID);
	uint8_t b[8] = { 0 };
	int fd;

	fd = mu_open(&edu, 0, APERTURE_IO_WIDTH_32, NULL);
	errno = 0;
	ck_assert_int_eq(pwrite(fd, b, 4, 2), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(pwrite(fd, b, 2, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(pwrite(fd, b, 6, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);

	fd = mu_open(&edu, 0, APERTURE_IO_WIDTH_16, NULL);
	ck_assert_int_eq(pwrite(fd, b, 2, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(pwrite(fd, b, 3, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);

	/* A 32-bit kernel refuses the width itself (widths_fixed). */
	if (mu_kernel_is_32bit())
		return;
	fd = mu_open(&edu, 0, APERTURE_IO_WIDTH_64, NULL);
	ck_assert_int_eq(pwrite(fd, b, 8, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
}
END_TEST

START_TEST(widths_prefetch_bytes)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	struct aperture_io_bar a;
	int fd = mu_open(&shm, 2, 0, &a), host = mu_host_shm();
	uint8_t want[64], got[64];
	unsigned int off, len;

	ck_assert_uint_eq(a.width, APERTURE_IO_WIDTH_AUTO);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_WC);
	ck_assert_uint_eq(a.bar_flags, APERTURE_IO_BAR_MEM | APERTURE_IO_BAR_64 |
			  APERTURE_IO_BAR_PREFETCH);
	/* Every small offset and length lands exactly, nothing around it. */
	for (off = 0; off < 24; off++)
		for (len = 1; len < 24; len++) {
			memset(want, 0, sizeof(want));
			mu_pwrite_all(host, want, sizeof(want), 4096);
			mu_random(want + off, len, off * 100 + len);
			ck_assert_int_eq(pwrite(fd, want + off, len, 4096 + off),
					 len);
			mu_pread_all(host, got, sizeof(got), 4096);
			ck_assert_msg(!memcmp(got, want, sizeof(got)),
				      "%u bytes at %u: host sees other bytes",
				      len, off);
			memset(got, 0, sizeof(got));
			ck_assert_int_eq(pread(fd, got, len, 4096 + off), len);
			ck_assert(!memcmp(got, want + off, len));
		}
	close(host);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */
/* ivshmem: bulk data against the host's view                          */
/* ------------------------------------------------------------------ */

START_TEST(ivshmem_pwrite_host_sees)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	int fd = mu_open(&shm, 2, 0, NULL), host = mu_host_shm();
	uint8_t *want = malloc(MIB), *got = malloc(MIB);
	uint64_t seed = mu_seed();
	long d;

	mu_random(want, MIB, seed);
	ck_assert_int_eq(pwrite(fd, want, MIB, 0), MIB);
	mu_pread_all(host, got, MIB, 0);
	d = mu_diff(want, got, MIB);
	ck_assert_msg(d < 0, "host sees another byte at %ld", d);
	/* And the module reads back what it wrote. */
	memset(got, 0, MIB);
	ck_assert_int_eq(pread(fd, got, MIB, 0), MIB);
	d = mu_diff(want, got, MIB);
	ck_assert_msg(d < 0, "read back differs at %ld", d);
	free(want);
	free(got);
	close(host);
	close(fd);
}
END_TEST

START_TEST(ivshmem_host_planted_pread)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	int fd = mu_open(&shm, 2, 0, NULL), host = mu_host_shm();
	uint8_t *want = malloc(MIB), *got = malloc(MIB);
	long d;

	mu_random(want, MIB, mu_seed() + 1);
	mu_pwrite_all(host, want, MIB, 0);
	ck_assert_int_eq(fsync(host), 0);
	ck_assert_int_eq(pread(fd, got, MIB, 0), MIB);
	d = mu_diff(want, got, MIB);
	ck_assert_msg(d < 0, "BAR shows another byte at %ld", d);
	/* Odd offsets and lengths too, with readv across pieces. */
	{
		uint8_t a[3], b[5000], c[77];
		struct iovec iov[3] = {
			{ a, sizeof(a) }, { b, sizeof(b) }, { c, sizeof(c) },
		};

		ck_assert_int_eq(preadv(fd, iov, 3, 12345),
				 sizeof(a) + sizeof(b) + sizeof(c));
		ck_assert(!memcmp(a, want + 12345, sizeof(a)));
		ck_assert(!memcmp(b, want + 12345 + 3, sizeof(b)));
		ck_assert(!memcmp(c, want + 12345 + 5003, sizeof(c)));
	}
	free(want);
	free(got);
	close(host);
	close(fd);
}
END_TEST

START_TEST(ivshmem_mapping_both_ways)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	int fd = mu_open(&shm, 2, 0, NULL), host = mu_host_shm();
	uint8_t *want = malloc(MIB), *got = malloc(MIB);
	uint8_t *map;
	long d;

	map = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_msg(map != MAP_FAILED, "mmap: %s", strerror(errno));

	/* Guest writes through the mapping; the host sees it. */
	mu_random(want, MIB, mu_seed() + 2);
	memcpy(map, want, MIB);
	mu_pread_all(host, got, MIB, 0);
	d = mu_diff(want, got, MIB);
	ck_assert_msg(d < 0, "host sees another byte at %ld", d);

	/* Host plants; the guest reads it through the mapping. */
	mu_random(want, MIB, mu_seed() + 3);
	mu_pwrite_all(host, want, MIB, 0);
	memcpy(got, map, MIB);
	d = mu_diff(want, got, MIB);
	ck_assert_msg(d < 0, "mapping shows another byte at %ld", d);

	/* The mapping and the descriptor agree. */
	ck_assert_int_eq(pread(fd, got, MIB, 0), MIB);
	ck_assert(mu_diff(map, got, MIB) < 0);

	/* A partial mapping at an offset. */
	{
		uint8_t *part = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd,
				     65536);

		ck_assert(part != MAP_FAILED);
		ck_assert(!memcmp(part, want + 65536, 8192));
		munmap(part, 8192);
	}
	munmap(map, MIB);
	free(want);
	free(got);
	close(host);
	close(fd);
}
END_TEST

START_TEST(ivshmem_live_change)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	int fd = mu_open(&shm, 2, 0, NULL), host = mu_host_shm();
	volatile uint32_t *map;
	uint32_t v, i;

	map = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(map != MAP_FAILED);
	/* The descriptor may close: the mapping holds the BAR. */
	close(fd);
	for (i = 0; i < 16; i++) {
		v = 0xc0de0000u + i;
		mu_pwrite_all(host, &v, 4, 0x8000 + 4 * i);
		ck_assert_uint_eq(map[(0x8000 >> 2) + i], v);
		map[(0x9000 >> 2) + i] = ~v;
		mu_pread_all(host, &v, 4, 0x9000 + 4 * i);
		ck_assert_uint_eq(v, ~(0xc0de0000u + i));
	}
	munmap((void *)map, MIB);
	close(host);
}
END_TEST

START_TEST(ivshmem_proc_mem)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	int fd = mu_open(&shm, 2, 0, NULL), mem;
	uint8_t *map, got[64];
	char path[64];

	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(map != MAP_FAILED);
	memcpy(map, "through /proc/PID/mem, as gdb reads it", 39);
	/* generic_access_phys: another process's view of the mapping. */
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)getpid());
	mem = open(path, O_RDONLY);
	ck_assert_int_ge(mem, 0);
	ck_assert_int_eq(pread(mem, got, 39, (off_t)(uintptr_t)map), 39);
	ck_assert(!memcmp(got, "through /proc/PID/mem, as gdb reads it", 39));
	close(mem);
	munmap(map, 4096);
	close(fd);
}
END_TEST

/*
 * The same through a mapping of a register BAR, by the module's ->access:
 * the access each read and write of the descriptor would make (a 32-bit
 * read of edu's identity, the liveness register written and read).  The
 * kernel's generic_access_phys() read edu a byte at a time on arm64
 * (memcpy_fromio), which edu refuses: a synchronous external abort.  As
 * there, only a page touched already can be read (check_module_revoke
 * tells page table entries so).
 */
START_TEST(edu_proc_mem)
{
	struct mu_dev edu = mu_find(EDU_ID);
	int fd = mu_open(&edu, 0, 0, NULL), mem;
	volatile uint32_t *map;
	uint32_t v;
	uint8_t b;
	char path[64];

	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(map != MAP_FAILED);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)getpid());
	mem = open(path, O_RDWR);
	ck_assert_int_ge(mem, 0);
	errno = 0;
	ck_assert_int_eq(pread(mem, &v, 4, (off_t)(uintptr_t)map), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_uint_eq(map[0], 0x010000ed);
	ck_assert_int_eq(pread(mem, &v, 4, (off_t)(uintptr_t)map), 4);
	ck_assert_uint_eq(v, 0x010000ed);
	/* One byte of a register: the dword read, as pread keeps it. */
	ck_assert_int_eq(pread(mem, &b, 1, (off_t)(uintptr_t)map + 3), 1);
	ck_assert_uint_eq(b, 0x01);
	v = 0x5a5a0ff0;
	ck_assert_int_eq(pwrite(mem, &v, 4, (off_t)(uintptr_t)(map + 1)), 4);
	ck_assert_uint_eq(map[1], ~0x5a5a0ff0u);
	ck_assert_int_eq(pread(mem, &v, 4, (off_t)(uintptr_t)(map + 1)), 4);
	ck_assert_uint_eq(v, ~0x5a5a0ff0u);
	close(mem);
	munmap((void *)map, 4096);
	close(fd);
}
END_TEST

START_TEST(ivshmem_memtype)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	struct aperture_io_bar a;
	int fd, fd2, ctl;
	uint8_t *map;

	fd = mu_open(&shm, 2, 0, &a);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_WC);
	/* One memory type per BAR while open. */
	ck_assert_int_eq(mu_try_open(&shm, 2, APERTURE_IO_MEMTYPE_UC, NULL),
			 -EBUSY);
	fd2 = mu_open(&shm, 2, APERTURE_IO_MEMTYPE_WC, &a);
	close(fd2);
	close(fd);
	/* Closed: uncached now, and mappable uncached. */
	fd = mu_open(&shm, 2, APERTURE_IO_MEMTYPE_UC, &a);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_UC);
	ck_assert_int_eq(mu_try_open(&shm, 2, APERTURE_IO_MEMTYPE_WC, NULL),
			 -EBUSY);
	fd2 = mu_open(&shm, 2, 0, &a);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_UC);
	/* INFO on the control node says what an open would get. */
	ctl = mu_ctl();
	a = mu_arg(&shm, 2, 0);
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_INFO, &a), 0);
	ck_assert_int_eq(a.fd, -1);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_UC);
	close(ctl);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	ck_assert(map != MAP_FAILED);
	map[5] = 0x42;
	ck_assert_uint_eq(map[5], 0x42);
	munmap(map, 4096);
	close(fd2);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */
/* kernel log                                                          */
/* ------------------------------------------------------------------ */

START_TEST(klog_clean)
{
	char line[512];

	ck_assert_msg(!mu_klog_bad(line, sizeof(line)), "kernel log: %s", line);
}
END_TEST

Suite *module_suite(void);

Suite *module_suite(void)
{
	Suite *s = suite_create("module");
	TCase *tc;

	tc = tcase_create("edu");
	tcase_add_test(tc, edu_identity);
	tcase_add_test(tc, edu_liveness);
	tcase_add_test(tc, edu_factorial);
	suite_add_tcase(s, tc);

	tc = tcase_create("widths");
	tcase_add_test(tc, widths_auto_any_byte);
	tcase_add_test(tc, widths_fixed);
	tcase_add_test(tc, widths_unaligned_writes);
	tcase_add_test(tc, widths_prefetch_bytes);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("ivshmem");
	tcase_add_test(tc, ivshmem_pwrite_host_sees);
	tcase_add_test(tc, ivshmem_host_planted_pread);
	tcase_add_test(tc, ivshmem_mapping_both_ways);
	tcase_add_test(tc, ivshmem_live_change);
	tcase_add_test(tc, ivshmem_proc_mem);
	tcase_add_test(tc, edu_proc_mem);
	tcase_add_test(tc, ivshmem_memtype);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("klog");
	tcase_add_test(tc, klog_clean);
	suite_add_tcase(s, tc);
	return s;
}

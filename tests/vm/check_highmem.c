/*
 * check_highmem.c - the 32-bit HIGHMEM world (kernel 6.1-686-pae): what
 * aperture_io does where the kernel cannot map a BAR whole.
 *
 *   world      a 32-bit kernel with HIGHMEM in use (its log, meminfo)
 *   windows    write-combining BARs go through one page window at a time:
 *              with the VGA's 16 MiB BAR or ivshmem's 2 GiB one open and
 *              read and written end to end, the module's share of the
 *              vmalloc area (/proc/vmallocinfo) stays below the BAR size,
 *              and 16 MiB compare equal with the VRAM and with the host's
 *              file behind ivshmem
 *   above4g    ivshmem's 64-bit prefetchable BAR lies above 4 GiB and is
 *              reached there, by the module (pread, pwrite, mmap of its
 *              last page) and through aperturefs, whose
 *              file has a 64-bit size and offsets; a BAR of 4 GiB, whose
 *              size a 32-bit kernel's windows cannot hold, is refused
 *   uncached   register (uncached) windows are one ioremap of the whole
 *              BAR: a 16 MiB one takes 16 MiB of the vmalloc area, and a
 *              BAR larger than that area cannot be opened uncached (ENOMEM)
 *
 * Needs the runner's ivshmem at 2 GiB (--ivshmem-size 2G: it does not fit
 * below 4 GiB, so the firmware places it above), a second ivshmem of
 * 4 GiB, and the aperturefs mount at /mnt/apertures: tests/vm/suites
 * gives the options.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aperture_io.h"
#include "module_util.h"

#define MIB		(1ull << 20)
#define GIB		(1ull << 30)
#define SPAN		(16 * MIB)	/* bytes moved per test */
#define VGA_BAR		0
#define SHM_BAR		2
#define SHM_SIZE	(2 * GIB)	/* --ivshmem-size in tests/vm/suites */
#define RES_PREFETCH	0x2000ull	/* IORESOURCE_PREFETCH */
#define RES_MEM64	0x100000ull	/* IORESOURCE_MEM_64 */

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* Start, size and flags of BAR bar of d, as the guest kernel placed it. */
static void sysfs_bar(const struct mu_dev *d, int bar, uint64_t *start,
		      uint64_t *size, uint64_t *flags)
{
	char path[128];
	uint64_t end = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource",
		 d->name);
	f = fopen(path, "r");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	for (i = 0; i <= bar; i++)
		ck_assert_int_eq(fscanf(f, "%" SCNx64 " %" SCNx64 " %" SCNx64,
					start, &end, flags), 3);
	fclose(f);
	*size = end ? end - *start + 1 : 0;
}

/*
 * Bytes of the vmalloc area (ioremap included) that aperture_io holds:
 * the entries of /proc/vmallocinfo its code allocated, or that map any
 * part of [start, start + size).
 */
static uint64_t module_vmalloc(uint64_t start, uint64_t size)
{
	char line[512];
	uint64_t total = 0;
	FILE *f = fopen("/proc/vmallocinfo", "r");

	ck_assert_msg(f, "/proc/vmallocinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long bytes, phys = 0;
		const char *p = strstr(line, " phys=");
		int mine = strstr(line, "[aperture_io]") != NULL;

		if (sscanf(line, "%*s %llu", &bytes) != 1)
			continue;
		if (p && sscanf(p, " phys=%llx", &phys) == 1 &&
		    phys + bytes > start && phys < start + size)
			mine = 1;
		if (mine) {
			fprintf(stderr, "vmallocinfo: %s", line);
			total += bytes;
		}
	}
	fclose(f);
	return total;
}

/* A value of /proc/meminfo, in kB. */
static uint64_t meminfo_kb(const char *key)
{
	char line[256];
	unsigned long long v;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':' &&
		    sscanf(line + n + 1, "%llu", &v) == 1) {
			fclose(f);
			return v;
		}
	fclose(f);
	ck_abort_msg("no %s in /proc/meminfo", key);
	return 0;
}

/* The kernel log, NUL-terminated (free it). */
static char *kernel_log(void)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;
	int n;

	ck_assert_int_gt(size, 0);
	buf = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(buf);
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	ck_assert_int_ge(n, 0);
	buf[n] = 0;
	return buf;
}

static void *xmalloc(size_t len)
{
	void *p = malloc(len);

	ck_assert_ptr_nonnull(p);
	return p;
}

/*
 * Writes SPAN random bytes at off through the module's fd, checks that the
 * module's vmalloc share stays below the BAR size while it is open, and
 * reads them back; returns the bytes written (free them).
 */
static uint8_t *roundtrip(int fd, const struct aperture_io_bar *a,
			  uint64_t off)
{
	uint8_t *want = xmalloc(SPAN), *got = xmalloc(SPAN);
	uint64_t held;
	long d;

	mu_random(want, SPAN, mu_seed());
	mu_pwrite_all(fd, want, SPAN, (off_t)off);
	mu_pread_all(fd, got, SPAN, (off_t)off);
	d = mu_diff(want, got, SPAN);
	ck_assert_msg(d < 0, "read back differs at %#llx",
		      (unsigned long long)off + (unsigned long long)d);
	held = module_vmalloc(a->start, a->size);
	fprintf(stderr, "module's vmalloc share with %llu MiB open: %llu bytes\n",
		(unsigned long long)(a->size / MIB), (unsigned long long)held);
	ck_assert_msg(held < a->size,
		      "the module holds %llu bytes of vmalloc area for a "
		      "%llu-byte BAR: mapped whole, not per page",
		      (unsigned long long)held, (unsigned long long)a->size);
	free(got);
	return want;
}

/* ------------------------------------------------------------------ */
/* world: a 32-bit kernel with HIGHMEM in use                          */
/* ------------------------------------------------------------------ */

START_TEST(highmem_in_use)
{
	char *log = kernel_log(), *p;
	unsigned int mb = 0;

	ck_assert_msg(mu_kernel_is_32bit(),
		      "this suite is for the 32-bit world (6.1-686-pae)");
	p = strstr(log, "MB HIGHMEM available.");
	ck_assert_msg(p, "the kernel log does not say that HIGHMEM is available");
	while (p > log && p[-1] >= '0' && p[-1] <= '9')
		p--;
	ck_assert_int_eq(sscanf(p, "%u", &mb), 1);
	ck_assert_uint_gt(mb, 0);
	ck_assert_uint_gt(meminfo_kb("HighTotal"), 0);
	free(log);
}
END_TEST

/* ------------------------------------------------------------------ */
/* windows: one page at a time                                         */
/* ------------------------------------------------------------------ */

START_TEST(vga_16m_through_page_windows)
{
	struct mu_dev vga = mu_find(VGA_ID);
	struct aperture_io_bar a;
	uint8_t *want;
	int fd;

	fd = mu_open(&vga, VGA_BAR, 0, &a);
	ck_assert_uint_eq(a.size, SPAN);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_WC);
	want = roundtrip(fd, &a, 0);
	free(want);
	close(fd);
}
END_TEST

/* 16 MiB at the top of the 2 GiB BAR, both ways against the host's file. */
START_TEST(ivshmem_16m_against_the_host)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	uint64_t off = SHM_SIZE - SPAN - 4096 + 8;
	uint8_t *want, *got = xmalloc(SPAN);
	struct aperture_io_bar a;
	int fd, host;
	long d;

	fd = mu_open(&shm, SHM_BAR, 0, &a);
	ck_assert_uint_eq(a.size, SHM_SIZE);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_WC);
	host = mu_host_shm();

	want = roundtrip(fd, &a, off);
	mu_pread_all(host, got, SPAN, (off_t)off);
	d = mu_diff(want, got, SPAN);
	ck_assert_msg(d < 0, "the host's file differs at %#llx",
		      (unsigned long long)off + (unsigned long long)d);

	/* The host writes, the module reads. */
	off = 1 * GIB + 3;
	mu_random(want, SPAN, mu_seed() + 1);
	mu_pwrite_all(host, want, SPAN, (off_t)off);
	mu_pread_all(fd, got, SPAN, (off_t)off);
	d = mu_diff(want, got, SPAN);
	ck_assert_msg(d < 0, "the BAR differs from the host's file at %#llx",
		      (unsigned long long)off + (unsigned long long)d);
	free(want);
	free(got);
	close(host);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */
/* above4g: 64-bit addresses and offsets                               */
/* ------------------------------------------------------------------ */

START_TEST(ivshmem_bar_above_4g)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	uint64_t start, size, flags;
	uint8_t want[256], got[256], *p;
	struct aperture_io_bar a;
	int fd, host;

	sysfs_bar(&shm, SHM_BAR, &start, &size, &flags);
	ck_assert_msg(start >= 4 * GIB, "ivshmem BAR2 at %#llx, below 4 GiB",
		      (unsigned long long)start);
	ck_assert_uint_eq(size, SHM_SIZE);
	ck_assert_uint_eq(flags & (RES_PREFETCH | RES_MEM64),
			  RES_PREFETCH | RES_MEM64);

	fd = mu_open(&shm, SHM_BAR, 0, &a);
	ck_assert_uint_eq(a.start, start);
	ck_assert_uint_eq(a.size, size);
	ck_assert_uint_eq(a.bar_flags & (APERTURE_IO_BAR_64 |
					 APERTURE_IO_BAR_PREFETCH),
			  APERTURE_IO_BAR_64 | APERTURE_IO_BAR_PREFETCH);

	/* Its last page mapped by a user: the host sees what was stored. */
	host = mu_host_shm();
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)(size - 4096));
	ck_assert_msg(p != MAP_FAILED, "mmap of the last page: %s",
		      strerror(errno));
	mu_random(want, sizeof(want), mu_seed());
	memcpy(p + 4096 - sizeof(want), want, sizeof(want));
	/* Drains write-combining buffers (msync has nothing to do here). */
	__sync_synchronize();
	ck_assert_int_eq(pread(host, got, sizeof(got),
			       (off_t)(size - sizeof(got))), sizeof(got));
	ck_assert_int_eq(mu_diff(want, got, sizeof(want)), -1);
	munmap(p, 4096);
	close(host);
	close(fd);
}
END_TEST

/* The daemon's file: a 2 GiB size and offsets past 2^31 - 1 bytes. */
START_TEST(aperturefs_file_offsets_are_64bit)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	uint8_t want[64], got[64];
	char path[128];
	struct stat st;
	int fd, host;
	off_t off = (off_t)SHM_SIZE - (off_t)sizeof(want);

	snprintf(path, sizeof(path), "/mnt/apertures/%s/bar%d", shm.name,
		 SHM_BAR);
	fd = open(path, O_RDWR);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)SHM_SIZE);
	ck_assert_int_eq(lseek(fd, 0, SEEK_END), (off_t)SHM_SIZE);

	host = mu_host_shm();
	mu_random(want, sizeof(want), mu_seed());
	ck_assert_int_eq(pwrite(fd, want, sizeof(want), off), sizeof(want));
	ck_assert_int_eq(pread(host, got, sizeof(got), off), sizeof(got));
	ck_assert_int_eq(mu_diff(want, got, sizeof(want)), -1);
	ck_assert_int_eq(pread(fd, got, sizeof(got), (off_t)SHM_SIZE), 0);
	ck_assert_int_eq(pwrite(fd, want, 1, (off_t)SHM_SIZE), -1);
	ck_assert_int_eq(errno, ENOSPC);
	close(host);
	close(fd);
}
END_TEST

/*
 * A BAR of 4 GiB (a second ivshmem, tests/vm/suites): a 32-bit kernel's
 * windows cannot hold its size, so the open is refused (EFBIG), without a
 * kernel warning, while the BAR is still described.
 */
START_TEST(bar_of_4g_is_refused)
{
	struct mu_dev big;
	uint64_t start, size, flags;
	struct aperture_io_bar a = {0};
	char line[256];
	int ctl;

	ck_assert_msg(mu_find_nth(IVSHMEM_ID, 0, 1, &big),
		      "no second ivshmem (the 4 GiB one) in this guest");
	sysfs_bar(&big, SHM_BAR, &start, &size, &flags);
	ck_assert_uint_eq(size, 4 * GIB);
	ck_assert_uint_ge(start, 4 * GIB);

	ck_assert_int_eq(mu_try_open(&big, SHM_BAR, 0, NULL), -EFBIG);
	ck_assert_int_eq(mu_try_open(&big, SHM_BAR, APERTURE_IO_MEMTYPE_UC,
				     NULL), -EFBIG);
	a = mu_arg(&big, SHM_BAR, 0);
	ctl = mu_ctl();
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_INFO, &a), 0);
	close(ctl);
	ck_assert_uint_eq(a.start, start);
	ck_assert_uint_eq(a.size, 4 * GIB);
	ck_assert_msg(!mu_klog_bad(line, sizeof(line)), "kernel log: %s", line);
}
END_TEST

/* ------------------------------------------------------------------ */
/* uncached: register windows are the whole BAR                        */
/* ------------------------------------------------------------------ */

/*
 * The kernel has no per-page uncached window for drivers (io_mapping is
 * write-combining only), so the module ioremaps an uncached BAR whole: it
 * takes the BAR's size of the vmalloc area, and a BAR larger than that
 * area cannot be opened uncached.  Write-combining opens are unaffected.
 */
START_TEST(uncached_maps_the_bar_whole)
{
	struct mu_dev vga = mu_find(VGA_ID), shm = mu_find(IVSHMEM_ID);
	uint64_t vmalloc_total = meminfo_kb("VmallocTotal") * 1024;
	struct aperture_io_bar a;
	int fd;

	fprintf(stderr, "VmallocTotal: %llu MiB\n",
		(unsigned long long)(vmalloc_total / MIB));
	fd = mu_open(&vga, VGA_BAR, APERTURE_IO_MEMTYPE_UC, &a);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_UC);
	ck_assert_uint_ge(module_vmalloc(a.start, a.size), a.size);
	close(fd);

	ck_assert_uint_lt(vmalloc_total, SHM_SIZE);
	ck_assert_int_eq(mu_try_open(&shm, SHM_BAR, APERTURE_IO_MEMTYPE_UC,
				     NULL), -ENOMEM);
	fd = mu_open(&shm, SHM_BAR, APERTURE_IO_MEMTYPE_WC, &a);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The suite                                                           */
/* ------------------------------------------------------------------ */

static TCase *tcase(const char *name, int timeout)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, timeout);
	return tc;
}

Suite *highmem_suite(void);

Suite *highmem_suite(void)
{
	Suite *s = suite_create("highmem");
	TCase *tc;

	tc = tcase("world", 10);
	tcase_add_test(tc, highmem_in_use);
	suite_add_tcase(s, tc);

	tc = tcase("windows", 300);
	tcase_add_test(tc, vga_16m_through_page_windows);
	tcase_add_test(tc, ivshmem_16m_against_the_host);
	suite_add_tcase(s, tc);

	tc = tcase("above4g", 60);
	tcase_add_test(tc, ivshmem_bar_above_4g);
	tcase_add_test(tc, aperturefs_file_offsets_are_64bit);
	tcase_add_test(tc, bar_of_4g_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase("uncached", 60);
	tcase_add_test(tc, uncached_maps_the_bar_whole);
	suite_add_tcase(s, tc);
	return s;
}

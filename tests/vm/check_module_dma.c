/*
 * check_module_dma.c - an owned function's DMA buffers and interrupts, on
 * edu, through the module's descriptors only (no mount), in a guest of
 * tests/vm/run with a second edu behind a PCIe root port (this suite's
 * line in tests/vm/suites).  check_module_dma_iommu.c is the same suite
 * in a guest with QEMU's intel-iommu (tests/vm/run --iommu); each asserts
 * the world it is in (FUNC_INFO's iommu), never skips.
 *
 * edu (0000:00:04.0) is owned through driver_override and drivers_probe;
 * two buffers; edu's DMA engine copies random bytes from one into its own
 * buffer at 0x40000 and back into the other; the completion interrupt is
 * counted by INTx and by MSI; edu's raise register gives counted
 * interrupts; poll wakes; O_NONBLOCK is EAGAIN.  Without an IOMMU, DMA is
 * EPERM until allow_unsafe_noiommu_dma=1; with one, bus addresses are not
 * physical, and a DMA outside the buffers faults in the IOMMU (DMAR,
 * naming 00:04.0) and changes nothing.  Release, removal (device_del) and
 * rmmod with a reader blocked on a vector and buffers mapped: the reader
 * gets ENODEV, the mappings SIGBUS, the counts drop, nothing oopses.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aperture_io.h"
#include "hotplug_util.h"
#include "own_util.h"

#ifndef DMA_IOMMU
#define DMA_IOMMU 0
#endif

#define BUF_SIZE	8192
#define XFER		3000	/* edu's engine: 1-4095 bytes on QEMU 7.2 */
#define CMD_FILE	"/tmp/edu-command-found"

static struct mu_dev edu(void)
{
	struct mu_dev d = mu_find(EDU_ID);

	ck_assert_str_eq(d.name, "0000:00:04.0");
	return d;
}

/*
 * The width of edu's DMA engine, as tests/vm/run made it: 28 bits (QEMU's
 * default, q35), 32 on virt, whose RAM starts at 1 GiB.
 */
static unsigned int edu_dma_bits(void)
{
	const char *s = getenv("APERTURE_EDU_DMA_BITS");

	ck_assert_msg(s && (!strcmp(s, "28") || !strcmp(s, "32")),
		      "APERTURE_EDU_DMA_BITS is '%s', not 28 or 32 "
		      "(tests/vm/run sets it)", s ? s : "(unset)");
	return (unsigned int)atoi(s);
}

/* Reads a whole small file of the guest into buf: its length. */
static size_t slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	n = read(fd, buf, len - 1);
	close(fd);
	ck_assert_int_ge(n, 0);
	buf[n] = 0;
	return (size_t)n;
}

#if DMA_IOMMU
/* Waits up to 10 s for a kernel log line with needle. */
static void wait_klog(const char *needle)
{
	for (int i = 0; i < 100 && !mu_klog_count(needle); i++)
		usleep(100 * 1000);
	ck_assert_msg(mu_klog_count(needle), "no '%s' in the kernel log",
		      needle);
}
#endif

/*
 * Owning keeps the BAR descriptors and mappings the user had, turns bus
 * mastering off (found on here) and is undone by release later.
 */
START_TEST(own_keeps_bars)
{
	struct mu_dev d = edu();
	struct aperture_io_func f;
	uint32_t cmd, *map;
	char line[32];
	int bar, bar2, fd;

	cmd = mu_cfg_read(&d, 4, 2);
	fd = open(CMD_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	snprintf(line, sizeof(line), "%u\n", cmd);
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	close(fd);
	/* Found with bus mastering on: the release must leave it off. */
	mu_cfg_write(&d, 4, 2, cmd | 0x4);

	bar = mu_open(&d, 0, 0, NULL);
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, bar, 0);
	ck_assert(map != MAP_FAILED);
	f = ou_info(&d);
	ck_assert_uint_eq(f.owned, 0);
	ck_assert_uint_eq(f.master, 1);
	ck_assert_int_eq(ou_try_alloc(&d, 4096, NULL), -EACCES);

	ou_own(&d);
	ck_assert_uint_eq(mu_rd32(bar, 0), 0x010000ed);
	ck_assert_int_eq(mu_in_child(mu_touch_child, map), 0);
	ck_assert_uint_eq(map[0], 0x010000ed);
	bar2 = mu_open(&d, 0, 0, NULL);
	ck_assert_uint_eq(mu_rd32(bar2, 0), 0x010000ed);
	f = ou_info(&d);
	ck_assert_uint_eq(f.abi_version, APERTURE_IO_ABI_VERSION);
	ck_assert_uint_eq(f.owned, 1);
	ck_assert_uint_eq(f.master, 0);
	ck_assert_uint_eq(mu_cfg_read(&d, 4, 2) & 0x4, 0);
	ck_assert_uint_eq(f.irq_max & 3, 3);	/* INTx and MSI */
	ck_assert_uint_eq(f.iommu, DMA_IOMMU ? APERTURE_IO_IOMMU_DMA :
			  APERTURE_IO_IOMMU_NONE);
	munmap(map, 4096);
	close(bar2);
	close(bar);
}
END_TEST

/* Who may do what: EACCES on others, EPERM without an IOMMU, limits. */
START_TEST(refusals_and_limits)
{
	struct mu_dev d = edu(), other = mu_find(IVSHMEM_ID);
	int before, fd, fd2;
	char t[32];

	ck_assert_int_eq(ou_func(APERTURE_IO_SET_MASTER, &other, 1, NULL),
			 -EACCES);
	ck_assert_int_eq(ou_try_alloc(&other, 4096, NULL), -EACCES);
	ck_assert_int_eq(ou_irq(&other, APERTURE_IO_IRQ_MSI, 1, -1), -EACCES);
	ck_assert_uint_eq(ou_info(&other).owned, 0);

	before = mu_klog_count("no IOMMU translates this function's DMA");
	if (!DMA_IOMMU) {
		ck_assert_int_eq(ou_try_alloc(&d, 4096, NULL), -EPERM);
		ck_assert_int_eq(ou_func(APERTURE_IO_SET_MASTER, &d, 1, NULL),
				 -EPERM);
		ck_assert_int_eq(mu_klog_count("no IOMMU translates this function's DMA"),
				 before + 2);
		ou_param("allow_unsafe_noiommu_dma", "1");
	}
	fd = ou_alloc(&d, 4096, NULL);
	if (!DMA_IOMMU) {
		/* TAINT_USER (bit 6), said once. */
		slurp("/proc/sys/kernel/tainted", t, sizeof(t));
		ck_assert(strtoul(t, NULL, 10) & (1ul << 6));
		ck_assert_int_eq(mu_klog_count("allow_unsafe_noiommu_dma=1): tainting"),
				 1);
	}
	ck_assert_uint_eq(ou_info(&d).dma_buffers, 1);

	ou_param("dma_max_function", "16384");
	fd2 = ou_alloc(&d, 12288, NULL);
	ck_assert_int_eq(ou_try_alloc(&d, 4096, NULL), -ENOSPC);
	ck_assert_int_eq(mu_klog_count("its limit of 16384 (module parameter dma_max_function)"),
			 1);
	ou_param("dma_max_function", "67108864");
	ou_param("dma_max_total", "8192");
	ck_assert_int_eq(ou_try_alloc(&d, 4096, NULL), -ENOSPC);
	ck_assert_int_eq(mu_klog_count("(module parameter dma_max_total)"), 1);
	ou_param("dma_max_total", "268435456");
	close(fd2);
	close(fd);
	/* Mastering is off: the memory went back at once. */
	ck_assert_uint_eq(ou_info(&d).dma_buffers, 0);
	ck_assert_uint_eq(ou_info(&d).dma_bytes, 0);
}
END_TEST

/*
 * Copies random bytes from buffer A through edu's buffer into B, each
 * DMA's completion counted on vector vec; intx: unmask after each.
 */
static void copy_through_edu(int vec, int intx, uint64_t seed)
{
	struct mu_dev d = edu();
	struct aperture_io_dma a, b, info;
	uint8_t *ma, *want, *got;
	int fa, fb, bar;

	unsigned int bits = edu_dma_bits();

#if defined(__aarch64__) && !DMA_IOMMU
	/* virt's RAM starts at 1 GiB: a 28-bit mask reaches none of it. */
	ck_assert_int_eq(ou_func(APERTURE_IO_SET_DMA_MASK, &d, 28, NULL),
			 -EIO);
#endif
	ck_assert_int_eq(ou_func(APERTURE_IO_SET_DMA_MASK, &d, bits, NULL), 0);
	ck_assert_uint_eq(ou_info(&d).dma_bits, bits);
	fa = ou_alloc(&d, BUF_SIZE - 100, &a);
	fb = ou_alloc(&d, BUF_SIZE, &b);
	ck_assert_uint_eq(a.size, BUF_SIZE);
	ck_assert_uint_le(a.dma_addr + a.size, 1ull << bits);
	ck_assert_uint_le(b.dma_addr + b.size, 1ull << bits);
	memset(&info, 0, sizeof(info));
	info.argsz = sizeof(info);
	ck_assert_int_eq(ioctl(fb, APERTURE_IO_DMA_INFO, &info), 0);
	ck_assert_uint_eq(info.dma_addr, b.dma_addr);
	ck_assert_uint_eq(info.size, BUF_SIZE);
	ck_assert_uint_eq(info.devfn, d.devfn);

	want = malloc(BUF_SIZE);
	got = malloc(BUF_SIZE);
	mu_random(want, BUF_SIZE, seed);
	ma = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fa, 0);
	ck_assert(ma != MAP_FAILED);
	memcpy(ma, want, BUF_SIZE);
	mu_pread_all(fb, got, BUF_SIZE, 0);
	for (int i = 0; i < BUF_SIZE; i++)
		ck_assert_uint_eq(got[i], 0);

	bar = mu_open(&d, 0, 0, NULL);
	ck_assert_int_eq(ou_func(APERTURE_IO_SET_MASTER, &d, 1, NULL), 0);
	ck_assert_uint_eq(ou_info(&d).master, 1);
	ou_edu_dma(bar, a.dma_addr + 100, EDU_BUF, XFER, 0);
	ck_assert_int_eq(ou_wait_vec(vec), 1);
	ck_assert_uint_eq(mu_rd32(bar, EDU_IRQ_STATUS), EDU_DMA_DONE);
	mu_wr32(bar, EDU_IRQ_ACK, EDU_DMA_DONE);
	if (intx)
		ck_assert_int_eq(ou_vec_ctl(vec, APERTURE_IO_IRQ_UNMASK), 0);
	ou_edu_dma(bar, EDU_BUF, b.dma_addr + 1000, XFER, 1);
	ck_assert_int_eq(ou_wait_vec(vec), 1);
	mu_wr32(bar, EDU_IRQ_ACK, EDU_DMA_DONE);
	if (intx)
		ck_assert_int_eq(ou_vec_ctl(vec, APERTURE_IO_IRQ_UNMASK), 0);
	ck_assert_int_eq(ou_func(APERTURE_IO_SET_MASTER, &d, 0, NULL), 0);

	mu_pread_all(fb, got, BUF_SIZE, 0);
	ck_assert_int_eq(mu_diff(got + 1000, want + 100, XFER), -1);
	for (int i = 0; i < 1000; i++)
		ck_assert_uint_eq(got[i], 0);
	for (int i = 1000 + XFER; i < BUF_SIZE; i++)
		ck_assert_uint_eq(got[i], 0);
	munmap(ma, BUF_SIZE);
	close(bar);
	close(fa);
	close(fb);
	free(want);
	free(got);
	ck_assert_uint_eq(ou_info(&d).dma_buffers, 0);
}

START_TEST(copy_intx)
{
	struct mu_dev d = edu();
	int vec = ou_vector(&d, APERTURE_IO_IRQ_INTX);

	ck_assert_uint_eq(ou_info(&d).irq_type, APERTURE_IO_IRQ_INTX);
	copy_through_edu(vec, 1, mu_seed());
	close(vec);
}
END_TEST

START_TEST(copy_msi)
{
	struct mu_dev d = edu();
	int vec = ou_vector(&d, APERTURE_IO_IRQ_MSI);
	struct aperture_io_func f = ou_info(&d);

	ck_assert_uint_eq(f.irq_type, APERTURE_IO_IRQ_MSI);
	ck_assert_uint_eq(f.irq_count, 1);
	copy_through_edu(vec, 0, mu_seed() + 1);
	close(vec);
}
END_TEST

/* edu's raise register: each raise counted, INTx masked until unmasked. */
START_TEST(raise_counts)
{
	struct mu_dev d = edu();
	int bar = mu_open(&d, 0, 0, NULL), vec;
	char name[96];
	int64_t sum;

	vec = ou_vector(&d, APERTURE_IO_IRQ_MSI);
	/* An MSI is a memory write of the function: bus mastering on. */
	ck_assert_int_eq(ou_func(APERTURE_IO_SET_MASTER, &d, 1, NULL), 0);
	/*
	 * Three interrupts, each handled before the next is raised (MSIs
	 * to one vector that is still pending merge in the CPU), counted
	 * by one read.
	 */
	snprintf(name, sizeof(name), "aperture_io:%s:msi0", d.name);
	for (int i = 0; i < 3; i++) {
		ou_raise_handled(bar, name);
		mu_wr32(bar, EDU_IRQ_ACK, 1);
	}
	sum = ou_read_vec(vec);
	ck_assert_int_eq(sum, 3);
	mu_wr32(bar, EDU_IRQ_ACK, 1);
	/* Masked, a raise waits; unmasked, it arrives. */
	ck_assert_int_eq(ou_vec_ctl(vec, APERTURE_IO_IRQ_MASK), 0);
	ck_assert_int_eq(fcntl(vec, F_SETFL, O_NONBLOCK), 0);
	mu_wr32(bar, EDU_IRQ_RAISE, 1);
	ck_assert_int_eq(ou_read_vec(vec), -EAGAIN);
	ck_assert_int_eq(ou_vec_ctl(vec, APERTURE_IO_IRQ_UNMASK), 0);
	ck_assert_int_eq(ou_wait_vec(vec), 1);
	mu_wr32(bar, EDU_IRQ_ACK, 1);
	/* A new setting ends the old vector's descriptor. */
	ck_assert_int_eq(ou_irq(&d, APERTURE_IO_IRQ_INTX, 1, -1), 0);
	ck_assert_int_eq(ou_read_vec(vec), -ENODEV);
	close(vec);

	vec = ou_irq(&d, APERTURE_IO_IRQ_INTX, 1, 0);
	ck_assert_int_ge(vec, 0);
	ck_assert_int_eq(fcntl(vec, F_SETFL, O_NONBLOCK), 0);
	mu_wr32(bar, EDU_IRQ_RAISE, 1);
	ck_assert_int_eq(ou_wait_vec(vec), 1);
	/* INTx is masked at the function now: the line stays quiet. */
	ck_assert_uint_ne(mu_cfg_read(&d, 4, 2) & 0x400, 0);
	mu_wr32(bar, EDU_IRQ_RAISE, 2);
	ck_assert_int_eq(ou_read_vec(vec), -EAGAIN);
	/* Unmasked while edu still asserts it: counted again, still masked. */
	ck_assert_int_eq(ou_vec_ctl(vec, APERTURE_IO_IRQ_UNMASK), 0);
	ck_assert_int_eq(ou_wait_vec(vec), 1);
	mu_wr32(bar, EDU_IRQ_ACK, 3);
	ck_assert_int_eq(ou_vec_ctl(vec, APERTURE_IO_IRQ_UNMASK), 0);
	ck_assert_uint_eq(mu_cfg_read(&d, 4, 2) & 0x400, 0);
	ck_assert_int_eq(ou_read_vec(vec), -EAGAIN);
	mu_wr32(bar, EDU_IRQ_RAISE, 1);
	ck_assert_int_eq(ou_wait_vec(vec), 1);
	mu_wr32(bar, EDU_IRQ_ACK, 1);
	ck_assert_int_eq(ou_vec_ctl(vec, APERTURE_IO_IRQ_UNMASK), 0);
	ck_assert_int_eq(ou_func(APERTURE_IO_SET_MASTER, &d, 0, NULL), 0);
	close(vec);
	close(bar);
}
END_TEST

/* poll() wakes on an interrupt that comes while it sleeps. */
START_TEST(poll_wakes)
{
	struct mu_dev d = edu();
	int bar = mu_open(&d, 0, 0, NULL);
	int vec = ou_vector(&d, APERTURE_IO_IRQ_MSI), status;
	struct pollfd p = { .fd = vec, .events = POLLIN };
	pid_t raiser, me = getpid();

	ck_assert_int_eq(ou_func(APERTURE_IO_SET_MASTER, &d, 1, NULL), 0);
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	raiser = fork();
	ck_assert_int_ge(raiser, 0);
	if (raiser == 0) {
		ou_wait_sleeping(me);
		mu_wr32(bar, EDU_IRQ_RAISE, 1);
		_exit(0);
	}
	ck_assert_int_eq(poll(&p, 1, 10000), 1);
	ck_assert(p.revents & POLLIN);
	ck_assert_int_eq(waitpid(raiser, &status, 0), raiser);
	ck_assert_int_eq(ou_read_vec(vec), 1);
	mu_wr32(bar, EDU_IRQ_ACK, 1);
	ck_assert_int_eq(ou_func(APERTURE_IO_SET_MASTER, &d, 0, NULL), 0);
	close(vec);
	close(bar);
}
END_TEST

#if DMA_IOMMU
/* A DMA outside the buffers faults in the IOMMU and changes nothing. */
START_TEST(iommu_refuses_stray_dma)
{
	struct mu_dev d = edu();
	struct aperture_io_dma a, b;
	uint8_t *ia = malloc(BUF_SIZE), *ib = malloc(BUF_SIZE);
	uint8_t *na = malloc(BUF_SIZE), *nb = malloc(BUF_SIZE);
	int fa = ou_alloc(&d, BUF_SIZE, &a), fb = ou_alloc(&d, BUF_SIZE, &b);
	int bar = mu_open(&d, 0, 0, NULL), vec;
	uint64_t stray;
	char needle[64];

	mu_random(ia, BUF_SIZE, mu_seed());
	mu_random(ib, BUF_SIZE, mu_seed() + 7);
	mu_pwrite_all(fa, ia, BUF_SIZE, 0);
	mu_pwrite_all(fb, ib, BUF_SIZE, 0);
	/* Fill edu's buffer, then have it write below the lower buffer. */
	vec = ou_vector(&d, APERTURE_IO_IRQ_MSI);
	ck_assert_int_eq(ou_func(APERTURE_IO_SET_MASTER, &d, 1, NULL), 0);
	ou_edu_dma(bar, a.dma_addr, EDU_BUF, XFER, 0);
	ck_assert_int_eq(ou_wait_vec(vec), 1);
	stray = (a.dma_addr < b.dma_addr ? a.dma_addr : b.dma_addr) - 0x10000;
	ck_assert(stray + XFER <= a.dma_addr || stray >= a.dma_addr + BUF_SIZE);
	ck_assert(stray + XFER <= b.dma_addr || stray >= b.dma_addr + BUF_SIZE);
	ou_edu_dma(bar, EDU_BUF, stray, XFER, 1);
	ck_assert_int_eq(ou_wait_vec(vec), 1);
	mu_wr32(bar, EDU_IRQ_ACK, EDU_DMA_DONE);
	snprintf(needle, sizeof(needle), "00:04.0] fault addr 0x%llx",
		 (unsigned long long)stray);
	wait_klog(needle);
	ck_assert_int_eq(ou_func(APERTURE_IO_SET_MASTER, &d, 0, NULL), 0);
	mu_pread_all(fa, na, BUF_SIZE, 0);
	mu_pread_all(fb, nb, BUF_SIZE, 0);
	ck_assert_int_eq(mu_diff(na, ia, BUF_SIZE), -1);
	ck_assert_int_eq(mu_diff(nb, ib, BUF_SIZE), -1);
	close(vec);
	close(bar);
	close(fa);
	close(fb);
}
END_TEST
#else
/* Without an IOMMU a closed buffer waits for bus mastering to go off. */
START_TEST(freed_waits_for_master_off)
{
	struct mu_dev d = edu();
	int fd = ou_alloc(&d, BUF_SIZE, NULL);

	ck_assert_int_eq(ou_func(APERTURE_IO_SET_MASTER, &d, 1, NULL), 0);
	close(fd);
	ck_assert_uint_eq(ou_info(&d).dma_buffers, 1);
	ck_assert_uint_eq(ou_info(&d).dma_bytes, BUF_SIZE);
	ck_assert_int_eq(ou_func(APERTURE_IO_SET_MASTER, &d, 0, NULL), 0);
	ck_assert_uint_eq(ou_info(&d).dma_buffers, 0);
	ck_assert_uint_eq(ou_info(&d).dma_bytes, 0);
}
END_TEST
#endif

START_TEST(release_under_reader)
{
	struct mu_dev d = edu();
	struct ou_victim v = ou_victim_setup(&d);
	struct aperture_io_func f;
	char found[32];

	ou_release(&d);
	ou_victim_check(&v);
	f = ou_info(&d);
	ck_assert_uint_eq(f.owned, 0);
	ck_assert_uint_eq(f.master, 0);
	ck_assert_uint_eq(f.dma_buffers, 0);
	ck_assert_uint_eq(f.dma_bytes, 0);
	/* The config space as found, bus mastering off. */
	slurp(CMD_FILE, found, sizeof(found));
	ck_assert_uint_eq(mu_cfg_read(&d, 4, 2),
			  strtoul(found, NULL, 10) & ~0x4ul);
	/* The BAR descriptor lives on, as before the ownership. */
	ck_assert_uint_eq(mu_rd32(v.bar, 0), 0x010000ed);
	close(v.bar);
	ck_assert_int_eq(ou_try_alloc(&d, 4096, NULL), -EACCES);
}
END_TEST

/*
 * A reset of an owned function (the bus reset of the edu behind a root
 * port) zaps the mappings of its BARs first; they fault back afterwards.
 */
START_TEST(reset_zaps_mappings)
{
	struct mu_dev hot;
	volatile uint32_t *map;
	int bar;

	ck_assert_msg(mu_find_nth(EDU_ID, 1, 0, &hot),
		      "no edu behind a root port: run with this suite's line "
		      "in tests/vm/suites");
	ou_own(&hot);
	bar = mu_open(&hot, 0, 0, NULL);
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, bar, 0);
	ck_assert(map != MAP_FAILED);
	ck_assert_int_eq(ou_faults_of_touch(map, 0x010000ed), 1);
	ck_assert_int_eq(ou_faults_of_touch(map, 0x010000ed), 0);
	ck_assert_int_eq(mu_sh("echo 1 > /sys/bus/pci/devices/%s/reset",
			       hot.name), 0);
	ck_assert_int_eq(ou_faults_of_touch(map, 0x010000ed), 1);
	ck_assert_int_eq(ou_faults_of_touch(map, 0x010000ed), 0);
	ck_assert_uint_eq(mu_rd32(bar, 0), 0x010000ed);
	munmap((void *)map, 4096);
	close(bar);
	ou_release(&hot);
}
END_TEST

START_TEST(remove_under_reader)
{
	struct mu_dev hot;
	struct ou_victim v;
	uint32_t word;

	ck_assert_msg(mu_find_nth(EDU_ID, 1, 0, &hot),
		      "no edu behind a root port: run with this suite's line "
		      "in tests/vm/suites");
	ck_assert_int_eq(ou_func(APERTURE_IO_SET_DMA_MASK, &hot,
				 edu_dma_bits(), NULL), -EACCES);
	ou_own(&hot);
	v = ou_victim_setup(&hot);
	ck_assert_int_eq(hu_qmp_ask("{\"execute\":\"device_del\",\"arguments\":"
				    "{\"id\":\"hotedu\"}}", 0), 0);
	hu_wait_sysfs(&hot, 0);
	ou_victim_check(&v);
	ck_assert_int_eq(pread(v.bar, &word, 4, 0), -1);
	ck_assert_int_eq(errno, ENODEV);
	close(v.bar);
	ck_assert_int_eq(ou_func(APERTURE_IO_FUNC_INFO, &hot, 0, NULL),
			 -ENODEV);
}
END_TEST

/* rmmod: refused while descriptors live; then it releases the function. */
START_TEST(rmmod_releases)
{
	const char *ko = getenv("APERTURE_KO");
	struct mu_dev d = edu();
	int vec, buf, kfd;
	char found[32];

	ou_own(&d);
	vec = ou_vector(&d, APERTURE_IO_IRQ_INTX);
	buf = ou_alloc(&d, BUF_SIZE, NULL);
	ck_assert_int_eq(syscall(SYS_delete_module, "aperture_io", O_NONBLOCK),
			 -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	ck_assert_str_eq(ou_driver(&d), "aperture_io");
	close(vec);
	close(buf);
	ck_assert_int_eq(syscall(SYS_delete_module, "aperture_io", O_NONBLOCK),
			 0);
	ck_assert_str_eq(ou_driver(&d), "");
	slurp(CMD_FILE, found, sizeof(found));
	ck_assert_uint_eq(mu_cfg_read(&d, 4, 2),
			  strtoul(found, NULL, 10) & ~0x4ul);
	ck_assert_int_eq(mu_sh("echo > /sys/bus/pci/devices/%s/driver_override",
			       d.name), 0);
	ck_assert_msg(ko && *ko, "APERTURE_KO is not set");
	kfd = open(ko, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(kfd, 0);
	ck_assert_int_eq(syscall(SYS_finit_module, kfd, "", 0), 0);
	close(kfd);
	ck_assert_str_eq(ou_driver(&d), "");
}
END_TEST

START_TEST(klog_clean)
{
	char line[512];

	ck_assert_msg(!mu_klog_bad(line, sizeof(line)), "kernel log: %s", line);
}
END_TEST

Suite *SUITE(void);

Suite *SUITE(void)
{
	Suite *s = suite_create(DMA_IOMMU ? "module_dma_iommu" : "module_dma");
	TCase *tc = tcase_create("own");

	tcase_add_test(tc, own_keeps_bars);
	tcase_add_test(tc, refusals_and_limits);
	tcase_add_test(tc, copy_intx);
	tcase_add_test(tc, copy_msi);
	tcase_add_test(tc, raise_counts);
	tcase_add_test(tc, poll_wakes);
#if DMA_IOMMU
	tcase_add_test(tc, iommu_refuses_stray_dma);
#else
	tcase_add_test(tc, freed_waits_for_master_off);
#endif
	tcase_add_test(tc, release_under_reader);
	tcase_add_test(tc, reset_zaps_mappings);
	tcase_add_test(tc, remove_under_reader);
	tcase_add_test(tc, rmmod_releases);
	tcase_add_test(tc, klog_clean);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_module_rules.c - the kernel's own rules, not looser ones: no
 * write-combining on a register BAR, no memory type silently taken over
 * from another mapping of the BAR, a re-open of a descriptor gains
 * nothing, a descriptor's size, mode and owner never change, a BAR
 * smaller than a page is not mapped, an access to a BAR whose decoding
 * is off is refused, and I/O ports are accessed at the width asked for
 * (counted in QEMU's own trace of device accesses, over QMP).
 *
 *   tests/vm/run --no-mount --qemu '-device rtl8139,addr=08.0,romfile=' \
 *       -- '$B/tests/vm/check_module_rules'
 */
#include <check.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "aperture_io.h"
#include "module_util.h"

#define MIB (1024 * 1024)
#define RTL8139_ID	0x10ec8139u	/* -device rtl8139 (tests/vm/suites) */

/* open("/proc/self/fd/N", flags): the descriptor or -errno. */
static int reopen(int fd, int flags)
{
	char path[64];
	int ret;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = open(path, flags | O_CLOEXEC);
	return ret < 0 ? -errno : ret;
}

START_TEST(wc_only_prefetchable)
{
	struct mu_dev edu = mu_find(EDU_ID), shm = mu_find(IVSHMEM_ID);
	const char *says = "write-combining is only for prefetchable BARs";
	int before = mu_klog_count(says), ctl, fd;
	struct aperture_io_bar a;

	/* edu BAR0 holds registers: no write-combining, open or info. */
	ck_assert_int_eq(mu_try_open(&edu, 0, APERTURE_IO_MEMTYPE_WC, NULL),
			 -EINVAL);
	ctl = mu_ctl();
	a = mu_arg(&edu, 0, APERTURE_IO_MEMTYPE_WC);
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_INFO, &a), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(ctl);
	ck_assert_int_gt(mu_klog_count(says), before);
	/* Uncached is fine there, and WC on prefetchable memory. */
	fd = mu_open(&edu, 0, APERTURE_IO_MEMTYPE_UC, &a);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_UC);
	close(fd);
	fd = mu_open(&shm, 2, APERTURE_IO_MEMTYPE_WC, &a);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_WC);
	close(fd);
}
END_TEST

/* Maps the first page of sysfs resource<bar><suffix> of d. */
static void *sysfs_map(const struct mu_dev *d, int bar, const char *suffix)
{
	char path[160];
	void *m;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d%s",
		 d->name, bar, suffix);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_msg(m != MAP_FAILED, "mmap %s: %s", path, strerror(errno));
	close(fd);
	return m;
}

/*
 * Without PAT (the i386 world) there are no types to conflict: no
 * resource2_wc, and with resource2 mapped both types open (an uncached
 * window's bits are then those of write-combining: none is taken for a
 * conflict).
 */
static void memtype_without_pat(const struct mu_dev *shm)
{
	struct aperture_io_bar a;
	char path[160];
	void *m;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource2_wc",
		 shm->name);
	ck_assert_msg(access(path, F_OK) == -1 && errno == ENOENT,
		      "%s exists: this world has PAT", path);
	m = sysfs_map(shm, 2, "");
	fd = mu_open(shm, 2, APERTURE_IO_MEMTYPE_UC, &a);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_UC);
	close(fd);
	fd = mu_open(shm, 2, 0, &a);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_WC);
	close(fd);
	munmap(m, 4096);
}

/*
 * arm64 tracks no memory types (no PAT): the type asked for is the type
 * in force, so another mapping's type, sysfs resource2_wc's or
 * resource2's, is never adopted nor a conflict: each open gets exactly
 * what it asks, an automatic one write-combining (the BAR's own flags).
 */
static void memtype_untracked(const struct mu_dev *shm)
{
	const char *sfx[] = { "_wc", "" };
	struct aperture_io_bar a;
	unsigned int i;
	void *m;
	int fd;

	for (i = 0; i < 2; i++) {
		m = sysfs_map(shm, 2, sfx[i]);
		fd = mu_open(shm, 2, APERTURE_IO_MEMTYPE_UC, &a);
		ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_UC);
		close(fd);
		fd = mu_open(shm, 2, APERTURE_IO_MEMTYPE_WC, &a);
		ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_WC);
		close(fd);
		fd = mu_open(shm, 2, 0, &a);
		ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_WC);
		close(fd);
		munmap(m, 4096);
	}
}

/*
 * Another mapping's memory type is never silently adopted: a type asked
 * for that is not the one in force is EBUSY; an automatic open adopts
 * uncached (never write-combining), logged and reported in memtype.
 */
START_TEST(memtype_conflict_refused)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	const char *says = "another mapping of its range is";
	int before = mu_klog_count(says), fd;
	struct aperture_io_bar a;
	void *m;

	if (mu_world_without_pat()) {
		memtype_without_pat(&shm);
		return;
	}
	if (mu_arch_arm64()) {
		memtype_untracked(&shm);
		return;
	}
	m = sysfs_map(&shm, 2, "_wc");
	ck_assert_int_eq(mu_try_open(&shm, 2, APERTURE_IO_MEMTYPE_UC, NULL),
			 -EBUSY);
	ck_assert_int_gt(mu_klog_count(says), before);
	fd = mu_open(&shm, 2, APERTURE_IO_MEMTYPE_WC, &a);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_WC);
	close(fd);
	munmap(m, 4096);
	fd = mu_open(&shm, 2, APERTURE_IO_MEMTYPE_UC, &a);
	close(fd);

	/*
	 * Uncached in force (here sysfs resource2, on a real card a
	 * driver's ioremap()): an explicit write-combining open is EBUSY,
	 * an automatic one opens uncached and says so.
	 */
	m = sysfs_map(&shm, 2, "");
	ck_assert_int_eq(mu_try_open(&shm, 2, APERTURE_IO_MEMTYPE_WC, NULL),
			 -EBUSY);
	before = mu_klog_count("not write-combining: opened uncached");
	fd = mu_open(&shm, 2, 0, &a);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_UC);
	ck_assert_int_eq(mu_klog_count("not write-combining: opened uncached"),
			 before + 1);
	close(fd);
	fd = mu_open(&shm, 2, APERTURE_IO_MEMTYPE_UC, &a);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_UC);
	close(fd);
	munmap(m, 4096);
	fd = mu_open(&shm, 2, 0, &a);
	ck_assert_uint_eq(a.memtype, APERTURE_IO_MEMTYPE_WC);
	close(fd);
}
END_TEST

START_TEST(reopen_gains_no_write)
{
	struct mu_dev edu = mu_find(EDU_ID);
	int ro = mu_open(&edu, 0, APERTURE_IO_OPEN_RDONLY, NULL);
	int rw = mu_open(&edu, 0, 0, NULL), fd;
	uint32_t v = 0;

	ck_assert_int_eq(reopen(ro, O_RDWR), -EACCES);
	ck_assert_int_eq(reopen(ro, O_WRONLY), -EACCES);
	fd = reopen(ro, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(mu_rd32(fd, 0), 0x010000ed);
	errno = 0;
	ck_assert_int_eq(pwrite(fd, &v, 4, 4), -1);
	ck_assert_int_eq(errno, EBADF);
	close(fd);
	/* A read-write descriptor re-opens read-write. */
	fd = reopen(rw, O_RDWR);
	ck_assert_int_ge(fd, 0);
	mu_wr32(fd, 4, 0x5a5a5a5a);
	ck_assert_uint_eq(mu_rd32(rw, 4), ~0x5a5a5a5au);
	close(fd);
	close(rw);
	close(ro);
}
END_TEST

/* In a child without CAP_SYS_RAWIO: re-open fails, the old fd works. */
static void reopen_without_rawio(void *arg)
{
	int fd = *(int *)arg;
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	uint32_t v = 0;

	if (syscall(SYS_capget, &hdr, data))
		_exit(10);
	data[CAP_SYS_RAWIO / 32].effective &= ~(1u << (CAP_SYS_RAWIO % 32));
	data[CAP_SYS_RAWIO / 32].permitted &= ~(1u << (CAP_SYS_RAWIO % 32));
	if (syscall(SYS_capset, &hdr, data))
		_exit(11);
	if (reopen(fd, O_RDONLY) != -EPERM)
		_exit(12);
	if (pread(fd, &v, 4, 0) != 4 || v != 0x010000ed)
		_exit(13);
	_exit(0);
}

START_TEST(reopen_needs_rawio)
{
	struct mu_dev edu = mu_find(EDU_ID);
	int fd = mu_open(&edu, 0, APERTURE_IO_OPEN_RDONLY, NULL);

	ck_assert_int_eq(mu_in_child(reopen_without_rawio, &fd), 0);
	close(fd);
}
END_TEST

START_TEST(attributes_fixed)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	int fd = mu_open(&shm, 2, 0, NULL);
	struct stat st;

	errno = 0;
	ck_assert_int_eq(ftruncate(fd, 0), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(ftruncate(fd, 2 * MIB), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(fchmod(fd, 0666), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(fchown(fd, 1000, 1000), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, MIB);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(st.st_uid, 0);
	close(fd);
}
END_TEST

START_TEST(subpage_bar_not_mapped)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	const char *says = "smaller than a page";
	int before = mu_klog_count(says);
	struct aperture_io_bar a;
	int fd = mu_open(&shm, 0, 0, &a);
	uint32_t v;

	ck_assert_uint_eq(a.size, 256);
	errno = 0;
	ck_assert(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_gt(mu_klog_count(says), before);
	/* Read and write still reach it: IVPosition (offset 8) reads. */
	ck_assert_int_eq(pread(fd, &v, 4, 8), 4);
	close(fd);
}
END_TEST

/* ---- I/O ports at the width asked -------------------------------- */

/*
 * QEMU's own trace of device accesses (memory_region_ops_read/write, the
 * I/O address space included), asked for over QMP and logged into the
 * host share, as check_regs.c counts MMIO accesses.
 */
static void qtrace(int on)
{
	const char *src = getenv("APERTURE_SRC");
	char cmd[512];

	ck_assert_msg(src && getenv("APERTURE_HOST"),
		      "not in a guest of tests/vm/run");
	snprintf(cmd, sizeof(cmd), "%s/tests/vm/mmio-trace %s", src,
		 on ? "on pio.log" : "off");
	ck_assert_msg(system(cmd) == 0, "QMP: %s", cmd);
}

/*
 * Where QEMU's trace puts port 0: the I/O address space itself on x86; on
 * arm64's virt machine the PCI I/O window in the CPU's memory, which the
 * host bridge's device-tree "ranges" give (the entry whose PCI space code
 * is 1, I/O: 3 cells of PCI address, 2 of CPU address, 2 of size).
 */
static unsigned long long pio_base(void)
{
	const char *path;
	uint32_t c[7];
	glob_t g;
	int fd;

	if (!mu_arch_arm64())
		return 0;
	ck_assert_int_eq(glob("/sys/firmware/devicetree/base/pcie@*/ranges", 0,
			      NULL, &g), 0);
	ck_assert_uint_eq(g.gl_pathc, 1);
	path = g.gl_pathv[0];
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	while (read(fd, c, sizeof(c)) == (ssize_t)sizeof(c)) {
		if ((be32toh(c[0]) >> 24 & 3) != 1)
			continue;
		close(fd);
		globfree(&g);
		return ((unsigned long long)be32toh(c[3]) << 32 |
			be32toh(c[4])) -
		       ((unsigned long long)be32toh(c[1]) << 32 |
			be32toh(c[2]));
	}
	close(fd);
	ck_abort_msg("%s has no I/O range", path);
	return 0;
}

/*
 * The traced accesses to ports [port, port + len) as "r3/1 r4/2" (read at
 * offset 3 of 1 byte, then at 4 of 2), in order.
 */
static void qtraced(unsigned long long port, unsigned long long len,
		    char *out, size_t max)
{
	static char log[1 << 20];
	char path[256], *line, *save;
	size_t n = 0, got = 0;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "%s/pio.log", getenv("APERTURE_HOST"));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	while (got < sizeof(log) - 1 &&
	       (r = read(fd, log + got, sizeof(log) - 1 - got)) > 0)
		got += r;
	close(fd);
	log[got] = 0;
	out[0] = 0;
	for (line = strtok_r(log, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *t = strstr(line, "memory_region_ops_"), op[8];
		unsigned long long addr, val;
		unsigned int size;

		if (!t || sscanf(t, "memory_region_ops_%5s cpu %*d mr %*s addr "
				 "0x%llx value 0x%llx size %u", op, &addr,
				 &val, &size) != 4)
			continue;
		if (addr < port || addr >= port + len)
			continue;
		n += snprintf(out + n, max - n, "%s%c%llu/%u", n ? " " : "",
			      op[0], addr - port, size);
		ck_assert_uint_lt(n, max);
	}
}

/* One pread of a port BAR, and the accesses it must make. */
struct port_read {
	int fd;			/* descriptor (its width asked) */
	size_t len;		/* bytes */
	off_t off;		/* offset in the BAR */
	const char *want;	/* accesses, as qtraced() writes them */
};

/*
 * Each width asked for is one port access of that size, and nothing of
 * the neighbours: the I/O BAR 0 of an rtl8139 (this suite's line in
 * tests/vm/suites adds one, without a driver), whose register reads have
 * no side effects and which QEMU serves at the width the CPU used
 * (pci-testdev's port BAR is served a byte at a time, so its trace shows
 * no widths).  The reads lie 16 bytes apart, so that one trace (two QMP
 * round trips, which cost seconds under TCG) tells them apart.
 */
START_TEST(ioport_width_asked)
{
	struct mu_dev nic = mu_find(RTL8139_ID);
	struct aperture_io_bar a;
	int fd = mu_open(&nic, 0, 0, &a);
	int w8 = mu_open(&nic, 0, APERTURE_IO_WIDTH_8, NULL);
	int w16 = mu_open(&nic, 0, APERTURE_IO_WIDTH_16, NULL);
	int w32 = mu_open(&nic, 0, APERTURE_IO_WIDTH_32, NULL);
	const struct port_read r[] = {
		/* Automatic: the widest naturally aligned accesses. */
		{ fd, 1, 0x03, "r3/1" },
		{ fd, 2, 0x12, "r18/2" },
		{ fd, 4, 0x24, "r36/4" },
		{ fd, 7, 0x31, "r49/1 r50/2 r52/4" },
		/* A fixed width rules: accesses that cover the bytes. */
		{ w8, 2, 0x42, "r66/1 r67/1" },
		{ w16, 1, 0x53, "r82/2" },
		{ w32, 1, 0x63, "r96/4" },
	};
	char buf[16], got[512], want[512];
	size_t i, n = 0;

	ck_assert_uint_eq(a.bar_flags, APERTURE_IO_BAR_IO);
	ck_assert_uint_ge(a.size, 0x70);
	qtrace(1);
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		ck_assert_int_eq(pread(r[i].fd, buf, r[i].len, r[i].off),
				 (ssize_t)r[i].len);
		n += snprintf(want + n, sizeof(want) - n, "%s%s", n ? " " : "",
			      r[i].want);
	}
	qtrace(0);
	qtraced(pio_base() + a.start, a.size, got, sizeof(got));
	ck_assert_msg(!strcmp(got, want), "port accesses '%s', want '%s'",
		      got, want);
	close(w32);
	close(w16);
	close(w8);
	close(fd);
}
END_TEST

START_TEST(klog_clean)
{
	char line[512];

	ck_assert_msg(!mu_klog_bad(line, sizeof(line)), "kernel log: %s", line);
}
END_TEST

Suite *module_rules_suite(void);

Suite *module_rules_suite(void)
{
	Suite *s = suite_create("module_rules");
	TCase *tc;

	tc = tcase_create("rules");
	tcase_add_test(tc, wc_only_prefetchable);
	tcase_add_test(tc, memtype_conflict_refused);
	tcase_add_test(tc, reopen_gains_no_write);
	tcase_add_test(tc, reopen_needs_rawio);
	tcase_add_test(tc, attributes_fixed);
	tcase_add_test(tc, subpage_bar_not_mapped);
	tcase_add_test(tc, ioport_width_asked);
	tcase_add_test(tc, klog_clean);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

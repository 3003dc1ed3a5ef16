/*
 * module_util.h - helpers of the aperture_io guest suites
 * (tests/vm/check_module*.c): find the test devices by vendor:device in
 * sysfs, open BARs through /dev/aperture_io directly (not through the
 * library or FUSE), random data, the host's view of ivshmem, and a scan of
 * the kernel log for oopses and warnings.
 *
 * Everything is static inline so that each suite takes what it uses.
 */
#ifndef MODULE_UTIL_H
#define MODULE_UTIL_H

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aperture_io.h"

/* Runs a shell command (printf-style) in the guest: its exit status. */
static inline int __attribute__((format(printf, 1, 2)))
mu_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The test devices (DESIGN.md, "Test worlds"). */
#define EDU_ID		0x123411e8u
#define IVSHMEM_ID	0x1af41110u
#define VGA_ID		0x12341111u
#define TESTDEV_ID	0x1b360005u

/* A PCI function as the ABI names it. */
struct mu_dev {
	char name[64];		/* 0000:00:04.0 */
	uint32_t domain;
	uint8_t bus;
	uint8_t devfn;
};

static inline unsigned long mu_sysfs_hex(const char *dev, const char *attr)
{
	char path[512];
	unsigned long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", dev, attr);
	f = fopen(path, "r");
	if (!f)
		return ~0ul;
	if (fscanf(f, "%lx", &v) != 1)
		v = ~0ul;
	fclose(f);
	return v;
}

/*
 * The nth (0-based) function with vendor:device id, in sysfs order, with
 * bus >= min_bus; 0 if there is none.
 */
static inline int mu_find_nth(uint32_t id, unsigned int min_bus,
			      unsigned int nth, struct mu_dev *d)
{
	struct dirent **names;
	int n, i, found = 0;

	n = scandir("/sys/bus/pci/devices", &names, NULL, alphasort);
	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		unsigned int dom, bus, slot, fn;

		if (!found && name[0] != '.' &&
		    mu_sysfs_hex(name, "vendor") == (id >> 16) &&
		    mu_sysfs_hex(name, "device") == (id & 0xffff) &&
		    sscanf(name, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) == 4 &&
		    bus >= min_bus && nth-- == 0) {
			snprintf(d->name, sizeof(d->name), "%.63s", name);
			d->domain = dom;
			d->bus = (uint8_t)bus;
			d->devfn = (uint8_t)(slot << 3 | fn);
			found = 1;
		}
		free(names[i]);
	}
	free(names);
	return found;
}

/* The first function with vendor:device id; fails the test if absent. */
static inline struct mu_dev mu_find(uint32_t id)
{
	struct mu_dev d;

	memset(&d, 0, sizeof(d));
	ck_assert_msg(mu_find_nth(id, 0, 0, &d),
		      "no PCI function %04x:%04x in this guest", id >> 16,
		      id & 0xffff);
	return d;
}

static inline int mu_ctl(void)
{
	int fd = open("/dev/" APERTURE_IO_NODE, O_RDWR | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open /dev/%s: %s", APERTURE_IO_NODE,
		      strerror(errno));
	return fd;
}

/* An argument naming BAR bar of d with flags. */
static inline struct aperture_io_bar mu_arg(const struct mu_dev *d,
					    unsigned int bar, uint32_t flags)
{
	struct aperture_io_bar a;

	memset(&a, 0, sizeof(a));
	a.argsz = sizeof(a);
	a.domain = d->domain;
	a.bus = d->bus;
	a.devfn = d->devfn;
	a.bar = (uint8_t)bar;
	a.flags = flags;
	a.fd = -1;
	return a;
}

/* APERTURE_IO_OPEN; returns the descriptor or -errno, fills *out. */
static inline int mu_try_open(const struct mu_dev *d, unsigned int bar,
			      uint32_t flags, struct aperture_io_bar *out)
{
	struct aperture_io_bar a = mu_arg(d, bar, flags);
	int ctl = mu_ctl(), ret;

	ret = ioctl(ctl, APERTURE_IO_OPEN, &a);
	ret = ret < 0 ? -errno : a.fd;
	close(ctl);
	if (out)
		*out = a;
	return ret;
}

/* APERTURE_IO_OPEN that must succeed. */
static inline int mu_open(const struct mu_dev *d, unsigned int bar,
			  uint32_t flags, struct aperture_io_bar *out)
{
	int fd = mu_try_open(d, bar, flags, out);

	ck_assert_msg(fd >= 0, "open %s BAR %u flags %#x: %s", d->name, bar,
		      flags, strerror(-fd));
	return fd;
}

/* Is the running kernel a 32-bit x86 one (i686), whatever we are built as? */
static inline int mu_kernel_is_32bit(void)
{
	struct utsname u;

	ck_assert_int_eq(uname(&u), 0);
	return u.machine[0] == 'i' && !strcmp(u.machine + 2, "86");
}

/*
 * An arm64 guest (QEMU 10's virt): an access a device model refuses (a
 * 1-byte access of edu's registers, whose minimum is 4) is a synchronous
 * external abort there, where x86 reads all ones.
 */
static inline int mu_arch_arm64(void)
{
	struct utsname u;

	ck_assert_int_eq(uname(&u), 0);
	return !strcmp(u.machine, "aarch64");
}

/*
 * The i386 world's guest CPU (Intel family 6, model below 15) is one Linux
 * runs without PAT: no write-combining pages, no memory-type tracking, no
 * sysfs resourceN_wc.  Known from the world, never guessed from the
 * kernel, so that a test cannot take a missing PAT for a pass elsewhere.
 */
static inline int mu_world_without_pat(void)
{
	const char *w = getenv("APERTURE_WORLD");

	return w && !strcmp(w, "deb12-i386");
}

/* 32-bit register access through a descriptor. */
static inline uint32_t mu_rd32(int fd, off_t off)
{
	uint32_t v = 0;

	ck_assert_int_eq(pread(fd, &v, 4, off), 4);
	return v;
}

static inline void mu_wr32(int fd, off_t off, uint32_t v)
{
	ck_assert_int_eq(pwrite(fd, &v, 4, off), 4);
}

/* Deterministic pseudo-random bytes (xorshift64*), seeded. */
static inline void mu_random(void *buf, size_t len, uint64_t seed)
{
	uint8_t *p = buf;
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		if ((i & 7) == 0) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
		}
		p[i] = (uint8_t)((x * 0x2545f4914f6cdd1dull) >> (8 * (i & 7)));
	}
}

/* Seed that differs from run to run, printed so a failure can be redone. */
static inline uint64_t mu_seed(void)
{
	const char *s = getenv("APERTURE_SEED");
	struct timespec ts;
	uint64_t seed;

	if (s && *s)
		return strtoull(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	seed = (uint64_t)ts.tv_sec * 1000000007ull + (uint64_t)ts.tv_nsec;
	fprintf(stderr, "APERTURE_SEED=%llu\n", (unsigned long long)seed);
	return seed;
}

/* The host's file behind ivshmem BAR2 (cache=none share): its fd. */
static inline int mu_host_shm(void)
{
	const char *path = getenv("APERTURE_IVSHMEM_HOST");
	int fd;

	ck_assert_msg(path && *path, "APERTURE_IVSHMEM_HOST is not set");
	fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	return fd;
}

/* Reads exactly len bytes at off (loops over short reads). */
static inline void mu_pread_all(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);
		ck_assert_msg(n > 0, "pread %zu at %lld: %s", len - done,
			      (long long)(off + (off_t)done),
			      n ? strerror(errno) : "end of file");
		done += (size_t)n;
	}
}

static inline void mu_pwrite_all(int fd, const void *buf, size_t len,
				 off_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fd, (const char *)buf + done, len - done,
			   off + (off_t)done);
		ck_assert_msg(n > 0, "pwrite %zu at %lld: %s", len - done,
			      (long long)(off + (off_t)done), strerror(errno));
		done += (size_t)n;
	}
}

/* First differing offset of two buffers, or -1. */
static inline long mu_diff(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;
	size_t i;

	if (!memcmp(a, b, len))
		return -1;
	for (i = 0; i < len; i++)
		if (x[i] != y[i])
			return (long)i;
	return -1;
}

/* Seconds since an arbitrary start, for timings and deadlines. */
static inline double mu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Runs fn(arg) in a forked child and returns how it ended: its exit
 * status, or 128 + the signal that killed it.
 */
static inline int mu_in_child(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* For mu_in_child(): reads the word at arg; exits 0 if that worked. */
static inline void mu_touch_child(void *arg)
{
	volatile uint32_t *p = arg;

	(void)*p;
	_exit(0);
}

/*
 * Touches map in a child every 0.1 s until a touch dies of a signal, for
 * up to 5 s (a revocation the module makes within its once-a-second
 * poll): 128 + that signal, or 0 if every touch worked.
 */
static inline int mu_touch_until_signal(void *map)
{
	int st = 0;

	for (int i = 0; i < 50; i++) {
		st = mu_in_child(mu_touch_child, map);
		if (st)
			break;
		usleep(100 * 1000);
	}
	return st;
}

/*
 * Whether the kernel log has an oops, BUG, warning splat, or a KASAN or
 * lockdep report since boot: the line found, or NULL.
 */
static inline const char *mu_klog_bad(char *line, size_t len)
{
	static const char *const bad[] = {
		"BUG:", "Oops", "WARNING:", "Call Trace:", "general protection",
		"kernel BUG", "possible circular locking", "refcount_t:",
		"Busy inodes", "UBSAN", "KASAN",
	};
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *p, *eol;
	const char *found = NULL;
	size_t i;
	int n;

	if (size <= 0)
		return NULL;
	buf = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(buf);
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (n < 0)
		n = 0;
	buf[n] = 0;
	for (p = buf; p && *p && !found; p = eol ? eol + 1 : NULL) {
		eol = strchr(p, '\n');
		if (eol)
			*eol = 0;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (strstr(p, bad[i])) {
				snprintf(line, len, "%s", p);
				found = line;
				break;
			}
	}
	free(buf);
	return found;
}

/* How many lines of the kernel log since boot contain needle. */
static inline int mu_klog_count(const char *needle)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	int n, count = 0;
	char *buf, *p;

	if (size <= 0)
		return -1;
	buf = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(buf);
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	buf[n < 0 ? 0 : n] = 0;
	for (p = buf; (p = strstr(p, needle)); p += strlen(needle))
		count++;
	free(buf);
	return count;
}

/* len (1, 2 or 4) bytes of d's config space at off, through sysfs. */
static inline uint32_t mu_cfg_read(const struct mu_dev *d, unsigned int off,
				   unsigned int len)
{
	char path[160];
	uint32_t v = 0;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config",
		 d->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(pread(fd, &v, len, off), (ssize_t)len);
	close(fd);
	return v;
}

/* Writes len (1, 2 or 4) bytes of v at off of d's config space. */
static inline void mu_cfg_write(const struct mu_dev *d, unsigned int off,
				unsigned int len, uint32_t v)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config",
		 d->name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(pwrite(fd, &v, len, off), (ssize_t)len);
	close(fd);
}

/* Offset of d's capability id in config space (as setpci's CAP_xx), or 0. */
static inline unsigned int mu_cfg_cap(const struct mu_dev *d, unsigned int id)
{
	unsigned int pos, n;

	if (!(mu_cfg_read(d, 6, 2) & 0x10))	/* PCI_STATUS_CAP_LIST */
		return 0;
	pos = mu_cfg_read(d, 0x34, 1) & 0xfc;
	for (n = 0; pos && n < 48; n++) {
		if (mu_cfg_read(d, pos, 1) == id)
			return pos;
		pos = mu_cfg_read(d, pos + 1, 1) & 0xfc;
	}
	return 0;
}

#endif /* MODULE_UTIL_H */

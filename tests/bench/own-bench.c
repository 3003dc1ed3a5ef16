/*
 * own-bench.c - an owned function's interrupts and DMA buffers, through
 * the mount against the module's descriptors (issue 22's benchmark), in a
 * guest (tests/bench/own-run):
 *
 *   1 interrupt latency: edu's raise register (BAR0 0x60) written, until
 *     a blocked 8-byte read of the vector returns; once through the
 *     mount's irq/msi0, once through the module's vector descriptor
 *     (APERTURE_IO_IRQ_OPEN); MSI, bus mastering on; acknowledged at 0x64
 *     after each read; in alternating blocks of rounds, MSI enabled
 *     through the path measured (the mount's watcher thread takes the
 *     counts of every vector the mount shows, so a reader of the
 *     module's descriptor would race it);
 *   2 DMA buffer bandwidth: one pread and one pwrite of a whole buffer
 *     of SIZE bytes, dma/bench through the mount (passthrough where the
 *     mount has it), against memcpy on a mapping of a module buffer
 *     descriptor of the same size (APERTURE_IO_DMA_ALLOC, mmap): buffers
 *     are normal memory, so memcpy is the limit.
 *
 *	own-bench MOUNT SLOT ROUNDS [SIZE]
 *
 * Owns SLOT (driver_override, drivers_probe) and releases it at the end;
 * without an IOMMU sets allow_unsafe_noiommu_dma for the run (an MSI is a
 * write by the function) and puts it back.  Prints medians and quartiles
 * and the mount/module ratios.  Not a test: it asserts nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "aperture_io.h"

#define PARAM	"/sys/module/aperture_io/parameters/allow_unsafe_noiommu_dma"
#define RAISE	0x60
#define ACK	0x64
#define STATUS	0x24

static unsigned int dom, bus, dev, fn;
static char dir[256];		/* MOUNT/SLOT */

static void die(const char *what, const char *name)
{
	fprintf(stderr, "own-bench: %s %s: %s\n", what, name, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v; its quartiles q[0..2] (q[1] the median). */
static void quartiles(double *v, int n, double *q)
{
	qsort(v, n, sizeof(*v), cmp);
	q[0] = v[n / 4];
	q[1] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	q[2] = v[(3 * n) / 4];
}

/* Writes text to path in one write(2): 0 or -1 (errno set). */
static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		ret = -1;
	close(fd);
	return ret;
}

static const char *sub(const char *name)
{
	static char path[2][320];
	static int i;

	i ^= 1;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

/* Writes text to a sysfs file, or stops naming it. */
static void sys(const char *path, const char *text)
{
	if (put(path, text))
		die("write", path);
}

/* The module's control descriptor. */
static int ctl(void)
{
	int fd = open("/dev/aperture_io", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open", "/dev/aperture_io");
	return fd;
}

/* BAR0 of the slot, mapped through a module descriptor. */
static volatile uint32_t *map_bar0(void)
{
	struct aperture_io_bar b = { .argsz = sizeof(b) };
	int c = ctl();
	void *m;

	b.domain = dom;
	b.bus = bus;
	b.devfn = dev << 3 | fn;
	b.bar = 0;
	if (ioctl(c, APERTURE_IO_OPEN, &b))
		die("APERTURE_IO_OPEN", "bar0");
	close(c);
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, b.fd, 0);
	if (m == MAP_FAILED)
		die("mmap", "bar0 (module descriptor)");
	return m;
}

static const char *waiting;	/* the vector a read blocks on */
static volatile uint32_t *edu;

/* A blocked read that an interrupt did not wake within 5 s. */
static void on_alarm(int sig)
{
	dprintf(2, "own-bench: %s: no interrupt within 5 s (edu status "
		"0x%x)\n", waiting, edu[STATUS / 4]);
	_exit(1);
}

/* One raise of edu's interrupt until a blocked read of vfd returns. */
static double irq_round(volatile uint32_t *bar, int vfd, const char *name)
{
	uint64_t c = 0;
	double t0, t1;

	t0 = now();
	bar[RAISE / 4] = 1;
	waiting = name;
	alarm(5);
	if (read(vfd, &c, 8) != 8)
		die("read", name);
	t1 = now();
	alarm(0);
	bar[ACK / 4] = 1;
	if (c != 1) {
		fprintf(stderr, "own-bench: %s counted %llu, not 1\n", name,
			(unsigned long long)c);
		exit(1);
	}
	return t1 - t0;
}

/* IRQ_SET (count vectors of type) or IRQ_OPEN (vector 0) on the module. */
static int irq_ioctl(unsigned long cmd, uint32_t type, uint32_t count)
{
	struct aperture_io_irq q = { .argsz = sizeof(q) };
	int c = ctl();

	q.domain = dom;
	q.bus = bus;
	q.devfn = dev << 3 | fn;
	q.type = type;
	q.count = count;
	q.fd = -1;
	if (ioctl(c, cmd, &q))
		die(cmd == APERTURE_IO_IRQ_SET ? "APERTURE_IO_IRQ_SET" :
		    "APERTURE_IO_IRQ_OPEN", "msi0");
	close(c);
	return q.fd;
}

/*
 * Opens vector msi0 by path p (0 the mount, 1 the module), MSI enabled
 * through the same path.  The mount's watcher thread takes every count of
 * the vectors it shows, so the two never have MSI on at once: a block of
 * rounds is one path's, and the blocks alternate.
 */
static int irq_start(int p)
{
	int fd;

	if (p == 1) {
		irq_ioctl(APERTURE_IO_IRQ_SET, APERTURE_IO_IRQ_MSI, 1);
		return irq_ioctl(APERTURE_IO_IRQ_OPEN, APERTURE_IO_IRQ_MSI, 0);
	}
	if (put(sub("irq/mode"), "msi 1\n"))
		die("write", sub("irq/mode"));
	fd = open(sub("irq/msi0"), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open", sub("irq/msi0"));
	return fd;
}

static void irq_stop(int p, int fd)
{
	close(fd);
	if (p == 1)
		irq_ioctl(APERTURE_IO_IRQ_SET, APERTURE_IO_IRQ_NONE, 0);
	else if (put(sub("irq/mode"), "off\n"))
		die("write", sub("irq/mode"));
}

#define BLOCK	20	/* rounds of one path in a row */

static void irq_bench(volatile uint32_t *bar, int rounds)
{
	const char *name[2] = { "irq/msi0 (mount)", "vector (module)" };
	double *t[2], qt[2][3];
	int n[2] = { 0, 0 };

	if (put(sub("dma/master"), "1\n"))
		die("write", sub("dma/master"));
	for (int p = 0; p < 2; p++)
		t[p] = calloc(rounds, sizeof(double));
	for (int b = 0; n[0] < rounds || n[1] < rounds; b++) {
		int p = b % 2, fd = irq_start(p);

		irq_round(bar, fd, name[p]);	/* warm up */
		for (int i = 0; i < BLOCK && n[p] < rounds; i++)
			t[p][n[p]++] = irq_round(bar, fd, name[p]);
		irq_stop(p, fd);
	}
	printf("interrupt latency, edu raise (0x60) to the reader's wake-up, "
	       "MSI, %d rounds each, blocks of %d alternating:\n", rounds,
	       BLOCK);
	printf("  %-26s %10s %10s %10s\n", "path", "q1", "median", "q3");
	for (int p = 0; p < 2; p++) {
		quartiles(t[p], rounds, qt[p]);
		printf("  %-26s %7.2f us %7.2f us %7.2f us\n", name[p],
		       qt[p][0] * 1e6, qt[p][1] * 1e6, qt[p][2] * 1e6);
		free(t[p]);
	}
	printf("  ratio mount/module (medians) %.2f\n", qt[0][1] / qt[1][1]);
}

enum { MNT_RD, MNT_WR, MAP_RD, MAP_WR, NR_CELLS };

static const char *cell_name[NR_CELLS] = {
	"dma/bench pread (mount)", "dma/bench pwrite (mount)",
	"mapping memcpy read", "mapping memcpy write",
};

static double bw_one(int cell, int fd, unsigned char *map, unsigned char *u,
		     size_t size)
{
	double t0 = now();
	ssize_t n = (ssize_t)size;

	switch (cell) {
	case MNT_RD:
		n = pread(fd, u, size, 0);
		break;
	case MNT_WR:
		n = pwrite(fd, u, size, 0);
		break;
	case MAP_RD:
		memcpy(u, map, size);
		break;
	case MAP_WR:
		memcpy(map, u, size);
		break;
	}
	if (n != (ssize_t)size)
		die(cell == MNT_RD ? "pread" : "pwrite", sub("dma/bench"));
	return now() - t0;
}

static void bw_bench(int rounds, size_t size)
{
	struct aperture_io_dma a = { .argsz = sizeof(a) };
	double *t[NR_CELLS], q[NR_CELLS][3];
	unsigned char *map, *u = malloc(size);
	int fd, c = ctl();

	fd = open(sub("dma/bench"), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, size))
		die("create", sub("dma/bench"));
	a.domain = dom;
	a.bus = bus;
	a.devfn = dev << 3 | fn;
	a.size = size;
	a.fd = -1;
	if (ioctl(c, APERTURE_IO_DMA_ALLOC, &a))
		die("APERTURE_IO_DMA_ALLOC", "buffer");
	close(c);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, a.fd, 0);
	if (map == MAP_FAILED)
		die("mmap", "module buffer descriptor");
	memset(u, 0x5a, size);
	for (int k = 0; k < NR_CELLS; k++) {
		t[k] = calloc(rounds, sizeof(double));
		bw_one(k, fd, map, u, size);	/* first touch */
	}
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < NR_CELLS; i++) {
			int k = (r + i) % NR_CELLS;

			t[k][r] = bw_one(k, fd, map, u, size);
		}
	printf("DMA buffer of %zu bytes, one call per round, %d rounds "
	       "interleaved, MB/s (from the q3, median, q1 times):\n",
	       size, rounds);
	for (int k = 0; k < NR_CELLS; k++) {
		quartiles(t[k], rounds, q[k]);
		printf("  %-26s %8.0f %8.0f %8.0f MB/s\n", cell_name[k],
		       size / q[k][2] / 1e6, size / q[k][1] / 1e6,
		       size / q[k][0] / 1e6);
	}
	printf("  ratio mount/mapping (median MB/s): read %.2f, write %.2f\n",
	       q[MAP_RD][1] / q[MNT_RD][1], q[MAP_WR][1] / q[MNT_WR][1]);
	for (int k = 0; k < NR_CELLS; k++)
		free(t[k]);
	munmap(map, size);
	close(a.fd);
	close(fd);
	unlink(sub("dma/bench"));
	free(u);
}

/* The first line of a small file, or "" */
static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f && !fgets(buf, len, f))
		buf[0] = 0;
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	struct aperture_io_func f = { .argsz = sizeof(f) };
	char path[256], param_was[8];
	volatile uint32_t *bar;
	size_t size = 1 << 20;
	int rounds, c;

	if (argc < 4 || sscanf(argv[2], "%x:%x:%x.%x", &dom, &bus, &dev,
			       &fn) != 4 || (rounds = atoi(argv[3])) < 4) {
		fprintf(stderr, "usage: own-bench MOUNT SLOT ROUNDS [SIZE]\n");
		return 2;
	}
	if (argc > 4)
		size = strtoul(argv[4], NULL, 0);
	snprintf(dir, sizeof(dir), "%s/%s", argv[1], argv[2]);
	snprintf(path, sizeof(path),
		 "/sys/bus/pci/devices/%s/driver_override", argv[2]);
	sys(path, "aperture_io\n");
	sys("/sys/bus/pci/drivers_probe", argv[2]);
	c = ctl();
	f.domain = dom;
	f.bus = bus;
	f.devfn = dev << 3 | fn;
	if (ioctl(c, APERTURE_IO_FUNC_INFO, &f) || !f.owned) {
		fprintf(stderr, "own-bench: %s: not owned after "
			"drivers_probe\n", argv[2]);
		return 1;
	}
	close(c);
	first_line(PARAM, param_was, sizeof(param_was));
	if (f.iommu == APERTURE_IO_IOMMU_NONE)
		sys(PARAM, "Y\n");
	printf("%s owned; iommu %s\n", argv[2],
	       f.iommu == APERTURE_IO_IOMMU_NONE ? "none (unsafe DMA allowed "
	       "for the run)" : "translated");
	setvbuf(stdout, NULL, _IOLBF, 0);
	bar = edu = map_bar0();
	signal(SIGALRM, on_alarm);
	bar[ACK / 4] = bar[STATUS / 4];
	irq_bench(bar, rounds);
	bw_bench(rounds < 100 ? rounds : 100, size);
	put(sub("dma/master"), "0\n");
	if (param_was[0])
		put(PARAM, param_was);
	munmap((void *)bar, 4096);
	sys("/sys/bus/pci/drivers/aperture_io/unbind", argv[2]);
	sys(path, "\n");
	return 0;
}

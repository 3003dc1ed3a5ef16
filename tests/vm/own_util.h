/*
 * own_util.h - helpers of the guest suites on owned functions
 * (check_module_dma*): owning and releasing a function through sysfs
 * (driver_override, drivers_probe, unbind), the calls of
 * include/aperture_io.h on owned functions, and edu's DMA engine and
 * interrupt registers (QEMU hw/misc/edu.c).
 */
#ifndef OWN_UTIL_H
#define OWN_UTIL_H

#include <poll.h>

#include "module_util.h"

/* edu's registers in BAR0 (hw/misc/edu.c). */
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_RUN	0x1
#define EDU_DMA_TO_RAM	0x2
#define EDU_DMA_IRQ	0x4
#define EDU_DMA_DONE	0x100		/* the interrupt status bit of a DMA */
#define EDU_BUF		0x40000		/* edu's own 4 KiB, in its space */

/* The driver d is bound to ("" for none). */
static inline const char *ou_driver(const struct mu_dev *d)
{
	static char link[256];
	char path[160];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver",
		 d->name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return "";
	link[n] = 0;
	return strrchr(link, '/') + 1;
}

/* Owns d: driver_override, then drivers_probe, as vfio-pci is bound. */
static inline void ou_own(const struct mu_dev *d)
{
	ck_assert_int_eq(mu_sh("echo aperture_io > "
			       "/sys/bus/pci/devices/%s/driver_override",
			       d->name), 0);
	ck_assert_int_eq(mu_sh("echo %s > /sys/bus/pci/drivers_probe",
			       d->name), 0);
	ck_assert_str_eq(ou_driver(d), "aperture_io");
}

/* Releases d (unbind) and forgets the override. */
static inline void ou_release(const struct mu_dev *d)
{
	ck_assert_int_eq(mu_sh("echo %s > /sys/bus/pci/drivers/aperture_io/unbind",
			       d->name), 0);
	ck_assert_int_eq(mu_sh("echo > /sys/bus/pci/devices/%s/driver_override",
			       d->name), 0);
	ck_assert_str_eq(ou_driver(d), "");
}

/* Writes a module parameter of aperture_io. */
static inline void ou_param(const char *name, const char *value)
{
	ck_assert_int_eq(mu_sh("echo %s > /sys/module/aperture_io/parameters/%s",
			       value, name), 0);
}

static inline struct aperture_io_func ou_func_arg(const struct mu_dev *d,
						  uint32_t value)
{
	struct aperture_io_func f;

	memset(&f, 0, sizeof(f));
	f.argsz = sizeof(f);
	f.domain = d->domain;
	f.bus = d->bus;
	f.devfn = d->devfn;
	f.value = value;
	return f;
}

/* FUNC_INFO, SET_MASTER or SET_DMA_MASK: 0 or -errno; *out filled. */
static inline int ou_func(unsigned long cmd, const struct mu_dev *d,
			  uint32_t value, struct aperture_io_func *out)
{
	struct aperture_io_func f = ou_func_arg(d, value);
	int ctl = mu_ctl(), ret;

	ret = ioctl(ctl, cmd, &f) ? -errno : 0;
	close(ctl);
	if (out)
		*out = f;
	return ret;
}

static inline struct aperture_io_func ou_info(const struct mu_dev *d)
{
	struct aperture_io_func f;
	int err = ou_func(APERTURE_IO_FUNC_INFO, d, 0, &f);

	ck_assert_msg(!err, "FUNC_INFO %s: %s", d->name, strerror(-err));
	return f;
}

/* DMA_ALLOC of size bytes: the descriptor or -errno; *out filled. */
static inline int ou_try_alloc(const struct mu_dev *d, uint64_t size,
			       struct aperture_io_dma *out)
{
	struct aperture_io_dma a;
	int ctl = mu_ctl(), ret;

	memset(&a, 0, sizeof(a));
	a.argsz = sizeof(a);
	a.domain = d->domain;
	a.bus = d->bus;
	a.devfn = d->devfn;
	a.size = size;
	a.fd = -1;
	ret = ioctl(ctl, APERTURE_IO_DMA_ALLOC, &a) ? -errno : a.fd;
	close(ctl);
	if (out)
		*out = a;
	return ret;
}

static inline int ou_alloc(const struct mu_dev *d, uint64_t size,
			   struct aperture_io_dma *out)
{
	int fd = ou_try_alloc(d, size, out);

	ck_assert_msg(fd >= 0, "DMA_ALLOC %s %llu bytes: %s", d->name,
		      (unsigned long long)size, strerror(-fd));
	return fd;
}

/* IRQ_SET (open < 0) or IRQ_OPEN of vector open: 0, a descriptor, -errno. */
static inline int ou_irq(const struct mu_dev *d, uint32_t type,
			 uint32_t count, int open_vector)
{
	struct aperture_io_irq q;
	int ctl = mu_ctl(), ret;

	memset(&q, 0, sizeof(q));
	q.argsz = sizeof(q);
	q.domain = d->domain;
	q.bus = d->bus;
	q.devfn = d->devfn;
	q.type = type;
	q.count = count;
	q.vector = open_vector < 0 ? 0 : (uint32_t)open_vector;
	q.fd = -1;
	ret = ioctl(ctl, open_vector < 0 ? APERTURE_IO_IRQ_SET :
		    APERTURE_IO_IRQ_OPEN, &q) ? -errno :
		(open_vector < 0 ? 0 : q.fd);
	close(ctl);
	return ret;
}

/* Enables count vectors of type and opens vector 0. */
static inline int ou_vector(const struct mu_dev *d, uint32_t type)
{
	int err = ou_irq(d, type, 1, -1), fd;

	ck_assert_msg(!err, "IRQ_SET %s type %u: %s", d->name, type,
		      strerror(-err));
	fd = ou_irq(d, type, 1, 0);
	ck_assert_msg(fd >= 0, "IRQ_OPEN %s type %u: %s", d->name, type,
		      strerror(-fd));
	return fd;
}

/* A read of a vector: the count, or -errno. */
static inline int64_t ou_read_vec(int fd)
{
	uint64_t n = 0;
	ssize_t r = read(fd, &n, sizeof(n));

	if (r < 0)
		return -errno;
	ck_assert_int_eq(r, 8);
	return (int64_t)n;
}

/* Waits up to 10 s for an interrupt on a vector: its count. */
static inline int64_t ou_wait_vec(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ck_assert_msg(poll(&p, 1, 10000) == 1, "no interrupt within 10 s");
	return ou_read_vec(fd);
}

/* Writes APERTURE_IO_IRQ_MASK or _UNMASK to a vector: 0 or -errno. */
static inline int ou_vec_ctl(int fd, uint64_t what)
{
	return write(fd, &what, sizeof(what)) == 8 ? 0 : -errno;
}

/*
 * Starts an edu DMA of cnt bytes (1-4095: QEMU 7.2 dies on 4096) from src
 * to dst with the completion interrupt; to_ram: edu's buffer to RAM.
 */
static inline void ou_edu_dma(int bar, uint64_t src, uint64_t dst,
			      uint32_t cnt, int to_ram)
{
	uint32_t v;

	ck_assert_uint_eq(mu_rd32(bar, EDU_DMA_CMD) & EDU_DMA_RUN, 0);
	v = (uint32_t)src;
	ck_assert_int_eq(pwrite(bar, &v, 4, EDU_DMA_SRC), 4);
	v = (uint32_t)dst;
	ck_assert_int_eq(pwrite(bar, &v, 4, EDU_DMA_DST), 4);
	mu_wr32(bar, EDU_DMA_CNT, cnt);
	mu_wr32(bar, EDU_DMA_CMD, EDU_DMA_RUN | EDU_DMA_IRQ |
		(to_ram ? EDU_DMA_TO_RAM : 0));
}

/*
 * The interrupts the kernel has handled on the vector named name (as
 * /proc/interrupts shows it, e.g. "aperture_io:0000:00:04.0:msi0"), summed
 * over the CPUs.
 */
static inline unsigned long ou_irq_total(const char *name)
{
	FILE *f = fopen("/proc/interrupts", "r");
	unsigned long total = 0, n;
	char line[1024], *p, *end;
	int found = 0;

	ck_assert_ptr_nonnull(f);
	while (!found && fgets(line, sizeof(line), f)) {
		if (!strstr(line, name))
			continue;
		found = 1;
		p = strchr(line, ':') + 1;
		for (;;) {
			n = strtoul(p, &end, 10);
			if (end == p)
				break;
			total += n;
			p = end;
		}
	}
	fclose(f);
	ck_assert_msg(found, "no %s in /proc/interrupts", name);
	return total;
}

/* Raises edu's interrupt and waits up to 10 s until name has handled it. */
static inline void ou_raise_handled(int bar, const char *name)
{
	unsigned long before = ou_irq_total(name);
	double deadline = mu_now() + 10;

	mu_wr32(bar, EDU_IRQ_RAISE, 1);
	while (ou_irq_total(name) == before) {
		ck_assert_msg(mu_now() < deadline, "%s: no interrupt in 10 s",
			      name);
		usleep(1000);
	}
}

/* Waits up to 10 s until process pid sleeps (state S in /proc/PID/stat). */
static inline void ou_wait_sleeping(pid_t pid)
{
	double deadline = mu_now() + 10;
	char path[64], buf[256], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (;;) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ck_assert_int_ge(fd, 0);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		ck_assert_int_gt(n, 0);
		buf[n] = 0;
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return;
		ck_assert_msg(mu_now() < deadline, "pid %d never slept",
			      (int)pid);
		usleep(10000);
	}
}

#endif

// SPDX-License-Identifier: MIT
/*
 * aperture-bench.c - every way to reach a BAR, side by side, in one guest.
 *
 * Runs inside a test guest (tests/bench/guest.sh starts it) with two
 * aperturefs mounts of the same devices, one -o passthrough=off and one
 * -o passthrough=all, and measures on ivshmem BAR2 (write-combining RAM)
 * and edu BAR0 (registers):
 *
 *   1 daemon       pread/pwrite of the BAR file, passthrough=off mount
 *   2 passthrough  pread/pwrite of the BAR file, passthrough=all mount
 *   3 module       pread/pwrite of the module descriptor (APERTURE_IO_OPEN)
 *   4 mapping      memcpy / one volatile load or store on a mapping of
 *                  the module descriptor: the limit of this machine
 *   5 sysfs        memcpy / load / store on a mapping of sysfs resourceN
 *                  (its read() is tried once and its errno reported)
 *   6 devmem, dd   one 4-byte register access as a spawned process
 *   floor          a 4-byte read of `info` on the passthrough=off mount:
 *                  a FUSE request that touches no device
 *   fake           pread/pwrite of the same BAR file on a fake machine
 *                  (aperturefs --fake, memory-backed, passthrough=off):
 *                  what FUSE itself costs to move those bytes, the
 *                  baseline of the daemon path
 *   spawn          a spawned `busybox true`: what any process costs
 *
 * Method: the paths of one (BAR, read|write, size) group are measured in
 * interleaved rounds, each round one sample of every path (rotating which
 * goes first), so that load from other guests on the host hits all paths
 * alike and ratios hold.  A sample is K back-to-back calls at sequential
 * offsets, K chosen so that a sample lasts about 1 ms (clock_gettime is
 * not free under TCG); the per-call figure is the sample's time over K.
 * Each path gets at least --min-rounds samples and rounds continue until
 * the group's time budget is spent.  Reported: median, quartiles, min, max.
 *
 * Output: human tables on stdout, plus lines for the host-side driver:
 *   "CSV,..."   one row per measured cell (header on "CSVH,...")
 *   "MD|..."    markdown for README
 *   "TARGET|.." one line per target (issues 6 and 11), met or missed
 *
 * Caveats: under TCG absolute times mean little, only ratios within one
 * run.  Writes go to ivshmem BAR2 (its host file) and to edu's liveness
 * register (0x04) and to edu offsets 0x10000-0x1ffff, where nothing is
 * decoded; never to edu's DMA or interrupt registers.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aperture.h"

extern char **environ;

#define EDU_SLOT	"0000:00:04.0"
#define SHM_SLOT	"0000:00:05.0"
#define SYSFS_PCI	"/sys/bus/pci/devices"
#define EDU_ID_REG	0x00	/* identity, reads 0x010000ed */
#define EDU_LIVE_REG	0x04	/* liveness: reads back ~written */
#define EDU_QUIET_BASE	0x10000	/* nothing decoded here: bulk window */
#define EDU_QUIET_LEN	0x10000
#define MAX_SAMPLES	256

/* ------------------------------------------------------------------ */
/* Paths                                                              */
/* ------------------------------------------------------------------ */

enum path_id {
	P_DAEMON,	/* 1: FUSE via the daemon (passthrough=off) */
	P_PT,		/* 2: FUSE passthrough=all */
	P_MODULE,	/* 3: module descriptor */
	P_MAP,		/* 4: mapping of the module descriptor (limit) */
	P_SYSFS,	/* 5: sysfs resourceN mmap */
	P_DEVMEM,	/* 6: busybox devmem, one process per access */
	P_DD,		/* 6: dd bs=4 count=1 on the BAR file */
	P_FLOOR,	/* FUSE floor: 4-byte read of info */
	P_SPAWN,	/* spawn floor: busybox true */
	P_FAKE,		/* fake machine's memory-backed BAR file */
	NR_PATHS
};

struct path_desc {
	const char *key;	/* CSV key */
	const char *label;	/* table label */
};

static const struct path_desc path_desc[NR_PATHS] = {
	[P_DAEMON] = { "daemon", "1 BAR file via daemon (passthrough=off)" },
	[P_PT] = { "passthrough", "2 BAR file with passthrough=all" },
	[P_MODULE] = { "module", "3 module descriptor pread/pwrite" },
	[P_MAP] = { "mapping", "4 mapping of the BAR (limit)" },
	[P_SYSFS] = { "sysfs", "5 sysfs resourceN mmap" },
	[P_DEVMEM] = { "devmem", "6 busybox devmem (process)" },
	[P_DD] = { "dd", "6 dd bs=4 count=1, BAR file (default)" },
	[P_FLOOR] = { "floor", "   FUSE floor: 4 B read of info" },
	[P_SPAWN] = { "spawn", "   process floor: busybox true" },
	[P_FAKE] = { "fake", "0 fake machine's memory file via daemon" },
};

/* One BAR and every way this program has to reach it. */
struct bar_ctx {
	const char *name;	/* "ivshmem-bar2" */
	const char *title;	/* for table headings */
	const char *slot;	/* "0000:00:05.0" */
	int bar;		/* BAR index */
	struct aperture_io_bar desc; /* what the module said */
	int fd[NR_PATHS];	/* P_DAEMON, P_PT, P_MODULE, P_FLOOR, P_FAKE */
	volatile uint8_t *map[NR_PATHS]; /* P_MAP, P_SYSFS */
	char na[NR_PATHS][160];	/* why a path is unavailable, "" if it is */
	char sysfs_read[64];	/* what read() on resourceN gave */
	char file_off[256];	/* BAR file on the passthrough=off mount */
	char file_all[256];	/* BAR file on the passthrough=all mount */
};

/* One measured cell. */
struct cell {
	const struct bar_ctx *b;
	const char *op;		/* "read", "write" */
	const char *kind;	/* "seq" or "reg" */
	size_t size;		/* bytes per call */
	enum path_id p;
	bool ok;
	char na[160];		/* why not measured */
	double med, q1, q3, min, max; /* ns per call */
	int n;			/* samples */
	long k;			/* calls per sample */
};

static struct {
	const char *off_mnt;	/* passthrough=off mount */
	const char *all_mnt;	/* passthrough=all mount */
	const char *fake_mnt;	/* fake machine, passthrough=off */
	double budget;		/* seconds per group */
	int min_rounds;
	double sample_ns;	/* target duration of one sample */
	bool edu_seq;		/* sequential sizes on edu too */
	bool quick;
	const char *hammer;	/* --hammer: one cell in a loop, for perf */
	const char *world, *kernel;
	char release[128];
} opt = {
	.off_mnt = "/mnt/ap-off",
	.all_mnt = "/mnt/apertures",
	.budget = 1.2,
	.min_rounds = 9,
	.sample_ns = 1e6,
	.edu_seq = true,
};

static struct cell *cells;
static size_t ncells, capcells;
static uint8_t *wbuf, *rbuf;	/* write source, read destination */
static char devmem_addr_r[32], devmem_addr_w[32];

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Setting up the paths                                               */
/* ------------------------------------------------------------------ */

static void set_na(struct bar_ctx *b, enum path_id p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_na(struct bar_ctx *b, enum path_id p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->na[p], sizeof(b->na[p]), fmt, ap);
	va_end(ap);
}

/* The "barN.mmap: no (...)" line of info on @mnt, for an n/a reason. */
static void info_mmap_reason(const char *mnt, const char *slot, int bar,
			     char *out, size_t len)
{
	char path[512], line[512], key[32];
	FILE *f;

	snprintf(out, len, "no passthrough");
	snprintf(path, sizeof(path), "%s/%s/info", mnt, slot);
	snprintf(key, sizeof(key), "bar%d.mmap: no (", bar);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, key);

		if (p) {
			p += strlen(key);
			p[strcspn(p, "\n")] = 0;
			if (*p && p[strlen(p) - 1] == ')')
				p[strlen(p) - 1] = 0;
			snprintf(out, len, "%s", p);
			break;
		}
	}
	fclose(f);
}

static volatile uint8_t *map_fd(int fd, size_t len, int *err)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED) {
		*err = errno;
		return NULL;
	}
	return m;
}

static void bar_setup(struct bar_ctx *b, int ctl)
{
	struct ap_func f;
	char path[512];
	int ret, err = 0, fd;
	unsigned int d, bus, dev, fn;
	volatile uint8_t *m;

	for (int p = 0; p < NR_PATHS; p++) {
		b->fd[p] = -1;
		b->map[p] = NULL;
		b->na[p][0] = 0;
	}
	memset(&f, 0, sizeof(f));
	sscanf(b->slot, "%x:%x:%x.%x", &d, &bus, &dev, &fn);
	f.domain = d;
	f.bus = bus;
	f.dev = dev;
	f.func = fn;

	/* 3 and 4: the module descriptor and its mapping. */
	if (ctl < 0) {
		set_na(b, P_MODULE, "no /dev/aperture_io");
	} else {
		ret = ap_module_bar(ctl, &f, b->bar, 0, true, &b->desc);
		if (ret < 0)
			set_na(b, P_MODULE, "APERTURE_IO_OPEN: %s",
			       strerror(-ret));
		else
			b->fd[P_MODULE] = b->desc.fd;
	}
	if (b->fd[P_MODULE] >= 0) {
		m = map_fd(b->fd[P_MODULE], b->desc.size, &err);
		if (m)
			b->map[P_MAP] = m;
		else
			set_na(b, P_MAP, "mmap: %s", strerror(err));
	} else {
		set_na(b, P_MAP, "%s", b->na[P_MODULE]);
	}

	/* 5: sysfs resourceN: mmap works, read() is tried once. */
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/resource%d", b->slot,
		 b->bar);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		set_na(b, P_SYSFS, "open %s: %s", path, strerror(errno));
		snprintf(b->sysfs_read, sizeof(b->sysfs_read), "open: %s",
			 strerror(errno));
	} else {
		uint32_t v;
		ssize_t n = pread(fd, &v, 4, 0);

		if (n < 0)
			snprintf(b->sysfs_read, sizeof(b->sysfs_read),
				 "read() fails: %s", ap_errno_name(errno));
		else
			snprintf(b->sysfs_read, sizeof(b->sysfs_read),
				 "read() gave %zd bytes", n);
		m = map_fd(fd, b->desc.size ? b->desc.size : 4096, &err);
		if (m)
			b->map[P_SYSFS] = m;
		else
			set_na(b, P_SYSFS, "mmap: %s", strerror(err));
		close(fd);
	}

	/* 1: the BAR file on the passthrough=off mount. */
	snprintf(b->file_off, sizeof(b->file_off), "%s/%s/bar%d",
		 opt.off_mnt, b->slot, b->bar);
	b->fd[P_DAEMON] = open(b->file_off, O_RDWR | O_CLOEXEC);
	if (b->fd[P_DAEMON] < 0)
		set_na(b, P_DAEMON, "open %s: %s", b->file_off,
		       strerror(errno));
	snprintf(path, sizeof(path), "%s/%s/info", opt.off_mnt, b->slot);
	b->fd[P_FLOOR] = open(path, O_RDONLY | O_CLOEXEC);
	if (b->fd[P_FLOOR] < 0)
		set_na(b, P_FLOOR, "open %s: %s", path, strerror(errno));

	/* 0: the same file on the fake machine, memory behind it. */
	if (!opt.fake_mnt) {
		set_na(b, P_FAKE, "no fake machine mounted (--fake)");
	} else {
		snprintf(path, sizeof(path), "%s/%s/bar%d", opt.fake_mnt,
			 b->slot, b->bar);
		b->fd[P_FAKE] = open(path, O_RDWR | O_CLOEXEC);
		if (b->fd[P_FAKE] < 0)
			set_na(b, P_FAKE, "open %s: %s", path,
			       strerror(errno));
	}

	/*
	 * 2: the BAR file on the passthrough=all mount, only where
	 * passthrough is really in force: a shared mapping of the file is
	 * the proof (without passthrough it is ENODEV and read/write would
	 * silently measure the daemon again).
	 */
	snprintf(b->file_all, sizeof(b->file_all), "%s/%s/bar%d",
		 opt.all_mnt, b->slot, b->bar);
	fd = open(b->file_all, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		set_na(b, P_PT, "open %s: %s", b->file_all, strerror(errno));
	} else {
		void *t = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);

		if (t == MAP_FAILED) {
			char why[160];

			err = errno;
			info_mmap_reason(opt.all_mnt, b->slot, b->bar, why,
					 sizeof(why));
			set_na(b, P_PT, "no passthrough (mmap %s): %s",
			       ap_errno_name(err), why);
			close(fd);
		} else {
			munmap(t, 4096);
			b->fd[P_PT] = fd;
		}
	}
}

/* ------------------------------------------------------------------ */
/* One call of a path                                                 */
/* ------------------------------------------------------------------ */

/* Run argv (stdin/stdout to /dev/null); 0 if it exited 0, else -EIO. */
static int spawn_wait(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, ret;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret)
		return -ret;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/*
 * One access of @size bytes at @off through path @p; @reg: a single
 * 32-bit register access (volatile load/store on mappings).  Returns 0
 * or -errno.
 */
static int do_call(const struct bar_ctx *b, enum path_id p, bool write,
		   bool reg, size_t size, uint64_t off)
{
	ssize_t n;

	switch (p) {
	case P_DAEMON:
	case P_PT:
	case P_MODULE:
	case P_FAKE:
		n = write ? pwrite(b->fd[p], wbuf, size, off) :
			    pread(b->fd[p], rbuf, size, off);
		if (n < 0)
			return -errno;
		return (size_t)n == size ? 0 : -EIO;
	case P_FLOOR:
		n = pread(b->fd[p], rbuf, 4, 0);
		if (n < 0)
			return -errno;
		return n == 4 ? 0 : -EIO;
	case P_MAP:
	case P_SYSFS:
		if (reg) {
			volatile uint32_t *r =
				(volatile uint32_t *)(b->map[p] + off);

			if (write)
				*r = 0;
			else
				*(volatile uint32_t *)rbuf = *r;
		} else if (write) {
			memcpy((void *)(b->map[p] + off), wbuf, size);
		} else {
			memcpy(rbuf, (const void *)(b->map[p] + off), size);
		}
		__asm__ __volatile__("" ::: "memory");
		return 0;
	case P_DEVMEM: {
		char *rd[] = { "busybox", "devmem", devmem_addr_r, "32", NULL };
		char *wr[] = { "busybox", "devmem", devmem_addr_w, "32", "0",
			       NULL };

		return spawn_wait(write ? wr : rd);
	}
	case P_DD: {
		char iff[300], of[300], skip[32];
		char *rd[] = { "dd", iff, "of=/dev/null", "bs=4", "count=1",
			       skip, "status=none", NULL };
		char *wr[] = { "dd", "if=/dev/zero", of, "bs=4", "count=1",
			       skip, "conv=notrunc", "status=none", NULL };

		snprintf(iff, sizeof(iff), "if=%s", b->file_all);
		snprintf(of, sizeof(of), "of=%s", b->file_all);
		snprintf(skip, sizeof(skip), "%s=%" PRIu64,
			 write ? "seek" : "skip", off / 4);
		return spawn_wait(write ? wr : rd);
	}
	case P_SPAWN: {
		char *t[] = { "busybox", "true", NULL };

		return spawn_wait(t);
	}
	default:
		return -EINVAL;
	}
}

/* ------------------------------------------------------------------ */
/* Groups: the paths of one (BAR, op, size) in interleaved rounds      */
/* ------------------------------------------------------------------ */

struct group {
	struct bar_ctx *b;
	bool write, reg;
	size_t size;
	uint64_t base, window;	/* offsets walk [base, base + window) */
	enum path_id paths[NR_PATHS];
	int np;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double quantile(const double *s, int n, double q)
{
	double pos = q * (n - 1);
	int i = (int)pos;

	if (i + 1 >= n)
		return s[n - 1];
	return s[i] + (pos - i) * (s[i + 1] - s[i]);
}

static struct cell *cell_new(void)
{
	if (ncells == capcells) {
		capcells = capcells ? 2 * capcells : 64;
		cells = realloc(cells, capcells * sizeof(*cells));
		if (!cells) {
			perror("aperture-bench");
			exit(1);
		}
	}
	memset(&cells[ncells], 0, sizeof(cells[0]));
	return &cells[ncells++];
}

static void run_group(struct group *g)
{
	struct cell *c[NR_PATHS];
	double samples[NR_PATHS][MAX_SAMPLES];
	uint64_t offs[NR_PATHS];
	bool fixed = g->reg;
	double t0, deadline;
	int rounds = 0, live = 0;

	for (int i = 0; i < g->np; i++) {
		enum path_id p = g->paths[i];
		struct cell *x = cell_new();

		x->b = g->b;
		x->op = g->write ? "write" : "read";
		x->kind = g->reg ? "reg" : "seq";
		x->size = g->size;
		x->p = p;
		offs[i] = g->base;
		if (g->b->na[p][0]) {
			snprintf(x->na, sizeof(x->na), "%s", g->b->na[p]);
		} else {
			/* Warm-up and calibration: the best of three calls. */
			double best = INFINITY;
			int ret = 0;

			for (int k = 0; k < 3 && !ret; k++) {
				double t = now_ns();

				ret = do_call(g->b, p, g->write, g->reg,
					      g->size, offs[i]);
				t = now_ns() - t;
				if (t < best)
					best = t;
			}
			if (ret) {
				snprintf(x->na, sizeof(x->na), "%s: %s",
					 g->write ? "write" : "read",
					 strerror(-ret));
			} else {
				x->ok = true;
				x->k = (long)ceil(opt.sample_ns /
						  (best > 1 ? best : 1));
				if (x->k < 1)
					x->k = 1;
				if (p == P_DEVMEM || p == P_DD ||
				    p == P_SPAWN)
					x->k = 1;
				live++;
			}
		}
	}
	/* cells may have moved while growing: take the pointers now. */
	for (int i = 0; i < g->np; i++)
		c[i] = &cells[ncells - g->np + i];
	if (!live)
		return;

	t0 = now_ns();
	deadline = t0 + opt.budget * 1e9;
	while (rounds < MAX_SAMPLES &&
	       (rounds < opt.min_rounds || now_ns() < deadline)) {
		for (int j = 0; j < g->np; j++) {
			int i = (j + rounds) % g->np;
			struct cell *x = c[i];
			double t;
			int ret = 0;

			if (!x->ok)
				continue;
			t = now_ns();
			for (long k = 0; k < x->k && !ret; k++) {
				ret = do_call(g->b, x->p, g->write, g->reg,
					      g->size, offs[i]);
				if (!fixed) {
					offs[i] += g->size;
					if (offs[i] + g->size >
					    g->base + g->window)
						offs[i] = g->base;
				}
			}
			t = now_ns() - t;
			if (ret) {
				x->ok = false;
				snprintf(x->na, sizeof(x->na),
					 "%s failed: %s", x->op,
					 strerror(-ret));
				continue;
			}
			samples[i][rounds] = t / x->k;
		}
		rounds++;
	}
	for (int i = 0; i < g->np; i++) {
		struct cell *x = c[i];
		double *s = samples[i];

		if (!x->ok)
			continue;
		qsort(s, rounds, sizeof(double), cmp_double);
		x->n = rounds;
		x->min = s[0];
		x->max = s[rounds - 1];
		x->med = quantile(s, rounds, 0.5);
		x->q1 = quantile(s, rounds, 0.25);
		x->q3 = quantile(s, rounds, 0.75);
	}
}

/* ------------------------------------------------------------------ */
/* Results                                                            */
/* ------------------------------------------------------------------ */

static const struct cell *find(const struct bar_ctx *b, const char *op,
			       const char *kind, size_t size, enum path_id p)
{
	for (size_t i = 0; i < ncells; i++) {
		const struct cell *x = &cells[i];

		if (x->b == b && !strcmp(x->op, op) &&
		    !strcmp(x->kind, kind) && x->size == size && x->p == p)
			return x->ok ? x : NULL;
	}
	return NULL;
}

/* Throughput of @x relative to @ref (time ratio), NAN if either lacks. */
static double ratio(const struct cell *x, const struct cell *ref)
{
	if (!x || !ref || !x->ok || !ref->ok || x->med <= 0)
		return NAN;
	return ref->med / x->med;
}

static double mbps(const struct cell *x)
{
	return x->size * 1e3 / x->med;
}

static void size_name(size_t s, char *buf, size_t len)
{
	if (s >= (1u << 20) && !(s % (1u << 20)))
		snprintf(buf, len, "%zu MiB", s >> 20);
	else if (s >= 1024 && !(s % 1024))
		snprintf(buf, len, "%zu KiB", s >> 10);
	else
		snprintf(buf, len, "%zu B", s);
}

static void time_name(double ns, char *buf, size_t len)
{
	if (ns >= 1e6)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else
		snprintf(buf, len, "%.0f ns", ns);
}

static void fmt_ratio(double r, char *buf, size_t len)
{
	if (isnan(r))
		snprintf(buf, len, "-");
	else if (r >= 0.1)
		snprintf(buf, len, "%.2f", r);
	else
		snprintf(buf, len, "%.1e", r);
}

static void print_csv(void)
{
	printf("CSVH,world,kernel,release,bar,op,kind,size,path,label,status,"
	       "median_ns,q1_ns,q3_ns,min_ns,max_ns,samples,calls_per_sample,"
	       "mb_per_s,vs_mapping,vs_module,note\n");
	for (size_t i = 0; i < ncells; i++) {
		const struct cell *x = &cells[i];
		const struct cell *lim, *mod;
		const char *kind = x->kind;

		if (!x->ok) {
			printf("CSV,%s,%s,%s,%s,%s,%s,%zu,%s,%s,n/a,,,,,,,,,,,"
			       "\"%s\"\n",
			       opt.world, opt.kernel, opt.release, x->b->name,
			       x->op, kind, x->size, path_desc[x->p].key,
			       path_desc[x->p].label + 2, x->na);
			continue;
		}
		lim = find(x->b, x->op, kind, x->size, P_MAP);
		mod = find(x->b, x->op, kind, x->size, P_MODULE);
		printf("CSV,%s,%s,%s,%s,%s,%s,%zu,%s,%s,ok,%.1f,%.1f,%.1f,%.1f,"
		       "%.1f,%d,%ld,%.4f,%.4g,%.4g,\n",
		       opt.world, opt.kernel, opt.release, x->b->name, x->op,
		       kind, x->size, path_desc[x->p].key,
		       path_desc[x->p].label + 2, x->med, x->q1, x->q3, x->min,
		       x->max, x->n, x->k, mbps(x), ratio(x, lim),
		       ratio(x, mod));
	}
}

/* One row of a human table: the read and write columns of one path. */
static void print_row(const struct bar_ctx *b, const char *kind, size_t size,
		      enum path_id p, const struct cell *floor_rd)
{
	printf("%-40s", path_desc[p].label);
	for (int w = 0; w < 2; w++) {
		const char *op = w ? "write" : "read";
		const struct cell *x = find(b, op, kind, size, p), *any = NULL;
		char t[32], r1[16], r2[16], sp[16];

		for (size_t i = 0; i < ncells; i++)
			if (cells[i].b == b && !strcmp(cells[i].op, op) &&
			    !strcmp(cells[i].kind, kind) &&
			    cells[i].size == size && cells[i].p == p)
				any = &cells[i];
		if (!any) {
			printf(" | %-41s", "");
			continue;
		}
		if (!x) {
			printf(" | n/a: %-36.36s", any->na);
			continue;
		}
		time_name(x->med, t, sizeof(t));
		snprintf(sp, sizeof(sp), "%.0f%%",
			 50.0 * (x->q3 - x->q1) / x->med);
		fmt_ratio(ratio(x, find(b, op, kind, size, P_MAP)), r1,
			  sizeof(r1));
		fmt_ratio(ratio(x, find(b, op, kind, size, P_MODULE)), r2,
			  sizeof(r2));
		if (!strcmp(kind, "reg") || size < 64)
			printf(" | %9s %9s ±%-4s %7s %6s", "", t, sp, r1, r2);
		else
			printf(" | %9.4g %9s ±%-4s %7s %6s", mbps(x), t, sp,
			       r1, r2);
	}
	if (p == P_DAEMON && floor_rd) {
		const struct cell *x = find(b, "read", kind, size, p);

		if (x)
			printf(" | %.2fx floor", x->med / floor_rd->med);
	}
	printf("\n");
}

static void print_table(const struct bar_ctx *b, const char *kind,
			size_t size)
{
	static const enum path_id order[] = {
		P_FAKE, P_DAEMON, P_PT, P_MODULE, P_MAP, P_SYSFS, P_DEVMEM,
		P_DD, P_FLOOR, P_SPAWN,
	};
	const struct cell *floor_rd = find(b, "read", kind, size, P_FLOOR);
	char sz[32];
	bool any = false;

	for (size_t i = 0; i < ncells; i++)
		if (cells[i].b == b && !strcmp(cells[i].kind, kind) &&
		    cells[i].size == size)
			any = true;
	if (!any)
		return;
	size_name(size, sz, sizeof(sz));
	printf("\n%s, %s\n", b->title,
	       !strcmp(kind, "reg") ?
		       "one 4-byte register access per call (read 0x00 "
		       "identity, write 0x04 liveness)" :
		       "sequential");
	if (strcmp(kind, "reg"))
		printf("  %s per call\n", sz);
	printf("%-40s | %-41s | %-41s\n", "path", "read", "write");
	printf("%-40s | %9s %9s %-5s %7s %6s | %9s %9s %-5s %7s %6s\n", "",
	       "MB/s", "per call", "sprd", "/limit", "/mod", "MB/s",
	       "per call", "sprd", "/limit", "/mod");
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum path_id p = order[i];
		bool has = false;

		for (size_t j = 0; j < ncells; j++)
			if (cells[j].b == b && !strcmp(cells[j].kind, kind) &&
			    cells[j].size == size && cells[j].p == p)
				has = true;
		if (has)
			print_row(b, kind, size, p, floor_rd);
	}
	if (!strcmp(kind, "reg") || size == 4)
		printf("%-40s   %s\n", "5 sysfs resourceN read()/write()",
		       b->sysfs_read);
	if (!strcmp(kind, "reg"))
		printf("%-40s   %s\n", "6 dd: the default mount",
		       b->na[P_PT][0] ? "passthrough=all, which falls back "
					"to the daemon here" :
					"passthrough=all (in force)");
}

/* ------------------------------------------------------------------ */
/* Targets of issue 6                                                 */
/* ------------------------------------------------------------------ */

static int targets_missed;

static void target(const char *name, bool measured, bool met,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void target(const char *name, bool measured, bool met,
		   const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (measured && !met)
		targets_missed++;
	printf("TARGET|%s|%s|%s|%s|%s\n", opt.kernel, opt.world,
	       !measured ? "n/a" : met ? "met" : "MISSED", name, buf);
}

/*
 * The worst (largest) time ratio @x / @ref over the sequential sizes of
 * @bs from @min_size up, both ops; -1 if no pair was measured.  @where
 * names the worst cell.
 */
static double worst_time_ratio(struct bar_ctx **bs, int nb,
			       const size_t *sizes, int nsizes,
			       size_t min_size, enum path_id x,
			       enum path_id ref, char *where, size_t len,
			       int *n)
{
	static const char *ops[] = { "read", "write" };
	double worst = -1;
	char sz[32];

	*n = 0;
	for (int k = 0; k < nb; k++) {
		for (int w = 0; w < 2; w++) {
			for (int i = 0; i < nsizes; i++) {
				const struct cell *a, *r;
				double t;

				if (sizes[i] < min_size)
					continue;
				a = find(bs[k], ops[w], "seq", sizes[i], x);
				r = find(bs[k], ops[w], "seq", sizes[i], ref);
				if (!a || !r)
					continue;
				(*n)++;
				t = a->med / r->med;
				if (t > worst) {
					worst = t;
					size_name(sizes[i], sz, sizeof(sz));
					snprintf(where, len, "%s %s %s",
						 bs[k]->name, sz, ops[w]);
				}
			}
		}
	}
	return worst;
}

static void check_targets(struct bar_ctx *shm, struct bar_ctx *edu,
			  const size_t *sizes, int nsizes)
{
	static const char *ops[] = { "read", "write" };
	struct bar_ctx *both[] = { shm, edu };
	size_t mib = 1u << 20;
	char where[128] = "";
	double r;
	int n;

	printf("\nTargets (ratios of medians in this run)\n");
	for (int w = 0; w < 2; w++) {
		const struct cell *m = find(shm, ops[w], "seq", mib, P_MODULE);
		const struct cell *l = find(shm, ops[w], "seq", mib, P_MAP);

		r = ratio(m, l);
		target("module >= 0.8 limit", !isnan(r), r >= 0.8,
		       "ivshmem BAR2 1 MiB %s: module/mapping = %.2f", ops[w],
		       r);
	}
	/*
	 * What FUSE itself costs is the fake machine's memory file.  Against
	 * memory, ivshmem's RAM BAR: edu's register BAR is read 32 bits at
	 * a time by the module (its descriptor alone is several times the
	 * fake file's time from 4 KiB up), a cost no FUSE daemon can shed.
	 */
	r = worst_time_ratio(both, 1, sizes, nsizes, 0, P_DAEMON, P_FAKE,
			     where, sizeof(where), &n);
	if (!n)
		target("daemon <= 1.25x fake file", false, false,
		       "not measured: %s", shm->na[P_FAKE][0] ?
		       shm->na[P_FAKE] : shm->na[P_DAEMON]);
	else
		target("daemon <= 1.25x fake file", true, r <= 1.25,
		       "worst of %d ivshmem cells: %.2fx the fake file's "
		       "time (%s)",
		       n, r, where);
	r = worst_time_ratio(both, 2, sizes, nsizes, 4096, P_PT, P_MODULE,
			     where, sizeof(where), &n);
	if (!n)
		target("passthrough <= 1.1x module from 4 KiB", false, false,
		       "passthrough not available here: %s", shm->na[P_PT]);
	else
		target("passthrough <= 1.1x module from 4 KiB", true,
		       r <= 1.1, "worst of %d cells: %.2fx the module's time "
		       "(%s)", n, r, where);
	{
		struct {
			const struct bar_ctx *b;
			const char *op, *kind, *what;
		} t[] = {
			{ edu, "read", "reg", "edu register read" },
			{ edu, "write", "reg", "edu register write" },
			{ shm, "read", "seq", "ivshmem 4 B read" },
			{ shm, "write", "seq", "ivshmem 4 B write" },
		};

		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			const struct cell *d =
				find(t[i].b, t[i].op, t[i].kind, 4, P_DAEMON);
			const struct cell *f =
				find(t[i].b, t[i].op, t[i].kind, 4, P_FLOOR);
			char a[32], b[32];

			r = d && f ? d->med / f->med : NAN;
			if (d)
				time_name(d->med, a, sizeof(a));
			if (f)
				time_name(f->med, b, sizeof(b));
			target("daemon 4 B <= 1.5x FUSE floor", !isnan(r),
			       r <= 1.5,
			       "%s: %s vs floor %s = %.2fx", t[i].what,
			       d ? a : "-", f ? b : "-", r);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Markdown for README                                                */
/* ------------------------------------------------------------------ */

static void md_cell(const struct cell *x, const struct cell *any, bool rate,
		    char *buf, size_t len)
{
	char t[32];

	if (!x) {
		snprintf(buf, len, "%s", any ? "n/a" : "");
		return;
	}
	if (rate) {
		double v = mbps(x);

		snprintf(buf, len, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" :
			 "%.3g", v);
	} else {
		time_name(x->med, t, sizeof(t));
		snprintf(buf, len, "%s", t);
	}
}

static const struct cell *find_any(const struct bar_ctx *b, const char *op,
				   const char *kind, size_t size,
				   enum path_id p)
{
	for (size_t i = 0; i < ncells; i++)
		if (cells[i].b == b && !strcmp(cells[i].op, op) &&
		    !strcmp(cells[i].kind, kind) && cells[i].size == size &&
		    cells[i].p == p)
			return &cells[i];
	return NULL;
}

static void print_md(struct bar_ctx *shm, struct bar_ctx *edu,
		     const size_t *sizes, int nsizes)
{
	static const enum path_id seq[] = { P_FAKE, P_DAEMON, P_PT, P_MODULE,
					    P_MAP, P_SYSFS };
	static const enum path_id reg[] = { P_FAKE, P_DAEMON, P_PT, P_MODULE,
					    P_MAP, P_SYSFS, P_DEVMEM, P_DD,
					    P_FLOOR, P_SPAWN };
	char buf[64];

	printf("MD|\n");
	printf("MD|ivshmem BAR2 (1 MiB, prefetchable, write-combining), "
	       "sequential, MB/s (ratio to the mapping, ratio to the module "
	       "descriptor):\n");
	printf("MD|\n");
	printf("MD|| path | op |");
	for (int i = 0; i < nsizes; i++) {
		size_name(sizes[i], buf, sizeof(buf));
		printf(" %s |", buf);
	}
	printf("\nMD|| --- | --- |");
	for (int i = 0; i < nsizes; i++)
		printf(" ---: |");
	printf("\n");
	for (size_t j = 0; j < sizeof(seq) / sizeof(seq[0]); j++) {
		for (int w = 0; w < 2; w++) {
			const char *op = w ? "write" : "read";

			printf("MD|| %s | %s |", path_desc[seq[j]].label,
			       op);
			for (int i = 0; i < nsizes; i++) {
				const struct cell *x =
					find(shm, op, "seq", sizes[i], seq[j]);
				const struct cell *m = find(
					shm, op, "seq", sizes[i], P_MODULE);
				const struct cell *l = find(
					shm, op, "seq", sizes[i], P_MAP);
				double r = ratio(x, m), rl = ratio(x, l);

				md_cell(x, find_any(shm, op, "seq", sizes[i],
						    seq[j]),
					true, buf, sizeof(buf));
				if (x && !isnan(r) && !isnan(rl))
					printf(" %s (%.2g, %.2g) |", buf, rl, r);
				else
					printf(" %s |", buf);
			}
			printf("\n");
		}
	}
	printf("MD|\nMD|sysfs resource2: %s.\n", shm->sysfs_read);
	printf("MD|\nMD|edu BAR0, one 4-byte register access per call "
	       "(median time per call):\n");
	printf("MD|\nMD|| path | read 0x00 | write 0x04 |\n");
	printf("MD|| --- | ---: | ---: |\n");
	for (size_t j = 0; j < sizeof(reg) / sizeof(reg[0]); j++) {
		char r[64], w[64];
		enum path_id p = reg[j];

		md_cell(find(edu, "read", "reg", 4, p),
			find_any(edu, "read", "reg", 4, p), false, r,
			sizeof(r));
		md_cell(find(edu, "write", "reg", 4, p),
			find_any(edu, "write", "reg", 4, p), false, w,
			sizeof(w));
		printf("MD|| %s | %s | %s |\n", path_desc[p].label, r, w);
	}
	printf("MD|\nMD|sysfs resource0: %s.\n", edu->sysfs_read);
}

/*
 * True if the CPU advertises ERMS: the kernel and glibc then copy and
 * clear with rep movsb/stosb, which TCG executes one byte at a time.
 */
static bool cpu_has_erms(void)
{
	char line[4096];
	bool erms = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			erms = strstr(line, " erms") != NULL;
			break;
		}
	if (f)
		fclose(f);
	return erms;
}

/* ------------------------------------------------------------------ */
/* --hammer: one cell in a loop, so that perf or ftrace can profile it */
/* ------------------------------------------------------------------ */

/* --hammer shm|edu|edu-reg,PATHKEY,read|write,SIZE,SECONDS */
static int hammer(struct bar_ctx *shm, struct bar_ctx *edu)
{
	char bar[16], key[16], op[8];
	unsigned long size;
	double secs, t0, t;
	enum path_id p = NR_PATHS;
	struct bar_ctx *b;
	bool reg, write;
	uint64_t off, base, window;
	long calls = 0;

	if (sscanf(opt.hammer, "%15[^,],%15[^,],%7[^,],%lu,%lf", bar, key, op,
		   &size, &secs) != 5 || !size || size > (1u << 20)) {
		fprintf(stderr, "aperture-bench: --hammer "
			"shm|edu|edu-reg,PATH,read|write,SIZE,SECONDS\n");
		return 2;
	}
	for (int i = 0; i < NR_PATHS; i++)
		if (!strcmp(path_desc[i].key, key))
			p = i;
	b = strcmp(bar, "shm") ? edu : shm;
	reg = !strcmp(bar, "edu-reg");
	write = !strcmp(op, "write");
	base = reg ? (write ? EDU_LIVE_REG : EDU_ID_REG) :
		     b == edu ? EDU_QUIET_BASE : 0;
	window = reg ? 4 : b == edu ? EDU_QUIET_LEN : b->desc.size;
	if (p == NR_PATHS || b->na[p][0]) {
		fprintf(stderr, "aperture-bench: path %s: %s\n", key,
			p == NR_PATHS ? "unknown" : b->na[p]);
		return 1;
	}
	off = base;
	t0 = now_ns();
	do {
		for (int i = 0; i < 64; i++, calls++) {
			int ret = do_call(b, p, write, reg, size, off);

			if (ret) {
				fprintf(stderr, "aperture-bench: %s\n",
					strerror(-ret));
				return 1;
			}
			if (!reg) {
				off += size;
				if (off + size > base + window)
					off = base;
			}
		}
		t = now_ns() - t0;
	} while (t < secs * 1e9);
	printf("hammer %s %s %s %lu: %ld calls, %.1f ns per call\n", bar,
	       key, op, size, calls, t / calls);
	return 0;
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
	printf("usage: aperture-bench [--off MNT] [--all MNT] [--fake MNT]\n"
	       "                      [--budget SECS]\n"
	       "                      [--min-rounds N] [--no-edu-seq] "
	       "[--quick]\n"
	       "                      [--hammer shm|edu|edu-reg,PATH,OP,SIZE,"
	       "SECS]\n"
	       "Measures every access path to ivshmem BAR2 and edu BAR0; "
	       "run inside a test guest\n(tests/bench/guest.sh).  MNT: "
	       "aperturefs mounted -o passthrough=off / =all.\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "off", required_argument, NULL, 'o' },
		{ "all", required_argument, NULL, 'a' },
		{ "fake", required_argument, NULL, 'f' },
		{ "budget", required_argument, NULL, 'b' },
		{ "min-rounds", required_argument, NULL, 'r' },
		{ "no-edu-seq", no_argument, NULL, 'E' },
		{ "quick", no_argument, NULL, 'q' },
		{ "hammer", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const size_t sizes[] = { 4, 64, 4096, 65536, 1u << 20 };
	const int nsizes = sizeof(sizes) / sizeof(sizes[0]);
	struct bar_ctx shm = { .name = "ivshmem-bar2", .slot = SHM_SLOT,
			       .bar = 2,
			       .title = "ivshmem 0000:00:05.0 BAR2 (1 MiB "
					"prefetchable RAM, write-combining)" };
	struct bar_ctx edu = { .name = "edu-bar0", .slot = EDU_SLOT,
			       .bar = 0,
			       .title = "edu 0000:00:04.0 BAR0 (1 MiB "
					"registers, uncached)" };
	struct utsname u;
	int c, ctl;
	double t0 = now_ns();

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'o': opt.off_mnt = optarg; break;
		case 'a': opt.all_mnt = optarg; break;
		case 'f': opt.fake_mnt = optarg; break;
		case 'b': opt.budget = atof(optarg); break;
		case 'r': opt.min_rounds = atoi(optarg); break;
		case 'E': opt.edu_seq = false; break;
		case 'q':
			opt.quick = true;
			opt.budget = 0.2;
			opt.min_rounds = 3;
			break;
		case 'H': opt.hammer = optarg; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (opt.min_rounds < 1)
		opt.min_rounds = 1;
	if (opt.min_rounds > MAX_SAMPLES)
		opt.min_rounds = MAX_SAMPLES;
	opt.world = getenv("APERTURE_WORLD") ? getenv("APERTURE_WORLD") : "?";
	opt.kernel = getenv("APERTURE_KERNEL") ? getenv("APERTURE_KERNEL") :
						 "?";
	uname(&u);
	snprintf(opt.release, sizeof(opt.release), "%s", u.release);

	wbuf = aligned_alloc(4096, 1u << 20);
	rbuf = aligned_alloc(4096, 1u << 20);
	if (!wbuf || !rbuf) {
		perror("aperture-bench");
		return 1;
	}
	for (size_t i = 0; i < (1u << 20); i++)
		wbuf[i] = (uint8_t)(i * 131 + 7);
	memset(rbuf, 0, 1u << 20);

	ctl = ap_module_open();
	bar_setup(&shm, ctl);
	bar_setup(&edu, ctl);
	/* Processes: busybox devmem on edu only; dd on the default mount. */
	for (int p = P_DEVMEM; p <= P_SPAWN; p++) {
		if (p == P_FLOOR)
			continue;
		set_na(&shm, p, "edu registers only");
	}
	if (!edu.desc.start) {
		set_na(&edu, P_DEVMEM, "BAR address unknown");
	} else {
		snprintf(devmem_addr_r, sizeof(devmem_addr_r), "0x%" PRIx64,
			 (uint64_t)edu.desc.start + EDU_ID_REG);
		snprintf(devmem_addr_w, sizeof(devmem_addr_w), "0x%" PRIx64,
			 (uint64_t)edu.desc.start + EDU_LIVE_REG);
	}
	if (access(edu.file_all, F_OK))
		set_na(&edu, P_DD, "no %s", edu.file_all);

	if (opt.hammer)
		return hammer(&shm, &edu);
	printf("aperture-bench: world %s, kernel %s (%s), %s, %s\n",
	       opt.world, opt.kernel, opt.release,
	       shm.na[P_PT][0] ? "passthrough unavailable" :
				 "passthrough on",
	       cpu_has_erms() ? "CPU with ERMS (rep movsb)" :
				"CPU without ERMS/FSRM");
	printf("aperture-bench: %.1f s per group, >= %d rounds, samples of "
	       "~%.1f ms\n", opt.budget, opt.min_rounds, opt.sample_ns / 1e6);
	fflush(stdout);

	/* ivshmem BAR2, sequential, every size. */
	for (int i = 0; i < nsizes; i++) {
		for (int w = 0; w < 2; w++) {
			struct group g = { .b = &shm, .write = w,
					   .size = sizes[i], .base = 0,
					   .window = shm.desc.size ?
							     shm.desc.size :
							     (1u << 20) };
			g.paths[g.np++] = P_FAKE;
			g.paths[g.np++] = P_DAEMON;
			g.paths[g.np++] = P_PT;
			g.paths[g.np++] = P_MODULE;
			g.paths[g.np++] = P_MAP;
			g.paths[g.np++] = P_SYSFS;
			if (sizes[i] == 4)
				g.paths[g.np++] = P_FLOOR;
			run_group(&g);
		}
	}
	/* edu BAR0: one register per call, every way there is. */
	for (int w = 0; w < 2; w++) {
		struct group g = { .b = &edu, .write = w, .reg = true,
				   .size = 4,
				   .base = w ? EDU_LIVE_REG : EDU_ID_REG,
				   .window = 4 };
		g.paths[g.np++] = P_FAKE;
		g.paths[g.np++] = P_DAEMON;
		g.paths[g.np++] = P_PT;
		g.paths[g.np++] = P_MODULE;
		g.paths[g.np++] = P_MAP;
		g.paths[g.np++] = P_SYSFS;
		g.paths[g.np++] = P_FLOOR;
		run_group(&g);
	}
	/*
	 * The same registers from a shell, one process per access, in a
	 * group of their own: what exiting processes leave behind (page
	 * cache, RCU work) would otherwise land in the samples above.
	 */
	for (int w = 0; w < 2; w++) {
		struct group g = { .b = &edu, .write = w, .reg = true,
				   .size = 4,
				   .base = w ? EDU_LIVE_REG : EDU_ID_REG,
				   .window = 4 };
		double keep = opt.budget;

		g.paths[g.np++] = P_DEVMEM;
		g.paths[g.np++] = P_DD;
		g.paths[g.np++] = P_SPAWN;
		opt.budget = 0;	/* min_rounds only: ~0.1-0.5 s each */
		run_group(&g);
		opt.budget = keep;
	}
	/* edu BAR0, sequential, in a window where nothing is decoded. */
	for (int i = 0; opt.edu_seq && i < nsizes; i++) {
		if (sizes[i] > EDU_QUIET_LEN)
			continue;
		for (int w = 0; w < 2; w++) {
			struct group g = { .b = &edu, .write = w,
					   .size = sizes[i],
					   .base = EDU_QUIET_BASE,
					   .window = EDU_QUIET_LEN };
			g.paths[g.np++] = P_FAKE;
			g.paths[g.np++] = P_DAEMON;
			g.paths[g.np++] = P_PT;
			g.paths[g.np++] = P_MODULE;
			g.paths[g.np++] = P_MAP;
			g.paths[g.np++] = P_SYSFS;
			run_group(&g);
		}
	}

	for (int i = 0; i < nsizes; i++)
		print_table(&shm, "seq", sizes[i]);
	print_table(&edu, "reg", 4);
	for (int i = 0; i < nsizes; i++)
		print_table(&edu, "seq", sizes[i]);
	printf("\n/limit, /mod: throughput relative to the mapping (4) and "
	       "to the module descriptor (3);\nsprd: half the interquartile "
	       "range of the samples, relative to the median.\n");
	check_targets(&shm, &edu, sizes, nsizes);
	print_md(&shm, &edu, sizes, nsizes);
	print_csv();
	printf("aperture-bench: done in %.0f s, %d target(s) missed\n",
	       (now_ns() - t0) / 1e9, targets_missed);
	return 0;
}

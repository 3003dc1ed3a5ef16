/*
 * ab.h - the parts of aperture-bench (tests/bench/aperture-bench.c):
 * paths.c sets up and calls every way to reach a BAR, measure.c runs
 * groups of paths in interleaved rounds, report.c prints tables, CSV and
 * README markdown, targets.c the targets of issues 6 and 11.
 */
#ifndef AB_H
#define AB_H

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
#include "aperture_split.h"


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


extern const struct path_desc path_desc[NR_PATHS];

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
	bool exact[NR_PATHS];	/* P_MAP, P_SYSFS: exact copies, not memcpy */
	char copy[NR_PATHS][80]; /* P_MAP, P_SYSFS: how copies go, and why */
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


struct bench_opt {
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
};

struct group {
	struct bar_ctx *b;
	bool write, reg;
	size_t size;
	uint64_t base, window;	/* offsets walk [base, base + window) */
	enum path_id paths[NR_PATHS];
	int np;
};

extern struct bench_opt opt;
extern struct cell *cells;	/* every cell measured, in order */
extern size_t ncells;
extern uint8_t *wbuf, *rbuf;	/* write source, read destination */
extern char devmem_addr_r[32], devmem_addr_w[32];
extern int targets_missed;

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* paths.c */
void set_na(struct bar_ctx *b, enum path_id p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void bar_setup(struct bar_ctx *b, int ctl);
int do_call(const struct bar_ctx *b, enum path_id p, bool write, bool reg,
	    size_t size, uint64_t off);
/* measure.c */
void run_group(struct group *g);
/* report.c */
const struct cell *find(const struct bar_ctx *b, const char *op,
			const char *kind, size_t size, enum path_id p);
double ratio(const struct cell *x, const struct cell *ref);
double mbps(const struct cell *x);
void size_name(size_t s, char *buf, size_t len);
void time_name(double ns, char *buf, size_t len);
void fmt_ratio(double r, char *buf, size_t len);
void print_csv(void);
void print_table(const struct bar_ctx *b, const char *kind, size_t size);
void print_md(struct bar_ctx *shm, struct bar_ctx *edu, const size_t *sizes,
	      int nsizes);
/* targets.c */
void check_targets(struct bar_ctx *shm, struct bar_ctx *edu,
		   const size_t *sizes, int nsizes);

#endif /* AB_H */

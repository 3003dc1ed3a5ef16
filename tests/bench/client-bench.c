/*
 * client-bench.c - what libaperture and the aperture command cost, in a
 * guest (issue 13's benchmark, separate from aperture-bench):
 *
 *   1 one `aperture -s SLOT bar0 0x0.l` process per read, against one
 *     `busybox devmem ADDR 32` process per read (both spawn, map or open,
 *     read once, print, exit);
 *   2 one aperture_read32() through the mount, against one 4-byte load on
 *     a mapping of the BAR file (aperture_map(), where the mount has FUSE
 *     passthrough), one 4-byte pread of the BAR file, and one of a module
 *     descriptor (APERTURE_IO_OPEN) of the same BAR.
 *
 *	client-bench APERTURE-COMMAND SLOT ROUNDS
 *
 * Prints the median time per read of each, interleaved round by round so
 * that drift hits all alike (a sample of the in-process reads is K calls,
 * K chosen per path so that a sample lasts about 1 ms), then issue 21's
 * targets as aperture-bench prints its own, "TARGET|KERNEL|WORLD|met or
 * MISSED or n/a|TARGET|FIGURES": a library read within 2x of a load on the
 * mapping where the mount maps the device, within 1.2x of a pread of the
 * BAR file elsewhere.  Not a test: it asserts nothing.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <aperture/aperture.h>

#include "aperture_io.h"

extern char **environ;

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

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Seconds one run of @argv takes, its output to /dev/null. */
static double spawn_time(char *const *argv)
{
	posix_spawn_file_actions_t fa;
	double t0 = now();
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) ||
	    waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "client-bench: %s failed\n", argv[0]);
		exit(1);
	}
	posix_spawn_file_actions_destroy(&fa);
	return now() - t0;
}

/* BAR0's address from sysfs resource (for devmem). */
static unsigned long long bar0_addr(const char *slot)
{
	char path[256];
	unsigned long long a = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", slot);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llx", &a) != 1) {
		fprintf(stderr, "client-bench: %s: no BAR0 address\n", path);
		exit(1);
	}
	fclose(f);
	return a;
}

/* The in-process reads, each timed as K back-to-back calls. */
enum path { P_LIB, P_MAP, P_FILE, P_MODULE, NR_PATHS };

static const char *const path_name[NR_PATHS] = {
	"libaperture aperture_read32()  ",
	"load on a mapping of the BAR   ",
	"pread of the BAR file (4 B)    ",
	"module descriptor pread (4 B)  ",
};

struct ctx {
	struct aperture *ap;
	volatile uint32_t *map;	/* NULL: the mount does not map */
	int bar_fd, mod_fd;
};

/* Seconds per call of @p, over @k calls. */
static double sample(const struct ctx *c, enum path p, int k)
{
	double t0 = now();
	uint32_t v;

	for (int i = 0; i < k; i++) {
		switch (p) {
		case P_LIB:
			if (aperture_read32(c->ap, 0, 0, &v)) {
				fprintf(stderr, "client-bench: %s\n",
					aperture_last_error(c->ap));
				exit(1);
			}
			break;
		case P_MAP:
			v = c->map[0];
			break;
		default:
			if (pread(p == P_FILE ? c->bar_fd : c->mod_fd, &v, 4,
				  0) != 4) {
				fprintf(stderr, "client-bench: pread (%s): "
					"%s\n", path_name[p], strerror(errno));
				exit(1);
			}
			break;
		}
	}
	return (now() - t0) / k;
}

static void target(const char *kernel, const char *world, bool measured,
		   bool met, const char *name, const char *figures)
{
	printf("TARGET|%s|%s|%s|%s|%s\n", kernel, world,
	       !measured ? "n/a" : met ? "met" : "MISSED", name, figures);
}

int main(int argc, char **argv)
{
	struct aperture_io_bar arg = { .argsz = sizeof(arg) };
	unsigned int dom, bus, dev, fn;
	char addr[32], *cmd[8], *bb[5], why[256] = "", path[600], fig[256];
	struct ctx c = { 0 };
	struct utsname un;
	double *t[2], *tp[NR_PATHS], med[NR_PATHS];
	int k[NR_PATHS], rounds, ctl, ret;
	volatile void *m;
	size_t mlen;

	if (argc != 4 || sscanf(argv[2], "%x:%x:%x.%x", &dom, &bus, &dev, &fn)
			!= 4 || (rounds = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: client-bench APERTURE dddd:bb:dd.f "
			"ROUNDS\n");
		return 2;
	}
	ret = aperture_open(NULL, argv[2], &c.ap);
	if (ret) {
		fprintf(stderr, "client-bench: aperture_open %s: %s\n", argv[2],
			strerror(-ret));
		return 1;
	}
	ctl = open("/dev/" APERTURE_IO_NODE, O_RDWR | O_CLOEXEC);
	arg.domain = dom;
	arg.bus = bus;
	arg.devfn = dev << 3 | fn;
	arg.bar = 0;
	/* The descriptor comes back in arg.fd; the ioctl returns 0. */
	c.mod_fd = ctl < 0 || ioctl(ctl, APERTURE_IO_OPEN, &arg) < 0 ? -1 :
								       arg.fd;
	if (c.mod_fd < 0) {
		fprintf(stderr, "client-bench: APERTURE_IO_OPEN: %s\n",
			strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s/bar0", aperture_mount(c.ap),
		 aperture_slot(c.ap));
	c.bar_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c.bar_fd < 0) {
		fprintf(stderr, "client-bench: %s: %s\n", path, strerror(errno));
		return 1;
	}
	/* A second handle maps: the first keeps its own way of access. */
	{
		struct aperture *mh;

		if (!aperture_open(NULL, argv[2], &mh) &&
		    !aperture_map(mh, 0, &m, &mlen, why, sizeof(why)))
			c.map = (volatile uint32_t *)m;
	}
	snprintf(addr, sizeof(addr), "0x%llx", bar0_addr(argv[2]));
	cmd[0] = argv[1]; cmd[1] = "-s"; cmd[2] = argv[2]; cmd[3] = "bar0";
	cmd[4] = "0x0.l"; cmd[5] = NULL;
	bb[0] = "busybox"; bb[1] = "devmem"; bb[2] = addr; bb[3] = "32";
	bb[4] = NULL;
	for (int i = 0; i < 2; i++)
		t[i] = calloc(rounds, sizeof(double));
	/* K per path: about 1 ms a sample, from 10 to 20,000 calls. */
	for (int p = 0; p < NR_PATHS; p++) {
		double one;

		tp[p] = calloc(rounds, sizeof(double));
		if (p == P_MAP && !c.map)
			continue;
		sample(&c, p, 10);	/* the first touch maps the page */
		one = sample(&c, p, 10);
		k[p] = one > 1e-4 ? 10 : one < 5e-8 ? 20000 : (int)(1e-3 / one);
	}
	for (int r = 0; r < rounds; r++) {
		t[0][r] = spawn_time(cmd);
		t[1][r] = spawn_time(bb);
		/* Rotate which path goes first. */
		for (int i = 0; i < NR_PATHS; i++) {
			int p = (r + i) % NR_PATHS;

			if (p != P_MAP || c.map)
				tp[p][r] = sample(&c, p, k[p]);
		}
	}
	for (int p = 0; p < NR_PATHS; p++)
		med[p] = p == P_MAP && !c.map ? 0 : median(tp[p], rounds);
	printf("one 32-bit read of %s BAR0 0x0, median of %d rounds:\n",
	       argv[2], rounds);
	printf("  aperture command (a process)      %10.2f ms\n",
	       median(t[0], rounds) * 1e3);
	printf("  busybox devmem (a process)        %10.2f ms\n",
	       median(t[1], rounds) * 1e3);
	for (int p = 0; p < NR_PATHS; p++) {
		if (p == P_MAP && !c.map)
			printf("  %s       n/a (%s)\n", path_name[p], why);
		else
			printf("  %s   %10.3f us  (K=%d)\n", path_name[p],
			       med[p] * 1e6, k[p]);
	}
	uname(&un);
	snprintf(fig, sizeof(fig), "library %.3f us, mapping load %.3f us: "
		 "%.2fx", med[P_LIB] * 1e6, med[P_MAP] * 1e6,
		 c.map ? med[P_LIB] / med[P_MAP] : 0);
	target(un.release, c.map ? "passthrough" : "no-passthrough",
	       c.map != NULL, c.map && med[P_LIB] <= 2 * med[P_MAP],
	       "library read <= 2x mapping load (passthrough)",
	       c.map ? fig : "the mount does not map BAR files");
	snprintf(fig, sizeof(fig), "library %.3f us, BAR file pread %.3f us: "
		 "%.2fx", med[P_LIB] * 1e6, med[P_FILE] * 1e6,
		 med[P_LIB] / med[P_FILE]);
	target(un.release, c.map ? "passthrough" : "no-passthrough", !c.map,
	       med[P_LIB] <= 1.2 * med[P_FILE],
	       "library read <= 1.2x BAR file pread (no passthrough)",
	       c.map ? "the mount maps BAR files: the library uses the "
		       "mapping" : fig);
	aperture_close(c.ap);
	return 0;
}

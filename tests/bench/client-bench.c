/*
 * client-bench.c - what libaperture and the aperture command cost, in a
 * guest (issue 13's benchmark, separate from aperture-bench):
 *
 *   1 one `aperture -s SLOT bar0 0x0.l` process per read, against one
 *     `busybox devmem ADDR 32` process per read (both spawn, map or open,
 *     read once, print, exit);
 *   2 one aperture_read32() through the mount, against one 4-byte pread
 *     of a module descriptor (APERTURE_IO_OPEN) of the same BAR.
 *
 *	client-bench APERTURE-COMMAND SLOT ROUNDS
 *
 * Prints the median time per read of each, interleaved round by round so
 * that drift hits both alike.  Not a test: it asserts nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

int main(int argc, char **argv)
{
	struct aperture_io_bar arg = { .argsz = sizeof(arg) };
	unsigned int dom, bus, dev, fn;
	char addr[32], *cmd[8], *bb[5];
	struct aperture *ap;
	double *t[4], t0;
	uint32_t v;
	int rounds, ctl, fd, ret;

	if (argc != 4 || sscanf(argv[2], "%x:%x:%x.%x", &dom, &bus, &dev, &fn)
			!= 4 || (rounds = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: client-bench APERTURE dddd:bb:dd.f "
			"ROUNDS\n");
		return 2;
	}
	ret = aperture_open(NULL, argv[2], &ap);
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
	fd = ctl < 0 || ioctl(ctl, APERTURE_IO_OPEN, &arg) < 0 ? -1 : arg.fd;
	if (fd < 0) {
		fprintf(stderr, "client-bench: APERTURE_IO_OPEN: %s\n",
			strerror(errno));
		return 1;
	}
	snprintf(addr, sizeof(addr), "0x%llx", bar0_addr(argv[2]));
	cmd[0] = argv[1]; cmd[1] = "-s"; cmd[2] = argv[2]; cmd[3] = "bar0";
	cmd[4] = "0x0.l"; cmd[5] = NULL;
	bb[0] = "busybox"; bb[1] = "devmem"; bb[2] = addr; bb[3] = "32";
	bb[4] = NULL;
	for (int i = 0; i < 4; i++)
		t[i] = calloc(rounds, sizeof(double));
	for (int r = 0; r < rounds; r++) {
		t[0][r] = spawn_time(cmd);
		t[1][r] = spawn_time(bb);
		/* 100 calls per sample: one call is near the clock's cost. */
		t0 = now();
		for (int i = 0; i < 100; i++) {
			ret = aperture_read32(ap, 0, 0, &v);
			if (ret) {
				fprintf(stderr, "client-bench: aperture_read32: "
					"%s\n", strerror(-ret));
				return 1;
			}
		}
		t[2][r] = (now() - t0) / 100;
		t0 = now();
		for (int i = 0; i < 100; i++)
			if (pread(fd, &v, 4, 0) != 4) {
				fprintf(stderr, "client-bench: pread of the "
					"module descriptor: %s\n",
					strerror(errno));
				return 1;
			}
		t[3][r] = (now() - t0) / 100;
	}
	printf("one 32-bit read of %s BAR0 0x0, median of %d rounds:\n",
	       argv[2], rounds);
	printf("  aperture command (a process)      %10.2f ms\n",
	       median(t[0], rounds) * 1e3);
	printf("  busybox devmem (a process)        %10.2f ms\n",
	       median(t[1], rounds) * 1e3);
	printf("  libaperture aperture_read32()     %10.2f us\n",
	       median(t[2], rounds) * 1e6);
	printf("  module descriptor pread (4 B)     %10.2f us\n",
	       median(t[3], rounds) * 1e6);
	aperture_close(ap);
	return 0;
}

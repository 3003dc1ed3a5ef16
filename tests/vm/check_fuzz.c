/*
 * check_fuzz.c - the module's ioctl ABI against a careless or hostile
 * caller (fuzz_core.h), in a guest of tests/vm/run with an edu behind a
 * PCIe root port (this suite's line in tests/vm/suites):
 *
 *   tests/vm/run --no-mount --qemu '-device pcie-root-port,id=rp1,chassis=1,slot=1
 *       -device edu,id=hotedu,bus=rp1' -- '$B/tests/vm/check_fuzz'
 *
 * Targets: the control node and a descriptor of every BAR kind (memory
 * registers, 64-bit prefetchable RAM, prefetchable framebuffer, I/O
 * ports), and one of a device that was hot-removed.  100,000 ioctls from
 * this process, then the same seed from a static 32-bit one must give the
 * same answers: the compat path on a 64-bit kernel; on a 32-bit kernel
 * (the i386 world) there is none, and the 32-bit caller goes through the
 * native path, which its FIGURES line says.  Pass: no leak of descriptors,
 * the module's reference count back where it started, it unloads, and the
 * kernel log stays clean (the runner checks it).  APERTURE_SEED=N replays.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz_core.h"
#include "module_util.h"

#define FUZZ_CALLS	100000
#define COMPAT_CALLS	20000

static struct fz_cfg cfg;
static struct mu_dev hot;
static long refcnt_before = -1;

static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/aperture_io/refcnt", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static void add_dev(const struct mu_dev *d)
{
	cfg.devs[cfg.ndevs].domain = d->domain;
	cfg.devs[cfg.ndevs].bus = d->bus;
	cfg.devs[cfg.ndevs++].devfn = d->devfn;
}

static void add_bar(uint32_t id, unsigned int bar)
{
	struct mu_dev d = mu_find(id);

	cfg.fds[cfg.nfds++] = mu_open(&d, bar, 0, NULL);
}

/* Once, in Check's parent: the targets (inherited by every test), the
 * hot edu removed under its descriptor, and the seed. */
static void targets_up(void)
{
	static const uint32_t ids[] = { EDU_ID, IVSHMEM_ID, VGA_ID, TESTDEV_ID };
	char path[128];
	double deadline;
	size_t i;

	refcnt_before = module_refcnt();
	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = mu_seed();
	printf("seed %" PRIu64 " (APERTURE_SEED=%" PRIu64 " replays)\n",
	       cfg.seed, cfg.seed);
	fflush(stdout);
	cfg.fds[cfg.nfds++] = mu_ctl();
	add_bar(EDU_ID, 0);		/* 32-bit memory, registers */
	add_bar(IVSHMEM_ID, 0);		/* 256 B of registers */
	add_bar(IVSHMEM_ID, 2);		/* 64-bit prefetchable RAM */
	add_bar(VGA_ID, 0);		/* prefetchable framebuffer */
	add_bar(VGA_ID, 2);		/* MMIO registers */
	add_bar(TESTDEV_ID, 1);		/* I/O ports */
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct mu_dev d = mu_find(ids[i]);

		add_dev(&d);
	}
	if (!mu_find_nth(EDU_ID, 1, 0, &hot))
		return;			/* test_targets says so */
	add_dev(&hot);
	cfg.fds[cfg.nfds++] = mu_open(&hot, 0, 0, NULL);
	if (system("\"$APERTURE_SRC/tests/vm/qmp\" "
		   "'{\"execute\":\"device_del\",\"arguments\":{\"id\":\"hotedu\"}}' >&2"))
		return;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", hot.name);
	deadline = mu_now() + 30;
	while (access(path, F_OK) == 0 && mu_now() < deadline)
		usleep(100000);
}

static void targets_down(void)
{
	int i;

	for (i = 0; i < cfg.nfds; i++)
		close(cfg.fds[i]);
	cfg.nfds = 0;
}

/* The set-up the others rely on: every target open, the hot edu gone. */
START_TEST(test_targets)
{
	char path[128];
	uint32_t v;

	ck_assert_msg(hot.name[0], "no edu behind a root port: run with this "
		      "suite's line in tests/vm/suites");
	ck_assert_int_eq(cfg.nfds, 8);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", hot.name);
	ck_assert_msg(access(path, F_OK) != 0, "%s was not removed", hot.name);
	errno = 0;
	ck_assert_int_eq(pread(cfg.fds[7], &v, 4, 0), -1);
	ck_assert_int_eq(errno, ENODEV);
	ck_assert_int_gt(refcnt_before, -1);
}
END_TEST

START_TEST(test_fuzz_64)
{
	struct fz_stats st;
	struct fz_cfg c = cfg;
	double t0 = mu_now();

	c.count = FUZZ_CALLS;
	ck_assert_int_eq(fz_run(&c, &st), 0);
	ck_assert_uint_eq(st.calls, FUZZ_CALLS);
	ck_assert_msg(!st.leaked, "%lu descriptors leaked before call %lu "
		      "(seed %" PRIu64 ")", st.leaked, st.leak_at, cfg.seed);
	ck_assert_int_eq(fz_unknown_fds(&c), 0);
	/* The targets still answer. */
	ck_assert_uint_eq(mu_rd32(cfg.fds[1], 0), 0x010000ed);
	printf("FIGURES: %lu ioctls (%lu answered, %lu descriptors opened "
	       "and closed) in %.1f s, seed %" PRIu64 "\n", st.calls,
	       st.succeeded, st.opened, mu_now() - t0, cfg.seed);
	fflush(stdout);
}
END_TEST

/*
 * The same seed from a 32-bit process gives the same answers: through the
 * compat path of a 64-bit kernel, or the native path of a 32-bit one (the
 * i386 world's, and only that world's, kernel is 32-bit).
 */
START_TEST(test_fuzz_compat)
{
	char cmd[2048], line[256] = "", tool[512];
	const char *src = getenv("APERTURE_SRC");
	struct fz_stats st;
	struct fz_cfg c = cfg;
	unsigned long calls = 0, ok = 0, opened = 0, leaked = 1, at = 0;
	unsigned long long digest = 0;
	const char *world = getenv("APERTURE_WORLD");
	bool native = mu_kernel_is_32bit();
	size_t n;
	FILE *p;
	int i;

	ck_assert_msg(src, "APERTURE_SRC is not set");
	ck_assert_msg(native == (world && !strcmp(world, "deb12-i386")),
		      "a %d-bit kernel in world %s", native ? 32 : 64,
		      world ? world : "(APERTURE_WORLD unset)");
	/* arm64's 32-bit processes are armhf (AArch32), the others' i386. */
	snprintf(tool, sizeof(tool), "%s/build/host-tools/fuzz_ioctl32%s", src,
		 mu_arch_arm64() ? "-armhf" : "");
	ck_assert_msg(access(tool, X_OK) == 0, "%s is missing (tests/vm/build "
		      "makes it with gcc-multilib or, for arm64, "
		      "gcc-arm-linux-gnueabihf, from tests/setup)", tool);
	c.count = COMPAT_CALLS;
	ck_assert_int_eq(fz_run(&c, &st), 0);

	n = (size_t)snprintf(cmd, sizeof(cmd), "%s %" PRIu64 " %d", tool,
			     cfg.seed, COMPAT_CALLS);
	for (i = 0; i < cfg.nfds; i++) {
		/* Inherited across exec: the module opens them O_CLOEXEC. */
		ck_assert_int_eq(fcntl(cfg.fds[i], F_SETFD, 0), 0);
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " %d",
				      cfg.fds[i]);
	}
	n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " --");
	for (i = 0; i < cfg.ndevs; i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " %x:%x:%x",
				      cfg.devs[i].domain, cfg.devs[i].bus,
				      cfg.devs[i].devfn);
	p = popen(cmd, "r");
	ck_assert(p);
	ck_assert(fgets(line, sizeof(line), p));
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_int_eq(sscanf(line, "calls %lu succeeded %lu opened %lu "
				"leaked %lu at %lu digest %llx", &calls, &ok,
				&opened, &leaked, &at, &digest), 6);
	ck_assert_uint_eq(calls, COMPAT_CALLS);
	ck_assert_msg(!leaked, "32-bit: %lu descriptors leaked before call %lu",
		      leaked, at);
	ck_assert_msg(digest == st.digest && ok == st.succeeded &&
		      opened == st.opened,
		      "32-bit answers differ (seed %" PRIu64 "): 64-bit %lu "
		      "answered, %lu opened, digest %016llx; 32-bit %s",
		      cfg.seed, st.succeeded, st.opened,
		      (unsigned long long)st.digest, line);
	if (native)
		printf("FIGURES: native 32-bit kernel: no compat path; %lu "
		       "ioctls from a 32-bit process through the native "
		       "path, same answers\n", calls);
	else
		printf("FIGURES: %lu compat ioctls from a 32-bit process, "
		       "same answers\n", calls);
	fflush(stdout);
}
END_TEST

/* Last: every descriptor closed, the reference count is back, and the
 * module unloads (and loads again for whatever runs next). */
START_TEST(test_unloads)
{
	const char *ko = getenv("APERTURE_KO");
	char cmd[512];

	ck_assert_msg(ko, "APERTURE_KO is not set");
	ck_assert_int_eq(cfg.nfds, 0);
	ck_assert_int_eq(module_refcnt(), refcnt_before);
	ck_assert_int_eq(system("rmmod aperture_io"), 0);
	snprintf(cmd, sizeof(cmd), "insmod %s", ko);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *fuzz_suite(void);

Suite *fuzz_suite(void)
{
	Suite *s = suite_create("fuzz");
	TCase *tc;

	tc = tcase_create("ioctl");
	tcase_add_unchecked_fixture(tc, targets_up, targets_down);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_targets);
	tcase_add_test(tc, test_fuzz_64);
	tcase_add_test(tc, test_fuzz_compat);
	suite_add_tcase(s, tc);

	tc = tcase_create("after");
	tcase_add_test(tc, test_unloads);
	suite_add_tcase(s, tc);
	return s;
}

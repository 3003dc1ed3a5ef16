/*
 * check_fs_mmap.c - mmap of a BAR file is the device itself (FUSE
 * passthrough to the module's descriptor), in each -o passthrough= mode.
 *
 * Where passthrough is available (Debian 13 world: libfuse 3.17, Linux
 * 6.12/7.3): bytes stored through a mapping of ivshmem's bar2 are in the
 * host's file and the host's writes appear in a held mapping; smaps shows
 * "pf" and "io"; past-the-end and MAP_PRIVATE mappings are EINVAL; edu's
 * liveness register works through a mapping; O_DIRECT reads work; the
 * three modes read identical bytes; a mapping outlives close and release,
 * and the module stays loaded until it is unmapped.  With passthrough=off,
 * and everywhere without passthrough (Debian 12 world), MAP_SHARED is
 * ENODEV and info says why.  One test prints timings (figures).
 *
 * Runs with --no-mount (tests/vm/suites): it mounts its own copies and
 * unloads the module at the end.
 */
#include <sys/mman.h>

#include "aperture.h"
#include "fs_util.h"

#define MNT "/tmp/ap-mmap"
#define SHM_SIZE (1u << 20)

static const char *const modes[] = { "all", "mmap", "off" };

/* Is mmap available on this mount, per info? */
static bool mmap_available(const char *mnt)
{
	char *text = fs_slurp(fs_path("%s/" FS_IVSHMEM "/info", mnt), 65536,
			      NULL);
	char v[512];
	bool yes;

	ck_assert(fs_info_get(text, "bar2.mmap", v, sizeof(v)));
	yes = !strcmp(v, "yes");
	if (!yes)
		ck_assert_msg(!strncmp(v, "no (shared mmap gives ENODEV: ", 30),
			      "%s", v);
	free(text);
	return yes;
}

static void *map_bar(const char *mnt, const char *dev, int bar, size_t len,
		     int *fdp)
{
	int fd = open(fs_path("%s/%s/bar%d", mnt, dev, bar), O_RDWR);
	void *p;

	ck_assert_int_ge(fd, 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return p;
}

/* The VmFlags line of the mapping at @p in /proc/self/smaps. */
static void smaps_flags(void *p, char *out, size_t len)
{
	char line[512], want[32];
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	ck_assert_ptr_nonnull(f);
	snprintf(want, sizeof(want), "%lx-", (unsigned long)p);
	out[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') &&
		    strchr(line, '-') < strchr(line, ' '))
			in = !strncmp(line, want, strlen(want));
		if (in && !strncmp(line, "VmFlags:", 8))
			snprintf(out, len, "%s", line);
	}
	fclose(f);
}

START_TEST(mmap_per_mode)
{
	const char *mode = modes[_i];
	struct fs_mount m;
	char opts[64], flags[512];
	volatile uint32_t *edu;
	uint8_t *shm, buf[64];
	int fd, hfd;
	void *p;

	snprintf(opts, sizeof(opts), "passthrough=%s", mode);
	fs_mount(&m, MNT, opts);
	if (!mmap_available(MNT)) {
		/* Never a page-cache "mapping" of a device. */
		p = map_bar(MNT, FS_IVSHMEM, 2, 4096, NULL);
		ck_assert_ptr_eq(p, MAP_FAILED);
		ck_assert_int_eq(errno, ENODEV);
		ck_assert_msg(strcmp(mode, "off") || 1, "off must say so");
		fs_umount(&m);
		return;
	}
	ck_assert_str_ne(mode, "off");

	/* ivshmem: guest stores reach the host's file, and back. */
	shm = map_bar(MNT, FS_IVSHMEM, 2, SHM_SIZE, &fd);
	ck_assert_ptr_ne(shm, MAP_FAILED);
	smaps_flags(shm, flags, sizeof(flags));
	ck_assert_msg(strstr(flags, " pf") && strstr(flags, " io"), "%s",
		      flags);
	memcpy(shm + 4096, "written through a mapping", 25);
	hfd = open(fs_ivshmem_host(), O_RDWR);
	ck_assert_int_ge(hfd, 0);
	ck_assert_int_eq(pread(hfd, buf, 25, 4096), 25);
	ck_assert_int_eq(memcmp(buf, "written through a mapping", 25), 0);
	ck_assert_int_eq(pwrite(hfd, "from the host", 13, 8192), 13);
	ck_assert_int_eq(memcmp(shm + 8192, "from the host", 13), 0);
	close(hfd);

	/* Past the end and MAP_PRIVATE are refused. */
	p = mmap(NULL, 2 * SHM_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_ptr_eq(p, MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	ck_assert_ptr_eq(p, MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);

	/* The mapping outlives close (and the FUSE release). */
	memcpy(shm + 12288, "after close", 11);
	ck_assert_int_eq(memcmp(shm + 12288, "after close", 11), 0);
	munmap(shm, SHM_SIZE);

	/* edu's liveness register through an uncached mapping. */
	edu = map_bar(MNT, FS_EDU, 0, 4096, NULL);
	ck_assert_ptr_ne((void *)edu, MAP_FAILED);
	ck_assert_uint_eq(edu[0], 0x010000ed);
	edu[1] = 0x0badf00d;
	ck_assert_uint_eq(edu[1], ~0x0badf00du);
	munmap((void *)edu, 4096);
	fs_umount(&m);
}
END_TEST

START_TEST(modes_read_the_same)
{
	static uint8_t img[SHM_SIZE], got[SHM_SIZE];
	struct fs_mount m;
	void *dbuf;
	int fd;

	fs_pattern(img, sizeof(img), 99);
	fd = open(fs_ivshmem_host(), O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, img, sizeof(img), 0), sizeof(img));
	close(fd);
	ck_assert_int_eq(posix_memalign(&dbuf, 4096, 65536), 0);
	for (size_t i = 0; i < 3; i++) {
		char opts[64];
		size_t off = 0;
		ssize_t n;

		snprintf(opts, sizeof(opts), "passthrough=%s", modes[i]);
		fs_mount(&m, MNT, opts);
		fd = open(MNT "/" FS_IVSHMEM "/bar2", O_RDONLY);
		ck_assert_int_ge(fd, 0);
		while ((n = read(fd, got + off, sizeof(got) - off)) > 0)
			off += n;
		ck_assert_int_eq(n, 0);
		ck_assert_uint_eq(off, sizeof(got));
		ck_assert_msg(!memcmp(got, img, sizeof(img)), "mode %s",
			      modes[i]);
		close(fd);
		/* O_DIRECT reads work too. */
		fd = open(MNT "/" FS_IVSHMEM "/bar2", O_RDONLY | O_DIRECT);
		ck_assert_msg(fd >= 0, "O_DIRECT open (%s): %s", modes[i],
			      strerror(errno));
		ck_assert_int_eq(pread(fd, dbuf, 65536, 65536), 65536);
		ck_assert_msg(!memcmp(dbuf, img + 65536, 65536), "O_DIRECT %s",
			      modes[i]);
		close(fd);
		fs_umount(&m);
	}
	free(dbuf);
}
END_TEST

START_TEST(mapping_holds_the_module)
{
	struct fs_mount m;
	uint8_t *shm;
	char *out;
	int st;

	fs_mount(&m, MNT, NULL);
	if (!mmap_available(MNT)) {
		fs_umount(&m);
		return;
	}
	shm = map_bar(MNT, FS_IVSHMEM, 2, 4096, NULL);
	ck_assert_ptr_ne(shm, MAP_FAILED);
	fs_umount(&m);
	/* No mount, no open file: only the mapping is left. */
	shm[0] = 0x5a;
	ck_assert_uint_eq(shm[0], 0x5a);
	out = fs_sh(&st, "rmmod aperture_io 2>&1");
	ck_assert_msg(st != 0, "the module unloaded under a mapping");
	free(out);
	munmap(shm, 4096);
	out = fs_sh(&st, "sleep 0.2; rmmod aperture_io 2>&1");
	ck_assert_msg(st == 0, "rmmod after munmap: %s", out);
	free(out);
	if (getenv("APERTURE_KO"))
		fs_expect("", "insmod %s", getenv("APERTURE_KO"));
}
END_TEST

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Best of @reps: pread @len at 0 from @fd. */
static double time_pread(int fd, void *buf, size_t len, int reps)
{
	double best = 1e12;

	for (int i = 0; i < reps; i++) {
		double t = now_us();

		ck_assert_int_eq(pread(fd, buf, len, 0), (ssize_t)len);
		t = now_us() - t;
		if (t < best)
			best = t;
	}
	return best;
}

/* Timings for the notes (one run; TCG): printed, not asserted. */
START_TEST(figures)
{
	static uint8_t buf[SHM_SIZE];
	struct fs_mount m;
	int fd;

	for (size_t i = 0; i < 3; i++) {
		char opts[64];
		double t4, t1m, tmm = -1;
		void *p;

		snprintf(opts, sizeof(opts), "passthrough=%s", modes[i]);
		fs_mount(&m, MNT, opts);
		fd = open(MNT "/" FS_EDU "/bar0", O_RDONLY);
		ck_assert_int_ge(fd, 0);
		t4 = time_pread(fd, buf, 4, 200);
		close(fd);
		fd = open(MNT "/" FS_IVSHMEM "/bar2", O_RDWR);
		ck_assert_int_ge(fd, 0);
		t1m = time_pread(fd, buf, SHM_SIZE, 5);
		p = mmap(NULL, SHM_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			tmm = 1e12;
			for (int r = 0; r < 5; r++) {
				double t = now_us();

				memcpy(buf, p, SHM_SIZE);
				t = now_us() - t;
				tmm = t < tmm ? t : tmm;
			}
			munmap(p, SHM_SIZE);
		}
		close(fd);
		fprintf(stderr, "figures: passthrough=%-4s pread 4 B edu %.1f us, "
			"pread 1 MiB ivshmem %.2f ms, memcpy 1 MiB from mapping "
			"%s%.2f ms\n",
			modes[i], t4, t1m / 1000, tmm < 0 ? "(no mmap) " : "",
			tmm < 0 ? 0 : tmm / 1000);
		fs_umount(&m);
	}

	/* The module descriptor itself, for comparison. */
	struct ap_func edu = { .dev = 4 }, shm = { .dev = 5 };
	struct aperture_io_bar d;
	int ctl = ap_module_open();
	double t4, t1m;

	ck_assert_int_ge(ctl, 0);
	ck_assert_int_eq(ap_module_bar(ctl, &edu, 0, 0, true, &d), 0);
	t4 = time_pread(d.fd, buf, 4, 200);
	close(d.fd);
	ck_assert_int_eq(ap_module_bar(ctl, &shm, 2, 0, true, &d), 0);
	t1m = time_pread(d.fd, buf, SHM_SIZE, 5);
	close(d.fd);
	close(ctl);
	fprintf(stderr, "figures: module descriptor  pread 4 B edu %.1f us, "
		"pread 1 MiB ivshmem %.2f ms\n", t4, t1m / 1000);
}
END_TEST

Suite *fs_mmap_suite(void);

Suite *fs_mmap_suite(void)
{
	Suite *s = suite_create("fs_mmap");
	TCase *tc;

	tc = tcase_create("modes");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, mmap_per_mode, 0, 3);
	tcase_add_test(tc, modes_read_the_same);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifetime");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, mapping_holds_the_module);
	suite_add_tcase(s, tc);

	tc = tcase_create("figures");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, figures);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_fs_mmap_life.c - what a mapping of a BAR file shows and how long
 * it lives, in each -o passthrough= mode (helpers in fs_mmap_util.h).
 *
 * In the Debian 13 world: a picture drawn into the VGA's bar0 through a
 * mapping is what a screendump shows, pixel for pixel; a mapping outlives
 * close, the FUSE release, umount and the daemon; the module refuses to
 * unload while a mapping of a BAR file exists, and unloads once it is
 * gone.  Where mmap is ENODEV (passthrough=off, the Debian 12 world) each
 * test asserts that instead.  One test prints timings (figures for the
 * notes), asserting the bytes each timed read returns but no time.
 *
 *   tests/vm/run --kernel 7.3 --no-mount -- '$B/tests/vm/check_fs_mmap_life'
 *
 * Runs with --no-mount (tests/vm/suites): every test mounts its own copy
 * under /tmp/ap-mmap-TEST-MODE, and the last test unloads and reloads the
 * module.
 */
#include "fs_mmap_util.h"

/* ---- vga: a picture drawn through mappings of bar2 and bar0 --------- */

#define VGA_W  320
#define VGA_H  240
#define VGA_FB ((size_t)VGA_W * VGA_H * 4)

/* Bochs DISPI register @index through a mapping of bar2. */
static void dispi_set(volatile uint8_t *mmio, int index, uint16_t v)
{
	*(volatile uint16_t *)(mmio + 0x500 + 2 * index) = v;
}

static uint16_t dispi_get(volatile uint8_t *mmio, int index)
{
	return *(volatile uint16_t *)(mmio + 0x500 + 2 * index);
}

/* Save the screen as NAME.ppm on the host; return its pixels as XRGB. */
static uint32_t *screendump(const char *name, int *w, int *h)
{
	const char *src = getenv("APERTURE_SRC"),
		   *host = getenv("APERTURE_HOST");
	unsigned char *ppm, *px;
	uint32_t *img;
	int status, max;
	size_t len;
	char *out;

	ck_assert_msg(src && host, "not in a guest of tests/vm/run");
	out = fs_sh(&status, "%s/tests/vm/screendump %s 2>&1", src, name);
	ck_assert_msg(status == 0, "screendump: %s", out);
	free(out);
	ppm = (unsigned char *)fs_slurp(fs_path("%s/%s", host, name), 16 << 20,
					&len);
	ck_assert_int_eq(sscanf((char *)ppm, "P6 %d %d %d", w, h, &max), 3);
	ck_assert_int_eq(max, 255);
	ck_assert_uint_ge(len, (size_t)*w * *h * 3);
	px = ppm + len - (size_t)*w * *h * 3;
	img = malloc((size_t)*w * *h * 4);
	ck_assert_ptr_nonnull(img);
	for (int i = 0; i < *w * *h; i++)
		img[i] = px[3 * i] << 16 | px[3 * i + 1] << 8 | px[3 * i + 2];
	free(ppm);
	return img;
}

/*
 * A Bochs video mode set through a mapping of bar2 (read back), a
 * picture stored through a mapping of bar0, and a screendump showing
 * exactly that picture.  Each mode draws another picture.
 */
START_TEST(vga_picture_through_a_mapping)
{
	const char *mode = modes[_i];
	static uint32_t img[VGA_W * VGA_H];
	volatile uint8_t *mmio;
	volatile uint32_t *fb;
	uint32_t *shot;
	struct mnt t;
	char name[64];
	int fd, w, h;

	mnt_up(&t, "vga", mode);
	if (!mmap_expected(mode)) {
		assert_enodev(&t, mode, FS_VGA, 0);
		assert_enodev(&t, mode, FS_VGA, 2);
		mnt_down(&t);
		return;
	}
	fd = open_bar(&t, FS_VGA, 2, O_RDWR);
	mmio = map_fd(fd, PAGE, 0);
	close(fd);
	dispi_set(mmio, 4, 0);
	dispi_set(mmio, 1, VGA_W);
	dispi_set(mmio, 2, VGA_H);
	dispi_set(mmio, 3, 32);
	dispi_set(mmio, 6, VGA_W);
	dispi_set(mmio, 7, VGA_H);
	dispi_set(mmio, 8, 0);
	dispi_set(mmio, 9, 0);
	dispi_set(mmio, 4, 0x41);
	ck_assert_uint_eq(dispi_get(mmio, 1), VGA_W);
	ck_assert_uint_eq(dispi_get(mmio, 2), VGA_H);
	ck_assert_uint_eq(dispi_get(mmio, 3), 32);
	ck_assert_uint_eq(dispi_get(mmio, 4), 0x41);
	(void)mmio[0x41a];  /* attribute flip-flop reset */
	mmio[0x400] = 0x20; /* un-blank */
	munmap((void *)mmio, PAGE);

	fs_pattern(img, sizeof(img), 1000 + _i);
	for (size_t i = 0; i < VGA_W * VGA_H; i++)
		img[i] &= 0x00ffffff;
	/* A frame and a diagonal, so that a shifted picture shows. */
	for (int x = 0; x < VGA_W; x++)
		img[x] = img[(VGA_H - 1) * VGA_W + x] = 0xffffff;
	for (int y = 0; y < VGA_H; y++)
		img[y * VGA_W] = img[y * VGA_W + VGA_W - 1] =
			img[y * VGA_W + y] = 0xff0000;
	fd = open_bar(&t, FS_VGA, 0, O_RDWR);
	fb = map_fd(fd, VGA_FB, 0);
	close(fd);
	for (size_t i = 0; i < VGA_W * VGA_H; i++)
		fb[i] = img[i];
	store_fence();

	snprintf(name, sizeof(name), "fs_mmap_vga_%s.ppm", mode);
	shot = screendump(name, &w, &h);
	ck_assert_int_eq(w, VGA_W);
	ck_assert_int_eq(h, VGA_H);
	for (int i = 0; i < w * h; i++)
		ck_assert_msg(shot[i] == img[i],
			      "pixel (%d,%d): %06x, drawn %06x", i % w, i / w,
			      shot[i], img[i]);
	/* And the mapping reads back what the screen shows. */
	for (int i = 0; i < w * h; i++)
		ck_assert_msg((fb[i] & 0xffffff) == shot[i],
			      "mapping at (%d,%d): %06x", i % w, i / w, fb[i]);
	free(shot);
	munmap((void *)fb, VGA_FB);
	mnt_down(&t);
}
END_TEST

/* ---- lifetime ------------------------------------------------------- */

/*
 * A mapping outlives close() of its file and the FUSE release (the daemon
 * logs RELEASE, -d), and then the umount and the daemon itself: all along
 * it is still ivshmem, both ways.
 */
START_TEST(mapping_outlives_file_and_daemon)
{
	const char *mode = modes[_i];
	struct mnt t;
	uint8_t *shm, buf[16];
	char flags[512];
	int fd;

	mnt_up_d(&t, "outlives", mode, true);
	if (!mmap_expected(mode)) {
		assert_enodev(&t, mode, FS_IVSHMEM, 2);
		mnt_down(&t);
		return;
	}
	fd = open_bar(&t, FS_IVSHMEM, 2, O_RDWR);
	shm = map_fd(fd, 64 * PAGE, 0);
	ck_assert_int_eq(close(fd), 0);
	mnt_wait_log(&t, "opcode: RELEASE");

	/* The file is closed and released: the mapping is the device. */
	memcpy(shm + 100, "after close", 11);
	store_fence();
	host_read(buf, 11, 100);
	ck_assert_int_eq(memcmp(buf, "after close", 11), 0);
	assert_shm_both_ways(shm, 64 * PAGE, 500 + _i);

	/* Unmounted, the daemon gone: the mapping stays the device. */
	mnt_gone(&t);
	smaps_flags(shm, flags, sizeof(flags));
	ck_assert_msg(strstr(flags, " io ") && strstr(flags, " pf "),
		      "VmFlags:%s", flags);
	assert_shm_both_ways(shm, 64 * PAGE, 510 + _i);
	munmap(shm, 64 * PAGE);
}
END_TEST

/* The module's reference count as lsmod shows it; -1: not loaded. */
static int module_refcnt(void)
{
	FILE *f = fopen("/sys/module/aperture_io/refcnt", "r");
	int n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/*
 * Last: with aperturefs unmounted and its daemon gone, a mapping of a
 * BAR file alone keeps aperture_io loaded (rmmod fails, the mapping
 * still works); after munmap rmmod succeeds.  The module is loaded again
 * and a fresh mount serves, so the guest is left as it was.
 */
START_TEST(mapping_holds_the_module)
{
	const char *ko = getenv("APERTURE_KO");
	struct mnt t;
	uint8_t *shm, buf[8];
	char *out;
	int fd, st = -1;
	uint32_t id;

	ck_assert_msg(ko && *ko, "APERTURE_KO is not set");
	/* Nothing else holds the module (a daemon of an earlier test?). */
	sweep_mounts();
	for (int i = 0; i < 250 && module_refcnt() != 0; i++)
		usleep(20000);
	ck_assert_msg(module_refcnt() == 0,
		      "aperture_io is in use (%d) "
		      "before the test",
		      module_refcnt());
	mnt_up(&t, "module", NULL);
	if (!mmap_expected("all")) {
		assert_enodev(&t, "all", FS_IVSHMEM, 2);
		mnt_down(&t);
		return;
	}
	fd = open_bar(&t, FS_IVSHMEM, 2, O_RDWR);
	shm = map_fd(fd, PAGE, 0);
	close(fd);
	mnt_gone(&t);

	/* No mount, no daemon, no open file: only the mapping is left. */
	ck_assert_int_gt(module_refcnt(), 0);
	out = fs_sh(&st, "rmmod aperture_io 2>&1");
	ck_assert_msg(st != 0, "rmmod went through under a mapping: %s", out);
	ck_assert_msg(strstr(out, "in use"), "rmmod said: %s", out);
	free(out);
	ck_assert_int_gt(module_refcnt(), 0);
	ck_assert_int_eq(access("/dev/aperture_io", F_OK), 0);
	memcpy(shm + 8, "held it", 7);
	store_fence();
	host_read(buf, 7, 8);
	ck_assert_int_eq(memcmp(buf, "held it", 7), 0);

	munmap(shm, PAGE);
	/* The last reference goes with the unmap (deferred fput at most). */
	for (int i = 0; i < 100 && module_refcnt() > 0; i++)
		usleep(20000);
	out = fs_sh(&st, "rmmod aperture_io 2>&1");
	ck_assert_msg(st == 0, "rmmod after munmap: %s", out);
	free(out);
	ck_assert_int_eq(module_refcnt(), -1);
	ck_assert_int_ne(access("/dev/aperture_io", F_OK), 0);

	/* Leave the guest as we found it. */
	out = fs_sh(&st, "insmod %s 2>&1", ko);
	ck_assert_msg(st == 0, "insmod %s: %s", ko, out);
	free(out);
	mnt_up(&t, "reload", NULL);
	fd = open_bar(&t, FS_EDU, 0, O_RDONLY);
	ck_assert_int_eq(pread(fd, &id, 4, 0), 4);
	ck_assert_uint_eq(id, 0x010000ed);
	close(fd);
	mnt_down(&t);
}
END_TEST

/* ---- figures -------------------------------------------------------- */

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

/* Timings for the notes (one run; TCG): printed, not asserted; the bytes
 * each timed read returns are (edu's id, what was written to ivshmem). */
START_TEST(figures)
{
	static uint8_t buf[SHM_SIZE], ref[SHM_SIZE];
	struct mnt t;
	int fd;

	for (size_t i = 0; i < 3; i++) {
		double t4, t1m, tmm = -1;
		void *p;

		mnt_up(&t, "figures", modes[i]);
		fd = open_bar(&t, FS_EDU, 0, O_RDONLY);
		t4 = time_pread(fd, buf, 4, 200);
		ck_assert_uint_eq(*(uint32_t *)buf, 0x010000ed);
		close(fd);
		fd = open_bar(&t, FS_IVSHMEM, 2, O_RDWR);
		for (size_t j = 0; j < SHM_SIZE; j++)
			ref[j] = (uint8_t)(j * 131 + i * 7 + 1);
		ck_assert_int_eq(pwrite(fd, ref, SHM_SIZE, 0), SHM_SIZE);
		t1m = time_pread(fd, buf, SHM_SIZE, 5);
		ck_assert(!memcmp(buf, ref, SHM_SIZE));
		p = mmap(NULL, SHM_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			tmm = 1e12;
			for (int r = 0; r < 5; r++) {
				double d = now_us();

				memcpy(buf, p, SHM_SIZE);
				d = now_us() - d;
				tmm = d < tmm ? d : tmm;
			}
			ck_assert(!memcmp(buf, ref, SHM_SIZE));
			munmap(p, SHM_SIZE);
		}
		close(fd);
		fprintf(stderr,
			"figures: passthrough=%-4s pread 4 B edu %.1f us, "
			"pread 1 MiB ivshmem %.2f ms, memcpy 1 MiB from "
			"mapping "
			"%s%.2f ms\n",
			modes[i], t4, t1m / 1000, tmm < 0 ? "(no mmap) " : "",
			tmm < 0 ? 0 : tmm / 1000);
		mnt_down(&t);
	}

	/* The module descriptor itself, for comparison. */
	struct ap_func edu = {.dev = 4}, shm = {.dev = 5};
	struct aperture_io_bar d;
	int ctl = ap_module_open();
	double t4, t1m;

	ck_assert_int_ge(ctl, 0);
	ck_assert_int_eq(ap_module_bar(ctl, &edu, 0, 0, true, &d), 0);
	t4 = time_pread(d.fd, buf, 4, 200);
	ck_assert_uint_eq(*(uint32_t *)buf, 0x010000ed);
	close(d.fd);
	ck_assert_int_eq(ap_module_bar(ctl, &shm, 2, 0, true, &d), 0);
	t1m = time_pread(d.fd, buf, SHM_SIZE, 5);
	ck_assert(!memcmp(buf, ref, SHM_SIZE));
	close(d.fd);
	close(ctl);
	fprintf(stderr,
		"figures: module descriptor  pread 4 B edu %.1f us, "
		"pread 1 MiB ivshmem %.2f ms\n",
		t4, t1m / 1000);
}
END_TEST

Suite *fs_mmap_life_suite(void);

Suite *fs_mmap_life_suite(void)
{
	Suite *s = suite_create("fs_mmap_life");
	TCase *tc;

	tc = tcase_create("vga");
	tcase_add_unchecked_fixture(tc, NULL, sweep_mounts);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, vga_picture_through_a_mapping, 0, 3);
	suite_add_tcase(s, tc);

	tc = tcase_create("figures");
	tcase_add_unchecked_fixture(tc, NULL, sweep_mounts);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, figures);
	suite_add_tcase(s, tc);

	/* Last: it unloads the module (and loads it again). */
	tc = tcase_create("lifetime");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, mapping_outlives_file_and_daemon, 0, 3);
	tcase_add_test(tc, mapping_holds_the_module);
	suite_add_tcase(s, tc);
	return s;
}

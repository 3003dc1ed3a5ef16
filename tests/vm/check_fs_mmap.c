/*
 * check_fs_mmap.c - mmap of a BAR file is the device itself (FUSE
 * passthrough to the module's descriptor), in each -o passthrough= mode.
 *
 * The Debian 13 world (libfuse 3.17; Linux 6.12 and 7.3) must map with
 * passthrough=all and passthrough=mmap.  There, per mode: bytes stored
 * through a mapping of ivshmem's bar2 are in the host's file and the
 * host's writes appear in a held mapping; smaps shows "pf" and "io" and
 * the x86 PAT list shows the BAR in its memory type; past-the-end
 * and MAP_PRIVATE mappings are EINVAL; edu's liveness register works
 * through an uncached mapping; O_DIRECT reads work; a read-only file maps
 * read-only.  With passthrough=off, and in every mode on the Debian 12
 * world (libfuse 3.14), MAP_SHARED is ENODEV and info and the daemon's
 * log say why.  All modes read the same bytes.  The pictures, lifetimes
 * and figures are in check_fs_mmap_life.c.
 *
 *   tests/vm/run --kernel 7.3 --no-mount -- '$B/tests/vm/check_fs_mmap'
 *
 * Runs with --no-mount (tests/vm/suites): every test mounts its own copy
 * under /tmp/ap-mmap-TEST-MODE (its daemon's stderr in the .log beside).
 */
#include "fs_mmap_util.h"

/* ---- modes: per -o passthrough= mode -------------------------------- */

/* info says whether mmap works, the log says why not; off/deb12: ENODEV
 * for every memory BAR of every test device. */
START_TEST(info_and_log_say_why)
{
	const char *mode = modes[_i];
	static const struct {
		const char *dev;
		int bar;
	} bars[] = {
		{FS_EDU, 0},
		{FS_IVSHMEM, 2},
		{FS_VGA, 0},
		{FS_VGA, 2},
	};
	struct mnt t;
	char v[512], *log, *p;
	int lines = 0;

	mnt_up(&t, "info", mode);
	for (size_t i = 0; i < sizeof(bars) / sizeof(bars[0]); i++) {
		if (!mmap_expected(mode)) {
			assert_enodev(&t, mode, bars[i].dev, bars[i].bar);
			continue;
		}
		info_mmap(&t, bars[i].dev, bars[i].bar, v, sizeof(v));
		ck_assert_msg(!strcmp(v, "yes"), "%s bar%d.mmap: %s",
			      bars[i].dev, bars[i].bar, v);
	}
	mnt_down(&t);

	/* The daemon's own words (-f: its stderr is its log). */
	log = fs_slurp(t.log, 65536, NULL);
	for (p = log; (p = strstr(p, "ENODEV")); p++) {
		char *bol = p, *eol = strchrnul(p, '\n');

		while (bol > log && bol[-1] != '\n')
			bol--;
		lines++;
		ck_assert_msg(!mmap_expected(mode), "the log says:\n%s", log);
		ck_assert_msg(memmem(bol, eol - bol, enodev_reason(mode),
				     strlen(enodev_reason(mode))),
			      "a log line without the reason (%s):\n%s",
			      enodev_reason(mode), log);
		p = eol;
		if (!*p)
			break;
	}
	if (!mmap_expected(mode))
		ck_assert_msg(lines >= 1, "nothing in the log says why:\n%s",
			      log);
	free(log);
}
END_TEST

/* ivshmem bar2: stores through a mapping are in the host's file, the
 * host's writes are in the held mapping; smaps and PAT say it is I/O
 * memory, write-combining. */
START_TEST(ivshmem_through_a_mapping)
{
	const char *mode = modes[_i];
	unsigned long long start = bar_start(FS_IVSHMEM, 2);
	struct mnt t;
	char flags[512];
	uint8_t *shm, *part;
	int fd;

	mnt_up(&t, "ivshmem", mode);
	if (!mmap_expected(mode)) {
		assert_enodev(&t, mode, FS_IVSHMEM, 2);
		mnt_down(&t);
		return;
	}
	fd = open_bar(&t, FS_IVSHMEM, 2, O_RDWR);
	shm = map_fd(fd, SHM_SIZE, 0);
	assert_shm_both_ways(shm, SHM_SIZE, 100 + _i);

	smaps_flags(shm, flags, sizeof(flags));
	ck_assert_msg(strstr(flags, " io ") && strstr(flags, " pf "),
		      "VmFlags:%s", flags);
	/*
	 * A part of it, in the BAR's memory type (prefetchable: WC).  The
	 * module inserts the pages when touched, in the type its kernel
	 * window reserved for the whole BAR: PAT lists that reservation.
	 */
	part = map_fd(fd, 2 * PAGE, PAGE);
	part[5] = 0xa5;
	store_fence();
	ck_assert_uint_eq(shm[PAGE + 5], 0xa5);
	assert_memtype(&t, FS_IVSHMEM, 2, start, SHM_SIZE, "write-combining");
	munmap(part, 2 * PAGE);
	munmap(shm, SHM_SIZE);
	close(fd);
	mnt_down(&t);
}
END_TEST

/* Past the end and MAP_PRIVATE are refused, read-only or not. */
START_TEST(bad_mappings_are_einval)
{
	const char *mode = modes[_i];
	static const struct {
		size_t len;
		off_t off;
		int flags;
	} bad[] = {
		{2 * SHM_SIZE, 0, MAP_SHARED},		 /* longer */
		{SHM_SIZE + PAGE, 0, MAP_SHARED},	 /* a page more */
		{PAGE, SHM_SIZE, MAP_SHARED},		 /* at the end */
		{2 * PAGE, SHM_SIZE - PAGE, MAP_SHARED}, /* across it */
		{PAGE, 4 * SHM_SIZE, MAP_SHARED},	 /* far past */
		{PAGE, 0, MAP_PRIVATE},
		{SHM_SIZE, 0, MAP_PRIVATE},
	};
	struct mnt t;
	int fd;

	mnt_up(&t, "einval", mode);
	if (!mmap_expected(mode)) {
		assert_enodev(&t, mode, FS_IVSHMEM, 2);
		mnt_down(&t);
		return;
	}
	fd = open_bar(&t, FS_IVSHMEM, 2, O_RDWR);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (int prot = 0; prot < 2; prot++) {
			void *p =
				mmap(NULL, bad[i].len,
				     prot ? PROT_READ | PROT_WRITE : PROT_READ,
				     bad[i].flags, fd, bad[i].off);

			ck_assert_msg(p == MAP_FAILED && errno == EINVAL,
				      "mmap %zu at %lld %s %s: %s", bad[i].len,
				      (long long)bad[i].off,
				      bad[i].flags == MAP_SHARED ? "shared"
								 : "private",
				      prot ? "rw" : "ro",
				      p == MAP_FAILED ? strerror(errno)
						      : "mapped");
		}
	/* The last page itself is fine. */
	munmap(map_fd(fd, PAGE, SHM_SIZE - PAGE), PAGE);
	close(fd);
	mnt_down(&t);
}
END_TEST

/* edu's identity and liveness registers through an uncached mapping. */
START_TEST(edu_registers_through_a_mapping)
{
	const char *mode = modes[_i];
	static const uint32_t vals[] = {0x0badf00d, 0, 0xffffffff, 0x12345678};
	unsigned long long start = bar_start(FS_EDU, 0);
	volatile uint32_t *edu;
	struct mnt t;
	char flags[512];
	int fd;

	mnt_up(&t, "edu", mode);
	if (!mmap_expected(mode)) {
		assert_enodev(&t, mode, FS_EDU, 0);
		mnt_down(&t);
		return;
	}
	fd = open_bar(&t, FS_EDU, 0, O_RDWR);
	edu = map_fd(fd, PAGE, 0);
	close(fd);
	/* The BAR's reservation, uncached (see ivshmem_through_a_mapping). */
	assert_memtype(&t, FS_EDU, 0, start, 1 << 20, "uncached");
	smaps_flags((void *)edu, flags, sizeof(flags));
	ck_assert_msg(strstr(flags, " io ") && strstr(flags, " pf "),
		      "VmFlags:%s", flags);
	ck_assert_uint_eq(edu[0], 0x010000ed);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		edu[1] = vals[i];
		ck_assert_uint_eq(edu[1], ~vals[i]);
		/* Every load reaches the device: the same value again. */
		ck_assert_uint_eq(edu[1], ~vals[i]);
	}
	munmap((void *)edu, PAGE);
	mnt_down(&t);
}
END_TEST

/* O_DIRECT reads: ivshmem in large and small pieces, an edu register. */
START_TEST(o_direct_reads)
{
	const char *mode = modes[_i];
	static uint8_t img[SHM_SIZE];
	struct mnt t;
	void *buf;
	uint32_t id;
	int fd;

	fs_pattern(img, sizeof(img), 300 + _i);
	host_write(img, sizeof(img), 0);
	ck_assert_int_eq(posix_memalign(&buf, PAGE, SHM_SIZE), 0);
	mnt_up(&t, "odirect", mode);

	fd = open_bar(&t, FS_IVSHMEM, 2, O_RDONLY | O_DIRECT);
	memset(buf, 0, SHM_SIZE);
	ck_assert_int_eq(pread(fd, buf, SHM_SIZE, 0), SHM_SIZE);
	ck_assert_msg(first_diff(buf, img, SHM_SIZE) < 0, "1 MiB at 0");
	ck_assert_int_eq(pread(fd, buf, 65536, 65536), 65536);
	ck_assert_msg(!memcmp(buf, img + 65536, 65536), "64 KiB at 64 KiB");
	ck_assert_int_eq(pread(fd, buf, 4, 4096), 4);
	ck_assert_msg(!memcmp(buf, img + 4096, 4), "4 B at 4 KiB");
	ck_assert_int_eq(pread(fd, buf, PAGE, SHM_SIZE - PAGE), PAGE);
	ck_assert_msg(!memcmp(buf, img + SHM_SIZE - PAGE, PAGE), "last page");
	ck_assert_int_eq(pread(fd, buf, PAGE, SHM_SIZE), 0);
	close(fd);

	fd = open_bar(&t, FS_EDU, 0, O_RDONLY | O_DIRECT);
	ck_assert_int_eq(pread(fd, buf, 4, 0), 4);
	memcpy(&id, buf, 4);
	ck_assert_uint_eq(id, 0x010000ed);
	close(fd);
	free(buf);
	mnt_down(&t);
}
END_TEST

/*
 * A read-only file maps read-only (MAP_SHARED, PROT_READ), as any
 * read-only user of a BAR would: the host's bytes, no writing.
 */
START_TEST(read_only_file_maps_read_only)
{
	const char *mode = modes[_i];
	static uint8_t img[SHM_SIZE];
	struct mnt t;
	uint8_t *p;
	int fd;

	mnt_up(&t, "rdonly", mode);
	if (!mmap_expected(mode)) {
		assert_enodev(&t, mode, FS_IVSHMEM, 2);
		mnt_down(&t);
		return;
	}
	fs_pattern(img, sizeof(img), 700 + _i);
	host_write(img, sizeof(img), 0);
	fd = open_bar(&t, FS_IVSHMEM, 2, O_RDONLY);
	p = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_msg(p == MAP_FAILED && errno == EACCES,
		      "writable mapping of a read-only file: %s",
		      p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, SHM_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_msg(p != MAP_FAILED, "read-only mmap of an O_RDONLY file: %s",
		      strerror(errno));
	close(fd);
	ck_assert_msg(first_diff(p, img, SHM_SIZE) < 0, "not the host's bytes");
	munmap(p, SHM_SIZE);
	mnt_down(&t);
}
END_TEST

/* ---- modes read the same -------------------------------------------- */

/* One read, repeated on a mount of each mode. */
struct same_read {
	const char *dev;
	int bar;
	off_t off;
	size_t len;
};

static const struct same_read same_reads[] = {
	{FS_IVSHMEM, 2, 0, SHM_SIZE},
	{FS_IVSHMEM, 2, 1, 1},
	{FS_IVSHMEM, 2, 4093, 7}, /* across a page */
	{FS_IVSHMEM, 2, 12345, 65536 + 3},
	{FS_IVSHMEM, 2, SHM_SIZE - 5, 5}, /* the last bytes */
	{FS_EDU, 0, 0, 4},		  /* identity */
	{FS_EDU, 0, 0, 8},
	{FS_EDU, 0, 1, 2},
	{FS_VGA, 2, 0x500, 2}, /* Bochs DISPI ID */
	{FS_VGA, 2, 0x500, 20},
};
#define NR_SAME (sizeof(same_reads) / sizeof(same_reads[0]))

/* Every mode returns the same bytes for the same reads, and for ivshmem
 * those are the host's; where mmap works, the mapping holds them too. */
START_TEST(modes_read_the_same)
{
	static uint8_t img[SHM_SIZE];
	uint8_t *got[3][NR_SAME];
	struct mnt t;

	fs_pattern(img, sizeof(img), 99);
	host_write(img, sizeof(img), 0);
	for (size_t m = 0; m < 3; m++) {
		mnt_up(&t, "same", modes[m]);
		for (size_t r = 0; r < NR_SAME; r++) {
			const struct same_read *sr = &same_reads[r];
			int fd = open_bar(&t, sr->dev, sr->bar, O_RDWR);
			size_t n = 0;
			ssize_t k;

			got[m][r] = malloc(sr->len);
			ck_assert_ptr_nonnull(got[m][r]);
			while (n < sr->len &&
			       (k = pread(fd, got[m][r] + n, sr->len - n,
					  sr->off + n)) > 0)
				n += k;
			ck_assert_msg(n == sr->len,
				      "%s: %s bar%d %zu at %lld: %zu", modes[m],
				      sr->dev, sr->bar, sr->len,
				      (long long)sr->off, n);
			if (!strcmp(sr->dev, FS_IVSHMEM))
				ck_assert_msg(!memcmp(got[m][r], img + sr->off,
						      sr->len),
					      "%s: ivshmem %zu at %lld is not "
					      "the host's",
					      modes[m], sr->len,
					      (long long)sr->off);
			if (m)
				ck_assert_msg(
					!memcmp(got[m][r], got[0][r], sr->len),
					"%s and %s read different bytes "
					"(%s bar%d %zu at %lld)",
					modes[0], modes[m], sr->dev, sr->bar,
					sr->len, (long long)sr->off);
			if (mmap_expected(modes[m]) &&
			    !strcmp(sr->dev, FS_IVSHMEM)) {
				uint8_t *map = mmap(NULL, SHM_SIZE, PROT_READ,
						    MAP_SHARED, fd, 0);

				ck_assert_msg(map != MAP_FAILED, "mmap: %s",
					      strerror(errno));
				ck_assert_msg(!memcmp(map + sr->off, got[m][r],
						      sr->len),
					      "%s: the mapping differs (%zu at "
					      "%lld)",
					      modes[m], sr->len,
					      (long long)sr->off);
				munmap(map, SHM_SIZE);
			}
			close(fd);
		}
		mnt_down(&t);
	}
	for (size_t m = 0; m < 3; m++)
		for (size_t r = 0; r < NR_SAME; r++)
			free(got[m][r]);
}
END_TEST

Suite *fs_mmap_suite(void);

Suite *fs_mmap_suite(void)
{
	Suite *s = suite_create("fs_mmap");
	TCase *tc;

	/* Each loop test runs once per mode: all, mmap, off. */
	tc = tcase_create("modes");
	tcase_add_unchecked_fixture(tc, NULL, sweep_mounts);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, info_and_log_say_why, 0, 3);
	tcase_add_loop_test(tc, ivshmem_through_a_mapping, 0, 3);
	tcase_add_loop_test(tc, bad_mappings_are_einval, 0, 3);
	tcase_add_loop_test(tc, edu_registers_through_a_mapping, 0, 3);
	tcase_add_loop_test(tc, o_direct_reads, 0, 3);
	tcase_add_loop_test(tc, read_only_file_maps_read_only, 0, 3);
	tcase_add_test(tc, modes_read_the_same);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_module_edges.c - the module's copy paths against awkward user
 * memory, and splice/sendfile, on ivshmem BAR2 (prefetchable: reads and
 * writes copy straight between the BAR window and user pages, with page
 * faults off while a window is held and user pages faulted in between
 * passes).  Every result is checked byte for byte against a mapping of the
 * same BAR, and partial results must count exactly what was copied.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

#include "aperture_io.h"
#include "module_util.h"

#define LEN (1 << 20)
#define PG 4096

Suite *module_edges_suite(void);

static int fd = -1;		/* module descriptor of ivshmem BAR2 */
static uint8_t *map;		/* a mapping of all of it */
static uint8_t *ref;		/* what the BAR holds */

static void setup(void)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);

	fd = mu_open(&shm, 2, 0, NULL);
	map = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(map != MAP_FAILED);
	ref = malloc(LEN);
	ck_assert_ptr_nonnull(ref);
	mu_random(ref, LEN, mu_seed());
	memcpy(map, ref, LEN);
}

static void teardown(void)
{
	munmap(map, LEN);
	free(ref);
	close(fd);
}

static void *anon(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert(p != MAP_FAILED);
	return p;
}

/* Never-touched anonymous pages: faulted in by the module's retry. */
START_TEST(fresh_pages)
{
	uint8_t *b = anon(LEN, PROT_READ | PROT_WRITE);

	ck_assert_int_eq(pread(fd, b, LEN, 0), LEN);
	ck_assert_int_eq(mu_diff(b, ref, LEN), -1);
	munmap(b, LEN);

	/* Writing untouched (zero) pages writes zeros. */
	b = anon(LEN, PROT_READ | PROT_WRITE);
	ck_assert_int_eq(pwrite(fd, b, LEN, 0), LEN);
	ck_assert_uint_eq(map[0], 0);
	ck_assert_uint_eq(map[12345], 0);
	ck_assert_uint_eq(map[LEN - 1], 0);
	munmap(b, LEN);
}
END_TEST

/* A hole in the buffer: the transfer stops exactly at it. */
START_TEST(hole_short_counts)
{
	uint8_t *h = anon(3 * PG, PROT_READ | PROT_WRITE);

	ck_assert_int_eq(mprotect(h + PG, PG, PROT_NONE), 0);
	ck_assert_int_eq(pread(fd, h, 3 * PG, 0), PG);
	ck_assert_int_eq(mu_diff(h, ref, PG), -1);
	ck_assert_int_eq(pread(fd, h + 100, 3 * PG, 8), PG - 100);
	ck_assert_int_eq(mu_diff(h + 100, ref + 8, PG - 100), -1);

	memset(h, 0x5a, PG);
	ck_assert_int_eq(pwrite(fd, h, 3 * PG, 0), PG);
	ck_assert_uint_eq(map[0], 0x5a);
	ck_assert_uint_eq(map[PG - 1], 0x5a);
	ck_assert_uint_eq(map[PG], ref[PG]);
	memcpy(map, ref, LEN);
	ck_assert_int_eq(pwrite(fd, h + PG - 13, 3 * PG, 3), 13);
	ck_assert_uint_eq(map[3], 0x5a);
	ck_assert_uint_eq(map[15], 0x5a);
	ck_assert_uint_eq(map[16], ref[16]);
	munmap(h, 3 * PG);
}
END_TEST

/* Pointers that are no memory at all, or not writable: EFAULT. */
START_TEST(bad_pointers)
{
	uint8_t *ro = anon(PG, PROT_READ);
	uint8_t *none = anon(PG, PROT_NONE);
	/* NULL the compiler cannot see, so it does not warn (-Wnonnull). */
	void *volatile null = NULL;

	ck_assert_int_eq(pread(fd, null, 100, 0), -1);
	ck_assert_int_eq(errno, EFAULT);
	ck_assert_int_eq(pwrite(fd, null, 100, 0), -1);
	ck_assert_int_eq(errno, EFAULT);
	ck_assert_int_eq(pread(fd, none, 100, 0), -1);
	ck_assert_int_eq(errno, EFAULT);
	ck_assert_int_eq(pread(fd, (void *)-4096L, 100, 0), -1);
	ck_assert_int_eq(errno, EFAULT);
	/* Reading into read-only memory faults; writing from it works. */
	ck_assert_int_eq(pread(fd, ro, 100, 0), -1);
	ck_assert_int_eq(errno, EFAULT);
	ck_assert_int_eq(pwrite(fd, ro, 100, 0), 100);
	ck_assert_uint_eq(map[0], 0);
	ck_assert_uint_eq(map[99], 0);
	ck_assert_uint_eq(map[100], ref[100]);
	munmap(ro, PG);
	munmap(none, PG);
}
END_TEST

/* readv with empty segments between the full ones. */
START_TEST(readv_empty_segments)
{
	uint8_t b1[100], b2[5000];
	struct iovec iov[4] = {
		{ b1, 0 }, { b1, sizeof(b1) }, { b2, 0 }, { b2, sizeof(b2) },
	};

	ck_assert_int_eq(preadv(fd, iov, 4, 7), 5100);
	ck_assert_int_eq(mu_diff(b1, ref + 7, 100), -1);
	ck_assert_int_eq(mu_diff(b2, ref + 107, 5000), -1);
}
END_TEST

/* The destination is device memory itself (a mapping of the same BAR)
 * or a shared memfd mapping that was never touched. */
START_TEST(unusual_destinations)
{
	uint8_t *tm;
	int t;

	ck_assert_int_eq(pread(fd, map + LEN / 2, 64 * 1024, 0), 64 * 1024);
	ck_assert_int_eq(mu_diff(map + LEN / 2, ref, 64 * 1024), -1);
	memcpy(map, ref, LEN);

	t = memfd_create("edges", 0);
	ck_assert_int_ge(t, 0);
	ck_assert_int_eq(ftruncate(t, LEN), 0);
	tm = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, t, 0);
	ck_assert(tm != MAP_FAILED);
	ck_assert_int_eq(pread(fd, tm, LEN, 0), LEN);
	ck_assert_int_eq(mu_diff(tm, ref, LEN), -1);
	munmap(tm, LEN);
	close(t);
}
END_TEST

/* Random offsets, lengths and buffer alignments, both ways. */
START_TEST(unaligned_everywhere)
{
	uint8_t *u = malloc(LEN + 64);
	unsigned int seed = (unsigned int)mu_seed();
	int i;

	ck_assert_ptr_nonnull(u);
	for (i = 0; i < 200; i++) {
		size_t off = rand_r(&seed) % LEN, n = rand_r(&seed) % 20000;
		size_t bo = rand_r(&seed) % 64, j;

		if (off + n > LEN)
			n = LEN - off;
		memset(u, 0, n + 64);
		ck_assert_int_eq(pread(fd, u + bo, n, off), (ssize_t)n);
		ck_assert_msg(mu_diff(u + bo, ref + off, n) == -1,
			      "read off %zu len %zu buffer+%zu differs", off, n,
			      bo);
		for (j = 0; j < n; j++)
			u[bo + j] = (uint8_t)rand_r(&seed);
		ck_assert_int_eq(pwrite(fd, u + bo, n, off), (ssize_t)n);
		ck_assert_msg(mu_diff(map + off, u + bo, n) == -1,
			      "write off %zu len %zu buffer+%zu differs", off,
			      n, bo);
		memcpy(ref + off, u + bo, n);
	}
	ck_assert_int_eq(mu_diff(map, ref, LEN), -1);
	free(u);
}
END_TEST

/* splice into the descriptor, splice and sendfile out of it. */
START_TEST(splice_both_ways)
{
	uint8_t *x = malloc(LEN), *y = malloc(LEN);
	size_t done, got, tot = LEN - 8;
	int p[2];
	off_t o;

	ck_assert(x && y);
	mu_random(x, LEN, mu_seed() + 1);
	ck_assert_int_eq(pipe(p), 0);
	for (done = 0; done < tot; done += 65536 < tot - done ? 65536 : tot - done) {
		size_t w = 65536 < tot - done ? 65536 : tot - done;
		loff_t lo = done + 3;

		ck_assert_int_eq(write(p[1], x + done, w), (ssize_t)w);
		ck_assert_int_eq(splice(p[0], NULL, fd, &lo, w, 0), (ssize_t)w);
	}
	ck_assert_int_eq(mu_diff(map + 3, x, tot), -1);

	for (got = 0; got < tot;) {
		loff_t lo = 5 + got;
		ssize_t s = splice(fd, &lo, p[1], NULL,
				   tot - got < 65536 ? tot - got : 65536, 0);

		ck_assert_int_gt(s, 0);
		ck_assert_int_eq(read(p[0], y + got, s), s);
		got += s;
	}
	ck_assert_int_eq(mu_diff(y, map + 5, tot), -1);

	/* sendfile at the very end gives 0; just before it, the rest. */
	o = LEN;
	ck_assert_int_eq(sendfile(p[1], fd, &o, 100), 0);
	o = LEN - 10;
	ck_assert_int_eq(sendfile(p[1], fd, &o, 100), 10);
	ck_assert_int_eq(read(p[0], y, 10), 10);
	ck_assert_int_eq(mu_diff(y, map + LEN - 10, 10), -1);
	close(p[0]);
	close(p[1]);
	free(x);
	free(y);
}
END_TEST

Suite *module_edges_suite(void)
{
	Suite *s = suite_create("module_edges");
	TCase *tc = tcase_create("user_memory");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fresh_pages);
	tcase_add_test(tc, hole_short_counts);
	tcase_add_test(tc, bad_pointers);
	tcase_add_test(tc, readv_empty_segments);
	tcase_add_test(tc, unusual_destinations);
	tcase_add_test(tc, unaligned_everywhere);
	suite_add_tcase(s, tc);

	tc = tcase_create("splice");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, splice_both_ways);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_module_load.c - aperture_io unloaded and loaded again 20 times,
 * with descriptors and mappings opened and closed in between: while one
 * is alive the module refuses to go ("in use"), once all are gone it
 * goes, and the next load works as the first did.
 *
 *   tests/vm/run --no-mount -- '$B/tests/vm/check_module_load'
 *
 * Needs APERTURE_KO (set by tests/vm/run) and no other user of the module
 * (hence --no-mount: the daemon would hold descriptors).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "aperture_io.h"
#include "module_util.h"

static int unload(void)
{
	return syscall(SYS_delete_module, "aperture_io", O_NONBLOCK) ? -errno : 0;
}

static void load(void)
{
	const char *ko = getenv("APERTURE_KO");
	int kfd;

	ck_assert_msg(ko && *ko, "APERTURE_KO is not set");
	kfd = open(ko, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(kfd >= 0, "open %s: %s", ko, strerror(errno));
	ck_assert_msg(syscall(SYS_finit_module, kfd, "", 0) == 0,
		      "finit_module %s: %s", ko, strerror(errno));
	close(kfd);
	ck_assert_int_eq(access("/dev/" APERTURE_IO_NODE, F_OK), 0);
}

/* The module's reference count, as lsmod shows it. */
static int refcnt(void)
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

static void assert_in_use(void)
{
	int err = unload();

	ck_assert_msg(err == -EWOULDBLOCK || err == -EBUSY,
		      "unload while in use: %s", err ? strerror(-err) : "it went");
	ck_assert_int_gt(refcnt(), 0);
}

START_TEST(twenty_cycles)
{
	struct mu_dev edu = mu_find(EDU_ID), shm = mu_find(IVSHMEM_ID);
	int i, fd, fd2, ctl;
	uint8_t *map;

	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(refcnt(), 0);
		/* A descriptor pins the module. */
		fd = mu_open(&edu, 0, 0, NULL);
		ck_assert_uint_eq(mu_rd32(fd, 0), 0x010000ed);
		fd2 = mu_open(&shm, 2, 0, NULL);
		assert_in_use();
		/* A mapping alone pins it too. */
		map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd2, 0);
		ck_assert(map != MAP_FAILED);
		close(fd2);
		close(fd);
		map[i] = (uint8_t)i;
		assert_in_use();
		ck_assert_uint_eq(map[i], (uint8_t)i);
		munmap(map, 4096);
		/* So does the control node, while open. */
		ctl = mu_ctl();
		assert_in_use();
		close(ctl);
		ck_assert_int_eq(refcnt(), 0);
		ck_assert_int_eq(unload(), 0);
		ck_assert_int_ne(access("/dev/" APERTURE_IO_NODE, F_OK), 0);
		ck_assert_int_lt(refcnt(), 0);
		load();
	}
	/* The last load serves as the first did. */
	fd = mu_open(&shm, 2, 0, NULL);
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert(map != MAP_FAILED);
	for (i = 0; i < 20; i++)
		ck_assert_uint_eq(map[i], (uint8_t)i);
	munmap(map, 4096);
	close(fd);
}
END_TEST

/* Descriptors opened and closed many times leave no reference behind. */
START_TEST(no_leaked_references)
{
	struct mu_dev edu = mu_find(EDU_ID), shm = mu_find(IVSHMEM_ID);
	/* Every width; a 32-bit kernel refuses 64-bit ones (check_module). */
	int widths = mu_kernel_is_32bit() ? 4 : 5;
	int fds[64], i;

	for (i = 0; i < 64; i++)
		fds[i] = mu_open(i & 1 ? &edu : &shm, i & 1 ? 0 : 2,
				 (uint32_t)(i % widths), NULL);
	ck_assert_int_gt(refcnt(), 0);
	for (i = 0; i < 64; i++)
		close(fds[i]);
	/* Failed opens leave none either. */
	for (i = 0; i < 64; i++)
		ck_assert_int_lt(mu_try_open(&edu, 6 + (unsigned int)i, 0, NULL), 0);
	ck_assert_int_eq(refcnt(), 0);
	ck_assert_int_eq(unload(), 0);
	load();
}
END_TEST

START_TEST(klog_clean)
{
	char line[512];

	ck_assert_msg(!mu_klog_bad(line, sizeof(line)), "kernel log: %s", line);
}
END_TEST

Suite *module_load_suite(void);

Suite *module_load_suite(void)
{
	Suite *s = suite_create("module_load");
	TCase *tc;

	tc = tcase_create("load");
	tcase_add_test(tc, twenty_cycles);
	tcase_add_test(tc, no_leaked_references);
	tcase_add_test(tc, klog_clean);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_fake_hotplug.c - the tree follows hot-plug without scans of its
 * own, on a fake machine on this host: editing the description is the
 * hot-plug event.  A function that goes is gone for a cached name within
 * a second (the kernel is told), one that comes is seen although its name
 * was cached as missing, lookups and listings never scan, a file open on a
 * removed function gets ENODEV, and entries and descriptors of removed
 * functions are freed (forget), cycle after cycle.
 */
#include "fake_mount.h"

#define BASE \
	"function 00:04.0 1234:11e8 class=00ff rev=10\n" \
	"bar0 mem 1M\n" \
	"function 00:05.0 1af4:1110 class=0500\n" \
	"bar2 mem64 prefetch 64K\n"
#define EXTRA \
	"function 00:08.0 1234:11e8 class=00ff rev=10\n" \
	"bar0 mem 4K\n"

START_TEST(removal_is_told)
{
	struct stat st;
	struct fk m;

	fk_mount(&m, BASE EXTRA, NULL);
	/* The kernel caches these names now (60 s timeouts). */
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:08.0"), &st), 0);
	ck_assert_int_eq(lstat(FK_PATH(&m, "by-id/1234:11e8-2"), &st), 0);
	fk_redescribe(&m, BASE);
	ck_assert_msg(fk_wait_path(FK_PATH(&m, "0000:00:08.0"), false, 1000),
		      "a removed function's name stayed cached");
	/* Its by-id link is told apart from it: wait for it the same way. */
	ck_assert_msg(fk_wait_path(FK_PATH(&m, "by-id/1234:11e8-2"), false,
				   1000),
		      "a removed function's by-id link stayed cached");
	errno = 0;
	ck_assert_int_eq(lstat(FK_PATH(&m, "by-id/1234:11e8-2"), &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	fk_umount(&m);
}
END_TEST

START_TEST(addition_is_told)
{
	struct stat st;
	struct fk m;

	fk_mount(&m, BASE, NULL);
	/* Cached as missing now. */
	errno = 0;
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:08.0"), &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(lstat(FK_PATH(&m, "by-id/1234:11e8-2"), &st), -1);
	fk_redescribe(&m, BASE EXTRA);
	ck_assert_msg(fk_wait_path(FK_PATH(&m, "0000:00:08.0/bar0"), true,
				   1000),
		      "an added function stayed cached as missing");
	ck_assert_msg(fk_wait_path(FK_PATH(&m, "by-id/1234:11e8-2"), true,
				   1000),
		      "an added function's by-id link stayed cached as missing");
	fk_umount(&m);
}
END_TEST

/* Lookups of missing names and listings cost no scan. */
START_TEST(no_scan_storm)
{
	long scans, entries, after;
	struct stat st;
	struct fk m;
	char name[64];

	fk_mount(&m, BASE, NULL);
	fk_last_scan(&m, &scans, &entries);
	ck_assert_int_eq(scans, 1);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "0000:00:%02x.%d", i % 32, i % 8);
		stat(FK_PATH(&m, "%s", name), &st);
		snprintf(name, sizeof(name), "by-id/1234:%04x", i);
		stat(FK_PATH(&m, "%s", name), &st);
		closedir(opendir(m.mnt));
		closedir(opendir(FK_PATH(&m, "by-id")));
	}
	fk_last_scan(&m, &after, &entries);
	ck_assert_int_eq(after, 1);
	ck_assert_int_eq(fk_log_count(&m, "aperturefs: scan "), 1);
	fk_umount(&m);
}
END_TEST

START_TEST(open_file_of_removed_function)
{
	struct fk m;
	char b[4];
	int fd;

	fk_mount(&m, BASE EXTRA, NULL);
	fd = open(FK_PATH(&m, "0000:00:08.0/bar0"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "abcd", 4, 0), 4);
	fk_redescribe(&m, BASE);
	ck_assert(fk_wait_path(FK_PATH(&m, "0000:00:08.0"), false, 1000));
	errno = 0;
	ck_assert_int_eq(pread(fd, b, 4, 0), -1);
	ck_assert_int_eq(errno, ENODEV);
	errno = 0;
	ck_assert_int_eq(pwrite(fd, b, 4, 0), -1);
	ck_assert_int_eq(errno, ENODEV);
	close(fd);
	fk_umount(&m);
}
END_TEST

/* Wait (2 s) until a scan reports @want entries; returns the last seen. */
static long wait_entries(struct fk *m, long want)
{
	long scan, entries = -1;

	for (int i = 0; i < 40; i++) {
		/* Rewriting the same description makes a scan, which logs
		 * the tree's entry count. */
		fk_redescribe(m, BASE);
		usleep(50000);
		fk_last_scan(m, &scan, &entries);
		if (entries == want)
			break;
	}
	return entries;
}

/*
 * 50 hot-plug cycles, each one looking the function up and opening and
 * closing a file on it: entries and descriptors come back to the start.
 */
START_TEST(cycles_free_everything)
{
	long scan, entries;
	struct fk m;
	int fds0, fd;
	char b[4];

	fk_mount(&m, BASE, NULL);
	fds0 = fk_fds(&m);
	fk_last_scan(&m, &scan, &entries);
	ck_assert_int_eq(entries, 2);
	for (int i = 0; i < 50; i++) {
		fk_redescribe(&m, BASE EXTRA);
		ck_assert(fk_wait_path(FK_PATH(&m, "0000:00:08.0/bar0"), true,
				       1000));
		fd = open(FK_PATH(&m, "0000:00:08.0/bar0"), O_RDONLY);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(pread(fd, b, 4, 0), 4);
		close(fd);
		fk_redescribe(&m, BASE);
		ck_assert(fk_wait_path(FK_PATH(&m, "0000:00:08.0"), false,
				       1000));
	}
	ck_assert_int_eq(wait_entries(&m, 2), 2);
	/* Releases reach the daemon after close() returns (FUSE sends
	 * them asynchronously): give the last one a moment. */
	for (int i = 0; i < 100 && fk_fds(&m) != fds0; i++)
		usleep(20000);
	if (fk_fds(&m) != fds0) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "ls -l /proc/%d/fd >&2", (int)m.pid);
		ck_assert_int_eq(system(cmd), 0);
	}
	ck_assert_int_eq(fk_fds(&m), fds0);
	fk_umount(&m);
}
END_TEST

Suite *fake_hotplug_suite(void);

Suite *fake_hotplug_suite(void)
{
	Suite *s = suite_create("fake_hotplug");
	TCase *tc = tcase_create("events");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, removal_is_told);
	tcase_add_test(tc, addition_is_told);
	tcase_add_test(tc, no_scan_storm);
	tcase_add_test(tc, open_file_of_removed_function);
	tcase_add_test(tc, cycles_free_everything);
	suite_add_tcase(s, tc);
	return s;
}

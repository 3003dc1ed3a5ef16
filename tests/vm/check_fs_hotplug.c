/*
 * check_fs_hotplug.c - the tree follows hot-plug, and a file open on a
 * device that goes away answers ENODEV, never stale data.
 *
 * Needs a hot-pluggable edu behind a PCIe root port (tests/vm/suites):
 *   --no-mount --qemu '-device pcie-root-port,id=rp1,chassis=1,slot=1
 *                      -device edu,id=hotedu,bus=rp1'
 * It mounts its own aperturefs, removes the device with QMP device_del
 * (pciehp takes about 5 s), then adds one back with device_add.
 */
#include <dirent.h>

#include "fs_util.h"

#define MNT "/tmp/ap-hot"

/* The hot edu's slot (bus 1 behind the root port), or "" if absent. */
static void hot_slot(char *slot, size_t len)
{
	char buf[64];
	ssize_t n;

	slot[0] = 0;
	n = readlink(MNT "/by-id/1234:11e8-2", buf, sizeof(buf) - 1);
	if (n <= 3)
		return;
	buf[n] = 0;
	snprintf(slot, len, "%s", buf + 3);
}

/* Wait (up to @secs) until sysfs has (or has not) @slot. */
static bool wait_sysfs(const char *slot, bool present, int secs)
{
	struct stat st;

	for (int i = 0; i < secs * 10; i++) {
		if ((stat(fs_path(FS_SYSFS "/%s", slot), &st) == 0) == present)
			return true;
		usleep(100000);
	}
	return false;
}

static void qmp(const char *json)
{
	const char *src = getenv("APERTURE_SRC");
	char *out;
	int st;

	ck_assert_ptr_nonnull(src);
	out = fs_sh(&st, "%s/tests/vm/qmp '%s'", src, json);
	ck_assert_msg(st == 0, "qmp %s: %s", json, out);
	free(out);
}

static bool listed(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (!strcmp(de->d_name, name))
			found = true;
	closedir(d);
	return found;
}

START_TEST(removal_with_open_file)
{
	struct fs_mount m;
	char slot[64], path[256];
	struct stat st;
	uint32_t v;
	int fd;

	fs_mount(&m, MNT, NULL);
	hot_slot(slot, sizeof(slot));
	if (!slot[0]) {
		fs_umount(&m);
		ck_abort_msg("no hot-pluggable edu (see tests/vm/suites)");
	}
	snprintf(path, sizeof(path), MNT "/%s/bar0", slot);
	fd = open(path, O_RDWR);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(pread(fd, &v, 4, 0), 4);
	ck_assert_uint_eq(v, 0x010000ed);

	qmp("{\"execute\":\"device_del\",\"arguments\":{\"id\":\"hotedu\"}}");
	ck_assert_msg(wait_sysfs(slot, false, 30), "%s still in sysfs", slot);

	/* The open file: ENODEV on the next access, never stale data. */
	errno = 0;
	ck_assert_int_eq(pread(fd, &v, 4, 0), -1);
	ck_assert_int_eq(errno, ENODEV);
	errno = 0;
	ck_assert_int_eq(pwrite(fd, &v, 4, 4), -1);
	ck_assert_int_eq(errno, ENODEV);
	close(fd);

	/* The directory and its by-id link are gone. */
	ck_assert(!listed(MNT, slot));
	ck_assert_int_eq(stat(fs_path(MNT "/%s", slot), &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(lstat(MNT "/by-id/1234:11e8-2", &st), -1);
	ck_assert(listed(MNT, FS_EDU));

	/* A device that appears is seen without remounting. */
	qmp("{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"edu\","
	    "\"id\":\"hotedu2\",\"bus\":\"rp1\"}}");
	ck_assert_msg(wait_sysfs(slot, true, 30), "%s did not come back",
		      slot);
	ck_assert(listed(MNT, slot));
	/*
	 * A hot-added function with no driver has memory decoding off (no
	 * firmware enabled it); the module does not enable devices, so do
	 * what a driver's pci_enable_device() would.
	 */
	fs_expect("", "echo 1 > " FS_SYSFS "/%s/enable", slot);
	fd = open(path, O_RDONLY);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(pread(fd, &v, 4, 0), 4);
	ck_assert_uint_eq(v, 0x010000ed);
	close(fd);
	fs_umount(&m);
}
END_TEST

Suite *fs_hotplug_suite(void);

Suite *fs_hotplug_suite(void)
{
	Suite *s = suite_create("fs_hotplug");
	TCase *tc = tcase_create("removal");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, removal_with_open_file);
	suite_add_tcase(s, tc);
	return s;
}

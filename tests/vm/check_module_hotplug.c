/*
 * check_module_hotplug.c - hot removal under open descriptors and a live
 * mapping, in a guest of tests/vm/run with an edu behind a PCIe root port
 * (the line for this suite in tests/vm/suites):
 *
 *   tests/vm/run --no-mount --qemu '-device pcie-root-port,id=rp1,chassis=1,slot=1
 *       -device edu,id=hotedu,bus=rp1' -- '$B/tests/vm/check_module_hotplug'
 *
 * QMP device_del has pciehp remove the function (about 5 s).  Then every
 * access through the old descriptor is ENODEV, a touch of the old mapping
 * is SIGBUS, nothing oopses, and once the descriptors and mappings are gone
 * the module unloads (and loads again for whatever runs next).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aperture_io.h"
#include "module_util.h"

/* Touches a mapping in a child: how the child ended says what it met. */
static void touch(void *arg)
{
	volatile uint32_t *p = arg;

	_exit(*p == 0x010000ed ? 0 : 1);
}

static void touch_write(void *arg)
{
	volatile uint32_t *p = arg;

	p[1] = 0x12345678;
	_exit(0);
}

static int qmp(const char *json)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "\"$APERTURE_SRC/tests/vm/qmp\" '%s' >&2",
		 json);
	return system(cmd);
}

START_TEST(remove_under_descriptor_and_mapping)
{
	struct mu_dev hot, base = mu_find(EDU_ID);
	struct aperture_io_bar a;
	uint32_t v = 0, *map;
	int fd, fd2, ro, status;
	double deadline;
	pid_t reader;
	char path[128];

	ck_assert_msg(mu_find_nth(EDU_ID, 1, 0, &hot),
		      "no edu behind a root port: run with this suite's line "
		      "in tests/vm/suites");
	fd = mu_open(&hot, 0, 0, &a);
	fd2 = mu_open(&hot, 0, APERTURE_IO_WIDTH_8, NULL);
	ro = mu_open(&hot, 0, APERTURE_IO_OPEN_RDONLY, NULL);
	ck_assert_uint_eq(mu_rd32(fd, 0), 0x010000ed);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(map != MAP_FAILED);
	ck_assert_int_eq(mu_in_child(touch, map), 0);
	close(fd2);

	/* A reader hammers the BAR through the removal. */
	reader = fork();
	ck_assert_int_ge(reader, 0);
	if (reader == 0) {
		unsigned long ok = 0;

		for (;;) {
			if (pread(fd, &v, 4, 0) == 4) {
				if (v != 0x010000ed && v != 0xffffffff)
					_exit(2);
				ok++;
				continue;
			}
			_exit(errno == ENODEV && ok ? 0 : 3);
		}
	}

	ck_assert_int_eq(qmp("{\"execute\":\"device_del\",\"arguments\":"
			     "{\"id\":\"hotedu\"}}"), 0);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", hot.name);
	deadline = mu_now() + 30;
	while (access(path, F_OK) == 0) {
		ck_assert_msg(mu_now() < deadline, "%s still there after 30 s",
			      hot.name);
		usleep(100000);
	}

	/* The reader met ENODEV, nothing else. */
	ck_assert_int_eq(waitpid(reader, &status, 0), reader);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "reader ended with status %#x", status);

	/* Every access through the old descriptors: ENODEV. */
	errno = 0;
	ck_assert_int_eq(pread(fd, &v, 4, 0), -1);
	ck_assert_int_eq(errno, ENODEV);
	ck_assert_int_eq(pwrite(fd, &v, 4, 4), -1);
	ck_assert_int_eq(errno, ENODEV);
	ck_assert_int_eq(pread(ro, &v, 4, 0), -1);
	ck_assert_int_eq(errno, ENODEV);
	memset(&a, 0, sizeof(a));
	a.argsz = sizeof(a);
	ck_assert_int_eq(ioctl(fd, APERTURE_IO_INFO, &a), -1);
	ck_assert_int_eq(errno, ENODEV);
	ck_assert(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	ck_assert_int_eq(errno, ENODEV);
	/* The mapping is revoked: a touch is SIGBUS, read or write. */
	ck_assert_int_eq(mu_in_child(touch, map), 128 + SIGBUS);
	ck_assert_int_eq(mu_in_child(touch_write, map), 128 + SIGBUS);
	/* The function is gone for new opens too. */
	ck_assert_int_eq(mu_try_open(&hot, 0, 0, NULL), -ENODEV);
	/* The other devices are untouched. */
	fd2 = mu_open(&base, 0, 0, NULL);
	ck_assert_uint_eq(mu_rd32(fd2, 0), 0x010000ed);
	close(fd2);

	munmap(map, 4096);
	close(ro);
	close(fd);
}
END_TEST

START_TEST(unload_after_removal)
{
	const char *ko = getenv("APERTURE_KO");
	struct mu_dev base = mu_find(EDU_ID);
	int kfd, fd;

	/* Everything of the removed function is closed: unload, reload. */
	ck_assert_int_eq(syscall(SYS_delete_module, "aperture_io", O_NONBLOCK),
			 0);
	ck_assert_int_ne(access("/dev/" APERTURE_IO_NODE, F_OK), 0);
	ck_assert_msg(ko && *ko, "APERTURE_KO is not set");
	kfd = open(ko, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(kfd, 0);
	ck_assert_int_eq(syscall(SYS_finit_module, kfd, "", 0), 0);
	close(kfd);
	fd = mu_open(&base, 0, 0, NULL);
	ck_assert_uint_eq(mu_rd32(fd, 0), 0x010000ed);
	close(fd);
}
END_TEST

START_TEST(klog_clean)
{
	char line[512];

	ck_assert_msg(!mu_klog_bad(line, sizeof(line)), "kernel log: %s", line);
}
END_TEST

Suite *module_hotplug_suite(void);

Suite *module_hotplug_suite(void)
{
	Suite *s = suite_create("module_hotplug");
	TCase *tc;

	tc = tcase_create("removal");
	tcase_add_test(tc, remove_under_descriptor_and_mapping);
	tcase_add_test(tc, unload_after_removal);
	tcase_add_test(tc, klog_clean);
	tcase_set_timeout(tc, 90);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_harness.c - the guest the runner boots is the one the other suites
 * count on: the four test devices with the BARs DESIGN.md lists (read from
 * the guest's sysfs, as the kernel enumerated them), the host's ivshmem
 * file shared with BAR2, monitor commands asked of the host, and the
 * kernel's own drivers loadable with modprobe (tests/vm/suites adds an
 * e1000e NIC at 00:07.0 for that).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RES_IO 0x100ULL			/* IORESOURCE_IO */
#define RES_MEM 0x200ULL		/* IORESOURCE_MEM */
#define RES_PREFETCH 0x2000ULL		/* IORESOURCE_PREFETCH */
#define RES_MEM64 0x100000ULL		/* IORESOURCE_MEM_64 */

struct bar_expect {
	int index;
	uint64_t size;
	uint64_t flags;			/* the RES_* bits that must be set */
	uint64_t absent;		/* the RES_* bits that must be clear */
};

/* One resource line of /sys/bus/pci/devices/ADDR/resource. */
static void read_resource(const char *addr, int index, uint64_t *size,
			  uint64_t *flags)
{
	char path[128];
	uint64_t start, end;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", addr);
	f = fopen(path, "r");
	ck_assert_msg(f, "%s: %s (device absent?)", path, strerror(errno));
	for (i = 0; i <= index; i++)
		ck_assert_int_eq(fscanf(f, "%" SCNx64 " %" SCNx64 " %" SCNx64,
					&start, &end, flags), 3);
	fclose(f);
	*size = end ? end - start + 1 : 0;
}

static unsigned int read_hex(const char *addr, const char *attr)
{
	char path[128];
	unsigned int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", addr, attr);
	f = fopen(path, "r");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fscanf(f, "%x", &v), 1);
	fclose(f);
	return v;
}

static void check_device(const char *addr, unsigned int vendor,
			 unsigned int device, const struct bar_expect *bars,
			 int nbars)
{
	uint64_t size, flags;
	int i;

	ck_assert_uint_eq(read_hex(addr, "vendor"), vendor);
	ck_assert_uint_eq(read_hex(addr, "device"), device);
	for (i = 0; i < nbars; i++) {
		read_resource(addr, bars[i].index, &size, &flags);
		ck_assert_msg(size == bars[i].size,
			      "%s BAR%d: size %#" PRIx64 ", expected %#" PRIx64,
			      addr, bars[i].index, size, bars[i].size);
		ck_assert_msg((flags & bars[i].flags) == bars[i].flags,
			      "%s BAR%d: flags %#" PRIx64 " lack %#" PRIx64,
			      addr, bars[i].index, flags, bars[i].flags);
		ck_assert_msg(!(flags & bars[i].absent),
			      "%s BAR%d: flags %#" PRIx64 " have %#" PRIx64,
			      addr, bars[i].index, flags, bars[i].absent);
	}
}

START_TEST(test_edu)
{
	static const struct bar_expect bars[] = {
		{ 0, 1 << 20, RES_MEM, RES_PREFETCH | RES_IO },
	};

	check_device("0000:00:04.0", 0x1234, 0x11e8, bars, 1);
}
END_TEST

START_TEST(test_ivshmem)
{
	static const struct bar_expect bars[] = {
		{ 0, 256, RES_MEM, RES_PREFETCH | RES_IO },
		{ 2, 1 << 20, RES_MEM | RES_PREFETCH | RES_MEM64, RES_IO },
	};

	check_device("0000:00:05.0", 0x1af4, 0x1110, bars, 2);
}
END_TEST

START_TEST(test_vga)
{
	static const struct bar_expect bars[] = {
		{ 0, 16 << 20, RES_MEM | RES_PREFETCH, RES_IO },
		{ 2, 4096, RES_MEM, RES_PREFETCH | RES_IO },
	};

	check_device("0000:00:02.0", 0x1234, 0x1111, bars, 2);
}
END_TEST

START_TEST(test_testdev)
{
	static const struct bar_expect bars[] = {
		{ 0, 4096, RES_MEM, RES_PREFETCH | RES_IO },
		{ 1, 256, RES_IO, RES_MEM },
	};

	check_device("0000:00:06.0", 0x1b36, 0x0005, bars, 2);
}
END_TEST

/* Bytes the host puts in its ivshmem file are what the guest reads back
 * through the same file over the uncached share, and vice versa. */
START_TEST(test_ivshmem_host_file)
{
	const char *path = getenv("APERTURE_IVSHMEM_HOST");
	struct stat st;
	char buf[16];
	int fd;

	ck_assert_msg(path, "APERTURE_IVSHMEM_HOST is not set");
	fd = open(path, O_RDWR);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 1 << 20);
	ck_assert_int_eq(pwrite(fd, "harness-probe", 13, 4096), 13);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(pread(fd, buf, 13, 4096), 13);
	ck_assert_str_eq(buf, "harness-probe");
	close(fd);
}
END_TEST

/* The guest asks the host for a monitor command and gets QEMU's answer. */
START_TEST(test_qmp)
{
	char cmd[512], reply[512] = "";
	const char *src = getenv("APERTURE_SRC");
	FILE *p;

	ck_assert_msg(src, "APERTURE_SRC is not set");
	snprintf(cmd, sizeof(cmd),
		 "%s/tests/vm/qmp '{\"execute\":\"query-status\"}'", src);
	p = popen(cmd, "r");
	ck_assert(p);
	ck_assert(fgets(reply, sizeof(reply), p));
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_msg(strstr(reply, "\"running\""), "reply: %s", reply);

	/* An unknown command is QEMU's error, and the helper says so. */
	snprintf(cmd, sizeof(cmd),
		 "%s/tests/vm/qmp '{\"execute\":\"no-such-command\"}' >/dev/null",
		 src);
	ck_assert_int_ne(system(cmd), 0);
}
END_TEST

/* A screendump asked from the guest lands in the share as a PPM of the
 * VGA's current mode (text mode after boot: 720x400 or 640x480). */
START_TEST(test_screendump)
{
	char cmd[512], path[512] = "", magic[3] = "";
	const char *src = getenv("APERTURE_SRC");
	int w = 0, h = 0;
	FILE *p, *f;

	ck_assert_msg(src, "APERTURE_SRC is not set");
	snprintf(cmd, sizeof(cmd), "%s/tests/vm/screendump harness.ppm", src);
	p = popen(cmd, "r");
	ck_assert(p);
	ck_assert(fgets(path, sizeof(path), p));
	ck_assert_int_eq(pclose(p), 0);
	path[strcspn(path, "\n")] = 0;
	f = fopen(path, "r");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fscanf(f, "%2s %d %d", magic, &w, &h), 3);
	fclose(f);
	ck_assert_str_eq(magic, "P6");
	ck_assert_int_gt(w, 0);
	ck_assert_int_gt(h, 0);
}
END_TEST

/* The driver bound to a PCI function, "" if none. */
static void bound_driver(const char *addr, char *name, size_t len)
{
	char path[128], target[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", addr);
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = 0;
	snprintf(name, len, "%s", strrchr(target, '/') ? strrchr(target, '/') + 1 : "");
}

/* modprobe finds the kernel's own e1000e in /lib/modules/<release>, loads
 * it with its dependencies, and it binds the NIC, which had no driver. */
START_TEST(test_modprobe_binds)
{
	char drv[64];

	check_device("0000:00:07.0", 0x8086, 0x10d3, NULL, 0);
	bound_driver("0000:00:07.0", drv, sizeof(drv));
	ck_assert_str_eq(drv, "");
	ck_assert_int_eq(system("modprobe e1000e"), 0);
	bound_driver("0000:00:07.0", drv, sizeof(drv));
	ck_assert_str_eq(drv, "e1000e");
}
END_TEST

/* The drivers other suites bind (nvme, bochs-drm) resolve in the tree:
 * a dry run prints the insmod of the file it would load. */
START_TEST(test_modprobe_resolves)
{
	static const char *const mods[] = { "nvme", "bochs" };
	char cmd[128], want[64], line[512], found[512] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "modprobe --dry-run --show-depends %s",
		 mods[_i]);
	snprintf(want, sizeof(want), "/%s.ko", mods[_i]);
	p = popen(cmd, "r");
	ck_assert(p);
	while (fgets(line, sizeof(line), p))
		if (strstr(line, want))
			snprintf(found, sizeof(found), "%s", line);
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_msg(!strncmp(found, "insmod /lib/modules/", 20),
		      "modprobe %s: no insmod of %s under /lib/modules",
		      mods[_i], want);
}
END_TEST

Suite *harness_suite(void);

Suite *harness_suite(void)
{
	Suite *s = suite_create("harness");
	TCase *tc;

	tc = tcase_create("devices");
	tcase_add_test(tc, test_edu);
	tcase_add_test(tc, test_ivshmem);
	tcase_add_test(tc, test_vga);
	tcase_add_test(tc, test_testdev);
	suite_add_tcase(s, tc);

	tc = tcase_create("host");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ivshmem_host_file);
	tcase_add_test(tc, test_qmp);
	tcase_add_test(tc, test_screendump);
	suite_add_tcase(s, tc);

	tc = tcase_create("drivers");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_modprobe_binds);
	tcase_add_loop_test(tc, test_modprobe_resolves, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_sysfs.c - discovery through libpci's sysfs method, on a made-up
 * sysfs tree under /tmp (libpci's sysfs.path), never this host's own:
 * functions, BARs and drivers as sysfs shows them, and a function whose
 * directory empties during a scan is skipped, not the end of the scan.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aperture.h"

static char root[64];

/* One function directory as Linux lays it out (the files libpci reads). */
static void make_func(const char *slot, uint16_t ven, uint16_t dev,
		      const char *driver)
{
	char d[256], p[320];
	unsigned char cfg[256] = { 0 };
	FILE *f;

	snprintf(d, sizeof(d), "%s/devices/%s", root, slot);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	cfg[0] = ven;
	cfg[1] = ven >> 8;
	cfg[2] = dev;
	cfg[3] = dev >> 8;
	cfg[4] = 7;
	cfg[8] = 0x10;
	cfg[0x0a] = 0xff;
	cfg[0x12] = 0xa0;
	cfg[0x13] = 0xfe;
	snprintf(p, sizeof(p), "%s/config", d);
	f = fopen(p, "w");
	ck_assert_int_eq(fwrite(cfg, 1, sizeof(cfg), f), sizeof(cfg));
	fclose(f);
#define PUT(name, fmt, ...)                                   \
	do {                                                  \
		snprintf(p, sizeof(p), "%s/" name, d);        \
		f = fopen(p, "w");                            \
		ck_assert_ptr_nonnull(f);                     \
		fprintf(f, fmt, __VA_ARGS__);                 \
		fclose(f);                                    \
	} while (0)
	PUT("vendor", "0x%04x\n", ven);
	PUT("device", "0x%04x\n", dev);
	PUT("class", "0x%06x\n", 0x00ff00);
	PUT("irq", "%d\n", 0);
	PUT("resource", "%s",
	    "0x00000000fea00000 0x00000000feafffff 0x0000000000040200\n");
#undef PUT
	snprintf(p, sizeof(p), "%s/resource", d);
	f = fopen(p, "a");
	for (int i = 1; i < 7; i++)
		fprintf(f, "0x0000000000000000 0x0000000000000000 "
			   "0x0000000000000000\n");
	fclose(f);
	if (driver) {
		char target[128];

		snprintf(p, sizeof(p), "%s/drivers", root);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/drivers/%s", root, driver);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/driver", d);
		snprintf(target, sizeof(target), "../../drivers/%s", driver);
		ck_assert_int_eq(symlink(target, p), 0);
	}
}

static void setup(void)
{
	char d[128];

	strcpy(root, "/tmp/check_sysfs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(d, sizeof(d), "%s/devices", root);
	ck_assert_int_eq(mkdir(d, 0755), 0);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}

static ssize_t scan(struct ap_func **v)
{
	struct ap_pci_config cfg = { .sysfs_path = root, .numeric = true };
	struct ap_pci *pci = ap_pci_open(&cfg);
	ssize_t n;

	ck_assert_msg(pci, "ap_pci_open: %s", strerror(errno));
	n = ap_pci_scan(pci, NULL, v);
	ck_assert_msg(n >= 0, "scan: %s (%s)", strerror(-n), ap_pci_error(pci));
	ap_pci_close(pci);
	return n;
}

START_TEST(functions)
{
	struct ap_func *v;

	make_func("0000:00:04.0", 0x1234, 0x11e8, "edu");
	make_func("0000:00:06.0", 0x1b36, 0x0005, NULL);
	ck_assert_int_eq(scan(&v), 2);
	ck_assert_str_eq(v[0].slot, "0000:00:04.0");
	ck_assert_uint_eq(v[0].vendor_id, 0x1234);
	ck_assert_uint_eq(v[0].bars[0].start, 0xfea00000);
	ck_assert_uint_eq(v[0].bars[0].size, 1 << 20);
	ck_assert_str_eq(v[0].driver, "edu");
	ck_assert_str_eq(v[1].slot, "0000:00:06.0");
	ck_assert_str_eq(v[1].driver, "");
	free(v);
}
END_TEST

/* The directory is there, its files are not: removed mid-scan. */
START_TEST(vanished_function_skipped)
{
	char d[128];
	struct ap_func *v;

	make_func("0000:00:04.0", 0x1234, 0x11e8, NULL);
	snprintf(d, sizeof(d), "%s/devices/0000:00:05.0", root);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	make_func("0000:00:06.0", 0x1b36, 0x0005, NULL);
	ck_assert_int_eq(scan(&v), 2);
	ck_assert_str_eq(v[0].slot, "0000:00:04.0");
	ck_assert_str_eq(v[1].slot, "0000:00:06.0");
	free(v);
}
END_TEST

Suite *sysfs_suite(void);

Suite *sysfs_suite(void)
{
	Suite *s = suite_create("sysfs");
	TCase *tc = tcase_create("scan");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, functions);
	tcase_add_test(tc, vanished_function_skipped);
	suite_add_tcase(s, tc);
	return s;
}

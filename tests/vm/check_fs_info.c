/*
 * check_fs_info.c - what aperturefs says about a function, through the
 * mount the runner makes at /mnt/apertures (no options): info against
 * sysfs and lspci's names, whether memory decoding is on, info's size, and
 * config byte-equal to sysfs.
 */
#include <dirent.h>

#include "fs_util.h"
#include "pci_command.h"

#define EDU_BAR0	FS_MNT "/" FS_EDU "/bar0"
#define SHM_BAR2	FS_MNT "/" FS_IVSHMEM "/bar2"
#define SHM_SIZE	(1u << 20)

static void need_mount(void)
{
	if (!fs_mounted(FS_MNT))
		ck_abort_msg(FS_MNT " is not mounted (run without --no-mount)");
}


/* ---- info and config ----------------------------------------------- */

START_TEST(info_matches_sysfs)
{
	const char *devs[] = { FS_VGA, FS_EDU, FS_IVSHMEM, FS_TESTDEV };

	need_mount();
	for (size_t i = 0; i < 4; i++) {
		char *text = fs_slurp(fs_path(FS_MNT "/%s/info", devs[i]),
				      65536, NULL);
		char v[256], key[32];

		ck_assert(fs_info_get(text, "slot", v, sizeof(v)));
		ck_assert_str_eq(v, devs[i]);
		ck_assert(fs_info_get(text, "vendor", v, sizeof(v)));
		snprintf(key, sizeof(key), "[%04llx]",
			 fs_sysfs_hex(devs[i], "vendor"));
		ck_assert_msg(strstr(v, key), "vendor %s, want %s", v, key);
		ck_assert(fs_info_get(text, "device", v, sizeof(v)));
		snprintf(key, sizeof(key), "[%04llx]",
			 fs_sysfs_hex(devs[i], "device"));
		ck_assert_msg(strstr(v, key), "device %s, want %s", v, key);
		for (int b = 0; b < 6; b++) {
			unsigned long long s, e, fl;

			fs_sysfs_resource(devs[i], b, &s, &e, &fl);
			snprintf(key, sizeof(key), "bar%d.address", b);
			if (!e) {
				ck_assert(!fs_info_get(text, key, v,
						       sizeof(v)));
				continue;
			}
			ck_assert_msg(fs_info_get(text, key, v, sizeof(v)),
				      "%s: no %s in\n%s", devs[i], key, text);
			ck_assert_uint_eq(strtoull(v, NULL, 0), s);
			snprintf(key, sizeof(key), "bar%d.size", b);
			ck_assert(fs_info_get(text, key, v, sizeof(v)));
			ck_assert_uint_eq(strtoull(v, NULL, 0), e - s + 1);
			snprintf(key, sizeof(key), "bar%d.type", b);
			ck_assert(fs_info_get(text, key, v, sizeof(v)));
			ck_assert_str_eq(v, fl & 0x100 ? "io" : "mem");
			snprintf(key, sizeof(key), "bar%d.prefetchable", b);
			ck_assert(fs_info_get(text, key, v, sizeof(v)));
			ck_assert_str_eq(v, fl & 0x2000 ? "yes" : "no");
			snprintf(key, sizeof(key), "bar%d.module", b);
			ck_assert(fs_info_get(text, key, v, sizeof(v)));
			ck_assert_str_eq(v, "ok");
			snprintf(key, sizeof(key), "bar%d.mmap", b);
			ck_assert(fs_info_get(text, key, v, sizeof(v)));
		}
		free(text);
	}
}
END_TEST

START_TEST(info_names_like_lspci)
{
	char *text, v[256];

	need_mount();
	text = fs_slurp(FS_MNT "/" FS_TESTDEV "/info", 65536, NULL);
	ck_assert(fs_info_get(text, "name", v, sizeof(v)));
	ck_assert_str_eq(v, "Unclassified device [00ff]: Red Hat, Inc. QEMU "
			    "PCI Test Device [1b36:0005]");
	ck_assert_ptr_nonnull(strstr(text, "\nbar1: I/O ports at "));
	ck_assert(fs_info_get(text, "bar1.mmap", v, sizeof(v)));
	ck_assert_str_eq(v, "no (I/O-port BAR)");
	free(text);

	text = fs_slurp(FS_MNT "/" FS_IVSHMEM "/info", 65536, NULL);
	ck_assert_ptr_nonnull(strstr(text, "(64-bit, prefetchable) "
					   "[size=1M]\n"));
	ck_assert(fs_info_get(text, "bar2.memtype", v, sizeof(v)));
	ck_assert_str_eq(v, "wc");
	ck_assert(fs_info_get(text, "bar0.memtype", v, sizeof(v)));
	ck_assert_str_eq(v, "uc");
	free(text);
}
END_TEST

/* info says whether each BAR decodes, as PCI_COMMAND has it now. */
START_TEST(info_says_decoding)
{
	char *text, v[64];

	need_mount();
	text = fs_slurp(FS_MNT "/" FS_EDU "/info", 65536, NULL);
	ck_assert(fs_info_get(text, "bar0.decoding", v, sizeof(v)));
	ck_assert_str_eq(v, "yes");
	free(text);
	text = fs_slurp(FS_MNT "/" FS_TESTDEV "/info", 65536, NULL);
	ck_assert(fs_info_get(text, "bar1.decoding", v, sizeof(v)));
	ck_assert_str_eq(v, "yes");
	free(text);

	/* setpci -s 00:04.0 COMMAND=0:2 */
	pci_command_bits(FS_EDU, 2, false);
	text = fs_slurp(FS_MNT "/" FS_EDU "/info", 65536, NULL);
	pci_command_bits(FS_EDU, 2, true);
	ck_assert(fs_info_get(text, "bar0.decoding", v, sizeof(v)));
	ck_assert_str_eq(v, "no");
	free(text);
	text = fs_slurp(FS_MNT "/" FS_EDU "/info", 65536, NULL);
	ck_assert(fs_info_get(text, "bar0.decoding", v, sizeof(v)));
	ck_assert_str_eq(v, "yes");
	free(text);
}
END_TEST

START_TEST(info_stat_size_is_text_size)
{
	struct stat st;
	size_t len;
	char *text;

	need_mount();
	text = fs_slurp(FS_MNT "/" FS_EDU "/info", 65536, &len);
	ck_assert_int_eq(stat(FS_MNT "/" FS_EDU "/info", &st), 0);
	ck_assert_uint_eq(st.st_size, len);
	free(text);
}
END_TEST

START_TEST(config_equals_sysfs)
{
	const char *devs[] = { FS_VGA, FS_EDU, FS_IVSHMEM, FS_TESTDEV };

	need_mount();
	for (size_t i = 0; i < 4; i++) {
		size_t a, b;
		char *x = fs_slurp(fs_path(FS_MNT "/%s/config", devs[i]), 8192,
				   &a);
		char *y = fs_slurp(fs_path(FS_SYSFS "/%s/config", devs[i]),
				   8192, &b);
		struct stat st;

		ck_assert_uint_eq(a, b);
		ck_assert_uint_ge(a, 256);
		ck_assert_int_eq(memcmp(x, y, a), 0);
		ck_assert_int_eq(stat(fs_path(FS_MNT "/%s/config", devs[i]),
				      &st),
				 0);
		ck_assert_uint_eq(st.st_size, a);
		free(x);
		free(y);
	}
	errno = 0;
	ck_assert_int_eq(open(FS_MNT "/" FS_EDU "/config", O_WRONLY), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(open(FS_MNT "/" FS_EDU "/info", O_RDWR), -1);
	ck_assert_int_eq(errno, EACCES);
}
END_TEST

Suite *fs_info_suite(void);

Suite *fs_info_suite(void)
{
	Suite *s = suite_create("fs_info");
	TCase *tc;

	tc = tcase_create("info");
	tcase_add_test(tc, info_matches_sysfs);
	tcase_add_test(tc, info_says_decoding);
	tcase_add_test(tc, info_names_like_lspci);
	tcase_add_test(tc, info_stat_size_is_text_size);
	tcase_add_test(tc, config_equals_sysfs);
	suite_add_tcase(s, tc);
	return s;
}

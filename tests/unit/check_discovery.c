/*
 * check_discovery.c - discovery, naming, filters, the tree and info, on a
 * made-up machine described in `lspci -x` format and read through libpci's
 * dump access method.  Nothing here touches this host's own PCI devices.
 *
 * The machine mirrors the test guests: a host bridge (no BAR), edu at
 * 00:04.0, ivshmem at 00:05.0, pci-testdev at 00:06.0, two virtio-9p
 * functions with the same ids, and one VGA function in domain 0001.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aperture.h"

/* One made-up function: its header line and the first 64 config bytes. */
struct fake_dev {
	const char *slot;		/* as lspci prints it */
	uint16_t vendor, device;	/* ids */
	uint8_t class_base, class_sub;	/* class code */
	uint8_t rev;			/* revision */
	uint32_t bar[6];		/* raw BAR registers */
};

static const struct fake_dev fake_devs[] = {
	{ "00:00.0", 0x8086, 0x29c0, 0x06, 0x00, 0x00, { 0 } },
	{ "00:04.0", 0x1234, 0x11e8, 0x00, 0xff, 0x10, { 0xfea00000 } },
	{ "00:05.0", 0x1af4, 0x1110, 0x05, 0x00, 0x01,
	  { 0xfebf1000, 0, 0xfe00000c, 0x0 } },
	{ "00:06.0", 0x1b36, 0x0005, 0x00, 0xff, 0x00,
	  { 0xfebf2000, 0xc001 } },
	{ "00:07.0", 0x1af4, 0x1009, 0x00, 0x02, 0x00,
	  { 0, 0xfebf3000, 0, 0, 0xfe40000c, 0 } },
	{ "00:08.0", 0x1af4, 0x1009, 0x00, 0x02, 0x00,
	  { 0, 0xfebf4000, 0, 0, 0xfe44000c, 0 } },
	{ "0001:02:00.0", 0x1234, 0x1111, 0x03, 0x00, 0x02,
	  { 0xf0000008, 0, 0xf1000000 } },
};

#define NFAKE (sizeof(fake_devs) / sizeof(fake_devs[0]))

static char dump_path[64];

static void put32(uint8_t *c, int off, uint32_t v)
{
	c[off] = v;
	c[off + 1] = v >> 8;
	c[off + 2] = v >> 16;
	c[off + 3] = v >> 24;
}

/* Write the machine in `lspci -x` format, as libpci's dump method reads. */
static void write_dump(void)
{
	FILE *f;
	int fd;

	strcpy(dump_path, "/tmp/check_discovery.XXXXXX");
	fd = mkstemp(dump_path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < NFAKE; i++) {
		const struct fake_dev *d = &fake_devs[i];
		uint8_t c[64] = { 0 };

		c[0] = d->vendor;
		c[1] = d->vendor >> 8;
		c[2] = d->device;
		c[3] = d->device >> 8;
		c[4] = 0x07;		/* command: I/O, memory, master */
		c[8] = d->rev;
		c[0x0a] = d->class_sub;
		c[0x0b] = d->class_base;
		for (int b = 0; b < 6; b++)
			put32(c, 0x10 + 4 * b, d->bar[b]);
		c[0x2c] = 0xf4;		/* subsystem 1af4:1100 */
		c[0x2d] = 0x1a;
		c[0x2e] = 0x00;
		c[0x2f] = 0x11;
		fprintf(f, "%s Made-up device\n", d->slot);
		for (int l = 0; l < 64; l += 16) {
			fprintf(f, "%02x:", l);
			for (int k = 0; k < 16; k++)
				fprintf(f, " %02x", c[l + k]);
			fprintf(f, "\n");
		}
		fprintf(f, "\n");
	}
	fclose(f);
}

static struct ap_pci *pci;

static void setup(void)
{
	struct ap_pci_config cfg = { 0 };

	write_dump();
	cfg.dump_file = dump_path;
	pci = ap_pci_open(&cfg);
	ck_assert_msg(pci, "ap_pci_open: %s", strerror(errno));
}

static void teardown(void)
{
	ap_pci_close(pci);
	unlink(dump_path);
}

/* Scan with @filters (NULL: all). */
static ssize_t scan(const struct ap_filter_list *filters,
		    struct ap_func **out)
{
	ssize_t n = ap_pci_scan(pci, filters, out);

	ck_assert_msg(n >= 0, "scan: %s (%s)", strerror(-n),
		      ap_pci_error(pci));
	return n;
}

static const struct ap_func *find(const struct ap_func *v, size_t n,
				  const char *slot)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].slot, slot))
			return &v[i];
	return NULL;
}

START_TEST(scan_functions_with_bars)
{
	struct ap_func *v;
	ssize_t n = scan(NULL, &v);
	const struct ap_func *f;

	/* The host bridge has no BAR: 6 of 7. Sorted by slot. */
	ck_assert_int_eq(n, 6);
	ck_assert_str_eq(v[0].slot, "0000:00:04.0");
	ck_assert_str_eq(v[5].slot, "0001:02:00.0");
	ck_assert_ptr_null(find(v, n, "0000:00:00.0"));

	f = find(v, n, "0000:00:05.0");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->vendor_id, 0x1af4);
	ck_assert_uint_eq(f->device_id, 0x1110);
	ck_assert_uint_eq(f->class_id, 0x0500);
	ck_assert_uint_eq(f->rev_id, 1);
	ck_assert_uint_eq(f->bars[0].start, 0xfebf1000);
	ck_assert_uint_eq(f->bars[0].flags, APERTURE_IO_BAR_MEM);
	ck_assert_uint_eq(f->bars[2].start, 0xfe000000);
	ck_assert_uint_eq(f->bars[2].flags, APERTURE_IO_BAR_MEM |
						    APERTURE_IO_BAR_64 |
						    APERTURE_IO_BAR_PREFETCH);
	ck_assert(!ap_func_has_bar(f, 1));
	ck_assert(!ap_func_has_bar(f, 3));

	f = find(v, n, "0000:00:06.0");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->bars[1].start, 0xc000);
	ck_assert_uint_eq(f->bars[1].flags, APERTURE_IO_BAR_IO);

	f = find(v, n, "0001:02:00.0");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->domain, 1);
	ck_assert_uint_eq(f->bars[0].flags, APERTURE_IO_BAR_MEM |
						    APERTURE_IO_BAR_PREFETCH);
	free(v);
}
END_TEST

START_TEST(names_like_lspci)
{
	struct ap_func *v;
	ssize_t n = scan(NULL, &v);
	const struct ap_func *f = find(v, n, "0000:00:06.0");
	char desc[1024];

	if (access("/usr/share/misc/pci.ids", R_OK) != 0) {
		free(v);
		return; /* no ids database on this machine: nothing to name */
	}
	ck_assert_str_eq(f->vendor_name, "Red Hat, Inc. [1b36]");
	ck_assert_str_eq(f->device_name, "QEMU PCI Test Device [0005]");
	ck_assert_str_eq(f->name, "Red Hat, Inc. QEMU PCI Test Device");
	/* No name for subclass ff: libpci, like lspci, adds the number. */
	ck_assert_str_eq(f->class_name, "Unclassified device [00ff]");
	ap_func_describe(f, desc, sizeof(desc));
	ck_assert_str_eq(desc, "Unclassified device [00ff]: Red Hat, Inc. "
			       "QEMU PCI Test Device [1b36:0005]");

	f = find(v, n, "0000:00:04.0");
	ap_func_describe(f, desc, sizeof(desc));
	/* 1234 is not in pci.ids: lspci prints the numbers. */
	ck_assert_msg(strstr(desc, "1234:11e8") && strstr(desc, "(rev 10)"),
		      "%s", desc);
	free(v);
}
END_TEST

START_TEST(numeric_names)
{
	struct ap_pci_config cfg = { .dump_file = dump_path, .numeric = 1 };
	struct ap_pci *p2 = ap_pci_open(&cfg);
	struct ap_func *v;
	ssize_t n;

	ck_assert_ptr_nonnull(p2);
	n = ap_pci_scan(p2, NULL, &v);
	ck_assert_int_eq(n, 6);
	ck_assert_ptr_null(strstr(find(v, n, "0000:00:06.0")->name, "Red Hat"));
	free(v);
	ap_pci_close(p2);
}
END_TEST

START_TEST(missing_dump_is_an_error)
{
	struct ap_pci_config cfg = { .dump_file = "/nonexistent/dump" };
	struct ap_pci *p2 = ap_pci_open(&cfg);
	struct ap_func *v;
	ssize_t n;

	/* libpci reports the missing file when opening or scanning; either
	 * way we get an error code, never an exit. */
	if (!p2)
		return;
	n = ap_pci_scan(p2, NULL, &v);
	ck_assert_int_lt(n, 0);
	ck_assert_str_ne(ap_pci_error(p2), "");
	ap_pci_close(p2);
}
END_TEST

/* Slots that pass @list, joined with spaces. */
static void filtered(const char *list, char *out, size_t len)
{
	struct ap_filter_list *fl = ap_filter_list_new();
	struct ap_func *v;
	const char *why = NULL;
	char bad[64];
	ssize_t n;

	ck_assert_int_eq(ap_filter_add_list(fl, list, bad, sizeof(bad), &why),
			 0);
	n = scan(fl, &v);
	out[0] = 0;
	for (ssize_t i = 0; i < n; i++) {
		if (i)
			strncat(out, " ", len - strlen(out) - 1);
		strncat(out, v[i].slot, len - strlen(out) - 1);
	}
	free(v);
	ap_filter_list_free(fl);
}

START_TEST(filters_lspci_syntax)
{
	char got[256];

	filtered("00:04.0", got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:04.0");
	filtered("-s00:04", got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:04.0");
	filtered("-s 0001::", got, sizeof(got));
	ck_assert_str_eq(got, "0001:02:00.0");
	filtered("1af4:1009", got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:07.0 0000:00:08.0");
	filtered("-d 1af4:", got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:05.0 0000:00:07.0 0000:00:08.0");
	filtered("::0300", got, sizeof(got));
	ck_assert_str_eq(got, "0001:02:00.0");
	filtered("00:04.0;1b36:0005", got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:04.0 0000:00:06.0");
	filtered(" ;06.0;; ", got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:06.0");
	filtered("", got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:04.0 0000:00:05.0 0000:00:06.0 "
			      "0000:00:07.0 0000:00:08.0 0001:02:00.0");
}
END_TEST

START_TEST(filters_bad)
{
	struct ap_filter_list *fl = ap_filter_list_new();
	const char *why = NULL;
	char bad[64];

	ck_assert_int_eq(ap_filter_add_list(fl, "00:04.0;zz:1", bad,
					    sizeof(bad), &why),
			 -EINVAL);
	ck_assert_str_eq(bad, "zz:1");
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(ap_filter_add(fl, "-s 00:40.0", &why), -EINVAL);
	ck_assert_int_eq(ap_filter_add(fl, "-d 12345:1", &why), -EINVAL);
	ck_assert_int_eq(ap_filter_add(fl, "-s", &why), -EINVAL);
	ck_assert_uint_eq(ap_filter_count(fl), 1);
	ap_filter_list_free(fl);
}
END_TEST

START_TEST(tree_shape)
{
	struct ap_tree *t = ap_tree_new();
	struct ap_node node, bar;
	struct ap_dirent *d;
	struct ap_func *v;
	char link[64];
	ssize_t n = scan(NULL, &v), m;

	ck_assert_int_eq(ap_tree_update(t, v, n), n);
	ck_assert_int_eq(ap_tree_update(t, v, n), 0);

	m = ap_tree_list(t, AP_INO_ROOT, &d);
	ck_assert_int_eq(m, 3 + n);	/* . .. by-id + functions */
	ck_assert_str_eq(d[2].name, "by-id");
	ck_assert_str_eq(d[3].name, "0000:00:04.0");
	free(d);

	ck_assert_int_eq(ap_tree_lookup(t, AP_INO_ROOT, "0000:00:05.0", &node),
			 0);
	ck_assert_int_eq(node.kind, AP_NODE_DIR);
	m = ap_tree_list(t, node.ino, &d);
	ck_assert_int_eq(m, 6);
	ck_assert_str_eq(d[2].name, "bar0");
	ck_assert_str_eq(d[3].name, "bar2");
	ck_assert_str_eq(d[4].name, "config");
	ck_assert_str_eq(d[5].name, "info");
	free(d);
	ck_assert_int_eq(ap_tree_lookup(t, node.ino, "bar2", &bar), 0);
	ck_assert_int_eq(bar.kind, AP_NODE_BAR);
	ck_assert_int_eq(bar.bar, 2);
	ck_assert_int_eq(ap_tree_lookup(t, node.ino, "bar1", &bar), -ENOENT);
	ck_assert_int_eq(ap_tree_lookup(t, node.ino, "bar22", &bar), -ENOENT);
	ck_assert_int_eq(ap_tree_lookup(t, bar.ino, "x", &bar), -ENOTDIR);
	ck_assert_int_eq(ap_tree_lookup(t, AP_INO_ROOT, "0000:00:00.0", &bar),
			 -ENOENT);

	/* by-id: a suffix where ids repeat, in slot order. */
	m = ap_tree_list(t, AP_INO_BYID, &d);
	ck_assert_int_eq(m, 2 + n);
	free(d);
	ck_assert_int_eq(ap_tree_lookup(t, AP_INO_BYID, "1af4:1009-2", &node),
			 0);
	ck_assert_int_eq(node.kind, AP_NODE_LINK);
	ck_assert_int_eq(ap_tree_readlink(t, node.ino, link, sizeof(link)), 0);
	ck_assert_str_eq(link, "../0000:00:08.0");
	ck_assert_int_eq(ap_tree_lookup(t, AP_INO_BYID, "1af4:1009", &node),
			 0);
	ck_assert_int_eq(ap_tree_readlink(t, node.ino, link, sizeof(link)), 0);
	ck_assert_str_eq(link, "../0000:00:07.0");
	free(v);
	ap_tree_free(t);
}
END_TEST

START_TEST(tree_hotplug)
{
	struct ap_tree *t = ap_tree_new();
	struct ap_node dir, bar, again;
	struct ap_func *v;
	ssize_t n = scan(NULL, &v);

	ck_assert_int_eq(ap_tree_update(t, v, n), n);
	ck_assert_int_eq(ap_tree_lookup(t, AP_INO_ROOT, "0000:00:04.0", &dir),
			 0);
	ck_assert_int_eq(ap_tree_lookup(t, dir.ino, "bar0", &bar), 0);

	/* edu goes away: lookups fail, held inodes answer ENODEV. */
	ck_assert_int_eq(ap_tree_update(t, v + 1, n - 1), 1);
	ck_assert_int_eq(ap_tree_lookup(t, AP_INO_ROOT, "0000:00:04.0", &again),
			 -ENOENT);
	ck_assert_int_eq(ap_tree_node(t, bar.ino, &again), -ENODEV);
	ck_assert_int_eq(ap_tree_lookup(t, AP_INO_BYID, "1234:11e8", &again),
			 -ENOENT);

	/* It comes back: new inodes, the old ones stay dead. */
	ck_assert_int_eq(ap_tree_update(t, v, n), 1);
	ck_assert_int_eq(ap_tree_lookup(t, AP_INO_ROOT, "0000:00:04.0", &again),
			 0);
	ck_assert_uint_ne(again.ino, dir.ino);
	ck_assert_int_eq(ap_tree_node(t, bar.ino, &again), -ENODEV);
	free(v);
	ap_tree_free(t);
}
END_TEST

START_TEST(info_text)
{
	struct ap_bar_status st[AP_NR_BARS] = { 0 };
	struct ap_func *v;
	ssize_t n = scan(NULL, &v), len;
	const struct ap_func *f = find(v, n, "0000:00:05.0");
	char *text;

	v[1].bars[0].size = 256;	/* dumps carry no sizes: add them */
	v[1].bars[2].size = 1 << 20;
	st[0].desc.memtype = APERTURE_IO_MEMTYPE_UC;
	st[0].desc.width = APERTURE_IO_WIDTH_32;
	st[0].mmap_no = "shared mmap gives ENODEV: test";
	st[2].err = -EBUSY;
	len = ap_info_format(f, st, &text);
	ck_assert_int_gt(len, 0);
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_ptr_nonnull(strstr(text, "slot: 0000:00:05.0\n"));
	ck_assert_ptr_nonnull(strstr(text, "bar0: Memory at febf1000 "
					   "(32-bit, non-prefetchable) "
					   "[size=256]\n"));
	ck_assert_ptr_nonnull(strstr(text, "bar2: Memory at fe000000 "
					   "(64-bit, prefetchable) "
					   "[size=1M]\n"));
	ck_assert_ptr_nonnull(strstr(text, "bar0.size: 256\n"));
	ck_assert_ptr_nonnull(strstr(text, "bar0.memtype: uc\n"));
	ck_assert_ptr_nonnull(strstr(text, "bar0.width: 32\n"));
	ck_assert_ptr_nonnull(strstr(text, "bar0.mmap: no (shared mmap gives "
					   "ENODEV: test)\n"));
	ck_assert_ptr_nonnull(strstr(text, "bar2.64bit: yes\n"));
	ck_assert_ptr_nonnull(strstr(text, "bar2.module: refused: Device or "
					   "resource busy (EBUSY)\n"));
	ck_assert_ptr_null(strstr(text, "bar1"));
	free(text);
	free(v);
}
END_TEST

Suite *discovery_suite(void);

Suite *discovery_suite(void)
{
	Suite *s = suite_create("discovery");
	TCase *tc;

	tc = tcase_create("scan");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, scan_functions_with_bars);
	tcase_add_test(tc, names_like_lspci);
	tcase_add_test(tc, numeric_names);
	tcase_add_test(tc, missing_dump_is_an_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("filters");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, filters_lspci_syntax);
	tcase_add_test(tc, filters_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("tree");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tree_shape);
	tcase_add_test(tc, tree_hotplug);
	tcase_add_test(tc, info_text);
	suite_add_tcase(s, tc);
	return s;
}

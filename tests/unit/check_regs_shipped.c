/*
 * check_regs_shipped.c - the descriptions aperturefs installs (regs/ of
 * the tree) for QEMU's four test devices: each loads, in the format it
 * claims, with the offsets and widths of the devices' own specifications
 * (QEMU docs/specs/edu.rst, ivshmem-spec.rst, pci-testdev.rst, the Bochs
 * DISPI interface).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "regs.h"

#ifndef APERTURE_REGS_SRC
#define APERTURE_REGS_SRC "regs"
#endif

static struct regs_desc *load(const char *file, enum regs_format format)
{
	struct regs_desc *d = NULL;
	struct regs_error err;
	char path[512], msg[600];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", APERTURE_REGS_SRC, file);
	ret = regs_load_file(path, &d, &err);
	if (ret)
		regs_error_format(&err, msg, sizeof(msg));
	ck_assert_msg(ret == 0, "%s", ret ? msg : "");
	ck_assert_int_eq(d->format, format);
	return d;
}

/* Block @block's register @name: its offset in the BAR and its width. */
static const struct regs_register *at(const struct regs_desc *d,
				      const char *block, const char *name,
				      uint64_t off, unsigned int width)
{
	const struct regs_block *b = regs_find_block(d, block);
	const struct regs_register *r;

	ck_assert_msg(b != NULL, "no block %s", block);
	r = regs_find_register(b, name, strlen(name));
	ck_assert_msg(r != NULL, "no register %s", name);
	ck_assert_uint_eq(b->base + r->offset, off);
	ck_assert_uint_eq(r->width, width);
	return r;
}

START_TEST(edu)
{
	struct regs_desc *d = load("1234:11e8.svd", REGS_FORMAT_SVD);
	const struct regs_register *st;

	ck_assert_uint_eq(at(d, "edu", "IDENT", 0x00, 32)->access, REGS_READ);
	at(d, "edu", "LIVENESS", 0x04, 32);
	at(d, "edu", "FACTORIAL", 0x08, 32);
	st = at(d, "edu", "STATUS", 0x20, 32);
	ck_assert_uint_eq(regs_find_field(st, "COMPUTING")->lsb, 0);
	ck_assert_uint_eq(regs_find_field(st, "COMPUTING")->access, REGS_READ);
	ck_assert_uint_eq(regs_find_field(st, "IRQ_ENABLE")->lsb, 7);
	at(d, "edu", "IRQ_STATUS", 0x24, 32);
	ck_assert_uint_eq(at(d, "edu", "IRQ_RAISE", 0x60, 32)->access, REGS_WRITE);
	ck_assert_uint_eq(at(d, "edu", "IRQ_ACK", 0x64, 32)->access, REGS_WRITE);
	at(d, "edu", "DMA_SRC", 0x80, 64);
	at(d, "edu", "DMA_DST", 0x88, 64);
	at(d, "edu", "DMA_COUNT", 0x90, 64);
	at(d, "edu", "DMA_CMD", 0x98, 64);
	regs_free(d);
}
END_TEST

START_TEST(ivshmem)
{
	struct regs_desc *d = load("1af4:1110.xml", REGS_FORMAT_IPXACT);

	at(d, "ivshmem", "INTRMASK", 0x0, 32);
	/* Reading INTRSTATUS clears it: never read by `registers`. */
	ck_assert(!regs_register_listable(at(d, "ivshmem", "INTRSTATUS", 0x4, 32)));
	ck_assert_uint_eq(at(d, "ivshmem", "IVPOSITION", 0x8, 32)->access, REGS_READ);
	ck_assert_uint_eq(at(d, "ivshmem", "DOORBELL", 0xc, 32)->access, REGS_WRITE);
	regs_free(d);
}
END_TEST

START_TEST(vga)
{
	static const char *const dispi[] = { "ID", "XRES", "YRES", "BPP",
		"ENABLE", "BANK", "VIRT_WIDTH", "VIRT_HEIGHT", "X_OFFSET",
		"Y_OFFSET" };
	struct regs_desc *d = load("1234:1111-bar2.xml", REGS_FORMAT_IPXACT);
	unsigned int i;

	for (i = 0; i < 10; i++)
		at(d, "dispi", dispi[i], 0x500 + 2 * i, 16);
	ck_assert_uint_eq(regs_find_field(at(d, "dispi", "ENABLE", 0x508, 16),
					  "LFB_ENABLED")->lsb, 6);
	at(d, "vga", "ATTR_INDEX", 0x400, 8);
	ck_assert(at(d, "vga", "INPUT_STATUS_1", 0x41a, 8)->read_action);
	regs_free(d);
}
END_TEST

START_TEST(testdev)
{
	struct regs_desc *d = load("1b36:0005.svd", REGS_FORMAT_SVD);

	ck_assert_uint_eq(at(d, "testdev", "TEST", 0x0, 8)->access, REGS_WRITE);
	at(d, "testdev", "WIDTH_TYPE", 0x1, 8);
	at(d, "testdev", "OFFSET", 0x4, 32);
	at(d, "testdev", "DATA", 0x8, 32);
	ck_assert_uint_eq(at(d, "testdev", "COUNT", 0xc, 32)->access, REGS_READ);
	regs_free(d);
}
END_TEST

Suite *regs_shipped_suite(void);

Suite *regs_shipped_suite(void)
{
	Suite *s = suite_create("regs_shipped");
	TCase *tc = tcase_create("devices");

	tcase_add_test(tc, edu);
	tcase_add_test(tc, ivshmem);
	tcase_add_test(tc, vga);
	tcase_add_test(tc, testdev);
	suite_add_tcase(s, tc);
	return s;
}

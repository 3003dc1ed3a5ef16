/*
 * check_regs_files.c - every public SVD and IP-XACT file of
 * tests/data/regs parsed, with counts and values checked against what the
 * files say, and the two cases tests/data's scripts write in place of
 * files we may not pass on (tests/data/regs/README.md says which, why).
 *
 * The data is in the tree: tests/data ($(TESTDATA) of the Makefile), or
 * where $APERTURE_TESTDATA says.  A FILE.gz is read through gzip -dc, a
 * gen-* script's standard output as the file.  Missing data fails the
 * suite; it never skips.
 *
 * How the expected counts were found, independently of src/regs*.c:
 * tests/unit/regs_count.py (Python's ElementTree; its rules in its head)
 * run on each file (unpacked) and on each script's output; the spot
 * values below were read in the files at the line given, or in the
 * script.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "regs.h"

#ifndef APERTURE_TESTDATA
#define APERTURE_TESTDATA "tests/data"
#endif

static const struct {
	const char *file;		/* under tests/data/regs, or gen-* */
	size_t blocks, registers, fields, enums;
} files[] = {
	/* tests/unit/regs_count.py FILE, output as it printed it */
	{ "svd/Espressif-Community/esp32.svd.gz", 70, 2698, 10807, 345 },
	{ "svd/Nordic/nrf52840.svd.gz", 73, 2140, 5947, 11542 },
	{ "svd/RaspberryPi/rp2040.svd.gz", 35, 1114, 4821, 1699 },
	{ "gen-svd", 127, 2876, 18338, 0 },
	{ "svd/SiFive-Community/fu740.svd", 14, 226, 218, 0 },
	{ "ipxact/kactus2/memory_controller.1.0.xml", 2, 15, 20, 0 },
	{ "ipxact/leon2/cgu.xml", 1, 9, 17, 0 },
	{ "ipxact/leon2/irqctrl.xml", 1, 6, 16, 0 },
	{ "gen-bank", 4, 17, 25, 0 },
	{ "ipxact/leon2/timers.xml", 1, 9, 22, 4 },
	{ "ipxact/spirit-1.5/test.xml", 1, 9, 17, 16 },
	{ "ipxact/spirit-1.5/test2.xml", 1, 3, 4, 4 },
};

/* What @cmd writes on its standard output (@len bytes); it must succeed. */
static char *output_of(const char *cmd, size_t *len)
{
	FILE *p = popen(cmd, "r");
	size_t size = 1 << 20, n;
	char *buf = malloc(size);
	int st;

	ck_assert_msg(p && buf, "%s: %s", cmd, strerror(errno));
	*len = 0;
	while ((n = fread(buf + *len, 1, size - *len, p)) > 0) {
		*len += n;
		if (*len == size) {
			size *= 2;
			buf = realloc(buf, size);
			ck_assert_ptr_nonnull(buf);
		}
	}
	st = pclose(p);
	ck_assert_msg(st == 0, "%s: exit status %d", cmd,
		      WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return buf;
}

static struct regs_desc *load(const char *file)
{
	const char *dir = getenv("APERTURE_TESTDATA") ?: APERTURE_TESTDATA;
	struct regs_desc *d = NULL;
	struct regs_error err;
	char path[512], cmd[600], msg[600], *buf = NULL;
	size_t len = strlen(file);
	int ret;

	if (!strncmp(file, "gen-", 4)) {
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		snprintf(cmd, sizeof(cmd), "'%s'", path);
	} else {
		snprintf(path, sizeof(path), "%s/regs/%s", dir, file);
		if (len > 3 && !strcmp(file + len - 3, ".gz"))
			snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
		else
			cmd[0] = 0;
	}
	if (cmd[0]) {
		buf = output_of(cmd, &len);
		ret = regs_load_memory(buf, len, path, &d, &err);
		free(buf);
	} else {
		ret = regs_load_file(path, &d, &err);
	}
	if (ret)
		regs_error_format(&err, msg, sizeof(msg));
	ck_assert_msg(ret == 0, "%s (test data: $APERTURE_TESTDATA or "
		      "make TESTDATA=DIR)", ret ? msg : "");
	return d;
}

static const struct regs_register *reg(const struct regs_desc *d,
				       const char *block, const char *name)
{
	const struct regs_block *b = regs_find_block(d, block);
	const struct regs_register *r;

	ck_assert_msg(b != NULL, "no block %s", block);
	r = regs_find_register(b, name, strlen(name));
	ck_assert_msg(r != NULL, "no register %s.%s", block, name);
	return r;
}

START_TEST(counts)
{
	struct regs_desc *d = load(files[_i].file);
	size_t i, j, k, enums = 0;

	for (i = 0; i < d->n_blocks; i++)
		for (j = 0; j < d->blocks[i].n_regs; j++)
			for (k = 0; k < d->blocks[i].regs[j].n_fields; k++)
				enums += d->blocks[i].regs[j].fields[k].n_enums;
	ck_assert_uint_eq(d->n_blocks, files[_i].blocks);
	ck_assert_uint_eq(d->n_registers, files[_i].registers);
	ck_assert_uint_eq(d->n_fields, files[_i].fields);
	ck_assert_uint_eq(enums, files[_i].enums);
	regs_free(d);
}
END_TEST

START_TEST(svd_values)
{
	struct regs_desc *d = load("gen-svd");
	const struct regs_register *r = reg(d, "GPIOA", "MODER");
	char buf[REGS_VALUE_LEN];

	/* gen-svd: MODER at 0x0, size 0x20, resetValue 0xABFFFFFF. */
	ck_assert_uint_eq(regs_find_block(d, "GPIOA")->base, 0x58020000);
	ck_assert_uint_eq(r->width, 32);
	ck_assert_uint_eq(r->reset, 0xabffffff);
	regs_format_register(r, r->reset, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0xabffffff");
	/* GPIOB..K derive from GPIOA: the same registers at their bases;
	 * PER2 from PER1, which has 12 + 1 * 7 % 25 registers. */
	ck_assert_uint_eq(regs_find_block(d, "GPIOB")->n_regs,
			  regs_find_block(d, "GPIOA")->n_regs);
	ck_assert_uint_eq(regs_find_block(d, "GPIOK")->base, 0x58022800);
	ck_assert_uint_eq(regs_find_block(d, "PER2")->base, 0x40400000);
	ck_assert_uint_eq(regs_find_block(d, "PER2")->n_regs, 19);
	ck_assert_uint_eq(regs_find_block(d, "PER1")->n_regs, 19);
	regs_free(d);

	/* esp32 line 8944: FUNC%s_OUT_SEL_CFG, dim 40 from 0x530 by 4. */
	d = load("svd/Espressif-Community/esp32.svd.gz");
	ck_assert_uint_eq(reg(d, "GPIO", "FUNC39_OUT_SEL_CFG")->offset, 0x5cc);
	/* Line 18333: WDT_STG1 derives its values from WDT_STG0 (five). */
	ck_assert_uint_eq(regs_find_field(reg(d, "RTCCNTL", "WDTCONFIG0"),
					  "WDT_STG1")->n_enums, 5);
	ck_assert_str_eq(regs_enum_name(regs_find_field(reg(d, "RTCCNTL",
		"WDTCONFIG0"), "WDT_STG1"), 4), "ResetRTC");
	regs_free(d);

	/* nrf52840: cluster INFO at 0x100, PART resetValue 0x00052840
	 * (line 209); ACL[%s] cluster dim 8 by 0x10 from 0x800, ADDR with
	 * access read-writeonce (line 39868); RXD has readAction. */
	d = load("svd/Nordic/nrf52840.svd.gz");
	r = reg(d, "FICR", "INFO_PART");
	ck_assert_uint_eq(r->offset, 0x100);
	ck_assert_uint_eq(r->reset, 0x52840);
	ck_assert_str_eq(regs_enum_name(&r->fields[0], 0x52840), "N52840");
	r = reg(d, "ACL", "ACL7_ADDR");
	ck_assert_uint_eq(r->offset, 0x870);
	ck_assert_uint_eq(r->access, REGS_READ | REGS_WRITE | REGS_ONCE);
	ck_assert(reg(d, "UART0", "RXD")->read_action);
	ck_assert(!regs_register_listable(reg(d, "UART0", "RXD")));
	regs_free(d);

	/* rp2040 line 23454: UART1 derives from UART0 at 0x40038000. */
	d = load("svd/RaspberryPi/rp2040.svd.gz");
	ck_assert_uint_eq(regs_find_block(d, "UART1")->base, 0x40038000);
	ck_assert_uint_eq(regs_find_block(d, "UART1")->n_regs,
			  regs_find_block(d, "UART0")->n_regs);
	regs_free(d);
}
END_TEST

START_TEST(ipxact_values)
{
	struct regs_desc *d = load("gen-bank");
	const struct regs_register *r;

	/* A serial bank: resetDelays (32 bytes), EEPROM (32), Reserved
	 * (4028), idAddressBlock: at 0, 0x20, 0x40, 0xffc. */
	ck_assert_uint_eq(regs_find_block(d, "EEPROM")->base, 0x20);
	ck_assert_uint_eq(regs_find_block(d, "idAddressBlock")->base, 0xffc);
	/* <dim>8</dim>: eeprom0..7 by the register's 4 bytes. */
	ck_assert_uint_eq(reg(d, "EEPROM", "eeprom7")->offset, 0x1c);
	/* Resets as expressions, field by field: delay of reset3Delay
	 * ('h4) / $pow(2,0) % $pow(2,8), Reserved the same over 2^8. */
	ck_assert_uint_eq(reg(d, "resetDelays", "reset3Delay")->reset, 4);
	ck_assert_uint_eq(reg(d, "idAddressBlock", "IDReg")->reset, 0xd01);
	ck_assert_uint_eq(reg(d, "idAddressBlock", "IDReg")->access, REGS_READ);
	regs_free(d);

	/* Register files, usage-specific enumerated values. */
	d = load("ipxact/leon2/timers.xml");
	r = reg(d, "defaultid4489914", "timer2_timerControl");
	ck_assert_uint_eq(r->offset, 0x18);
	ck_assert_str_eq(regs_enum_name(regs_find_field(r, "enable"), 1),
			 "TIMERENABLED");
	regs_free(d);

	/* Line 867: a field with readAction modify. */
	d = load("ipxact/leon2/irqctrl.xml");
	ck_assert(reg(d, "ablock", "interruptReadClearPendingRegister")->read_action);
	regs_free(d);

	/* kactus2: parameters by id (DATA_WIDTH 16, DATA_BYTES 16/8),
	 * a localMemoryMap, dim 8 at DATA_BYTES*7. */
	d = load("ipxact/kactus2/memory_controller.1.0.xml");
	r = reg(d, "registers", "work7");
	ck_assert_uint_eq(r->width, 16);
	ck_assert_uint_eq(r->offset, 14 + 7 * 2);
	ck_assert_uint_eq(reg(d, "registers", "modstart")->fields[0].width, 15);
	regs_free(d);

	/* SPIRIT 1.5: the register's own <reset>. */
	d = load("ipxact/spirit-1.5/test2.xml");
	r = reg(d, "example2", "samename");
	ck_assert_uint_eq(r->offset, 0x1d);
	ck_assert_uint_eq(r->width, 8);
	ck_assert(r->has_reset);
	ck_assert_str_eq(regs_enum_name(&r->fields[0], 3), "d");
	regs_free(d);
}
END_TEST

Suite *regs_files_suite(void);

Suite *regs_files_suite(void)
{
	Suite *s = suite_create("regs_files");
	TCase *tc = tcase_create("files");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, counts, 0, sizeof(files) / sizeof(files[0]));
	tcase_add_test(tc, svd_values);
	tcase_add_test(tc, ipxact_values);
	suite_add_tcase(s, tc);
	return s;
}

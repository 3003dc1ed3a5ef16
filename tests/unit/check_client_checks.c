/*
 * check_client_checks.c - the aperture command checks every named word
 * with the daemon (regs/.check) before the first access: values that do
 * not fit or name no value, field writes the daemon would refuse (EPERM:
 * a read with a side effect), with -n too; waits take value names and
 * never poll a register whose read has a side effect; on a read-only
 * mount the same checks go through attributes.  A fake machine with the
 * side_effects.h descriptions; its BARs are files, so "nothing was
 * written" is read back from them.
 */
#include <aperture/aperture.h>

#include "client_util.h"
#include "side_effects.h"

static struct fk m;

/* The command's stderr goes to a file beside the work folder. */
static void use_dir(void)
{
	ck_assert_uint_lt(strlen(m.dir), sizeof(ct_dir));
	strcpy(ct_dir, m.dir);
}

static void setup(void)
{
	se_mount(&m, NULL);
	use_dir();
}

static void setup_ro(void)
{
	se_mount(&m, "ro");
	use_dir();
}

static void teardown(void)
{
	fk_umount(&m);
}

#define EDU "-m %s -s 00:04.0"
#define SE "-m %s -s 00:08.0"

START_TEST(values_checked_first)
{
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 edu.STATUS.IRQ_ENABLE: write: Invalid "
		  "argument (EINVAL): regs/edu/STATUS.IRQ_ENABLE: '2': does not "
		  "fit in 1 bit\n", EDU " edu.LIVENESS=5 edu.STATUS.IRQ_ENABLE=2",
		  m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 edu.DMA_CMD.DIRECTION: write: Invalid "
		  "argument (EINVAL): regs/edu/DMA_CMD.DIRECTION: 'SIDEWAYS': "
		  "unknown value name\n",
		  EDU " bar0 0x8=7 edu.DMA_CMD.DIRECTION=SIDEWAYS", m.mnt);
	ck_assert_uint_eq(se_bar32(&m, "edu.bin", 0x4), 0);
	ck_assert_uint_eq(se_bar32(&m, "edu.bin", 0x8), 0);
	/* -n says the same, and what it would do when all is well. */
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 edu.STATUS.IRQ_ENABLE: write: Invalid "
		  "argument (EINVAL): regs/edu/STATUS.IRQ_ENABLE: '2': does not "
		  "fit in 1 bit\n", "-n " EDU " edu.STATUS.IRQ_ENABLE=2", m.mnt);
	ct_expect(0, "would write 0000:00:04.0 edu.DMA_CMD.DIRECTION = "
		  "EDU_TO_RAM\n", "", "-n " EDU " edu.DMA_CMD.DIRECTION=EDU_TO_RAM",
		  m.mnt);
	ck_assert_uint_eq(se_bar32(&m, "edu.bin", 0x98), 0);
}
END_TEST

START_TEST(side_effects_checked_first)
{
	se_bar_put32(&m, "svd.bin", 0x0c, 0x0201);
	ct_expect(1, "",
		  "aperture: 0000:00:08.0 blk.FIFO.COUNT: write: Operation not "
		  "permitted (EPERM): regs/blk/FIFO.COUNT: '1': reading FIFO has "
		  "a side effect (readAction of field DATA): write the whole "
		  "register\n", SE " blk.CTRL.EN=1 blk.FIFO.COUNT=1", m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:08.0 blk.CLR.GO: write: Operation not "
		  "permitted (EPERM): regs/blk/CLR.GO: '1': every write of CLR "
		  "clears field STICKY (modifiedWriteValues clear): write the "
		  "whole register\n", "-n " SE " blk.CLR.GO=1", m.mnt);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x00), 0);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x0c), 0x0201);
	/* Through the command as through the file: PEND stays pending. */
	se_bar_put32(&m, "svd.bin", 0x00, 0x02);
	ct_expect(0, "", "", SE " blk.CTRL.EN=1", m.mnt);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x00), 0x01);
}
END_TEST

START_TEST(waits_by_name)
{
	se_bar_put32(&m, "edu.bin", 0x98, 0x2);
	ct_expect(0, "", "", "wait " EDU " edu.DMA_CMD.DIRECTION=EDU_TO_RAM",
		  m.mnt);
	ct_expect(124, "",
		  "aperture: 0000:00:04.0 edu.DMA_CMD.DIRECTION: timed out after "
		  "20 ms waiting for RAM_TO_EDU; last value 1\n",
		  "wait " EDU " -t 20ms edu.DMA_CMD.DIRECTION=RAM_TO_EDU", m.mnt);
	se_bar_put32(&m, "svd.bin", 0x1c, 0x2);
	ct_expect(0, "", "", "wait " SE " blk.MODE.M=BUSY", m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:08.0 blk.MODE.M: wait: Invalid argument "
		  "(EINVAL): regs/blk/MODE.M: 'SOME': value name SOME stands "
		  "for more than one value\n", "wait " SE " blk.MODE.M=SOME",
		  m.mnt);
	ct_expect(0, "would wait up to 1000 ms until 0000:00:08.0 blk.MODE.M "
		  "reads BUSY\n", "", "wait -n " SE " blk.MODE.M=BUSY", m.mnt);
}
END_TEST

/* A wait would read FIFO again and again, each read popping it. */
START_TEST(waits_never_read_side_effects)
{
	se_bar_put32(&m, "svd.bin", 0x0c, 0x0100);
	ct_expect(1, "",
		  "aperture: 0000:00:08.0 blk.FIFO.COUNT: wait: Operation not "
		  "permitted (EPERM): regs/blk/FIFO.COUNT: reading FIFO has a "
		  "side effect (readAction): a wait would consume what it waits "
		  "for\n", "wait " SE " blk.FIFO.COUNT=1", m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:08.0 blk.POP: wait: Operation not permitted "
		  "(EPERM): regs/blk/POP: reading POP has a side effect "
		  "(readAction): a wait would consume what it waits for\n",
		  "wait -n " SE " blk.POP=0", m.mnt);
}
END_TEST

/* The library's named wait refuses the same, without reading FIFO. */
START_TEST(library_wait_never_reads_side_effects)
{
	struct aperture *ap = NULL;
	uint64_t last = 0x5a5a;

	ck_assert_int_eq(aperture_open(m.mnt, "00:08.0", &ap), 0);
	ck_assert_int_eq(aperture_reg_wait(ap, "blk.FIFO.COUNT", 1, 50, &last),
			 -EPERM);
	ck_assert_uint_eq(last, 0x5a5a);
	ck_assert_msg(strstr(aperture_last_error(ap), "blk.FIFO.COUNT: wait: ") &&
		      strstr(aperture_last_error(ap), "side effect"),
		      "last error: %s", aperture_last_error(ap));
	/* A register without one waits as before. */
	ck_assert_int_eq(aperture_reg_wait(ap, "blk.MODE.M", 0, 50, &last), 0);
	aperture_close(ap);
}
END_TEST

START_TEST(read_only_mount)
{
	se_bar_put32(&m, "edu.bin", 0x98, 0x2);
	ct_expect(0, "", "", "wait " EDU " edu.DMA_CMD.DIRECTION=EDU_TO_RAM",
		  m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:08.0 blk.FIFO.COUNT: wait: Operation not "
		  "permitted (EPERM): reading it has a side effect (readAction): "
		  "a wait would consume what it waits for\n",
		  "wait " SE " blk.FIFO.COUNT=1", m.mnt);
	ct_expect(1, "",
		  "aperture: 0000:00:08.0 blk.MODE.M: wait: Invalid argument "
		  "(EINVAL): the value does not fit, or names no value of the "
		  "field\n", "wait " SE " blk.MODE.M=FAST", m.mnt);
}
END_TEST

Suite *client_checks_suite(void);

Suite *client_checks_suite(void)
{
	Suite *s = suite_create("client_checks");
	TCase *tc = tcase_create("checks");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, values_checked_first);
	tcase_add_test(tc, side_effects_checked_first);
	tcase_add_test(tc, waits_by_name);
	tcase_add_test(tc, waits_never_read_side_effects);
	tcase_add_test(tc, library_wait_never_reads_side_effects);
	suite_add_tcase(s, tc);
	tc = tcase_create("read_only");
	tcase_add_checked_fixture(tc, setup_ro, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, read_only_mount);
	suite_add_tcase(s, tc);
	return s;
}

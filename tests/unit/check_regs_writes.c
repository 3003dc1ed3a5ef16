/*
 * check_regs_writes.c - writes that a real card forgives nothing, on a
 * mounted fake machine (side_effects.h): a field write leaves every other
 * field with a write side effect neutral (the BAR file shows the bytes
 * the device saw written), a field write that would read a register with
 * a read side effect, or clear or set another field, is refused with
 * EPERM and a log line naming device, register and field; the daemon's
 * numbers follow the command's rule (a leading 0 refused); regs/.check
 * answers what a write, wait or read would do and touches nothing (as
 * attributes of it on a read-only mount).  The
 * model's side effects as parsed from SVD and IP-XACT come first.
 */
#include <check.h>
#include <sys/xattr.h>

#include "regs.h"
#include "side_effects.h"

static struct fk m;

static void teardown(void)
{
	fk_umount(&m);
}

#define SVD "0000:00:08.0/regs/blk/"
#define XACT "0000:00:09.0/regs/xblk/"

/* write(2) of @text to @rel in one call: 0 or errno. */
static int put(const char *rel, const char *text)
{
	return fk_put(&m, rel, text);
}

/* ---- the model ---------------------------------------------------- */

static struct regs_desc *load(const char *text, const char *name)
{
	struct regs_desc *d = NULL;
	struct regs_error err;
	char msg[600] = "";
	int ret = regs_load_memory(text, strlen(text), name, &d, &err);

	if (ret)
		regs_error_format(&err, msg, sizeof(msg));
	ck_assert_msg(ret == 0, "%s", msg);
	return d;
}

static const struct regs_field *field(const struct regs_desc *d,
				      const char *blk, const char *name,
				      const struct regs_register **r)
{
	const struct regs_field *f;

	ck_assert_int_eq(regs_lookup(regs_find_block(d, blk), name, r, &f), 0);
	return f;
}

START_TEST(model)
{
	struct regs_desc *d = load(se_svd, "se.svd");
	const struct regs_register *r;
	static const struct {
		const char *name;
		enum regs_write_effect e;
	} want[] = {
		{ "CTRL.EN", REGS_WR_PLAIN },
		{ "CTRL.PEND", REGS_WR_ONE_TO_CLEAR },
		{ "CTRL.ARM", REGS_WR_ONE_TO_SET },
		{ "CTRL.FLIP", REGS_WR_ONE_TO_TOGGLE },
		{ "IRQ.A", REGS_WR_ONE_TO_CLEAR },	/* the register's */
		{ "IRQ.CFG", REGS_WR_MODIFY },		/* its own */
		{ "LEVEL.NZ", REGS_WR_ZERO_TO_SET },
		{ "LEVEL.NC", REGS_WR_ZERO_TO_CLEAR },
		{ "LEVEL.NT", REGS_WR_ZERO_TO_TOGGLE },
		{ "CLR.STICKY", REGS_WR_CLEAR },
	};
	char why[REGS_WHY_LEN];

	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		ck_assert_msg(field(d, "blk", want[i].name, &r)->write_effect ==
			      want[i].e, "%s", want[i].name);
	/* EN beside PEND=1, ARM=1, FLIP=1, RUN=5: only neutral values. */
	r = regs_find_register(regs_find_block(d, "blk"), "CTRL", 4);
	ck_assert_uint_eq(regs_field_merge(r, regs_find_field(r, "EN"), 0x5e,
					   1), 0x51);
	ck_assert_int_eq(regs_field_write_check(r, regs_find_field(r, "EN"),
						why, sizeof(why)), 0);
	field(d, "blk", "FIFO.COUNT", &r);
	ck_assert_int_eq(regs_field_write_check(r, regs_find_field(r, "COUNT"),
						why, sizeof(why)), -EPERM);
	ck_assert_str_eq(why, "reading FIFO has a side effect (readAction of "
			 "field DATA): write the whole register");
	field(d, "blk", "CLR.GO", &r);
	ck_assert_int_eq(regs_field_write_check(r, regs_find_field(r, "GO"),
						why, sizeof(why)), -EPERM);
	ck_assert_str_eq(why, "every write of CLR clears field STICKY "
			 "(modifiedWriteValues clear): write the whole register");
	regs_free(d);

	d = load(se_xml, "se.xml");
	ck_assert_int_eq(field(d, "xblk", "CTRL.PEND", &r)->write_effect,
			 REGS_WR_ONE_TO_CLEAR);
	ck_assert_int_eq(field(d, "xblk", "CTRL.EN", &r)->write_effect,
			 REGS_WR_PLAIN);
	ck_assert_int_eq(field(d, "xblk", "ZCTRL.ZP", &r)->write_effect,
			 REGS_WR_ZERO_TO_CLEAR);
	regs_free(d);
}
END_TEST

START_TEST(model_unknown_kind)
{
	static const char bad[] =
		"<device><peripherals><peripheral><name>p</name>\n"
		"<baseAddress>0</baseAddress><registers><register>\n"
		"<name>R</name><addressOffset>0</addressOffset>\n"
		"<modifiedWriteValues>oneToWipe</modifiedWriteValues>\n"
		"</register></registers></peripheral></peripherals></device>\n";
	struct regs_desc *d = NULL;
	struct regs_error err;
	char msg[600];

	ck_assert_int_eq(regs_load_memory(bad, strlen(bad), "bad.svd", &d,
					  &err), -EINVAL);
	regs_error_format(&err, msg, sizeof(msg));
	ck_assert_str_eq(msg, "bad.svd:4: unknown <modifiedWriteValues> "
			 "'oneToWipe'");
}
END_TEST

/* ---- writes through the mount ------------------------------------- */

/* The test: PEND set in the device, EN written, PEND written 0. */
START_TEST(pending_bit_kept)
{
	se_mount(&m, NULL);
	se_bar_put32(&m, "svd.bin", 0x00, 0x5e);   /* PEND ARM FLIP, RUN=5 */
	ck_assert_int_eq(put(SVD "CTRL.EN", "1\n"), 0);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x00), 0x51);
	/* The field itself: a 1 written to PEND is what clears it. */
	se_bar_put32(&m, "svd.bin", 0x00, 0x03);
	ck_assert_int_eq(put(SVD "CTRL.PEND", "1"), 0);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x00), 0x03);
	/* The register's oneToClear reaches A and B; CFG (modify) is kept. */
	se_bar_put32(&m, "svd.bin", 0x04, 0x0303);
	ck_assert_int_eq(put(SVD "IRQ.CFG", "5"), 0);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x04), 0x0500);
	ck_assert_int_eq(put(SVD "IRQ.B", "1"), 0);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x04), 0x0502);
	/* zeroTo*: all ones is neutral. */
	se_bar_put32(&m, "svd.bin", 0x08, 0);
	ck_assert_int_eq(put(SVD "LEVEL.EN2", "1"), 0);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x08), 0x13f);
	/* The whole register is written as given. */
	ck_assert_int_eq(put(SVD "CTRL", "0x2"), 0);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x00), 0x2);
	/* IP-XACT, both forms. */
	se_bar_put32(&m, "xact.bin", 0x00, 0x2);
	ck_assert_int_eq(put(XACT "CTRL.EN", "1"), 0);
	ck_assert_uint_eq(se_bar32(&m, "xact.bin", 0x00), 0x1);
	se_bar_put32(&m, "xact.bin", 0x04, 0x0);
	ck_assert_int_eq(put(XACT "ZCTRL.ZEN", "1"), 0);
	ck_assert_uint_eq(se_bar32(&m, "xact.bin", 0x04), 0x3);
}
END_TEST

START_TEST(read_side_effects_refused)
{
	se_mount(&m, NULL);
	se_bar_put32(&m, "svd.bin", 0x0c, 0x0201);
	se_bar_put32(&m, "svd.bin", 0x14, 0x3);
	se_bar_put32(&m, "svd.bin", 0x18, 0x2);
	ck_assert_int_eq(put(SVD "FIFO.COUNT", "7"), EPERM);
	ck_assert_int_eq(put(SVD "RC.X", "0"), EPERM);
	ck_assert_int_eq(put(SVD "CLR.GO", "1"), EPERM);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x0c), 0x0201);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x14), 0x3);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x18), 0x2);
	ck_assert_int_eq(fk_log_count(&m, "aperturefs: 0000:00:08.0 "
		"regs/blk/FIFO.COUNT: '7': reading FIFO has a side effect "
		"(readAction of field DATA): write the whole register: nothing "
		"written\n"), 1);
	ck_assert_int_eq(fk_log_count(&m, "aperturefs: 0000:00:08.0 "
		"regs/blk/RC.X: '0': reading RC has a side effect (readAction): "
		"write the whole register: nothing written\n"), 1);
	ck_assert_int_eq(fk_log_count(&m, "aperturefs: 0000:00:08.0 "
		"regs/blk/CLR.GO: '1': every write of CLR clears field STICKY "
		"(modifiedWriteValues clear): write the whole register: "
		"nothing written\n"), 1);
	/* A field that is the register, and whole registers: written. */
	ck_assert_int_eq(put(SVD "POP.ALL", "0x55"), 0);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x10), 0x55);
	ck_assert_int_eq(put(SVD "FIFO", "0x0700"), 0);
	ck_assert_uint_eq(se_bar32(&m, "svd.bin", 0x0c), 0x0700);
	/* The listing never reads them. */
	{
		char *l = fk_slurp(FK_PATH(&m, "0000:00:08.0/registers"));

		ck_assert_ptr_nonnull(strstr(l, "blk FIFO skipped\n"));
		ck_assert_ptr_nonnull(strstr(l, "blk POP skipped\n"));
		ck_assert_ptr_nonnull(strstr(l, "blk RC skipped\n"));
		free(l);
	}
}
END_TEST

#define LIVENESS "0000:00:04.0/regs/edu/LIVENESS"

/* The daemon reads numbers as the command does. */
START_TEST(number_rule)
{
	se_mount(&m, NULL);
	ck_assert_int_eq(put(LIVENESS, "010\n"), EINVAL);
	ck_assert_int_eq(put(LIVENESS, "00"), EINVAL);
	ck_assert_uint_eq(se_bar32(&m, "edu.bin", 4), 0);
	ck_assert_int_eq(fk_log_count(&m, "regs/edu/LIVENESS: '010': a "
		"leading 0 is not octal here: write 0x10 for hex or 10 for "
		"decimal: nothing written\n"), 1);
	ck_assert_int_eq(put(LIVENESS, "0X10"), 0);
	ck_assert_uint_eq(se_bar32(&m, "edu.bin", 4), 16);
	ck_assert_int_eq(put(LIVENESS, "10"), 0);
	ck_assert_uint_eq(se_bar32(&m, "edu.bin", 4), 10);
	ck_assert_int_eq(put(LIVENESS, "0"), 0);
	ck_assert_uint_eq(se_bar32(&m, "edu.bin", 4), 0);
}
END_TEST

/* One request to regs/.check of @slot: the errno and the answer. */
static int ask(const char *slot, const char *req, char *ans, size_t len)
{
	int fd = open(FK_PATH(&m, "%s/regs/.check", slot), O_RDWR);
	int err = 0;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		err = errno;
	n = pread(fd, ans, len - 1, 0);
	ck_assert_int_ge(n, 0);
	ans[n] = 0;
	close(fd);
	return err;
}

#define ASK(slot, req, err, answer)					\
	do {								\
		char a_[512];						\
		ck_assert_int_eq(ask(slot, req, a_, sizeof(a_)), err);	\
		ck_assert_str_eq(a_, answer);				\
	} while (0)

START_TEST(check_file)
{
	const char *s = "0000:00:08.0", *e = "0000:00:04.0";
	uint32_t before[8];

	se_mount(&m, NULL);
	for (int i = 0; i < 8; i++)
		se_bar_put32(&m, "svd.bin", 4 * i, before[i] = 0x11 * (i + 1));
	ASK(s, "write blk.CTRL.EN=1\n", 0, "1\n");
	ASK(s, "write blk.CTRL=0x5", 0, "0x00000005\n");
	ASK(s, "write blk.CTRL.RUN=16", EINVAL,
	    "regs/blk/CTRL.RUN: '16': does not fit in 4 bits\n");
	ASK(s, "write blk.CTRL=010", EINVAL, "regs/blk/CTRL: '010': a leading "
	    "0 is not octal here: write 0x10 for hex or 10 for decimal\n");
	ASK(s, "write blk.FIFO.COUNT=1", EPERM, "regs/blk/FIFO.COUNT: '1': "
	    "reading FIFO has a side effect (readAction of field DATA): "
	    "write the whole register\n");
	ASK(s, "write blk.MODE.M=BUSY", 0, "2\n");
	ASK(s, "write blk.MODE.M=FAST", EINVAL,
	    "regs/blk/MODE.M: 'FAST': unknown value name\n");
	ASK(s, "write blk.NOPE=1", ENOENT, "blk.NOPE: no such register or "
	    "field\n");
	ASK(s, "wait blk.MODE.M=BUSY", 0, "2\n");
	ASK(s, "wait blk.MODE.M=SOME", EINVAL, "regs/blk/MODE.M: 'SOME': "
	    "value name SOME stands for more than one value\n");
	ASK(s, "wait blk.FIFO.COUNT=0", EPERM, "regs/blk/FIFO.COUNT: reading "
	    "FIFO has a side effect (readAction): a wait would consume what "
	    "it waits for\n");
	ASK(s, "read blk.FIFO", 0, "ok\n");
	ASK(s, "frob blk.FIFO", EINVAL, "'frob blk.FIFO': not a request "
	    "(write|wait BLOCK.REGISTER[.FIELD]=VALUE, read "
	    "BLOCK.REGISTER[.FIELD])\n");
	ASK(s, "wa", EINVAL, "'wa': not a request (write|wait "
	    "BLOCK.REGISTER[.FIELD]=VALUE, read BLOCK.REGISTER[.FIELD])\n");
	ASK(s, "read \n", EINVAL, "'read': not a request (write|wait "
	    "BLOCK.REGISTER[.FIELD]=VALUE, read BLOCK.REGISTER[.FIELD])\n");
	ASK(s, "write blk.CTRL=", EINVAL, "'write blk.CTRL=': not a request "
	    "(write|wait BLOCK.REGISTER[.FIELD]=VALUE, read "
	    "BLOCK.REGISTER[.FIELD])\n");
	ASK(s, "read blk.CTRL=1", EINVAL, "'read blk.CTRL=1': not a request "
	    "(write|wait BLOCK.REGISTER[.FIELD]=VALUE, read "
	    "BLOCK.REGISTER[.FIELD])\n");
	ASK(e, "write edu.IDENT=1", EACCES, "regs/edu/IDENT: cannot be "
	    "written (read-only)\n");
	ASK(e, "wait edu.IRQ_ACK=1", EACCES, "regs/edu/IRQ_ACK: cannot be "
	    "read (write-only)\n");
	ASK(e, "wait edu.DMA_CMD.DIRECTION=EDU_TO_RAM", 0, "1\n");
	ASK(e, "wait edu.IDENT=0x010000ed", 0, "0x010000ed\n");
	/* Nothing was accessed: the device memory is as it was. */
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(se_bar32(&m, "svd.bin", 4 * i), before[i]);
	ck_assert_uint_eq(se_bar32(&m, "edu.bin", 0x98), 0);
	/* It is listed in regs/, with the mount's mode. */
	{
		struct stat st;
		struct dirent *de;
		DIR *d = opendir(FK_PATH(&m, "%s/regs", s));
		int seen = 0;

		ck_assert_ptr_nonnull(d);
		while ((de = readdir(d)))
			seen += !strcmp(de->d_name, ".check");
		closedir(d);
		ck_assert_int_eq(seen, 1);
		ck_assert_int_eq(stat(FK_PATH(&m, "%s/regs/.check", s), &st),
				 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0600);
	}
}
END_TEST

/* -o ro takes no write: the same requests as names of attributes. */
START_TEST(check_attr_ro)
{
	char path[PATH_MAX * 2], v[64];
	ssize_t n;

	se_mount(&m, "ro");
	snprintf(path, sizeof(path), "%s",
		 FK_PATH(&m, "0000:00:08.0/regs/.check"));
	ck_assert_int_eq(open(path, O_RDWR), -1);
	ck_assert_int_eq(errno, EROFS);
	ck_assert_int_eq(getxattr(path, "user.wait blk.MODE.M=BUSY", NULL, 0),
			 2);
	n = getxattr(path, "user.wait blk.MODE.M=BUSY", v, sizeof(v));
	ck_assert_int_eq(n, 2);
	ck_assert_mem_eq(v, "2\n", 2);
	ck_assert_int_eq(getxattr(path, "user.wait blk.MODE.M=BUSY", v, 1), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(getxattr(path, "user.wait blk.FIFO.COUNT=1", v,
				  sizeof(v)), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(getxattr(path, "user.write blk.CTRL.EN=1", v,
				  sizeof(v)), -1);
	ck_assert_int_eq(errno, EROFS);
	ck_assert_int_eq(getxattr(path, "user.wait blk.MODE.M=4", v,
				  sizeof(v)), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* Nothing else has attributes (and the kernel keeps asking). */
	ck_assert_int_eq(getxattr(FK_PATH(&m, "0000:00:08.0/regs/blk/CTRL"),
				  "user.x", v, sizeof(v)), -1);
	ck_assert_int_eq(errno, ENODATA);
	ck_assert_int_eq(getxattr(FK_PATH(&m, "0000:00:08.0/bar0"), "user.x",
				  v, sizeof(v)), -1);
	ck_assert_int_eq(errno, ENODATA);
	ck_assert_int_eq(getxattr(path, "user.wait blk.MODE.M=IDLE", v,
				  sizeof(v)), 2);
}
END_TEST

Suite *regs_writes_suite(void);

Suite *regs_writes_suite(void)
{
	Suite *s = suite_create("regs_writes");
	TCase *tc = tcase_create("model");

	tcase_add_test(tc, model);
	tcase_add_test(tc, model_unknown_kind);
	suite_add_tcase(s, tc);
	tc = tcase_create("fake");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, pending_bit_kept);
	tcase_add_test(tc, read_side_effects_refused);
	tcase_add_test(tc, number_rule);
	tcase_add_test(tc, check_file);
	tcase_add_test(tc, check_attr_ro);
	suite_add_tcase(s, tc);
	return s;
}

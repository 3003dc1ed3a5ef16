/*
 * check_client_cmd.c - the aperture command: its ACCESS grammar
 * (tools/access.c) word by word, then the command itself on a tree laid
 * out as a mount (tests/unit/client_util.h) with its exact output, exit
 * status and messages for every form: reads of each width, writes,
 * read-modify-write, ranges as memtool md prints them, several accesses
 * in order, -n touching nothing, -q and -r, wait, and each error.  The
 * same forms on edu, ivshmem and VGA are in tests/vm/check_aperture.c.
 */
#include "apc.h"
#include "client_util.h"

/* ---- grammar ------------------------------------------------------------ */

START_TEST(parse_forms)
{
	static const struct {
		const char *word;
		enum apc_kind kind;
		uint64_t off, len;
		unsigned int width;
		uint64_t val, mask;
	} ok[] = {
		{ "0x0.l", APC_READ, 0, 0, 4, 0, 0 },
		{ "0", APC_READ, 0, 0, 4, 0, 0 },
		{ "20", APC_READ, 0x20, 0, 4, 0, 0 },
		{ "0x502.w", APC_READ, 0x502, 0, 2, 0, 0 },
		{ "0x3.b", APC_READ, 3, 0, 1, 0, 0 },
		{ "0x8.q", APC_READ, 8, 0, 8, 0, 0 },
		{ "0x4.l=0x12345678", APC_WRITE, 4, 0, 4, 0x12345678,
		  0xffffffff },
		{ "4=12345678", APC_WRITE, 4, 0, 4, 0x12345678, 0xffffffff },
		{ "0x4.b=ff", APC_WRITE, 4, 0, 1, 0xff, 0xff },
		{ "0x20.l=0x80:0x80", APC_UPDATE, 0x20, 0, 4, 0x80, 0x80 },
		{ "0x20.w=0:F", APC_UPDATE, 0x20, 0, 2, 0, 0xf },
		{ "0x0+0x40", APC_RANGE, 0, 0x40, 4, 0, 0 },
		{ "0x500+0x20.w", APC_RANGE, 0x500, 0x20, 2, 0, 0 },
		{ "0x8.q=0xffffffffffffffff", APC_WRITE, 8, 0, 8, ~0ull, ~0ull },
	};
	static const struct {
		const char *word;
		const char *err;
	} bad[] = {
		{ "", "'': expected OFFSET[.W][=VALUE[:MASK]], OFFSET+LENGTH[.W] (numbers in hex) or BLOCK.REGISTER[.FIELD][=VALUE]" },
		{ "0xg", "'0xg': expected OFFSET[.W][=VALUE[:MASK]], OFFSET+LENGTH[.W] (numbers in hex) or BLOCK.REGISTER[.FIELD][=VALUE]" },
		{ "0x0.x", "'0x0.x': the width is .b, .w, .l or .q" },
		{ "0x0.ll", "'0x0.ll': the width is .b, .w, .l or .q" },
		{ "0x2.l", "'0x2.l': offset 0x2 is not aligned to the width (4 bytes)" },
		{ "0x1.q", "'0x1.q': offset 0x1 is not aligned to the width (8 bytes)" },
		{ "0x0.b=0x100", "'0x0.b=0x100': value 0x100 does not fit in .b" },
		{ "0x0.w=0:0x10000", "'0x0.w=0:0x10000': mask 0x10000 does not fit in .w" },
		{ "0x0=", "'0x0=': the value after '=' must be a hex number" },
		{ "0x0=1:", "'0x0=1:': the mask after ':' must be a hex number" },
		{ "0x0+0", "'0x0+0': the length after '+' must be a hex number above 0" },
		{ "0x0+0x6", "'0x0+0x6': length 0x6 is not a multiple of the width (4 bytes)" },
		{ "0x0+0x10=1", "'0x0+0x10=1': a range cannot be written" },
		{ "0x0=1:2:3", "'0x0=1:2:3': the mask after ':' must be a hex number" },
		{ "0x10000000000000000", "'0x10000000000000000': expected OFFSET[.W][=VALUE[:MASK]], OFFSET+LENGTH[.W] (numbers in hex) or BLOCK.REGISTER[.FIELD][=VALUE]" },
	};
	struct apc_access a;
	char err[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(!apc_parse(ok[i].word, 0, &a, err, sizeof(err)),
			      "%s: %s", ok[i].word, err);
		ck_assert_int_eq(a.kind, ok[i].kind);
		ck_assert_uint_eq(a.off, ok[i].off);
		ck_assert_uint_eq(a.len, ok[i].len);
		ck_assert_uint_eq(a.width, ok[i].width);
		ck_assert_uint_eq(a.val, ok[i].val);
		ck_assert_uint_eq(a.mask, ok[i].mask);
		ck_assert_int_eq(a.bar, 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		ck_assert_msg(apc_parse(bad[i].word, 0, &a, err, sizeof(err)) ==
				      -EINVAL, "%s was taken", bad[i].word);
		ck_assert_str_eq(err, bad[i].err);
	}
	ck_assert_int_eq(apc_parse("0x0", -1, &a, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "'0x0': no BAR given before it (bar0 ... bar5)");
}
END_TEST

START_TEST(parse_bar_and_timeout)
{
	ck_assert_int_eq(apc_parse_bar("bar0"), 0);
	ck_assert_int_eq(apc_parse_bar("bar5"), 5);
	ck_assert_int_eq(apc_parse_bar("bar6"), -1);
	ck_assert_int_eq(apc_parse_bar("bar"), -1);
	ck_assert_int_eq(apc_parse_bar("bar01"), -1);
	ck_assert_int_eq(apc_parse_timeout("2s"), 2000);
	ck_assert_int_eq(apc_parse_timeout("2"), 2000);
	ck_assert_int_eq(apc_parse_timeout("1.5s"), 1500);
	ck_assert_int_eq(apc_parse_timeout("500ms"), 500);
	ck_assert_int_eq(apc_parse_timeout("0"), 0);
	ck_assert_int_eq(apc_parse_timeout("2m"), -EINVAL);
	ck_assert_int_eq(apc_parse_timeout("-1s"), -EINVAL);
	ck_assert_int_eq(apc_parse_timeout("s"), -EINVAL);
	ck_assert_int_eq(apc_parse_timeout(""), -EINVAL);
}
END_TEST

START_TEST(trace_lines)
{
	static const struct {
		const char *line;
		const char *want;	/* NULL: not an event line */
	} cases[] = {
		{ "      aperturefs-812     [001] .....   41.251210: aperture_io_read: "
		  "dev=0000:00:04.0 bar=0 off=0x0 len=4 val=0x10000ed",
		  "read 0000:00:04.0 bar0 0x0.l -> 0x010000ed" },
		{ "  aperture-901 [000] ..... 41.3: aperture_io_write: "
		  "dev=0000:00:04.0 bar=0 off=0x4 len=4 val=0x12345678",
		  "write 0000:00:04.0 bar0 0x4.l=0x12345678" },
		{ "x-1 [000] ..... 1.0: aperture_io_write: "
		  "dev=0000:00:02.0 bar=2 off=0x502 len=2 val=0x280",
		  "write 0000:00:02.0 bar2 0x502.w=0x0280" },
		{ "x-1 [000] ..... 1.0: aperture_io_read: "
		  "dev=0000:00:05.0 bar=2 off=0x8 len=8 val=0x1122334455667788",
		  "read 0000:00:05.0 bar2 0x8.q -> 0x1122334455667788" },
		{ "x-1 [000] ..... 1.0: aperture_io_read: "
		  "dev=0000:00:05.0 bar=2 off=0x1 len=3 val=0x332211",
		  "read 0000:00:05.0 bar2 0x1+0x3 -> 0x332211" },
		{ "x-1 [000] ..... 1.0: aperture_io_read: "
		  "dev=0000:00:05.0 bar=2 off=0x0 len=4096 val=0x0",
		  "read 0000:00:05.0 bar2 0x0+0x1000" },
		{ "x-1 [000] ..... 1.0: aperture_io_mmap: "
		  "dev=0000:00:05.0 bar=2 off=0x0 len=1048576 val=0x0",
		  "mmap 0000:00:05.0 bar2 0x0+0x100000" },
		{ "x-1 [000] ..... 1.0: aperture_io_open: "
		  "dev=0000:00:04.0 bar=0 fd=5",
		  "open 0000:00:04.0 bar0" },
		{ "x-1 [000] ..... 1.0: aperture_io_refuse: "
		  "dev=0000:00:04.0 bar=0 op=open off=0x0 len=0 err=-1",
		  "refused open 0000:00:04.0 bar0 0x0+0x0: EPERM" },
		{ "x-1 [000] ..... 1.0: aperture_io_refuse: "
		  "dev=0000:00:04.0 bar=0 op=write off=0x2 len=4 err=-22",
		  "refused write 0000:00:04.0 bar0 0x2+0x4: EINVAL" },
		{ "# tracer: nop", NULL },
		{ "x-1 [000] ..... 1.0: sched_switch: prev_comm=x", NULL },
	};
	char out[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = apc_trace_format(cases[i].line, out, sizeof(out));

		if (!cases[i].want) {
			ck_assert_int_eq(ret, -EINVAL);
			continue;
		}
		ck_assert_msg(!ret, "%s", cases[i].line);
		ck_assert_str_eq(out, cases[i].want);
	}
}
END_TEST

/* ---- the command on the fake tree --------------------------------------- */

#define SLOT "-m %s -s 00:04.0"

START_TEST(cmd_reads)
{
	ct_expect(0, "0x010000ed\n", "", SLOT " bar0 0x0.l", ct_dir);
	ct_expect(0, "0x010000ed\n", "", SLOT " bar0 0", ct_dir);
	ct_expect(0, "0xed\n0x0100\n0x12345678010000ed\n", "",
		  "-m %s -d 1234:11e8 bar0 0x0.b 0x2.w 0x0.q", ct_dir);
	ct_expect(0, "0x010000ed\n", "", "-m %s -d 1234:11e8-2 bar0 0x0.l",
		  ct_dir);
	ct_expect(0, "0x010000ed\n", "", "-m %s -s 0000:00:04.0 bar0 0x0.l",
		  ct_dir);
}
END_TEST

START_TEST(cmd_writes_in_order)
{
	unsigned char b[8];

	/* Written, then read back, in the order given. */
	ct_expect(0, "0x12345678\n0x000000aa\n", "",
		  SLOT " bar0 0x40.l=0x12345678 0x40.l 0x44.b=aa 0x44.l",
		  ct_dir);
	ct_bar_bytes(CT_EDU, 0x40, b, 8);
	ck_assert_mem_eq(b, "\x78\x56\x34\x12\xaa\0\0\0", 8);
	/* 16-bit and 64-bit writes. */
	ct_expect(0, "0x112233445566beef\n", "",
		  SLOT " bar0 0x48.q=1122334455667788 0x48.w=0xbeef 0x48.w=beef 0x48.q",
		  ct_dir);
	ct_bar_bytes(CT_EDU, 0x48, b, 8);
	ck_assert_mem_eq(b, "\xef\xbe\x66\x55\x44\x33\x22\x11", 8);
}
END_TEST

START_TEST(cmd_update)
{
	ct_expect(0, "0x00000081\n", "", SLOT " bar0 0x20.l=0x80:0x80 0x20.l",
		  ct_dir);
	ct_expect(0, "0x00000080\n", "", SLOT " bar0 0x20.l=0:1 0x20.l",
		  ct_dir);
}
END_TEST

START_TEST(cmd_range_as_memtool)
{
	ct_expect(0,
		  "00000000: 010000ed 12345678 00000000 00000000  ....xV4.........\n"
		  "00000010: 21756465 00000000 00000000 00000000  edu!............\n"
		  "00000020: 00000001                             ....\n"
		  "", "", SLOT " bar0 0x0+0x24", ct_dir);
	ct_expect(0,
		  "00000000: 00ed 0100 5678 1234                      ....xV4.\n",
		  "", SLOT " bar0 0x0+0x8.w", ct_dir);
	ct_expect(0,
		  "00000010: 65 64 75 21                                      edu!\n",
		  "", SLOT " bar0 0x10+4.b", ct_dir);
	ct_expect(0,
		  "00000000: 12345678010000ed 0000000000000000  ....xV4.........\n",
		  "", SLOT " bar0 0x0+0x10.q", ct_dir);
}
END_TEST

START_TEST(cmd_quiet_and_raw)
{
	char *o, *e;

	ct_expect(0, "", "", "-q " SLOT " bar0 0x0.l 0x20.l=0x80:0x80 0x0+0x10",
		  ct_dir);
	ck_assert_int_eq(ct_run(&o, &e, "-r " SLOT " bar0 0x0.l 0x2.w 0x10+4.b",
				ct_dir), 0);
	ck_assert_mem_eq(o, "\xed\0\0\x01\0\x01" "edu!", 10);
	ck_assert_str_eq(e, "");
	free(o);
	free(e);
}
END_TEST

START_TEST(cmd_dry_run_touches_nothing)
{
	unsigned char before[0x24], after[0x24];

	ct_bar_bytes(CT_EDU, 0, before, sizeof(before));
	ct_expect(0,
		  "would write 0000:00:04.0 bar0 0x4.l = 0x00000001\n"
		  "would read 0000:00:04.0 bar0 0x20.l, then write it with the bits 0x00000080 set to 0x00000080\n"
		  "would read 0000:00:04.0 bar0 0x0+0x10.l\n"
		  "would read 0000:00:04.0 bar0 0x0.b\n"
		  "would write 0000:00:04.0 bar0 0x8.q = 0x0000000000000000\n",
		  "", "-n " SLOT " bar0 0x4.l=1 0x20.l=0x80:0x80 0x0+0x10 0x0.b 0x8.q=0",
		  ct_dir);
	ct_bar_bytes(CT_EDU, 0, after, sizeof(after));
	ck_assert_mem_eq(before, after, sizeof(before));
	ct_expect(0,
		  "would wait up to 2000 ms until 0000:00:04.0 bar0 0x20.l has 0x00000000 under mask 0x00000001\n",
		  "", "wait -n " SLOT " bar0 0x20.l=0:1 --timeout 2s", ct_dir);
}
END_TEST

START_TEST(cmd_wait)
{
	ct_expect(0, "", "", "wait " SLOT " bar0 0x20.l=1:1", ct_dir);
	ct_expect(0, "", "", "wait " SLOT " -t 0 bar0 0x0.l=0x010000ed",
		  ct_dir);
	ct_expect(124, "",
		  "aperture: 0000:00:04.0 bar0 0x20.l: timed out after 50 ms "
		  "waiting for 0x00000000 under mask 0x00000001; last value "
		  "0x00000001\n",
		  "wait " SLOT " bar0 0x20.l=0:1 --timeout 50ms", ct_dir);
	ct_expect(2, "",
		  "aperture: wait: '0x20.l': give what to wait for as "
		  "OFFSET[.W]=VALUE[:MASK] or BLOCK.REGISTER[.FIELD]=VALUE "
		  "(aperture -h for usage)\n",
		  "wait " SLOT " bar0 0x20.l", ct_dir);
}
END_TEST

START_TEST(cmd_access_errors)
{
	char path[512];

	ct_expect(1, "",
		  "aperture: 0000:00:04.0 bar0 0x100000.l: read: Numerical "
		  "result out of range (ERANGE): bar0 is 0x100000 bytes\n",
		  SLOT " bar0 0x100000.l", ct_dir);
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 bar0 0xffffc+0x8.l: read: Numerical "
		  "result out of range (ERANGE): bar0 is 0x100000 bytes\n",
		  SLOT " bar0 0xffffc+8", ct_dir);
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 bar2 0x0.l: read: No such file or "
		  "directory (ENOENT): the function has no bar2\n",
		  SLOT " bar2 0x0.l", ct_dir);
	/* What went before the failure is done and shown; nothing after. */
	ct_expect(1, "0x010000ed\n",
		  "aperture: 0000:00:04.0 bar0 0x100000.q: write: Numerical "
		  "result out of range (ERANGE): bar0 is 0x100000 bytes\n",
		  SLOT " bar0 0x0.l 0x100000.q=1 0x4.l=0", ct_dir);
	ct_expect(0, "0x12345678\n", "", SLOT " bar0 0x4.l", ct_dir);
	ct_expect(1, "",
		  "aperture: no function 00:09.0 under /nonexistent: No such "
		  "file or directory (ENOENT)\n",
		  "-m /nonexistent -s 00:09.0 bar0 0x0.l", ct_dir);
	snprintf(path, sizeof(path), "aperture: no function 8086:1234 under "
		 "%s: No such file or directory (ENOENT)\n", ct_dir);
	ct_expect(1, "", path, "-m %s -d 8086:1234 bar0 0x0.l", ct_dir);
}
END_TEST

START_TEST(cmd_syntax_errors_do_nothing)
{
	static const struct {
		const char *args;
		const char *err;
	} cases[] = {
		{ "bar0 0x4.l=0 0x2.l", "aperture: '0x2.l': offset 0x2 is not aligned to the width (4 bytes)" },
		{ "0x4.l=0", "aperture: '0x4.l=0': no BAR given before it (bar0 ... bar5)" },
		{ "bar0 0x4.l=0 0x0.b=100", "aperture: '0x0.b=100': value 0x100 does not fit in .b" },
		{ "bar0", "aperture: nothing to do after the BAR: give an ACCESS" },
		{ "-t 1s bar0 0x0", "aperture: -t/--timeout is for 'aperture wait'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[512];

		snprintf(want, sizeof(want), "%s (aperture -h for usage)\n",
			 cases[i].err);
		ct_expect(2, "", want, SLOT " %s", ct_dir, cases[i].args);
	}
	/* 0x4 was never written by the lines above. */
	ct_expect(0, "0x12345678\n", "", SLOT " bar0 0x4.l", ct_dir);
	ct_expect(2, "",
		  "aperture: name a function with -s SLOT or -d VENDOR:DEVICE "
		  "(aperture -h for usage)\n", "-m %s bar0 0x0", ct_dir);
	ct_expect(2, "",
		  "aperture: -s and -d both name a function: give one "
		  "(aperture -h for usage)\n",
		  "-m %s -s 00:04.0 -d 1234:11e8 bar0 0x0", ct_dir);
	ct_expect(2, "",
		  "aperture: -s '1234:11e8': a slot is bb:dd.f or dddd:bb:dd.f "
		  "(aperture -h for usage)\n",
		  "-m %s -s 1234:11e8 bar0 0x0", ct_dir);
	ct_expect(2, "",
		  "aperture: -s '0:4.0': a slot is bb:dd.f or dddd:bb:dd.f "
		  "(aperture -h for usage)\n",
		  "-m %s -s 0:4.0 bar0 0x0", ct_dir);
	ct_expect(2, "",
		  "aperture: -d '00:04.0': give VENDOR:DEVICE in hex "
		  "(1234:11e8) (aperture -h for usage)\n",
		  "-m %s -d 00:04.0 bar0 0x0", ct_dir);
	ct_expect(2, "",
		  "aperture: timeout '2m': give it as 2s, 500ms or 1.5s "
		  "(aperture -h for usage)\n",
		  "wait -m %s -s 00:04.0 -t 2m bar0 0x20=0:1", ct_dir);
}
END_TEST

Suite *client_cmd_suite(void);

Suite *client_cmd_suite(void)
{
	Suite *s = suite_create("client_cmd");
	TCase *tc;

	tc = tcase_create("grammar");
	tcase_add_test(tc, parse_forms);
	tcase_add_test(tc, parse_bar_and_timeout);
	tcase_add_test(tc, trace_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("command");
	tcase_add_checked_fixture(tc, ct_setup, ct_teardown);
	tcase_add_test(tc, cmd_reads);
	tcase_add_test(tc, cmd_writes_in_order);
	tcase_add_test(tc, cmd_update);
	tcase_add_test(tc, cmd_range_as_memtool);
	tcase_add_test(tc, cmd_quiet_and_raw);
	tcase_add_test(tc, cmd_dry_run_touches_nothing);
	tcase_add_test(tc, cmd_wait);
	tcase_add_test(tc, cmd_access_errors);
	tcase_add_test(tc, cmd_syntax_errors_do_nothing);
	suite_add_tcase(s, tc);
	return s;
}

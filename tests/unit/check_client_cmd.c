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
		{ "32", APC_READ, 0x20, 0, 4, 0, 0 },	/* decimal */
		{ "0X20", APC_READ, 0x20, 0, 4, 0, 0 },
		{ "0x502.w", APC_READ, 0x502, 0, 2, 0, 0 },
		{ "0x3.b", APC_READ, 3, 0, 1, 0, 0 },
		{ "0x8.q", APC_READ, 8, 0, 8, 0, 0 },
		{ "0x4.l=0x12345678", APC_WRITE, 4, 0, 4, 0x12345678,
		  0xffffffff },
		{ "4=12345678", APC_WRITE, 4, 0, 4, 12345678, 0xffffffff },
		{ "0x4.b=255", APC_WRITE, 4, 0, 1, 0xff, 0xff },
		{ "0x4=10", APC_WRITE, 4, 0, 4, 10, 0xffffffff },
		{ "0x4=0", APC_WRITE, 4, 0, 4, 0, 0xffffffff },
		{ "0x20.l=0x80:0x80", APC_UPDATE, 0x20, 0, 4, 0x80, 0x80 },
		{ "0x20.w=0:0xF", APC_UPDATE, 0x20, 0, 2, 0, 0xf },
		{ "0x20.w=0:15", APC_UPDATE, 0x20, 0, 2, 0, 0xf },
		{ "0x0+0x40", APC_RANGE, 0, 0x40, 4, 0, 0 },
		{ "0x500+0x20.w", APC_RANGE, 0x500, 0x20, 2, 0, 0 },
		{ "1280+32.w", APC_RANGE, 0x500, 0x20, 2, 0, 0 },
		{ "0x8.q=0xffffffffffffffff", APC_WRITE, 8, 0, 8, ~0ull, ~0ull },
	};
	static const struct {
		const char *word;
		const char *err;
	} bad[] = {
		{ "", "'': expected OFFSET[.W][=VALUE[:MASK]], OFFSET+LENGTH[.W] or BLOCK.REGISTER[.FIELD][=VALUE]" },
		{ "0xg", "'0xg': expected OFFSET[.W][=VALUE[:MASK]], OFFSET+LENGTH[.W] or BLOCK.REGISTER[.FIELD][=VALUE]" },
		{ "20h", "'20h': expected OFFSET[.W][=VALUE[:MASK]], OFFSET+LENGTH[.W] or BLOCK.REGISTER[.FIELD][=VALUE]" },
		{ "0x0.x", "'0x0.x': the width is .b, .w, .l or .q" },
		{ "0x0.ll", "'0x0.ll': the width is .b, .w, .l or .q" },
		{ "0x2.l", "'0x2.l': offset 0x2 is not aligned to the width (4 bytes)" },
		{ "0x1.q", "'0x1.q': offset 0x1 is not aligned to the width (8 bytes)" },
		{ "0x0.b=0x100", "'0x0.b=0x100': value 0x100 does not fit in .b" },
		{ "0x0.b=256", "'0x0.b=256': value 0x100 does not fit in .b" },
		{ "0x0.w=0:0x10000", "'0x0.w=0:0x10000': mask 0x10000 does not fit in .w" },
		{ "0x0=", "'0x0=': value '' is not a number (0x1f hex, 31 decimal)" },
		{ "0x0=ff", "'0x0=ff': value 'ff' is not a number (0x1f hex, 31 decimal)" },
		{ "0x0=1:", "'0x0=1:': mask '' is not a number (0x1f hex, 31 decimal)" },
		{ "0x0+0", "'0x0+0': the length after '+' must be above 0" },
		{ "0x0+0x6", "'0x0+0x6': length 0x6 is not a multiple of the width (4 bytes)" },
		{ "0x0+0x10=1", "'0x0+0x10=1': a range cannot be written" },
		{ "0x0=1:2:3", "'0x0=1:2:3': mask '2:3' is not a number (0x1f hex, 31 decimal)" },
		{ "0x10000000000000000", "'0x10000000000000000': offset '0x10000000000000000' does not fit in 64 bits" },
		{ "18446744073709551616", "'18446744073709551616': offset '18446744073709551616' does not fit in 64 bits" },
		/* One rule everywhere: no octal guess, in any part. */
		{ "010", "'010': offset '010': a leading 0 is not octal here: write 0x10 for hex or 10 for decimal" },
		{ "0x0+010", "'0x0+010': length '010': a leading 0 is not octal here: write 0x10 for hex or 10 for decimal" },
		{ "0x4=010", "'0x4=010': value '010': a leading 0 is not octal here: write 0x10 for hex or 10 for decimal" },
		{ "0x4=1:00", "'0x4=1:00': mask '00': a leading 0 is not octal here: write 0x0 for hex or 0 for decimal" },
		{ "edu.LIVENESS=010", "'edu.LIVENESS=010': value '010': a leading 0 is not octal here: write 0x10 for hex or 10 for decimal" },
		{ "edu.LIVENESS=1x", "'edu.LIVENESS=1x': value '1x' is not a number (0x1f hex, 31 decimal)" },
		{ "edu.LIVENESS=", "'edu.LIVENESS=': give a value after '='" },
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
	/* Named values: numbers by the same rule, or a value name. */
	ck_assert_int_eq(apc_parse("edu.LIVENESS=10", 0, &a, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(a.val, 10);
	ck_assert(!a.is_name);
	ck_assert_int_eq(apc_parse("edu.LIVENESS=0x10", 0, &a, err,
				   sizeof(err)), 0);
	ck_assert_uint_eq(a.val, 16);
	ck_assert_int_eq(apc_parse("edu.DMA_CMD.DIRECTION=EDU_TO_RAM", 0, &a,
				   err, sizeof(err)), 0);
	ck_assert(a.is_name);
	ck_assert_str_eq(a.text, "EDU_TO_RAM");
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
	ck_assert_int_eq(apc_parse_timeout("2"), -EINVAL);	/* a unit */
	ck_assert_int_eq(apc_parse_timeout("1.5s"), 1500);
	ck_assert_int_eq(apc_parse_timeout("500ms"), 500);
	ck_assert_int_eq(apc_parse_timeout("0s"), 0);
	ck_assert_int_eq(apc_parse_timeout("0"), -EINVAL);
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
		  "-m %s -s 04 bar0 0x0.b 0x2.w 0x0.q", ct_dir);
	/* lspci's -s and -d, alone or together, naming one function. */
	ct_expect(0, "0x010000ed\n", "", "-m %s -s 0000:00:04.0 bar0 0x0.l",
		  ct_dir);
	ct_expect(0, "0x010000ed\n", "", "-m %s -s 04.0 bar0 0x0.l", ct_dir);
	ct_expect(0, "0x010000ed\n", "", "-m %s -s 0:4 bar0 0x0.l", ct_dir);
	ct_expect(0, "0x010000ed\n", "", "-m %s -s 00:07 -d 1234: bar0 0",
		  ct_dir);
	ct_expect(0, "0x010000ed\n", "", "-m %s -d 1234:11e8 -s .0 -s 7 bar0 0",
		  ct_dir);
}
END_TEST

START_TEST(cmd_several_match)
{
	char want[512];

	snprintf(want, sizeof(want), "aperture: -d 1234:11e8 matches 2 "
		 "functions under %s: " CT_EDU " " CT_EDU2 ": name one "
		 "(aperture -s SLOT)\n", ct_dir);
	ct_expect(2, "", want, "-m %s -d 1234:11e8 bar0 0x4=1", ct_dir);
	snprintf(want, sizeof(want), "aperture: -s 00: -d 1234: matches 2 "
		 "functions under %s: " CT_EDU " " CT_EDU2 ": name one "
		 "(aperture -s SLOT)\n", ct_dir);
	ct_expect(2, "", want, "-m %s -s 00: -d 1234: bar0 0x4=1", ct_dir);
	snprintf(want, sizeof(want), "aperture: no function under %s matches "
		 "-s 00:05\n", ct_dir);
	ct_expect(1, "", want, "-m %s -s 00:05 bar0 0x4=1", ct_dir);
	snprintf(want, sizeof(want), "aperture: no function under %s matches "
		 "-d 8086:\n", ct_dir);
	ct_expect(1, "", want, "-m %s -d 8086: bar0 0x4=1", ct_dir);
	ct_expect(0, "0x12345678\n", "", SLOT " bar0 0x4", ct_dir);
}
END_TEST

START_TEST(cmd_writes_in_order)
{
	unsigned char b[8];

	/* Written, then read back, in the order given. */
	ct_expect(0, "0x12345678\n0x000000aa\n", "",
		  SLOT " bar0 0x40.l=0x12345678 0x40.l 0x44.b=0xaa 0x44.l",
		  ct_dir);
	ct_bar_bytes(CT_EDU, 0x40, b, 8);
	ck_assert_mem_eq(b, "\x78\x56\x34\x12\xaa\0\0\0", 8);
	/* 16-bit and 64-bit writes. */
	ct_expect(0, "0x112233445566beef\n", "",
		  SLOT " bar0 0x48.q=0x1122334455667788 0x48.w=0xbeef 0x48.w=48879 0x48.q",
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
		  "", "", SLOT " bar0 0x0+36", ct_dir);
	ct_expect(0,
		  "00000000: 00ed 0100 5678 1234                      ....xV4.\n",
		  "", SLOT " bar0 0x0+0x8.w", ct_dir);
	ct_expect(0,
		  "00000010: 65 64 75 21                                      edu!\n",
		  "", SLOT " bar0 16+4.b", ct_dir);
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
	ct_expect(0, "", "", "wait " SLOT " -t 0s bar0 0x0.l=0x010000ed",
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
	ct_expect(1, "",
		  "aperture: /nonexistent: No such file or directory "
		  "(ENOENT)\n", "-m /nonexistent -s 00:09.0 bar0 0x0.l", ct_dir);
	snprintf(path, sizeof(path), "aperture: no function under %s matches "
		 "-d 8086:1234\n", ct_dir);
	ct_expect(1, "", path, "-m %s -d 8086:1234 bar0 0x0.l", ct_dir);
}
END_TEST

/* Every word is checked against the function before anything is done. */
START_TEST(cmd_checked_before_done)
{
	unsigned char before[0x100000], after[0x100000];
	char path[600];

	ct_bar_bytes(CT_EDU, 0, before, sizeof(before));
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 bar0 0x100000.l: read: Numerical "
		  "result out of range (ERANGE): bar0 is 0x100000 bytes\n",
		  SLOT " bar0 0x4=0xAB 0x100000", ct_dir);
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 bar0 0x100000.q: write: Numerical "
		  "result out of range (ERANGE): bar0 is 0x100000 bytes\n",
		  SLOT " bar0 0x0.l 0x4=1 0x100000.q=1 0x4.l=0", ct_dir);
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 bar2 0x0.l: read: No such file or "
		  "directory (ENOENT): the function has no bar2\n",
		  SLOT " bar0 0x4=2 bar2 0", ct_dir);
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 edu.NOPE: write: No such file or "
		  "directory (ENOENT): no such register in the descriptions of "
		  "the mount (aperturefs -o regs=DIR)\n",
		  SLOT " bar0 0x4=3 edu.NOPE=1", ct_dir);
	/* -n checks as much, then prints. */
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 bar0 0xffffc+0x8.l: read: Numerical "
		  "result out of range (ERANGE): bar0 is 0x100000 bytes\n",
		  "-n " SLOT " bar0 0x4=4 0xffffc+8", ct_dir);
	/* A BAR nobody may write: the earlier write is not done either. */
	snprintf(path, sizeof(path), "%s/%s/bar0", ct_dir, CT_EDU);
	ck_assert_int_eq(chmod(path, 0444), 0);
	ct_expect(1, "",
		  "aperture: 0000:00:04.0 bar0 0x8.l: write: Permission denied "
		  "(EACCES): bar0 is read-only\n",
		  SLOT " bar0 0x4 0x8=5", ct_dir);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ct_bar_bytes(CT_EDU, 0, after, sizeof(after));
	ck_assert_mem_eq(before, after, sizeof(before));
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
		{ "bar0 0x4.l=0 0x0.b=0x100", "aperture: '0x0.b=0x100': value 0x100 does not fit in .b" },
		{ "bar0 0x4.l=0 0x0=010", "aperture: '0x0=010': value '010': a leading 0 is not octal here: write 0x10 for hex or 10 for decimal" },
		{ "bar0 0x4.l=0 edu.LIVENESS=0x", "aperture: 'edu.LIVENESS=0x': value '0x' is not a number (0x1f hex, 31 decimal)" },
		{ "bar0", "aperture: nothing to do after the BAR: give an ACCESS" },
		{ "-t 1s bar0 0x0", "aperture: -t/--timeout is for 'aperture wait' and 'wait-irq'" },
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
		  "aperture: name a function with -s SLOT or -d ID "
		  "(aperture -h for usage)\n", "-m %s bar0 0x0", ct_dir);
	ct_expect(2, "",
		  "aperture: -s 1234:11e8: Invalid bus number (lspci's syntax: "
		  "-s [[[[DOMAIN]:]BUS]:][DEV][.[FUNC]], -d "
		  "[VENDOR]:[DEVICE][:CLASS]) (aperture -h for usage)\n",
		  "-m %s -s 1234:11e8 bar0 0x0", ct_dir);
	ct_expect(2, "",
		  "aperture: -s 00:04.0 -d 00:04.0: Invalid device ID (lspci's "
		  "syntax: -s [[[[DOMAIN]:]BUS]:][DEV][.[FUNC]], -d "
		  "[VENDOR]:[DEVICE][:CLASS]) (aperture -h for usage)\n",
		  "-m %s -s 00:04.0 -d 00:04.0 bar0 0x0", ct_dir);
	ct_expect(2, "",
		  "aperture: timeout '2': give it with its unit: 500ms, 2s or "
		  "1.5s (aperture -h for usage)\n",
		  "wait -m %s -s 00:04.0 -t 2 bar0 0x20=0:1", ct_dir);
	ct_expect(2, "",
		  "aperture: unknown option -x (aperture -h for usage)\n",
		  "-x -m %s -s 00:04.0 bar0 0", ct_dir);
	ct_expect(2, "",
		  "aperture: -s needs a value (aperture -h for usage)\n",
		  "-m %s -s", ct_dir);
	ct_expect(2, "",
		  "aperture: -r: 'edu.STATUS.IRQ_ENABLE' is a field: raw output "
		  "is for registers (read edu.STATUS) (aperture -h for usage)\n",
		  "-r -m %s -s 00:04.0 edu.STATUS.IRQ_ENABLE", ct_dir);
	ct_expect(2, "",
		  "aperture: timeout '2m': give it with its unit: 500ms, 2s or "
		  "1.5s (aperture -h for usage)\n",
		  "wait -m %s -s 00:04.0 -t 2m bar0 0x20=0:1", ct_dir);
}
END_TEST

/* --version, and messages name the command as it was run, not its path. */
START_TEST(cmd_version_and_name)
{
	char want[128], link[300], cmd[900], buf[256];
	FILE *p;

	snprintf(want, sizeof(want), "aperture (aperturefs) %s, libaperture "
		 "%u.%u.%u\n", APERTUREFS_VERSION, APERTURE_LIB_VERSION >> 16,
		 APERTURE_LIB_VERSION >> 8 & 0xff, APERTURE_LIB_VERSION & 0xff);
	ct_expect(0, want, "", "--version");
	/* getopt's own messages would say ".../build/deb12/aperture". */
	ct_expect(2, "", "aperture: unknown option '--bogus' (aperture -h for "
		  "usage)\n", "--bogus -s 4 bar0 0");
	snprintf(link, sizeof(link), "%s/ap", ct_dir);
	ck_assert_int_eq(symlink(ct_command(), link), 0);
	snprintf(cmd, sizeof(cmd), "'%s' -m %s -s 4 bar0 0x2 2>&1", link,
		 ct_dir);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), p));
	ck_assert_int_eq(WEXITSTATUS(pclose(p)), 2);
	ck_assert_str_eq(buf, "ap: '0x2': offset 0x2 is not aligned to the "
			 "width (4 bytes) (ap -h for usage)\n");
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
	tcase_add_test(tc, cmd_several_match);
	tcase_add_test(tc, cmd_checked_before_done);
	tcase_add_test(tc, cmd_version_and_name);
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

/*
 * check_aperture.c - the aperture command and libaperture on real
 * devices, through the mount the runner makes at /mnt/apertures (found in
 * /proc/self/mountinfo, no -m): exact outputs of every command form on
 * edu, ivshmem (checked against the host's file) and the VGA's 16-bit
 * Bochs DISPI registers, each error with its exit status and message
 * (including a user the mount does not let in, and no mount at all), the
 * dry run touching nothing, the library's calls with waits that succeed
 * and time out and mmap where the mount offers it, its reads on a
 * mapping of the device there (seen in the trace), the trace of a script's
 * accesses (and of refusals and mmap) through the module's tracepoints,
 * and the example Check suite (examples/edu) built from the staged install
 * as a user builds it.
 */
#include <aperture/aperture.h>

#include "fs_util.h"

#define AP	"$B/aperture"
#define EDU	"-s 00:04.0"
#define SHM	"-s 00:05.0"
#define VGA	"-s 00:02.0"

static void need_mount(void)
{
	if (!fs_mounted(FS_MNT))
		ck_abort_msg(FS_MNT " is not mounted (run without --no-mount)");
}

/* Run a command line (stderr merged) and expect @status and @want. */
#define ap_expect(status, want, ...)                                         \
	do {                                                                 \
		int st_;                                                     \
		char *out_ = fs_sh(&st_, __VA_ARGS__);                       \
		ck_assert_msg(st_ == (status), "exit %d, not %d; output:\n%s", \
			      st_, (status), out_);                          \
		ck_assert_str_eq(out_, want);                                \
		free(out_);                                                  \
	} while (0)

/* ---- edu ------------------------------------------------------------- */

START_TEST(edu_read_forms)
{
	need_mount();
	fs_expect("0x010000ed\n", AP " " EDU " bar0 0x0.l");
	fs_expect("0x010000ed\n", AP " -d 1234:11e8 bar0 0x0.l");
	fs_expect("0x010000ed\n", AP " -s 0000:00:04.0 bar0 0");
	/* Registers below 0x80 answer 4-byte accesses only: the module
	 * reads whole dwords of a register BAR and keeps the part asked. */
	fs_expect("0xed\n0x0100\n", AP " " EDU " bar0 0x0.b 0x2.w");
}
END_TEST

START_TEST(edu_write_update_range)
{
	need_mount();
	/* Liveness reads back the inverse, in the order given. */
	fs_expect("0xedcba987\n0xffffffff\n",
		  AP " " EDU " bar0 0x4.l=0x12345678 0x4.l 0x4.l=0 0x4.l");
	/* STATUS bit 7 (interrupt on completion) by read-modify-write. */
	fs_expect("0x00000080\n0x00000000\n",
		  AP " " EDU " bar0 0x20.l=0x80:0x80 0x20.l 0x20.l=0:0x80 0x20.l");
	/* 5! = 0x78, then a range as memtool md prints it. */
	fs_expect("", AP " " EDU " bar0 0x4.l=0xbeadffaa 0x8.l=5");
	fs_expect("", "wait=$(" AP " wait " EDU " bar0 0x20.l=0:1 -t 2s)");
	fs_expect("00000000: 010000ed 41520055 00000078           ....U.RAx...\n",
		  AP " " EDU " bar0 0x0+0xc");
	fs_expect("00000000: 010000ed 41520055 00000078           ....U.RAx...\n",
		  AP " " EDU " bar0 0x0+0xc.l");
	/* Raw: the bytes, as od shows them. */
	fs_expect(" ed 00 00 01 55 00 52 41\n",
		  AP " -r " EDU " bar0 0x0+8 | od -An -tx1 -v");
	fs_expect("", AP " -q " EDU " bar0 0x0.l 0x0+0x10");
}
END_TEST

START_TEST(edu_wait)
{
	need_mount();
	fs_expect("", AP " " EDU " bar0 0x8.l=0xa");
	ap_expect(0, "", AP " wait " EDU " bar0 0x20.l=0:1 --timeout 2s 2>&1");
	fs_expect("0x00375f00\n", AP " " EDU " bar0 0x8.l");
	/* The identity never becomes 0: 124, with the last value. */
	ap_expect(124,
		  "aperture: 0000:00:04.0 bar0 0x0.l: timed out after 100 ms "
		  "waiting for 0x00000000 under mask 0xffffffff; last value "
		  "0x010000ed\n",
		  AP " wait " EDU " -t 100ms bar0 0x0.l=0 2>&1");
}
END_TEST

START_TEST(edu_dry_run_touches_nothing)
{
	need_mount();
	fs_expect("", AP " " EDU " bar0 0x4.l=0x11111111 0x20.l=0:0x80");
	ap_expect(0,
		  "would write 0000:00:04.0 bar0 0x4.l = 0x22222222\n"
		  "would read 0000:00:04.0 bar0 0x20.l, then write it with the "
		  "bits 0x00000080 set to 0x00000080\n"
		  "would write 0000:00:04.0 bar0 0x8.l = 0x00000005\n",
		  AP " -n " EDU " bar0 0x4.l=0x22222222 0x20.l=0x80:0x80 0x8.l=5 2>&1");
	fs_expect("0xeeeeeeee\n0x00000000\n", AP " " EDU " bar0 0x4.l 0x20.l");
}
END_TEST

START_TEST(edu_errors)
{
	need_mount();
	ap_expect(1,
		  "aperture: 0000:00:04.0 bar0 0x100000.l: read: Numerical "
		  "result out of range (ERANGE): bar0 is 0x100000 bytes\n",
		  AP " " EDU " bar0 0x100000.l 2>&1");
	ap_expect(1,
		  "aperture: 0000:00:04.0 bar1 0x0.l: read: No such file or "
		  "directory (ENOENT): the function has no bar1\n",
		  AP " " EDU " bar1 0x0.l 2>&1");
	ap_expect(1,
		  "aperture: no function under /mnt/apertures matches -s "
		  "00:09.0\n",
		  AP " -s 00:09.0 bar0 0x0.l 2>&1");
	ap_expect(2,
		  "aperture: '0x2.l': offset 0x2 is not aligned to the width "
		  "(4 bytes) (aperture -h for usage)\n",
		  AP " " EDU " bar0 0x2.l 2>&1");
	/* The mount's permissions hold: BAR files are root's, 0600. */
	ap_expect(1,
		  "aperture: 0000:00:04.0 bar0 0x0.l: read: Permission denied "
		  "(EACCES)\n",
		  "setpriv --reuid=65534 --regid=65534 --clear-groups "
		  AP " " EDU " bar0 0x0.l 2>&1");
	/* No mount at all: one line saying how to mount. */
	ap_expect(1,
		  "aperture: no aperturefs mount in /proc/self/mountinfo: mount "
		  "one (aperturefs /mnt/apertures, as root with aperture_io "
		  "loaded) or name one with -m\n",
		  "unshare -m sh -c 'umount -l /mnt/apertures && "
		  AP " " EDU " bar0 0x0.l' 2>&1");
}
END_TEST

/* ---- ivshmem: the host's file sees every write --------------------- */

START_TEST(ivshmem_widths_and_host)
{
	unsigned char host[16];
	int fd;

	need_mount();
	fs_expect("0x0123456789abcdef\n0xef\n0x89ab\n0x01234567\n",
		  AP " " SHM " bar2 0x0.q=0x0123456789abcdef 0x0.q 0x0.b "
		  "0x2.w 0x4.l");
	fs_expect("", AP " -d 1af4:1110 bar2 0x8.b=0x11 0x9.b=0x22 0xa.w=0x4433 "
		  "0xc.l=0x88776655");
	fd = open(fs_ivshmem_host(), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, host, 16, 0), 16);
	close(fd);
	ck_assert_mem_eq(host, "\xef\xcd\xab\x89\x67\x45\x23\x01"
			 "\x11\x22\x33\x44\x55\x66\x77\x88", 16);
	fs_expect("00000000: 0123456789abcdef 8877665544332211  "
		  "....gE#..\"3DUfw.\n",
		  AP " " SHM " bar2 0x0+0x10.q");
	fs_expect("00000000: cdef 89ab 4567 0123 2211 4433 6655 8877  "
		  "....gE#..\"3DUfw.\n",
		  AP " " SHM " bar2 0x0+0x10.w");
	/* RMW of the host-visible bytes: only the mask's bits change. */
	fs_expect("0x8877ff55\n",
		  AP " " SHM " bar2 0xc.l=0x0000ffff:0x0000ff00 0xc.l");
	/* Dry run: the host file is unchanged. */
	fs_expect("would write 0000:00:05.0 bar2 0x0.q = 0x0000000000000000\n",
		  AP " -n " SHM " bar2 0x0.q=0");
	fs_expect("ef\n", "od -An -tx1 -N1 %s | tr -d ' '", fs_ivshmem_host());
	ap_expect(1,
		  "aperture: 0000:00:05.0 bar2 0xffff8+0x10.q: read: Numerical "
		  "result out of range (ERANGE): bar2 is 0x100000 bytes\n",
		  AP " " SHM " bar2 0xffff8+0x10.q 2>&1");
}
END_TEST

/* ---- VGA: Bochs DISPI registers, 16-bit, BAR2 0x500 + 2 * index -------- */

START_TEST(vga_dispi_16bit)
{
	need_mount();
	/* Index 0 is the DISPI ID (VBE_DISPI_ID5 in QEMU). */
	fs_expect("0xb0c5\n", AP " " VGA " bar2 0x500.w");
	fs_expect("0x0280\n0x01e0\n0x0020\n",
		  AP " -d 1234:1111 bar2 0x508.w=0 0x502.w=0x280 0x504.w=0x1e0 "
		  "0x506.w=0x20 0x502.w 0x504.w 0x506.w");
	fs_expect("00000500: b0c5 0280 01e0 0020 0000 0000 0000 0000  "
		  "...... .........\n",
		  AP " " VGA " bar2 0x500+0x10.w");
	fs_expect("0x0041\n", AP " " VGA " bar2 0x508.w=0x41:0xffff 0x508.w");
	fs_expect("", AP " " VGA " bar2 0x508.w=0");
}
END_TEST

/* ---- the library's calls on edu -------------------------------------- */

START_TEST(lib_calls_on_edu)
{
	struct aperture *ap = NULL;
	char mnt[APERTURE_PATH_MAX], why[256] = "", info[256];
	volatile void *p = NULL;
	uint32_t v32 = 0;
	uint64_t last = 0;
	size_t len = 0;
	int ret;

	need_mount();
	ck_assert_int_eq(aperture_find_mount(mnt, sizeof(mnt)), 0);
	ck_assert_str_eq(mnt, FS_MNT);
	ck_assert_int_eq(aperture_open(NULL, "1234:11e8", &ap), 0);
	ck_assert_str_eq(aperture_slot(ap), FS_EDU);
	ck_assert_int_eq(aperture_read32(ap, 0, 0x0, &v32), 0);
	ck_assert_uint_eq(v32, 0x010000ed);
	ck_assert_int_eq(aperture_write32(ap, 0, 0x4, 0x0f0f0f0f), 0);
	ck_assert_int_eq(aperture_read32(ap, 0, 0x4, &v32), 0);
	ck_assert_uint_eq(v32, 0xf0f0f0f0);
	/* A wait that succeeds: 12! = 479001600. */
	ck_assert_int_eq(aperture_write32(ap, 0, 0x8, 12), 0);
	ck_assert_int_eq(aperture_wait(ap, 0, 0x20, 4, 0x1, 0x0, 2000, &last),
			 0);
	ck_assert_uint_eq(last & 1, 0);
	ck_assert_int_eq(aperture_read32(ap, 0, 0x8, &v32), 0);
	ck_assert_uint_eq(v32, 479001600);
	/* One that times out, with the last value seen. */
	ck_assert_int_eq(aperture_wait(ap, 0, 0x0, 4, ~0u, 0, 50, &last),
			 -ETIMEDOUT);
	ck_assert_uint_eq(last, 0x010000ed);
	ck_assert_int_eq(aperture_read32(ap, 0, 0x100000, &v32), -ERANGE);
	/* mmap where the mount offers it, and why not where it does not. */
	ck_assert_int_eq(aperture_info(ap, "bar0.mmap", info, sizeof(info)), 0);
	ret = aperture_map(ap, 0, &p, &len, why, sizeof(why));
	if (!strcmp(info, "yes")) {
		ck_assert_msg(ret == 0, "map: %d (%s)", ret, why);
		ck_assert_uint_eq(len, 1 << 20);
		ck_assert_uint_eq(*(volatile uint32_t *)p, 0x010000ed);
	} else {
		char want[256];

		ck_assert_int_eq(ret, -ENODEV);
		ck_assert_msg(sscanf(info, "no (%255[^\n]", want) == 1, "%s",
			      info);
		want[strlen(want) - 1] = 0;	/* the closing ')' */
		ck_assert_str_eq(why, want);
	}
	aperture_close(ap);
}
END_TEST

/*
 * Widths: edu's BAR0 is a register BAR (info's width 32), so only 4-byte
 * accesses use a mapping; an 8-byte read goes to the file, where the
 * module reads two dwords (IDENT and LIVENESS), on any mount and with
 * APERTURE_ACCESS_FILE alike.  On a mount with -o width=32 a 16-bit
 * write is the module's EINVAL.  Which way a 4-byte read went is in the
 * trace (lib_reads_on_the_mapping).
 */
START_TEST(lib_width_on_the_device)
{
	struct aperture *ap = NULL;
	struct fs_mount m;
	uint64_t q = 0;
	uint32_t v32 = 0;

	need_mount();
	ck_assert_int_eq(aperture_open(NULL, "1234:11e8", &ap), 0);
	ck_assert_int_eq(aperture_write32(ap, 0, 0x4, 0x12345678), 0);
	ck_assert_int_eq(aperture_read(ap, 0, 0x0, 8, &q), 0);
	ck_assert_uint_eq(q, 0xedcba987010000edull);
	ck_assert_int_eq(aperture_read32(ap, 0, 0x4, &v32), 0);
	ck_assert_uint_eq(v32, 0xedcba987);
	ck_assert_int_eq(aperture_set_access(ap, APERTURE_ACCESS_FILE), 0);
	ck_assert_int_eq(aperture_read(ap, 0, 0x0, 8, &q), 0);
	ck_assert_uint_eq(q, 0xedcba987010000edull);
	ck_assert_int_eq(aperture_read(ap, 0, 0x2, 4, &q), -EINVAL);
	ck_assert_str_eq(aperture_last_error(ap), FS_EDU " bar0 0x2.l: read: "
			 "not aligned to its width (never split)");
	aperture_close(ap);
	/* A mount with a fixed width keeps its rule: the module refuses a
	 * 16-bit write there, mapping or not. */
	fs_mount(&m, "/tmp/ap-w32-lib", "width=32");
	ck_assert_int_eq(aperture_open("/tmp/ap-w32-lib", "00:04.0", &ap), 0);
	ck_assert_int_eq(aperture_read32(ap, 0, 0x0, &v32), 0);
	ck_assert_uint_eq(v32, 0x010000ed);
	ck_assert_int_eq(aperture_write(ap, 0, 0x4, 2, 1), -EINVAL);
	aperture_close(ap);
	fs_umount(&m);
}
END_TEST

/* ---- the trace -------------------------------------------------------- */

#define TRACEFS	"mountpoint -q /sys/kernel/tracing || " \
		"mount -t tracefs nodev /sys/kernel/tracing; "

START_TEST(trace_shows_a_script_in_order)
{
	need_mount();
	fs_expect("", AP " " EDU " bar0 0x20.l=0");
	/* Only edu's accesses (-s), in the order the script made them; the
	 * daemon's opens of descriptors are left out with grep. */
	fs_expect("write 0000:00:04.0 bar0 0x4.l=0x12345678\n"
		  "read 0000:00:04.0 bar0 0x4.l -> 0xedcba987\n"
		  "read 0000:00:04.0 bar0 0x20.l -> 0x00000000\n"
		  "write 0000:00:04.0 bar0 0x20.l=0x00000080\n"
		  "read 0000:00:04.0 bar0 0x0.l -> 0x010000ed\n"
		  "read 0000:00:04.0 bar0 0x4.l -> 0xedcba987\n"
		  "write 0000:00:04.0 bar0 0x20.l=0x00000000\n",
		  TRACEFS AP " trace " EDU " -- sh -c '"
		  AP " " EDU " bar0 0x4.l=0x12345678 0x4.l 0x20.l=0x80:0x80 "
		  "0x0+0x8 >/dev/null; "
		  AP " " SHM " bar2 0x0.q=1; "
		  AP " " EDU " bar0 0x20.l=0' | grep -v '^open '");
	/* Without -s, every function; 16-bit VGA and 64-bit ivshmem. */
	fs_expect("write 0000:00:05.0 bar2 0x10.q=0x0000000000000001\n"
		  "write 0000:00:02.0 bar2 0x502.w=0x0280\n"
		  "read 0000:00:02.0 bar2 0x502.w -> 0x0280\n",
		  TRACEFS AP " trace -- sh -c '"
		  AP " " SHM " bar2 0x10.q=1; "
		  AP " " VGA " bar2 0x502.w=0x280 0x502.w >/dev/null' | "
		  "grep -v '^open '");
	/* The trace left no instance behind. */
	fs_expect("", "ls /sys/kernel/tracing/instances");
}
END_TEST

START_TEST(trace_refusals_and_mmap)
{
	struct fs_mount m;
	char *out;
	int st;

	need_mount();
	/* A fixed 32-bit width: the module refuses a 16-bit write. */
	fs_mount(&m, "/tmp/ap-w32", "width=32");
	ap_expect(0,
		  "aperture: 0000:00:04.0 bar0 0x4.w: write: Invalid argument "
		  "(EINVAL)\n"
		  "refused write 0000:00:04.0 bar0 0x4+0x2: EINVAL\n",
		  TRACEFS AP " trace " EDU " -- " AP " -m /tmp/ap-w32 " EDU
		  " bar0 0x4.w=1 2>&1 | grep -v '^open '; exit 0");
	fs_umount(&m);
	/* mmap where the mount offers it; elsewhere the daemon refuses it
	 * and the module sees nothing. */
	out = fs_sh(&st, "grep -q '^bar0.mmap: yes' " FS_MNT "/" FS_EDU
		    "/info");
	free(out);
	ap_expect(0, st == 0 ?
		  "0x010000ed\nmmap 0000:00:04.0 bar0 0x0+0x100000\n" :
		  "mmap: ENODEV\n",
		  TRACEFS AP " trace " EDU " -- $B/tests/tools/map-read "
		  FS_MNT "/" FS_EDU "/bar0 | grep -v '^open '; exit 0");
}
END_TEST

/*
 * A user's library program (the example's identity case: one 4-byte
 * read): where the mount maps BAR files, the module sees the mapping and
 * no read; with APERTURE_ACCESS=file, or where the mount does not map,
 * it sees the read.
 */
START_TEST(lib_reads_on_the_mapping)
{
	const char *run = " -- sh -c 'CK_RUN_CASE=identity "
			  "LD_LIBRARY_PATH=$B/stage/usr/lib "
			  "$B/examples/edu/check_edu >/dev/null' | "
			  "grep -v '^open '; exit 0";
	const char *read = "read 0000:00:04.0 bar0 0x0.l -> 0x010000ed\n";
	char *out;
	int st;

	need_mount();
	out = fs_sh(&st, "grep -q '^bar0.mmap: yes' " FS_MNT "/" FS_EDU
		    "/info");
	free(out);
	ap_expect(0, st == 0 ? "mmap 0000:00:04.0 bar0 0x0+0x100000\n" : read,
		  TRACEFS AP " trace " EDU "%s", run);
	ap_expect(0, read, "export APERTURE_ACCESS=file; " TRACEFS AP " trace "
		  EDU "%s", run);
}
END_TEST

/* ---- registers by name: a mount with the shipped descriptions ---------- */

#define RM	"/tmp/ap-regs"
#define APR	AP " -m " RM

static void mount_regs(struct fs_mount *m)
{
	const char *src = getenv("APERTURE_SRC");

	ck_assert_msg(src, "APERTURE_SRC is not set (run in tests/vm/run)");
	fs_mount(m, RM, fs_path("regs=%s/regs", src));
}

START_TEST(named_on_devices)
{
	struct fs_mount m;

	need_mount();
	mount_regs(&m);
	fs_expect("0x010000ed\n1\n", APR " " EDU " edu.IDENT edu.IDENT.MAJOR");
	fs_expect("0xedcba987\n", APR " " EDU " edu.LIVENESS=0x12345678 "
		  "edu.LIVENESS");
	/* The factorial by name, with a named wait on STATUS. */
	fs_expect("", APR " " EDU " edu.FACTORIAL=5");
	ap_expect(0, "", AP " wait -m " RM " " EDU " edu.STATUS.COMPUTING=0 "
		  "--timeout 2s 2>&1");
	fs_expect("0x00000078\n", APR " " EDU " edu.FACTORIAL");
	ap_expect(124, "aperture: 0000:00:04.0 edu.IDENT.MAJOR: timed out "
		  "after 50 ms waiting for 2; last value 1\n",
		  AP " wait -m " RM " " EDU " -t 50ms edu.IDENT.MAJOR=2 2>&1");
	/* 16-bit DISPI registers by name. */
	fs_expect("0xb0c5\n0x0280\n",
		  APR " -d 1234:1111 dispi.ID dispi.XRES=640 dispi.XRES");
	ap_expect(1, "aperture: 0000:00:04.0 edu.STATUS.IRQ_ENABLE: write: "
		  "Invalid argument (EINVAL): regs/edu/STATUS.IRQ_ENABLE: '2': "
		  "does not fit in 1 bit\n",
		  APR " " EDU " edu.STATUS.IRQ_ENABLE=2 2>&1");
	/* dump, then diff after two writes. */
	fs_expect("", APR " " EDU " edu.STATUS=0 edu.LIVENESS=0x12345678");
	fs_expect("", AP " dump -m " RM " " EDU " > /tmp/before.txt");
	fs_expect("bar0 0x00000000 edu IDENT 0x010000ed MAGIC=237 MINOR=0 "
		  "MAJOR=1\nbar0 0x00000004 edu LIVENESS 0xedcba987\n",
		  "head -n 2 /tmp/before.txt");
	fs_expect("", APR " " EDU " edu.STATUS.IRQ_ENABLE=1 edu.LIVENESS=0");
	fs_expect("", AP " dump -m " RM " " EDU " > /tmp/after.txt");
	ap_expect(1, "edu.LIVENESS 0xedcba987 -> 0xffffffff\n"
		  "edu.STATUS 0x00000000 -> 0x00000080: IRQ_ENABLE 0 -> 1\n",
		  AP " diff /tmp/before.txt /tmp/after.txt");
	/* The trace names the registers it knows. */
	fs_expect("read 0000:00:04.0 bar0 0x20.l -> 0x00000080 edu.STATUS\n"
		  "write 0000:00:04.0 bar0 0x20.l=0x00000000 edu.STATUS\n"
		  "write 0000:00:04.0 bar0 0x4.l=0x00000001 edu.LIVENESS\n"
		  "read 0000:00:04.0 bar0 0x0.l -> 0x010000ed edu.IDENT\n",
		  TRACEFS AP " trace -m " RM " " EDU " -- " APR " " EDU
		  " edu.STATUS.IRQ_ENABLE=0 edu.LIVENESS=1 bar0 0x0.l "
		  "| grep -v -e '^open ' -e '^0x'");
	/* Without -s/-d it names the registers of every function: edu's
	 * and the VGA's (BAR2, 16-bit), from the mount given with -m. */
	fs_expect("write 0000:00:04.0 bar0 0x4.l=0x00000001 edu.LIVENESS\n"
		  "write 0000:00:02.0 bar2 0x502.w=0x0280 dispi.XRES\n"
		  "read 0000:00:02.0 bar2 0x502.w -> 0x0280 dispi.XRES\n",
		  TRACEFS AP " trace -m " RM " -- sh -c '" APR " " EDU
		  " edu.LIVENESS=1; " APR " " VGA " dispi.XRES=640 "
		  "dispi.XRES >/dev/null' | grep -v '^open '");
	fs_umount(&m);
}
END_TEST

/* ---- the example, built from the staged install ----------------------- */

START_TEST(example_edu_suite)
{
	int st;
	char *out;

	need_mount();
	out = fs_sh(&st, "LD_LIBRARY_PATH=$B/stage/usr/lib "
		    "$B/examples/edu/check_edu 2>&1");
	ck_assert_msg(st == 0, "check_edu exit %d:\n%s", st, out);
	ck_assert_str_eq(out, "Running suite(s): edu\n"
			 "100%: Checks: 3, Failures: 0, Errors: 0\n");
	free(out);
	/* It was linked against the staged libaperture.so.0, not the tree. */
	fs_expect("libaperture.so.0\n",
		  "readelf -d $B/examples/edu/check_edu | "
		  "sed -n 's/.*Shared library: \\[\\(libaperture[^]]*\\)\\]/\\1/p'");
}
END_TEST

Suite *aperture_suite(void);

Suite *aperture_suite(void)
{
	Suite *s = suite_create("aperture");
	TCase *tc;

	tc = tcase_create("edu");
	tcase_add_test(tc, edu_read_forms);
	tcase_add_test(tc, edu_write_update_range);
	tcase_add_test(tc, edu_wait);
	tcase_add_test(tc, edu_dry_run_touches_nothing);
	tcase_add_test(tc, edu_errors);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("ivshmem");
	tcase_add_test(tc, ivshmem_widths_and_host);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("vga");
	tcase_add_test(tc, vga_dispi_16bit);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("trace");
	tcase_add_test(tc, trace_shows_a_script_in_order);
	tcase_add_test(tc, trace_refusals_and_mmap);
	tcase_add_test(tc, lib_reads_on_the_mapping);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("named");
	tcase_add_test(tc, named_on_devices);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("library");
	tcase_add_test(tc, lib_calls_on_edu);
	tcase_add_test(tc, lib_width_on_the_device);
	tcase_add_test(tc, example_edu_suite);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_regs.c - registers by name on QEMU's test devices, through an
 * aperturefs this suite mounts with -o regs=$APERTURE_SRC/regs (the
 * descriptions aperturefs ships): edu's identity, liveness, factorial and
 * status bits by value; every read and write one device access of the
 * register's width, counted in QEMU's own trace of MMIO accesses (the
 * guest asks QEMU over QMP to log memory_region_ops_read/write into the
 * host share); field read-modify-write; the access rules for root and for
 * a permitted and an unpermitted user; `registers` never reading a
 * register whose read has side effects; and the VGA picture drawn through
 * named registers, checked pixel by pixel in a screendump.  On a 32-bit
 * kernel (the i386 world) a 64-bit register is EOPNOTSUPP, `unsupported`
 * in `registers` and one daemon log line naming it, never two accesses.
 */
#include <grp.h>
#include <pwd.h>

#include "fs_util.h"

#define MNT	"/tmp/regs-mnt"
#define LOG	"/tmp/regs-daemon.log"
#define EDU	MNT "/" FS_EDU "/regs/edu/"
#define DISPI	MNT "/" FS_VGA "/regs/dispi/"
#define VGAR	MNT "/" FS_VGA "/regs/vga/"

static struct fs_mount mnt;

static void mount_regs(const char *more)
{
	const char *src = getenv("APERTURE_SRC");
	char opts[1024];

	ck_assert_msg(src, "not in a guest of tests/vm/run");
	snprintf(opts, sizeof(opts), "regs=%s/regs%s%s", src,
		 more ? "," : "", more ? more : "");
	fs_mount_log(&mnt, MNT, opts, LOG);
}

/*
 * A failed test exits its forked child before teardown: its mount may
 * still be there.  Detaching it ends its daemon (/dev/fuse reads fail).
 */
static void setup(void)
{
	for (int i = 0; i < 10 && fs_mounted(MNT); i++)
		umount2(MNT, MNT_DETACH);
	mount_regs(NULL);
}

static void teardown(void)
{
	fs_umount(&mnt);
}

/* One write(2) of @text: 0 or errno. */
static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		err = errno;
	close(fd);
	return err;
}

/* The errno of opening @path for reading, or 0 (and closed). */
static int open_err(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* The daemon's log names @what. */
static void logged(const char *what)
{
	char *log = fs_slurp(LOG, 1 << 20, NULL);

	ck_assert_msg(strstr(log, what), "not in %s: '%s'", LOG, what);
	free(log);
}

static void expect(const char *path, const char *want)
{
	char *got = fs_slurp(path, 4096, NULL);

	ck_assert_msg(!strcmp(got, want), "%s: got '%s', want '%s'", path, got,
		      want);
	free(got);
}

/*
 * Wait until STATUS.COMPUTING reads 0 (the factorial written last is
 * done), polling every millisecond for up to 10 s; it reads 0 or 1 only.
 */
static void computed(void)
{
	double deadline = fs_now() + 10;
	char *v;

	for (;;) {
		v = fs_slurp(EDU "STATUS.COMPUTING", 64, NULL);
		if (!strcmp(v, "0\n"))
			break;
		ck_assert_msg(!strcmp(v, "1\n"), "STATUS.COMPUTING: '%s'", v);
		free(v);
		ck_assert_msg(fs_now() < deadline, "edu: STATUS.COMPUTING "
			      "still 1 10 s after FACTORIAL was written");
		usleep(1000);
	}
	free(v);
}

/* ---- values ------------------------------------------------------- */

START_TEST(edu_values)
{
	expect(EDU "IDENT", "0x010000ed\n");
	expect(EDU "IDENT.MAGIC", "237\n");
	expect(EDU "IDENT.MAJOR", "1\n");
	expect(EDU "IDENT.MINOR", "0\n");
	/* Liveness reads back the inverse of what was written. */
	ck_assert_int_eq(put(EDU "LIVENESS", "0x12345678\n"), 0);
	expect(EDU "LIVENESS", "0xedcba987\n");
	ck_assert_int_eq(put(EDU "LIVENESS", "0"), 0);
	expect(EDU "LIVENESS", "0xffffffff\n");
	/* 5! = 120, once STATUS.COMPUTING is 0 (interrupts stay off). */
	expect(EDU "STATUS.IRQ_ENABLE", "0\n");
	ck_assert_int_eq(put(EDU "FACTORIAL", "5\n"), 0);
	computed();
	expect(EDU "FACTORIAL", "0x00000078\n");
	ck_assert_int_eq(put(EDU "FACTORIAL", "10"), 0);
	computed();
	expect(EDU "FACTORIAL", "0x00375f00\n");	/* 3628800 */
}
END_TEST

/* Field read-modify-write: the other bits of STATUS stay as they were. */
START_TEST(edu_status_field)
{
	ck_assert_int_eq(put(EDU "STATUS.IRQ_ENABLE", "1\n"), 0);
	expect(EDU "STATUS", "0x00000080\n");
	expect(EDU "STATUS.IRQ_ENABLE", "1\n");
	expect(EDU "STATUS.COMPUTING", "0\n");
	ck_assert_int_eq(put(EDU "STATUS.IRQ_ENABLE", "0"), 0);
	expect(EDU "STATUS", "0x00000000\n");
	/* A value that does not fit writes nothing. */
	ck_assert_int_eq(put(EDU "STATUS.IRQ_ENABLE", "2"), EINVAL);
	ck_assert_int_eq(put(EDU "LIVENESS", "0x1ffffffff"), EINVAL);
	expect(EDU "STATUS", "0x00000000\n");
}
END_TEST

/* ---- one access of the right width --------------------------------- */

/*
 * QEMU's trace of MMIO accesses, into mmio.log in the host share, on and
 * off (tests/vm/mmio-trace).
 */
static void trace(bool on)
{
	char *out;
	int st;

	out = fs_sh(&st, "%s/tests/vm/mmio-trace %s", getenv("APERTURE_SRC"),
		    on ? "on mmio.log" : "off");
	ck_assert_msg(st == 0, "QMP: %s", out);
	free(out);
}

/* One traced access. */
struct acc {
	char op;			/* 'r' or 'w' */
	unsigned long long off;		/* offset in the BAR */
	unsigned int size;		/* bytes */
};

/* The traced accesses inside [@start, @start + @len), in order. */
static size_t traced(unsigned long long start, unsigned long long len,
		     struct acc *v, size_t max)
{
	char *log = fs_slurp(fs_path("%s/mmio.log", getenv("APERTURE_HOST")),
			     64 << 20, NULL), *p, *line;
	size_t n = 0;

	for (line = strtok_r(log, "\n", &p); line; line = strtok_r(NULL, "\n", &p)) {
		char *t = strstr(line, "memory_region_ops_");
		unsigned long long addr, val;
		unsigned int size;
		char op[8];

		if (!t || sscanf(t, "memory_region_ops_%5s cpu %*d mr %*s addr "
				 "0x%llx value 0x%llx size %u", op, &addr,
				 &val, &size) != 4)
			continue;
		if (addr < start || addr >= start + len)
			continue;
		ck_assert_uint_lt(n, max);
		v[n++] = (struct acc){ op[0], addr - start, size };
	}
	free(log);
	return n;
}

#define ACC(v, i, o, a, s)						\
	do {								\
		ck_assert_int_eq((v)[i].op, (o));			\
		ck_assert_uint_eq((v)[i].off, (a));			\
		ck_assert_uint_eq((v)[i].size, (s));			\
	} while (0)

START_TEST(one_access_each)
{
	unsigned long long edu, edu_end, vga, vga_end, fl;
	struct acc v[256];
	char *text;
	size_t n;
	bool k32 = fs_kernel_is_32bit();
	int q = k32 ? 0 : 2;		/* edu's 8-byte accesses below */

	fs_sysfs_resource(FS_EDU, 0, &edu, &edu_end, &fl);
	fs_sysfs_resource(FS_VGA, 2, &vga, &vga_end, &fl);
	trace(true);
	free(fs_slurp(EDU "IDENT", 64, NULL));			/* r 0 4 */
	ck_assert_int_eq(put(EDU "LIVENESS", "7\n"), 0);	/* w 4 4 */
	if (k32) {
		/* No access at all: not two 4-byte halves. */
		ck_assert_int_eq(put(EDU "DMA_SRC", "0x123456789abcdef0"),
				 EOPNOTSUPP);
		ck_assert_int_eq(open_err(EDU "DMA_SRC"), EOPNOTSUPP);
	} else {
		ck_assert_int_eq(put(EDU "DMA_SRC", "0x123456789abcdef0"), 0);
		free(fs_slurp(EDU "DMA_SRC", 64, NULL));	/* w, r 0x80 8 */
	}
	ck_assert_int_eq(put(EDU "STATUS.IRQ_ENABLE", "0"), 0); /* r, w 0x20 4 */
	ck_assert_int_eq(put(DISPI "XRES", "1024"), 0);		/* w 0x502 2 */
	free(fs_slurp(DISPI "XRES", 64, NULL));			/* r 0x502 2 */
	ck_assert_int_eq(put(VGAR "ATTR_INDEX", "0x20"), 0);	/* w 0x400 1 */
	trace(false);

	n = traced(edu, edu_end - edu + 1, v, 256);
	ck_assert_uint_eq(n, 4 + q);
	ACC(v, 0, 'r', 0x00, 4);
	ACC(v, 1, 'w', 0x04, 4);
	if (!k32) {
		ACC(v, 2, 'w', 0x80, 8);
		ACC(v, 3, 'r', 0x80, 8);
	}
	ACC(v, 2 + q, 'r', 0x20, 4);
	ACC(v, 3 + q, 'w', 0x20, 4);
	/* What edu answers proves it too: 8 bytes below 0x80 would read
	 * all ones, two 4-byte halves would lose the upper half.  On a
	 * 32-bit kernel the daemon says which register it refused. */
	if (k32)
		logged("regs/edu/DMA_SRC: a 64-bit register, and the module "
		       "backend has no 8-byte access to bar0");
	else
		expect(EDU "DMA_SRC", "0x123456789abcdef0\n");
	n = traced(vga, vga_end - vga + 1, v, 256);
	ck_assert_uint_eq(n, 3);
	ACC(v, 0, 'w', 0x502, 2);
	ACC(v, 1, 'r', 0x502, 2);
	ACC(v, 2, 'w', 0x400, 1);

	/* `registers`: each readable register once, in offset order;
	 * write-only ones never. */
	trace(true);
	text = fs_slurp(MNT "/" FS_EDU "/registers", 65536, NULL);
	trace(false);
	n = traced(edu, edu_end - edu + 1, v, 256);
	ck_assert_uint_eq(n, k32 ? 5 : 9);
	ACC(v, 0, 'r', 0x00, 4);
	ACC(v, 1, 'r', 0x04, 4);
	ACC(v, 2, 'r', 0x08, 4);
	ACC(v, 3, 'r', 0x20, 4);
	ACC(v, 4, 'r', 0x24, 4);
	if (k32) {
		ck_assert_msg(strstr(text, "bar0 0x00000080 edu DMA_SRC unsupported\n") &&
			      strstr(text, "bar0 0x00000098 edu DMA_CMD unsupported\n"),
			      "registers: %s", text);
	} else {
		ACC(v, 5, 'r', 0x80, 8);
		ACC(v, 6, 'r', 0x88, 8);
		ACC(v, 7, 'r', 0x90, 8);
		ACC(v, 8, 'r', 0x98, 8);
	}
	free(text);
}
END_TEST

/*
 * The width is the description's.  edu answers 4-byte accesses below 0x80
 * with its registers and 8-byte ones with all ones; QEMU refuses 2-byte
 * ones before they reach edu (its MMIO ops are valid for 4 and 8 bytes
 * only) and the read gives 0 on x86, a synchronous external abort on
 * arm64: there the 16-bit register is the VGA's DISPI ID (BAR2 0x500,
 * 16-bit registers), which reads 0xb0c5 in one 2-byte access.
 */
START_TEST(width_follows_description)
{
	static const char desc[] =
		"<device><peripherals><peripheral><name>edu</name>"
		"<baseAddress>0</baseAddress><registers>"
		"<register><name>ID16</name><addressOffset>0</addressOffset>"
		"<size>16</size></register>"
		"<register><name>ID32</name><addressOffset>0</addressOffset>"
		"<size>32</size></register>"
		"<register><name>ID64</name><addressOffset>0</addressOffset>"
		"<size>64</size></register>"
		"</registers></peripheral></peripherals></device>\n";
	static const char vga[] =
		"<device><peripherals><peripheral><name>dispi</name>"
		"<baseAddress>0x500</baseAddress><registers>"
		"<register><name>ID16</name><addressOffset>0</addressOffset>"
		"<size>16</size></register>"
		"</registers></peripheral></peripherals></device>\n";
	unsigned long long edu, edu_end, fl, bar2, bar2_end;
	bool arm64 = fs_arch_arm64();
	struct acc v[16];

	fs_umount(&mnt);
	mkdir("/tmp/regs-desc", 0755);
	fs_write_file("/tmp/regs-desc/1234:11e8.svd", desc, strlen(desc));
	if (arm64)
		fs_write_file("/tmp/regs-desc/1234:1111-bar2.svd", vga,
			      strlen(vga));
	fs_mount_log(&mnt, MNT, "regs=/tmp/regs-desc", LOG);
	fs_sysfs_resource(FS_EDU, 0, &edu, &edu_end, &fl);
	fs_sysfs_resource(FS_VGA, 2, &bar2, &bar2_end, &fl);
	trace(true);
	expect(EDU "ID32", "0x010000ed\n");
	if (fs_kernel_is_32bit())
		ck_assert_int_eq(open_err(EDU "ID64"), EOPNOTSUPP);
	else
		expect(EDU "ID64", "0xffffffffffffffff\n");
	if (arm64)
		expect(DISPI "ID16", "0xb0c5\n");
	else
		expect(EDU "ID16", "0x0000\n");
	trace(false);
	if (arm64) {
		ck_assert_uint_eq(traced(bar2, bar2_end - bar2 + 1, v, 16), 1);
		ACC(v, 0, 'r', 0x500, 2);
	}
	ck_assert_uint_eq(traced(edu, edu_end - edu + 1, v, 16),
			  fs_kernel_is_32bit() ? 1 : 2);
	ACC(v, 0, 'r', 0, 4);
	if (!fs_kernel_is_32bit())
		ACC(v, 1, 'r', 0, 8);
}
END_TEST

/* ---- access rules --------------------------------------------------- */

START_TEST(rules_for_root)
{
	struct stat st;

	ck_assert_int_eq(geteuid(), 0);
	ck_assert_int_eq(put(EDU "IDENT", "1"), EACCES);
	ck_assert_int_eq(put(EDU "STATUS.COMPUTING", "1"), EACCES);
	ck_assert_int_eq(open(EDU "IRQ_ACK", O_RDONLY), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(stat(EDU "IDENT", &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0400);
	ck_assert_int_eq(stat(EDU "IRQ_ACK", &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0200);
	ck_assert_int_eq(stat(EDU "LIVENESS", &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
}
END_TEST

/* In a child as @uid: open @path with @flags; 0 or errno. */
static int open_as(uid_t uid, const char *path, int flags)
{
	int st, fd;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (!pid) {
		if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
			_exit(99);
		fd = open(path, flags);
		_exit(fd < 0 ? errno : 0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

START_TEST(rules_for_users)
{
	const uid_t user = 4242, other = 4343;

	fs_umount(&mnt);
	mount_regs("uid=4242");
	/* The owner: what the description allows, no more. */
	ck_assert_int_eq(open_as(user, EDU "LIVENESS", O_RDWR), 0);
	ck_assert_int_eq(open_as(user, EDU "IDENT", O_RDONLY), 0);
	ck_assert_int_eq(open_as(user, EDU "IDENT", O_WRONLY), EACCES);
	ck_assert_int_eq(open_as(user, EDU "IRQ_ACK", O_WRONLY), 0);
	ck_assert_int_eq(open_as(user, EDU "IRQ_ACK", O_RDONLY), EACCES);
	ck_assert_int_eq(open_as(user, MNT "/" FS_EDU "/registers", O_RDONLY), 0);
	/* Anyone else: nothing (umask 0177). */
	ck_assert_int_eq(open_as(other, EDU "LIVENESS", O_RDONLY), EACCES);
	ck_assert_int_eq(open_as(other, MNT "/" FS_EDU "/registers", O_RDONLY),
			 EACCES);
}
END_TEST

/* ---- registers ------------------------------------------------------ */

START_TEST(listing_skips_read_sensitive)
{
	unsigned long long shm, shm_end, vga, vga_end, fl;
	struct acc v[64];
	char *text;
	size_t n;

	fs_sysfs_resource(FS_IVSHMEM, 0, &shm, &shm_end, &fl);
	fs_sysfs_resource(FS_VGA, 2, &vga, &vga_end, &fl);
	trace(true);
	text = fs_slurp(MNT "/" FS_IVSHMEM "/registers", 65536, NULL);
	ck_assert_str_eq(text, "bar0 0x00000000 ivshmem INTRMASK 0x00000000\n"
			 "bar0 0x00000004 ivshmem INTRSTATUS skipped\n"
			 "bar0 0x00000008 ivshmem IVPOSITION 0x00000000\n");
	free(text);
	text = fs_slurp(MNT "/" FS_VGA "/registers", 65536, NULL);
	ck_assert_ptr_nonnull(strstr(text, "bar2 0x0000041a vga INPUT_STATUS_1 "
				     "skipped\n"));
	free(text);
	trace(false);
	n = traced(shm, shm_end - shm + 1, v, 64);
	ck_assert_uint_eq(n, 2);
	ACC(v, 0, 'r', 0x0, 4);
	ACC(v, 1, 'r', 0x8, 4);
	n = traced(vga + 0x41a, 1, v, 64);
	ck_assert_uint_eq(n, 0);
	/* Named, it is read: once. */
	trace(true);
	free(fs_slurp(MNT "/" FS_IVSHMEM "/regs/ivshmem/INTRSTATUS", 64, NULL));
	trace(false);
	n = traced(shm, shm_end - shm + 1, v, 64);
	ck_assert_uint_eq(n, 1);
	ACC(v, 0, 'r', 0x4, 4);
}
END_TEST

/* ---- the picture through named registers ----------------------------- */

#define VGA_W 320
#define VGA_H 240

START_TEST(picture_by_name)
{
	static uint32_t img[VGA_W * VGA_H];
	const char *src = getenv("APERTURE_SRC"), *host = getenv("APERTURE_HOST");
	unsigned char *ppm, *px;
	int w, h, max, status;
	size_t len;
	char *out;

	fs_expect("", "cd %s && echo 0 > ENABLE && echo %d > XRES && "
		  "echo %d > YRES && echo 32 > BPP && echo %d > VIRT_WIDTH && "
		  "echo %d > VIRT_HEIGHT && echo 0 > X_OFFSET && "
		  "echo 0 > Y_OFFSET && echo 0x41 > ENABLE", DISPI, VGA_W, VGA_H,
		  VGA_W, VGA_H);
	expect(DISPI "ENABLE.LFB_ENABLED", "1\n");
	fs_expect("", "cat %sINPUT_STATUS_1 >/dev/null && echo 0x20 > "
		  "%sATTR_INDEX", VGAR, VGAR);
	fs_pattern(img, sizeof(img), 4321);
	for (size_t i = 0; i < VGA_W * VGA_H; i++)
		img[i] &= 0x00ffffff;
	fs_write_file("/tmp/regs-vga.xrgb", img, sizeof(img));
	fs_expect("", "dd if=/tmp/regs-vga.xrgb of=" MNT "/" FS_VGA
		  "/bar0 bs=64k status=none");
	out = fs_sh(&status, "%s/tests/vm/screendump regs_vga.ppm", src);
	ck_assert_msg(status == 0, "screendump: %s", out);
	free(out);
	ppm = (unsigned char *)fs_slurp(fs_path("%s/regs_vga.ppm", host),
					16 << 20, &len);
	ck_assert_int_eq(sscanf((char *)ppm, "P6 %d %d %d", &w, &h, &max), 3);
	ck_assert_int_eq(w, VGA_W);
	ck_assert_int_eq(h, VGA_H);
	ck_assert_uint_ge(len, (size_t)w * h * 3);
	px = ppm + len - (size_t)w * h * 3;
	for (int i = 0; i < w * h; i++) {
		uint32_t got = px[3 * i] << 16 | px[3 * i + 1] << 8 |
			       px[3 * i + 2];

		ck_assert_msg(got == img[i], "pixel %d: 0x%06x, want 0x%06x",
			      i, got, img[i]);
	}
	free(ppm);
}
END_TEST

Suite *regs_suite(void);

/*
 * A test case of one aspect, each test on a fresh mount.  The timeout is
 * a hang bound, not a speed goal: the whole suite took 20 s on 7.3
 * (2026-12-06), once tests/vm/mmio-trace turned the trace events off (with
 * them left on, a trace window cost about 80 s, over 300 s in the i386
 * world).
 */
static TCase *aspect(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	suite_add_tcase(s, tc);
	return tc;
}

Suite *regs_suite(void)
{
	Suite *s = suite_create("regs");
	TCase *tc;

	tc = aspect(s, "values");
	tcase_add_test(tc, edu_values);
	tcase_add_test(tc, edu_status_field);
	tc = aspect(s, "accesses");
	tcase_add_test(tc, one_access_each);
	tcase_add_test(tc, width_follows_description);
	tc = aspect(s, "rules");
	tcase_add_test(tc, rules_for_root);
	tcase_add_test(tc, rules_for_users);
	tc = aspect(s, "listing");
	tcase_add_test(tc, listing_skips_read_sensitive);
	tc = aspect(s, "picture");
	tcase_add_test(tc, picture_by_name);
	return s;
}

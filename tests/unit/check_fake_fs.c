/*
 * check_fake_fs.c - the FUSE layer (fuse-mount/) on a fake machine, on
 * this host: the tree, info, config, reads and writes with exact bytes,
 * the ends of a BAR, ro, st_blksize, and the option errors that must come
 * before any look at the system.  Nothing here touches a real device: the
 * daemon runs with --fake, or stops at its option checks.
 */
#include <dirent.h>

#include "fake_mount.h"

static const char *machine =
	"# a made-up lab machine\n"
	"function 00:04.0 1234:11e8 class=00ff rev=10 driver=edu\n"
	"bar0 mem 1M\n"
	"function 00:05.0 1af4:1110 class=0500 rev=01 subsystem=1af4:1100\n"
	"bar0 mem 256\n"
	"bar2 mem64 prefetch 1M file=ivshmem.img\n"
	"function 00:06.0 1b36:0005 class=00ff\n"
	"bar0 mem 4K addr=fe000000\n"
	"bar1 io 256\n"
	"function 00:07.0 1234:11e8 class=00ff rev=10\n"
	"bar0 mem 1M\n";

/* Names in @dir but "." and "..", sorted, joined with spaces. */
static void list_dir(const char *dir, char *out, size_t len)
{
	struct dirent **v;
	int n = scandir(dir, &v, NULL, alphasort);

	ck_assert_msg(n >= 0, "scandir %s: %s", dir, strerror(errno));
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		if (v[i]->d_name[0] != '.') {
			if (out[0])
				strncat(out, " ", len - strlen(out) - 1);
			strncat(out, v[i]->d_name, len - strlen(out) - 1);
		}
		free(v[i]);
	}
	free(v);
}

START_TEST(tree)
{
	struct fk m;
	char got[1024], link[64];
	ssize_t n;

	fk_mount(&m, machine, NULL);
	list_dir(m.mnt, got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:04.0 0000:00:05.0 0000:00:06.0 "
			      "0000:00:07.0 by-id");
	list_dir(FK_PATH(&m, "by-id"), got, sizeof(got));
	ck_assert_str_eq(got, "1234:11e8 1234:11e8-2 1af4:1110 1b36:0005");
	n = readlink(FK_PATH(&m, "by-id/1234:11e8-2"), link, sizeof(link));
	ck_assert_int_eq(n, 15);
	ck_assert_int_eq(memcmp(link, "../0000:00:07.0", 15), 0);
	list_dir(FK_PATH(&m, "0000:00:05.0"), got, sizeof(got));
	ck_assert_str_eq(got, "bar0 bar2 config info");
	list_dir(FK_PATH(&m, "0000:00:06.0"), got, sizeof(got));
	ck_assert_str_eq(got, "bar0 bar1 config info");
	fk_umount(&m);
}
END_TEST

START_TEST(info)
{
	struct fk m;
	char *text;

	fk_mount(&m, machine, NULL);
	text = fk_slurp(FK_PATH(&m, "0000:00:05.0/info"));
	ck_assert_ptr_nonnull(text);
	ck_assert_pstr_eq(strstr(text, "slot: 0000:00:05.0\n"), text);
	/* The device's name depends on the pci.ids installed. */
	ck_assert_ptr_nonnull(strstr(text, "\nname: RAM memory [0500]: Red "
				     "Hat, Inc. "));
	ck_assert_ptr_nonnull(strstr(text, " [1af4:1110] (rev 01)\nvendor: "
				     "Red Hat, Inc. [1af4]\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ndriver: (none)\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nbar2: Memory at e0200000 "
				     "(64-bit, prefetchable) [size=1M]\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nbar2.memtype: wc\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nbar0.memtype: uc\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nbar0.decoding: yes\n"));
	free(text);
	text = fk_slurp(FK_PATH(&m, "0000:00:04.0/info"));
	ck_assert_ptr_nonnull(strstr(text, "\ndriver: edu\n"));
	free(text);
	text = fk_slurp(FK_PATH(&m, "0000:00:06.0/info"));
	ck_assert_ptr_nonnull(strstr(text, "\nbar1: I/O ports at c000 "
				     "[size=256]\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nbar0.address: 0xfe000000\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nbar1.mmap: no (I/O-port BAR)\n"));
	free(text);
	fk_umount(&m);
}
END_TEST

START_TEST(config)
{
	static const unsigned char want[16] = {
		0xf4, 0x1a, 0x10, 0x11, 0x07, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00,
	};
	unsigned char buf[512];
	struct stat st;
	struct fk m;
	int fd;

	fk_mount(&m, machine, NULL);
	fd = open(FK_PATH(&m, "0000:00:05.0/config"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 256);
	ck_assert_int_eq(memcmp(buf, want, 16), 0);
	/* BAR2: 64-bit prefetchable at 0xe0200000. */
	ck_assert_uint_eq(buf[0x18], 0x0c);
	ck_assert_uint_eq(buf[0x1b], 0xe0);
	ck_assert_uint_eq(buf[0x1a], 0x20);
	ck_assert_int_eq(pread(fd, buf, 16, 250), 6);
	ck_assert_int_eq(pread(fd, buf, 16, 256), 0);
	close(fd);
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:05.0/config"), &st), 0);
	ck_assert_int_eq(st.st_size, 256);
	errno = 0;
	ck_assert_int_eq(open(FK_PATH(&m, "0000:00:05.0/config"), O_WRONLY),
			 -1);
	ck_assert_int_eq(errno, EACCES);
	fk_umount(&m);
}
END_TEST

START_TEST(read_write_bytes)
{
	unsigned char buf[4096], back[4096], file[16];
	struct fk m;
	int fd, img;

	fk_mount(&m, machine, NULL);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = i * 7 + 3;
	/* Memory-backed BAR: what is written is read back, byte for byte. */
	fd = open(FK_PATH(&m, "0000:00:04.0/bar0"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, buf, 4096, 0x1000), 4096);
	ck_assert_int_eq(pwrite(fd, "\x78\x56\x34\x12", 4, 4), 4);
	ck_assert_int_eq(pread(fd, back, 4096, 0x1000), 4096);
	ck_assert_int_eq(memcmp(buf, back, 4096), 0);
	ck_assert_int_eq(pread(fd, back, 8, 0), 8);
	ck_assert_int_eq(memcmp(back, "\0\0\0\0\x78\x56\x34\x12", 8), 0);
	close(fd);
	/* The other edu has memory of its own. */
	fd = open(FK_PATH(&m, "0000:00:07.0/bar0"), O_RDONLY);
	ck_assert_int_eq(pread(fd, back, 8, 0), 8);
	ck_assert_int_eq(memcmp(back, "\0\0\0\0\0\0\0\0", 8), 0);
	close(fd);
	/* File-backed BAR: the bytes land in the file at the offset. */
	fd = open(FK_PATH(&m, "0000:00:05.0/bar2"), O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "aperture", 8, 0xffff8), 8);
	close(fd);
	img = open(fk_path(&m, (char[PATH_MAX * 2]){ 0 }, "../ivshmem.img"),
		   O_RDONLY);
	ck_assert_int_ge(img, 0);
	ck_assert_int_eq(pread(img, file, 16, 0xffff8), 8);
	ck_assert_int_eq(memcmp(file, "aperture", 8), 0);
	close(img);
	fk_umount(&m);
}
END_TEST

/* Past the end: reads give 0 (EOF), writes ENOSPC, both clamp. */
START_TEST(ends)
{
	char buf[64];
	struct stat st;
	struct fk m;
	int fd;

	fk_mount(&m, machine, NULL);
	fd = open(FK_PATH(&m, "0000:00:05.0/bar0"), O_RDWR | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 256);
	ck_assert_int_eq(pwrite(fd, "abcdefgh", 8, 252), 4);
	ck_assert_int_eq(pread(fd, buf, 64, 250), 6);
	ck_assert_int_eq(memcmp(buf, "\0\0abcd", 6), 0);
	ck_assert_int_eq(pread(fd, buf, 64, 256), 0);
	ck_assert_int_eq(pread(fd, buf, 64, 1 << 20), 0);
	errno = 0;
	ck_assert_int_eq(pwrite(fd, "x", 1, 256), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 256);
	close(fd);
	fk_umount(&m);
}
END_TEST

/* st_blksize says what a good transfer is: the BAR, up to 1 MiB. */
START_TEST(blksize)
{
	struct stat st;
	struct fk m;

	fk_mount(&m, machine, NULL);
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:04.0/bar0"), &st), 0);
	ck_assert_int_eq(st.st_blksize, 1 << 20);
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:05.0/bar0"), &st), 0);
	ck_assert_int_eq(st.st_blksize, 256);
	fk_umount(&m);
}
END_TEST

/* Closing or fsync()ing a BAR file costs no round trip: the daemon has
 * no flush and no fsync, so the kernel hears ENOSYS once and stops
 * asking (libfuse's -d log shows every request). */
START_TEST(no_flush_round_trips)
{
	char fake[PATH_MAX + 8];
	struct fk m;
	int fd;

	fk_prepare(&m, machine);
	snprintf(fake, sizeof(fake), "--fake=%s", m.desc);
	ck_assert_int_eq(fk_run(&m, (const char *[]){ fake, "-d", m.mnt,
						      NULL }), 0);
	for (int i = 0; i < 4; i++) {
		fd = open(FK_PATH(&m, "0000:00:04.0/bar0"), O_RDWR);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(pwrite(fd, "abcd", 4, 0), 4);
		ck_assert_int_eq(fsync(fd), 0);
		ck_assert_int_eq(close(fd), 0);
	}
	ck_assert_int_eq(fk_log_count(&m, "opcode: WRITE"), 4);
	ck_assert_int_le(fk_log_count(&m, "opcode: FLUSH"), 1);
	ck_assert_int_le(fk_log_count(&m, "opcode: FSYNC "), 1);
	fk_umount(&m);
}
END_TEST

START_TEST(read_only)
{
	struct stat st;
	struct fk m;
	char b[4];
	int fd;

	fk_mount(&m, machine, "ro,umask=0");
	ck_assert_int_eq(stat(FK_PATH(&m, "0000:00:04.0/bar0"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0444);
	errno = 0;
	ck_assert_int_eq(open(FK_PATH(&m, "0000:00:04.0/bar0"), O_RDWR), -1);
	ck_assert_int_eq(errno, EROFS);
	fd = open(FK_PATH(&m, "0000:00:04.0/bar0"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, b, 4, 0), 4);
	close(fd);
	fk_umount(&m);
}
END_TEST

START_TEST(filters)
{
	struct fk m;
	char got[1024];

	fk_mount(&m, machine, "devices=1234:11e8");
	list_dir(m.mnt, got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:04.0 0000:00:07.0 by-id");
	fk_umount(&m);
	fk_mount(&m, machine, "devices=-s00:05;-d ::00ff");
	list_dir(m.mnt, got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:04.0 0000:00:05.0 0000:00:06.0 "
			      "0000:00:07.0 by-id");
	fk_umount(&m);
	fk_mount(&m, machine, "devices=-s00:06");
	list_dir(m.mnt, got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:06.0 by-id");
	fk_umount(&m);
}
END_TEST

/* 5-digit PCI domains (VMD) are slots like any other. */
START_TEST(vmd_domain)
{
	static const char *vmd =
		"function 00:04.0 1234:11e8 class=00ff\n"
		"bar0 mem 4K\n"
		"function 10000:01:00.0 8086:f1a8 class=0108 progif=02\n"
		"bar0 mem64 16K\n";
	struct fk m;
	char got[1024], *text;
	int fd;

	fk_mount(&m, vmd, NULL);
	list_dir(m.mnt, got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:04.0 10000:01:00.0 by-id");
	text = fk_slurp(FK_PATH(&m, "10000:01:00.0/info"));
	ck_assert_ptr_nonnull(text);
	ck_assert_pstr_eq(strstr(text, "slot: 10000:01:00.0\n"), text);
	free(text);
	fd = open(FK_PATH(&m, "10000:01:00.0/bar0"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "nvme", 4, 16380), 4);
	close(fd);
	fk_umount(&m);
	fk_mount(&m, vmd, "devices=-s10000:01:00.0");
	list_dir(m.mnt, got, sizeof(got));
	ck_assert_str_eq(got, "10000:01:00.0 by-id");
	fk_umount(&m);
}
END_TEST

/*
 * The daemon with @argv must exit 1 with one line on stderr containing
 * @want (and not @unwanted), mounting nothing.
 */
static void expect_error(const char *const *argv, const char *want,
			 const char *unwanted)
{
	struct fk m;
	char *out;
	int ret;

	fk_prepare(&m, machine);
	ret = fk_run(&m, argv);
	out = fk_slurp(m.log);
	ck_assert_msg(ret == 1, "%s: exit %d:\n%s", argv[0], ret, out);
	ck_assert_msg(strstr(out, want), "want '%s' in:\n%s", want, out);
	ck_assert_msg(!unwanted || !strstr(out, unwanted),
		      "'%s' in:\n%s", unwanted, out);
	ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1,
		      "not one line:\n%s", out);
	free(out);
	fk_umount(&m);
}

START_TEST(option_errors)
{
	/* No --fake: these must stop before the module is looked for. */
	expect_error((const char *[]){ "-o", "devices=", "/tmp", NULL },
		     "-o devices= is empty", "aperture_io");
	expect_error((const char *[]){ "-o", "devices=;; ;", "/tmp", NULL },
		     "-o devices= is empty", "aperture_io");
	expect_error((const char *[]){ "-o", "devices=00:04", "/tmp", NULL },
		     "bad filter '00:04' in -o devices: ambiguous: a "
		     "bus:device slot or a vendor:device id? write -s for the "
		     "slot or -d for the id (e.g. -s00:04 or -d 1234:11e8)",
		     "aperture_io");
	expect_error((const char *[]){ "-o", "frobnicate", "/tmp", NULL },
		     "frobnicate", "aperture_io");
	expect_error((const char *[]){ "-o", "width=12", "/tmp", NULL },
		     "bad -o width=12", "aperture_io");
	expect_error((const char *[]){ "--fake=/nonexistent/m.txt", "/tmp",
				       NULL },
		     "--fake: /nonexistent/m.txt: No such file or directory",
		     NULL);
	/* -o own= is checked before anything: nothing of sysfs is read. */
	expect_error((const char *[]){ "-o", "own=00:04", "/tmp", NULL },
		     "bad -o own=00:04: not a PCI address (DDDD:BB:DD.F or "
		     "BB:DD.F; several: own=00:04.0;00:05.0)", NULL);
	expect_error((const char *[]){ "-o", "own=", "/tmp", NULL },
		     "-o own= is empty: name a function (own=00:04.0)", NULL);
	expect_error((const char *[]){ "--fake=/nonexistent/m.txt", "-o",
				       "own=00:04.0", "/tmp", NULL },
		     "-o own= binds real functions to aperture_io: a fake "
		     "machine's function is owned with driver=aperture_io in "
		     "its description", NULL);
}
END_TEST

/* A bad description names its file and line. */
START_TEST(description_errors)
{
	struct fk m;
	char fake[PATH_MAX + 8], *out;
	int ret;

	fk_prepare(&m, "function 00:04.0 1234:11e8\nbar0 mem 3K\n");
	snprintf(fake, sizeof(fake), "--fake=%s", m.desc);
	ret = fk_run(&m, (const char *[]){ fake, m.mnt, NULL });
	ck_assert_int_eq(ret, 1);
	out = fk_slurp(m.log);
	ck_assert_msg(strstr(out, "machine.txt:2: '3K': want mem, mem64"),
		      "%s", out);
	free(out);
	fk_umount(&m);
}
END_TEST

/* Names from a pci.ids of the user's own (ids FILE), through libpci. */
START_TEST(own_ids)
{
	struct fk m;
	char ids[PATH_MAX + 16], *text;

	fk_prepare(&m, "ids lab.ids\nfunction 00:04.0 1234:11e8 class=00ff\n"
		       "bar0 mem 4K\n");
	snprintf(ids, sizeof(ids), "%s/lab.ids", m.dir);
	fk_write(ids, "1234  Aperture Labs\n\t11e8  Edu Test Card\n");
	{
		char fake[PATH_MAX + 8];

		snprintf(fake, sizeof(fake), "--fake=%s", m.desc);
		ck_assert_int_eq(fk_run(&m, (const char *[]){ fake, "-f",
							      m.mnt, NULL }),
				 0);
	}
	text = fk_slurp(FK_PATH(&m, "0000:00:04.0/info"));
	ck_assert_ptr_nonnull(text);
	/* The class name is libpci's own where the file has none. */
	ck_assert_msg(strstr(text, " [00ff]: Aperture Labs Edu Test Card "
			     "[1234:11e8]\nvendor: Aperture Labs [1234]\n"
			     "device: Edu Test Card [11e8]\n"),
		      "%s", text);
	free(text);
	fk_umount(&m);
}
END_TEST

/* info shows names as long as pci.ids and libpci make them, uncut (a
 * description of 768 bytes: class 254, names 503, revision 9). */
START_TEST(long_names)
{
	char fake[PATH_MAX + 8], ids[PATH_MAX + 16], want[2048];
	char v[246], d[246], c[248], *text;
	struct fk m;

	memset(v, 'V', sizeof(v) - 1);
	memset(d, 'D', sizeof(d) - 1);
	memset(c, 'C', sizeof(c) - 1);
	v[sizeof(v) - 1] = d[sizeof(d) - 1] = c[sizeof(c) - 1] = 0;
	fk_prepare(&m, "ids lab.ids\nfunction 00:04.0 1234:11e8 class=ff42 "
		       "rev=10\nbar0 mem 4K\n");
	snprintf(ids, sizeof(ids), "%s/lab.ids", m.dir);
	snprintf(want, sizeof(want), "1234  %s\n\t11e8  %s\nC ff  Lab\n"
		 "\t42  %s\n", v, d, c);
	fk_write(ids, want);
	snprintf(fake, sizeof(fake), "--fake=%s", m.desc);
	ck_assert_int_eq(fk_run(&m, (const char *[]){ fake, "-f", m.mnt,
						      NULL }), 0);
	text = fk_slurp(FK_PATH(&m, "0000:00:04.0/info"));
	ck_assert_ptr_nonnull(text);
	snprintf(want, sizeof(want), "\nname: %s [ff42]: %s %s [1234:11e8] "
		 "(rev 10)\nvendor: %s [1234]\ndevice: %s [11e8]\n", c, v, d,
		 v, d);
	/* "\nname: " and the 768 bytes up to the newline */
	ck_assert_int_eq(strchr(want + 1, '\n') - want, 7 + 768);
	ck_assert_msg(strstr(text, want), "%s", text);
	free(text);
	fk_umount(&m);
}
END_TEST

START_TEST(version)
{
	struct fk m;
	char *out;

	fk_prepare(&m, machine);
	ck_assert_int_eq(fk_run(&m, (const char *[]){ "--version", NULL }), 0);
	out = fk_slurp(m.log);
	ck_assert_msg(!strncmp(out, "aperturefs " APERTUREFS_VERSION
			       " (libfuse ", 21 + strlen(APERTUREFS_VERSION)),
		      "%s", out);
	free(out);
	fk_umount(&m);
}
END_TEST

Suite *fake_fs_suite(void);

Suite *fake_fs_suite(void)
{
	Suite *s = suite_create("fake_fs");
	TCase *tc;

	tc = tcase_create("tree");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tree);
	tcase_add_test(tc, info);
	tcase_add_test(tc, config);
	tcase_add_test(tc, filters);
	tcase_add_test(tc, vmd_domain);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, read_write_bytes);
	tcase_add_test(tc, ends);
	tcase_add_test(tc, blksize);
	tcase_add_test(tc, no_flush_round_trips);
	tcase_add_test(tc, read_only);
	suite_add_tcase(s, tc);

	tc = tcase_create("options");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, option_errors);
	tcase_add_test(tc, description_errors);
	tcase_add_test(tc, version);
	tcase_add_test(tc, own_ids);
	tcase_add_test(tc, long_names);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_fs.c - aperturefs as a user sees it, through the mount the runner
 * makes at /mnt/apertures (no options): the tree and sizes, the commands
 * people type (hexdump, od, xxd, dd, cmp, cat, cp) with their exact output,
 * pread/pwrite from a program, past-the-end accesses, O_TRUNC and
 * truncate, the bytes the host sees in ivshmem, and a picture drawn
 * through the VGA's BARs.  info and config: check_fs_info.c.
 */
#include <dirent.h>

#include "fs_util.h"

#define EDU_BAR0	FS_MNT "/" FS_EDU "/bar0"
#define SHM_BAR2	FS_MNT "/" FS_IVSHMEM "/bar2"
#define SHM_SIZE	(1u << 20)

static void need_mount(void)
{
	if (!fs_mounted(FS_MNT))
		ck_abort_msg(FS_MNT " is not mounted (run without --no-mount)");
}

/* ---- tree ---------------------------------------------------------- */

START_TEST(tree_lists_functions_with_bars)
{
	const char *want[] = { FS_VGA, FS_EDU, FS_IVSHMEM, FS_TESTDEV,
			       "by-id" };
	struct stat st;

	need_mount();
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_msg(stat(fs_path(FS_MNT "/%s", want[i]), &st) == 0,
			      "%s: %s", want[i], strerror(errno));
		ck_assert(S_ISDIR(st.st_mode));
	}
	/* Every directory is a function of sysfs; root has no BAR dir. */
	DIR *d = opendir(FS_MNT);
	struct dirent *de;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "by-id"))
			continue;
		ck_assert_msg(stat(fs_path(FS_SYSFS "/%s", de->d_name), &st) ==
				      0,
			      "%s is not in sysfs", de->d_name);
	}
	closedir(d);
}
END_TEST

START_TEST(tree_bar_files_match_sysfs)
{
	const char *devs[] = { FS_VGA, FS_EDU, FS_IVSHMEM, FS_TESTDEV };

	need_mount();
	for (size_t i = 0; i < 4; i++) {
		for (int b = 0; b < 6; b++) {
			unsigned long long s, e, fl;
			struct stat st;
			int ret;

			fs_sysfs_resource(devs[i], b, &s, &e, &fl);
			ret = stat(fs_path(FS_MNT "/%s/bar%d", devs[i], b),
				   &st);
			if (!e) {
				ck_assert_msg(ret < 0 && errno == ENOENT,
					      "%s bar%d should not exist",
					      devs[i], b);
				continue;
			}
			ck_assert_msg(ret == 0, "%s bar%d: %s", devs[i], b,
				      strerror(errno));
			ck_assert(S_ISREG(st.st_mode));
			ck_assert_uint_eq(st.st_size, e - s + 1);
			ck_assert_uint_eq(st.st_mode & 07777, 0600);
			ck_assert_uint_eq(st.st_uid, 0);
		}
	}
}
END_TEST

START_TEST(tree_known_sizes)
{
	struct stat st;

	need_mount();
	ck_assert_int_eq(stat(EDU_BAR0, &st), 0);
	ck_assert_uint_eq(st.st_size, 1 << 20);
	ck_assert_int_eq(stat(SHM_BAR2, &st), 0);
	ck_assert_uint_eq(st.st_size, SHM_SIZE);
	ck_assert_int_eq(stat(FS_MNT "/" FS_IVSHMEM "/bar0", &st), 0);
	ck_assert_uint_eq(st.st_size, 256);
	ck_assert_int_eq(stat(FS_MNT "/" FS_VGA "/bar0", &st), 0);
	ck_assert_uint_eq(st.st_size, 16 << 20);
	ck_assert_int_eq(stat(FS_MNT "/" FS_TESTDEV "/bar1", &st), 0);
	ck_assert_uint_eq(st.st_size, 256);
	ck_assert_int_eq(stat(FS_MNT "/" FS_IVSHMEM "/bar1", &st), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(tree_by_id)
{
	char buf[64];
	ssize_t n;
	struct stat a, b;

	need_mount();
	n = readlink(FS_MNT "/by-id/1234:11e8", buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	ck_assert_str_eq(buf, "../" FS_EDU);
	n = readlink(FS_MNT "/by-id/1af4:1110", buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	ck_assert_str_eq(buf, "../" FS_IVSHMEM);
	ck_assert_int_eq(stat(FS_MNT "/by-id/1234:11e8/bar0", &a), 0);
	ck_assert_int_eq(stat(EDU_BAR0, &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino);
	/* The two virtio-9p functions share ids: one gets a suffix. */
	ck_assert_int_eq(lstat(FS_MNT "/by-id/1af4:1009", &a), 0);
	ck_assert_int_eq(lstat(FS_MNT "/by-id/1af4:1009-2", &a), 0);
	ck_assert(S_ISLNK(a.st_mode));
}
END_TEST

/* ---- the commands users type ---------------------------------------- */

START_TEST(cmd_hexdump_edu_identity)
{
	need_mount();
	fs_expect("00000000  ed 00 00 01                                       "
		  "|....|\n00000004\n",
		  "hexdump -C -n 4 " EDU_BAR0);
}
END_TEST

START_TEST(cmd_dd_liveness)
{
	need_mount();
	/* One 4-byte word written at 0x04, read back inverted. */
	fs_expect("", "printf '\\170\\126\\064\\022' | dd of=" EDU_BAR0
		      " bs=4 seek=1 count=1 conv=notrunc status=none");
	fs_expect(" edcba987\n", "dd if=" EDU_BAR0 " bs=4 skip=1 count=1 "
				 "status=none | od -An -tx4");
	fs_expect("000000 010000ed edcba987\n000008\n",
		  "od -A x -t x4 -N 8 " EDU_BAR0);
	fs_expect("00000000: ed00 0001 87a9 cbed                      "
		  "........\n",
		  "xxd -l 8 " EDU_BAR0);
	/* And the other way round, through the same mount. */
	fs_expect("", "printf '\\000\\000\\000\\000' | dd of=" EDU_BAR0
		      " bs=4 seek=1 count=1 conv=notrunc status=none");
	fs_expect("00000004  ff ff ff ff                                       "
		  "|....|\n00000008\n",
		  "hexdump -C -s 4 -n 4 " EDU_BAR0);
}
END_TEST

START_TEST(cmd_cp_cat_cmp_ivshmem)
{
	static uint8_t img[SHM_SIZE];
	struct stat st;
	char *copy;
	size_t len;

	need_mount();
	fs_pattern(img, sizeof(img), 42);
	fs_write_file("/tmp/image.bin", img, sizeof(img));
	fs_expect("", "cp /tmp/image.bin " SHM_BAR2);
	fs_expect("", "cmp /tmp/image.bin " SHM_BAR2);
	/* What the host's file holds, read through the cache=none share. */
	fs_expect("", "cmp /tmp/image.bin %s", fs_ivshmem_host());
	fs_expect("", "cat " SHM_BAR2 " > /tmp/copy.bin");
	copy = fs_slurp("/tmp/copy.bin", 2 * SHM_SIZE, &len);
	ck_assert_uint_eq(len, SHM_SIZE);
	ck_assert_int_eq(memcmp(copy, img, len), 0);
	free(copy);
	ck_assert_int_eq(stat(SHM_BAR2, &st), 0);
	ck_assert_uint_eq(st.st_size, SHM_SIZE);
}
END_TEST

START_TEST(cmd_dd_without_notrunc)
{
	static uint8_t fw[64 << 10], back[64 << 10];
	struct stat st;
	int fd;

	need_mount();
	/* Known bytes after the firmware, to see that O_TRUNC zeroes none. */
	fd = open(SHM_BAR2, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "TAIL", 4, sizeof(fw)), 4);
	close(fd);
	fs_pattern(fw, sizeof(fw), 7);
	fs_write_file("/tmp/fw.bin", fw, sizeof(fw));
	fs_expect("", "dd if=/tmp/fw.bin of=" SHM_BAR2 " bs=4k status=none");
	ck_assert_int_eq(stat(SHM_BAR2, &st), 0);
	ck_assert_uint_eq(st.st_size, SHM_SIZE);
	fd = open(fs_ivshmem_host(), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, back, sizeof(back), 0), sizeof(back));
	ck_assert_int_eq(memcmp(back, fw, sizeof(fw)), 0);
	ck_assert_int_eq(pread(fd, back, 4, sizeof(fw)), 4);
	ck_assert_int_eq(memcmp(back, "TAIL", 4), 0);
	close(fd);

	/* One word at word 3, nothing else. */
	fs_expect("", "printf 'WORD' | dd of=" SHM_BAR2 " bs=4 seek=3 count=1 "
		      "conv=notrunc status=none");
	fs_expect("", "cmp -n 12 /tmp/fw.bin " SHM_BAR2);
	fs_expect("WORD", "dd if=" SHM_BAR2 " bs=4 skip=3 count=1 status=none");
	fs_expect("", "cmp -i 16 -n 4096 /tmp/fw.bin " SHM_BAR2);
}
END_TEST

START_TEST(truncate_is_ignored)
{
	struct stat st;
	char buf[4];
	int fd;

	need_mount();
	fd = open(SHM_BAR2, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "KEEP", 4, 100), 4);
	close(fd);
	ck_assert_int_eq(truncate(SHM_BAR2, 0), 0);
	fd = open(SHM_BAR2, O_RDWR | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 12), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_size, SHM_SIZE);
	ck_assert_int_eq(pread(fd, buf, 4, 100), 4);
	ck_assert_int_eq(memcmp(buf, "KEEP", 4), 0);
	close(fd);
	ck_assert_int_eq(stat(SHM_BAR2, &st), 0);
	ck_assert_uint_eq(st.st_size, SHM_SIZE);
}
END_TEST

/* ---- a program with pread/pwrite ------------------------------------ */

START_TEST(prog_pread_pwrite)
{
	uint32_t v;
	int fd;

	need_mount();
	fd = open(EDU_BAR0, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 4, 0), 4);
	ck_assert_uint_eq(v, 0x010000ed);
	v = 0xcafe0001;
	ck_assert_int_eq(pwrite(fd, &v, 4, 4), 4);
	ck_assert_int_eq(pread(fd, &v, 4, 4), 4);
	ck_assert_uint_eq(v, ~0xcafe0001u);
	ck_assert_int_eq(lseek(fd, 0, SEEK_END), 1 << 20);
	close(fd);
}
END_TEST

START_TEST(past_the_end)
{
	char buf[16];
	int fd;

	need_mount();
	fd = open(SHM_BAR2, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, 16, SHM_SIZE), 0);
	ck_assert_int_eq(pread(fd, buf, 16, SHM_SIZE + 4096), 0);
	ck_assert_int_eq(pread(fd, buf, 16, SHM_SIZE - 8), 8);
	errno = 0;
	ck_assert_int_eq(pwrite(fd, buf, 16, SHM_SIZE), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(pwrite(fd, "abcdefgh12345678", 16, SHM_SIZE - 8), 8);
	ck_assert_int_eq(pread(fd, buf, 8, SHM_SIZE - 8), 8);
	ck_assert_int_eq(memcmp(buf, "abcdefgh", 8), 0);
	close(fd);
	fs_expect("", "dd if=/dev/zero of=" SHM_BAR2 " bs=4 seek=%u count=1 "
		      "conv=notrunc status=none 2>/dev/null; test $? -ne 0",
		  SHM_SIZE / 4);
}
END_TEST

START_TEST(shared_mmap_enodev_without_passthrough)
{
	char *text, v[256];
	void *p;
	int fd;

	need_mount();
	text = fs_slurp(FS_MNT "/" FS_IVSHMEM "/info", 65536, NULL);
	ck_assert(fs_info_get(text, "bar2.mmap", v, sizeof(v)));
	fd = open(SHM_BAR2, O_RDWR);
	ck_assert_int_ge(fd, 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!strcmp(v, "yes")) {
		ck_assert_ptr_ne(p, MAP_FAILED);
		munmap(p, 4096);
	} else {
		/* Never a page-cache "mapping" of a device. */
		ck_assert_ptr_eq(p, MAP_FAILED);
		ck_assert_int_eq(errno, ENODEV);
		ck_assert_msg(!strncmp(v, "no (", 4), "%s", v);
	}
	close(fd);
	free(text);
}
END_TEST

/* ---- a picture through the VGA's BARs ------------------------------- */

#define VGA_W 320
#define VGA_H 240

/* Write one 16-bit Bochs DISPI register through bar2, as 2 bytes. */
static void dispi(int fd, int index, uint16_t v)
{
	ck_assert_int_eq(pwrite(fd, &v, 2, 0x500 + 2 * index), 2);
}

START_TEST(vga_picture_is_on_screen)
{
	static uint32_t img[VGA_W * VGA_H];
	const char *src = getenv("APERTURE_SRC"), *host = getenv("APERTURE_HOST");
	int fd, w, h, max, status;
	unsigned char *ppm, *px;
	uint8_t b;
	size_t len;
	char *out;

	need_mount();
	if (!src || !host)
		ck_abort_msg("not in a guest of tests/vm/run");
	fd = open(FS_MNT "/" FS_VGA "/bar2", O_RDWR);
	ck_assert_int_ge(fd, 0);
	dispi(fd, 4, 0);
	dispi(fd, 1, VGA_W);
	dispi(fd, 2, VGA_H);
	dispi(fd, 3, 32);
	dispi(fd, 6, VGA_W);
	dispi(fd, 7, VGA_H);
	dispi(fd, 8, 0);
	dispi(fd, 9, 0);
	dispi(fd, 4, 0x41);
	ck_assert_int_eq(pread(fd, &b, 1, 0x41a), 1);	/* flip-flop reset */
	b = 0x20;					/* un-blank */
	ck_assert_int_eq(pwrite(fd, &b, 1, 0x400), 1);
	close(fd);

	fs_pattern(img, sizeof(img), 1234);
	for (size_t i = 0; i < VGA_W * VGA_H; i++)
		img[i] &= 0x00ffffff;
	fs_write_file("/tmp/vga.xrgb", img, sizeof(img));
	fs_expect("", "dd if=/tmp/vga.xrgb of=" FS_MNT "/" FS_VGA
		      "/bar0 bs=64k status=none");

	out = fs_sh(&status, "%s/tests/vm/screendump fs_vga.ppm", src);
	ck_assert_msg(status == 0, "screendump: %s", out);
	free(out);
	ppm = (unsigned char *)fs_slurp(fs_path("%s/fs_vga.ppm", host),
					16 << 20, &len);
	ck_assert_int_eq(sscanf((char *)ppm, "P6 %d %d %d", &w, &h, &max), 3);
	ck_assert_int_eq(w, VGA_W);
	ck_assert_int_eq(h, VGA_H);
	ck_assert_uint_ge(len, (size_t)w * h * 3);
	px = ppm + len - (size_t)w * h * 3;
	for (int i = 0; i < w * h; i++) {
		uint32_t want = img[i];
		uint32_t got = px[3 * i] << 16 | px[3 * i + 1] << 8 |
			       px[3 * i + 2];

		ck_assert_msg(got == want, "pixel (%d,%d): %06x, want %06x",
			      i % w, i / w, got, want);
	}
	free(ppm);
}
END_TEST

Suite *fs_suite(void);

Suite *fs_suite(void)
{
	Suite *s = suite_create("fs");
	TCase *tc;

	tc = tcase_create("tree");
	tcase_add_test(tc, tree_lists_functions_with_bars);
	tcase_add_test(tc, tree_bar_files_match_sysfs);
	tcase_add_test(tc, tree_known_sizes);
	tcase_add_test(tc, tree_by_id);
	suite_add_tcase(s, tc);

	tc = tcase_create("commands");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, cmd_hexdump_edu_identity);
	tcase_add_test(tc, cmd_dd_liveness);
	tcase_add_test(tc, cmd_cp_cat_cmp_ivshmem);
	tcase_add_test(tc, cmd_dd_without_notrunc);
	tcase_add_test(tc, truncate_is_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("program");
	tcase_add_test(tc, prog_pread_pwrite);
	tcase_add_test(tc, past_the_end);
	tcase_add_test(tc, shared_mmap_enodev_without_passthrough);
	suite_add_tcase(s, tc);

	tc = tcase_create("vga");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, vga_picture_is_on_screen);
	suite_add_tcase(s, tc);
	return s;
}

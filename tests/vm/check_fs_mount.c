/*
 * check_fs_mount.c - aperturefs's options and mount paths, with mounts of
 * its own under /tmp (the runner's /mnt/apertures is left alone): device
 * filters, ro (EROFS), permissions for a non-root user (uid=, gid=,
 * umask=, a group too large for one lookup buffer), every width= and
 * memtype= value and what it does to the access, mount -t fuse.aperturefs
 * and fstab, umount and fusermount3 -u, the one-line errors before
 * anything is mounted (bad filter, unknown option, bad values, not root,
 * module not loaded) and their order, and a fake machine mounted by a
 * user with no module access at all.
 */
#include <dirent.h>
#include <grp.h>

#include "fs_util.h"

#define NOBODY 65534

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

START_TEST(filter_one_slot)
{
	struct fs_mount m;
	char got[1024];

	fs_mount(&m, "/tmp/ap-filter1", "devices=00:04.0");
	list_dir("/tmp/ap-filter1", got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:04.0 by-id");
	list_dir("/tmp/ap-filter1/by-id", got, sizeof(got));
	ck_assert_str_eq(got, "1234:11e8");
	fs_umount(&m);
}
END_TEST

START_TEST(filter_list_and_repeat)
{
	struct fs_mount m;
	char got[1024];

	fs_mount(&m, "/tmp/ap-filter2", "devices=1af4:1110;-s00:06,devices=-d ::0300");
	list_dir("/tmp/ap-filter2", got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:02.0 0000:00:05.0 0000:00:06.0 by-id");
	fs_umount(&m);
}
END_TEST

START_TEST(filter_matching_nothing)
{
	struct fs_mount m;
	char got[1024];

	fs_mount(&m, "/tmp/ap-filter3", "devices=dead:beef");
	list_dir("/tmp/ap-filter3", got, sizeof(got));
	ck_assert_str_eq(got, "by-id");
	fs_umount(&m);
}
END_TEST

/* aperturefs with @opts must exit non-zero, print one line containing
 * @want, and mount nothing. */
static void expect_error(const char *opts, const char *want)
{
	struct fs_mount m;
	char err[2048] = "";
	int ret;

	ret = fs_mount_opts(&m, "/tmp/ap-err", opts, err, sizeof(err));
	ck_assert_msg(ret != 0, "-o %s mounted", opts);
	ck_assert_msg(strstr(err, want), "-o %s: want '%s' in:\n%s", opts,
		      want, err);
	ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1,
		      "-o %s: not one line:\n%s", opts, err);
	ck_assert(!fs_mounted("/tmp/ap-err"));
}

START_TEST(errors_before_mount)
{
	expect_error("devices=zz:1", "bad filter 'zz:1' in -o devices");
	expect_error("devices=00:04.0;-s 00:99.0",
		     "bad filter '-s 00:99.0' in -o devices");
	expect_error("width=3", "bad -o width=3");
	expect_error("memtype=wb", "bad -o memtype=wb");
	expect_error("passthrough=yes", "bad -o passthrough=yes");
	expect_error("umask=999", "bad -o umask=999");
	expect_error("uid=no-such-user", "bad -o uid=no-such-user");
	expect_error("frobnicate", "frobnicate");
}
END_TEST

START_TEST(error_not_root)
{
	int pipefd[2], st;
	char err[1024] = "";
	ssize_t n;
	pid_t pid;

	mkdir("/tmp/ap-user", 0777);
	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	if (!pid) {
		dup2(pipefd[1], 2);
		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(99);
		execl(fs_daemon(), "aperturefs", "/tmp/ap-user", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	size_t got = 0;

	while (got < sizeof(err) - 1 &&
	       (n = read(pipefd[0], err + got, sizeof(err) - 1 - got)) > 0)
		got += n;
	err[got] = 0;
	close(pipefd[0]);
	waitpid(pid, &st, 0);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 1);
	ck_assert_msg(strstr(err, "must run as root"), "%s", err);
	ck_assert(!fs_mounted("/tmp/ap-user"));
}
END_TEST

START_TEST(ro_mount)
{
	struct fs_mount m;
	uint32_t v;
	int fd;

	fs_mount(&m, "/tmp/ap-ro", "ro");
	fd = open("/tmp/ap-ro/" FS_EDU "/bar0", O_RDWR);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(errno, EROFS);
	fd = open("/tmp/ap-ro/" FS_EDU "/bar0", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 4, 0), 4);
	ck_assert_uint_eq(v, 0x010000ed);
	close(fd);
	ck_assert_int_eq(truncate("/tmp/ap-ro/" FS_IVSHMEM "/bar2", 0), -1);
	ck_assert_int_eq(errno, EROFS);
	fs_umount(&m);
}
END_TEST

/* As user nobody: open @path with @flags; 0 or errno; reads 4 bytes. */
static int open_as_nobody(const char *path, int flags, uint32_t *val)
{
	int pipefd[2], st, res[2] = { -1, 0 };
	pid_t pid;

	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	if (!pid) {
		int fd;

		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(99);
		fd = open(path, flags);
		res[0] = fd < 0 ? errno : 0;
		if (fd >= 0 && pread(fd, &res[1], 4, 0) != 4)
			res[0] = errno;
		ck_assert_int_eq(write(pipefd[1], res, sizeof(res)),
				 sizeof(res));
		_exit(0);
	}
	close(pipefd[1]);
	ck_assert_int_eq(read(pipefd[0], res, sizeof(res)), sizeof(res));
	close(pipefd[0]);
	waitpid(pid, &st, 0);
	if (val)
		*val = res[1];
	return res[0];
}

START_TEST(permissions_default_root_only)
{
	struct fs_mount m;
	struct stat st;

	fs_mount(&m, "/tmp/ap-perm1", NULL);
	ck_assert_int_eq(stat("/tmp/ap-perm1/" FS_EDU "/bar0", &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(open_as_nobody("/tmp/ap-perm1/" FS_EDU "/bar0",
					O_RDONLY, NULL),
			 EACCES);
	/* Listing and info stay readable. */
	ck_assert_int_eq(open_as_nobody("/tmp/ap-perm1/" FS_EDU "/info",
					O_RDONLY, NULL),
			 0);
	fs_umount(&m);
}
END_TEST

START_TEST(permissions_uid_gid_umask)
{
	struct fs_mount m;
	struct stat st;
	uint32_t v = 0;

	fs_mount(&m, "/tmp/ap-perm2", "uid=65534,gid=65534,umask=0117");
	ck_assert_int_eq(stat("/tmp/ap-perm2/" FS_EDU "/bar0", &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0660);
	ck_assert_uint_eq(st.st_uid, NOBODY);
	ck_assert_uint_eq(st.st_gid, NOBODY);
	ck_assert_int_eq(open_as_nobody("/tmp/ap-perm2/" FS_EDU "/bar0",
					O_RDWR, &v),
			 0);
	ck_assert_uint_eq(v, 0x010000ed);
	/* default_permissions is on: chmod is refused, not bypassed. */
	ck_assert_int_eq(chmod("/tmp/ap-perm2/" FS_EDU "/bar0", 0666), -1);
	fs_umount(&m);

	fs_mount(&m, "/tmp/ap-perm3", "gid=65534,umask=0137");
	ck_assert_int_eq(stat("/tmp/ap-perm3/" FS_EDU "/bar0", &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(open_as_nobody("/tmp/ap-perm3/" FS_EDU "/bar0",
					O_RDONLY, &v),
			 0);
	ck_assert_int_eq(open_as_nobody("/tmp/ap-perm3/" FS_EDU "/bar0",
					O_RDWR, NULL),
			 EACCES);
	fs_umount(&m);
}
END_TEST

START_TEST(mount_helper_and_fstab)
{
	char got[1024];
	int st;
	char *out;

	unlink("/sbin/mount.fuse.aperturefs");
	ck_assert_int_eq(symlink(fs_daemon(), "/sbin/mount.fuse.aperturefs"),
			 0);
	mkdir("/tmp/ap-helper", 0755);
	out = fs_sh(&st, "mount -t fuse.aperturefs none /tmp/ap-helper "
			 "-o devices=00:04.0 2>&1");
	ck_assert_msg(st == 0, "mount: %s", out);
	free(out);
	ck_assert(fs_mounted("/tmp/ap-helper"));
	list_dir("/tmp/ap-helper", got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:04.0 by-id");
	fs_expect("", "umount /tmp/ap-helper");
	ck_assert(!fs_mounted("/tmp/ap-helper"));

	/* fstab, with the words fstab lines carry. */
	mkdir("/tmp/ap-fstab", 0755);
	fs_expect("", "echo 'none /tmp/ap-fstab fuse.aperturefs "
		      "noauto,nofail,devices=1af4:1110,umask=0077 0 0' "
		      ">> /etc/fstab");
	out = fs_sh(&st, "mount /tmp/ap-fstab 2>&1");
	ck_assert_msg(st == 0, "mount: %s", out);
	free(out);
	list_dir("/tmp/ap-fstab", got, sizeof(got));
	ck_assert_str_eq(got, "0000:00:05.0 by-id");
	fs_expect("", "fusermount3 -u /tmp/ap-fstab");
	ck_assert(!fs_mounted("/tmp/ap-fstab"));
}
END_TEST

/*
 * Wait until aperture_io's reference count is 0 (nothing holds the
 * module: rmmod can unload it), polling every 10 ms for up to @secs.
 */
static void module_free_within(int secs)
{
	double deadline = fs_now() + secs;
	char *v;

	for (;;) {
		v = fs_slurp("/sys/module/aperture_io/refcnt", 64, NULL);
		if (!strcmp(v, "0\n"))
			break;
		v[strcspn(v, "\n")] = 0;
		ck_assert_msg(fs_now() < deadline, "aperture_io: refcnt %s "
			      "%d s after the last unmount", v, secs);
		free(v);
		usleep(10000);
	}
	free(v);
}

/* Last: unmount everything, unload the module, check the message. */
START_TEST(error_module_not_loaded)
{
	const char *ko = getenv("APERTURE_KO");
	char *out;
	int st;

	ck_assert_msg(ko, "APERTURE_KO is not set (tests/vm/run sets it)");
	out = fs_sh(&st, "umount " FS_MNT " 2>&1");
	ck_assert_msg(st == 0, "umount " FS_MNT ": %s", out);
	free(out);
	/* The daemon exits and closes its descriptors: the module is free. */
	module_free_within(10);
	out = fs_sh(&st, "rmmod aperture_io 2>&1");
	ck_assert_msg(st == 0, "rmmod: %s", out);
	free(out);
	mkdir("/tmp/ap-nomod", 0755);
	out = fs_sh(&st, "%s /tmp/ap-nomod 2>&1", fs_daemon());
	ck_assert_int_eq(st, 1);
	ck_assert_msg(strstr(out, "/dev/aperture_io is missing: load the "
				  "aperture_io module"),
		      "%s", out);
	free(out);
	ck_assert(!fs_mounted("/tmp/ap-nomod"));
	/* Put things back as the runner left them. */
	fs_expect("", "insmod %s && %s " FS_MNT, ko, fs_daemon());
}
END_TEST

/* Run the daemon as nobody with @args; its output (one line) and status. */
static char *run_as_nobody(int *status, const char *args)
{
	return fs_sh(status, "setpriv --reuid=65534 --regid=65534 "
		     "--clear-groups %s %s 2>&1", fs_daemon(), args);
}

/* Option errors come before the system checks (root, module). */
START_TEST(errors_before_system_checks)
{
	char *out;
	int st;

	mkdir("/tmp/ap-order", 0777);
	out = run_as_nobody(&st, "-o frobnicate /tmp/ap-order");
	ck_assert_int_eq(st, 1);
	ck_assert_msg(strstr(out, "frobnicate") && !strstr(out, "root"),
		      "%s", out);
	free(out);
	out = run_as_nobody(&st, "-o devices= /tmp/ap-order");
	ck_assert_int_eq(st, 1);
	ck_assert_msg(strstr(out, "-o devices= is empty") &&
			      !strstr(out, "root"), "%s", out);
	free(out);
	out = run_as_nobody(&st, "-o devices=00:04 /tmp/ap-order");
	ck_assert_int_eq(st, 1);
	ck_assert_msg(strstr(out, "ambiguous") && strstr(out, "-s00:04") &&
			      strstr(out, "-d 1234:11e8"), "%s", out);
	free(out);
	out = run_as_nobody(&st, "--version");
	ck_assert_int_eq(st, 0);
	ck_assert_msg(!strncmp(out, "aperturefs ", 11) &&
			      strstr(out, "(libfuse "), "%s", out);
	free(out);
}
END_TEST

/* A group whose entry is larger than any first buffer (ERANGE). */
START_TEST(gid_of_a_large_group)
{
	struct fs_mount m;
	struct stat st;
	FILE *f = fopen("/etc/group", "a");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "aplab:x:4242:");
	for (int i = 0; i < 3000; i++)
		fprintf(f, "%suser%05d", i ? "," : "", i);
	fprintf(f, "\n");
	ck_assert_int_eq(fclose(f), 0);
	fs_mount(&m, "/tmp/ap-biggroup", "gid=aplab,umask=0117");
	ck_assert_int_eq(stat("/tmp/ap-biggroup/" FS_EDU "/bar0", &st), 0);
	ck_assert_uint_eq(st.st_gid, 4242);
	fs_umount(&m);
}
END_TEST

/*
 * The first register of @dev's BAR0 read (or with @wr, written) through
 * a mount with -o width=@w.
 */
static void bar0_rw(const char *dev, const char *w, void *buf, size_t len,
		    char *info_width, bool wr)
{
	struct fs_mount m;
	char opts[64], path[128], *text;
	int fd;

	snprintf(opts, sizeof(opts), "width=%s,passthrough=off", w);
	fs_mount(&m, "/tmp/ap-width", opts);
	snprintf(path, sizeof(path), "/tmp/ap-width/%s/bar0", dev);
	fd = open(path, wr ? O_WRONLY : O_RDONLY);
	ck_assert_int_ge(fd, 0);
	if (wr)
		ck_assert_int_eq(pwrite(fd, buf, len, 0), (ssize_t)len);
	else
		ck_assert_int_eq(pread(fd, buf, len, 0), (ssize_t)len);
	close(fd);
	snprintf(path, sizeof(path), "/tmp/ap-width/%s/info", dev);
	text = fs_slurp(path, 65536, NULL);
	ck_assert(fs_info_get(text, "bar0.width", info_width, 16));
	free(text);
	fs_umount(&m);
}

static void edu_read(const char *w, void *buf, size_t len, char *info_width)
{
	bar0_rw(FS_EDU, w, buf, len, info_width, false);
}

/*
 * arm64: edu refuses 1- and 2-byte accesses with a synchronous external
 * abort, so widths 8 and 16 are read from ivshmem's INTRMASK register,
 * which takes any width at its own address: its low byte and half-word.
 */
static void narrow_widths_arm64(void)
{
	uint32_t mask = 0x12345678;
	uint8_t b[2];
	char w[16];

	bar0_rw(FS_IVSHMEM, "32", &mask, 4, w, true);
	ck_assert_str_eq(w, "32");
	bar0_rw(FS_IVSHMEM, "8", b, 1, w, false);
	ck_assert_uint_eq(b[0], 0x78);
	ck_assert_str_eq(w, "8");
	bar0_rw(FS_IVSHMEM, "16", b, 2, w, false);
	ck_assert_uint_eq(b[0], 0x78);
	ck_assert_uint_eq(b[1], 0x56);
	ck_assert_str_eq(w, "16");
}

/*
 * Every width: edu answers only 4-byte accesses below 0x80, so what a
 * read returns shows the width that reached it.
 */
START_TEST(every_width)
{
	uint8_t b[8];
	char w[16];

	edu_read("auto", b, 1, w);	/* registers: 32-bit, byte picked */
	ck_assert_uint_eq(b[0], 0xed);
	ck_assert_str_eq(w, "32");
	edu_read("32", b, 1, w);
	ck_assert_uint_eq(b[0], 0xed);
	ck_assert_str_eq(w, "32");
	if (fs_arch_arm64()) {
		narrow_widths_arm64();
	} else {
		edu_read("8", b, 1, w);	/* a byte access: not the register */
		ck_assert_msg(b[0] == 0x00 || b[0] == 0xff,
			      "width=8 gave %#x", b[0]);
		ck_assert_str_eq(w, "8");
		edu_read("16", b, 2, w);
		ck_assert_msg(!(b[0] == 0xed && b[1] == 0x00), "width=16 "
			      "reached the register as 32-bit");
		ck_assert_str_eq(w, "16");
	}
	if (fs_kernel_is_32bit()) {
		struct fs_mount m;
		int fd;

		/* No 8-byte MMIO instruction there: the module refuses. */
		fs_mount(&m, "/tmp/ap-width", "width=64,passthrough=off");
		fd = open("/tmp/ap-width/" FS_EDU "/bar0", O_RDONLY);
		ck_assert_int_eq(fd, -1);
		ck_assert_int_eq(errno, EINVAL);
		fs_umount(&m);
		return;
	}
	edu_read("64", b, 8, w);	/* one 8-byte access: all-ones */
	ck_assert_uint_eq(((uint64_t *)b)[0], ~0ull);
	ck_assert_str_eq(w, "64");
}
END_TEST

/*
 * PAT reservations of exactly ivshmem's BAR2 with a type prefix; with
 * type NULL, -1 if the kernel has no PAT list.
 */
static int pat_bar2(const char *type)
{
	static const char list[] = "/sys/kernel/debug/x86/pat_memtype_list";
	unsigned long long start, end, flags, s, e;
	char line[256], t[64];
	int n = 0;
	FILE *f;

	fs_sysfs_resource(FS_IVSHMEM, 2, &start, &end, &flags);
	if (access(list, R_OK) != 0)
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	f = fopen(list, "r");
	if (!type) {
		/* NULL: -1 if there is no list (no PAT), else 0. */
		if (f)
			fclose(f);
		return f ? 0 : -1;
	}
	ck_assert_msg(f, "%s: %s", list, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PAT: [mem %llx-%llx] %63s", &s, &e, t) == 3 &&
		    s == start && e == end + 1 && !strncmp(t, type, strlen(type)))
			n++;
	fclose(f);
	return n;
}

/* ivshmem BAR2 open through a mount with -o memtype=@mt: info and PAT. */
static void ivshmem_memtype(const char *mt, const char *want_info,
			    const char *want_pat, const char *not_pat)
{
	struct fs_mount m;
	char opts[64], v[16], *text;
	int fd;

	snprintf(opts, sizeof(opts), "memtype=%s", mt);
	fs_mount(&m, "/tmp/ap-memtype", opts);
	text = fs_slurp("/tmp/ap-memtype/" FS_IVSHMEM "/info", 65536, NULL);
	ck_assert(fs_info_get(text, "bar2.memtype", v, sizeof(v)));
	ck_assert_str_eq(v, want_info);
	free(text);
	if (fs_world_without_pat() || fs_arch_arm64()) {
		/*
		 * Nothing tracks types there (no PAT: the i386 world's CPU,
		 * and arm64): no PAT list, the open works.
		 */
		ck_assert_int_eq(pat_bar2(NULL), -1);
		fd = open("/tmp/ap-memtype/" FS_IVSHMEM "/bar2", O_RDWR);
		ck_assert_int_ge(fd, 0);
		close(fd);
		fs_umount(&m);
		return;
	}
	ck_assert_int_eq(pat_bar2(want_pat), 0);
	fd = open("/tmp/ap-memtype/" FS_IVSHMEM "/bar2", O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(pat_bar2(want_pat) == 1, "memtype=%s: no %s PAT entry",
		      mt, want_pat);
	ck_assert_int_eq(pat_bar2(not_pat), 0);
	close(fd);
	fs_umount(&m);
}

START_TEST(every_memtype)
{
	ivshmem_memtype("auto", "wc", "write-combining", "uncached");
	ivshmem_memtype("wc", "wc", "write-combining", "uncached");
	ivshmem_memtype("uc", "uc", "uncached", "write-combining");
}
END_TEST

/* A user mounting a fake machine is tests/unit/check_fake_user.c (host). */

Suite *fs_mount_suite(void);

Suite *fs_mount_suite(void)
{
	Suite *s = suite_create("fs_mount");
	TCase *tc;

	tc = tcase_create("filters");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, filter_one_slot);
	tcase_add_test(tc, filter_list_and_repeat);
	tcase_add_test(tc, filter_matching_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, errors_before_mount);
	tcase_add_test(tc, error_not_root);
	tcase_add_test(tc, errors_before_system_checks);
	suite_add_tcase(s, tc);

	tc = tcase_create("access");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ro_mount);
	tcase_add_test(tc, permissions_default_root_only);
	tcase_add_test(tc, permissions_uid_gid_umask);
	tcase_add_test(tc, gid_of_a_large_group);
	tcase_add_test(tc, every_width);
	tcase_add_test(tc, every_memtype);
	suite_add_tcase(s, tc);

	tc = tcase_create("mount");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, mount_helper_and_fstab);
	tcase_add_test(tc, error_module_not_loaded);
	suite_add_tcase(s, tc);
	return s;
}

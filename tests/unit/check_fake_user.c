/*
 * check_fake_user.c - a fake machine mounted by an ordinary user: no
 * module, no root, no PCI device, the mount and unmount through
 * fusermount3, as README promises for a CI job.
 *
 * Run as a user, the suite is that user.  Run as root (make check on a
 * lab machine), each test forks a child that becomes uid/gid 65534 with
 * no groups, in a mount namespace of its own where /dev/fuse is a node
 * open to everyone (as Debian's udev rule leaves it; this host's own
 * /dev/fuse is not touched).  That user runs a copy of the daemon in the
 * work folder (under /tmp, mode 0755, removed with it): the build tree
 * may lie where only root can enter (a clone in a 0700 folder).  Needs
 * fusermount3 (tests/setup: fuse3).
 */
#include <check.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>

#include "fake_mount.h"

#define FU_UID 65534	/* nobody */

/* Become an ordinary user who can open /dev/fuse (see the file's head). */
static void fu_become_user(const char *dir)
{
	char dev[PATH_MAX];

	if (geteuid() != 0)
		return;
	snprintf(dev, sizeof(dev), "%s/dev", dir);
	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_int_eq(mkdir(dev, 0755), 0);
	ck_assert_int_eq(mount("fu-dev", dev, "tmpfs", 0, "mode=0755"), 0);
	strcat(dev, "/fuse");
	ck_assert_int_eq(mknod(dev, S_IFCHR | 0666, makedev(10, 229)), 0);
	ck_assert_int_eq(chmod(dev, 0666), 0);
	ck_assert_int_eq(mount(dev, "/dev/fuse", NULL, MS_BIND, NULL), 0);
	ck_assert_int_eq(chown(dir, FU_UID, FU_UID), 0);
	ck_assert_int_eq(setgroups(0, NULL), 0);
	ck_assert_int_eq(setresgid(FU_UID, FU_UID, FU_UID), 0);
	ck_assert_int_eq(setresuid(FU_UID, FU_UID, FU_UID), 0);
}

/* Copy the daemon into @dir, where the user can run it; its path. */
static const char *fu_daemon_copy(const char *dir)
{
	static char path[PATH_MAX];
	const char *src = fk_daemon();
	char buf[65536];
	ssize_t n;
	int in, out;

	snprintf(path, sizeof(path), "%s/aperturefs", dir);
	in = open(src, O_RDONLY);
	ck_assert_msg(in >= 0, "%s: %s", src, strerror(errno));
	out = open(path, O_WRONLY | O_CREAT | O_EXCL, 0755);
	ck_assert_msg(out >= 0, "%s: %s", path, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, n), n);
	ck_assert_msg(n == 0, "%s: %s", src, strerror(errno));
	close(in);
	ck_assert_int_eq(close(out), 0);
	ck_assert_int_eq(chmod(path, 0755), 0);
	return path;
}

/* Run @script with sh in @dir as the user; its output, and its status. */
static char *fu_sh(const char *dir, int *status, const char *script)
{
	char out[PATH_MAX + 8];
	int st, fd;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/out", dir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		fu_become_user(dir);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || chdir(dir) < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return fk_slurp(out);
}

/* Mount, read and write a BAR, list, see who owns what, unmount. */
START_TEST(user_mounts_and_unmounts)
{
	char script[PATH_MAX * 2], *out;
	struct fk m;
	int st;

	fk_prepare(&m, "function 00:04.0 1234:11e8 class=00ff\nbar0 mem 4K\n");
	ck_assert_int_eq(chmod(m.dir, 0755), 0);
	ck_assert_int_eq(chmod(m.mnt, 0777), 0);
	ck_assert_int_eq(chmod(m.desc, 0644), 0);
	snprintf(script, sizeof(script),
		 "'%s' --fake=machine.txt mnt 2>err || { cat err; exit 10; }\n"
		 "b=mnt/0000:00:04.0/bar0\n"
		 "printf abcd > $b || r=11\n"
		 "head -c 4 $b; echo\n"
		 "ls mnt\n"
		 "[ \"$(stat -c '%%u:%%g %%A' $b)\" = \"$(id -u):$(id -g) "
		 "-rw-------\" ] || { stat -c '%%u:%%g %%A' $b; r=12; }\n"
		 "grep -q \" $PWD/mnt .*user_id=$(id -u),group_id=$(id -g),\" "
		 "/proc/self/mountinfo || r=13\n"
		 "fusermount3 -u mnt || r=14\n"
		 "! grep -q \" $PWD/mnt \" /proc/self/mountinfo || r=15\n"
		 "exit ${r:-0}\n", fu_daemon_copy(m.dir));
	out = fu_sh(m.dir, &st, script);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(st == 0, "status %d: %s", st, out);
	ck_assert_str_eq(out, "abcd\n0000:00:04.0\nby-id\n");
	free(out);
	fk_umount(&m);
}
END_TEST

Suite *fake_user_suite(void);

Suite *fake_user_suite(void)
{
	Suite *s = suite_create("fake_user");
	TCase *tc;

	tc = tcase_create("user");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, user_mounts_and_unmounts);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_faults.c - faults under load: devices removed and re-added under
 * I/O and live mappings, rmmod racing open/close/mmap, the daemon killed
 * under its users, and a non-root caller refused everywhere.
 *
 *   tests/vm/run --no-mount -- '$B/tests/vm/check_faults'
 *
 * Removal is the kernel's own (sysfs remove, then a bus rescan re-adds the
 * function): the path pciehp takes after its 5 s button delay, which the
 * QMP removal of check_module_hotplug covers once.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs_util.h"
#include "module_util.h"

#define REMOVALS	20
#define RMMOD_ROUNDS	200
#define SHM		(1u << 20)

static void sysfs_write(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, v, strlen(v)), (ssize_t)strlen(v));
	close(fd);
}

/* A child hammering one descriptor and its mapping until the device goes:
 * exits 0 on ENODEV, dies of SIGBUS touching the revoked mapping, or
 * exits 2 on anything else (wrong bytes, another errno). */
static void hammer(int fd, volatile uint8_t *map, uint32_t tag)
{
	uint32_t v, n = 0;

	for (;;) {
		v = tag ^ n;
		if (pwrite(fd, &v, 4, 4096 + (n % 64) * 4) != 4)
			_exit(errno == ENODEV ? 0 : 2);
		if (pread(fd, &v, 4, 4096 + (n % 64) * 4) != 4)
			_exit(errno == ENODEV ? 0 : 2);
		/* Another hammer shares the BAR: only our own tags. */
		if (map[8192 + tag % 1024] != (uint8_t)tag)
			_exit(2);
		n++;
	}
}

START_TEST(test_removals_under_load)
{
	struct mu_dev d = mu_find(IVSHMEM_ID);
	char path[256];
	int i, k, fd, st, bus_errors = 0;
	pid_t kids[3];
	uint8_t *map;
	uint32_t v;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", d.name);
	for (i = 0; i < REMOVALS; i++) {
		fd = mu_open(&d, 2, 0, NULL);
		map = mmap(NULL, SHM, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ck_assert(map != MAP_FAILED);
		for (k = 0; k < 3; k++) {
			map[8192 + (uint32_t)(k * 77 + i) % 1024] =
				(uint8_t)(k * 77 + i);
			kids[k] = fork();
			ck_assert_int_ge(kids[k], 0);
			if (!kids[k])
				hammer(fd, map, (uint32_t)(k * 77 + i));
		}
		/* The parent's own new opens race the removal too. */
		sysfs_write(fs_path("%s/remove", path), "1");
		ck_assert_int_eq(access(path, F_OK), -1);
		for (k = 0; k < 3; k++) {
			ck_assert_int_eq(waitpid(kids[k], &st, 0), kids[k]);
			if (WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS) {
				bus_errors++;
				continue;
			}
			ck_assert_msg(WIFEXITED(st) && !WEXITSTATUS(st),
				      "removal %d: child %d ended with %#x", i,
				      k, st);
		}
		ck_assert_int_eq(mu_try_open(&d, 2, 0, NULL), -ENODEV);
		errno = 0;
		ck_assert_int_eq(pread(fd, &v, 4, 0), -1);
		ck_assert_int_eq(errno, ENODEV);
		munmap(map, SHM);
		close(fd);
		sysfs_write("/sys/bus/pci/rescan", "1");
		ck_assert_msg(access(path, F_OK) == 0, "%s not back", d.name);
		/* Re-added: it works, and holds what the hammers wrote. */
		fd = mu_open(&d, 2, 0, NULL);
		v = 0xa5a50000u | (uint32_t)i;
		ck_assert_int_eq(pwrite(fd, &v, 4, 0), 4);
		v = 0;
		ck_assert_int_eq(pread(fd, &v, 4, 0), 4);
		ck_assert_uint_eq(v, 0xa5a50000u | (uint32_t)i);
		close(fd);
	}
	printf("FIGURES: %d removals under I/O with 3 children holding "
	       "mappings (%d SIGBUS on a revoked mapping), each re-added "
	       "and working\n", REMOVALS, bus_errors);
	fflush(stdout);
}
END_TEST

/* Opens, maps and closes in a loop while the module may go away. */
static void churn(const struct mu_dev *d)
{
	struct aperture_io_bar a;
	void *p;
	int ctl;

	for (;;) {
		ctl = open("/dev/" APERTURE_IO_NODE, O_RDWR | O_CLOEXEC);
		if (ctl < 0)
			continue;
		a = mu_arg(d, 2, 0);
		if (ioctl(ctl, APERTURE_IO_OPEN, &a) == 0) {
			p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, a.fd, 0);
			if (p != MAP_FAILED)
				munmap(p, 4096);
			close(a.fd);
		}
		close(ctl);
	}
}

START_TEST(test_rmmod_races)
{
	struct mu_dev d = mu_find(IVSHMEM_ID);
	const char *ko = getenv("APERTURE_KO");
	int i, ko_fd, unloaded = 0, busy = 0, st;
	pid_t kid;

	ck_assert_msg(ko, "APERTURE_KO is not set");
	ko_fd = open(ko, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(ko_fd >= 0, "%s: %s", ko, strerror(errno));
	kid = fork();
	ck_assert_int_ge(kid, 0);
	if (!kid)
		churn(&d);
	for (i = 0; i < RMMOD_ROUNDS; i++) {
		if (syscall(SYS_delete_module, "aperture_io", O_NONBLOCK) == 0) {
			unloaded++;
			ck_assert_msg(syscall(SYS_finit_module, ko_fd, "", 0) == 0,
				      "reload: %s", strerror(errno));
			continue;
		}
		ck_assert_msg(errno == EBUSY || errno == EWOULDBLOCK,
			      "rmmod: %s", strerror(errno));
		busy++;
	}
	kill(kid, SIGKILL);
	ck_assert_int_eq(waitpid(kid, &st, 0), kid);
	close(ko_fd);
	/* Loaded, and working. */
	ck_assert_int_eq(access("/dev/" APERTURE_IO_NODE, F_OK), 0);
	ck_assert_int_gt(busy + unloaded, 0);
	printf("FIGURES: %d rmmods racing open/mmap/close: %d unloaded, %d "
	       "EBUSY\n", RMMOD_ROUNDS, unloaded, busy);
	fflush(stdout);
}
END_TEST

static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/aperture_io/refcnt", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/*
 * A user of the mount: writes (0), reads (1) or touches a mapping (2)
 * until SIGTERM; an error is fine once the daemon is gone (ENOTCONN, EIO,
 * ECONNABORTED), anything else exits 2.  With FUSE passthrough, I/O may
 * go on after the daemon died: it reaches the module directly, and the
 * user is still running when the test stops it.
 *
 * A child forked inside a Check test inherits Check's SIGTERM handler,
 * which passes the signal on to the test's whole process group
 * (killpg): a user stopped with SIGTERM would then signal the test
 * process itself.  Users are plain processes: default dispositions.
 */
static void mount_user(const char *file, int k, int ready)
{
	volatile uint32_t *map;
	uint32_t v = 0, n = 0;
	int fd;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	fd = open(file, O_RDWR);
	if (fd < 0)
		_exit(3);
	if (k == 2) {
		map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED && errno != ENODEV)
			_exit(4);
		if (write(ready, "m", 1) != 1 || map == MAP_FAILED)
			_exit(0);	/* ENODEV: no passthrough here */
		for (;;)
			map[8] = map[9] + 1;
	}
	for (;;) {
		if ((k ? pread(fd, &v, 4, 0) : pwrite(fd, &v, 4, 16)) != 4)
			_exit(errno == ENOTCONN || errno == EIO ||
			      errno == ECONNABORTED ? 0 : 2);
		if (!n++ && write(ready, "u", 1) != 1)
			_exit(5);
		v = n;
	}
}

/* Who sent this process a SIGTERM, if anyone did (a diagnosis). */
static volatile pid_t term_from;

static void on_term(int sig, siginfo_t *si, void *uc)
{
	term_from = si->si_pid ? si->si_pid : -1;
}

START_TEST(test_daemon_killed)
{
	struct sigaction sa = { .sa_sigaction = on_term, .sa_flags = SA_SIGINFO };
	const char *file = "/tmp/faults-mnt/" FS_IVSHMEM "/bar2";
	long refs = module_refcnt();
	struct fs_mount m;
	pid_t kids[3];
	int k, st, fd, ready[2];
	uint32_t v;
	char c;

	ck_assert_int_ge(refs, 0);
	ck_assert_int_eq(pipe(ready), 0);
	fs_mount(&m, "/tmp/faults-mnt", NULL);
	for (k = 0; k < 3; k++) {
		kids[k] = fork();
		ck_assert_int_ge(kids[k], 0);
		if (!kids[k])
			mount_user(file, k, ready[1]);
	}
	/* Each user is at work before the daemon dies. */
	for (k = 0; k < 3; k++)
		ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	close(ready[1]);
	sigaction(SIGTERM, &sa, NULL);
	ck_assert_int_eq(kill(m.pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(m.pid, &st, 0), m.pid);
	m.pid = 0;
	/*
	 * The mount is reported gone: an open asks the daemon (a stat may be
	 * answered from the kernel's cache, whose entries live 60 s).  Linux
	 * 7.x says ECONNREFUSED where older kernels say ENOTCONN.
	 */
	errno = 0;
	fd = open(file, O_RDONLY);
	ck_assert_msg(fd == -1 && (errno == ENOTCONN || errno == ECONNREFUSED),
		      "open after the daemon died: %d (%s)", fd, strerror(errno));
	for (k = 0; k < 3; k++) {
		ck_assert_int_gt(kids[k], 0);
		kill(kids[k], SIGTERM);
		ck_assert_int_eq(waitpid(kids[k], &st, 0), kids[k]);
		ck_assert_msg((WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) ||
			      (WIFEXITED(st) && !WEXITSTATUS(st)),
			      "user %d ended with %#x", k, st);
	}
	ck_assert_msg(!term_from, "this test process got a SIGTERM from pid "
		      "%d (kids %d %d %d, daemon killed)", term_from, kids[0],
		      kids[1], kids[2]);
	signal(SIGTERM, SIG_DFL);
	ck_assert_int_eq(umount2("/tmp/faults-mnt", MNT_DETACH), 0);
	/* Nothing leaks: the module's references are back. */
	ck_assert_int_eq(module_refcnt(), refs);
	/* A new mount works. */
	fs_mount(&m, "/tmp/faults-mnt", NULL);
	fd = open("/tmp/faults-mnt/" FS_EDU "/bar0", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 4, 0), 4);
	ck_assert_uint_eq(v, 0x010000ed);
	close(fd);
	fs_umount(&m);
}
END_TEST

/* As nobody: the control node and the BAR files refuse, nothing opens. */
START_TEST(test_non_root_refused)
{
	struct mu_dev d = mu_find(EDU_ID);
	struct fs_mount m;
	pid_t kid;
	int st;

	fs_mount(&m, "/tmp/faults-nr", NULL);
	kid = fork();
	ck_assert_int_ge(kid, 0);
	if (!kid) {
		struct aperture_io_bar a = mu_arg(&d, 0, 0);
		int ctl;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		ctl = open("/dev/" APERTURE_IO_NODE, O_RDWR);
		if (ctl >= 0 && (ioctl(ctl, APERTURE_IO_OPEN, &a) != -1 ||
				 errno != EPERM))
			_exit(11);
		if (ctl < 0 && errno != EACCES)
			_exit(12);
		if (open("/tmp/faults-nr/" FS_EDU "/bar0", O_RDONLY) != -1 ||
		    errno != EACCES)
			_exit(13);
		if (open("/tmp/faults-nr/" FS_EDU "/bar0", O_RDWR) != -1 ||
		    errno != EACCES)
			_exit(14);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(kid, &st, 0), kid);
	fs_umount(&m);
	ck_assert_msg(WIFEXITED(st) && !WEXITSTATUS(st),
		      "non-root: step %d was not refused", WEXITSTATUS(st));
}
END_TEST

Suite *faults_suite(void);

Suite *faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("faults");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_removals_under_load);
	tcase_add_test(tc, test_rmmod_races);
	tcase_add_test(tc, test_daemon_killed);
	tcase_add_test(tc, test_non_root_refused);
	suite_add_tcase(s, tc);
	return s;
}

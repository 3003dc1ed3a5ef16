/*
 * check_module_state.c - the device's state rules accesses: decoding off
 * is refused with EIO and one log line saying how to enable it, the
 * device is kept resumed (runtime PM) while a descriptor is open, and a
 * long transfer can be killed (it stops between page windows), INFO says
 * whether the BAR decodes, and a BAR that moves kills the old state.
 *
 *   tests/vm/run --no-mount -- '$B/tests/vm/check_module_state'
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aperture_io.h"
#include "module_util.h"
#include "pci_command.h"

#define MIB (1024 * 1024)

START_TEST(decoding_off_refused)
{
	struct mu_dev edu = mu_find(EDU_ID);
	const char *says = "memory decoding is off";
	int fd = mu_open(&edu, 0, 0, NULL), before, ctl = mu_ctl();
	const uint32_t valid = APERTURE_IO_STATE_VALID;
	const uint32_t on = valid | APERTURE_IO_STATE_DECODING;
	struct aperture_io_bar a, c = mu_arg(&edu, 0, 0);
	uint32_t v = 0;

	ck_assert_uint_eq(mu_rd32(fd, 0), 0x010000ed);
	/* INFO, on the descriptor and on the control node, says it decodes. */
	a = mu_arg(&edu, 0, 0);
	ck_assert_int_eq(ioctl(fd, APERTURE_IO_INFO, &a), 0);
	ck_assert_uint_eq(a.state, on);
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_INFO, &c), 0);
	ck_assert_uint_eq(c.state, on);
	before = mu_klog_count(says);
	/* setpci -s 00:04.0 COMMAND=0:2 */
	pci_command_bits(edu.name, 2, false);
	ck_assert_int_eq(ioctl(fd, APERTURE_IO_INFO, &a), 0);
	ck_assert_uint_eq(a.state, valid);
	c = mu_arg(&edu, 0, 0);
	ck_assert_int_eq(ioctl(ctl, APERTURE_IO_INFO, &c), 0);
	ck_assert_uint_eq(c.state, valid);
	errno = 0;
	ck_assert_int_eq(pread(fd, &v, 4, 0), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_int_eq(pwrite(fd, &v, 4, 4), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	ck_assert_int_eq(errno, EIO);
	/* One line, naming the command that enables it. */
	ck_assert_int_eq(mu_klog_count(says), before + 1);
	ck_assert_int_gt(mu_klog_count("COMMAND=2:2"), 0);
	pci_command_bits(edu.name, 2, true);
	ck_assert_uint_eq(mu_rd32(fd, 0), 0x010000ed);
	ck_assert_int_eq(ioctl(fd, APERTURE_IO_INFO, &a), 0);
	ck_assert_uint_eq(a.state, on);
	close(fd);
	close(ctl);
}
END_TEST

/* d's power/runtime_status, polled until it is want (up to 10 s). */
static int runtime_status_is(const struct mu_dev *d, const char *want)
{
	double deadline = mu_now() + 10;
	char path[160], got[32];
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/bus/pci/devices/%s/power/runtime_status", d->name);
	do {
		memset(got, 0, sizeof(got));
		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(fgets(got, sizeof(got), f));
		fclose(f);
		got[strcspn(got, "\n")] = 0;
		if (!strcmp(got, want))
			return 1;
		usleep(50000);
	} while (mu_now() < deadline);
	fprintf(stderr, "%s: runtime_status %s, not %s\n", d->name, got, want);
	return 0;
}

static void power_control(const struct mu_dev *d, const char *v)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/power/control",
		 d->name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(v, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(runtime_pm_held)
{
	struct mu_dev edu = mu_find(EDU_ID);
	int fd, fd2;

	power_control(&edu, "auto");
	ck_assert(runtime_status_is(&edu, "suspended"));
	fd = mu_open(&edu, 0, 0, NULL);
	ck_assert(runtime_status_is(&edu, "active"));
	fd2 = mu_open(&edu, 0, 0, NULL);
	close(fd);
	ck_assert(runtime_status_is(&edu, "active"));
	ck_assert_uint_eq(mu_rd32(fd2, 0), 0x010000ed);
	close(fd2);
	ck_assert(runtime_status_is(&edu, "suspended"));
	power_control(&edu, "on");
	ck_assert(runtime_status_is(&edu, "active"));
}
END_TEST

/* Reads the whole BAR byte by byte into @buf (shared with the test). */
static void long_read(int fd, char *buf)
{
	(void)!pread(fd, buf, 16 * MIB, 0);
	_exit(0);
}

/*
 * Wait (10 s at most) until the first page of @buf holds @want: the read
 * copied its first window out and runs on.
 */
static void wait_first_window(const char *buf, const char *want)
{
	double deadline = mu_now() + 10;

	while (memcmp((const void *)buf, want, 4096)) {
		ck_assert_msg(mu_now() < deadline, "the read copied no "
			      "page in 10 s");
		usleep(1000);
	}
}

/* rchar of a process (a zombie not yet reaped): bytes its reads got. */
static long long rchar(pid_t pid)
{
	char path[64], line[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "rchar: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

START_TEST(long_read_killed)
{
	struct mu_dev vga = mu_find(VGA_ID);
	struct aperture_io_bar a;
	int fd = mu_open(&vga, 0, APERTURE_IO_WIDTH_8, &a);
	char want[4096], *buf;
	siginfo_t si;
	long long got;
	pid_t pid;

	ck_assert_uint_eq(a.size, 16 * MIB);
	/* A page the read brings in, where the buffer holds its inverse. */
	mu_random(want, sizeof(want), 4);
	mu_pwrite_all(fd, want, sizeof(want), 0);
	buf = mmap(NULL, 16 * MIB, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(buf != MAP_FAILED);
	for (int i = 0; i < 4096; i++)
		buf[i] = (char)~want[i];
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		long_read(fd, buf);
	wait_first_window(buf, want);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	/* Exited (not reaped): its read ended short, at a window. */
	memset(&si, 0, sizeof(si));
	ck_assert_int_eq(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0);
	ck_assert_int_eq(si.si_code, CLD_KILLED);
	got = rchar(pid);
	fprintf(stderr, "killed after %lld of %d bytes\n", got, 16 * MIB);
	ck_assert_int_ge(got, 4096);
	ck_assert_int_lt(got, 16 * MIB);
	ck_assert_int_eq(got % 4096, 0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	munmap(buf, 16 * MIB);
	close(fd);
}
END_TEST

/*
 * A BAR that moves while its function stays (as sysfs resourceN_resize
 * reassigns it; here the helper aperture_move.ko, since QEMU's devices
 * have no resizable BAR) kills the old state: the old descriptor is
 * ENODEV at once, a touch of an old mapping whose page was mapped before
 * the move is SIGBUS (within the module's one-second look, no access
 * needed), and a new open maps the BAR where it is now.
 */
START_TEST(moved_bar_killed)
{
	const char *ko = getenv("APERTURE_MOVE_KO");
	const char *says = "BAR 0: moved or resized";
	struct mu_dev edu = mu_find(EDU_ID);
	struct aperture_io_bar a, b;
	int fd = mu_open(&edu, 0, 0, &a), fd2, before;
	char cmd[512];
	uint32_t *map;
	uint32_t v;

	ck_assert_msg(ko, "APERTURE_MOVE_KO is not set");
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert(map != MAP_FAILED);
	ck_assert_uint_eq(*(volatile uint32_t *)map, 0x010000ed);
	before = mu_klog_count(says);
	snprintf(cmd, sizeof(cmd), "insmod %s slot=%s bar=0", ko, edu.name);
	ck_assert_int_eq(system(cmd), 0);
	/* No access through the descriptor: the page goes all the same. */
	ck_assert_int_eq(mu_touch_until_signal(map), 128 + SIGBUS);
	ck_assert_int_eq(mu_klog_count(says), before + 1);
	errno = 0;
	ck_assert_int_eq(pread(fd, &v, 4, 0), -1);
	ck_assert_int_eq(errno, ENODEV);

	fd2 = mu_open(&edu, 0, 0, &b);
	ck_assert_uint_ne(b.start, a.start);
	ck_assert_uint_eq(b.size, a.size);
	ck_assert_uint_eq(mu_rd32(fd2, 0), 0x010000ed);
	close(fd2);
	munmap(map, 4096);
	close(fd);
	ck_assert_int_eq(system("rmmod aperture_move"), 0);
}
END_TEST

START_TEST(klog_clean)
{
	char line[512];

	ck_assert_msg(!mu_klog_bad(line, sizeof(line)), "kernel log: %s", line);
}
END_TEST

Suite *module_state_suite(void);

Suite *module_state_suite(void)
{
	Suite *s = suite_create("module_state");
	TCase *tc;

	tc = tcase_create("state");
	tcase_add_test(tc, decoding_off_refused);
	tcase_add_test(tc, runtime_pm_held);
	tcase_add_test(tc, long_read_killed);
	tcase_add_test(tc, moved_bar_killed);
	tcase_add_test(tc, klog_clean);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

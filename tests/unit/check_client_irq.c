/*
 * check_client_irq.c - interrupts and ownership from the client side, on
 * a fake machine's owned function: aperture_irq_wait() and its Check
 * assertion, `aperture wait-irq`, and `aperture own` / `release` on a
 * sysfs tree made here (APERTURE_SYSFS), where a thread plays the
 * kernel's part (binding at drivers_probe, unbinding at unbind).
 */
#include <pthread.h>
#include <sys/inotify.h>
#include <time.h>

#include <aperture/aperture-check.h>

#include "client_util.h"
#include "own_fake.h"

static struct aperture *ap;

static void irq_setup(void)
{
	fk_mount(&m, own_machine, NULL);
	ck_assert_int_eq(aperture_open(m.mnt, "00:04.0", &ap), 0);
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi 1\n"), 0);
}

static void irq_teardown(void)
{
	aperture_close(ap);
	ap = NULL;
	fk_umount(&m);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

START_TEST(lib_wait)
{
	uint64_t count = 0;
	long long t0;
	pid_t pid;

	own_raise(&m, "msi0", 2);
	ck_assert_int_eq(aperture_irq_wait(ap, "msi0", 2000, &count), 0);
	ck_assert_uint_eq(count, 2);
	/* One that comes while waiting. */
	pid = fork();
	if (!pid) {
		usleep(100000);
		own_raise(&m, "msi0", 1);
		_exit(0);
	}
	ck_assert_int_eq(aperture_irq_wait(ap, "msi0", 3000, &count), 0);
	ck_assert_uint_eq(count, 1);
	waitpid(pid, NULL, 0);
	/* None: the deadline, not much later. */
	t0 = now_ms();
	ck_assert_int_eq(aperture_irq_wait(ap, "msi0", 200, &count),
			 -ETIMEDOUT);
	ck_assert_int_ge(now_ms() - t0, 200);
	ck_assert_int_lt(now_ms() - t0, 1500);
	ck_assert_str_eq(aperture_last_error(ap),
			 OWN " irq/msi0: no interrupt within 200 ms");
}
END_TEST

START_TEST(lib_errors)
{
	struct aperture *other;

	ck_assert_int_eq(aperture_irq_wait(ap, "mode", 10, NULL), -EINVAL);
	ck_assert_int_eq(aperture_irq_wait(ap, "../x", 10, NULL), -EINVAL);
	ck_assert_int_eq(aperture_irq_wait(ap, "msix0", 10, NULL), -ENOENT);
	ck_assert_str_eq(aperture_last_error(ap), OWN " irq/msix0: No such "
			 "file or directory (not owned, or the vector is not "
			 "enabled: see irq/mode)");
	ck_assert_int_eq(aperture_open(m.mnt, "00:05.0", &other), 0);
	ck_assert_int_eq(aperture_irq_wait(other, "msi0", 10, NULL), -ENOENT);
	aperture_close(other);
}
END_TEST

START_TEST(check_assertion)
{
	char msg[256];

	ck_assert_int_eq(aperture_check_irq(ap, "msi0", 100, msg, sizeof(msg)),
			 -ETIMEDOUT);
	ck_assert_str_eq(msg, OWN " irq/msi0: no interrupt within 100 ms");
	ck_assert_int_eq(aperture_check_irq(ap, "intx", 100, msg, sizeof(msg)),
			 -ENOENT);
	ck_assert_str_eq(msg, OWN " irq/intx: wait failed: No such file or "
			 "directory (ENOENT)");
	own_raise(&m, "msi0", 1);
	ck_assert_aperture_irq_within(ap, "msi0", 2000);
}
END_TEST

START_TEST(cmd_wait_irq)
{
	char args[PATH_MAX + 64];

	snprintf(args, sizeof(args), "wait-irq -m %s -s 00:04.0 -t 200ms msi0",
		 m.mnt);
	ct_expect(124, "", "aperture: wait-irq: " OWN " irq/msi0: no "
		  "interrupt within 200 ms\n", "%s", args);
	own_raise(&m, "msi0", 2);
	snprintf(args, sizeof(args), "wait-irq -m %s 00:04.0 msi0 -t 2s",
		 m.mnt);
	ct_expect(0, "2\n", "", "%s", args);
	snprintf(args, sizeof(args), "wait-irq -m %s 00:04.0 msi", m.mnt);
	ct_expect(2, "", "aperture: wait-irq: 'msi' is not a vector (intx, "
		  "msiN, msixN) (aperture -h for usage)\n", "%s", args);
	snprintf(args, sizeof(args), "wait-irq -m %s 00:04.0 msi0 -t 5", m.mnt);
	ct_expect(2, "", "aperture: timeout '5': give it with its unit: "
		  "500ms, 2s or 1.5s (aperture -h for usage)\n", "%s", args);
	snprintf(args, sizeof(args), "wait-irq -m %s msi0", m.mnt);
	ct_expect(2, "", "aperture: name a function with -s SLOT or -d ID "
		  "(aperture -h for usage)\n", "%s", args);
	snprintf(args, sizeof(args), "wait-irq -m %s -s 00:05.0 -t 10ms msi0",
		 m.mnt);
	ct_expect(1, "", "aperture: wait-irq: 0000:00:05.0 irq/msi0: No such "
		  "file or directory (not owned, or the vector is not "
		  "enabled: see irq/mode)\n", "%s", args);
}
END_TEST

/* ---- own and release on a sysfs tree of our own ---------------------- */

static char sys[PATH_MAX];
static pthread_t kernel;
static int kstop[2], kready[2];

static void sys_file(const char *rel, const char *text)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", sys, rel);
	fk_write(path, text);
}

static char *sys_read(const char *rel)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", sys, rel);
	return fk_slurp(path);
}

#define DEV "bus/pci/devices/0000:00:04.0"

/* The kernel's part: bind at drivers_probe, unbind at unbind. */
static void *kernel_main(void *arg)
{
	char buf[4096], path[PATH_MAX + 64], link[PATH_MAX + 64];
	int in = inotify_init1(IN_CLOEXEC), probe, unbind;
	struct pollfd p[2];

	snprintf(path, sizeof(path), "%s/bus/pci/drivers_probe", sys);
	probe = inotify_add_watch(in, path, IN_CLOSE_WRITE);
	snprintf(path, sizeof(path), "%s/bus/pci/drivers/aperture_io/unbind",
		 sys);
	unbind = inotify_add_watch(in, path, IN_CLOSE_WRITE);
	snprintf(link, sizeof(link), "%s/" DEV "/driver", sys);
	ck_assert_int_eq(write(kready[1], "x", 1), 1);
	p[0] = (struct pollfd){ .fd = in, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = kstop[0], .events = POLLIN };
	while (poll(p, 2, -1) > 0 && !p[1].revents) {
		ssize_t n = read(in, buf, sizeof(buf));

		for (char *q = buf; n > 0 && q < buf + n;) {
			struct inotify_event *ev = (void *)q;

			if (ev->wd == probe)
				symlink("../../drivers/aperture_io", link);
			else if (ev->wd == unbind)
				unlink(link);
			q += sizeof(*ev) + ev->len;
		}
	}
	close(in);
	return NULL;
}

static void own_setup(void)
{
	char path[PATH_MAX + 64];

	strcpy(sys, "/tmp/aperture-sys.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sys));
	snprintf(path, sizeof(path), "mkdir -p %s/" DEV " %s/bus/pci/devices/"
		 "0000:00:05.0 %s/bus/pci/drivers/aperture_io %s/bus/pci/"
		 "drivers/edu", sys, sys, sys, sys);
	ck_assert_int_eq(system(path), 0);
	sys_file(DEV "/driver_override", "(null)\n");
	sys_file("bus/pci/devices/0000:00:05.0/driver_override", "(null)\n");
	sys_file("bus/pci/drivers_probe", "");
	sys_file("bus/pci/drivers/aperture_io/unbind", "");
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:05.0/driver",
		 sys);
	ck_assert_int_eq(symlink("../../drivers/edu", path), 0);
	setenv("APERTURE_SYSFS", sys, 1);
	ck_assert_int_eq(pipe(kstop), 0);
	ck_assert_int_eq(pipe(kready), 0);
}

static void own_teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", sys);
	ck_assert_int_eq(system(cmd), 0);
	close(kstop[0]);
	close(kstop[1]);
	close(kready[0]);
	close(kready[1]);
}

static void kernel_start(void)
{
	char c;

	ck_assert_int_eq(pthread_create(&kernel, NULL, kernel_main, NULL), 0);
	/* Its watches are in place. */
	ck_assert_int_eq(read(kready[0], &c, 1), 1);
}

static void kernel_stop(void)
{
	ck_assert_int_eq(write(kstop[1], "x", 1), 1);
	pthread_join(kernel, NULL);
}

START_TEST(own_and_release)
{
	char *t;

	kernel_start();
	ct_expect(0, "", "", "own 00:04.0");
	t = sys_read(DEV "/driver_override");
	ck_assert_str_eq(t, "aperture_io");
	free(t);
	t = sys_read("bus/pci/drivers_probe");
	ck_assert_str_eq(t, "0000:00:04.0");
	free(t);
	/* Owned already: nothing to do. */
	ct_expect(0, "", "", "own 0000:00:04.0");
	ct_expect(0, "", "", "release 0000:00:04.0");
	t = sys_read("bus/pci/drivers/aperture_io/unbind");
	ck_assert_str_eq(t, "0000:00:04.0");
	free(t);
	t = sys_read(DEV "/driver_override");
	ck_assert_str_eq(t, "\n");
	free(t);
	kernel_stop();
}
END_TEST

START_TEST(own_refuses)
{
	char *t, want[PATH_MAX + 128];

	ct_expect(1, "", "aperture: own: 0000:00:05.0 is driven by edu: "
		  "aperture_io takes no function from its driver (unbind it "
		  "first: echo 0000:00:05.0 > /sys/bus/pci/drivers/edu/"
		  "unbind)\n", "own 00:05.0");
	t = sys_read("bus/pci/devices/0000:00:05.0/driver_override");
	ck_assert_str_eq(t, "(null)\n");
	free(t);
	ct_expect(1, "", "aperture: release: 0000:00:05.0 is driven by edu, "
		  "not aperture_io: nothing to release\n", "release 00:05.0");
	/* Nothing binds (no module): the override is undone. */
	ct_expect(1, "", "aperture: own: 0000:00:04.0: aperture_io did not "
		  "bind it (is the aperture_io module loaded, and does it own "
		  "functions? dmesg may say why)\n", "own 00:04.0");
	t = sys_read(DEV "/driver_override");
	ck_assert_str_eq(t, "\n");
	free(t);
	snprintf(want, sizeof(want), "aperture: own: no PCI function "
		 "0000:00:09.0 (%s/bus/pci/devices/0000:00:09.0)\n", sys);
	ct_expect(1, "", want, "own 00:09.0");
	ct_expect(2, "", "aperture: own: '00:04' is not a PCI address "
		  "(DDDD:BB:DD.F or BB:DD.F) (aperture -h for usage)\n",
		  "own 00:04");
	ct_expect(2, "", "aperture: release takes one function: aperture "
		  "release BDF (0000:00:04.0) (aperture -h for usage)\n",
		  "release");
}
END_TEST

Suite *client_irq_suite(void);

Suite *client_irq_suite(void)
{
	Suite *s = suite_create("client_irq");
	TCase *tc;

	tc = tcase_create("irq");
	tcase_add_checked_fixture(tc, irq_setup, irq_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, lib_wait);
	tcase_add_test(tc, lib_errors);
	tcase_add_test(tc, check_assertion);
	tcase_add_test(tc, cmd_wait_irq);
	suite_add_tcase(s, tc);

	tc = tcase_create("own");
	tcase_add_checked_fixture(tc, own_setup, own_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, own_and_release);
	tcase_add_test(tc, own_refuses);
	suite_add_tcase(s, tc);
	return s;
}

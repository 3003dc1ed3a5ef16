/*
 * check_own_irq.c - an owned function's irq/ through the mount, on the
 * fake machine (its vectors are FIFOs the tests write counts to): modes,
 * vector files that block without holding a daemon thread, count, say
 * EAGAIN, wake poll, pass masks on, answer a signal, and die with their
 * mode.
 */
#include <sys/ioctl.h>
#include <time.h>

#include "aperture_io.h"
#include "own_fake.h"

START_TEST(modes)
{
	char t[64], got[256];

	own_text(&m, OWN "/irq/mode", t, sizeof(t));
	ck_assert_str_eq(t, "off\n");
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi 1\n"), 0);
	own_text(&m, OWN "/irq/mode", t, sizeof(t));
	ck_assert_str_eq(t, "msi 1\n");
	names(FK_PATH(&m, OWN "/irq"), got, sizeof(got));
	ck_assert_str_eq(got, "mode msi0");
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msix 2\n"), 0);
	names(FK_PATH(&m, OWN "/irq"), got, sizeof(got));
	ck_assert_str_eq(got, "mode msix0 msix1");
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "intx\n"), 0);
	names(FK_PATH(&m, OWN "/irq"), got, sizeof(got));
	ck_assert_str_eq(got, "intx mode");
	/* The function cannot: the mode stays off, the log says why. */
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi 2\n"), EINVAL);
	ck_assert_int_eq(fk_log_count(&m, OWN " irq/mode: 'msi 2' refused: "
				      "Invalid argument"), 1);
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "many\n"), EINVAL);
	ck_assert_int_eq(fk_log_count(&m, OWN " irq/mode: 'many' is not off, "
				      "intx, msi N or msix N"), 1);
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "off\n"), 0);
	names(FK_PATH(&m, OWN "/irq"), got, sizeof(got));
	ck_assert_str_eq(got, "mode");
}
END_TEST

START_TEST(counts)
{
	int fd;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi\n"), 0);
	fd = open(FK_PATH(&m, OWN "/irq/msi0"), O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(own_read_count(fd), -EAGAIN);
	own_raise(&m, "msi0", 1);
	own_raise(&m, "msi0", 2);
	/* The FIFO is read by the watcher or by this read: either way the
	 * count is there once the FIFO is drained. */
	for (int i = 0; i < 200; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 10) == 1)
			break;
	}
	ck_assert_int_eq(own_read_count(fd), 3);
	ck_assert_int_eq(own_read_count(fd), -EAGAIN);
	/* A short read is refused. */
	ck_assert_int_eq(read(fd, (char[4]){ 0 }, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
	/* Counted while no file was open: the next read has it. */
	own_raise(&m, "msi0", 5);
	fd = open(FK_PATH(&m, OWN "/irq/msi0"), O_RDONLY);
	ck_assert_int_eq(own_read_count(fd), 5);
	close(fd);
}
END_TEST

/* A reader blocked in read() (a child), answered by an interrupt. */
struct blocked {
	pid_t pid;
	int pipe;		/* the child's result: the count or -errno */
};

static struct blocked block_read(const char *vec)
{
	struct blocked b;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	b.pid = fork();
	ck_assert_int_ge(b.pid, 0);
	if (!b.pid) {
		int fd = open(FK_PATH(&m, OWN "/irq/%s", vec), O_RDONLY);
		int64_t c = fd < 0 ? -errno : own_read_count(fd);

		if (write(p[1], &c, sizeof(c)) != sizeof(c))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	b.pipe = p[0];
	return b;
}

/* The child's result within @ms, or INT64_MIN if none came. */
static int64_t block_result(struct blocked *b, int ms)
{
	struct pollfd p = { .fd = b->pipe, .events = POLLIN };
	int64_t c = INT64_MIN;

	if (poll(&p, 1, ms) == 1 &&
	    read(b->pipe, &c, sizeof(c)) != sizeof(c))
		c = INT64_MIN;
	return c;
}

static void block_end(struct blocked *b)
{
	int st;

	kill(b->pid, SIGKILL);
	ck_assert_int_eq(waitpid(b->pid, &st, 0), b->pid);
	close(b->pipe);
}

/* Wait until @pid sits in read(2) (x86-64 and i386: syscall 0 or 3). */
static void wait_in_read(pid_t pid)
{
	char path[64], *t;
	bool in = false;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	for (int i = 0; i < 500 && !in; i++) {
		t = fk_slurp(path);
		in = t && (!strncmp(t, "0 ", 2) || !strncmp(t, "3 ", 2));
		free(t);
		if (!in)
			usleep(10000);
	}
	ck_assert_msg(in, "process %d never blocked in read", (int)pid);
}

START_TEST(blocking_read)
{
	struct blocked b;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi 1\n"), 0);
	b = block_read("msi0");
	wait_in_read(b.pid);
	ck_assert(block_result(&b, 0) == INT64_MIN);	/* still blocked */
	own_raise(&m, "msi0", 1);
	ck_assert_int_eq(block_result(&b, 3000), 1);
	block_end(&b);
}
END_TEST

/* More blocked readers than libfuse has threads (10): the mount still
 * answers, and each reader is answered in turn by one interrupt. */
START_TEST(blocked_readers_starve_nothing)
{
	struct blocked b[14];
	struct pollfd p[14];
	char t[64];
	int done = 0;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "intx\n"), 0);
	for (int i = 0; i < 14; i++) {
		b[i] = block_read("intx");
		wait_in_read(b[i].pid);
		p[i] = (struct pollfd){ .fd = b[i].pipe, .events = POLLIN };
	}
	own_text(&m, OWN "/dma/mask", t, sizeof(t));
	ck_assert_str_eq(t, "32\n");
	for (int i = 0; i < 14; i++) {
		own_raise(&m, "intx", 1);
		ck_assert_int_eq(poll(p, 14, 3000), 1);
		for (int k = 0; k < 14; k++) {
			if (!(p[k].revents & POLLIN))
				continue;
			ck_assert_int_eq(block_result(&b[k], 0), 1);
			p[k].fd = -1;
			done++;
		}
	}
	ck_assert_int_eq(done, 14);
	for (int i = 0; i < 14; i++)
		block_end(&b[i]);
}
END_TEST

static void on_alarm(int sig)
{
}

/* A signal answers a blocked read EINTR; SIGKILL ends the reader. */
START_TEST(signal_ends_read)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct blocked b;
	int fd, st;
	pid_t pid;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi 1\n"), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		sigaction(SIGALRM, &sa, NULL);
		fd = open(FK_PATH(&m, OWN "/irq/msi0"), O_RDONLY);
		alarm(1);
		_exit(own_read_count(fd) == -EINTR ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);

	b = block_read("msi0");
	wait_in_read(b.pid);
	kill(b.pid, SIGKILL);
	for (int i = 0; i < 300 && waitpid(b.pid, &st, WNOHANG) == 0; i++)
		usleep(10000);
	ck_assert_msg(kill(b.pid, 0) < 0, "the reader is still there");
	close(b.pipe);
	/* Nothing was taken from the count by the readers that left. */
	own_raise(&m, "msi0", 2);
	fd = open(FK_PATH(&m, OWN "/irq/msi0"), O_RDONLY);
	ck_assert_int_eq(own_read_count(fd), 2);
	close(fd);
}
END_TEST

START_TEST(poll_wakes)
{
	struct timespec t0, t1;
	struct pollfd p;
	int fd;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msix 2\n"), 0);
	fd = open(FK_PATH(&m, OWN "/irq/msix1"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	if (!fork()) {
		usleep(200000);
		own_raise(&m, "msix1", 1);
		_exit(0);
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert(p.revents & POLLIN);
	/* Woken by the interrupt, not by the end of the wait (at which
	 * the kernel asks once more, and would see the count). */
	ck_assert_msg(t1.tv_sec - t0.tv_sec < 3, "poll woke only after %ld s",
		      (long)(t1.tv_sec - t0.tv_sec));
	wait(NULL);
	ck_assert_int_eq(own_read_count(fd), 1);
	/* Another vector's interrupt does not wake this one. */
	own_raise(&m, "msix0", 1);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 300), 0);
	close(fd);
}
END_TEST

START_TEST(mask_passes_on)
{
	uint64_t v = APERTURE_IO_IRQ_MASK;
	char path[PATH_MAX + 32], *t;
	int fd;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "intx\n"), 0);
	fd = open(FK_PATH(&m, OWN "/irq/intx"), O_RDWR);
	ck_assert_int_eq(write(fd, &v, 8), 8);
	snprintf(path, sizeof(path), "%s/" OWN ".intx.mask", m.dir);
	t = fk_slurp(path);
	ck_assert_str_eq(t, "masked\n");
	free(t);
	v = APERTURE_IO_IRQ_UNMASK;
	ck_assert_int_eq(write(fd, &v, 8), 8);
	t = fk_slurp(path);
	ck_assert_str_eq(t, "unmasked\n");
	free(t);
	v = 7;
	ck_assert_int_eq(write(fd, &v, 8), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(write(fd, &v, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
}
END_TEST

/* A mode change ends the old vectors: open files and blocked reads get
 * ENODEV, poll says POLLERR. */
START_TEST(mode_change_ends_vectors)
{
	struct blocked b;
	struct pollfd p;
	int fd;

	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi 1\n"), 0);
	fd = open(FK_PATH(&m, OWN "/irq/msi0"), O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	b = block_read("msi0");
	wait_in_read(b.pid);
	/* The same mode again keeps them. */
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "msi 1\n"), 0);
	ck_assert_int_eq(own_read_count(fd), -EAGAIN);
	ck_assert_int_eq(fk_put(&m, OWN "/irq/mode", "intx\n"), 0);
	ck_assert_int_eq(block_result(&b, 3000), -ENODEV);
	ck_assert_int_eq(own_read_count(fd), -ENODEV);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 0), 1);
	ck_assert(p.revents & POLLERR);
	close(fd);
	block_end(&b);
}
END_TEST

Suite *own_irq_suite(void);

Suite *own_irq_suite(void)
{
	Suite *s = suite_create("own_irq");
	TCase *tc;

	tc = tcase_create("irq");
	tcase_add_checked_fixture(tc, own_mount_setup, own_mount_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, modes);
	tcase_add_test(tc, counts);
	tcase_add_test(tc, blocking_read);
	tcase_add_test(tc, blocked_readers_starve_nothing);
	tcase_add_test(tc, signal_ends_read);
	tcase_add_test(tc, poll_wakes);
	tcase_add_test(tc, mask_passes_on);
	tcase_add_test(tc, mode_change_ends_vectors);
	suite_add_tcase(s, tc);
	return s;
}

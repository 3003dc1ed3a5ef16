/*
 * check_regs_race.c - the daemon stands up to many users at once, on a
 * mounted fake machine (--fake, no module, no PCI device):
 *
 *  - eight threads read and write one open descriptor of a register file
 *    (and of `registers`), and eight threads each with descriptors of
 *    their own: every read gives a whole, well-formed value, every write
 *    succeeds, and the daemon is alive at the end (a freed text buffer
 *    used by another thread killed it with SIGSEGV; under
 *    -fsanitize=address the daemon stops at the first such use);
 *  - a descriptor left open on a function that was removed answers
 *    ENODEV as often as it is read, and that costs no scan: scans follow
 *    the machine's events (here, edits of the description), not errors.
 *
 * Run it built with -fsanitize=address,undefined too (README, "Testing").
 */
#include <check.h>
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>

#include "fake_mount.h"

#ifndef APERTURE_REGS_SRC
#define APERTURE_REGS_SRC "regs"
#endif

#define THREADS		8
#define ROUNDS		3000

#define MACHINE \
	"function 00:04.0 1234:11e8 class=00ff\n" \
	"bar0 mem 1M file=edu.bin\n"
#define EXTRA \
	"function 00:08.0 1234:11e8 class=00ff\n" \
	"bar0 mem 1M\n"

#define EDU "0000:00:04.0/regs/edu/"

static struct fk m;

static void teardown(void)
{
	fk_umount(&m);
}

/* What one thread does, and what it saw that it should not have. */
struct job {
	const char *path;	/* the file, when the thread opens its own */
	int fd;			/* the shared descriptor, else -1 */
	bool list;		/* `registers` rather than a register */
	bool writer;		/* writes values too */
	int id;			/* which thread */
	char bad[160];		/* the first wrong thing seen */
};

static void job_bad(struct job *j, const char *what, ssize_t n, int err)
{
	if (!j->bad[0])
		snprintf(j->bad, sizeof(j->bad), "thread %d: %s: %zd (%s)",
			 j->id, what, n, n < 0 ? strerror(err) : "");
}

/* "0x" and 8 hex digits and a newline, or the tail of that from @off. */
static bool value_ok(const char *b, ssize_t n, int off)
{
	static const char form[] = "0xhhhhhhhh\n";

	if (n != (ssize_t)strlen(form) - off)
		return false;
	for (ssize_t i = 0; i < n; i++) {
		char want = form[off + i];

		if (want == 'h' ? !isxdigit((unsigned char)b[i])
				: b[i] != want)
			return false;
	}
	return true;
}

static void one_round(struct job *j, int fd, int i)
{
	char b[8192], v[16];
	ssize_t n;

	if (j->list) {
		n = pread(fd, b, sizeof(b) - 1, 0);
		if (n <= 0 || !memmem(b, n, "LIVENESS", 8) ||
		    b[n - 1] != '\n')
			job_bad(j, "registers at 0", n, errno);
		n = pread(fd, b, 64, 20);
		if (n != 64)
			job_bad(j, "registers at 20", n, errno);
		return;
	}
	n = pread(fd, b, sizeof(b), 0);
	if (!value_ok(b, n, 0))
		job_bad(j, "LIVENESS at 0", n, errno);
	n = pread(fd, b, sizeof(b), 3);
	if (!value_ok(b, n, 3))
		job_bad(j, "LIVENESS at 3", n, errno);
	if (j->writer) {
		snprintf(v, sizeof(v), "0x%08x\n", j->id << 24 | i);
		n = pwrite(fd, v, strlen(v), 0);
		if (n != (ssize_t)strlen(v))
			job_bad(j, "LIVENESS write", n, errno);
	}
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	int fd = j->fd;

	if (fd < 0)
		fd = open(j->path, j->writer ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		job_bad(j, "open", -1, errno);
		return NULL;
	}
	for (int i = 0; i < ROUNDS && !j->bad[0]; i++)
		one_round(j, fd, i);
	if (j->fd < 0)
		close(fd);
	return NULL;
}

/* Run THREADS jobs; fail with the first wrong thing any of them saw. */
static void run_jobs(struct job *jobs)
{
	pthread_t t[THREADS];
	int st;

	for (int i = 0; i < THREADS; i++) {
		jobs[i].id = i;
		ck_assert_int_eq(pthread_create(&t[i], NULL, job_main,
						&jobs[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < THREADS; i++)
		if (jobs[i].bad[0])
			fk_show_log(&m);
	ck_assert_msg(waitpid(m.pid, &st, WNOHANG) == 0,
		      "the daemon died (%s %d); its log: %s",
		      WIFSIGNALED(st) ? "signal" : "exit",
		      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), m.log);
	for (int i = 0; i < THREADS; i++)
		ck_assert_msg(!jobs[i].bad[0], "%s", jobs[i].bad);
	ck_assert(fk_mounted(m.mnt));
}

/* Readers and writers of one register descriptor, readers of one
 * `registers` descriptor, all at once. */
START_TEST(one_descriptor)
{
	struct job jobs[THREADS] = { 0 };
	int fd, lfd;

	fk_mount(&m, MACHINE, "regs=" APERTURE_REGS_SRC);
	fd = open(FK_PATH(&m, EDU "LIVENESS"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	lfd = open(FK_PATH(&m, "0000:00:04.0/registers"), O_RDONLY);
	ck_assert_int_ge(lfd, 0);
	for (int i = 0; i < THREADS; i++) {
		jobs[i].fd = i == 0 ? lfd : fd;
		jobs[i].list = i == 0;
		jobs[i].writer = i == 1 || i == 2;
	}
	run_jobs(jobs);
	close(fd);
	close(lfd);
}
END_TEST

/* The same with a descriptor per thread. */
START_TEST(many_descriptors)
{
	struct job jobs[THREADS] = { 0 };
	char reg[PATH_MAX * 2], list[PATH_MAX * 2];

	fk_mount(&m, MACHINE, "regs=" APERTURE_REGS_SRC);
	strcpy(reg, FK_PATH(&m, EDU "LIVENESS"));
	strcpy(list, FK_PATH(&m, "0000:00:04.0/registers"));
	for (int i = 0; i < THREADS; i++) {
		jobs[i].fd = -1;
		jobs[i].list = i < 2;
		jobs[i].path = i < 2 ? list : reg;
		jobs[i].writer = i >= 2 && i < 5;
	}
	run_jobs(jobs);
}
END_TEST

/* The number of the last scan logged. */
static long last_scan(void)
{
	long scan, entries;

	fk_last_scan(&m, &scan, &entries);
	return scan;
}

/*
 * 20,000 reads of a BAR file and of a register file, both left open on a
 * function that the description no longer has: each is ENODEV, and at
 * most two scans follow (the one of the edit, and one more if the first
 * ENODEV came before it).
 */
START_TEST(gone_costs_no_scans)
{
	long before, after;
	char b[16];
	int bfd, rfd, n;

	fk_mount(&m, MACHINE EXTRA, "regs=" APERTURE_REGS_SRC);
	bfd = open(FK_PATH(&m, "0000:00:08.0/bar0"), O_RDONLY);
	ck_assert_int_ge(bfd, 0);
	rfd = open(FK_PATH(&m, "0000:00:08.0/regs/edu/LIVENESS"), O_RDONLY);
	ck_assert_int_ge(rfd, 0);
	before = last_scan();
	ck_assert_int_eq(before, 1);
	fk_redescribe(&m, MACHINE);
	ck_assert(fk_wait_path(FK_PATH(&m, "0000:00:08.0"), false, 1000));
	for (int i = 0; i < 20000; i++) {
		errno = 0;
		ck_assert_int_eq(pread(i % 2 ? rfd : bfd, b, 4, 0), -1);
		ck_assert_int_eq(errno, ENODEV);
	}
	/* A scan asked for by the reads would have run by now: make one
	 * more of our own, and wait for its line, so none is in flight. */
	n = fk_log_count(&m, "aperturefs: scan ");
	fk_redescribe(&m, MACHINE);
	for (int i = 0; i < 200 && fk_log_count(&m, "aperturefs: scan ") == n;
	     i++)
		usleep(10000);
	after = last_scan();
	close(bfd);
	close(rfd);
	printf("gone_costs_no_scans: %ld scans for 20000 ENODEV reads and "
	       "two edits\n", after - before);
	ck_assert_msg(after - before <= 3, "%ld scans for 20000 ENODEV reads "
		      "and two edits", after - before);
}
END_TEST

Suite *regs_race_suite(void);

Suite *regs_race_suite(void)
{
	Suite *s = suite_create("regs_race");
	TCase *tc = tcase_create("race");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, one_descriptor);
	tcase_add_test(tc, many_descriptors);
	suite_add_tcase(s, tc);
	tc = tcase_create("scans");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, gone_costs_no_scans);
	suite_add_tcase(s, tc);
	return s;
}

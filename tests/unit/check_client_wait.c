/*
 * check_client_wait.c - libaperture's waits on a mounted fake machine
 * (aperturefs --fake -d, with the shipped descriptions): a wait sees a
 * change that another thread makes in the fake BAR's backing file within
 * a bound, and a wait that times out polls at most about a hundred times
 * a second (the reads this thread made, counted in /proc/thread-self/io)
 * and opens its register once (the OPEN requests in the daemon's -d log).
 */
#include <pthread.h>
#include <time.h>

#include <aperture/aperture.h>

#include "client_util.h"
#include "fake_mount.h"

static const char *machine =
	"function 00:04.0 1234:11e8 class=00ff\n"
	"bar0 mem 1M file=edu.bin\n";

static struct fk m;
static struct aperture *ap;

static void wait_setup(void)
{
	char fake[PATH_MAX + 8], img[PATH_MAX + 16], opts[PATH_MAX + 16];
	const char *argv[] = { fake, "-d", "-o", opts, m.mnt, NULL };

	fk_prepare(&m, machine);
	/* IDENT, and STATUS 0x1 (COMPUTING). */
	snprintf(img, sizeof(img), "%s/edu.bin", m.dir);
	ct_write(img, "\xed\0\0\x01", 4, 1 << 20);
	snprintf(fake, sizeof(fake), "--fake=%s", m.desc);
	snprintf(opts, sizeof(opts), "regs=%s/regs", CLIENT_SRCDIR);
	ck_assert_int_eq(fk_run(&m, argv), 0);
	ck_assert_int_eq(aperture_open(m.mnt, "00:04.0", &ap), 0);
	ck_assert_int_eq(aperture_write32(ap, 0, 0x20, 0x1), 0);
}

static void wait_teardown(void)
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

/* Read system calls this thread has made (/proc/thread-self/io). */
static long long my_reads(void)
{
	char *io = fk_slurp("/proc/thread-self/io"), *p;
	long long n = -1;

	ck_assert_ptr_nonnull(io);
	p = strstr(io, "syscr: ");
	ck_assert_ptr_nonnull(p);
	n = atoll(p + 7);
	free(io);
	return n;
}

/* Lines of the daemon's -d log that hold @s (the log can be long). */
static int log_count(const char *s)
{
	FILE *f = fopen(m.log, "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	ck_assert_ptr_nonnull(f);
	while (getline(&line, &cap, f) > 0)
		n += strstr(line, s) != NULL;
	free(line);
	fclose(f);
	return n;
}

/* Another writer: STATUS becomes @val in the backing file after @ms. */
struct writer {
	unsigned int ms;
	uint32_t val;
	long long at;		/* when it wrote, now_ms() */
};

static void *writer_run(void *arg)
{
	struct writer *w = arg;
	struct timespec ts = { w->ms / 1000, (w->ms % 1000) * 1000000l };
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/edu.bin", m.dir);
	nanosleep(&ts, NULL);
	fd = open(path, O_WRONLY);
	w->at = now_ms();
	if (fd < 0 || pwrite(fd, &w->val, 4, 0x20) != 4)
		w->at = -1;
	if (fd >= 0)
		close(fd);
	return NULL;
}

/*
 * The change comes 350 ms in: polls that kept doubling their pause
 * would be asleep for a third of a second then.  Seen within 150 ms.
 */
START_TEST(wait_sees_a_change_within_a_bound)
{
	struct writer w = { .ms = 350, .val = 0x80 };
	long long t0 = now_ms(), t1;
	uint64_t last = 0;
	pthread_t th;

	ck_assert_int_eq(pthread_create(&th, NULL, writer_run, &w), 0);
	ck_assert_int_eq(aperture_wait(ap, 0, 0x20, 4, 0x1, 0x0, 3000, &last),
			 0);
	t1 = now_ms();
	pthread_join(th, NULL);
	ck_assert_int_gt(w.at, 0);
	ck_assert_uint_eq(last, 0x80);
	ck_assert_int_ge(t1, w.at);
	ck_assert_msg(t1 - w.at <= 150, "seen %lld ms after the write",
		      t1 - w.at);
	ck_assert_int_ge(t1 - t0, 350);
}
END_TEST

START_TEST(reg_wait_sees_a_change_within_a_bound)
{
	struct writer w = { .ms = 350, .val = 0x80 };
	uint64_t last = 0;
	pthread_t th;
	long long t1;

	ck_assert_int_eq(pthread_create(&th, NULL, writer_run, &w), 0);
	ck_assert_int_eq(aperture_reg_wait(ap, "edu.STATUS.IRQ_ENABLE", 1,
					   3000, &last), 0);
	t1 = now_ms();
	pthread_join(th, NULL);
	ck_assert_int_gt(w.at, 0);
	ck_assert_uint_eq(last, 1);
	ck_assert_int_ge(t1, w.at);
	ck_assert_msg(t1 - w.at <= 150, "seen %lld ms after the write",
		      t1 - w.at);
}
END_TEST

/*
 * A 1 s wait that times out: pauses of 10 us doubling to 10 ms make
 * about 110 reads (polling every millisecond made 900 and more).
 */
START_TEST(wait_timeout_reads_are_bounded)
{
	long long r0, n, t0 = now_ms();
	uint64_t last = 0;

	r0 = my_reads();
	ck_assert_int_eq(aperture_wait(ap, 0, 0x0, 4, ~0u, 0, 1000, &last),
			 -ETIMEDOUT);
	n = my_reads() - r0;
	ck_assert_int_ge(now_ms() - t0, 1000);
	ck_assert_uint_eq(last, 0x010000ed);
	ck_assert_msg(n >= 20 && n <= 150, "%lld reads in a 1 s wait", n);
	ck_assert_str_eq(aperture_last_error(ap),
			 "0000:00:04.0 bar0 0x0.l: wait: timed out after 1000 "
			 "ms waiting for 0x0 under mask 0xffffffff; last "
			 "value 0x10000ed");
}
END_TEST

/* The same by name: one open of the register, and bounded reads. */
START_TEST(reg_wait_opens_once_and_reads_bounded)
{
	int opens = log_count("opcode: OPEN");
	long long r0, n;
	uint64_t last = 0;

	r0 = my_reads();
	ck_assert_int_eq(aperture_reg_wait(ap, "edu.IDENT", 0, 1000, &last),
			 -ETIMEDOUT);
	n = my_reads() - r0;
	ck_assert_uint_eq(last, 0x010000ed);
	ck_assert_msg(n >= 20 && n <= 150, "%lld reads in a 1 s wait", n);
	/* regs/.check once (may the wait read it?), the register once. */
	ck_assert_int_eq(log_count("opcode: OPEN") - opens, 2);
	ck_assert_str_eq(aperture_last_error(ap),
			 "0000:00:04.0 regs/edu/IDENT: wait: timed out after "
			 "1000 ms waiting for 0x0; last value 0x10000ed");
}
END_TEST

Suite *client_wait_suite(void);

Suite *client_wait_suite(void)
{
	Suite *s = suite_create("client_wait");
	TCase *tc = tcase_create("waits");

	tcase_add_checked_fixture(tc, wait_setup, wait_teardown);
	tcase_add_test(tc, wait_sees_a_change_within_a_bound);
	tcase_add_test(tc, reg_wait_sees_a_change_within_a_bound);
	tcase_add_test(tc, wait_timeout_reads_are_bounded);
	tcase_add_test(tc, reg_wait_opens_once_and_reads_bounded);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_client_refused.c - why the daemon refused a named write, per
 * handle, on a fake machine mounted with the shipped descriptions: the
 * daemon keeps only the last refusal of a function (info's
 * "regs.refused" line, shared by every process), so a reason read back
 * from it when asked would be another process's; aperture_last_error()
 * keeps the reason of this handle's own refusal.
 */
#include <aperture/aperture.h>

#include "client_util.h"
#include "fake_mount.h"

static const char *machine =
	"function 00:04.0 1234:11e8 class=00ff\n"
	"bar0 mem 1M file=edu.bin\n";

static struct fk m;

static void refused_setup(void)
{
	char fake[PATH_MAX + 8], opts[PATH_MAX + 16];
	const char *argv[] = { fake, "-f", "-o", opts, m.mnt, NULL };

	fk_prepare(&m, machine);
	snprintf(fake, sizeof(fake), "--fake=%s", m.desc);
	snprintf(opts, sizeof(opts), "regs=%s/regs", CLIENT_SRCDIR);
	ck_assert_int_eq(fk_run(&m, argv), 0);
}

static void refused_teardown(void)
{
	fk_umount(&m);
}

/* Another process writes @text to @name and sees it refused. */
static void refused_elsewhere(const char *name, const char *text)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct aperture *b;

		_exit(aperture_open(m.mnt, "00:04.0", &b) ||
		      aperture_reg_write_text(b, name, text) != -EINVAL);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && !WEXITSTATUS(st));
}

START_TEST(reason_is_this_handles_own)
{
	char info[512];
	struct aperture *a;

	ck_assert_int_eq(aperture_open(m.mnt, "00:04.0", &a), 0);
	ck_assert_int_eq(aperture_reg_write_text(a, "edu.LIVENESS", "abc"),
			 -EINVAL);
	ck_assert_str_eq(aperture_last_error(a), "0000:00:04.0 "
			 "regs/edu/LIVENESS: 'abc': not a number");
	refused_elsewhere("edu.LIVENESS", "0x1ffffffff");
	/* The shared line now holds the other process's reason... */
	ck_assert_int_eq(aperture_info(a, "regs.refused", info, sizeof(info)),
			 0);
	ck_assert_str_eq(info, "regs/edu/LIVENESS: '0x1ffffffff': does not "
			 "fit in 32 bits");
	/* ...and this handle still says its own. */
	ck_assert_str_eq(aperture_last_error(a), "0000:00:04.0 "
			 "regs/edu/LIVENESS: 'abc': not a number");
	/* A value written as a number: its text as the daemon got it. */
	ck_assert_int_eq(aperture_reg_write(a, "edu.STATUS.IRQ_ENABLE", 2),
			 -EINVAL);
	ck_assert_str_eq(aperture_last_error(a), "0000:00:04.0 "
			 "regs/edu/STATUS.IRQ_ENABLE: '0x2': does not fit in 1 "
			 "bit");
	ck_assert_int_eq(aperture_reg_write_text(a, "edu.IDENT", "1"),
			 -EACCES);
	ck_assert_str_eq(aperture_last_error(a), "0000:00:04.0 "
			 "regs/edu/IDENT: read-only");
	aperture_close(a);
}
END_TEST

Suite *client_refused_suite(void);

Suite *client_refused_suite(void)
{
	Suite *s = suite_create("client_refused");
	TCase *tc = tcase_create("refused");

	tcase_add_checked_fixture(tc, refused_setup, refused_teardown);
	tcase_add_test(tc, reason_is_this_handles_own);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

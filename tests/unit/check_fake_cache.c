/*
 * check_fake_cache.c - no file of the mount is ever read from the
 * kernel's page cache, on this host with a fake machine whose BAR is an
 * ordinary file that the test changes behind the daemon (as a device, a
 * module descriptor or a mapping changes a real BAR).
 *
 * Since Linux 6.5, splice from a FUSE file opened direct_io, and so
 * sendfile, reads through the page cache (fs/fuse/file.c fuse_splice_read
 * -> filemap_splice_read) unless it was opened O_DIRECT, and nothing
 * invalidates those pages when the BAR changes: the daemon refuses such
 * reads (fuse-mount/ops_file.c), so splice fails there (EINVAL, EIO on
 * some kernels), and is fresh everywhere else.  A MAP_PRIVATE mapping without passthrough, filled the
 * same way, raises SIGBUS when touched.  The daemon says it once.
 */
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/utsname.h>

#include "fake_mount.h"

#define PAGE 4096

static const char *machine =
	"function 00:05.0 1af4:1110 class=0500\n"
	"bar2 mem64 prefetch 1M file=shm.img\n";

/*
 * Is @err what splice gives where the daemon refused the page-cache read
 * (@cache), or 0 where it read the bytes?  The kernel turns the daemon's
 * EINVAL into EIO on some versions (7.3), and this host's is any.
 */
static bool refused_as(int err, bool cache)
{
	return cache ? err == EINVAL || err == EIO : err == 0;
}

/* Is this host's kernel at least @major.@minor? */
static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	ck_assert_int_eq(uname(&u), 0);
	ck_assert_int_eq(sscanf(u.release, "%d.%d", &ma, &mi), 2);
	return ma > major || (ma == major && mi >= minor);
}

/* Put @c in the first 3 pages of the BAR's file, behind the daemon. */
static void change_behind(struct fk *m, int c)
{
	static char buf[3 * PAGE];
	char path[PATH_MAX * 2];
	int fd;

	snprintf(path, sizeof(path), "%s/shm.img", m->dir);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	memset(buf, c, sizeof(buf));
	ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), 0), sizeof(buf));
	close(fd);
}

/*
 * splice, then sendfile, 3 pages at 0 from @fd: bytes they return must
 * all be @c (else they came from a stale page cache).  Returns 0 if both
 * returned the 3 pages, else the errno of the first that did not.
 */
static int spliced(int fd, int c, const char *what)
{
	static char got[3 * PAGE];
	int p[2], err = 0;

	ck_assert_int_eq(pipe(p), 0);
	for (int how = 0; how < 2; how++) {
		loff_t o = 0;
		off_t so = 0;
		ssize_t r = how ? sendfile(p[1], fd, &so, sizeof(got)) :
				  splice(fd, &o, p[1], NULL, sizeof(got), 0);
		const char *call = how ? "sendfile" : "splice";

		if (r < 0) {
			err = err ? err : errno;
			continue;
		}
		ck_assert_msg(r == sizeof(got), "%s: %s gave %zd", what, call,
			      r);
		ck_assert_int_eq(read(p[0], got, sizeof(got)), sizeof(got));
		for (size_t i = 0; i < sizeof(got); i++)
			if (got[i] != c)
				ck_abort_msg("%s: %s: byte %zu is '%c', the file "
					     "holds '%c' (stale page cache)",
					     what, call, i, got[i], c);
	}
	close(p[0]);
	close(p[1]);
	return err;
}

/* The BAR changes between two splices: the second never sees the first's
 * bytes; without O_DIRECT on 6.5+ both fail. */
START_TEST(splice_never_stale)
{
	bool cache = kernel_at_least(6, 5);
	struct fk m;

	fk_mount(&m, machine, NULL);
	for (int direct = 0; direct < 2; direct++) {
		const char *what = direct ? "bar2 O_DIRECT" : "bar2";
		int fd = open(FK_PATH(&m, "0000:00:05.0/bar2"),
			      O_RDONLY | (direct ? O_DIRECT : 0));
		bool refused = cache && !direct;
		int first, second;

		ck_assert_int_ge(fd, 0);
		change_behind(&m, 'A');
		first = spliced(fd, 'A', what);
		change_behind(&m, 'B');
		second = spliced(fd, 'B', what);
		ck_assert_msg(refused_as(first, refused) &&
			      refused_as(second, refused), "%s: splice and "
			      "sendfile gave %s, then %s; want %s", what,
			      strerror(first), strerror(second),
			      refused ? "EINVAL or EIO" : "the bytes");
		close(fd);
	}
	fk_umount(&m);
}
END_TEST

/* Without passthrough a MAP_PRIVATE mapping is made, and touching it
 * raises SIGBUS; the daemon said why, once. */
START_TEST(private_mapping_refused)
{
	struct fk m;
	int fd, st;
	pid_t pid;

	fk_mount(&m, machine, NULL);
	ck_assert_msg(fk_log_count(&m, "gives ENODEV") == 1,
		      "this host's daemon has passthrough: private mappings "
		      "are the backing file's");
	change_behind(&m, 'A');
	fd = open(FK_PATH(&m, "0000:00:05.0/bar2"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		volatile char *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd,
					0);

		_exit(p == MAP_FAILED ? 3 : p[0] == 'A' ? 0 : 4);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS,
		      "touching a MAP_PRIVATE mapping: %s %d, want SIGBUS",
		      WIFSIGNALED(st) ? "signal" : "exit",
		      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	/* A second refusal is not said again. */
	ck_assert(refused_as(spliced(fd, 'A', "bar2"), kernel_at_least(6, 5)));
	close(fd);
	ck_assert_int_eq(fk_log_count(&m, "refused a read for the kernel's "
				      "page cache"), 1);
	fk_umount(&m);
}
END_TEST

Suite *fake_cache_suite(void);

Suite *fake_cache_suite(void)
{
	Suite *s = suite_create("fake_cache");
	TCase *tc = tcase_create("page_cache");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, splice_never_stale);
	tcase_add_test(tc, private_mapping_refused);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_random_io.c - random read, write, lseek, readv/writev, mmap and
 * splice on BAR files, every answer checked against a model of the BAR
 * (rw_model.h).  Runs in a guest of tests/vm/run with the default mount:
 *
 *   tests/vm/run -- '$B/tests/vm/check_random_io'
 *
 * Targets: ivshmem BAR2 (1 MiB RAM) through module descriptors of auto
 * width and of each fixed width (8/16/32/64 bits) and through the mount,
 * opened plainly and with O_DIRECT; the VGA framebuffer (16 MiB) through
 * a descriptor and the mount.  Each step picks a target, an operation, an
 * offset (anywhere, near a page boundary, around the end, below zero)
 * and a length; the result (bytes, count, errno, file position) must be
 * the model's.  ivshmem's model is checked against the host's file behind
 * it every 512 steps and at the end, and each model against a mapping of
 * its whole BAR at the end.  Seeded: the seed is on the FIGURES line,
 * APERTURE_SEED=N replays.
 *
 * Without passthrough (the Debian 12 world) on Linux 6.5+, splice from a
 * file of the mount not opened O_DIRECT fails (EINVAL; EIO on 7.3)
 * wherever it would read bytes: the kernel would read it through its
 * page cache, which the daemon refuses to fill (fuse-mount/ops_file.c),
 * so that a BAR changed by a descriptor, a mapping or the device is never
 * served stale.  With O_DIRECT, splice reads the device (vfs_splice_read
 * -> copy_splice_read).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs_util.h"
#include "module_util.h"
#include "rw_model.h"
#include "rw_ops.h"

#define STEPS		12000
#define HOST_EVERY	512

/* ---- the targets ----------------------------------------------------- */

static struct rw_model ivshmem = { .name = "ivshmem bar2", .host_fd = -1 };
static struct rw_model vga = { .name = "VGA bar0", .host_fd = -1 };
static struct rw_target targets[10];
static int ntargets;

static void add_target(const char *name, struct rw_model *m, int fd,
		       unsigned int width, int mount, int mmap_err,
		       int splice_err)
{
	struct stat st;

	ck_assert_msg(fd >= 0, "%s %s: open: %s", m->name, name,
		      strerror(errno));
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq((uint64_t)st.st_size, m->size);
	ck_assert_int_lt(ntargets, (int)(sizeof(targets) / sizeof(targets[0])));
	targets[ntargets++] = (struct rw_target){
		.name = name, .m = m, .fd = fd, .width = width,
		.mount = mount, .mmap_err = mmap_err, .splice_err = splice_err,
	};
}

/*
 * What splice from a file of the mount that is neither passthrough nor
 * O_DIRECT gives where it would read bytes: 0 (it reads them) before
 * Linux 6.5, which spliced through read_iter, straight to the daemon;
 * from 6.5 on the kernel reads such a file through its page cache
 * (fuse_splice_read -> filemap_splice_read), and the daemon refuses
 * those reads (fuse-mount/ops_file.c): the daemon's EINVAL comes back
 * through 6.12, while 7.3 reports the failed page-cache read as EIO.
 */
static int cache_splice_errno(void)
{
	struct utsname u;
	int ma = 0, mi = 0;

	ck_assert_int_eq(uname(&u), 0);
	ck_assert_int_eq(sscanf(u.release, "%d.%d", &ma, &mi), 2);
	if (ma < 6 || (ma == 6 && mi < 5))
		return 0;
	return ma >= 7 ? EIO : EINVAL;
}

/* A model starts as a seeded pattern written through descriptor @fd. */
static void model_up(struct rw_model *m, int fd)
{
	m->bytes = malloc(m->size);
	ck_assert_ptr_nonnull(m->bytes);
	rw_fill(m->bytes, m->size);
	mu_pwrite_all(fd, m->bytes, m->size, 0);
}

/* The whole BAR through a mapping of descriptor @fd is the model. */
static void model_mapped(struct rw_model *m, int fd)
{
	void *map = mmap(NULL, m->size, PROT_READ, MAP_SHARED, fd, 0);

	ck_assert(map != MAP_FAILED);
	rw_checked += m->size;
	ck_assert_msg(!memcmp(map, m->bytes, m->size), "%s: the mapping of "
		      "the whole BAR is not the model (seed %llu replays)",
		      m->name, rw_seed);
	munmap(map, m->size);
}

START_TEST(test_random_io)
{
	static const unsigned int widths[] = { 1, 2, 4, 8 };
	static const char *const wnames[] = { "descriptor w8", "descriptor w16",
					      "descriptor w32", "descriptor w64" };
	struct mu_dev shm = mu_find(IVSHMEM_ID), fb = mu_find(VGA_ID);
	const char *world = getenv("APERTURE_WORLD");
	/* Without passthrough (libfuse 3.14): no shared mmap through the
	 * mount, and on 6.5+ no splice from a file not opened O_DIRECT. */
	int pt = fs_world_passthrough();
	int mmap_err = pt ? 0 : ENODEV;
	int splice_err = pt ? 0 : cache_splice_errno();
	struct aperture_io_bar a;
	uint8_t *scratch;
	unsigned long ops[8] = { 0 };
	int64_t off;
	int i, s, shm_fd, fb_fd;

	ck_assert_msg(world, "APERTURE_WORLD is not set");
	rw_seed = mu_seed();
	rw_state = rw_seed * 0x9e3779b97f4a7c15ull + 1;
	shm_fd = mu_open(&shm, 2, 0, &a);
	ivshmem.size = a.size;
	ivshmem.host_fd = mu_host_shm();
	model_up(&ivshmem, shm_fd);
	add_target("descriptor", &ivshmem, shm_fd, 0, 0, 0, 0);
	for (i = 0; i < 4; i++) {
		uint32_t w = APERTURE_IO_WIDTH_8 + i;

		/* A 32-bit kernel has no 8-byte MMIO: width 64 refused. */
		if (widths[i] == 8 && mu_kernel_is_32bit()) {
			ck_assert_int_eq(mu_try_open(&shm, 2, w, NULL),
					 -EINVAL);
			continue;
		}
		add_target(wnames[i], &ivshmem, mu_open(&shm, 2, w, NULL),
			   widths[i], 0, 0, 0);
	}
	add_target("mount", &ivshmem,
		   open(FS_MNT "/" FS_IVSHMEM "/bar2", O_RDWR), 0, 1, mmap_err,
		   splice_err);
	add_target("mount O_DIRECT", &ivshmem,
		   open(FS_MNT "/" FS_IVSHMEM "/bar2", O_RDWR | O_DIRECT), 0,
		   1, mmap_err, 0);
	fb_fd = mu_open(&fb, 0, 0, &a);
	vga.size = a.size;
	model_up(&vga, fb_fd);
	add_target("descriptor", &vga, fb_fd, 0, 0, 0, 0);
	add_target("mount", &vga, open(FS_MNT "/" FS_VGA "/bar0", O_RDWR), 0,
		   1, mmap_err, splice_err);
	scratch = malloc(vga.size);
	ck_assert_ptr_nonnull(scratch);
	rw_check_host(&ivshmem, scratch);

	for (s = 0; s < STEPS; s++) {
		struct rw_target *t = &targets[rw_below(ntargets)];
		int op = (int)rw_below(8);
		size_t len = rw_length();

		off = rw_offset(t->m->size, 1);
		ops[op]++;
		switch (op) {
		case 0: op_read(t, off, len); break;
		case 1: op_write(t, off, len); break;
		case 2: op_seek(t, off); break;
		case 3: op_readv(t, off, len); break;
		case 4: op_writev(t, off, len); break;
		case 5: op_splice(t, off, len, 1); break;
		case 6: op_splice(t, off, len, 0); break;
		default: op_mmap(t);
		}
		if (s % HOST_EVERY == HOST_EVERY - 1)
			rw_check_host(&ivshmem, scratch);
	}
	rw_check_host(&ivshmem, scratch);
	model_mapped(&ivshmem, shm_fd);
	model_mapped(&vga, fb_fd);
	for (i = 0; i < ntargets; i++)
		close(targets[i].fd);
	close(ivshmem.host_fd);
	printf("FIGURES: %d random steps on %d targets (read %lu, write %lu, "
	       "lseek %lu, readv %lu, writev %lu, splice %lu+%lu, mmap %lu), "
	       "%llu bytes checked against the models, seed %llu\n", STEPS,
	       ntargets, ops[0], ops[1], ops[2], ops[3], ops[4], ops[5],
	       ops[6], ops[7], rw_checked, rw_seed);
	fflush(stdout);
	free(scratch);
	free(ivshmem.bytes);
	free(vga.bytes);
}
END_TEST

/* ---- no stale bytes through the page cache --------------------------- */

/*
 * splice, then sendfile, @len at 0 from @fd: bytes they return must be
 * @want (the last written through the descriptor), else they came from a
 * stale page cache.  0 if both returned @len bytes, else the first errno.
 */
static int spliced(int fd, const uint8_t *want, size_t len, const char *what)
{
	int p[2], err = 0;

	ck_assert_int_eq(pipe(p), 0);
	for (int how = 0; how < 2; how++) {
		loff_t o = 0;
		off_t so = 0;
		ssize_t r = how ? sendfile(p[1], fd, &so, len) :
				  splice(fd, &o, p[1], NULL, len, 0);

		if (r < 0) {
			err = err ? err : errno;
			continue;
		}
		ck_assert_msg(r == (ssize_t)len, "%s: %s gave %zd", what,
			      how ? "sendfile" : "splice", r);
		ck_assert_int_eq(read(p[0], got, len), (ssize_t)len);
		ck_assert_msg(!memcmp(got, want, len), "%s: %s returned bytes "
			      "the BAR no longer holds (stale page cache)",
			      what, how ? "sendfile" : "splice");
	}
	close(p[0]);
	close(p[1]);
	return err;
}

/* Touch a MAP_PRIVATE mapping of @fd in a child: how it ended. */
static int private_touch(int fd)
{
	int st;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (!pid) {
		volatile uint8_t *m = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE,
					   fd, 0);

		_exit(m == MAP_FAILED ? (errno == EINVAL ? 3 : 4) : m[0] & 0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) ? WTERMSIG(st) + 100 : WEXITSTATUS(st);
}

/*
 * The BAR changes through a descriptor and a mapping between two splices
 * (and sendfiles) from files of the mount: the second never returns the
 * first's bytes.  Where the kernel would serve them from its page cache
 * (6.5+, a file neither passthrough nor O_DIRECT) both fail (EINVAL; EIO
 * on 7.3), and the daemon says so once; a MAP_PRIVATE mapping, EINVAL at
 * mmap with passthrough, raises SIGBUS when touched without.  On the
 * runner's mount and on one with -o passthrough=off.
 */
START_TEST(test_splice_fresh)
{
	struct mu_dev shm = mu_find(IVSHMEM_ID);
	const char *world = getenv("APERTURE_WORLD");
	int cache = cache_splice_errno(), desc = mu_open(&shm, 2, 0, NULL);
	uint8_t *map = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			    desc, 0);
	struct fs_mount m;
	char *log;

	ck_assert_msg(world, "APERTURE_WORLD is not set");
	ck_assert(map != MAP_FAILED);
	rw_seed = mu_seed();
	rw_state = rw_seed * 0x9e3779b97f4a7c15ull + 1;
	fs_mount_log(&m, "/tmp/ap-splice", "passthrough=off",
		     "/tmp/ap-splice.log");
	for (int mnt = 0; mnt < 2; mnt++) {
		int pt = !mnt && fs_world_passthrough();
		const char *dir = mnt ? "/tmp/ap-splice" : FS_MNT;

		for (int direct = 0; direct < 2; direct++) {
			int fd = open(fs_path("%s/%s/bar2", dir, FS_IVSHMEM),
				      O_RDONLY | (direct ? O_DIRECT : 0));
			int err = !pt && !direct ? cache : 0;
			int first, second;
			const char *what = fs_path("%s bar2%s", dir,
						   direct ? " O_DIRECT" : "");

			ck_assert_int_ge(fd, 0);
			rw_fill(data, 3 * PAGE);
			mu_pwrite_all(desc, data, 3 * PAGE, 0);
			first = spliced(fd, data, 3 * PAGE, what);
			rw_fill(data, 3 * PAGE);
			memcpy(map, data, PAGE);
			__sync_synchronize();
			mu_pwrite_all(desc, data + PAGE, 2 * PAGE, PAGE);
			second = spliced(fd, data, 3 * PAGE, what);
			ck_assert_msg(first == err && second == err, "%s: splice "
				      "and sendfile gave %s, then %s; want %s",
				      what, strerror(first), strerror(second),
				      strerror(err));
			ck_assert_int_eq(private_touch(fd),
					 pt ? 3 : 100 + SIGBUS);
			close(fd);
		}
	}
	fs_umount(&m);
	/* The daemon of the own mount refused page-cache reads: said once. */
	log = fs_slurp("/tmp/ap-splice.log", 1 << 16, NULL);
	ck_assert_ptr_nonnull(strstr(log, "refused a read for the kernel's "
				     "page cache"));
	ck_assert_ptr_null(strstr(strstr(log, "refused a read") + 1,
				  "refused a read"));
	free(log);
	munmap(map, 4 * PAGE);
	close(desc);
}
END_TEST

Suite *random_io_suite(void);

Suite *random_io_suite(void)
{
	Suite *s = suite_create("random_io");
	TCase *tc = tcase_create("model");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_random_io);
	suite_add_tcase(s, tc);
	tc = tcase_create("fresh");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_splice_fresh);
	suite_add_tcase(s, tc);
	return s;
}

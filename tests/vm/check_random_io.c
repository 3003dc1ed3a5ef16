/*
 * check_random_io.c - random read, write, lseek, readv/writev, mmap and
 * splice on BAR files, every answer checked against a model of the BAR
 * (rw_model.h).  Runs in a guest of tests/vm/run with the default mount:
 *
 *   tests/vm/run -- '$B/tests/vm/check_random_io'
 *
 * Targets: ivshmem BAR2 (1 MiB RAM) through module descriptors of auto
 * width and of each fixed width (8/16/32/64 bits) and through the mount;
 * the VGA framebuffer (16 MiB) through a descriptor and the mount.  Each
 * step picks a target, an operation, an offset (anywhere, near a page
 * boundary, around the end, below zero) and a length; the result (bytes,
 * count, errno, file position) must be the model's.  ivshmem's model is
 * checked against the host's file behind it every 512 steps and at the
 * end, and each model against a mapping of its whole BAR at the end.
 * Seeded: the seed is on the FIGURES line, APERTURE_SEED=N replays.
 *
 * Pending (not in make check): move it and rw_model.h to tests/vm/ to
 * build and run it.  It passes on 6.12-deb13 and 7.3 (22-33 s a guest).
 * On 6.12 (Debian 12 world, no passthrough) it finds a defect not yet
 * fixed: splice from a BAR file of the mount is served from the page
 * cache (fuse_splice_read -> filemap_splice_read for a direct_io file),
 * so it returns stale bytes.  On 6.1 it last failed in Check itself (a
 * passing ck_assert per byte of the host comparison filled /tmp with
 * Check's messages), fixed in rw_model.h, not yet run again there.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fs_util.h"
#include "module_util.h"
#include "rw_model.h"

#define STEPS		12000
#define HOST_EVERY	512
#define MAX_LEN		65536
#define SPLICE_MAX	16384
#define PAGE		4096

static uint8_t data[MAX_LEN], got[MAX_LEN];

/* pread, or read after a model-checked lseek to the offset. */
static void op_read(struct rw_target *t, int64_t off, size_t len)
{
	int64_t want = rw_read_want(t, off, len), r;

	if (rw_below(2) || off < 0) {
		r = rw_got(pread(t->fd, got, len, off));
		rw_expect(t, r, want, "pread", off, len);
	} else {
		r = rw_got(lseek(t->fd, off, SEEK_SET));
		rw_expect(t, r, rw_seek_want(t, off, SEEK_SET), "lseek", off,
			  0);
		if (r < 0)
			return;
		t->pos = off;
		r = rw_got(read(t->fd, got, len));
		rw_expect(t, r, want, "read", off, len);
		t->pos += r > 0 ? r : 0;
	}
	if (r > 0)
		rw_compare(t, got, off, (size_t)r, "read");
}

/* pwrite, or write after lseek; the model takes what was written. */
static void op_write(struct rw_target *t, int64_t off, size_t len)
{
	int64_t want = rw_write_want(t, off, len), r;

	rw_fill(data, len);
	if (rw_below(2) || off < 0) {
		r = rw_got(pwrite(t->fd, data, len, off));
		rw_expect(t, r, want, "pwrite", off, len);
	} else {
		r = rw_got(lseek(t->fd, off, SEEK_SET));
		rw_expect(t, r, rw_seek_want(t, off, SEEK_SET), "lseek", off,
			  0);
		if (r < 0)
			return;
		t->pos = off;
		r = rw_got(write(t->fd, data, len));
		rw_expect(t, r, want, "write", off, len);
		t->pos += r > 0 ? r : 0;
	}
	if (r > 0)
		memcpy(t->m->bytes + off, data, (size_t)r);
}

/* lseek with any whence, then the position is what the model says. */
static void op_seek(struct rw_target *t, int64_t off)
{
	static const int whences[] = { SEEK_SET, SEEK_CUR, SEEK_END,
				       SEEK_DATA, SEEK_HOLE, 7 };
	int whence = whences[rw_below(6)];
	int64_t want, r;

	if (whence == SEEK_CUR || whence == SEEK_END)
		off = (int64_t)rw_below(2 * t->m->size + 128) -
		      (int64_t)t->m->size - 64;
	want = rw_seek_want(t, off, whence);
	r = rw_got(lseek(t->fd, off, whence));
	rw_expect(t, r, want, whence == SEEK_DATA ? "lseek SEEK_DATA" :
		  whence == SEEK_HOLE ? "lseek SEEK_HOLE" : "lseek", off,
		  (size_t)whence);
	if (r >= 0)
		t->pos = r;
	r = rw_got(lseek(t->fd, 0, SEEK_CUR));
	rw_expect(t, r, t->pos, "lseek SEEK_CUR 0", 0, 0);
}

/* Split @len into up to 6 pieces (some empty) over @buf. */
static int split_iov(struct iovec *iov, uint8_t *buf, size_t len)
{
	int n = 1 + (int)rw_below(6), i;
	size_t left = len, piece;

	for (i = 0; i < n; i++) {
		piece = i == n - 1 ? left : rw_below(left + 1);
		iov[i].iov_base = buf + (len - left);
		iov[i].iov_len = piece;
		left -= piece;
	}
	return n;
}

static void op_readv(struct rw_target *t, int64_t off, size_t len)
{
	int64_t want = rw_read_want(t, off, len), r;
	struct iovec iov[6];
	int n = split_iov(iov, got, len);

	r = rw_got(preadv(t->fd, iov, n, off));
	rw_expect(t, r, want, "preadv", off, len);
	if (r > 0)
		rw_compare(t, got, off, (size_t)r, "preadv");
}

static void op_writev(struct rw_target *t, int64_t off, size_t len)
{
	int64_t want = rw_write_want(t, off, len), r;
	struct iovec iov[6];
	int n = split_iov(iov, data, len);

	rw_fill(data, len);
	r = rw_got(pwritev(t->fd, iov, n, off));
	rw_expect(t, r, want, "pwritev", off, len);
	if (r > 0)
		memcpy(t->m->bytes + off, data, (size_t)r);
}

/* BAR to pipe to memory, or memory to pipe to BAR. */
static void op_splice(struct rw_target *t, int64_t off, size_t len, int out)
{
	int64_t want, r;
	loff_t o = off;
	int p[2];

	len = len % SPLICE_MAX + 1;
	ck_assert_int_eq(pipe(p), 0);
	if (out) {
		want = rw_read_want(t, off, len);
		r = rw_got(splice(t->fd, &o, p[1], NULL, len, 0));
		rw_expect(t, r, want, "splice from", off, len);
		if (r > 0) {
			ck_assert_int_eq(read(p[0], got, (size_t)r), r);
			rw_compare(t, got, off, (size_t)r, "splice from");
		}
	} else {
		want = rw_write_want(t, off, len);
		rw_fill(data, len);
		ck_assert_int_eq(write(p[1], data, len), (ssize_t)len);
		r = rw_got(splice(p[0], NULL, t->fd, &o, len, 0));
		rw_expect(t, r, want, "splice to", off, len);
		if (r > 0)
			memcpy(t->m->bytes + off, data, (size_t)r);
	}
	close(p[0]);
	close(p[1]);
}

/* One naturally aligned store of @w bytes into a mapping. */
static void store(volatile uint8_t *p, const uint8_t *v, unsigned int w)
{
	uint64_t x = 0;

	memcpy(&x, v, w);
	switch (w) {
	case 1: *p = (uint8_t)x; break;
	case 2: *(volatile uint16_t *)p = (uint16_t)x; break;
	case 4: *(volatile uint32_t *)p = (uint32_t)x; break;
	default: *(volatile uint64_t *)p = x;
	}
}

/*
 * Map 1-4 pages from a page offset that may reach past the end: EINVAL
 * if any page is outside the BAR (or the target's own error); else
 * compare and store random runs and single 1/2/4/8-byte accesses.
 */
static void op_mmap(struct rw_target *t)
{
	uint64_t pages = t->m->size / PAGE;
	uint64_t pg = rw_below(4) ? rw_below(pages) : pages - 2 + rw_below(4);
	size_t npages = 1 + rw_below(4), len = npages * PAGE;
	int shared = t->mount || rw_below(8), want = t->mmap_err, i;
	volatile uint8_t *map;
	size_t o, n;

	/* Private: only on a descriptor (the module refuses it). */
	if (!want && (!shared || pg >= pages || npages > pages - pg))
		want = EINVAL;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   shared ? MAP_SHARED : MAP_PRIVATE, t->fd, (off_t)(pg * PAGE));
	rw_expect(t, map == MAP_FAILED ? -errno : 0, -want,
		  shared ? "mmap" : "mmap MAP_PRIVATE", pg * PAGE, len);
	if (map == MAP_FAILED)
		return;
	for (i = 0; i < 8; i++) {
		uint8_t *model = t->m->bytes + pg * PAGE;
		unsigned int w = 1u << rw_below(4);

		o = rw_below(len);
		if (rw_below(2)) {	/* one aligned access of w bytes */
			o &= ~(size_t)(w - 1);
			rw_fill(data, w);
			store(map + o, data, w);
			memcpy(model + o, data, w);
			n = w;
		} else {		/* a run, stored then read back */
			n = rw_below(len - o) + 1;
			rw_fill(data, n);
			memcpy((void *)(map + o), data, n);
			memcpy(model + o, data, n);
		}
		memcpy(got, (const void *)(map + o), n);
		rw_compare(t, got, (int64_t)(pg * PAGE + o), n, "mapping");
	}
	__sync_synchronize();
	ck_assert_int_eq(munmap((void *)map, len), 0);
}

/* ---- the targets ----------------------------------------------------- */

static struct rw_model ivshmem = { .name = "ivshmem bar2", .host_fd = -1 };
static struct rw_model vga = { .name = "VGA bar0", .host_fd = -1 };
static struct rw_target targets[8];
static int ntargets;

static void add_target(const char *name, struct rw_model *m, int fd,
		       unsigned int width, int mount, int mmap_err)
{
	struct stat st;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq((uint64_t)st.st_size, m->size);
	targets[ntargets++] = (struct rw_target){
		.name = name, .m = m, .fd = fd, .width = width,
		.mount = mount, .mmap_err = mmap_err,
	};
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
	int mount_err = strcmp(getenv("APERTURE_WORLD") ?
			       getenv("APERTURE_WORLD") : "", "deb13") ?
			ENODEV : 0;
	struct aperture_io_bar a;
	uint8_t *scratch;
	unsigned long ops[8] = { 0 };
	int64_t off;
	int i, s, fd;

	ck_assert_msg(getenv("APERTURE_WORLD"), "APERTURE_WORLD is not set");
	rw_seed = mu_seed();
	rw_state = rw_seed * 0x9e3779b97f4a7c15ull + 1;
	fd = mu_open(&shm, 2, 0, &a);
	ivshmem.size = a.size;
	ivshmem.host_fd = mu_host_shm();
	model_up(&ivshmem, fd);
	add_target("descriptor", &ivshmem, fd, 0, 0, 0);
	for (i = 0; i < 4; i++)
		add_target(wnames[i], &ivshmem,
			   mu_open(&shm, 2, APERTURE_IO_WIDTH_8 + i, NULL),
			   widths[i], 0, 0);
	add_target("mount", &ivshmem, open(FS_MNT "/" FS_IVSHMEM "/bar2",
					   O_RDWR), 0, 1, mount_err);
	fd = mu_open(&fb, 0, 0, &a);
	vga.size = a.size;
	model_up(&vga, fd);
	add_target("descriptor", &vga, fd, 0, 0, 0);
	add_target("mount", &vga, open(FS_MNT "/" FS_VGA "/bar0", O_RDWR), 0,
		   1, mount_err);
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
	model_mapped(&ivshmem, targets[0].fd);
	model_mapped(&vga, targets[6].fd);
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

Suite *random_io_suite(void);

Suite *random_io_suite(void)
{
	Suite *s = suite_create("random_io");
	TCase *tc = tcase_create("model");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_random_io);
	suite_add_tcase(s, tc);
	return s;
}

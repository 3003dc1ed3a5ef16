/*
 * rw_ops.h - the random operations of check_random_io on one target (a
 * module descriptor or a file of the mount): read or pread, write or
 * pwrite, lseek with any whence, readv, writev, splice both ways and
 * accesses through a mapping, each answer checked against the target's
 * model (rw_model.h).  Everything is static.
 */
#ifndef RW_OPS_H
#define RW_OPS_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rw_model.h"

#define MAX_LEN		65536	/* longest access */
#define SPLICE_MAX	16384	/* longest splice (a quarter of a pipe) */
#define PAGE		4096

/* What is written, and what is read back. */
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
		if (want > 0 && t->splice_err)
			want = -t->splice_err;
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

#endif /* RW_OPS_H */

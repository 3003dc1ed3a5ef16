/*
 * rw_model.h - what check_random_io expects of a BAR file: a model of the
 * BAR's bytes (memory BARs that hold what is written: ivshmem BAR2, the
 * VGA framebuffer) and the answers the module and the mount owe a caller
 * for any offset, length and access width (include/aperture_io.h,
 * src/module.c ap_bar_pread/ap_bar_pwrite, the kernel's llseek rules).
 *
 * A target is one open file on a model: a module descriptor (auto width,
 * or one fixed width) or a file under the mount.  Several targets share a
 * model, so what one writes the others must read back.  Everything is
 * static inline.
 */
#ifndef RW_MODEL_H
#define RW_MODEL_H

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The expected bytes of one BAR. */
struct rw_model {
	const char *name;	/* "ivshmem bar2" */
	uint8_t *bytes;		/* what the BAR holds */
	uint64_t size;		/* BAR size */
	int host_fd;		/* the host's file of these bytes, or -1 */
};

/* One open file on a model. */
struct rw_target {
	const char *name;	/* "descriptor w4", "mount" */
	struct rw_model *m;
	int fd;
	unsigned int width;	/* fixed access width in bytes, 0 for auto */
	int mount;		/* a FUSE file: lseek past the end is allowed */
	int mmap_err;		/* mmap of any range fails with this, or 0 */
	int splice_err;		/* splice from it fails with this where
				 * it would read bytes, or 0 */
	int64_t pos;		/* the file position the model expects */
};

/* The suite's seeded generator (xorshift64*). */
static uint64_t rw_state;

static inline uint64_t rw_rand(void)
{
	rw_state ^= rw_state >> 12;
	rw_state ^= rw_state << 25;
	rw_state ^= rw_state >> 27;
	return rw_state * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n). */
static inline uint64_t rw_below(uint64_t n)
{
	return n ? rw_rand() % n : 0;
}

static inline void rw_fill(void *buf, size_t len)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(rw_rand() >> 32);
}

/*
 * An offset for @size bytes: anywhere, near the start, near a page
 * boundary, near the end on either side, or (@neg) just below zero.
 */
static inline int64_t rw_offset(uint64_t size, int neg)
{
	switch (rw_below(neg ? 8 : 7)) {
	case 0:
	case 1:
		return (int64_t)rw_below(size);
	case 2:
		return (int64_t)rw_below(16);
	case 3:
		return (int64_t)(rw_below(size / 4096 + 1) * 4096) -
		       8 + (int64_t)rw_below(16);
	case 4:
	case 5:
		return (int64_t)size - 64 + (int64_t)rw_below(64);
	case 6:
		return (int64_t)size + (int64_t)rw_below(64);
	default:
		return -1 - (int64_t)rw_below(8);
	}
}

/* A length: a register width, small, a page or so, up to 64 KiB, or 0. */
static inline size_t rw_length(void)
{
	static const size_t widths[] = { 1, 2, 4, 8, 3, 16 };

	switch (rw_below(20)) {
	case 0:
		return 0;
	case 1: case 2: case 3: case 4: case 5: case 6:
		return widths[rw_below(6)];
	case 7: case 8: case 9: case 10: case 11:
		return 1 + rw_below(64);
	case 12: case 13: case 14: case 15:
		return 1 + rw_below(8192);
	default:
		return 1 + rw_below(65536);
	}
}

/*
 * What a read of @len at @off returns: -EINVAL below zero, 0 at or past
 * the end, else what is left up to @len (short at the end).
 */
static inline int64_t rw_read_want(const struct rw_target *t, int64_t off,
				   size_t len)
{
	if (off < 0)
		return -EINVAL;
	if (!len || (uint64_t)off >= t->m->size)
		return 0;
	return (int64_t)(len < t->m->size - (uint64_t)off ?
			 len : t->m->size - (uint64_t)off);
}

/*
 * What a write returns: -EINVAL below zero, 0 for nothing, -EINVAL for a
 * fixed width that @off or @len does not keep to (checked before the
 * bounds), -ENOSPC at or past the end, else short at the end.
 */
static inline int64_t rw_write_want(const struct rw_target *t, int64_t off,
				    size_t len)
{
	if (off < 0)
		return -EINVAL;
	if (!len)
		return 0;
	if (t->width && (off % t->width || len % t->width))
		return -EINVAL;
	if ((uint64_t)off >= t->m->size)
		return -ENOSPC;
	return rw_read_want(t, off, len);
}

/*
 * Where lseek lands: the module's descriptor keeps the position within
 * [0, size] (fixed_size_llseek), a FUSE file anywhere >= 0; SEEK_DATA and
 * SEEK_HOLE at or past the end (or below zero) are ENXIO, otherwise the
 * offset and the end; any other whence is EINVAL.
 */
static inline int64_t rw_seek_want(const struct rw_target *t, int64_t off,
				   int whence)
{
	int64_t size = (int64_t)t->m->size, to;

	switch (whence) {
	case SEEK_SET:
		to = off;
		break;
	case SEEK_CUR:
		if (!off)
			return t->pos;
		to = t->pos + off;
		break;
	case SEEK_END:
		to = size + off;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if (off < 0 || off >= size)
			return -ENXIO;
		to = whence == SEEK_DATA ? off : size;
		break;
	default:
		return -EINVAL;
	}
	if (to < 0 || (!t->mount && to > size))
		return -EINVAL;
	return to;
}

/* A call's result as the model writes it: n, or -errno. */
static inline int64_t rw_got(int64_t ret)
{
	return ret < 0 ? -errno : ret;
}

/* The answer must be the model's; @what names the call for a failure. */
#define rw_expect(t, got, want, what, off, len)                              \
	ck_assert_msg((got) == (want),                                       \
		      "%s %s: %s at %lld len %zu: got %lld, model %lld "     \
		      "(seed %llu replays)", (t)->m->name, (t)->name, what,  \
		      (long long)(off), (size_t)(len), (long long)(got),     \
		      (long long)(want), (unsigned long long)rw_seed)

static unsigned long long rw_seed;	/* this run's seed, for messages */
static unsigned long long rw_checked;	/* bytes compared with a model */

/* @n bytes read at @off must be the model's. */
static inline void rw_compare(const struct rw_target *t, const void *buf,
			      int64_t off, size_t n, const char *what)
{
	const uint8_t *got = buf, *want = t->m->bytes + off;

	rw_checked += n;
	if (!memcmp(got, want, n))
		return;
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i], "%s %s: %s at %lld: byte %lld "
			      "is %#x, model %#x (seed %llu replays)",
			      t->m->name, t->name, what, (long long)off,
			      (long long)(off + (int64_t)i), got[i], want[i],
			      rw_seed);
}

/* The host's file (if any) holds the model, byte for byte. */
static inline void rw_check_host(struct rw_model *m, uint8_t *scratch)
{
	size_t done = 0;
	ssize_t r;

	if (m->host_fd < 0)
		return;
	while (done < m->size) {
		r = pread(m->host_fd, scratch + done, m->size - done,
			  (off_t)done);
		ck_assert_msg(r > 0, "host file of %s: %s", m->name,
			      r ? strerror(errno) : "short");
		done += (size_t)r;
	}
	rw_checked += m->size;
	/* memcmp first: each passing ck_assert is a message to Check. */
	if (!memcmp(scratch, m->bytes, m->size))
		return;
	for (size_t i = 0; i < m->size; i++)
		ck_assert_msg(scratch[i] == m->bytes[i], "%s: host file byte "
			      "%zu is %#x, model %#x (seed %llu replays)",
			      m->name, i, scratch[i], m->bytes[i], rw_seed);
}

#endif /* RW_MODEL_H */

// SPDX-License-Identifier: MIT
/*
 * access.c - reads, writes, read-modify-writes and waits on BAR files.
 *
 * One register access is one pread/pwrite of exactly its width, so the
 * daemon and the module see that width.  Values are assembled from the
 * device's little-endian bytes, whatever the CPU's order.
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static int aperture_check(struct aperture *ap, int bar, uint64_t off,
			  uint64_t len, unsigned int align,
			  struct aperture_bar **out)
{
	struct aperture_bar *b;
	int ret;

	if (align && ((align & (align - 1)) || align > 8 || (off & (align - 1))))
		return -EINVAL;
	ret = apl_bar_get(ap, bar, &b);
	if (ret)
		return ret;
	if (off > b->size || len > b->size - off)
		return -ERANGE;
	*out = b;
	return 0;
}

int aperture_read(struct aperture *ap, int bar, uint64_t off,
		  unsigned int width, uint64_t *val)
{
	struct aperture_bar *b;
	unsigned char buf[8];
	uint64_t v = 0;
	ssize_t r;
	int ret;

	if (!width)
		return -EINVAL;
	ret = aperture_check(ap, bar, off, width, width, &b);
	if (ret)
		return ret;
	r = pread(b->fd, buf, width, off);
	if (r < 0)
		return -errno;
	if (r != (ssize_t)width)
		return -EIO;
	for (unsigned int i = width; i--;)
		v = v << 8 | buf[i];
	*val = v;
	return 0;
}

int aperture_write(struct aperture *ap, int bar, uint64_t off,
		   unsigned int width, uint64_t val)
{
	struct aperture_bar *b;
	unsigned char buf[8];
	ssize_t r;
	int ret;

	if (!width)
		return -EINVAL;
	ret = aperture_check(ap, bar, off, width, width, &b);
	if (ret)
		return ret;
	if (b->wr_err)
		return b->wr_err;
	for (unsigned int i = 0; i < width; i++)
		buf[i] = (unsigned char)(val >> (8 * i));
	r = pwrite(b->fd, buf, width, off);
	if (r < 0)
		return -errno;
	return r == (ssize_t)width ? 0 : -EIO;
}

int aperture_update(struct aperture *ap, int bar, uint64_t off,
		    unsigned int width, uint64_t val, uint64_t mask,
		    uint64_t *old)
{
	uint64_t v;
	int ret;

	ret = aperture_read(ap, bar, off, width, &v);
	if (ret)
		return ret;
	if (old)
		*old = v;
	return aperture_write(ap, bar, off, width, (v & ~mask) | (val & mask));
}

long aperture_pread(struct aperture *ap, int bar, uint64_t off, void *buf,
		    size_t len)
{
	struct aperture_bar *b;
	ssize_t r;
	int ret;

	ret = aperture_check(ap, bar, off, len, 0, &b);
	if (ret)
		return ret;
	r = pread(b->fd, buf, len, off);
	return r < 0 ? -errno : r;
}

long aperture_pwrite(struct aperture *ap, int bar, uint64_t off,
		     const void *buf, size_t len)
{
	struct aperture_bar *b;
	ssize_t r;
	int ret;

	ret = aperture_check(ap, bar, off, len, 0, &b);
	if (ret)
		return ret;
	if (b->wr_err)
		return b->wr_err;
	r = pwrite(b->fd, buf, len, off);
	return r < 0 ? -errno : r;
}

static uint64_t aperture_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int aperture_wait(struct aperture *ap, int bar, uint64_t off,
		  unsigned int width, uint64_t mask, uint64_t want,
		  unsigned int timeout_ms, uint64_t *last)
{
	const struct timespec pause = { 0, 1000000 };	/* 1 ms between polls */
	uint64_t start = aperture_now_ns(), v;
	int ret;

	for (;;) {
		/* Read once more after the deadline: a match then counts. */
		bool late = aperture_now_ns() - start >=
			    (uint64_t)timeout_ms * 1000000;

		ret = aperture_read(ap, bar, off, width, &v);
		if (ret)
			return ret;
		if (last)
			*last = v;
		if ((v & mask) == (want & mask))
			return 0;
		if (late)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
}

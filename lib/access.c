// SPDX-License-Identifier: MIT
/*
 * access.c - reads, writes, read-modify-writes and waits on BARs.
 *
 * One register access is one access of exactly its width: a volatile
 * load or store on the BAR's mapping where it is the device (lib/io.c),
 * else one pread/pwrite of that width on the BAR file, so the daemon and
 * the module see it.  Unaligned accesses are refused (EINVAL), never
 * split.  Values are assembled from the device's little-endian bytes,
 * whatever the CPU's order.  A wait polls the BAR opened once, pausing
 * 10 us, then twice as long each time, up to 10 ms.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define apl_le16(x)	__builtin_bswap16(x)
#define apl_le32(x)	__builtin_bswap32(x)
#define apl_le64(x)	__builtin_bswap64(x)
#else
#define apl_le16(x)	(x)
#define apl_le32(x)	(x)
#define apl_le64(x)	(x)
#endif

/* 1, 2, 4 or 8, and @off a multiple of it. */
static inline bool apl_aligned(uint64_t off, unsigned int width)
{
	return width - 1 < 8 && !(width & (width - 1)) && !(off & (width - 1));
}

/*
 * The mapped BAR @bar of @ap if it holds an aligned value of @width bytes
 * at @off, or NULL: the fast path, a few compares before the load.
 */
static inline volatile unsigned char *
apl_io_at(struct aperture *ap, int bar, uint64_t off, unsigned int width)
{
	struct aperture_bar *b;

	if (!ap || (unsigned int)bar >= APERTURE_NR_BARS || width > 8 ||
	    (off & (width - 1)))
		return NULL;
	b = &ap->bars[bar];
	/* io_widths is 0 while there is no mapping. */
	if (!(b->io_widths >> width & 1) || off >= b->size ||
	    width > b->size - off)
		return NULL;
	return b->io + off;
}

static inline uint64_t apl_load(volatile unsigned char *p, unsigned int w)
{
	/* 32 bits first: what register blocks decode most. */
	if (__builtin_expect(w == 4, 1))
		return apl_le32(*(volatile uint32_t *)p);
	switch (w) {
	case 1:
		return *(volatile uint8_t *)p;
	case 2:
		return apl_le16(*(volatile uint16_t *)p);
	case 4:
		return apl_le32(*(volatile uint32_t *)p);
	default:
		return apl_le64(*(volatile uint64_t *)p);
	}
}

static inline void apl_store(volatile unsigned char *p, unsigned int w,
			     uint64_t v)
{
	switch (w) {
	case 1:
		*(volatile uint8_t *)p = (uint8_t)v;
		break;
	case 2:
		*(volatile uint16_t *)p = apl_le16((uint16_t)v);
		break;
	case 4:
		*(volatile uint32_t *)p = apl_le32((uint32_t)v);
		break;
	default:
		*(volatile uint64_t *)p = apl_le64(v);
		break;
	}
}

/* ".b", ".w", ".l", ".q" as the aperture command writes widths. */
static const char *apl_wname(unsigned int width)
{
	switch (width) {
	case 1: return ".b";
	case 2: return ".w";
	case 4: return ".l";
	case 8: return ".q";
	default: return "";
	}
}

/*
 * Check an access at @off of BAR @bar, of one value of @width bytes
 * (@value) or of a range of @len bytes, and open the BAR: 0, or -errno
 * with why.
 */
static int aperture_check(struct aperture *ap, const char *op, int bar,
			  uint64_t off, uint64_t len, bool value,
			  struct aperture_bar **out)
{
	unsigned int width = value ? (unsigned int)len : 0;
	unsigned long long o = off, l = len;
	struct aperture_bar *b;
	int ret;

	if (!ap)
		return -EINVAL;
	if (value && !apl_aligned(0, width))
		return apl_fail(ap, -EINVAL, "bar%d 0x%llx: %s: width %u: "
				"1, 2, 4 or 8 bytes", bar, o, op, width);
	if (width && !apl_aligned(off, width))
		return apl_fail(ap, -EINVAL, "bar%d 0x%llx%s: %s: not aligned "
				"to its width (never split)", bar, o,
				apl_wname(width), op);
	if (bar < 0 || bar >= APERTURE_NR_BARS)
		return apl_fail(ap, -EINVAL, "bar%d: %s: BARs are 0 to 5",
				bar, op);
	ret = apl_bar_get(ap, bar, &b);
	if (ret == -ENOENT)
		return apl_fail(ap, ret, "bar%d: %s: the function has no "
				"bar%d", bar, op, bar);
	if (ret)
		return apl_fail(ap, ret, "bar%d: %s: opening its file: %s",
				bar, op, strerror(-ret));
	if (off > b->size || len > b->size - off) {
		if (width)
			return apl_fail(ap, -ERANGE, "bar%d 0x%llx%s: %s: past "
					"the end of bar%d (0x%llx bytes)", bar,
					o, apl_wname(width), op, bar,
					(unsigned long long)b->size);
		return apl_fail(ap, -ERANGE, "bar%d 0x%llx+0x%llx: %s: past "
				"the end of bar%d (0x%llx bytes)", bar, o, l,
				op, bar, (unsigned long long)b->size);
	}
	if (b->io_how == APL_IO_UNDECIDED && width)
		apl_io_decide(ap, b);
	*out = b;
	return 0;
}

/* Why an access on a BAR file failed, with its errno's name. */
static int apl_fail_errno(struct aperture *ap, int ret, const char *op,
			  int bar, uint64_t off, unsigned int width)
{
	const char *name = aperture_errno_name(ret);

	return apl_fail(ap, ret, "bar%d 0x%llx%s: %s: %s (%s)", bar,
			(unsigned long long)off, apl_wname(width), op,
			strerror(-ret), name ? name : "?");
}

/* aperture_read() off the mapping: checks, the decision, the file. */
static __attribute__((noinline)) int
apl_read_slow(struct aperture *ap, int bar, uint64_t off, unsigned int width,
	      uint64_t *val)
{
	volatile unsigned char *io;
	struct aperture_bar *b;
	unsigned char buf[8];
	uint64_t v = 0;
	ssize_t r;
	int ret;

	ret = aperture_check(ap, "read", bar, off, width, true, &b);
	if (ret)
		return ret;
	io = apl_io_at(ap, bar, off, width);
	if (io) {
		*val = apl_load(io, width);
		return 0;
	}
	r = pread(b->fd, buf, width, off);
	if (r != (ssize_t)width)
		return apl_fail_errno(ap, r < 0 ? -errno : -EIO, "read", bar,
				      off, width);
	for (unsigned int i = width; i--;)
		v = v << 8 | buf[i];
	*val = v;
	return 0;
}

int aperture_read(struct aperture *ap, int bar, uint64_t off,
		  unsigned int width, uint64_t *val)
{
	volatile unsigned char *io = apl_io_at(ap, bar, off, width);

	if (__builtin_expect(io != NULL, 1)) {
		*val = apl_load(io, width);
		return 0;
	}
	return apl_read_slow(ap, bar, off, width, val);
}

/* aperture_write() off the mapping: checks, the decision, the file. */
static __attribute__((noinline)) int
apl_write_slow(struct aperture *ap, int bar, uint64_t off, unsigned int width,
	       uint64_t val)
{
	volatile unsigned char *io;
	struct aperture_bar *b;
	unsigned char buf[8];
	ssize_t r;
	int ret;

	ret = aperture_check(ap, "write", bar, off, width, true, &b);
	if (ret)
		return ret;
	if (b->wr_err)
		return apl_fail_errno(ap, b->wr_err, "write", bar, off, width);
	io = apl_io_at(ap, bar, off, width);
	if (io) {
		apl_store(io, width, val);
		return 0;
	}
	for (unsigned int i = 0; i < width; i++)
		buf[i] = (unsigned char)(val >> (8 * i));
	r = pwrite(b->fd, buf, width, off);
	if (r != (ssize_t)width)
		return apl_fail_errno(ap, r < 0 ? -errno : -EIO, "write", bar,
				      off, width);
	return 0;
}

int aperture_write(struct aperture *ap, int bar, uint64_t off,
		   unsigned int width, uint64_t val)
{
	volatile unsigned char *io = apl_io_at(ap, bar, off, width);

	/* A read-only BAR is mapped without PROT_WRITE: the slow way. */
	if (__builtin_expect(io && !ap->bars[bar].wr_err, 1)) {
		apl_store(io, width, val);
		return 0;
	}
	return apl_write_slow(ap, bar, off, width, val);
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

	ret = aperture_check(ap, "read", bar, off, len, false, &b);
	if (ret)
		return ret;
	r = pread(b->fd, buf, len, off);
	if (r < 0)
		return apl_fail(ap, -errno, "bar%d 0x%llx+0x%zx: read: %s",
				bar, (unsigned long long)off, len,
				strerror(errno));
	return r;
}

long aperture_pwrite(struct aperture *ap, int bar, uint64_t off,
		     const void *buf, size_t len)
{
	struct aperture_bar *b;
	ssize_t r;
	int ret;

	ret = aperture_check(ap, "write", bar, off, len, false, &b);
	if (ret)
		return ret;
	if (b->wr_err)
		return apl_fail(ap, b->wr_err, "bar%d 0x%llx+0x%zx: write: %s",
				bar, (unsigned long long)off, len,
				strerror(-b->wr_err));
	r = pwrite(b->fd, buf, len, off);
	if (r < 0)
		return apl_fail(ap, -errno, "bar%d 0x%llx+0x%zx: write: %s",
				bar, (unsigned long long)off, len,
				strerror(errno));
	return r;
}

static uint64_t apl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

#define APL_POLL_FIRST	10000ull	/* ns: the first pause */
#define APL_POLL_MAX	10000000ull	/* ns: the longest */

void apl_poll_start(struct apl_poll *p, unsigned int timeout_ms)
{
	p->deadline = apl_now_ns() + (uint64_t)timeout_ms * 1000000u;
	p->pause = APL_POLL_FIRST;
}

bool apl_poll_late(const struct apl_poll *p)
{
	return apl_now_ns() >= p->deadline;
}

void apl_poll_pause(struct apl_poll *p)
{
	uint64_t now = apl_now_ns(), ns = p->pause;
	struct timespec ts;

	/* Never past the deadline: the last read comes at it. */
	if (now >= p->deadline)
		return;
	if (ns > p->deadline - now)
		ns = p->deadline - now;
	ts.tv_sec = ns / 1000000000u;
	ts.tv_nsec = ns % 1000000000u;
	nanosleep(&ts, NULL);
	p->pause = p->pause * 2 > APL_POLL_MAX ? APL_POLL_MAX : p->pause * 2;
}

int aperture_wait(struct aperture *ap, int bar, uint64_t off,
		  unsigned int width, uint64_t mask, uint64_t want,
		  unsigned int timeout_ms, uint64_t *last)
{
	struct apl_poll poll;
	uint64_t v;
	int ret;

	apl_poll_start(&poll, timeout_ms);
	for (;;) {
		/* Read once more after the deadline: a match then counts. */
		bool late = apl_poll_late(&poll);

		ret = aperture_read(ap, bar, off, width, &v);
		if (ret)
			return ret;
		if (last)
			*last = v;
		if ((v & mask) == (want & mask))
			return 0;
		if (late)
			return apl_fail(ap, -ETIMEDOUT, "bar%d 0x%llx%s: wait: "
					"timed out after %u ms waiting for "
					"0x%llx under mask 0x%llx; last value "
					"0x%llx", bar,
					(unsigned long long)off,
					apl_wname(width), timeout_ms,
					(unsigned long long)(want & mask),
					(unsigned long long)mask,
					(unsigned long long)v);
		apl_poll_pause(&poll);
	}
}

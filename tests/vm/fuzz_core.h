/*
 * fuzz_core.h - the ioctl fuzzer of check_fuzz, without Check, so that the
 * same code also builds as a static -m32 program (tests/vm/fuzz_ioctl.c)
 * that reaches the module's compat ioctl path.
 *
 * fz_run() makes @count ioctls from a seed: random command numbers (the
 * module's own, others of its magic with random direction, number and
 * size, neighbouring magics, anything else but the VFS's generic ones),
 * random argsz and field values, reserved fields set, and the argument in
 * writable, read-only, PROT_NONE, unmapped, kernel and misaligned memory,
 * or straddling into a page it cannot read or write.  Targets are the
 * control node and BAR descriptors the caller opened.  Every answer
 * (return value or errno, and the argument as the kernel left it, with a
 * new descriptor's number reduced to "valid") goes into a digest: the same
 * seed gives the same digest in a 64-bit and a 32-bit process.  Every
 * descriptor a call opens is closed; one that appears without being
 * reported is a leak.
 */
#ifndef FUZZ_CORE_H
#define FUZZ_CORE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aperture_io.h"

#define FZ_MAX_FDS	16
#define FZ_MAX_DEVS	32
#define FZ_PAGE		4096

struct fz_dev {
	uint32_t domain;
	uint8_t bus, devfn;
};

struct fz_cfg {
	uint8_t open_at_start[1024];	/* set by fz_run */
	uint64_t seed;
	unsigned long count;
	int fds[FZ_MAX_FDS];		/* fds[0]: the control node */
	int nfds;
	struct fz_dev devs[FZ_MAX_DEVS];
	int ndevs;
};

struct fz_stats {
	unsigned long calls, succeeded, opened, leaked;
	unsigned long leak_at;		/* the call before which a leak showed */
	uint64_t digest;
};

static inline uint64_t fz_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static inline void fz_mix(uint64_t *d, uint64_t v)
{
	*d = (*d ^ v) * 0x100000001b3ull;
	*d ^= *d >> 29;
}

/* Whether fd was open when the run started (stdio, targets, whatever
 * the test framework holds). */
static inline int fz_known(const struct fz_cfg *c, int fd)
{
	return fd >= 0 && (fd >= 1024 || c->open_at_start[fd]);
}

/* Notes the descriptors open now. */
static inline void fz_snapshot(struct fz_cfg *c)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd;

	memset(c->open_at_start, 0, sizeof(c->open_at_start));
	if (!d)
		return;
	while ((e = readdir(d))) {
		fd = atoi(e->d_name);
		if (e->d_name[0] != '.' && fd != dirfd(d) && fd < 1024)
			c->open_at_start[fd] = 1;
	}
	closedir(d);
}

/* Descriptors open now that were not at the start. */
static inline int fz_unknown_fds(const struct fz_cfg *c)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0, fd;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd != dirfd(d) && !fz_known(c, fd))
			n++;
	}
	closedir(d);
	return n;
}

/* A command number: ours, our magic's others, neighbours, elsewhere. */
static inline unsigned long fz_cmd(uint64_t *s)
{
	uint64_t r = fz_rand(s);
	unsigned int type;

	switch (r % 20) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6:
		return APERTURE_IO_OPEN;
	case 7: case 8: case 9: case 10: case 11: case 12:
		return APERTURE_IO_INFO;
	case 13: case 14: case 15:
		return _IOC((r >> 8) & 3, APERTURE_IO_TYPE, (r >> 16) % 8,
			    (r >> 24) & 0x3fff);
	case 16: case 17:
		return _IOC((r >> 8) & 3, APERTURE_IO_TYPE + (r & 32 ? 1 : -1),
			    (r >> 16) & 0xff, (r >> 24) & 0x3fff);
	default:
		/* Anything else but the generic file ioctls the VFS answers
		 * itself (freeze, clone, flags, tty, FIO*). */
		type = (r >> 40) & 0xff;
		if (type == 'X' || type == 'f' || type == 'T' ||
		    type == 0x94 || type == 0x15 || type == 0 || type == 'F')
			type = 0xee;
		return _IOC((r >> 8) & 3, type, (r >> 16) & 0xff,
			    (r >> 24) & 0x3fff);
	}
}

/* A BAR argument with mostly plausible, sometimes hostile, fields. */
static inline void fz_arg(const struct fz_cfg *c, uint64_t *s,
			  struct aperture_io_bar *a)
{
	static const uint32_t bad_sz[] = { 0, 4, 55, 57, 64, 4096, 0xffffffff };
	uint64_t r = fz_rand(s), q = fz_rand(s);
	const struct fz_dev *d = &c->devs[(r >> 8) % (unsigned int)c->ndevs];

	memset(a, 0, sizeof(*a));
	a->argsz = r % 10 < 8 ? sizeof(*a) :
		   r % 10 == 8 ? bad_sz[(r >> 4) % 7] : (uint32_t)q;
	a->abi_version = (uint32_t)(q >> 32);
	if ((r >> 16) % 10 < 8) {
		a->domain = d->domain;
		a->bus = d->bus;
		a->devfn = d->devfn;
	} else {
		a->domain = (r >> 20) & 1 ? (uint32_t)q : 0;
		a->bus = (uint8_t)(q >> 8) | 0x80;	/* no device there */
		a->devfn = (uint8_t)(q >> 16);
	}
	a->bar = (r >> 24) % 10 < 8 ? (r >> 28) % 6 : (uint8_t)(q >> 24);
	a->reserved0 = (r >> 32) % 8 ? 0 : (uint8_t)(q >> 40) | 1;
	switch ((r >> 36) % 4) {
	case 0: case 1:
		a->flags = ((r >> 40) % 5) | (((r >> 44) % 3) << 4) |
			   ((r >> 46) & 1 ? APERTURE_IO_OPEN_RDONLY : 0);
		break;
	case 2:
		a->flags = (uint32_t)(q >> 16);
		break;
	default:
		a->flags = 1u << ((q >> 48) % 32);
		break;
	}
	a->fd = (r >> 50) % 4 ? -1 : (int32_t)(q >> 8);
	a->start = q * 3;
	a->size = q ^ r;
	a->bar_flags = (uint32_t)r;
	a->memtype = (uint32_t)(r >> 8);
	a->width = (uint32_t)(q >> 4);
	a->state = (r >> 52) % 8 ? 0 : (uint32_t)q | 1;
}

/*
 * The arena: a writable page, a read-only page, a PROT_NONE page and an
 * unmapped one after them.
 */
struct fz_arena {
	uint8_t *base;
};

static inline int fz_arena_init(struct fz_arena *ar)
{
	ar->base = mmap(NULL, 4 * FZ_PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ar->base == MAP_FAILED)
		return -errno;
	if (munmap(ar->base + 3 * FZ_PAGE, FZ_PAGE) ||
	    mprotect(ar->base + 2 * FZ_PAGE, FZ_PAGE, PROT_NONE) ||
	    mprotect(ar->base + FZ_PAGE, FZ_PAGE, PROT_READ))
		return -errno;
	return 0;
}

static inline void fz_arena_fini(struct fz_arena *ar)
{
	munmap(ar->base, 3 * FZ_PAGE);
}

/* Places *a somewhere and returns the pointer the call gets; *rw says
 * whether the whole argument is readable back at that pointer. */
static inline void *fz_place(struct fz_arena *ar, uint64_t *s,
			     const struct aperture_io_bar *a, int *rw)
{
	uint8_t *rwp = ar->base, *ro = ar->base + FZ_PAGE;
	uint8_t *none = ar->base + 2 * FZ_PAGE;
	const size_t half = sizeof(*a) / 2;
	uint64_t r = fz_rand(s) % 32;
	void *p;

	*rw = 0;
	if (r < 20) {
		*rw = 1;
		memcpy(rwp, a, sizeof(*a));
		return rwp;
	}
	switch (r) {
	case 20: case 21:	/* readable, not writable back */
	case 22:		/* straddles from read-only into PROT_NONE */
		p = r == 22 ? none - half : ro;
		mprotect(ro, FZ_PAGE, PROT_READ | PROT_WRITE);
		memcpy(p, a, r == 22 ? half : sizeof(*a));
		mprotect(ro, FZ_PAGE, PROT_READ);
		return p;
	case 23:		/* straddles from writable into read-only */
		memcpy(ro - half, a, half);
		return ro - half;
	case 24:
		return none;
	case 25:
		return ar->base + 3 * FZ_PAGE;		/* unmapped */
	case 26:
		return NULL;
	case 27:		/* the kernel's half of the address space */
		return (void *)(uintptr_t)(sizeof(void *) == 8 ?
			0xffff888000000000ull : 0xc0000000ull);
	case 28:		/* the last bytes below the unmapped page */
		return none + FZ_PAGE - 8;
	default:		/* misaligned, writable */
		*rw = 1;
		memcpy(rwp + 1 + r % 7, a, sizeof(*a));
		return rwp + 1 + r % 7;
	}
}

/* Runs the calls; returns 0, or -errno if the arena cannot be made. */
static inline int fz_run(struct fz_cfg *c, struct fz_stats *st)
{
	struct aperture_io_bar a, out;
	struct fz_arena ar;
	uint64_t s = c->seed * 0x9e3779b97f4a7c15ull + 1;
	unsigned long i, cmd;
	int fd, rw, ret, err;
	void *p;

	memset(st, 0, sizeof(*st));
	st->digest = 0xcbf29ce484222325ull;
	fz_snapshot(c);
	ret = fz_arena_init(&ar);
	if (ret)
		return ret;
	for (i = 0; i < c->count; i++) {
		if (i % 1000 == 0 && !st->leaked && fz_unknown_fds(c) > 0) {
			st->leaked = (unsigned long)fz_unknown_fds(c);
			st->leak_at = i;
		}
		fd = c->fds[fz_rand(&s) % 4 ? 0 : 1 + fz_rand(&s) % (c->nfds - 1)];
		cmd = fz_cmd(&s);
		fz_arg(c, &s, &a);
		p = fz_place(&ar, &s, &a, &rw);
		errno = 0;
		ret = ioctl(fd, cmd, p);
		err = ret < 0 ? errno : 0;
		st->calls++;
		fz_mix(&st->digest, (uint32_t)cmd);
		fz_mix(&st->digest, ret < 0 ? (uint64_t)-err : (uint64_t)(ret > 0));
		if (ret < 0 || !rw)
			continue;
		st->succeeded++;
		memcpy(&out, p, sizeof(out));
		/* A descriptor the call reports is closed at once. */
		if (out.fd >= 0 && out.fd != a.fd && !fz_known(c, out.fd) &&
		    fcntl(out.fd, F_GETFD) >= 0) {
			close(out.fd);
			st->opened++;
			out.fd = 1;
		} else if (out.fd >= 0 && out.fd == a.fd) {
			out.fd = 2;	/* left as it was */
		}
		fz_mix(&st->digest, out.argsz | (uint64_t)out.abi_version << 32);
		fz_mix(&st->digest, (uint32_t)out.fd);
		fz_mix(&st->digest, out.start);
		fz_mix(&st->digest, out.size);
		fz_mix(&st->digest, out.bar_flags | (uint64_t)out.memtype << 32);
		fz_mix(&st->digest, out.width | (uint64_t)out.state << 32);
		fz_mix(&st->digest, out.flags | (uint64_t)out.domain << 32);
	}
	if (!st->leaked && fz_unknown_fds(c) > 0) {
		st->leaked = (unsigned long)fz_unknown_fds(c);
		st->leak_at = i;
	}
	fz_arena_fini(&ar);
	return 0;
}

#endif /* FUZZ_CORE_H */

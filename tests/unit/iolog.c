// SPDX-License-Identifier: MIT
/*
 * iolog.c - an LD_PRELOAD shim that logs each pread and pwrite a process
 * makes on one file, with its offset and size: the host's view of the
 * accesses the daemon of a fake machine passes on to a BAR (a fake
 * machine's backend makes exactly one pread/pwrite per access it is
 * given, so these are the accesses the module would be asked for).
 *
 *	APERTURE_IOLOG=FILE          where the lines go (appended)
 *	APERTURE_IOLOG_MATCH=TEXT    only descriptors whose path has TEXT
 *
 * One line per call, "edu.bin read 0x20+4" (the file's name, the
 * operation, offset and size), written with one
 * write(2) on an O_APPEND descriptor, so that threads do not mix lines.
 * Used by tests/unit/check_fake_widths.c.  Built without
 * _FILE_OFFSET_BITS=64, so that pread and pread64 are two symbols here.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef ssize_t (*io_fn)(int, void *, size_t, off64_t);

/* Log "@op 0x@off+@len" if @fd is the file asked for. */
static void iolog(const char *op, int fd, size_t len, off64_t off)
{
	const char *log = getenv("APERTURE_IOLOG");
	const char *match = getenv("APERTURE_IOLOG_MATCH");
	char link[64], path[512], line[128];
	const char *base;
	ssize_t n;
	int lfd, saved = errno;

	if (!log || !match)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		goto out;
	path[n] = 0;
	if (!strstr(path, match))
		goto out;
	lfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0)
		goto out;
	base = strrchr(path, '/');
	n = snprintf(line, sizeof(line), "%.40s %s 0x%llx+%zu\n",
		     base ? base + 1 : path, op, (unsigned long long)off, len);
	if (write(lfd, line, n) != n)
		n = -1;
	close(lfd);
out:
	errno = saved;
}

static ssize_t call(const char *name, int fd, void *buf, size_t len,
		    off64_t off)
{
	io_fn fn = (io_fn)dlsym(RTLD_NEXT, name);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(fd, buf, len, off);
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	iolog("read", fd, len, off);
	return call("pread", fd, buf, len, off);
}

ssize_t pread64(int fd, void *buf, size_t len, off64_t off)
{
	iolog("read", fd, len, off);
	return call("pread64", fd, buf, len, off);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	iolog("write", fd, len, off);
	return call("pwrite", fd, (void *)buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	iolog("write", fd, len, off);
	return call("pwrite64", fd, (void *)buf, len, off);
}

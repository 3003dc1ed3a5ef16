/*
 * own_fake.h - helpers of the host suites on an owned function of the
 * fake machine (src/fake_own.c): its vectors are FIFOs beside the
 * description, raised by writing a count to them.
 */
#ifndef OWN_FAKE_H
#define OWN_FAKE_H

#include <poll.h>
#include <stdint.h>

#include "fake_mount.h"

/* 00:04.0 is owned (INTx, 1 MSI, 2 MSI-X), 00:05.0 has a driver. */
static const char *own_machine =
	"function 00:04.0 1234:11e8 class=00ff driver=aperture_io msi=1 "
	"msix=2\n"
	"bar0 mem 1M\n"
	"function 00:05.0 1234:11e8 class=00ff driver=edu\n"
	"bar0 mem 1M\n"
	"function 00:06.0 1b36:0005 class=00ff\n"
	"bar0 mem 4K\n";

#define OWN "0000:00:04.0"

/* Raise @n interrupts on vector @vec ("msi0") of 00:04.0. */
static inline void own_raise(struct fk *m, const char *vec, int n)
{
	char path[PATH_MAX + 32], line[16];
	int fd;

	snprintf(path, sizeof(path), "%s/" OWN ".%s", m->dir, vec);
	fd = open(path, O_WRONLY | O_NONBLOCK);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	snprintf(line, sizeof(line), "%d\n", n);
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	close(fd);
}

/* The file's text, or "" if it cannot be read. */
static inline void own_text(struct fk *m, const char *rel, char *out,
			    size_t len)
{
	char *t = fk_slurp(FK_PATH(m, "%s", rel));

	snprintf(out, len, "%s", t ? t : "");
	free(t);
}

/* One read of 8 bytes from @fd: the count, or -errno. */
static inline int64_t own_read_count(int fd)
{
	uint64_t c = 0;
	ssize_t n = read(fd, &c, sizeof(c));

	if (n < 0)
		return -errno;
	ck_assert_int_eq(n, 8);
	return (int64_t)c;
}

/* One mounted machine per test (the fixture's). */
static struct fk m;

static inline void own_mount_setup(void)
{
	fk_mount(&m, own_machine, NULL);
}

static inline void own_mount_teardown(void)
{
	fk_umount(&m);
}

/* Names in @dir but "." and "..", in listing order, joined with spaces. */
static inline void names(const char *dir, char *out, size_t len)
{
	struct dirent **v;
	int n = scandir(dir, &v, NULL, alphasort);

	ck_assert_msg(n >= 0, "scandir %s: %s", dir, strerror(errno));
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(v[i]->d_name, ".") && strcmp(v[i]->d_name, "..")) {
			if (out[0])
				strncat(out, " ", len - strlen(out) - 1);
			strncat(out, v[i]->d_name, len - strlen(out) - 1);
		}
		free(v[i]);
	}
	free(v);
}

#endif /* OWN_FAKE_H */

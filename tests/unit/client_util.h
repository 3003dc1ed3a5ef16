/*
 * client_util.h - fixtures of the host suites of libaperture and the
 * aperture command (tests/unit/check_client*.c): a tree laid out as an
 * aperturefs mount, made of plain files in a temporary directory
 * (<dir>/0000:00:04.0/bar0 ..., info, by-id/ links), and running the
 * command with its output and exit status captured.
 */
#ifndef CLIENT_UTIL_H
#define CLIENT_UTIL_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CT_EDU		"0000:00:04.0"
#define CT_EDU2		"0000:00:07.0"

static char ct_dir[256];	/* the fake tree's root */

static inline void ct_write(const char *path, const void *buf, size_t len,
			    off_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	if (size)
		ck_assert_int_eq(ftruncate(fd, size), 0);
	close(fd);
}

/* A function directory with bar0 (@size bytes, edu's first registers). */
static inline void ct_func(const char *slot, off_t size)
{
	/* edu: 0x00 id 0x010000ed, 0x04 liveness, 0x20 STATUS 0x1. */
	static const unsigned char regs[0x24] = {
		0xed, 0x00, 0x00, 0x01, 0x78, 0x56, 0x34, 0x12,
		[0x10] = 'e', 'd', 'u', '!', [0x20] = 0x01,
	};
	char path[512], info[512];

	snprintf(path, sizeof(path), "%s/%s", ct_dir, slot);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s/bar0", ct_dir, slot);
	ct_write(path, regs, sizeof(regs), size);
	snprintf(path, sizeof(path), "%s/%s/info", ct_dir, slot);
	snprintf(info, sizeof(info),
		 "slot: %s\nname: Unclassified device [00ff]: Device "
		 "[1234:11e8] (rev 10)\nvendor: Vendor [1234]\n"
		 "device: Device [11e8]\nclass: Unclassified device [00ff]\n"
		 "bar0.size: %lld\n"
		 "bar0.mmap: no (a test tree: no passthrough)\n",
		 slot, (long long)size);
	ct_write(path, info, strlen(info), 0);
}

/* The fake tree: edu at 00:04.0 and a second one at 00:07.0. */
static inline void ct_setup(void)
{
	char path[512];

	snprintf(ct_dir, sizeof(ct_dir), "/tmp/aperture-ct-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(ct_dir));
	ct_func(CT_EDU, 1 << 20);
	ct_func(CT_EDU2, 4096);
	snprintf(path, sizeof(path), "%s/by-id", ct_dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/by-id/1234:11e8", ct_dir);
	ck_assert_int_eq(symlink("../" CT_EDU, path), 0);
	snprintf(path, sizeof(path), "%s/by-id/1234:11e8-2", ct_dir);
	ck_assert_int_eq(symlink("../" CT_EDU2, path), 0);
}

static inline void ct_teardown(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ct_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Bytes @off..@off+@len of a function's bar0 in the fake tree. */
static inline void ct_bar_bytes(const char *slot, off_t off, void *buf,
				size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/bar0", ct_dir, slot);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

/* The aperture command of this build: ../../aperture from this binary. */
static inline const char *ct_command(void)
{
	static char path[600];
	char self[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ck_assert_int_gt(n, 0);
	self[n] = 0;
	snprintf(path, sizeof(path), "%s/../../aperture", dirname(self));
	return path;
}

/*
 * Run "aperture ARGS" (a shell word list; %M is replaced by nothing
 * special: pass ct_dir yourself); stdout into *@out, stderr into *@err
 * (both malloc'ed), returns the exit status.
 */
static inline int ct_run(char **out, char **err, const char *fmt, ...)
{
	char args[2048], cmd[4096], efile[300];
	size_t len = 0;
	FILE *p, *m;
	int c, st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(efile, sizeof(efile), "%s.err", ct_dir);
	snprintf(cmd, sizeof(cmd), "'%s' %s 2>'%s'", ct_command(), args,
		 efile);
	m = open_memstream(out, &len);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while ((c = fgetc(p)) != EOF)
		fputc(c, m);
	st = pclose(p);
	fclose(m);
	m = open_memstream(err, &len);
	p = fopen(efile, "r");
	ck_assert_ptr_nonnull(p);
	while ((c = fgetc(p)) != EOF)
		fputc(c, m);
	fclose(p);
	fclose(m);
	unlink(efile);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The command exits @status, printing exactly @want_out and @want_err. */
#define ct_expect(status, want_out, want_err, ...)                          \
	do {                                                                \
		char *o_, *e_;                                              \
		int st_ = ct_run(&o_, &e_, __VA_ARGS__);                    \
		ck_assert_msg(st_ == (status),                              \
			      "exit %d, not %d; stdout:\n%s\nstderr:\n%s",  \
			      st_, (status), o_, e_);                       \
		ck_assert_str_eq(o_, want_out);                             \
		ck_assert_str_eq(e_, want_err);                             \
		free(o_);                                                   \
		free(e_);                                                   \
	} while (0)

#endif /* CLIENT_UTIL_H */

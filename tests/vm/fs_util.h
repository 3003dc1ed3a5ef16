/*
 * fs_util.h - helpers of the aperturefs guest suites (tests/vm/check_fs*.c):
 * paths of the test devices in the mounted tree and in sysfs, whole-file
 * reads, shell commands with captured output, a mount fixture for suites
 * that mount aperturefs themselves, and the host's view of ivshmem.
 *
 * The runner mounts aperturefs at /mnt/apertures (no options) unless it
 * was given --no-mount; suites that need options mount their own copy
 * under /tmp with fs_mount().  Everything is static inline.
 */
#ifndef FS_UTIL_H
#define FS_UTIL_H

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FS_MNT		"/mnt/apertures"
#define FS_EDU		"0000:00:04.0"	/* edu, BAR0 1 MiB registers */
#define FS_IVSHMEM	"0000:00:05.0"	/* ivshmem, BAR2 1 MiB RAM */
#define FS_TESTDEV	"0000:00:06.0"	/* pci-testdev, BAR1 I/O */
#define FS_VGA		"0000:00:02.0"	/* VGA, BAR0 fb, BAR2 MMIO */
#define FS_SYSFS	"/sys/bus/pci/devices"

/* printf into a static-per-call-site buffer: fs_path(FS_MNT "/%s", x). */
#define FS_PATH_LEN 512
static inline char *fs_fmt(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, FS_PATH_LEN, fmt, ap);
	va_end(ap);
	return buf;
}
#define fs_path(...) fs_fmt((char[FS_PATH_LEN]){ 0 }, __VA_ARGS__)

/* The build directory of this world ($B), for the daemon binary. */
static inline const char *fs_daemon(void)
{
	static char path[FS_PATH_LEN];
	const char *b = getenv("B");

	snprintf(path, sizeof(path), "%s/aperturefs", b ? b : "build/deb12");
	return path;
}

/* Seconds since an arbitrary start, for deadlines of waits that poll. */
static inline double fs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read a whole file (up to @max bytes) into a malloc'ed buffer. */
static inline char *fs_slurp(const char *path, size_t max, size_t *len)
{
	char *buf = malloc(max + 1);
	size_t n = 0;
	ssize_t r;
	int fd;

	ck_assert_ptr_nonnull(buf);
	fd = open(path, O_RDONLY);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	while (n < max && (r = read(fd, buf + n, max - n)) > 0)
		n += r;
	ck_assert_msg(r >= 0 || n == max, "read %s: %s", path,
		      strerror(errno));
	close(fd);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* Run a shell command; return its stdout (malloc'ed) and exit status. */
static inline char *fs_sh(int *status, const char *fmt, ...)
{
	char cmd[4096], *out = NULL;
	size_t len = 0;
	FILE *p, *m;
	int c, st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	m = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(m);
	p = popen(cmd, "r");
	ck_assert_msg(p, "popen %s", cmd);
	while ((c = fgetc(p)) != EOF)
		fputc(c, m);
	st = pclose(p);
	fclose(m);
	if (status)
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return out;
}

/* Run a command that must succeed and print exactly @want. */
#define fs_expect(want, ...)                                                  \
	do {                                                                  \
		int st_;                                                      \
		char *out_ = fs_sh(&st_, __VA_ARGS__);                        \
		ck_assert_msg(st_ == 0, "status %d, output:\n%s", st_, out_); \
		ck_assert_str_eq(out_, want);                                 \
		free(out_);                                                   \
	} while (0)

/* One hex number from a sysfs attribute of a function. */
static inline unsigned long long fs_sysfs_hex(const char *slot,
					       const char *attr)
{
	unsigned long long v = ~0ull;
	FILE *f = fopen(fs_path(FS_SYSFS "/%s/%s", slot, attr), "r");

	if (!f)
		return v;
	if (fscanf(f, "%llx", &v) != 1)
		v = ~0ull;
	fclose(f);
	return v;
}

/* Line @bar of sysfs "resource": start, end (0 0 if unimplemented). */
static inline void fs_sysfs_resource(const char *slot, int bar,
				     unsigned long long *start,
				     unsigned long long *end,
				     unsigned long long *flags)
{
	FILE *f = fopen(fs_path(FS_SYSFS "/%s/resource", slot), "r");
	int ok = 0;

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i <= bar; i++)
		ok = fscanf(f, "%llx %llx %llx", start, end, flags) == 3;
	fclose(f);
	ck_assert(ok);
}

/* The value of "key: value" in a text (info), into @out; false if absent. */
static inline bool fs_info_get(const char *text, const char *key, char *out,
			       size_t len)
{
	char pat[128];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\n%s: ", key);
	p = strstr(text, pat);
	if (!p && !strncmp(text, pat + 1, strlen(pat + 1)))
		p = text - 1;
	if (!p)
		return false;
	p += strlen(pat);
	e = strchrnul(p, '\n');
	snprintf(out, len, "%.*s", (int)(e - p), p);
	return true;
}

/* Is @dir a mount point of type fuse.aperturefs in /proc/mounts? */
static inline bool fs_mounted(const char *dir)
{
	char line[1024], d[512], type[128];
	bool found = false;
	FILE *f = fopen("/proc/mounts", "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %511s %127s", d, type) == 2 &&
		    !strcmp(d, dir) && !strcmp(type, "fuse.aperturefs"))
			found = true;
	fclose(f);
	return found;
}

/* A daemon this suite started in the foreground (-f). */
struct fs_mount {
	char dir[256];		/* mount point */
	pid_t pid;		/* daemon */
};

/*
 * Start "aperturefs -f -o OPTS DIR" and wait (5 s deadline) until DIR is
 * mounted, checking that the daemon is still alive.  Returns 0, or the
 * daemon's exit status if it exited (its stderr then is in @err, if
 * given, up to @errlen bytes).
 */
static inline int fs_mount_opts(struct fs_mount *m, const char *dir,
				const char *opts, char *err, size_t errlen)
{
	int pipefd[2], st;
	pid_t pid;

	snprintf(m->dir, sizeof(m->dir), "%s", dir);
	mkdir(dir, 0755);
	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		if (opts && *opts)
			execl(fs_daemon(), "aperturefs", "-f", "-o", opts, dir,
			      (char *)NULL);
		else
			execl(fs_daemon(), "aperturefs", "-f", dir,
			      (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	m->pid = pid;
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			ssize_t n = 0;

			if (err && errlen) {
				size_t got = 0;

				while (got < errlen - 1 &&
				       (n = read(pipefd[0], err + got,
						 errlen - 1 - got)) > 0)
					got += n;
				err[got] = 0;
			}
			close(pipefd[0]);
			m->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		}
		if (fs_mounted(dir)) {
			close(pipefd[0]);
			return 0;
		}
		usleep(10000);
	}
	close(pipefd[0]);
	ck_abort_msg("aperturefs did not mount %s within 5 s", dir);
	return -1;
}

/*
 * Mount like fs_mount(), with the daemon's stderr (-f: its log, a
 * "scan N: ..." line per scan) going to the file @log for the whole run.
 */
static inline void fs_mount_log(struct fs_mount *m, const char *dir,
				const char *opts, const char *log)
{
	int st, fd;
	pid_t pid;

	snprintf(m->dir, sizeof(m->dir), "%s", dir);
	mkdir(dir, 0755);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
		dup2(fd, 2);
		if (opts && *opts)
			execl(fs_daemon(), "aperturefs", "-f", "-o", opts, dir,
			      (char *)NULL);
		else
			execl(fs_daemon(), "aperturefs", "-f", dir,
			      (char *)NULL);
		_exit(127);
	}
	m->pid = pid;
	for (int i = 0; i < 500; i++) {
		ck_assert_msg(waitpid(pid, &st, WNOHANG) != pid,
			      "aperturefs exited; see %s", log);
		if (fs_mounted(dir))
			return;
		usleep(10000);
	}
	ck_abort_msg("aperturefs did not mount %s within 5 s", dir);
}

/* How many "aperturefs: scan " lines @log holds. */
static inline int fs_log_scans(const char *log)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(log, "r");

	ck_assert_msg(f, "%s: %s", log, strerror(errno));
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "aperturefs: scan ") != NULL;
	fclose(f);
	return n;
}

/* The daemon's open descriptors and resident KiB now. */
static inline void fs_daemon_usage(pid_t pid, int *fds, long *rss_kb)
{
	char path[64], line[256];
	struct dirent *de;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	*fds = 0;
	while ((de = readdir(d))) {
		char link[64] = "";

		/* libfuse's per-thread splice pipes come and go with its
		 * worker threads: not ours to count. */
		if (de->d_name[0] == '.' ||
		    readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1) < 0 ||
		    !strncmp(link, "pipe:", 5))
			continue;
		(*fds)++;
	}
	closedir(d);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	*rss_kb = -1;
	while (fgets(line, sizeof(line), f))
		sscanf(line, "VmRSS: %ld kB", rss_kb);
	fclose(f);
}

/* Mount or fail the test. */
static inline void fs_mount(struct fs_mount *m, const char *dir,
			    const char *opts)
{
	char err[1024] = "";
	int ret = fs_mount_opts(m, dir, opts, err, sizeof(err));

	ck_assert_msg(ret == 0, "aperturefs -o %s %s: exit %d: %s",
		      opts ? opts : "", dir, ret, err);
}

/* Unmount lazily, then stop the daemon (sshfs's test teardown). */
static inline void fs_umount(struct fs_mount *m)
{
	if (fs_mounted(m->dir))
		umount2(m->dir, MNT_DETACH);
	if (m->pid > 0) {
		int st;

		for (int i = 0; i < 300; i++) {
			if (waitpid(m->pid, &st, WNOHANG) == m->pid) {
				m->pid = 0;
				return;
			}
			usleep(10000);
		}
		kill(m->pid, SIGKILL);
		waitpid(m->pid, &st, 0);
		m->pid = 0;
	}
}

/* Fill @buf with bytes from a simple generator seeded by @seed. */
static inline void fs_pattern(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = x;
	}
}

/* Write a file from memory. */
static inline void fs_write_file(const char *path, const void *buf,
				 size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* The host's ivshmem file as the guest sees it (cache=none share). */
static inline const char *fs_ivshmem_host(void)
{
	const char *p = getenv("APERTURE_IVSHMEM_HOST");

	return p ? p : "/run/aperture-host/ivshmem";
}

/*
 * The i386 world's guest CPU is one Linux runs without PAT (module_util.h
 * says why): known from the world, never guessed from the kernel.
 */
static inline bool fs_world_without_pat(void)
{
	const char *w = getenv("APERTURE_WORLD");

	return w && !strcmp(w, "deb12-i386");
}

/*
 * Whether this world's libfuse has passthrough (3.17: the Debian 13
 * worlds, amd64 and arm64; Debian 12's 3.14 has none).
 */
static inline bool fs_world_passthrough(void)
{
	const char *w = getenv("APERTURE_WORLD");

	return w && (!strcmp(w, "deb13") || !strcmp(w, "deb13-arm64"));
}

/*
 * An arm64 guest (QEMU 10's virt), where an access a device model
 * refuses (edu's registers take 4 and 8 bytes only) is a synchronous
 * external abort, not all ones.
 */
static inline bool fs_arch_arm64(void)
{
	struct utsname u;

	ck_assert_int_eq(uname(&u), 0);
	return !strcmp(u.machine, "aarch64");
}

/* A 32-bit x86 kernel (i686), whatever this program is built as. */
static inline bool fs_kernel_is_32bit(void)
{
	struct utsname u;

	ck_assert_int_eq(uname(&u), 0);
	return u.machine[0] == 'i' && !strcmp(u.machine + 2, "86");
}

#endif /* FS_UTIL_H */

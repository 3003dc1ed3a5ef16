/*
 * fake_mount.h - helpers of the host suites that mount aperturefs on a
 * fake machine (--fake=FILE): no module, no PCI device, nothing of this
 * host's own hardware is read.  A mount fixture that polls for the mount
 * with a deadline and checks that the daemon lives; teardown unmounts
 * (fusermount3 -u, lazily if busy) and reaps the daemon (sshfs's
 * test/util.py does the same).  The daemon's stderr (with -f, its log,
 * one "scan N" line per scan) is kept in a file for the tests to read.
 */
#ifndef FAKE_MOUNT_H
#define FAKE_MOUNT_H

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

/* One mounted fake machine. */
struct fk {
	char dir[PATH_MAX];	/* the work folder */
	char mnt[PATH_MAX];	/* its mount point */
	char desc[PATH_MAX];	/* the description */
	char log[PATH_MAX];	/* the daemon's stderr */
	pid_t pid;		/* the daemon */
};

/* The daemon next to this suite: $(B)/tests/unit/x -> $(B)/aperturefs. */
static inline const char *fk_daemon(void)
{
	static char path[PATH_MAX];
	char *p;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);

	ck_assert_int_gt(n, 0);
	path[n] = 0;
	for (int i = 0; i < 3; i++) {
		p = strrchr(path, '/');
		ck_assert_ptr_nonnull(p);
		*p = 0;
	}
	strcat(path, "/aperturefs");
	return path;
}

static inline void fk_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Replace the description in one step, as an editor does (rename). */
static inline void fk_redescribe(struct fk *m, const char *text)
{
	char tmp[PATH_MAX + 8];

	snprintf(tmp, sizeof(tmp), "%s.new", m->desc);
	fk_write(tmp, text);
	ck_assert_int_eq(rename(tmp, m->desc), 0);
}

static inline bool fk_mounted(const char *dir)
{
	char line[2048], d[PATH_MAX], type[128];
	bool found = false;
	FILE *f = fopen("/proc/mounts", "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %4095s %127s", d, type) == 2 &&
		    !strcmp(d, dir) && !strcmp(type, "fuse.aperturefs"))
			found = true;
	fclose(f);
	return found;
}

/* A fresh work folder with @desc as machine.txt; nothing mounted. */
static inline void fk_prepare(struct fk *m, const char *desc)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->dir, "/tmp/aperturefs-fake.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(m->dir));
	snprintf(m->mnt, sizeof(m->mnt), "%s/mnt", m->dir);
	snprintf(m->desc, sizeof(m->desc), "%s/machine.txt", m->dir);
	snprintf(m->log, sizeof(m->log), "%s/daemon.log", m->dir);
	ck_assert_int_eq(mkdir(m->mnt, 0755), 0);
	fk_write(m->desc, desc);
}

/*
 * Run the daemon with @argv (NULL-terminated, after the program name)
 * and its stderr in m->log; wait (5 s) for the mount or for its exit.
 * Returns 0 once mounted, else the daemon's exit status.
 */
static inline int fk_run(struct fk *m, const char *const *argv)
{
	const char *av[32] = { "aperturefs" };
	int n = 1, st, fd;
	pid_t pid;

	for (; argv[n - 1]; n++)
		av[n] = argv[n - 1];
	av[n] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		fd = open(m->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
		dup2(fd, 2);
		dup2(fd, 1);
		execv(fk_daemon(), (char *const *)av);
		_exit(127);
	}
	m->pid = pid;
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			m->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		}
		if (fk_mounted(m->mnt)) {
			struct statvfs sv;

			/*
			 * mount(2) returns before the daemon has answered
			 * FUSE's INIT (where it logs what it decided); a
			 * statfs is a request, which waits for INIT.
			 */
			ck_assert_int_eq(statvfs(m->mnt, &sv), 0);
			return 0;
		}
		usleep(10000);
	}
	ck_abort_msg("aperturefs did not mount %s within 5 s", m->mnt);
	return -1;
}

/* Mount @desc with -o @opts (or none) in the foreground, or fail. */
static inline void fk_mount(struct fk *m, const char *desc, const char *opts)
{
	char fake[PATH_MAX + 8];
	const char *argv[8];
	int n = 0, ret;

	fk_prepare(m, desc);
	snprintf(fake, sizeof(fake), "--fake=%s", m->desc);
	argv[n++] = fake;
	argv[n++] = "-f";
	if (opts) {
		argv[n++] = "-o";
		argv[n++] = opts;
	}
	argv[n++] = m->mnt;
	argv[n] = NULL;
	ret = fk_run(m, argv);
	ck_assert_msg(ret == 0, "aperturefs --fake exited %d", ret);
}

/* Unmount, reap the daemon, remove the folder. */
static inline void fk_umount(struct fk *m)
{
	char cmd[PATH_MAX * 3];
	int st;

	if (fk_mounted(m->mnt)) {
		snprintf(cmd, sizeof(cmd), "fusermount3 -u %s 2>/dev/null || "
			 "fusermount3 -uz %s", m->mnt, m->mnt);
		ck_assert_int_eq(system(cmd), 0);
	}
	if (m->pid > 0) {
		for (int i = 0; i < 300 && waitpid(m->pid, &st, WNOHANG) == 0;
		     i++)
			usleep(10000);
		if (kill(m->pid, 0) == 0) {
			kill(m->pid, SIGKILL);
			waitpid(m->pid, &st, 0);
		}
		m->pid = 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", m->dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* "MNT/<fmt>" */
static inline char *fk_path(struct fk *m, char *buf, const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(buf, PATH_MAX * 2, "%s/%s", m->mnt, rel);
	return buf;
}
#define FK_PATH(m, ...) fk_path(m, (char[PATH_MAX * 2]){ 0 }, __VA_ARGS__)

/* A whole (small) file as a string; NULL and errno if it cannot open. */
static inline char *fk_slurp(const char *path)
{
	char *buf = calloc(1, 65536);
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY);

	ck_assert_ptr_nonnull(buf);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + got, 65535 - got)) > 0)
		got += n;
	close(fd);
	return buf;
}

/* Lines of the daemon's log containing @s. */
static inline int fk_log_count(struct fk *m, const char *s)
{
	char *log = fk_slurp(m->log), *p;
	int n = 0;

	ck_assert_ptr_nonnull(log);
	for (p = log; (p = strstr(p, s)); p += strlen(s))
		n++;
	free(log);
	return n;
}

/* Copy the daemon's log to stderr (a failing test shows why). */
static inline void fk_show_log(struct fk *m)
{
	char *log = fk_slurp(m->log);

	if (log)
		fprintf(stderr, "--- %s:\n%s--- end of log\n", m->log, log);
	free(log);
}

/* The daemon's open descriptors now, but pipes. */
static inline int fk_fds(struct fk *m)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)m->pid);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		char link[64] = "";

		/* libfuse's per-thread splice pipes come and go with its
		 * worker threads: not ours to count. */
		if (de->d_name[0] == '.' ||
		    readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1) < 0 ||
		    !strncmp(link, "pipe:", 5))
			continue;
		n++;
	}
	closedir(d);
	return n;
}

/* The last "scan N: F functions, C changed, E entries" of the log. */
static inline void fk_last_scan(struct fk *m, long *scan, long *entries)
{
	char *log = fk_slurp(m->log), *p, *last = NULL;
	long f, c;

	ck_assert_ptr_nonnull(log);
	for (p = log; (p = strstr(p, "aperturefs: scan ")); p++)
		last = p;
	*scan = *entries = -1;
	if (last)
		ck_assert_int_eq(sscanf(last, "aperturefs: scan %ld: %ld "
					"functions, %ld changed, %ld entries",
					scan, &f, &c, entries), 4);
	free(log);
}

/* Wait up to @ms for lstat(@path) to succeed (@exists) or fail ENOENT. */
static inline bool fk_wait_path(const char *path, bool exists, int ms)
{
	struct stat st;

	for (int i = 0; i <= ms / 10; i++) {
		if ((lstat(path, &st) == 0) == exists)
			return true;
		usleep(10000);
	}
	return false;
}

/* write(2) of @text to @rel under @m's mount in one call: 0 or errno. */
static inline int fk_put(struct fk *m, const char *rel, const char *text)
{
	int fd = open(FK_PATH(m, "%s", rel), O_WRONLY | O_TRUNC);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		err = errno;
	close(fd);
	return err;
}

#endif /* FAKE_MOUNT_H */

/*
 * fs_mmap_util.h - helpers of the mmap suites (check_fs_mmap.c,
 * check_fs_mmap_life.c): what this world must do with shared mmap, a mount
 * of their own with its log kept, what info and the log say, smaps and the
 * x86 PAT list, and ivshmem's host view through a mapping.  Everything is
 * static inline.
 */
#ifndef FS_MMAP_UTIL_H
#define FS_MMAP_UTIL_H

#include <sys/mman.h>

#include "aperture.h"
#include "fs_util.h"

#define SHM_SIZE    (1u << 20)
#define PAGE	    4096u
#define ENODEV_SAYS "shared mmap gives ENODEV: "

static const char *const modes[] = {"all", "mmap", "off"};

/* ---- expectations of this world ------------------------------------- */

/*
 * "deb13" (passthrough available) or "deb12" (libfuse 3.14: none), which
 * the i386 world "deb12-i386" is too, and the arm64 world "deb13-arm64"
 * is "deb13" (libfuse 3.17).
 */
static inline const char *world(void)
{
	const char *w = getenv("APERTURE_WORLD");

	ck_assert_msg(w && (!strcmp(w, "deb12") || !strcmp(w, "deb13") ||
			    !strcmp(w, "deb12-i386") ||
			    !strcmp(w, "deb13-arm64")),
		      "APERTURE_WORLD is %s: run in a guest of tests/vm/run",
		      w ? w : "unset");
	if (!strcmp(w, "deb12-i386"))
		return "deb12";
	return strcmp(w, "deb13-arm64") ? w : "deb13";
}

/* Must shared mmap work on a mount with -o passthrough=@mode? */
static inline bool mmap_expected(const char *mode)
{
	return !strcmp(world(), "deb13") && strcmp(mode, "off");
}

/* What the reason for ENODEV must mention, for @mode in this world. */
static inline const char *enodev_reason(const char *mode)
{
	if (!strcmp(world(), "deb12"))
		return "libfuse 3.14";
	ck_assert_str_eq(mode, "off");
	return "passthrough=off";
}

/* ---- a mount of our own, its log kept ------------------------------- */

struct mnt {
	struct fs_mount m;
	char log[FS_PATH_LEN];
};

/*
 * Start "aperturefs -f [-o passthrough=MODE] DIR" (-d instead of -f if
 * @debug: libfuse then logs every request) for test @name with stderr in
 * DIR.log and wait (5 s deadline) until DIR is mounted.  Each
 * test and mode has its own DIR, so a test that failed half-way leaves
 * nothing in the way of the next.
 */
static inline void mnt_up_d(struct mnt *t, const char *name, const char *mode,
		     bool debug)
{
	char opts[64];
	pid_t pid;
	int st;

	snprintf(t->m.dir, sizeof(t->m.dir), "/tmp/ap-mmap-%s-%s", name,
		 mode ? mode : "default");
	snprintf(t->log, sizeof(t->log), "%s.log", t->m.dir);
	snprintf(opts, sizeof(opts), "passthrough=%s", mode ? mode : "");
	mkdir(t->m.dir, 0755);
	ck_assert_msg(!fs_mounted(t->m.dir), "%s is mounted already", t->m.dir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		int fd = open(t->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || dup2(fd, 2) < 0 || dup2(fd, 1) < 0)
			_exit(126);
		execl(fs_daemon(), "aperturefs", debug ? "-d" : "-f",
		      mode ? "-o" : t->m.dir, mode ? opts : NULL,
		      mode ? t->m.dir : NULL, (char *)NULL);
		_exit(127);
	}
	t->m.pid = pid;
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			char *log = fs_slurp(t->log, 4096, NULL);

			t->m.pid = 0;
			ck_abort_msg("aperturefs -o %s %s exited (%d): %s",
				     opts, t->m.dir, st, log);
		}
		if (fs_mounted(t->m.dir))
			return;
		usleep(10000);
	}
	ck_abort_msg("aperturefs did not mount %s within 5 s", t->m.dir);
}

static inline void mnt_up(struct mnt *t, const char *name, const char *mode)
{
	mnt_up_d(t, name, mode, false);
}

/* Wait (5 s deadline) for the daemon to exit; it must exit, not die of a
 * signal, and with 0 if @want0. */
static inline void mnt_wait_daemon(struct mnt *t, const char *what, bool want0)
{
	int st = -1;
	pid_t r = 0;

	for (int i = 0; i < 500 && r != t->m.pid; i++) {
		r = waitpid(t->m.pid, &st, WNOHANG);
		if (r != t->m.pid)
			usleep(10000);
	}
	ck_assert_msg(r == t->m.pid, "aperturefs went on after %s", what);
	t->m.pid = 0;
	ck_assert_msg(WIFEXITED(st) && (!want0 || WEXITSTATUS(st) == 0),
		      "aperturefs ended with status 0x%x after %s", st, what);
}

/*
 * Unmount (not lazily: nothing of ours may hold the mount) and see the
 * daemon exit by itself, with status 0.
 */
static inline void mnt_down(struct mnt *t)
{
	ck_assert_msg(umount2(t->m.dir, 0) == 0, "umount %s: %s", t->m.dir,
		      strerror(errno));
	mnt_wait_daemon(t, "umount", true);
}

/*
 * Unmount lazily and stop the daemon (SIGTERM, as a shutdown would): a
 * mapping of a BAR file pins the mount (its backing file keeps the FUSE
 * path), so the daemon would not see the connection end by itself.  It
 * must exit cleanly; libfuse makes the status 1 after a signal.
 */
static inline void mnt_gone(struct mnt *t)
{
	ck_assert_msg(umount2(t->m.dir, MNT_DETACH) == 0, "umount -l %s: %s",
		      t->m.dir, strerror(errno));
	ck_assert_int_eq(kill(t->m.pid, SIGTERM), 0);
	mnt_wait_daemon(t, "umount -l and SIGTERM", false);
	ck_assert(!fs_mounted(t->m.dir));
}

/* Wait (5 s deadline) until the daemon's log holds @text. */
static inline void mnt_wait_log(struct mnt *t, const char *text)
{
	for (int i = 0; i < 500; i++) {
		char *log = fs_slurp(t->log, 1 << 20, NULL);
		bool found = strstr(log, text);

		free(log);
		if (found)
			return;
		usleep(10000);
	}
	ck_abort_msg("no \"%s\" in %s within 5 s", text, t->log);
}

/*
 * Unchecked teardown of every test case: a test that failed half-way
 * leaves its mount and daemon; detach them (the daemons then end), so
 * that they hold neither the module nor anything else later.
 */
static inline void sweep_mounts(void)
{
	char line[1024], dir[512], type[128];
	FILE *f = fopen("/proc/mounts", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %511s %127s", dir, type) == 2 &&
		    !strcmp(type, "fuse.aperturefs") &&
		    !strncmp(dir, "/tmp/ap-mmap-", 13))
			umount2(dir, MNT_DETACH);
	fclose(f);
}

static inline const char *bar_path(struct mnt *t, const char *dev, int bar)
{
	static char path[FS_PATH_LEN];

	snprintf(path, sizeof(path), "%s/%s/bar%d", t->m.dir, dev, bar);
	return path;
}

static inline int open_bar(struct mnt *t, const char *dev, int bar, int flags)
{
	int fd = open(bar_path(t, dev, bar), flags);

	ck_assert_msg(fd >= 0, "open %s: %s", bar_path(t, dev, bar),
		      strerror(errno));
	return fd;
}

/* A shared read-write mapping of @len at @off of an open BAR file. */
static inline void *map_fd(int fd, size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

	ck_assert_msg(p != MAP_FAILED, "mmap %zu at %lld: %s", len,
		      (long long)off, strerror(errno));
	return p;
}

/* Let write-combined stores out before anyone else looks. */
static inline void store_fence(void)
{
	__sync_synchronize();
}

/* ---- what info, the log and mmap say about mmap --------------------- */

/* bar@bar.mmap of @dev in the mount's info. */
static inline void info_mmap(struct mnt *t, const char *dev, int bar, char *out,
		      size_t len)
{
	char *text =
		fs_slurp(fs_path("%s/%s/info", t->m.dir, dev), 65536, NULL);
	char key[32];

	snprintf(key, sizeof(key), "bar%d.mmap", bar);
	ck_assert_msg(fs_info_get(text, key, out, len), "no %s in:\n%s", key,
		      text);
	free(text);
}

/*
 * Where mmap must not work: MAP_SHARED (read-write and read-only) of
 * @dev's bar@bar is ENODEV, never a page-cache "mapping" of the device;
 * info says "no (shared mmap gives ENODEV: REASON)".
 */
static inline void assert_enodev(struct mnt *t, const char *mode, const char *dev,
			  int bar)
{
	char v[512], want[64];
	int fd = open_bar(t, dev, bar, O_RDWR);
	void *p;

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_msg(p == MAP_FAILED && errno == ENODEV,
		      "%s bar%d -o passthrough=%s: mmap gave %s", dev, bar,
		      mode, p == MAP_FAILED ? strerror(errno) : "a mapping");
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_msg(p == MAP_FAILED && errno == ENODEV,
		      "%s bar%d -o passthrough=%s: read-only mmap gave %s", dev,
		      bar, mode,
		      p == MAP_FAILED ? strerror(errno) : "a mapping");
	close(fd);
	info_mmap(t, dev, bar, v, sizeof(v));
	snprintf(want, sizeof(want), "no (" ENODEV_SAYS);
	ck_assert_msg(!strncmp(v, want, strlen(want)) &&
			      strstr(v, enodev_reason(mode)),
		      "%s bar%d.mmap: %s (want the reason, naming %s)", dev,
		      bar, v, enodev_reason(mode));
}

/* ---- smaps and the x86 PAT list ------------------------------------- */

/* The VmFlags of the mapping at @p, from /proc/self/smaps, with spaces
 * around each flag (" rd wr sh ... "). */
static inline void smaps_flags(const void *p, char *out, size_t len)
{
	char line[512], want[32];
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	ck_assert_ptr_nonnull(f);
	snprintf(want, sizeof(want), "%lx-", (unsigned long)p);
	out[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		char *dash = strchr(line, '-'), *sp = strchr(line, ' ');

		if (dash && sp && dash < sp)
			in = !strncmp(line, want, strlen(want));
		if (in && !strncmp(line, "VmFlags:", 8)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out, len, "%s ", line + 8);
		}
	}
	fclose(f);
	ck_assert_msg(out[0], "no mapping at %p in /proc/self/smaps", p);
}

/* How many reservations of exactly [start, end) the x86 PAT list holds
 * now whose type begins with @type ("uncached" also counts
 * "uncached-minus"; "write-combining"). */
static inline int pat_count(unsigned long long start, unsigned long long end,
		     const char *type)
{
	static const char list[] = "/sys/kernel/debug/x86/pat_memtype_list";
	unsigned long long s, e;
	char line[256], t[64];
	int n = 0;
	FILE *f;

	if (access(list, R_OK) != 0)
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	f = fopen(list, "r");
	ck_assert_msg(f, "%s: %s", list, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PAT: [mem %llx-%llx] %63s", &s, &e, t) == 3 &&
		    s == start && e == end && !strncmp(t, type, strlen(type)))
			n++;
	fclose(f);
	return n;
}

/*
 * The memory type in force for @dev's bar@bar, mapped through mount @t:
 * on x86 the PAT list's reservation of [start, start + size) ("uncached"
 * or "write-combining"); arm64 tracks no types (no PAT, no page table
 * dump in Debian's kernel), so there the type asked for is the type in
 * force, and what info reports ("uc" or "wc") is checked.
 */
static inline void assert_memtype(const struct mnt *t, const char *dev,
				  int bar, unsigned long long start,
				  unsigned long long size, const char *type)
{
	char path[FS_PATH_LEN], key[32], v[64], *text;

	if (strcmp(getenv("APERTURE_WORLD"), "deb13-arm64")) {
		ck_assert_int_ge(pat_count(start, start + size, type), 1);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s/info", t->m.dir, dev);
	text = fs_slurp(path, 65536, NULL);
	snprintf(key, sizeof(key), "bar%d.memtype", bar);
	ck_assert_msg(fs_info_get(text, key, v, sizeof(v)), "%s: no %s",
		      path, key);
	ck_assert_str_eq(v, strcmp(type, "uncached") ? "wc" : "uc");
	free(text);
}

/* The bus address of @dev's bar@bar. */
static inline unsigned long long bar_start(const char *dev, int bar)
{
	unsigned long long start, end, flags;

	fs_sysfs_resource(dev, bar, &start, &end, &flags);
	ck_assert_uint_ne(start, 0);
	return start;
}

/* ---- ivshmem: the mapping is the host's shared memory --------------- */

static inline void host_write(const void *buf, size_t len, off_t off)
{
	int fd = open(fs_ivshmem_host(), O_WRONLY);

	ck_assert_msg(fd >= 0, "%s: %s", fs_ivshmem_host(), strerror(errno));
	ck_assert_int_eq(pwrite(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

static inline void host_read(void *buf, size_t len, off_t off)
{
	int fd = open(fs_ivshmem_host(), O_RDONLY);

	ck_assert_msg(fd >= 0, "%s: %s", fs_ivshmem_host(), strerror(errno));
	ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

/* The first offset where @a and @b differ, or -1. */
static inline long first_diff(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < len; i++)
		if (x[i] != y[i])
			return (long)i;
	return -1;
}

/*
 * Stores through @map (of bar2 at 0, @len bytes) reach the host's file,
 * and the host's writes appear in @map: the whole range both ways, with
 * a fresh pattern (@seed) each way so that nothing stale can match.
 */
static inline void assert_shm_both_ways(volatile uint8_t *map, size_t len,
				 uint32_t seed)
{
	uint8_t *want = malloc(len), *got = malloc(len);
	long d;

	ck_assert(want && got);
	fs_pattern(want, len, seed);
	memcpy((void *)map, want, len);
	store_fence();
	host_read(got, len, 0);
	d = first_diff(want, got, len);
	ck_assert_msg(d < 0, "host's file at %ld: %02x, stored %02x", d,
		      d < 0 ? 0 : got[d], d < 0 ? 0 : want[d]);

	fs_pattern(want, len, seed + 1);
	host_write(want, len, 0);
	memcpy(got, (void *)map, len);
	d = first_diff(want, got, len);
	ck_assert_msg(d < 0, "mapping at %ld: %02x, host wrote %02x", d,
		      d < 0 ? 0 : got[d], d < 0 ? 0 : want[d]);
	free(want);
	free(got);
}

#endif /* FS_MMAP_UTIL_H */

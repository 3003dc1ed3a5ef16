/*
 * check_fs_mmap.c - mmap of a BAR file is the device itself (FUSE
 * passthrough to the module's descriptor), in each -o passthrough= mode.
 *
 * The Debian 13 world (libfuse 3.17; Linux 6.12 and 7.3) must map with
 * passthrough=all and passthrough=mmap.  There, per mode: bytes stored
 * through a mapping of ivshmem's bar2 are in the host's file and the
 * host's writes appear in a held mapping; smaps shows "pf" and "io" and
 * the x86 PAT list shows the BAR in its memory type; past-the-end
 * and MAP_PRIVATE mappings are EINVAL; edu's liveness register works
 * through an uncached mapping; a picture drawn into the VGA's bar0 through
 * a mapping is what a screendump shows, pixel for pixel; O_DIRECT reads
 * work; a read-only file maps read-only; a mapping outlives close, the
 * FUSE release, umount and the daemon.  With passthrough=off, and in
 * every mode on the Debian 12 world (libfuse 3.14), MAP_SHARED is ENODEV
 * and info and the daemon's log say why.
 * All modes read the same bytes.  Last, the module refuses to unload while
 * a mapping of a BAR file exists, and unloads once it is gone.
 *
 *   tests/vm/run --kernel 7.3 --no-mount -- '$B/tests/vm/check_fs_mmap'
 *
 * Runs with --no-mount (tests/vm/suites): every test mounts its own copy
 * under /tmp/ap-mmap-TEST-MODE (its daemon's stderr in the .log beside),
 * and the last test unloads and reloads the module.  One test prints
 * timings (figures for the notes), asserting none of them.
 */
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
 * the i386 world "deb12-i386" is too.
 */
static const char *world(void)
{
	const char *w = getenv("APERTURE_WORLD");

	ck_assert_msg(w && (!strcmp(w, "deb12") || !strcmp(w, "deb13") ||
			    !strcmp(w, "deb12-i386")),
		      "APERTURE_WORLD is %s: run in a guest of tests/vm/run",
		      w ? w : "unset");
	return strcmp(w, "deb12-i386") ? w : "deb12";
}

/* Must shared mmap work on a mount with -o passthrough=@mode? */
static bool mmap_expected(const char *mode)
{
	return !strcmp(world(), "deb13") && strcmp(mode, "off");
}

/* What the reason for ENODEV must mention, for @mode in this world. */
static const char *enodev_reason(const char *mode)
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
static void mnt_up_d(struct mnt *t, const char *name, const char *mode,
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

static void mnt_up(struct mnt *t, const char *name, const char *mode)
{
	mnt_up_d(t, name, mode, false);
}

/* Wait (5 s deadline) for the daemon to exit; it must exit, not die of a
 * signal, and with 0 if @want0. */
static void mnt_wait_daemon(struct mnt *t, const char *what, bool want0)
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
static void mnt_down(struct mnt *t)
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
static void mnt_gone(struct mnt *t)
{
	ck_assert_msg(umount2(t->m.dir, MNT_DETACH) == 0, "umount -l %s: %s",
		      t->m.dir, strerror(errno));
	ck_assert_int_eq(kill(t->m.pid, SIGTERM), 0);
	mnt_wait_daemon(t, "umount -l and SIGTERM", false);
	ck_assert(!fs_mounted(t->m.dir));
}

/* Wait (5 s deadline) until the daemon's log holds @text. */
static void mnt_wait_log(struct mnt *t, const char *text)
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
static void sweep_mounts(void)
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

static const char *bar_path(struct mnt *t, const char *dev, int bar)
{
	static char path[FS_PATH_LEN];

	snprintf(path, sizeof(path), "%s/%s/bar%d", t->m.dir, dev, bar);
	return path;
}

static int open_bar(struct mnt *t, const char *dev, int bar, int flags)
{
	int fd = open(bar_path(t, dev, bar), flags);

	ck_assert_msg(fd >= 0, "open %s: %s", bar_path(t, dev, bar),
		      strerror(errno));
	return fd;
}

/* A shared read-write mapping of @len at @off of an open BAR file. */
static void *map_fd(int fd, size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

	ck_assert_msg(p != MAP_FAILED, "mmap %zu at %lld: %s", len,
		      (long long)off, strerror(errno));
	return p;
}

/* Let write-combined stores out before anyone else looks. */
static void store_fence(void)
{
	__sync_synchronize();
}

/* ---- what info, the log and mmap say about mmap --------------------- */

/* bar@bar.mmap of @dev in the mount's info. */
static void info_mmap(struct mnt *t, const char *dev, int bar, char *out,
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
static void assert_enodev(struct mnt *t, const char *mode, const char *dev,
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
static void smaps_flags(const void *p, char *out, size_t len)
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
static int pat_count(unsigned long long start, unsigned long long end,
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

/* The bus address of @dev's bar@bar. */
static unsigned long long bar_start(const char *dev, int bar)
{
	unsigned long long start, end, flags;

	fs_sysfs_resource(dev, bar, &start, &end, &flags);
	ck_assert_uint_ne(start, 0);
	return start;
}

/* ---- ivshmem: the mapping is the host's shared memory --------------- */

static void host_write(const void *buf, size_t len, off_t off)
{
	int fd = open(fs_ivshmem_host(), O_WRONLY);

	ck_assert_msg(fd >= 0, "%s: %s", fs_ivshmem_host(), strerror(errno));
	ck_assert_int_eq(pwrite(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

static void host_read(void *buf, size_t len, off_t off)
{
	int fd = open(fs_ivshmem_host(), O_RDONLY);

	ck_assert_msg(fd >= 0, "%s: %s", fs_ivshmem_host(), strerror(errno));
	ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

/* The first offset where @a and @b differ, or -1. */
static long first_diff(const void *a, const void *b, size_t len)
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
static void assert_shm_both_ways(volatile uint8_t *map, size_t len,
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

/* ---- modes: per -o passthrough= mode -------------------------------- */

/* info says whether mmap works, the log says why not; off/deb12: ENODEV
 * for every memory BAR of every test device. */
START_TEST(info_and_log_say_why)
{
	const char *mode = modes[_i];
	static const struct {
		const char *dev;
		int bar;
	} bars[] = {
		{FS_EDU, 0},
		{FS_IVSHMEM, 2},
		{FS_VGA, 0},
		{FS_VGA, 2},
	};
	struct mnt t;
	char v[512], *log, *p;
	int lines = 0;

	mnt_up(&t, "info", mode);
	for (size_t i = 0; i < sizeof(bars) / sizeof(bars[0]); i++) {
		if (!mmap_expected(mode)) {
			assert_enodev(&t, mode, bars[i].dev, bars[i].bar);
			continue;
		}
		info_mmap(&t, bars[i].dev, bars[i].bar, v, sizeof(v));
		ck_assert_msg(!strcmp(v, "yes"), "%s bar%d.mmap: %s",
			      bars[i].dev, bars[i].bar, v);
	}
	mnt_down(&t);

	/* The daemon's own words (-f: its stderr is its log). */
	log = fs_slurp(t.log, 65536, NULL);
	for (p = log; (p = strstr(p, "ENODEV")); p++) {
		char *bol = p, *eol = strchrnul(p, '\n');

		while (bol > log && bol[-1] != '\n')
			bol--;
		lines++;
		ck_assert_msg(!mmap_expected(mode), "the log says:\n%s", log);
		ck_assert_msg(memmem(bol, eol - bol, enodev_reason(mode),
				     strlen(enodev_reason(mode))),
			      "a log line without the reason (%s):\n%s",
			      enodev_reason(mode), log);
		p = eol;
		if (!*p)
			break;
	}
	if (!mmap_expected(mode))
		ck_assert_msg(lines >= 1, "nothing in the log says why:\n%s",
			      log);
	free(log);
}
END_TEST

/* ivshmem bar2: stores through a mapping are in the host's file, the
 * host's writes are in the held mapping; smaps and PAT say it is I/O
 * memory, write-combining. */
START_TEST(ivshmem_through_a_mapping)
{
	const char *mode = modes[_i];
	unsigned long long start = bar_start(FS_IVSHMEM, 2);
	struct mnt t;
	char flags[512];
	uint8_t *shm, *part;
	int fd;

	mnt_up(&t, "ivshmem", mode);
	if (!mmap_expected(mode)) {
		assert_enodev(&t, mode, FS_IVSHMEM, 2);
		mnt_down(&t);
		return;
	}
	fd = open_bar(&t, FS_IVSHMEM, 2, O_RDWR);
	shm = map_fd(fd, SHM_SIZE, 0);
	assert_shm_both_ways(shm, SHM_SIZE, 100 + _i);

	smaps_flags(shm, flags, sizeof(flags));
	ck_assert_msg(strstr(flags, " io ") && strstr(flags, " pf "),
		      "VmFlags:%s", flags);
	/*
	 * A part of it, in the BAR's memory type (prefetchable: WC).  The
	 * module inserts the pages when touched, in the type its kernel
	 * window reserved for the whole BAR: PAT lists that reservation.
	 */
	part = map_fd(fd, 2 * PAGE, PAGE);
	part[5] = 0xa5;
	store_fence();
	ck_assert_uint_eq(shm[PAGE + 5], 0xa5);
	ck_assert_int_ge(pat_count(start, start + SHM_SIZE, "write-combining"),
			 1);
	munmap(part, 2 * PAGE);
	munmap(shm, SHM_SIZE);
	close(fd);
	mnt_down(&t);
}
END_TEST

/* Past the end and MAP_PRIVATE are refused, read-only or not. */
START_TEST(bad_mappings_are_einval)
{
	const char *mode = modes[_i];
	static const struct {
		size_t len;
		off_t off;
		int flags;
	} bad[] = {
		{2 * SHM_SIZE, 0, MAP_SHARED},		 /* longer */
		{SHM_SIZE + PAGE, 0, MAP_SHARED},	 /* a page more */
		{PAGE, SHM_SIZE, MAP_SHARED},		 /* at the end */
		{2 * PAGE, SHM_SIZE - PAGE, MAP_SHARED}, /* across it */
		{PAGE, 4 * SHM_SIZE, MAP_SHARED},	 /* far past */
		{PAGE, 0, MAP_PRIVATE},
		{SHM_SIZE, 0, MAP_PRIVATE},
	};
	struct mnt t;
	int fd;

	mnt_up(&t, "einval", mode);
	if (!mmap_expected(mode)) {
		assert_enodev(&t, mode, FS_IVSHMEM, 2);
		mnt_down(&t);
		return;
	}
	fd = open_bar(&t, FS_IVSHMEM, 2, O_RDWR);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (int prot = 0; prot < 2; prot++) {
			void *p =
				mmap(NULL, bad[i].len,
				     prot ? PROT_READ | PROT_WRITE : PROT_READ,
				     bad[i].flags, fd, bad[i].off);

			ck_assert_msg(p == MAP_FAILED && errno == EINVAL,
				      "mmap %zu at %lld %s %s: %s", bad[i].len,
				      (long long)bad[i].off,
				      bad[i].flags == MAP_SHARED ? "shared"
								 : "private",
				      prot ? "rw" : "ro",
				      p == MAP_FAILED ? strerror(errno)
						      : "mapped");
		}
	/* The last page itself is fine. */
	munmap(map_fd(fd, PAGE, SHM_SIZE - PAGE), PAGE);
	close(fd);
	mnt_down(&t);
}
END_TEST

/* edu's identity and liveness registers through an uncached mapping. */
START_TEST(edu_registers_through_a_mapping)
{
	const char *mode = modes[_i];
	static const uint32_t vals[] = {0x0badf00d, 0, 0xffffffff, 0x12345678};
	unsigned long long start = bar_start(FS_EDU, 0);
	volatile uint32_t *edu;
	struct mnt t;
	char flags[512];
	int fd;

	mnt_up(&t, "edu", mode);
	if (!mmap_expected(mode)) {
		assert_enodev(&t, mode, FS_EDU, 0);
		mnt_down(&t);
		return;
	}
	fd = open_bar(&t, FS_EDU, 0, O_RDWR);
	edu = map_fd(fd, PAGE, 0);
	close(fd);
	/* The BAR's reservation, uncached (see ivshmem_through_a_mapping). */
	ck_assert_int_ge(pat_count(start, start + (1 << 20), "uncached"), 1);
	smaps_flags((void *)edu, flags, sizeof(flags));
	ck_assert_msg(strstr(flags, " io ") && strstr(flags, " pf "),
		      "VmFlags:%s", flags);
	ck_assert_uint_eq(edu[0], 0x010000ed);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		edu[1] = vals[i];
		ck_assert_uint_eq(edu[1], ~vals[i]);
		/* Every load reaches the device: the same value again. */
		ck_assert_uint_eq(edu[1], ~vals[i]);
	}
	munmap((void *)edu, PAGE);
	mnt_down(&t);
}
END_TEST

/* O_DIRECT reads: ivshmem in large and small pieces, an edu register. */
START_TEST(o_direct_reads)
{
	const char *mode = modes[_i];
	static uint8_t img[SHM_SIZE];
	struct mnt t;
	void *buf;
	uint32_t id;
	int fd;

	fs_pattern(img, sizeof(img), 300 + _i);
	host_write(img, sizeof(img), 0);
	ck_assert_int_eq(posix_memalign(&buf, PAGE, SHM_SIZE), 0);
	mnt_up(&t, "odirect", mode);

	fd = open_bar(&t, FS_IVSHMEM, 2, O_RDONLY | O_DIRECT);
	memset(buf, 0, SHM_SIZE);
	ck_assert_int_eq(pread(fd, buf, SHM_SIZE, 0), SHM_SIZE);
	ck_assert_msg(first_diff(buf, img, SHM_SIZE) < 0, "1 MiB at 0");
	ck_assert_int_eq(pread(fd, buf, 65536, 65536), 65536);
	ck_assert_msg(!memcmp(buf, img + 65536, 65536), "64 KiB at 64 KiB");
	ck_assert_int_eq(pread(fd, buf, 4, 4096), 4);
	ck_assert_msg(!memcmp(buf, img + 4096, 4), "4 B at 4 KiB");
	ck_assert_int_eq(pread(fd, buf, PAGE, SHM_SIZE - PAGE), PAGE);
	ck_assert_msg(!memcmp(buf, img + SHM_SIZE - PAGE, PAGE), "last page");
	ck_assert_int_eq(pread(fd, buf, PAGE, SHM_SIZE), 0);
	close(fd);

	fd = open_bar(&t, FS_EDU, 0, O_RDONLY | O_DIRECT);
	ck_assert_int_eq(pread(fd, buf, 4, 0), 4);
	memcpy(&id, buf, 4);
	ck_assert_uint_eq(id, 0x010000ed);
	close(fd);
	free(buf);
	mnt_down(&t);
}
END_TEST

/*
 * A read-only file maps read-only (MAP_SHARED, PROT_READ), as any
 * read-only user of a BAR would: the host's bytes, no writing.
 */
START_TEST(read_only_file_maps_read_only)
{
	const char *mode = modes[_i];
	static uint8_t img[SHM_SIZE];
	struct mnt t;
	uint8_t *p;
	int fd;

	mnt_up(&t, "rdonly", mode);
	if (!mmap_expected(mode)) {
		assert_enodev(&t, mode, FS_IVSHMEM, 2);
		mnt_down(&t);
		return;
	}
	fs_pattern(img, sizeof(img), 700 + _i);
	host_write(img, sizeof(img), 0);
	fd = open_bar(&t, FS_IVSHMEM, 2, O_RDONLY);
	p = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_msg(p == MAP_FAILED && errno == EACCES,
		      "writable mapping of a read-only file: %s",
		      p == MAP_FAILED ? strerror(errno) : "mapped");
	p = mmap(NULL, SHM_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_msg(p != MAP_FAILED, "read-only mmap of an O_RDONLY file: %s",
		      strerror(errno));
	close(fd);
	ck_assert_msg(first_diff(p, img, SHM_SIZE) < 0, "not the host's bytes");
	munmap(p, SHM_SIZE);
	mnt_down(&t);
}
END_TEST

/* ---- modes read the same -------------------------------------------- */

/* One read, repeated on a mount of each mode. */
struct same_read {
	const char *dev;
	int bar;
	off_t off;
	size_t len;
};

static const struct same_read same_reads[] = {
	{FS_IVSHMEM, 2, 0, SHM_SIZE},
	{FS_IVSHMEM, 2, 1, 1},
	{FS_IVSHMEM, 2, 4093, 7}, /* across a page */
	{FS_IVSHMEM, 2, 12345, 65536 + 3},
	{FS_IVSHMEM, 2, SHM_SIZE - 5, 5}, /* the last bytes */
	{FS_EDU, 0, 0, 4},		  /* identity */
	{FS_EDU, 0, 0, 8},
	{FS_EDU, 0, 1, 2},
	{FS_VGA, 2, 0x500, 2}, /* Bochs DISPI ID */
	{FS_VGA, 2, 0x500, 20},
};
#define NR_SAME (sizeof(same_reads) / sizeof(same_reads[0]))

/* Every mode returns the same bytes for the same reads, and for ivshmem
 * those are the host's; where mmap works, the mapping holds them too. */
START_TEST(modes_read_the_same)
{
	static uint8_t img[SHM_SIZE];
	uint8_t *got[3][NR_SAME];
	struct mnt t;

	fs_pattern(img, sizeof(img), 99);
	host_write(img, sizeof(img), 0);
	for (size_t m = 0; m < 3; m++) {
		mnt_up(&t, "same", modes[m]);
		for (size_t r = 0; r < NR_SAME; r++) {
			const struct same_read *sr = &same_reads[r];
			int fd = open_bar(&t, sr->dev, sr->bar, O_RDWR);
			size_t n = 0;
			ssize_t k;

			got[m][r] = malloc(sr->len);
			ck_assert_ptr_nonnull(got[m][r]);
			while (n < sr->len &&
			       (k = pread(fd, got[m][r] + n, sr->len - n,
					  sr->off + n)) > 0)
				n += k;
			ck_assert_msg(n == sr->len,
				      "%s: %s bar%d %zu at %lld: %zu", modes[m],
				      sr->dev, sr->bar, sr->len,
				      (long long)sr->off, n);
			if (!strcmp(sr->dev, FS_IVSHMEM))
				ck_assert_msg(!memcmp(got[m][r], img + sr->off,
						      sr->len),
					      "%s: ivshmem %zu at %lld is not "
					      "the host's",
					      modes[m], sr->len,
					      (long long)sr->off);
			if (m)
				ck_assert_msg(
					!memcmp(got[m][r], got[0][r], sr->len),
					"%s and %s read different bytes "
					"(%s bar%d %zu at %lld)",
					modes[0], modes[m], sr->dev, sr->bar,
					sr->len, (long long)sr->off);
			if (mmap_expected(modes[m]) &&
			    !strcmp(sr->dev, FS_IVSHMEM)) {
				uint8_t *map = mmap(NULL, SHM_SIZE, PROT_READ,
						    MAP_SHARED, fd, 0);

				ck_assert_msg(map != MAP_FAILED, "mmap: %s",
					      strerror(errno));
				ck_assert_msg(!memcmp(map + sr->off, got[m][r],
						      sr->len),
					      "%s: the mapping differs (%zu at "
					      "%lld)",
					      modes[m], sr->len,
					      (long long)sr->off);
				munmap(map, SHM_SIZE);
			}
			close(fd);
		}
		mnt_down(&t);
	}
	for (size_t m = 0; m < 3; m++)
		for (size_t r = 0; r < NR_SAME; r++)
			free(got[m][r]);
}
END_TEST

/* ---- vga: a picture drawn through mappings of bar2 and bar0 --------- */

#define VGA_W  320
#define VGA_H  240
#define VGA_FB ((size_t)VGA_W * VGA_H * 4)

/* Bochs DISPI register @index through a mapping of bar2. */
static void dispi_set(volatile uint8_t *mmio, int index, uint16_t v)
{
	*(volatile uint16_t *)(mmio + 0x500 + 2 * index) = v;
}

static uint16_t dispi_get(volatile uint8_t *mmio, int index)
{
	return *(volatile uint16_t *)(mmio + 0x500 + 2 * index);
}

/* Save the screen as NAME.ppm on the host; return its pixels as XRGB. */
static uint32_t *screendump(const char *name, int *w, int *h)
{
	const char *src = getenv("APERTURE_SRC"),
		   *host = getenv("APERTURE_HOST");
	unsigned char *ppm, *px;
	uint32_t *img;
	int status, max;
	size_t len;
	char *out;

	ck_assert_msg(src && host, "not in a guest of tests/vm/run");
	out = fs_sh(&status, "%s/tests/vm/screendump %s 2>&1", src, name);
	ck_assert_msg(status == 0, "screendump: %s", out);
	free(out);
	ppm = (unsigned char *)fs_slurp(fs_path("%s/%s", host, name), 16 << 20,
					&len);
	ck_assert_int_eq(sscanf((char *)ppm, "P6 %d %d %d", w, h, &max), 3);
	ck_assert_int_eq(max, 255);
	ck_assert_uint_ge(len, (size_t)*w * *h * 3);
	px = ppm + len - (size_t)*w * *h * 3;
	img = malloc((size_t)*w * *h * 4);
	ck_assert_ptr_nonnull(img);
	for (int i = 0; i < *w * *h; i++)
		img[i] = px[3 * i] << 16 | px[3 * i + 1] << 8 | px[3 * i + 2];
	free(ppm);
	return img;
}

/*
 * A Bochs video mode set through a mapping of bar2 (read back), a
 * picture stored through a mapping of bar0, and a screendump showing
 * exactly that picture.  Each mode draws another picture.
 */
START_TEST(vga_picture_through_a_mapping)
{
	const char *mode = modes[_i];
	static uint32_t img[VGA_W * VGA_H];
	volatile uint8_t *mmio;
	volatile uint32_t *fb;
	uint32_t *shot;
	struct mnt t;
	char name[64];
	int fd, w, h;

	mnt_up(&t, "vga", mode);
	if (!mmap_expected(mode)) {
		assert_enodev(&t, mode, FS_VGA, 0);
		assert_enodev(&t, mode, FS_VGA, 2);
		mnt_down(&t);
		return;
	}
	fd = open_bar(&t, FS_VGA, 2, O_RDWR);
	mmio = map_fd(fd, PAGE, 0);
	close(fd);
	dispi_set(mmio, 4, 0);
	dispi_set(mmio, 1, VGA_W);
	dispi_set(mmio, 2, VGA_H);
	dispi_set(mmio, 3, 32);
	dispi_set(mmio, 6, VGA_W);
	dispi_set(mmio, 7, VGA_H);
	dispi_set(mmio, 8, 0);
	dispi_set(mmio, 9, 0);
	dispi_set(mmio, 4, 0x41);
	ck_assert_uint_eq(dispi_get(mmio, 1), VGA_W);
	ck_assert_uint_eq(dispi_get(mmio, 2), VGA_H);
	ck_assert_uint_eq(dispi_get(mmio, 3), 32);
	ck_assert_uint_eq(dispi_get(mmio, 4), 0x41);
	(void)mmio[0x41a];  /* attribute flip-flop reset */
	mmio[0x400] = 0x20; /* un-blank */
	munmap((void *)mmio, PAGE);

	fs_pattern(img, sizeof(img), 1000 + _i);
	for (size_t i = 0; i < VGA_W * VGA_H; i++)
		img[i] &= 0x00ffffff;
	/* A frame and a diagonal, so that a shifted picture shows. */
	for (int x = 0; x < VGA_W; x++)
		img[x] = img[(VGA_H - 1) * VGA_W + x] = 0xffffff;
	for (int y = 0; y < VGA_H; y++)
		img[y * VGA_W] = img[y * VGA_W + VGA_W - 1] =
			img[y * VGA_W + y] = 0xff0000;
	fd = open_bar(&t, FS_VGA, 0, O_RDWR);
	fb = map_fd(fd, VGA_FB, 0);
	close(fd);
	for (size_t i = 0; i < VGA_W * VGA_H; i++)
		fb[i] = img[i];
	store_fence();

	snprintf(name, sizeof(name), "fs_mmap_vga_%s.ppm", mode);
	shot = screendump(name, &w, &h);
	ck_assert_int_eq(w, VGA_W);
	ck_assert_int_eq(h, VGA_H);
	for (int i = 0; i < w * h; i++)
		ck_assert_msg(shot[i] == img[i],
			      "pixel (%d,%d): %06x, drawn %06x", i % w, i / w,
			      shot[i], img[i]);
	/* And the mapping reads back what the screen shows. */
	for (int i = 0; i < w * h; i++)
		ck_assert_msg((fb[i] & 0xffffff) == shot[i],
			      "mapping at (%d,%d): %06x", i % w, i / w, fb[i]);
	free(shot);
	munmap((void *)fb, VGA_FB);
	mnt_down(&t);
}
END_TEST

/* ---- lifetime ------------------------------------------------------- */

/*
 * A mapping outlives close() of its file and the FUSE release (the daemon
 * logs RELEASE, -d), and then the umount and the daemon itself: all along
 * it is still ivshmem, both ways.
 */
START_TEST(mapping_outlives_file_and_daemon)
{
	const char *mode = modes[_i];
	struct mnt t;
	uint8_t *shm, buf[16];
	char flags[512];
	int fd;

	mnt_up_d(&t, "outlives", mode, true);
	if (!mmap_expected(mode)) {
		assert_enodev(&t, mode, FS_IVSHMEM, 2);
		mnt_down(&t);
		return;
	}
	fd = open_bar(&t, FS_IVSHMEM, 2, O_RDWR);
	shm = map_fd(fd, 64 * PAGE, 0);
	ck_assert_int_eq(close(fd), 0);
	mnt_wait_log(&t, "opcode: RELEASE");

	/* The file is closed and released: the mapping is the device. */
	memcpy(shm + 100, "after close", 11);
	store_fence();
	host_read(buf, 11, 100);
	ck_assert_int_eq(memcmp(buf, "after close", 11), 0);
	assert_shm_both_ways(shm, 64 * PAGE, 500 + _i);

	/* Unmounted, the daemon gone: the mapping stays the device. */
	mnt_gone(&t);
	smaps_flags(shm, flags, sizeof(flags));
	ck_assert_msg(strstr(flags, " io ") && strstr(flags, " pf "),
		      "VmFlags:%s", flags);
	assert_shm_both_ways(shm, 64 * PAGE, 510 + _i);
	munmap(shm, 64 * PAGE);
}
END_TEST

/* The module's reference count as lsmod shows it; -1: not loaded. */
static int module_refcnt(void)
{
	FILE *f = fopen("/sys/module/aperture_io/refcnt", "r");
	int n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/*
 * Last: with aperturefs unmounted and its daemon gone, a mapping of a
 * BAR file alone keeps aperture_io loaded (rmmod fails, the mapping
 * still works); after munmap rmmod succeeds.  The module is loaded again
 * and a fresh mount serves, so the guest is left as it was.
 */
START_TEST(mapping_holds_the_module)
{
	const char *ko = getenv("APERTURE_KO");
	struct mnt t;
	uint8_t *shm, buf[8];
	char *out;
	int fd, st = -1;
	uint32_t id;

	ck_assert_msg(ko && *ko, "APERTURE_KO is not set");
	/* Nothing else holds the module (a daemon of an earlier test?). */
	sweep_mounts();
	for (int i = 0; i < 250 && module_refcnt() != 0; i++)
		usleep(20000);
	ck_assert_msg(module_refcnt() == 0,
		      "aperture_io is in use (%d) "
		      "before the test",
		      module_refcnt());
	mnt_up(&t, "module", NULL);
	if (!mmap_expected("all")) {
		assert_enodev(&t, "all", FS_IVSHMEM, 2);
		mnt_down(&t);
		return;
	}
	fd = open_bar(&t, FS_IVSHMEM, 2, O_RDWR);
	shm = map_fd(fd, PAGE, 0);
	close(fd);
	mnt_gone(&t);

	/* No mount, no daemon, no open file: only the mapping is left. */
	ck_assert_int_gt(module_refcnt(), 0);
	out = fs_sh(&st, "rmmod aperture_io 2>&1");
	ck_assert_msg(st != 0, "rmmod went through under a mapping: %s", out);
	ck_assert_msg(strstr(out, "in use"), "rmmod said: %s", out);
	free(out);
	ck_assert_int_gt(module_refcnt(), 0);
	ck_assert_int_eq(access("/dev/aperture_io", F_OK), 0);
	memcpy(shm + 8, "held it", 7);
	store_fence();
	host_read(buf, 7, 8);
	ck_assert_int_eq(memcmp(buf, "held it", 7), 0);

	munmap(shm, PAGE);
	/* The last reference goes with the unmap (deferred fput at most). */
	for (int i = 0; i < 100 && module_refcnt() > 0; i++)
		usleep(20000);
	out = fs_sh(&st, "rmmod aperture_io 2>&1");
	ck_assert_msg(st == 0, "rmmod after munmap: %s", out);
	free(out);
	ck_assert_int_eq(module_refcnt(), -1);
	ck_assert_int_ne(access("/dev/aperture_io", F_OK), 0);

	/* Leave the guest as we found it. */
	out = fs_sh(&st, "insmod %s 2>&1", ko);
	ck_assert_msg(st == 0, "insmod %s: %s", ko, out);
	free(out);
	mnt_up(&t, "reload", NULL);
	fd = open_bar(&t, FS_EDU, 0, O_RDONLY);
	ck_assert_int_eq(pread(fd, &id, 4, 0), 4);
	ck_assert_uint_eq(id, 0x010000ed);
	close(fd);
	mnt_down(&t);
}
END_TEST

/* ---- figures -------------------------------------------------------- */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Best of @reps: pread @len at 0 from @fd. */
static double time_pread(int fd, void *buf, size_t len, int reps)
{
	double best = 1e12;

	for (int i = 0; i < reps; i++) {
		double t = now_us();

		ck_assert_int_eq(pread(fd, buf, len, 0), (ssize_t)len);
		t = now_us() - t;
		if (t < best)
			best = t;
	}
	return best;
}

/* Timings for the notes (one run; TCG): printed, not asserted; the bytes
 * each timed read returns are (edu's id, what was written to ivshmem). */
START_TEST(figures)
{
	static uint8_t buf[SHM_SIZE], ref[SHM_SIZE];
	struct mnt t;
	int fd;

	for (size_t i = 0; i < 3; i++) {
		double t4, t1m, tmm = -1;
		void *p;

		mnt_up(&t, "figures", modes[i]);
		fd = open_bar(&t, FS_EDU, 0, O_RDONLY);
		t4 = time_pread(fd, buf, 4, 200);
		ck_assert_uint_eq(*(uint32_t *)buf, 0x010000ed);
		close(fd);
		fd = open_bar(&t, FS_IVSHMEM, 2, O_RDWR);
		for (size_t j = 0; j < SHM_SIZE; j++)
			ref[j] = (uint8_t)(j * 131 + i * 7 + 1);
		ck_assert_int_eq(pwrite(fd, ref, SHM_SIZE, 0), SHM_SIZE);
		t1m = time_pread(fd, buf, SHM_SIZE, 5);
		ck_assert(!memcmp(buf, ref, SHM_SIZE));
		p = mmap(NULL, SHM_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			tmm = 1e12;
			for (int r = 0; r < 5; r++) {
				double d = now_us();

				memcpy(buf, p, SHM_SIZE);
				d = now_us() - d;
				tmm = d < tmm ? d : tmm;
			}
			ck_assert(!memcmp(buf, ref, SHM_SIZE));
			munmap(p, SHM_SIZE);
		}
		close(fd);
		fprintf(stderr,
			"figures: passthrough=%-4s pread 4 B edu %.1f us, "
			"pread 1 MiB ivshmem %.2f ms, memcpy 1 MiB from "
			"mapping "
			"%s%.2f ms\n",
			modes[i], t4, t1m / 1000, tmm < 0 ? "(no mmap) " : "",
			tmm < 0 ? 0 : tmm / 1000);
		mnt_down(&t);
	}

	/* The module descriptor itself, for comparison. */
	struct ap_func edu = {.dev = 4}, shm = {.dev = 5};
	struct aperture_io_bar d;
	int ctl = ap_module_open();
	double t4, t1m;

	ck_assert_int_ge(ctl, 0);
	ck_assert_int_eq(ap_module_bar(ctl, &edu, 0, 0, true, &d), 0);
	t4 = time_pread(d.fd, buf, 4, 200);
	ck_assert_uint_eq(*(uint32_t *)buf, 0x010000ed);
	close(d.fd);
	ck_assert_int_eq(ap_module_bar(ctl, &shm, 2, 0, true, &d), 0);
	t1m = time_pread(d.fd, buf, SHM_SIZE, 5);
	ck_assert(!memcmp(buf, ref, SHM_SIZE));
	close(d.fd);
	close(ctl);
	fprintf(stderr,
		"figures: module descriptor  pread 4 B edu %.1f us, "
		"pread 1 MiB ivshmem %.2f ms\n",
		t4, t1m / 1000);
}
END_TEST

Suite *fs_mmap_suite(void);

Suite *fs_mmap_suite(void)
{
	Suite *s = suite_create("fs_mmap");
	TCase *tc;

	/* Each loop test runs once per mode: all, mmap, off. */
	tc = tcase_create("modes");
	tcase_add_unchecked_fixture(tc, NULL, sweep_mounts);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, info_and_log_say_why, 0, 3);
	tcase_add_loop_test(tc, ivshmem_through_a_mapping, 0, 3);
	tcase_add_loop_test(tc, bad_mappings_are_einval, 0, 3);
	tcase_add_loop_test(tc, edu_registers_through_a_mapping, 0, 3);
	tcase_add_loop_test(tc, o_direct_reads, 0, 3);
	tcase_add_loop_test(tc, read_only_file_maps_read_only, 0, 3);
	tcase_add_test(tc, modes_read_the_same);
	suite_add_tcase(s, tc);

	tc = tcase_create("vga");
	tcase_add_unchecked_fixture(tc, NULL, sweep_mounts);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, vga_picture_through_a_mapping, 0, 3);
	suite_add_tcase(s, tc);

	tc = tcase_create("figures");
	tcase_add_unchecked_fixture(tc, NULL, sweep_mounts);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, figures);
	suite_add_tcase(s, tc);

	/* Last: it unloads the module (and loads it again). */
	tc = tcase_create("lifetime");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, mapping_outlives_file_and_daemon, 0, 3);
	tcase_add_test(tc, mapping_holds_the_module);
	suite_add_tcase(s, tc);
	return s;
}

// SPDX-License-Identifier: MIT
/*
 * paths.c - aperture-bench: setting up every way to reach a BAR, and one call
 * through each.
 */
#include "ab.h"

extern char **environ;

const struct path_desc path_desc[NR_PATHS] = {
	[P_DAEMON] = { "daemon", "1 BAR file via daemon (passthrough=off)" },
	[P_PT] = { "passthrough", "2 BAR file with passthrough=all" },
	[P_MODULE] = { "module", "3 module descriptor pread/pwrite" },
	[P_MAP] = { "mapping", "4 mapping of the BAR (limit)" },
	[P_SYSFS] = { "sysfs", "5 sysfs resourceN mmap" },
	[P_DEVMEM] = { "devmem", "6 busybox devmem (process)" },
	[P_DD] = { "dd", "6 dd bs=4 count=1, BAR file (default)" },
	[P_FLOOR] = { "floor", "   FUSE floor: 4 B read of info" },
	[P_SPAWN] = { "spawn", "   process floor: busybox true" },
	[P_FAKE] = { "fake", "0 fake machine's memory file via daemon" },
};

uint8_t *wbuf, *rbuf;
char devmem_addr_r[32], devmem_addr_w[32];

/* ------------------------------------------------------------------ */
/* Setting up the paths                                               */
/* ------------------------------------------------------------------ */

void set_na(struct bar_ctx *b, enum path_id p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->na[p], sizeof(b->na[p]), fmt, ap);
	va_end(ap);
}

/*
 * How the sequential groups copy on mapping @p of @b (4: the module's, 5:
 * sysfs resourceN).  memcpy where the memory type lets it make any access:
 * on x86 every type does; on arm64 Normal non-cacheable does, which the
 * module gives a prefetchable BAR (write-combining, desc.memtype).  arm64's
 * Device memory (the module's mapping of a register BAR, and sysfs
 * resourceN of any BAR, pgprot_device) does not: glibc's memcpy makes
 * accesses of its own choosing (16-byte pairs, unaligned tails; on a CPU
 * with FEAT_MOPS, as TCG's "max", one CPYFP/CPYFM/CPYFE sequence), and
 * on 6.12-arm64 the bench died of SIGBUS (BUS_OBJERR: edu refused the
 * access, a synchronous external abort) at the CPYFP of __memcpy_mops
 * reading 4 bytes of edu's BAR0 through the module's mapping.  So there
 * the copy is the module's own cut (include/aperture_split.h, no bulk
 * pieces): naturally aligned accesses of up to 8 bytes on a prefetchable
 * BAR, dwords on a register BAR.  The tables say which (b->copy).
 */
static void copy_kind(struct bar_ctx *b, enum path_id p)
{
	bool prefetch = b->desc.bar_flags & APERTURE_IO_BAR_PREFETCH;
	bool device;

#ifdef __aarch64__
	device = p == P_SYSFS || b->desc.memtype != APERTURE_IO_MEMTYPE_WC;
#else
	device = false;
#endif
	b->exact[p] = device;
	if (!device)
		snprintf(b->copy[p], sizeof(b->copy[p]), "memcpy (%s)",
			 p == P_MAP && b->desc.memtype == APERTURE_IO_MEMTYPE_WC ?
				 "write-combining" : "uncached");
	else
		snprintf(b->copy[p], sizeof(b->copy[p]),
			 "aligned %s accesses (Device memory: no memcpy)",
			 prefetch ? "8-byte" : "4-byte");
}

/* The "barN.mmap: no (...)" line of info on @mnt, for an n/a reason. */
static void info_mmap_reason(const char *mnt, const char *slot, int bar,
			     char *out, size_t len)
{
	char path[512], line[512], key[32];
	FILE *f;

	snprintf(out, len, "no passthrough");
	snprintf(path, sizeof(path), "%s/%s/info", mnt, slot);
	snprintf(key, sizeof(key), "bar%d.mmap: no (", bar);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, key);

		if (p) {
			p += strlen(key);
			p[strcspn(p, "\n")] = 0;
			if (*p && p[strlen(p) - 1] == ')')
				p[strlen(p) - 1] = 0;
			snprintf(out, len, "%s", p);
			break;
		}
	}
	fclose(f);
}

static volatile uint8_t *map_fd(int fd, size_t len, int *err)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED) {
		*err = errno;
		return NULL;
	}
	return m;
}

void bar_setup(struct bar_ctx *b, int ctl)
{
	struct ap_func f;
	char path[512];
	int ret, err = 0, fd;
	unsigned int d, bus, dev, fn;
	volatile uint8_t *m;

	for (int p = 0; p < NR_PATHS; p++) {
		b->fd[p] = -1;
		b->map[p] = NULL;
		b->na[p][0] = 0;
	}
	memset(&f, 0, sizeof(f));
	sscanf(b->slot, "%x:%x:%x.%x", &d, &bus, &dev, &fn);
	f.domain = d;
	f.bus = bus;
	f.dev = dev;
	f.func = fn;

	/* 3 and 4: the module descriptor and its mapping. */
	if (ctl < 0) {
		set_na(b, P_MODULE, "no /dev/aperture_io");
	} else {
		ret = ap_module_bar(ctl, &f, b->bar, 0, true, &b->desc);
		if (ret < 0)
			set_na(b, P_MODULE, "APERTURE_IO_OPEN: %s",
			       strerror(-ret));
		else
			b->fd[P_MODULE] = b->desc.fd;
	}
	if (b->fd[P_MODULE] >= 0) {
		m = map_fd(b->fd[P_MODULE], b->desc.size, &err);
		if (m) {
			b->map[P_MAP] = m;
			copy_kind(b, P_MAP);
		} else
			set_na(b, P_MAP, "mmap: %s", strerror(err));
	} else {
		set_na(b, P_MAP, "%s", b->na[P_MODULE]);
	}

	/* 5: sysfs resourceN: mmap works, read() is tried once. */
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/resource%d", b->slot,
		 b->bar);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		set_na(b, P_SYSFS, "open %s: %s", path, strerror(errno));
		snprintf(b->sysfs_read, sizeof(b->sysfs_read), "open: %s",
			 strerror(errno));
	} else {
		uint32_t v;
		ssize_t n = pread(fd, &v, 4, 0);

		if (n < 0)
			snprintf(b->sysfs_read, sizeof(b->sysfs_read),
				 "read() fails: %s", ap_errno_name(errno));
		else
			snprintf(b->sysfs_read, sizeof(b->sysfs_read),
				 "read() gave %zd bytes", n);
		m = map_fd(fd, b->desc.size ? b->desc.size : 4096, &err);
		if (m) {
			b->map[P_SYSFS] = m;
			copy_kind(b, P_SYSFS);
		} else
			set_na(b, P_SYSFS, "mmap: %s", strerror(err));
		close(fd);
	}

	/* 1: the BAR file on the passthrough=off mount. */
	snprintf(b->file_off, sizeof(b->file_off), "%s/%s/bar%d",
		 opt.off_mnt, b->slot, b->bar);
	b->fd[P_DAEMON] = open(b->file_off, O_RDWR | O_CLOEXEC);
	if (b->fd[P_DAEMON] < 0)
		set_na(b, P_DAEMON, "open %s: %s", b->file_off,
		       strerror(errno));
	snprintf(path, sizeof(path), "%s/%s/info", opt.off_mnt, b->slot);
	b->fd[P_FLOOR] = open(path, O_RDONLY | O_CLOEXEC);
	if (b->fd[P_FLOOR] < 0)
		set_na(b, P_FLOOR, "open %s: %s", path, strerror(errno));

	/* 0: the same file on the fake machine, memory behind it. */
	if (!opt.fake_mnt) {
		set_na(b, P_FAKE, "no fake machine mounted (--fake)");
	} else {
		snprintf(path, sizeof(path), "%s/%s/bar%d", opt.fake_mnt,
			 b->slot, b->bar);
		b->fd[P_FAKE] = open(path, O_RDWR | O_CLOEXEC);
		if (b->fd[P_FAKE] < 0)
			set_na(b, P_FAKE, "open %s: %s", path,
			       strerror(errno));
	}

	/*
	 * 2: the BAR file on the passthrough=all mount, only where
	 * passthrough is really in force: a shared mapping of the file is
	 * the proof (without passthrough it is ENODEV and read/write would
	 * silently measure the daemon again).
	 */
	snprintf(b->file_all, sizeof(b->file_all), "%s/%s/bar%d",
		 opt.all_mnt, b->slot, b->bar);
	fd = open(b->file_all, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		set_na(b, P_PT, "open %s: %s", b->file_all, strerror(errno));
	} else {
		void *t = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);

		if (t == MAP_FAILED) {
			char why[160];

			err = errno;
			info_mmap_reason(opt.all_mnt, b->slot, b->bar, why,
					 sizeof(why));
			set_na(b, P_PT, "no passthrough (mmap %s): %s",
			       ap_errno_name(err), why);
			close(fd);
		} else {
			munmap(t, 4096);
			b->fd[P_PT] = fd;
		}
	}
}

/* ------------------------------------------------------------------ */
/* One call of a path                                                 */
/* ------------------------------------------------------------------ */

/* Run argv (stdin/stdout to /dev/null); 0 if it exited 0, else -EIO. */
static int spawn_wait(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, ret;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret)
		return -ret;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/*
 * @size bytes at @off of mapping @m, in naturally aligned accesses as the
 * module cuts them (see copy_kind()): up to 8 bytes on a prefetchable BAR,
 * whole dwords on a register BAR (a read keeps the part asked for).
 */
static void exact_copy(const struct bar_ctx *b, volatile uint8_t *m,
		       bool write, size_t size, uint64_t off)
{
	struct aperture_split s = {
		.mode = b->desc.bar_flags & APERTURE_IO_BAR_PREFETCH ?
				APERTURE_SPLIT_NATURAL : APERTURE_SPLIT_REG32,
		.width = 8,
	};
	struct aperture_piece pc;
	uint8_t *buf = write ? wbuf : rbuf;

	for (size_t done = 0; done < size; done += pc.len) {
		volatile uint8_t *a;
		uint64_t v = 0;

		aperture_split_next(&s, off + done, size - done, write, &pc);
		a = m + pc.addr;
		if (write) {
			memcpy(&v, buf + done, pc.width);
			switch (pc.width) {
			case 8: *(volatile uint64_t *)a = v; break;
			case 4: *(volatile uint32_t *)a = (uint32_t)v; break;
			case 2: *(volatile uint16_t *)a = (uint16_t)v; break;
			default: *a = (uint8_t)v; break;
			}
			continue;
		}
		switch (pc.width) {
		case 8: v = *(volatile uint64_t *)a; break;
		case 4: v = *(volatile uint32_t *)a; break;
		case 2: v = *(volatile uint16_t *)a; break;
		default: v = *a; break;
		}
		memcpy(buf + done, (uint8_t *)&v + pc.skip, pc.len);
	}
}

/*
 * One access of @size bytes at @off through path @p; @reg: a single
 * 32-bit register access (volatile load/store on mappings).  Returns 0
 * or -errno.
 */
int do_call(const struct bar_ctx *b, enum path_id p, bool write,
	    bool reg, size_t size, uint64_t off)
{
	ssize_t n;

	switch (p) {
	case P_DAEMON:
	case P_PT:
	case P_MODULE:
	case P_FAKE:
		n = write ? pwrite(b->fd[p], wbuf, size, off) :
			    pread(b->fd[p], rbuf, size, off);
		if (n < 0)
			return -errno;
		return (size_t)n == size ? 0 : -EIO;
	case P_FLOOR:
		n = pread(b->fd[p], rbuf, 4, 0);
		if (n < 0)
			return -errno;
		return n == 4 ? 0 : -EIO;
	case P_MAP:
	case P_SYSFS:
		if (reg) {
			volatile uint32_t *r =
				(volatile uint32_t *)(b->map[p] + off);

			if (write)
				*r = 0;
			else
				*(volatile uint32_t *)rbuf = *r;
		} else if (b->exact[p]) {
			exact_copy(b, b->map[p], write, size, off);
		} else if (write) {
			memcpy((void *)(b->map[p] + off), wbuf, size);
		} else {
			memcpy(rbuf, (const void *)(b->map[p] + off), size);
		}
		__asm__ __volatile__("" ::: "memory");
		return 0;
	case P_DEVMEM: {
		char *rd[] = { "busybox", "devmem", devmem_addr_r, "32", NULL };
		char *wr[] = { "busybox", "devmem", devmem_addr_w, "32", "0",
			       NULL };

		return spawn_wait(write ? wr : rd);
	}
	case P_DD: {
		char iff[300], of[300], skip[32];
		char *rd[] = { "dd", iff, "of=/dev/null", "bs=4", "count=1",
			       skip, "status=none", NULL };
		char *wr[] = { "dd", "if=/dev/zero", of, "bs=4", "count=1",
			       skip, "conv=notrunc", "status=none", NULL };

		snprintf(iff, sizeof(iff), "if=%s", b->file_all);
		snprintf(of, sizeof(of), "of=%s", b->file_all);
		snprintf(skip, sizeof(skip), "%s=%" PRIu64,
			 write ? "seek" : "skip", off / 4);
		return spawn_wait(write ? wr : rd);
	}
	case P_SPAWN: {
		char *t[] = { "busybox", "true", NULL };

		return spawn_wait(t);
	}
	default:
		return -EINVAL;
	}
}

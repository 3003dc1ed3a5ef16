/*
 * check_stress.c - several processes write ivshmem's BAR2 at once, each
 * its own stripe through its own path, while others read every stripe
 * through other paths and verify it; the host then checks its ivshmem file
 * byte for byte after the guest exits (the guest leaves the image it
 * expects in $APERTURE_HOST/ivshmem.expect; tests/vm/run compares).
 *
 *   tests/vm/run --no-mount -- '$B/tests/vm/check_stress'
 *
 * BAR2 (1 MiB) is 8 stripes of 128 KiB.  A stripe starts with a 16-byte
 * header (sequence number and its complement) and its writer updates it
 * as a seqlock: odd while writing, even when the body holds that round's
 * pattern.  Writers: the module descriptor (pwrite), a mapping of it, the
 * daemon (-o passthrough=off), FUSE passthrough and a mapping through it
 * (Debian 13 world; the module descriptor at 32-bit width elsewhere), and
 * the module's fixed widths 8, 16 and 64 (its bounce path).  Readers: the
 * module descriptor, a mapping, the daemon.  A reader that sees the same
 * even header before and after the body checks every byte of it.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs_util.h"
#include "module_util.h"

#define SHM		(1u << 20)
#define STRIPES		8
#define STRIPE		(SHM / STRIPES)
#define HDR		64		/* header room; 16 bytes used */
#define BODY		(STRIPE - HDR)
#define ROUNDS		12
#define READERS		3
#define DAEMON_DIR	"/tmp/stress-off"
#define PT_DIR		"/tmp/stress-pt"

enum path { P_DESC, P_MAP, P_DAEMON, P_PT, P_PTMAP, P_W8, P_W16, P_W32,
	    P_W64 };

static const char *const path_name[] = {
	"descriptor", "mapping", "daemon", "passthrough", "passthrough-map",
	"width-8", "width-16", "width-32", "width-64",
};

/* One process's access to BAR2: a descriptor or a mapping. */
struct port {
	int fd;
	uint8_t *map;
};

static struct fs_mount daemon_mnt, pt_mnt;
static int passthrough;		/* the Debian 13 world has it */

static uint64_t word(unsigned int stripe, uint64_t seq, size_t i)
{
	uint64_t x = (uint64_t)stripe << 56 ^ seq << 32 ^ i;

	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ull;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dull;
	return x ^ x >> 33;
}

static void body(uint8_t *buf, unsigned int stripe, uint64_t seq)
{
	uint64_t *w = (uint64_t *)buf;
	size_t i;

	for (i = 0; i < BODY / 8; i++)
		w[i] = word(stripe, seq, i);
}

static struct port port_open(enum path p)
{
	static const uint32_t width[] = {
		[P_W8] = APERTURE_IO_WIDTH_8, [P_W16] = APERTURE_IO_WIDTH_16,
		[P_W32] = APERTURE_IO_WIDTH_32, [P_W64] = APERTURE_IO_WIDTH_64,
	};
	struct mu_dev d = mu_find(IVSHMEM_ID);
	struct port o = { -1, NULL };

	switch (p) {
	case P_DAEMON:
		o.fd = open(DAEMON_DIR "/" FS_IVSHMEM "/bar2", O_RDWR);
		break;
	case P_PT:
	case P_PTMAP:
		o.fd = open(PT_DIR "/" FS_IVSHMEM "/bar2", O_RDWR);
		break;
	case P_DESC:
	case P_MAP:
		o.fd = mu_open(&d, 2, 0, NULL);
		break;
	default:
		if (p == P_W64 && mu_kernel_is_32bit()) {
			/* No 8-byte MMIO there: refused, so 32-bit stripes. */
			ck_assert_int_eq(mu_try_open(&d, 2, width[p], NULL),
					 -EINVAL);
			o.fd = mu_open(&d, 2, APERTURE_IO_WIDTH_32, NULL);
			break;
		}
		o.fd = mu_open(&d, 2, width[p], NULL);
		break;
	}
	ck_assert_msg(o.fd >= 0, "%s: %s", path_name[p], strerror(errno));
	if (p == P_MAP || p == P_PTMAP) {
		o.map = mmap(NULL, SHM, PROT_READ | PROT_WRITE, MAP_SHARED,
			     o.fd, 0);
		ck_assert_msg(o.map != MAP_FAILED, "mmap %s: %s",
			      path_name[p], strerror(errno));
	}
	return o;
}

static void port_write(struct port *o, const void *buf, size_t len, off_t off)
{
	if (o->map) {
		__sync_synchronize();
		memcpy(o->map + off, buf, len);
		__sync_synchronize();
	} else {
		mu_pwrite_all(o->fd, buf, len, off);
	}
}

static void port_read(struct port *o, void *buf, size_t len, off_t off)
{
	if (o->map) {
		__sync_synchronize();
		memcpy(buf, o->map + off, len);
		__sync_synchronize();
	} else {
		mu_pread_all(o->fd, buf, len, off);
	}
}

static void header(struct port *o, unsigned int stripe, uint64_t seq)
{
	uint64_t h[2] = { seq, ~seq };

	port_write(o, h, sizeof(h), (off_t)stripe * STRIPE);
}

/* A writer: ROUNDS rounds of its stripe, each in random-sized pieces. */
static void writer(unsigned int stripe, enum path p, uint64_t seed)
{
	static uint8_t buf[BODY];
	struct port o = port_open(p);
	size_t align = p == P_W16 ? 2 : p == P_W32 ? 4 : p == P_W64 ? 8 : 1;
	uint64_t r, s = seed | 1, seq;
	size_t at, n;

	for (seq = 1; seq <= ROUNDS; seq++) {
		body(buf, stripe, seq);
		header(&o, stripe, 2 * seq - 1);
		for (at = 0; at < BODY; at += n) {
			r = (s ^= s << 13, s ^= s >> 7, s ^= s << 17);
			n = 1 + r % 16384;
			n = n < align ? align : n - n % align;
			if (n > BODY - at)
				n = BODY - at;
			port_write(&o, buf + at, n,
				   (off_t)stripe * STRIPE + HDR + (off_t)at);
		}
		header(&o, stripe, 2 * seq);
	}
	_exit(0);
}

/* A reader: verifies whole stripes it sees at rest until it has seen
 * every stripe at its last round, then writes the bytes it checked to
 * @out and exits 0; 1 on a mismatch. */
static void reader(enum path p, int out)
{
	static uint8_t buf[BODY], want[BODY];
	struct port o = port_open(p);
	uint64_t h1[2], h2[2], checked = 0;
	unsigned int stripe = 0, done = 0;
	long bad;

	while (done != (1u << STRIPES) - 1) {
		stripe = (stripe + 1) % STRIPES;
		port_read(&o, h1, sizeof(h1), (off_t)stripe * STRIPE);
		port_read(&o, buf, BODY, (off_t)stripe * STRIPE + HDR);
		port_read(&o, h2, sizeof(h2), (off_t)stripe * STRIPE);
		if (h1[0] != h2[0] || h1[1] != ~h1[0] || h2[1] != ~h2[0] ||
		    h1[0] % 2 || !h1[0])
			continue;
		body(want, stripe, h1[0] / 2);
		bad = mu_diff(buf, want, BODY);
		if (bad >= 0) {
			fprintf(stderr, "reader %s: stripe %u seq %" PRIu64
				" differs at body offset %ld\n", path_name[p],
				stripe, h1[0] / 2, bad);
			_exit(1);
		}
		checked += BODY;
		if (h1[0] == 2 * ROUNDS)
			done |= 1u << stripe;
	}
	_exit(write(out, &checked, sizeof(checked)) == sizeof(checked) ? 0 : 2);
}

static void mounts_up(void)
{
	passthrough = fs_world_passthrough();
	fs_mount(&daemon_mnt, DAEMON_DIR, "passthrough=off");
	if (passthrough)
		fs_mount(&pt_mnt, PT_DIR, "passthrough=all");
}

static void mounts_down(void)
{
	fs_umount(&daemon_mnt);
	if (passthrough)
		fs_umount(&pt_mnt);
}

START_TEST(test_concurrent_stripes)
{
	enum path wpath[STRIPES] = {
		P_DESC, P_MAP, P_DAEMON, P_PT, P_PTMAP, P_W8, P_W16, P_W64,
	};
	static const enum path rpath[READERS] = { P_DESC, P_MAP, P_DAEMON };
	static uint8_t image[SHM], got[SHM];
	pid_t w[STRIPES], r[READERS];
	int pipes[READERS][2], st, i;
	uint64_t seed = mu_seed(), checked = 0, c;
	unsigned int s;
	char path[512];
	long bad;
	struct port o;

	mounts_up();
	if (!passthrough)
		wpath[3] = P_W32, wpath[4] = P_W32;
	for (i = 0; i < READERS; i++) {
		ck_assert_int_eq(pipe(pipes[i]), 0);
		r[i] = fork();
		ck_assert_int_ge(r[i], 0);
		if (!r[i]) {
			close(pipes[i][0]);
			reader(rpath[i], pipes[i][1]);
		}
		close(pipes[i][1]);
	}
	for (s = 0; s < STRIPES; s++) {
		w[s] = fork();
		ck_assert_int_ge(w[s], 0);
		if (!w[s])
			writer(s, wpath[s], seed + s);
	}
	for (s = 0; s < STRIPES; s++) {
		ck_assert_int_eq(waitpid(w[s], &st, 0), w[s]);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			for (i = 0; i < READERS; i++)
				kill(r[i], SIGKILL);
		ck_assert_msg(WIFEXITED(st) && !WEXITSTATUS(st),
			      "writer %s (stripe %u) ended with %#x",
			      path_name[wpath[s]], s, st);
	}
	for (i = 0; i < READERS; i++) {
		ck_assert_int_eq(waitpid(r[i], &st, 0), r[i]);
		ck_assert_msg(WIFEXITED(st) && !WEXITSTATUS(st),
			      "reader %s ended with %#x (a torn or wrong "
			      "stripe?)", path_name[rpath[i]], st);
		c = 0;
		ck_assert_int_eq(read(pipes[i][0], &c, sizeof(c)), sizeof(c));
		ck_assert_msg(c > 0, "reader %s checked nothing",
			      path_name[rpath[i]]);
		checked += c;
		close(pipes[i][0]);
	}

	/* The image every writer left, checked here and by the host. */
	memset(image, 0, sizeof(image));
	for (s = 0; s < STRIPES; s++) {
		uint64_t h[2] = { 2 * ROUNDS, ~(uint64_t)(2 * ROUNDS) };

		memcpy(image + s * STRIPE, h, sizeof(h));
		body(image + s * STRIPE + HDR, s, ROUNDS);
	}
	o = port_open(P_DESC);
	port_read(&o, got, SHM, 0);
	close(o.fd);
	bad = mu_diff(got, image, SHM);
	ck_assert_msg(bad < 0, "BAR2 differs at %ld (stripe %ld, %s)", bad,
		      bad / STRIPE, path_name[wpath[bad / STRIPE]]);
	snprintf(path, sizeof(path), "%s/ivshmem.expect",
		 getenv("APERTURE_HOST") ? getenv("APERTURE_HOST") : "/tmp");
	fs_write_file(path, image, SHM);
	mounts_down();
	ck_assert_uint_gt(checked, 0);
	printf("FIGURES: %d writers x %d rounds x %u KiB (paths: %s %s %s %s "
	       "%s %s %s %s), readers checked %" PRIu64 " bytes at rest, 0 "
	       "mismatches\n", STRIPES, ROUNDS, STRIPE / 1024,
	       path_name[wpath[0]], path_name[wpath[1]], path_name[wpath[2]],
	       path_name[wpath[3]], path_name[wpath[4]], path_name[wpath[5]],
	       path_name[wpath[6]], path_name[wpath[7]], checked);
	fflush(stdout);
}
END_TEST

Suite *stress_suite(void);

Suite *stress_suite(void)
{
	Suite *s = suite_create("stress");
	TCase *tc = tcase_create("stripes");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_concurrent_stripes);
	suite_add_tcase(s, tc);
	return s;
}

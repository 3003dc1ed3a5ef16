/*
 * check_module_revoke.c - no mapping outlives its device: rounds of hot
 * removal of an edu while other processes open, mmap, touch and read it,
 * in a guest with the edu behind a PCIe root port that uses ACPI
 * hot-plug (this suite's line in tests/vm/suites):
 *
 *   tests/vm/run --no-mount --qemu '-global
 *       ICH9-LPC.acpi-pci-hotplug-with-bridge-support=on -device
 *       pcie-root-port,id=rp1,chassis=1,slot=1 -device
 *       edu,id=hotedu,bus=rp1' -- '$B/tests/vm/check_module_revoke'
 *
 * Removals: APERTURE_SYSFS_ROUNDS (default 50) of sysfs remove + rescan,
 * then APERTURE_QMP_ROUNDS (default 50) of QMP device_del + device_add,
 * then a last device_del.  acpiphp ejects at once, where native PCIe
 * hot-plug (pciehp) waits the attention button's 5 s per removal: the
 * -global pins what QEMU 7.2's q35 does by default, and the test checks
 * that pciehp never had the slot.  Every mapping and
 * descriptor a worker made of a function that has gone since must then
 * be dead (and a process reading the whole BAR 4 bytes per access all
 * along lets every removal complete): a touch is SIGBUS, pread and mmap
 * are ENODEV, and no page table entry is left (a read through
 * /proc/self/mem fails).  Afterwards the module unloads and the kernel
 * log is clean.  A fresh mapping of the live function must read its
 * identity at its first touch: a read of something else (right on a
 * re-read within a second, settled_read(), which lets the rounds go on)
 * fails the test once the rounds end, naming the round, as does an
 * insertion the kernel missed (rescanned to go on).  FIGURES counts both.
 * Also: a bare region claim on an open BAR revokes it.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aperture_io.h"
#include "hotplug_util.h"
#include "module_util.h"
#include "pci_command.h"

#define WORKERS		3
#define SLOTS		16

/* Shared between the parent and the workers. */
struct shared {
	volatile int gen;	/* removals completed */
	volatile int stop;	/* every device of a held slot is gone */
	volatile unsigned long live_touches, dead_checks, long_reads;
	volatile unsigned long unsettled;	/* see settled_read() */
	volatile int unsettled_gen;	/* 1 + the gen of the first one */
	volatile uint32_t unsettled_v;	/* what the first one read */
	char why[WORKERS + 1][160];
};

static struct shared *sh;
static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Touches *p: 1 and the value in *v, or 0 if the touch was SIGBUS. */
static int touch(volatile uint32_t *p, uint32_t *v)
{
	if (sigsetjmp(bus_jmp, 1))
		return 0;
	*v = *p;
	return 1;
}

/*
 * Whether this process has a page table entry for the page at p:
 * /proc/PID/pagemap skips PFN mappings, but a read of /proc/self/mem goes
 * through the mapping's .access (the module's, which as the kernel's
 * generic_access_phys reads the BAR if there is a page table entry and
 * fails if not).
 */
static int pte_present(const void *p)
{
	int fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	uint32_t v;
	ssize_t n;

	if (fd < 0)
		return 1;	/* cannot tell: counts as present, fails */
	n = pread(fd, &v, 4, (off_t)(uintptr_t)p);
	close(fd);
	return n == 4;
}

struct slot {
	int fd;
	volatile uint32_t *map;
	int gen;		/* sh->gen read before the open */
};

/* A slot whose device is gone: everything about it must be dead. */
static const char *check_dead(struct slot *s)
{
	uint32_t v = 0;
	void *m;

	if (s->map && pte_present((const void *)s->map))
		return "page table entry left to a removed BAR";
	if (s->map && touch(s->map, &v))
		return "touch of a removed BAR's mapping was no SIGBUS";
	if (s->map && pte_present((const void *)s->map))
		return "a touch after removal mapped the page";
	errno = 0;
	if (pread(s->fd, &v, 4, 0) != -1 || errno != ENODEV)
		return "pread on a removed BAR was not ENODEV";
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, s->fd, 0);
	if (m != MAP_FAILED || errno != ENODEV)
		return "mmap on a removed BAR was not ENODEV";
	return NULL;
}

/*
 * A fresh mapping of the live function read *v, not its identity.  Seen
 * once in about 250 QMP rounds before removal_rounds waited for the
 * kernel to write the BAR before it turned decoding on (a range assigned,
 * decoding on, the device not decoding it yet: 0 under QEMU).  A page
 * table entry never changes without a zap (and a zap makes the next touch
 * SIGBUS), so the same mapping reading the identity a moment later shows
 * that the mapping was right and the device was not ready; such reads are
 * counted (and the first one's round kept) for removal_rounds to fail on.
 * Returns true when the read was right after all, or the function went
 * meanwhile (SIGBUS: checked as a dead slot later), false when it stays
 * wrong for a second.
 */
static bool settled_read(struct slot *s, uint32_t *v)
{
	uint32_t first = *v;

	for (int i = 0; i < 20; i++) {
		usleep(50000);
		if (!touch(s->map, v))
			return true;
		if (*v == 0x010000ed) {
			if (__sync_bool_compare_and_swap(&sh->unsettled_gen,
							 0, s->gen + 1))
				sh->unsettled_v = first;
			__sync_fetch_and_add(&sh->unsettled, 1);
			return true;
		}
	}
	return false;
}

static void drop(struct slot *s)
{
	if (s->map)
		munmap((void *)s->map, 4096);
	close(s->fd);
	s->fd = -1;
	s->map = NULL;
}

/*
 * Opens, maps, touches and reads the hot edu in a loop.  The last
 * descriptor and mapping made before a removal (the one most likely to
 * have raced it: a removal was seen, or the next open failed) goes into a
 * ring of SLOTS, the others are dropped; each
 * in the ring is checked once its device is surely gone (two removals
 * after its open began).  Exits 0, or 1 with sh->why.
 */
static void worker(int id, const struct mu_dev *hot)
{
	struct slot s[SLOTS], cur = { .fd = -1 }, nw;
	struct sigaction sa;
	int i, next = 0, g, stop;
	const char *why;
	uint32_t v;
	void *m;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);
	for (i = 0; i < SLOTS; i++)
		s[i].fd = -1;
	for (;;) {
		stop = sh->stop;
		g = sh->gen;
		nw.gen = g;
		nw.map = NULL;
		nw.fd = stop ? -1 : mu_try_open(hot, 0, 0, NULL);
		if (nw.fd < 0)
			nw.fd = -1;
		/* cur raced a removal if one was seen or this open failed. */
		if (cur.fd >= 0 && (cur.gen != g || nw.fd < 0)) {
			if (s[next].fd >= 0)
				drop(&s[next]);
			s[next] = cur;
			next = (next + 1) % SLOTS;
		} else if (cur.fd >= 0) {
			drop(&cur);
		}
		cur = nw;
		for (i = 0; i < SLOTS; i++) {
			if (s[i].fd < 0 || (!stop && s[i].gen + 2 > g))
				continue;
			why = check_dead(&s[i]);
			if (why) {
				snprintf(sh->why[id], sizeof(sh->why[id]),
					 "%s (opened at removal %d, now %d)",
					 why, s[i].gen, g);
				_exit(1);
			}
			__sync_fetch_and_add(&sh->dead_checks, 1);
			drop(&s[i]);
		}
		if (stop)
			_exit(0);
		if (cur.fd < 0) {
			usleep(1000);	/* gone: leave the CPU to removals */
			continue;
		}
		m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
			 cur.fd, 0);
		cur.map = m == MAP_FAILED ? NULL : m;
		if (cur.map && touch(cur.map, &v)) {
			if (v != 0x010000ed && !settled_read(&cur, &v)) {
				uint32_t pv = 0;

				(void)!pread(cur.fd, &pv, 4, 0);
				snprintf(sh->why[id], sizeof(sh->why[id]),
					 "mapping read %#x for a second, pread "
					 "%#x (opened at removal %d, now %d; "
					 "PCI_COMMAND %#x)", v, pv, cur.gen,
					 sh->gen, pci_command_read(hot->name));
				_exit(1);
			}
			__sync_fetch_and_add(&sh->live_touches, 1);
		}
		(void)!pread(cur.fd, &v, 4, 0);
	}
}

/*
 * Reads the whole BAR 4 bytes per access (262144 accesses), over and
 * over, through every removal: each removal must complete while such a
 * read runs, and the read ends with a short count or ENODEV/EIO, never
 * anything else.  Not 1 byte per access: QEMU's edu refuses accesses
 * narrower than 4 bytes, and on 6.12-deb13 an unbroken run of such
 * refused reads left the reading vCPU without interrupts for good (RCU
 * stalls: "0 ticks this GP" with the RIP in aperture_bar_rw, then "timer
 * wakeup didn't happen" once it idled; 3 runs in 3 with 300 QMP rounds,
 * none in 2 with 4-byte reads).
 */
static void long_reader(int id, const struct mu_dev *hot)
{
	static char buf[1 << 20];
	ssize_t n;
	int fd;

	while (!sh->stop) {
		fd = mu_try_open(hot, 0, 0, NULL);
		if (fd < 0) {
			usleep(1000);
			continue;
		}
		while ((n = pread(fd, buf, sizeof(buf), 0)) > 0 && !sh->stop)
			__sync_fetch_and_add(&sh->long_reads, 1);
		if (n < 0 && errno != ENODEV && errno != EIO) {
			snprintf(sh->why[id], sizeof(sh->why[id]),
				 "long read: %s", strerror(errno));
			_exit(1);
		}
		close(fd);
	}
	_exit(0);
}

/*
 * The round in which a worker opened a function, from the removal count
 * @gen it read before the open: the first @sysfs removals are the sysfs
 * rounds' (one each), then one per QMP round.
 */
static void round_name(char *buf, size_t len, int gen, int sysfs)
{
	if (gen == 0)
		snprintf(buf, len, "no round (before the first removal)");
	else if (gen <= sysfs)
		snprintf(buf, len, "sysfs round %d of %d", gen, sysfs);
	else
		snprintf(buf, len, "QMP round %d", gen - sysfs);
}

static int env_int(const char *name, int dflt)
{
	const char *s = getenv(name);

	return s && *s ? atoi(s) : dflt;
}

/* The page table probe sees a live mapping's entry, and only then. */
START_TEST(pagemap_sees_live_entry)
{
	struct mu_dev hot;
	uint32_t v = 0;
	void *m;
	int fd;

	ck_assert(mu_find_nth(EDU_ID, 1, 0, &hot));
	fd = mu_open(&hot, 0, 0, NULL);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert(m != MAP_FAILED);
	ck_assert_int_eq(pte_present(m), 0);
	ck_assert(touch(m, &v));
	ck_assert_uint_eq(v, 0x010000ed);
	ck_assert_int_eq(pte_present(m), 1);
	munmap(m, 4096);
	close(fd);
}
END_TEST

/*
 * A region claim on a BAR's range after its open, by code that binds no
 * driver (aperture_claim.ko's request_mem_region(), as pci_request_region()
 * makes), kills the BAR under strict devmem, as the kernel's revoke_iomem()
 * revokes /dev/mem and sysfs resourceN mappings: within the module's
 * one-second look, with no access needed, a touch of the old mapping is
 * SIGBUS and the descriptor ENODEV; a new open is EBUSY until the claim
 * is released.
 */
START_TEST(claim_revokes)
{
	const char *ko = getenv("APERTURE_CLAIM_KO");
	const char *says = "a driver claimed its range (strict devmem)";
	struct mu_dev edu = mu_find(EDU_ID);
	struct aperture_io_bar a;
	int fd = mu_open(&edu, 0, 0, &a), before;
	char cmd[512];
	uint32_t *map;
	uint32_t v;

	ck_assert_msg(ko && *ko, "APERTURE_CLAIM_KO is not set");
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert(map != MAP_FAILED);
	ck_assert_uint_eq(*(volatile uint32_t *)map, 0x010000ed);
	before = mu_klog_count(says);
	snprintf(cmd, sizeof(cmd), "insmod %s start=%#llx size=%#llx exclusive=0",
		 ko, (unsigned long long)a.start, (unsigned long long)a.size);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(mu_touch_until_signal(map), 128 + SIGBUS);
	ck_assert_int_eq(mu_klog_count(says), before + 1);
	errno = 0;
	ck_assert_int_eq(pread(fd, &v, 4, 0), -1);
	ck_assert_int_eq(errno, ENODEV);
	ck_assert_int_eq(mu_try_open(&edu, 0, 0, NULL), -EBUSY);
	munmap(map, 4096);
	close(fd);
	ck_assert_int_eq(system("rmmod aperture_claim"), 0);
	fd = mu_open(&edu, 0, 0, NULL);
	ck_assert_uint_eq(mu_rd32(fd, 0), 0x010000ed);
	close(fd);
}
END_TEST

START_TEST(removal_rounds)
{
	int sysfs_rounds = env_int("APERTURE_SYSFS_ROUNDS", 50);
	int qmp_rounds = env_int("APERTURE_QMP_ROUNDS", 50);
	double t0, t_sysfs, t_qmp, deadline;
	struct mu_dev hot;
	pid_t pids[WORKERS + 1];
	char path[160], first[64] = "";
	int i, status, err, missed = 0, missed_round = -1;

	ck_assert_msg(mu_find_nth(EDU_ID, 1, 0, &hot),
		      "no edu behind a root port: run with this suite's line "
		      "in tests/vm/suites");
	/* Before the rounds, whose lines can push it out of the log. */
	ck_assert_msg(mu_klog_count("acpiphp: Slot [") > 0,
		      "no ACPI hot-plug slot in the kernel log: is "
		      "acpi-pci-hotplug-with-bridge-support on?");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(sh != MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0)
			worker(i, &hot);
	}
	pids[WORKERS] = fork();
	ck_assert_int_ge(pids[WORKERS], 0);
	if (pids[WORKERS] == 0)
		long_reader(WORKERS, &hot);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove",
		 hot.name);
	t0 = mu_now();
	for (i = 0; i < sysfs_rounds; i++) {
		usleep(20000);
		ck_assert_int_eq(hu_write_file(path, "1"), 0);
		hu_wait_sysfs(&hot, 0);
		__sync_fetch_and_add(&sh->gen, 1);
		ck_assert_int_eq(hu_write_file("/sys/bus/pci/rescan", "1"), 0);
		hu_wait_sysfs(&hot, 1);
	}
	t_sysfs = mu_now() - t0;
	t0 = mu_now();
	for (i = 0; i <= qmp_rounds; i++) {
		usleep(100000);
		err = hu_qmp_ask("{\"execute\":\"device_del\",\"arguments\":"
				 "{\"id\":\"hotedu\"}}", 0);
		ck_assert_int_eq(err, 0);
		hu_wait_sysfs(&hot, 0);
		__sync_fetch_and_add(&sh->gen, 1);
		if (i == qmp_rounds)
			break;
		/*
		 * acpiphp takes the function out of sysfs before its _EJ0
		 * tells QEMU: the old device can live on for a moment.
		 */
		hu_wait_qemu_gone("hotedu");
		deadline = mu_now() + 30;
		while ((err = hu_qmp_ask("{\"execute\":\"device_add\","
					 "\"arguments\":{\"driver\":\"edu\","
					 "\"id\":\"hotedu\",\"bus\":\"rp1\"}}",
					 0)) == -EEXIST && mu_now() < deadline)
			usleep(50000);
		ck_assert_int_eq(err, 0);
		/*
		 * Seen once on 6.1-686-pae: the function never appeared.  A
		 * missed insertion (QEMU has the device) is a rescan away:
		 * counted, and a failure once the rounds are over.
		 */
		if (hu_try_wait_sysfs(&hot, 1, 10)) {
			if (!missed++)
				missed_round = i + 1;
			ck_assert_int_eq(hu_qemu_has("hotedu", 0), 0);
			ck_assert_int_eq(hu_write_file("/sys/bus/pci/rescan",
						    "1"), 0);
		}
		hu_wait_sysfs(&hot, 1);
		/*
		 * Decoding turned on before the kernel wrote the BAR let a
		 * fresh mapping read nothing (once in about 250 rounds): the
		 * range was assigned, the device did not decode it yet.
		 */
		hu_wait_added(&hot);
		/* Memory decoding on, as its driver would turn it on. */
		pci_command_bits(hot.name, 0x2, true);
	}
	t_qmp = mu_now() - t0;
	/* The last removal left nothing: every slot must be dead now. */
	sh->stop = 1;
	for (i = 0; i <= WORKERS; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "worker %d: status %#x: %s", i, status,
			      sh->why[i]);
	}
	printf("FIGURES: %d sysfs removals in %.1f s, %d QMP device_del in "
	       "%.1f s (%d insertions rescanned); %lu live touches, %lu dead "
	       "slots checked, %lu whole reads of the BAR, %lu "
	       "reads of nothing right after a hot-add, right on a re-read\n",
	       sysfs_rounds, t_sysfs, qmp_rounds + 1, t_qmp, missed,
	       sh->live_touches, sh->dead_checks, sh->long_reads,
	       sh->unsettled);
	fflush(stdout);
	if (sh->unsettled_gen)
		round_name(first, sizeof(first), sh->unsettled_gen - 1,
			   sysfs_rounds);
	ck_assert_msg(!sh->unsettled, "settled reads: %lu fresh mappings of "
		      "the live edu read something else first, right on a "
		      "re-read (the first read %#x, by a mapping opened in "
		      "%s)", sh->unsettled, sh->unsettled_v, first);
	ck_assert_msg(!missed, "rescans: %d hot-adds the kernel missed until "
		      "a rescan (the first in QMP round %d of %d)", missed,
		      missed_round, qmp_rounds);
	ck_assert_uint_gt(sh->live_touches, 0);
	ck_assert_uint_gt(sh->dead_checks, 0);
	/* The QMP removals went through ACPI (acpiphp), not pciehp. */
	ck_assert_msg(mu_klog_count("pciehp") == 0,
		      "pciehp handled the slot: each removal waits 5 s");
	ck_assert_int_eq(mu_try_open(&hot, 0, 0, NULL), -ENODEV);
}
END_TEST

START_TEST(unload_after_munmap)
{
	const char *ko = getenv("APERTURE_KO");
	int kfd;

	ck_assert_int_eq(syscall(SYS_delete_module, "aperture_io", O_NONBLOCK),
			 0);
	ck_assert_msg(ko && *ko, "APERTURE_KO is not set");
	kfd = open(ko, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(kfd, 0);
	ck_assert_int_eq(syscall(SYS_finit_module, kfd, "", 0), 0);
	close(kfd);
}
END_TEST

START_TEST(klog_clean)
{
	char line[512];

	ck_assert_msg(!mu_klog_bad(line, sizeof(line)), "kernel log: %s", line);
}
END_TEST

Suite *module_revoke_suite(void);

Suite *module_revoke_suite(void)
{
	Suite *s = suite_create("module_revoke");
	TCase *tc;

	tc = tcase_create("revoke");
	tcase_add_test(tc, pagemap_sees_live_entry);
	tcase_add_test(tc, claim_revokes);
	tcase_add_test(tc, removal_rounds);
	tcase_add_test(tc, unload_after_munmap);
	tcase_add_test(tc, klog_clean);
	tcase_set_timeout(tc, 600);
	suite_add_tcase(s, tc);
	return s;
}

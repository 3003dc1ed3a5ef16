/*
 * check_lib_widths.c - the width and alignment of every load and store
 * libaperture makes on a mapping of a BAR, watched by the CPU itself.
 *
 * On arm64 a register BAR mapped in user space is Device memory: an
 * unaligned access, or one wider than the register, is a fault there (or
 * reaches a register it should not), where x86 forgives it.  This host
 * has no such device, but its CPU can see each access:
 *   - hardware watchpoints (perf_event_open, PERF_TYPE_BREAKPOINT) count
 *     the instructions that touch a range: one on the register's bytes,
 *     one on its first and one on its last byte, and one on each byte
 *     beside it.  An exact access is one instruction on the register,
 *     touching its first and last bytes and neither neighbour: not two
 *     halves, not a wider aligned word, not a narrower one;
 *   - x86's alignment check (EFLAGS.AC, with CR0.AM set by Linux) turns
 *     any unaligned access in user space into SIGBUS (BUS_ADRALN), as
 *     Device memory does on arm64; it is on while the library accesses
 *     a mapping it decided on before.
 * The library is linked from its objects with -Wl,--wrap=apl_maps_io:
 * the one thing replaced is the answer of /proc/self/smaps ("is this
 * mapping I/O memory?"), so that it maps a plain file of a tree laid out
 * as a mount (tests/unit/client_util.h) as it maps the device under FUSE
 * passthrough.  Everything else, the decision of which widths the
 * mapping serves (info's barN.width) included, is the library's.
 */
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <aperture/aperture.h>

#include "client_util.h"

/* The stand-in for lib/smaps.c: every mapping is I/O memory. */
bool __wrap_apl_maps_io(const void *addr);
bool __wrap_apl_maps_io(const void *addr)
{
	return true;
}

static struct aperture *ap;
static volatile unsigned char *bar;	/* the library's own mapping */

/* Open edu of the tree with "bar0.width: @width" in its info. */
static void open_with_width(const char *width)
{
	char path[600];
	uint64_t v;
	FILE *f;

	ct_setup();
	snprintf(path, sizeof(path), "%s/%s/info", ct_dir, CT_EDU);
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "bar0.width: %s\n", width);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(aperture_open(ct_dir, "00:04.0", &ap), 0);
	/* The first 4-byte access decides, and maps (both widths map it). */
	ck_assert_int_eq(aperture_read(ap, 0, 0, 4, &v), 0);
	ck_assert_uint_eq(v, 0x010000ed);
	bar = NULL;
	for (const char *p = "/proc/self/maps"; p; p = NULL) {
		char line[1024], want[600];
		unsigned long start;
		FILE *m = fopen(p, "r");

		ck_assert_ptr_nonnull(m);
		snprintf(want, sizeof(want), "%s/%s/bar0\n", ct_dir, CT_EDU);
		while (fgets(line, sizeof(line), m))
			if (strstr(line, want) &&
			    sscanf(line, "%lx-", &start) == 1)
				bar = (volatile unsigned char *)start;
		fclose(m);
	}
	ck_assert_msg(bar, "the library did not map bar0");
}

static void setup_reg(void)
{
	open_with_width("32");
}

static void setup_auto(void)
{
	open_with_width("auto");
}

static void teardown(void)
{
	aperture_close(ap);
	ap = NULL;
	ct_teardown();
}

/* ---- the CPU's view ----------------------------------------------------- */

/* A watchpoint on @len bytes at @addr (read or write): its descriptor. */
static int watch(volatile void *addr, unsigned int len)
{
	struct perf_event_attr pe;
	int fd;

	memset(&pe, 0, sizeof(pe));
	pe.type = PERF_TYPE_BREAKPOINT;
	pe.size = sizeof(pe);
	pe.bp_type = HW_BREAKPOINT_RW;
	pe.bp_addr = (uintptr_t)addr;
	pe.bp_len = len;
	pe.exclude_kernel = 1;
	pe.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
	ck_assert_msg(fd >= 0, "perf_event_open of a %u-byte watchpoint: %s "
		      "(this suite needs hardware breakpoints for user space: "
		      "kernel.perf_event_paranoid <= 2, and no seccomp "
		      "filter against perf_event_open)", len, strerror(errno));
	return fd;
}

static long long hits(int fd)
{
	long long n = -1;

	ck_assert_int_eq(read(fd, &n, sizeof(n)), (ssize_t)sizeof(n));
	close(fd);
	return n;
}

/* x86's alignment check: on, off. */
static inline void al_on(void)
{
#if defined(__x86_64__)
	__asm__ __volatile__("pushfq; orl $0x40000, (%%rsp); popfq"
			     ::: "memory", "cc");
#elif defined(__i386__)
	__asm__ __volatile__("pushfl; orl $0x40000, (%%esp); popfl"
			     ::: "memory", "cc");
#endif
}

static inline void al_off(void)
{
#if defined(__x86_64__)
	__asm__ __volatile__("pushfq; andl $~0x40000, (%%rsp); popfq"
			     ::: "memory", "cc");
#elif defined(__i386__)
	__asm__ __volatile__("pushfl; andl $~0x40000, (%%esp); popfl"
			     ::: "memory", "cc");
#endif
}

/* The signal of the alignment check: the check off first (a signal
 * handler starts with the flags of the code it interrupted). */
static sigjmp_buf al_jmp;
static volatile sig_atomic_t al_code;

static void al_bus(int sig, siginfo_t *si, void *uc)
{
	al_off();
	al_code = si->si_code;
	siglongjmp(al_jmp, 1);
}

/*
 * Whether the check may be on for a call whose frame has a local that
 * escapes (aperture_update()'s): AddressSanitizer poisons such a frame's
 * redzones with unaligned stores to its shadow memory.
 */
#ifdef __SANITIZE_ADDRESS__
#define AL_STACK	false
#else
#define AL_STACK	true
#endif

/* One library call on the mapping, as the CPU saw it. */
enum op { OP_READ, OP_WRITE, OP_UPDATE };

struct seen {
	long long reg;		/* instructions on the register's bytes */
	long long first, last;	/* ... on its first, its last byte */
	long long before, after; /* ... on the byte before, after it */
	int ret;		/* what the call returned */
	uint64_t val;		/* the value read (or the old one) */
	int bus;		/* SIGBUS code under the alignment check, or 0 */
};

static int call(enum op op, uint64_t off, unsigned int w, uint64_t v,
		uint64_t *out)
{
	switch (op) {
	case OP_READ:
		return aperture_read(ap, 0, off, w, out);
	case OP_WRITE:
		return aperture_write(ap, 0, off, w, v);
	default:
		return aperture_update(ap, 0, off, w, v, ~0ull, out);
	}
}

/*
 * Make the call twice (four watchpoints at a time: the CPU has four;
 * an unaligned @off is watched as the 8-byte words around it), under
 * the alignment check where @aligncheck (the library then runs
 * its fast path alone, with no C library call that may be unaligned).
 */
static struct seen look(enum op op, uint64_t off, unsigned int w,
			uint64_t v, bool aligncheck)
{
	struct sigaction sa = { .sa_sigaction = al_bus,
				.sa_flags = SA_SIGINFO }, old;
	volatile unsigned char *r = bar + off;
	struct seen s = { 0 };
	int fd[4];

	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGBUS, &sa, &old), 0);
	for (int pass = 0; pass < 2; pass++) {
		if (off & (w - 1)) {
			/* Unaligned: the 8-byte words around it. */
			volatile unsigned char *q = bar + (off & ~7ull);

			fd[0] = watch(q, 8);
			fd[1] = watch(q + 8, 8);
			fd[2] = off >= 8 ? watch(q - 8, 8) : -1;
			fd[3] = watch(q + 16, 8);
		} else if (pass == 0) {
			fd[0] = watch(r, w);
			fd[1] = watch(r, 1);
			fd[2] = off ? watch(r - 1, 1) : -1;
			fd[3] = watch(r + w, 1);
		} else {
			fd[0] = watch(r + w - 1, 1);
		}
		al_code = 0;
		if (!sigsetjmp(al_jmp, 1)) {
			if (aligncheck)
				al_on();
			s.ret = call(op, off, w, v, &s.val);
			al_off();
		} else {
			al_off();
			s.bus = al_code ? al_code : -1;
		}
		if (pass == 0) {
			s.reg = hits(fd[0]);
			s.first = hits(fd[1]);
			s.before = fd[2] >= 0 ? hits(fd[2]) : 0;
			s.after = hits(fd[3]);
		} else {
			s.last = hits(fd[0]);
			for (int i = 1; i < 4 && (off & (w - 1)); i++)
				if (fd[i] >= 0)
					s.last += hits(fd[i]);
		}
	}
	sigaction(SIGBUS, &old, NULL);
	return s;
}

/* Each of the two calls was @n exact accesses of width @w at @off. */
static void expect_exact(const struct seen *s, uint64_t off, unsigned int w,
			 long long n)
{
	ck_assert_msg(!s->bus, "0x%llx.%u: SIGBUS (code %d) under the "
		      "alignment check", (unsigned long long)off, w, s->bus);
	ck_assert_msg(s->reg == n && s->first == n && s->last == n &&
		      !s->before && !s->after,
		      "0x%llx, %u bytes: instructions on the register %lld, "
		      "its first byte %lld, its last %lld, the byte before "
		      "%lld, after %lld (want %lld exact accesses)",
		      (unsigned long long)off, w, s->reg, s->first, s->last,
		      s->before, s->after, n);
}

/* The call made no load or store on the mapping at all. */
static void expect_none(const struct seen *s, uint64_t off, unsigned int w)
{
	ck_assert_msg(!s->reg && !s->first && !s->last && !s->before &&
		      !s->after, "0x%llx, %u bytes: the mapping was touched "
		      "(%lld, %lld, %lld, %lld, %lld)",
		      (unsigned long long)off, w, s->reg, s->first, s->last,
		      s->before, s->after);
}

static const uint64_t offs[] = { 0x0, 0x8, 0x10, 0x20, 0xff8 };

/* ---- the instruments ----------------------------------------------------- */

/*
 * The alignment check is in force here: a plain unaligned 4-byte load on
 * the mapping is SIGBUS (BUS_ADRALN), as on arm64's Device memory; else
 * the checks below would prove nothing about alignment.
 */
START_TEST(an_unaligned_load_faults_under_the_check)
{
	struct sigaction sa = { .sa_sigaction = al_bus,
				.sa_flags = SA_SIGINFO }, old;
	volatile uint32_t v = 0;

#if !defined(__x86_64__) && !defined(__i386__)
	ck_abort_msg("the alignment check of this suite is x86's EFLAGS.AC");
#endif
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGBUS, &sa, &old), 0);
	al_code = 0;
	if (!sigsetjmp(al_jmp, 1)) {
		al_on();
		v = *(volatile uint32_t *)(bar + 1);
		al_off();
	}
	sigaction(SIGBUS, &old, NULL);
	ck_assert_msg(al_code == BUS_ADRALN, "an unaligned load under "
		      "EFLAGS.AC gave %s (code %d): this host does not check "
		      "alignment", al_code ? "SIGBUS" : "no fault", al_code);
	(void)v;
}
END_TEST

/* ---- a register BAR: bar0.width 32 -------------------------------------- */

START_TEST(register_bar_32bit_values_are_one_access)
{
#if !defined(__x86_64__) && !defined(__i386__)
	ck_abort_msg("the alignment check of this suite is x86's EFLAGS.AC");
#endif
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uint64_t off = offs[i] + 4;
		struct seen s;

		s = look(OP_WRITE, off, 4, 0x11223344u ^ off, true);
		ck_assert_int_eq(s.ret, 0);
		expect_exact(&s, off, 4, 1);
		s = look(OP_READ, off, 4, 0, true);
		ck_assert_int_eq(s.ret, 0);
		ck_assert_uint_eq(s.val, 0x11223344u ^ off);
		expect_exact(&s, off, 4, 1);
		/* A read-modify-write: one read and one write (the second
		 * of the two calls reads what the first wrote). */
		s = look(OP_UPDATE, off, 4, 0x55667788u, AL_STACK);
		ck_assert_int_eq(s.ret, 0);
		ck_assert_uint_eq(s.val, 0x55667788u);
		expect_exact(&s, off, 4, 2);
		ck_assert_uint_eq(bar[off], 0x88);
		ck_assert_uint_eq(bar[off + 3], 0x55);
	}
}
END_TEST

/* Other widths are the file's (the module's register rule): no load. */
START_TEST(register_bar_other_widths_leave_the_mapping)
{
	static const unsigned int ws[] = { 1, 2, 8 };

	for (size_t i = 0; i < 3; i++) {
		uint64_t off = 0x40;
		struct seen s;

		s = look(OP_WRITE, off, ws[i], 0x7f, false);
		ck_assert_int_eq(s.ret, 0);
		expect_none(&s, off, ws[i]);
		s = look(OP_READ, off, ws[i], 0, false);
		ck_assert_int_eq(s.ret, 0);
		ck_assert_uint_eq(s.val, 0x7f);
		expect_none(&s, off, ws[i]);
	}
}
END_TEST

/* Unaligned values are refused before any access, never split. */
START_TEST(register_bar_unaligned_is_refused_untouched)
{
	static const struct { uint64_t off; unsigned int w; } bad[] = {
		{ 0x2, 4 }, { 0x5, 4 }, { 0x1, 2 }, { 0x4, 8 }, { 0xffc, 8 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct seen s = look(OP_READ, bad[i].off, bad[i].w, 0, false);
		char want[128];

		ck_assert_int_eq(s.ret, -EINVAL);
		expect_none(&s, bad[i].off, bad[i].w);
		snprintf(want, sizeof(want), "%s bar0 0x%llx.%c: read: not "
			 "aligned to its width (never split)", CT_EDU,
			 (unsigned long long)bad[i].off,
			 bad[i].w == 2 ? 'w' : bad[i].w == 4 ? 'l' : 'q');
		ck_assert_str_eq(aperture_last_error(ap), want);
		s = look(OP_WRITE, bad[i].off, bad[i].w, 0, false);
		ck_assert_int_eq(s.ret, -EINVAL);
		expect_none(&s, bad[i].off, bad[i].w);
	}
}
END_TEST

/* ---- a prefetchable BAR: bar0.width auto -------------------------------- */

START_TEST(auto_bar_every_width_is_one_access)
{
#if !defined(__x86_64__) && !defined(__i386__)
	ck_abort_msg("the alignment check of this suite is x86's EFLAGS.AC");
#endif
	static const unsigned int ws[] = { 1, 2, 4, 8 };

	for (size_t i = 0; i < 4; i++) {
		unsigned int w = ws[i];

		for (size_t j = 0; j < sizeof(offs) / sizeof(offs[0]); j++) {
			uint64_t off = offs[j] + 8 - w, want;
			struct seen s;

			/* A 32-bit build takes 8 bytes from the file. */
			if (w == 8 && sizeof(void *) < 8)
				continue;
			want = 0x8877665544332211ull >> (8 * (8 - w));
			s = look(OP_WRITE, off, w, want, true);
			ck_assert_int_eq(s.ret, 0);
			expect_exact(&s, off, w, 1);
			s = look(OP_READ, off, w, 0, true);
			ck_assert_int_eq(s.ret, 0);
			ck_assert_uint_eq(s.val, want);
			expect_exact(&s, off, w, 1);
			/* Little endian on the device, whatever the CPU. */
			ck_assert_uint_eq(bar[off], (uint8_t)want);
			ck_assert_uint_eq(bar[off + w - 1],
					  (uint8_t)(want >> (8 * (w - 1))));
		}
	}
}
END_TEST

Suite *lib_widths_suite(void);

Suite *lib_widths_suite(void)
{
	Suite *s = suite_create("lib_widths");
	TCase *tc;

	tc = tcase_create("register");
	tcase_add_checked_fixture(tc, setup_reg, teardown);
	tcase_add_test(tc, an_unaligned_load_faults_under_the_check);
	tcase_add_test(tc, register_bar_32bit_values_are_one_access);
	tcase_add_test(tc, register_bar_other_widths_leave_the_mapping);
	tcase_add_test(tc, register_bar_unaligned_is_refused_untouched);
	suite_add_tcase(s, tc);

	tc = tcase_create("auto");
	tcase_add_checked_fixture(tc, setup_auto, teardown);
	tcase_add_test(tc, auto_bar_every_width_is_one_access);
	suite_add_tcase(s, tc);
	return s;
}

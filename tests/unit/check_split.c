/*
 * check_split.c - the access splitting of include/aperture_split.h, the
 * very code the module runs, checked exhaustively on small offsets and
 * lengths for every policy.
 *
 * A simulated BAR records every access; each transfer is checked for what
 * a device would see (access addresses, widths, alignment, no byte outside
 * the asked range written, no read-modify-write) and what the caller gets
 * (every byte exactly once, in order).
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "aperture_split.h"

/*
 * Check records every passing assertion, which costs a system call: the
 * loops below make millions, so only a failing one goes through Check,
 * with the transfer it failed on.
 */
static unsigned long long cur_off, cur_count;
#define EXPECT(c)							\
	do {								\
		if (!(c))						\
			ck_abort_msg("%s fails for %llu bytes at %llu",	\
				     #c, cur_count, cur_off);		\
	} while (0)

#define SPAN 72			/* offsets and lengths tried: 0..SPAN-1 */
#define MAX_PIECES 512

struct trace {
	struct aperture_piece p[MAX_PIECES];
	unsigned int n;
};

/* Runs one transfer through the splitter, as the module's loop does. */
static void run(const struct aperture_split *s, uint64_t off, uint64_t count,
		int write, struct trace *t)
{
	cur_off = off;
	cur_count = count;
	t->n = 0;
	while (count) {
		struct aperture_piece *p = &t->p[t->n];

		EXPECT((t->n) < (MAX_PIECES));
		aperture_split_next(s, off, count, write, p);
		EXPECT((p->len) > (0));
		EXPECT((p->len) <= (count));
		off += p->len;
		count -= p->len;
		t->n++;
	}
}

/* Properties every policy has, for a transfer of count bytes at off. */
static void check_common(const struct aperture_split *s, uint64_t off,
			 uint64_t count, int write, const struct trace *t)
{
	uint64_t cursor = off;
	unsigned int i;

	for (i = 0; i < t->n; i++) {
		const struct aperture_piece *p = &t->p[i];

		/* The caller's bytes come in order, each exactly once. */
		EXPECT((p->addr + p->skip) == (cursor));
		if (p->width) {
			EXPECT(p->width == 1 || p->width == 2 ||
				  p->width == 4 || p->width == 8);
			/* Naturally aligned: never crosses 8 bytes. */
			EXPECT((p->addr % p->width) == (0));
			EXPECT((p->skip + p->len) <= (p->width));
		} else {
			/* Bulk: 8-aligned whole quadwords of memory. */
			EXPECT(s->bulk);
			EXPECT((p->addr % 8) == (0));
			EXPECT((p->len % 8) == (0));
			EXPECT((p->len) >= (APERTURE_SPLIT_BULK_MIN));
			EXPECT((p->skip) == (0));
		}
		if (write) {
			/* Never a read-modify-write, never a byte outside. */
			EXPECT((p->skip) == (0));
			if (p->width)
				EXPECT((p->len) == (p->width));
		}
		cursor += p->len;
	}
	EXPECT((cursor) == (off + count));
}

START_TEST(natural_widest)
{
	struct aperture_split s = { APERTURE_SPLIT_NATURAL, 8, 0 };
	struct trace t;
	uint64_t off, count;
	unsigned int i;
	int write;

	for (write = 0; write < 2; write++)
		for (off = 0; off < SPAN; off++)
			for (count = 1; count < SPAN; count++) {
				run(&s, off, count, write, &t);
				check_common(&s, off, count, write, &t);
				for (i = 0; i < t.n; i++) {
					const struct aperture_piece *p = &t.p[i];
					uint64_t left = off + count - p->addr;

					/* Whole accesses only, even reads. */
					EXPECT((p->skip) == (0));
					EXPECT((p->len) == (p->width));
					/* Widest: twice as wide was impossible. */
					if (p->width < 8)
						EXPECT(p->addr % (2 * p->width) ||
							  left < 2 * p->width);
				}
			}
}
END_TEST

START_TEST(natural_examples)
{
	struct aperture_split s = { APERTURE_SPLIT_NATURAL, 8, 0 };
	struct trace t;

	/* 15 bytes at 1: 1 @1, 2 @2, 4 @4, 8 @8. */
	run(&s, 1, 15, 0, &t);
	EXPECT((t.n) == (4));
	EXPECT((t.p[0].width) == (1));
	EXPECT((t.p[1].width) == (2));
	EXPECT((t.p[2].width) == (4));
	EXPECT((t.p[3].width) == (8));
	EXPECT((t.p[3].addr) == (8));
	/* 64 aligned bytes: eight quadwords. */
	run(&s, 64, 64, 1, &t);
	EXPECT((t.n) == (8));
	/* A narrower maximum (4) is respected. */
	s.width = 4;
	run(&s, 0, 16, 0, &t);
	EXPECT((t.n) == (4));
	EXPECT((t.p[0].width) == (4));
}
END_TEST

START_TEST(natural_bulk)
{
	struct aperture_split s = { APERTURE_SPLIT_NATURAL, 8, 1 };
	struct trace t;
	uint64_t off, count;
	unsigned int i, bulk;
	int write;

	for (write = 0; write < 2; write++)
		for (off = 0; off < SPAN; off++)
			for (count = 1; count < 3 * SPAN; count++) {
				run(&s, off, count, write, &t);
				check_common(&s, off, count, write, &t);
				for (i = bulk = 0; i < t.n; i++)
					bulk += t.p[i].width == 0;
				/* A long enough aligned middle goes in bulk. */
				EXPECT((bulk) <= (1));
				if (count >= APERTURE_SPLIT_BULK_MIN + 16)
					EXPECT((bulk) == (1));
			}

	/* 4 KiB aligned: one piece. */
	run(&s, 4096, 4096, 0, &t);
	EXPECT((t.n) == (1));
	EXPECT((t.p[0].width) == (0));
	EXPECT((t.p[0].len) == (4096));
	/* Head and tail exact: 3 @5, bulk, 5 bytes. */
	run(&s, 5, 3 + 128 + 5, 0, &t);
	EXPECT((t.n) == (2 + 1 + 2));
	EXPECT((t.p[2].width) == (0));
	EXPECT((t.p[2].addr) == (8));
	EXPECT((t.p[2].len) == (128));
}
END_TEST

START_TEST(reg32_reads)
{
	struct aperture_split s = { APERTURE_SPLIT_REG32, 4, 0 };
	struct trace t;
	uint64_t off, count;
	unsigned int i;

	for (off = 0; off < SPAN; off++)
		for (count = 1; count < SPAN; count++) {
			run(&s, off, count, 0, &t);
			check_common(&s, off, count, 0, &t);
			/* Whole dwords, one per dword touched. */
			for (i = 0; i < t.n; i++) {
				EXPECT((t.p[i].width) == (4));
				if (i)
					EXPECT((t.p[i].addr) == (t.p[i - 1].addr + 4));
			}
			EXPECT((t.n) == ((off + count + 3) / 4 - off / 4));
		}

	/* Byte 2 of a register: the dword at 0, keep byte 2. */
	run(&s, 2, 1, 0, &t);
	EXPECT((t.n) == (1));
	EXPECT((t.p[0].addr) == (0));
	EXPECT((t.p[0].skip) == (2));
	EXPECT((t.p[0].len) == (1));
}
END_TEST

START_TEST(reg32_writes)
{
	struct aperture_split s = { APERTURE_SPLIT_REG32, 4, 0 };
	struct trace t;
	uint64_t off, count;
	unsigned int i;

	for (off = 0; off < SPAN; off++)
		for (count = 1; count < SPAN; count++) {
			EXPECT(aperture_split_write_ok(&s, off, count));
			run(&s, off, count, 1, &t);
			check_common(&s, off, count, 1, &t);
			for (i = 0; i < t.n; i++) {
				const struct aperture_piece *p = &t.p[i];
				uint64_t left = off + count - p->addr;

				EXPECT((p->width) <= (4));
				/* Dwords whole wherever they fit. */
				if (p->addr % 4 == 0 && left >= 4)
					EXPECT((p->width) == (4));
			}
		}

	/* 3 bytes at 1: a byte at 1, a word at 2. */
	run(&s, 1, 3, 1, &t);
	EXPECT((t.n) == (2));
	EXPECT((t.p[0].width) == (1));
	EXPECT((t.p[1].width) == (2));
	EXPECT((t.p[1].addr) == (2));
}
END_TEST

START_TEST(fixed_widths)
{
	struct aperture_split s = { APERTURE_SPLIT_FIXED, 0, 0 };
	struct trace t;
	uint64_t off, count;
	unsigned int i, w;

	for (w = 1; w <= 8; w <<= 1) {
		s.width = w;
		for (off = 0; off < SPAN; off++)
			for (count = 1; count < SPAN; count++) {
				run(&s, off, count, 0, &t);
				check_common(&s, off, count, 0, &t);
				for (i = 0; i < t.n; i++)
					EXPECT((t.p[i].width) == (w));
				EXPECT((t.n) == ((off + count + w - 1) / w -
						       off / w));
				if (!aperture_split_write_ok(&s, off, count)) {
					EXPECT(off % w || count % w);
					continue;
				}
				EXPECT(off % w == 0 && count % w == 0);
				run(&s, off, count, 1, &t);
				check_common(&s, off, count, 1, &t);
				EXPECT((t.n) == (count / w));
				for (i = 0; i < t.n; i++)
					EXPECT((t.p[i].width) == (w));
			}
	}
}
END_TEST

/* A simulated register file, to see the bytes end where they should. */
START_TEST(bytes_roundtrip)
{
	static const struct aperture_split policies[] = {
		{ APERTURE_SPLIT_NATURAL, 8, 0 },
		{ APERTURE_SPLIT_NATURAL, 8, 1 },
		{ APERTURE_SPLIT_REG32, 4, 0 },
		{ APERTURE_SPLIT_FIXED, 2, 0 },
		{ APERTURE_SPLIT_FIXED, 8, 0 },
	};
	uint8_t dev[256], want[256], buf[256];
	struct trace t;
	unsigned int k, i;
	uint64_t off, count;

	for (k = 0; k < sizeof(policies) / sizeof(policies[0]); k++)
		for (off = 0; off < 96; off += 3)
			for (count = 8; count < 150; count += 7) {
				const struct aperture_split *s = &policies[k];
				uint8_t *b = buf;

				for (i = 0; i < sizeof(dev); i++)
					dev[i] = want[i] = (uint8_t)(i * 7 + 1);
				if (aperture_split_write_ok(s, off, count)) {
					for (i = 0; i < count; i++)
						buf[i] = (uint8_t)~i;
					run(s, off, count, 1, &t);
					for (i = 0; i < t.n; i++) {
						memcpy(dev + t.p[i].addr, b,
						       t.p[i].len);
						b += t.p[i].len;
					}
					for (i = 0; i < count; i++)
						want[off + i] = (uint8_t)~i;
					EXPECT(!memcmp(dev, want, sizeof(dev)));
				}
				memset(buf, 0, sizeof(buf));
				b = buf;
				run(s, off, count, 0, &t);
				for (i = 0; i < t.n; i++) {
					memcpy(b, dev + t.p[i].addr + t.p[i].skip,
					       t.p[i].len);
					b += t.p[i].len;
				}
				EXPECT(!memcmp(buf, want + off, count));
			}
}
END_TEST

START_TEST(huge_offsets)
{
	struct aperture_split s = { APERTURE_SPLIT_NATURAL, 8, 1 };
	struct aperture_piece p;

	/* The top of a 64-bit BAR: no overflow in addr or len. */
	aperture_split_next(&s, UINT64_MAX - 7, 8, 0, &p);
	EXPECT((p.addr) == (UINT64_MAX - 7));
	EXPECT((p.width) == (8));
	aperture_split_next(&s, 0, UINT64_MAX, 0, &p);
	EXPECT((p.width) == (0));
	EXPECT((p.len % 8) == (0));
	EXPECT((p.len) > (0));
	s.mode = APERTURE_SPLIT_REG32;
	aperture_split_next(&s, UINT64_MAX, 1, 0, &p);
	EXPECT((p.addr) == (UINT64_MAX - 3));
	EXPECT((p.skip) == (3));
	EXPECT((p.len) == (1));
}
END_TEST

Suite *split_suite(void);

Suite *split_suite(void)
{
	Suite *s = suite_create("split");
	TCase *tc;

	tc = tcase_create("natural");
	tcase_add_test(tc, natural_widest);
	tcase_add_test(tc, natural_examples);
	tcase_add_test(tc, natural_bulk);
	suite_add_tcase(s, tc);

	tc = tcase_create("reg32");
	tcase_add_test(tc, reg32_reads);
	tcase_add_test(tc, reg32_writes);
	suite_add_tcase(s, tc);

	tc = tcase_create("fixed");
	tcase_add_test(tc, fixed_widths);
	suite_add_tcase(s, tc);

	tc = tcase_create("bytes");
	tcase_add_test(tc, bytes_roundtrip);
	tcase_add_test(tc, huge_offsets);
	suite_add_tcase(s, tc);
	return s;
}

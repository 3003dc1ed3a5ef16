/*
 * check_regs_value.c - what register files show and accept: the value
 * formats, parsing of written values with every refusal, field
 * read-modify-write arithmetic, lookups by file name, and the lines of
 * the `registers` listing.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "regs.h"

/* An edu-like block: four widths, fields, enums, a read-sensitive one. */
static const char svd[] =
	"<device><name>t</name><peripherals>\n"
	"<peripheral><name>edu</name><baseAddress>0x20</baseAddress><registers>\n"
	"<register><name>IDENT</name><addressOffset>0</addressOffset>"
	"<access>read-only</access></register>\n"
	"<register><name>STATUS</name><addressOffset>0</addressOffset><fields>"
	"<field><name>COMPUTING</name><bitOffset>0</bitOffset><bitWidth>1</bitWidth></field>"
	"<field><name>MODE</name><bitOffset>4</bitOffset><bitWidth>2</bitWidth>"
	"<enumeratedValues><enumeratedValue><name>FAST</name><value>2</value>"
	"</enumeratedValue></enumeratedValues></field>"
	"<field><name>IRQ_ENABLE</name><bitOffset>7</bitOffset><bitWidth>1</bitWidth></field>"
	"<field><name>SECRET</name><bitOffset>8</bitOffset><bitWidth>1</bitWidth>"
	"<access>write-only</access></field>"
	"</fields></register>\n"
	"<register><name>B</name><addressOffset>8</addressOffset><size>8</size></register>\n"
	"<register><name>H</name><addressOffset>0xa</addressOffset><size>16</size></register>\n"
	"<register><name>Q</name><addressOffset>0x10</addressOffset><size>64</size></register>\n"
	"<register><name>POP</name><addressOffset>0x18</addressOffset>"
	"<readAction>clear</readAction></register>\n"
	"</registers></peripheral></peripherals></device>\n";

static struct regs_desc *d;
static const struct regs_block *b;

static void setup(void)
{
	struct regs_error err;

	ck_assert_int_eq(regs_load_memory(svd, strlen(svd), "t.svd", &d, &err), 0);
	b = regs_find_block(d, "edu");
	ck_assert_ptr_nonnull(b);
}

static void teardown(void)
{
	regs_free(d);
}

static const struct regs_register *R(const char *name)
{
	const struct regs_register *r = regs_find_register(b, name, strlen(name));

	ck_assert_ptr_nonnull(r);
	return r;
}

START_TEST(formats)
{
	char buf[REGS_VALUE_LEN];
	const struct regs_register *st = R("STATUS");

	regs_format_register(R("IDENT"), 0x10000ed, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0x010000ed");
	regs_format_register(R("B"), 0x7, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0x07");
	regs_format_register(R("H"), 0x1234, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0x1234");
	regs_format_register(R("Q"), 0xfedcba9876543210ull, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0xfedcba9876543210");
	/* A field in decimal, out of its register's value. */
	regs_format_field(regs_find_field(st, "IRQ_ENABLE"), 0x81, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1");
	regs_format_field(regs_find_field(st, "MODE"), 0xa0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2");
	regs_format_field(regs_find_field(st, "COMPUTING"), 0x80, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0");
}
END_TEST

/* Parses @text for register @r (field @f or NULL); returns the errno. */
static int parse(const char *r, const char *f, const char *text,
		 uint64_t *v, char *why)
{
	const struct regs_register *reg = R(r);

	return regs_parse_value(reg, f ? regs_find_field(reg, f) : NULL, text,
				strlen(text), v, why, REGS_WHY_LEN);
}

START_TEST(parsing)
{
	char why[REGS_WHY_LEN];
	uint64_t v = 0;

	ck_assert_int_eq(parse("STATUS", NULL, "0x12345678\n", &v, why), 0);
	ck_assert_uint_eq(v, 0x12345678);
	ck_assert_int_eq(parse("STATUS", NULL, " 640 ", &v, why), 0);
	ck_assert_uint_eq(v, 640);
	ck_assert_int_eq(parse("Q", NULL, "0xFFFFFFFFFFFFFFFF", &v, why), 0);
	ck_assert_uint_eq(v, ~0ull);
	ck_assert_int_eq(parse("STATUS", "MODE", "FAST\n", &v, why), 0);
	ck_assert_uint_eq(v, 2);
	ck_assert_int_eq(parse("STATUS", "MODE", "3", &v, why), 0);
	ck_assert_uint_eq(v, 3);
}
END_TEST

START_TEST(refusals)
{
	static const struct {
		const char *reg, *field, *text, *why;
	} bad[] = {
		{ "B", NULL, "256", "does not fit in 8 bits" },
		{ "B", NULL, "0x100", "does not fit in 8 bits" },
		{ "STATUS", NULL, "0x100000000", "does not fit in 32 bits" },
		{ "Q", NULL, "18446744073709551616", "does not fit in 64 bits" },
		{ "STATUS", "IRQ_ENABLE", "2", "does not fit in 1 bit" },
		{ "STATUS", NULL, "-1", "negative value" },
		{ "STATUS", NULL, "12abc", "not a number" },
		{ "STATUS", NULL, "0x", "not a number" },
		{ "STATUS", NULL, "ten", "not a number" },
		{ "STATUS", NULL, "\n", "empty value" },
		{ "STATUS", "MODE", "SLOW", "unknown value name" },
	};
	char why[REGS_WHY_LEN];
	uint64_t v = 42;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(bad[i].reg, bad[i].field, bad[i].text, &v,
				    why) == -EINVAL, "'%s' taken", bad[i].text);
		ck_assert_str_eq(why, bad[i].why);
		ck_assert_uint_eq(v, 42);	/* nothing stored */
	}
}
END_TEST

START_TEST(read_modify_write)
{
	const struct regs_register *st = R("STATUS");

	ck_assert_uint_eq(regs_field_set(regs_find_field(st, "IRQ_ENABLE"),
					 0x12345601, 1), 0x12345681);
	ck_assert_uint_eq(regs_field_set(regs_find_field(st, "MODE"),
					 0xffffffff, 0), 0xffffffcf);
	ck_assert_uint_eq(regs_field_get(regs_find_field(st, "MODE"), 0x20), 2);
}
END_TEST

START_TEST(lookups)
{
	const struct regs_register *r;
	const struct regs_field *f;

	ck_assert_int_eq(regs_lookup(b, "STATUS", &r, &f), 0);
	ck_assert_str_eq(r->name, "STATUS");
	ck_assert_ptr_null(f);
	ck_assert_int_eq(regs_lookup(b, "STATUS.IRQ_ENABLE", &r, &f), 0);
	ck_assert_str_eq(f->name, "IRQ_ENABLE");
	ck_assert_int_eq(regs_lookup(b, "STATUS.NOPE", &r, &f), -ENOENT);
	ck_assert_int_eq(regs_lookup(b, "STAT", &r, &f), -ENOENT);
	ck_assert_int_eq(regs_lookup(b, "STATUSX", &r, &f), -ENOENT);
	ck_assert_int_eq(regs_lookup(b, "", &r, &f), -ENOENT);
	ck_assert_ptr_null(regs_find_block(d, "ed"));
	/* Offset order, then name: IDENT before STATUS at 0. */
	ck_assert_str_eq(b->regs[0].name, "IDENT");
	ck_assert_str_eq(b->regs[1].name, "STATUS");
}
END_TEST

START_TEST(listing_lines)
{
	char buf[256];
	uint64_t v = 0xa1;

	/* Write-only fields are not shown (a read does not return them). */
	ck_assert_int_eq(regs_format_line(b, R("STATUS"), &v, NULL, buf, sizeof(buf)),
			 (int)strlen(buf));
	ck_assert_str_eq(buf, "bar0 0x00000020 edu STATUS 0x000000a1 "
			 "COMPUTING=1 MODE=2(FAST) IRQ_ENABLE=1\n");
	v = 0xbeef;
	regs_format_line(b, R("H"), &v, NULL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "bar0 0x0000002a edu H 0xbeef\n");
	regs_format_line(b, R("POP"), NULL, "skipped", buf, sizeof(buf));
	ck_assert_str_eq(buf, "bar0 0x00000038 edu POP skipped\n");
	regs_format_line(b, R("POP"), NULL, "unreadable", buf, sizeof(buf));
	ck_assert_str_eq(buf, "bar0 0x00000038 edu POP unreadable\n");
	/* Truncation: the length it would have had. */
	ck_assert_int_eq(regs_format_line(b, R("H"), &v, NULL, buf, 5), 29);
	ck_assert_str_eq(buf, "bar0");
}
END_TEST

Suite *regs_value_suite(void);

Suite *regs_value_suite(void)
{
	Suite *s = suite_create("regs_value");
	TCase *tc = tcase_create("values");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, formats);
	tcase_add_test(tc, parsing);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, read_modify_write);
	tcase_add_test(tc, lookups);
	tcase_add_test(tc, listing_lines);
	suite_add_tcase(s, tc);
	return s;
}

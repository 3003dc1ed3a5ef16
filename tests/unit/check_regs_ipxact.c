/*
 * check_regs_ipxact.c - the IP-XACT parser on small components written
 * here, one per namespace (1685-2009, -2014, -2022, SPIRIT 1.5): arrays,
 * register files, banks, parameters in expressions, access (also the
 * 2022 access policies), readAction, enumerated values, resets.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "regs.h"
#include "regs_internal.h"

#define NS_2009 "http://www.spiritconsortium.org/XMLSchema/SPIRIT/1685-2009"
#define NS_2014 "http://www.accellera.org/XMLSchema/IPXACT/1685-2014"
#define NS_2022 "http://www.accellera.org/XMLSchema/IPXACT/1685-2022"
#define NS_15 "http://www.spiritconsortium.org/XMLSchema/SPIRIT/1.5"

static struct regs_desc *load(const char *ns, const char *body)
{
	static char xml[8192];
	struct regs_desc *d = NULL;
	struct regs_error err;
	char msg[600];
	int ret;

	snprintf(xml, sizeof(xml),
		 "<x:component xmlns:x=\"%s\"><x:name>c</x:name>\n%s"
		 "</x:component>\n", ns, body);
	ret = regs_load_memory(xml, strlen(xml), "t.xml", &d, &err);
	if (ret)
		regs_error_format(&err, msg, sizeof(msg));
	ck_assert_msg(ret == 0, "load failed: %s", ret ? msg : "");
	return d;
}

static const struct regs_register *reg(const struct regs_desc *d,
				       const char *block, const char *name)
{
	const struct regs_block *b = regs_find_block(d, block);
	const struct regs_register *r;

	ck_assert_msg(b != NULL, "no block %s", block);
	r = regs_find_register(b, name, strlen(name));
	ck_assert_msg(r != NULL, "no register %s.%s", block, name);
	return r;
}

/* 1685-2009 and SPIRIT 1.5: plain numbers, the register's <reset>. */
static const char old_style[] =
	"<x:memoryMaps><x:memoryMap><x:name>m</x:name>"
	"<x:addressBlock><x:name>B</x:name><x:baseAddress>0x100</x:baseAddress>"
	"<x:range>4K</x:range><x:width>32</x:width><x:access>read-only</x:access>"
	"<x:register><x:name>R</x:name><x:dim>2</x:dim>"
	"<x:addressOffset>0x10</x:addressOffset><x:size>16</x:size>"
	"<x:reset><x:value>0xbeef</x:value><x:mask>0xff00</x:mask></x:reset>"
	"<x:field><x:name>F</x:name><x:bitOffset>8</x:bitOffset>"
	"<x:bitWidth>8</x:bitWidth><x:access>read-write</x:access>"
	"<x:readAction>clear</x:readAction></x:field>"
	"</x:register></x:addressBlock></x:memoryMap></x:memoryMaps>";

START_TEST(ns_2009_and_spirit)
{
	const char *ns[] = { NS_2009, NS_15 };
	int i;

	for (i = 0; i < 2; i++) {
		struct regs_desc *d = load(ns[i], old_style);
		const struct regs_register *r = reg(d, "B", "R1");

		ck_assert_str_eq(d->name, "c");
		ck_assert_uint_eq(regs_find_block(d, "B")->base, 0x100);
		ck_assert_uint_eq(r->offset, 0x12);	/* 16 bits apart */
		ck_assert_uint_eq(r->width, 16);
		ck_assert_uint_eq(r->access, REGS_READ);	/* the block's */
		ck_assert_uint_eq(r->fields[0].access, REGS_READ | REGS_WRITE);
		ck_assert(r->has_reset);
		ck_assert_uint_eq(r->reset, 0xbeef);
		ck_assert_uint_eq(r->reset_mask, 0xff00);
		ck_assert(r->read_action);
		regs_free(d);
	}
}
END_TEST

START_TEST(ns_2014_expressions)
{
	struct regs_desc *d = load(NS_2014,
		"<x:parameters><x:parameter parameterId=\"id1\"><x:name>W</x:name>"
		"<x:value>32</x:value></x:parameter>"
		"<x:parameter parameterId=\"id2\"><x:name>BYTES</x:name>"
		"<x:value>id1/8</x:value></x:parameter></x:parameters>"
		"<x:memoryMaps><x:memoryMap><x:name>m</x:name>"
		"<x:addressUnitBits>16</x:addressUnitBits>"
		"<x:addressBlock><x:name>B</x:name><x:baseAddress>'h10</x:baseAddress>"
		"<x:registerFile><x:name>RF</x:name><x:dim>2</x:dim>"
		"<x:addressOffset>BYTES*2</x:addressOffset><x:range>8</x:range>"
		"<x:register><x:name>R</x:name><x:addressOffset>1</x:addressOffset>"
		"<x:size>W</x:size>"
		"<x:field><x:name>F</x:name><x:bitOffset>4</x:bitOffset>"
		"<x:bitWidth>$clog2(16)</x:bitWidth>"
		"<x:resets><x:reset><x:value>('hA5) / $pow(2,4) % $pow(2,4)</x:value>"
		"</x:reset></x:resets>"
		"<x:enumeratedValues><x:enumeratedValue usage=\"read\"><x:name>ON</x:name>"
		"<x:value>4'b1010</x:value></x:enumeratedValue>"
		"<x:enumeratedValue usage=\"write\"><x:name>GO</x:name>"
		"<x:value>1 &lt;&lt; 3 | 1</x:value></x:enumeratedValue>"
		"</x:enumeratedValues></x:field>"
		"</x:register></x:registerFile>"
		"</x:addressBlock></x:memoryMap></x:memoryMaps>");
	const struct regs_register *r = reg(d, "B", "RF1_R");
	char why[REGS_WHY_LEN];
	uint64_t v;

	/* 16-bit address units: base 'h10 = 32 bytes, RF at BYTES*2 = 8
	 * units = 16 bytes, its elements 8 units = 16 bytes apart, R at 1
	 * unit = 2 bytes. */
	ck_assert_uint_eq(regs_find_block(d, "B")->base, 32);
	ck_assert_uint_eq(reg(d, "B", "RF0_R")->offset, 16 + 2);
	ck_assert_uint_eq(r->offset, 16 + 16 + 2);
	ck_assert_uint_eq(r->width, 32);
	ck_assert_uint_eq(r->fields[0].width, 4);
	ck_assert_uint_eq(r->reset, 0xa << 4);
	ck_assert_uint_eq(r->reset_mask, 0xf0);
	ck_assert_str_eq(regs_enum_name(&r->fields[0], 10), "ON");
	ck_assert_int_eq(regs_parse_value(r, &r->fields[0], "GO", 2, &v, why,
					  sizeof(why)), 0);
	ck_assert_uint_eq(v, 9);
	/* usage="read" names are shown, never written; "write" ones the
	 * other way round. */
	ck_assert_int_eq(regs_parse_value(r, &r->fields[0], "ON", 2, &v, why,
					  sizeof(why)), -EINVAL);
	ck_assert_ptr_null(regs_enum_name(&r->fields[0], 9));
	regs_free(d);
}
END_TEST

START_TEST(ns_2022_policies_and_arrays)
{
	struct regs_desc *d = load(NS_2022,
		"<x:memoryMaps><x:memoryMap><x:name>m</x:name>"
		"<x:bank bankAlignment=\"serial\"><x:name>k</x:name>"
		"<x:baseAddress>0x1000</x:baseAddress>"
		"<x:addressBlock><x:name>A</x:name><x:range>0x40</x:range></x:addressBlock>"
		"<x:addressBlock><x:name>B</x:name><x:range>0x40</x:range>"
		"<x:register><x:name>R</x:name>"
		"<x:array><x:dim>2</x:dim><x:dim>3</x:dim><x:stride>8</x:stride></x:array>"
		"<x:addressOffset>0</x:addressOffset><x:size>32</x:size>"
		"<x:accessPolicies><x:accessPolicy><x:access>write-only</x:access>"
		"</x:accessPolicy></x:accessPolicies>"
		"<x:field><x:name>F</x:name><x:bitOffset>0</x:bitOffset>"
		"<x:bitWidth>1</x:bitWidth><x:fieldAccessPolicies><x:fieldAccessPolicy>"
		"<x:access>read-writeOnce</x:access><x:readAction>set</x:readAction>"
		"</x:fieldAccessPolicy></x:fieldAccessPolicies></x:field>"
		"</x:register></x:addressBlock></x:bank>"
		"</x:memoryMap></x:memoryMaps>");
	const struct regs_register *r = reg(d, "B", "R1_2");

	ck_assert_uint_eq(regs_find_block(d, "A")->base, 0x1000);
	ck_assert_uint_eq(regs_find_block(d, "B")->base, 0x1040);
	ck_assert_uint_eq(regs_find_block(d, "B")->n_regs, 6);
	ck_assert_uint_eq(r->offset, 5 * 8);
	ck_assert_uint_eq(r->access, REGS_WRITE);
	ck_assert_uint_eq(r->fields[0].access, REGS_READ | REGS_WRITE | REGS_ONCE);
	ck_assert(r->read_action);
	regs_free(d);
}
END_TEST

/* The value of @s, which must evaluate. */
static uint64_t ev(const char *s)
{
	const char *why = "";
	uint64_t v = 0;

	ck_assert_msg(regs_expr_eval(s, NULL, NULL, &v, &why) == 0,
		      "%s: %s", s, why);
	return v;
}

START_TEST(expressions)
{
	uint64_t v, m;

	ck_assert_uint_eq(ev("2+3*4"), 14);
	ck_assert_uint_eq(ev("(2+3)*4"), 20);
	ck_assert_uint_eq(ev("20-4-3"), 13);
	ck_assert_uint_eq(ev("64/4/2"), 8);
	ck_assert_uint_eq(ev("10 % 4"), 2);
	ck_assert_uint_eq(ev("1 << 4 | 1"), 17);
	ck_assert_uint_eq(ev("1 + 1 << 2"), 8);
	ck_assert_uint_eq(ev("8'hff & 'b1010"), 10);
	ck_assert_uint_eq(ev("'o17 ^ 'd1"), 14);
	ck_assert_uint_eq(ev("2 ** 3 ** 2"), 512);
	ck_assert_uint_eq(ev("$pow(2,10) + $clog2(33)"), 1030);
	ck_assert_uint_eq(ev("7 > 3 ? 1 : 2"), 1);
	ck_assert_uint_eq(ev("3 >= 4 || 2 == 2"), 1);
	ck_assert_uint_eq(ev("~0 >> 60"), 15);
	ck_assert_uint_eq(ev("-1 + 2"), 1);
	ck_assert_uint_eq(ev("4K"), 4096);
	ck_assert_uint_eq(ev("0x1_0000"), 0x10000);
	ck_assert_uint_eq(ev("32'hDEAD_BEEF"), 0xdeadbeef);
	/* SVD numbers: #binary with don't-care bits, multipliers. */
	ck_assert_int_eq(regs_svd_number("#1x0", &v, &m), 0);
	ck_assert_uint_eq(v, 4);
	ck_assert_uint_eq(m, 5);
	ck_assert_int_eq(regs_svd_number("2M", &v, &m), 0);
	ck_assert_uint_eq(v, 2 << 20);
	ck_assert_int_eq(regs_svd_number("0x1z", &v, &m), -EINVAL);
}
END_TEST

Suite *regs_ipxact_suite(void);

Suite *regs_ipxact_suite(void)
{
	Suite *s = suite_create("regs_ipxact");
	TCase *tc = tcase_create("namespaces");

	tcase_add_test(tc, ns_2009_and_spirit);
	tcase_add_test(tc, ns_2014_expressions);
	tcase_add_test(tc, ns_2022_policies_and_arrays);
	tcase_add_test(tc, expressions);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_regs_svd.c - the CMSIS-SVD parser on small descriptions written
 * here: inheritance of register properties, arrays, clusters, every kind
 * of derivedFrom, bit positions, access, readAction, enumerated values,
 * and every error with the exact line a user sees.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "regs.h"

/* A device around @body, which starts on line 2. */
#define SVD(body)							\
	"<device><name>t</name><size>16</size><access>read-only</access>" \
	"<resetValue>0x1234</resetValue><peripherals>\n" body		\
	"</peripherals></device>\n"

static struct regs_desc *load_ok(const char *xml)
{
	struct regs_desc *d = NULL;
	struct regs_error err;
	char msg[600];
	int ret;

	ret = regs_load_memory(xml, strlen(xml), "t.svd", &d, &err);
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

START_TEST(inheritance)
{
	struct regs_desc *d = load_ok(SVD(
		"<peripheral><name>P</name><baseAddress>0x100</baseAddress>\n"
		"<size>8</size><registers>\n"
		"<register><name>A</name><addressOffset>1</addressOffset></register>\n"
		"<register><name>B</name><addressOffset>2</addressOffset>"
		"<size>32</size><access>write-only</access>"
		"<resetValue>0xdeadbeef</resetValue><resetMask>0xffff</resetMask>"
		"</register>\n"
		"</registers></peripheral>\n"
		"<peripheral><name>Q</name><baseAddress>0x200</baseAddress><registers>\n"
		"<register><name>C</name><addressOffset>0</addressOffset>"
		"<access>read-write</access><fields>\n"
		"<field><name>F</name><bitOffset>0</bitOffset><bitWidth>4</bitWidth></field>\n"
		"<field><name>G</name><bitOffset>4</bitOffset><bitWidth>4</bitWidth>"
		"<access>read-only</access></field>\n"
		"</fields></register>\n"
		"</registers></peripheral>\n"));
	const struct regs_register *a = reg(d, "P", "A"), *b = reg(d, "P", "B");
	const struct regs_register *c = reg(d, "Q", "C");

	ck_assert_str_eq(d->name, "t");
	ck_assert_uint_eq(regs_find_block(d, "P")->base, 0x100);
	/* Size from the peripheral, access and reset from the device. */
	ck_assert_uint_eq(a->width, 8);
	ck_assert_uint_eq(a->access, REGS_READ);
	ck_assert(a->has_reset);
	ck_assert_uint_eq(a->reset, 0x34);	/* 0x1234 in 8 bits */
	ck_assert_uint_eq(a->offset, 1);
	ck_assert_uint_eq(b->width, 32);
	ck_assert_uint_eq(b->access, REGS_WRITE);
	ck_assert_uint_eq(b->reset, 0xbeef);
	ck_assert_uint_eq(b->reset_mask, 0xffff);
	ck_assert_uint_eq(c->width, 16);	/* the device's */
	/* A field's access is its register's unless it says otherwise. */
	ck_assert_uint_eq(c->fields[0].access, REGS_READ | REGS_WRITE);
	ck_assert_uint_eq(c->fields[1].access, REGS_READ);
	ck_assert_uint_eq(d->n_registers, 3);
	ck_assert_uint_eq(d->n_fields, 2);
	regs_free(d);
}
END_TEST

START_TEST(arrays)
{
	struct regs_desc *d = load_ok(SVD(
		"<peripheral><name>P</name><baseAddress>0</baseAddress><registers>\n"
		"<register><name>R%s</name><dim>3</dim><dimIncrement>4</dimIncrement>"
		"<addressOffset>0x10</addressOffset></register>\n"
		"<register><name>CH[%s]</name><dim>2</dim><dimIncrement>0x8</dimIncrement>"
		"<addressOffset>0x20</addressOffset></register>\n"
		"<register><name>%s_CTRL</name><dim>3</dim><dimIncrement>2</dimIncrement>"
		"<dimIndex>A,B,C</dimIndex><addressOffset>0x40</addressOffset></register>\n"
		"<register><name>N%s</name><dim>2</dim><dimIncrement>2</dimIncrement>"
		"<dimIndex>5-6</dimIndex><addressOffset>0x50</addressOffset><fields>\n"
		"<field><name>B%s</name><dim>4</dim><dimIncrement>2</dimIncrement>"
		"<bitOffset>1</bitOffset><bitWidth>1</bitWidth></field>\n"
		"</fields></register>\n"
		"</registers></peripheral>\n"
		"<peripheral><name>U%s</name><dim>2</dim><dimIncrement>0x1000</dimIncrement>"
		"<baseAddress>0x4000</baseAddress><registers>\n"
		"<register><name>X</name><addressOffset>0</addressOffset></register>\n"
		"</registers></peripheral>\n"));
	const struct regs_register *n6 = reg(d, "P", "N6");

	ck_assert_uint_eq(reg(d, "P", "R0")->offset, 0x10);
	ck_assert_uint_eq(reg(d, "P", "R2")->offset, 0x18);
	ck_assert_uint_eq(reg(d, "P", "CH0")->offset, 0x20);
	ck_assert_uint_eq(reg(d, "P", "CH1")->offset, 0x28);
	ck_assert_uint_eq(reg(d, "P", "C_CTRL")->offset, 0x44);
	ck_assert_uint_eq(reg(d, "P", "N5")->offset, 0x50);
	ck_assert_uint_eq(n6->offset, 0x52);
	ck_assert_uint_eq(n6->n_fields, 4);
	ck_assert_str_eq(n6->fields[3].name, "B3");
	ck_assert_uint_eq(n6->fields[3].lsb, 7);
	ck_assert_uint_eq(regs_find_block(d, "U1")->base, 0x5000);
	ck_assert_uint_eq(d->n_registers, 3 + 2 + 3 + 2 + 2);
	/* Offset order, then name. */
	ck_assert_str_eq(regs_find_block(d, "P")->regs[0].name, "R0");
	ck_assert_str_eq(regs_find_block(d, "P")->regs[10 - 1].name, "N6");
	regs_free(d);
}
END_TEST

START_TEST(clusters)
{
	struct regs_desc *d = load_ok(SVD(
		"<peripheral><name>P</name><baseAddress>0</baseAddress><registers>\n"
		"<cluster><name>CH[%s]</name><dim>2</dim><dimIncrement>0x20</dimIncrement>"
		"<addressOffset>0x100</addressOffset><size>8</size>\n"
		"<register><name>EN</name><addressOffset>4</addressOffset></register>\n"
		"<cluster><name>SUB</name><addressOffset>0x10</addressOffset>\n"
		"<register><name>X</name><addressOffset>1</addressOffset></register>\n"
		"</cluster></cluster>\n"
		"</registers></peripheral>\n"));

	ck_assert_uint_eq(reg(d, "P", "CH0_EN")->offset, 0x104);
	ck_assert_uint_eq(reg(d, "P", "CH1_EN")->offset, 0x124);
	ck_assert_uint_eq(reg(d, "P", "CH1_SUB_X")->offset, 0x131);
	ck_assert_uint_eq(reg(d, "P", "CH1_SUB_X")->width, 8);
	ck_assert_uint_eq(d->n_registers, 4);
	regs_free(d);
}
END_TEST

START_TEST(derivation)
{
	struct regs_desc *d = load_ok(SVD(
		"<peripheral><name>A</name><baseAddress>0x1000</baseAddress>"
		"<description>first</description><registers>\n"
		"<register><name>R</name><addressOffset>0</addressOffset><fields>\n"
		"<field><name>F</name><bitOffset>0</bitOffset><bitWidth>2</bitWidth>"
		"<enumeratedValues><name>MODES</name>"
		"<enumeratedValue><name>OFF</name><value>0</value></enumeratedValue>"
		"<enumeratedValue><name>ON</name><value>1</value></enumeratedValue>"
		"</enumeratedValues></field>\n"
		"<field derivedFrom=\"F\"><name>G</name><bitOffset>4</bitOffset></field>\n"
		"<field><name>H</name><bitOffset>8</bitOffset><bitWidth>2</bitWidth>"
		"<enumeratedValues derivedFrom=\"MODES\"/></field>\n"
		"</fields></register>\n"
		"<register derivedFrom=\"R\"><name>S</name><addressOffset>8</addressOffset></register>\n"
		"<register><name>T</name><addressOffset>0xc</addressOffset></register>\n"
		"</registers></peripheral>\n"
		"<peripheral derivedFrom=\"A\"><name>B</name><baseAddress>0x2000</baseAddress>"
		"<registers>\n"
		"<register><name>T</name><addressOffset>0x10</addressOffset></register>\n"
		"<register derivedFrom=\"A.R\"><name>U</name><addressOffset>0x20</addressOffset></register>\n"
		"</registers></peripheral>\n"));
	const struct regs_register *r = reg(d, "A", "R"), *s = reg(d, "A", "S");
	const struct regs_block *b = regs_find_block(d, "B");

	/* A field derived from another: width and enums from it, own lsb. */
	ck_assert_str_eq(r->fields[1].name, "G");
	ck_assert_uint_eq(r->fields[1].lsb, 4);
	ck_assert_uint_eq(r->fields[1].width, 2);
	ck_assert_uint_eq(r->fields[1].n_enums, 2);
	ck_assert_str_eq(regs_enum_name(&r->fields[2], 1), "ON");
	/* A register derived from another: its fields, its own offset. */
	ck_assert_uint_eq(s->offset, 8);
	ck_assert_uint_eq(s->n_fields, 3);
	/* A peripheral derived from another: base's registers, own base,
	 * description inherited, T replaced by its own, U by path. */
	ck_assert_uint_eq(b->base, 0x2000);
	ck_assert_str_eq(b->description, "first");
	ck_assert_uint_eq(b->n_regs, 4);
	ck_assert_uint_eq(reg(d, "B", "T")->offset, 0x10);
	ck_assert_uint_eq(reg(d, "B", "S")->n_fields, 3);
	ck_assert_uint_eq(reg(d, "B", "U")->offset, 0x20);
	ck_assert_uint_eq(reg(d, "B", "U")->n_fields, 3);
	regs_free(d);
}
END_TEST

START_TEST(bits_access_actions)
{
	struct regs_desc *d = load_ok(SVD(
		"<peripheral><name>P</name><baseAddress>0</baseAddress><registers>\n"
		"<register><name>R</name><addressOffset>0</addressOffset><size>32</size>"
		"<access>read-writeOnce</access><fields>\n"
		"<field><name>A</name><lsb>4</lsb><msb>7</msb></field>\n"
		"<field><name>B</name><bitRange>[31:28]</bitRange><access>writeOnce</access></field>\n"
		"<field><name>C</name><bitOffset>0</bitOffset><bitWidth>1</bitWidth>"
		"<readAction>clear</readAction></field>\n"
		"</fields></register>\n"
		"<register><name>S</name><addressOffset>4</addressOffset>"
		"<readAction>modifyExternal</readAction></register>\n"
		"<register><name>W</name><addressOffset>8</addressOffset>"
		"<access>write-only</access></register>\n"
		"<register><name>V</name><addressOffset>12</addressOffset></register>\n"
		"</registers></peripheral>\n"));
	const struct regs_register *r = reg(d, "P", "R");

	ck_assert_uint_eq(r->access, REGS_READ | REGS_WRITE | REGS_ONCE);
	ck_assert_str_eq(r->fields[0].name, "C");	/* ascending lsb */
	ck_assert(r->fields[0].read_action);
	ck_assert_uint_eq(r->fields[1].lsb, 4);
	ck_assert_uint_eq(r->fields[1].width, 4);
	ck_assert_uint_eq(r->fields[2].lsb, 28);
	ck_assert_uint_eq(r->fields[2].width, 4);
	ck_assert_uint_eq(r->fields[2].access, REGS_WRITE | REGS_ONCE);
	/* A field's readAction makes its register read-sensitive. */
	ck_assert(r->read_action);
	ck_assert(!regs_register_listable(r));
	ck_assert(reg(d, "P", "S")->read_action);
	ck_assert(!regs_register_listable(reg(d, "P", "S")));
	ck_assert(!regs_register_listable(reg(d, "P", "W")));
	ck_assert(regs_register_listable(reg(d, "P", "V")));
	ck_assert_uint_eq(regs_access_bytes(reg(d, "P", "V")), 2);
	ck_assert_uint_eq(regs_access_bytes(r), 4);
	regs_free(d);
}
END_TEST

START_TEST(enumerations)
{
	struct regs_desc *d = load_ok(SVD(
		"<peripheral><name>P</name><baseAddress>0</baseAddress><registers>\n"
		"<register><name>R</name><addressOffset>0</addressOffset><access>read-write</access><fields>\n"
		"<field><name>M</name><bitOffset>0</bitOffset><bitWidth>3</bitWidth>\n"
		"<enumeratedValues><usage>read</usage>"
		"<enumeratedValue><name>IDLE</name><value>0</value></enumeratedValue>"
		"<enumeratedValue><name>ODD</name><value>#xx1</value></enumeratedValue>"
		"<enumeratedValue><name>OTHER</name><isDefault>true</isDefault></enumeratedValue>"
		"</enumeratedValues>\n"
		"<enumeratedValues><usage>write</usage>"
		"<enumeratedValue><name>GO</name><value>0x2</value></enumeratedValue>"
		"</enumeratedValues></field>\n"
		"</fields></register>\n"
		"</registers></peripheral>\n"));
	const struct regs_register *r = reg(d, "P", "R");
	const struct regs_field *m = regs_find_field(r, "M");
	char why[REGS_WHY_LEN];
	uint64_t v;

	ck_assert_uint_eq(m->n_enums, 4);
	ck_assert_str_eq(regs_enum_name(m, 0), "IDLE");
	ck_assert_str_eq(regs_enum_name(m, 5), "ODD");	/* #xx1 */
	ck_assert_str_eq(regs_enum_name(m, 3), "ODD");
	ck_assert_str_eq(regs_enum_name(m, 2), "OTHER");	/* isDefault */
	/* Write names are written, read names are not. */
	ck_assert_int_eq(regs_parse_value(r, m, "GO\n", 3, &v, why, sizeof(why)), 0);
	ck_assert_uint_eq(v, 2);
	ck_assert_int_eq(regs_parse_value(r, m, "IDLE", 4, &v, why, sizeof(why)),
			 -EINVAL);
	ck_assert_str_eq(why, "unknown value name");
	regs_free(d);
}
END_TEST

Suite *regs_svd_suite(void);

Suite *regs_svd_suite(void)
{
	Suite *s = suite_create("regs_svd");
	TCase *tc = tcase_create("model");

	tcase_add_test(tc, inheritance);
	tcase_add_test(tc, arrays);
	tcase_add_test(tc, clusters);
	tcase_add_test(tc, derivation);
	tcase_add_test(tc, bits_access_actions);
	tcase_add_test(tc, enumerations);
	suite_add_tcase(s, tc);
	return s;
}

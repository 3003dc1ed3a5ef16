/*
 * check_regs_errors.c - every way a description can fail to load, with
 * the one line a user sees: "FILE:LINE: PROBLEM".  Each case is a small
 * description written here; the line numbers are those of the snippets.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "regs.h"

/* An SVD device around @body, which starts on line 2. */
#define SVD(body)							\
	"<device><name>t</name><peripherals>\n" body			\
	"</peripherals></device>\n"
/* One peripheral P with @regs, which start on line 3 (4 after a "\n"). */
#define SVDP(regs)							\
	SVD("<peripheral><name>P</name><baseAddress>0</baseAddress>\n"	\
	    "<registers>" regs "</registers></peripheral>\n")
/* A register R at 0 (line 4) with @fields, from line 5 (6 after "\n"). */
#define SVDR(fields)							\
	SVDP("\n<register><name>R</name><addressOffset>0</addressOffset>\n" \
	     "<fields>" fields "</fields></register>\n")
/* An IP-XACT 2014 block with @regs, which start on line 3. */
#define IPX(regs)							\
	"<ipxact:component xmlns:ipxact=\"http://www.accellera.org/XMLSchema/IPXACT/1685-2014\">" \
	"<ipxact:memoryMaps><ipxact:memoryMap><ipxact:name>m</ipxact:name>\n" \
	"<ipxact:addressBlock><ipxact:name>B</ipxact:name>"		\
	"<ipxact:baseAddress>0</ipxact:baseAddress>\n" regs		\
	"</ipxact:addressBlock></ipxact:memoryMap></ipxact:memoryMaps>" \
	"</ipxact:component>\n"
#define IREG(body)							\
	"<ipxact:register><ipxact:name>R</ipxact:name>" body "</ipxact:register>\n"

static const struct {
	const char *xml;
	const char *want;
} cases[] = {
	/* The file itself. */
	{ "<foo/>\n", "t.xml:1: not a register description: the root element "
	  "is <foo>, not an SVD <device> or an IP-XACT <component>" },
	{ "<device><name>x</name></device>\n",
	  "t.xml:1: <device> without <peripherals>" },
	/* SVD peripherals. */
	{ SVD("<peripheral><baseAddress>0</baseAddress></peripheral>\n"),
	  "t.xml:2: <peripheral> without a <name>" },
	{ SVD("<peripheral><name>P</name></peripheral>\n"),
	  "t.xml:2: peripheral P has no <baseAddress>" },
	{ SVD("<peripheral><name>P</name><baseAddress>zz</baseAddress></peripheral>\n"),
	  "t.xml:2: <baseAddress> 'zz' is not a number" },
	{ SVD("<peripheral derivedFrom=\"NOPE\"><name>P</name></peripheral>\n"),
	  "t.xml:2: derivedFrom 'NOPE' names no peripheral" },
	{ SVD("<peripheral><name>P</name><baseAddress>0</baseAddress></peripheral>\n"
	      "<peripheral><name>P</name><baseAddress>8</baseAddress></peripheral>\n"),
	  "t.xml:3: block P is defined twice (also line 2)" },
	{ SVD("<peripheral><name>P.Q</name><baseAddress>0</baseAddress></peripheral>\n"),
	  "t.xml:2: block name 'P.Q' is empty or has '.', '/' or a blank" },
	/* SVD registers. */
	{ SVDP("\n<register><name>R</name></register>\n"),
	  "t.xml:4: <register> R has no <addressOffset>" },
	{ SVDP("\n<register><name>R</name><addressOffset>0</addressOffset>"
	       "<size>65</size></register>\n"),
	  "t.xml:4: <size> 65 is not 1..64 bits" },
	{ SVDP("\n<register><name>R</name><addressOffset>0</addressOffset>"
	       "<access>sometimes</access></register>\n"),
	  "t.xml:4: unknown <access> 'sometimes'" },
	{ SVDP("\n<register><name>R</name><addressOffset>0</addressOffset></register>\n"
	       "<register><name>R</name><addressOffset>4</addressOffset></register>\n"),
	  "t.xml:5: register P.R is defined twice (also line 4)" },
	{ SVDP("\n<register derivedFrom=\"Q\"><name>R</name></register>\n"),
	  "t.xml:4: derivedFrom 'Q' names no register" },
	{ SVDP("\n<register derivedFrom=\"S\"><name>R</name></register>\n"
	       "<register derivedFrom=\"R\"><name>S</name></register>\n"),
	  "t.xml:4: <register> derives from itself or through more than 8 elements" },
	{ SVDP("\n<register><name>R%s</name><dim>2</dim>"
	       "<addressOffset>0</addressOffset></register>\n"),
	  "t.xml:4: <dim> without <dimIncrement>" },
	{ SVDP("\n<register><name>R</name><dim>2</dim><dimIncrement>4</dimIncrement>"
	       "<addressOffset>0</addressOffset></register>\n"),
	  "t.xml:4: array 'R' has no %s in its name" },
	{ SVDP("\n<register><name>R%s</name><addressOffset>0</addressOffset></register>\n"),
	  "t.xml:4: 'R%s' has %s in its name but no <dim>" },
	{ SVDP("\n<register><name>R%s</name><dim>3</dim><dimIncrement>4</dimIncrement>"
	       "<dimIndex>A,B</dimIndex><addressOffset>0</addressOffset></register>\n"),
	  "t.xml:4: <dimIndex> of 'R%s' has fewer than 3 entries" },
	{ SVDP("\n<cluster><name>C</name></cluster>\n"),
	  "t.xml:4: <cluster> C has no <addressOffset>" },
	/* SVD fields. */
	{ SVDR("\n<field><name>F</name></field>\n"),
	  "t.xml:6: field F has no bit position (bitOffset, lsb/msb or bitRange)" },
	{ SVDR("\n<field><name>F</name><bitOffset>3</bitOffset></field>\n"),
	  "t.xml:6: field F: <bitOffset> without <bitWidth>" },
	{ SVDR("\n<field><name>F</name><lsb>3</lsb></field>\n"),
	  "t.xml:6: field F: <lsb> without an <msb> at or above it" },
	{ SVDR("\n<field><name>F</name><bitRange>[3:7]</bitRange></field>\n"),
	  "t.xml:6: field F: <bitRange> '[3:7]' is not [msb:lsb]" },
	{ SVDR("\n<field><name>F</name><bitOffset>60</bitOffset><bitWidth>8</bitWidth></field>\n"),
	  "t.xml:6: field F: bits 67..60 are not inside 0..63" },
	{ SVDR("\n<field><name>F</name><bitOffset>30</bitOffset><bitWidth>4</bitWidth></field>\n"),
	  "t.xml:6: field P.R.F (bits 33..30) lies outside its 32-bit register" },
	{ SVDR("\n<field><name>F</name><bitOffset>0</bitOffset><bitWidth>1</bitWidth></field>\n"
	       "<field><name>F</name><bitOffset>1</bitOffset><bitWidth>1</bitWidth></field>\n"),
	  "t.xml:7: field P.R.F is defined twice (also line 6)" },
	{ SVDR("\n<field><name>F</name><bitOffset>0</bitOffset><bitWidth>1</bitWidth>"
	       "<enumeratedValues><enumeratedValue><name>A</name></enumeratedValue>"
	       "</enumeratedValues></field>\n"),
	  "t.xml:6: <enumeratedValue> A has no <value>" },
	{ SVDR("\n<field><name>F</name><bitOffset>0</bitOffset><bitWidth>1</bitWidth>"
	       "<enumeratedValues><enumeratedValue><name>A</name><value>two</value>"
	       "</enumeratedValue></enumeratedValues></field>\n"),
	  "t.xml:6: <value> 'two' of A is not a number" },
	{ SVDR("\n<field><name>F</name><bitOffset>0</bitOffset><bitWidth>1</bitWidth>"
	       "<enumeratedValues><enumeratedValue><name>A</name><value>2</value>"
	       "</enumeratedValue></enumeratedValues></field>\n"),
	  "t.xml:6: value A (0x2) of field P.R.F does not fit in 1 bit" },
	{ SVDR("\n<field><name>F</name><bitOffset>0</bitOffset><bitWidth>1</bitWidth>"
	       "<enumeratedValues><usage>often</usage></enumeratedValues></field>\n"),
	  "t.xml:6: unknown <usage> 'often'" },
	{ SVDR("\n<field><name>F</name><bitOffset>0</bitOffset><bitWidth>1</bitWidth>"
	       "<enumeratedValues derivedFrom=\"E\"/></field>\n"),
	  "t.xml:6: derivedFrom 'E' names no enumeratedValues" },
	/* IP-XACT. */
	{ IPX(IREG("<ipxact:size>32</ipxact:size>")),
	  "t.xml:3: register R has no <addressOffset>" },
	{ IPX(IREG("<ipxact:addressOffset>0</ipxact:addressOffset>")),
	  "t.xml:3: register R has no <size>" },
	{ IPX(IREG("<ipxact:addressOffset>W*2</ipxact:addressOffset>"
		   "<ipxact:size>32</ipxact:size>")),
	  "t.xml:3: <addressOffset> 'W*2': unknown parameter" },
	{ IPX(IREG("<ipxact:addressOffset>4/(2-2)</ipxact:addressOffset>"
		   "<ipxact:size>32</ipxact:size>")),
	  "t.xml:3: <addressOffset> '4/(2-2)': division by zero" },
	{ IPX(IREG("<ipxact:addressOffset>'h4 4</ipxact:addressOffset>"
		   "<ipxact:size>32</ipxact:size>")),
	  "t.xml:3: <addressOffset> ''h4 4': unexpected text" },
	{ IPX(IREG("<ipxact:addressOffset>0</ipxact:addressOffset>"
		   "<ipxact:size>128</ipxact:size>")),
	  "t.xml:3: register R: <size> 128 is not 1..64 bits" },
	{ IPX(IREG("<ipxact:addressOffset>0</ipxact:addressOffset>"
		   "<ipxact:size>32</ipxact:size><ipxact:dim>100000</ipxact:dim>")),
	  "t.xml:3: array too large (at most 4 dimensions, 65536 elements)" },
	{ IPX(IREG("<ipxact:addressOffset>0</ipxact:addressOffset>"
		   "<ipxact:size>8</ipxact:size><ipxact:field><ipxact:name>F</ipxact:name>"
		   "<ipxact:bitOffset>0</ipxact:bitOffset></ipxact:field>")),
	  "t.xml:3: field F has no <bitWidth>" },
	{ IPX(IREG("<ipxact:addressOffset>0</ipxact:addressOffset>"
		   "<ipxact:size>8</ipxact:size><ipxact:field><ipxact:name>F</ipxact:name>"
		   "<ipxact:bitOffset>4</ipxact:bitOffset><ipxact:bitWidth>8</ipxact:bitWidth>"
		   "</ipxact:field>")),
	  "t.xml:3: field B.R.F (bits 11..4) lies outside its 8-bit register" },
	{ IPX(IREG("<ipxact:addressOffset>0</ipxact:addressOffset>"
		   "<ipxact:size>8</ipxact:size><ipxact:access>read-mostly</ipxact:access>")),
	  "t.xml:3: unknown <access> 'read-mostly'" },
	{ "<ipxact:component xmlns:ipxact=\"http://www.accellera.org/XMLSchema/IPXACT/1685-2022\">"
	  "<ipxact:memoryMaps><ipxact:memoryMap><ipxact:name>m</ipxact:name>\n"
	  "<ipxact:addressUnitBits>4</ipxact:addressUnitBits>"
	  "</ipxact:memoryMap></ipxact:memoryMaps></ipxact:component>\n",
	  "t.xml:2: addressUnitBits 4 is not a multiple of 8" },
};

START_TEST(each_error)
{
	struct regs_desc *d = NULL;
	struct regs_error err;
	char msg[600];

	ck_assert_int_eq(regs_load_memory(cases[_i].xml, strlen(cases[_i].xml),
					  "t.xml", &d, &err), -EINVAL);
	ck_assert_ptr_null(d);
	regs_error_format(&err, msg, sizeof(msg));
	ck_assert_str_eq(msg, cases[_i].want);
}
END_TEST

/* libxml2's own words differ between versions: the line and the prefix. */
START_TEST(not_xml)
{
	static const char xml[] = "<device>\n<name>x</nam>\n</device>\n";
	struct regs_desc *d = NULL;
	struct regs_error err;
	char msg[600];

	ck_assert_int_eq(regs_load_memory(xml, strlen(xml), "t.xml", &d, &err),
			 -EINVAL);
	ck_assert_ptr_null(d);
	regs_error_format(&err, msg, sizeof(msg));
	ck_assert_msg(!strncmp(msg, "t.xml:2: XML: ", 14) && strstr(msg, "name"),
		      "got %s", msg);
}
END_TEST

START_TEST(missing_file)
{
	struct regs_desc *d = NULL;
	struct regs_error err;
	char msg[600];

	ck_assert_int_eq(regs_load_file("/nonexistent/x.svd", &d, &err), -ENOENT);
	ck_assert_ptr_null(d);
	regs_error_format(&err, msg, sizeof(msg));
	ck_assert_str_eq(msg, "/nonexistent/x.svd: No such file or directory");
}
END_TEST

/* Lines past 65535 are told as they are (libxml2 stops at 65535 unless
 * asked not to). */
START_TEST(big_line_numbers)
{
	static char xml[200000];
	struct regs_desc *d = NULL;
	struct regs_error err;
	char msg[600];
	int n;

	n = snprintf(xml, sizeof(xml), "<device><name>t</name><peripherals>");
	memset(xml + n, '\n', 70000);
	n += 70000;
	snprintf(xml + n, sizeof(xml) - n,
		 "<peripheral><name>P</name></peripheral></peripherals></device>\n");
	ck_assert_int_eq(regs_load_memory(xml, strlen(xml), "t.xml", &d, &err),
			 -EINVAL);
	regs_error_format(&err, msg, sizeof(msg));
	ck_assert_str_eq(msg, "t.xml:70001: peripheral P has no <baseAddress>");
}
END_TEST

Suite *regs_errors_suite(void);

Suite *regs_errors_suite(void)
{
	Suite *s = suite_create("regs_errors");
	TCase *tc = tcase_create("errors");

	tcase_add_loop_test(tc, each_error, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, not_xml);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, big_line_numbers);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * regs_gen.h - register descriptions made on the spot for the tests and
 * the benchmark: hostile ones (as a stranger could send) and large ones.
 * Nothing big is ever committed; check_regs_hostile and tests/tools/
 * regs-gen both write them from here.
 *
 *   entity  N   IP-XACT whose DTD declares one 100 KB internal entity,
 *               referenced N times (20,000: 3.9 GB once expanded)
 *   laughs  N   the "billion laughs": N levels of ten references each
 *   parens  N   IP-XACT with N nested parentheses around an offset
 *   params  N   IP-XACT with N parameters, each naming the one before 8
 *               times; the register's offset is the last one (4)
 *   svd     N   SVD of N registers, 1,000 per peripheral, 2 fields each
 *               (about 245 bytes a register: 200,000 make 49 MB)
 *
 * Line numbers the tests expect: the entity declaration and the
 * expression are on line REGS_GEN_LINE.
 */
#ifndef REGS_GEN_H
#define REGS_GEN_H

#include <stdio.h>
#include <string.h>

#define REGS_GEN_LINE	3

#define REGS_GEN_NS "http://www.accellera.org/XMLSchema/IPXACT/1685-2014"

/* An IP-XACT component with one register; @offset is its offset text,
 * written by @put (on line REGS_GEN_LINE when @dtd has two lines). */
static inline void regs_gen_ipxact(FILE *f, const char *desc,
				   void (*put)(FILE *, long), long n,
				   const char *params)
{
	fprintf(f, "<ipxact:component xmlns:ipxact=\"" REGS_GEN_NS "\">"
		"<ipxact:name>hostile</ipxact:name>%s"
		"<ipxact:memoryMaps><ipxact:memoryMap><ipxact:name>m"
		"</ipxact:name><ipxact:addressBlock><ipxact:name>b"
		"</ipxact:name><ipxact:baseAddress>0</ipxact:baseAddress>"
		"<ipxact:range>4096</ipxact:range><ipxact:width>32"
		"</ipxact:width><ipxact:register><ipxact:name>R"
		"</ipxact:name><ipxact:description>%s</ipxact:description>"
		"<ipxact:addressOffset>", params ? params : "", desc);
	put(f, n);
	fputs("</ipxact:addressOffset><ipxact:size>32</ipxact:size>"
	      "</ipxact:register></ipxact:addressBlock></ipxact:memoryMap>"
	      "</ipxact:memoryMaps></ipxact:component>\n", f);
}

static inline void regs_gen_zero(FILE *f, long n)
{
	fputs("0", f);
}

static inline void regs_gen_nest(FILE *f, long n)
{
	for (long i = 0; i < n; i++)
		fputc('(', f);
	fputc('4', f);
	for (long i = 0; i < n; i++)
		fputc(')', f);
}

static inline void regs_gen_last_param(FILE *f, long n)
{
	fprintf(f, "P%ld", n - 1);
}

static inline void regs_gen_refs(FILE *f, const char *ref, long n)
{
	for (long i = 0; i < n; i++)
		fputs(ref, f);
}

/* Writes description @kind with parameter @n to @f; -1 if unknown. */
static inline int regs_gen(FILE *f, const char *kind, long n)
{
	if (!strcmp(kind, "entity")) {
		fputs("<?xml version=\"1.0\"?>\n"
		      "<!DOCTYPE ipxact:component [\n<!ENTITY big \"", f);
		for (long i = 0; i < 100 * 1024; i++)
			fputc('A', f);
		fputs("\">\n]>\n", f);
		fprintf(f, "<ipxact:component xmlns:ipxact=\"" REGS_GEN_NS
			"\"><ipxact:name>hostile</ipxact:name>"
			"<ipxact:description>");
		regs_gen_refs(f, "&big;", n);
		fputs("</ipxact:description></ipxact:component>\n", f);
	} else if (!strcmp(kind, "laughs")) {
		fputs("<?xml version=\"1.0\"?>\n<!DOCTYPE device [\n"
		      "<!ENTITY l0 \"lol\">", f);
		for (long i = 1; i <= n; i++) {
			fprintf(f, "<!ENTITY l%ld \"", i);
			for (int j = 0; j < 10; j++)
				fprintf(f, "&l%ld;", i - 1);
			fputs("\">", f);
		}
		fprintf(f, "\n]>\n<device><name>&l%ld;</name></device>\n", n);
	} else if (!strcmp(kind, "parens")) {
		fputs("<?xml version=\"1.0\"?>\n<!-- nested -->\n", f);
		regs_gen_ipxact(f, "parens", regs_gen_nest, n, NULL);
	} else if (!strcmp(kind, "params")) {
		fputs("<?xml version=\"1.0\"?>\n<!-- chained -->\n", f);
		fputs("", f);
		{
			char *buf = NULL;
			size_t len = 0;
			FILE *p = open_memstream(&buf, &len);

			if (!p)
				return -1;
			fputs("<ipxact:parameters>", p);
			for (long i = 0; i < n; i++) {
				fprintf(p, "<ipxact:parameter parameterId=\"P%ld\">"
					"<ipxact:name>P%ld</ipxact:name>"
					"<ipxact:value>", i, i);
				if (!i)
					fputs("4", p);
				for (int j = 0; i && j < 8; j++)
					fprintf(p, "%sP%ld", j ? "+" : "(",
						i - 1);
				fputs(i ? ")/8" : "", p);
				fputs("</ipxact:value></ipxact:parameter>", p);
			}
			fputs("</ipxact:parameters>", p);
			fclose(p);
			regs_gen_ipxact(f, "params", regs_gen_last_param, n,
					buf);
			free(buf);
		}
	} else if (!strcmp(kind, "svd")) {
		fputs("<?xml version=\"1.0\"?>\n<device><name>big</name>"
		      "<width>32</width><size>32</size><peripherals>\n", f);
		for (long p = 0; p * 1000 < n; p++) {
			fprintf(f, "<peripheral><name>P%ld</name><baseAddress>"
				"0x%lx</baseAddress><registers>\n", p,
				p * 0x1000);
			for (long r = 0; r < 1000 && p * 1000 + r < n; r++)
				fprintf(f, "<register><name>R%ld</name>"
					"<description>register %ld of "
					"peripheral %ld</description>"
					"<addressOffset>0x%lx</addressOffset>"
					"<fields><field><name>LO</name>"
					"<bitRange>[15:0]</bitRange></field>"
					"<field><name>HI</name><bitRange>"
					"[31:16]</bitRange></field></fields>"
					"</register>\n", r, r, p, r * 4);
			fputs("</registers></peripheral>\n", f);
		}
		fputs("</peripherals></device>\n", f);
	} else {
		return -1;
	}
	return 0;
}

#endif /* REGS_GEN_H */

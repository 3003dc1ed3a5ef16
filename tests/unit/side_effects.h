/*
 * side_effects.h - a fake machine whose registers have side effects, for
 * the suites of field writes (check_regs_writes.c) and of the command's
 * checks (check_client_checks.c): descriptions written here (an SVD and
 * an IP-XACT file) with write-1-to-clear and friends, read actions and
 * enumerated values, beside edu with the shipped descriptions.  Its BARs
 * are files: what the "device" saw written is read back from them.
 */
#ifndef SIDE_EFFECTS_H
#define SIDE_EFFECTS_H

#include <stdint.h>

#include "fake_mount.h"

#ifndef APERTURE_REGS_SRC
#ifdef CLIENT_SRCDIR		/* the client suites' build (client.mk) */
#define APERTURE_REGS_SRC CLIENT_SRCDIR "/regs"
#else
#define APERTURE_REGS_SRC "regs"
#endif
#endif

static const char se_machine[] =
	"function 00:04.0 1234:11e8 class=00ff\n"
	"bar0 mem 1M file=edu.bin\n"
	"function 00:08.0 1234:5678 class=00ff\n"
	"bar0 mem 4K file=svd.bin\n"
	"function 00:09.0 1234:5679 class=00ff\n"
	"bar0 mem 4K file=xact.bin\n";

#define SE_FIELD(name, lsb, width, extra)				\
	"<field><name>" name "</name><bitOffset>" #lsb "</bitOffset>"	\
	"<bitWidth>" #width "</bitWidth>" extra "</field>\n"
#define SE_REG(name, off, extra, fields)				\
	"<register><name>" name "</name><addressOffset>" #off		\
	"</addressOffset>" extra "<fields>\n" fields "</fields></register>\n"
#define SE_MWV(kind) "<modifiedWriteValues>" kind "</modifiedWriteValues>"

/*
 * blk at 0 of BAR0:
 *   CTRL  0x00  EN 0, PEND 1 (oneToClear), ARM 2 (oneToSet), FLIP 3
 *               (oneToToggle), RUN 4..7
 *   IRQ   0x04  oneToClear for the register: A 0, B 1 inherit it, CFG 8..11
 *               says modify
 *   LEVEL 0x08  NZ 0..3 (zeroToSet), NC 4 (zeroToClear), NT 5
 *               (zeroToToggle), EN2 8
 *   FIFO  0x0c  DATA 0..7 read with a side effect (readAction), COUNT 8..15
 *   POP   0x10  ALL 0..31 with a readAction: a field that is the register
 *   RC    0x14  readAction of the register; X 0, Y 1
 *   CLR   0x18  GO 0, STICKY 1 (clear: every write clears it)
 *   MODE  0x1c  M 0..1: IDLE 0, BUSY 2; SOME (a don't-care bit) #1x
 */
static const char se_svd[] =
	"<device><name>se</name><peripherals><peripheral><name>blk</name>"
	"<baseAddress>0</baseAddress><size>32</size><registers>\n"
	SE_REG("CTRL", 0x00, "",
	       SE_FIELD("EN", 0, 1, "")
	       SE_FIELD("PEND", 1, 1, SE_MWV("oneToClear"))
	       SE_FIELD("ARM", 2, 1, SE_MWV("oneToSet"))
	       SE_FIELD("FLIP", 3, 1, SE_MWV("oneToToggle"))
	       SE_FIELD("RUN", 4, 4, ""))
	SE_REG("IRQ", 0x04, SE_MWV("oneToClear"),
	       SE_FIELD("A", 0, 1, "")
	       SE_FIELD("B", 1, 1, "")
	       SE_FIELD("CFG", 8, 4, SE_MWV("modify")))
	SE_REG("LEVEL", 0x08, "",
	       SE_FIELD("NZ", 0, 4, SE_MWV("zeroToSet"))
	       SE_FIELD("NC", 4, 1, SE_MWV("zeroToClear"))
	       SE_FIELD("NT", 5, 1, SE_MWV("zeroToToggle"))
	       SE_FIELD("EN2", 8, 1, ""))
	SE_REG("FIFO", 0x0c, "",
	       SE_FIELD("DATA", 0, 8, "<readAction>clear</readAction>")
	       SE_FIELD("COUNT", 8, 8, ""))
	SE_REG("POP", 0x10, "",
	       SE_FIELD("ALL", 0, 32, "<readAction>clear</readAction>"))
	SE_REG("RC", 0x14, "<readAction>clear</readAction>",
	       SE_FIELD("X", 0, 1, "")
	       SE_FIELD("Y", 1, 1, ""))
	SE_REG("CLR", 0x18, "",
	       SE_FIELD("GO", 0, 1, "")
	       SE_FIELD("STICKY", 1, 1, SE_MWV("clear")))
	SE_REG("MODE", 0x1c, "",
	       SE_FIELD("M", 0, 2, "<enumeratedValues>"
			"<enumeratedValue><name>IDLE</name><value>0</value>"
			"</enumeratedValue>"
			"<enumeratedValue><name>BUSY</name><value>2</value>"
			"</enumeratedValue>"
			"<enumeratedValue><name>SOME</name><value>#1x</value>"
			"</enumeratedValue></enumeratedValues>"))
	"</registers></peripheral></peripherals></device>\n";

/* IP-XACT 1685-2014: xblk.CTRL at 0: EN 0, PEND 1 (oneToClear), and
 * 2022's fieldAccessPolicy form in ZCTRL at 4: ZEN 0, ZP 1 (zeroToClear). */
static const char se_xml[] =
	"<x:component xmlns:x=\"http://www.accellera.org/XMLSchema/IPXACT/"
	"1685-2014\"><x:name>sx</x:name><x:memoryMaps><x:memoryMap>"
	"<x:name>m</x:name><x:addressBlock><x:name>xblk</x:name>"
	"<x:baseAddress>0</x:baseAddress><x:range>64</x:range>"
	"<x:width>32</x:width>\n"
	"<x:register><x:name>CTRL</x:name><x:addressOffset>0</x:addressOffset>"
	"<x:size>32</x:size>"
	"<x:field><x:name>EN</x:name><x:bitOffset>0</x:bitOffset>"
	"<x:bitWidth>1</x:bitWidth></x:field>"
	"<x:field><x:name>PEND</x:name><x:bitOffset>1</x:bitOffset>"
	"<x:bitWidth>1</x:bitWidth>"
	"<x:modifiedWriteValue>oneToClear</x:modifiedWriteValue></x:field>"
	"</x:register>\n"
	"<x:register><x:name>ZCTRL</x:name><x:addressOffset>4</x:addressOffset>"
	"<x:size>32</x:size>"
	"<x:field><x:name>ZEN</x:name><x:bitOffset>0</x:bitOffset>"
	"<x:bitWidth>1</x:bitWidth></x:field>"
	"<x:field><x:name>ZP</x:name><x:bitOffset>1</x:bitOffset>"
	"<x:bitWidth>1</x:bitWidth><x:fieldAccessPolicies><x:fieldAccessPolicy>"
	"<x:modifiedWriteValue>zeroToClear</x:modifiedWriteValue>"
	"</x:fieldAccessPolicy></x:fieldAccessPolicies></x:field>"
	"</x:register>\n"
	"</x:addressBlock></x:memoryMap></x:memoryMaps></x:component>\n";

/* Mount se_machine with these descriptions and the shipped ones; extra
 * options @opts (or NULL). */
static inline void se_mount(struct fk *m, const char *opts)
{
	char fake[PATH_MAX + 8], opt[PATH_MAX * 3], path[PATH_MAX * 2];
	const char *argv[6] = { fake, "-f", "-o", opt, m->mnt, NULL };

	fk_prepare(m, se_machine);
	snprintf(path, sizeof(path), "%s/regs", m->dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/regs/1234:5678.svd", m->dir);
	fk_write(path, se_svd);
	snprintf(path, sizeof(path), "%s/regs/1234:5679.xml", m->dir);
	fk_write(path, se_xml);
	snprintf(opt, sizeof(opt), "regs=%s/regs,regs=%s%s%s", m->dir,
		 APERTURE_REGS_SRC, opts ? "," : "", opts ? opts : "");
	snprintf(fake, sizeof(fake), "--fake=%s", m->desc);
	ck_assert_int_eq(fk_run(m, argv), 0);
}

/* The 32-bit word at @off of BAR file @name of the work folder. */
static inline uint32_t se_bar32(struct fk *m, const char *name, off_t off)
{
	char path[PATH_MAX * 2];
	uint32_t v;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", m->dir, name);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 4, off), 4);
	close(fd);
	return v;
}

static inline void se_bar_put32(struct fk *m, const char *name, off_t off,
				uint32_t v)
{
	char path[PATH_MAX * 2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", m->dir, name);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, &v, 4, off), 4);
	close(fd);
}

#endif /* SIDE_EFFECTS_H */

/*
 * check_regs_hostile.c - descriptions are input from strangers: what a
 * hostile or careless file costs to refuse, and that a large honest one
 * loads.  The files are made here (tests/tools/regs_gen.h), never
 * committed.  Each refusal is asserted as the user reads it
 * ("FILE:LINE: reason"); time and peak memory are printed as figures
 * (tests/tools/regs-gen makes the same files for tests/bench/regs-bench
 * and regs-mount under /usr/bin/time -v), not
 * asserted, but a file that is expanded or recursed into shows as a test
 * killed by its timeout or by the sanitizers.
 *
 *  - an entity declared in the DTD (one 100 KB entity referenced 20,000
 *    times; the billion laughs) is refused at its line;
 *  - a file larger than REGS_FILE_MAX is refused before it is read;
 *  - 300,000 nested parentheses are refused (nesting limit), 250 load;
 *  - 16 parameters each naming the one before 8 times load (each is
 *    evaluated once), and $pow with a huge exponent ends;
 *  - the first XML error is reported, with its line, not libxml2's last;
 *  - 200,000 registers of SVD load;
 *  - the daemon, told to mount a hostile file, says which and why.
 */
#include <check.h>
#include <sys/resource.h>
#include <time.h>

#include "fake_mount.h"
#include "regs.h"
#include "tools/regs_gen.h"

static char dir[PATH_MAX];

static void setup(void)
{
	strcpy(dir, "/tmp/aperturefs-hostile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Writes generated description @kind (@n) as @name in dir; its path. */
static const char *gen(const char *kind, long n, const char *name)
{
	static char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(regs_gen(f, kind, n), 0);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Loads @path; returns what regs_load_file() did, with the formatted
 * error in @msg, and prints the time it took and the test's peak RSS.
 */
static int load(const char *what, const char *path, struct regs_desc **d,
		char *msg, size_t len)
{
	struct regs_error err = { 0 };
	struct rusage ru;
	double t0 = now();
	int ret;

	*d = NULL;
	ret = regs_load_file(path, d, &err);
	getrusage(RUSAGE_SELF, &ru);
	printf("%s: %s in %.3f s, peak RSS %ld kB\n", what,
	       ret ? "refused" : "loaded", now() - t0, ru.ru_maxrss);
	msg[0] = 0;
	if (ret)
		regs_error_format(&err, msg, len);
	return ret;
}

/* "PATH:LINE: " followed by @rest. */
static void expect_msg(const char *msg, const char *path, int line,
		       const char *rest)
{
	char want[PATH_MAX * 3];

	if (line)
		snprintf(want, sizeof(want), "%s:%d: %s", path, line, rest);
	else
		snprintf(want, sizeof(want), "%s: %s", path, rest);
	ck_assert_str_eq(msg, want);
}

START_TEST(entity_refused)
{
	const char *path = gen("entity", 20000, "entity.xml");
	struct regs_desc *d;
	char msg[1024];

	ck_assert_int_eq(load("entity x 20000", path, &d, msg, sizeof(msg)),
			 -EINVAL);
	expect_msg(msg, path, REGS_GEN_LINE, "declares entity 'big': entity "
		   "declarations are refused (a DTD has no place in a "
		   "register description)");
}
END_TEST

START_TEST(laughs_refused)
{
	const char *path = gen("laughs", 9, "laughs.svd");
	struct regs_desc *d;
	char msg[1024];

	ck_assert_int_eq(load("billion laughs", path, &d, msg, sizeof(msg)),
			 -EINVAL);
	expect_msg(msg, path, REGS_GEN_LINE, "declares entity 'l0': entity "
		   "declarations are refused (a DTD has no place in a "
		   "register description)");
}
END_TEST

START_TEST(too_large_refused)
{
	char path[PATH_MAX * 2], msg[1024], want[128];
	struct regs_error err = { 0 };
	struct regs_desc *d = NULL;
	FILE *f;

	/* Sparse: 64 MiB + 1 of size, a few bytes on disk. */
	snprintf(path, sizeof(path), "%s/big.svd", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("<device>", f);
	ck_assert_int_eq(ftruncate(fileno(f), REGS_FILE_MAX + 1ll), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(load("64 MiB + 1", path, &d, msg, sizeof(msg)),
			 -EFBIG);
	snprintf(want, sizeof(want), "%u bytes, more than the 64 MiB a "
		 "description may have", REGS_FILE_MAX + 1);
	expect_msg(msg, path, 0, want);
	/* From memory: refused on its length, nothing read. */
	ck_assert_int_eq(regs_load_memory("<device>", REGS_FILE_MAX + 1ul,
					  "mem.svd", &d, &err), -EFBIG);
	ck_assert_ptr_null(d);
}
END_TEST

START_TEST(deep_parens_refused)
{
	const char *path = gen("parens", 300000, "parens.xml");
	struct regs_desc *d;
	char msg[1024];

	ck_assert_int_eq(load("300000 parentheses", path, &d, msg,
			      sizeof(msg)), -EINVAL);
	expect_msg(msg, path, REGS_GEN_LINE, "<addressOffset> '"
		   "((((((((((((((((((((((((((((((((((((((((...': nested "
		   "too deeply (more than 256 levels)");
}
END_TEST

/* Nesting a person would write still loads. */
START_TEST(parens_within_limit)
{
	const char *path = gen("parens", 250, "parens.xml");
	const struct regs_register *r;
	struct regs_desc *d;
	char msg[1024];

	ck_assert_int_eq(load("250 parentheses", path, &d, msg, sizeof(msg)),
			 0);
	r = regs_find_register(regs_find_block(d, "b"), "R", 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->offset, 4);
	regs_free(d);
}
END_TEST

START_TEST(chained_params_once)
{
	const char *path = gen("params", 16, "params.xml");
	const struct regs_register *r;
	struct regs_desc *d;
	char msg[1024];

	ck_assert_int_eq(load("16 parameters x 8 references", path, &d, msg,
			      sizeof(msg)), 0);
	r = regs_find_register(regs_find_block(d, "b"), "R", 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->offset, 4);
	regs_free(d);
}
END_TEST

/* A parameter that names itself through another is refused, not looped. */
START_TEST(param_cycle_refused)
{
	static const char doc[] =
		"<ipxact:component xmlns:ipxact=\"" REGS_GEN_NS "\">"
		"<ipxact:parameters>\n"
		"<ipxact:parameter parameterId=\"A\"><ipxact:name>A"
		"</ipxact:name><ipxact:value>B+1</ipxact:value>"
		"</ipxact:parameter>\n"
		"<ipxact:parameter parameterId=\"B\"><ipxact:name>B"
		"</ipxact:name><ipxact:value>A*2</ipxact:value>"
		"</ipxact:parameter></ipxact:parameters>\n"
		"<ipxact:memoryMaps><ipxact:memoryMap><ipxact:name>m"
		"</ipxact:name><ipxact:addressBlock><ipxact:name>b"
		"</ipxact:name><ipxact:baseAddress>0</ipxact:baseAddress>"
		"<ipxact:range>4096</ipxact:range><ipxact:width>32"
		"</ipxact:width><ipxact:register><ipxact:name>R"
		"</ipxact:name>\n<ipxact:addressOffset>A</ipxact:addressOffset>"
		"<ipxact:size>32</ipxact:size></ipxact:register>"
		"</ipxact:addressBlock></ipxact:memoryMap></ipxact:memoryMaps>"
		"</ipxact:component>\n";
	struct regs_error err = { 0 };
	struct regs_desc *d = NULL;
	char msg[512];

	ck_assert_int_eq(regs_load_memory(doc, strlen(doc), "cycle.xml", &d,
					  &err), -EINVAL);
	regs_error_format(&err, msg, sizeof(msg));
	ck_assert_str_eq(msg, "cycle.xml:5: <addressOffset> 'A': unknown "
			 "parameter");
}
END_TEST

/* 2 ** (2^64 - 1) is 0 modulo 2^64, found in 64 steps. */
START_TEST(huge_power_ends)
{
	static const char doc[] =
		"<ipxact:component xmlns:ipxact=\"" REGS_GEN_NS "\">"
		"<ipxact:memoryMaps><ipxact:memoryMap><ipxact:name>m"
		"</ipxact:name><ipxact:addressBlock><ipxact:name>b"
		"</ipxact:name><ipxact:baseAddress>0</ipxact:baseAddress>"
		"<ipxact:range>4096</ipxact:range><ipxact:width>32"
		"</ipxact:width><ipxact:register><ipxact:name>R"
		"</ipxact:name><ipxact:addressOffset>"
		"$pow(2, 'hffffffffffffffff) + 3 ** 'hfffffffffffffff0 - "
		"'h702bde500f57b8c1 + 8</ipxact:addressOffset>"
		"<ipxact:size>32</ipxact:size></ipxact:register>"
		"</ipxact:addressBlock></ipxact:memoryMap></ipxact:memoryMaps>"
		"</ipxact:component>\n";
	struct regs_error err = { 0 };
	struct regs_desc *d = NULL;
	const struct regs_register *r;
	char msg[512] = "";
	int ret;

	ret = regs_load_memory(doc, strlen(doc), "pow.xml", &d, &err);
	if (ret)
		regs_error_format(&err, msg, sizeof(msg));
	ck_assert_msg(ret == 0, "%s", msg);
	r = regs_find_register(regs_find_block(d, "b"), "R", 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->offset, 8);
	regs_free(d);
}
END_TEST

/* libxml2 goes on after a mismatch and ends with "Premature end of
 * data" two lines further: the mismatch is what the user must fix. */
START_TEST(first_xml_error)
{
	static const char doc[] = "<device>\n<name>x</name>\n<p>\n"
				  "</device>\n<y/>\n";
	struct regs_error err = { 0 };
	struct regs_desc *d = NULL;
	char msg[512];

	ck_assert_int_eq(regs_load_memory(doc, strlen(doc), "t.svd", &d,
					  &err), -EINVAL);
	regs_error_format(&err, msg, sizeof(msg));
	ck_assert_str_eq(msg, "t.svd:4: XML: Opening and ending tag "
			 "mismatch: p line 3 and device");
}
END_TEST

START_TEST(large_svd_loads)
{
	const char *path = gen("svd", 200000, "big.svd");
	struct regs_desc *d;
	size_t n = 0;
	char msg[1024];

	ck_assert_int_eq(load("SVD of 200000 registers", path, &d, msg,
			      sizeof(msg)), 0);
	for (size_t i = 0; i < d->n_blocks; i++)
		n += d->blocks[i].n_regs;
	ck_assert_uint_eq(n, 200000);
	regs_free(d);
}
END_TEST

/* The daemon named a hostile file: it says which, where and why, and
 * mounts nothing. */
START_TEST(daemon_names_refusal)
{
	char fake[PATH_MAX + 8], opt[PATH_MAX * 2], want[PATH_MAX * 3];
	const char *argv[6] = { fake, "-f", "-o", opt, NULL, NULL };
	const char *path;
	struct fk m;
	char *log;

	fk_prepare(&m, "function 00:04.0 1234:11e8 class=00ff\n"
		   "bar0 mem 1M\n");
	argv[4] = m.mnt;
	path = gen("entity", 20000, "1234:11e8.xml");
	snprintf(fake, sizeof(fake), "--fake=%s", m.desc);
	snprintf(opt, sizeof(opt), "regs=%s", path);
	ck_assert_int_eq(fk_run(&m, argv), 1);
	ck_assert(!fk_mounted(m.mnt));
	log = fk_slurp(m.log);
	snprintf(want, sizeof(want), "aperturefs: %s:%d: declares entity "
		 "'big': entity declarations are refused (a DTD has no place "
		 "in a register description)\n", path, REGS_GEN_LINE);
	ck_assert_str_eq(log, want);
	free(log);
	fk_umount(&m);
}
END_TEST

Suite *regs_hostile_suite(void);

Suite *regs_hostile_suite(void)
{
	Suite *s = suite_create("regs_hostile");
	TCase *tc = tcase_create("refused");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, entity_refused);
	tcase_add_test(tc, laughs_refused);
	tcase_add_test(tc, too_large_refused);
	tcase_add_test(tc, deep_parens_refused);
	tcase_add_test(tc, parens_within_limit);
	tcase_add_test(tc, chained_params_once);
	tcase_add_test(tc, param_cycle_refused);
	tcase_add_test(tc, huge_power_ends);
	tcase_add_test(tc, first_xml_error);
	tcase_add_test(tc, daemon_names_refusal);
	suite_add_tcase(s, tc);
	tc = tcase_create("large");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, large_svd_loads);
	suite_add_tcase(s, tc);
	return s;
}

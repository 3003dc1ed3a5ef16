/*
 * check_client_access.c - how libaperture reaches a BAR, why a call
 * failed, and what the shared library exports and calls, on a tree laid
 * out as a mount and made of plain files (tests/unit/client_util.h):
 *
 *   - a register access never uses a page-cache mapping: the tree's BAR
 *     files map (plain files), but not as I/O memory, so accesses stay
 *     pread/pwrite and no mapping of the BAR file is left in
 *     /proc/self/maps (where the mount maps the device, FUSE
 *     passthrough, tests/vm/check_aperture.c shows the mapping is used);
 *   - aperture_last_error() is per handle: another handle's failure
 *     does not change it;
 *   - debian/libaperture0.symbols lists exactly what the library exports,
 *     with its version node, and the library calls only C, POSIX and
 *     libpci functions (nm -D of the built library).
 */
#include <stdbool.h>
#include <sys/sysmacros.h>

#include <aperture/aperture.h>

#include "client_util.h"

static struct aperture *ap;

static void access_setup(void)
{
	char path[600];
	FILE *f;

	ct_setup();
	/* As a mount of the default width says it: no reason not to map. */
	snprintf(path, sizeof(path), "%s/%s/info", ct_dir, CT_EDU);
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs("bar0.width: auto\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(aperture_open(ct_dir, "00:04.0", &ap), 0);
}

static void access_teardown(void)
{
	aperture_close(ap);
	ap = NULL;
	ct_teardown();
}

/* Lines of /proc/self/maps that map the file @path. */
static int maps_of(const char *path)
{
	unsigned int maj, min;
	unsigned long ino;
	char line[1024];
	struct stat st;
	int n = 0;
	FILE *f;

	ck_assert_int_eq(stat(path, &st), 0);
	f = fopen("/proc/self/maps", "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %x:%x %lu", &maj, &min, &ino) ==
		    3 && maj == major(st.st_dev) && min == minor(st.st_dev) &&
		    ino == st.st_ino)
			n++;
	fclose(f);
	return n;
}

/* ---- how accesses go ---------------------------------------------------- */

START_TEST(page_cache_is_never_mapped)
{
	char path[600];
	volatile void *p;
	uint32_t v = 0;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s/bar0", ct_dir, CT_EDU);
	ck_assert_int_eq(aperture_read32(ap, 0, 0x0, &v), 0);
	ck_assert_uint_eq(v, 0x010000ed);
	ck_assert_int_eq(aperture_write32(ap, 0, 0x4, 0xcafe), 0);
	ck_assert_int_eq(aperture_wait(ap, 0, 0x4, 4, ~0u, 0xcafe, 10, NULL),
			 0);
	ck_assert_int_eq(maps_of(path), 0);
	/* The user's own mapping of the same file is seen: the count works. */
	ck_assert_int_eq(aperture_map(ap, 0, &p, &len, NULL, 0), 0);
	ck_assert_int_eq(maps_of(path), 1);
	ck_assert_int_eq(aperture_unmap(ap, 0), 0);
	ck_assert_int_eq(maps_of(path), 0);
}
END_TEST

START_TEST(access_modes)
{
	uint64_t v = 0;

	ck_assert_int_eq(aperture_set_access(ap, APERTURE_ACCESS_FILE), 0);
	ck_assert_int_eq(aperture_read(ap, 0, 0x0, 4, &v), 0);
	ck_assert_uint_eq(v, 0x010000ed);
	ck_assert_int_eq(aperture_set_access(ap, APERTURE_ACCESS_AUTO), 0);
	ck_assert_int_eq(aperture_read(ap, 0, 0x0, 2, &v), 0);
	ck_assert_uint_eq(v, 0xed);
	ck_assert_int_eq(aperture_set_access(ap, 2), -EINVAL);
	ck_assert_int_eq(aperture_set_access(NULL, 0), -EINVAL);
}
END_TEST

/* ---- errors per handle -------------------------------------------------- */

START_TEST(last_error_names_what_failed)
{
	static const struct {
		int bar;
		uint64_t off;
		unsigned int width;
		int err;
		const char *why;
	} cases[] = {
		{ 0, 0x100000, 4, -ERANGE, CT_EDU " bar0 0x100000.l: read: "
		  "past the end of bar0 (0x100000 bytes)" },
		{ 0, 0x2, 4, -EINVAL, CT_EDU " bar0 0x2.l: read: not aligned "
		  "to its width (never split)" },
		{ 0, 0x0, 3, -EINVAL, CT_EDU " bar0 0x0: read: width 3: 1, 2, "
		  "4 or 8 bytes" },
		{ 2, 0x0, 4, -ENOENT, CT_EDU " bar2: read: the function has no "
		  "bar2" },
		{ 7, 0x0, 4, -EINVAL, CT_EDU " bar7: read: BARs are 0 to 5" },
	};
	uint64_t v;

	ck_assert_str_eq(aperture_last_error(ap), "");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(aperture_read(ap, cases[i].bar, cases[i].off,
					       cases[i].width, &v),
				 cases[i].err);
		ck_assert_str_eq(aperture_last_error(ap), cases[i].why);
	}
	ck_assert_int_eq(aperture_reg_read(ap, "edu.IDENT", &v), -ENOENT);
	ck_assert_str_eq(aperture_last_error(ap), CT_EDU " regs/edu/IDENT: "
			 "no such register in the descriptions of the mount "
			 "(aperturefs -o regs=DIR)");
	ck_assert_int_eq(aperture_reg_write(ap, "edu", 1), -EINVAL);
	ck_assert_str_eq(aperture_last_error(ap), CT_EDU " 'edu': not "
			 "BLOCK.REGISTER or BLOCK.REGISTER.FIELD");
	ck_assert_str_eq(aperture_last_error(NULL), "");
}
END_TEST

START_TEST(last_error_is_per_handle)
{
	struct aperture *other;
	uint64_t v;

	ck_assert_int_eq(aperture_open(ct_dir, "00:07.0", &other), 0);
	ck_assert_int_eq(aperture_read(ap, 0, 0x100000, 4, &v), -ERANGE);
	ck_assert_int_eq(aperture_write(other, 0, 0x1000, 2, 0), -ERANGE);
	ck_assert_str_eq(aperture_last_error(ap), CT_EDU " bar0 0x100000.l: "
			 "read: past the end of bar0 (0x100000 bytes)");
	ck_assert_str_eq(aperture_last_error(other), CT_EDU2 " bar0 0x1000.w: "
			 "write: past the end of bar0 (0x1000 bytes)");
	aperture_close(other);
}
END_TEST

/* ---- the shared library's symbols ------------------------------------- */

/* The built library, $(B)/lib/libaperture.so.0 from $(B)/tests/unit. */
static const char *lib_path(void)
{
	static char path[700];
	char self[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ck_assert_int_gt(n, 0);
	self[n] = 0;
	snprintf(path, sizeof(path), "%s/../../lib/libaperture.so.0",
		 dirname(self));
	return path;
}

/* The words nm -D @opts prints last on each line, one per line. */
static char *nm_words(const char *opts)
{
	char cmd[1024], word[256], *out = NULL;
	size_t len = 0;
	FILE *p, *o;

	snprintf(cmd, sizeof(cmd), "nm -D %s %s | awk '{ print $NF }' | "
		 "LC_ALL=C sort", opts, lib_path());
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	o = open_memstream(&out, &len);
	while (fscanf(p, "%255s", word) == 1)
		fprintf(o, "%s\n", word);
	ck_assert_int_eq(pclose(p), 0);
	fclose(o);
	return out;
}

START_TEST(symbols_file_lists_every_export)
{
	char cmd[1024], *want, *got = NULL, word[256];
	size_t len = 0;
	FILE *p, *o;

	/* nm: "aperture_open@@LIBAPERTURE_0", and each node on its own. */
	want = nm_words("--defined-only");
	o = open_memstream(&got, &len);
	snprintf(cmd, sizeof(cmd), "sed -n 's/^ \\([^ ]*\\) .*/\\1/p' "
		 "%s/debian/libaperture0.symbols | sed 's/^\\(LIBAPERTURE_"
		 "[^@]*\\)@.*/\\1/; s/@/@@/' | LC_ALL=C sort", CLIENT_SRCDIR);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fscanf(p, "%255s", word) == 1)
		fprintf(o, "%s\n", word);
	ck_assert_int_eq(pclose(p), 0);
	fclose(o);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
}
END_TEST

/*
 * What the library calls: C and POSIX (under glibc's names for them:
 * __isoc99_sscanf, open64, __getdelim for getline...) and libpci; a
 * glibc-only call (strerrorname_np, strchrnul) fails here.
 */
START_TEST(calls_only_c_posix_and_libpci)
{
	static const char *const ok[] = {
		"access", "calloc", "clock_gettime", "close", "closedir",
		"fclose", "fgets", "fopen", "fprintf", "fputc", "fputs",
		"free", "fstat", "fwrite", "getdelim", "getenv", "malloc",
		"memchr", "memcmp", "memcpy", "memmove", "memset", "mmap",
		"munmap", "nanosleep", "open", "open_memstream", "opendir",
		"poll", "pread", "pwrite", "qsort", "read", "readdir",
		"readlink", "realloc", "snprintf", "sscanf", "stat", "strchr",
		"strcmp", "strcspn", "strdup", "strerror", "strlen", "strncmp",
		"strncpy", "strndup", "strrchr", "strspn", "strstr",
		"strtok_r", "strtol", "strtoul", "strtoull", "sysconf",
		"vsnprintf", "write",
	};
	char *words = nm_words("--undefined-only"), *save = NULL, *w;

	for (w = strtok_r(words, "\n", &save); w;
	     w = strtok_r(NULL, "\n", &save)) {
		char name[256];
		size_t n;
		bool found = false;

		/* The runtime's own (sanitizers' too), and glibc's names of
		 * C and POSIX calls. */
		if (!strncmp(w, "_ITM_", 5) || !strcmp(w, "__gmon_start__") ||
		    !strncmp(w, "__asan_", 7) || !strncmp(w, "__ubsan_", 8) ||
		    !strncmp(w, "__sanitizer_", 12) ||
		    !strncmp(w, "__tsan_", 7) ||
		    !strncmp(w, "__cxa_finalize@", 15) ||
		    !strncmp(w, "__ctype_", 8) ||
		    !strncmp(w, "__errno_location@", 17) ||
		    !strncmp(w, "__stack_chk_fail@", 17) ||
		    !strncmp(w, "pci_", 4))
			continue;
		snprintf(name, sizeof(name), "%s", w +
			 (!strncmp(w, "__isoc99_", 9) ? 9 :
			  !strncmp(w, "__", 2) ? 2 : 0));
		name[strcspn(name, "@")] = 0;
		n = strlen(name);
		if (n > 4 && !strcmp(name + n - 4, "_chk"))
			name[n - 4] = 0;	/* _FORTIFY_SOURCE */
		n = strlen(name);
		if (n > 2 && !strcmp(name + n - 2, "64"))
			name[n - 2] = 0;	/* large-file names */
		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			found |= !strcmp(name, ok[i]);
		ck_assert_msg(found, "libaperture calls %s, not C or POSIX", w);
	}
	free(words);
}
END_TEST

Suite *client_access_suite(void);

Suite *client_access_suite(void)
{
	Suite *s = suite_create("client_access");
	TCase *tc;

	tc = tcase_create("how");
	tcase_add_checked_fixture(tc, access_setup, access_teardown);
	tcase_add_test(tc, page_cache_is_never_mapped);
	tcase_add_test(tc, access_modes);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, access_setup, access_teardown);
	tcase_add_test(tc, last_error_names_what_failed);
	tcase_add_test(tc, last_error_is_per_handle);
	suite_add_tcase(s, tc);

	tc = tcase_create("symbols");
	tcase_add_test(tc, symbols_file_lists_every_export);
	tcase_add_test(tc, calls_only_c_posix_and_libpci);
	suite_add_tcase(s, tc);
	return s;
}

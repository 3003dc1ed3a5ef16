/*
 * check_packages.c - aperturefs's Debian packages installed with apt into
 * a guest root that has never seen the project, used, and removed.
 *
 *   tests/vm/run --no-mount --before 'tests/vm/packages $APERTURE_KERNEL' \
 *           -- '$B/tests/vm/check_packages'
 *
 * tests/vm/packages builds the .debs in this world (dpkg-buildpackage) into
 * $APERTURE_SRC/build/packages/<world>/, beside a local repository of what
 * they need that the world's root lacks (dkms, man-db, the Debian 12 guest
 * kernels' headers): the guest has no network, so its apt reads that.
 * The tests run in order, each on what the one before left:
 * the runner's own module goes; the kernel's headers (Debian 12 world:
 * from the repository, as a user would) and the four packages (aperturefs,
 * aperture-io-dkms, libaperture0, libaperture-dev) are installed with
 * `apt install ./x.deb`, DKMS builds the module for every kernel with
 * headers; `modprobe` loads it; the shipped fstab line mounts with
 * `mount -a` and a member of its group reads edu's identity with hexdump,
 * with the aperture command and with a program compiled against the
 * installed library through pkg-config; the man pages open (aperturefs
 * with every option, aperture, libaperture); `apt remove` of the daemon
 * and the module leaves none of their files, no module, no mount helper,
 * and `apt purge` of the libraries leaves nothing of the four.  Last, `make install` and
 * `make uninstall` from the source tree (run on the host in this world by
 * tests/vm/packages) put in place and take away the same set as the
 * packages.
 *
 * Cost under TCG: see each test's "took" line; the DKMS builds (one per
 * kernel with headers) are most of it, and the packages are installed once.
 */
#include <sys/utsname.h>

#include "fs_util.h"
#include "aperture/aperture.h"

#define APT "DEBIAN_FRONTEND=noninteractive apt-get -q -y "
/* The four packages, as apt and dpkg name them. */
#define PACKAGES "aperturefs aperture-io-dkms libaperture0 libaperture-dev"
/*
 * What names the project where the packages' maintainer scripts and the
 * tools they run (dpkg, DKMS, depmod, ldconfig) write, beside the files
 * dpkg lists (assert_gone): configuration, state, /boot, module trees,
 * /usr/src, /usr/local, the command and library directories.  Not all of
 * /usr: on the Debian 12 world's root (this host's, 170,000 entries over
 * 9p) one such find cost minutes under TCG.
 */
#define TRACES                                                              \
	"{ find /etc /var /opt /boot /usr/src /usr/local /usr/bin /usr/sbin " \
	"/lib/modules/ -xdev -iname '*aperture*'; find /usr/lib/$(gcc "       \
	"-print-multiarch) /usr/lib/modules-load.d -xdev -maxdepth 2 "        \
	"-iname '*aperture*'; } 2>/dev/null | sort"

static char pkgdir[FS_PATH_LEN], version[64];
static struct timespec step_t0;

/* Each test's time in the log: where the suite's minutes go. */
static void step_start(void)
{
	clock_gettime(CLOCK_MONOTONIC, &step_t0);
}

static void step_end(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	printf("check_packages: %s took %ld s\n", tcase_name(),
	       (long)(t.tv_sec - step_t0.tv_sec));
	fflush(stdout);
}

/* $APERTURE_SRC/build/packages/<world> and the version of its .debs. */
static void find_packages(void)
{
	const char *src = getenv("APERTURE_SRC"), *w = getenv("APERTURE_WORLD");
	char *v;
	int st;

	ck_assert_msg(src && w, "APERTURE_SRC or APERTURE_WORLD unset");
	snprintf(pkgdir, sizeof(pkgdir), "%s/build/packages/%s", src, w);
	v = fs_sh(&st, "cd %s && ls aperturefs_*.deb | sed 's/^aperturefs_//; "
		  "s/_.*//'", pkgdir);
	ck_assert_msg(st == 0 && *v, "no aperturefs_*.deb in %s", pkgdir);
	snprintf(version, sizeof(version), "%.*s", (int)strcspn(v, "\n"), v);
	free(v);
}

/* Run a shell command that must succeed; show its output if it fails. */
static void __attribute__((format(printf, 1, 2))) must(const char *fmt, ...)
{
	char cmd[4096], *out;
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out = fs_sh(&st, "(%s) 2>&1", cmd);
	ck_assert_msg(st == 0, "status %d of: %s\n%s", st, cmd, out);
	free(out);
}

START_TEST(fresh_root)
{
	find_packages();
	/* The runner loaded its own build of the module: unload it. */
	must("rmmod aperture_io");
	ck_assert_int_ne(access("/sys/module/aperture_io", F_OK), 0);
	fs_expect("", "dpkg -l 'aperture*' 2>/dev/null | grep '^[a-z][a-z] '; true");
	fs_expect("", "ls /usr/src | grep aperture; command -v aperturefs "
		  "mount.fuse.aperturefs aperture; true");
	fs_expect("", "ldconfig -p | grep libaperture; pkg-config --exists "
		  "aperture && echo aperture.pc; true");
	/*
	 * Where the runner shares the kernel's module tree read-only, give
	 * it a writable layer, as a real system's is: the share over what
	 * the root itself holds there (the Debian 13 root's build links).
	 */
	must("m=/lib/modules/$(uname -r); mountpoint -q $m || exit 0; "
	     "mkdir -p /tmp/mods/root /tmp/mods/upper /tmp/mods/work && "
	     "mount --bind / /tmp/mods/root && l=$m && "
	     "{ [ ! -d /tmp/mods/root$m ] || l=$m:/tmp/mods/root$m; } && "
	     "mount -t overlay overlay -o lowerdir=$l,upperdir=/tmp/mods/upper,"
	     "workdir=/tmp/mods/work $m");
	/*
	 * A real system has its running kernel's image installed, with the
	 * module index (modules.dep); this root may not (the guest boots
	 * the runner's kernel), and DKMS 3.2 skips depmod for a kernel
	 * without one.  Index what the root has for the running kernel.
	 */
	must("m=/lib/modules/$(uname -r); [ -f $m/modules.dep ] || "
	     "{ mkdir -p $m && depmod $(uname -r); }");
	/* No network: apt reads the local repository only. */
	must("rm -f /etc/apt/sources.list.d/*; echo 'deb [trusted=yes] "
	     "file:%s/repo ./' >/etc/apt/sources.list; " APT "update", pkgdir);
}
END_TEST

/* apt install ./x.deb of the four packages, timed. */
static void apt_install(void)
{
	char *out;
	int st;
	time_t t0 = time(NULL);

	out = fs_sh(&st, "cd %s && " APT "install ./aperturefs_%s_*.deb "
		    "./aperture-io-dkms_%s_all.deb ./libaperture0_%s_*.deb "
		    "./libaperture-dev_%s_*.deb 2>&1", pkgdir, version, version,
		    version, version);
	ck_assert_msg(st == 0, "apt install failed (%d):\n%s", st, out);
	printf("check_packages: apt install of the four packages (DKMS "
	       "builds included) took %ld s\n", (long)(time(NULL) - t0));
	free(out);
}

START_TEST(install)
{
	time_t t0 = time(NULL);

	find_packages();
	/*
	 * Debian 12 world: the running kernel's headers, as a user would
	 * install them (the Debian 13 root has them already).  The backports
	 * kernel's headers depend on its image, which a user would have: no
	 * initramfs for it (INITRD=No), the guest boots the runner's own.
	 */
	must("[ -f /lib/modules/$(uname -r)/build/Makefile ] || INITRD=No "
	     APT "install linux-headers-$(uname -r)");
	/*
	 * No man page index: Debian's switch for automatic installs
	 * (man-db/auto-update, bug 554914).  Building the index of the
	 * whole root under TCG (man-db's postinst, then its trigger at each
	 * install and removal) cost minutes; man finds the pages without
	 * it, which man_page proves.
	 */
	must("echo 'man-db man-db/auto-update boolean false' | "
	     "debconf-set-selections && rm -f /var/lib/man-db/auto-update");
	must(APT "install man-db");
	printf("check_packages: the kernel's headers and man-db took %ld s\n",
	       (long)(time(NULL) - t0));
	/* What names the project (or only looks like it: the headers'
	 * aperture.h) before: compared after the purge. */
	must(TRACES " >/tmp/traces-before");
	apt_install();
	fs_expect("install ok installed\ninstall ok installed\n"
		  "install ok installed\ninstall ok installed\n",
		  "dpkg-query -W -f='${Status}\\n' " PACKAGES);
	fs_expect("", "dpkg-query -W -f='${Status}\\n' dkms | "
		  "grep -v '^install ok installed$'; true");
	/* Every file of the packages, for the removal tests. */
	must("dpkg -L " PACKAGES " >/tmp/pkg-files");
	must("dpkg -L aperturefs aperture-io-dkms >/tmp/pkg-files-removed");
}
END_TEST

/* DKMS built and installed the module for every kernel with headers. */
START_TEST(dkms_every_kernel)
{
	char *kernels, *k, *save;
	int st, n = 0, running = 0;
	struct utsname u;

	find_packages();
	uname(&u);
	kernels = fs_sh(&st, "for d in /lib/modules/*/build/Makefile; do "
			"[ -f \"$d\" ] && basename $(dirname $(dirname $d)); done");
	for (k = strtok_r(kernels, "\n", &save); k; k = strtok_r(NULL, "\n", &save)) {
		fs_expect("installed\n", "dkms status -m aperture-io -v %s -k %s "
			  "| sed -n 's/.*: //p'", version, k);
		fs_expect("1\n", "ls /lib/modules/%s/updates/dkms/aperture_io.ko* "
			  "| wc -l", k);
		running |= !strcmp(k, u.release);
		n++;
	}
	printf("check_packages: DKMS installed aperture_io for %d kernel(s)\n", n);
	ck_assert_msg(running, "no module for the running kernel %s", u.release);
	free(kernels);
}
END_TEST

START_TEST(modprobe_and_modules_load)
{
	/* What the modules-load.d entry names, loaded as systemd-modules-load
	 * does at boot (modprobe of each name). */
	fs_expect("aperture_io\n", "grep -v '^#' "
		  "/usr/lib/modules-load.d/aperturefs.conf");
	must("modprobe -a $(grep -v '^#' /usr/lib/modules-load.d/aperturefs.conf)");
	ck_assert_int_eq(access("/dev/aperture_io", F_OK), 0);
	fs_expect("/updates/dkms/aperture_io.ko\n",
		  "modinfo -F filename aperture_io | sed 's|.*\\(/updates/\\)|\\1|; "
		  "s/\\.ko\\..*/.ko/'");
	must("rmmod aperture_io && modprobe aperture_io");
}
END_TEST

/* The shipped fstab line: mount -a, a member of its group reads edu. */
START_TEST(fstab_mount)
{
	must("modprobe aperture_io");
	must("groupadd lab && useradd -M -G lab alice && useradd -M bob");
	must("grep -v '^#' /usr/share/doc/aperturefs/examples/fstab >/etc/fstab"
	     " && mkdir -p /mnt/apertures && mount -a");
	fs_expect("fuse.aperturefs\n", "findmnt -n -o FSTYPE /mnt/apertures");
	fs_expect("0000:00:04.0\nby-id\n", "ls /mnt/apertures");
	fs_expect("-rw-rw---- root lab\n", "stat -c '%%A %%U %%G' "
		  "/mnt/apertures/0000:00:04.0/bar0");
	fs_expect("010000ed\n", "su alice -s /bin/sh -c \"hexdump -n 4 -e "
		  "'1/4 \\\"%%08x\\\\n\\\"' /mnt/apertures/0000:00:04.0/bar0\"");
	fs_expect("denied\n", "su bob -s /bin/sh -c 'hexdump -n 4 "
		  "/mnt/apertures/0000:00:04.0/bar0' 2>&1 | grep -o denied");
}
END_TEST

/* The aperture command (aperturefs package) on that mount, as alice. */
START_TEST(aperture_command)
{
	must("findmnt /mnt/apertures >/dev/null || { modprobe aperture_io && "
	     "mount /mnt/apertures; }");
	fs_expect("/usr/bin/aperture\n", "command -v aperture");
	fs_expect("0x010000ed\n", "su alice -s /bin/sh -c 'aperture -s 00:04.0 "
		  "bar0 0x0.l' 2>&1");
}
END_TEST

/* A program a user writes, built against the installed library through
 * pkg-config (libaperture-dev) and run as alice (libaperture0). */
static const char client_c[] =
	"#include <stdio.h>\n"
	"#include <aperture/aperture.h>\n"
	"int main(void)\n"
	"{\n"
	"	struct aperture *ap;\n"
	"	uint64_t v;\n"
	"	int err = aperture_open(NULL, \"00:04.0\", &ap);\n"
	"	if (!err)\n"
	"		err = aperture_read(ap, 0, 0x0, 4, &v);\n"
	"	if (err) {\n"
	"		printf(\"%s\\n\", aperture_errno_name(err));\n"
	"		return 1;\n"
	"	}\n"
	"	printf(\"0x%08llx\\n\", (unsigned long long)v);\n"
	"	aperture_close(ap);\n"
	"	return 0;\n"
	"}\n";

START_TEST(library_program)
{
	FILE *f;

	find_packages();
	must("findmnt /mnt/apertures >/dev/null || { modprobe aperture_io && "
	     "mount /mnt/apertures; }");
	must("rm -rf /tmp/client && mkdir /tmp/client");
	f = fopen("/tmp/client/t.c", "w");
	ck_assert_ptr_nonnull(f);
	fputs(client_c, f);
	ck_assert_int_eq(fclose(f), 0);
	fs_expect("libaperture-dev\n", "dpkg -S $(pkg-config --variable="
		  "pcfiledir aperture)/aperture.pc | cut -d: -f1");
	must("cd /tmp/client && cc -Wall -Werror -o t t.c "
	     "$(pkg-config --cflags --libs aperture)");
	/* The library the dynamic linker loads is libaperture0's. */
	fs_expect("libaperture0\n", "dpkg -S $(readlink -f $(ldd /tmp/client/t "
		  "| sed -n 's/.*libaperture.so.0 => \\([^ ]*\\) .*/\\1/p'))"
		  " | cut -d: -f1");
	fs_expect("0x010000ed\n", "su alice -s /bin/sh -c /tmp/client/t 2>&1");
	must("umount /mnt/apertures && rmmod aperture_io");
}
END_TEST

/* man -P cat aperturefs, with every -o option --help lists; aperture(1)
 * and libaperture(3). */
START_TEST(man_page)
{
	char *opts, *o, *save, *page;
	int st, n = 0;

	page = fs_sh(&st, "MANWIDTH=200 man -P cat aperturefs 2>&1");
	ck_assert_msg(st == 0, "man -P cat aperturefs: %d\n%s", st, page);
	ck_assert_ptr_nonnull(strstr(page, "ACCESS RULES"));
	ck_assert_ptr_nonnull(strstr(page, "THE TREE"));
	ck_assert_ptr_nonnull(strstr(page, "fuse.aperturefs devices=00:04.0"));
	opts = fs_sh(&st, "aperturefs --help | sed -n '/^aperturefs options:/,"
		     "/^FUSE options:/ s/^ *-o \\([a-z_]*\\).*/\\1/p'");
	for (o = strtok_r(opts, "\n", &save); o; o = strtok_r(NULL, "\n", &save)) {
		ck_assert_msg(strstr(page, o), "option %s not in the man page", o);
		n++;
	}
	ck_assert_int_ge(n, 7);
	free(opts);
	free(page);
	page = fs_sh(&st, "MANWIDTH=200 man -P cat aperture 2>&1");
	ck_assert_msg(st == 0, "man -P cat aperture: %d\n%s", st, page);
	ck_assert_ptr_nonnull(strstr(page, "read, write and wait on PCI "
				     "registers through an aperturefs mount"));
	free(page);
	page = fs_sh(&st, "MANWIDTH=200 man -P cat 3 libaperture 2>&1");
	ck_assert_msg(st == 0, "man -P cat 3 libaperture: %d\n%s", st, page);
	ck_assert_ptr_nonnull(strstr(page, "PCI registers and BARs from C "
				     "through an aperturefs mount"));
	ck_assert_ptr_nonnull(strstr(page, "aperture_open"));
	free(page);
}
END_TEST

/* Nothing of the packages listed in @files is left: no module, no file,
 * no mount helper. */
static void assert_gone(const char *files)
{
	fs_expect("", "while read -r f; do [ -d \"$f\" ] || ! [ -e \"$f\" -o "
		  "-L \"$f\" ] || echo \"$f\"; done <%s", files);
	fs_expect("", "find /lib/modules/ /var/lib/dkms -iname '*aperture*' "
		  "2>/dev/null; true");
	fs_expect("", "ls /sbin/mount.fuse.aperturefs /usr/sbin/mount.fuse."
		  "aperturefs /usr/bin/aperturefs 2>/dev/null; true");
	fs_expect("1\n", "modinfo aperture_io >/dev/null 2>&1; echo $?");
}

/*
 * The daemon and the module removed: none of their files, no module, no
 * mount helper.  None of the four packages has a conffile or a postrm, so
 * dpkg forgets a removed one (no "rc" state) and a purge does the same as
 * a removal: the packages are installed once (a second install would cost
 * one more DKMS build per kernel), the daemon and the module are removed,
 * the libraries purged.
 */
START_TEST(apt_remove)
{
	find_packages();
	fs_expect("", "cd %s && for p in aperturefs_%s_*.deb "
		  "aperture-io-dkms_%s_all.deb libaperture0_%s_*.deb "
		  "libaperture-dev_%s_*.deb; do dpkg-deb --ctrl-tarfile $p | "
		  "tar -t; done | grep -e conffiles -e postrm; true", pkgdir,
		  version, version, version, version);
	must(APT "remove aperturefs aperture-io-dkms");
	assert_gone("/tmp/pkg-files-removed");
	fs_expect("", "dpkg -l aperturefs aperture-io-dkms 2>/dev/null | "
		  "grep '^[a-z][a-z] '; true");
	fs_expect("install ok installed\ninstall ok installed\n",
		  "dpkg-query -W -f='${Status}\\n' libaperture0 libaperture-dev");
}
END_TEST

/* The libraries purged: nothing of the four is left, nothing names the
 * project. */
START_TEST(apt_purge)
{
	must(APT "purge libaperture0 libaperture-dev");
	fs_expect("", "dpkg -l 'aperture*' 'libaperture*' 2>/dev/null | "
		  "grep '^[a-z][a-z] '; true");
	assert_gone("/tmp/pkg-files");
	fs_expect("", "ldconfig -p | grep libaperture; true");
	fs_expect("", TRACES " | diff /tmp/traces-before -");
}
END_TEST

/*
 * make install and make uninstall (with DESTDIR, PREFIX, SBINDIR and LIBDIR
 * as debian/rules sets them) from the source tree put in place and take
 * away the four packages' files, and build no test suite.  The build ran
 * on the host, in this world (tests/vm/make-install, from the same tarball
 * as the packages): compiling the tree in a TCG guest cost minutes.
 */
START_TEST(make_install_uninstall)
{
	char built[128];

	find_packages();
	/* The daemon, the command and the library (named by its version,
	 * APERTURE_LIB_VERSION) were built, and nothing of the test suites. */
	snprintf(built, sizeof(built), "build/host/aperture.installable\n"
		 "build/host/aperturefs\nbuild/host/lib/libaperture.so.%d.%d.%d\n",
		 APERTURE_LIB_VERSION >> 16, (APERTURE_LIB_VERSION >> 8) & 0xff,
		 APERTURE_LIB_VERSION & 0xff);
	fs_expect(built, "cat %s/make-install/built", pkgdir);
	/* The packages' files, but for Debian's own (changelog, copyright)
	 * and with the man pages as installed, uncompressed. */
	fs_expect("", "cd %s && for p in aperturefs_%s_*.deb "
		  "aperture-io-dkms_%s_all.deb libaperture0_%s_*.deb "
		  "libaperture-dev_%s_*.deb; do dpkg-deb -c $p; done | awk "
		  "'$1 !~ /^d/ { print substr($6, 2) }' | grep -v -e "
		  "/changelog.gz -e /copyright | sed 's/\\.gz$//' | sort | "
		  "diff - make-install/installed", pkgdir, version, version,
		  version, version);
	fs_expect("", "cat %s/make-install/left", pkgdir);
}
END_TEST

Suite *packages_suite(void);

Suite *packages_suite(void)
{
	Suite *s = suite_create("packages");
	TCase *tc;

	tc = tcase_create("packages");
	tcase_add_test(tc, fresh_root);
	tcase_add_test(tc, install);
	tcase_add_test(tc, dkms_every_kernel);
	tcase_add_test(tc, modprobe_and_modules_load);
	tcase_add_test(tc, fstab_mount);
	tcase_add_test(tc, aperture_command);
	tcase_add_test(tc, library_program);
	tcase_add_test(tc, man_page);
	tcase_add_test(tc, apt_remove);
	tcase_add_test(tc, apt_purge);
	tcase_add_test(tc, make_install_uninstall);
	tcase_add_checked_fixture(tc, step_start, step_end);
	tcase_set_timeout(tc, 1200);
	suite_add_tcase(s, tc);
	return s;
}

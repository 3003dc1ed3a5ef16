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
 * from the repository, as a user would) and the two packages are installed
 * with `apt install ./x.deb`, DKMS builds the module for every kernel with
 * headers; `modprobe` loads it; the shipped fstab line mounts with
 * `mount -a` and a member of its group reads edu's identity; the man page
 * opens with every option; `apt remove` and `apt purge` leave nothing.
 * Last, `make install` and `make uninstall` from the source tree put in
 * place and take away the same set as the packages.
 */
#include <sys/utsname.h>

#include "fs_util.h"

#define APT "DEBIAN_FRONTEND=noninteractive apt-get -q -y "
/* What names the project, outside the tree and the build. */
#define TRACES                                                              \
	"find /etc /usr /var /opt /lib/modules -xdev -iname '*aperture*' "  \
	"2>/dev/null | sort"

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
		  "mount.fuse.aperturefs; true");
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

/* apt install ./aperturefs_*.deb ./aperture-io-dkms_*.deb, timed. */
static void apt_install(const char *why)
{
	char *out;
	int st;
	time_t t0 = time(NULL);

	out = fs_sh(&st, "cd %s && " APT "install ./aperturefs_%s_*.deb "
		    "./aperture-io-dkms_%s_all.deb 2>&1", pkgdir, version, version);
	ck_assert_msg(st == 0, "apt install failed (%d):\n%s", st, out);
	printf("check_packages: apt install of aperturefs and aperture-io-dkms "
	       "(%s, DKMS builds included) took %ld s\n", why,
	       (long)(time(NULL) - t0));
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
	must(APT "install man-db");
	printf("check_packages: the kernel's headers and man-db took %ld s\n",
	       (long)(time(NULL) - t0));
	/* What names the project (or only looks like it: the headers'
	 * aperture.h) before: compared after the purge. */
	must(TRACES " >/tmp/traces-before");
	apt_install("first");
	fs_expect("install ok installed\ninstall ok installed\n",
		  "dpkg-query -W -f='${Status}\\n' aperturefs aperture-io-dkms");
	fs_expect("", "dpkg-query -W -f='${Status}\\n' dkms | "
		  "grep -v '^install ok installed$'; true");
	/* Every file of the packages, for the removal tests. */
	must("dpkg -L aperturefs aperture-io-dkms >/tmp/pkg-files");
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
	must("umount /mnt/apertures && rmmod aperture_io");
}
END_TEST

/* man -P cat aperturefs, with every -o option --help lists. */
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
}
END_TEST

/* Nothing of the packages is left: no module, no file, no mount helper. */
static void assert_gone(void)
{
	fs_expect("", "while read -r f; do [ -d \"$f\" ] || ! [ -e \"$f\" -o "
		  "-L \"$f\" ] || echo \"$f\"; done </tmp/pkg-files");
	fs_expect("", "find /lib/modules/ /var/lib/dkms -iname '*aperture*' "
		  "2>/dev/null; true");
	fs_expect("", "ls /sbin/mount.fuse.aperturefs /usr/sbin/mount.fuse."
		  "aperturefs /usr/bin/aperturefs 2>/dev/null; true");
	fs_expect("1\n", "modinfo aperture_io >/dev/null 2>&1; echo $?");
}

START_TEST(apt_remove)
{
	must(APT "remove aperturefs aperture-io-dkms");
	assert_gone();
}
END_TEST

/* Once more, then purged (a removed package without conffiles is gone
 * from dpkg's records: apt purge has nothing left to act on). */
START_TEST(apt_purge)
{
	find_packages();
	apt_install("again");
	fs_expect("install ok installed\ninstall ok installed\n",
		  "dpkg-query -W -f='${Status}\\n' aperturefs aperture-io-dkms");
	must(APT "purge aperturefs aperture-io-dkms");
	fs_expect("", "dpkg -l 'aperture*' 2>/dev/null | grep '^[a-z][a-z] '; true");
	assert_gone();
	fs_expect("", TRACES " | diff /tmp/traces-before -");
}
END_TEST

/*
 * make install and make uninstall (with DESTDIR, PREFIX and SBINDIR as
 * debian/rules sets them) from the source tree put in place and take away
 * the packages' files, and build no test suite.
 */
START_TEST(make_install_uninstall)
{
	const char *vars = "DESTDIR=/tmp/d PREFIX=/usr SBINDIR=/usr/sbin";

	find_packages();
	must("rm -rf /tmp/s /tmp/d && mkdir /tmp/s && tar -xf "
	     "%s/aperturefs-%s.tar -C /tmp/s", pkgdir, version);
	must("env -u B make -C /tmp/s/aperturefs-%s -j2 install install-dkms %s",
	     version, vars);
	/* The daemon was built, and nothing of the test suites. */
	fs_expect(fs_path("/tmp/s/aperturefs-%s/build/host/aperturefs\n", version),
		  "find /tmp/s/aperturefs-%s/build -type f -perm -100", version);
	/* The packages' files, but for Debian's own (changelog, copyright)
	 * and with the man page as installed, uncompressed. */
	fs_expect("", "cd %s && { dpkg-deb -c aperturefs_%s_*.deb; dpkg-deb "
		  "-c aperture-io-dkms_%s_all.deb; } | awk '$1 !~ /^d/ { print "
		  "substr($6, 2) }' | grep -v -e /changelog.gz -e /copyright "
		  "| sed 's/\\.gz$//' | sort >/tmp/deb-files; (cd /tmp/d && "
		  "find . ! -type d | cut -c2- | sort) | diff /tmp/deb-files -",
		  pkgdir, version, version);
	must("env -u B make -C /tmp/s/aperturefs-%s uninstall %s", version,
	     vars);
	fs_expect("", "find /tmp/d ! -type d");
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
	tcase_add_test(tc, man_page);
	tcase_add_test(tc, apt_remove);
	tcase_add_test(tc, apt_purge);
	tcase_add_test(tc, make_install_uninstall);
	tcase_add_checked_fixture(tc, step_start, step_end);
	tcase_set_timeout(tc, 1200);
	suite_add_tcase(s, tc);
	return s;
}

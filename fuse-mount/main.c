// SPDX-License-Identifier: MIT
/*
 * main.c - aperturefs: every PCI BAR aperture an ordinary file.
 *
 *   aperturefs [-f] [-d] [-o OPTIONS] MOUNTPOINT
 *   mount -t fuse.aperturefs none MOUNTPOINT -o OPTIONS   (mount helper)
 *   /etc/fstab: none /mnt/apertures fuse.aperturefs devices=00:04.0 0 0
 *
 * Everything that can be wrong is checked before mounting (options, root,
 * /dev/fuse, the aperture_io module, filters), each with a one-line message
 * and exit status 1.  The daemon then mounts, daemonizes (unless -f or -d)
 * and serves requests on several threads.  After daemonizing, messages go
 * to syslog through fuse_log.
 *
 * Invoked as mount.fuse.aperturefs (the helper mount(8) runs for type
 * fuse.aperturefs) it takes "SOURCE MOUNTPOINT [-n] [-s] [-v] [-o OPTS]".
 */
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "aperturefs.h"
#include "compat.h"

#define AP_PROG "aperturefs"

/* Keys of options that need code rather than a field. */
enum {
	AP_KEY_DEVICES,
	AP_KEY_RO,
	AP_KEY_HELP,
	AP_KEY_DROP,
};

static struct ap_fs ap_fs;
static struct ap_options ap_opt;
static bool ap_foreground;

/* One line on stderr, before anything is mounted. */
static void __attribute__((format(printf, 1, 2))) ap_die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One write: the line arrives whole even on an unbuffered pipe. */
	fprintf(stderr, AP_PROG ": %s\n", msg);
	exit(1);
}

static void ap_usage(const char *prog)
{
	printf("usage: %s [options] MOUNTPOINT\n"
	       "       mount -t fuse.aperturefs none MOUNTPOINT -o OPTIONS\n\n"
	       "Every BAR of every PCI function as a file:\n"
	       "  MOUNTPOINT/<dddd:bb:dd.f>/{bar0..bar5,info,config}, "
	       "by-id/<vvvv:dddd>\n\n"
	       "aperturefs options:\n"
	       "    -o devices=LIST        functions to show, ';'-separated or "
	       "repeated,\n"
	       "                           in lspci -s / -d syntax "
	       "(00:04.0, -s00:04, 1234:11e8, -d ::0300)\n"
	       "    -o width=auto|8|16|32|64   access width (default auto)\n"
	       "    -o memtype=auto|uc|wc  memory type (default auto)\n"
	       "    -o uid=USER,gid=GROUP  owner of the files (default root)\n"
	       "    -o umask=OCTAL         mask of BAR files and config "
	       "(default 0177: 0600)\n"
	       "    -o passthrough=all|mmap|off  FUSE passthrough "
	       "(default all where available)\n"
	       "    -o ro                  read-only\n\n",
	       prog);
	printf("FUSE options:\n");
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

static int ap_opt_proc(void *data, const char *arg, int key,
		       struct fuse_args *outargs)
{
	const char *why = NULL;
	char bad[128];

	switch (key) {
	case AP_KEY_DEVICES:
		if (ap_filter_add_list(ap_fs.filters, arg + strlen("devices="),
				       bad, sizeof(bad), &why) < 0) {
			if (!ap_opt.bad_filter) {
				ap_opt.bad_filter = strdup(bad);
				ap_opt.bad_why = why;
			}
		}
		return 0;
	case AP_KEY_RO:
		ap_opt.ro = 1;
		return 1;
	case AP_KEY_HELP:
		ap_opt.show_help = 1;
		return 1;
	case AP_KEY_DROP:
		/* fstab-only words that mount(8) may pass on. */
		return 0;
	case FUSE_OPT_KEY_OPT:
		if (!strncmp(arg, "x-", 2) || !strncmp(arg, "comment=", 8))
			return 0;
		return 1;
	default:
		return 1;
	}
}

/* Does the effective capability set hold CAP_SYS_ADMIN? */
static bool ap_has_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &
	       CAP_TO_MASK(CAP_SYS_ADMIN);
}

/* fuse_log() after daemonizing: syslog. */
static void ap_syslog(enum fuse_log_level level, const char *fmt, va_list ap)
{
	vsyslog(level, fmt, ap);
}

/*
 * mount(8) runs helpers as "mount.TYPE SOURCE DIR [-sfnv] [-N NS]
 * [-o OPTS] [-t TYPE]".  Turn that into "aperturefs DIR -o OPTS".
 */
static void ap_helper_args(int *argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	int out = 1, positional = 0;

	base = base ? base + 1 : argv[0];
	if (strncmp(base, "mount.", 6))
		return;
	for (int i = 1; i < *argc; i++) {
		char *a = argv[i];

		if (!strcmp(a, "-n") || !strcmp(a, "-s") || !strcmp(a, "-v"))
			continue;
		if (!strcmp(a, "-f"))
			exit(0); /* mount --fake */
		if ((!strcmp(a, "-t") || !strcmp(a, "-N")) && i + 1 < *argc) {
			i++;
			continue;
		}
		if (!strcmp(a, "-o") && i + 1 < *argc) {
			argv[out++] = a;
			argv[out++] = argv[++i];
			continue;
		}
		if (a[0] != '-' && positional++ == 0)
			continue; /* SOURCE */
		argv[out++] = a;
	}
	argv[out] = NULL;
	*argc = out;
	ap_foreground = false;
}

/* Cross-option checks and conversions; exits with a message. */
static void ap_check_options(void)
{
	uint32_t width = 0, memtype = 0;
	int ret;

	if (ap_opt.bad_filter)
		ap_die("bad filter '%s' in -o devices: %s (lspci -s or -d "
		       "syntax, e.g. 00:04.0 or 1234:11e8)",
		       ap_opt.bad_filter, ap_opt.bad_why);
	if (ap_opt.width && ap_parse_width(ap_opt.width, &width) < 0)
		ap_die("bad -o width=%s: use auto, 8, 16, 32 or 64",
		       ap_opt.width);
	if (ap_opt.memtype && ap_parse_memtype(ap_opt.memtype, &memtype) < 0)
		ap_die("bad -o memtype=%s: use auto, uc or wc", ap_opt.memtype);
	ap_fs.open_flags = width | memtype;
	ap_fs.passthrough = AP_PASSTHROUGH_ALL;
	if (ap_opt.passthrough &&
	    ap_parse_passthrough(ap_opt.passthrough, &ap_fs.passthrough) < 0)
		ap_die("bad -o passthrough=%s: use all, mmap or off",
		       ap_opt.passthrough);
	ap_fs.umask = 0177;
	if (ap_opt.umask && ap_parse_umask(ap_opt.umask, &ap_fs.umask) < 0)
		ap_die("bad -o umask=%s: an octal mask such as 0117",
		       ap_opt.umask);
	if (ap_opt.uid) {
		ret = ap_parse_uid(ap_opt.uid, &ap_fs.uid);
		if (ret < 0)
			ap_die("bad -o uid=%s: %s", ap_opt.uid,
			       ret == -ENOENT ? "no such user" : "not a uid");
	}
	if (ap_opt.gid) {
		ret = ap_parse_gid(ap_opt.gid, &ap_fs.gid);
		if (ret < 0)
			ap_die("bad -o gid=%s: %s", ap_opt.gid,
			       ret == -ENOENT ? "no such group" : "not a gid");
	}
	ap_fs.ro = ap_opt.ro;
}

/* The environment: root, /dev/fuse, the module.  Exits with a message. */
static void ap_check_system(void)
{
	if (geteuid() != 0)
		ap_die("must run as root: it opens /dev/" APERTURE_IO_NODE
		       " (CAP_SYS_RAWIO) and mounts for other users "
		       "(try: sudo aperturefs ...)");
	if (access("/dev/fuse", R_OK | W_OK) != 0)
		ap_die("/dev/fuse is missing (%s): load FUSE with "
		       "'modprobe fuse'", strerror(errno));
	ap_fs.ctl = ap_module_open();
	if (ap_fs.ctl == -ENOENT)
		ap_die("/dev/" APERTURE_IO_NODE " is missing: load the "
		       "aperture_io module first (make load, or insmod "
		       "aperture_io.ko)");
	if (ap_fs.ctl < 0)
		ap_die("cannot open /dev/" APERTURE_IO_NODE ": %s",
		       strerror(-ap_fs.ctl));
}

#define AP_OPT(t, p) { t, offsetof(struct ap_options, p), 1 }

static const struct fuse_opt ap_opt_table[] = {
	AP_OPT("width=%s", width),
	AP_OPT("memtype=%s", memtype),
	AP_OPT("uid=%s", uid),
	AP_OPT("gid=%s", gid),
	AP_OPT("umask=%s", umask),
	AP_OPT("passthrough=%s", passthrough),
	FUSE_OPT_KEY("devices=", AP_KEY_DEVICES),
	FUSE_OPT_KEY("ro", AP_KEY_RO),
	FUSE_OPT_KEY("-h", AP_KEY_HELP),
	FUSE_OPT_KEY("--help", AP_KEY_HELP),
	FUSE_OPT_KEY("defaults", AP_KEY_DROP),
	FUSE_OPT_KEY("auto", AP_KEY_DROP),
	FUSE_OPT_KEY("noauto", AP_KEY_DROP),
	FUSE_OPT_KEY("nofail", AP_KEY_DROP),
	FUSE_OPT_KEY("_netdev", AP_KEY_DROP),
	FUSE_OPT_KEY("user", AP_KEY_DROP),
	FUSE_OPT_KEY("users", AP_KEY_DROP),
	FUSE_OPT_KEY("nouser", AP_KEY_DROP),
	FUSE_OPT_KEY("default_permissions", AP_KEY_DROP),
	FUSE_OPT_KEY("allow_other", AP_KEY_DROP),
	FUSE_OPT_END
};

int main(int argc, char *argv[])
{
	struct fuse_args args;
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config *loop;
	struct ap_pci_config pcfg = { 0 };
	struct fuse_session *se;
	ssize_t n;
	int ret;

	ap_helper_args(&argc, argv);
	args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);
	ap_fs.filters = ap_filter_list_new();
	if (!ap_fs.filters)
		ap_die("out of memory");
	if (fuse_opt_parse(&args, &ap_opt, ap_opt_table, ap_opt_proc) < 0)
		ap_die("cannot parse the options (see aperturefs --help)");
	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (opts.show_help || ap_opt.show_help) {
		ap_usage(argv[0]);
		return 0;
	}
	if (opts.show_version) {
		printf("aperturefs, libfuse %s, aperture_io ABI %d\n",
		       fuse_pkgversion(), APERTURE_IO_ABI_VERSION);
		return 0;
	}
	if (!opts.mountpoint)
		ap_die("no mount point given (usage: aperturefs [-o OPTIONS] "
		       "MOUNTPOINT; see --help)");
	ap_check_options();
	ap_check_system();

	/* What mmap of a BAR file can do, as far as known before init(). */
	ap_fs.mmap_no = ap_compat_passthrough_why();
	if (!ap_fs.mmap_no && ap_fs.passthrough != AP_PASSTHROUGH_OFF &&
	    !ap_has_sys_admin())
		ap_fs.mmap_no = "the daemon lacks CAP_SYS_ADMIN, which FUSE "
				"passthrough needs";

	clock_gettime(CLOCK_REALTIME, &ap_fs.mtime);
	pthread_mutex_init(&ap_fs.scan_lock, NULL);
	ap_fs.pci = ap_pci_open(&pcfg);
	if (!ap_fs.pci)
		ap_die("cannot start libpci: %s", strerror(errno));
	ap_fs.tree = ap_tree_new("/sys/bus/pci/devices");
	if (!ap_fs.tree)
		ap_die("out of memory");
	ret = ap_fs_rescan(&ap_fs);
	if (ret < 0)
		ap_die("cannot list PCI devices: %s (%s)", strerror(-ret),
		       ap_pci_error(ap_fs.pci));
	if (ap_filter_count(ap_fs.filters)) {
		struct ap_dirent *v;

		n = ap_tree_list(ap_fs.tree, AP_INO_ROOT, &v);
		if (n >= 0)
			free(v);
		if (n <= 3)
			fprintf(stderr, AP_PROG ": note: -o devices matches no "
				"PCI function with a BAR now; the tree shows "
				"them when they appear\n");
	}

	/* Always: the kernel checks modes; others may look if modes allow. */
	if (fuse_opt_add_arg(&args, "-odefault_permissions,allow_other") ||
	    fuse_opt_add_arg(&args, "-ofsname=aperturefs,subtype=aperturefs"))
		ap_die("out of memory");

	se = fuse_session_new(&args, &ap_ops, sizeof(ap_ops), &ap_fs);
	if (!se)
		return 1; /* libfuse said which option it did not know */
	ap_fs.se = se;
	if (fuse_set_signal_handlers(se) != 0)
		ap_die("cannot set signal handlers");
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		return 1; /* libfuse said why */
	if (ap_fs.mmap_no && ap_fs.passthrough != AP_PASSTHROUGH_OFF)
		fprintf(stderr, AP_PROG ": shared mmap of BAR files gives "
			"ENODEV: %s\n", ap_fs.mmap_no);
	ap_foreground = opts.foreground || opts.debug;
	if (fuse_daemonize(ap_foreground) != 0) {
		fuse_session_unmount(se);
		return 1;
	}
	if (!ap_foreground) {
		openlog(AP_PROG, LOG_PID, LOG_DAEMON);
		fuse_set_log_func(ap_syslog);
	}

	if (opts.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		loop = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(loop, opts.clone_fd);
		fuse_loop_cfg_set_max_threads(loop, opts.max_threads);
		/* libfuse leaves UINT_MAX for "not given", and 3.14 warns
		 * about that very value if it is passed back. */
		if (opts.max_idle_threads != UINT_MAX)
			fuse_loop_cfg_set_idle_threads(loop,
						       opts.max_idle_threads);
		ret = fuse_session_loop_mt(se, loop);
		fuse_loop_cfg_destroy(loop);
	}

	fuse_session_unmount(se);
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	ap_tree_free(ap_fs.tree);
	ap_pci_close(ap_fs.pci);
	ap_filter_list_free(ap_fs.filters);
	close(ap_fs.ctl);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	/* The loop returns the signal that stopped it: a SIGTERM, SIGINT or
	 * SIGHUP is an orderly stop, not a failure. */
	if (ret == SIGTERM || ret == SIGINT || ret == SIGHUP)
		ret = 0;
	return ret ? 1 : 0;
}

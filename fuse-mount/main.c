// SPDX-License-Identifier: MIT
/*
 * main.c - aperturefs: every PCI BAR aperture an ordinary file.
 *
 *   aperturefs [-f] [-d] [-o OPTIONS] MOUNTPOINT
 *   aperturefs --fake=FILE [-f] [-o OPTIONS] MOUNTPOINT   (no module, no root)
 *   mount -t fuse.aperturefs none MOUNTPOINT -o OPTIONS   (mount helper)
 *   /etc/fstab: none /mnt/apertures fuse.aperturefs devices=00:04.0 0 0
 *
 * The order is the point: options first (options.c; unknown FUSE options
 * too, by creating the session), then the system (root, /dev/fuse, the
 * module), then the backend and its first scan, then the mount.  Each
 * failure is one line and exit status 1.  The daemon then daemonizes
 * (unless -f or -d), starts the hot-plug thread and serves requests on
 * several threads.  After daemonizing, messages go to syslog (fuse_log).
 *
 * Invoked as mount.fuse.aperturefs (the helper mount(8) runs for type
 * fuse.aperturefs) it takes "SOURCE MOUNTPOINT [-n] [-s] [-v] [-o OPTS]".
 */
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "aperturefs.h"
#include "compat.h"
#include "own.h"
#include "regs_tree.h"

#ifndef APERTUREFS_VERSION
#define APERTUREFS_VERSION "unknown"
#endif

static struct ap_fs ap_fs;
static struct ap_options ap_opt;

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

/* Whether fuse_log()'s debug lines (one per scan) reach stderr. */
static bool ap_verbose;

/* fuse_log() before daemonizing, or in the foreground: stderr. */
static void ap_stderr_log(enum fuse_log_level level, const char *fmt,
			  va_list ap)
{
	if (level < FUSE_LOG_DEBUG || ap_verbose)
		vfprintf(stderr, fmt, ap);
}

/* fuse_log() after daemonizing: syslog. */
static void ap_syslog(enum fuse_log_level level, const char *fmt, va_list ap)
{
	vsyslog(level, fmt, ap);
}

/* The real machine: root, /dev/fuse, the module.  Exits with a message. */
static struct ap_backend *ap_open_module(void)
{
	struct ap_backend *be;
	int ctl;

	if (geteuid() != 0)
		ap_die("must run as root: it opens /dev/" APERTURE_IO_NODE
		       " (CAP_SYS_RAWIO) and mounts for other users "
		       "(try: sudo aperturefs ..., or --fake=FILE for a fake "
		       "machine)");
	if (access("/dev/fuse", R_OK | W_OK) != 0)
		ap_die("/dev/fuse is missing (%s): load FUSE with "
		       "'modprobe fuse'", strerror(errno));
	ctl = ap_module_open();
	if (ctl == -ENOENT)
		ap_die("/dev/" APERTURE_IO_NODE " is missing: load the "
		       "aperture_io module first (make load, or insmod "
		       "aperture_io.ko)");
	if (ctl < 0)
		ap_die("cannot open /dev/" APERTURE_IO_NODE ": %s",
		       strerror(-ctl));
	be = ap_backend_module(ctl, "/sys/bus/pci/devices");
	if (!be)
		ap_die("cannot start libpci on /sys/bus/pci/devices: %s",
		       strerror(errno));
	return be;
}

static struct ap_backend *ap_open_fake(const char *file)
{
	struct ap_backend *be;
	char err[512];

	be = ap_backend_fake(file, err, sizeof(err));
	if (!be)
		ap_die("--fake: %s", err);
	return be;
}

/* The backend, its first scan, and what mmap can do.  Exits on failure. */
static void ap_start(struct ap_fs *fs, struct ap_options *opt)
{
	int ret;

	fs->be = opt->fake ? ap_open_fake(opt->fake) : ap_open_module();
	fs->mmap_no = ap_compat_passthrough_why();
	if (!fs->mmap_no && fs->passthrough != AP_PASSTHROUGH_OFF &&
	    !ap_has_sys_admin())
		fs->mmap_no = "the daemon lacks CAP_SYS_ADMIN, which FUSE "
			      "passthrough needs";
	clock_gettime(CLOCK_REALTIME, &fs->mtime);
	pthread_mutex_init(&fs->scan_lock, NULL);
	fs->tree = ap_tree_new();
	if (!fs->tree)
		ap_die("out of memory");
	ap_regs_start(fs);
	ret = ap_fs_rescan(fs);
	if (ret < 0)
		ap_die("cannot list PCI functions (%s backend): %s",
		       fs->be->ops->name, strerror(-ret));
	ap_own_mount(fs);
	if (ap_filter_count(fs->filters) && !ap_tree_entries(fs->tree))
		fprintf(stderr, AP_PROG ": note: -o devices matches no PCI "
			"function with a BAR now; the tree shows them when "
			"they appear\n");
}

/* Run the session until unmounted or stopped; the loop's result. */
static int ap_serve(struct fuse_session *se, struct fuse_cmdline_opts *opts)
{
	struct fuse_loop_config *loop;
	int ret;

	if (opts->singlethread)
		return fuse_session_loop(se);
	loop = fuse_loop_cfg_create();
	if (!loop)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(loop, opts->clone_fd);
	fuse_loop_cfg_set_max_threads(loop, opts->max_threads);
	/* libfuse leaves UINT_MAX for "not given", and 3.14 warns about
	 * that very value if it is passed back. */
	if (opts->max_idle_threads != UINT_MAX)
		fuse_loop_cfg_set_idle_threads(loop, opts->max_idle_threads);
	ret = fuse_session_loop_mt(se, loop);
	fuse_loop_cfg_destroy(loop);
	return ret;
}

/* Parse everything; exits on errors, --help and --version. */
static void ap_parse(struct fuse_args *args, struct fuse_cmdline_opts *opts)
{
	ap_fs.filters = ap_filter_list_new();
	ap_opt.filters = ap_fs.filters;
	if (!ap_fs.filters)
		ap_die("out of memory");
	if (fuse_opt_parse(args, &ap_opt, ap_opt_table, ap_opt_proc) < 0)
		ap_die("cannot parse the options (see aperturefs --help)");
	if (ap_opt.show_version) {
		printf("aperturefs %s (libfuse %s, aperture_io ABI %d)\n",
		       APERTUREFS_VERSION, fuse_pkgversion(),
		       APERTURE_IO_ABI_VERSION);
		exit(0);
	}
	if (fuse_parse_cmdline(args, opts) != 0)
		exit(1);
	if (opts->show_help || ap_opt.show_help) {
		ap_usage(args->argv[0]);
		exit(0);
	}
	if (!opts->mountpoint)
		ap_die("no mount point given (usage: aperturefs [-o OPTIONS] "
		       "MOUNTPOINT; see --help)");
	ap_check_options(&ap_fs, &ap_opt);
	/* Always: the kernel checks modes.  Others may look if modes allow,
	 * except on a fake machine mounted by a user: fusermount3 allows
	 * that only with user_allow_other in /etc/fuse.conf. */
	if (fuse_opt_add_arg(args, "-odefault_permissions") ||
	    ((!ap_opt.fake || !geteuid()) &&
	     fuse_opt_add_arg(args, "-oallow_other")) ||
	    fuse_opt_add_arg(args, "-ofsname=aperturefs,subtype=aperturefs"))
		ap_die("out of memory");
}

int main(int argc, char *argv[])
{
	struct fuse_args args;
	struct fuse_cmdline_opts opts;
	struct fuse_session *se;
	int ret;

	ap_helper_args(&argc, argv);
	args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);
	ap_parse(&args, &opts);
	ap_verbose = opts.foreground || opts.debug;
	fuse_set_log_func(ap_stderr_log);
	/* Options libfuse does not know are reported here, before the
	 * system is looked at. */
	se = fuse_session_new(&args, &ap_ops, sizeof(ap_ops), &ap_fs);
	if (!se)
		return 1; /* libfuse said which option it did not know */
	ap_fs.se = se;
	ap_start(&ap_fs, &ap_opt);
	if (fuse_set_signal_handlers(se) != 0)
		ap_die("cannot set signal handlers");
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		return 1; /* libfuse said why */
	if (ap_fs.mmap_no && ap_fs.passthrough != AP_PASSTHROUGH_OFF)
		fprintf(stderr, AP_PROG ": shared mmap of BAR files gives "
			"ENODEV: %s\n", ap_fs.mmap_no);
	if (fuse_daemonize(opts.foreground || opts.debug) != 0) {
		fuse_session_unmount(se);
		return 1;
	}
	if (!opts.foreground && !opts.debug) {
		openlog(AP_PROG, LOG_PID, LOG_DAEMON);
		fuse_set_log_func(ap_syslog);
	}
	ret = ap_own_start(&ap_fs);
	if (ret < 0)
		fuse_log(FUSE_LOG_ERR, "aperturefs: cannot watch interrupt "
			 "vectors: %s\n", strerror(-ret));
	ret = ap_events_start(&ap_fs);
	if (ret < 0)
		fuse_log(FUSE_LOG_ERR, "aperturefs: cannot follow hot-plug: "
			 "%s\n", strerror(-ret));

	ret = ap_serve(se, &opts);

	ap_events_stop(&ap_fs);
	ap_own_stop(&ap_fs);
	fuse_session_unmount(se);
	ap_own_unmount(&ap_fs);
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	ap_tree_free(ap_fs.tree);
	ap_regs_stop();
	ap_backend_free(ap_fs.be);
	ap_filter_list_free(ap_fs.filters);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	/* The loop returns the signal that stopped it: a SIGTERM, SIGINT or
	 * SIGHUP is an orderly stop, not a failure. */
	if (ret == SIGTERM || ret == SIGINT || ret == SIGHUP)
		ret = 0;
	return ret ? 1 : 0;
}

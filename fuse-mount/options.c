// SPDX-License-Identifier: MIT
/*
 * options.c - aperturefs's command line: the option table, the mount(8)
 * helper's argument form, --help, and the checks that turn option strings
 * into the file system's settings.
 *
 * Every check here runs before anything about the system is looked at
 * (module, root, /dev/fuse), so a typo is reported as a typo.  Each error
 * is one line naming the option, and exit status 1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aperturefs.h"
#include "own_sysfs.h"
#include "regs_tree.h"

/* Keys of options that need code rather than a field. */
enum {
	AP_KEY_DEVICES,
	AP_KEY_RO,
	AP_KEY_HELP,
	AP_KEY_VERSION,
	AP_KEY_DROP,
	AP_KEY_REGS,
	AP_KEY_OWN,
};

void ap_die(const char *fmt, ...)
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

void ap_usage(const char *prog)
{
	printf("usage: %s [options] MOUNTPOINT\n"
	       "       %s --fake=FILE [options] MOUNTPOINT\n"
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
	       "    -o uid=USER,gid=GROUP  owner of the files (default: who "
	       "mounts)\n"
	       "    -o umask=OCTAL         mask of BAR files and config "
	       "(default 0177: 0600)\n"
	       "    -o passthrough=all|mmap|off  FUSE passthrough "
	       "(default all where available)\n"
	       "    -o regs=DIR|FILE       register descriptions (repeatable; "
	       "default\n"
	       "                           /etc/aperturefs/regs, then the "
	       "installed ones)\n"
	       "    -o own=BDF[;BDF]       bind these functions to aperture_io "
	       "at mount\n"
	       "                           (their dma/ and irq/), release "
	       "them at unmount\n"
	       "    -o ro                  read-only\n"
	       "    --fake=FILE            serve the fake machine FILE "
	       "describes (no module, no root)\n"
	       "    -V, --version          print the version\n\n",
	       prog, prog);
	printf("FUSE options:\n");
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

/* Is @s only separators and blanks (or nothing)? */
static bool ap_blank_list(const char *s)
{
	return strspn(s, "; \t") == strlen(s);
}

int ap_opt_proc(void *data, const char *arg, int key,
		struct fuse_args *outargs)
{
	struct ap_options *opt = data;
	const char *why = NULL, *list;
	char bad[128], *why_own;

	switch (key) {
	case AP_KEY_DEVICES:
		list = arg + strlen("devices=");
		opt->devices_seen = 1;
		if (ap_blank_list(list)) {
			opt->devices_empty = 1;
			return 0;
		}
		if (ap_filter_add_list(opt->filters, list, bad, sizeof(bad),
				       &why) < 0 && !opt->bad_filter) {
			opt->bad_filter = strdup(bad);
			opt->bad_why = why;
		}
		return 0;
	case AP_KEY_RO:
		opt->ro = 1;
		return 1;
	case AP_KEY_HELP:
		opt->show_help = 1;
		return 1;
	case AP_KEY_VERSION:
		opt->show_version = 1;
		return 0;
	case AP_KEY_REGS:
		if (ap_regs_opt(arg + strlen("regs=")))
			ap_die("out of memory");
		return 0;
	case AP_KEY_OWN:
		list = arg + strlen("own=");
		if (asprintf(&why_own, "%s%s%s", opt->own ? opt->own : "",
			     opt->own ? ";" : "", list) < 0)
			ap_die("out of memory");
		free(opt->own);
		opt->own = why_own;
		return 0;
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

/*
 * mount(8) runs helpers as "mount.TYPE SOURCE DIR [-sfnv] [-N NS]
 * [-o OPTS] [-t TYPE]".  Turn that into "aperturefs DIR -o OPTS".
 */
void ap_helper_args(int *argc, char **argv)
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
}

/* The filter messages: a bad entry, nothing at all, an ambiguous pair. */
static void ap_check_filters(struct ap_options *opt)
{
	if (opt->bad_filter)
		ap_die("bad filter '%s' in -o devices: %s (lspci -s or -d "
		       "syntax, e.g. 00:04.0 or 1234:11e8)",
		       opt->bad_filter, opt->bad_why);
	if (opt->devices_empty)
		ap_die("-o devices= is empty: name at least one function "
		       "(e.g. devices=00:04.0 or devices=1234:11e8), or leave "
		       "the option out to show every function");
}

/* -o own=BDF[;BDF...]: PCI addresses, on the real machine. */
static void ap_check_own(struct ap_fs *fs, struct ap_options *opt)
{
	char *list, *save = NULL, *w;

	if (!opt->own)
		return;
	if (opt->fake)
		ap_die("-o own= binds real functions to aperture_io: a fake "
		       "machine's function is owned with driver=aperture_io "
		       "in its description");
	list = strdup(opt->own);
	if (!list)
		ap_die("out of memory");
	for (w = strtok_r(list, "; \t", &save); w;
	     w = strtok_r(NULL, "; \t", &save)) {
		char (*v)[AP_SLOT_LEN];

		v = realloc(fs->own, (fs->n_own + 1) * sizeof(*v));
		if (!v)
			ap_die("out of memory");
		fs->own = v;
		if (ap_sysfs_bdf(w, v[fs->n_own], sizeof(v[0])))
			ap_die("bad -o own=%s: not a PCI address (DDDD:BB:DD.F "
			       "or BB:DD.F; several: own=00:04.0;00:05.0)", w);
		fs->n_own++;
	}
	free(list);
	if (!fs->n_own)
		ap_die("-o own= is empty: name a function (own=00:04.0)");
	fs->own_ours = calloc(fs->n_own, sizeof(*fs->own_ours));
	if (!fs->own_ours)
		ap_die("out of memory");
}

void ap_check_options(struct ap_fs *fs, struct ap_options *opt)
{
	uint32_t width = 0, memtype = 0;
	int ret;

	ap_check_filters(opt);
	if (opt->width && ap_parse_width(opt->width, &width) < 0)
		ap_die("bad -o width=%s: use auto, 8, 16, 32 or 64",
		       opt->width);
	if (opt->memtype && ap_parse_memtype(opt->memtype, &memtype) < 0)
		ap_die("bad -o memtype=%s: use auto, uc or wc", opt->memtype);
	fs->open_flags = width | memtype;
	fs->passthrough = AP_PASSTHROUGH_ALL;
	if (opt->passthrough &&
	    ap_parse_passthrough(opt->passthrough, &fs->passthrough) < 0)
		ap_die("bad -o passthrough=%s: use all, mmap or off",
		       opt->passthrough);
	fs->umask = 0177;
	if (opt->umask && ap_parse_umask(opt->umask, &fs->umask) < 0)
		ap_die("bad -o umask=%s: an octal mask such as 0117",
		       opt->umask);
	/* Files belong to whoever mounts (root for a real machine, the
	 * user on a fake machine mounted through fusermount3). */
	fs->uid = geteuid();
	fs->gid = getegid();
	if (opt->uid) {
		ret = ap_parse_uid(opt->uid, &fs->uid);
		if (ret < 0)
			ap_die("bad -o uid=%s: %s", opt->uid,
			       ret == -ENOENT ? "no such user" :
			       ret == -EINVAL ? "not a uid" : strerror(-ret));
	}
	if (opt->gid) {
		ret = ap_parse_gid(opt->gid, &fs->gid);
		if (ret < 0)
			ap_die("bad -o gid=%s: %s", opt->gid,
			       ret == -ENOENT ? "no such group" :
			       ret == -EINVAL ? "not a gid" : strerror(-ret));
	}
	fs->ro = opt->ro;
	ap_check_own(fs, opt);
}

#define AP_OPT(t, p) { t, offsetof(struct ap_options, p), 1 }

const struct fuse_opt ap_opt_table[] = {
	AP_OPT("width=%s", width),
	AP_OPT("memtype=%s", memtype),
	AP_OPT("uid=%s", uid),
	AP_OPT("gid=%s", gid),
	AP_OPT("umask=%s", umask),
	AP_OPT("passthrough=%s", passthrough),
	AP_OPT("--fake=%s", fake),
	FUSE_OPT_KEY("devices=", AP_KEY_DEVICES),
	FUSE_OPT_KEY("ro", AP_KEY_RO),
	FUSE_OPT_KEY("own=", AP_KEY_OWN),
	FUSE_OPT_KEY("regs=", AP_KEY_REGS),
	FUSE_OPT_KEY("-h", AP_KEY_HELP),
	FUSE_OPT_KEY("--help", AP_KEY_HELP),
	FUSE_OPT_KEY("-V", AP_KEY_VERSION),
	FUSE_OPT_KEY("--version", AP_KEY_VERSION),
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

// SPDX-License-Identifier: MIT
/*
 * aperture.c - main of the aperture command, register pokes in shell on
 * an aperturefs mount, beside libaperture as setpci is beside pciutils'
 * lib/:
 *
 *	aperture [-n] [-q|-r] [-s SLOT | -d VENDOR:DEVICE] [-m MOUNTPOINT]
 *		 barN ACCESS... [barN ACCESS...]
 *	aperture wait [-s ...|-d ...] [-m ...] [-t TIMEOUT] barN ACCESS=VALUE[:MASK]
 *	aperture trace [-s ...|-d ...] [-m ...] [-- COMMAND...]
 *
 * Every ACCESS word is parsed before any is done (a syntax error does
 * nothing, exit 2); then they run in order and the first that fails stops
 * the command (exit 1).  A wait that times out exits 124.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apc.h"

struct apc_opts {
	const char *slot;	/* -s */
	const char *id;		/* -d */
	const char *mount;	/* -m */
	bool dry;		/* -n */
	enum apc_mode mode;	/* -q, -r */
	long timeout_ms;	/* -t, wait only */
	bool wait;		/* the wait subcommand */
	bool trace;		/* the trace subcommand */
	bool dump;		/* the dump subcommand */
};

static void apc_usage(FILE *f)
{
	fputs("usage: aperture [-n] [-q|-r] [-s SLOT | -d VENDOR:DEVICE] "
	      "[-m MOUNTPOINT] barN ACCESS...\n"
	      "       aperture wait [-s SLOT | -d VENDOR:DEVICE] "
	      "[-m MOUNTPOINT] [-t TIMEOUT] barN OFFSET[.W]=VALUE[:MASK]\n"
	      "       aperture trace [-s SLOT | -d VENDOR:DEVICE] "
	      "[-m MOUNTPOINT] [-- COMMAND...]\n"
	      "       aperture dump [-s SLOT | -d VENDOR:DEVICE] "
	      "[-m MOUNTPOINT]\n"
	      "       aperture diff BEFORE AFTER\n"
	      "ACCESS: OFFSET[.W] | OFFSET[.W]=VALUE | OFFSET[.W]=VALUE:MASK | "
	      "OFFSET+LENGTH[.W]\n"
	      "        | BLOCK.REGISTER[.FIELD][=VALUE] (no barN needed)\n"
	      "W: b w l q (8, 16, 32, 64 bits; l by default); numbers in hex\n",
	      f);
}

static int apc_syntax(const char *fmt, const char *arg)
{
	fputs("aperture: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (aperture -h for usage)\n", stderr);
	return AP_EXIT_SYNTAX;
}

static int apc_options(int argc, char **argv, struct apc_opts *o)
{
	static const struct option longs[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:d:m:nqrt:h", longs, NULL)) !=
	       -1) {
		switch (c) {
		case 's': o->slot = optarg; break;
		case 'd': o->id = optarg; break;
		case 'm': o->mount = optarg; break;
		case 'n': o->dry = true; break;
		case 'q': o->mode = APC_QUIET; break;
		case 'r': o->mode = APC_RAW; break;
		case 't':
			if (!o->wait)
				return apc_syntax("-t/--timeout is for "
						  "'aperture wait'%s", "");
			o->timeout_ms = apc_parse_timeout(optarg);
			if (o->timeout_ms < 0)
				return apc_syntax("timeout '%s': give it as 2s, "
						  "500ms or 1.5s", optarg);
			break;
		case 'h':
			apc_usage(stdout);
			exit(AP_EXIT_OK);
		default:
			apc_usage(stderr);
			return AP_EXIT_SYNTAX;
		}
	}
	if (o->slot && o->id)
		return apc_syntax("-s and -d both name a function: give one%s",
				  "");
	if (!o->slot && !o->id && !o->trace)
		return apc_syntax("name a function with -s SLOT or "
				  "-d VENDOR:DEVICE%s", "");
	if (o->slot && !strchr(o->slot, '.'))
		return apc_syntax("-s '%s': a slot is bb:dd.f or dddd:bb:dd.f",
				  o->slot);
	if (o->id && strchr(o->id, '.'))
		return apc_syntax("-d '%s': give VENDOR:DEVICE in hex "
				  "(1234:11e8)", o->id);
	return 0;
}

/* A whole file into a malloc'ed string, or NULL with a message. */
static char *apc_slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re"), *m;
	int c;

	if (!f) {
		fprintf(stderr, "aperture: diff: %s: %s\n", path,
			strerror(errno));
		return NULL;
	}
	m = open_memstream(&buf, &len);
	if (!m) {
		fclose(f);
		return NULL;
	}
	while ((c = getc(f)) != EOF)
		putc(c, m);
	fclose(f);
	fclose(m);
	return buf;
}

/* aperture diff BEFORE AFTER: 0 same, 1 different, 2 trouble (diff(1)). */
static int apc_diff(int argc, char **argv)
{
	char *text[2] = { NULL, NULL }, *out = NULL;
	int ret = 2;

	if (argc != 3) {
		apc_syntax("diff takes two files: aperture diff BEFORE AFTER%s",
			   "");
		return 2;
	}
	for (int i = 0; i < 2; i++) {
		text[i] = apc_slurp(argv[i + 1]);
		if (!text[i])
			goto out_free;
		if (aperture_diff(text[i], text[i], &out) < 0) {
			fprintf(stderr, "aperture: diff: %s: not a registers "
				"listing (aperture dump makes one)\n",
				argv[i + 1]);
			goto out_free;
		}
		free(out);
		out = NULL;
	}
	ret = aperture_diff(text[0], text[1], &out);
	if (ret >= 0) {
		fputs(out, stdout);
		ret = ret ? 1 : 0;
	} else {
		ret = 2;
	}
out_free:
	free(out);
	free(text[0]);
	free(text[1]);
	return ret;
}

/* aperture dump: the function's registers file as it is. */
static int apc_dump(struct aperture *ap)
{
	char *text;
	int ret = aperture_snapshot(ap, &text);

	if (ret) {
		fprintf(stderr, "aperture: %s: registers: %s (%s)%s\n",
			aperture_slot(ap), strerror(-ret),
			aperture_errno_name(ret),
			ret == -ENOENT ? ": the mount has no description of "
			"this function (aperturefs -o regs=DIR)" : "");
		return AP_EXIT_ACCESS;
	}
	fputs(text, stdout);
	free(text);
	return AP_EXIT_OK;
}

/* Open the function the options name; messages on failure. */
static int apc_open(const struct apc_opts *o, struct aperture **ap)
{
	const char *dev = o->slot ? o->slot : o->id;
	char mnt[APERTURE_PATH_MAX];
	int ret;

	if (!o->mount) {
		ret = aperture_find_mount(mnt, sizeof(mnt));
		if (ret == -ENOENT) {
			fprintf(stderr, "aperture: no aperturefs mount in "
				"/proc/self/mountinfo: mount one "
				"(aperturefs /mnt/apertures, as root with "
				"aperture_io loaded) or name one with -m\n");
			return AP_EXIT_ACCESS;
		}
		if (ret) {
			fprintf(stderr, "aperture: /proc/self/mountinfo: %s\n",
				strerror(-ret));
			return AP_EXIT_ACCESS;
		}
	}
	ret = aperture_open(o->mount ? o->mount : mnt, dev, ap);
	if (ret == -EINVAL)
		return apc_syntax(o->slot ? "-s '%s': a slot is bb:dd.f or "
					    "dddd:bb:dd.f" :
					    "-d '%s': give VENDOR:DEVICE in hex "
					    "(1234:11e8)",
				  dev);
	if (ret) {
		fprintf(stderr, "aperture: no function %s under %s: %s (%s)\n",
			dev, o->mount ? o->mount : mnt, strerror(-ret),
			aperture_errno_name(ret));
		return AP_EXIT_ACCESS;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct apc_opts o = { .mode = APC_NORMAL, .timeout_ms = 1000 };
	struct apc_access *acc;
	struct aperture *ap;
	int n = 0, bar = -1, ret;
	char err[256];

	if (argc > 1 && !strcmp(argv[1], "wait")) {
		o.wait = true;
		argv++;
		argc--;
	} else if (argc > 1 && !strcmp(argv[1], "trace")) {
		o.trace = true;
		argv++;
		argc--;
	} else if (argc > 1 && !strcmp(argv[1], "dump")) {
		o.dump = true;
		argv++;
		argc--;
	} else if (argc > 1 && !strcmp(argv[1], "diff")) {
		return apc_diff(argc - 1, argv + 1);
	}
	ret = apc_options(argc, argv, &o);
	if (ret)
		return ret;
	if (o.dump) {
		if (optind < argc)
			return apc_syntax("dump takes no ACCESS ('%s')",
					  argv[optind]);
		ret = apc_open(&o, &ap);
		if (ret)
			return ret;
		ret = apc_dump(ap);
		aperture_close(ap);
		return ret;
	}
	if (o.trace) {
		ap = NULL;
		if (o.slot || o.id) {
			ret = apc_open(&o, &ap);
			if (ret)
				return ret;
		}
		ret = apc_trace(ap, o.mount, argv + optind, stdout);
		aperture_close(ap);
		return ret;
	}
	if (optind >= argc)
		return apc_syntax("nothing to do: give barN and an ACCESS%s",
				  "");
	acc = calloc(argc - optind, sizeof(*acc));
	if (!acc)
		return AP_EXIT_ACCESS;
	for (int i = optind; i < argc; i++) {
		int b = apc_parse_bar(argv[i]);

		if (b >= 0) {
			bar = b;
			continue;
		}
		if (apc_parse(argv[i], bar, &acc[n], err, sizeof(err))) {
			free(acc);
			return apc_syntax("%s", err);
		}
		if (o.wait && acc[n].kind != APC_WRITE &&
		    acc[n].kind != APC_UPDATE &&
		    acc[n].kind != APC_NAMED_WRITE) {
			free(acc);
			return apc_syntax("wait: '%s': give what to wait for "
					  "as OFFSET[.W]=VALUE[:MASK] or "
					  "BLOCK.REGISTER[.FIELD]=VALUE",
					  argv[i]);
		}
		n++;
	}
	if (!n) {
		free(acc);
		return apc_syntax("nothing to do after the BAR: give an "
				  "ACCESS%s", "");
	}
	ret = apc_open(&o, &ap);
	if (ret) {
		free(acc);
		return ret;
	}
	for (int i = 0; i < n && !ret; i++) {
		if (o.dry && o.wait)
			apc_print_dry_wait(stdout, aperture_slot(ap), &acc[i],
					   o.timeout_ms);
		else if (o.dry)
			apc_print_dry(stdout, aperture_slot(ap), &acc[i]);
		else if (o.wait)
			ret = apc_wait(ap, &acc[i], o.timeout_ms, stderr);
		else
			ret = apc_run(ap, &acc[i], o.mode, stdout, stderr);
	}
	aperture_close(ap);
	free(acc);
	if (fflush(stdout))
		return AP_EXIT_ACCESS;
	return ret;
}

// SPDX-License-Identifier: MIT
/*
 * aperture.c - main of the aperture command, register pokes in shell on
 * an aperturefs mount, beside libaperture as setpci is beside pciutils'
 * lib/:
 *
 *	aperture [-n] [-q|-r] [-s SLOT] [-d ID] [-m MOUNTPOINT] barN ACCESS...
 *	aperture wait [-n] [-s ...] [-d ...] [-m ...] [-t TIMEOUT] barN WAIT
 *	aperture trace|dump [-s ...] [-d ...] [-m ...] [-- COMMAND...]
 *	aperture diff BEFORE AFTER
 *	aperture wait-irq [-s ...] [-d ...] [-m ...] [-t TIMEOUT] [DEV] VECTOR
 *	aperture own|release BDF          (tools/own.c)
 *
 * -s/-d are lspci's, parsed by libpci (aperture_match()) and must name one
 * function.  Every word is parsed (a syntax error: exit 2), then checked
 * against the function without any device access (no such BAR, range or
 * register, a file the mount will not let us use, or a named value the
 * daemon's regs/.check refuses: exit 1), and only
 * then done, in order; the first access that fails stops the command
 * (exit 1).  A wait that times out exits 124.  Messages name the command
 * as it was run (basename of argv[0]).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apc.h"


/* What -t is when not given. */
#define APC_TIMEOUT_DEFAULT_MS	1000

static void apc_usage(FILE *f)
{
	fprintf(f, "usage: %1$s [-n] [-q|-r] [-s SLOT] [-d ID] [-m MOUNTPOINT] "
		"[barN] ACCESS...\n"
		"       %1$s wait [-n] [-s SLOT] [-d ID] [-m MOUNTPOINT] "
		"[-t TIMEOUT] [barN] WAIT\n"
		"       %1$s trace [-s SLOT] [-d ID] [-m MOUNTPOINT] "
		"[-- COMMAND...]\n"
		"       %1$s dump [-s SLOT] [-d ID] [-m MOUNTPOINT]\n"
		"       %1$s diff BEFORE AFTER\n"
		"       %1$s wait-irq [-s SLOT] [-d ID] [-m MOUNTPOINT] "
		"[-t TIMEOUT] [DEVICE] VECTOR\n"
		"       %1$s own|release BDF   (root: bind to or unbind from "
		"aperture_io)\n"
		"       %1$s --version | --help\n"
		"SLOT, ID: as lspci -s and -d take them (04.0, 00:04, 1234:, "
		"1234:11e8);\n"
		"          together they must name one function\n"
		"ACCESS: OFFSET[.W] | OFFSET[.W]=VALUE | OFFSET[.W]=VALUE:MASK | "
		"OFFSET+LENGTH[.W]\n"
		"        | BLOCK.REGISTER[.FIELD][=VALUE] (no barN needed)\n"
		"WAIT:   OFFSET[.W]=VALUE[:MASK] | BLOCK.REGISTER[.FIELD]=VALUE\n"
		"W: b w l q (8, 16, 32, 64 bits; l by default)\n"
		"Numbers: 0x1f hex, 31 decimal (a leading 0 is refused)\n"
		"VECTOR: intx, msiN, msixN (an owned function's irq/)\n"
		"TIMEOUT: 500ms, 2s, 1.5s (default 1s)\n", apc_prog);
}

static int apc_options(int argc, char **argv, struct apc_opts *o)
{
	static const struct option longs[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	int c;

	opterr = 0;	/* getopt's messages would name argv[0] as given */
	while ((c = getopt_long(argc, argv, "s:d:m:nqrt:hV", longs, NULL)) !=
	       -1) {
		switch (c) {
		case 's': o->slot = optarg; break;
		case 'd': o->id = optarg; break;
		case 'm': o->mount = optarg; break;
		case 'n': o->dry = true; break;
		case 'q': o->mode = APC_QUIET; break;
		case 'r': o->mode = APC_RAW; break;
		case 't':
			if (!o->wait && !o->wait_irq)
				return apc_syntax("-t/--timeout is for "
						  "'%s wait' and 'wait-irq'",
						  apc_prog);
			o->timeout_ms = apc_parse_timeout(optarg);
			if (o->timeout_ms < 0)
				return apc_syntax("timeout '%s': give it with "
						  "its unit: 500ms, 2s or "
						  "1.5s", optarg);
			break;
		case 'h':
			apc_usage(stdout);
			exit(AP_EXIT_OK);
		case 'V':
			printf("%s (aperturefs) %s, libaperture %u.%u.%u\n",
			       apc_prog, APERTUREFS_VERSION,
			       aperture_version() >> 16,
			       aperture_version() >> 8 & 0xff,
			       aperture_version() & 0xff);
			exit(AP_EXIT_OK);
		default:
			if (optopt && strchr("sdmt", optopt))
				return apc_syntax("-%c needs a value", optopt);
			if (optopt)
				return apc_syntax("unknown option -%c", optopt);
			return apc_syntax("unknown option '%s'",
					  argv[optind - 1]);
		}
	}
	if (!o->slot && !o->id && !o->trace && !o->wait_irq)
		return apc_syntax("name a function with -s SLOT or -d ID");
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
		fprintf(stderr, "%s: diff: %s: %s\n", apc_prog, path,
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
		apc_syntax("diff takes two files: %s diff BEFORE AFTER",
			   apc_prog);
		return 2;
	}
	for (int i = 0; i < 2; i++) {
		text[i] = apc_slurp(argv[i + 1]);
		if (!text[i])
			goto out_free;
		if (aperture_diff(text[i], text[i], &out) < 0) {
			fprintf(stderr, "%s: diff: %s: not a registers "
				"listing (%s dump makes one)\n", apc_prog,
				argv[i + 1], apc_prog);
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
		fprintf(stderr, "%s: %s: registers: %s (%s)%s\n", apc_prog,
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

/*
 * Parse every word (barN and ACCESS) of @argv into @acc, as the command
 * (@o) will use them; *@n gets their count.  A syntax status, or 0.
 */
static int apc_words(const struct apc_opts *o, int argc, char **argv,
		     struct apc_access *acc, int *n)
{
	int bar = -1;
	char err[256];

	*n = 0;
	for (int i = 0; i < argc; i++) {
		struct apc_access *a = &acc[*n];
		int b = apc_parse_bar(argv[i]);

		if (b >= 0) {
			bar = b;
			continue;
		}
		if (apc_parse(argv[i], bar, a, err, sizeof(err)))
			return apc_syntax("%s", err);
		if (o->wait && a->kind != APC_WRITE &&
		    a->kind != APC_UPDATE && a->kind != APC_NAMED_WRITE)
			return apc_syntax("wait: '%s': give what to wait for "
					  "as OFFSET[.W]=VALUE[:MASK] or "
					  "BLOCK.REGISTER[.FIELD]=VALUE",
					  argv[i]);
		if (o->mode == APC_RAW && a->kind == APC_NAMED_READ &&
		    strchr(strchr(a->name, '.') + 1, '.'))
			return apc_syntax("-r: '%s' is a field: raw output "
					  "is for registers (read %.*s)",
					  argv[i],
					  (int)(strrchr(a->name, '.') - a->name),
					  a->name);
		(*n)++;
	}
	if (!*n)
		return apc_syntax(bar < 0 ? "nothing to do: give an ACCESS" :
				  "nothing to do after the BAR: give an "
				  "ACCESS");
	return 0;
}

int main(int argc, char **argv)
{
	struct apc_opts o = { .mode = APC_NORMAL,
			      .timeout_ms = APC_TIMEOUT_DEFAULT_MS };
	struct apc_access *acc;
	struct aperture *ap;
	int n, ret;

	if (argc > 0 && argv[0][0]) {
		const char *base = strrchr(argv[0], '/');

		apc_prog = base ? base + 1 : argv[0];
	}
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
	} else if (argc > 1 && (!strcmp(argv[1], "own") ||
				!strcmp(argv[1], "release"))) {
		return apc_own(argc - 1, argv + 1, argv[1][0] == 'r');
	} else if (argc > 1 && !strcmp(argv[1], "wait-irq")) {
		o.wait_irq = true;
		argv++;
		argc--;
	}
	ret = apc_options(argc, argv, &o);
	if (ret)
		return ret;
	if (o.wait_irq)
		return apc_wait_irq(&o, argc - optind, argv + optind);
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
	acc = calloc(argc - optind + 1, sizeof(*acc));
	if (!acc)
		return AP_EXIT_ACCESS;
	/* Every word is read, then checked, before anything is done. */
	ret = apc_words(&o, argc - optind, argv + optind, acc, &n);
	if (!ret)
		ret = apc_open(&o, &ap);
	if (ret) {
		free(acc);
		return ret;
	}
	for (int i = 0; i < n && !ret; i++)
		ret = apc_check(ap, &acc[i], o.wait, stderr);
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

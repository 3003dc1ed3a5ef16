// SPDX-License-Identifier: MIT
/*
 * fn.c - what the aperture command's subcommands share: a syntax error's
 * message, and opening the one function -s/-d/-m name, with a message
 * for each way that fails.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "apc.h"

int apc_syntax(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", apc_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (%s -h for usage)\n", apc_prog);
	return AP_EXIT_SYNTAX;
}

/* "-s 00:04 -d 1234:" as the user gave them, into @buf. */
static void apc_named(const struct apc_opts *o, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", o->slot ? "-s " : "",
		 o->slot ? o->slot : "", o->slot && o->id ? " " : "",
		 o->id ? "-d " : "", o->id ? o->id : "");
}

/* Open the one function the options name; messages on failure. */
int apc_open(const struct apc_opts *o, struct aperture **ap)
{
	char mnt[APERTURE_PATH_MAX], slots[8][APERTURE_SLOT_MAX], what[256];
	const char *why = NULL, *mount = o->mount;
	int n, ret;

	if (!mount) {
		ret = aperture_find_mount(mnt, sizeof(mnt));
		if (ret == -ENOENT) {
			fprintf(stderr, "%s: no aperturefs mount in "
				"/proc/self/mountinfo: mount one "
				"(aperturefs /mnt/apertures, as root with "
				"aperture_io loaded) or name one with -m\n",
				apc_prog);
			return AP_EXIT_ACCESS;
		}
		if (ret) {
			fprintf(stderr, "%s: /proc/self/mountinfo: %s\n",
				apc_prog, strerror(-ret));
			return AP_EXIT_ACCESS;
		}
		mount = mnt;
	}
	apc_named(o, what, sizeof(what));
	n = aperture_match(mount, o->slot, o->id, slots, 8, &why);
	if (n == -EINVAL && why)
		return apc_syntax("%s: %s (lspci's syntax: -s "
				  "[[[[DOMAIN]:]BUS]:][DEV][.[FUNC]], -d "
				  "[VENDOR]:[DEVICE][:CLASS])", what, why);
	if (n < 0) {
		fprintf(stderr, "%s: %s: %s (%s)\n", apc_prog, mount,
			strerror(-n), aperture_errno_name(n));
		return AP_EXIT_ACCESS;
	}
	if (!n) {
		fprintf(stderr, "%s: no function under %s matches %s\n",
			apc_prog, mount, what);
		return AP_EXIT_ACCESS;
	}
	if (n > 1) {
		fprintf(stderr, "%s: %s matches %d functions under %s:",
			apc_prog, what, n, mount);
		for (int i = 0; i < n && i < 8; i++)
			fprintf(stderr, " %s", slots[i]);
		fprintf(stderr, "%s: name one (%s -s SLOT)\n",
			n > 8 ? " ..." : "", apc_prog);
		return AP_EXIT_SYNTAX;
	}
	snprintf(what, sizeof(what), "-s %s", slots[0]);
	ret = aperture_open(mount, what, ap);
	if (ret) {
		fprintf(stderr, "%s: %s under %s: %s (%s)\n", apc_prog,
			slots[0], mount, strerror(-ret),
			aperture_errno_name(ret));
		return AP_EXIT_ACCESS;
	}
	/* The command's accesses go through the BAR file, never a mapping,
	 * so that the daemon's rules, its log and `aperture trace` see each
	 * one (a shell user pays a process start per command anyway). */
	aperture_set_access(*ap, APERTURE_ACCESS_FILE);
	return 0;
}

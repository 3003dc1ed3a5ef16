// SPDX-License-Identifier: MIT
/*
 * smaps.c - whether a mapping is I/O memory, as /proc/self/smaps says.
 *
 * lib/io.c maps a BAR for register accesses only where this says the
 * mapping is the device (VM_IO and VM_PFNMAP: "io" and "pf" in its
 * VmFlags), never page cache.  A file of its own so that a host suite
 * (tests/unit/check_lib_widths.c) can stand in for it at link time
 * (-Wl,--wrap=apl_maps_io) and watch the library's loads and stores on
 * a mapping of a plain file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Whether the VmFlags line @flags ("VmFlags: rd wr sh ...") has @f. */
static bool apl_has_flag(const char *flags, const char *f)
{
	size_t n = strlen(f);

	for (const char *p = strchr(flags, ':'); p && *p; p++)
		if (p[-1] == ' ' && !strncmp(p, f, n) &&
		    (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

bool apl_maps_io(const void *addr)
{
	unsigned long start, end;
	char *line = NULL;
	size_t cap = 0;
	bool in = false, io = false;
	FILE *f;

	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return false;
	/* A VMA: "START-END PERMS ...", its "Key: value" lines, VmFlags. */
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = start == (unsigned long)addr;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			io = apl_has_flag(line, "io") && apl_has_flag(line, "pf");
			break;
		}
	}
	free(line);
	fclose(f);
	return io;
}

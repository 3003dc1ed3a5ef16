// SPDX-License-Identifier: MIT
/*
 * io.c - how register accesses reach the device: a mapping of the BAR
 * where it is the device itself, else the BAR file.
 *
 * A shared mmap of a BAR file succeeds only where the mount has FUSE
 * passthrough: the kernel then maps the backing file, the module's
 * per-BAR descriptor, whose mmap maps the BAR's pages (VM_IO |
 * VM_PFNMAP), and loads and stores on it are accesses of exactly their
 * width.  A mapping that succeeds any other way would be page cache (the
 * FUSE file's: stale bytes, and a page-sized read-modify-write of the
 * device on write-back; or a fake machine's backing file), so the
 * mapping is kept only if /proc/self/smaps says it is I/O memory ("io"
 * and "pf" in its VmFlags: lib/smaps.c).  /proc/self/maps cannot tell: since Linux 6.8
 * it shows a backing file's user-visible inode, the FUSE file's.
 * Otherwise, where mmap fails (ENODEV without passthrough, EINVAL for a
 * BAR smaller than a page), accesses are pread/pwrite.  Where the BAR
 * has a width (info's "barN.width: 32": a register BAR, or -o width=N),
 * only accesses of that width use the mapping, which is what the module
 * would make of them; the others go to the file, where the module
 * applies its rule to them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

void apl_io_decide(struct aperture *ap, struct aperture_bar *b)
{
	long page = sysconf(_SC_PAGESIZE);
	char key[32], width[16];
	void *p;

	b->io_how = APL_IO_FILE;
	if (ap->access != APERTURE_ACCESS_AUTO || !b->size ||
	    b->size < (uint64_t)page || b->size > SIZE_MAX)
		return;
	/* mmap first: without passthrough it fails at once (no request). */
	p = mmap(NULL, b->size, PROT_READ | (b->wr_err ? 0 : PROT_WRITE),
		 MAP_SHARED, b->fd, 0);
	if (p == MAP_FAILED)
		return;
	/*
	 * The widths the module would make as asked: every one where info
	 * says "auto" (a prefetchable BAR), else only its width N (a
	 * register BAR is 32; a mount's -o width=N).  The others go to the
	 * file, where the module applies its rule (a dword read and the
	 * bytes picked, or EINVAL).
	 */
	snprintf(key, sizeof(key), "bar%d.width", (int)(b - ap->bars));
	if (!apl_maps_io(p) || aperture_info(ap, key, width, sizeof(width))) {
		munmap(p, b->size);
		return;
	}
	if (!strcmp(width, "auto"))
		b->io_widths = APL_IO_WIDTHS;
	else if (!strcmp(width, "8") || !strcmp(width, "16") ||
		 !strcmp(width, "32") || !strcmp(width, "64"))
		b->io_widths = APL_IO_WIDTHS & 1u << (atoi(width) / 8);
	else
		b->io_widths = 0;
	if (!b->io_widths) {
		munmap(p, b->size);
		return;
	}
	b->io = p;
	b->io_how = APL_IO_MAP;
}

void apl_io_drop(struct aperture_bar *b)
{
	if (b->io)
		munmap((void *)b->io, b->size);
	b->io = NULL;
	b->io_widths = 0;
	b->io_how = APL_IO_UNDECIDED;
}

int aperture_set_access(struct aperture *ap, int how)
{
	if (!ap || (how != APERTURE_ACCESS_AUTO && how != APERTURE_ACCESS_FILE))
		return -EINVAL;
	ap->access = how;
	for (int i = 0; i < APERTURE_NR_BARS; i++)
		apl_io_drop(&ap->bars[i]);
	return 0;
}

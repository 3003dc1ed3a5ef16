// SPDX-License-Identifier: MIT
/*
 * io.c - how register accesses reach the device: a mapping of the BAR
 * where it is the device itself, else the BAR file.
 *
 * A shared mmap of a BAR file succeeds only where the mount has FUSE
 * passthrough: the kernel then maps the backing file (the module's
 * per-BAR descriptor, whose pages are the BAR; on a fake machine its
 * backing file), and loads and stores on it are accesses of exactly
 * their width.  A mapping that succeeds any other way would be the page
 * cache of the FUSE file (stale bytes, and a page-sized read-modify-
 * write of the device on write-back), so the mapping is kept only if
 * /proc/self/maps shows it maps a file on another device than the
 * mount's; otherwise, and where mmap fails (ENODEV without passthrough,
 * EINVAL for a BAR smaller than a page), accesses are pread/pwrite.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

bool apl_maps_other_device(const void *addr, dev_t dev)
{
	unsigned long start, end;
	unsigned int maj, min;
	char *line = NULL;
	size_t cap = 0;
	bool other = false;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return false;
	/* START-END PERMS OFFSET MAJ:MIN INODE [PATH] */
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%lx-%lx %*s %*s %x:%x", &start, &end, &maj,
			   &min) != 4 || start != (unsigned long)addr)
			continue;
		/* 0:0 is no file at all: not what a BAR file maps. */
		other = (maj || min) &&
			(maj != major(dev) || min != minor(dev));
		break;
	}
	free(line);
	fclose(f);
	return other;
}

void apl_io_decide(struct aperture *ap, struct aperture_bar *b)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	b->io_how = APL_IO_FILE;
	if (ap->access != APERTURE_ACCESS_AUTO || !b->size ||
	    b->size < (uint64_t)page || b->size > SIZE_MAX)
		return;
	p = mmap(NULL, b->size, PROT_READ | (b->wr_err ? 0 : PROT_WRITE),
		 MAP_SHARED, b->fd, 0);
	if (p == MAP_FAILED)
		return;
	if (!apl_maps_other_device(p, b->dev)) {
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

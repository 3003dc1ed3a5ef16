/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what libaperture's files share and do not export: the
 * layout of struct aperture and the helpers between lib/open.c,
 * lib/access.c and lib/map.c.  The version script (lib/libaperture.map)
 * exports aperture_* only.
 */
#ifndef APERTURE_LIB_INTERNAL_H
#define APERTURE_LIB_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "aperture/aperture.h"

/* One BAR file of a function, opened on first use. */
struct aperture_bar {
	int fd;			/* the BAR file, -1 until opened */
	int wr_err;		/* 0, or -errno why fd is read-only */
	uint64_t size;		/* its size (st_size) once opened */
	void *map;		/* aperture_map()'s mapping, or NULL */
	size_t map_len;		/* its length */
};

struct aperture {
	char mount[APERTURE_PATH_MAX];	/* the mount point */
	char slot[APERTURE_SLOT_MAX];	/* "dddd:bb:dd.f" (or 5 digits) */
	struct aperture_bar bars[APERTURE_NR_BARS];
};

/*
 * Whether @path may be accessed as @mode (R_OK, W_OK, 0) says: 0,
 * -ENOENT, -EACCES (no such bit for anyone, or for the caller).
 */
int apl_access(const char *path, int mode);

/* Open BAR @bar's file if it is not open yet; 0 or -errno. */
int apl_bar_get(struct aperture *ap, int bar, struct aperture_bar **out);

#endif /* APERTURE_LIB_INTERNAL_H */

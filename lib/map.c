// SPDX-License-Identifier: MIT
/*
 * map.c - mapping a whole BAR through its file, and why not.
 *
 * A BAR file maps only where the mount has FUSE passthrough; elsewhere
 * mmap fails (ENODEV) and the function's info file says why on its
 * "barN.mmap: no (REASON)" line, which is what the caller gets back, in
 * @why and in aperture_last_error().  That line is the mount's, fixed
 * when it was mounted: no other caller changes it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/* The reason in info's "barN.mmap: no (REASON)", else strerror(-err). */
static void aperture_map_why(struct aperture *ap, int bar, int err,
			     char *why, size_t len)
{
	char key[16], val[512];
	size_t n;

	snprintf(key, sizeof(key), "bar%d.mmap", bar);
	if (!aperture_info(ap, key, val, sizeof(val)) &&
	    !strncmp(val, "no (", 4) && (n = strlen(val)) > 5 &&
	    val[n - 1] == ')') {
		snprintf(why, len, "%.*s", (int)(n - 5), val + 4);
		return;
	}
	snprintf(why, len, "%s", strerror(-err));
}

int aperture_map(struct aperture *ap, int bar, volatile void **addr,
		 size_t *len, char *why, size_t whylen)
{
	struct aperture_bar *b;
	char reason[256];
	void *p;
	int ret;

	ret = apl_bar_get(ap, bar, &b);
	if (ret)
		goto out_why;
	if (!b->map) {
		if (!b->size) {
			ret = -EINVAL;
			goto out_why;
		}
		p = mmap(NULL, b->size,
			 PROT_READ | (b->wr_err ? 0 : PROT_WRITE), MAP_SHARED,
			 b->fd, 0);
		if (p == MAP_FAILED) {
			ret = -errno;
			goto out_why;
		}
		b->map = p;
		b->map_len = b->size;
	}
	*addr = b->map;
	*len = b->map_len;
	return 0;

out_why:
	if (!ap)
		return ret;
	aperture_map_why(ap, bar, ret, reason, sizeof(reason));
	if (why && whylen)
		snprintf(why, whylen, "%s", reason);
	return apl_fail(ap, ret, "bar%d: mmap: %s", bar, reason);
}

int aperture_unmap(struct aperture *ap, int bar)
{
	struct aperture_bar *b;

	if (!ap || bar < 0 || bar >= APERTURE_NR_BARS)
		return -EINVAL;
	b = &ap->bars[bar];
	if (!b->map)
		return -ENOENT;
	munmap(b->map, b->map_len);
	b->map = NULL;
	b->map_len = 0;
	return 0;
}

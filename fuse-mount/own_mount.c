// SPDX-License-Identifier: MIT
/*
 * own_mount.c - -o own=BDF[;BDF...]: the functions named are bound to
 * aperture_io when the mount starts (src/own_sysfs.c, as `aperture own`
 * binds them) and released when it ends, so that a mount in fstab gives a
 * lab its devices' dma/ and irq/ for as long as it is mounted.  A
 * function owned already is left owned at unmount (this mount did not
 * bind it); one with another driver, or that aperture_io does not bind,
 * stops the mount with a message naming it, after releasing what this
 * mount bound so far.
 */
#include <errno.h>
#include <string.h>

#include "aperturefs.h"
#include "own_sysfs.h"

#define AP_SYSFS	"/sys"

void ap_own_unmount(struct ap_fs *fs)
{
	const char *file;
	char drv[64];
	int ret;

	for (size_t i = 0; i < fs->n_own; i++) {
		if (!fs->own_ours[i])
			continue;
		ret = ap_sysfs_release(AP_SYSFS, fs->own[i], drv, sizeof(drv),
				       &file);
		if (ret < 0 && ret != -ENOENT)
			fuse_log(FUSE_LOG_ERR, "aperturefs: -o own: cannot "
				 "release %s: %s%s%s\n", fs->own[i],
				 strerror(-ret), *drv ? ", driven by " : "",
				 drv);
		fs->own_ours[i] = false;
	}
}

void ap_own_mount(struct ap_fs *fs)
{
	const char *file;
	char drv[64];
	int ret;

	for (size_t i = 0; i < fs->n_own; i++) {
		ret = ap_sysfs_own(AP_SYSFS, fs->own[i], drv, sizeof(drv),
				   &file);
		if (ret >= 0) {
			fs->own_ours[i] = !ret;
			continue;
		}
		ap_own_unmount(fs);
		if (ret == -ENOENT)
			ap_die("-o own: no PCI function %s", fs->own[i]);
		if (ret == -EBUSY)
			ap_die("-o own: %s is driven by %s: aperture_io takes "
			       "no function from its driver (unbind it first)",
			       fs->own[i], drv);
		if (ret == -ENXIO)
			ap_die("-o own: aperture_io did not bind %s (is the "
			       "module new enough to own functions? dmesg may "
			       "say why)", fs->own[i]);
		ap_die("-o own: %s: cannot write /sys/%s: %s", fs->own[i],
		       file ? file : "", strerror(-ret));
	}
}

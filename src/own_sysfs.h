/* SPDX-License-Identifier: MIT */
/*
 * own_sysfs.h - owning and releasing a PCI function through sysfs
 * (own_sysfs.c), shared by `aperture own` and aperturefs -o own=.
 */
#ifndef APERTURE_OWN_SYSFS_H
#define APERTURE_OWN_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

#define AP_SYSFS_DRIVER	"aperture_io"

/* "dddd:bb:dd.f" or "bb:dd.f" into its sysfs name: 0 or -EINVAL. */
int ap_sysfs_bdf(const char *w, char *buf, size_t len);

/* The driver bound to @bdf into @buf ("" if none): 0 or -ENOENT. */
int ap_sysfs_driver(const char *root, const char *bdf, char *buf,
		    size_t len);

/*
 * Bind @bdf to aperture_io.  0 done, 1 owned already; -ENOENT no such
 * function; -EBUSY another driver has it (its name in @drv); -ENXIO
 * aperture_io did not bind it (the override is undone; what is bound,
 * if anything, in @drv); another -errno from writing *@file.
 */
int ap_sysfs_own(const char *root, const char *bdf, char *drv, size_t len,
		 const char **file);

/*
 * Unbind @bdf from aperture_io and clear its driver_override.  0 done
 * (or there was nothing to release); -ENOENT; -EBUSY another driver has
 * it (@drv); -EIO still bound after (@drv); another -errno from writing
 * *@file.
 */
int ap_sysfs_release(const char *root, const char *bdf, char *drv,
		     size_t len, const char **file);

#endif /* APERTURE_OWN_SYSFS_H */

// SPDX-License-Identifier: MIT
/*
 * errname.c - errors: symbolic names of errno values, and why the last
 * failed call on a handle failed.
 *
 * The names come from a table of our own: glibc's strerrorname_np is
 * glibc 2.32's alone, and the library must build on any libc.  The table
 * holds every errno the library, the daemon and the module hand back, and
 * the common ones beside them.  The reason of a failure is kept in its
 * handle, so that no other handle, thread or process can change it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "internal.h"

#define E(x) { x, #x }

static const struct {
	int err;
	const char *name;
} aperture_errnames[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO),
	E(E2BIG), E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM),
	E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV),
	E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
	E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE),
	E(EDOM), E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOSYS),
	E(ENOTEMPTY), E(ELOOP), E(ENODATA), E(ENOTUNIQ), E(EOVERFLOW),
	E(EBADFD), E(EILSEQ), E(EOPNOTSUPP), E(ENOTCONN), E(ESHUTDOWN),
	E(ETIMEDOUT), E(ECONNREFUSED), E(EHOSTDOWN), E(EALREADY),
	E(EINPROGRESS), E(ESTALE), E(ECANCELED), E(EOWNERDEAD),
	E(ENOTRECOVERABLE), E(ENOMEDIUM), E(EMEDIUMTYPE), E(EHWPOISON),
};

const char *aperture_errno_name(int err)
{
	err = err < 0 ? -err : err;
	for (size_t i = 0; i < sizeof(aperture_errnames) /
				sizeof(aperture_errnames[0]); i++)
		if (aperture_errnames[i].err == err)
			return aperture_errnames[i].name;
	return NULL;
}

int apl_fail(struct aperture *ap, int ret, const char *fmt, ...)
{
	va_list va;
	int n;

	if (!ap)
		return ret;
	n = snprintf(ap->err, sizeof(ap->err), "%s ", ap->slot);
	va_start(va, fmt);
	vsnprintf(ap->err + n, sizeof(ap->err) - n, fmt, va);
	va_end(va);
	return ret;
}

const char *aperture_last_error(const struct aperture *ap)
{
	return ap ? ap->err : "";
}

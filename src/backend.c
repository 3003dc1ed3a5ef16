// SPDX-License-Identifier: MIT
/*
 * backend.c - what every backend shares: counted scans and release.
 */
#include <errno.h>
#include <string.h>

#include "backend.h"

/* The head every structure of the owned-function calls starts with. */
struct ap_own_head {
	__u32 argsz;
	__u32 abi_version;
	__u32 domain;
	__u8 bus;
	__u8 devfn;
};

int ap_backend_own(struct ap_backend *be, const struct ap_func *f,
		   unsigned long cmd, void *arg, size_t argsz)
{
	struct ap_own_head *h = arg;

	h->argsz = argsz;
	h->domain = f->domain;
	h->bus = f->bus;
	h->devfn = (f->dev << 3) | f->func;
	return be->ops->own(be, f, cmd, arg);
}

int ap_backend_func_info(struct ap_backend *be, const struct ap_func *f,
			 struct aperture_io_func *out)
{
	memset(out, 0, sizeof(*out));
	return ap_backend_own(be, f, APERTURE_IO_FUNC_INFO, out, sizeof(*out));
}

ssize_t ap_backend_scan(struct ap_backend *be,
			const struct ap_filter_list *filters,
			struct ap_func **out)
{
	__atomic_add_fetch(&be->scans, 1, __ATOMIC_RELAXED);
	return be->ops->scan(be, filters, out);
}

unsigned long ap_backend_scans(struct ap_backend *be)
{
	return __atomic_load_n(&be->scans, __ATOMIC_RELAXED);
}

void ap_backend_free(struct ap_backend *be)
{
	if (be)
		be->ops->free(be);
}

// SPDX-License-Identifier: MIT
/*
 * backend.c - what every backend shares: counted scans and release.
 */
#include "backend.h"

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

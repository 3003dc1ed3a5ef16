// SPDX-License-Identifier: MIT
/*
 * info.c - the text of a function's info file.
 *
 * Names and BAR lines are worded as lspci -v words them; the bar<N>.<key>
 * lines after them are for scripts (one value each, no units).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aperture.h"

/* lspci's show_size(): " [size=4K]". */
static void ap_info_size(FILE *f, uint64_t x)
{
	static const char *const suffix[] = { "", "K", "M", "G", "T" };
	unsigned int i;

	if (!x)
		return;
	for (i = 0; i < 4; i++) {
		if (x % 1024)
			break;
		x /= 1024;
	}
	fprintf(f, " [size=%llu%s]", (unsigned long long)x, suffix[i]);
}

static const char *ap_yes(bool b)
{
	return b ? "yes" : "no";
}

static void ap_info_bar(FILE *f, const struct ap_func *fn, int i,
			const struct ap_bar_status *st)
{
	const struct ap_bar *b = &fn->bars[i];
	bool io = b->flags & APERTURE_IO_BAR_IO;

	if (io) {
		fprintf(f, "bar%d: I/O ports at %04llx", i,
			(unsigned long long)b->start);
	} else {
		fprintf(f, "bar%d: Memory at %08llx (%s, %sprefetchable)", i,
			(unsigned long long)b->start,
			b->flags & APERTURE_IO_BAR_64 ? "64-bit" : "32-bit",
			b->flags & APERTURE_IO_BAR_PREFETCH ? "" : "non-");
	}
	ap_info_size(f, b->size);
	fputc('\n', f);
	fprintf(f, "bar%d.address: 0x%llx\n", i, (unsigned long long)b->start);
	fprintf(f, "bar%d.size: %llu\n", i, (unsigned long long)b->size);
	fprintf(f, "bar%d.type: %s\n", i, io ? "io" : "mem");
	fprintf(f, "bar%d.64bit: %s\n", i,
		ap_yes(b->flags & APERTURE_IO_BAR_64));
	fprintf(f, "bar%d.prefetchable: %s\n", i,
		ap_yes(b->flags & APERTURE_IO_BAR_PREFETCH));
	if (!st)
		return;
	if (st->err) {
		fprintf(f, "bar%d.memtype: -\n", i);
		fprintf(f, "bar%d.width: -\n", i);
		fprintf(f, "bar%d.decoding: -\n", i);
		fprintf(f, "bar%d.mmap: no (the module refused the BAR)\n", i);
		fprintf(f, "bar%d.module: refused: %s (%s)\n", i,
			strerror(-st->err), ap_errno_name(st->err));
		return;
	}
	fprintf(f, "bar%d.memtype: %s\n", i,
		st->desc.memtype ? ap_memtype_name(st->desc.memtype) : "-");
	fprintf(f, "bar%d.width: %s\n", i, ap_width_name(st->desc.width));
	fprintf(f, "bar%d.decoding: %s\n", i,
		!(st->desc.state & APERTURE_IO_STATE_VALID) ? "-" :
		ap_yes(st->desc.state & APERTURE_IO_STATE_DECODING));
	if (st->mmap_no)
		fprintf(f, "bar%d.mmap: no (%s)\n", i, st->mmap_no);
	else
		fprintf(f, "bar%d.mmap: yes\n", i);
	fprintf(f, "bar%d.module: ok\n", i);
}

ssize_t ap_info_format(const struct ap_func *fn,
		       const struct ap_bar_status *st, char **out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	fprintf(f, "slot: %s\n", fn->slot);
	fprintf(f, "name: %s\n", fn->description);
	fprintf(f, "vendor: %s\n", fn->vendor_name);
	fprintf(f, "device: %s\n", fn->device_name);
	fprintf(f, "class: %s\n", fn->class_name);
	if (fn->subsys_name[0])
		fprintf(f, "subsystem: %s\n", fn->subsys_name);
	fprintf(f, "revision: %02x\n", fn->rev_id);
	fprintf(f, "driver: %s\n", fn->driver[0] ? fn->driver : "(none)");
	for (int i = 0; i < AP_NR_BARS; i++)
		if (ap_func_has_bar(fn, i))
			ap_info_bar(f, fn, i, st ? &st[i] : NULL);
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return len;
}

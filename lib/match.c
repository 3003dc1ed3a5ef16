// SPDX-License-Identifier: MIT
/*
 * match.c - which functions of a mount lspci's -s and -d name.
 *
 * The syntax is libpci's own, through the daemon's filter code
 * (src/filter.c: pci_filter_parse_slot, pci_filter_parse_id and libpci's
 * matching rules), so "04.0", "00:04", "1234:" and "::0300" mean here what
 * they mean to lspci and to aperturefs -o filter=.  The mount is the only
 * source: a function is a directory "dddd:bb:dd.f", its vendor, device
 * and class are the [xxxx] of its info file's "vendor:", "device:" and
 * "class:" lines.  Nothing here reads a device.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../src/aperture.h"

/* The hex number in the last "[...]" of @line, or -1. */
static long apl_bracket(const char *line)
{
	const char *b = strrchr(line, '[');
	char *end;
	long v;

	if (!b)
		return -1;
	v = strtol(b + 1, &end, 16);
	return end == b + 1 || *end != ']' ? -1 : v;
}

/* Vendor, device and class of the function @slot from its info file. */
static void apl_func_ids(const char *mount, const char *slot,
			 struct ap_func *f)
{
	char path[APERTURE_PATH_MAX + 64], *line = NULL;
	size_t cap = 0;
	FILE *in;

	snprintf(path, sizeof(path), "%s/%s/info", mount, slot);
	in = fopen(path, "re");
	if (!in)
		return;
	while (getline(&line, &cap, in) > 0) {
		long v = apl_bracket(line);

		if (v < 0)
			continue;
		if (!strncmp(line, "vendor: ", 8))
			f->vendor_id = (uint16_t)v;
		else if (!strncmp(line, "device: ", 8))
			f->device_id = (uint16_t)v;
		else if (!strncmp(line, "class: ", 7))
			f->class_id = (uint16_t)v;
	}
	free(line);
	fclose(in);
}

static int apl_slot_cmp(const void *a, const void *b)
{
	const struct ap_func *x = a, *y = b;

	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	return (x->bus << 8 | x->dev << 3 | x->func) -
	       (y->bus << 8 | y->dev << 3 | y->func);
}

int aperture_match(const char *mount, const char *slot, const char *id,
		   char (*slots)[APERTURE_SLOT_MAX], size_t max,
		   const char **why)
{
	char mnt[APERTURE_PATH_MAX];
	struct ap_filter_list *fl;
	struct ap_func *v = NULL;
	struct dirent *de;
	size_t n = 0, cap = 0;
	int ret;
	DIR *d;

	if (!mount) {
		ret = aperture_find_mount(mnt, sizeof(mnt));
		if (ret)
			return ret;
		mount = mnt;
	}
	fl = ap_filter_list_new();
	if (!fl)
		return -ENOMEM;
	ret = ap_filter_add_lspci(fl, slot, id, why);
	if (ret)
		goto out_free;
	d = opendir(mount);
	if (!d) {
		ret = -errno;
		goto out_free;
	}
	while ((de = readdir(d))) {
		unsigned int dom, bus, dev, fn;
		struct ap_func f = { 0 };
		char end;

		if (sscanf(de->d_name, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn,
			   &end) != 4 || bus > 0xff || dev > 0x1f || fn > 7 ||
		    strlen(de->d_name) >= APERTURE_SLOT_MAX)
			continue;
		f.domain = dom;
		f.bus = bus;
		f.dev = dev;
		f.func = fn;
		snprintf(f.slot, sizeof(f.slot), "%s", de->d_name);
		if (id)
			apl_func_ids(mount, f.slot, &f);
		if (!ap_filter_match(fl, &f))
			continue;
		if (n == cap) {
			struct ap_func *nv;

			cap = cap ? 2 * cap : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[n++] = f;
	}
	closedir(d);
	if (ret)
		goto out_free;
	if (n)
		qsort(v, n, sizeof(*v), apl_slot_cmp);
	for (size_t i = 0; i < n && i < max; i++)
		snprintf(slots[i], APERTURE_SLOT_MAX, "%s", v[i].slot);
	ret = n > 0x7fffffff ? 0x7fffffff : (int)n;
out_free:
	free(v);
	ap_filter_list_free(fl);
	return ret;
}

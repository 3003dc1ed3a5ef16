// SPDX-License-Identifier: MIT
/*
 * fake_func.c - the fake machine's functions once parsed (fake.c): which
 * are the same across a reload, the memory behind their BARs, and the
 * functions as libpci sees them (config spaces in `lspci -x` form).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"

bool ap_fake_func_same(const struct ap_fake_func *a,
		       const struct ap_fake_func *b)
{
	if (strcmp(a->slot, b->slot) || strcmp(a->driver, b->driver) ||
	    a->own.msi_max != b->own.msi_max ||
	    a->own.msix_max != b->own.msix_max ||
	    memcmp(a->config, b->config, sizeof(a->config)))
		return false;
	for (int i = 0; i < AP_NR_BARS; i++) {
		const struct ap_fake_bar *x = &a->bars[i], *y = &b->bars[i];

		if (x->size != y->size || x->flags != y->flags ||
		    !x->file != !y->file || (x->file && strcmp(x->file, y->file)))
			return false;
	}
	return true;
}

void ap_fake_func_take_memory(struct ap_fake_func *to,
			      struct ap_fake_func *from)
{
	for (int i = 0; i < AP_NR_BARS; i++) {
		to->bars[i].mem = from->bars[i].mem;
		from->bars[i].mem = -1;
	}
	/* What the user set on an owned function stays too. */
	to->own = from->own;
}

int ap_fake_func_back(struct ap_fake_func *f, char *err, size_t errlen)
{
	for (int i = 0; i < AP_NR_BARS; i++) {
		struct ap_fake_bar *b = &f->bars[i];
		struct stat st;

		if (!b->size)
			continue;
		if (b->file)
			b->mem = open(b->file, O_RDWR | O_CREAT | O_CLOEXEC,
				      0644);
		else
			b->mem = memfd_create("aperturefs-fake", MFD_CLOEXEC);
		if (b->mem < 0 || fstat(b->mem, &st) < 0 ||
		    ((uint64_t)st.st_size < b->size &&
		     ftruncate(b->mem, b->size) < 0)) {
			int e = errno;

			snprintf(err, errlen, "%s bar%d: %s: %s", f->slot, i,
				 b->file ? b->file : "memory", strerror(e));
			return -e;
		}
	}
	return 0;
}

void ap_fake_bar_desc(const struct ap_fake_func *f, int bar, uint32_t flags,
		      struct aperture_io_bar *out)
{
	const struct ap_fake_bar *b = &f->bars[bar];
	uint32_t mt = flags & APERTURE_IO_MEMTYPE_MASK;

	memset(out, 0, sizeof(*out));
	out->argsz = sizeof(*out);
	out->abi_version = APERTURE_IO_ABI_VERSION;
	out->domain = f->domain;
	out->bus = f->bus;
	out->devfn = (f->dev << 3) | f->fn;
	out->bar = bar;
	out->flags = flags;
	out->fd = -1;
	out->start = b->addr;
	out->size = b->size;
	out->bar_flags = b->flags;
	/* The module's rules: auto is wc on prefetchable memory, else uc. */
	if (b->flags & APERTURE_IO_BAR_MEM)
		out->memtype = mt ? mt : (b->flags & APERTURE_IO_BAR_PREFETCH ?
				       APERTURE_IO_MEMTYPE_WC :
				       APERTURE_IO_MEMTYPE_UC);
	out->width = flags & APERTURE_IO_WIDTH_MASK;
	/* A fake function always decodes. */
	out->state = APERTURE_IO_STATE_VALID | APERTURE_IO_STATE_DECODING;
}

int ap_fake_bar_open(const struct ap_fake_func *f, int bar, uint32_t flags)
{
	char path[64];
	int fd;

	/* I/O ports have no 8-byte access: refused, as the module does. */
	if ((f->bars[bar].flags & APERTURE_IO_BAR_IO) &&
	    (flags & APERTURE_IO_WIDTH_MASK) == APERTURE_IO_WIDTH_64)
		return -EINVAL;
	/* A new open file description, so that a read-only one refuses
	 * writes (EBADF) as the module's does. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", f->bars[bar].mem);
	fd = open(path, (flags & APERTURE_IO_OPEN_RDONLY ? O_RDONLY : O_RDWR) |
				O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Write @m's config spaces in `lspci -x` form to a memfd. */
static int ap_fake_dump(const struct ap_fake_machine *m)
{
	FILE *f;
	int fd, ret = 0;

	fd = memfd_create("aperturefs-fake-dump", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	f = fdopen(dup(fd), "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->n; i++) {
		fprintf(f, "%s fake\n", m->funcs[i].slot);
		for (int off = 0; off < AP_FAKE_CONFIG_SIZE; off += 16) {
			fprintf(f, "%02x:", off);
			for (int k = 0; k < 16; k++)
				fprintf(f, " %02x", m->funcs[i].config[off + k]);
			fputc('\n', f);
		}
		fputc('\n', f);
	}
	if (fclose(f))
		ret = -EIO;
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

ssize_t ap_fake_funcs(const struct ap_fake_machine *m,
		      const struct ap_filter_list *filters,
		      struct ap_func **out)
{
	struct ap_pci_config cfg = { .ids_file = m->ids };
	struct ap_pci *pci;
	char path[64];
	ssize_t n;
	int fd;

	fd = ap_fake_dump(m);
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	cfg.dump_file = path;
	pci = ap_pci_open(&cfg);
	if (!pci) {
		n = -errno;
		close(fd);
		return n;
	}
	n = ap_pci_scan(pci, filters, out);
	ap_pci_close(pci);
	close(fd);
	/* What libpci cannot know from config space: sizes and drivers. */
	for (ssize_t i = 0; i < n; i++) {
		struct ap_func *f = &(*out)[i];

		for (size_t j = 0; j < m->n; j++) {
			if (strcmp(m->funcs[j].slot, f->slot))
				continue;
			for (int b = 0; b < AP_NR_BARS; b++)
				f->bars[b].size = m->funcs[j].bars[b].size;
			snprintf(f->driver, sizeof(f->driver), "%s",
				 m->funcs[j].driver);
		}
	}
	return n;
}

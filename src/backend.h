/* SPDX-License-Identifier: MIT */
/*
 * backend.h - how the daemon reaches PCI functions and their BARs.
 *
 * A backend is a small method table, as pciutils' access methods are
 * (lib/internal.h struct pci_methods): the FUSE operations call these
 * methods and never know which backend answers.  Two exist:
 *
 *   module   the real machine: libpci's sysfs scan, config space and the
 *            driver from sysfs, BARs through /dev/aperture_io
 *            (backend_module.c)
 *   fake     functions described by a text file, each BAR backed by an
 *            ordinary file or anonymous memory; no module, no root, no PCI
 *            device (backend_fake.c; the format is described there and in
 *            README's "A fake machine")
 *
 * Rules every backend follows, so that the daemon's semantics are the
 * same on both:
 *   - scan() lists the functions that exist now, with at least one BAR,
 *     that pass the filters, sorted by slot, named as lspci names them;
 *   - bar_open() hands back a regular-file descriptor: pread/pwrite at any
 *     offset reach the BAR, mmap maps it, FUSE passthrough may use it as a
 *     backing file; the caller closes it;
 *   - once a function is gone, its open descriptors answer -ENODEV and
 *     config_read()/driver() answer -ENODEV;
 *   - event_fd() is a descriptor that becomes readable when functions may
 *     have come or gone (hot-plug), or -1; event() drains it and returns
 *     > 0 if a scan is due.
 * Methods return -errno and never print.
 */
#ifndef APERTURE_BACKEND_H
#define APERTURE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "aperture.h"

struct ap_backend;

/* The methods of a backend; every one is set. */
struct ap_backend_ops {
	const char *name;	/* "module", "fake": for messages */
	bool rw_passthrough;	/* its descriptors bound reads and writes
				 * and answer -ENODEV themselves, so FUSE
				 * passthrough may send read/write straight
				 * to them (else only mmap is passed) */

	/* Functions now (see above) into *@out (malloc'ed): count or -errno. */
	ssize_t (*scan)(struct ap_backend *be,
			const struct ap_filter_list *filters,
			struct ap_func **out);

	/*
	 * What BAR @bar of @f is when opened with @flags (APERTURE_IO_WIDTH_*,
	 * _MEMTYPE_*, _OPEN_RDONLY): with @open false nothing is opened and
	 * out->fd is -1; with @open true out->fd is a new descriptor.
	 */
	int (*bar)(struct ap_backend *be, const struct ap_func *f, int bar,
		   uint32_t flags, bool open, struct aperture_io_bar *out);

	/* Bytes at @off of an open BAR descriptor (already clamped to it). */
	ssize_t (*pread)(struct ap_backend *be, int fd, void *buf, size_t len,
			 uint64_t off);
	ssize_t (*pwrite)(struct ap_backend *be, int fd, const void *buf,
			  size_t len, uint64_t off);

	/* Config space of @f: size, and bytes at @off (short at the end). */
	ssize_t (*config_size)(struct ap_backend *be, const struct ap_func *f);
	ssize_t (*config_read)(struct ap_backend *be, const struct ap_func *f,
			       void *buf, size_t len, uint64_t off);

	/* The driver bound to @f now into @buf ("" if none): 0 or -errno. */
	int (*driver)(struct ap_backend *be, const struct ap_func *f,
		      char *buf, size_t len);

	/*
	 * Owned functions (aperture_io.h, "Owned functions"): @cmd is
	 * APERTURE_IO_FUNC_INFO, _SET_MASTER, _SET_DMA_MASK, _DMA_ALLOC,
	 * _IRQ_SET or _IRQ_OPEN and @arg its structure, with argsz and the
	 * "in" fields set but the function's address, which the backend
	 * fills from @f (ap_backend_own()).  0 or -errno, as the module's
	 * ioctl: -EACCES on a function that is not owned.
	 */
	int (*own)(struct ap_backend *be, const struct ap_func *f,
		   unsigned long cmd, void *arg);

	/*
	 * A vector descriptor (IRQ_OPEN, made non-blocking by the caller):
	 * irq_read() adds the interrupts counted since its last read to
	 * *@count and returns 1, or 0 if none came, or -errno (-ENODEV once
	 * the vector is gone); irq_write() passes APERTURE_IO_IRQ_MASK or
	 * _UNMASK on.
	 */
	int (*irq_read)(struct ap_backend *be, int fd, uint64_t *count);
	int (*irq_write)(struct ap_backend *be, int fd, uint64_t value);

	/* Hot-plug events: see above. */
	int (*event_fd)(struct ap_backend *be);
	int (*event)(struct ap_backend *be);

	/* Release everything (NULL-safe via ap_backend_free()). */
	void (*free)(struct ap_backend *be);
};

/* What every backend starts with; each embeds it first. */
struct ap_backend {
	const struct ap_backend_ops *ops; /* its methods */
	unsigned long scans;		/* scans done (read with __atomic):
					 * shown in the daemon's log, and a
					 * test's proof that a lookup did not
					 * rescan */
};

/*
 * The real machine: libpci over sysfs (@sysfs_root, normally
 * "/sys/bus/pci/devices") and the module's control node @ctl, which the
 * backend owns from now on.  NULL and errno on failure.
 */
struct ap_backend *ap_backend_module(int ctl, const char *sysfs_root);

/*
 * A fake machine described by the file @path.  On a syntax or set-up
 * error returns NULL, sets errno and writes "FILE:LINE: what" into @err.
 */
struct ap_backend *ap_backend_fake(const char *path, char *err,
				   size_t errlen);

/* Scan through the backend, counting scans. */
ssize_t ap_backend_scan(struct ap_backend *be,
			const struct ap_filter_list *filters,
			struct ap_func **out);

/* Scans done so far. */
unsigned long ap_backend_scans(struct ap_backend *be);

void ap_backend_free(struct ap_backend *be);

/* be->ops->own() with @arg's argsz and function address filled in. */
int ap_backend_own(struct ap_backend *be, const struct ap_func *f,
		   unsigned long cmd, void *arg, size_t argsz);

/* FUNC_INFO of @f into @out: 0 or -errno (-ENOTTY: module too old). */
int ap_backend_func_info(struct ap_backend *be, const struct ap_func *f,
			 struct aperture_io_func *out);

#endif /* APERTURE_BACKEND_H */

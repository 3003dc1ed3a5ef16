/* SPDX-License-Identifier: MIT */
/*
 * fake.h - the fake machine's description and the memory behind its BARs
 * (fake.c), used by the fake backend (backend_fake.c).
 */
#ifndef APERTURE_FAKE_H
#define APERTURE_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "aperture.h"

#define AP_FAKE_CONFIG_SIZE	256	/* conventional config space */

/* One BAR of a fake function. */
struct ap_fake_bar {
	uint64_t size;			/* bytes, 0 = not implemented */
	uint64_t addr;			/* bus address shown */
	unsigned int flags;		/* APERTURE_IO_BAR_* */
	char *file;			/* backing file (absolute), or NULL */
	int mem;			/* memfd or the open file, -1 = none */
};

/*
 * What an owned fake function (driver=aperture_io) can do and has now:
 * memory buffers with made-up bus addresses, and vectors that are FIFOs
 * beside the description (fake_own.c).
 */
struct ap_fake_own {
	unsigned int msi_max;		/* msi=N of the description */
	unsigned int msix_max;		/* msix=N of the description */
	uint32_t master;		/* bus mastering on */
	uint32_t dma_bits;		/* DMA mask width (32 at first) */
	uint32_t irq_type;		/* APERTURE_IO_IRQ_* enabled */
	uint32_t irq_count;		/* vectors enabled */
	uint64_t next_dma;		/* next bus address handed out */
};

/* One fake function, as described. */
struct ap_fake_func {
	char slot[AP_SLOT_LEN];		/* "dddd:bb:dd.f" */
	uint32_t domain;		/* PCI domain */
	uint8_t bus, dev, fn;		/* address */
	char driver[64];		/* driver= or "" */
	uint8_t config[AP_FAKE_CONFIG_SIZE]; /* config space */
	struct ap_fake_bar bars[AP_NR_BARS]; /* BAR0..5 */
	unsigned int gen;		/* generation (the backend's) */
	struct ap_fake_own own;		/* owned: its DMA and interrupts */
};

/* A whole description. */
struct ap_fake_machine {
	struct ap_fake_func *funcs;	/* in file order */
	size_t n;			/* how many */
	char *ids;			/* ids FILE (absolute), or NULL */
};

/* Parse @path into @m; on error "FILE:LINE: what" in @err, -errno. */
int ap_fake_parse(const char *path, struct ap_fake_machine *m, char *err,
		  size_t errlen);
void ap_fake_machine_free(struct ap_fake_machine *m);

/* Same definition (config, sizes, files, driver)? */
bool ap_fake_func_same(const struct ap_fake_func *a,
		       const struct ap_fake_func *b);

/* Move the memory behind @from's BARs to @to (same definition). */
void ap_fake_func_take_memory(struct ap_fake_func *to,
			      struct ap_fake_func *from);

/* Give every BAR of @f its memory or file: 0 or -errno with @err. */
int ap_fake_func_back(struct ap_fake_func *f, char *err, size_t errlen);

/* What BAR @bar is when opened with @flags (fd -1). */
void ap_fake_bar_desc(const struct ap_fake_func *f, int bar, uint32_t flags,
		      struct aperture_io_bar *out);

/* A new descriptor on BAR @bar's memory (read-only with _OPEN_RDONLY). */
int ap_fake_bar_open(const struct ap_fake_func *f, int bar, uint32_t flags);

/*
 * An owned-function call (aperture_io.h) on @f, as the module answers
 * it; vectors are FIFOs "@dir/SLOT.VECTOR" (fake_own.c).  0 or -errno.
 */
int ap_fake_own_call(struct ap_fake_func *f, const char *dir,
		     unsigned long cmd, void *arg);

/* A FIFO vector's interrupts, and its mask (backend irq_read/_write). */
int ap_fake_irq_read(int fd, uint64_t *count);
int ap_fake_irq_write(int fd, uint64_t value);

/*
 * The functions of @m that pass @filters, through libpci's dump method:
 * count or -errno, *@out malloc'ed and sorted by slot.
 */
ssize_t ap_fake_funcs(const struct ap_fake_machine *m,
		      const struct ap_filter_list *filters,
		      struct ap_func **out);

#endif /* APERTURE_FAKE_H */
